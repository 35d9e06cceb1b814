//! Petrel's integration harness: everything a test (or `cargo xtask demo`) needs to run
//! Petrel against real software.
//!
//! - [`tls`]: a CA and a server certificate made at test time;
//! - [`seed`]: test mail written straight into Maildir++ folders;
//! - [`dovecot`]: a private Debian Dovecot serving that mail over IMAPS on 127.0.0.1;
//! - [`proxy`]: petrel-proxy in-process, pointed at that Dovecot.

pub mod dovecot;
pub mod error;
pub mod proxy;
pub mod seed;
pub mod tls;

pub use dovecot::{Dovecot, User};
pub use error::{Error, Result};
pub use proxy::{Proxy, ProxyOptions};
pub use seed::Mailbox;
