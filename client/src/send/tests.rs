//! The sender against scripted servers: what it writes, and the result in words.

use super::*;
use crate::compose::Mailbox;

fn message() -> Outgoing {
    Outgoing {
        from: Mailbox::new("Alice", "alice@example.test"),
        to: vec![Mailbox::new("Bob", "bob@example.test")],
        cc: vec![Mailbox::new("", "nobody@example.test")],
        subject: "Lunch".into(),
        text: "Thursday?".into(),
        ..Outgoing::default()
    }
}

fn stamp() -> Stamp {
    Stamp {
        unix_seconds: 1_796_299_200,
        utc_offset_minutes: 60,
        random: [7; 32],
    }
}

fn sender() -> Sender {
    Sender::new("alice", &Password::new("correct horse"), message(), stamp()).unwrap()
}

/// Feeds `reply` and returns what the sender wrote in answer, as text.
fn step(s: &mut Sender, reply: &str) -> String {
    s.receive(reply.as_bytes());
    let mut out = Vec::new();
    while let Some(bytes) = s.transmit() {
        out.extend_from_slice(&bytes);
    }
    String::from_utf8(out).unwrap()
}

const EHLO: &str =
    "250-mail.example.test\r\n250-AUTH PLAIN\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";

/// Greeting, EHLO and AUTH PLAIN, up to `MAIL FROM`.
fn signed_in(s: &mut Sender) -> String {
    assert_eq!(
        step(s, "220 mail.example.test ESMTP\r\n"),
        "EHLO petrel.invalid\r\n"
    );
    assert_eq!(step(s, EHLO), "AUTH PLAIN AGFsaWNlAGNvcnJlY3QgaG9yc2U=\r\n");
    step(s, "235 2.7.0 Authentication successful\r\n")
}

#[test]
fn sends_and_names_the_refused_recipient() {
    let mut s = sender();
    let mail = signed_in(&mut s);
    assert!(
        mail.starts_with("MAIL FROM:<alice@example.test> SIZE="),
        "{mail}"
    );
    assert_eq!(
        step(&mut s, "250 2.1.0 Ok\r\n"),
        "RCPT TO:<bob@example.test>\r\n"
    );
    assert_eq!(
        step(&mut s, "250 2.1.5 Ok\r\n"),
        "RCPT TO:<nobody@example.test>\r\n"
    );
    assert_eq!(
        step(
            &mut s,
            "550 5.1.1 <nobody@example.test>: Recipient address rejected\r\n"
        ),
        "DATA\r\n"
    );
    let data = step(&mut s, "354 End data with <CR><LF>.<CR><LF>\r\n");
    assert!(data.contains("Subject: Lunch\r\n"), "{data}");
    assert!(data.ends_with("\r\n.\r\n"), "{data}");
    assert_eq!(step(&mut s, "250 2.0.0 Ok: queued as 1\r\n"), "QUIT\r\n");
    let Some(Sent::Delivered { message, refused }) = s.result().cloned() else {
        panic!("{:?}", s.result());
    };
    let text = String::from_utf8(message).unwrap();
    assert!(
        text.contains("\r\nFrom: Alice <alice@example.test>\r\n"),
        "{text}"
    );
    assert_eq!(
        refused,
        ["the server refused the recipient nobody@example.test: no such user (550 5.1.1 <nobody@example.test>: Recipient address rejected)"]
    );
    assert!(s.result().unwrap().words().starts_with("Message sent, except to some recipients: the server refused the recipient nobody@example.test"));
    assert!(!s.is_done());
    step(&mut s, "221 2.0.0 Bye\r\n");
    assert!(s.is_done());
}

#[test]
fn a_wrong_password_is_said_so() {
    let mut s = sender();
    let next = step(&mut s, "220 mail.example.test ESMTP\r\n");
    assert_eq!(next, "EHLO petrel.invalid\r\n");
    step(&mut s, EHLO);
    let quit = step(
        &mut s,
        "535 5.7.8 Error: authentication failed: authentication failure\r\n",
    );
    assert_eq!(quit, "QUIT\r\n");
    assert_eq!(
        s.result().unwrap().words(),
        "The message was not sent: the mail server refused to sign in: wrong user name or password (535 5.7.8 Error: authentication failed: authentication failure)."
    );
}

#[test]
fn a_message_over_size_is_not_sent_and_says_the_limit() {
    let mut s = sender();
    step(&mut s, "220 mail.example.test ESMTP\r\n");
    step(
        &mut s,
        "250-mail.example.test\r\n250-AUTH PLAIN\r\n250 SIZE 100\r\n",
    );
    let quit = step(&mut s, "235 2.7.0 Authentication successful\r\n");
    assert_eq!(quit, "QUIT\r\n");
    let words = s.result().unwrap().words();
    assert!(
        words.starts_with("The message was not sent: the message is ")
            && words.ends_with("; this server accepts 100 bytes."),
        "{words}"
    );
}

#[test]
fn a_connection_cut_after_the_final_dot_may_have_sent_and_sends_nothing_more() {
    let mut s = sender();
    signed_in(&mut s);
    step(&mut s, "250 2.1.0 Ok\r\n");
    step(&mut s, "250 2.1.5 Ok\r\n");
    step(&mut s, "250 2.1.5 Ok\r\n");
    let data = step(&mut s, "354 go ahead\r\n");
    assert!(data.ends_with("\r\n.\r\n"));
    s.closed();
    assert_eq!(s.result(), Some(&Sent::MayHaveBeenSent));
    assert_eq!(s.transmit(), None);
    assert!(s.result().unwrap().words().contains("may have been sent"));
    assert!(s.is_done());
}

#[test]
fn a_server_that_goes_away_before_the_message_did_not_get_it() {
    let mut s = sender();
    s.closed();
    assert_eq!(
        s.result().unwrap().words(),
        "The message was not sent: the connection to the mail server ended before the message was sent."
    );
}

#[test]
fn a_refused_greeting_is_said_in_words() {
    let mut s = sender();
    assert_eq!(step(&mut s, "554 no thanks\r\n"), "QUIT\r\n");
    assert_eq!(
        s.result().unwrap().words(),
        "The message was not sent: the mail server refused the connection: the transaction failed (554 no thanks)."
    );
}
