//! Petrel's web app. The protocol engine ([`engine`]), the MIME writer ([`compose`]) and the
//! app state ([`model`]) are plain Rust that compiles and tests natively; the Yew UI ([`ui`])
//! and the WebSocket ([`net`]) live behind `cfg(target_arch = "wasm32")`.

pub mod compose;
pub mod engine;
pub mod html;
pub mod model;
#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
pub mod send;
#[cfg(target_arch = "wasm32")]
pub mod ui;
