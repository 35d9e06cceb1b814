//! Base64 (RFC 4648 §4) for SASL, and the alphabet tables modified UTF-7 shares.

use alloc::vec::Vec;

pub(crate) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes with padding.
pub fn encode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().div_ceil(3) * 4);
    encode_into(input, STANDARD, true, &mut out);
    out
}

pub(crate) fn encode_into(input: &[u8], alphabet: &[u8; 64], pad: bool, out: &mut Vec<u8>) {
    let sym = |v: u32| alphabet[(v & 63) as usize];
    let mut chunks = input.chunks_exact(3);
    for c in &mut chunks {
        let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        out.extend_from_slice(&[sym(n >> 18), sym(n >> 12), sym(n >> 6), sym(n)]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[sym(n >> 18), sym(n >> 12)]);
            if pad {
                out.extend_from_slice(b"==");
            }
        }
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            out.extend_from_slice(&[sym(n >> 18), sym(n >> 12), sym(n >> 6)]);
            if pad {
                out.push(b'=');
            }
        }
        _ => {}
    }
}

/// Decodes, ignoring padding and ASCII whitespace; `None` on any other byte outside the
/// alphabet or on leftover bits that are not zero-length.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    decode_with(input, STANDARD)
}

pub(crate) fn decode_with(input: &[u8], alphabet: &[u8; 64]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in input {
        if b == b'=' || b.is_ascii_whitespace() {
            continue;
        }
        let v = alphabet.iter().position(|&a| a == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(encode(b"\0user\0pass"), b"AHVzZXIAcGFzcw==");
        assert_eq!(encode(b"ab"), b"YWI=");
        assert_eq!(encode(b""), b"");
        assert_eq!(decode(b"AHVzZXIAcGFzcw==").unwrap(), b"\0user\0pass");
        assert_eq!(decode(b"YWI=").unwrap(), b"ab");
        assert!(decode(b"Y!").is_none());
    }
}
