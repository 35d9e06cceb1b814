//! The harness's mail system: a private Postfix takes a submission over implicit TLS,
//! checks the password with Dovecot (SASL) and delivers over LMTP into the recipient's
//! INBOX; and the proxy's `/smtp` path relays to it.
//!
//! The SMTP client here is a few raw lines on purpose: these tests check the mail system,
//! not Petrel's SMTP code. Postfix must start as root; as a normal user every test says
//! loudly that it is skipped (CI runs as root, so they run there).
//!
//! `PETREL_RECORD_SMTP=DIR` writes the transcripts of the submission and the wrong password
//! into DIR (`tests/smtp-transcripts/` holds the committed ones, which the SMTP codec's
//! tests replay).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use petrel_tests::dovecot;
use petrel_tests::postfix::{self, read_reply};
use petrel_tests::{Dovecot, Postfix, PostfixError, Proxy, ProxyOptions, User};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

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

/// A raw SMTP session that keeps a transcript: `S: ` for each line the server sent, `C: `
/// for each line the client sent.
struct Session<S> {
    stream: S,
    transcript: Vec<String>,
}

impl<S: Read + Write> Session<S> {
    fn new(stream: S, greeting: String) -> Self {
        Self {
            stream,
            transcript: vec![format!("S: {}", greeting.trim_end())],
        }
    }

    fn reply(&mut self) -> Vec<String> {
        let reply = read_reply(&mut self.stream).unwrap();
        self.transcript
            .extend(reply.iter().map(|l| format!("S: {}", l.trim_end())));
        reply
    }

    /// Sends `line` and returns the reply, whose last line must start with `code`.
    fn send(&mut self, line: &str, code: &str) -> Vec<String> {
        self.transcript.push(format!("C: {line}"));
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
        self.stream.flush().unwrap();
        let reply = self.reply();
        assert!(
            reply.last().unwrap().starts_with(code),
            "{line:?} got {reply:?}, expected {code}"
        );
        reply
    }

    /// Writes the transcript to `$PETREL_RECORD_SMTP/NAME` when that variable is set.
    fn record(&self, name: &str) {
        if let Some(dir) = std::env::var_os("PETREL_RECORD_SMTP") {
            let path = std::path::Path::new(&dir).join(name);
            std::fs::write(&path, self.transcript.join("\n") + "\n").unwrap();
            eprintln!("recorded {}", path.display());
        }
    }
}

/// `AUTH PLAIN` with an initial response: base64 of `\0user\0password`.
fn auth_plain(user: &str, password: &str) -> String {
    format!(
        "AUTH PLAIN {}",
        petrel_tests::seed::base64(format!("\0{user}\0{password}").as_bytes())
    )
}

#[test]
fn postfix_greets_over_tls() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "postfix_greets_over_tls") else {
        return;
    };
    let (tls, greeting) = postfix::connect_tls(postfix.submissions(), postfix.certs()).unwrap();
    assert!(
        greeting.starts_with("220 mail.example.test "),
        "{greeting:?}"
    );
    let mut session = Session::new(tls, greeting);
    let ehlo = session.send("EHLO client.example.test", "250 ");
    // Implicit TLS is already on: no STARTTLS; passwords are accepted.
    assert!(
        ehlo.iter()
            .any(|l| l.starts_with("250-AUTH ") && l.contains("PLAIN")),
        "{ehlo:?}"
    );
    assert!(!ehlo.iter().any(|l| l.contains("STARTTLS")), "{ehlo:?}");
    session.send("QUIT", "221 ");
}

#[test]
fn alice_sends_to_bob_and_it_arrives_in_his_inbox() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "alice_sends_to_bob") else {
        return;
    };
    let (tls, greeting) = postfix::connect_tls(postfix.submissions(), postfix.certs()).unwrap();
    let mut session = Session::new(tls, greeting);
    session.send("EHLO client.example.test", "250 ");
    // Unauthenticated, nothing is accepted: the submission port is not an open relay.
    session.send("MAIL FROM:<alice@example.test>", "250 ");
    session.send("RCPT TO:<bob@example.test>", "554 ");
    session.send("RSET", "250 ");
    session.send(&auth_plain("alice", "correct horse"), "235 ");
    session.send("MAIL FROM:<alice@example.test>", "250 ");
    session.send("RCPT TO:<nobody@example.test>", "550 ");
    session.send("RCPT TO:<bob@example.test>", "250 ");
    session.send("DATA", "354 ");
    let subject = "Lunch on Thursday?";
    let message = [
        "From: Alice <alice@example.test>",
        "To: Bob <bob@example.test>",
        &format!("Subject: {subject}"),
        "Date: Thu, 03 Dec 2026 12:00:00 +0000",
        "Message-ID: <lunch-1@example.test>",
        "",
        "Shall we try the new place by the harbour?",
        "..and a line that starts with a dot.",
    ];
    for line in message {
        session.transcript.push(format!("C: {line}"));
        session
            .stream
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
    }
    let reply = session.send(".", "250 ");
    assert!(reply[0].contains("queued as"), "{reply:?}");
    session.send("QUIT", "221 ");
    session.record("submission.txt");

    let found = poll_inbox(&dovecot, "bob", "battery staple", subject);
    assert!(
        found.contains("Shall we try the new place"),
        "the message body did not arrive: {found}"
    );
    assert!(
        found.contains("\r\n.and a line that starts with a dot."),
        "dot-stuffing was not undone: {found}"
    );
}

/// Logs in as `user` every 200 ms for up to 10 s until the INBOX holds a message whose
/// Subject is `subject`, and returns its full text.
fn poll_inbox(dovecot: &Dovecot, user: &str, password: &str, subject: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while Instant::now() < deadline {
        let mut tls = dovecot::connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
        let login =
            dovecot::command(&mut tls, "a1", &format!("LOGIN {user} \"{password}\"")).unwrap();
        assert!(
            login.starts_with("a1 OK") || login.contains("\r\na1 OK"),
            "{login}"
        );
        dovecot::command(&mut tls, "a2", "SELECT INBOX").unwrap();
        last = dovecot::command(&mut tls, "a3", "FETCH 1:* BODY.PEEK[]").unwrap();
        if last.contains(&format!("Subject: {subject}\r\n")) {
            return last;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("no message {subject:?} in {user}'s INBOX within 10 s; last FETCH:\n{last}");
}

#[test]
fn a_wrong_password_is_refused_with_535() {
    // A Dovecot of its own: after a wrong password Dovecot slows every later login from the
    // same address (its auth penalty), which would slow the other tests down.
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "a_wrong_password_is_refused_with_535") else {
        return;
    };
    let (tls, greeting) = postfix::connect_tls(postfix.submissions(), postfix.certs()).unwrap();
    let mut session = Session::new(tls, greeting);
    session.send("EHLO client.example.test", "250 ");
    let reply = session.send(&auth_plain("alice", "wrong"), "535 ");
    assert!(reply[0].starts_with("535 5.7.8 "), "{reply:?}");
    session.send("QUIT", "221 ");
    session.record("wrong-password.txt");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_relays_smtp_to_postfix_and_nothing_else() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let Some(postfix) = postfix_or_skip(&dovecot, "the_proxy_relays_smtp_to_postfix") else {
        return;
    };
    let proxy =
        Proxy::start(ProxyOptions::for_dovecot(&dovecot).smtp(postfix.submissions())).unwrap();

    let mut request = format!("ws://{}/smtp", proxy.addr())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Origin", HeaderValue::from_str(&proxy.origin()).unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let greeting = next_text(&mut ws).await;
    assert!(
        greeting.starts_with("220 mail.example.test "),
        "{greeting:?}"
    );
    ws.send(Message::binary(b"EHLO petrel\r\n".to_vec()))
        .await
        .unwrap();
    let mut ehlo = String::new();
    while !ehlo.contains("\r\n250 ") {
        ehlo.push_str(&next_text(&mut ws).await);
    }
    assert!(ehlo.contains("250-AUTH "), "{ehlo:?}");
    ws.close(None).await.unwrap();

    for path in ["/smtp2", "/foo", "/smtp/", "/SMTP"] {
        let mut request = format!("ws://{}{path}", proxy.addr())
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(&proxy.origin()).unwrap());
        let refused = tokio_tungstenite::connect_async(request).await;
        assert!(refused.is_err(), "{path} was accepted");
    }
}

/// The next data frame's bytes as text (the proxy sends binary frames).
async fn next_text<S>(ws: &mut S) -> String
where
    S: futures_util::Stream<Item = tokio_tungstenite::tungstenite::Result<Message>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no frame from the proxy within 10 s")
            .expect("the proxy closed the WebSocket")
            .unwrap();
        match message {
            Message::Binary(bytes) => return String::from_utf8_lossy(&bytes).into_owned(),
            Message::Text(text) => return text.to_string(),
            _ => {}
        }
    }
}
