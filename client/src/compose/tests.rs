//! Whole messages: a known answer, round trips through the client's own parser and through
//! Python's `email` package, and property tests over arbitrary text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::*;
use crate::engine::message::{self, Block};
use crate::engine::mime::BuiltInOnly;

/// 2024-03-01 09:00:00 UTC, shown at UTC+01:00, with counting bytes as randomness.
fn stamp() -> Stamp {
    let mut random = [0u8; 32];
    for (k, b) in random.iter_mut().enumerate() {
        *b = k as u8;
    }
    Stamp {
        unix_seconds: 1_709_283_600,
        utc_offset_minutes: 60,
        random,
    }
}

fn simple() -> Outgoing {
    Outgoing {
        from: Mailbox::new("Ada Lovelace", "ada@example.org"),
        to: vec![Mailbox::new("", "bob@example.com")],
        subject: "Numbers".into(),
        text: "The numbers are up.\n".into(),
        ..Outgoing::default()
    }
}

/// Everything at once: non-ASCII everywhere, HTML with an inline image, two attachments,
/// reply headers, a Bcc.
fn everything() -> Outgoing {
    Outgoing {
        from: Mailbox::new("Jörg Müller", "joerg@example.de"),
        reply_to: vec![Mailbox::new("Doe, John", "john@example.com")],
        to: vec![
            Mailbox::new("Ada Lovelace", "ada@example.org"),
            Mailbox::new("山田太郎", "taro@example.jp"),
        ],
        cc: vec![Mailbox::new("", "carol@example.net")],
        bcc: vec![Mailbox::new("Secret", "hidden@example.org")],
        subject: "Re: Grüße aus München — 日本語の件名がとても長い場合にはどうなるでしょうか"
            .into(),
        text: format!(
            "Hallo Ada,\n\n{}\n> not a quote\nFrom the start.\n.\n-- \nJörg\n",
            "ein sehr langer Satz über Grüße, ".repeat(6).trim_end()
        ),
        html: Some("<p>Hallo <b>Ada</b>, <img src=\"cid:logo@petrel\"></p>\n".into()),
        attachments: vec![
            Attachment {
                name: "Bericht über Grüße – 2024 (endgültige Fassung) mit sehr langem Namen.pdf"
                    .into(),
                media_type: "application/pdf".into(),
                bytes: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
            },
            Attachment {
                name: "notes \"draft\".txt".into(),
                media_type: "".into(),
                bytes: b"plain\r\nbytes".to_vec(),
            },
        ],
        inline_images: vec![InlineImage {
            content_id: "logo@petrel".into(),
            name: "logo.png".into(),
            media_type: "image/png".into(),
            bytes: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3],
        }],
        in_reply_to: Some("<parent@example.org>".into()),
        references: vec!["root@example.org".into(), "<parent@example.org>".into()],
    }
}

fn lines_within(bytes: &[u8], limit: usize) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .all(|l| l.strip_suffix(b"\r").unwrap_or(l).len() <= limit)
}

#[test]
fn known_answer_for_a_simple_message() {
    let written = write(&simple(), &stamp(), Transport::default()).unwrap();
    assert_eq!(
        String::from_utf8(written.bytes).unwrap(),
        "Date: Fri, 01 Mar 2024 10:00:00 +0100\r\n\
         From: Ada Lovelace <ada@example.org>\r\n\
         To: bob@example.com\r\n\
         Subject: Numbers\r\n\
         Message-ID: <000102030405060708090a0b0c0d0e0f@example.org>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8; format=flowed\r\n\
         Content-Transfer-Encoding: 7bit\r\n\
         \r\n\
         The numbers are up.\r\n"
    );
    assert!(written.seven_bit && !written.smtputf8);
    assert_eq!(written.envelope.from, "ada@example.org");
    assert_eq!(written.envelope.recipients, ["bob@example.com"]);
}

#[test]
fn everything_round_trips_through_the_own_parser() {
    let outgoing = everything();
    let written = write(&outgoing, &stamp(), Transport::default()).unwrap();
    assert!(written.seven_bit);
    assert!(
        lines_within(&written.bytes, 78),
        "{}",
        String::from_utf8_lossy(&written.bytes)
    );
    let view = message::parse(&written.bytes, &BuiltInOnly);
    assert_eq!(view.subject, outgoing.subject);
    assert_eq!(view.from[0].name, "Jörg Müller");
    assert_eq!(view.from[0].email, "joerg@example.de");
    // A multipart/alternative shows its HTML rendering; the plain one is checked by the
    // text-only round trips and by Python's parser.
    let (text, html) = shown(&view);
    assert_eq!(text, None);
    assert!(html.unwrap().contains("Hallo <b>Ada</b>"));
    let names: Vec<&str> = view.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            outgoing.attachments[0].name.as_str(),
            outgoing.attachments[1].name.as_str()
        ]
    );
}

#[test]
fn bcc_is_only_in_the_envelope() {
    let written = write(&everything(), &stamp(), Transport::default()).unwrap();
    let text = String::from_utf8(written.bytes).unwrap();
    assert!(!text.to_ascii_lowercase().contains("bcc"), "{text}");
    assert!(!text.contains("hidden@example.org"), "{text}");
    assert_eq!(
        written.envelope.recipients,
        [
            "ada@example.org",
            "taro@example.jp",
            "carol@example.net",
            "hidden@example.org"
        ]
    );
}

#[test]
fn reply_headers_and_identifiers() {
    let written = write(&everything(), &stamp(), Transport::default()).unwrap();
    let text = String::from_utf8(written.bytes).unwrap();
    assert!(
        text.contains("\r\nIn-Reply-To: <parent@example.org>\r\n"),
        "{text}"
    );
    assert!(
        text.contains("\r\nReferences: <root@example.org> <parent@example.org>\r\n"),
        "{text}"
    );
    assert!(text.contains("Message-ID: <000102030405060708090a0b0c0d0e0f@example.de>"));
    // Three multiparts, three different boundaries, all from the random bytes.
    for n in 1..=3 {
        assert!(text.contains(&format!("boundary=\"=_101112131415161718191a1b_{n}\"")));
    }
    let mut bad = everything();
    bad.references = vec!["has space@x".into(), "ok@x".into()];
    bad.in_reply_to = Some("\u{7}".into());
    let text =
        String::from_utf8(write(&bad, &stamp(), Transport::default()).unwrap().bytes).unwrap();
    assert!(text.contains("\r\nReferences: <ok@x>\r\n") && !text.contains("In-Reply-To"));
}

#[test]
fn eight_bit_only_when_offered() {
    let mut outgoing = simple();
    outgoing.text = "Grüße\n".into();
    let seven = write(&outgoing, &stamp(), Transport::default()).unwrap();
    assert!(seven.seven_bit);
    let eight = Transport {
        eight_bit_mime: true,
        smtputf8: false,
    };
    let eight = write(&outgoing, &stamp(), eight).unwrap();
    assert!(!eight.seven_bit);
    let text = String::from_utf8(eight.bytes.clone()).unwrap();
    assert!(
        text.contains("Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n"),
        "{text}"
    );
    let view = message::parse(&eight.bytes, &BuiltInOnly);
    assert_eq!(shown(&view), (Some("Grüße\n".to_owned()), None));
}

#[test]
fn utf8_addresses_need_smtputf8() {
    let mut outgoing = simple();
    outgoing.to = vec![Mailbox::new("", "jörg@bücher.de")];
    assert_eq!(
        write(&outgoing, &stamp(), Transport::default()),
        Err(ComposeError::NeedsSmtpUtf8("jörg@bücher.de".into()))
    );
    let utf8 = Transport {
        eight_bit_mime: true,
        smtputf8: true,
    };
    let written = write(&outgoing, &stamp(), utf8).unwrap();
    assert!(written.smtputf8 && !written.seven_bit);
    assert_eq!(written.envelope.recipients, ["jörg@bücher.de"]);
}

#[test]
fn bad_input_is_named() {
    let mut outgoing = simple();
    outgoing.cc = vec![Mailbox::new("x", "not an address")];
    assert_eq!(
        write(&outgoing, &stamp(), Transport::default()),
        Err(ComposeError::InvalidAddress("not an address".into()))
    );
    let mut outgoing = everything();
    outgoing.inline_images[0].content_id = "a b".into();
    assert_eq!(
        write(&outgoing, &stamp(), Transport::default()),
        Err(ComposeError::InvalidContentId("a b".into()))
    );
    let mut late = stamp();
    late.utc_offset_minutes = 1440;
    assert_eq!(
        write(&simple(), &late, Transport::default()),
        Err(ComposeError::InvalidUtcOffset(1440))
    );
    let mut far = stamp();
    far.unix_seconds = i64::MAX;
    assert_eq!(
        write(&simple(), &far, Transport::default()),
        Err(ComposeError::InvalidDate(i64::MAX))
    );
    assert_eq!(
        ComposeError::InvalidAddress("x".into()).to_string(),
        "not a valid address: \"x\""
    );
}

#[test]
fn media_types_that_cannot_be_base64_become_octet_streams() {
    assert_eq!(sendable_media_type("Image/PNG"), "image/png");
    assert_eq!(sendable_media_type(""), "application/octet-stream");
    assert_eq!(
        sendable_media_type("text/plain; x=y"),
        "application/octet-stream"
    );
    assert_eq!(
        sendable_media_type("message/rfc822"),
        "application/octet-stream"
    );
}

/// Python's `email` package reads the same structure, names and text
/// (`client/tests/mime_structure.py` prints what it read as JSON).
#[test]
fn python_email_reads_the_same_message() {
    let outgoing = everything();
    for transport in [
        Transport::default(),
        Transport {
            eight_bit_mime: true,
            smtputf8: false,
        },
    ] {
        let written = write(&outgoing, &stamp(), transport).unwrap();
        let Some(read) = python_reads(&written.bytes) else {
            return;
        };
        let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let pdf = &outgoing.attachments[0];
        let notes = &outgoing.attachments[1];
        let image = &outgoing.inline_images[0];
        let expected = serde_json::json!({
            "defects": [],
            "subject": outgoing.subject,
            "date": "Fri, 01 Mar 2024 10:00:00 +0100",
            "message_id": "<000102030405060708090a0b0c0d0e0f@example.de>",
            "in_reply_to": "<parent@example.org>",
            "references": "<root@example.org> <parent@example.org>",
            "from": [["Jörg Müller", "joerg@example.de"]],
            "reply_to": [["Doe, John", "john@example.com"]],
            "to": [["Ada Lovelace", "ada@example.org"], ["山田太郎", "taro@example.jp"]],
            "cc": [["", "carol@example.net"]],
            "bcc": null,
            "body": {"type": "multipart/mixed", "parts": [
                {"type": "multipart/alternative", "parts": [
                    {"type": "text/plain", "encoding": read_encoding(&read, &[0, 0]),
                     "text": outgoing.text},
                    {"type": "multipart/related", "parts": [
                        {"type": "text/html", "encoding": "7bit",
                         "text": outgoing.html.clone().unwrap()},
                        {"type": "image/png", "filename": image.name, "disposition": "inline",
                         "content_id": "<logo@petrel>", "encoding": "base64",
                         "hex": hex(&image.bytes)},
                    ]},
                ]},
                {"type": "application/pdf", "filename": pdf.name, "disposition": "attachment",
                 "encoding": "base64", "hex": hex(&pdf.bytes)},
                {"type": "application/octet-stream", "filename": notes.name,
                 "disposition": "attachment", "encoding": "base64",
                 "hex": hex(&notes.bytes)},
            ]},
        });
        assert_eq!(
            read,
            expected,
            "{}",
            String::from_utf8_lossy(&written.bytes)
        );
    }
}

/// The transfer encoding Python saw at a path of part indices (it depends on the transport).
fn read_encoding(read: &serde_json::Value, path: &[usize]) -> serde_json::Value {
    let mut node = &read["body"];
    for &k in path {
        node = &node["parts"][k];
    }
    node["encoding"].clone()
}

/// Whether `python3` runs; when it does not, the test says so loudly and passes.
fn python() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("\n!!!! SKIPPED: python3 is not installed; the MIME writer was NOT checked against Python's email package !!!!\n");
    }
    ok
}

/// Runs the script on `bytes`; `None` (after a loud message) without python3.
fn python_reads(bytes: &[u8]) -> Option<serde_json::Value> {
    if !python() {
        return None;
    }
    let dir = tempfile_dir();
    let path = dir.join("message.eml");
    std::fs::write(&path, bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mime_structure.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

/// A fresh directory under the system's temp dir, unique to this process and call.
fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "petrel-compose-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the client's parser gives back for text it was handed: line breaks as `\n`, spaces
/// before a line break trimmed (format=flowed cannot keep them, RFC 3676 §4.2) except in the
/// signature separator, and a final line break.
fn as_read_back(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.is_empty() {
        return text;
    }
    let mut out: Vec<&str> = text
        .split('\n')
        .map(|l| {
            if l == "-- " {
                l
            } else {
                l.trim_end_matches(' ')
            }
        })
        .collect();
    if text.ends_with('\n') {
        out.pop();
    }
    let mut joined = out.join("\n");
    joined.push('\n');
    joined
}

/// Text with what makes mail hard: any Unicode, long lines and words, lines that start with
/// a dot, `From `, `>` or spaces, signature separators, trailing spaces.
fn hard_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        any::<String>(),
        "[ -~]{0,200}",
        "\\PC{0,120}",
        "(\\.|From |>|-- | |\\t)[ -~]{0,90}",
        "([a-zé日 ]{1,12} ){0,40}",
        "[a-z]{900,1100}",
        Just("-- ".to_owned()),
        Just(".".to_owned()),
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_round_trips(
        subject in any::<String>(),
        name in "\\PC{0,80}",
        text in hard_text(),
        file in "[^/\\\\\\p{Cc}]{1,100}",
        html in proptest::option::of(hard_text()),
        eight_bit_mime in any::<bool>(),
    ) {
        let outgoing = Outgoing {
            from: Mailbox::new(name.clone(), "a@example.org"),
            to: vec![Mailbox::new(name.clone(), "b@example.org")],
            subject: subject.clone(),
            text: text.clone(),
            html: html.clone(),
            attachments: vec![Attachment {
                name: file.clone(),
                media_type: "application/octet-stream".into(),
                bytes: text.as_bytes().to_vec(),
            }],
            ..Outgoing::default()
        };
        let transport = Transport { eight_bit_mime, smtputf8: false };
        let written = write(&outgoing, &stamp(), transport).unwrap();
        prop_assert!(lines_within(&written.bytes, 998));
        prop_assert!(written.bytes.ends_with(b"\r\n"));
        if !eight_bit_mime {
            prop_assert!(written.seven_bit);
        }
        // Headers are 7-bit and within the preferred line length whatever the transport.
        let end = written.bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        prop_assert!(written.bytes[..end].is_ascii());
        prop_assert!(lines_within(&written.bytes[..end], 78));

        let view = message::parse(&written.bytes, &BuiltInOnly);
        let one_line = header::one_line(&subject);
        prop_assert_eq!(&view.subject, one_line.trim());
        let name = header::one_line(&name);
        prop_assert_eq!(&view.from[0].name, name.trim());
        prop_assert_eq!(&view.to[0].name, name.trim());
        // A multipart/alternative shows its HTML rendering, a plain message its text; the
        // reading pane leaves out a part that is only white space.
        let (shown_text, shown_html) = shown(&view);
        // The parser keeps CRLF in 7-bit HTML but gives LF after quoted-printable.
        let lf = |h: &str| body::crlf(h).replace("\r\n", "\n");
        let html = html.as_deref().filter(|h| !h.trim().is_empty());
        prop_assert_eq!(shown_html.as_deref().map(lf), html.map(lf));
        if html.is_none() {
            let expected = as_read_back(&text);
            let expected = (!expected.trim().is_empty()).then_some(expected);
            prop_assert_eq!(shown_text, expected);
        }
        prop_assert_eq!(view.attachments.len(), 1);
        if file.trim().is_empty() {
            // A blank name cannot come back; the reader makes one up from the type.
            prop_assert!(!view.attachments[0].name.trim().is_empty());
        } else {
            prop_assert_eq!(&view.attachments[0].name, file.trim());
        }
        prop_assert_eq!(view.attachments[0].size, text.len());
    }
}

/// What the reading pane shows of a body: its text blocks and its HTML blocks, each joined.
fn shown(view: &message::MessageView) -> (Option<String>, Option<String>) {
    let join = |pick: fn(&Block) -> Option<&str>| {
        let parts: Vec<&str> = view.body.iter().filter_map(pick).collect();
        (!parts.is_empty()).then(|| parts.concat())
    };
    (
        join(|b| match b {
            Block::Text(t) => Some(t),
            _ => None,
        }),
        join(|b| match b {
            Block::Html(h) => Some(h),
            _ => None,
        }),
    )
}
