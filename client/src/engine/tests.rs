//! The engine driven by scripted server transcripts written like Dovecot's output, fed whole
//! and byte by byte, with the time as an input.

use super::connection::{COMMAND_TIMEOUT, IDLE_RENEW, POLL_INTERVAL};
use super::*;

enum Step {
    /// The server sends these bytes.
    S(&'static str),
    /// The client must have written exactly these bytes since the last check.
    C(&'static str),
    /// The app makes a request.
    R(Request),
    /// The time is now this many milliseconds.
    T(u64),
    /// [`Engine::poll_timeout`] must say this.
    P(Option<u64>),
}
use Step::{C, P, R, S, T};

/// Runs a script, feeding server bytes in chunks of `chunk` (0 = whole), and returns the
/// events.
fn run(script: &[Step], chunk: usize) -> Vec<Event> {
    run_on(Engine::new(), script, chunk)
}

fn run_on<C: Charsets>(mut engine: Engine<C>, script: &[Step], chunk: usize) -> Vec<Event> {
    let mut events = Vec::new();
    for (k, step) in script.iter().enumerate() {
        match step {
            S(bytes) => {
                let bytes = bytes.as_bytes();
                if chunk == 0 {
                    engine.receive(bytes);
                } else {
                    for c in bytes.chunks(chunk) {
                        engine.receive(c);
                    }
                }
            }
            C(want) => {
                let mut got = Vec::new();
                while let Some(b) = engine.transmit() {
                    got.extend(b);
                }
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    *want,
                    "step {k}, chunk size {chunk}"
                );
            }
            R(r) => {
                engine.request(r.clone());
            }
            T(now) => engine.handle_timeout(*now),
            P(want) => assert_eq!(engine.poll_timeout(), *want, "step {k}, chunk size {chunk}"),
        }
        events.extend(std::iter::from_fn(|| engine.poll_event()));
    }
    events
}

fn run_all_chunkings(script: &[Step]) -> Vec<Event> {
    run_all_chunkings_on(Engine::new, script)
}

fn run_all_chunkings_on<C: Charsets>(
    engine: impl Fn() -> Engine<C>,
    script: &[Step],
) -> Vec<Event> {
    let whole = run_on(engine(), script, 0);
    for chunk in [1, 2, 7] {
        assert_eq!(run_on(engine(), script, chunk), whole, "chunk size {chunk}");
    }
    whole
}

fn sign_in() -> Request {
    Request::SignIn {
        user: "alice".into(),
        password: Password::new("secret"),
    }
}

/// What the account layer asks for right after signing in.
fn open_inbox() -> Request {
    Request::OpenFolder {
        folder: "INBOX".into(),
        window: Window::FIRST,
        known: None,
    }
}

fn open_message(folder: &str, uid: u32) -> Request {
    Request::OpenMessage {
        folder: folder.into(),
        uid,
    }
}

/// A `&'static str` made at run time, for scripts.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn events_of(engine: &mut Engine) -> Vec<Event> {
    std::iter::from_fn(|| engine.poll_event()).collect()
}

const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n";
const AUTH: &str = "p1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\n";
const LOGGED_IN: &str = "p1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in\r\n";
/// What the engine pipelines after the sign-in: QRESYNC (offered), then the folder list.
const SIGNED_IN_CMDS: &str = "p2 ENABLE QRESYNC\r\np3 LIST \"\" * RETURN (SPECIAL-USE)\r\n";
const ENABLED: &str = "* ENABLED QRESYNC\r\np2 OK Enabled.\r\n";
const LIST: &str = "* LIST (\\HasNoChildren) \".\" Drafts\r\n\
* LIST (\\HasNoChildren \\Sent) \".\" Sent\r\n\
* LIST (\\HasNoChildren \\Trash) \".\" Trash\r\n\
* LIST (\\HasNoChildren) \".\" \"Entw&APw-rfe\"\r\n\
* LIST (\\HasNoChildren) \".\" INBOX\r\n\
p3 OK List completed (0.001 + 0.000 secs).\r\n";
const OPEN_INBOX: &str = "p4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX (CONDSTORE)\r\n";
/// SELECT's answer up to `EXISTS`, after which the window's FETCH goes out at once.
const SELECTING: &str = "* STATUS INBOX (UNSEEN 1)\r\n\
p4 OK Status completed (0.001 + 0.000 secs).\r\n\
* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n\
* 3 EXISTS\r\n";
const SELECTED: &str = "* 0 RECENT\r\n\
* OK [UNSEEN 3] First unseen.\r\n\
* OK [UIDVALIDITY 1700000000] UIDs valid\r\n\
* OK [UIDNEXT 8] Predicted next UID\r\n\
* OK [HIGHESTMODSEQ 42] Highest\r\n\
p5 OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n";
const FETCH_CMD: &str =
    "p6 FETCH 1:3 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE PREVIEW)\r\n";
const FETCHED: &str = "* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 512 INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"Hello\" ((\"Bob Example\" NIL \"bob\" \"example.com\")) ((\"Bob Example\" NIL \"bob\" \"example.com\")) ((\"Bob Example\" NIL \"bob\" \"example.com\")) ((NIL NIL \"alice\" \"example.com\")) NIL NIL NIL \"<1@example.com>\") PREVIEW \"Hi Alice,  the\tnumbers.\" BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"q1.pdf\") NIL NIL \"base64\" 1200 NIL (\"attachment\" (\"filename\" \"q1.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n\
* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged) RFC822.SIZE 1024 INTERNALDATE \"02-Jan-2024 10:00:00 +0100\" ENVELOPE (NIL \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?=\" ((\"=?UTF-8?B?SsO2cmc=?=\" NIL \"joerg\" \"example.de\")) NIL NIL NIL NIL NIL NIL NIL))\r\n\
* 3 FETCH (UID 7 FLAGS () RFC822.SIZE 77 INTERNALDATE \" 3-Jan-2024 10:00:00 +0000\" ENVELOPE (NIL {12}\r\nA {literal}! ((NIL NIL \"carol\" \"example.org\")) NIL NIL NIL NIL NIL NIL NIL))\r\n\
p6 OK Fetch completed (0.001 + 0.000 secs).\r\n";
/// With nothing left to do, the engine waits in IDLE on the open folder.
const IDLE: &str = "p7 IDLE\r\n";
const IDLING: &str = "+ idling\r\n";
const IDLE_DONE: &str = "p7 OK Idle completed (0.001 + 1.000 secs).\r\n";

/// The first request after signing in: the account's.
const OPEN_OP: OpId = OpId(2);

fn messages() -> Vec<MessageSummary> {
    vec![
        MessageSummary {
            uid: 7,
            from: "carol@example.org".into(),
            subject: "A {literal}!".into(),
            date: Some(1_704_276_000),
            unread: true,
            flagged: false,
            size: 77,
            attachment: false,
            preview: None,
            parts: Vec::new(),
        },
        MessageSummary {
            uid: 2,
            from: "Jörg".into(),
            subject: "Grüße aus Köln".into(),
            date: Some(1_704_186_000),
            unread: false,
            flagged: true,
            size: 1024,
            attachment: false,
            preview: None,
            parts: Vec::new(),
        },
        MessageSummary {
            uid: 1,
            from: "Bob Example".into(),
            subject: "Hello".into(),
            date: Some(1_704_103_200),
            unread: false,
            flagged: false,
            size: 512,
            attachment: true,
            preview: Some("Hi Alice, the numbers.".into()),
            parts: vec![
                Part {
                    section: "1".into(),
                    media_type: "text/plain".into(),
                    filename: None,
                    size: 20,
                    attachment: false,
                },
                Part {
                    section: "2".into(),
                    media_type: "application/pdf".into(),
                    filename: Some("q1.pdf".into()),
                    size: 1200,
                    attachment: true,
                },
            ],
        },
    ]
}

/// The rows of the INBOX window: position 0 is the newest.
fn rows() -> Vec<(u32, MessageSummary)> {
    (0..).zip(messages()).collect()
}

fn folders() -> Vec<Folder> {
    let f = |id: &str, name: &str, role| Folder {
        id: id.into(),
        name: name.into(),
        delimiter: Some('.'),
        role,
        selectable: true,
    };
    vec![
        f("INBOX", "INBOX", Some(FolderRole::Inbox)),
        f("Drafts", "Drafts", Some(FolderRole::Drafts)),
        f("Sent", "Sent", Some(FolderRole::Sent)),
        f("Trash", "Trash", Some(FolderRole::Trash)),
        f("Entw&APw-rfe", "Entwürfe", None),
    ]
}

fn inbox_opened() -> Event {
    Event::FolderOpened {
        folder: "INBOX".into(),
        exists: 3,
        unseen: Some(1),
        uid_validity: Some(1_700_000_000),
    }
}

fn inbox_rows() -> Event {
    Event::Rows {
        op: Some(OPEN_OP),
        folder: "INBOX".into(),
        total: 3,
        rows: rows(),
    }
}

fn changed(total: u32, change: ListChange) -> Event {
    Event::FolderChanged {
        folder: "INBOX".into(),
        total,
        change,
    }
}

#[test]
fn sign_in_list_open_inbox_and_sign_out() {
    let events = run_all_chunkings(&[
        R(sign_in()),
        C(""),
        S(GREETING),
        C(AUTH),
        S(LOGGED_IN),
        R(open_inbox()),
        // Pipelined: ENABLE and LIST, and the folder as soon as it is asked for.
        C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
        S(ENABLED),
        S(LIST),
        S(SELECTING),
        // The window's FETCH goes before SELECT's OK, as soon as EXISTS says the count.
        C(FETCH_CMD),
        S(SELECTED),
        C(""),
        S(FETCHED),
        C(IDLE),
        S(IDLING),
        R(Request::SignOut),
        C("DONE\r\np8 LOGOUT\r\n"),
        S(IDLE_DONE),
        S("* BYE Logging out\r\np8 OK Logout completed (0.001 + 0.000 secs).\r\n"),
    ]);
    assert_eq!(
        events,
        vec![
            Event::SignedIn {
                user: "alice".into()
            },
            Event::Folders(folders()),
            inbox_opened(),
            inbox_rows(),
            Event::Disconnected(Disconnect::SignedOut),
        ]
    );
}

#[test]
fn requests_are_numbered_and_wait_for_the_sign_in() {
    let mut engine = Engine::new();
    assert_eq!(engine.request(sign_in()), OpId(1));
    assert_eq!(engine.request(open_inbox()), OPEN_OP);
    assert_eq!(engine.transmit(), None);
    engine.receive(GREETING.as_bytes());
    assert_eq!(engine.transmit().as_deref(), Some(AUTH.as_bytes()));
    assert_eq!(engine.transmit(), None, "the folder waits for the sign-in");
    engine.receive(LOGGED_IN.as_bytes());
    let mut sent = Vec::new();
    while let Some(bytes) = engine.transmit() {
        sent.extend(bytes);
    }
    assert_eq!(
        String::from_utf8_lossy(&sent),
        format!("{SIGNED_IN_CMDS}{OPEN_INBOX}")
    );
    assert!(engine.is_signed_in());
}

#[test]
fn wrong_password() {
    let events = run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S("p1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
        C(""),
    ]);
    assert_eq!(
        events,
        vec![Event::SignInFailed(SignInError::WrongCredentials)]
    );
}

#[test]
fn other_refusal_keeps_the_server_text() {
    let events = run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S("p1 NO [UNAVAILABLE] Temporary failure\r\n"),
    ]);
    assert_eq!(
        events,
        vec![Event::SignInFailed(SignInError::Refused(
            "Temporary failure".into()
        ))]
    );
}

#[test]
fn capability_then_login_without_sasl_ir_or_plain() {
    let events = run_all_chunkings(&[
        S("* OK IMAP ready\r\n"),
        R(sign_in()),
        C("p1 CAPABILITY\r\n"),
        S("* CAPABILITY IMAP4rev1 IDLE\r\np1 OK done\r\n"),
        C("p2 LOGIN alice secret\r\n"),
        S("p2 NO Login failed\r\n"),
    ]);
    assert_eq!(
        events,
        vec![Event::SignInFailed(SignInError::WrongCredentials)]
    );
}

#[test]
fn authenticate_plain_waits_for_continuation_and_refreshes_capabilities() {
    let events = run_all_chunkings(&[
        S("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"),
        R(sign_in()),
        C("p1 AUTHENTICATE PLAIN\r\n"),
        S("+ \r\n"),
        C("AGFsaWNlAHNlY3JldA==\r\n"),
        S("p1 OK Logged in\r\n"),
        R(open_inbox()),
        C("p2 CAPABILITY\r\np3 LIST \"\" *\r\np4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX\r\n"),
        S("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\np2 OK done\r\n"),
        S("* LIST (\\Noselect) \"/\" Shared\r\n* LIST () \"/\" inbox\r\n* LIST () \"/\" \"Sent Items\"\r\np3 OK done\r\n"),
        S("* STATUS INBOX (UNSEEN 0)\r\np4 OK done\r\n* 0 EXISTS\r\np5 OK [READ-WRITE] done\r\n"),
        // An empty folder: nothing to fetch, and no IDLE without the capability.
        C(""),
    ]);
    let folder = |id: &str, role, selectable| Folder {
        id: id.into(),
        name: id.into(),
        delimiter: Some('/'),
        role,
        selectable,
    };
    assert_eq!(
        events,
        vec![
            Event::SignedIn {
                user: "alice".into()
            },
            Event::Folders(vec![
                folder("INBOX", Some(FolderRole::Inbox), true),
                folder("Sent Items", Some(FolderRole::Sent), true),
                folder("Shared", None, false),
            ]),
            Event::FolderOpened {
                folder: "INBOX".into(),
                exists: 0,
                unseen: Some(0),
                uid_validity: None,
            },
            Event::Rows {
                op: Some(OPEN_OP),
                folder: "INBOX".into(),
                total: 0,
                rows: vec![]
            },
        ]
    );
}

#[test]
fn garbage_lines_are_problems_and_the_session_goes_on() {
    let events = run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S("\x00\x01garbage ((( \r\n"),
        S(LOGGED_IN),
        R(open_inbox()),
        C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
        S(ENABLED),
        S("* LIST (\\HasNoChildren) \".\" INBOX\r\n* LIST (broken\r\np3 OK List completed.\r\n"),
        S(SELECTING),
        C(FETCH_CMD),
    ]);
    assert!(matches!(&events[0], Event::Problem(_)), "{events:?}");
    assert_eq!(
        events[1],
        Event::SignedIn {
            user: "alice".into()
        }
    );
    assert!(matches!(&events[2], Event::Problem(_)));
    assert!(matches!(&events[3], Event::Folders(f) if f.len() == 1));
}

#[test]
fn bye_disconnects() {
    let events = run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S("* BYE Server shutting down.\r\n"),
    ]);
    assert_eq!(
        events,
        vec![Event::Disconnected(Disconnect::ServerClosed(
            "Server shutting down.".into()
        ))]
    );
}

#[test]
fn open_folder_and_select_failure() {
    let events = run(
        &[
            S(GREETING),
            R(sign_in()),
            C(AUTH),
            S(LOGGED_IN),
            R(open_inbox()),
            C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
            S(ENABLED),
            S("p3 OK List completed.\r\n"),
            R(Request::OpenFolder {
                folder: "Entw&APw-rfe".into(),
                window: Window::FIRST,
                known: None,
            }),
            C("p6 STATUS Entw&APw-rfe (UNSEEN)\r\np7 SELECT Entw&APw-rfe (CONDSTORE)\r\n"),
            S("p4 OK\r\n* 3 EXISTS\r\np5 OK [READ-WRITE] done\r\n"),
            // The superseded INBOX's rows are nobody's: no FETCH for them.
            C(""),
            S("* STATUS Entw&APw-rfe (UNSEEN 0)\r\np6 OK\r\np7 NO [NONEXISTENT] Mailbox doesn't exist\r\n"),
            C(""),
        ],
        0,
    );
    assert_eq!(
        events.last(),
        Some(&Event::Problem(
            "could not open Entw&APw-rfe: Mailbox doesn't exist".into()
        ))
    );
    // The superseded INBOX open reports nothing.
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::FolderOpened { .. } | Event::Rows { .. })));
}

#[test]
fn connection_lost_is_reported_once() {
    let mut engine = Engine::new();
    engine.receive(GREETING.as_bytes());
    engine.closed(Some("gone".into()));
    engine.closed(None);
    assert_eq!(
        events_of(&mut engine),
        vec![Event::Disconnected(Disconnect::ConnectionLost(Some(
            "gone".into()
        )))]
    );
    assert_eq!(engine.poll_timeout(), None);
}

#[test]
fn password_is_redacted() {
    assert!(!format!("{:?}", sign_in()).contains("secret"));
}

/// Regression: a subject in ISO-2022-JP and a sender name in GB2312 reached the message list
/// as UTF-8 garbage; they now go to the engine's charset decoders.
#[test]
fn headers_in_other_charsets_were_shown_as_utf8_garbage() {
    const FETCHED: &str = "* 1 FETCH (UID 9 FLAGS (\\Seen) RFC822.SIZE 300 INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" ENVELOPE (NIL \"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\" ((\"=?GB2312?B?1cXI/Q==?=\" NIL \"zhang\" \"example.cn\")) NIL NIL NIL NIL NIL NIL NIL))\r\n\
p6 OK Fetch completed (0.001 + 0.000 secs).\r\n";
    let events = run_all_chunkings_on(
        || Engine::with_charsets(mime::Table::east_and_west()),
        &[
            R(sign_in()),
            S(GREETING),
            C(AUTH),
            S(LOGGED_IN),
            R(open_inbox()),
            C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
            S(ENABLED),
            S(LIST),
            S("* STATUS INBOX (UNSEEN 0)\r\np4 OK\r\n* 1 EXISTS\r\n"),
            C("p6 FETCH 1 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE PREVIEW)\r\n"),
            S(SELECTED),
            S(FETCHED),
        ],
    );
    assert_eq!(
        events.last(),
        Some(&Event::Rows {
            op: Some(OPEN_OP),
            folder: "INBOX".into(),
            total: 1,
            rows: vec![(
                0,
                MessageSummary {
                    uid: 9,
                    from: "张三".into(),
                    subject: "こんにちは".into(),
                    date: Some(1_704_103_200),
                    unread: false,
                    flagged: false,
                    size: 300,
                    attachment: false,
                    preview: None,
                    parts: Vec::new(),
                }
            )],
        })
    );
}

/// Native callers may move the engine across threads; the browser's decoders are not `Send`,
/// which is why the charsets are a type parameter (see [`Engine`]).
#[test]
fn engine_new_is_send() {
    fn send<T: Send>(_: &T) {}
    send(&Engine::new());
}

/// Signed in at time 0 with INBOX open, its rows fetched, and the engine idling.
fn inbox_open() -> Vec<Step> {
    vec![
        T(0),
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S(LOGGED_IN),
        R(open_inbox()),
        C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
        S(ENABLED),
        S(LIST),
        S(SELECTING),
        C(FETCH_CMD),
        S(SELECTED),
        S(FETCHED),
        C(IDLE),
        S(IDLING),
    ]
}

/// The events of [`inbox_open`].
fn inbox_open_events() -> Vec<Event> {
    vec![
        Event::SignedIn {
            user: "alice".into(),
        },
        Event::Folders(folders()),
        inbox_opened(),
        inbox_rows(),
    ]
}

/// [`inbox_open`], then `more`; the events after those of opening INBOX.
fn after_inbox_open(more: impl IntoIterator<Item = Step>) -> Vec<Event> {
    let mut script = inbox_open();
    script.extend(more);
    let events = run_all_chunkings(&script);
    let opened = inbox_open_events();
    assert_eq!(events[..opened.len()], opened[..]);
    events[opened.len()..].to_vec()
}

const MESSAGE_7: &str = "From: Carol <carol@example.org>\r\nSubject: A {literal}!\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9\r\n--b\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n";

/// Message 7 (sequence number 3) fetched whole, completing `tag`.
fn fetched_7(tag: &str) -> &'static str {
    leak(format!(
        "* 3 FETCH (UID 7 FLAGS () BODY[] {{{}}}\r\n{MESSAGE_7})\r\n{tag} OK Fetch completed.\r\n",
        MESSAGE_7.len()
    ))
}

#[test]
fn opening_an_unread_message_fetches_it_then_marks_it_seen() {
    let events = after_inbox_open([
        R(open_message("INBOX", 7)),
        C("DONE\r\np8 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n"),
        S(IDLE_DONE),
        S(fetched_7("p8")),
        C("p9 UID STORE 7 +FLAGS.SILENT (\\Seen)\r\n"),
        S("p9 OK Store completed.\r\n"),
        C("p10 IDLE\r\n"),
        S(IDLING),
        R(Request::DownloadAttachment {
            folder: "INBOX".into(),
            uid: 7,
            part: "2".into(),
        }),
        C("DONE\r\np11 UID FETCH 7 (UID BODY.PEEK[2])\r\n"),
        S("p10 OK Idle completed.\r\n* 3 FETCH (UID 7 BODY[2] {4}\r\naGk=)\r\np11 OK done\r\n"),
        C("p12 IDLE\r\n"),
    ]);
    let [Event::Fetched {
        raw,
        text,
        uid: fetched_uid,
        ..
    }, Event::MessageOpened {
        op,
        folder,
        uid,
        message,
    }, seen, fetched] = &events[..]
    else {
        panic!("{events:?}")
    };
    // The bytes as they came, for the local store, with their text for its search index.
    assert_eq!(*fetched_uid, 7);
    assert!(raw.starts_with(b"From: Carol"), "{raw:?}");
    assert_eq!(text, "Café\n");
    assert_eq!((*op, folder.as_str(), *uid), (OpId(3), "INBOX", 7));
    assert_eq!(message.subject, "A {literal}!");
    assert_eq!(message.from[0].name, "Carol");
    assert_eq!(message.body, [Block::Text("Café".into())]);
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].name, "notes.txt");
    assert_eq!(message.attachments[0].size, 2);
    assert_eq!(
        *seen,
        Event::MessageSeen {
            folder: "INBOX".into(),
            uid: 7
        }
    );
    assert_eq!(
        *fetched,
        Event::AttachmentFetched {
            op: OpId(4),
            folder: "INBOX".into(),
            uid: 7,
            part: "2".into(),
            name: "notes.txt".into(),
            media_type: "text/plain".into(),
            bytes: b"hi".to_vec(),
            error: None,
        }
    );
}

#[test]
fn a_seen_message_is_not_stored_again_and_another_folder_is_selected_first() {
    let body = "Subject: old\r\n\r\nhello";
    let events = after_inbox_open([
        R(open_message("Sent", 4)),
        C("DONE\r\np8 STATUS Sent (UNSEEN)\r\np9 SELECT Sent (CONDSTORE)\r\np10 UID FETCH 4 (UID FLAGS BODY.PEEK[])\r\n"),
        S(IDLE_DONE),
        S(leak(format!(
            "* STATUS Sent (UNSEEN 0)\r\np8 OK\r\n* 1 EXISTS\r\np9 OK [READ-WRITE] done\r\n\
             * 1 FETCH (UID 4 FLAGS (\\Seen) BODY[] {{{}}}\r\n{body})\r\np10 OK done\r\n",
            body.len()
        ))),
        // Selected only to read a message: no rows are fetched, nobody looks at its list.
        C("p11 IDLE\r\n"),
    ]);
    let opened = events
        .iter()
        .find_map(|e| match e {
            Event::MessageOpened {
                folder, message, ..
            } if folder == "Sent" => Some(message),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(opened.body, [Block::Text("hello".into())]);
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::MessageSeen { .. })));
}

#[test]
fn a_refused_or_missing_message_fails_and_a_superseded_one_is_dropped() {
    let events = after_inbox_open([
        R(open_message("INBOX", 7)),
        R(open_message("INBOX", 2)),
        C("DONE\r\np8 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\np9 UID FETCH 2 (UID FLAGS BODY.PEEK[])\r\n"),
        // The first answer arrives but nobody wants it any more; the second finds nothing.
        S(IDLE_DONE),
        S(fetched_7("p8")),
        S("p9 OK Fetch completed.\r\n"),
        C("p10 IDLE\r\n"),
        S(IDLING),
        R(open_message("INBOX", 1)),
        C("DONE\r\np11 UID FETCH 1 (UID FLAGS BODY.PEEK[])\r\n"),
        S("p10 OK Idle completed.\r\np11 NO [SERVERBUG] Internal error\r\n"),
    ]);
    assert_eq!(
        events,
        [
            Event::MessageFailed {
                op: OpId(4),
                folder: "INBOX".into(),
                uid: 2,
                reason: "the message is no longer in this folder".into()
            },
            Event::MessageFailed {
                op: OpId(5),
                folder: "INBOX".into(),
                uid: 1,
                reason: "Internal error".into()
            },
        ]
    );
}

/// Regression: a download refused without asking the server ended the IDLE all the same,
/// a round trip for nothing.
#[test]
fn a_download_without_an_open_message_is_refused_locally() {
    let events = after_inbox_open([
        R(Request::DownloadAttachment {
            folder: "INBOX".into(),
            uid: 7,
            part: "2 (BODY[])".into(),
        }),
        C(""),
    ]);
    assert!(
        matches!(&events[..], [Event::AttachmentFetched { op: OpId(3), error: Some(_), bytes, .. }] if bytes.is_empty()),
        "{events:?}"
    );
}

const SENT_COPY: &[u8] = b"Subject: x\r\n\r\nhi\r\n";

#[test]
fn a_sent_copy_is_appended_as_binary_and_the_original_marked_answered() {
    let events = after_inbox_open([
        R(Request::SaveSent {
            copy: Some(SENT_COPY.to_vec()),
            answered: Some(("INBOX".into(), 7)),
        }),
        // BINARY and LITERAL+ are offered: one write, a `~{n+}` literal.
        C("DONE\r\np8 APPEND Sent (\\Seen) ~{18+}\r\nSubject: x\r\n\r\nhi\r\n\r\np9 UID STORE 7 +FLAGS.SILENT (\\Answered)\r\n"),
        S(IDLE_DONE),
        S("p8 OK [APPENDUID 1700000001 5] Append completed.\r\np9 OK Store completed.\r\n"),
    ]);
    assert_eq!(
        events,
        [
            Event::CopySaved {
                folder: "Sent".into()
            },
            Event::Answered {
                folder: "INBOX".into(),
                uid: 7
            }
        ]
    );
}

#[test]
fn a_sent_copy_waits_for_the_folder_list_and_without_a_sent_folder_says_so() {
    let events = run_all_chunkings(&[
        R(sign_in()),
        S(GREETING),
        C(AUTH),
        S(LOGGED_IN),
        R(Request::SaveSent {
            copy: Some(SENT_COPY.to_vec()),
            answered: None,
        }),
        // Nothing before the list: the Sent folder is not known yet.
        C(SIGNED_IN_CMDS),
        S(ENABLED),
        S("* LIST (\\HasNoChildren) \".\" INBOX\r\np3 OK List completed.\r\n"),
        C(""),
    ]);
    assert_eq!(
        events.last(),
        Some(&Event::CopyNotSaved(
            "there is no Sent folder on the server, so no copy was saved".into()
        ))
    );
}

#[test]
fn a_refused_copy_is_said_in_words() {
    let events = run_all_chunkings(&[
        R(sign_in()),
        S(GREETING),
        C(AUTH),
        S(LOGGED_IN),
        R(open_inbox()),
        C(leak(format!("{SIGNED_IN_CMDS}{OPEN_INBOX}"))),
        S(ENABLED),
        S(LIST),
        R(Request::SaveSent {
            copy: Some(SENT_COPY.to_vec()),
            answered: None,
        }),
        C("p6 APPEND Sent (\\Seen) ~{18+}\r\nSubject: x\r\n\r\nhi\r\n\r\n"),
        S("p6 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n"),
    ]);
    assert_eq!(
        events.last(),
        Some(&Event::CopyNotSaved(
            "the server did not save a copy in Sent: Quota exceeded (mailbox for user is full)"
                .into()
        ))
    );
}

const KNOWN: Known = Known {
    uid_validity: 1_700_000_000,
    highest_modseq: 42,
};

/// Regression: a folder opened right after the sign-in, as the account does on every
/// reconnect, was selected without QRESYNC, because the ENABLE pipelined before it had not
/// been answered yet. The server reads ENABLE first, so QRESYNC may follow it at once.
#[test]
fn a_known_folder_opened_behind_the_pipelined_enable_was_selected_without_qresync() {
    run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S(LOGGED_IN),
        R(Request::OpenFolder {
            folder: "INBOX".into(),
            window: Window::FIRST,
            known: Some(KNOWN),
        }),
        C(leak(format!(
            "{SIGNED_IN_CMDS}p4 STATUS INBOX (UNSEEN)\r\np5 SELECT INBOX (QRESYNC (1700000000 42))\r\n"
        ))),
    ]);
}

/// A server that answers ENABLE without enabling QRESYNC would refuse a QRESYNC parameter
/// (RFC 7162 §3.2.5): CONDSTORE it is.
#[test]
fn a_known_folder_is_selected_with_condstore_where_qresync_was_not_enabled() {
    run_all_chunkings(&[
        S(GREETING),
        R(sign_in()),
        C(AUTH),
        S(LOGGED_IN),
        C(SIGNED_IN_CMDS),
        S("p2 OK Nothing enabled.\r\n"),
        S(LIST),
        R(Request::OpenFolder {
            folder: "INBOX".into(),
            window: Window::FIRST,
            known: Some(KNOWN),
        }),
        C(OPEN_INBOX),
    ]);
}

#[test]
fn idle_is_entered_when_quiet_and_left_with_done_for_a_request() {
    let events = after_inbox_open([
        // Idling: no command deadline, only the renewal.
        P(Some(IDLE_RENEW)),
        C(""),
        R(open_message("INBOX", 2)),
        C("DONE\r\np8 UID FETCH 2 (UID FLAGS BODY.PEEK[])\r\n"),
        S(IDLE_DONE),
        S("* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged) BODY[] {2}\r\nhi)\r\np8 OK done\r\n"),
        // Read already: no STORE, straight back to IDLE.
        C("p9 IDLE\r\n"),
    ]);
    assert!(
        matches!(
            &events[..],
            [
                Event::Fetched { uid: 2, .. },
                Event::MessageOpened {
                    op: OpId(3),
                    uid: 2,
                    ..
                }
            ]
        ),
        "{events:?}"
    );
}

#[test]
fn a_request_before_the_server_accepted_idle_goes_right_after_its_continuation() {
    let mut script = inbox_open();
    // Up to the IDLE, without the server's `+`.
    script.truncate(script.len() - 1);
    script.extend([
        R(open_message("INBOX", 2)),
        C(""),
        S(IDLING),
        C("DONE\r\np8 UID FETCH 2 (UID FLAGS BODY.PEEK[])\r\n"),
    ]);
    run_all_chunkings(&script);
}

const ROW_8: &str = "* 4 FETCH (UID 8 FLAGS () RFC822.SIZE 99 INTERNALDATE \"04-Jan-2024 10:00:00 +0000\" ENVELOPE (NIL \"New\" ((NIL NIL \"dave\" \"example.net\")) NIL NIL NIL NIL NIL NIL NIL))\r\n";

fn message_8() -> MessageSummary {
    MessageSummary {
        uid: 8,
        from: "dave@example.net".into(),
        subject: "New".into(),
        date: Some(1_704_362_400),
        unread: true,
        flagged: false,
        size: 99,
        attachment: false,
        preview: None,
        parts: Vec::new(),
    }
}

#[test]
fn new_mail_while_idling_is_announced_then_its_rows_fetched() {
    let events = after_inbox_open([
        S("* 4 EXISTS\r\n* 1 RECENT\r\n"),
        C("DONE\r\np8 FETCH 4 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE PREVIEW)\r\n"),
        S(IDLE_DONE),
        S(leak(format!("{ROW_8}p8 OK Fetch completed.\r\n"))),
        C("p9 IDLE\r\n"),
    ]);
    assert_eq!(
        events,
        [
            changed(4, ListChange::Arrived { count: 1 }),
            Event::Rows {
                op: None,
                folder: "INBOX".into(),
                total: 4,
                rows: vec![(0, message_8())],
            },
        ]
    );
}

#[test]
fn expunges_and_flag_changes_while_idling_move_the_list() {
    let events = after_inbox_open([
        // Message 2 (sequence number 2, position 1) goes.
        S("* 2 EXPUNGE\r\n"),
        // Then message 1 (now position 1) is flagged elsewhere, named by sequence number
        // and UID, and message 7 (position 0) marked unread: no UID, the place says which.
        S("* 1 FETCH (UID 1 MODSEQ (43) FLAGS (\\Seen \\Flagged))\r\n* 2 FETCH (FLAGS ())\r\n"),
        // Nothing to ask: still idling.
        C(""),
        P(Some(IDLE_RENEW)),
    ]);
    assert_eq!(
        events,
        [
            changed(
                2,
                ListChange::Removed {
                    position: 1,
                    uid: Some(2)
                }
            ),
            changed(
                2,
                ListChange::Flags {
                    position: 1,
                    uid: Some(1),
                    unread: false,
                    flagged: true
                }
            ),
            changed(
                2,
                ListChange::Flags {
                    position: 0,
                    uid: Some(7),
                    unread: true,
                    flagged: false
                }
            ),
        ]
    );
}

#[test]
fn an_expunge_of_the_newest_and_oldest_gives_their_positions() {
    let events = after_inbox_open([S("* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n"), C("")]);
    assert_eq!(
        events,
        [
            // Position = count before - sequence number.
            changed(
                2,
                ListChange::Removed {
                    position: 0,
                    uid: Some(7)
                }
            ),
            changed(
                1,
                ListChange::Removed {
                    position: 1,
                    uid: Some(1)
                }
            ),
        ]
    );
}

#[test]
fn vanished_with_qresync_removes_by_uid_oldest_first() {
    let events = after_inbox_open([
        // UIDs 1 and 2: positions 2 and 1, the oldest first so that neither moves the other.
        S("* VANISHED 1:2\r\n"),
        // Expunged while away: no sequence number moves, nothing to show; the local
        // store is told to drop it.
        S("* VANISHED (EARLIER) 5,9:8\r\n"),
        C(""),
    ]);
    assert_eq!(
        events,
        [
            changed(
                1,
                ListChange::Removed {
                    position: 2,
                    uid: Some(1)
                }
            ),
            changed(
                1,
                ListChange::Removed {
                    position: 1,
                    uid: Some(2)
                }
            ),
            Event::Vanished {
                folder: "INBOX".into(),
                uids: vec![(5, 5), (8, 9)],
            },
        ]
    );
}

/// [`inbox_open`] on an engine that compares UIDs, the server answering its listing with
/// `answer` (tag p7); the events after those of opening INBOX.
fn inbox_listed(answer: &'static str) -> Vec<Event> {
    let mut script = inbox_open();
    let idle = script.split_off(script.len() - 2);
    script.insert(script.len() - 1, C("p7 UID SEARCH RETURN (ALL) ALL\r\n"));
    script.extend([S(answer), C("p8 IDLE\r\n")]);
    script.extend(idle.into_iter().skip(1));
    let engine = || {
        let mut engine = Engine::new();
        engine.compare_uids(true);
        engine
    };
    let events = run_all_chunkings_on(engine, &script);
    let opened = inbox_open_events();
    assert_eq!(events[..opened.len()], opened[..]);
    events[opened.len()..].to_vec()
}

#[test]
fn an_opened_folder_is_compared_by_uid_for_the_store() {
    // Pipelined behind the window's FETCH; the listing's bound is UIDNEXT.
    assert_eq!(
        inbox_listed("* ESEARCH (TAG \"p7\") UID ALL 7,1:2\r\np7 OK Search completed.\r\n"),
        [Event::FolderUids {
            folder: "INBOX".into(),
            uids: vec![(1, 2), (7, 7)],
            below: 8,
        }]
    );
    // Another command's ESEARCH, or a listing that does not fit the count (three
    // messages), is not taken for this folder's: the store keeps what it has.
    for answer in [
        "* ESEARCH (TAG \"p6\") UID ALL 1:3\r\np7 OK Search completed.\r\n",
        "* ESEARCH (TAG \"p7\") UID ALL 1:5\r\np7 OK Search completed.\r\n",
        "* ESEARCH (TAG \"p7\") UID ALL 1:4294967295\r\np7 OK Search completed.\r\n",
        "* ESEARCH (TAG \"p7\") UID ALL 1:3\r\np7 NO Search failed.\r\n",
    ] {
        assert_eq!(inbox_listed(answer), [], "{answer}");
    }
}

#[test]
fn counts_are_asked_for_every_folder_but_the_open_one() {
    let events = after_inbox_open([
        R(Request::RefreshCounts {
            folders: vec!["INBOX".into(), "Sent".into(), "Entw&APw-rfe".into()],
        }),
        C("DONE\r\np8 STATUS Sent (MESSAGES UNSEEN)\r\np9 STATUS Entw&APw-rfe (MESSAGES UNSEEN)\r\n"),
        S(IDLE_DONE),
        // A folder deleted meanwhile is left as it was.
        S("* STATUS Sent (MESSAGES 2 UNSEEN 1)\r\np8 OK Status completed.\r\np9 NO [NONEXISTENT] Mailbox doesn't exist\r\n"),
        C("p10 IDLE\r\n"),
    ]);
    assert_eq!(
        events,
        [Event::FolderCounts {
            folder: "Sent".into(),
            messages: Some(2),
            unseen: Some(1),
        }]
    );
}

#[test]
fn window_seqs_known_answers() {
    let w = |first, len| Window { first, len };
    let cases = [
        (Window::FIRST, 3, Some((1, 3))),
        (Window::FIRST, 0, None),
        (Window::FIRST, 100, Some((51, 100))),
        (w(50, 50), 100, Some((1, 50))),
        (w(90, 50), 100, Some((1, 10))),
        (w(99, 1), 100, Some((1, 1))),
        (w(100, 50), 100, None),
        (w(0, 0), 100, None),
        (w(0, 1), 1, Some((1, 1))),
        (w(0, u32::MAX), u32::MAX, Some((1, u32::MAX))),
        (w(u32::MAX - 1, u32::MAX), u32::MAX, Some((1, 1))),
    ];
    for (window, exists, want) in cases {
        assert_eq!(window.seqs(exists), want, "{window:?} of {exists}");
    }
}

#[test]
fn a_command_unanswered_for_a_minute_loses_the_connection() {
    let why = format!(
        "no answer from the mail server within {} seconds",
        COMMAND_TIMEOUT / 1000
    );
    let events = after_inbox_open([
        T(1_000),
        R(open_message("INBOX", 7)),
        C("DONE\r\np8 UID FETCH 7 (UID FLAGS BODY.PEEK[])\r\n"),
        P(Some(1_000 + COMMAND_TIMEOUT)),
        T(COMMAND_TIMEOUT),
        C(""),
        T(1_000 + COMMAND_TIMEOUT - 1),
        C(""),
        T(1_000 + COMMAND_TIMEOUT),
        P(None),
        // Whatever arrives after is too late.
        S(IDLE_DONE),
        C(""),
    ]);
    assert_eq!(
        events,
        [
            Event::MessageFailed {
                op: OpId(3),
                folder: "INBOX".into(),
                uid: 7,
                reason: format!("the connection was lost ({why})"),
            },
            Event::Disconnected(Disconnect::ConnectionLost(Some(why))),
        ]
    );
}

#[test]
fn the_greeting_and_sign_in_have_deadlines_too() {
    let events = run_all_chunkings(&[
        T(5_000),
        R(sign_in()),
        S(GREETING),
        C(AUTH),
        P(Some(5_000 + COMMAND_TIMEOUT)),
        T(5_000 + COMMAND_TIMEOUT),
    ]);
    assert!(
        matches!(
            &events[..],
            [Event::Disconnected(Disconnect::ConnectionLost(Some(_)))]
        ),
        "{events:?}"
    );
}

#[test]
fn idle_is_renewed_every_ten_minutes() {
    let events = after_inbox_open([
        P(Some(IDLE_RENEW)),
        T(IDLE_RENEW - 1),
        C(""),
        T(IDLE_RENEW),
        C("DONE\r\n"),
        // Now DONE must be answered in time.
        P(Some(IDLE_RENEW + COMMAND_TIMEOUT)),
        S(IDLE_DONE),
        C("p8 IDLE\r\n"),
        S(IDLING),
        P(Some(2 * IDLE_RENEW)),
        T(2 * IDLE_RENEW),
        C("DONE\r\n"),
    ]);
    assert_eq!(events, []);
}

/// [`inbox_open`] on a server without IDLE.
fn inbox_open_without_idle() -> Vec<Step> {
    vec![
        T(0),
        S("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready.\r\n"),
        R(sign_in()),
        C(AUTH),
        S("p1 OK [CAPABILITY IMAP4rev1 SASL-IR] Logged in\r\n"),
        R(open_inbox()),
        C("p2 LIST \"\" *\r\np3 STATUS INBOX (UNSEEN)\r\np4 SELECT INBOX\r\n"),
        S("* LIST () \".\" INBOX\r\np2 OK List completed.\r\n"),
        S("* STATUS INBOX (UNSEEN 1)\r\np3 OK\r\n* 3 EXISTS\r\np4 OK [READ-WRITE] Select completed.\r\n"),
        // No PREVIEW: the server does not offer it.
        C("p5 FETCH 1:3 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE)\r\n"),
        S(leak(FETCHED.replace("p6 OK", "p5 OK"))),
        C(""),
    ]
}

#[test]
fn without_idle_the_open_folder_is_polled_with_noop_every_30_seconds() {
    let mut script = inbox_open_without_idle();
    script.extend([
        P(Some(POLL_INTERVAL)),
        T(POLL_INTERVAL - 1),
        C(""),
        T(POLL_INTERVAL),
        C("p6 NOOP\r\n"),
        P(Some(POLL_INTERVAL + COMMAND_TIMEOUT)),
        S("* 4 EXISTS\r\np6 OK NOOP completed.\r\n"),
        C("p7 FETCH 4 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODYSTRUCTURE)\r\n"),
        S(leak(format!("{ROW_8}p7 OK Fetch completed.\r\n"))),
        C(""),
        P(Some(2 * POLL_INTERVAL)),
        T(2 * POLL_INTERVAL),
        C("p8 NOOP\r\n"),
    ]);
    let events = run_all_chunkings(&script);
    let n = events.len();
    assert_eq!(
        events[n - 2..],
        [
            changed(4, ListChange::Arrived { count: 1 }),
            Event::Rows {
                op: None,
                folder: "INBOX".into(),
                total: 4,
                rows: vec![(0, message_8())],
            },
        ]
    );
}

/// Regression: the first poll was counted from time 0, so a driver whose clock had passed
/// 30 s (any page open that long) polled at once after opening a folder.
#[test]
fn polling_counts_from_the_last_command_not_from_time_zero() {
    const START: u64 = 100_000;
    let mut script = inbox_open_without_idle();
    script[0] = T(START);
    script.extend([P(Some(START + POLL_INTERVAL)), T(START + 1), C("")]);
    run_all_chunkings(&script);
}

#[test]
fn a_refused_idle_falls_back_to_polling() {
    let mut script = inbox_open();
    script.truncate(script.len() - 1);
    script.extend([
        S("p7 NO IDLE not allowed here\r\n"),
        C(""),
        P(Some(POLL_INTERVAL)),
        T(POLL_INTERVAL),
        C("p8 NOOP\r\n"),
    ]);
    let events = run_all_chunkings(&script);
    assert!(
        matches!(events.last(), Some(Event::Problem(text)) if text.contains("IDLE not allowed here")),
        "{events:?}"
    );
}

#[test]
fn the_open_folder_is_known_for_a_later_qresync() {
    let mut engine = Engine::new();
    assert_eq!(engine.known(), None);
    for step in inbox_open() {
        match step {
            S(bytes) => engine.receive(bytes.as_bytes()),
            R(request) => {
                engine.request(request);
            }
            T(now) => engine.handle_timeout(now),
            C(_) | P(_) => while engine.transmit().is_some() {},
        }
    }
    assert_eq!(engine.known(), Some(("INBOX".to_owned(), KNOWN)));
}

/// Regression: a server that accepted the connection but never greeted was waited for
/// forever (no command was pending, so no deadline ran), and the account never retried.
#[test]
fn a_greeting_that_never_came_was_waited_for_forever() {
    let events = run_all_chunkings(&[
        T(5_000),
        R(sign_in()),
        C(""),
        P(Some(5_000 + COMMAND_TIMEOUT)),
        T(5_000 + COMMAND_TIMEOUT),
        P(None),
    ]);
    assert_eq!(
        events,
        [Event::Disconnected(Disconnect::ConnectionLost(Some(
            "no answer from the mail server within 60 seconds".into()
        )))]
    );
}
