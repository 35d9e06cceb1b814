//! One session: a browser WebSocket relayed to one upstream TLS connection, bytes both ways.
//!
//! Each direction is its own loop that reads one chunk and does not read the next until the
//! chunk is written, so a slow reader on either side slows the other side's reads instead of
//! growing a buffer. The two loops run concurrently so that neither side's writes can block
//! the other direction (a large APPEND upload while the server streams a FETCH).
//!
//! The proxy never looks at the bytes and never logs them: the one log line per session has
//! addresses, counts, duration and why it ended.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::CancellationToken;

use crate::metrics::{Metrics, Refusal};
use crate::upstream::Connector;

/// Bytes read from the upstream per WebSocket message. Large enough for throughput (a TLS
/// record holds at most 16 KiB of plaintext), small enough that a slow browser holds little.
const CHUNK: usize = 16 * 1024;

/// How long the closing handshake may take before the connection is dropped anyway.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The tungstenite settings for a relay: a small eagerly allocated read buffer, writes
/// flushed per message, a bounded write buffer, and frame and message caps of
/// `max_message_bytes` (the library defaults are 128 KiB buffers per connection and 16/64 MiB
/// frames and messages).
pub fn websocket_config(max_message_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(CHUNK * 4 + max_message_bytes)
        .max_frame_size(Some(max_message_bytes))
        .max_message_size(Some(max_message_bytes))
}

/// What a session needs besides its two sockets.
#[derive(Debug)]
pub struct Session<'a> {
    /// The browser's address (after trusted `X-Forwarded-For`).
    pub client: SocketAddr,
    /// The address the browser connected to; the PROXY header's destination.
    pub local: SocketAddr,
    /// The upstream's name as the browser chose it (`imap`, `smtp`).
    pub name: &'static str,
    /// Where to connect.
    pub connector: &'a Connector,
    /// Time to connect to the upstream.
    pub upstream_timeout: Duration,
    /// A session without traffic for this long is closed.
    pub idle_timeout: Duration,
    /// How often to ping the browser.
    pub ping_interval: Duration,
    /// Cancelled when the shutdown grace period is over.
    pub closing: &'a CancellationToken,
    /// Where to count.
    pub metrics: &'a Metrics,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Upstream(&'static str),
    UpstreamClosed,
    UpstreamLost,
    BrowserClosed,
    BrowserGone,
    BrowserSilent,
    BrowserSlow,
    TextFrame,
    BadUtf8,
    TooLarge,
    Protocol,
    Idle,
    Shutdown,
}

impl End {
    /// The close frame to send, if the browser is still there to receive one.
    fn close_frame(self) -> Option<(CloseCode, &'static str)> {
        match self {
            // 1011, not 1014 ("bad gateway"): Chromium and tungstenite treat a received 1014
            // as a protocol violation and the reason would be lost.
            End::Upstream(reason) => Some((CloseCode::Error, reason)),
            End::UpstreamClosed => Some((CloseCode::Normal, "mail server closed the connection")),
            End::UpstreamLost => Some((CloseCode::Error, "connection to mail server lost")),
            End::BrowserClosed | End::BrowserGone => None,
            End::BrowserSilent => Some((CloseCode::Away, "no answer to ping")),
            End::BrowserSlow => Some((CloseCode::Policy, "browser too slow to receive")),
            End::TextFrame => Some((CloseCode::Unsupported, "binary frames only")),
            End::BadUtf8 => Some((CloseCode::Invalid, "invalid utf-8")),
            End::TooLarge => Some((CloseCode::Size, "message too big")),
            End::Protocol => Some((CloseCode::Protocol, "websocket protocol error")),
            End::Idle => Some((CloseCode::Away, "idle timeout")),
            End::Shutdown => Some((CloseCode::Away, "proxy shutting down")),
        }
    }

    /// The reason as logged.
    fn label(self) -> &'static str {
        match self {
            End::Upstream(reason) => reason,
            End::BrowserClosed => "browser closed",
            End::BrowserGone => "browser disconnected",
            other => other.close_frame().map_or("", |(_, reason)| reason),
        }
    }
}

/// Runs one session to its end: connects the upstream, relays, closes with a reason, and
/// logs one line.
pub async fn run<S>(mut ws: WebSocketStream<S>, session: Session<'_>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let metrics = session.metrics;
    metrics.sessions_total.fetch_add(1, Relaxed);
    metrics.sessions_open.fetch_add(1, Relaxed);
    let connect =
        session
            .connector
            .connect(session.client, session.local, session.upstream_timeout);
    let connected = tokio::select! {
        connected = connect => Some(connected),
        () = session.closing.cancelled() => None,
    };
    let counts = Counts::default();
    let end = match connected {
        None => End::Shutdown,
        Some(Err(error)) => {
            metrics.upstream_errors.fetch_add(1, Relaxed);
            tracing::warn!(upstream = %session.connector.upstream().address, %error, "mail server connection failed");
            End::Upstream(error.reason())
        }
        Some(Ok((upstream, took))) => {
            metrics.upstream_handshake(took);
            relay(&mut ws, upstream, &session, &counts).await
        }
    };
    if end == End::TooLarge {
        metrics.refused(Refusal::MessageSize);
    }
    close(&mut ws, end).await;
    metrics.sessions_open.fetch_sub(1, Relaxed);
    tracing::info!(
        client = %session.client,
        upstream = session.name,
        address = %session.connector.upstream().address,
        duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        bytes_to_upstream = counts.to_upstream.load(Relaxed),
        bytes_to_browser = counts.to_browser.load(Relaxed),
        close = end.label(),
        "session ended"
    );
}

/// Per-session counters, shared by the two directions (they run in one task, but the
/// futures must be `Send`, which rules out `Cell`).
#[derive(Debug, Default)]
struct Counts {
    to_upstream: AtomicU64,
    to_browser: AtomicU64,
    /// Milliseconds since the session start when the browser last sent any frame.
    browser_seen: AtomicU64,
    /// Milliseconds since the session start of the last payload byte either way.
    traffic_seen: AtomicU64,
}

fn millis_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

async fn relay<S, U>(
    ws: &mut WebSocketStream<S>,
    upstream: U,
    session: &Session<'_>,
    counts: &Counts,
) -> End
where
    S: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let metrics = session.metrics;
    let (mut up_read, mut up_write) = tokio::io::split(upstream);
    let (mut sink, mut stream) = ws.split();

    let to_upstream = async {
        while let Some(message) = stream.next().await {
            counts.browser_seen.store(millis_since(start), Relaxed);
            let data = match message {
                Ok(Message::Binary(data)) => data,
                Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                Ok(Message::Text(_)) => return End::TextFrame,
                Ok(Message::Close(_)) => return End::BrowserClosed,
                Err(WsError::Capacity(CapacityError::MessageTooLong { .. })) => {
                    return End::TooLarge
                }
                Err(WsError::Utf8(_)) => return End::BadUtf8,
                Err(WsError::Protocol(_) | WsError::Capacity(_)) => return End::Protocol,
                Err(_) => return End::BrowserGone,
            };
            counts.traffic_seen.store(millis_since(start), Relaxed);
            if up_write.write_all(&data).await.is_err() || up_write.flush().await.is_err() {
                return End::UpstreamLost;
            }
            let n = data.len() as u64;
            counts.to_upstream.fetch_add(n, Relaxed);
            metrics.bytes_to_upstream.fetch_add(n, Relaxed);
        }
        End::BrowserGone
    };

    let to_browser = async {
        let mut buf = vec![0u8; CHUNK];
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + session.ping_interval,
            session.ping_interval,
        );
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // A browser that cannot take one chunk within two ping intervals is as good as gone.
        let send_timeout = session.ping_interval * 2;
        loop {
            let message = tokio::select! {
                read = up_read.read(&mut buf) => match read {
                    Ok(0) => return End::UpstreamClosed,
                    Ok(n) => {
                        counts.traffic_seen.store(millis_since(start), Relaxed);
                        Message::Binary(Bytes::copy_from_slice(&buf[..n]))
                    }
                    // A TLS close without close_notify is how many servers hang up.
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return End::UpstreamClosed,
                    Err(_) => return End::UpstreamLost,
                },
                _ = ping.tick() => {
                    let now = millis_since(start);
                    let silent = now.saturating_sub(counts.browser_seen.load(Relaxed));
                    if u128::from(silent) > send_timeout.as_millis() {
                        return End::BrowserSilent;
                    }
                    let idle = now.saturating_sub(counts.traffic_seen.load(Relaxed));
                    if u128::from(idle) >= session.idle_timeout.as_millis() {
                        return End::Idle;
                    }
                    Message::Ping(Bytes::new())
                }
            };
            let n = match &message {
                Message::Binary(data) => data.len() as u64,
                _ => 0,
            };
            match tokio::time::timeout(send_timeout, sink.send(message)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return End::BrowserGone,
                Err(_) => return End::BrowserSlow,
            }
            counts.to_browser.fetch_add(n, Relaxed);
            metrics.bytes_to_browser.fetch_add(n, Relaxed);
        }
    };

    let end = tokio::select! {
        end = to_upstream => end,
        end = to_browser => end,
        () = session.closing.cancelled() => End::Shutdown,
    };
    // Tell the server we are done (TLS close_notify); it may already be gone.
    let _ = tokio::time::timeout(CLOSE_WAIT, up_write.shutdown()).await;
    end
}

/// Finishes the WebSocket: answers the browser's close, or sends ours and waits briefly for
/// the browser's answer so that it sees the reason.
async fn close<S>(ws: &mut WebSocketStream<S>, end: End)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some((code, reason)) = end.close_frame() else {
        // The reply to the browser's close is queued by tungstenite; flush it.
        let _ = tokio::time::timeout(CLOSE_WAIT, futures_util::SinkExt::flush(ws)).await;
        return;
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        if ws.close(Some(frame)).await.is_err() {
            return;
        }
        // Read until the browser's close arrives or the connection ends.
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_fit_a_control_frame() {
        let certificate = crate::upstream::Problem::ALL.map(|p| End::Upstream(p.reason()));
        for end in certificate.into_iter().chain([
            End::UpstreamClosed,
            End::UpstreamLost,
            End::BrowserSilent,
            End::BrowserSlow,
            End::TextFrame,
            End::TooLarge,
            End::Protocol,
            End::Idle,
            End::Shutdown,
        ]) {
            let (_, reason) = end.close_frame().unwrap_or((CloseCode::Normal, ""));
            assert!(!reason.is_empty() && reason.len() <= 123, "{end:?}");
        }
    }
}
