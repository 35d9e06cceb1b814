//! petrel-proxy: bridges browser WebSockets to fixed mail servers over TLS and serves the web
//! app.
//!
//! The browser opens a WebSocket at `/imap` (or `/smtp`); the proxy connects to the server
//! configured under that name, verifies its certificate, and relays bytes both ways without
//! looking at them. Nothing the browser sends can choose a host or port.
//!
//! # Entry point
//!
//! [`run`] serves an already bound listener until a shutdown future completes, so tests and
//! the integration harness can run the proxy in-process:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use petrel_proxy::{Config, Upstream, UpstreamTls};
//!
//! let mut config = Config::new(Upstream::new("127.0.0.1:10993".parse()?));
//! config.upstream_tls = UpstreamTls::CaFile("ca.pem".into());
//! config.allowed_origins.push("http://127.0.0.1:8081".into());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(petrel_proxy::run(config, listener, async { let _ = stopped.await; }));
//! // ... connect to ws://{address}/imap with Origin: http://{address} ...
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```
//!
//! # Architecture
//!
//! - [`config`]: the validated [`Config`] and the admin-facing [`Settings`].
//! - `server`: accept loop, connection admission, TLS listener, hyper, graceful shutdown.
//! - `http`: routing, the upgrade checks (Origin, rate, sessions), static files.
//! - `bridge`: one session, WebSocket frames to upstream bytes and back, close reasons.
//! - `upstream`: TCP, PROXY protocol v2, TLS to the mail server.
//! - `limits`, `metrics`, `tls`: admission control, counters, the reloadable certificate.

pub mod config;

mod bridge;
mod http;
mod limits;
mod metrics;
mod server;
mod tls;
mod upstream;

pub use config::{
    Config, ConfigError, HostPort, Limits, ListenerTls, Settings, Timeouts, Upstream, UpstreamTls,
};
pub use server::{run, StartError};
pub use upstream::proxy_v2_header;
