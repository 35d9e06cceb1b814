//! The MIME corpus: messages with the structures real mail has, well-formed and broken,
//! each beside the view a person should get.
//!
//! Each `corpus/NAME.eml` was written for this purpose (no real person's mail); the
//! `corpus/NAME.view` beside it is the expected [`outline`] of what the reading pane shows:
//! the headers, the body blocks in order (nested messages indented) and the attachment
//! list. Each file is parsed as stored (LF line ends) and again with CRLF, as IMAP servers
//! send it; both must give the same view. A `.view` is written by hand from what the
//! message should look like, never copied from the parser's output unread.

use std::fmt::Write;

use super::{parse, Block, MessageView};
use crate::engine::mime::BuiltInOnly;

/// A readable, stable outline of a view: one line per header, block line or attachment.
/// Without `sizes`, attachment sizes are left out (they change with the line ends).
fn outline(m: &MessageView, sizes: bool) -> String {
    let mut out = String::new();
    headers_and_body(m, 0, &mut out);
    if !m.attachments.is_empty() {
        out.push_str("attachments:\n");
        for a in &m.attachments {
            let size = if sizes {
                a.size.to_string()
            } else {
                "?".to_owned()
            };
            let _ = writeln!(
                out,
                "  {} {:?} {} {} {}",
                a.part,
                a.name,
                a.media_type,
                size,
                if a.encoding.is_empty() {
                    "-"
                } else {
                    &a.encoding
                }
            );
        }
    }
    out
}

fn headers_and_body(m: &MessageView, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let addresses = |list: &[super::Address]| {
        list.iter()
            .map(|a| format!("{} <{}>", a.name, a.email))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "{pad}subject: {}", m.subject);
    if !m.from.is_empty() {
        let _ = writeln!(out, "{pad}from: {}", addresses(&m.from));
    }
    if !m.to.is_empty() {
        let _ = writeln!(out, "{pad}to: {}", addresses(&m.to));
    }
    if m.body.is_empty() {
        let _ = writeln!(out, "{pad}(no body)");
    }
    for block in &m.body {
        match block {
            Block::Text(text) => lines(&pad, "text", text, out),
            Block::Html(html) => lines(&pad, "html", html, out),
            Block::Message { part, message } => {
                let _ = writeln!(out, "{pad}message {part}:");
                headers_and_body(message, depth + 1, out);
                debug_assert!(message.attachments.is_empty());
            }
            Block::DeliveryStatus(groups) => {
                let _ = writeln!(out, "{pad}delivery status:");
                for (k, group) in groups.iter().enumerate() {
                    if k > 0 {
                        let _ = writeln!(out, "{pad}  --");
                    }
                    for (name, value) in group {
                        let _ = writeln!(out, "{pad}  {name}: {value}");
                    }
                }
            }
        }
    }
}

fn lines(pad: &str, kind: &str, text: &str, out: &mut String) {
    let _ = writeln!(out, "{pad}{kind}:");
    let text = text.replace("\r\n", "\n");
    for line in text.trim_end_matches('\n').split('\n') {
        let _ = writeln!(out, "{pad}  | {line}");
    }
}

fn check(eml: &str, expected: &str) {
    let stored = parse(eml.as_bytes(), &BuiltInOnly);
    let got = outline(&stored, true);
    assert_eq!(
        got, expected,
        "\n--- got ---\n{got}--- expected ---\n{expected}"
    );
    let crlf = eml.replace('\n', "\r\n");
    let sent = parse(crlf.as_bytes(), &BuiltInOnly);
    assert_eq!(
        outline(&sent, false),
        outline(&stored, false),
        "with CRLF line ends"
    );
}

/// Random mutations of `eml` (bytes changed, delimiters and quotes inserted, cuts): parsing
/// must never panic.
fn mutate(eml: &str, seed: u64) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces: [&[u8]; 9] = [
        b"\n--", b"--\n", b"\r\n", b"=", b"*0*=", b"'", b"\"", b"\xff", b"\n\n",
    ];
    for _ in 0..300 {
        let mut m = eml.as_bytes().to_vec();
        for _ in 0..(next() % 8 + 1) {
            let at = (next() as usize) % (m.len() + 1);
            match next() % 4 {
                0 if at < m.len() => m[at] = next() as u8,
                1 => {
                    let piece = pieces[(next() as usize) % pieces.len()];
                    m.splice(at..at, piece.iter().copied());
                }
                2 => m.truncate(at),
                _ if at < m.len() => {
                    m.remove(at);
                }
                _ => {}
            }
        }
        let _ = parse(&m, &BuiltInOnly);
    }
}

macro_rules! corpus {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let eml = include_str!(concat!("corpus/", stringify!($name), ".eml"));
                check(eml, include_str!(concat!("corpus/", stringify!($name), ".view")));
                mutate(eml, (eml.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            }
        )*
    };
}

corpus!(
    name_param_text,
    name_param_single_part,
    mixed_plain_and_html,
    forwarded_message,
    message_as_whole_body,
    digest,
    bounce_delivery_status,
    bounce_returned_headers,
    other_text_types,
    text_marked_attachment,
    missing_boundary,
    missing_boundary_plain_body,
    mistyped_boundary,
    reused_boundary,
    type_without_subtype,
    truncated_parameters,
    related_with_start,
    alternative_with_calendar,
);
