//! The MIME writer against Dovecot: a message written by `petrel_client::compose` is
//! APPENDed over raw IMAP, and Dovecot's own MIME parser must see the same structure
//! (`BODYSTRUCTURE`: types, parameters, RFC 2231 file names, content ids) and, decoding the
//! parts itself (`BINARY[part]`, RFC 3516), the same text and bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use petrel_client::compose::{write, Attachment, InlineImage, Mailbox, Outgoing, Stamp, Transport};
use petrel_tests::dovecot::{connect_tls, read_line};
use petrel_tests::{Dovecot, User};

/// Reads one response line, with the bytes of any `{n}` literals it announces spliced in.
fn read_response(tls: &mut impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line = read_line(tls).unwrap();
        out.extend_from_slice(line.as_bytes());
        let literal = line
            .strip_suffix("}\r\n")
            .and_then(|l| l.rsplit_once('{'))
            .and_then(|(_, n)| n.parse::<usize>().ok());
        let Some(n) = literal else {
            return out;
        };
        let mut bytes = vec![0; n];
        tls.read_exact(&mut bytes).unwrap();
        out.extend_from_slice(&bytes);
    }
}

/// Sends `command` with `tag`, returns the responses up to and including the tagged one,
/// which must be OK.
fn run(tls: &mut (impl Read + Write), tag: &str, command: &str) -> Vec<Vec<u8>> {
    tls.write_all(format!("{tag} {command}\r\n").as_bytes())
        .unwrap();
    tls.flush().unwrap();
    let mut responses = Vec::new();
    loop {
        let response = read_response(tls);
        let done = response.starts_with(format!("{tag} ").as_bytes());
        responses.push(response);
        if done {
            let last = String::from_utf8_lossy(responses.last().unwrap()).into_owned();
            assert!(last.starts_with(&format!("{tag} OK")), "{command}: {last}");
            return responses;
        }
    }
}

/// The bytes of the one literal in the FETCH response to `command`.
fn fetch_literal(tls: &mut (impl Read + Write), tag: &str, command: &str) -> Vec<u8> {
    let responses = run(tls, tag, command);
    let fetch = responses
        .iter()
        .find(|r| r.starts_with(b"* 1 FETCH"))
        .unwrap_or_else(|| panic!("no FETCH for {command}: {responses:?}"));
    let open = fetch.iter().position(|&b| b == b'{').unwrap();
    let close = open + fetch[open..].iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&fetch[open + 1..close])
        .unwrap()
        .parse()
        .unwrap();
    fetch[close + 3..close + 3 + n].to_vec()
}

fn message() -> Outgoing {
    Outgoing {
        from: Mailbox::new("Jörg Müller", "joerg@example.de"),
        to: vec![Mailbox::new("Bob", "bob@localhost")],
        bcc: vec![Mailbox::new("", "hidden@example.org")],
        subject: "Grüße — 日本語".into(),
        text: "Hallo Bob,\n\nGrüße aus München.\n.\nFrom the start.\n-- \nJörg\n".into(),
        html: Some("<p>Hallo <img src=\"cid:logo@petrel\"></p>".into()),
        attachments: vec![Attachment {
            name: "Bericht über Grüße – 2024 (endgültige Fassung) mit sehr langem Namen.pdf".into(),
            media_type: "application/pdf".into(),
            bytes: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
        }],
        inline_images: vec![InlineImage {
            content_id: "logo@petrel".into(),
            name: "logo.png".into(),
            media_type: "image/png".into(),
            bytes: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3],
        }],
        in_reply_to: Some("parent@example.org".into()),
        references: vec!["parent@example.org".into()],
        ..Outgoing::default()
    }
}

#[test]
fn dovecot_reads_what_the_writer_wrote() {
    let outgoing = message();
    let stamp = Stamp {
        unix_seconds: 1_709_283_600,
        utc_offset_minutes: 60,
        random: [7; 32],
    };
    let written = write(&outgoing, &stamp, Transport::default()).unwrap();
    assert!(written.seven_bit);

    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let mut tls = connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    run(&mut tls, "l", "LOGIN bob \"battery staple\"");
    tls.write_all(format!("a APPEND INBOX {{{}}}\r\n", written.bytes.len()).as_bytes())
        .unwrap();
    tls.flush().unwrap();
    let go_ahead = read_line(&mut tls).unwrap();
    assert!(go_ahead.starts_with('+'), "{go_ahead}");
    tls.write_all(&written.bytes).unwrap();
    tls.write_all(b"\r\n").unwrap();
    tls.flush().unwrap();
    let appended = read_response(&mut tls);
    assert!(appended.starts_with(b"a OK"), "{appended:?}");
    run(&mut tls, "s", "SELECT INBOX");

    let structure = run(&mut tls, "b", "FETCH 1 (BODYSTRUCTURE)");
    let structure = String::from_utf8_lossy(&structure[0]).into_owned();
    // Parts in order, with their parameters as Dovecot parsed them; RFC 2231 continuations
    // of the file name are joined by Dovecot into one extended value.
    let expected_in_order = [
        "(\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\"",
        "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\"",
        "(\"image\" \"png\" (\"name\" \"logo.png\") \"<logo@petrel>\" NIL \"base64\"",
        "(\"inline\" (\"filename\" \"logo.png\"))",
        "\"related\"",
        "\"alternative\"",
        "(\"application\" \"pdf\" (\"name*\" \"utf-8''Bericht%20%C3%BCber%20Gr%C3%BC%C3%9Fe%20%E2%80%93%202024%20%28endg%C3%BCltige%20Fassung%29%20mit%20sehr%20langem%20Namen.pdf\") NIL NIL \"base64\"",
        "(\"attachment\" (\"filename*\" \"utf-8''Bericht%20%C3%BCber%20Gr%C3%BC%C3%9Fe%20%E2%80%93%202024%20%28endg%C3%BCltige%20Fassung%29%20mit%20sehr%20langem%20Namen.pdf\"))",
        "\"mixed\"",
    ];
    let mut at = 0;
    for piece in expected_in_order {
        let found = structure[at..]
            .find(piece)
            .unwrap_or_else(|| panic!("{piece}\nnot found after byte {at} of\n{structure}"));
        at += found + piece.len();
    }

    // Dovecot decodes the parts itself: the text (still in its flowed form, whose lines
    // here are short enough to be the text's own, with `From ` stuffed), the HTML, the
    // attachment's bytes.
    let text = fetch_literal(&mut tls, "t", "FETCH 1 (BINARY.PEEK[1.1])");
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "Hallo Bob,\r\n\r\nGrüße aus München.\r\n.\r\n From the start.\r\n-- \r\nJörg\r\n"
    );
    let html = fetch_literal(&mut tls, "h", "FETCH 1 (BINARY.PEEK[1.2.1])");
    assert_eq!(html, outgoing.html.unwrap().as_bytes());
    let image = fetch_literal(&mut tls, "i", "FETCH 1 (BINARY.PEEK[1.2.2])");
    assert_eq!(image, outgoing.inline_images[0].bytes);
    let pdf = fetch_literal(&mut tls, "p", "FETCH 1 (BINARY.PEEK[2])");
    assert_eq!(pdf, outgoing.attachments[0].bytes);

    // The header as Dovecot stores it has no Bcc, and the subject is what was written.
    let header = fetch_literal(&mut tls, "e", "FETCH 1 (BODY.PEEK[HEADER])");
    let header = String::from_utf8(header).unwrap();
    assert!(!header.to_ascii_lowercase().contains("bcc:"), "{header}");
    assert!(!header.contains("hidden@example.org"), "{header}");
    let view = petrel_client::engine::message::parse(
        &fetch_literal(&mut tls, "w", "FETCH 1 (BODY.PEEK[])"),
        &petrel_client::engine::BuiltInOnly,
    );
    assert_eq!(view.subject, outgoing.subject);
    run(&mut tls, "o", "LOGOUT");
}
