//! Configurable bounds on what the reply parser accepts from a server.

/// Limits on one reply. Exceeding one is a typed error ([`crate::ReplyError`]); the
/// parser's memory is bounded by `max_line * max_lines` whatever the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest reply line, CRLF included. RFC 5321 §4.5.3.1.5 allows 512 octets; real
    /// servers stay near that, and the default leaves room for long rejection texts.
    pub max_line: usize,
    /// Most lines in one multi-line reply. An EHLO reply has one per extension (Postfix
    /// sends about a dozen).
    pub max_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line: 4096,
            max_lines: 256,
        }
    }
}
