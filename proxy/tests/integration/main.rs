//! Integration tests of petrel-proxy against real sockets: a TLS upstream made with rcgen,
//! the proxy in-process, and WebSocket and raw HTTP clients.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod binary;
mod bridge;
mod files;
mod lifecycle;
mod limits;
