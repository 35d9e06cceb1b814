//! `NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange))` (RFC 5465): the
//! watch connection asks to be told of changes in every folder of the account at once.
//! With nothing selected, each change comes as an unsolicited `STATUS` (the count, the
//! unread count), and `STATUS` first gives the current counts of every folder; the
//! connection reports them as [`Event::FolderCounts`](crate::engine::Event::FolderCounts).
//! The open folder's own changes reach the app through the command connection's IDLE,
//! which also carries the rows.

use petrel_imap::types::command::{CommandBody, NotifyEvent, NotifyGroup, NotifyMailboxes};
use petrel_imap::types::core::Tag;
use petrel_imap::types::response::{StatusKind, StatusResponse};
use petrel_imap::Session;

use super::Cx;
use crate::engine::Event;

#[derive(Debug)]
pub(crate) struct Notify;

impl Notify {
    pub(crate) fn start(session: &mut Session) -> (Tag<'static>, Self) {
        let body = CommandBody::Notify {
            status: true,
            groups: Some(vec![NotifyGroup {
                mailboxes: NotifyMailboxes::Personal,
                events: vec![
                    NotifyEvent::MessageNew { fetch: Vec::new() },
                    NotifyEvent::MessageExpunge,
                    NotifyEvent::FlagChange,
                ],
            }]),
        };
        (session.send(body), Notify)
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let watching = status.kind == StatusKind::Ok;
        cx.out.push_back(Event::Watching(watching));
    }
}
