//! Test fixtures: certificates made with rcgen, TLS upstreams on real sockets, the proxy
//! running in-process, and small WebSocket and raw HTTP clients.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use petrel_proxy::{Config, Upstream, UpstreamTls};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A fresh directory under the system temp dir.
pub fn temp_dir(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "petrel-proxy-test-{}-{label}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA and a leaf certificate it signed, as PEM files.
pub struct Pki {
    pub ca_file: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

pub fn pki(names: &[&str]) -> Pki {
    pki_with(names, |_| {})
}

/// Like [`pki`], with the leaf's parameters changed by `adjust` (dates, CA flag).
pub fn pki_with(names: &[&str], adjust: impl FnOnce(&mut CertificateParams)) -> Pki {
    let dir = temp_dir("pki");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    adjust(&mut params);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    let cert_file = dir.join("cert.pem");
    let key_file = dir.join("key.pem");
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    Pki {
        ca_file,
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_file,
        key_file,
    }
}

pub fn server_tls(pki: &Pki) -> TlsAcceptor {
    let certs = CertificateDer::pem_slice_iter(pki.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// How a test upstream behaves after the TLS handshake.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Echo every byte back.
    Echo,
    /// Send a greeting, then close.
    GreetAndClose,
    /// Accept TCP and never speak TLS.
    Silent,
    /// Speak plain IMAP instead of TLS (a port-143 server configured by mistake).
    Plaintext,
    /// Write as fast as the connection takes it, counting the bytes written.
    Firehose(Arc<AtomicUsize>),
}

/// A TLS upstream on 127.0.0.1. If `proxy_header` is set, the first `proxy_header` bytes
/// before TLS are read and sent on the returned channel.
pub async fn upstream(
    pki: &Pki,
    behaviour: Behaviour,
    proxy_header: Option<usize>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let acceptor = server_tls(pki);
    let (headers, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let headers = headers.clone();
            let behaviour = behaviour.clone();
            tokio::spawn(async move {
                if let Some(len) = proxy_header {
                    let mut header = vec![0u8; len];
                    if tcp.read_exact(&mut header).await.is_err() {
                        return;
                    }
                    let _ = headers.send(header);
                }
                match &behaviour {
                    Behaviour::Silent => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    Behaviour::Plaintext => {
                        let _ = tcp.write_all(b"* OK IMAP4rev1 ready\r\n").await;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        return;
                    }
                    _ => {}
                }
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                match behaviour {
                    Behaviour::Echo => {
                        let (mut r, mut w) = tokio::io::split(tls);
                        let _ = tokio::io::copy(&mut r, &mut w).await;
                        let _ = w.shutdown().await;
                    }
                    Behaviour::GreetAndClose => {
                        let mut tls = tls;
                        let _ = tls.write_all(b"* OK ready\r\n").await;
                        let _ = tls.shutdown().await;
                    }
                    Behaviour::Firehose(written) => {
                        let mut tls = tls;
                        let chunk = vec![b'f'; 16 * 1024];
                        while tls.write_all(&chunk).await.is_ok() {
                            written.fetch_add(chunk.len(), Ordering::Relaxed);
                        }
                    }
                    Behaviour::Silent | Behaviour::Plaintext => {}
                }
            });
        }
    });
    (address, rx)
}

/// A configuration for tests: the upstream at `upstream`, its CA trusted, short timeouts.
pub fn config(upstream: SocketAddr, pki: &Pki) -> Config {
    let mut config = Config::new(Upstream::new(upstream.to_string().parse().unwrap()));
    config.upstream_tls = UpstreamTls::CaFile(pki.ca_file.clone());
    config.timeouts.handshake = Duration::from_secs(2);
    config.timeouts.upstream = Duration::from_secs(2);
    config.timeouts.shutdown_grace = Duration::from_millis(300);
    config
}

/// The proxy running in-process.
pub struct Proxy {
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), petrel_proxy::StartError>>,
}

impl Proxy {
    pub async fn start(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(petrel_proxy::run(config, listener, async {
            let _ = stopped.await;
        }));
        Self {
            address,
            stop: Some(stop),
            handle,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Starts the shutdown and returns the server task.
    pub fn stop(self) -> JoinHandle<Result<(), petrel_proxy::StartError>> {
        let Proxy { stop, handle, .. } = self;
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        handle
    }

    pub async fn metrics(&self) -> String {
        get(self.address, "/metrics", &[]).await.body_text()
    }
}

pub type Ws = WebSocketStream<TcpStream>;

/// Opens a WebSocket at `path` with the given Origin (none if `None`).
pub async fn ws(
    proxy: SocketAddr,
    path: &str,
    origin: Option<&str>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let mut request = format!("ws://{proxy}{path}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    let tcp = TcpStream::connect(proxy).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, tcp).await?;
    Ok(ws)
}

/// Opens a WebSocket at `/imap` with the proxy's own origin.
pub async fn imap(proxy: &Proxy) -> Ws {
    ws(proxy.address, "/imap", Some(&proxy.origin()))
        .await
        .unwrap()
}

/// Reads binary messages until `n` bytes arrived; panics on anything else.
pub async fn read_bytes(ws: &mut Ws, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < n {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Binary(data))) => out.extend_from_slice(&data),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected data, got {other:?}"),
        }
    }
    out
}

/// Reads until a close frame and returns it (code, reason).
pub async fn close_of(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no close in time")
        {
            Some(Ok(Message::Close(Some(CloseFrame { code, reason })))) => {
                return (code.into(), reason.to_string())
            }
            Some(Ok(Message::Close(None))) => return (1005, String::new()),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

pub async fn send(ws: &mut Ws, data: &[u8]) {
    ws.send(Message::binary(data.to_vec())).await.unwrap();
}

/// A raw HTTP/1.1 response.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `raw` as is and reads the response until the server closes.
pub async fn raw_request(proxy: SocketAddr, raw: &[u8]) -> RawResponse {
    let mut tcp = TcpStream::connect(proxy).await.unwrap();
    tcp.write_all(raw).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    parse_response(&buf)
}

pub fn parse_response(buf: &[u8]) -> RawResponse {
    let text_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&buf[..text_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: buf[text_end + 4..].to_vec(),
    }
}

/// GET `path` with extra headers, `Connection: close`.
pub async fn get(proxy: SocketAddr, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    request(proxy, "GET", path, headers).await
}

pub async fn request(
    proxy: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {proxy}\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    raw_request(proxy, raw.as_bytes()).await
}
