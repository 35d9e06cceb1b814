//! Petrel's decoder driven like the peers: whole, or fed chunk by chunk. Its
//! `ResponseDecoder` keeps its own state between chunks, so chunked use is just feeding.

use alloc::format;
use alloc::string::String;
use core::hint::black_box;

use petrel_imap::{Limits, ResponseDecoder};

/// Takes every response the decoder can give now; any error fails the run (for W5 its text
/// is the outcome reported).
fn drain(decoder: &mut ResponseDecoder, count: &mut usize) -> Result<(), String> {
    while let Some(next) = decoder.next() {
        match next {
            Ok(response) => {
                black_box(response);
                *count += 1;
            }
            Err(e) => return Err(format!("failed after {count} responses: {e}")),
        }
    }
    Ok(())
}

fn finish(decoder: &ResponseDecoder, count: usize) -> Result<usize, String> {
    match decoder.buffered() {
        0 => Ok(count),
        n => Err(format!("incomplete: {n} bytes left undecoded")),
    }
}

pub fn whole(input: &[u8]) -> Result<usize, String> {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut count = 0;
    decoder.feed(input);
    drain(&mut decoder, &mut count)?;
    finish(&decoder, count)
}

pub fn chunked(input: &[u8], chunk: usize, tick: &mut dyn FnMut()) -> Result<usize, String> {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut count = 0;
    for piece in input.chunks(chunk) {
        decoder.feed(piece);
        drain(&mut decoder, &mut count)?;
        tick();
    }
    finish(&decoder, count)
}
