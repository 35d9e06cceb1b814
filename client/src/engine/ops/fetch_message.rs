//! `UID FETCH uid (UID FLAGS BODY.PEEK[])`: one whole message, parsed on arrival.
//!
//! `BODY.PEEK[]` and an explicit `STORE +FLAGS.SILENT (\Seen)` afterwards, rather than
//! `BODY[]`, which sets `\Seen` as a side effect: the message is marked read only after it
//! was fetched and parsed, `MessageSeen` is reported only once the server agreed (so the
//! list never shows a state the server does not have), and a read-only folder simply
//! refuses the STORE. Only the newest request to read is answered: a superseded message's
//! bytes are dropped unparsed, so at most one message body is held.

use std::collections::VecDeque;

use petrel_imap::types::command::{Atomish, CommandBody, FetchAttribute};
use petrel_imap::types::core::{SequenceSet, Tag};
use petrel_imap::types::fetch::FetchItem;
use petrel_imap::types::flag::Flag;
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx, FollowUp};
use crate::engine::message::{self, MessageView};
use crate::engine::{Event, OpId};

#[derive(Debug)]
pub(crate) struct FetchMessage {
    op: OpId,
    folder: String,
    uid: u32,
    view: Option<Box<MessageView>>,
    /// The message's bytes as the server sent them, for the local store.
    raw: Vec<u8>,
    seen: bool,
    flagged: bool,
    /// Why the response could not be read (beyond the codec's limits, malformed).
    error: Option<String>,
}

impl FetchMessage {
    pub(crate) fn start(
        session: &mut Session,
        folder: String,
        uid: u32,
        op: OpId,
    ) -> Result<(Tag<'static>, Self), String> {
        let set = SequenceSet::range(uid, uid).ok_or("there is no message 0")?;
        let section = Atomish::try_from("").map_err(|_| "no section")?;
        let body = CommandBody::Fetch {
            set,
            items: vec![
                FetchAttribute::Uid,
                FetchAttribute::Flags,
                FetchAttribute::BodySection {
                    peek: true,
                    section,
                    partial: None,
                },
            ],
            uid: true,
        };
        let fetch = Self {
            op,
            folder,
            uid,
            view: None,
            raw: Vec::new(),
            seen: false,
            flagged: false,
            error: None,
        };
        Ok((session.send(body), fetch))
    }

    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        let Data::Fetch { items, .. } = data else {
            return Claim::No;
        };
        let mut uid = None;
        let mut seen = false;
        let mut flagged = false;
        let mut body = None;
        for item in items {
            match item {
                FetchItem::Uid(u) => uid = Some(*u),
                FetchItem::Flags(flags) => {
                    seen = flags.contains(&Flag::Seen);
                    flagged = flags.contains(&Flag::Flagged);
                }
                FetchItem::BodySection {
                    section,
                    data,
                    binary: false,
                    origin: None,
                } if section.is_empty() => body = Some(data),
                _ => {}
            }
        }
        let (Some(uid), Some(body)) = (uid, body) else {
            return Claim::No;
        };
        if uid != self.uid {
            return Claim::No;
        }
        // Superseded by a newer request to read: dropped unparsed.
        if *cx.reading == Some(self.op) {
            if let Some(bytes) = body {
                self.view = Some(Box::new(message::parse(bytes, cx.charsets)));
                self.raw = bytes.to_vec();
                self.seen = seen;
                self.flagged = flagged;
            }
        }
        Claim::Mine
    }

    /// The response to this FETCH could not be decoded.
    pub(crate) fn unreadable(&mut self, why: String) {
        self.error = Some(why);
    }

    pub(crate) fn complete(mut self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        if *cx.reading != Some(self.op) {
            return;
        }
        match self.view {
            Some(view) if status.kind == StatusKind::Ok => {
                *cx.open_parts = Some((self.folder.clone(), self.uid, view.attachments.clone()));
                cx.out.push_back(Event::Fetched {
                    folder: self.folder.clone(),
                    uid: self.uid,
                    text: view.text(),
                    raw: std::mem::take(&mut self.raw),
                    flagged: self.flagged,
                });
                cx.out.push_back(Event::MessageOpened {
                    op: self.op,
                    folder: self.folder.clone(),
                    uid: self.uid,
                    message: view,
                });
                if !self.seen {
                    cx.follow_ups.push(FollowUp::MarkSeen {
                        folder: self.folder,
                        uid: self.uid,
                    });
                }
            }
            _ => {
                let reason = match self.error {
                    Some(error) => error,
                    None if status.kind == StatusKind::Ok => {
                        "the message is no longer in this folder".to_owned()
                    }
                    None => status.text.into_owned(),
                };
                cx.out.push_back(Event::MessageFailed {
                    op: self.op,
                    folder: self.folder,
                    uid: self.uid,
                    reason,
                });
            }
        }
    }

    pub(crate) fn abandon(self, why: &str, out: &mut VecDeque<Event>) {
        out.push_back(Event::MessageFailed {
            op: self.op,
            folder: self.folder,
            uid: self.uid,
            reason: why.to_owned(),
        });
    }
}
