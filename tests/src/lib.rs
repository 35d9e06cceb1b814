//! Petrel's integration harness: everything a test (or `cargo xtask demo`) needs to run
//! Petrel against real software.
//!
//! - [`tls`]: a CA and a server certificate made at test time;
//! - [`seed`]: test mail written straight into Maildir++ folders;
//! - [`dovecot`]: a private Debian Dovecot serving that mail over IMAPS on 127.0.0.1;
//! - [`postfix`]: a private Debian Postfix taking submissions over TLS and delivering into
//!   that Dovecot (needs root);
//! - [`proxy`]: petrel-proxy in-process, pointed at that Dovecot (and that Postfix), which
//!   can be stopped and started again on the same address;
//! - [`haproxy`]: a private HAProxy balancing several of those proxies;
//! - [`ws`]: a raw IMAP session over the proxy's WebSocket;
//! - [`process`]: how the harness stops the servers it started.

pub mod dovecot;
pub mod error;
pub mod haproxy;
pub mod postfix;
pub mod process;
pub mod proxy;
pub mod seed;
pub mod tls;
pub mod ws;

pub use dovecot::{Dovecot, Features, User};
pub use error::{Error, Result};
pub use postfix::{Postfix, PostfixError};
pub use proxy::{Proxy, ProxyOptions};
pub use seed::Mailbox;
