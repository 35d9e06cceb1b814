//! `APPEND folder (\Seen) {n}` of a sent message's copy into the `\Sent` folder, as a
//! `~{n}` literal where the server offers BINARY (the session decides).

use std::collections::VecDeque;

use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::{Mailbox, Tag};
use petrel_imap::types::flag::Flag;
use petrel_imap::types::response::{StatusKind, StatusResponse};
use petrel_imap::Session;

use super::Cx;
use crate::engine::Event;

#[derive(Debug)]
pub(crate) struct Append {
    folder: String,
}

impl Append {
    pub(crate) fn start(
        session: &mut Session,
        folder: String,
        message: Vec<u8>,
    ) -> Option<(Tag<'static>, Self)> {
        let mailbox = Mailbox::new(folder.clone().into_bytes()).ok()?;
        let body = CommandBody::Append {
            mailbox,
            flags: vec![Flag::Seen],
            date: None,
            message: message.into(),
        };
        Some((session.send(body), Self { folder }))
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let event = if status.kind == StatusKind::Ok {
            Event::CopySaved {
                folder: self.folder,
            }
        } else {
            Event::CopyNotSaved(format!(
                "the server did not save a copy in {}: {}",
                self.folder, status.text
            ))
        };
        cx.out.push_back(event);
    }

    pub(crate) fn abandon(self, why: &str, out: &mut VecDeque<Event>) {
        out.push_back(Event::CopyNotSaved(format!(
            "the copy for {} was not saved: {why}",
            self.folder
        )));
    }
}
