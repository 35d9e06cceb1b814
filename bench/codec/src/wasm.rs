//! The wasm32 face of the benchmark: `bench_w1` generates W1 and times one decoder on it with
//! the host's clock, so Node only instantiates the module and reads numbers back. No memory
//! crosses the boundary, so no bindings generator is needed.
#![allow(unsafe_code)] // Exporting unmangled symbols and calling the imported clock.

use alloc::vec::Vec;

use crate::{workload, DECODERS};

#[link(wasm_import_module = "env")]
extern "C" {
    /// `performance.now()` from the embedder, in milliseconds.
    fn now() -> f64;
}

fn clock() -> f64 {
    // SAFETY: the import takes no arguments and touches no memory of this module.
    unsafe { now() }
}

/// Bytes of the W1 workload with `messages` messages.
#[no_mangle]
pub extern "C" fn w1_len(messages: u32) -> f64 {
    workload::w1_fetch(messages as usize).bytes.len() as f64
}

/// Median milliseconds of `runs` decodes of W1 by decoder number `decoder` (table order),
/// whole when `chunk` is 0. Negative on failure: -1 wrong response count, -2 decode error,
/// -3 unknown decoder.
#[no_mangle]
pub extern "C" fn bench_w1(decoder: u32, messages: u32, chunk: u32, runs: u32) -> f64 {
    let Some(d) = DECODERS.get(decoder as usize) else {
        return -3.0;
    };
    let w = workload::w1_fetch(messages as usize);
    let chunk = (chunk > 0).then_some(chunk as usize);
    let mut times = Vec::new();
    // One untimed run first: Node compiles the module's hot functions with its optimising
    // tier only after they have run a while.
    for run in 0..=runs.max(1) {
        let t0 = clock();
        match d.run(&w.bytes, chunk, &mut || {}) {
            Ok(n) if n == w.responses => {}
            Ok(_) => return -1.0,
            Err(_) => return -2.0,
        }
        if run > 0 {
            times.push(clock() - t0);
        }
    }
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(-2.0)
}
