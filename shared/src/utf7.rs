//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself,
//! `&` is `&-`, anything else is UTF-16 in base64 with `,` for `/` between `&` and `-`.

use alloc::string::String;
use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Decodes a modified UTF-7 name; `None` if it is not valid modified UTF-7 (the caller then
/// shows the name as it is: servers with UTF8=ACCEPT send UTF-8).
pub fn decode(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'&' {
            if !(0x20..0x7f).contains(&b) {
                return None;
            }
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        let end = rest.iter().position(|&c| c == b'-')?;
        if end == 0 {
            out.push('&');
        } else {
            let raw = crate::base64::decode_with(&rest[..end], ALPHABET)?;
            if raw.len() % 2 != 0 {
                return None;
            }
            let units = raw
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            for c in char::decode_utf16(units) {
                out.push(c.ok()?);
            }
        }
        i += end + 2;
    }
    Some(out)
}

/// Encodes a name as modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = Vec::with_capacity(name.len());
    let mut pending: Vec<u8> = Vec::new();
    let flush = |pending: &mut Vec<u8>, out: &mut Vec<u8>| {
        if !pending.is_empty() {
            out.push(b'&');
            crate::base64::encode_into(pending, ALPHABET, false, out);
            out.push(b'-');
            pending.clear();
        }
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.extend_from_slice(b"&-");
            } else {
                out.push(c as u8);
            }
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                pending.extend_from_slice(&unit.to_be_bytes());
            }
        }
    }
    flush(&mut pending, &mut out);
    // Only ASCII bytes were written above.
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_3501_examples() {
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").unwrap(),
            "~peter/mail/台北/日本語"
        );
        assert_eq!(
            encode("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(decode("Tom &- Jerry").unwrap(), "Tom & Jerry");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Entw&APw-rfe").unwrap(), "Entwürfe");
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        assert!(decode("bad&AP").is_none());
    }
}
