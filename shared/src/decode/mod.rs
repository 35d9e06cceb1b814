//! The streaming response decoder: the [`Framer`](crate::framer::Framer) delimits messages,
//! then the grammar parsers (one file per area, mirroring `types/`) build typed
//! [`Response`]s borrowing from the decoder's buffer. [`decode_command`] reads the other
//! direction, a client's commands, with the same framing and core grammar.

pub(crate) mod capability;
pub(crate) mod command;
pub(crate) mod core;
pub(crate) mod extensions;
pub(crate) mod fetch;
pub(crate) mod flag;
pub(crate) mod response;

use ::core::fmt;
use alloc::string::String;

use self::core::{Error, Reason};
use crate::framer::{FrameError, Framer, Scanner, Step};
use crate::types::response::Response;
use crate::Limits;

pub use self::command::decode_command;

/// Why one response (or command) could not be decoded. The decoder has already skipped it;
/// the next call goes on with the next response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ends inside the message: more bytes are needed. Only [`decode_command`]
    /// reports it; the response decoders wait for a whole message instead.
    Incomplete,
    /// The message broke a [`Limits`] bound while being framed.
    Frame(FrameError),
    /// Parenthesised lists (body structures, threads, extension data) nest deeper than
    /// [`Limits::max_depth`].
    TooDeep { limit: usize },
    /// A list holds more than [`Limits::max_list`] elements.
    ListTooLong { limit: usize },
    /// The message does not follow the grammar (even leniently read).
    Malformed {
        /// Byte offset in the message where parsing stopped.
        offset: usize,
        /// The start of the message, lossily decoded, for a person.
        message: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Incomplete => f.write_str("incomplete message: more bytes are needed"),
            DecodeError::Frame(e) => e.fmt(f),
            DecodeError::TooDeep { limit } => {
                write!(f, "lists nested deeper than the limit of {limit}")
            }
            DecodeError::ListTooLong { limit } => {
                write!(f, "list longer than the limit of {limit} elements")
            }
            DecodeError::Malformed { offset, message } => {
                write!(f, "malformed message at byte {offset}: {message:?}")
            }
        }
    }
}

impl From<FrameError> for DecodeError {
    fn from(e: FrameError) -> Self {
        DecodeError::Frame(e)
    }
}

impl DecodeError {
    /// The grammar stopped at `rest`, a suffix of `message`.
    pub(crate) fn malformed(message: &[u8], rest: &[u8]) -> Self {
        let shown = &message[..message.len().min(120)];
        let shown = shown.strip_suffix(b"\r\n").unwrap_or(shown);
        DecodeError::Malformed {
            offset: message.len().saturating_sub(rest.len()),
            message: String::from_utf8_lossy(shown).into_owned(),
        }
    }
}

/// A grammar parser's error over one complete `message`, as a [`DecodeError`].
pub(crate) fn grammar_error(
    message: &[u8],
    e: nom::Err<Error<'_>>,
    limits: &Limits,
) -> DecodeError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => match e.reason {
            Reason::Syntax => DecodeError::malformed(message, e.input),
            Reason::TooDeep => DecodeError::TooDeep {
                limit: limits.max_depth,
            },
            Reason::ListTooLong => DecodeError::ListTooLong {
                limit: limits.max_list,
            },
        },
        // The parsers are complete: running out of input is a malformed message.
        nom::Err::Incomplete(_) => DecodeError::malformed(message, &[]),
    }
}

/// Decodes one complete message (CRLF included, as the framer delimits it).
pub fn decode_response<'a>(
    message: &'a [u8],
    limits: &Limits,
) -> Result<Response<'a>, DecodeError> {
    match response::response(message, limits) {
        Ok(([], r)) => Ok(r),
        Ok((rest, _)) => Err(DecodeError::malformed(message, rest)),
        Err(e) => Err(grammar_error(message, e, limits)),
    }
}

/// The public entry point for decoding a server's byte stream.
///
/// ```
/// use petrel_imap::{Limits, ResponseDecoder};
/// let mut decoder = ResponseDecoder::new(Limits::default());
/// decoder.feed(b"* 3 EXI");
/// assert!(decoder.next().is_none());
/// decoder.feed(b"STS\r\n");
/// assert!(decoder.next().unwrap().is_ok());
/// ```
#[derive(Debug)]
pub struct ResponseDecoder {
    framer: Framer,
}

impl ResponseDecoder {
    pub fn new(limits: Limits) -> Self {
        Self {
            framer: Framer::new(limits),
        }
    }

    /// Appends received bytes, in any chunking.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.framer.feed(bytes);
    }

    /// The next response, an error for one bad response (already skipped), or `None` when
    /// more bytes are needed. The response borrows from the decoder until the next call.
    // Not an `Iterator`: each response borrows the decoder's buffer until the next call.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Response<'_>, DecodeError>> {
        let limits = *self.framer.limits();
        Some(match self.framer.next()? {
            Ok(message) => decode_response(message, &limits),
            Err(e) => Err(e.into()),
        })
    }

    /// Bytes received but not yet decoded.
    pub fn buffered(&self) -> usize {
        self.framer.buffered()
    }
}

/// Decodes responses straight from a slice that is already complete in memory, without
/// copying it: the same framing and grammar as [`ResponseDecoder`], borrowing from the
/// caller's bytes. An incomplete message at the end is left in [`SliceDecoder::remainder`].
///
/// ```
/// use petrel_imap::{Limits, SliceDecoder};
/// let mut responses = SliceDecoder::new(b"* 1 EXISTS\r\n* 2 EXI", Limits::default());
/// assert!(responses.next().unwrap().is_ok());
/// assert!(responses.next().is_none());
/// assert_eq!(responses.remainder(), b"* 2 EXI");
/// ```
#[derive(Debug, Clone)]
pub struct SliceDecoder<'a> {
    input: &'a [u8],
    scanner: Scanner,
}

impl<'a> SliceDecoder<'a> {
    pub fn new(input: &'a [u8], limits: Limits) -> Self {
        Self {
            input,
            scanner: Scanner::responses(limits),
        }
    }

    /// The bytes after the last complete message.
    pub fn remainder(&self) -> &'a [u8] {
        self.input.get(self.scanner.start..).unwrap_or_default()
    }
}

impl<'a> Iterator for SliceDecoder<'a> {
    type Item = Result<Response<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let input = self.input;
        Some(match self.scanner.step(input) {
            Step::Message(start, end) => decode_response(&input[start..end], self.scanner.limits()),
            Step::Error(e) => Err(e.into()),
            Step::NeedMore => return None,
        })
    }
}
