//! The browser shell's services that are not the WebSocket (`net.rs`): for now the store
//! worker's handle.

pub mod store;
