//! The three peers driven the way a real client drives each of them.
//!
//! imap-proto parses from the start of a buffer and answers `Incomplete` until a whole
//! response is there, so a client (async-imap, for one) appends every chunk it reads to a
//! buffer and parses again from the start of the pending response. That is what `chunked`
//! does here. imap-codec ships a fragmentizer that finds message boundaries incrementally, and
//! its client (imap-next) decodes a message once the fragmentizer says it is complete, so
//! its `chunked` uses that. Every driver returns the number of responses it decoded; the
//! caller compares it with what the workload holds.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;

use imap_codec::decode::{Decoder, ResponseDecodeError};
use imap_codec::fragmentizer::Fragmentizer;
use imap_codec::ResponseCodec;

/// What one parse attempt at the start of a buffer gave.
#[derive(Debug)]
pub enum Parsed {
    /// A response of this many bytes was decoded (and dropped).
    Response(usize),
    /// The buffer holds only the beginning of a response.
    Incomplete,
    Failed(String),
}

/// Largest message imap-codec's fragmentizer buffers, equal to Petrel's default literal limit
/// so that both accept the same inputs.
pub const IMAP_CODEC_MAX_MESSAGE: u32 = 64 * 1024 * 1024;

/// Shortens an error's `Debug` text: nom errors carry the whole remaining input as a list of
/// byte values, which says nothing and can run to megabytes.
fn short(s: String) -> String {
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(open) = rest.find('[') {
        let Some(len) = rest[open..].find(']') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(if len > 40 {
            "[..]"
        } else {
            &rest[open..=open + len]
        });
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    if out.len() > 200 {
        let mut cut = 200;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("...");
    }
    out
}

/// Decodes a complete input, one response after another.
pub fn parse_whole(input: &[u8], mut parse: impl FnMut(&[u8]) -> Parsed) -> Result<usize, String> {
    let mut pos = 0;
    let mut count = 0;
    while pos < input.len() {
        match parse(&input[pos..]) {
            Parsed::Response(len) => {
                pos += len;
                count += 1;
            }
            Parsed::Incomplete => {
                return Err(format!(
                    "incomplete: {} bytes left undecoded",
                    input.len() - pos
                ));
            }
            Parsed::Failed(why) => return Err(format!("failed after {count} responses: {why}")),
        }
    }
    Ok(count)
}

/// Feeds `input` in `chunk`-byte pieces to a parse-from-the-start decoder: append to the
/// buffer, parse every complete response, keep the incomplete rest for the next chunk.
/// `tick` runs after each chunk so the caller can time chunks individually.
pub fn parse_retrying(
    input: &[u8],
    chunk: usize,
    tick: &mut dyn FnMut(),
    mut parse: impl FnMut(&[u8]) -> Parsed,
) -> Result<usize, String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut count = 0;
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        let mut pos = 0;
        while pos < buf.len() {
            match parse(&buf[pos..]) {
                Parsed::Response(len) => {
                    pos += len;
                    count += 1;
                }
                Parsed::Incomplete => break,
                Parsed::Failed(why) => {
                    return Err(format!("failed after {count} responses: {why}"))
                }
            }
        }
        buf.drain(..pos);
        tick();
    }
    if buf.is_empty() {
        Ok(count)
    } else {
        Err(format!("incomplete: {} bytes left undecoded", buf.len()))
    }
}

pub fn imap_proto_017(bytes: &[u8]) -> Parsed {
    match imap_proto::Response::parse(bytes) {
        Ok((rest, response)) => {
            black_box(response);
            Parsed::Response(bytes.len() - rest.len())
        }
        Err(e) if e.is_incomplete() => Parsed::Incomplete,
        Err(e) => Parsed::Failed(short(format!("{e:?}"))),
    }
}

pub fn imap_proto_016(bytes: &[u8]) -> Parsed {
    match imap_proto_016::parser::parse_response(bytes) {
        Ok((rest, response)) => {
            black_box(response);
            Parsed::Response(bytes.len() - rest.len())
        }
        Err(e) if e.is_incomplete() => Parsed::Incomplete,
        Err(e) => Parsed::Failed(short(format!("{e:?}"))),
    }
}

pub fn imap_codec(bytes: &[u8]) -> Parsed {
    match ResponseCodec::default().decode(bytes) {
        Ok((rest, response)) => {
            black_box(response);
            Parsed::Response(bytes.len() - rest.len())
        }
        // A server's literal needs no continuation: for a response, "literal found" only
        // means its bytes have not all arrived.
        Err(ResponseDecodeError::Incomplete | ResponseDecodeError::LiteralFound { .. }) => {
            Parsed::Incomplete
        }
        Err(ResponseDecodeError::Failed) => {
            Parsed::Failed(String::from("ResponseDecodeError::Failed"))
        }
    }
}

/// imap-codec as imap-next drives it: the fragmentizer delimits messages incrementally and
/// each complete message is decoded once.
pub fn imap_codec_fragmentized(
    input: &[u8],
    chunk: usize,
    tick: &mut dyn FnMut(),
) -> Result<usize, String> {
    let codec = ResponseCodec::default();
    let mut fragmentizer = Fragmentizer::new(IMAP_CODEC_MAX_MESSAGE);
    let mut count = 0;
    let mut complete_bytes = 0;
    for piece in input.chunks(chunk) {
        fragmentizer.enqueue_bytes(piece);
        while fragmentizer.progress().is_some() {
            if fragmentizer.is_message_complete() {
                complete_bytes += fragmentizer.message_bytes().len();
                match fragmentizer.decode_message(&codec) {
                    Ok(response) => {
                        black_box(response);
                        count += 1;
                    }
                    Err(e) => {
                        return Err(short(format!("failed after {count} responses: {e:?}")));
                    }
                }
            }
        }
        tick();
    }
    if complete_bytes == input.len() {
        Ok(count)
    } else {
        Err(format!(
            "incomplete: {} bytes left undecoded",
            input.len() - complete_bytes
        ))
    }
}
