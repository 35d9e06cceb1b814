//! `STATUS folder (UNSEEN)`, sent just before a SELECT of the same folder: SELECT says
//! which message is the first unseen, not how many there are.

use petrel_imap::types::command::{CommandBody, StatusAttribute};
use petrel_imap::types::core::{Mailbox, Tag};
use petrel_imap::types::response::{Data, StatusItem, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx};

#[derive(Debug)]
pub(crate) struct Status {
    folder: String,
}

impl Status {
    pub(crate) fn start(
        session: &mut Session,
        mailbox: Mailbox<'static>,
        folder: String,
    ) -> (Tag<'static>, Self) {
        let body = CommandBody::Status {
            mailbox,
            items: vec![StatusAttribute::Unseen],
        };
        (session.send(body), Self { folder })
    }

    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        let Data::Status { mailbox, items } = data else {
            return Claim::No;
        };
        if mailbox.as_bytes() != self.folder.as_bytes() {
            return Claim::No;
        }
        let unseen = items.iter().find_map(|item| match item {
            StatusItem::Unseen(n) => Some(*n),
            _ => None,
        });
        if let Some(selected) = cx.selected.as_mut().filter(|s| s.folder == self.folder) {
            selected.unseen = unseen;
        }
        Claim::Mine
    }

    pub(crate) fn complete(self, _status: StatusResponse<'static>, _cx: &mut Cx<'_>) {}
}
