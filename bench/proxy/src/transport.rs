//! The two ways a client reaches Dovecot: TLS straight to its IMAPS port, or a WebSocket to a
//! bridge that does the TLS for it. Both carry the same IMAP bytes.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, ORIGIN};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Where a client connects: one of the four columns of the table.
#[derive(Clone)]
pub enum Target {
    /// TLS to Dovecot, trusting `connector`'s CA.
    Direct {
        addr: SocketAddr,
        connector: TlsConnector,
    },
    /// A WebSocket bridge, e.g. `ws://127.0.0.1:8080/imap`.
    WebSocket { url: String },
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Direct { addr, .. } => write!(f, "Direct({addr})"),
            Self::WebSocket { url } => write!(f, "WebSocket({url})"),
        }
    }
}

impl Target {
    /// TLS straight to `addr`, verifying its certificate against `ca` for `localhost`.
    pub fn direct(addr: SocketAddr, ca: CertificateDer<'static>) -> Result<Self, String> {
        let mut roots = RootCertStore::empty();
        roots
            .add(ca)
            .map_err(|e| format!("the test CA is unusable: {e}"))?;
        let config = ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("rustls protocol versions: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self::Direct {
            addr,
            connector: TlsConnector::from(Arc::new(config)),
        })
    }

    pub async fn connect(&self) -> io::Result<Transport> {
        match self {
            Self::Direct { addr, connector } => {
                let tcp = TcpStream::connect(addr).await?;
                tcp.set_nodelay(true)?;
                let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
                Ok(Transport::Tls(Box::new(
                    connector.connect(name, tcp).await?,
                )))
            }
            Self::WebSocket { url } => {
                // Dovecot sends FETCH bodies in large chunks; the peers forward them as they
                // come, so the client must accept messages as large as a whole body.
                let config = WebSocketConfig::default()
                    .max_message_size(Some(64 << 20))
                    .max_frame_size(Some(64 << 20));
                let mut request = url
                    .as_str()
                    .into_client_request()
                    .map_err(io::Error::other)?;
                // petrel-proxy only upgrades requests from its own origin (as a browser on
                // its page would send); the other bridges ignore the header.
                let origin = request
                    .uri()
                    .authority()
                    .map(|authority| format!("http://{authority}"))
                    .ok_or_else(|| io::Error::other(format!("no host in {url}")))?;
                request.headers_mut().insert(
                    ORIGIN,
                    HeaderValue::from_str(&origin).map_err(io::Error::other)?,
                );
                let (ws, _) =
                    tokio_tungstenite::connect_async_with_config(request, Some(config), true)
                        .await
                        .map_err(io::Error::other)?;
                Ok(Transport::Ws(Box::new(ws)))
            }
        }
    }
}

/// An open connection carrying IMAP bytes.
#[derive(Debug)]
pub enum Transport {
    Tls(Box<TlsStream<TcpStream>>),
    Ws(Box<WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>>),
}

impl Transport {
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
            Self::Ws(ws) => ws
                .send(Message::binary(bytes.to_vec()))
                .await
                .map_err(io::Error::other),
        }
    }

    /// Appends what arrives next to `buf`; `Ok(0)` is the end of the stream.
    pub async fn recv(&mut self, buf: &mut Vec<u8>) -> io::Result<usize> {
        match self {
            Self::Tls(tls) => {
                buf.reserve(64 * 1024);
                tls.read_buf(buf).await
            }
            Self::Ws(ws) => loop {
                match ws.next().await {
                    None => return Ok(0),
                    Some(Err(e)) => return Err(io::Error::other(e)),
                    Some(Ok(Message::Binary(data))) => {
                        buf.extend_from_slice(&data);
                        // An empty message is not the end of the stream.
                        if !data.is_empty() {
                            return Ok(data.len());
                        }
                    }
                    Some(Ok(Message::Text(text))) => {
                        buf.extend_from_slice(text.as_bytes());
                        if !text.is_empty() {
                            return Ok(text.len());
                        }
                    }
                    Some(Ok(Message::Close(_))) => return Ok(0),
                    // tungstenite answers pings by itself.
                    Some(Ok(_)) => {}
                }
            },
        }
    }

    pub async fn close(self) {
        match self {
            Self::Tls(mut tls) => {
                let _ = tls.shutdown().await;
            }
            Self::Ws(mut ws) => {
                // The inherent close (a close frame), not `Sink::close` of the Box.
                let _ = WebSocketStream::close(&mut ws, None).await;
            }
        }
    }
}
