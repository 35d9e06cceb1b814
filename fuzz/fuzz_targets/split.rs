//! Any split of the input into chunks gives the same sequence of results as feeding it
//! whole: the first two bytes seed the chunk sizes, the rest is the server's byte stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petrel_imap::{DecodeError, Response, ResponseDecoder};

#[path = "common.rs"]
mod common;

fn drain(decoder: &mut ResponseDecoder, out: &mut Vec<Result<Response<'static>, DecodeError>>) {
    while let Some(result) = decoder.next() {
        out.push(result.map(Response::into_static));
    }
}

fuzz_target!(|data: &[u8]| {
    let [a, b, stream @ ..] = data else { return };
    let limits = common::small_limits();

    let mut whole = Vec::new();
    let mut decoder = ResponseDecoder::new(limits);
    decoder.feed(stream);
    drain(&mut decoder, &mut whole);
    let whole_left = decoder.buffered();

    // Chunk sizes from a tiny LCG seeded by the first two bytes: 1 to 64 bytes each.
    let mut seed = u32::from(*a) << 8 | u32::from(*b);
    let mut split = Vec::new();
    let mut decoder = ResponseDecoder::new(limits);
    let mut rest = stream;
    while !rest.is_empty() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let n = ((seed >> 16) as usize % 64 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        decoder.feed(chunk);
        drain(&mut decoder, &mut split);
        rest = tail;
    }
    assert_eq!(
        whole, split,
        "results differ between whole and split feeding"
    );
    assert_eq!(whole_left, decoder.buffered(), "different bytes left over");
});
