//! Deterministic workloads W1 to W5, generated as the bytes a server would send.
//!
//! Every generator is seeded, so the same bytes go to every decoder in a run and across runs.
//! W1 imitates what Dovecot prints for
//! `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)` on a real
//! mailbox: envelopes with display names and NIL fields, encoded-word and escaped-quote
//! subjects, literals where Dovecot uses them (8-bit text), and the body structures of plain,
//! alternative, attachment and forwarded messages, with Dovecot's extension data.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::rng::Rng;

/// One generated input and what a correct decoder must make of it.
#[derive(Debug, Clone)]
pub struct Workload {
    pub bytes: Vec<u8>,
    /// How many complete responses the bytes hold.
    pub responses: usize,
}

const FIRST: &[&str] = &[
    "Alice",
    "Bob",
    "Chloé",
    "Dmitri",
    "Emma",
    "François",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Katarzyna",
    "Liam",
    "María",
    "Noah",
    "Olga",
    "Pierre",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomoko",
];
const LAST: &[&str] = &[
    "Martin",
    "O'Brien",
    "Müller",
    "Smith",
    "Nakamura",
    "García",
    "Kowalski",
    "Dubois",
    "Rossi",
    "Johansson",
    "van der Berg",
    "Nguyen",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.example.org",
    "lists.debian.org",
    "github.com",
    "bank.example.de",
    "newsletter.shop.example",
    "university.example.edu",
    "gmail.com",
];
const WORDS: &[&str] = &[
    "meeting",
    "invoice",
    "report",
    "quarterly",
    "update",
    "your",
    "order",
    "has",
    "shipped",
    "review",
    "pull",
    "request",
    "build",
    "failed",
    "lunch",
    "tomorrow",
    "agenda",
    "draft",
    "contract",
    "photos",
    "trip",
    "password",
    "reset",
    "welcome",
    "to",
    "the",
    "team",
];
const ENCODED_SUBJECTS: &[&str] = &[
    "=?UTF-8?B?w4RwZmVsIHVuZCBCaXJuZW4gaW0gQW5nZWJvdA==?=",
    "=?UTF-8?B?0J/RgNC40LLQtdGCLCDQutCw0Log0LTQtdC70LA/?=",
    "=?UTF-8?B?5Lya6K2w44Gu6K2w5LqL6Yyy?=",
    "Re: =?UTF-8?B?w5xiZXJ3ZWlzdW5nIGJlc3TDpHRpZ3Q=?=",
    "=?utf-8?Q?Caf=C3=A9_au_lait_=E2=98=95?= tomorrow?",
    "Fwd: =?iso-8859-1?Q?R=E9union_de_l'=E9quipe?=",
];
// Raw 8-bit subjects from non-compliant mailers: Dovecot sends these as literals.
const RAW_SUBJECTS: &[&str] = &[
    "Grüße aus München",
    "Réunion \"urgente\" demain",
    "Счёт № 42",
    "naïve café \\ résumé",
];
const FLAGS: &[&str] = &[
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Draft",
    "$Forwarded",
    "$Junk",
    "$NotJunk",
    "NonJunk",
    "$label1",
];
const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const ATTACHMENTS: &[(&str, &str, &str)] = &[
    ("application", "pdf", "Invoice 2026-11.pdf"),
    ("image", "jpeg", "IMG_2041.JPG"),
    (
        "application",
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Q3 figures.xlsx",
    ),
    ("application", "zip", "logs.zip"),
    ("text", "calendar", "invite.ics"),
];

/// Appends `s` as an IMAP quoted string, escaping `"` and `\` (RFC 3501 `quoted`).
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Appends `s` the way Dovecot picks: a literal when it holds 8-bit text, else quoted.
fn push_string(out: &mut String, s: &str) {
    if s.is_ascii() {
        push_quoted(out, s);
    } else {
        let _ = write!(out, "{{{}}}\r\n{}", s.len(), s);
    }
}

fn push_address(out: &mut String, rng: &mut Rng) {
    let first = *rng.pick(FIRST);
    let last = *rng.pick(LAST);
    let domain = *rng.pick(DOMAINS);
    out.push('(');
    if rng.chance(80) {
        let name = if rng.chance(15) {
            // Names with a comma must be quoted in the header; servers keep the quotes out.
            format!("{last}, {first}")
        } else {
            format!("{first} {last}")
        };
        push_string(out, &name);
    } else {
        out.push_str("NIL");
    }
    out.push_str(" NIL ");
    let local: String = format!("{first}.{last}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_ascii_lowercase();
    push_quoted(out, &local);
    out.push(' ');
    push_quoted(out, domain);
    out.push(')');
}

fn push_address_list(out: &mut String, rng: &mut Rng, min: u64, max: u64) {
    let n = rng.range(min, max);
    if n == 0 {
        out.push_str("NIL");
        return;
    }
    out.push('(');
    for _ in 0..n {
        push_address(out, rng);
    }
    out.push(')');
}

fn subject(rng: &mut Rng) -> Option<String> {
    match rng.below(100) {
        0..=2 => None,
        3..=17 => Some(String::from(*rng.pick(ENCODED_SUBJECTS))),
        18..=21 => Some(String::from(*rng.pick(RAW_SUBJECTS))),
        22..=31 => {
            // Escaped quotes and backslashes inside a quoted string.
            let w = *rng.pick(WORDS);
            Some(format!("Re: \"{w}\" in C:\\Users\\{w}"))
        }
        _ => {
            let mut s = String::new();
            if rng.chance(30) {
                s.push_str("Re: ");
            }
            for i in 0..rng.range(2, 9) {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(rng.pick::<&str>(WORDS));
            }
            Some(s)
        }
    }
}

fn push_envelope(out: &mut String, rng: &mut Rng) {
    out.push('(');
    let _ = write!(
        out,
        "\"{}, {} {} 2026 {:02}:{:02}:{:02} +0100\" ",
        rng.pick(DAYS),
        rng.range(1, 28),
        rng.pick(MONTHS),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    );
    match subject(rng) {
        Some(s) => push_string(out, &s),
        None => out.push_str("NIL"),
    }
    out.push(' ');
    // from, sender and reply-to: Dovecot repeats From when Sender/Reply-To are absent.
    let mut from = String::new();
    push_address_list(&mut from, rng, 1, 1);
    out.push_str(&from);
    out.push(' ');
    out.push_str(&from);
    out.push(' ');
    if rng.chance(20) {
        push_address_list(out, rng, 1, 1);
    } else {
        out.push_str(&from);
    }
    out.push(' ');
    push_address_list(out, rng, 1, 4);
    out.push(' ');
    push_address_list(out, rng, 0, 3);
    out.push(' ');
    let bcc = u64::from(rng.chance(5));
    push_address_list(out, rng, 0, bcc);
    out.push(' ');
    if rng.chance(40) {
        let _ = write!(out, "\"<{:x}@{}>\"", rng.next_u64(), rng.pick(DOMAINS));
    } else {
        out.push_str("NIL");
    }
    let _ = write!(
        out,
        " \"<{:x}.{:x}@{}>\")",
        rng.next_u64(),
        rng.below(1 << 20),
        rng.pick(DOMAINS)
    );
}

fn push_text_part(out: &mut String, rng: &mut Rng, subtype: &str) {
    let (charset, encoding) = *rng.pick(&[
        ("us-ascii", "7bit"),
        ("utf-8", "quoted-printable"),
        ("utf-8", "8bit"),
        ("UTF-8", "base64"),
        ("iso-8859-1", "quoted-printable"),
    ]);
    let size = rng.range(80, 60_000);
    let _ = write!(
        out,
        "(\"text\" \"{subtype}\" (\"charset\" \"{charset}\") NIL NIL \"{encoding}\" {size} {} NIL NIL NIL NIL)",
        size / 60 + 1
    );
}

fn push_alternative(out: &mut String, rng: &mut Rng) {
    out.push('(');
    push_text_part(out, rng, "plain");
    push_text_part(out, rng, "html");
    let _ = write!(
        out,
        " \"alternative\" (\"boundary\" \"{:024x}\") NIL NIL NIL)",
        rng.next_u64()
    );
}

fn push_attachment(out: &mut String, rng: &mut Rng) {
    let (ty, sub, name) = *rng.pick(ATTACHMENTS);
    let _ = write!(out, "(\"{ty}\" \"{sub}\" (\"name\" ");
    push_string(out, name);
    out.push_str(") NIL NIL \"base64\" ");
    let _ = write!(out, "{}", rng.range(1_000, 4_000_000));
    if ty == "text" {
        let _ = write!(out, " {}", rng.range(10, 200));
    }
    out.push_str(" NIL (\"attachment\" (\"filename\" ");
    push_string(out, name);
    out.push_str(")) NIL NIL)");
}

fn push_body(out: &mut String, rng: &mut Rng, depth: u32) {
    match rng.below(100) {
        0..=49 => push_text_part(out, rng, "plain"),
        50..=74 => push_alternative(out, rng),
        75..=94 => {
            out.push('(');
            push_alternative(out, rng);
            for _ in 0..rng.range(1, 3) {
                push_attachment(out, rng);
            }
            let _ = write!(
                out,
                " \"mixed\" (\"boundary\" \"----=_Part_{}_{}\") NIL NIL NIL)",
                rng.below(1_000_000),
                rng.next_u64() % 1_000_000_007
            );
        }
        _ if depth == 0 => {
            // A forwarded message: message/rfc822 carries its own envelope and body.
            out.push('(');
            push_text_part(out, rng, "plain");
            out.push_str("(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" ");
            let _ = write!(out, "{} ", rng.range(2_000, 90_000));
            push_envelope(out, rng);
            out.push(' ');
            push_body(out, rng, depth + 1);
            let _ = write!(out, " {} NIL NIL NIL NIL)", rng.range(40, 2_000));
            let _ = write!(
                out,
                " \"mixed\" (\"boundary\" \"{:x}\") NIL NIL NIL)",
                rng.next_u64()
            );
        }
        _ => push_text_part(out, rng, "plain"),
    }
}

/// W1: the answer to `UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)`.
pub fn w1_fetch(messages: usize) -> Workload {
    let mut rng = Rng::new(0x5EED_0001);
    let mut out = String::with_capacity(messages * 1_100);
    let mut uid = 1000u64;
    for seq in 1..=messages {
        uid += rng.range(1, 3);
        let _ = write!(
            out,
            "* {seq} FETCH (UID {uid} RFC822.SIZE {} FLAGS (",
            rng.range(900, 5_000_000)
        );
        let mut first = true;
        for flag in FLAGS {
            if rng.chance(if *flag == "\\Seen" { 70 } else { 8 }) {
                if !first {
                    out.push(' ');
                }
                out.push_str(flag);
                first = false;
            }
        }
        let _ = write!(
            out,
            ") INTERNALDATE \"{:02}-{}-2026 {:02}:{:02}:{:02} +0000\" ENVELOPE ",
            rng.range(1, 28),
            rng.pick(MONTHS),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        push_envelope(&mut out, &mut rng);
        out.push_str(" BODYSTRUCTURE ");
        push_body(&mut out, &mut rng, 0);
        out.push_str(")\r\n");
    }
    out.push_str("A1 OK Fetch completed (0.042 + 0.000 + 0.041 secs).\r\n");
    Workload {
        bytes: out.into_bytes(),
        responses: messages + 1,
    }
}

/// W2: one FETCH carrying a `size`-byte body literal of mail-like text.
pub fn w2_literal(size: usize) -> Workload {
    let mut rng = Rng::new(0x5EED_0002);
    let head = format!("* 7 FETCH (UID 4711 BODY[] {{{size}}}\r\n");
    let mut bytes = Vec::with_capacity(head.len() + size + 64);
    bytes.extend_from_slice(head.as_bytes());
    let body_start = bytes.len();
    while bytes.len() - body_start < size {
        for _ in 0..rng.range(3, 14) {
            bytes.extend_from_slice(rng.pick(WORDS).as_bytes());
            bytes.push(b' ');
        }
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.truncate(body_start + size);
    bytes.extend_from_slice(b" FLAGS (\\Seen))\r\nA2 OK Fetch completed.\r\n");
    Workload {
        bytes,
        responses: 2,
    }
}

/// W3: a `* SEARCH` line with `count` ascending UIDs, gaps included as in a real mailbox.
pub fn w3_search(count: usize) -> Workload {
    let mut rng = Rng::new(0x5EED_0003);
    let mut out = String::with_capacity(count * 9 + 64);
    out.push_str("* SEARCH");
    let mut uid = 1u64;
    for _ in 0..count {
        uid += if rng.chance(90) { 1 } else { rng.range(2, 40) };
        let _ = write!(out, " {uid}");
    }
    out.push_str("\r\nA3 OK Search completed (0.120 + 0.000 secs).\r\n");
    Workload {
        bytes: out.into_bytes(),
        responses: 2,
    }
}

/// W4: `count` small flag updates, as IDLE or a CONDSTORE-less resync delivers them.
pub fn w4_updates(count: usize) -> Workload {
    let mut rng = Rng::new(0x5EED_0004);
    let mut out = String::with_capacity(count * 48);
    for seq in 1..=count {
        let _ = write!(out, "* {seq} FETCH (UID {} FLAGS (", seq * 2 + 1000);
        let mut first = true;
        for flag in FLAGS {
            if rng.chance(30) {
                if !first {
                    out.push(' ');
                }
                out.push_str(flag);
                first = false;
            }
        }
        out.push_str("))\r\n");
    }
    Workload {
        bytes: out.into_bytes(),
        responses: count,
    }
}

/// W5a: a BODYSTRUCTURE of `depth` nested multiparts. Grammatically valid, so a decoder either
/// decodes it or refuses it with a limit; it must not overflow its stack.
pub fn w5_deep_nesting(depth: usize) -> Workload {
    let mut out = String::with_capacity(depth * 12 + 128);
    out.push_str("* 1 FETCH (UID 1 BODYSTRUCTURE ");
    for _ in 0..depth {
        out.push('(');
    }
    out.push_str("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
    for _ in 0..depth {
        out.push_str(" \"mixed\")");
    }
    out.push_str(")\r\n");
    Workload {
        bytes: out.into_bytes(),
        responses: 1,
    }
}

/// W5b: one FETCH with `count` zero-length literals, which punishes any framer that rescans
/// the message from its start at each literal.
pub fn w5_zero_literals(count: usize) -> Workload {
    let mut out = String::with_capacity(count * 16 + 64);
    out.push_str("* 1 FETCH (UID 1");
    for i in 1..=count {
        let _ = write!(out, " BODY[{i}] {{0}}\r\n");
    }
    out.push_str(")\r\n");
    Workload {
        bytes: out.into_bytes(),
        responses: 1,
    }
}

/// W5c: a 4 GiB literal announcement followed by `fed` bytes of it (the stream then ends).
/// No response completes; what matters is the decoder's memory and how early it objects.
pub fn w5_huge_literal(fed: usize) -> Workload {
    let mut bytes = Vec::with_capacity(fed + 64);
    bytes.extend_from_slice(b"* 1 FETCH (UID 1 BODY[] {4294967296}\r\n");
    bytes.resize(bytes.len() + fed, b'x');
    Workload {
        bytes,
        responses: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(w1_fetch(50).bytes, w1_fetch(50).bytes);
        assert_eq!(w3_search(100).bytes, w3_search(100).bytes);
    }

    #[test]
    fn w1_mixes_the_promised_shapes() {
        let w = w1_fetch(500);
        let text = String::from_utf8_lossy(&w.bytes);
        for needle in [
            "\"alternative\"",
            "\"mixed\"",
            "\"rfc822\"",
            "=?UTF-8?B?",
            "\\\"",
            "}\r\n",
            " NIL NIL",
        ] {
            assert!(text.contains(needle), "W1 lacks {needle:?}");
        }
    }

    #[test]
    fn w2_literal_has_exact_size() {
        let w = w2_literal(100_000);
        let head = b"* 7 FETCH (UID 4711 BODY[] {100000}\r\n";
        assert!(w.bytes.starts_with(head));
        assert_eq!(
            &w.bytes[head.len() + 100_000..head.len() + 100_000 + 7],
            b" FLAGS "
        );
    }
}
