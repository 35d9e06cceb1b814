//! The client engine, natively, through the real proxy to a real Dovecot.
//!
//! This is the browser's data path minus the browser: the same sans-IO `Engine` the web app
//! runs, fed by a WebSocket to `/imap`, with the seeded mailbox on the other end. The test
//! plays the role of the app's connection task (see the contract in
//! `client/src/engine/mod.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use petrel_client::engine::{
    Block, BuiltInOnly, Charsets, Disconnect, Engine, Event, Folder, FolderRole, MessageSummary,
    Password, Request, SignInError, Window,
};
use petrel_tests::dovecot::free_port;
use petrel_tests::tls::{CertKind, Certs};
use petrel_tests::{Dovecot, Mailbox, Proxy, ProxyOptions, User};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const PATIENCE: Duration = Duration::from_secs(20);

/// The engine and its WebSocket, driven the way the app's connection task drives them.
struct Client<C: Charsets = BuiltInOnly> {
    engine: Engine<C>,
    ws: Option<WebSocketStream<MaybeTlsStream<TcpStream>>>,
    /// Every event so far, for assertion messages.
    seen: Vec<Event>,
}

impl Client {
    async fn connect(proxy: &Proxy) -> Self {
        Self::connect_with(proxy, BuiltInOnly).await
    }
}

impl<C: Charsets> Client<C> {
    /// A client whose engine decodes other charsets with `charsets`.
    async fn connect_with(proxy: &Proxy, charsets: C) -> Self {
        let mut request = proxy.imap_url().into_client_request().unwrap();
        // A browser page served by the proxy sends the proxy's own origin.
        request
            .headers_mut()
            .insert("Origin", proxy.origin().parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        Self {
            engine: Engine::with_charsets(charsets),
            ws: Some(ws),
            seen: Vec::new(),
        }
    }

    /// Runs the loop until an event matching `wanted` arrives and returns it; panics with
    /// the events seen so far if it does not come within [`PATIENCE`].
    async fn until(&mut self, what: &str, wanted: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            while let Some(bytes) = self.engine.transmit() {
                if let Some(ws) = self.ws.as_mut() {
                    if let Err(e) = ws.send(Message::Binary(bytes.into())).await {
                        self.ws = None;
                        self.engine.closed(Some(e.to_string()));
                    }
                }
            }
            while let Some(event) = self.engine.poll_event() {
                self.seen.push(event.clone());
                if wanted(&event) {
                    return event;
                }
            }
            let Some(ws) = self.ws.as_mut() else {
                panic!(
                    "connection gone while waiting for {what}; events: {:#?}",
                    self.seen
                );
            };
            let next = tokio::time::timeout_at(deadline, ws.next()).await;
            match next {
                Err(_) => panic!("no {what} within {PATIENCE:?}; events: {:#?}", self.seen),
                Ok(Some(Ok(Message::Binary(bytes)))) => self.engine.receive(&bytes),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    self.ws = None;
                    self.engine.closed(frame.map(|f| f.reason.to_string()));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => {
                    self.ws = None;
                    self.engine.closed(Some(e.to_string()));
                }
                Ok(None) => {
                    self.ws = None;
                    self.engine.closed(None);
                }
            }
        }
    }

    async fn messages(&mut self, folder: &str) -> Vec<MessageSummary> {
        let event = self
            .until(
                &format!("the messages of {folder}"),
                |e| matches!(e, Event::Rows { folder: f, .. } if f == folder),
            )
            .await;
        let Event::Rows { rows, .. } = event else {
            unreachable!()
        };
        rows.into_iter().map(|(_, row)| row).collect()
    }
}

fn sign_in(user: &str, password: &str) -> Request {
    Request::SignIn {
        user: user.into(),
        password: Password::new(password),
    }
}

fn open_inbox() -> Request {
    Request::OpenFolder {
        folder: "INBOX".into(),
        window: Window::FIRST,
        known: None,
    }
}

fn fail(problem: &Event) -> bool {
    matches!(problem, Event::Disconnected(_) | Event::SignInFailed(_))
}

#[tokio::test]
async fn signs_in_lists_folders_and_shows_the_newest_messages() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mailbox = Mailbox::fixture();
    let mut client = Client::connect(&proxy).await;

    // Asked before the greeting has arrived: the engine queues it.
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    let signed_in = client
        .until("sign-in", |e| {
            matches!(e, Event::SignedIn { .. }) || fail(e)
        })
        .await;
    assert_eq!(
        signed_in,
        Event::SignedIn {
            user: "alice".into()
        },
        "{:#?}",
        client.seen
    );

    let folders = client
        .until("the folder list", |e| {
            matches!(e, Event::Folders(_)) || fail(e)
        })
        .await;
    let Event::Folders(folders) = folders else {
        panic!("{:#?}", client.seen)
    };
    let find = |id: &str| -> &Folder {
        folders
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no folder {id} in {folders:#?}"))
    };
    assert_eq!(find("INBOX").role, Some(FolderRole::Inbox));
    for (id, role) in [
        ("Sent", FolderRole::Sent),
        ("Drafts", FolderRole::Drafts),
        ("Trash", FolderRole::Trash),
        ("Archive", FolderRole::Archive),
    ] {
        assert_eq!(find(id).role, Some(role), "{folders:#?}");
        assert!(find(id).selectable);
    }
    let recus = mailbox.folder("Reçus").unwrap();
    let shown = find(&recus.wire_name());
    assert_eq!(
        shown.name, "Reçus",
        "modified UTF-7 must be decoded for display"
    );
    assert_eq!(shown.role, None);

    let opened = client
        .until("INBOX opened", |e| {
            matches!(e, Event::FolderOpened { .. }) || fail(e)
        })
        .await;
    let Event::FolderOpened {
        folder,
        exists,
        unseen,
        ..
    } = opened
    else {
        panic!("{:#?}", client.seen)
    };
    let inbox = mailbox.inbox();
    assert_eq!(folder, "INBOX");
    assert_eq!(exists as usize, inbox.messages.len());
    if let Some(unseen) = unseen {
        assert_eq!(unseen as usize, inbox.unseen());
    }

    let messages = client.messages("INBOX").await;
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, inbox.subjects_newest_first(), "{messages:#?}");
    let mut seeded: Vec<_> = inbox.messages.iter().collect();
    seeded.sort_by_key(|m| std::cmp::Reverse(m.date));
    for (shown, seeded) in messages.iter().zip(seeded) {
        assert_eq!(shown.unread, !seeded.seen, "{shown:?}");
        assert_eq!(shown.flagged, seeded.flagged, "{shown:?}");
        assert_eq!(shown.date, Some(seeded.date), "{shown:?}");
        assert_eq!(shown.from, seeded.from_name, "{shown:?}");
        assert!(shown.size > 0, "{shown:?}");
    }

    client.engine.request(Request::OpenFolder {
        folder: recus.wire_name(),
        window: Window::FIRST,
        known: None,
    });
    let messages = client.messages(&recus.wire_name()).await;
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, recus.subjects_newest_first());

    let archive = mailbox.folder("Archive").unwrap();
    client.engine.request(Request::OpenFolder {
        folder: "Archive".into(),
        window: Window::FIRST,
        known: None,
    });
    let messages = client.messages("Archive").await;
    assert_eq!(messages.len(), archive.messages.len());
    assert_eq!(messages[0].subject, archive.subjects_newest_first()[0]);

    client.engine.request(Request::SignOut);
    let out = client
        .until("sign-out", |e| matches!(e, Event::Disconnected(_)))
        .await;
    assert_eq!(
        out,
        Event::Disconnected(Disconnect::SignedOut),
        "{:#?}",
        client.seen
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_session_goes_on() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut client = Client::connect(&proxy).await;

    client.engine.request(sign_in("alice", "wrong horse"));

    // The app's account layer opens INBOX after signing in; here the test does.

    client.engine.request(open_inbox());
    let failed = client
        .until("the refusal", |e| {
            matches!(
                e,
                Event::SignInFailed(_) | Event::SignedIn { .. } | Event::Disconnected(_)
            )
        })
        .await;
    assert_eq!(
        failed,
        Event::SignInFailed(SignInError::WrongCredentials),
        "{:#?}",
        client.seen
    );

    // Same engine, same connection: a second try with the right password works.
    client.engine.request(sign_in("bob", "battery staple"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    let signed_in = client
        .until("sign-in", |e| {
            matches!(e, Event::SignedIn { .. }) || fail(e)
        })
        .await;
    assert_eq!(
        signed_in,
        Event::SignedIn { user: "bob".into() },
        "{:#?}",
        client.seen
    );
    let messages = client.messages("INBOX").await;
    assert!(messages.is_empty(), "bob's INBOX is empty: {messages:#?}");
}

#[tokio::test]
async fn an_unreachable_mail_server_is_reported_with_a_reason() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    // Nothing listens on a port that was free a moment ago.
    let closed = std::net::SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let options = ProxyOptions {
        imap: closed,
        ..ProxyOptions::for_dovecot(&dovecot)
    };
    let proxy = Proxy::start(options).unwrap();
    let mut client = Client::connect(&proxy).await;

    client.engine.request(sign_in("alice", "correct horse"));

    // The app's account layer opens INBOX after signing in; here the test does.

    client.engine.request(open_inbox());
    let lost = client
        .until("the disconnection", |e| {
            matches!(e, Event::Disconnected(_) | Event::SignedIn { .. })
        })
        .await;
    let Event::Disconnected(Disconnect::ConnectionLost(Some(reason))) = lost else {
        panic!(
            "expected ConnectionLost with a reason, got {lost:?}; events: {:#?}",
            client.seen
        );
    };
    assert!(
        reason.len() >= 8
            && reason.chars().all(|c| !c.is_control())
            && reason.chars().any(char::is_alphabetic),
        "the reason is for a person: {reason:?}"
    );
}

impl<C: Charsets> Client<C> {
    /// Opens message `uid` of `folder` and returns what the engine made of it.
    async fn open(&mut self, folder: &str, uid: u32) -> petrel_client::engine::MessageView {
        self.engine.request(Request::OpenMessage {
            folder: folder.into(),
            uid,
        });
        let event = self
            .until(&format!("message {uid}"), |e| {
                matches!(e, Event::MessageOpened { uid: u, .. } | Event::MessageFailed { uid: u, .. } if *u == uid)
                    || fail(e)
            })
            .await;
        match event {
            Event::MessageOpened { message, .. } => *message,
            other => panic!("{other:?}; events: {:#?}", self.seen),
        }
    }
}

#[tokio::test]
async fn opens_messages_decodes_them_marks_them_read_and_downloads_attachments() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut client = Client::connect(&proxy).await;
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    let list = client.messages("INBOX").await;
    let uid = |subject: &str| {
        list.iter()
            .find(|m| m.subject == subject)
            .unwrap_or_else(|| panic!("no {subject:?} in {list:#?}"))
            .uid
    };

    // multipart/alternative: the HTML rendering.
    let report = client.open("INBOX", uid("Quarterly report")).await;
    assert_eq!(report.subject, "Quarterly report");
    assert_eq!(report.from[0].name, "Grace Hopper");
    assert_eq!(report.from[0].email, "grace@example.org");
    assert_eq!(report.to[0].email, "alice@localhost");
    assert_eq!(
        report.date,
        list.iter()
            .find(|m| m.uid == uid("Quarterly report"))
            .unwrap()
            .date
    );
    assert!(
        matches!(&report.body[..], [Block::Html(html)] if html.contains("<p>Numbers are <b>up</b>.</p>")),
        "{report:#?}"
    );
    // It was unread: the engine marks it read once the server agrees.
    let seen = client
        .until("the \\Seen flag", |e| {
            matches!(e, Event::MessageSeen { .. }) || fail(e)
        })
        .await;
    assert_eq!(
        seen,
        Event::MessageSeen {
            folder: "INBOX".into(),
            uid: uid("Quarterly report")
        }
    );

    // An attachment, listed and then downloaded.
    let photos_uid = uid("Photos from the trip");
    let photos = client.open("INBOX", photos_uid).await;
    assert_eq!(photos.body, [Block::Text("Three photos attached.".into())]);
    assert_eq!(photos.attachments.len(), 1, "{photos:#?}");
    let png = &photos.attachments[0];
    assert_eq!(
        (png.name.as_str(), png.media_type.as_str(), png.size),
        ("trip.png", "image/png", 67)
    );
    client.engine.request(Request::DownloadAttachment {
        folder: "INBOX".into(),
        uid: photos_uid,
        part: png.part.clone(),
    });
    let fetched = client
        .until("the attachment", |e| {
            matches!(e, Event::AttachmentFetched { .. }) || fail(e)
        })
        .await;
    let Event::AttachmentFetched {
        bytes, error, name, ..
    } = fetched
    else {
        unreachable!()
    };
    assert_eq!(error, None);
    assert_eq!(name, "trip.png");
    assert_eq!(bytes.len(), 67);
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));

    // Quoted-printable ISO-8859-1 with a soft line break.
    let latin1 = client.open("INBOX", uid("Latin-1 quoted-printable")).await;
    assert_eq!(
        latin1.body,
        [Block::Text("Grüße aus Köln, dies ist ein langer Absatz, der mit einem weichen Zeilenumbruch fortgesetzt wird.\n".into())]
    );
    assert_eq!(latin1.from[0].name, "Jürgen Müller");

    // An HTML-only message comes back whole: isolating it is the UI's job (crate::html).
    let hostile = client.open("INBOX", uid("Hostile HTML")).await;
    assert!(
        matches!(&hostile.body[..], [Block::Html(html)] if html.contains("<script>")),
        "{hostile:#?}"
    );

    // Another folder: selected first, then read.
    let recus = Mailbox::fixture().folder("Reçus").unwrap().wire_name();
    let facture = client.open(&recus, 1).await;
    assert_eq!(facture.subject, "Facture de mars");
    assert_eq!(
        facture.body,
        [Block::Text("Veuillez trouver la facture.\n".into())]
    );

    // A UID that does not exist is a failure the reading pane can show.
    client.engine.request(Request::OpenMessage {
        folder: recus.clone(),
        uid: 999,
    });
    let failed = client
        .until("the failure", |e| {
            matches!(e, Event::MessageFailed { .. }) || fail(e)
        })
        .await;
    assert!(
        matches!(failed, Event::MessageFailed { uid: 999, .. }),
        "{failed:?}"
    );
}

/// Signs in through `proxy` and returns the reason of the disconnection that must follow.
async fn refusal(proxy: &Proxy) -> String {
    let mut client = Client::connect(proxy).await;
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    let lost = client
        .until("the disconnection", |e| {
            matches!(e, Event::Disconnected(_) | Event::SignedIn { .. })
        })
        .await;
    let Event::Disconnected(Disconnect::ConnectionLost(Some(reason))) = lost else {
        panic!(
            "expected ConnectionLost with a reason, got {lost:?}; events: {:#?}",
            client.seen
        );
    };
    reason
}

#[tokio::test]
async fn signs_in_to_a_server_whose_self_signed_ca_certificate_is_pinned() {
    // `openssl req -x509 ...` marks the certificate CA:TRUE, which WebPKI refuses as a
    // server certificate; given with --ca-file it is trusted as itself.
    let dovecot = Dovecot::start_with_cert(&User::fixture(), CertKind::SelfSignedCa).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut client = Client::connect(&proxy).await;
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    let messages = client.messages("INBOX").await;
    assert_eq!(
        messages.len(),
        Mailbox::fixture().inbox().messages.len(),
        "{:#?}",
        client.seen
    );
}

#[tokio::test]
async fn another_self_signed_certificate_in_the_ca_file_is_refused_as_self_signed() {
    let dovecot = Dovecot::start_with_cert(&User::fixture(), CertKind::SelfSignedCa).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Certs::generate_kind(elsewhere.path(), CertKind::SelfSignedCa).unwrap();
    let proxy = Proxy::start(ProxyOptions {
        ca_pem: other.ca_pem,
        ..ProxyOptions::for_dovecot(&dovecot)
    })
    .unwrap();
    assert_eq!(
        refusal(&proxy).await,
        "mail server certificate is self-signed: give that certificate with --ca-file"
    );
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_as_such() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    // Another CA, by the same name as the one that signed Dovecot's certificate.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Certs::generate(elsewhere.path()).unwrap();
    let proxy = Proxy::start(ProxyOptions {
        ca_pem: other.ca_pem,
        ..ProxyOptions::for_dovecot(&dovecot)
    })
    .unwrap();
    assert_eq!(
        refusal(&proxy).await,
        "mail server certificate issuer unknown: give its CA certificate with --ca-file"
    );
}

/// The browser's decoders as WHATWG defines them (encoding_rs implements that standard):
/// what the app's TextDecoder seam gives the engine, natively.
#[derive(Debug, Clone, Copy)]
struct Whatwg;

impl Charsets for Whatwg {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
        Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
    }
}

#[tokio::test]
async fn mail_in_other_charsets_is_decoded_in_the_list_and_when_opened() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut client = Client::connect_with(&proxy, Whatwg).await;
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    client.messages("INBOX").await;
    client.engine.request(Request::OpenFolder {
        folder: "Charsets".into(),
        window: Window::FIRST,
        known: None,
    });
    let rows = client.messages("Charsets").await;
    let mailbox = Mailbox::fixture();
    let mut seeded: Vec<_> = mailbox
        .folder("Charsets")
        .unwrap()
        .messages
        .iter()
        .collect();
    seeded.sort_by_key(|m| std::cmp::Reverse(m.date));
    assert_eq!(rows.len(), seeded.len());
    for (row, m) in rows.iter().zip(&seeded) {
        assert_eq!(
            (row.from.as_str(), row.subject.as_str()),
            (m.from_name.as_str(), m.subject.as_str())
        );
        let petrel_tests::seed::Body::Charset { text, .. } = &m.body else {
            panic!("{} is not a charset sample", m.subject);
        };
        let view = client.open("Charsets", row.uid).await;
        assert_eq!(view.subject, m.subject);
        assert_eq!(view.from[0].name, m.from_name);
        let [Block::Text(shown)] = &view.body[..] else {
            panic!(
                "{}: expected one text block, got {:?}",
                m.subject, view.body
            );
        };
        assert_eq!(shown.trim_end(), text.trim_end(), "{}", m.subject);
    }
}

#[tokio::test]
async fn real_mail_shows_every_part_in_order() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut client = Client::connect(&proxy).await;
    client.engine.request(sign_in("alice", "correct horse"));
    // The app's account layer opens INBOX after signing in; here the test does.
    client.engine.request(open_inbox());
    client.messages("INBOX").await;
    let folder = Mailbox::fixture().folder("Real mail").unwrap().wire_name();
    client.engine.request(Request::OpenFolder {
        folder: folder.clone(),
        window: Window::FIRST,
        known: None,
    });
    let list = client.messages(&folder).await;
    let uid = |subject: &str| {
        list.iter()
            .find(|m| m.subject == subject)
            .unwrap_or_else(|| panic!("no {subject:?} in {list:#?}"))
            .uid
    };
    let text = |s: &str| Block::Text(s.to_owned());

    let minutes = client.open(&folder, uid("Minutes of the meeting")).await;
    assert_eq!(
        minutes.body,
        [
            text("Hello Alice, the minutes are below."),
            text("1. Budget approved.")
        ]
    );
    assert!(minutes.attachments.is_empty(), "{minutes:#?}");

    let notes = client.open(&folder, uid("[dev] Release notes")).await;
    assert_eq!(
        notes.body,
        [
            text("Before the notes: the freeze starts Friday."),
            Block::Html("<p>Release <b>2.0</b> is out.</p>".to_owned()),
            text("dev mailing list footer"),
        ]
    );

    // The forwarded message shows inline and downloads as the message's own bytes.
    let fwd_uid = uid("Fwd: Lunch");
    let fwd = client.open(&folder, fwd_uid).await;
    let [Block::Text(intro), Block::Message { part, message }] = &fwd.body[..] else {
        panic!("{fwd:#?}")
    };
    assert_eq!(intro, "See below.");
    assert_eq!(message.subject, "Lunch");
    assert_eq!(message.from[0].name, "Carol");
    assert_eq!(message.body, [text("Lunch at noon?")]);
    let eml = &fwd.attachments[0];
    assert_eq!(
        (
            eml.part.as_str(),
            eml.name.as_str(),
            eml.media_type.as_str()
        ),
        (part.as_str(), "Lunch.eml", "message/rfc822")
    );
    client.engine.request(Request::DownloadAttachment {
        folder: folder.clone(),
        uid: fwd_uid,
        part: eml.part.clone(),
    });
    let fetched = client
        .until("the .eml", |e| {
            matches!(e, Event::AttachmentFetched { .. }) || fail(e)
        })
        .await;
    let Event::AttachmentFetched {
        bytes,
        error,
        media_type,
        ..
    } = fetched
    else {
        unreachable!()
    };
    assert_eq!(error, None);
    assert_eq!(media_type, "message/rfc822");
    let saved = String::from_utf8_lossy(&bytes);
    assert!(
        saved.starts_with("From: Carol <carol@example.net>\r\n")
            && saved.contains("Lunch at noon?"),
        "{saved:?}"
    );

    let bounce = client
        .open(&folder, uid("Undelivered Mail Returned to Sender"))
        .await;
    let [Block::Text(human), Block::DeliveryStatus(groups), Block::Message { message, .. }] =
        &bounce.body[..]
    else {
        panic!("{bounce:#?}")
    };
    assert!(human.contains("could not be delivered"), "{human:?}");
    let field = |name: &str| {
        groups
            .iter()
            .flatten()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("Final-Recipient"), Some("nobody@example.net"));
    assert_eq!(field("Status"), Some("5.1.1"));
    assert_eq!(field("Diagnostic-Code"), Some("550 5.1.1 User unknown"));
    assert_eq!(message.subject, "Hello?");
}
