//! `petrel-smtp`: the SMTP submission client codec of Petrel (RFC 5321, RFC 6409).
//!
//! Sans-IO and `no_std` (+ `alloc`), like `petrel-imap` beside it: the caller owns the
//! socket (and its TLS), feeds received bytes in, writes out what the session transmits, and
//! keeps the clock. Nothing here does IO, keeps time or draws random numbers; nothing panics
//! on network input, and memory is bounded by [`Limits`].
//!
//! Entry points:
//! - [`ReplyParser`]: `feed` bytes in any chunking, pull `Result<Reply, ReplyError>` with
//!   `next`. Multi-line replies are joined, RFC 3463 enhanced status codes split off.
//! - [`Session`]: the client side of one submission connection: greeting, `EHLO`
//!   ([`Extensions`]), `AUTH PLAIN` / `AUTH LOGIN`, then any number of [`Submission`]s
//!   (`MAIL FROM`, `RCPT TO`, `DATA` or `BDAT`, pipelined where offered), `QUIT`. `feed`
//!   bytes, drain `transmit` and `poll_event`.
//! - [`data`]: dot-stuffing and CRLF normalisation, streaming, and the reverse for tests.
//! - [`Address`], [`ClientName`], [`Credentials`]: values that cannot hold what would break
//!   a command line (parse, don't validate), with typed errors naming the bad value.
//! - [`explain`]: every reply and outcome in words a person understands.
#![no_std]

extern crate alloc;

mod address;
mod auth;
pub mod data;
pub mod explain;
mod extensions;
mod limits;
mod reply;
mod session;

pub use address::{Address, AddressError, ClientName};
pub use auth::{Credentials, CredentialsError, Mechanism, Password};
pub use extensions::{Extensions, SizeLimit};
pub use limits::Limits;
pub use reply::{EnhancedCode, Reply, ReplyCode, ReplyError, ReplyParser};
pub use session::{
    Body, Event, Outcome, ProtocolError, RecipientStatus, Report, Session, SessionError, Submission,
};
