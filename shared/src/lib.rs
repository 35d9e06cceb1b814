//! `petrel-imap`: the IMAP client codec of Petrel.
//!
//! Sans-IO and `no_std` (+ `alloc`): the caller owns the sockets and feeds bytes in; this
//! crate never does IO, never panics on network input, and bounds its memory by [`Limits`].
#![no_std]

extern crate alloc;
