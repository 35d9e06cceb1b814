//! `FETCH low:high (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE PREVIEW)`:
//! the list rows at a range of sequence numbers of the selected folder ([`row_items`]).
//!
//! By sequence number rather than by UID, because the list's order is the folder's
//! (newest arrival first) and position `p` of a folder of `n` messages is sequence number
//! `n - p`: any window of a 100,000-message folder is one FETCH, with no need to know every
//! UID first. The rows are reported by position, computed when the FETCH completes: a
//! server may announce new mail (EXISTS) during a FETCH but no expunge (RFC 9051 §7.5.1),
//! so the sequence numbers stay valid and the count at completion places them.

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::{CommandBody, FetchAttribute};
use petrel_imap::types::core::{SequenceSet, Tag};
use petrel_imap::types::fetch::FetchItem;
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx};
use crate::engine::{messages, Event, MessageSummary, OpId};

/// What a list row needs, the one list of it (a window, new mail): the sender, subject and
/// date, the flags, the size, BODYSTRUCTURE for the attachment mark (and the parts the store
/// keeps), and the server's preview of the text where it offers one (RFC 8970).
///
/// `PREVIEW` rather than `PREVIEW (LAZY)`: a lazy preview the server has not computed yet
/// comes back `NIL`, to be asked for again later, and the store keeps a UID's headers as
/// first written (they never change on the server). Dovecot reads the start of the text
/// for it and keeps it in its cache: less than a second round trip would cost.
fn row_items(session: &Session) -> Vec<FetchAttribute<'static>> {
    let mut items = vec![
        FetchAttribute::Uid,
        FetchAttribute::Flags,
        FetchAttribute::Envelope,
        FetchAttribute::Rfc822Size,
        FetchAttribute::InternalDate,
        FetchAttribute::BodyStructure,
    ];
    if session.has_capability(&Capability::Preview) {
        items.push(FetchAttribute::Preview { lazy: false });
    }
    items
}

#[derive(Debug)]
pub(crate) struct FetchRows {
    op: Option<OpId>,
    folder: String,
    low: u32,
    high: u32,
    rows: Vec<(u32, MessageSummary)>,
}

impl FetchRows {
    pub(crate) fn start(
        session: &mut Session,
        folder: String,
        low: u32,
        high: u32,
        op: Option<OpId>,
    ) -> Option<(Tag<'static>, Self)> {
        let set = SequenceSet::range(low, high)?;
        let body = CommandBody::Fetch {
            set,
            items: row_items(session),
            uid: false,
        };
        let rows = Vec::with_capacity((high - low + 1).min(500) as usize);
        let op = Self {
            op,
            folder,
            low,
            high,
            rows,
        };
        Some((session.send(body), op))
    }

    pub(crate) fn folder(&self) -> &str {
        &self.folder
    }

    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        let Data::Fetch { seq, items } = data else {
            return Claim::No;
        };
        let has_envelope = items
            .iter()
            .any(|item| matches!(item, FetchItem::Envelope(_)));
        if !has_envelope || *seq < self.low || *seq > self.high {
            return Claim::No;
        }
        if let Some(row) = messages::summary(items, cx.charsets) {
            self.rows.push((*seq, row));
        }
        Claim::Mine
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let Some(selected) = cx.selected.as_ref().filter(|s| s.folder == self.folder) else {
            // The person moved on to another folder: nobody wants these rows.
            return;
        };
        if status.kind != StatusKind::Ok {
            cx.out.push_back(Event::Problem(format!(
                "could not fetch messages of {}: {}",
                self.folder, status.text
            )));
        }
        let total = selected.replica.count();
        let mut rows: Vec<(u32, MessageSummary)> = self
            .rows
            .into_iter()
            .filter(|(seq, _)| *seq <= total)
            .map(|(seq, row)| (total - seq, row))
            .collect();
        rows.sort_by_key(|(position, _)| *position);
        rows.dedup_by_key(|(position, _)| *position);
        cx.out.push_back(Event::Rows {
            op: self.op,
            folder: self.folder,
            total,
            rows,
        });
    }
}
