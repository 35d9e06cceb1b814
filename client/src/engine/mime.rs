//! Header text for display: RFC 2047 encoded words and the few charsets mail still uses.
//!
//! UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 are decoded here; anything else is shown
//! lossily as UTF-8. A full charset library (encoding_rs) would add hundreds of kilobytes to
//! the browser bundle for charsets that are rare in headers today.

use petrel_imap::base64;

/// Decodes a header value: encoded words (`=?charset?B|Q?text?=`) are decoded, whitespace
/// between adjacent encoded words is dropped (RFC 2047 §6.2), and raw 8-bit bytes are read
/// as UTF-8 or, failing that, Windows-1252.
pub fn decode_header(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    // Bytes of consecutive encoded words in one charset, decoded together so that a
    // multibyte character split across two words survives.
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_charset = String::new();
    let mut gap_start: Option<usize> = None;
    let mut i = 0;
    let mut last_was_word = false;
    while i < raw.len() {
        if let Some((charset, bytes, len)) = encoded_word(&raw[i..]) {
            if !pending.is_empty() && !charset.eq_ignore_ascii_case(&pending_charset) {
                out.push_str(&decode_charset(&pending_charset, &pending));
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
            out.push_str(&decode_charset(&pending_charset, &pending));
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
        out.push_str(&decode_charset(&pending_charset, &pending));
    }
    if let Some(g) = gap_start {
        out.push_str(&plain(&raw[g..]));
    }
    unfold(&out)
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

fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    let cs = charset.to_ascii_lowercase();
    match cs.as_str() {
        "iso-8859-1" | "latin1" | "iso_8859-1" | "l1" => bytes.iter().map(|&b| b as char).collect(),
        "windows-1252" | "cp1252" => windows_1252(bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2047_examples() {
        assert_eq!(decode_header(b"=?ISO-8859-1?Q?a?="), "a");
        assert_eq!(decode_header(b"=?ISO-8859-1?Q?a?= b"), "a b");
        assert_eq!(
            decode_header(b"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="),
            "ab"
        );
        assert_eq!(
            decode_header(b"=?ISO-8859-1?Q?a?=  \r\n  =?ISO-8859-1?Q?b?="),
            "ab"
        );
        assert_eq!(decode_header(b"=?ISO-8859-1?Q?a_b?="), "a b");
        assert_eq!(decode_header(b"=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
        assert_eq!(
            decode_header(b"=?ISO-8859-1?Q?Andr=E9?= Pirard"),
            "André Pirard"
        );
        assert_eq!(
            decode_header(b"=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?="),
            "If you can read this yo"
        );
    }

    #[test]
    fn utf8_split_across_words_and_charsets() {
        // "Grüße" with the ü's two bytes split over two words.
        assert_eq!(
            decode_header(b"=?UTF-8?Q?Gr=C3?= =?UTF-8?Q?=BC=C3=9Fe?="),
            "Grüße"
        );
        assert_eq!(decode_header(b"=?utf-8?B?5pel5pys6Kqe?="), "日本語");
        assert_eq!(
            decode_header(b"=?windows-1252?Q?=93quoted=94?="),
            "“quoted”"
        );
        assert_eq!(decode_header(b"=?UTF-8*en?Q?hi?="), "hi");
    }

    #[test]
    fn raw_and_malformed_text() {
        assert_eq!(decode_header("Grüße".as_bytes()), "Grüße");
        assert_eq!(decode_header(b"caf\xe9"), "café");
        assert_eq!(decode_header(b"=?broken"), "=?broken");
        assert_eq!(decode_header(b"a =?UTF-8?X?x?= b"), "a =?UTF-8?X?x?= b");
        assert_eq!(decode_header(b"Re: [list]\r\n hello"), "Re: [list] hello");
    }
}
