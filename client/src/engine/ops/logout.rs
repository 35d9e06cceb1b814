//! `LOGOUT`: the session ends as `SignedOut` with the server's BYE or the tagged OK.

use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::Tag;
use petrel_imap::Session;

#[derive(Debug)]
pub(crate) struct Logout;

impl Logout {
    pub(crate) fn start(session: &mut Session) -> (Tag<'static>, Self) {
        (session.send(CommandBody::Logout), Logout)
    }
}
