//! Finds the boundaries of complete response messages in a byte stream before any grammar
//! is parsed: CRLF-terminated lines, each possibly ending in a `{n}` / `{n+}` / `~{n}`
//! literal announcement whose `n` bytes belong to the same message. A `{n}` is taken for an
//! announcement only where the grammar allows a literal: not at the end of a status
//! response's or a continuation request's text (see `Context`).
//!
//! Work is linear in the input: the scan position survives between chunks, so a long line
//! fed in small chunks is never rescanned, and inside a literal each chunk costs O(1) (the
//! framer only counts down). A message that breaks a limit is reported once and then
//! skipped up to the end of its line, so the caller can go on with the next message.

use alloc::vec::Vec;
use core::fmt;

use crate::types::core::is_atom_char;
use crate::Limits;

/// Why the framer rejected a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A line grew past [`Limits::max_line`]; the rest of it is skipped.
    LineTooLong { limit: usize },
    /// A literal announced more than [`Limits::max_literal`]; its bytes and the rest of the
    /// message's line are skipped.
    LiteralTooLarge { size: u64, limit: u64 },
    /// One message (its lines and literals together) grew, or would grow by an announced
    /// literal, past [`Limits::max_message`]; the rest of it is skipped.
    MessageTooLarge { limit: usize },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
            FrameError::LiteralTooLarge { size, limit } => {
                write!(f, "literal of {size} bytes exceeds the limit of {limit}")
            }
            FrameError::MessageTooLarge { limit } => {
                write!(f, "response larger than the limit of {limit} bytes")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Scanning for the LF that ends the current line.
    Line,
    /// Inside a literal; this many bytes still belong to it.
    Literal(u64),
    /// Passing over a rejected literal's bytes, then the rest of its line.
    SkipLiteral(u64),
    /// Passing over everything up to and including the next LF.
    SkipLine,
}

/// Which side's messages a [`Scanner`] reads: where a `{n}` can announce a literal depends
/// on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Server responses (RFC 9051 §7).
    Responses,
    /// Client commands (RFC 9051 §6), for [`crate::decode_command`].
    Commands,
}

impl Direction {
    /// Where the scan of a new message starts.
    fn start(self) -> Context {
        match self {
            Direction::Responses => Context::Start,
            // No command holds free text: every string, and so every `{n}` at a line's end,
            // is a literal (`astring`, `string`, `literal8` in RFC 9051 §9).
            Direction::Commands => Context::Data,
        }
    }
}

/// How far the scan has read into the current response's grammar, as far as that decides
/// whether a `{n}` at the end of one of its lines announces a literal.
///
/// A literal is one form of a string (RFC 9051 §4.3). The text of a status response and of a
/// continuation request (RFC 9051 §9):
///
/// ```text
/// response-tagged = tag SP resp-cond-state CRLF
/// resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
/// resp-cond-auth  = ("OK" / "PREAUTH") SP resp-text      ; greeting
/// resp-cond-bye   = "BYE" SP resp-text
/// continue-req    = "+" SP (resp-text / base64) CRLF
/// resp-text       = ["[" resp-text-code "]" SP] [text]
/// text            = 1*TEXT-CHAR                           ; no CR, no LF
/// ```
///
/// holds no CRLF, so a `{4}` at its end is text (a real server sent `A1 OK done{4}`), and
/// taking it for an announcement would swallow the next response. Inside `resp-text`, only a
/// response code's arguments may hold a string: RFC 3501 has
/// `"BADCHARSET" [SP "(" astring *(SP astring) ")"]` (its erratum 261 and RFC 9051 narrowed
/// it to `charset = atom / quoted`, but the decoder reads RFC 3501's astring, literal
/// included). So a `{n}` at a line's end is an announcement when the line ends in the
/// arguments of a code (after `[NAME SP`, before the `]`), and text anywhere else in a status
/// response. The first `]` ends the code: charset names hold no `]`, and counting quotes
/// instead would misread a generic code (`atom SP 1*<TEXT-CHAR except "]">`) whose text holds
/// a lone `"`.
///
/// Every other response (FETCH, LIST, STATUS, ESEARCH...) may announce a literal at the end
/// of any of its lines, and so may a message that cannot be told apart as a status response
/// (a line without a space), which is read as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Nothing of the message read yet.
    Start,
    /// In the tag, up to the space after it.
    Tag,
    /// In the word after the tag or `*` (leading spaces skipped): `len` atom characters,
    /// the first seven (`PREAUTH`, the longest status word) kept in `word`.
    Word { word: [u8; 7], len: usize },
    /// After a status word or `+`: spaces, then the start of `resp-text`.
    TextStart,
    /// After the `[` opening `resp-text`: the response code's name, `named` once it has a
    /// character.
    CodeName { named: bool },
    /// In a response code's arguments, up to its `]`: the one place in a status response
    /// where a literal can be.
    CodeArgs,
    /// In the text of a status response or continuation request: no literal.
    Text,
    /// In a message that may announce a literal at the end of any line.
    Data,
}

impl Context {
    /// Reads the next bytes of the message's lines (never its literals' contents, never the
    /// LF). Once the context is settled this costs nothing, and before that each byte is
    /// looked at once, so the scan stays linear however the bytes are chunked.
    #[inline]
    fn read(&mut self, bytes: &[u8]) {
        // Settled for most lines: this test is all they cost, without a call.
        if !matches!(self, Context::Text | Context::Data) {
            self.read_unsettled(bytes);
        }
    }

    fn read_unsettled(&mut self, mut bytes: &[u8]) {
        loop {
            match *self {
                Context::Text | Context::Data => return,
                // The most frequent responses (FETCH, EXISTS, EXPUNGE) in one step rather
                // than three.
                Context::Start if matches!(bytes, [b'*', b' ', d, ..] if d.is_ascii_digit()) => {
                    *self = Context::Data;
                    return;
                }
                Context::Tag => {
                    let Some(at) = memchr::memchr(b' ', bytes) else {
                        return;
                    };
                    bytes = &bytes[at + 1..];
                    *self = Context::Word {
                        word: [0; 7],
                        len: 0,
                    };
                }
                Context::CodeArgs => {
                    let Some(at) = memchr::memchr(b']', bytes) else {
                        return;
                    };
                    bytes = &bytes[at + 1..];
                    *self = Context::Text;
                }
                _ => {
                    let Some((&b, rest)) = bytes.split_first() else {
                        return;
                    };
                    bytes = rest;
                    *self = self.after(b);
                }
            }
        }
    }

    /// The context after one more byte, in the states that look at single bytes.
    fn after(self, b: u8) -> Context {
        match self {
            Context::Start => match b {
                // `continue-req`; a tag never holds `+`.
                b'+' => Context::TextStart,
                // Untagged; the decoder allows any number of spaces after the `*`.
                b'*' | b' ' => Context::Word {
                    word: [0; 7],
                    len: 0,
                },
                _ => Context::Tag,
            },
            Context::Word { mut word, len } => {
                if len == 0 && b.is_ascii_digit() {
                    // A message number (`* 3 EXISTS`): no status word starts with a digit.
                    Context::Data
                } else if is_atom_char(b) {
                    match word.get_mut(len) {
                        Some(slot) => {
                            *slot = b;
                            Context::Word { word, len: len + 1 }
                        }
                        // Longer than any status word.
                        None => Context::Data,
                    }
                } else if len == 0 && b == b' ' {
                    self
                } else if is_status_word(&word[..len]) {
                    // The decoder reads the word as an atom, so whatever follows it (a space,
                    // or leniently none) begins `resp-text`.
                    Context::TextStart.after(b)
                } else {
                    Context::Data
                }
            }
            Context::TextStart => match b {
                b' ' => Context::TextStart,
                b'[' => Context::CodeName { named: false },
                _ => Context::Text,
            },
            Context::CodeName { named } => {
                if is_atom_char(b) {
                    Context::CodeName { named: true }
                } else if named && matches!(b, b' ' | b'(') {
                    // `SP` per the ABNF; `(` because the decoder leniently reads
                    // `[BADCHARSET(...)]` too.
                    Context::CodeArgs
                } else {
                    // `]` (a code without arguments) or a malformed code, which the decoder
                    // reads as text.
                    Context::Text
                }
            }
            Context::Tag | Context::CodeArgs | Context::Text | Context::Data => self,
        }
    }

    /// Whether a `{n}` at the end of the line read so far announces a literal.
    fn allows_literal(self) -> bool {
        !matches!(
            self,
            Context::TextStart | Context::CodeName { .. } | Context::Text
        )
    }

    /// The context after a literal: a code's arguments go on; anything else that allowed a
    /// literal is data from here on.
    fn after_literal(self) -> Context {
        match self {
            Context::CodeArgs => Context::CodeArgs,
            _ => Context::Data,
        }
    }
}

/// The words that open a status response after its tag or `*`, in any case.
fn is_status_word(word: &[u8]) -> bool {
    ["OK", "NO", "BAD", "BYE", "PREAUTH"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w.as_bytes()))
}

/// What one scanning step found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A complete message at `buf[start..end]`.
    Message(usize, usize),
    /// A message broke a limit; its bytes are being passed over.
    Error(FrameError),
    /// The buffer ends inside a message.
    NeedMore,
}

/// The framing state machine over a buffer it does not own: the [`Framer`] runs it over its
/// growing `Vec`, [`crate::SliceDecoder`] over the caller's slice. Everything before `start`
/// is finished with (returned or passed over) and may be dropped by the buffer's owner.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    /// Start of the current (incomplete) message.
    pub(crate) start: usize,
    /// Start of the current line within the message (after the last literal).
    line_start: usize,
    /// Everything before this has been scanned.
    pos: usize,
    state: State,
    /// The last bytes of a line being passed over, to spot a literal announcement at its end.
    tail: [u8; 24],
    tail_len: usize,
    direction: Direction,
    /// Where the current message stands in its grammar, read up to `pos`.
    context: Context,
    limits: Limits,
}

impl Scanner {
    /// A scanner of server responses.
    pub(crate) fn responses(limits: Limits) -> Self {
        Self::new(Direction::Responses, limits)
    }

    /// A scanner of client commands.
    pub(crate) fn commands(limits: Limits) -> Self {
        Self::new(Direction::Commands, limits)
    }

    fn new(direction: Direction, limits: Limits) -> Self {
        Self {
            start: 0,
            line_start: 0,
            pos: 0,
            state: State::Line,
            tail: [0; 24],
            tail_len: 0,
            direction,
            context: direction.start(),
            limits,
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The owner dropped the first `n` bytes of the buffer (all before `start`).
    pub(crate) fn shift(&mut self, n: usize) {
        self.start -= n;
        self.line_start -= n;
        self.pos -= n;
    }

    /// Scans `buf` (the same buffer as before, possibly longer or shifted) onwards from
    /// where the last step stopped.
    pub(crate) fn step(&mut self, buf: &[u8]) -> Step {
        loop {
            match self.state {
                State::Line => {
                    let from = self.pos;
                    let found = memchr::memchr(b'\n', &buf[from..]);
                    self.context
                        .read(&buf[from..found.map_or(buf.len(), |off| from + off)]);
                    let Some(off) = found else {
                        self.pos = buf.len();
                        if let Some(e) = self.over_limit() {
                            self.tail_len = 0;
                            let keep = self
                                .line_start
                                .max(self.pos.saturating_sub(self.tail.len()));
                            self.remember_tail(&buf[keep..self.pos]);
                            self.pass_over(State::SkipLine);
                            return Step::Error(e);
                        }
                        return Step::NeedMore;
                    };
                    let lf = from + off;
                    self.pos = lf + 1;
                    let announced = self.announced(&buf[self.line_start..lf]);
                    if let Some(e) = self.over_limit() {
                        // As when the line arrives in pieces (see `SkipLine`): a literal it
                        // announces is part of the message and is passed over too.
                        let next = match announced {
                            Some(n) => State::SkipLiteral(n),
                            None => State::Line,
                        };
                        self.pass_over(next);
                        return Step::Error(e);
                    }
                    match announced {
                        Some(n) if n > self.limits.max_literal => {
                            self.pass_over(State::SkipLiteral(n));
                            return Step::Error(FrameError::LiteralTooLarge {
                                size: n,
                                limit: self.limits.max_literal,
                            });
                        }
                        // Rejected at the announcement, before any of its bytes are kept:
                        // the literal would take the message past its limit.
                        Some(n)
                            if ((self.pos - self.start) as u64).saturating_add(n)
                                > self.max_message() =>
                        {
                            self.pass_over(State::SkipLiteral(n));
                            return Step::Error(FrameError::MessageTooLarge {
                                limit: self.limits.max_message,
                            });
                        }
                        Some(n) => self.state = State::Literal(n),
                        None => {
                            let start = self.start;
                            self.pass_over(State::Line);
                            return Step::Message(start, self.pos);
                        }
                    }
                }
                State::Literal(left) => {
                    let avail = (buf.len() - self.pos) as u64;
                    if avail < left {
                        self.pos = buf.len();
                        self.state = State::Literal(left - avail);
                        return Step::NeedMore;
                    }
                    // `left <= avail`, which is a usize.
                    self.pos += left as usize;
                    self.line_start = self.pos;
                    self.state = State::Line;
                }
                State::SkipLiteral(left) => {
                    let avail = (buf.len() - self.pos) as u64;
                    let n = avail.min(left);
                    self.pos += n as usize;
                    if n < left {
                        self.pass_over(State::SkipLiteral(left - n));
                        return Step::NeedMore;
                    }
                    self.tail_len = 0;
                    self.pass_over(State::SkipLine);
                }
                State::SkipLine => {
                    let from = self.pos;
                    match memchr::memchr(b'\n', &buf[from..]) {
                        None => {
                            self.pos = buf.len();
                            self.context.read(&buf[from..]);
                            self.remember_tail(&buf[from..]);
                            self.pass_over(State::SkipLine);
                            return Step::NeedMore;
                        }
                        Some(off) => {
                            let lf = from + off;
                            self.context.read(&buf[from..lf]);
                            self.remember_tail(&buf[from..lf]);
                            self.pos = lf + 1;
                            let tail = self.tail;
                            let next = match self.announced(&tail[..self.tail_len]) {
                                Some(n) => State::SkipLiteral(n),
                                None => State::Line,
                            };
                            self.pass_over(next);
                        }
                    }
                }
            }
        }
    }

    /// The error for a limit that the scan up to `pos` (within a line) has broken: the line's
    /// or the message's, whichever limit the stream crossed first. Deciding by the byte
    /// where a limit is crossed, not by where a chunk happens to end, keeps the result the
    /// same in any chunking.
    fn over_limit(&self) -> Option<FrameError> {
        let line_end = self.line_start.saturating_add(self.limits.max_line);
        let message_end = self.start.saturating_add(self.limits.max_message);
        if self.pos > line_end && line_end <= message_end {
            Some(FrameError::LineTooLong {
                limit: self.limits.max_line,
            })
        } else if self.pos > message_end {
            Some(FrameError::MessageTooLarge {
                limit: self.limits.max_message,
            })
        } else {
            None
        }
    }

    fn max_message(&self) -> u64 {
        // usize is at most 64 bits on every target Rust supports.
        u64::try_from(self.limits.max_message).unwrap_or(u64::MAX)
    }

    /// The literal announced at the end of `line`, the end of the current line, if the
    /// grammar allows one there; the context then moves past the literal.
    fn announced(&mut self, line: &[u8]) -> Option<u64> {
        if !self.context.allows_literal() {
            return None;
        }
        let n = literal_announcement(line)?;
        self.context = self.context.after_literal();
        Some(n)
    }

    /// Everything scanned so far is finished with; go on in `state` (in `State::Line`, with a
    /// new message).
    fn pass_over(&mut self, state: State) {
        self.start = self.pos;
        self.line_start = self.pos;
        self.state = state;
        if state == State::Line {
            self.context = self.direction.start();
        }
    }

    /// Keeps the last bytes of a line being passed over in `tail`.
    fn remember_tail(&mut self, new: &[u8]) {
        let cap = self.tail.len();
        if new.len() >= cap {
            self.tail.copy_from_slice(&new[new.len() - cap..]);
            self.tail_len = cap;
        } else {
            let keep = (cap - new.len()).min(self.tail_len);
            self.tail
                .copy_within(self.tail_len - keep..self.tail_len, 0);
            self.tail[keep..keep + new.len()].copy_from_slice(new);
            self.tail_len = keep + new.len();
        }
    }
}

/// The framer: feed bytes with [`Framer::feed`], take messages with [`Framer::next`].
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    scanner: Scanner,
    /// Whether the last `next` handed out a message (which ends at the scanner's `start`).
    taken: bool,
}

impl Framer {
    pub fn new(limits: Limits) -> Self {
        Self {
            buf: Vec::new(),
            scanner: Scanner::responses(limits),
            taken: false,
        }
    }

    pub fn limits(&self) -> &Limits {
        self.scanner.limits()
    }

    /// Appends received bytes, in any chunking.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.release_taken();
        // Compact only when the finished prefix is at least as large as what is still live,
        // so every byte is moved a bounded number of times (a long line fed in small chunks
        // is not moved on every feed), and never when nothing more arrives.
        let dead = self.scanner.start;
        if dead > 0 && dead >= self.buf.len() - dead {
            self.buf.drain(..dead);
            self.scanner.shift(dead);
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet returned as messages.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.scanner.start
    }

    /// The next complete message (CRLF and literals included), or the error of one that broke
    /// a limit (its bytes are passed over). `None` means more bytes are needed.
    // Not an `Iterator`: each message borrows the framer's buffer until the next call.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<&[u8], FrameError>> {
        self.release_taken();
        match self.scanner.step(&self.buf) {
            Step::Message(start, end) => {
                self.taken = true;
                Some(Ok(&self.buf[start..end]))
            }
            Step::Error(e) => Some(Err(e)),
            Step::NeedMore => {
                // Bytes passed over are not kept.
                if self.scanner.start == self.buf.len() {
                    self.buf.clear();
                    self.scanner.shift(self.scanner.start);
                }
                None
            }
        }
    }

    /// Forgets the message handed out last: it ends at the scanner's `start`, so only the
    /// bookkeeping changes; the bytes go at the next compaction in [`Framer::feed`], or at
    /// once when nothing else is buffered.
    fn release_taken(&mut self) {
        if core::mem::take(&mut self.taken) && self.scanner.start == self.buf.len() {
            self.buf.clear();
            self.scanner.shift(self.scanner.start);
        }
    }
}

/// If `line` (without its LF) ends with `{n}`, `{n+}` or `{n-}` (optionally followed by CR),
/// returns `n`. Literal8 `~{n}` is covered because the `~` precedes the brace.
fn literal_announcement(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let inner = inner
        .strip_suffix(b"+")
        .or_else(|| inner.strip_suffix(b"-"))
        .unwrap_or(inner);
    // Only the end of the line can hold the announcement; looking further back would make a
    // long line ending in `}` cost a second pass.
    let window = &inner[inner.len().saturating_sub(24)..];
    let open = window.iter().rposition(|&b| b == b'{')?;
    let digits = &window[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Saturating: an absurd announcement must still be rejected as too large.
    Some(digits.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use alloc::vec::Vec;

    fn frames(framer: &mut Framer, out: &mut Vec<Result<Vec<u8>, FrameError>>) {
        while let Some(f) = framer.next() {
            out.push(f.map(<[u8]>::to_vec));
        }
    }

    fn run(input: &[u8], chunk: usize, limits: Limits) -> Vec<Result<Vec<u8>, FrameError>> {
        let mut framer = Framer::new(limits);
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            framer.feed(c);
            frames(&mut framer, &mut out);
        }
        out
    }

    /// Frames `input` fed in every chunk size and in pseudo-random chunkings; each must give
    /// `want`.
    fn assert_framed(input: &[u8], limits: Limits, want: &[Result<&[u8], FrameError>]) {
        let want: Vec<_> = want.iter().map(|r| r.clone().map(<[u8]>::to_vec)).collect();
        for chunk in 1..=input.len() {
            assert_eq!(
                run(input, chunk, limits),
                want,
                "{:?} in chunks of {chunk}",
                alloc::string::String::from_utf8_lossy(input)
            );
        }
        // xorshift64: chunks of 1 to 9 bytes, the same on every run.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..32 {
            let mut framer = Framer::new(limits);
            let mut out = Vec::new();
            let mut rest = input;
            while !rest.is_empty() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let n = usize::try_from(seed % 9 + 1).unwrap().min(rest.len());
                let (chunk, after) = rest.split_at(n);
                framer.feed(chunk);
                frames(&mut framer, &mut out);
                rest = after;
            }
            assert_eq!(
                out,
                want,
                "{:?} in random chunking {round}",
                alloc::string::String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn status_text_ending_in_braces_is_not_a_literal() {
        // Regression: a real server ended a tagged OK's text with `{4}`; the framer took it
        // for a literal, swallowed the next response and lost step with the stream.
        for line in [
            // Tagged OK / NO / BAD, in any case.
            &b"A1 OK done{4}\r\n"[..],
            b"A1 NO failed {4}\r\n",
            b"A1 BAD parse error {12+}\r\n",
            b"a1 ok done{4-}\r\n",
            b"A1 OK{4}\r\n",
            b"A1 OK done{4}\n",
            // Untagged OK / NO / BAD.
            b"* OK done{4}\r\n",
            b"* NO warning {4}\r\n",
            b"* BAD junk ~{4}\r\n",
            b"*OK lenient{4}\r\n",
            // Greetings and BYE.
            b"* OK IMAP4rev1 ready{4}\r\n",
            b"* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready{4}\r\n",
            b"* PREAUTH welcome {4}\r\n",
            b"* BYE Logging out{4}\r\n",
            // Continuation requests.
            b"+ Ready for literal data{4}\r\n",
            b"+ {4}\r\n",
            b"+{4}\r\n",
            b"+ [ALERT] go on {4}\r\n",
            // After a response code: only its arguments may hold a literal.
            b"A1 OK [READ-ONLY] done{4}\r\n",
            b"A1 NO [BADCHARSET (US-ASCII)] {4}\r\n",
            b"* OK [ALERT]{4}\r\n",
            b"* OK [UIDNEXT 7] predicted {4}\r\n",
            b"* OK [ALERT{4}\r\n",
            b"* OK []{4}\r\n",
        ] {
            let mut input = line.to_vec();
            input.extend_from_slice(b"* 1 EXISTS\r\nA2 OK x\r\n");
            assert_framed(
                &input,
                Limits::default(),
                &[Ok(line), Ok(b"* 1 EXISTS\r\n"), Ok(b"A2 OK x\r\n")],
            );
        }
    }

    #[test]
    fn literals_where_the_grammar_has_strings() {
        for message in [
            &b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n"[..],
            b"* 2 FETCH (BODY[1] ~{3}\r\nab} BODY[2] {0}\r\n UID 9)\r\n",
            b"* LIST (\\HasNoChildren) \"/\" {4}\r\nA}{B\r\n",
            b"* STATUS {5+}\r\nINBOX (MESSAGES 1)\r\n",
            b"* ESEARCH (TAG {2}\r\nA1) ALL 1\r\n",
            // A word that only begins like a status word is data.
            b"* OKAY {1}\r\nx\r\n",
            // RFC 3501's `"BADCHARSET" [SP "(" astring *(SP astring) ")"]`: a literal in a
            // code's arguments, holding a `]`; the text after the code is text again.
            b"* NO [BADCHARSET ({5}\r\nUTF-8 {3}\r\nX]Y)] no{4}\r\n",
            b"A1 NO [BADCHARSET({5}\r\nUTF-8)] no\r\n",
        ] {
            let mut input = message.to_vec();
            input.extend_from_slice(b"* 3 EXISTS\r\n");
            assert_framed(
                &input,
                Limits::default(),
                &[Ok(message), Ok(b"* 3 EXISTS\r\n")],
            );
        }
    }

    #[test]
    fn overlong_status_line_ending_in_braces_announces_nothing() {
        let limits = Limits {
            max_line: 16,
            ..Limits::default()
        };
        // Passed over in pieces, the line's end is still read as status text.
        let input = b"A1 OK this is far too long {7}\r\nA2 OK x\r\n* 1 EXISTS\r\n";
        assert_framed(
            input,
            limits,
            &[
                Err(FrameError::LineTooLong { limit: 16 }),
                Ok(b"A2 OK x\r\n"),
                Ok(b"* 1 EXISTS\r\n"),
            ],
        );
        // In a code's arguments it is a literal, passed over with its line.
        let input = b"* NO [BADCHARSET (far too long {3}\r\nabc)] x\r\n* 1 EXISTS\r\n";
        assert_framed(
            input,
            limits,
            &[
                Err(FrameError::LineTooLong { limit: 16 }),
                Ok(b"* 1 EXISTS\r\n"),
            ],
        );
    }

    #[test]
    fn commands_take_every_announcement() {
        // The same bytes in the two directions: no command holds free text.
        let input = b"A1 OK {2}\r\nab\r\n";
        let mut responses = Scanner::responses(Limits::default());
        assert_eq!(responses.step(input), Step::Message(0, 11));
        let mut commands = Scanner::commands(Limits::default());
        assert_eq!(commands.step(input), Step::Message(0, input.len()));
    }

    #[test]
    fn lines_and_literals_in_any_chunking() {
        let input = b"* OK hi\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n+ \r\n";
        let want = vec![
            Ok(b"* OK hi\r\n".to_vec()),
            Ok(b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n".to_vec()),
            Ok(b"+ \r\n".to_vec()),
        ];
        for chunk in 1..input.len() {
            assert_eq!(run(input, chunk, Limits::default()), want, "chunk {chunk}");
        }
    }

    #[test]
    fn long_line_is_skipped_and_framing_recovers() {
        let limits = Limits {
            max_line: 16,
            ..Limits::default()
        };
        let input = b"* OK this line is far too long\r\n* OK ok\r\n";
        for chunk in [1, 3, 7, input.len()] {
            let out = run(input, chunk, limits);
            assert_eq!(
                out,
                vec![
                    Err(FrameError::LineTooLong { limit: 16 }),
                    Ok(b"* OK ok\r\n".to_vec())
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn oversized_literal_is_skipped_without_allocation() {
        let limits = Limits {
            max_literal: 4,
            ..Limits::default()
        };
        let input = b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n* 2 EXISTS\r\n";
        for chunk in [1, 5, input.len()] {
            let out = run(input, chunk, limits);
            assert_eq!(
                out,
                vec![
                    Err(FrameError::LiteralTooLarge { size: 10, limit: 4 }),
                    Ok(b"* 2 EXISTS\r\n".to_vec())
                ],
                "chunk {chunk}"
            );
        }
        let mut framer = Framer::new(limits);
        framer.feed(b"* 1 FETCH (BODY[] {18446744073709551615}\r\n");
        assert!(matches!(
            framer.next(),
            Some(Err(FrameError::LiteralTooLarge { .. }))
        ));
        assert_eq!(framer.buffered(), 0);
    }

    #[test]
    fn overlong_line_with_literal_is_one_message_in_any_chunking() {
        // Found by the `split` fuzz target: fed whole, the literal after an overlong line was
        // framed as lines of its own.
        let limits = Limits {
            max_line: 16,
            ..Limits::default()
        };
        let input = b"* 1 FETCH (BODY[] this is too long {7}\r\nA1 OK x)\r\nA1 OK done\r\n";
        for chunk in 1..input.len() {
            assert_eq!(
                run(input, chunk, limits),
                vec![
                    Err(FrameError::LineTooLong { limit: 16 }),
                    Ok(b"A1 OK done\r\n".to_vec())
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn message_too_large_is_skipped_in_any_chunking() {
        let limits = Limits {
            max_message: 32,
            ..Limits::default()
        };
        // Each line and each literal is small; together they are 40 bytes.
        let input = b"* 1 FETCH (A {0}\r\n B {0}\r\n C {1}\r\nx D)\r\n* 2 EXISTS\r\n";
        let want = vec![
            Err(FrameError::MessageTooLarge { limit: 32 }),
            Ok(b"* 2 EXISTS\r\n".to_vec()),
        ];
        for chunk in 1..=input.len() {
            assert_eq!(run(input, chunk, limits), want, "chunk {chunk}");
        }
        // Exactly at the limit is accepted.
        let exact = Limits {
            max_message: 40,
            ..Limits::default()
        };
        for chunk in 1..=input.len() {
            let out = run(input, chunk, exact);
            assert_eq!(out.len(), 2, "chunk {chunk}");
            assert_eq!(out[0].as_ref().map(Vec::len), Ok(40), "chunk {chunk}");
        }
    }

    #[test]
    fn literal_past_the_message_limit_is_rejected_at_its_announcement() {
        let limits = Limits {
            max_message: 40,
            ..Limits::default()
        };
        let mut input = b"* 1 FETCH (BODY[] {100}\r\n".to_vec();
        input.extend_from_slice(&[b'x'; 100]);
        input.extend_from_slice(b" UID 4)\r\n* 2 EXISTS\r\n");
        let want = vec![
            Err(FrameError::MessageTooLarge { limit: 40 }),
            Ok(b"* 2 EXISTS\r\n".to_vec()),
        ];
        for chunk in 1..=input.len() {
            assert_eq!(run(&input, chunk, limits), want, "chunk {chunk}");
        }
        // Nothing of the literal is kept while it is passed over.
        let mut framer = Framer::new(limits);
        framer.feed(&input[..30]);
        assert_eq!(
            framer.next(),
            Some(Err(FrameError::MessageTooLarge { limit: 40 }))
        );
        assert!(framer.next().is_none());
        assert_eq!(framer.buffered(), 0);
    }

    #[test]
    fn the_first_limit_crossed_names_the_error() {
        // The message limit falls inside this line's limit, then the other way round.
        let input = b"* 1 FETCH (A {0}\r\n BBBBBBBBBBBBBBBBBBBBBBBBBBBB)\r\n* 2 EXISTS\r\n";
        for (max_line, max_message, want) in [
            // The second line starts at byte 18 and ends at byte 50.
            (40, 24, FrameError::MessageTooLarge { limit: 24 }),
            (20, 44, FrameError::LineTooLong { limit: 20 }),
            // Both crossed at the same byte: the line's limit is named.
            (20, 38, FrameError::LineTooLong { limit: 20 }),
        ] {
            let limits = Limits {
                max_line,
                max_message,
                ..Limits::default()
            };
            for chunk in 1..=input.len() {
                assert_eq!(
                    run(input, chunk, limits),
                    vec![Err(want.clone()), Ok(b"* 2 EXISTS\r\n".to_vec())],
                    "max_line {max_line}, max_message {max_message}, chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn many_zero_length_literals_do_not_grow_one_message_without_bound() {
        // Regression: 100,000 `{0}` literals made one response of 600,000 bytes, each piece
        // within `max_line` and `max_literal`, all of it buffered.
        let limits = Limits {
            max_message: 4096,
            ..Limits::default()
        };
        let mut framer = Framer::new(limits);
        let mut out = Vec::new();
        framer.feed(b"* 1 FETCH (X-A ");
        for _ in 0..100_000 {
            framer.feed(b"{0}\r\n ");
            frames(&mut framer, &mut out);
            assert!(framer.buffered() <= 4096 + 6);
        }
        framer.feed(b")\r\n* 2 EXISTS\r\n");
        frames(&mut framer, &mut out);
        assert_eq!(
            out,
            vec![
                Err(FrameError::MessageTooLarge { limit: 4096 }),
                Ok(b"* 2 EXISTS\r\n".to_vec())
            ]
        );
        assert_eq!(
            FrameError::MessageTooLarge { limit: 4096 }.to_string(),
            "response larger than the limit of 4096 bytes"
        );
        assert!(Limits::default().max_message >= 64 * 1024 * 1024);
    }

    #[test]
    fn announcements() {
        assert_eq!(literal_announcement(b"a {12}\r"), Some(12));
        assert_eq!(literal_announcement(b"a {12+}\r"), Some(12));
        assert_eq!(literal_announcement(b"a ~{3}"), Some(3));
        assert_eq!(literal_announcement(b"a {}\r"), None);
        assert_eq!(literal_announcement(b"a {x}\r"), None);
        assert_eq!(
            literal_announcement(b"a {99999999999999999999}\r"),
            Some(u64::MAX)
        );
    }

    #[test]
    fn large_literal_in_chunks_is_constant_work_per_chunk() {
        let mut framer = Framer::new(Limits::default());
        framer.feed(b"* 1 FETCH (BODY[] {1000000}\r\n");
        assert!(framer.next().is_none());
        let chunk = [b'x'; 1000];
        for _ in 0..1000 {
            framer.feed(&chunk);
            assert!(framer.next().is_none());
        }
        framer.feed(b")\r\n");
        assert_eq!(
            framer.next().unwrap().unwrap().len(),
            30 + 1_000_000 + 3 - 1
        );
    }
}
