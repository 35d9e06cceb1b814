//! `UID FETCH uid (UID BODY.PEEK[part])`: one attachment of the message opened last,
//! decoded from its transfer encoding for a download.

use std::collections::VecDeque;

use petrel_imap::types::command::{Atomish, CommandBody, FetchAttribute};
use petrel_imap::types::core::{SequenceSet, Tag};
use petrel_imap::types::fetch::FetchItem;
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx};
use crate::engine::message::{self, Attachment};
use crate::engine::{Event, OpId};

#[derive(Debug)]
pub(crate) struct FetchPart {
    op: OpId,
    folder: String,
    uid: u32,
    attachment: Attachment,
    bytes: Option<Vec<u8>>,
}

impl FetchPart {
    /// `None` when `attachment.part` is not a part specifier (digits and dots).
    pub(crate) fn start(
        session: &mut Session,
        folder: String,
        uid: u32,
        attachment: Attachment,
        op: OpId,
    ) -> Option<(Tag<'static>, Self)> {
        let part = attachment.part.clone();
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        let section = Atomish::try_from(part.as_str()).ok()?;
        let body = CommandBody::Fetch {
            set: SequenceSet::range(uid, uid)?,
            items: vec![
                FetchAttribute::Uid,
                FetchAttribute::BodySection {
                    peek: true,
                    section,
                    partial: None,
                },
            ],
            uid: true,
        };
        let tag = session.send(body);
        let fetch = Self {
            op,
            folder,
            uid,
            attachment,
            bytes: None,
        };
        Some((tag, fetch))
    }

    pub(crate) fn data(&mut self, data: &Data<'static>) -> Claim {
        let Data::Fetch { items, .. } = data else {
            return Claim::No;
        };
        let mut uid = None;
        let mut section_data = None;
        for item in items {
            match item {
                FetchItem::Uid(u) => uid = Some(*u),
                FetchItem::BodySection {
                    section,
                    data,
                    binary: false,
                    origin: None,
                } if section[..] == *self.attachment.part.as_bytes() => section_data = Some(data),
                _ => {}
            }
        }
        match (uid, section_data) {
            (Some(uid), Some(data)) if uid == self.uid => {
                if let Some(bytes) = data {
                    self.bytes = Some(message::decode_transfer(&self.attachment.encoding, bytes));
                }
                Claim::Mine
            }
            _ => Claim::No,
        }
    }

    pub(crate) fn complete(mut self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let ok = status.kind == StatusKind::Ok;
        let (bytes, error) = match self.bytes.take() {
            Some(bytes) if ok => (bytes, None),
            _ if ok => (
                Vec::new(),
                Some("the server sent no data for the attachment".to_owned()),
            ),
            _ => (Vec::new(), Some(status.text.into_owned())),
        };
        cx.out.push_back(self.event(bytes, error));
    }

    pub(crate) fn abandon(self, why: &str, out: &mut VecDeque<Event>) {
        let event = self.event(Vec::new(), Some(why.to_owned()));
        out.push_back(event);
    }

    fn event(self, bytes: Vec<u8>, error: Option<String>) -> Event {
        Event::AttachmentFetched {
            op: self.op,
            folder: self.folder,
            uid: self.uid,
            part: self.attachment.part,
            name: self.attachment.name,
            media_type: self.attachment.media_type,
            bytes,
            error,
        }
    }
}
