//! The message list as the model holds it: a window over the open folder, never every row.
//!
//! The folder's `total` sets the scrollbar; `rows` caches the rows fetched so far by list
//! position (0 is the newest), at most [`CACHE_ROWS`] of them, those nearest the view
//! kept. Rows are `Rc`s, so cloning the model (which Yew's reducer does on every action)
//! copies pointers, not text. Changes from the server move positions exactly as the
//! folder moved: new mail at the top shifts every row down, an expunge closes the gap.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::engine::{ListChange, MessageSummary, Window};

/// How many rows the cache keeps; a screen shows a few dozen.
pub const CACHE_ROWS: usize = 1_000;

/// How many rows beyond the visible ones are fetched on each side, so that scrolling a
/// little shows rows at once.
pub const MARGIN: u32 = 40;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListView {
    /// The folder's message count.
    pub total: u32,
    pub rows: Rc<BTreeMap<u32, Rc<MessageSummary>>>,
    /// The server has answered for this folder since it was opened: rows read early from
    /// the local store are stale by then and not taken.
    pub live: bool,
}

impl ListView {
    /// The row at `position`, if fetched.
    pub fn row(&self, position: u32) -> Option<&Rc<MessageSummary>> {
        self.rows.get(&position)
    }

    /// Where the message with `uid` is, if its row is cached.
    pub fn position_of(&self, uid: u32) -> Option<u32> {
        self.rows
            .iter()
            .find_map(|(position, row)| (row.uid == uid).then_some(*position))
    }

    /// Takes fetched rows (positions in a folder of `total`), keeping the cache near
    /// `around`.
    pub fn merge(&mut self, total: u32, rows: Vec<(u32, MessageSummary)>, around: u32) {
        self.total = total;
        let cache = Rc::make_mut(&mut self.rows);
        cache.retain(|position, _| *position < total);
        for (position, row) in rows {
            cache.insert(position, Rc::new(row));
        }
        while cache.len() > CACHE_ROWS {
            let (Some(&low), Some(&high)) = (cache.keys().next(), cache.keys().next_back()) else {
                break;
            };
            // Drop whichever end is further from the view.
            let drop = if around.abs_diff(low) > around.abs_diff(high) {
                low
            } else {
                high
            };
            cache.remove(&drop);
        }
    }

    /// Applies one change; `total` is the count after it.
    pub fn apply(&mut self, change: &ListChange, total: u32) {
        match *change {
            ListChange::Arrived { count } => {
                let cache = Rc::make_mut(&mut self.rows);
                *cache = std::mem::take(cache)
                    .into_iter()
                    .map(|(position, row)| (position + count, row))
                    .collect();
            }
            ListChange::Removed { position, .. } => {
                let cache = Rc::make_mut(&mut self.rows);
                cache.remove(&position);
                let moved: Vec<u32> = cache.range(position + 1..).map(|(p, _)| *p).collect();
                for p in moved {
                    if let Some(row) = cache.remove(&p) {
                        cache.insert(p - 1, row);
                    }
                }
            }
            ListChange::Flags {
                position,
                uid,
                unread,
                flagged,
            } => {
                let matches = self
                    .rows
                    .get(&position)
                    .is_some_and(|row| uid.is_none_or(|uid| row.uid == uid));
                if matches {
                    let cache = Rc::make_mut(&mut self.rows);
                    if let Some(row) = cache.get_mut(&position) {
                        let row = Rc::make_mut(row);
                        row.unread = unread;
                        row.flagged = flagged;
                    }
                }
            }
            ListChange::Reset => self.rows = Rc::default(),
        }
        self.total = total;
    }

    /// Marks the row of `uid` read; whether it was unread.
    pub fn mark_read(&mut self, uid: u32) -> bool {
        let Some(position) = self.position_of(uid) else {
            return false;
        };
        let cache = Rc::make_mut(&mut self.rows);
        match cache.get_mut(&position) {
            Some(row) if row.unread => {
                Rc::make_mut(row).unread = false;
                true
            }
            _ => false,
        }
    }

    /// The window to fetch so that `visible` and a margin around it are all cached, or
    /// `None` if they are.
    pub fn missing(&self, visible: Window) -> Option<Window> {
        if self.total == 0 {
            return None;
        }
        let first = visible.first.saturating_sub(MARGIN);
        let end = visible
            .first
            .saturating_add(visible.len)
            .saturating_add(MARGIN)
            .min(self.total);
        let gaps: Vec<u32> = (first..end)
            .filter(|p| !self.rows.contains_key(p))
            .collect();
        let (&low, &high) = (gaps.first()?, gaps.last()?);
        Some(Window {
            first: low,
            len: high - low + 1,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn row(uid: u32) -> MessageSummary {
        MessageSummary {
            uid,
            from: format!("sender {uid}"),
            subject: format!("subject {uid}"),
            date: None,
            unread: true,
            flagged: false,
            size: 1,
            attachment: false,
            preview: None,
            parts: Vec::new(),
        }
    }

    fn uids(list: &ListView) -> Vec<(u32, u32)> {
        list.rows.iter().map(|(p, r)| (*p, r.uid)).collect()
    }

    #[test]
    fn arrivals_shift_rows_down_and_expunges_close_the_gap() {
        let mut list = ListView::default();
        list.merge(5, vec![(0, row(5)), (1, row(4)), (2, row(3))], 0);
        list.apply(&ListChange::Arrived { count: 2 }, 7);
        assert_eq!(uids(&list), vec![(2, 5), (3, 4), (4, 3)]);
        list.apply(
            &ListChange::Removed {
                position: 3,
                uid: None,
            },
            6,
        );
        assert_eq!(uids(&list), vec![(2, 5), (3, 3)]);
        assert_eq!(list.total, 6);
        list.apply(
            &ListChange::Flags {
                position: 3,
                uid: Some(3),
                unread: false,
                flagged: true,
            },
            6,
        );
        let changed = list.row(3).unwrap();
        assert!(!changed.unread && changed.flagged);
        // A flag change naming another UID than the cached row is not applied there.
        list.apply(
            &ListChange::Flags {
                position: 2,
                uid: Some(99),
                unread: false,
                flagged: true,
            },
            6,
        );
        assert!(list.row(2).unwrap().unread);
    }

    #[test]
    fn missing_asks_for_the_gaps_of_the_view_and_its_margin() {
        let mut list = ListView::default();
        list.merge(100_000, (0..50).map(|p| (p, row(100_000 - p))).collect(), 0);
        assert_eq!(list.missing(Window { first: 0, len: 10 }), None);
        assert_eq!(
            list.missing(Window { first: 30, len: 20 }),
            Some(Window { first: 50, len: 40 })
        );
        assert_eq!(
            list.missing(Window {
                first: 99_990,
                len: 20
            }),
            Some(Window {
                first: 99_950,
                len: 50
            })
        );
    }

    #[test]
    fn the_cache_keeps_the_rows_nearest_the_view() {
        let mut list = ListView::default();
        let far = 50_000;
        list.merge(100_000, (0..1_000).map(|p| (p, row(p + 1))).collect(), 0);
        list.merge(
            100_000,
            (far..far + 100).map(|p| (p, row(p + 1))).collect(),
            far,
        );
        assert_eq!(list.rows.len(), CACHE_ROWS);
        assert!(list.row(far).is_some());
        assert!(list.row(0).is_none());
    }
}
