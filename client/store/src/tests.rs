#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::{NonZeroU32, NonZeroU64};
use std::time::Instant;

use super::*;

fn uid(n: u32) -> Uid {
    Uid(NonZeroU32::new(n).unwrap())
}

fn modseq(n: u64) -> ModSeq {
    ModSeq(NonZeroU64::new(n).unwrap())
}

fn key(account: &str, folder: &str, validity: u32) -> FolderKey {
    FolderKey {
        account: AccountId::new(account),
        folder: FolderName::new(folder),
        uidvalidity: UidValidity(NonZeroU32::new(validity).unwrap()),
    }
}

fn inbox() -> FolderKey {
    key("alice@example.org", "INBOX", 7)
}

fn headers(n: u32, date: i64) -> MessageHeaders {
    MessageHeaders {
        uid: uid(n),
        internaldate: UnixTime(date),
        size: 1000 + u64::from(n),
        flags: Flags::default(),
        modseq: None,
        from: format!("Sender {n}"),
        to: "Alice <alice@example.org>".into(),
        subject: format!("Message {n}"),
        message_id: Some(format!("<{n}@example.org>")),
        in_reply_to: None,
        references: Vec::new(),
        preview: None,
        parts: Vec::new(),
    }
}

fn with_headers(list: Vec<MessageHeaders>) -> Changes {
    Changes {
        headers: list,
        ..Changes::default()
    }
}

/// A store with `key` opened and the given (uid, date) messages in it.
fn store_with(key: &FolderKey, messages: &[(u32, i64)]) -> SqliteStore {
    let mut store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(store.open_folder(key).unwrap(), Opened::New);
    let list = messages.iter().map(|&(n, d)| headers(n, d)).collect();
    store.apply_changes(key, &with_headers(list)).unwrap();
    store
}

fn uids(rows: &[MessageRow]) -> Vec<u32> {
    rows.iter().map(|r| r.uid.0.get()).collect()
}

fn table_count(store: &SqliteStore, table: &str) -> i64 {
    store
        .conn()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn schema_is_created_at_version_1_and_reopening_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store.open_folder(&inbox()).unwrap();
        store
            .apply_changes(&inbox(), &with_headers(vec![headers(1, 100)]))
            .unwrap();
    }
    for _ in 0..2 {
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1);
        assert_eq!(store.count(&inbox()).unwrap(), 1, "reopening kept the data");
        let mode: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "truncate");
    }
}

#[test]
fn a_newer_schema_is_refused_by_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 9).unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 9,
                supported: 1
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "store schema version 9 is newer than this version understands (1)"
    );
}

#[test]
fn upsert_then_flags_then_expunge() {
    let k = inbox();
    let mut store = store_with(&k, &[(1, 100), (2, 200)]);
    let rows = store.window(&k, 0, 10).unwrap();
    assert_eq!(uids(&rows), [2, 1]);
    let h = rows[0].headers.as_ref().unwrap();
    assert_eq!(h.subject, "Message 2");
    assert_eq!(h.from, "Sender 2");
    assert_eq!(h.date, UnixTime(200));
    assert_eq!(h.size, 1002);
    assert!(!rows[0].flags.seen);

    let flags = Flags {
        seen: true,
        flagged: true,
        keywords: vec!["$Forwarded".into(), "work".into()],
        ..Flags::default()
    };
    store
        .apply_changes(
            &k,
            &Changes {
                flags: vec![FlagUpdate {
                    uid: uid(2),
                    flags: flags.clone(),
                    modseq: Some(modseq(5)),
                }],
                ..Changes::default()
            },
        )
        .unwrap();
    let rows = store.window(&k, 0, 1).unwrap();
    assert_eq!(rows[0].flags, flags);
    assert_eq!(rows[0].headers.as_ref().unwrap().subject, "Message 2");

    // A second headers upsert (a refetch) updates flags only and keeps one row.
    let mut again = headers(2, 999);
    again.flags.answered = true;
    again.subject = "changed".into();
    store.apply_changes(&k, &with_headers(vec![again])).unwrap();
    let rows = store.window(&k, 0, 10).unwrap();
    assert_eq!(uids(&rows), [2, 1]);
    assert!(rows[0].flags.answered);
    assert_eq!(rows[0].headers.as_ref().unwrap().subject, "Message 2");

    store
        .apply_changes(
            &k,
            &Changes {
                expunged: vec![uid(2), uid(42)],
                ..Changes::default()
            },
        )
        .unwrap();
    assert_eq!(uids(&store.window(&k, 0, 10).unwrap()), [1]);
    assert_eq!(store.known_uids(&k).unwrap(), [uid(1)]);
    assert!(store.search(&k, "Sender").unwrap() == [uid(1)]);
}

#[test]
fn window_orders_by_uid_descending_whatever_the_dates() {
    let k = inbox();
    // UIDs 3, 4 and 5 share a date; 6 is older than all of them (moved in later), and still
    // first: the list is in arrival order, the server's sequence order reversed.
    let store = store_with(
        &k,
        &[(1, 100), (2, 150), (3, 200), (4, 200), (5, 200), (6, 50)],
    );
    assert_eq!(store.count(&k).unwrap(), 6);
    assert_eq!(uids(&store.window(&k, 0, 100).unwrap()), [6, 5, 4, 3, 2, 1]);
    assert_eq!(uids(&store.window(&k, 1, 3).unwrap()), [5, 4, 3]);
    assert_eq!(uids(&store.window(&k, 5, 3).unwrap()), [1]);
    assert!(store.window(&k, 6, 3).unwrap().is_empty());
    for (pos, n) in [6, 5, 4, 3, 2, 1].into_iter().enumerate() {
        assert_eq!(
            store.position(&k, uid(n)).unwrap(),
            Some(pos as u64),
            "UID {n}"
        );
    }
    assert_eq!(store.position(&k, uid(99)).unwrap(), None);
}

#[test]
fn rows_without_headers_keep_their_place_and_are_reported_missing() {
    let k = inbox();
    let mut store = store_with(&k, &[(8, 100), (9, 300)]);
    store
        .apply_changes(
            &k,
            &Changes {
                known: vec![uid(1), uid(2), uid(3), uid(8), uid(10)],
                ..Changes::default()
            },
        )
        .unwrap();
    let rows = store.window(&k, 0, 10).unwrap();
    assert_eq!(uids(&rows), [10, 9, 8, 3, 2, 1]);
    assert!(rows[0].headers.is_none());
    assert!(rows[2].headers.is_some(), "known does not erase headers");
    assert_eq!(store.missing_headers(&k, 0, 3).unwrap(), [uid(10)]);
    assert_eq!(
        store.missing_headers(&k, 1, 10).unwrap(),
        [uid(3), uid(2), uid(1)]
    );
    assert_eq!(store.position(&k, uid(10)).unwrap(), Some(0));
    assert_eq!(store.position(&k, uid(1)).unwrap(), Some(5));

    store
        .apply_changes(&k, &with_headers(vec![headers(10, 400)]))
        .unwrap();
    assert_eq!(uids(&store.window(&k, 0, 10).unwrap()), [10, 9, 8, 3, 2, 1]);
    assert_eq!(store.missing_headers(&k, 0, 3).unwrap(), []);
    assert_eq!(
        store.missing_headers(&k, 0, 10).unwrap(),
        [uid(3), uid(2), uid(1)]
    );

    // A row without headers has no search entry; expunging it is still clean.
    store
        .apply_changes(
            &k,
            &Changes {
                expunged: vec![uid(2)],
                ..Changes::default()
            },
        )
        .unwrap();
    assert_eq!(uids(&store.window(&k, 0, 10).unwrap()), [10, 9, 8, 3, 1]);
    assert_eq!(
        store.search(&k, "Message").unwrap(),
        [uid(10), uid(9), uid(8)]
    );
}

fn listing(ranges: &[(u32, u32)], below: u32) -> Changes {
    Changes {
        listing: Some(UidListing {
            ranges: ranges.iter().map(|&(l, h)| (uid(l), uid(h))).collect(),
            below: uid(below),
        }),
        ..Changes::default()
    }
}

#[test]
fn a_listing_makes_the_folder_hold_exactly_the_listed_uids_below_its_bound() {
    let k = inbox();
    // Stored: 2, 5 and 9 with headers (read in an earlier session); 12 arrived after the
    // listing was made (its row was written first, and is above the bound).
    let mut store = store_with(&k, &[(2, 100), (5, 200), (9, 300), (12, 400)]);
    // The server has 1:3 and 7:10 below UIDNEXT 11: 5 was expunged meanwhile.
    store
        .apply_changes(&k, &listing(&[(1, 3), (7, 10)], 11))
        .unwrap();
    let rows = store.window(&k, 0, 20).unwrap();
    assert_eq!(uids(&rows), [12, 10, 9, 8, 7, 3, 2, 1]);
    assert!(rows[0].headers.is_some(), "above the bound: left alone");
    assert!(rows[2].headers.is_some(), "listed and stored: headers kept");
    assert!(
        rows[1].headers.is_none(),
        "listed, not stored: a row to fetch"
    );
    assert_eq!(
        store.search(&k, "Message").unwrap(),
        [uid(12), uid(9), uid(2)]
    );
    // The count is the server's, so positions are the server's too.
    assert_eq!(store.count(&k).unwrap(), 8);

    // The same listing again changes nothing; an empty one empties the folder below it.
    store
        .apply_changes(&k, &listing(&[(1, 3), (7, 10)], 11))
        .unwrap();
    assert_eq!(store.count(&k).unwrap(), 8);
    store.apply_changes(&k, &listing(&[], 11)).unwrap();
    assert_eq!(uids(&store.window(&k, 0, 20).unwrap()), [12]);
}

#[test]
fn a_listing_of_more_uids_than_a_folder_holds_is_refused_by_name() {
    let k = inbox();
    let mut store = store_with(&k, &[(2, 100)]);
    let error = store
        .apply_changes(&k, &listing(&[(1, u32::MAX)], u32::MAX))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::ListingTooLong {
                uids: 4_294_967_295,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        uids(&store.window(&k, 0, 5).unwrap()),
        [2],
        "nothing written"
    );
}

#[test]
fn vanished_ranges_drop_their_rows_bodies_and_search_entries() {
    let k = inbox();
    let mut store = store_with(&k, &[(1, 100), (4, 200), (6, 300), (40, 400)]);
    store
        .put_body(&k, uid(4), b"Subject: x\r\n\r\nbody", "body", UnixTime(5))
        .unwrap();
    store
        .apply_changes(
            &k,
            &Changes {
                vanished: vec![(uid(2), uid(5)), (uid(30), uid(50))],
                ..Changes::default()
            },
        )
        .unwrap();
    assert_eq!(uids(&store.window(&k, 0, 10).unwrap()), [6, 1]);
    assert_eq!(table_count(&store, "bodies"), 0);
    assert_eq!(store.search(&k, "Message").unwrap(), [uid(6), uid(1)]);
}

#[test]
fn uidvalidity_change_drops_that_folder_only() {
    let inbox = inbox();
    let sent = key("alice@example.org", "Sent", 7);
    let bob = key("bob@example.org", "INBOX", 7);
    let mut store = store_with(&inbox, &[(1, 100), (2, 200)]);
    for k in [&sent, &bob] {
        store.open_folder(k).unwrap();
        store
            .apply_changes(k, &with_headers(vec![headers(1, 100)]))
            .unwrap();
        store
            .put_body(k, uid(1), b"other", "other", UnixTime(1))
            .unwrap();
    }
    store
        .apply_changes(
            &inbox,
            &Changes {
                uidnext: Some(uid(3)),
                highest_modseq: Some(modseq(10)),
                ..Changes::default()
            },
        )
        .unwrap();
    store
        .put_body(&inbox, uid(1), b"raw", "text", UnixTime(1))
        .unwrap();
    assert_eq!(
        store.open_folder(&inbox).unwrap(),
        Opened::Valid(SyncState {
            uidvalidity: inbox.uidvalidity,
            uidnext: Some(uid(3)),
            highest_modseq: Some(modseq(10)),
        })
    );

    let reset = key("alice@example.org", "INBOX", 8);
    assert_eq!(
        store.open_folder(&reset).unwrap(),
        Opened::Reset {
            previous: inbox.uidvalidity
        }
    );
    assert_eq!(store.count(&reset).unwrap(), 0);
    assert_eq!(
        store
            .sync_state(&reset.account, &reset.folder)
            .unwrap()
            .unwrap(),
        SyncState {
            uidvalidity: reset.uidvalidity,
            uidnext: None,
            highest_modseq: None,
        }
    );
    let err = store.count(&inbox).unwrap_err();
    assert!(matches!(err, StoreError::StaleUidValidity { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "alice@example.org/INBOX (UIDVALIDITY 7) is stale: the store holds UIDVALIDITY 8"
    );
    // The other folders, and the other account's folder of the same name, are untouched.
    for k in [&sent, &bob] {
        assert_eq!(store.count(k).unwrap(), 1);
        assert_eq!(
            store.body(k, uid(1), UnixTime(2)).unwrap().as_deref(),
            Some(&b"other"[..])
        );
        assert_eq!(store.search(k, "other").unwrap(), [uid(1)]);
    }
    assert_eq!(table_count(&store, "bodies"), 2);
    assert_eq!(table_count(&store, "messages"), 2);
}

#[test]
fn highestmodseq_is_committed_with_the_expunges_or_not_at_all() {
    let k = inbox();
    let mut store = store_with(&k, &[(1, 100), (2, 200), (3, 300)]);
    store
        .apply_changes(
            &k,
            &Changes {
                expunged: vec![uid(2)],
                highest_modseq: Some(modseq(20)),
                ..Changes::default()
            },
        )
        .unwrap();
    let state = store.sync_state(&k.account, &k.folder).unwrap().unwrap();
    assert_eq!(state.highest_modseq, Some(modseq(20)));
    assert_eq!(store.known_uids(&k).unwrap(), [uid(1), uid(3)]);

    // A batch whose HIGHESTMODSEQ is refused leaves its expunges undone too: the next sync
    // asks again from 20 and sees them again.
    let err = store
        .apply_changes(
            &k,
            &Changes {
                expunged: vec![uid(3)],
                highest_modseq: Some(modseq(19)),
                ..Changes::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ModSeqWentBack { stored, given, .. }
            if stored == modseq(20) && given == modseq(19)),
        "{err}"
    );
    assert_eq!(store.known_uids(&k).unwrap(), [uid(1), uid(3)]);
    let state = store.sync_state(&k.account, &k.folder).unwrap().unwrap();
    assert_eq!(state.highest_modseq, Some(modseq(20)));

    // And a batch for a stale UIDVALIDITY changes nothing.
    let stale = key("alice@example.org", "INBOX", 6);
    let err = store
        .apply_changes(
            &stale,
            &Changes {
                expunged: vec![uid(1)],
                highest_modseq: Some(modseq(30)),
                ..Changes::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::StaleUidValidity { .. }), "{err}");
    assert_eq!(store.known_uids(&k).unwrap(), [uid(1), uid(3)]);
}

#[test]
fn eviction_removes_least_recently_read_bodies_until_under_budget() {
    let k = inbox();
    let mut store = store_with(&k, &[(1, 100), (2, 200), (3, 300), (4, 400)]);
    store.set_body_budget(1000).unwrap();
    for n in 1..=3 {
        let e = store
            .put_body(&k, uid(n), &[b'x'; 300], "", UnixTime(i64::from(n) * 10))
            .unwrap();
        assert_eq!(e.evicted, 0, "three bodies of 300 fit in 1000");
    }
    // Reading 1 makes 2 the least recently read.
    assert!(store.body(&k, uid(1), UnixTime(50)).unwrap().is_some());
    let e = store
        .put_body(&k, uid(4), &[b'x'; 300], "", UnixTime(60))
        .unwrap();
    assert_eq!(
        e,
        Eviction {
            evicted: 1,
            freed_bytes: 300,
            remaining_bytes: 900
        }
    );
    assert_eq!(store.body(&k, uid(2), UnixTime(70)).unwrap(), None);

    // Lowering the budget evicts in last-read order: 3 (30), then 1 (50), then 4 (60).
    let e = store.set_body_budget(350).unwrap();
    assert_eq!(
        e,
        Eviction {
            evicted: 2,
            freed_bytes: 600,
            remaining_bytes: 300
        }
    );
    assert_eq!(store.body(&k, uid(3), UnixTime(80)).unwrap(), None);
    assert_eq!(store.body(&k, uid(1), UnixTime(80)).unwrap(), None);
    assert!(store.body(&k, uid(4), UnixTime(80)).unwrap().is_some());
    assert_eq!(store.body_bytes().unwrap(), 300);

    // Headers are never evicted.
    assert_eq!(store.count(&k).unwrap(), 4);
    assert!(store
        .window(&k, 0, 4)
        .unwrap()
        .iter()
        .all(|r| r.headers.is_some()));
}

#[test]
fn a_body_needs_its_headers_first() {
    let k = inbox();
    let mut store = store_with(&k, &[]);
    store
        .apply_changes(
            &k,
            &Changes {
                known: vec![uid(5)],
                ..Changes::default()
            },
        )
        .unwrap();
    let err = store
        .put_body(&k, uid(5), b"raw", "", UnixTime(0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no headers stored for UID 5 in alice@example.org/INBOX (UIDVALIDITY 7)"
    );
}

#[test]
fn parts_are_stored_with_the_headers_and_go_with_the_message() {
    let k = inbox();
    let mut h = headers(1, 100);
    h.parts = vec![
        PartInfo {
            section: "1".into(),
            mime_type: "text/plain".into(),
            filename: None,
            size: 10,
            is_attachment: false,
        },
        PartInfo {
            section: "2".into(),
            mime_type: "application/pdf".into(),
            filename: Some("report.pdf".into()),
            size: 5000,
            is_attachment: true,
        },
    ];
    let mut store = store_with(&k, &[]);
    store
        .apply_changes(&k, &with_headers(vec![h.clone()]))
        .unwrap();
    assert_eq!(store.parts(&k, uid(1)).unwrap(), h.parts);
    assert!(
        store.window(&k, 0, 1).unwrap()[0]
            .headers
            .as_ref()
            .unwrap()
            .has_attachment
    );
    store
        .apply_changes(
            &k,
            &Changes {
                expunged: vec![uid(1)],
                ..Changes::default()
            },
        )
        .unwrap();
    assert_eq!(table_count(&store, "parts"), 0);
}

/// Regression: rows stored before the list fetched BODYSTRUCTURE and PREVIEW never got
/// their mark or preview, since a UID's headers were only ever written once.
#[test]
fn a_row_stored_without_preview_or_parts_gets_them_when_fetched_again() {
    let k = inbox();
    let mut store = store_with(&k, &[(1, 100), (2, 200)]);
    let mut h = headers(1, 100);
    h.preview = Some("Hello there".into());
    h.parts = vec![PartInfo {
        section: "2".into(),
        mime_type: "application/pdf".into(),
        filename: Some("report.pdf".into()),
        size: 5000,
        is_attachment: true,
    }];
    store
        .apply_changes(&k, &with_headers(vec![h.clone()]))
        .unwrap();
    let rows = store.window(&k, 0, 2).unwrap();
    let row = rows[1].headers.as_ref().unwrap();
    assert_eq!(
        (row.preview.as_deref(), row.has_attachment),
        (Some("Hello there"), true)
    );
    assert_eq!(store.parts(&k, uid(1)).unwrap(), h.parts);
    // Once there, they are not written again (BODYSTRUCTURE never changes for a UID).
    h.preview = Some("Other".into());
    store.apply_changes(&k, &with_headers(vec![h])).unwrap();
    let rows = store.window(&k, 0, 2).unwrap();
    assert_eq!(
        rows[1].headers.as_ref().unwrap().preview.as_deref(),
        Some("Hello there")
    );
    assert_eq!(table_count(&store, "parts"), 1);
}

#[test]
fn search_matches_subject_from_to_and_body_text() {
    let k = inbox();
    let mut h = headers(1, 100);
    h.subject = "Quarterly report".into();
    h.from = "Carol Jones".into();
    let mut store = store_with(&k, &[(2, 200)]);
    store.apply_changes(&k, &with_headers(vec![h])).unwrap();
    store
        .put_body(
            &k,
            uid(2),
            b"Subject: Message 2\r\n\r\nThe budget spreadsheet is attached.\r\n",
            "The budget spreadsheet is attached.",
            UnixTime(0),
        )
        .unwrap();
    assert_eq!(store.search(&k, "quarterly").unwrap(), [uid(1)]);
    assert_eq!(store.search(&k, "sender:carol").unwrap(), [uid(1)]);
    assert_eq!(store.search(&k, "spreadsheet").unwrap(), [uid(2)]);
    assert_eq!(
        store.search(&k, "recipients:alice").unwrap(),
        [uid(2), uid(1)]
    );
    assert_eq!(store.search(&k, "budg*").unwrap(), [uid(2)]);
    assert!(store.search(&k, "nothing").unwrap().is_empty());
    // Eviction keeps the body's words searchable: the message can be refetched.
    store.set_body_budget(0).unwrap();
    assert_eq!(store.search(&k, "spreadsheet").unwrap(), [uid(2)]);
    // A malformed query is an error naming it, not a panic.
    let err = store.search(&k, "\"unterminated").unwrap_err();
    assert!(err.to_string().contains("\"\\\"unterminated\""), "{err}");
}

#[test]
fn wiping_an_account_leaves_nothing_of_it_and_keeps_the_others() {
    let alice = inbox();
    let bob = key("bob@example.org", "INBOX", 3);
    let mut store = store_with(&alice, &[(1, 100), (2, 200)]);
    store
        .put_body(&alice, uid(1), b"secret", "secret words", UnixTime(0))
        .unwrap();
    store.open_folder(&bob).unwrap();
    store
        .apply_changes(&bob, &with_headers(vec![headers(1, 100)]))
        .unwrap();
    store.wipe_account(&alice.account).unwrap();
    assert!(store
        .sync_state(&alice.account, &alice.folder)
        .unwrap()
        .is_none());
    assert!(matches!(
        store.count(&alice).unwrap_err(),
        StoreError::UnknownFolder { .. }
    ));
    assert_eq!(table_count(&store, "accounts"), 1);
    assert_eq!(table_count(&store, "folders"), 1);
    assert_eq!(table_count(&store, "messages"), 1);
    assert_eq!(table_count(&store, "bodies"), 0);
    assert_eq!(store.count(&bob).unwrap(), 1);
    let words: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM search WHERE search MATCH 'secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(words, 0);
}

#[test]
fn deleting_a_file_store_removes_the_file_and_wiping_leaves_no_text_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alice.sqlite3");
    let k = inbox();
    let mut store = SqliteStore::open(&path).unwrap();
    store.open_folder(&k).unwrap();
    let mut h = headers(1, 100);
    h.subject = "zanzibar-subject".into();
    store.apply_changes(&k, &with_headers(vec![h])).unwrap();
    store
        .put_body(&k, uid(1), b"zanzibar-body", "zanzibar-body", UnixTime(0))
        .unwrap();
    // Another account stays, so the file is not simply emptied.
    let bob = key("bob@example.org", "INBOX", 3);
    store.open_folder(&bob).unwrap();
    store
        .apply_changes(&bob, &with_headers(vec![headers(1, 100)]))
        .unwrap();
    store
        .put_body(&bob, uid(1), b"kept", "quokka", UnixTime(0))
        .unwrap();
    store.wipe_account(&k.account).unwrap();
    assert_eq!(store.search(&bob, "quokka").unwrap(), [uid(1)]);
    let bytes = std::fs::read(&path).unwrap();
    let needle = b"zanzibar";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "wiped text is still in the file"
    );
    store.delete().unwrap();
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no journal left"
    );
}

#[test]
fn unknown_folder_is_named() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(
        store.count(&inbox()).unwrap_err().to_string(),
        "folder \"INBOX\" of alice@example.org is not in the store"
    );
}

fn folder_list() -> Vec<FolderEntry> {
    vec![
        FolderEntry {
            name: FolderName::new("INBOX"),
            delimiter: Some('/'),
            role: Some(FolderRole::Inbox),
            selectable: true,
            total: Some(52),
            unseen: Some(3),
        },
        FolderEntry {
            name: FolderName::new("Archive"),
            delimiter: Some('/'),
            role: None,
            selectable: false,
            total: None,
            unseen: None,
        },
        FolderEntry {
            name: FolderName::new("Archive/2024 — Größe"),
            delimiter: Some('/'),
            role: Some(FolderRole::Archive),
            selectable: true,
            total: Some(100_000),
            unseen: Some(0),
        },
    ]
}

fn alice_last() -> LastAccount {
    LastAccount {
        account: AccountId::new("alice@example.org"),
        user: "alice".into(),
        server: "https://mail.example.org".into(),
    }
}

#[test]
fn folder_list_is_kept_in_order_and_replaced_whole() {
    let alice = AccountId::new("alice@example.org");
    let bob = AccountId::new("bob@example.org");
    let mut store = SqliteStore::open_in_memory().unwrap();
    assert!(store.folders(&alice).unwrap().is_empty(), "never saved");
    store.save_folders(&alice, &folder_list()).unwrap();
    store.save_folders(&bob, &folder_list()[..1]).unwrap();
    assert_eq!(store.folders(&alice).unwrap(), folder_list());

    // A second save replaces the list (a folder deleted on the server leaves it) without
    // touching the folders' message copies.
    store.open_folder(&inbox()).unwrap();
    store
        .apply_changes(&inbox(), &with_headers(vec![headers(1, 100)]))
        .unwrap();
    let shorter = vec![folder_list()[2].clone(), folder_list()[0].clone()];
    store.save_folders(&alice, &shorter).unwrap();
    assert_eq!(store.folders(&alice).unwrap(), shorter);
    assert_eq!(store.count(&inbox()).unwrap(), 1);
    assert_eq!(store.folders(&bob).unwrap(), folder_list()[..1]);
    store.save_folders(&alice, &[]).unwrap();
    assert!(store.folders(&alice).unwrap().is_empty());
}

#[test]
fn a_corrupt_folder_role_is_named() {
    let alice = AccountId::new("alice@example.org");
    let mut store = SqliteStore::open_in_memory().unwrap();
    store.save_folders(&alice, &folder_list()).unwrap();
    store
        .conn()
        .execute(
            "UPDATE folder_list SET role = 'spam' WHERE position = 0",
            [],
        )
        .unwrap();
    assert_eq!(
        store.folders(&alice).unwrap_err().to_string(),
        "store holds \"spam\" in folder_list.role, which cannot be"
    );
}

#[test]
fn last_account_is_remembered_replaced_and_forgotten() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(store.last_account().unwrap(), None);
    store.set_last_account(Some(&alice_last())).unwrap();
    assert_eq!(store.last_account().unwrap(), Some(alice_last()));
    let bob = LastAccount {
        account: AccountId::new("bob@example.org"),
        user: "bob".into(),
        server: "https://mail.example.org".into(),
    };
    store.set_last_account(Some(&bob)).unwrap();
    assert_eq!(store.last_account().unwrap(), Some(bob));
    assert_eq!(table_count(&store, "last_account"), 1);
    store.set_last_account(None).unwrap();
    assert_eq!(store.last_account().unwrap(), None);
}

#[test]
fn wiping_an_account_forgets_its_folder_list_and_it_as_last_account() {
    let alice = AccountId::new("alice@example.org");
    let bob = AccountId::new("bob@example.org");
    let mut store = SqliteStore::open_in_memory().unwrap();
    store.save_folders(&alice, &folder_list()).unwrap();
    store.save_folders(&bob, &folder_list()).unwrap();
    store.set_last_account(Some(&alice_last())).unwrap();
    store.wipe_account(&bob).unwrap();
    assert_eq!(
        store.last_account().unwrap(),
        Some(alice_last()),
        "bob's wipe"
    );
    assert_eq!(store.folders(&alice).unwrap(), folder_list());
    store.wipe_account(&alice).unwrap();
    assert_eq!(store.last_account().unwrap(), None);
    assert!(store.folders(&alice).unwrap().is_empty());
    assert_eq!(table_count(&store, "folder_list"), 0);
    assert_eq!(table_count(&store, "accounts"), 0);
}

/// The worker's dispatch, request by request, on a real store: each reply is the trait
/// method's result in its variant, and an error crosses as the store's own typed value.
#[test]
fn serve_answers_each_request_with_its_reply() {
    use protocol::{serve, Reply, Request};
    let k = inbox();
    let mut store = SqliteStore::open_in_memory().unwrap();
    let mut call = |request| serve(&mut store, request);
    assert_eq!(
        call(Request::OpenFolder { key: k.clone() }).unwrap(),
        Reply::Opened(Opened::New)
    );
    let mut h = headers(2, 200);
    h.parts = vec![PartInfo {
        section: "1".into(),
        mime_type: "text/plain".into(),
        filename: None,
        size: 10,
        is_attachment: false,
    }];
    let changes = Changes {
        known: vec![uid(1)],
        headers: vec![h.clone()],
        uidnext: Some(uid(3)),
        highest_modseq: Some(modseq(9)),
        ..Changes::default()
    };
    assert_eq!(
        call(Request::ApplyChanges {
            key: k.clone(),
            changes
        })
        .unwrap(),
        Reply::Done
    );
    assert_eq!(
        call(Request::SyncState {
            account: k.account.clone(),
            folder: k.folder.clone()
        })
        .unwrap(),
        Reply::SyncState(Some(SyncState {
            uidvalidity: k.uidvalidity,
            uidnext: Some(uid(3)),
            highest_modseq: Some(modseq(9)),
        }))
    );
    assert_eq!(
        call(Request::KnownUids { key: k.clone() }).unwrap(),
        Reply::Uids(vec![uid(1), uid(2)])
    );
    assert_eq!(
        call(Request::Count { key: k.clone() }).unwrap(),
        Reply::Count(2)
    );
    let Reply::Rows(rows) = call(Request::Window {
        key: k.clone(),
        start: 0,
        len: 5,
    })
    .unwrap() else {
        panic!("not rows")
    };
    assert_eq!(uids(&rows), [2, 1]);
    assert_eq!(
        call(Request::Position {
            key: k.clone(),
            uid: uid(1)
        })
        .unwrap(),
        Reply::Position(Some(1))
    );
    assert_eq!(
        call(Request::MissingHeaders {
            key: k.clone(),
            start: 0,
            len: 5
        })
        .unwrap(),
        Reply::Uids(vec![uid(1)])
    );
    assert_eq!(
        call(Request::Parts {
            key: k.clone(),
            uid: uid(2)
        })
        .unwrap(),
        Reply::Parts(h.parts.clone())
    );
    assert!(matches!(
        call(Request::PutBody {
            key: k.clone(),
            uid: uid(2),
            raw: b"Subject: x\r\n\r\nhello".to_vec(),
            text: "hello".into(),
            now: UnixTime(5),
        })
        .unwrap(),
        Reply::Eviction(Eviction { evicted: 0, .. })
    ));
    assert_eq!(
        call(Request::Body {
            key: k.clone(),
            uid: uid(2),
            now: UnixTime(6)
        })
        .unwrap(),
        Reply::Body(Some(b"Subject: x\r\n\r\nhello".to_vec()))
    );
    assert_eq!(
        call(Request::Search {
            key: k.clone(),
            query: "hello".into()
        })
        .unwrap(),
        Reply::Uids(vec![uid(2)])
    );
    assert_eq!(
        call(Request::SetBodyBudget { bytes: 0 }).unwrap(),
        Reply::Eviction(Eviction {
            evicted: 1,
            freed_bytes: 19,
            remaining_bytes: 0
        })
    );
    assert_eq!(
        call(Request::SaveFolders {
            account: k.account.clone(),
            folders: folder_list()
        })
        .unwrap(),
        Reply::Done
    );
    assert_eq!(
        call(Request::Folders {
            account: k.account.clone()
        })
        .unwrap(),
        Reply::Folders(folder_list())
    );
    assert_eq!(
        call(Request::SetLastAccount {
            last: Some(alice_last())
        })
        .unwrap(),
        Reply::Done
    );
    assert_eq!(
        call(Request::LastAccount).unwrap(),
        Reply::LastAccount(Some(alice_last()))
    );
    assert_eq!(
        call(Request::WipeAccount {
            account: k.account.clone()
        })
        .unwrap(),
        Reply::Done
    );
    assert_eq!(
        call(Request::LastAccount).unwrap(),
        Reply::LastAccount(None)
    );
    assert_eq!(
        call(Request::Count { key: k.clone() }).unwrap_err(),
        StoreError::UnknownFolder {
            account: k.account.clone(),
            folder: k.folder.clone()
        }
    );
}

/// The protocol's values survive serde unchanged, errors included (serde_json here; the
/// browser's serde-wasm-bindgen goes through the same derives), and their shape is the one
/// a page script writes: `{ Variant: { field } }`, newtypes as their inner value.
#[test]
fn protocol_values_round_trip_and_read_as_plain_objects() {
    use protocol::{Answer, Call, Failure, FromWorker, Reply, Request, StoreUnavailable};
    let call = Call {
        id: 7,
        request: Request::Window {
            key: inbox(),
            start: 0,
            len: 50,
        },
    };
    let json = serde_json::to_string(&call).unwrap();
    assert_eq!(
        json,
        r#"{"id":7,"request":{"Window":{"key":{"account":"alice@example.org","folder":"INBOX","uidvalidity":7},"start":0,"len":50}}}"#
    );
    assert_eq!(serde_json::from_str::<Call>(&json).unwrap(), call);
    assert_eq!(
        serde_json::from_str::<Request>(r#""LastAccount""#).unwrap(),
        Request::LastAccount
    );
    // Regression: a caller writing plain objects had to name every field of the changes,
    // even those it does not use (the store test page broke when `vanished` came).
    let changes: Changes = serde_json::from_str(
        r#"{"known":[1],"headers":[],"flags":[],"expunged":[],"uidnext":null,"highest_modseq":null}"#,
    )
    .unwrap();
    assert_eq!((changes.vanished, changes.listing), (Vec::new(), None));
    // A zero UID is refused when read, not carried into the store.
    assert!(serde_json::from_str::<Request>(
        r#"{"Position":{"key":{"account":"a","folder":"INBOX","uidvalidity":7},"uid":0}}"#
    )
    .is_err());
    let err = SqliteStore::open_in_memory()
        .unwrap()
        .search(&inbox(), "x")
        .unwrap_err();
    for message in [
        FromWorker::Started(Ok(())),
        FromWorker::Started(Err(StoreUnavailable::OtherTab)),
        FromWorker::Started(Err(StoreUnavailable::Open(StoreError::SchemaTooNew {
            found: 3,
            supported: 1,
        }))),
        FromWorker::Answer(Answer {
            id: 1,
            result: Ok(Reply::Body(Some(vec![0, 255, 13, 10]))),
        }),
        FromWorker::Answer(Answer {
            id: 2,
            result: Err(Failure::Store(err)),
        }),
        FromWorker::Answer(Answer {
            id: 3,
            result: Err(Failure::Store(StoreError::Corrupt {
                column: "messages.uid".into(),
                value: -1,
            })),
        }),
    ] {
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(serde_json::from_str::<FromWorker>(&json).unwrap(), message);
        let bytes = protocol::encode(&message).unwrap();
        assert_eq!(protocol::decode::<FromWorker>(&bytes).unwrap(), message);
    }
}

/// The app's encoding: postcard. The worker's `Started` bytes are read by the browser test's
/// page script by value, so they are known answers here; so is one call, to catch an
/// accidental reordering of the protocol's variants or fields.
#[test]
fn postcard_known_answers_and_refusals() {
    use protocol::{decode, encode, Call, Failure, FromWorker, Request, StoreUnavailable};
    assert_eq!(encode(&FromWorker::Started(Ok(()))).unwrap(), [0, 0]);
    assert_eq!(
        encode(&FromWorker::Started(Err(StoreUnavailable::OtherTab))).unwrap(),
        [0, 1, 0]
    );
    let call = Call {
        id: 300,
        request: Request::Window {
            key: key("a", "INBOX", 7),
            start: 0,
            len: 50,
        },
    };
    let bytes = encode(&call).unwrap();
    // id 300 as a varint, variant 5 (Window), "a", "INBOX", 7, 0, 50.
    assert_eq!(
        bytes,
        [0xac, 0x02, 5, 1, b'a', 5, b'I', b'N', b'B', b'O', b'X', 7, 0, 50]
    );
    assert_eq!(decode::<Call>(&bytes).unwrap(), call);
    let body = Call {
        id: 1,
        request: Request::PutBody {
            key: inbox(),
            uid: uid(3),
            raw: (0..=255).collect(),
            text: "text".into(),
            now: UnixTime(-1),
        },
    };
    assert_eq!(decode::<Call>(&encode(&body).unwrap()).unwrap(), body);

    // Refusals name the problem and never panic: truncated, trailing, a zero UID.
    let cut = decode::<Call>(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(matches!(cut, Failure::Protocol { .. }), "{cut}");
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(
        decode::<Call>(&long).unwrap_err().to_string(),
        "store protocol: 1 bytes after the message"
    );
    let position = encode(&Call {
        id: 1,
        request: Request::Position {
            key: key("a", "INBOX", 7),
            uid: uid(1),
        },
    })
    .unwrap();
    let mut zero = position.clone();
    *zero.last_mut().unwrap() = 0;
    assert!(decode::<Call>(&zero).is_err());
    for len in 0..position.len() {
        assert!(decode::<Call>(&position[..len]).is_err(), "prefix of {len}");
    }
}

/// 100,000 messages in one folder: one transaction to insert, then window and position
/// queries at the top, middle and bottom. Prints the figures; asserts only the results.
/// Ignored by default (it takes seconds in a debug build):
/// `cargo test -p petrel-store --release large_folder -- --ignored --nocapture`.
#[test]
#[ignore = "slow in debug builds; run with --ignored --nocapture for the figures"]
fn large_folder_windows() {
    const N: u32 = 100_000;
    let k = inbox();
    let mut store = SqliteStore::open_in_memory().unwrap();
    store.open_folder(&k).unwrap();
    // Dates go up with UIDs except every 10th message, which is older (moved in), and pairs
    // share a date so ties are exercised.
    let date = |n: u32| {
        if n.is_multiple_of(10) {
            i64::from(n / 2) - 5000
        } else {
            i64::from(n / 2)
        }
    };
    let list: Vec<_> = (1..=N).map(|n| headers(n, date(n))).collect();
    let t = Instant::now();
    store.apply_changes(&k, &with_headers(list)).unwrap();
    println!("insert {N} rows in one transaction: {:?}", t.elapsed());

    let order: Vec<u32> = (1..=N).rev().collect();

    let t = Instant::now();
    assert_eq!(store.count(&k).unwrap(), u64::from(N));
    println!("count: {:?}", t.elapsed());
    for (name, start) in [("top", 0), ("middle", N / 2), ("bottom", N - 50)] {
        let t = Instant::now();
        let rows = store.window(&k, u64::from(start), 50).unwrap();
        let window = t.elapsed();
        assert_eq!(uids(&rows), order[start as usize..start as usize + 50]);
        let anchor = order[start as usize + 25];
        let t = Instant::now();
        let pos = store.position(&k, uid(anchor)).unwrap();
        let position = t.elapsed();
        assert_eq!(pos, Some(u64::from(start) + 25));
        let t = Instant::now();
        assert!(store
            .missing_headers(&k, u64::from(start), 150)
            .unwrap()
            .is_empty());
        let missing = t.elapsed();
        println!(
            "{name}: window of 50 at {start}: {window:?}, position: {position:?}, \
             missing headers in 150: {missing:?}"
        );
    }
    let t = Instant::now();
    let known = store.known_uids(&k).unwrap();
    assert_eq!(known.len(), N as usize);
    println!("known UID set: {:?}", t.elapsed());

    // Bodies: 500 of 64 KiB against a 20 MB budget, so the later ones each evict.
    store.set_body_budget(20_000_000).unwrap();
    let raw = vec![b'x'; 64 * 1024];
    let t = Instant::now();
    for n in 1..=500 {
        store
            .put_body(&k, uid(n), &raw, "", UnixTime(i64::from(n)))
            .unwrap();
    }
    println!("500 bodies of 64 KiB with eviction: {:?}", t.elapsed());
    assert!(store.body_bytes().unwrap() <= 20_000_000);
}
