//! Server replies (RFC 5321 §4.2): typed values, and the streaming parser that joins
//! multi-line replies and splits off RFC 3463 enhanced status codes (RFC 2034).
//!
//! ```text
//! Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
//!                  Reply-code [ SP textstring ] CRLF
//! Reply-code     = %x32-35 %x30-35 %x30-39
//! status-code    = class "." subject "." detail        ; RFC 3463 §2
//! ```
//!
//! The parser finds line ends with one forward scan that survives between chunks, so a line
//! fed a byte at a time is never rescanned: work is linear in the input however it is
//! chunked. A reply that breaks a limit or mixes codes is reported as one error when its last
//! line arrives, so that every reply the server sends, good or bad, is one result; only a line
//! without a reply code is reported at once (where such a reply ends cannot be known).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nom::bytes::complete::take_while_m_n;
use nom::character::complete::{char, one_of};
use nom::combinator::{map_res, opt};
use nom::{IResult, Parser};

use crate::Limits;

/// A three-digit reply code (RFC 5321 §4.2.1). The first digit is 2 to 5; the others are
/// digits (servers use second digits above 5 now and then, so they are not refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyCode(u16);

impl ReplyCode {
    pub const SERVICE_READY: Self = Self(220);
    pub const CLOSING: Self = Self(221);
    pub const AUTH_SUCCEEDED: Self = Self(235);
    pub const OK: Self = Self(250);
    pub const AUTH_CONTINUE: Self = Self(334);
    pub const START_MAIL_INPUT: Self = Self(354);
    pub const SERVICE_NOT_AVAILABLE: Self = Self(421);

    /// `None` unless `code` is 200..=599.
    pub fn new(code: u16) -> Option<Self> {
        (200..600).contains(&code).then_some(Self(code))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// 2yz: the command was carried out.
    pub fn is_positive(self) -> bool {
        self.0 / 100 == 2
    }

    /// 3yz: the server waits for more (the message after `DATA`, a SASL response).
    pub fn is_intermediate(self) -> bool {
        self.0 / 100 == 3
    }

    /// 4yz: refused this time; the same command may succeed later.
    pub fn is_transient(self) -> bool {
        self.0 / 100 == 4
    }

    /// 5yz: refused; repeating the command will not help.
    pub fn is_permanent(self) -> bool {
        self.0 / 100 == 5
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An RFC 3463 enhanced status code, `class.subject.detail`, such as `5.1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// 0 to 999: what the code is about (1 addressing, 2 mailbox, 3 mail system, 4 network,
    /// 5 protocol, 6 content, 7 security).
    pub subject: u16,
    /// 0 to 999, within the subject.
    pub detail: u16,
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// One whole reply: its code, its enhanced status code when the server sent one, and the
/// text of each line (without the codes). The text is kept as UTF-8; bytes that are not are
/// replaced, since the text is only ever shown to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: ReplyCode,
    pub enhanced: Option<EnhancedCode>,
    pub lines: Vec<String>,
}

impl Reply {
    /// The lines joined by spaces, for showing.
    pub fn text(&self) -> String {
        self.lines.join(" ")
    }
}

impl fmt::Display for Reply {
    /// As the server sent it, on one line: `550 5.1.1 no such user`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(e) = self.enhanced {
            write!(f, " {e}")?;
        }
        let text = self.text();
        if !text.is_empty() {
            write!(f, " {text}")?;
        }
        Ok(())
    }
}

/// Why a reply could not be read. Each is one result of [`ReplyParser::next`]; parsing goes
/// on with the next reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// A line grew past [`Limits::max_line`]; its bytes were passed over.
    LineTooLong { limit: usize },
    /// A multi-line reply had more than [`Limits::max_lines`] lines.
    TooManyLines { limit: usize },
    /// A line that does not start with a reply code (shown cut to 80 characters).
    Malformed { line: String },
    /// A line of a multi-line reply carries another code than the reply's first line.
    CodeMismatch {
        expected: ReplyCode,
        found: ReplyCode,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::LineTooLong { limit } => {
                write!(f, "reply line longer than {limit} bytes")
            }
            ReplyError::TooManyLines { limit } => {
                write!(f, "reply of more than {limit} lines")
            }
            ReplyError::Malformed { line } => {
                write!(f, "reply line without a reply code: {line:?}")
            }
            ReplyError::CodeMismatch { expected, found } => write!(
                f,
                "reply line with code {found} inside a reply with code {expected}"
            ),
        }
    }
}

/// One line split into its parts.
#[derive(Debug)]
struct Line<'a> {
    code: ReplyCode,
    /// `false` for a `-` continuation line.
    last: bool,
    text: &'a [u8],
}

/// `Reply-code ( "-" / SP / end ) textstring`. A code alone ends a reply (RFC 5321
/// §4.2.1 allows the text to be omitted).
fn line(input: &[u8]) -> IResult<&[u8], (ReplyCode, Option<char>)> {
    (
        map_res(
            take_while_m_n(3, 3, |b: u8| b.is_ascii_digit()),
            |d: &[u8]| {
                let n = d.iter().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
                ReplyCode::new(n).ok_or(())
            },
        ),
        opt(one_of(" -")),
    )
        .parse(input)
}

fn split_line(bytes: &[u8]) -> Option<Line<'_>> {
    let (rest, (code, sep)) = line(bytes).ok()?;
    match sep {
        Some(sep) => Some(Line {
            code,
            last: sep == ' ',
            text: rest,
        }),
        None if rest.is_empty() => Some(Line {
            code,
            last: true,
            text: rest,
        }),
        None => None,
    }
}

fn number(input: &[u8]) -> IResult<&[u8], u16> {
    map_res(
        take_while_m_n(1, 3, |b: u8| b.is_ascii_digit()),
        |d: &[u8]| Ok::<u16, ()>(d.iter().fold(0u16, |n, b| n * 10 + u16::from(b - b'0'))),
    )
    .parse(input)
}

/// `status-code SP` (or the code alone) at the start of a line's text, and the text after it.
fn enhanced_code(text: &[u8]) -> Option<(EnhancedCode, &[u8])> {
    let (rest, (class, _, subject, _, detail)) =
        (one_of("245"), char('.'), number, char('.'), number)
            .parse(text)
            .ok()?;
    let rest = match rest {
        [] => rest,
        [b' ', rest @ ..] => rest,
        _ => return None,
    };
    let class = class as u8 - b'0';
    Some((
        EnhancedCode {
            class,
            subject,
            detail,
        },
        rest,
    ))
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A reply whose first lines have arrived.
#[derive(Debug)]
struct Partial {
    code: ReplyCode,
    enhanced: Option<EnhancedCode>,
    lines: Vec<String>,
    /// The first thing wrong with it; reported instead of the reply when it ends.
    broken: Option<ReplyError>,
}

impl Partial {
    fn new(code: ReplyCode) -> Self {
        Self {
            code,
            enhanced: None,
            lines: Vec::new(),
            broken: None,
        }
    }

    fn break_with(&mut self, error: ReplyError) {
        if self.broken.is_none() {
            self.broken = Some(error);
        }
        self.lines = Vec::new();
    }

    fn push(&mut self, text: &[u8], max_lines: usize) {
        if self.broken.is_some() {
            return;
        }
        if self.lines.len() == max_lines {
            self.break_with(ReplyError::TooManyLines { limit: max_lines });
            return;
        }
        // The first line decides whether the reply has an enhanced code (RFC 2034 §4: then
        // every line carries it); its class must agree with the reply code's. A 334's
        // base64 challenge or a 354's text never starts with one.
        if self.lines.is_empty() {
            self.enhanced = enhanced_code(text)
                .filter(|(e, _)| u16::from(e.class) == self.code.get() / 100)
                .map(|(e, _)| e);
        }
        let text = match (self.enhanced, enhanced_code(text)) {
            (Some(ours), Some((theirs, rest))) if ours == theirs => rest,
            _ => text,
        };
        self.lines.push(text_of(text));
    }

    fn finish(self) -> Result<Reply, ReplyError> {
        match self.broken {
            Some(e) => Err(e),
            None => Ok(Reply {
                code: self.code,
                enhanced: self.enhanced,
                lines: self.lines,
            }),
        }
    }
}

/// Reads replies from bytes fed in any chunking (see the module docs).
#[derive(Debug)]
pub struct ReplyParser {
    limits: Limits,
    buf: Vec<u8>,
    /// Start of the current (incomplete) line in `buf`; everything before is done with.
    start: usize,
    /// Everything before this has been searched for LF.
    scanned: usize,
    /// Inside a line longer than the limit: its bytes up to LF are dropped, not kept.
    skipping: bool,
    partial: Option<Partial>,
}

impl ReplyParser {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            skipping: false,
            partial: None,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Appends received bytes. Those of a line being passed over are not kept.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        if self.skipping {
            match memchr::memchr(b'\n', bytes) {
                None => return,
                Some(lf) => {
                    self.skipping = false;
                    bytes = &bytes[lf + 1..];
                }
            }
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held for an incomplete line.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// `true` between the first and the last line of a multi-line reply, or inside a line.
    pub fn in_reply(&self) -> bool {
        self.partial.is_some() || self.skipping || self.buffered() > 0
    }

    /// The next whole reply, or why it could not be read; `None` until more bytes arrive.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Reply, ReplyError>> {
        loop {
            if self.skipping {
                return None;
            }
            let Some(off) = memchr::memchr(b'\n', &self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                if self.buf.len() - self.start > self.limits.max_line {
                    if let Some(done) = self.too_long() {
                        return Some(done);
                    }
                    self.skipping = true;
                }
                self.compact();
                return None;
            };
            let lf = self.scanned + off;
            let (start, end) = (self.start, lf + 1);
            self.start = end;
            self.scanned = end;
            if end - start > self.limits.max_line {
                self.start = start;
                let done = self.too_long();
                self.start = end;
                if let Some(done) = done {
                    return Some(done);
                }
                continue;
            }
            let mut bytes = &self.buf[start..lf];
            if let [rest @ .., b'\r'] = bytes {
                bytes = rest;
            }
            let Some(line) = split_line(bytes) else {
                let shown: String = text_of(bytes).chars().take(80).collect();
                self.partial = None;
                return Some(Err(ReplyError::Malformed { line: shown }));
            };
            let partial = self.partial.get_or_insert_with(|| Partial::new(line.code));
            if line.code != partial.code {
                let expected = partial.code;
                partial.break_with(ReplyError::CodeMismatch {
                    expected,
                    found: line.code,
                });
            }
            partial.push(line.text, self.limits.max_lines);
            if line.last {
                let done = self.partial.take().map(Partial::finish);
                if self.start == self.buf.len() {
                    self.compact();
                }
                return done;
            }
        }
    }

    /// The line at `start` is over the limit: the reply it belongs to is broken. Returns the
    /// error at once when the line's own code cannot be read (no reply to attach it to) or
    /// when it is the reply's last line and has already ended.
    fn too_long(&mut self) -> Option<Result<Reply, ReplyError>> {
        let error = ReplyError::LineTooLong {
            limit: self.limits.max_line,
        };
        let head = &self.buf[self.start..self.buf.len().min(self.start + 4)];
        let line_ended = self.scanned > self.start && self.buf[self.scanned - 1] == b'\n';
        let Some(line) = split_line(head).filter(|_| head.len() == 4) else {
            self.partial = None;
            self.drop_line(line_ended);
            return Some(Err(error));
        };
        let partial = self.partial.get_or_insert_with(|| Partial::new(line.code));
        partial.break_with(error);
        let last = line.last;
        self.drop_line(line_ended);
        // A last line ends the reply even before its LF arrives: the rest of it is skipped
        // and belongs to nothing.
        if last {
            return self.partial.take().map(Partial::finish);
        }
        None
    }

    /// Forgets the current line; if its LF has not arrived, its bytes up to LF are skipped.
    fn drop_line(&mut self, line_ended: bool) {
        if line_ended {
            return;
        }
        self.skipping = true;
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
    }

    /// Drops the bytes before `start`: at most one partial line is ever moved.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloc::vec;

    use super::*;

    fn parse_all(input: &[u8], limits: Limits) -> Vec<Result<Reply, ReplyError>> {
        let mut p = ReplyParser::new(limits);
        p.feed(input);
        let mut out = Vec::new();
        while let Some(r) = p.next() {
            out.push(r);
        }
        out
    }

    fn reply(code: u16, enhanced: Option<(u8, u16, u16)>, lines: &[&str]) -> Reply {
        Reply {
            code: ReplyCode::new(code).unwrap(),
            enhanced: enhanced.map(|(class, subject, detail)| EnhancedCode {
                class,
                subject,
                detail,
            }),
            lines: lines.iter().map(|l| String::from(*l)).collect(),
        }
    }

    #[test]
    fn single_and_code_only_lines() {
        assert_eq!(
            parse_all(
                b"220 foo.com Simple Mail Transfer Service Ready\r\n250\r\n",
                Limits::default()
            ),
            vec![
                Ok(reply(
                    220,
                    None,
                    &["foo.com Simple Mail Transfer Service Ready"]
                )),
                Ok(reply(250, None, &[""])),
            ]
        );
    }

    #[test]
    fn enhanced_codes_are_split_off_every_line() {
        let input = b"550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Please try again.\r\n";
        assert_eq!(
            parse_all(input, Limits::default()),
            vec![Ok(reply(
                550,
                Some((5, 1, 1)),
                &[
                    "The email account that you tried to reach does not exist.",
                    "Please try again."
                ]
            ))]
        );
    }

    #[test]
    fn enhanced_code_class_must_match_the_reply_code() {
        // A 250 whose text starts like a failure code is text, not a code; so is a 334
        // challenge.
        assert_eq!(
            parse_all(b"250 5.1.1 odd\r\n334 VXNlcm5hbWU6\r\n", Limits::default()),
            vec![
                Ok(reply(250, None, &["5.1.1 odd"])),
                Ok(reply(334, None, &["VXNlcm5hbWU6"])),
            ]
        );
    }

    #[test]
    fn bad_lines_are_one_error_each() {
        let limits = Limits {
            max_line: 16,
            max_lines: 2,
        };
        let input = b"hello\r\n250-a\r\n251 b\r\n250-a\r\n250-b\r\n250 c\r\n250 this line is too long\r\n220 ok\r\n";
        assert_eq!(
            parse_all(input, limits),
            vec![
                Err(ReplyError::Malformed {
                    line: "hello".into()
                }),
                Err(ReplyError::CodeMismatch {
                    expected: ReplyCode(250),
                    found: ReplyCode(251)
                }),
                Err(ReplyError::TooManyLines { limit: 2 }),
                Err(ReplyError::LineTooLong { limit: 16 }),
                Ok(reply(220, None, &["ok"])),
            ]
        );
    }

    #[test]
    fn a_line_without_end_holds_at_most_one_limit_of_bytes() {
        let limits = Limits::default();
        let mut p = ReplyParser::new(limits);
        let chunk = [b'2'; 1000];
        let mut out = Vec::new();
        for _ in 0..10_000 {
            p.feed(&chunk);
            out.extend(core::iter::from_fn(|| p.next()));
            assert!(p.buffered() <= limits.max_line + chunk.len());
        }
        p.feed(b"\r\n220 ok\r\n");
        out.extend(core::iter::from_fn(|| p.next()));
        assert_eq!(
            out,
            vec![
                Err(ReplyError::LineTooLong {
                    limit: limits.max_line
                }),
                Ok(reply(220, None, &["ok"]))
            ]
        );
    }

    #[test]
    fn a_too_long_continuation_line_breaks_its_reply_once() {
        let limits = Limits {
            max_line: 16,
            max_lines: 8,
        };
        let input = b"250-first\r\n250-this line is far too long\r\n250 last\r\n220 ok\r\n";
        for chunk in 1..input.len() {
            let mut p = ReplyParser::new(limits);
            let mut out = Vec::new();
            for c in input.chunks(chunk) {
                p.feed(c);
                while let Some(r) = p.next() {
                    out.push(r);
                }
            }
            assert_eq!(
                out,
                vec![
                    Err(ReplyError::LineTooLong { limit: 16 }),
                    Ok(reply(220, None, &["ok"]))
                ],
                "chunk {chunk}"
            );
            assert!(!p.in_reply());
        }
    }
}
