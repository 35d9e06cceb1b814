//! Decode, re-encode, decode, for both directions of the protocol:
//! - every response the decoder accepts is written back by `encode_response` in a canonical
//!   form that decodes to an equal value and re-encodes to the same bytes;
//! - every command `decode_command` accepts from the same bytes is written back by `encode`
//!   (with options taken from the first byte) and, its parts joined as the server reads them,
//!   decodes to an equal command with nothing left over.
//!
//! The first decode uses small limits to reach odd shapes; the canonical form is read back
//! with the default limits, since quoting may legitimately lengthen a line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petrel_imap::encode::{encode, encode_response, EncodeOptions};
use petrel_imap::{decode_command, decode_response, Limits, ResponseDecoder};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    commands(data);
    responses(data);
});

fn responses(data: &[u8]) {
    let mut decoder = ResponseDecoder::new(common::small_limits());
    decoder.feed(data);
    while let Some(result) = decoder.next() {
        let Ok(first) = result else { continue };
        let wire = encode_response(&first);
        let second = match decode_response(&wire, &Limits::default()) {
            Ok(second) => second,
            Err(e) => panic!(
                "{first:?} re-encoded as {:?} does not decode: {e}",
                String::from_utf8_lossy(&wire)
            ),
        };
        assert_eq!(
            first,
            second,
            "changed by re-encoding as {:?}",
            String::from_utf8_lossy(&wire)
        );
        assert_eq!(wire, encode_response(&second), "canonical form not stable");
    }
}

fn commands(data: &[u8]) {
    let bits = data.first().copied().unwrap_or(0);
    let opts = EncodeOptions {
        literal_plus: bits & 1 != 0,
        literal_minus: bits & 2 != 0,
        sasl_ir: bits & 4 != 0,
        utf8: bits & 8 != 0,
        binary: bits & 16 != 0,
    };
    let limits = common::small_limits();
    let mut rest = data;
    // Each round consumes at least one byte, so this ends.
    while !rest.is_empty() {
        let first = match decode_command(rest, &limits) {
            Ok((after, first)) => {
                assert!(after.len() < rest.len(), "a command consumed nothing");
                rest = after;
                first
            }
            Err(_) => {
                // As a server would: drop the line and go on with the next.
                rest = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&[][..], |lf| &rest[lf + 1..]);
                continue;
            }
        };
        let wire = encode(&first, opts).parts.concat();
        let second = match decode_command(&wire, &Limits::default()) {
            Ok((left, second)) => {
                assert!(left.is_empty(), "{left:?} left after {wire:?}");
                second
            }
            Err(e) => panic!(
                "{first:?} re-encoded as {:?} does not decode: {e}",
                String::from_utf8_lossy(&wire)
            ),
        };
        assert_eq!(
            first,
            second,
            "changed by re-encoding as {:?}",
            String::from_utf8_lossy(&wire)
        );
    }
}
