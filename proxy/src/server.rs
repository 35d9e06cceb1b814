//! The accept loop and the life of one TCP connection: admission, optional TLS, HTTP/1.1
//! with hyper, and graceful shutdown.
//!
//! Shutdown has two steps. `stopping`: no new connections, idle keep-alive connections are
//! closed, open sessions go on. `closing`, after the grace period: sessions are closed with a
//! reason. Every task is tracked, so `run` returns only when all of them are done.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, UpstreamTls};
use crate::http::{self, files::Site, Connection};
use crate::limits::Limits;
use crate::metrics::{Metrics, Refusal};
use crate::tls::ReloadingCert;
use crate::upstream::{self, Connector};

/// State shared by all connections of one server.
#[derive(Debug)]
pub struct Shared {
    /// The configuration it was started with.
    pub config: Config,
    /// The IMAP upstream.
    pub imap: Connector,
    /// The SMTP upstream, if configured.
    pub smtp: Option<Connector>,
    /// The app's files, if configured.
    pub site: Option<Site>,
    /// Counters.
    pub metrics: Metrics,
    /// Admission control.
    pub limits: Limits,
    /// Every connection and session task.
    pub tracker: TaskTracker,
    /// Cancelled when the grace period is over: sessions close.
    pub closing: CancellationToken,
}

/// The server could not start; the message names what is wrong.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// How long a connection refused at the door gets to receive its `503`.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long sessions get to send their close frames once the grace period is over.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(3);

/// Serves `listener` with `config` until `shutdown` completes, then shuts down gracefully.
/// See the crate documentation.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future,
) -> Result<(), StartError> {
    config.validate().map_err(|e| StartError(e.to_string()))?;
    let local = listener
        .local_addr()
        .map_err(|e| StartError(format!("listener address: {e}")))?;
    if config.listener_tls.is_none() && !local.ip().is_loopback() && !config.allow_plaintext_public
    {
        return Err(StartError(format!(
            "refusing plain HTTP on the non-loopback address {local}: configure --tls-cert/--tls-key, \
             or --allow-plaintext-public if a TLS reverse proxy on a private network is in front"
        )));
    }
    if config.upstream_tls == UpstreamTls::InsecureNoVerify {
        tracing::warn!(
            "UPSTREAM CERTIFICATES ARE NOT VERIFIED (--insecure-no-verify-upstream): anyone on the \
             network path can read the mail and the passwords. Use this for testing only."
        );
    }
    let client_tls =
        upstream::client_config(&config.upstream_tls).map_err(|e| StartError(e.to_string()))?;
    let imap = Connector::new(config.imap.clone(), Arc::clone(&client_tls))
        .map_err(|e| StartError(e.to_string()))?;
    let smtp = match &config.smtp {
        Some(smtp) => {
            Some(Connector::new(smtp.clone(), client_tls).map_err(|e| StartError(e.to_string()))?)
        }
        None => None,
    };
    let site = match &config.www {
        Some(dir) => Some(
            Site::new(dir)
                .map_err(|e| StartError(format!("web app directory {}: {e}", dir.display())))?,
        ),
        None => None,
    };
    let cert = match &config.listener_tls {
        Some(paths) => {
            Some(ReloadingCert::load(paths.clone()).map_err(|e| StartError(e.to_string()))?)
        }
        None => None,
    };
    let acceptor = match &cert {
        Some(cert) => Some(cert.acceptor().map_err(|e| StartError(e.to_string()))?),
        None => None,
    };

    let shared = Arc::new(Shared {
        limits: Limits::new(&config.limits),
        config,
        imap,
        smtp,
        site,
        metrics: Metrics::default(),
        tracker: TaskTracker::new(),
        closing: CancellationToken::new(),
    });
    let stopping = CancellationToken::new();
    if let Some(cert) = cert {
        shared
            .tracker
            .spawn(reload_on_sighup(cert, stopping.clone()));
    }
    tracing::info!(
        listen = %local,
        tls = acceptor.is_some(),
        imap = %shared.config.imap.address,
        smtp = ?shared.config.smtp.as_ref().map(|s| s.address.to_string()),
        "petrel-proxy listening"
    );

    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Some(slot) = shared.limits.connection() else {
            shared.metrics.refused(Refusal::Connections);
            tracing::info!(%peer, "connection refused: max_connections reached");
            shared.tracker.spawn(refuse(tcp));
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let connection = Arc::new(Connection {
            peer,
            local,
            tls: acceptor.is_some(),
            slot: Arc::new(slot),
        });
        let task = serve_connection(
            Arc::clone(&shared),
            tcp,
            connection,
            acceptor.clone(),
            stopping.clone(),
        );
        shared.tracker.spawn(task);
    }

    drop(listener);
    stopping.cancel();
    shared.tracker.close();
    let grace = shared.config.timeouts.shutdown_grace;
    tracing::info!(
        open_sessions = shared
            .metrics
            .sessions_open
            .load(std::sync::atomic::Ordering::Relaxed),
        ?grace,
        "shutting down"
    );
    if tokio::time::timeout(grace, shared.tracker.wait())
        .await
        .is_err()
    {
        shared.closing.cancel();
        if tokio::time::timeout(CLOSE_TIMEOUT, shared.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not close in time");
        }
    }
    Ok(())
}

/// Tells a connection over `max_connections` why it is refused, then closes it.
async fn refuse(mut tcp: TcpStream) {
    let body = "too many connections\n";
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_WRITE_TIMEOUT, async {
        tcp.write_all(response.as_bytes()).await?;
        tcp.shutdown().await
    })
    .await;
}

async fn serve_connection(
    shared: Arc<Shared>,
    tcp: TcpStream,
    connection: Arc<Connection>,
    acceptor: Option<TlsAcceptor>,
    stopping: CancellationToken,
) {
    match acceptor {
        None => serve_http(shared, tcp, connection, stopping).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(shared.config.timeouts.handshake, acceptor.accept(tcp));
            match handshake.await {
                Ok(Ok(tls)) => serve_http(shared, tls, connection, stopping).await,
                Ok(Err(error)) => {
                    tracing::debug!(peer = %connection.peer, %error, "tls handshake failed")
                }
                Err(_) => {
                    shared.metrics.refused(Refusal::HandshakeTimeout);
                    tracing::debug!(peer = %connection.peer, "tls handshake timed out");
                }
            }
        }
    }
}

async fn serve_http<IO>(
    shared: Arc<Shared>,
    io: IO,
    connection: Arc<Connection>,
    stopping: CancellationToken,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.config.limits;
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.timeouts.handshake)
        .max_header_size(limits.max_header_bytes)
        // hyper's read buffer may not be smaller than 8 KiB; the header cap above is what
        // bounds a request head.
        .max_buf_size(limits.max_header_bytes.max(8192) + 1024)
        .max_headers(64);
    let peer = connection.peer;
    let service_shared = Arc::clone(&shared);
    let service = service_fn(move |request| {
        http::handle(
            request,
            Arc::clone(&connection),
            Arc::clone(&service_shared),
        )
    });
    let conn = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = stopping.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = result {
        if error.is_parse_too_large() {
            shared.metrics.refused(Refusal::HeaderSize);
            tracing::info!(%peer, "request refused: header too large");
        } else if error.is_timeout() {
            shared.metrics.refused(Refusal::HandshakeTimeout);
            tracing::info!(%peer, "request head not received in time");
        } else {
            tracing::debug!(%peer, %error, "http connection error");
        }
    }
}

/// Reloads the listener certificate on each SIGHUP until shutdown.
async fn reload_on_sighup(cert: Arc<ReloadingCert>, stopping: CancellationToken) {
    let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGHUP; certificate reload disabled");
            return;
        }
    };
    loop {
        tokio::select! {
            () = stopping.cancelled() => return,
            received = hangups.recv() => if received.is_none() { return },
        }
        match cert.reload() {
            Ok(()) => tracing::info!("certificate reloaded"),
            Err(error) => tracing::error!(%error, "certificate reload failed; keeping the old one"),
        }
    }
}
