//! Petrel's store worker: a dedicated Web Worker that owns the local copy of the mail.
//!
//! It runs `petrel-store`'s SQLite on OPFS through the SAH-pool VFS, whose synchronous access
//! handles exist only in dedicated workers, and it keeps SQLite (about 1 MB of wasm) out of the
//! app's bundle: the app starts it in the background after its first screen
//! (`client/src/runtime/store.rs`) and speaks `petrel_store::protocol` to it.
//!
//! Natively this binary does nothing; what it runs is tested in petrel-store.

#[cfg(target_arch = "wasm32")]
mod worker;

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
