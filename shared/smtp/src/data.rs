//! The message on the wire: CRLF line ends, dot-stuffing for `DATA` (RFC 5321 §4.5.2), and
//! the end-of-data marker `CRLF.CRLF`.
//!
//! [`Stuffer`] works on a stream: it is fed the message in any pieces and keeps two bits of
//! state between them (at the start of a line; a CR waiting to see whether LF follows), so the
//! output is the same however the message is split, in one pass. Every line end becomes CRLF:
//! a bare LF, and a bare CR too, since RFC 5321 §2.3.8 lets CR and LF appear only together
//! and servers either refuse bare ones or read them differently from the client (the root of
//! SMTP smuggling).

use alloc::vec::Vec;

/// Writes a message as `DATA` (dot-stuffed, ending with `.CRLF`) or as `BDAT` content
/// (CRLF line ends only). See the module docs.
#[derive(Debug, Clone)]
pub struct Stuffer {
    stuff_dots: bool,
    at_line_start: bool,
    pending_cr: bool,
}

impl Stuffer {
    /// For `DATA`: dot-stuffed, and [`Stuffer::finish`] writes the end-of-data line.
    pub fn data() -> Self {
        Self {
            stuff_dots: true,
            at_line_start: true,
            pending_cr: false,
        }
    }

    /// For `BDAT` (RFC 3030), whose chunks are counted, not terminated: line ends only.
    pub fn line_ends_only() -> Self {
        Self {
            stuff_dots: false,
            ..Self::data()
        }
    }

    /// Writes the next piece of the message to `out`.
    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        while let Some(&first) = input.first() {
            if self.pending_cr {
                self.pending_cr = false;
                out.extend_from_slice(b"\r\n");
                self.at_line_start = true;
                if first == b'\n' {
                    input = &input[1..];
                    continue;
                }
            }
            let end = memchr::memchr2(b'\r', b'\n', input).unwrap_or(input.len());
            let (run, rest) = input.split_at(end);
            if let Some(&b) = run.first() {
                if self.at_line_start && self.stuff_dots && b == b'.' {
                    out.push(b'.');
                }
                out.extend_from_slice(run);
                self.at_line_start = false;
            }
            match rest.first() {
                None => return,
                Some(b'\r') => self.pending_cr = true,
                Some(_) => {
                    out.extend_from_slice(b"\r\n");
                    self.at_line_start = true;
                }
            }
            input = &rest[1..];
        }
    }

    /// Ends the message: a last line without a line end gets CRLF, and for `DATA` the
    /// end-of-data line `.CRLF` follows.
    pub fn finish(self, out: &mut Vec<u8>) {
        if self.pending_cr || !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        if self.stuff_dots {
            out.extend_from_slice(b".\r\n");
        }
    }
}

/// The whole message as `DATA` sends it, the end-of-data line included.
pub fn stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 5);
    let mut stuffer = Stuffer::data();
    stuffer.push(message, &mut out);
    stuffer.finish(&mut out);
    out
}

/// The whole message with CRLF line ends and a CRLF after its last line, as `BDAT` sends it
/// and as the server stores it.
pub fn normalise(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 2);
    let mut stuffer = Stuffer::line_ends_only();
    stuffer.push(message, &mut out);
    stuffer.finish(&mut out);
    out
}

/// What a server makes of `DATA`'s bytes: the message, or `None` if they are not a
/// well-formed stuffed message (a line end other than CRLF, no end-of-data line, or bytes
/// after it). For test servers and tests.
pub fn unstuff(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    loop {
        let lf = memchr::memchr(b'\n', rest)?;
        let (line, after) = (&rest[..lf], &rest[lf + 1..]);
        let line = line.strip_suffix(b"\r")?;
        if line.contains(&b'\r') {
            return None;
        }
        if line == b"." {
            return after.is_empty().then_some(out);
        }
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        out.extend_from_slice(b"\r\n");
        rest = after;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b".\r\n"),
            (b"Hi\r\n", b"Hi\r\n.\r\n"),
            (b"Hi", b"Hi\r\n.\r\n"),
            (b".\r\n", b"..\r\n.\r\n"),
            (b"a\n.\nb\n", b"a\r\n..\r\nb\r\n.\r\n"),
            (b"..x\r\n.", b"...x\r\n..\r\n.\r\n"),
            (b"a\rb", b"a\r\nb\r\n.\r\n"),
            (b"a\r\r\n", b"a\r\n\r\n.\r\n"),
            (b"x.\r\n. y", b"x.\r\n.. y\r\n.\r\n"),
        ];
        for (message, wire) in cases {
            assert_eq!(stuff(message), *wire, "{:?}", core::str::from_utf8(message));
            for split in 0..=message.len() {
                let mut out = Vec::new();
                let mut s = Stuffer::data();
                s.push(&message[..split], &mut out);
                s.push(&message[split..], &mut out);
                s.finish(&mut out);
                assert_eq!(out, *wire, "split at {split}");
            }
        }
        assert_eq!(normalise(b".a\nb"), b".a\r\nb\r\n");
        assert_eq!(normalise(b""), b"");
    }

    #[test]
    fn unstuff_reads_back_and_refuses_broken_data() {
        assert_eq!(unstuff(b"..x\r\ny\r\n.\r\n").unwrap(), b".x\r\ny\r\n");
        assert_eq!(unstuff(b".\r\n").unwrap(), b"");
        assert!(unstuff(b"x\r\n").is_none());
        assert!(unstuff(b"x\n.\r\n").is_none());
        assert!(unstuff(b"x\r\n.\r\nmore").is_none());
    }
}
