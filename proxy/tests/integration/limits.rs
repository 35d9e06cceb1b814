//! Every limit refuses with a clear status and is counted; Origin checks.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::common::*;

async fn echo_proxy(adjust: impl FnOnce(&mut petrel_proxy::Config)) -> Proxy {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let mut config = config(up, &pki);
    adjust(&mut config);
    Proxy::start(config).await
}

fn status_of(result: Result<Ws, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other:?}"),
        Ok(_) => panic!("expected a refusal, the upgrade succeeded"),
    }
}

#[tokio::test]
async fn origin_must_be_own_or_allowed() {
    let proxy = echo_proxy(|c| c.allowed_origins.push("http://127.0.0.1:8081".into())).await;
    assert_eq!(status_of(ws(proxy.address, "/imap", None).await), 403);
    assert_eq!(
        status_of(ws(proxy.address, "/imap", Some("https://evil.example")).await),
        403
    );
    // Same host, other scheme: not the same origin.
    let https_self = format!("https://{}", proxy.address);
    assert_eq!(
        status_of(ws(proxy.address, "/imap", Some(&https_self)).await),
        403
    );
    assert!(ws(proxy.address, "/imap", Some("http://127.0.0.1:8081"))
        .await
        .is_ok());
    assert!(ws(proxy.address, "/imap", Some(&proxy.origin()))
        .await
        .is_ok());
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"origin\"} 3"));
}

#[tokio::test]
async fn unknown_upstream_names_are_not_found() {
    let proxy = echo_proxy(|_| {}).await;
    assert_eq!(
        status_of(ws(proxy.address, "/smtp", Some(&proxy.origin())).await),
        404
    );
    assert_eq!(
        status_of(
            ws(
                proxy.address,
                "/imap/evil.example:993",
                Some(&proxy.origin())
            )
            .await
        ),
        404
    );
}

#[tokio::test]
async fn sessions_per_address() {
    let proxy = echo_proxy(|c| c.limits.max_sessions_per_address = 2).await;
    let _a = imap(&proxy).await;
    let b = imap(&proxy).await;
    assert_eq!(
        status_of(ws(proxy.address, "/imap", Some(&proxy.origin())).await),
        429
    );
    drop(b);
    // The slot comes back once the proxy notices the session ended.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(ws(proxy.address, "/imap", Some(&proxy.origin()))
        .await
        .is_ok());
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"sessions_per_address\"} 1"));
}

#[tokio::test]
async fn upgrade_rate_per_address() {
    let proxy = echo_proxy(|c| c.limits.upgrades_per_minute = 2).await;
    drop(imap(&proxy).await);
    drop(imap(&proxy).await);
    assert_eq!(
        status_of(ws(proxy.address, "/imap", Some(&proxy.origin())).await),
        429
    );
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"upgrade_rate\"} 1"));
}

#[tokio::test]
async fn total_connections() {
    let proxy = echo_proxy(|c| c.limits.max_connections = 1).await;
    let held = imap(&proxy).await;
    let refused = get(proxy.address, "/healthz", &[]).await;
    assert_eq!(refused.status, 503);
    assert_eq!(refused.body_text(), "too many connections\n");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"connections\"} 1"));
}

#[tokio::test]
async fn oversized_headers_are_refused() {
    let proxy = echo_proxy(|c| c.limits.max_header_bytes = 2048).await;
    let big = "a".repeat(4096);
    let response = get(proxy.address, "/healthz", &[("x-big", &big)]).await;
    assert_eq!(response.status, 431);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"header_size\"} 1"));
}

#[tokio::test]
async fn oversized_messages_close_the_session() {
    let proxy = echo_proxy(|c| c.limits.max_message_bytes = 1024).await;
    let mut ws = imap(&proxy).await;
    send(&mut ws, &[b'x'; 1024]).await;
    assert_eq!(read_bytes(&mut ws, 1024).await.len(), 1024);
    send(&mut ws, &[b'x'; 1025]).await;
    assert_eq!(
        close_of(&mut ws).await,
        (1009, "message too big".to_owned())
    );
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"message_size\"} 1"));
}

#[tokio::test]
async fn slowloris_upgrade_is_cut_off() {
    let proxy = echo_proxy(|c| c.timeouts.handshake = Duration::from_millis(300)).await;
    let mut tcp = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    tcp.write_all(b"GET /imap HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    // Keep trickling header bytes; the proxy must hang up anyway.
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if tcp.write_all(b"X-a: b\r\n").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), trickle).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), tcp.read_to_end(&mut buf)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "connection stayed open {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_refusals_total{limit=\"handshake_timeout\"} 1"));
}

/// An idle keep-alive connection is closed after the handshake timeout, so that idle
/// connections cannot pile up against `max_connections`.
#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let proxy = echo_proxy(|c| c.timeouts.handshake = Duration::from_millis(300)).await;
    let mut tcp = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    tcp.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", proxy.address).as_bytes())
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(3), tcp.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

/// With its own TLS, a client that never finishes the TLS handshake is cut off too.
#[tokio::test]
async fn stalled_tls_handshake_is_cut_off() {
    let pki = pki(&["127.0.0.1"]);
    let mut config = config("127.0.0.1:9".parse().unwrap(), &pki);
    config.timeouts.handshake = Duration::from_millis(300);
    config.listener_tls = Some(petrel_proxy::ListenerTls {
        cert: pki.cert_file.clone(),
        key: pki.key_file.clone(),
    });
    let proxy = Proxy::start(config).await;
    let mut tcp = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    // The first bytes of a TLS record header, then nothing.
    tcp.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
    let mut buf = [0u8; 64];
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(3), tcp.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
