//! `IDLE` (RFC 2177): while nothing else is pending, the connection waits in IDLE on the
//! open folder, so new mail, expunges and flag changes arrive as they happen. The
//! connection ends it with `DONE` before any other command, and to renew it before the
//! server's 29-minute limit; when it completes, the connection idles again once quiet.

use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::Tag;
use petrel_imap::types::response::{StatusKind, StatusResponse};
use petrel_imap::Session;

use super::Cx;
use crate::engine::Event;

#[derive(Debug)]
pub(crate) struct Idle;

impl Idle {
    pub(crate) fn start(session: &mut Session) -> (Tag<'static>, Self) {
        (session.send(CommandBody::Idle), Idle)
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        if status.kind != StatusKind::Ok {
            // Not fatal: the connection falls back to polling with NOOP.
            cx.out.push_back(Event::Problem(format!(
                "the server refused to report changes as they happen: {}",
                status.text
            )));
            *cx.idle_refused = true;
        }
    }
}
