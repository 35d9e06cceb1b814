//! Arbitrary bytes never panic the decoders (responses and commands), with the default limits
//! and with small ones;
//! libFuzzer's `-malloc_limit_mb` (see smoke.sh) catches any allocation sized by the input's
//! announcements rather than by its bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petrel_imap::{decode_command, decode_response, Limits, ResponseDecoder};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::default(), common::small_limits()] {
        let mut decoder = ResponseDecoder::new(limits);
        decoder.feed(data);
        let mut results = 0usize;
        while let Some(result) = decoder.next() {
            let _ = result;
            results += 1;
            // Every result consumes at least one byte of input.
            assert!(results <= data.len(), "more results than input bytes");
        }
        // What is left is an incomplete message, never more than was fed.
        assert!(decoder.buffered() <= data.len());
        let _ = decode_response(data, &limits);
        let _ = decode_command(data, &limits);
    }
});
