//! Petrel's web app. The protocol engine ([`engine`]: one IMAP connection), the account
//! layer ([`sync`]: connections, reconnects), the MIME writer ([`compose`]) and the app
//! state ([`model`]) are plain Rust that compiles and tests natively; the Yew UI ([`ui`])
//! and the browser shell ([`runtime`]: sockets, timers, downloads) live behind
//! `cfg(target_arch = "wasm32")`.

pub mod compose;
pub mod engine;
pub mod html;
pub mod model;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
pub mod send;
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod ui;
