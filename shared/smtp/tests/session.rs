//! The session's checks before sending, and regressions found by the property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use petrel_smtp::{
    Address, Body, ClientName, Credentials, Event, Limits, Outcome, Password, Session,
    SessionError, Submission,
};

fn ready(ehlo: &str) -> Session {
    let mut s = Session::new(
        ClientName::try_from("c.example").unwrap(),
        Limits::default(),
    );
    s.feed(b"220 mx.example ESMTP\r\n");
    assert_eq!(s.transmit().unwrap(), b"EHLO c.example\r\n");
    s.feed(ehlo.as_bytes());
    assert!(matches!(s.poll_event(), Some(Event::Ready(_))));
    s
}

fn submission(from: &str, to: &[&str]) -> Submission {
    Submission {
        from: Address::try_from(from).unwrap(),
        recipients: to.iter().map(|a| Address::try_from(*a).unwrap()).collect(),
        message: b"Subject: x\r\n\r\nhi\r\n".to_vec(),
        body: Body::SevenBit,
        utf8: false,
    }
}

#[test]
fn what_the_server_must_offer_is_checked_before_sending() {
    let mut s = ready("250-mx.example\r\n250 SIZE 10\r\n");
    assert_eq!(
        s.send(submission("a@x.example", &[])),
        Err(SessionError::NoRecipients)
    );
    assert_eq!(
        s.send(submission("a@x.example", &["b@x.example"])),
        Err(SessionError::TooBig {
            size: 18,
            limit: 10
        })
    );
    let mut s = ready("250 mx.example\r\n");
    assert_eq!(
        s.send(submission("a@x.example", &["josé@x.example"])),
        Err(SessionError::AddressNeedsSmtpUtf8 {
            address: Address::try_from("josé@x.example").unwrap()
        })
    );
    let mut eight = submission("a@x.example", &["b@x.example"]);
    eight.body = Body::EightBitMime;
    assert_eq!(s.send(eight), Err(SessionError::MessageNeeds8BitMime));
    assert_eq!(
        s.authenticate(Credentials::new("a", Password::new("p")).unwrap()),
        Err(SessionError::NoMechanism { offered: vec![] })
    );
    assert!(s.transmit().is_none());
}

#[test]
fn non_ascii_addresses_ask_for_smtputf8() {
    let mut s = ready("250-mx.example\r\n250 SMTPUTF8\r\n");
    s.send(submission("josé@x.example", &["b@x.example"]))
        .unwrap();
    assert_eq!(
        s.transmit().unwrap(),
        "MAIL FROM:<josé@x.example> SMTPUTF8\r\n".as_bytes()
    );
}

#[test]
fn without_pipelining_each_command_waits_and_a_refused_sender_ends_it() {
    let mut s = ready("250 mx.example\r\n");
    s.send(submission("a@x.example", &["b@x.example"])).unwrap();
    assert_eq!(s.transmit().unwrap(), b"MAIL FROM:<a@x.example>\r\n");
    s.feed(b"553 5.7.1 <a@x.example>: Sender address rejected: not owned by user\r\n");
    assert!(s.transmit().is_none());
    let Some(Event::Submitted(report)) = s.poll_event() else {
        panic!("no report")
    };
    assert!(matches!(report.outcome, Outcome::SenderRefused { .. }));
    assert_eq!(
        report.to_string(),
        "the message was not sent: the server refused the sender address: the server does not \
         allow this sender or recipient (553 5.7.1 <a@x.example>: Sender address rejected: not \
         owned by user)"
    );
    assert!(s.is_ready());
}

#[test]
fn without_pipelining_bdat_chunks_go_one_by_one() {
    let mut s = ready("250-mx.example\r\n250 CHUNKING\r\n");
    s.send(submission("a@x.example", &["b@x.example"])).unwrap();
    assert_eq!(s.transmit().unwrap(), b"MAIL FROM:<a@x.example>\r\n");
    s.feed(b"250 ok\r\n");
    assert_eq!(s.transmit().unwrap(), b"RCPT TO:<b@x.example>\r\n");
    s.feed(b"250 ok\r\n");
    assert_eq!(
        s.transmit().unwrap(),
        b"BDAT 18 LAST\r\nSubject: x\r\n\r\nhi\r\n"
    );
    s.feed(b"250 queued\r\n");
    assert!(matches!(
        s.poll_event(),
        Some(Event::Submitted(r)) if matches!(r.outcome, Outcome::Sent { .. })
    ));
}

#[test]
fn credentials_never_show_in_the_sessions_debug() {
    let mut s = ready("250-mx.example\r\n250 AUTH LOGIN\r\n");
    s.authenticate(Credentials::new("alice", Password::new("correct horse")).unwrap())
        .unwrap();
    assert_eq!(s.transmit().unwrap(), b"AUTH LOGIN\r\n");
    let shown = format!("{s:?}");
    assert!(!shown.contains("correct horse"), "{shown}");
}

/// Found by `session_chunking_does_not_matter`: a broken reply after a refused greeting
/// dropped the QUIT already queued, so the bytes written depended on the chunking.
#[test]
fn a_protocol_error_keeps_bytes_already_queued() {
    let mut s = Session::new(
        ClientName::try_from("c.example").unwrap(),
        Limits::default(),
    );
    s.feed(b"200 x\r\n\x0b200 x\r\n");
    assert!(matches!(s.poll_event(), Some(Event::Rejected(_))));
    assert!(matches!(s.poll_event(), Some(Event::ProtocolError(_))));
    assert_eq!(s.transmit().unwrap(), b"QUIT\r\n");
    assert!(s.is_closed());
}

/// RFC 3030 §4.2: with PIPELINING all chunks go at once; a refused chunk fails the
/// transaction, the replies to the later chunks are still read, and RSET follows.
#[test]
fn pipelined_bdat_chunks_and_a_refused_chunk() {
    let mut s = ready("250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    let mut big = submission("a@x.example", &["b@x.example"]);
    big.message = vec![b'a'; (1 << 20) + 10];
    s.send(big).unwrap();
    assert_eq!(
        s.transmit().unwrap(),
        b"MAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\n"
    );
    s.feed(b"250 ok\r\n250 ok\r\n");
    let wire = s.transmit().unwrap();
    assert!(wire.starts_with(b"BDAT 1048576\r\naaa"));
    let second = b"BDAT 12 LAST\r\naaaaaaaaaa\r\n";
    assert!(wire.ends_with(second));
    assert_eq!(wire.len(), 14 + (1 << 20) + second.len());
    s.feed(b"451 4.3.0 local error\r\n503 5.5.1 no transaction\r\n");
    assert_eq!(s.transmit().unwrap(), b"RSET\r\n");
    assert!(s.poll_event().is_none());
    s.feed(b"250 2.0.0 Ok\r\n");
    let Some(Event::Submitted(report)) = s.poll_event() else {
        panic!("no report")
    };
    assert_eq!(
        report.to_string(),
        "the message was not sent: the server refused it: the server had a local error \
         (451 4.3.0 local error); trying again later may work"
    );
    assert!(s.is_ready());
}
