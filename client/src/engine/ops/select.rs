//! `SELECT folder`: with `(CONDSTORE)` where offered, so the server reports HIGHESTMODSEQ,
//! and with `(QRESYNC (uidvalidity modseq))` when QRESYNC is enabled (or its ENABLE is
//! under way: `qresync`) and the folder's state from an earlier session is known, so the
//! server reports only what changed since.
//!
//! `qresync` says that `ENABLE QRESYNC` went out before this command; it need not have
//! been answered yet, since the server handles commands in order.
//!
//! The replica of the folder is made when the command is sent (the connection treats
//! every response after it as the new folder's). The first rows are not left waiting for
//! the tagged OK: as soon as `* n EXISTS` says how many messages there are, the FETCH of
//! the window the app asked for goes out, pipelined behind the SELECT, which saves a round
//! trip on every folder opened.

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::{CommandBody, QResync};
use petrel_imap::types::core::{Mailbox, Tag};
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx, FollowUp};
use crate::engine::{Event, OpId, Window};

#[derive(Debug)]
pub(crate) struct Select {
    op: Option<OpId>,
    folder: String,
    window: Window,
    /// The window's FETCH has been asked for.
    fetching: bool,
}

/// What the app knows of a folder from before: its UIDVALIDITY and HIGHESTMODSEQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub uid_validity: u32,
    pub highest_modseq: u64,
}

impl Select {
    pub(crate) fn start(
        session: &mut Session,
        mailbox: Mailbox<'static>,
        folder: String,
        window: Window,
        known: Option<Known>,
        qresync: bool,
        op: Option<OpId>,
    ) -> (Tag<'static>, Self) {
        let body = match known {
            Some(known) if qresync => CommandBody::SelectModSeq {
                mailbox,
                read_only: false,
                qresync: Some(QResync {
                    uid_validity: known.uid_validity,
                    modseq: known.highest_modseq,
                    known_uids: None,
                }),
            },
            _ if qresync || session.has_capability(&Capability::CondStore) => {
                CommandBody::SelectModSeq {
                    mailbox,
                    read_only: false,
                    qresync: None,
                }
            }
            _ => CommandBody::Select { mailbox },
        };
        let select = Self {
            op,
            folder,
            window,
            fetching: false,
        };
        (session.send(body), select)
    }

    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        let Data::Exists(exists) = data else {
            return Claim::No;
        };
        // The server answers SELECTs in the order they were sent, and the connection offers
        // data to the oldest pending operation first: this EXISTS is this SELECT's, and a
        // later SELECT must not take it for its own folder's count. Once another folder is
        // asked for, nobody wants this one's rows. An empty window is reported on
        // completion, so that the rows of a folder always follow its `FolderOpened`.
        let current = cx
            .selected
            .as_ref()
            .is_some_and(|s| s.folder == self.folder);
        if current && !self.fetching && self.window.seqs(*exists).is_some() {
            self.fetching = true;
            self.fetch_window(*exists, cx);
        }
        // Claimed, so that only this SELECT sees it; the replica still learns the count.
        Claim::Mine
    }

    pub(crate) fn folder(&self) -> &str {
        &self.folder
    }

    pub(crate) fn complete(mut self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let Some(selected) = cx.selected.as_mut().filter(|s| s.folder == self.folder) else {
            return;
        };
        if status.kind != StatusKind::Ok {
            *cx.selected = None;
            cx.out.push_back(Event::Problem(format!(
                "could not open {}: {}",
                self.folder, status.text
            )));
            return;
        }
        selected.ready = true;
        let exists = selected.replica.count();

        cx.out.push_back(Event::FolderOpened {
            folder: self.folder.clone(),
            exists,
            unseen: selected.unseen,
            uid_validity: selected.replica.uid_validity(),
        });
        if !self.fetching {
            self.fetching = true;
            self.fetch_window(exists, cx);
        }
        cx.follow_ups.push(FollowUp::Uids);
    }

    /// Asks for the rows of the window, or reports an empty one.
    fn fetch_window(&self, exists: u32, cx: &mut Cx<'_>) {
        match self.window.seqs(exists) {
            Some((low, high)) => cx.follow_ups.push(FollowUp::Rows {
                op: self.op,
                low,
                high,
            }),
            None => cx.out.push_back(Event::Rows {
                op: self.op,
                folder: self.folder.clone(),
                total: exists,
                rows: Vec::new(),
            }),
        }
    }
}
