//! Header text for display: RFC 2047 encoded words and the charsets they are written in.
//!
//! UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 are decoded here. Every other charset
//! (ISO-2022-JP, Shift_JIS, GBK, Big5, EUC-KR, KOI8-R, Windows-1251, ISO-8859-2...) goes to a
//! [`Charsets`] the caller supplies: in the browser that is the WHATWG `TextDecoder`, which
//! costs the bundle nothing, whereas a charset library (encoding_rs) would add hundreds of
//! kilobytes of tables the browser already has. The engine itself stays free of web APIs so
//! that it compiles and tests natively. A charset nobody can decode is shown lossily as UTF-8.

use petrel_imap::base64;

/// Decoders for the charsets this module does not know itself.
pub trait Charsets {
    /// Decodes `bytes` written in the charset `label`, or `None` if the charset is unknown.
    /// `label` is the charset name from the mail, ASCII-lowercased and without an RFC 2231
    /// language suffix (`=?KOI8-R*ru?...` asks for `koi8-r`). It is never one of the
    /// charsets decoded here: those are tried first.
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String>;
}

/// No charsets beyond the built-in ones: what [`Engine::new`](super::Engine::new) uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltInOnly;

impl Charsets for BuiltInOnly {
    fn decode(&self, _label: &str, _bytes: &[u8]) -> Option<String> {
        None
    }
}

/// Decodes a header value: encoded words (`=?charset?B|Q?text?=`) are decoded, whitespace
/// between adjacent encoded words is dropped (RFC 2047 §6.2), and raw 8-bit bytes are read
/// as UTF-8 or, failing that, Windows-1252. Charsets other than the built-in ones are
/// decoded by `charsets`.
pub fn decode_header(raw: &[u8], charsets: &dyn Charsets) -> String {
    let mut out = String::with_capacity(raw.len());
    // Bytes of consecutive encoded words in one charset, decoded together so that a
    // multibyte character split across two words survives (RFC 2047 §5 forbids the split,
    // but mailers do it). Not for a stateful charset: see `self_contained`.
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset = String::new();
    let mut gap_start: Option<usize> = None;
    let mut i = 0;
    let mut last_was_word = false;
    while i < raw.len() {
        if let Some((charset, bytes, len)) = encoded_word(&raw[i..]) {
            if !pending.is_empty()
                && (!charset.eq_ignore_ascii_case(&pending_charset) || self_contained(&charset))
            {
                out.push_str(&decode_charset(&pending_charset, &pending, charsets));
                pending.clear();
            }
            pending_charset = charset;
            pending.extend_from_slice(&bytes);
            i += len;
            last_was_word = true;
            gap_start = None;
            continue;
        }
        let b = raw[i];
        if last_was_word && (b == b' ' || b == b'\t' || b == b'\r' || b == b'\n') {
            // Whitespace after an encoded word: dropped only if another word follows.
            gap_start.get_or_insert(i);
            i += 1;
            continue;
        }
        if !pending.is_empty() {
            out.push_str(&decode_charset(&pending_charset, &pending, charsets));
            pending.clear();
        }
        if let Some(g) = gap_start.take() {
            out.push_str(&plain(&raw[g..i]));
        }
        last_was_word = false;
        let next = raw[i + 1..]
            .windows(2)
            .position(|w| w == b"=?")
            .map_or(raw.len(), |p| i + 1 + p);
        out.push_str(&plain(&raw[i..next]));
        i = next;
    }
    if !pending.is_empty() {
        out.push_str(&decode_charset(&pending_charset, &pending, charsets));
    }
    if let Some(g) = gap_start {
        out.push_str(&plain(&raw[g..]));
    }
    unfold(&out)
}

/// Whether each encoded word in `charset` is decoded on its own rather than joined to its
/// neighbours. ISO-2022 text switches character sets with escape sequences, and every
/// ISO-2022-JP word opens with an escape to JIS X 0208 and closes with one back to ASCII
/// (RFC 1468), so joined words put two escapes side by side, which the WHATWG decoder
/// reports as an error: a "\u{fffd}" at every join. Such a word cannot hold half a
/// character, so there is nothing to join for.
fn self_contained(charset: &str) -> bool {
    let label = charset.to_ascii_lowercase();
    label.starts_with("iso-2022-") || label == "csiso2022jp"
}

/// Header folding leaves CRLF + whitespace; a person wants one space.
fn unfold(s: &str) -> String {
    if !s.contains(['\r', '\n']) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for part in s.split(['\r', '\n']).filter(|p| !p.is_empty()) {
        out.push_str(part);
    }
    out
}

fn plain(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => windows_1252(bytes),
    }
}

/// `encoded-word = "=?" charset "?" encoding "?" encoded-text "?="`; returns the charset
/// (without an RFC 2231 language suffix), the decoded bytes and the word's length.
fn encoded_word(s: &[u8]) -> Option<(String, Vec<u8>, usize)> {
    let rest = s.strip_prefix(b"=?")?;
    let q1 = rest.iter().position(|&b| b == b'?')?;
    let charset = &rest[..q1];
    let rest = &rest[q1 + 1..];
    let (&enc, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"?")?;
    let end = rest.windows(2).position(|w| w == b"?=")?;
    let text = &rest[..end];
    if text.iter().any(|&b| b == b' ' || b == b'\r' || b == b'\n') {
        return None;
    }
    let bytes = match enc {
        b'B' | b'b' => base64::decode(text)?,
        b'Q' | b'q' => q_decode(text),
        _ => return None,
    };
    let charset = std::str::from_utf8(charset).ok()?;
    let charset = charset.split('*').next().unwrap_or(charset).to_owned();
    Some((charset, bytes, 2 + q1 + 1 + 2 + end + 2))
}

/// The "Q" encoding (RFC 2047 §4.2): `_` is a space, `=XX` a byte.
fn q_decode(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let (Some(h), Some(l)) = (
                    text.get(i + 1).copied().and_then(hex),
                    text.get(i + 2).copied().and_then(hex),
                ) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The built-in charsets first (they are most of the mail, and cost no call into the
/// browser), then `charsets`, then lossy UTF-8: garbled text beats a missing subject.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8], charsets: &dyn Charsets) -> String {
    let label = charset.to_ascii_lowercase();
    match label.as_str() {
        // US-ASCII is a subset of UTF-8; 8-bit bytes in it are wrong either way.
        "utf-8" | "utf8" | "us-ascii" | "ascii" => String::from_utf8_lossy(bytes).into_owned(),
        // Mail labelled Latin-1 is very often Windows-1252 (curly quotes, the euro sign), and
        // 0x80..=0x9F are invisible controls in Latin-1: like browsers (WHATWG Encoding),
        // decode both as Windows-1252.
        "iso-8859-1" | "latin1" | "iso_8859-1" | "l1" | "windows-1252" | "cp1252" => {
            windows_1252(bytes)
        }
        _ => charsets
            .decode(browser_label(&label), bytes)
            .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// Microsoft's code-page names, common in mail from Outlook, which the WHATWG Encoding
/// standard (and so TextDecoder) does not know, mapped to the encodings they are there.
fn browser_label(label: &str) -> &str {
    match label {
        "cp932" | "ms932" | "windows-31j" => "shift_jis",
        "cp936" | "ms936" => "gbk",
        "cp949" | "ms949" | "uhc" => "euc-kr",
        "cp950" | "ms950" => "big5",
        _ => label,
    }
}

/// Windows-1252: Latin-1 except 0x80..=0x9F, which hold typographic characters.
fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => b as char,
        })
        .collect()
}

/// A stand-in for the browser's decoders in tests: known answers by exact (lowercase) label
/// and bytes, and a log of the labels asked for.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Table {
    known: Vec<(&'static str, &'static [u8], &'static str)>,
    pub(crate) asked: std::cell::RefCell<Vec<String>>,
}

#[cfg(test)]
impl Table {
    /// Shift_JIS, KOI8-R, ISO-2022-JP and GB2312, with bytes as Python's codecs encode them.
    pub(crate) fn east_and_west() -> Self {
        Self {
            known: vec![
                ("shift_jis", b"\x93\xfa\x96\x7b\x8c\xea", "日本語"),
                ("koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"),
                ("iso-2022-jp", b"\x1b$B$3$s$K$A$O\x1b(B", "こんにちは"),
                ("gb2312", b"\xd5\xc5\xc8\xfd", "张三"),
            ],
            asked: Default::default(),
        }
    }
}

#[cfg(test)]
impl Charsets for Table {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        self.asked.borrow_mut().push(label.to_owned());
        self.known
            .iter()
            .find(|(l, b, _)| *l == label && *b == bytes)
            .map(|(_, _, text)| (*text).to_owned())
    }
}

/// The browser's decoders as the WHATWG Encoding standard defines them (encoding_rs
/// implements that standard; it is a dev-dependency only), for tests that need a charset's
/// real behaviour rather than a known answer.
#[cfg(test)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Whatwg;

#[cfg(test)]
impl Charsets for Whatwg {
    fn decode(&self, label: &str, bytes: &[u8]) -> Option<String> {
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())?;
        // A label WHATWG maps to its "replacement" encoding is one TextDecoder rejects.
        if encoding == encoding_rs::REPLACEMENT {
            return None;
        }
        Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoding with the built-in charsets only.
    fn builtin(raw: &[u8]) -> String {
        decode_header(raw, &BuiltInOnly)
    }

    #[test]
    fn rfc_2047_examples() {
        assert_eq!(builtin(b"=?ISO-8859-1?Q?a?="), "a");
        assert_eq!(builtin(b"=?ISO-8859-1?Q?a?= b"), "a b");
        assert_eq!(builtin(b"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="), "ab");
        assert_eq!(
            builtin(b"=?ISO-8859-1?Q?a?=  \r\n  =?ISO-8859-1?Q?b?="),
            "ab"
        );
        assert_eq!(builtin(b"=?ISO-8859-1?Q?a_b?="), "a b");
        assert_eq!(builtin(b"=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
        assert_eq!(builtin(b"=?ISO-8859-1?Q?Andr=E9?= Pirard"), "André Pirard");
        assert_eq!(
            builtin(b"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="),
            "If you can read this yo"
        );
    }

    #[test]
    fn utf8_split_across_words_and_charsets() {
        // "Grüße" with the ü's two bytes split over two words.
        assert_eq!(
            builtin(b"=?UTF-8?Q?Gr=C3?= =?UTF-8?Q?=BC=C3=9Fe?="),
            "Grüße"
        );
        assert_eq!(builtin(b"=?utf-8?B?5pel5pys6Kqe?="), "日本語");
        assert_eq!(builtin(b"=?windows-1252?Q?=93quoted=94?="), "“quoted”");
        assert_eq!(builtin(b"=?UTF-8*en?Q?hi?="), "hi");
    }

    #[test]
    fn raw_and_malformed_text() {
        assert_eq!(builtin("Grüße".as_bytes()), "Grüße");
        assert_eq!(builtin(b"caf\xe9"), "café");
        assert_eq!(builtin(b"=?broken"), "=?broken");
        assert_eq!(builtin(b"a =?UTF-8?X?x?= b"), "a =?UTF-8?X?x?= b");
        assert_eq!(builtin(b"Re: [list]\r\n hello"), "Re: [list] hello");
    }

    #[test]
    fn other_charsets_go_to_the_seam() {
        let table = Table::east_and_west();
        assert_eq!(decode_header(b"=?shift_jis?B?k/qWe4zq?=", &table), "日本語");
        assert_eq!(
            decode_header(b"Re: =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=", &table),
            "Re: Привет"
        );
        assert_eq!(
            decode_header(b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", &table),
            "こんにちは"
        );
        // A character split over two words reaches the decoder whole, in one call.
        assert_eq!(
            decode_header(
                b"=?Shift_JIS?Q?=93=FA=96?= =?shift_jis?Q?=7B=8C=EA?=",
                &table
            ),
            "日本語"
        );
        assert_eq!(
            *table.asked.borrow(),
            ["shift_jis", "koi8-r", "iso-2022-jp", "shift_jis"]
        );
    }

    #[test]
    fn labels_are_matched_case_insensitively() {
        let table = Table::east_and_west();
        for raw in [
            &b"=?SHIFT_JIS?B?k/qWe4zq?="[..],
            b"=?Shift_JIS?B?k/qWe4zq?=",
            b"=?Shift_JIS*ja?B?k/qWe4zq?=",
        ] {
            assert_eq!(decode_header(raw, &table), "日本語");
        }
        assert_eq!(*table.asked.borrow(), ["shift_jis"; 3]);
    }

    // Regression: Outlook's `cp932` words reached TextDecoder, which rejects that label.
    #[test]
    fn microsoft_code_page_labels_reach_the_seam_by_their_standard_name() {
        let table = Table::east_and_west();
        assert_eq!(decode_header(b"=?CP932?B?k/qWe4zq?=", &table), "日本語");
        assert_eq!(*table.asked.borrow(), ["shift_jis"]);
    }

    // Regression: a Latin-1 label on Windows-1252 text showed C1 controls for quotes.
    #[test]
    fn latin1_label_decodes_as_windows_1252() {
        let table = Table::east_and_west();
        assert_eq!(
            decode_header(b"=?ISO-8859-1?Q?=93Hi=94_=80?=", &table),
            "\u{201c}Hi\u{201d} €"
        );
    }

    #[test]
    fn built_in_charsets_never_reach_the_seam() {
        let table = Table::east_and_west();
        assert_eq!(
            decode_header(b"=?Iso-8859-1?Q?Andr=E9?= =?CP1252?Q?=80?=", &table),
            "André€"
        );
        assert_eq!(decode_header(b"=?UTF-8?B?5pel5pys6Kqe?=", &table), "日本語");
        assert_eq!(decode_header(b"=?us-ascii?Q?plain?=", &table), "plain");
        assert!(table.asked.borrow().is_empty());
    }

    #[test]
    fn rejected_charset_falls_back_to_lossy_utf8() {
        let table = Table::east_and_west();
        // Unknown to the decoder, and known but with bytes it has no answer for.
        assert_eq!(
            decode_header(b"=?x-unknown?Q?caf=C3=A9_=FF?=", &table),
            "café \u{fffd}"
        );
        assert_eq!(decode_header(b"=?gb2312?Q?ok=FF?=", &table), "ok\u{fffd}");
        assert_eq!(*table.asked.borrow(), ["x-unknown", "gb2312"]);
        // Without a decoder for other charsets, they are lossy UTF-8 as well.
        assert_eq!(builtin(b"=?shift_jis?Q?ab=93?="), "ab\u{fffd}");
    }

    /// Regression: adjacent ISO-2022-JP words (how Japanese mailers write any longer subject
    /// or name) were joined before decoding, and WHATWG's decoder reports the word's closing
    /// escape to ASCII followed by the next word's opening escape as an error: a "\u{fffd}" at
    /// every join.
    #[test]
    fn adjacent_iso_2022_jp_words_are_decoded_one_by_one() {
        assert_eq!(
            decode_header(
                b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n =?iso-2022-jp?B?GyRCQCQzJhsoQg==?=",
                &Whatwg
            ),
            "こんにちは世界"
        );
        // Q-encoded, as a display name of family and given name in two words.
        assert_eq!(
            decode_header(
                b"=?ISO-2022-JP?Q?=1B$B;3ED=1B(B?= =?ISO-2022-JP?Q?=1B$BB@O:=1B(B?=",
                &Whatwg
            ),
            "山田太郎"
        );
    }

    /// Regression: subjects in charsets other than UTF-8, ASCII, Latin-1 and Windows-1252
    /// were decoded as UTF-8 and shown as replacement characters.
    #[test]
    fn non_latin_charsets_were_shown_as_garbage() {
        let table = Table::east_and_west();
        assert_eq!(
            decode_header(b"=?GB2312?B?1cXI/Q==?= <zhang@example.cn>", &table),
            "张三 <zhang@example.cn>"
        );
    }
}
