//! `petrel-imap`: the IMAP client codec of Petrel.
//!
//! Sans-IO and `no_std` (+ `alloc`): the caller owns the sockets and feeds bytes in; this
//! crate never does IO, never panics on network input, and bounds its memory by [`Limits`].
//!
//! - [`types`]: typed values that cannot hold invalid IMAP.
//! - [`ResponseDecoder`]: bytes in any chunking in, [`Response`]s out ([`framer`] finds
//!   message boundaries, `decode` parses the grammar with nom).
//! - [`encode`]: commands to bytes, split where a literal must wait for the server's `+`.
//! - [`Session`]: the client session (tags, pending commands, continuations, state).
#![no_std]

extern crate alloc;

pub mod base64;
mod decode;
pub mod encode;
pub mod framer;
mod limits;
pub mod session;
pub mod types;
pub mod utf7;

pub use decode::{decode_response, DecodeError, ResponseDecoder};
pub use limits::Limits;
pub use session::{Session, SessionEvent, State};
pub use types::response::Response;
