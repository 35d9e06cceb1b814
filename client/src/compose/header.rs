//! Header fields: folding (RFC 5322 §2.2.3), RFC 2047 encoded words, addresses, `Date` and
//! message identifiers.
//!
//! Every field is built as a list of tokens that may be separated by folding whitespace; the
//! [`Field`] writer puts them on lines of at most [`PREFERRED_LINE`] characters where it can.
//! No token is longer than an encoded word, an address (≤ [`MAX_ADDRESS`]) or a message id
//! (≤ [`MAX_MESSAGE_ID`]), so no line comes near the 998-octet hard limit.

use petrel_imap::base64;

use super::{ComposeError, Mailbox};

/// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters.
pub(crate) const PREFERRED_LINE: usize = 78;
/// RFC 2047 §2: an encoded word is at most 75 characters.
const MAX_ENCODED_WORD: usize = 75;
/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets, brackets included.
pub(crate) const MAX_ADDRESS: usize = 254;
/// Identifiers from received mail longer than this are left out of `References`.
const MAX_MESSAGE_ID: usize = 250;
/// Plain (unencoded) text words longer than this are encoded, so that they can be split.
const MAX_PLAIN_WORD: usize = 60;

/// One header field being written: `Name: token token…`, folded before a token when the line
/// would pass [`PREFERRED_LINE`].
pub(crate) struct Field<'o> {
    out: &'o mut Vec<u8>,
    /// Characters on the current line so far.
    column: usize,
    /// Whether the line holds more than the field name (folding before the first token
    /// would leave a line of only the name, which some parsers dislike).
    has_token: bool,
}

impl<'o> Field<'o> {
    pub(crate) fn new(out: &'o mut Vec<u8>, name: &str) -> Self {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b":");
        Self {
            out,
            column: name.len() + 1,
            has_token: false,
        }
    }

    /// Room left on the current line after a separating space.
    fn room(&self) -> usize {
        PREFERRED_LINE.saturating_sub(self.column + 1)
    }

    /// Appends ` token`, folding first if it would not fit on this line.
    pub(crate) fn token(&mut self, token: &str) {
        let width = token.chars().count();
        if self.has_token && self.column + 1 + width > PREFERRED_LINE {
            self.out.extend_from_slice(b"\r\n");
            self.column = 0;
        }
        self.out.push(b' ');
        self.out.extend_from_slice(token.as_bytes());
        self.column += 1 + width;
        self.has_token = true;
    }

    /// Appends unstructured text: plain words where the text allows it, otherwise encoded
    /// words for the whole of it.
    pub(crate) fn text(&mut self, text: &str) {
        if is_plain_text(text) {
            // Fold only before an existing space, so that unfolding gives back the text
            // exactly; runs of spaces stay on one line.
            let mut words = text.split(' ');
            let first = words.next().unwrap_or_default();
            self.token(first);
            for word in words {
                if word.is_empty() {
                    self.out.push(b' ');
                    self.column += 1;
                } else {
                    self.token(word);
                }
            }
        } else {
            self.encoded(text);
        }
    }

    /// Appends `text` as encoded words, each sized to the room left on its line.
    pub(crate) fn encoded(&mut self, text: &str) {
        let words = encoded_words(text, self.room(), MAX_ENCODED_WORD);
        for word in words {
            self.token(&word);
        }
    }

    /// Ends the field with CRLF.
    pub(crate) fn end(self) {
        self.out.extend_from_slice(b"\r\n");
    }
}

/// Text that may be written as it is: printable ASCII and spaces, nothing that reads as an
/// encoded word, no word too long to fold, no leading or trailing space (which a reader
/// would trim or confuse with folding).
fn is_plain_text(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !text.contains("=?")
        && !text.starts_with(' ')
        && !text.ends_with(' ')
        && text.split(' ').all(|w| w.len() <= MAX_PLAIN_WORD)
}

/// `text` as RFC 2047 encoded words in UTF-8, the first at most `first` characters long and
/// the others at most `rest`; a character is never split between two words (§5). Q is used
/// when it is shorter than B for the whole text; Q writes only letters, digits and `!*+-/`
/// literally, the set allowed in a phrase (§5(3)), so the same words serve display names.
pub(crate) fn encoded_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let q_len: usize = text.bytes().map(q_width).sum();
    let b_len = text.len().div_ceil(3) * 4;
    // Q stays readable in the raw message, so it wins unless B is clearly shorter.
    let q = q_len <= b_len + b_len / 3;
    let prefix = if q { "=?UTF-8?Q?" } else { "=?UTF-8?B?" };
    // The first word gets at least a useful size: below it, folding at once is better.
    let first = if first < 24 { rest } else { first.min(rest) };
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    let mut budget = first;
    while chars.peek().is_some() {
        let room = budget.saturating_sub(prefix.len() + 2);
        let mut bytes = Vec::new();
        while let Some(&c) = chars.peek() {
            let mut buf = [0u8; 4];
            let encoded = c.encode_utf8(&mut buf).as_bytes();
            let len = bytes.len() + encoded.len();
            let width = if q {
                bytes
                    .iter()
                    .chain(encoded)
                    .map(|&b| q_width(b))
                    .sum::<usize>()
            } else {
                len.div_ceil(3) * 4
            };
            if width > room && !bytes.is_empty() {
                break;
            }
            bytes.extend_from_slice(encoded);
            chars.next();
        }
        let mut word = String::from(prefix);
        if q {
            for &b in &bytes {
                q_push(&mut word, b);
            }
        } else {
            word.push_str(&String::from_utf8_lossy(&base64::encode(&bytes)));
        }
        word.push_str("?=");
        words.push(word);
        budget = rest;
    }
    words
}

fn q_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'!' | b'*' | b'+' | b'-' | b'/')
}

fn q_width(b: u8) -> usize {
    if q_literal(b) || b == b' ' {
        1
    } else {
        3
    }
}

fn q_push(word: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if q_literal(b) {
        word.push(char::from(b));
    } else if b == b' ' {
        word.push('_');
    } else {
        word.push('=');
        word.push(char::from(HEX[usize::from(b >> 4)]));
        word.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// RFC 5322 `atext`.
pub(crate) fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

/// A checked address, ready for a header and for the SMTP envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddrSpec {
    /// `local@domain`, the local part quoted if it is not a dot-atom.
    pub(crate) text: String,
    /// The domain as given, for the Message-ID.
    pub(crate) domain: String,
    /// Whether it holds UTF-8 (RFC 6531), which only an SMTPUTF8 server accepts.
    pub(crate) utf8: bool,
}

/// Parses `local@domain` into an [`AddrSpec`]. A local part that is not a dot-atom is
/// quoted; a domain must be a dot-atom or a `[literal]`. UTF-8 is accepted only when
/// `smtputf8`: converting a domain to punycode (IDNA) is out of scope, so without SMTPUTF8 a
/// non-ASCII address is refused rather than sent in a form the server would reject.
pub(crate) fn addr_spec(address: &str, smtputf8: bool) -> Result<AddrSpec, ComposeError> {
    let invalid = || ComposeError::InvalidAddress(address.to_owned());
    let (local, domain) = address.rsplit_once('@').ok_or_else(invalid)?;
    if local.is_empty() || domain.is_empty() || address.len() > MAX_ADDRESS {
        return Err(invalid());
    }
    let utf8 = !address.is_ascii();
    if utf8 && !smtputf8 {
        return Err(ComposeError::NeedsSmtpUtf8(address.to_owned()));
    }
    let atom_char = |c: char| !c.is_ascii() || is_atext(c as u8);
    let dot_atom = |s: &str| {
        s.split('.')
            .all(|a| !a.is_empty() && a.chars().all(atom_char))
    };
    let domain_ok = dot_atom(domain)
        || (domain.starts_with('[')
            && domain.ends_with(']')
            && domain[1..domain.len() - 1]
                .bytes()
                .all(|b| (33..=126).contains(&b) && !matches!(b, b'[' | b']' | b'\\')));
    if !domain_ok || local.chars().any(char::is_control) {
        return Err(invalid());
    }
    let text = if dot_atom(local) {
        address.to_owned()
    } else {
        format!("{}@{domain}", quoted(local))
    };
    Ok(AddrSpec {
        text,
        domain: domain.to_owned(),
        utf8,
    })
}

/// A quoted-string (RFC 5322 §3.2.4) holding `text`, which has no control characters.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Writes a list of mailboxes (`From`, `To`, `Cc`, `Reply-To`) as the tokens of `field`.
/// Names are written as atoms, as a quoted string, or as encoded words when they hold
/// anything else (non-ASCII, control characters, text that looks like an encoded word).
pub(crate) fn mailboxes(field: &mut Field<'_>, list: &[(Mailbox, AddrSpec)]) {
    for (k, (mailbox, spec)) in list.iter().enumerate() {
        let comma = if k + 1 < list.len() { "," } else { "" };
        let name = one_line(&mailbox.name);
        let name = name.trim();
        if name.is_empty() {
            field.token(&format!("{}{comma}", spec.text));
            continue;
        }
        let printable = name.bytes().all(|b| (0x20..0x7f).contains(&b));
        if printable && !name.contains("=?") && name.len() <= MAX_PLAIN_WORD {
            let atoms = name
                .split(' ')
                .all(|w| !w.is_empty() && w.bytes().all(is_atext));
            field.token(&if atoms { name.to_owned() } else { quoted(name) });
        } else {
            field.encoded(name);
        }
        field.token(&format!("<{}>{comma}", spec.text));
    }
}

/// Header text is one line: line breaks become spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

/// The `Date` value (RFC 5322 §3.3) for `unix` seconds at `offset` minutes east of UTC:
/// `Mon, 07 Dec 2026 04:57:08 +0100`.
pub(crate) fn date(unix: i64, offset: i16) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = unix + i64::from(offset) * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.unsigned_abs();
    format!(
        "{weekday}, {day:02} {} {year:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60,
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian
/// (year, month, day); the inverse of the parser's `days_from_civil`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A message identifier from received mail (`<id>` or `id`) as `<id>`, or `None` if it
/// cannot be written as one token of printable ASCII. Such an id is left out: the reply
/// still goes out, only less well threaded.
pub(crate) fn message_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    let ok = !id.is_empty()
        && id.len() <= MAX_MESSAGE_ID
        && id
            .bytes()
            .all(|b| (33..=126).contains(&b) && b != b'<' && b != b'>');
    ok.then(|| format!("<{id}>"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::mime::{decode_header, BuiltInOnly};

    fn field(name: &str, f: impl FnOnce(&mut Field<'_>)) -> String {
        let mut out = Vec::new();
        let mut field = Field::new(&mut out, name);
        f(&mut field);
        field.end();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_subjects_fold_before_spaces() {
        assert_eq!(field("Subject", |f| f.text("Hello")), "Subject: Hello\r\n");
        let long = "word ".repeat(30);
        let long = long.trim_end();
        let written = field("Subject", |f| f.text(long));
        assert!(
            written.lines().all(|l| l.len() <= PREFERRED_LINE),
            "{written}"
        );
        assert_eq!(
            written.replace("\r\n", "").trim_end(),
            format!("Subject: {long}")
        );
        // Runs of spaces survive unfolding.
        let written = field("Subject", |f| f.text("a   b"));
        assert_eq!(written, "Subject: a   b\r\n");
    }

    #[test]
    fn rfc_2047_known_answers() {
        assert_eq!(
            field("Subject", |f| f.text("Grüße")),
            "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
        );
        assert_eq!(
            field("Subject", |f| f.text("日本語")),
            "Subject: =?UTF-8?B?5pel5pys6Kqe?=\r\n"
        );
        // Text that reads as an encoded word is encoded itself.
        assert_eq!(
            field("Subject", |f| f.text("=?x?")),
            "Subject: =?UTF-8?Q?=3D=3Fx=3F?=\r\n"
        );
    }

    #[test]
    fn encoded_words_are_short_and_keep_characters_whole() {
        let text = "Ünïcödé ✉ 日本語のテキスト ".repeat(12);
        for (first, rest) in [(69, 75), (10, 75), (75, 40)] {
            let words = encoded_words(&text, first, rest);
            for w in &words {
                assert!(w.len() <= 75, "{w}");
                // Each word decodes on its own: no character is split.
                assert!(!decode_header(w.as_bytes(), &BuiltInOnly).contains('\u{fffd}'));
            }
            assert_eq!(
                decode_header(words.join(" ").as_bytes(), &BuiltInOnly),
                text
            );
        }
    }

    #[test]
    fn addresses() {
        let spec = |a: &str| addr_spec(a, false).map(|s| s.text);
        assert_eq!(spec("ada@example.org").unwrap(), "ada@example.org");
        assert_eq!(spec("a b@example.org").unwrap(), "\"a b\"@example.org");
        assert_eq!(spec("x@[127.0.0.1]").unwrap(), "x@[127.0.0.1]");
        assert_eq!(
            spec("nobody"),
            Err(ComposeError::InvalidAddress("nobody".into()))
        );
        assert_eq!(
            spec("a@b..c"),
            Err(ComposeError::InvalidAddress("a@b..c".into()))
        );
        assert_eq!(
            spec("jörg@bücher.de"),
            Err(ComposeError::NeedsSmtpUtf8("jörg@bücher.de".into()))
        );
        let utf8 = addr_spec("jörg@bücher.de", true).unwrap();
        assert!(utf8.utf8);
        assert_eq!(utf8.domain, "bücher.de");

        let list = |names: &[(&str, &str)]| {
            let list: Vec<_> = names
                .iter()
                .map(|(n, a)| {
                    let m = Mailbox {
                        name: (*n).into(),
                        address: (*a).into(),
                    };
                    let s = addr_spec(a, false).unwrap();
                    (m, s)
                })
                .collect();
            field("To", |f| mailboxes(f, &list))
        };
        assert_eq!(
            list(&[("Ada Lovelace", "ada@x.org"), ("", "b@x.org")]),
            "To: Ada Lovelace <ada@x.org>, b@x.org\r\n"
        );
        assert_eq!(
            list(&[("Doe, \"J\"", "j@x.org")]),
            "To: \"Doe, \\\"J\\\"\" <j@x.org>\r\n"
        );
        assert_eq!(
            list(&[("Jörg", "j@x.org")]),
            "To: =?UTF-8?Q?J=C3=B6rg?= <j@x.org>\r\n"
        );
    }

    #[test]
    fn dates_with_offsets() {
        // 2024-03-01 09:00:00 UTC, a Friday.
        assert_eq!(date(1_709_283_600, 0), "Fri, 01 Mar 2024 09:00:00 +0000");
        assert_eq!(date(1_709_283_600, 60), "Fri, 01 Mar 2024 10:00:00 +0100");
        assert_eq!(date(1_709_283_600, -570), "Thu, 29 Feb 2024 23:30:00 -0930");
        assert_eq!(date(0, 0), "Thu, 01 Jan 1970 00:00:00 +0000");
        for unix in [0, 951_782_400, 1_709_283_600, 4_102_444_800] {
            for offset in [-720, -90, 0, 345, 840] {
                let text = date(unix, offset);
                assert_eq!(
                    crate::engine::message::parse_date(&text),
                    Some(unix),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn message_ids() {
        assert_eq!(message_id("<a@b>").as_deref(), Some("<a@b>"));
        assert_eq!(message_id("a@b").as_deref(), Some("<a@b>"));
        assert_eq!(message_id("a b@c"), None);
        assert_eq!(message_id(""), None);
        assert_eq!(message_id(&"x".repeat(300)), None);
    }
}
