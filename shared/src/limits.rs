//! Configurable bounds on what the decoder accepts from a server.

/// Limits on one response. Exceeding one is a typed error ([`crate::DecodeError`]); nothing
/// a server announces is allocated before it has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line (between literals), CRLF included.
    pub max_line: usize,
    /// Largest literal.
    pub max_literal: u64,
    /// Deepest nesting of parenthesised lists (body structures nest).
    pub max_depth: usize,
    /// Most elements in one list (flags, SEARCH numbers, addresses...).
    pub max_list: usize,
    /// Largest response: its lines and literals together, CRLFs included. Without it, a
    /// response of many small pieces (lines joined by literals) grows without bound while
    /// each piece stays within `max_line` and `max_literal`.
    pub max_message: usize,
}

impl Default for Limits {
    /// Generous enough for a 1,000,000-UID SEARCH line and a 64 MiB message body.
    fn default() -> Self {
        Self {
            max_line: 16 * 1024 * 1024,
            max_literal: 64 * 1024 * 1024,
            max_depth: 32,
            max_list: 2_000_000,
            // The largest literal plus one longest line: a FETCH of a whole 64 MiB message
            // with its metadata (ENVELOPE, BODYSTRUCTURE, FLAGS...) on the line around it.
            // Literals that split one message (BODY[HEADER] and BODY[TEXT]) fit together.
            // This bounds the decoder's buffer for one response to about 80 MiB.
            max_message: 64 * 1024 * 1024 + 16 * 1024 * 1024,
        }
    }
}
