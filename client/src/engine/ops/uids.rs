//! `UID SEARCH RETURN (ALL) ALL` (ESEARCH, RFC 4731) or, where ESEARCH is not offered,
//! `UID SEARCH ALL`: every UID of the selected folder. Sent once its SELECT completes,
//! pipelined behind the window's FETCH, so the first rows never wait for it.
//!
//! It is the UID comparison of RFC 4549 §4.3: the replica learns every slot (so an
//! expunge anywhere has a UID and a position), and the local store is made to hold
//! exactly these UIDs, dropping what was expunged while the app was away even where the
//! server offers no QRESYNC. With ESEARCH the answer is a compact set (`1:100000` for a
//! folder with no gaps); without it, one number per message.
//!
//! The answer is learnt when it arrives, not at the tagged OK: untagged responses are
//! applied in order, so the replica's count then is the one the listing describes, even
//! if new mail is announced before the command completes.

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::{CommandBody, SearchKey, SearchReturn};
use petrel_imap::types::core::Tag;
use petrel_imap::types::response::{Data, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Claim, Cx};
use crate::engine::replica::{uid_ranges, Change, Resync};
use crate::engine::Event;

#[derive(Debug)]
pub(crate) struct Uids {
    folder: String,
    tag: Tag<'static>,
    /// The listing, once the replica accepted it: ascending inclusive ranges and the bound
    /// below which they are complete.
    learnt: Option<(Vec<(u32, u32)>, u32)>,
}

impl Uids {
    pub(crate) fn start(session: &mut Session, folder: String) -> (Tag<'static>, Self) {
        let esearch = session
            .has_capability(&Capability::ESearch)
            .then(|| vec![SearchReturn::All]);
        let body = CommandBody::Search {
            criteria: vec![SearchKey::All],
            charset: None,
            esearch,
            uid: true,
        };
        let tag = session.send(body);
        let op = Self {
            folder,
            tag: tag.clone(),
            learnt: None,
        };
        (tag, op)
    }

    pub(crate) fn folder(&self) -> &str {
        &self.folder
    }

    pub(crate) fn data(&mut self, data: &Data<'static>, cx: &mut Cx<'_>) -> Claim {
        let Some(selected) = cx.selected.as_mut().filter(|s| s.folder == self.folder) else {
            return Claim::No;
        };
        let ranges = match data {
            Data::ESearch(e) if e.uid && e.tag.as_deref() == Some(self.tag.as_str().as_bytes()) => {
                // No `ALL`: the folder is empty.
                match &e.all {
                    Some(set) => match uid_ranges(set) {
                        Some(ranges) => ranges,
                        None => return Claim::Mine,
                    },
                    None => Vec::new(),
                }
            }
            Data::Search { numbers, .. } => {
                let mut numbers = numbers.clone();
                numbers.sort_unstable();
                ranges_of(&numbers)
            }
            _ => return Claim::No,
        };
        let changes = selected.replica.learn_all_ranges(&ranges);
        let mismatch = changes
            .iter()
            .any(|change| matches!(change, Change::NeedResync(Resync::UidListMismatch { .. })));
        // A listing that does not fit the count is not written: the store keeps what it
        // has rather than dropping rows on a confused answer.
        if !mismatch {
            let below = selected
                .replica
                .uid_next()
                .or_else(|| ranges.last().map(|&(_, high)| high.saturating_add(1)))
                .unwrap_or(1);
            self.learnt = Some((ranges, below));
        }
        Claim::Mine
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        let current = cx
            .selected
            .as_ref()
            .is_some_and(|s| s.folder == self.folder);
        if status.kind != StatusKind::Ok || !current {
            return;
        }
        if let Some((uids, below)) = self.learnt {
            cx.out.push_back(Event::FolderUids {
                folder: self.folder,
                uids,
                below,
            });
        }
    }
}

/// Ascending UIDs as inclusive ranges.
fn ranges_of(uids: &[u32]) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for &uid in uids {
        match ranges.last_mut() {
            Some((_, high)) if high.checked_add(1) == Some(uid) => *high = uid,
            _ => ranges.push((uid, uid)),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_become_ranges() {
        assert_eq!(ranges_of(&[]), []);
        assert_eq!(ranges_of(&[1, 2, 3, 7, 9, 10]), [(1, 3), (7, 7), (9, 10)]);
        assert_eq!(
            ranges_of(&[u32::MAX - 1, u32::MAX]),
            [(u32::MAX - 1, u32::MAX)]
        );
    }
}
