//! The codec benchmark's library half: deterministic workloads and one driver per decoder.
//!
//! `main.rs` times these natively; built as a wasm32 cdylib, `wasm.rs` exports the W1 runs
//! to `wasm/run.mjs`, which times them under Node.
#![no_std]

extern crate alloc;

pub mod peers;
pub mod petrel;
pub mod rng;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod workload;

use alloc::string::String;

/// The decoders compared, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    Petrel,
    ImapCodec,
    Proto017,
    Proto016,
}

pub const DECODERS: [Decoder; 4] = [
    Decoder::Petrel,
    Decoder::ImapCodec,
    Decoder::Proto017,
    Decoder::Proto016,
];

impl Decoder {
    pub fn name(self) -> &'static str {
        match self {
            Decoder::Petrel => "petrel",
            Decoder::ImapCodec => "imap-codec",
            Decoder::Proto017 => "imap-proto-0.17",
            Decoder::Proto016 => "imap-proto-0.16.7",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        DECODERS.into_iter().find(|d| d.name() == name)
    }

    /// Decodes `input` whole, or in `chunk`-byte pieces calling `tick` after each, and
    /// returns how many responses came out.
    pub fn run(
        self,
        input: &[u8],
        chunk: Option<usize>,
        tick: &mut dyn FnMut(),
    ) -> Result<usize, String> {
        match (self, chunk) {
            (Decoder::Petrel, None) => petrel::whole(input),
            (Decoder::Petrel, Some(c)) => petrel::chunked(input, c, tick),
            (Decoder::ImapCodec, None) => peers::parse_whole(input, peers::imap_codec),
            (Decoder::ImapCodec, Some(c)) => peers::imap_codec_fragmentized(input, c, tick),
            (Decoder::Proto017, None) => peers::parse_whole(input, peers::imap_proto_017),
            (Decoder::Proto017, Some(c)) => {
                peers::parse_retrying(input, c, tick, peers::imap_proto_017)
            }
            (Decoder::Proto016, None) => peers::parse_whole(input, peers::imap_proto_016),
            (Decoder::Proto016, Some(c)) => {
                peers::parse_retrying(input, c, tick, peers::imap_proto_016)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    /// A benchmark that times failures is worthless: every decoder must decode every small
    /// workload to the expected number of responses, whole and in odd-sized chunks.
    #[test]
    fn every_decoder_decodes_every_workload() {
        let workloads = [
            ("W1", workload::w1_fetch(120)),
            ("W2", workload::w2_literal(50_000)),
            ("W3", workload::w3_search(5_000)),
            ("W4", workload::w4_updates(300)),
        ];
        let mut failures = alloc::vec::Vec::new();
        for (name, w) in &workloads {
            for d in DECODERS {
                for chunk in [None, Some(977), Some(16 * 1024)] {
                    match d.run(&w.bytes, chunk, &mut || {}) {
                        Ok(n) if n == w.responses => {}
                        other => failures.push(format!("{name} {} {chunk:?}: {other:?}", d.name())),
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
