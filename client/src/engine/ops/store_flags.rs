//! `UID STORE uid +FLAGS.SILENT (flag)`: `\Seen` after a message was opened unread, and
//! `\Answered` on the message a sent one replies to.

use petrel_imap::types::command::{CommandBody, StoreKind};
use petrel_imap::types::core::{SequenceSet, Tag};
use petrel_imap::types::flag::Flag;
use petrel_imap::types::response::{StatusKind, StatusResponse};
use petrel_imap::Session;

use super::Cx;
use crate::engine::Event;

/// Which flag, and so what to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    Seen,
    Answered,
}

#[derive(Debug)]
pub(crate) struct StoreFlags {
    folder: String,
    uid: u32,
    mark: Mark,
}

impl StoreFlags {
    pub(crate) fn start(
        session: &mut Session,
        folder: String,
        uid: u32,
        mark: Mark,
    ) -> Option<(Tag<'static>, Self)> {
        let flag = match mark {
            Mark::Seen => Flag::Seen,
            Mark::Answered => Flag::Answered,
        };
        let body = CommandBody::Store {
            set: SequenceSet::range(uid, uid)?,
            kind: StoreKind::Add,
            silent: true,
            flags: vec![flag],
            uid: true,
            unchanged_since: None,
        };
        Some((session.send(body), Self { folder, uid, mark }))
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let ok = status.kind == StatusKind::Ok;
        let (folder, uid) = (self.folder, self.uid);
        match self.mark {
            Mark::Seen if ok => cx.out.push_back(Event::MessageSeen { folder, uid }),
            // A refusal (a read-only folder, say) leaves the message unread, which is then
            // the truth: nothing to report.
            Mark::Seen => {}
            Mark::Answered if ok => cx.out.push_back(Event::Answered { folder, uid }),
            Mark::Answered => cx.out.push_back(Event::Problem(format!(
                "the server did not mark the original message as answered: {}",
                status.text
            ))),
        }
    }
}
