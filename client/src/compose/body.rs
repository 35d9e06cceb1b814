//! Bodies and parameters: `format=flowed` text (RFC 3676), the transfer encodings
//! (quoted-printable and base64, RFC 2045 §6) and RFC 2231 parameter values.

use petrel_imap::base64;

use super::header::PREFERRED_LINE;

/// RFC 5322 §2.1.1: no line may be longer than 998 octets.
pub(crate) const MAX_LINE: usize = 998;
/// RFC 2045 §6.7 (5) and §6.8: encoded lines are at most 76 characters.
const ENCODED_LINE: usize = 76;
/// Where a long flowed line is broken (RFC 3676 §4.2 recommends 66 to 72 characters).
const FLOW_WIDTH: usize = 72;

/// A `Content-Transfer-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    SevenBit,
    EightBit,
    QuotedPrintable,
    Base64,
}

impl Encoding {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::SevenBit => "7bit",
            Self::EightBit => "8bit",
            Self::QuotedPrintable => "quoted-printable",
            Self::Base64 => "base64",
        }
    }
}

/// Line breaks of any kind as CRLF, the canonical form of text (RFC 2046 §4.1.1).
pub(crate) fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// Plain text as `format=flowed; delsp=no` (RFC 3676 §4.2), CRLF line breaks. Spaces before
/// a hard break are trimmed (they would turn it into a soft one), except in the signature
/// separator `-- `; lines longer than [`PREFERRED_LINE`] are broken after a space near
/// [`FLOW_WIDTH`] (a word longer than that stays whole); every line that starts with a
/// space, `>` or `From ` is space-stuffed, so quotes typed by hand come back as typed and
/// `From ` survives mbox delivery.
pub(crate) fn flowed(text: &str) -> String {
    let text = crlf(text);
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut lines = text.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if last && line.is_empty() {
            break;
        }
        let line = if line == "-- " {
            line
        } else {
            line.trim_end_matches(' ')
        };
        let mut rest = line;
        while rest.chars().count() > PREFERRED_LINE {
            let Some(at) = flow_break(rest) else {
                break;
            };
            push_stuffed(&mut out, &rest[..at]);
            out.push_str("\r\n");
            rest = &rest[at..];
        }
        push_stuffed(&mut out, rest);
        out.push_str("\r\n");
    }
    out
}

/// Where to end a physical line of `line`: just after a space, as late as fits in
/// [`FLOW_WIDTH`] characters, else as early as possible. Never where the piece would read
/// as the signature separator, and never at the very end.
fn flow_break(line: &str) -> Option<usize> {
    let usable = |at: usize| at < line.len() && &line[..at] != "-- ";
    let mut best = None;
    for (chars, (i, c)) in line.char_indices().enumerate() {
        if c != ' ' || !usable(i + 1) {
            continue;
        }
        if chars < FLOW_WIDTH || best.is_none() {
            best = Some(i + 1);
        }
        if chars >= FLOW_WIDTH {
            break;
        }
    }
    best
}

fn push_stuffed(out: &mut String, line: &str) {
    if line.starts_with([' ', '>']) || line.starts_with("From ") {
        out.push(' ');
    }
    out.push_str(line);
}

/// The encoding for text already in canonical form (CRLF): as it is when it is clean
/// 7-bit, or 8-bit when the server takes that (`eight_bit`), otherwise quoted-printable, or
/// base64 when that is shorter (mostly non-Latin scripts).
pub(crate) fn text_encoding(text: &str, eight_bit: bool) -> Encoding {
    let lines_ok = text.split("\r\n").all(|l| {
        l.len() <= MAX_LINE
            && !l.starts_with("From ")
            && !l.contains('\r')
            && !l.bytes().any(|b| b != b'\t' && b.is_ascii_control())
    });
    if lines_ok && text.is_ascii() {
        return Encoding::SevenBit;
    }
    if lines_ok && eight_bit {
        return Encoding::EightBit;
    }
    let escaped = text
        .bytes()
        .filter(|&b| !(b.is_ascii_graphic() || b == b' ' || b == b'\r' || b == b'\n'))
        .count();
    // Quoted-printable costs 2 more characters per escaped byte, base64 a third of all.
    if escaped * 2 > text.len() / 3 {
        Encoding::Base64
    } else {
        Encoding::QuotedPrintable
    }
}

/// Quoted-printable (RFC 2045 §6.7) of text in canonical form: CRLF stays a hard line
/// break, lines are soft-broken at [`ENCODED_LINE`] characters without splitting an `=XX`,
/// trailing spaces and tabs are encoded, and so are a `.` or the `F` of `From ` that would
/// start a line (harmless, and it protects against careless relays and mbox files).
pub(crate) fn quoted_printable(text: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(text.len() + text.len() / 8);
    let mut lines = text.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last_line = lines.peek().is_none();
        let line = match line.strip_suffix(b"\r") {
            Some(l) if !last_line => l,
            _ => line,
        };
        let mut column = 0;
        for (i, &b) in line.iter().enumerate() {
            let end = i + 1 == line.len();
            let at_start = column == 0;
            let literal = |at_start: bool| match b {
                b'=' => false,
                b' ' | b'\t' => !end,
                b'.' => !at_start,
                b'F' => !(at_start && line[i..].starts_with(b"From ")),
                33..=126 => true,
                _ => false,
            };
            let width = if literal(at_start) { 1 } else { 3 };
            // Room for a soft break's `=` is needed unless this is the line's last byte.
            let limit = if end { ENCODED_LINE } else { ENCODED_LINE - 1 };
            let fresh = column + width > limit;
            if fresh {
                out.extend_from_slice(b"=\r\n");
                column = 0;
            }
            if literal(column == 0) {
                out.push(b);
                column += 1;
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
                column += 3;
            }
        }
        if !last_line {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Base64 in lines of [`ENCODED_LINE`] characters, CRLF between them.
pub(crate) fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    let encoded = base64::encode(bytes);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / ENCODED_LINE * 2);
    for (k, line) in encoded.chunks(ENCODED_LINE).enumerate() {
        if k > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(line);
    }
    out
}

/// `; name="value"` parameters for `value`, folded one per line: a quoted string when the
/// value is short printable ASCII, otherwise RFC 2231 `name*0*=utf-8''%XX…` continuations
/// short enough for [`PREFERRED_LINE`].
pub(crate) fn parameter(out: &mut Vec<u8>, name: &str, value: &str) {
    let plain = !value.is_empty()
        && value.len() <= 60
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.contains("=?");
    if plain {
        out.extend_from_slice(format!(";\r\n {name}=\"").as_bytes());
        for b in value.bytes() {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
        return;
    }
    // RFC 2231 §7 attribute-char: a token character (RFC 2045) other than `*`, `'`, `%`.
    let attr_char = |b: u8| b.is_ascii_graphic() && !b"*'%()<>@,;:\\\"/[]?=".contains(&b);
    let mut pieces: Vec<String> = vec![String::from("utf-8''")];
    // ` name*NN*=` plus `;` must fit with the value on one line.
    let room = PREFERRED_LINE - name.len() - 7;
    // Whole characters per piece: readers that decode each continuation on its own (against
    // RFC 2231 §4.1, but they exist) still see valid UTF-8.
    for c in value.chars() {
        let mut buf = [0u8; 4];
        let encoded: String = match c.encode_utf8(&mut buf).as_bytes() {
            [b] if attr_char(*b) => c.to_string(),
            bytes => bytes.iter().map(|b| format!("%{b:02X}")).collect(),
        };
        let full = pieces
            .last()
            .is_some_and(|p| p.len() + encoded.len() > room);
        if full {
            pieces.push(String::new());
        }
        if let Some(p) = pieces.last_mut() {
            p.push_str(&encoded);
        }
    }
    if pieces.len() == 1 {
        out.extend_from_slice(format!(";\r\n {name}*={}", pieces[0]).as_bytes());
        return;
    }
    for (k, piece) in pieces.iter().enumerate() {
        out.extend_from_slice(format!(";\r\n {name}*{k}*={piece}").as_bytes());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn flowed_known_answers() {
        assert_eq!(
            flowed("Hi,\n\nthanks.  \n-- \nAda"),
            "Hi,\r\n\r\nthanks.\r\n-- \r\nAda\r\n"
        );
        assert_eq!(
            flowed("> quoted\nFrom here\n indented\n"),
            " > quoted\r\n From here\r\n  indented\r\n"
        );
        let long = "word ".repeat(40);
        let written = flowed(long.trim_end());
        let lines: Vec<&str> = written.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= PREFERRED_LINE), "{written}");
        assert!(lines[0].ends_with(' ') && lines.len() > 2, "{written}");
        // A word longer than a line stays whole.
        let word = "x".repeat(200);
        assert_eq!(
            flowed(&format!("a {word} b")),
            format!("a \r\n{word} \r\nb\r\n")
        );
    }

    #[test]
    fn flowed_never_breaks_into_a_signature_separator() {
        let line = format!("-- {}", "y".repeat(100));
        assert_eq!(flowed(&line), format!("{line}\r\n"));
    }

    #[test]
    fn quoted_printable_known_answers() {
        assert_eq!(
            quoted_printable("Grüße\r\n".as_bytes()),
            b"Gr=C3=BC=C3=9Fe\r\n"
        );
        assert_eq!(
            quoted_printable(b"a = b \r\nend\t"),
            b"a =3D b=20\r\nend=09"
        );
        assert_eq!(quoted_printable(b".\r\nFrom x"), b"=2E\r\n=46rom x");
        let long = "é".repeat(40);
        let written = quoted_printable(long.as_bytes());
        let lines: Vec<&[u8]> = written.split(|&b| b == b'\n').collect();
        assert!(lines.iter().all(|l| l.len() <= 77), "{written:?}");
        assert!(lines.len() > 1);
    }

    #[test]
    fn encoding_choice() {
        assert_eq!(text_encoding("plain\r\n", false), Encoding::SevenBit);
        let latin = "Viele Grüße aus dem schönen Garten, bis bald\r\n";
        assert_eq!(text_encoding(latin, false), Encoding::QuotedPrintable);
        assert_eq!(text_encoding("Grüße\r\n", true), Encoding::EightBit);
        assert_eq!(
            text_encoding("日本語のテキスト\r\n", false),
            Encoding::Base64
        );
        assert_eq!(
            text_encoding(&"x".repeat(999), true),
            Encoding::QuotedPrintable
        );
        assert_eq!(
            text_encoding("From me\r\n", false),
            Encoding::QuotedPrintable
        );
        assert_eq!(text_encoding("nul\0\r\n", true), Encoding::QuotedPrintable);
    }

    #[test]
    fn rfc_2231_parameters() {
        let param = |v: &str| {
            let mut out = Vec::new();
            parameter(&mut out, "filename", v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(param("report.pdf"), ";\r\n filename=\"report.pdf\"");
        assert_eq!(param("a \"b\".txt"), ";\r\n filename=\"a \\\"b\\\".txt\"");
        assert_eq!(
            param("Grüße ☕.txt"),
            ";\r\n filename*=utf-8''Gr%C3%BC%C3%9Fe%20%E2%98%95.txt"
        );
        let long = param(&"ü".repeat(40));
        assert!(
            long.starts_with(";\r\n filename*0*=utf-8''%C3%BC"),
            "{long}"
        );
        assert!(long.contains(";\r\n filename*1*=%C3%BC"), "{long}");
        assert!(
            long.split("\r\n").all(|l| l.len() <= PREFERRED_LINE),
            "{long}"
        );
    }
}
