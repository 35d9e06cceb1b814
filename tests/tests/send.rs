//! Sending, natively, the way the web app does it: the client's sans-IO `Sender` over a
//! WebSocket to the proxy's `/smtp`, relayed to a real Postfix that delivers into a real
//! Dovecot; then the client's `Engine` over `/imap` saves the copy in Sent and marks the
//! original `\Answered`. The test plays the role of the app's connection task.
//!
//! Postfix must start as root: as a normal user every test here says loudly that it is
//! skipped (CI runs as root, so they run there).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use petrel_client::compose::{Mailbox, Outgoing, Stamp};
use petrel_client::engine::{Engine, Event, Password, Request, Window};
use petrel_client::send::{Sender, Sent};
use petrel_tests::dovecot::{self, free_port};
use petrel_tests::{Dovecot, Postfix, PostfixError, Proxy, ProxyOptions, User};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const PATIENCE: Duration = Duration::from_secs(20);

/// Starts Postfix for `dovecot`, or says why the test is skipped and returns `None`.
fn postfix_or_skip(dovecot: &Dovecot, test: &str) -> Option<Postfix> {
    match Postfix::start(dovecot) {
        Ok(postfix) => Some(postfix),
        Err(PostfixError::NeedsRoot) => {
            eprintln!(
                "\n!!! SKIPPED {test}: sending needs root (postfix must start as root); \
                 run the tests as root, as CI does.\n"
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// alice, bob and carol (all with an empty mailbox but for alice's fixture).
fn users() -> Vec<User> {
    let mut users = User::fixture();
    users.push(User::new("carol", "hunter two", None));
    users
}

fn stamp(n: u8) -> Stamp {
    Stamp {
        unix_seconds: 1_796_299_200,
        utc_offset_minutes: 60,
        random: [n; 32],
    }
}

fn outgoing(from: &str, to: &[&str], cc: &[&str], subject: &str, text: &str) -> Outgoing {
    let mailbox = |a: &&str| Mailbox::new("", format!("{a}@example.test"));
    Outgoing {
        from: Mailbox::new(from, format!("{}@example.test", from.to_lowercase())),
        to: to.iter().map(mailbox).collect(),
        cc: cc.iter().map(mailbox).collect(),
        subject: subject.into(),
        text: text.into(),
        ..Outgoing::default()
    }
}

/// Drives `sender` over a WebSocket to `proxy`'s `/smtp` until it has a result, the way
/// the connection task does; a refused WebSocket is a connection that ended at once.
async fn send(proxy: &Proxy, mut sender: Sender) -> Sent {
    let mut request = format!("ws://{}/smtp", proxy.addr())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Origin", proxy.origin().parse().unwrap());
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(request).await else {
        sender.closed();
        return sender.result().cloned().unwrap();
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        while let Some(bytes) = sender.transmit() {
            if ws.send(Message::Binary(bytes.into())).await.is_err() {
                sender.closed();
            }
        }
        if sender.is_done() {
            let _ = ws.close(None).await;
            return sender.result().cloned().unwrap();
        }
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("no result within {PATIENCE:?}: {:?}", sender.result()),
            Ok(Some(Ok(Message::Binary(bytes)))) => sender.receive(&bytes),
            Ok(Some(Ok(Message::Text(text)))) => sender.receive(text.as_bytes()),
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                sender.closed();
                return sender.result().cloned().unwrap();
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}

fn sender(user: &str, password: &str, message: Outgoing, n: u8) -> Sender {
    Sender::new(user, &Password::new(password), message, stamp(n)).unwrap()
}

/// The engine over `/imap`, signed in, with what it wrote kept to check the wire form.
struct Imap {
    engine: Engine,
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    written: Vec<u8>,
    seen: Vec<Event>,
}

impl Imap {
    async fn sign_in(proxy: &Proxy, user: &str, password: &str) -> Self {
        let mut request = proxy.imap_url().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("Origin", proxy.origin().parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut imap = Self {
            engine: Engine::new(),
            ws,
            written: Vec::new(),
            seen: Vec::new(),
        };
        imap.engine.request(Request::SignIn {
            user: user.into(),
            password: Password::new(password),
        });
        // The app's account layer opens INBOX after signing in; here the test does.
        imap.engine.request(Request::OpenFolder {
            folder: "INBOX".into(),
            window: Window::FIRST,
            known: None,
        });
        imap.until("the folder list", |e| matches!(e, Event::Folders(_)))
            .await;
        imap
    }

    async fn until(&mut self, what: &str, wanted: impl Fn(&Event) -> bool) -> Event {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            while let Some(bytes) = self.engine.transmit() {
                self.written.extend_from_slice(&bytes);
                self.ws.send(Message::Binary(bytes.into())).await.unwrap();
            }
            while let Some(event) = self.engine.poll_event() {
                self.seen.push(event.clone());
                if wanted(&event) {
                    return event;
                }
            }
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("no {what} within {PATIENCE:?}; events: {:#?}", self.seen),
                Ok(Some(Ok(Message::Binary(bytes)))) => self.engine.receive(&bytes),
                Ok(Some(Ok(_))) => {}
                other => panic!("connection gone waiting for {what}: {other:?}"),
            }
        }
    }
}

/// Logs in as `user` every 200 ms for up to 10 s until `folder` holds a message whose
/// Subject is `subject`, and returns the FETCH of its UID, FLAGS and whole text.
fn poll_folder(
    dovecot: &Dovecot,
    user: &str,
    password: &str,
    folder: &str,
    subject: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while Instant::now() < deadline {
        let mut tls = dovecot::connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
        dovecot::command(&mut tls, "a1", &format!("LOGIN {user} \"{password}\"")).unwrap();
        dovecot::command(&mut tls, "a2", &format!("SELECT {folder}")).unwrap();
        last = dovecot::command(&mut tls, "a3", "FETCH 1:* (UID FLAGS BODY.PEEK[])").unwrap();
        if let Some(at) = last.find(&format!("Subject: {subject}\r\n")) {
            // The FETCH that holds it: from the last "* " before the subject.
            let start = last[..at].rfind("\r\n* ").map_or(0, |k| k + 2);
            return last[start..].to_owned();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("no message {subject:?} in {user}'s {folder} within 10 s; last FETCH:\n{last}");
}

/// The value of header field `name` in a fetched message (first occurrence, unfolded).
fn field<'a>(fetched: &'a str, name: &str) -> &'a str {
    let start = fetched
        .find(&format!("\r\n{name}: "))
        .unwrap_or_else(|| panic!("no {name} in {fetched}"))
        + name.len()
        + 4;
    let end = fetched[start..].find("\r\n").unwrap() + start;
    &fetched[start..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn alice_sends_to_bob_and_carol_saves_a_copy_and_bobs_reply_marks_it_answered() {
    let dovecot = Dovecot::start(&users()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "alice_sends_to_bob_and_carol") else {
        return;
    };
    let proxy =
        Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(postfix.submissions())).unwrap();

    let subject = "Lunch on Thursday?";
    let message = outgoing(
        "Alice",
        &["bob"],
        &["carol"],
        subject,
        "Shall we try the new place by the harbour?\n.a line that starts with a dot",
    );
    let sent = send(&proxy, sender("alice", "correct horse", message, 1)).await;
    let Sent::Delivered { message, refused } = sent.clone() else {
        panic!("{sent:?}: {}", sent.words());
    };
    assert_eq!(refused, Vec::<String>::new());
    assert_eq!(sent.words(), "Message sent.");

    // Bob's INBOX and Carol's have it, field by field.
    for (user, password) in [("bob", "battery staple"), ("carol", "hunter two")] {
        let got = poll_folder(&dovecot, user, password, "INBOX", subject);
        assert_eq!(field(&got, "From"), "Alice <alice@example.test>");
        assert_eq!(field(&got, "To"), "bob@example.test");
        assert_eq!(field(&got, "Cc"), "carol@example.test");
        assert!(
            got.contains("Shall we try the new place by the harbour?"),
            "{got}"
        );
        assert!(got.contains("\r\n.a line that starts with a dot"), "{got}");
        assert!(!got.contains("\\Seen"), "{got}");
    }

    // The copy in alice's Sent, as \Seen, sent as a BINARY literal (Dovecot offers BINARY).
    let mut alice = Imap::sign_in(&proxy, "alice", "correct horse").await;
    alice.engine.request(Request::SaveSent {
        copy: Some(message.clone()),
        answered: None,
    });
    let saved = alice
        .until("the copy saved", |e| {
            matches!(e, Event::CopySaved { .. } | Event::CopyNotSaved(_))
        })
        .await;
    assert_eq!(
        saved,
        Event::CopySaved {
            folder: "Sent".into()
        }
    );
    let wire = String::from_utf8_lossy(&alice.written).into_owned();
    assert!(
        wire.contains(&format!("APPEND Sent (\\Seen) ~{{{}", message.len())),
        "{wire}"
    );
    let copy = poll_folder(&dovecot, "alice", "correct horse", "Sent", subject);
    assert!(copy.contains("\\Seen"), "{copy}");
    assert_eq!(
        field(&copy, "Message-ID"),
        field(
            &poll_folder(&dovecot, "bob", "battery staple", "INBOX", subject),
            "Message-ID"
        )
    );

    // Bob replies; his original is marked \Answered.
    let mut bob = Imap::sign_in(&proxy, "bob", "battery staple").await;
    let Event::Rows { rows, .. } = bob
        .until("bob's INBOX", |e| matches!(e, Event::Rows { .. }))
        .await
    else {
        unreachable!()
    };
    let original = rows
        .iter()
        .find(|(_, m)| m.subject == subject)
        .unwrap()
        .1
        .uid;
    let reply_subject = "Re: Lunch on Thursday?";
    let mut reply = outgoing("Bob", &["alice"], &[], reply_subject, "Yes, at noon.");
    reply.in_reply_to = Some(
        field(
            &poll_folder(&dovecot, "bob", "battery staple", "INBOX", subject),
            "Message-ID",
        )
        .to_owned(),
    );
    let sent = send(&proxy, sender("bob", "battery staple", reply, 2)).await;
    let Sent::Delivered { message, .. } = sent else {
        panic!("{sent:?}");
    };
    bob.engine.request(Request::SaveSent {
        copy: Some(message),
        answered: Some(("INBOX".into(), original)),
    });
    let answered = bob
        .until("the original answered", |e| {
            matches!(e, Event::Answered { .. } | Event::Problem(_))
        })
        .await;
    assert_eq!(
        answered,
        Event::Answered {
            folder: "INBOX".into(),
            uid: original
        }
    );
    let flagged = poll_folder(&dovecot, "bob", "battery staple", "INBOX", subject);
    assert!(flagged.contains("\\Answered"), "{flagged}");
    let back = poll_folder(&dovecot, "alice", "correct horse", "INBOX", reply_subject);
    assert!(field(&back, "In-Reply-To").starts_with('<'), "{back}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_recipient_is_named_and_the_others_still_get_it() {
    let dovecot = Dovecot::start(&users()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "an_unknown_recipient_is_named") else {
        return;
    };
    let proxy =
        Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(postfix.submissions())).unwrap();
    let subject = "To three, one unknown";
    let message = outgoing("Alice", &["bob", "nobody"], &["carol"], subject, "Hello.");
    let sent = send(&proxy, sender("alice", "correct horse", message, 3)).await;
    let Sent::Delivered { refused, .. } = &sent else {
        panic!("{sent:?}");
    };
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("the server refused the recipient nobody@example.test: "),
        "{refused:?}"
    );
    assert!(
        sent.words()
            .starts_with("Message sent, except to some recipients: the server refused the recipient nobody@example.test"),
        "{}",
        sent.words()
    );
    poll_folder(&dovecot, "bob", "battery staple", "INBOX", subject);
    poll_folder(&dovecot, "carol", "hunter two", "INBOX", subject);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_said_in_words_and_nothing_is_sent() {
    // A Dovecot of its own: after a wrong password Dovecot slows every later login from the
    // same address (its auth penalty), which would slow the other tests down.
    let dovecot = Dovecot::start(&users()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "a_wrong_password_is_said_in_words") else {
        return;
    };
    let proxy =
        Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(postfix.submissions())).unwrap();
    let message = outgoing("Alice", &["bob"], &[], "Never sent", "x");
    let sent = send(&proxy, sender("alice", "wrong", message, 4)).await;
    let words = sent.words();
    assert!(matches!(sent, Sent::NotSent(_)), "{sent:?}");
    assert!(
        words.starts_with(
            "The message was not sent: the mail server refused to sign in: wrong user name or password (535 5.7.8 "
        ),
        "{words}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_over_the_servers_size_is_refused_before_it_is_sent() {
    let dovecot = Dovecot::start(&users()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "a_message_over_the_servers_size") else {
        return;
    };
    let proxy =
        Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(postfix.submissions())).unwrap();
    // Postfix's default message_size_limit is 10240000 bytes, which it announces as SIZE.
    // An attachment: base64 makes 7.8 MB into about 10.7 MB, quickly even in a debug build.
    let mut message = outgoing("Alice", &["bob"], &[], "Too big", "See the attachment.");
    message
        .attachments
        .push(petrel_client::compose::Attachment {
            name: "big.bin".into(),
            media_type: "application/octet-stream".into(),
            bytes: vec![0x5a; 7_800_000],
        });
    let sent = send(&proxy, sender("alice", "correct horse", message, 5)).await;
    let words = sent.words();
    assert!(matches!(sent, Sent::NotSent(_)), "{sent:?}");
    assert!(
        words.starts_with("The message was not sent: the message is ")
            && words.ends_with("; this server accepts 10 MB."),
        "{words}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_server_that_is_down_means_not_sent() {
    let dovecot = Dovecot::start(&users()).unwrap();
    // Nobody listens on this port: the proxy cannot reach the SMTP server.
    let closed = SocketAddr::from(([127, 0, 0, 1], free_port().unwrap()));
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(closed)).unwrap();
    let message = outgoing("Alice", &["bob"], &[], "Nowhere", "x");
    let sent = send(&proxy, sender("alice", "correct horse", message, 6)).await;
    assert_eq!(
        sent.words(),
        "The message was not sent: the connection to the mail server ended before the message was sent."
    );
}

/// A fake submission server behind TLS (the harness's certificate) that takes a message
/// and closes the connection after the final dot without replying. Returns its address and
/// the number of `MAIL FROM` commands it has seen, over every connection.
async fn cut_after_the_dot(dovecot: &Dovecot) -> (SocketAddr, Arc<AtomicUsize>) {
    let certs = dovecot.certs();
    let chain = vec![CertificateDer::from_pem_file(&certs.cert_pem).unwrap()];
    let key = PrivateKeyDer::from_pem_file(&certs.key_pem).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails = Arc::new(AtomicUsize::new(0));
    let counter = mails.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(tls) = acceptor.accept(tcp).await else {
                continue;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(tls);
                let greeting = stream.get_mut().write_all(b"220 fake ESMTP\r\n").await;
                if greeting.is_err() {
                    return;
                }
                let mut in_data = false;
                let mut line = String::new();
                loop {
                    line.clear();
                    if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if in_data {
                        if line == ".\r\n" {
                            // The whole message is here: go away without a word.
                            let _ = stream.get_mut().shutdown().await;
                            return;
                        }
                        continue;
                    }
                    let reply = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                        "EHLO" => "250-fake\r\n250-AUTH PLAIN\r\n250 SIZE 1000000\r\n",
                        "AUTH" => "235 2.7.0 ok\r\n",
                        "MAIL" => {
                            counter.fetch_add(1, Ordering::SeqCst);
                            "250 2.1.0 ok\r\n"
                        }
                        "RCPT" => "250 2.1.5 ok\r\n",
                        "DATA" => {
                            in_data = true;
                            "354 go on\r\n"
                        }
                        "QUIT" => "221 bye\r\n",
                        _ => "500 what\r\n",
                    };
                    if stream.get_mut().write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, mails)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_after_the_final_dot_may_have_sent_and_is_not_resent() {
    let dovecot = Dovecot::start(&users()).unwrap();
    let (fake, mails) = cut_after_the_dot(&dovecot).await;
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(fake)).unwrap();
    let message = outgoing("Alice", &["bob"], &[], "Did it go?", "Perhaps.");
    let sent = send(&proxy, sender("alice", "correct horse", message, 7)).await;
    assert_eq!(sent, Sent::MayHaveBeenSent);
    assert!(
        sent.words().contains("it may have been sent"),
        "{}",
        sent.words()
    );
    // Nothing comes back to send it again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails.load(Ordering::SeqCst), 1);
}
