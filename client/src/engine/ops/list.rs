//! `LIST "" *` (with `RETURN (SPECIAL-USE)` where offered): the folder tree.

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::{AString, Mailbox, Tag};
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx, FollowUp};
use crate::engine::{folders, Event, Folder, FolderRole};

#[derive(Debug, Default)]
pub(crate) struct List {
    listed: Vec<Folder>,
}

impl List {
    pub(crate) fn start(session: &mut Session) -> Option<(Tag<'static>, Self)> {
        // The empty reference: names are interpreted from the root.
        let (Ok(reference), Ok(pattern)) = (Mailbox::new(&b""[..]), AString::try_from("*")) else {
            return None;
        };
        let body = CommandBody::List {
            reference,
            pattern,
            return_special_use: session.has_capability(&Capability::SpecialUse),
        };
        Some((session.send(body), Self::default()))
    }

    pub(crate) fn data(&mut self, data: &Data<'static>) -> Claim {
        match data {
            Data::List(item) => {
                self.listed.push(folders::folder(item));
                Claim::Mine
            }
            _ => Claim::No,
        }
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        if status.kind != StatusKind::Ok {
            cx.out.push_back(Event::Problem(format!(
                "could not list folders: {}",
                status.text
            )));
            // Without a list there is no Sent folder; a waiting copy is told so.
            cx.follow_ups.push(FollowUp::Listed { sent: None });
            return;
        }
        let mut list = self.listed;
        folders::order(&mut list);
        let sent = list
            .iter()
            .find(|f| f.role == Some(FolderRole::Sent) && f.selectable)
            .map(|f| f.id.clone());
        cx.out.push_back(Event::Folders(list));
        cx.follow_ups.push(FollowUp::Listed { sent });
    }
}
