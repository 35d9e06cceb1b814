//! `petrel-imap`: the IMAP client codec of Petrel.
//!
//! Sans-IO and `no_std` (+ `alloc`): the caller owns the sockets and feeds bytes in; this
//! crate never does IO, never panics on network input, and bounds its memory by [`Limits`].
//!
//! Entry points:
//! - [`ResponseDecoder`]: `feed` bytes in any chunking, pull `Result<Response, DecodeError>`
//!   with `next`. Responses borrow from the decoder's buffer (`Response<'_>`; call
//!   `into_static` to keep one). A bad response is one `Err`; decoding goes on with the next.
//!   [`decode_response`] decodes one already delimited message; [`SliceDecoder`] iterates
//!   over the responses of a complete in-memory slice without copying it.
//! - [`decode_command`]: one client command from the bytes a server reads (literals inline),
//!   and the bytes after it; `Err(DecodeError::Incomplete)` when more are needed. For test
//!   servers, proxies and round-trip tests; `examples/decode.rs --commands` prints them.
//! - [`framer::Framer`]: the message boundaries alone (lines and literals, with limits).
//! - [`encode::encode`]: a [`types::command::Command`] to bytes, split where a synchronising
//!   literal or a SASL response must wait for the server's `+`;
//!   [`encode::encode_response`] writes responses (for tests and test servers).
//! - [`Session`]: the client session: tags, pending commands, continuations, IDLE, state and
//!   capabilities; `send` commands, `feed` bytes, drain `transmit` and `poll_event`.
//! - [`types`]: typed values that cannot hold invalid IMAP (validated newtypes, `TryFrom`).
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

pub use decode::{decode_command, decode_response, DecodeError, ResponseDecoder, SliceDecoder};
pub use limits::Limits;
pub use session::{CommandKind, Session, SessionEvent, State};
pub use types::response::Response;
