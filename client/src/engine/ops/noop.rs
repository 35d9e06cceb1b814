//! `NOOP`: how a server without IDLE is asked for changes, every
//! [`POLL_INTERVAL`](crate::engine::connection::POLL_INTERVAL). The changes themselves
//! arrive as untagged responses, which the folder's replica takes.

use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::Tag;
use petrel_imap::Session;

#[derive(Debug)]
pub(crate) struct Noop;

impl Noop {
    pub(crate) fn start(session: &mut Session) -> (Tag<'static>, Self) {
        (session.send(CommandBody::Noop), Noop)
    }
}
