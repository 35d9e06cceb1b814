//! Petrel's web app. The protocol engine ([`engine`]) and the app state ([`model`]) are plain
//! Rust that compiles and tests natively; the Yew UI and the WebSocket live behind
//! `cfg(target_arch = "wasm32")`.

pub mod engine;
