//! The account driven like the shell drives it, sans IO: requests, the bytes of scripted
//! server transcripts (written like Dovecot's output) for each connection, socket closes and
//! the time, checking every effect that comes out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::engine::{BuiltInOnly, MessageSummary, SignInError};

/// An effect, comparable: bytes as text.
#[derive(Debug, PartialEq)]
enum Out {
    Connect(u64),
    Write(u64, String),
    Close(u64),
    Event(Event),
    Link(Link),
    Load(Load),
}
use Out::{Close, Connect, Link as L, Write};

/// `None` for writes to the local store, which [`store_writes`] checks apart.
fn out(effect: Effect) -> Option<Out> {
    Some(match effect {
        Effect::Connect(conn) => Connect(conn.0),
        Effect::Write(conn, bytes) => Write(conn.0, String::from_utf8_lossy(&bytes).into_owned()),
        Effect::Close(conn) => Close(conn.0),
        Effect::Event(event) => Out::Event(event),
        Effect::Link(link) => L(link),
        Effect::Load(load) => Out::Load(load),
        Effect::Store(_) => return None,
    })
}

/// The store writes among the effects so far (the others are dropped).
fn store_writes(account: &mut Account<BuiltInOnly>) -> Vec<StoreRequest> {
    std::iter::from_fn(|| account.poll_effect())
        .filter_map(|effect| match effect {
            Effect::Store(write) => Some(write),
            _ => None,
        })
        .collect()
}

/// The effects so far but the store writes, with back-to-back writes to one connection
/// joined (how the engine splits its output into writes is not the account's business).
fn effects(account: &mut Account<BuiltInOnly>) -> Vec<Out> {
    let mut effects: Vec<Out> = Vec::new();
    while let Some(effect) = account.poll_effect() {
        let Some(effect) = out(effect) else { continue };
        match (effects.last_mut(), effect) {
            (Some(Write(last, text)), Write(conn, more)) if *last == conn => text.push_str(&more),
            (_, effect) => effects.push(effect),
        }
    }
    effects
}

fn ev(event: Event) -> Out {
    Out::Event(event)
}

fn w(conn: u64, text: &str) -> Out {
    Write(conn, text.to_owned())
}

const GREETING: &str =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n";
const AUTH: &str = "p1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n";
const LOGGED_IN: &str = "p1 OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE UIDPLUS CONDSTORE QRESYNC LITERAL+] Logged in\r\n";
const SIGNED_IN_CMDS: &str = "p2 ENABLE QRESYNC\r\np3 LIST \"\" *\r\n";
const LISTED: &str = "* ENABLED QRESYNC\r\np2 OK Enabled.\r\n\
* LIST (\\HasNoChildren) \".\" INBOX\r\n\
* LIST (\\HasNoChildren) \".\" Sent\r\n\
p3 OK List completed.\r\n";
const OPEN_INBOX: &str = "p4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX (CONDSTORE)\r\n";
const SELECTED: &str = "* STATUS INBOX (UNSEEN 1)\r\np4 OK Status completed.\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
* 2 EXISTS\r\n\
* OK [UIDVALIDITY 1700000000] UIDs valid\r\n\
* OK [UIDNEXT 8] Predicted next UID\r\n\
* OK [HIGHESTMODSEQ 42] Highest\r\n\
p5 OK [READ-WRITE] Select completed.\r\n";
/// Without NOTIFY, the other folders' counts are asked for once the folders are listed
/// (answered at the head of [`FETCHED`]).
const COUNTS_CMD: &str = "p6 STATUS Sent (MESSAGES UNSEEN)\r\n";
const FETCH_CMD: &str =
    "p7 FETCH 1:2 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE)\r\n";
const FETCHED: &str = "* STATUS Sent (MESSAGES 3 UNSEEN 1)\r\np6 OK Status completed.\r\n\
* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 5 INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" ENVELOPE (NIL \"Old\" ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL NIL NIL NIL NIL))\r\n\
* 2 FETCH (UID 7 FLAGS () RFC822.SIZE 6 INTERNALDATE \"02-Jan-2024 10:00:00 +0000\" ENVELOPE (NIL \"New\" ((NIL NIL \"carol\" \"example.org\")) NIL NIL NIL NIL NIL NIL NIL))\r\n\
p7 OK Fetch completed.\r\n";
const MESSAGE_7: &str = "Subject: New\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
--b\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment\r\n\r\nhi\r\n\
--b--\r\n";

fn sign_in() -> Request {
    Request::SignIn {
        user: "alice".into(),
        password: Password::new("secret"),
    }
}

fn rows() -> Vec<(u32, MessageSummary)> {
    let row = |uid, from: &str, subject: &str, date, unread, size| MessageSummary {
        uid,
        from: from.into(),
        subject: subject.into(),
        date: Some(date),
        unread,
        flagged: false,
        size,
        attachment: false,
        preview: None,
        parts: Vec::new(),
    };
    vec![
        (
            0,
            row(7, "carol@example.org", "New", 1_704_189_600, true, 6),
        ),
        (1, row(1, "bob@example.com", "Old", 1_704_103_200, false, 5)),
    ]
}

fn fetched_7(tag: &str) -> String {
    format!(
        "* 2 FETCH (UID 7 FLAGS (\\Seen) BODY[] {{{}}}\r\n{MESSAGE_7})\r\n{tag} OK Fetch completed.\r\n",
        MESSAGE_7.len()
    )
}

/// An account signed in at time 0 on connection 1, INBOX open and its rows in, idling.
fn online() -> Account<BuiltInOnly> {
    let mut account = Account::new(BuiltInOnly, 7);
    assert_eq!(account.link(), Link::Offline);
    assert_eq!(account.request(0, sign_in()), None);
    assert_eq!(effects(&mut account), [Connect(1), L(Link::Connecting)]);
    account.received(10, ConnId(1), GREETING.as_bytes());
    assert_eq!(effects(&mut account), [w(1, AUTH)]);
    account.received(20, ConnId(1), LOGGED_IN.as_bytes());
    assert_eq!(
        effects(&mut account),
        [
            w(1, SIGNED_IN_CMDS),
            L(Link::Online),
            ev(Event::SignedIn {
                user: "alice".into()
            }),
            // The first sign-in opens INBOX, pipelined behind the folder list.
            w(1, OPEN_INBOX),
        ]
    );
    account.received(30, ConnId(1), LISTED.as_bytes());
    account.received(40, ConnId(1), SELECTED.as_bytes());
    account.received(50, ConnId(1), FETCHED.as_bytes());
    let after = effects(&mut account);
    assert!(matches!(&after[0], Out::Event(Event::Folders(f)) if f.len() == 2));
    assert_eq!(
        after[1..],
        [
            // No NOTIFY: the other folder's counts are asked for with the folder list.
            w(1, &format!("{COUNTS_CMD}{FETCH_CMD}")),
            ev(Event::FolderOpened {
                folder: "INBOX".into(),
                exists: 2,
                unseen: Some(1),
                uid_validity: Some(1_700_000_000),
            }),
            // The engine's bytes go out before its events are handled.
            w(1, "p8 IDLE\r\n"),
            ev(Event::FolderCounts {
                folder: "Sent".into(),
                messages: Some(3),
                unseen: Some(1),
            }),
            ev(Event::Rows {
                op: Some(OpId(2)),
                folder: "INBOX".into(),
                total: 2,
                rows: rows(),
            }),
        ]
    );
    account.received(60, ConnId(1), b"+ idling\r\n");
    assert_eq!(effects(&mut account), []);
    assert_eq!(account.link(), Link::Online);
    account
}

/// [`online`], with message 7 open.
fn reading() -> Account<BuiltInOnly> {
    let mut account = online();
    let open = Request::OpenMessage {
        folder: "INBOX".into(),
        uid: 7,
    };
    // Op 3 was the account's own: the other folders' counts.
    assert_eq!(account.request(100, open), Some(OpId(4)));
    assert_eq!(
        effects(&mut account),
        [w(1, "DONE\r\np9 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n")]
    );
    let answer = format!("p8 OK Idle completed.\r\n{}", fetched_7("p9"));
    account.received(110, ConnId(1), answer.as_bytes());
    let after = effects(&mut account);
    assert!(
        matches!(
            &after[..],
            [Write(1, idle), Out::Event(Event::MessageOpened { uid: 7, .. })] if idle == "p10 IDLE\r\n"
        ),
        "{after:?}"
    );
    account.received(120, ConnId(1), b"+ idling\r\n");
    account
}

/// Loses connection 1 at `now`; the time the account means to reconnect.
fn lose(account: &mut Account<BuiltInOnly>, now: u64) -> u64 {
    account.closed(now, ConnId(1), Some("network changed".into()));
    // The person keeps their place: only the link state changes.
    assert_eq!(effects(account), [L(Link::Reconnecting { attempt: 1 })]);
    let at = account.poll_timeout().expect("a reconnect is planned");
    assert!(
        (now + 125..=now + 250).contains(&at),
        "the first retry after 125 to 250 ms, not {}",
        at - now
    );
    at
}

#[test]
fn the_first_sign_in_opens_inbox() {
    let mut account = online();
    // Idling, on a server without NOTIFY: the next wake-up asks for the other folders'
    // counts again, a minute after the folder list came.
    assert_eq!(account.poll_timeout(), Some(30 + 60_000));
    account.handle_timeout(30 + 60_000);
    assert_eq!(
        effects(&mut account),
        [w(1, "DONE\r\np9 STATUS Sent (MESSAGES UNSEEN)\r\n")]
    );
    account.received(
        60_040,
        ConnId(1),
        b"p8 OK Idle completed.\r\n* STATUS Sent (MESSAGES 4 UNSEEN 2)\r\np9 OK Status completed.\r\n",
    );
    assert_eq!(
        effects(&mut account),
        [
            w(1, "p10 IDLE\r\n"),
            ev(Event::FolderCounts {
                folder: "Sent".into(),
                messages: Some(4),
                unseen: Some(2),
            }),
        ]
    );
    // Then the IDLE's renewal, ten minutes after it began, and the next counts.
    assert_eq!(account.poll_timeout(), Some(60_030 + 60_000));
}

#[test]
fn a_lost_connection_is_healed_and_the_view_restored_with_qresync() {
    let mut account = reading();
    let at = lose(&mut account, 1_000);
    account.handle_timeout(at - 1);
    assert_eq!(effects(&mut account), []);
    account.handle_timeout(at);
    assert_eq!(effects(&mut account), [Connect(2)]);
    assert_eq!(account.link(), Link::Reconnecting { attempt: 1 });
    // The old socket's last words are not the new connection's.
    account.received(at, ConnId(1), b"* 9 EXISTS\r\n");
    account.closed(at, ConnId(1), None);
    assert_eq!(effects(&mut account), []);

    account.received(at + 10, ConnId(2), GREETING.as_bytes());
    assert_eq!(effects(&mut account), [w(2, AUTH)]);
    account.received(at + 20, ConnId(2), LOGGED_IN.as_bytes());
    assert_eq!(
        effects(&mut account),
        [
            w(2, SIGNED_IN_CMDS),
            // No SignedIn for the app: nothing happened as far as it is concerned.
            L(Link::Online),
            // The open folder from its last UIDVALIDITY and HIGHESTMODSEQ, and the open
            // message again.
            w(
                2,
                "p4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX (QRESYNC (1700000000 42))\r\n\
                 p6 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n"
            ),
        ]
    );
    let answer = format!(
        "{LISTED}* STATUS INBOX (UNSEEN 0)\r\np4 OK\r\n\
         * OK [UIDVALIDITY 1700000000] UIDs valid\r\n* 2 EXISTS\r\n\
         * OK [HIGHESTMODSEQ 43] Highest\r\n\
         * 2 FETCH (UID 7 MODSEQ (43) FLAGS (\\Seen))\r\n\
         p5 OK [READ-WRITE] Select completed.\r\n{}",
        fetched_7("p6")
    );
    account.received(at + 30, ConnId(2), answer.as_bytes());
    let after = effects(&mut account);
    assert!(
        after
            .iter()
            .any(|e| matches!(e, Out::Event(Event::MessageOpened { uid: 7, .. }))),
        "{after:?}"
    );
    assert!(
        after.contains(&w(
            2,
            "p7 FETCH 1:2 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE)\r\n"
        )),
        "{after:?}"
    );
    assert!(after.contains(&ev(Event::FolderOpened {
        folder: "INBOX".into(),
        exists: 2,
        unseen: Some(0),
        uid_validity: Some(1_700_000_000),
    })));
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, Out::Event(Event::Disconnected(_)))),
        "{after:?}"
    );
    assert_eq!(account.link(), Link::Online);
}

#[test]
fn a_connection_that_goes_unanswered_is_healed_like_a_closed_one() {
    let mut account = online();
    let open = Request::OpenFolder {
        folder: "Sent".into(),
        window: Window::FIRST,
        known: None,
    };
    account.request(1_000, open);
    assert_eq!(
        effects(&mut account),
        [w(
            1,
            "DONE\r\np9 STATUS Sent (UNSEEN)\r\np10 SELECT Sent (CONDSTORE)\r\n"
        )]
    );
    // First the other folders' counts (INBOX's now), then the SELECT's deadline.
    assert_eq!(account.poll_timeout(), Some(60_030));
    account.handle_timeout(60_030);
    assert_eq!(
        effects(&mut account),
        [w(1, "p11 STATUS INBOX (MESSAGES UNSEEN)\r\n")]
    );
    assert_eq!(account.poll_timeout(), Some(61_000));
    account.handle_timeout(61_000);
    assert_eq!(
        effects(&mut account),
        [L(Link::Reconnecting { attempt: 1 })]
    );
    let at = account.poll_timeout().unwrap();
    account.handle_timeout(at);
    account.received(at, ConnId(2), GREETING.as_bytes());
    account.received(at, ConnId(2), LOGGED_IN.as_bytes());
    // The folder the person opened last, not INBOX; never selected on the old connection,
    // so without QRESYNC.
    assert_eq!(
        effects(&mut account),
        [
            Connect(2),
            w(2, &format!("{AUTH}{SIGNED_IN_CMDS}")),
            L(Link::Online),
            w(
                2,
                "p4 STATUS Sent (UNSEEN)\r\np5 SELECT Sent (CONDSTORE)\r\n"
            ),
        ]
    );
}

#[test]
fn a_wrong_password_on_reconnect_ends_the_session() {
    let mut account = online();
    let at = lose(&mut account, 1_000);
    account.handle_timeout(at);
    account.received(at, ConnId(2), GREETING.as_bytes());
    assert_eq!(effects(&mut account), [Connect(2), w(2, AUTH)]);
    account.received(
        at + 10,
        ConnId(2),
        b"p1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
    );
    assert_eq!(
        effects(&mut account),
        [
            Close(2),
            L(Link::Offline),
            ev(Event::SignInFailed(SignInError::WrongCredentials)),
        ]
    );
    assert_eq!(account.poll_timeout(), None);
    // Nothing is retried: the password is gone.
    account.handle_timeout(at + 3_600_000);
    account.network_up(at + 3_600_000);
    assert_eq!(effects(&mut account), []);
}

#[test]
fn the_backoff_doubles_up_to_30_seconds_with_jitter() {
    for seed in [1, 2, 0xdead_beef, u64::MAX] {
        let mut account = Account::new(BuiltInOnly, seed);
        account.request(0, sign_in());
        account.received(0, ConnId(1), GREETING.as_bytes());
        account.received(0, ConnId(1), LOGGED_IN.as_bytes());
        effects(&mut account);
        let mut now = 1_000;
        let mut waits = Vec::new();
        for attempt in 1..=12u32 {
            account.closed(now, ConnId(u64::from(attempt)), None);
            assert_eq!(
                effects(&mut account),
                [L(Link::Reconnecting { attempt })],
                "seed {seed}"
            );
            let at = account.poll_timeout().unwrap();
            let wait = at - now;
            let base = (250u64 << (attempt - 1)).min(30_000);
            assert!(
                (base / 2..=base).contains(&wait),
                "seed {seed}, attempt {attempt}: {wait} ms"
            );
            waits.push(wait);
            now = at;
            account.handle_timeout(now);
            assert_eq!(effects(&mut account), [Connect(u64::from(attempt) + 1)]);
        }
        assert!(waits[8..].iter().all(|&w| w <= 30_000));
    }
}

#[test]
fn a_sign_in_resets_the_backoff() {
    let mut account = online();
    let at = lose(&mut account, 1_000);
    account.handle_timeout(at);
    account.closed(at + 5, ConnId(2), None);
    assert_eq!(
        effects(&mut account),
        [Connect(2), L(Link::Reconnecting { attempt: 2 })]
    );
    let at = account.poll_timeout().unwrap();
    account.handle_timeout(at);
    account.received(at, ConnId(3), GREETING.as_bytes());
    account.received(at, ConnId(3), LOGGED_IN.as_bytes());
    assert_eq!(account.link(), Link::Online);
    effects(&mut account);
    account.closed(at + 10_000, ConnId(3), None);
    assert_eq!(
        effects(&mut account),
        [L(Link::Reconnecting { attempt: 1 })]
    );
}

#[test]
fn the_network_coming_back_cuts_the_wait_short() {
    let mut account = online();
    lose(&mut account, 1_000);
    account.network_up(1_010);
    assert_eq!(effects(&mut account), [Connect(2)]);
}

#[test]
fn a_connection_lost_before_the_first_sign_in_is_reported() {
    let mut account = Account::new(BuiltInOnly, 7);
    account.request(0, sign_in());
    assert_eq!(effects(&mut account), [Connect(1), L(Link::Connecting)]);
    account.closed(5, ConnId(1), Some("upstream connect failed".into()));
    assert_eq!(
        effects(&mut account),
        [
            L(Link::Offline),
            ev(Event::Disconnected(Disconnect::ConnectionLost(Some(
                "upstream connect failed".into()
            )))),
        ]
    );
    assert_eq!(account.poll_timeout(), None);
}

#[test]
fn a_wrong_password_at_first_is_reported() {
    let mut account = Account::new(BuiltInOnly, 7);
    account.request(0, sign_in());
    account.received(1, ConnId(1), GREETING.as_bytes());
    account.received(
        2,
        ConnId(1),
        b"p1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
    );
    assert_eq!(
        effects(&mut account),
        [
            Connect(1),
            L(Link::Connecting),
            w(1, AUTH),
            Close(1),
            L(Link::Offline),
            ev(Event::SignInFailed(SignInError::WrongCredentials)),
        ]
    );
}

#[test]
fn signing_out_logs_out_closes_and_says_so() {
    let mut account = online();
    account.request(1_000, Request::SignOut);
    assert_eq!(
        effects(&mut account),
        [
            w(1, "DONE\r\np9 LOGOUT\r\n"),
            Close(1),
            L(Link::Offline),
            ev(Event::Disconnected(Disconnect::SignedOut)),
        ]
    );
    assert_eq!(account.poll_timeout(), None);
    // The closed socket's end is not a lost connection.
    account.closed(1_010, ConnId(1), None);
    assert_eq!(effects(&mut account), []);
}

#[test]
fn requests_while_reconnecting_wait_in_the_view() {
    let mut account = online();
    let at = lose(&mut account, 1_000);
    let open = Request::OpenFolder {
        folder: "Sent".into(),
        window: Window::FIRST,
        known: None,
    };
    // No connection to take it: the next one restores it.
    assert_eq!(account.request(1_050, open), None);
    account.handle_timeout(at);
    account.received(at, ConnId(2), GREETING.as_bytes());
    account.received(at, ConnId(2), LOGGED_IN.as_bytes());
    let after = effects(&mut account);
    assert_eq!(
        after.last(),
        Some(&w(
            2,
            "p4 STATUS Sent (UNSEEN)\r\np5 SELECT Sent (CONDSTORE)\r\n"
        ))
    );
}

/// Regression: the message being fetched when the connection was lost was reported failed
/// ("the connection was lost") to the app, which showed the failure in the reading pane,
/// although the account opens that message again as soon as it is back.
#[test]
fn a_message_being_fetched_when_the_connection_was_lost_was_reported_failed() {
    let mut account = online();
    let open = Request::OpenMessage {
        folder: "INBOX".into(),
        uid: 7,
    };
    account.request(100, open);
    assert_eq!(
        effects(&mut account),
        [w(1, "DONE\r\np9 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n")]
    );
    let at = lose(&mut account, 1_000);
    account.handle_timeout(at);
    account.received(at, ConnId(2), GREETING.as_bytes());
    account.received(at, ConnId(2), LOGGED_IN.as_bytes());
    let after = effects(&mut account);
    assert_eq!(
        after.last(),
        Some(&w(
            2,
            "p4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX (QRESYNC (1700000000 42))\r\n\
             p6 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n"
        ))
    );
}

/// What restoring the view does not redo is still reported: a download cut off by the lost
/// connection fails, so that the app stops waiting for it.
#[test]
fn a_download_cut_off_by_a_lost_connection_fails() {
    let mut account = reading();
    let download = Request::DownloadAttachment {
        folder: "INBOX".into(),
        uid: 7,
        part: "2".into(),
    };
    account.request(200, download);
    assert_eq!(
        effects(&mut account),
        [w(1, "DONE\r\np11 UID FETCH 7 (UID BODY.PEEK[2])\r\n")]
    );
    account.closed(300, ConnId(1), None);
    let after = effects(&mut account);
    assert!(
        matches!(
            &after[..],
            [
                Out::Event(Event::AttachmentFetched { op: OpId(5), error: Some(why), .. }),
                L(Link::Reconnecting { attempt: 1 }),
            ] if why == "the connection was lost"
        ),
        "{after:?}"
    );
}

/// What the server confirmed goes to the local store, and a sign-out wipes it.
#[test]
fn the_store_gets_what_the_server_confirmed_and_loses_it_at_sign_out() {
    use petrel_store::{FolderName, Uid as StoredUid, UidValidity};
    use std::num::NonZeroU32;

    let mut account = Account::new(BuiltInOnly, 7);
    account.request(0, sign_in());
    account.received(10, ConnId(1), GREETING.as_bytes());
    account.received(20, ConnId(1), LOGGED_IN.as_bytes());
    let writes = store_writes(&mut account);
    assert!(
        matches!(&writes[..], [StoreRequest::SetLastAccount { last: Some(last) }] if last.user == "alice"),
        "{writes:?}"
    );
    account.received(30, ConnId(1), LISTED.as_bytes());
    account.received(40, ConnId(1), SELECTED.as_bytes());
    account.received(50, ConnId(1), FETCHED.as_bytes());
    let writes = store_writes(&mut account);
    let key = petrel_store::FolderKey {
        account: AccountId::new("alice"),
        folder: FolderName::new("INBOX"),
        uidvalidity: UidValidity(NonZeroU32::new(1_700_000_000).unwrap()),
    };
    let [StoreRequest::SaveFolders { folders, .. }, StoreRequest::OpenFolder { key: opened }, StoreRequest::ApplyChanges {
        key: changed,
        changes,
    }] = &writes[..]
    else {
        panic!("{writes:?}")
    };
    assert_eq!(folders.len(), 2);
    assert_eq!((opened, changed), (&key, &key));
    let uids: Vec<u32> = changes.headers.iter().map(|h| h.uid.0.get()).collect();
    assert_eq!(uids, [7, 1]);
    assert!(!changes.headers[0].flags.seen && changes.headers[1].flags.seen);

    // An expunge by another client, while idling.
    account.received(60, ConnId(1), b"+ idling\r\n* 1 EXPUNGE\r\n");
    let writes = store_writes(&mut account);
    let [StoreRequest::ApplyChanges { changes, .. }] = &writes[..] else {
        panic!("{writes:?}")
    };
    assert_eq!(changes.expunged, [StoredUid(NonZeroU32::new(1).unwrap())]);

    // A message read is stored with its text.
    account.request(
        100,
        Request::OpenMessage {
            folder: "INBOX".into(),
            uid: 7,
        },
    );
    account.received(
        110,
        ConnId(1),
        format!("p8 OK Idle completed.\r\n{}", fetched_7("p9")).as_bytes(),
    );
    let writes = store_writes(&mut account);
    let [StoreRequest::PutBody { uid, raw, text, .. }] = &writes[..] else {
        panic!("{writes:?}")
    };
    assert_eq!(uid.0.get(), 7);
    assert_eq!(raw.as_slice(), MESSAGE_7.as_bytes());
    assert_eq!(text, "hello\n");

    account.request(200, Request::SignOut);
    let writes = store_writes(&mut account);
    assert_eq!(
        writes,
        [
            StoreRequest::WipeAccount {
                account: AccountId::new("alice")
            },
            StoreRequest::SetLastAccount { last: None },
        ]
    );
}

/// Offline (after a reload, or while reconnecting) the store answers what the person
/// asks for; online, the server does.
#[test]
fn offline_the_store_answers_the_view() {
    let mut account = Account::new(BuiltInOnly, 7);
    account.restore_offline("alice".into());
    let inbox = Load::Rows {
        account: AccountId::new("alice"),
        folder: INBOX.into(),
        window: Window::FIRST,
        open: true,
        early: false,
    };
    assert_eq!(effects(&mut account), [Out::Load(inbox)]);
    let scroll = Request::FetchRows {
        folder: INBOX.into(),
        window: Window { first: 50, len: 40 },
    };
    assert_eq!(account.request(10, scroll), None);
    let open = Request::OpenMessage {
        folder: INBOX.into(),
        uid: 7,
    };
    assert_eq!(account.request(20, open), None);
    assert_eq!(
        effects(&mut account),
        [
            Out::Load(Load::Rows {
                account: AccountId::new("alice"),
                folder: INBOX.into(),
                window: Window { first: 50, len: 40 },
                open: false,
                early: false,
            }),
            Out::Load(Load::Message {
                account: AccountId::new("alice"),
                folder: INBOX.into(),
                uid: 7,
                early: false,
            }),
        ]
    );
    // Online, nothing is loaded from a store that does not keep the mail.
    let mut account = online();
    let open = Request::OpenMessage {
        folder: INBOX.into(),
        uid: 7,
    };
    account.request(100, open);
    assert!(!effects(&mut account)
        .iter()
        .any(|e| matches!(e, Out::Load(_))));
}

/// Regression: a message opened unread was kept unread in the store (only the server's
/// FETCH FLAGS were written), so offline it showed as unread again.
#[test]
fn a_message_marked_read_is_read_in_the_store_and_keeps_its_flag() {
    let mut account = online();
    account.request(
        100,
        Request::OpenMessage {
            folder: "INBOX".into(),
            uid: 7,
        },
    );
    let answer = format!(
        "p8 OK Idle completed.\r\n* 2 FETCH (UID 7 FLAGS (\\Flagged) BODY[] {{{}}}\r\n{MESSAGE_7})\r\np9 OK done\r\n",
        MESSAGE_7.len()
    );
    account.received(110, ConnId(1), answer.as_bytes());
    let writes = store_writes(&mut account);
    assert!(
        matches!(&writes[..], [StoreRequest::PutBody { .. }]),
        "{writes:?}"
    );
    account.received(120, ConnId(1), b"p10 OK Store completed.\r\n");
    let writes = store_writes(&mut account);
    let [StoreRequest::ApplyChanges { changes, .. }] = &writes[..] else {
        panic!("{writes:?}")
    };
    let flags = &changes.flags[0].flags;
    assert!(flags.seen && flags.flagged, "{flags:?}");
}

/// Every effect so far, store writes included.
fn all_effects(account: &mut Account<BuiltInOnly>) -> Vec<Effect> {
    std::iter::from_fn(|| account.poll_effect()).collect()
}

#[test]
fn an_account_that_keeps_a_store_makes_its_copy_exact_by_uid() {
    let mut account = Account::new(BuiltInOnly, 7);
    account.set_keeps_store(true);
    account.request(0, sign_in());
    account.received(10, ConnId(1), GREETING.as_bytes());
    account.received(20, ConnId(1), LOGGED_IN.as_bytes());
    account.received(30, ConnId(1), LISTED.as_bytes());
    account.received(40, ConnId(1), SELECTED.as_bytes());
    // No ESEARCH offered: one number per message, pipelined behind the window's FETCH.
    let sent: String = all_effects(&mut account)
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Write(_, bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            _ => None,
        })
        .collect();
    assert!(
        sent.ends_with(&format!("{FETCH_CMD}p8 UID SEARCH ALL\r\n")),
        "{sent}"
    );
    account.received(50, ConnId(1), FETCHED.as_bytes());
    store_writes(&mut account);
    account.received(
        60,
        ConnId(1),
        b"* SEARCH 7 1\r\np8 OK Search completed.\r\n",
    );
    let uid = |n| petrel_store::Uid(std::num::NonZeroU32::new(n).unwrap());
    let writes = store_writes(&mut account);
    let [StoreRequest::ApplyChanges { changes, .. }] = &writes[..] else {
        panic!("{writes:?}")
    };
    assert_eq!(
        changes.listing,
        Some(petrel_store::UidListing {
            ranges: vec![(uid(1), uid(1)), (uid(7), uid(7))],
            below: uid(8),
        })
    );

    // Expunged while away, reported on a QRESYNC reconnect: dropped from the store too.
    account.received(70, ConnId(1), b"+ idling\r\n* VANISHED (EARLIER) 3:5\r\n");
    let writes = store_writes(&mut account);
    let [StoreRequest::ApplyChanges { changes, .. }] = &writes[..] else {
        panic!("{writes:?}")
    };
    assert_eq!(changes.vanished, [(uid(3), uid(5))]);
}

/// Where a store keeps the mail, a folder or message opened online is also read from it,
/// to show at once; the server is asked all the same. Scrolling is not.
#[test]
fn online_a_store_that_keeps_the_mail_answers_early() {
    let mut account = online();
    account.set_keeps_store(true);
    let open = Request::OpenMessage {
        folder: INBOX.into(),
        uid: 7,
    };
    assert!(account.request(100, open).is_some());
    let after = effects(&mut account);
    assert_eq!(
        after[0],
        Out::Load(Load::Message {
            account: AccountId::new("alice"),
            folder: INBOX.into(),
            uid: 7,
            early: true,
        }),
        "{after:?}"
    );
    assert!(
        matches!(&after[1], Write(1, text) if text.contains("UID FETCH 7")),
        "{after:?}"
    );
    let scroll = Request::FetchRows {
        folder: INBOX.into(),
        window: Window { first: 50, len: 40 },
    };
    assert!(account.request(110, scroll).is_some());
    assert!(!effects(&mut account)
        .iter()
        .any(|e| matches!(e, Out::Load(_))));
    let open = Request::OpenFolder {
        folder: "Sent".into(),
        window: Window::FIRST,
        known: None,
    };
    assert!(account.request(120, open).is_some());
    let after = effects(&mut account);
    assert_eq!(
        after[0],
        Out::Load(Load::Rows {
            account: AccountId::new("alice"),
            folder: "Sent".into(),
            window: Window::FIRST,
            open: false,
            early: true,
        }),
        "{after:?}"
    );
}
