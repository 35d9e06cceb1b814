//! `STATUS folder (MESSAGES UNSEEN)`: one folder's counts, asked for where the server
//! offers no NOTIFY (RFC 5465), so that the folder list's numbers still move. One command
//! per folder, pipelined.
//!
//! The answer is not claimed: the connection reports every STATUS no operation takes as
//! [`Event::FolderCounts`](crate::engine::Event::FolderCounts), the same event NOTIFY's
//! unsolicited STATUS becomes. A folder that cannot be asked (deleted meanwhile, say) is
//! left as it was.

use petrel_imap::types::command::{CommandBody, StatusAttribute};
use petrel_imap::types::core::{Mailbox, Tag};
use petrel_imap::Session;

#[derive(Debug)]
pub(crate) struct Counts;

impl Counts {
    pub(crate) fn start(session: &mut Session, mailbox: Mailbox<'static>) -> (Tag<'static>, Self) {
        let body = CommandBody::Status {
            mailbox,
            items: vec![StatusAttribute::Messages, StatusAttribute::Unseen],
        };
        (session.send(body), Self)
    }
}
