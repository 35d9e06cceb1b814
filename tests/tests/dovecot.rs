//! The harness's own checks: the private Dovecot starts, speaks IMAPS with the generated
//! certificate, knows the test users and serves the seeded mailbox in date order. When these
//! fail, the end-to-end tests cannot say anything; when they pass, an end-to-end failure is
//! Petrel's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;

use petrel_tests::dovecot::{connect_tls, read_line};
use petrel_tests::tls::CertKind;
use petrel_tests::{Dovecot, Mailbox, User};
use tokio_rustls::rustls::{
    self, pki_types::ServerName, ClientConfig, ClientConnection, RootCertStore,
};

/// Sends `command` with `tag` and collects the lines up to the tagged response.
fn run(tls: &mut (impl std::io::Read + Write), tag: &str, command: &str) -> Vec<String> {
    tls.write_all(format!("{tag} {command}\r\n").as_bytes())
        .unwrap();
    tls.flush().unwrap();
    let mut lines = Vec::new();
    loop {
        let line = read_line(tls).unwrap();
        let done = line.starts_with(&format!("{tag} "));
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[test]
fn dovecot_serves_the_seeded_mailbox_over_tls() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();

    let wrong = run(&mut tls, "a1", "LOGIN alice \"wrong\"");
    assert!(wrong.last().unwrap().starts_with("a1 NO"), "{wrong:?}");
    let login = run(&mut tls, "a2", "LOGIN alice \"correct horse\"");
    assert!(login.last().unwrap().starts_with("a2 OK"), "{login:?}");

    let list = run(&mut tls, "a3", "LIST \"\" \"*\"").join("");
    for (name, attribute) in [
        ("Sent", "\\Sent"),
        ("Drafts", "\\Drafts"),
        ("Trash", "\\Trash"),
        ("Archive", "\\Archive"),
    ] {
        let line = list
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap_or_else(|| {
                panic!("{name} not listed in {list}");
            });
        assert!(line.contains(attribute), "{name} lacks {attribute}: {line}");
    }
    assert!(
        list.contains("Re&AOc-us"),
        "the non-ASCII folder is missing: {list}"
    );

    let select = run(&mut tls, "a4", "SELECT INBOX").join("");
    let inbox = Mailbox::fixture().inbox().clone();
    assert!(
        select.contains(&format!("* {} EXISTS", inbox.messages.len())),
        "{select}"
    );

    // UID order must be date order: "newest first" in a client then means highest UID first.
    let fetch = run(
        &mut tls,
        "a5",
        "UID FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
    );
    let subject_lines: Vec<&String> = fetch.iter().filter(|l| l.starts_with("Subject:")).collect();
    let expected: Vec<String> = inbox
        .messages
        .iter()
        .map(|m| format!("Subject: {}\r\n", m.subject_header))
        .collect();
    let got: Vec<String> = subject_lines.into_iter().cloned().collect();
    assert_eq!(got, expected, "{fetch:?}");
    let first = fetch.iter().find(|l| l.starts_with("* 1 FETCH")).unwrap();
    assert!(
        first.contains("\\Seen") && first.contains("01-Mar-2024 09:00:00 +0000"),
        "{first}"
    );
    let unseen = fetch
        .iter()
        .filter(|l| l.contains(" FETCH ") && !l.contains("\\Seen"))
        .count();
    assert_eq!(unseen, inbox.unseen());

    let logout = run(&mut tls, "a6", "LOGOUT");
    assert!(logout.last().unwrap().starts_with("a6 OK"), "{logout:?}");
}

#[test]
fn a_persistent_instance_keeps_its_mail_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let users = [User::new("carol", "pw", Some(Mailbox::fixture()))];
    for round in ["a", "b"] {
        let dovecot = Dovecot::start_in(dir.path(), &users).unwrap();
        let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
        run(&mut tls, "l", "LOGIN carol pw");
        let status = run(&mut tls, "s", "STATUS Archive (MESSAGES)").join("");
        // The first round deletes the archived message; the second must not see it again.
        let expected = if round == "a" {
            "MESSAGES 1"
        } else {
            "MESSAGES 0"
        };
        assert!(status.contains(expected), "round {round}: {status}");
        run(&mut tls, "x", "SELECT Archive");
        run(&mut tls, "d", "STORE 1:* +FLAGS (\\Deleted)");
        run(&mut tls, "e", "EXPUNGE");
        run(&mut tls, "o", "LOGOUT");
    }
}

#[test]
fn a_self_signed_ca_certificate_is_served_and_refused_by_webpki_as_openssl_makes_it() {
    let dovecot = Dovecot::start_with_cert(&User::fixture(), CertKind::SelfSignedCa).unwrap();
    let certs = dovecot.certs();
    assert_eq!(
        std::fs::read(&certs.ca_pem).unwrap(),
        std::fs::read(&certs.cert_pem).unwrap(),
        "the certificate is its own CA"
    );
    let mut tls = connect_tls(dovecot.imaps(), certs).unwrap();
    let presented = tls.conn.peer_certificates().unwrap().to_vec();
    assert_eq!(presented, std::slice::from_ref(&certs.ca_der));
    run(&mut tls, "o", "LOGOUT");

    // What a plain WebPKI client makes of it: the failure that pinning exists for.
    let mut roots = RootCertStore::empty();
    roots.add(certs.ca_der.clone()).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connection =
        ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let tcp = TcpStream::connect(dovecot.imaps()).unwrap();
    let mut webpki = rustls::StreamOwned::new(connection, tcp);
    let error = read_line(&mut webpki).unwrap_err();
    assert!(
        error.to_string().contains("CaUsedAsEndEntity"),
        "WebPKI should refuse a CA:TRUE server certificate: {error}"
    );
}

/// The capabilities announced after login, as words.
fn capabilities(tls: &mut (impl std::io::Read + Write), tag: &str) -> Vec<String> {
    let reply = run(tls, tag, "CAPABILITY");
    let line = reply
        .iter()
        .find(|l| l.starts_with("* CAPABILITY "))
        .unwrap_or_else(|| panic!("no CAPABILITY line in {reply:?}"));
    line.trim_end()
        .split(' ')
        .skip(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_default_instance_offers_notify_qresync_condstore_and_idle() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    run(&mut tls, "l", "LOGIN alice \"correct horse\"");
    let offered = capabilities(&mut tls, "c");
    for wanted in [
        "NOTIFY",
        "QRESYNC",
        "CONDSTORE",
        "IDLE",
        "ENABLE",
        "LIST-STATUS",
    ] {
        assert!(
            offered.iter().any(|c| c == wanted),
            "{wanted} is not offered: {offered:?}"
        );
    }

    // NOTIFY is not only announced: a change made by another connection to a folder that
    // is not selected arrives as an unsolicited STATUS (RFC 5465 section 5.2).
    let set = run(
        &mut tls,
        "n",
        "NOTIFY SET (personal (MessageNew MessageExpunge))",
    );
    assert!(set.last().unwrap().starts_with("n OK"), "{set:?}");
    let mut other = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    run(&mut other, "l", "LOGIN alice \"correct horse\"");
    let message = "Subject: noticed\r\n\r\nhello\r\n";
    other
        .write_all(format!("a APPEND Archive {{{}+}}\r\n{message}\r\n", message.len()).as_bytes())
        .unwrap();
    let appended = read_line(&mut other).unwrap();
    assert!(appended.starts_with("a OK"), "{appended}");
    let status = read_line(&mut tls).unwrap();
    assert!(
        status.starts_with("* STATUS Archive (") && status.contains("MESSAGES 2"),
        "{status}"
    );
}

#[test]
fn a_basic_instance_offers_idle_but_not_condstore_qresync_or_notify() {
    let dovecot = Dovecot::start_basic(&User::fixture()).unwrap();
    let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    let login = run(&mut tls, "l", "LOGIN alice \"correct horse\"");
    assert!(login.last().unwrap().starts_with("l OK"), "{login:?}");
    let offered = capabilities(&mut tls, "c");
    for missing in ["NOTIFY", "QRESYNC", "CONDSTORE"] {
        assert!(
            !offered.iter().any(|c| c == missing),
            "{missing} is offered: {offered:?}"
        );
    }
    for wanted in ["IDLE", "ENABLE", "UIDPLUS", "SPECIAL-USE", "LIST-STATUS"] {
        assert!(
            offered.iter().any(|c| c == wanted),
            "{wanted} is not offered: {offered:?}"
        );
    }
    // The login's response code announces the same list.
    assert!(!login.last().unwrap().contains("QRESYNC"), "{login:?}");

    // What the announcement does not change, known here so that nobody relies on it: Dovecot
    // still carries out ENABLE QRESYNC. A client must go by the list above (and a test of
    // the client's fallback must check what it sent, not what this server refused).
    let enable = run(&mut tls, "e", "ENABLE QRESYNC");
    assert_eq!(
        enable,
        [
            "* ENABLED QRESYNC\r\n".to_string(),
            enable.last().unwrap().clone()
        ]
    );
    assert!(enable.last().unwrap().starts_with("e OK"), "{enable:?}");

    // IDLE works.
    run(&mut tls, "s", "SELECT INBOX");
    tls.write_all(b"i IDLE\r\n").unwrap();
    let idling = read_line(&mut tls).unwrap();
    assert!(idling.starts_with("+ "), "{idling}");
    tls.write_all(b"DONE\r\n").unwrap();
    let done = read_line(&mut tls).unwrap();
    assert!(done.starts_with("i OK"), "{done}");
}

/// The benchmark's mailbox (`cargo xtask bench client`): fifty messages in INBOX, and the
/// big folder's files written directly in arrival order, so UID order is date order there
/// too, with its unread messages as seeded.
#[test]
fn the_benchmark_mailbox_has_fifty_in_inbox_and_a_big_folder_in_date_order() {
    const BIG: usize = 3_000;
    let mailbox = Mailbox::big(BIG);
    let big = mailbox
        .folder(petrel_tests::seed::BIG_FOLDER)
        .unwrap()
        .clone();
    assert_eq!(mailbox.inbox().messages.len(), 50);
    let dovecot = Dovecot::start(&[User::big(BIG)]).unwrap();
    dovecot
        .warm("alice", "correct horse", &["Big".into()], &["Big", "INBOX"])
        .unwrap();
    let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    run(&mut tls, "b1", "LOGIN alice \"correct horse\"");
    let subscribed = run(&mut tls, "b0", "LSUB \"\" \"*\"").join("");
    assert!(subscribed.contains(" Big\r\n"), "{subscribed}");

    let select = run(&mut tls, "b2", "SELECT INBOX").join("");
    assert!(select.contains("* 50 EXISTS"), "{select}");
    let select = run(&mut tls, "b3", "SELECT Big").join("");
    assert!(select.contains(&format!("* {BIG} EXISTS")), "{select}");

    let ends = run(
        &mut tls,
        "b4",
        &format!("UID FETCH 1,{BIG} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"),
    );
    let subjects: Vec<&String> = ends.iter().filter(|l| l.starts_with("Subject:")).collect();
    let expected = [&big.messages[0], &big.messages[BIG - 1]]
        .map(|m| format!("Subject: {}\r\n", m.subject_header));
    assert_eq!(subjects, expected.iter().collect::<Vec<_>>(), "{ends:?}");

    // INTERNALDATE never goes back as the UID grows.
    let dates = run(&mut tls, "b5", "FETCH 1:* (UID INTERNALDATE FLAGS)");
    let parsed: Vec<(u32, String)> = dates
        .iter()
        .filter(|l| l.contains(" FETCH "))
        .map(|l| {
            let uid = l.split("UID ").nth(1).unwrap().split(' ').next().unwrap();
            let date = l
                .split("INTERNALDATE \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            (uid.parse().unwrap(), date.to_string())
        })
        .collect();
    assert_eq!(parsed.len(), BIG);
    let month = |m: &str| {
        [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ]
        .iter()
        .position(|x| *x == m)
        .unwrap()
    };
    // "dd-Mon-yyyy hh:mm:ss +0000" as a sortable key.
    let key = |d: &str| {
        let (day, rest) = d.trim().split_once('-').unwrap();
        let (mon, rest) = rest.split_once('-').unwrap();
        let (year, time) = rest.split_once(' ').unwrap();
        format!("{year}-{:02}-{:0>2} {time}", month(mon), day)
    };
    for pair in parsed.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{pair:?}");
        assert!(key(&pair[0].1) < key(&pair[1].1), "{pair:?}");
    }
    let unseen = dates
        .iter()
        .filter(|l| l.contains(" FETCH ") && !l.contains("\\Seen"))
        .count();
    assert_eq!(unseen, big.unseen());
}
