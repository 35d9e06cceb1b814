//! Decode, re-encode, decode: every response the decoder accepts is written back by
//! `encode_response` in a canonical form that decodes to an equal value and re-encodes to the
//! same bytes. The first decode uses small limits to reach odd shapes; the canonical form is
//! read back with the default limits, since quoting may legitimately lengthen a line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petrel_imap::encode::encode_response;
use petrel_imap::{decode_response, Limits, ResponseDecoder};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
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
});
