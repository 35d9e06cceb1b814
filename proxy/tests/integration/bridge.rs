//! Relaying both ways and the close reasons a person sees.

use std::time::Duration;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

#[tokio::test]
async fn bridges_bytes_both_ways() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    send(&mut ws, b"a1 NOOP\r\n").await;
    assert_eq!(read_bytes(&mut ws, 9).await, b"a1 NOOP\r\n");

    // More than one chunk each way, in messages of assorted sizes.
    let payload: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let writer = async {
        for chunk in payload.chunks(7_001) {
            send(&mut ws, chunk).await;
        }
    };
    writer.await;
    assert_eq!(read_bytes(&mut ws, payload.len()).await, payload);
    let metrics = proxy.metrics().await;
    assert!(
        metrics.contains(&format!(
            "petrel_proxy_bytes_to_upstream_total {}",
            payload.len() + 9
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("petrel_proxy_sessions_open 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("petrel_proxy_upstream_handshake_seconds_count 1"),
        "{metrics}"
    );
    ws.close(None).await.unwrap();
}

#[tokio::test]
async fn upstream_close_is_a_normal_close_with_reason() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::GreetAndClose, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(read_bytes(&mut ws, 12).await, b"* OK ready\r\n");
    assert_eq!(
        close_of(&mut ws).await,
        (1000, "mail server closed the connection".to_owned())
    );
}

#[tokio::test]
async fn upstream_down_closes_with_reason() {
    let pki = pki(&["127.0.0.1"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let proxy = Proxy::start(config(dead, &pki)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (1011, "mail server unreachable".to_owned())
    );
    assert!(proxy
        .metrics()
        .await
        .contains("petrel_proxy_upstream_errors_total 1"));
}

#[tokio::test]
async fn certificate_from_an_unknown_ca_closes_with_reason() {
    let pki_server = pki(&["127.0.0.1"]);
    let pki_other = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki_server, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki_other)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (
            1011,
            "mail server certificate issuer unknown: give its CA certificate with --ca-file"
                .to_owned()
        )
    );
}

#[tokio::test]
async fn certificate_for_another_name_closes_with_reason() {
    let pki = pki(&["mail.example.org"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (
            1011,
            "mail server certificate is for another name: connect by a name it lists (see the proxy log)"
                .to_owned()
        )
    );
}

#[tokio::test]
async fn expired_certificate_closes_with_reason() {
    let pki = pki_with(&["127.0.0.1"], |params| {
        params.not_before = rcgen::date_time_ymd(2019, 1, 1);
        params.not_after = rcgen::date_time_ymd(2020, 1, 1);
    });
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (
            1011,
            "mail server certificate expired: renew it on the mail server".to_owned()
        )
    );
}

#[tokio::test]
async fn server_certificate_pinned_in_the_ca_file_is_trusted_despite_its_ca_flag() {
    // The CA file holds the server's own certificate, marked CA:TRUE as `openssl req -x509`
    // makes it (here issued by a CA that is not in the file).
    let pki = pki_with(&["127.0.0.1"], |params| {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    });
    std::fs::write(&pki.ca_file, &pki.cert_pem).unwrap();
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    send(&mut ws, b"a1 NOOP\r\n").await;
    assert_eq!(read_bytes(&mut ws, 9).await, b"a1 NOOP\r\n");
}

#[tokio::test]
async fn upstream_that_never_speaks_tls_times_out() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Silent, None).await;
    let mut config = config(up, &pki);
    config.timeouts.upstream = Duration::from_millis(300);
    let proxy = Proxy::start(config).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (1011, "mail server did not answer in time".to_owned())
    );
}

#[tokio::test]
async fn text_frames_are_refused() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    ws.send(Message::text("a1 NOOP\r\n")).await.unwrap();
    assert_eq!(
        close_of(&mut ws).await,
        (1003, "binary frames only".to_owned())
    );
}

// Regression: the proxy dropped the browser's close without answering it (RFC 6455 5.5.1),
// so browsers waited for their close timeout and saw an abnormal closure.
#[tokio::test]
async fn browser_close_is_answered() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    send(&mut ws, b"a1 LOGOUT\r\n").await;
    assert_eq!(read_bytes(&mut ws, 11).await, b"a1 LOGOUT\r\n");
    ws.send(Message::Close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "signed out".into(),
    })))
    .await
    .unwrap();
    assert_eq!(close_of(&mut ws).await.0, 1000);
}

#[tokio::test]
async fn idle_sessions_are_closed() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let mut config = config(up, &pki);
    config.timeouts.idle = Duration::from_millis(300);
    config.timeouts.ping_interval = Duration::from_millis(100);
    let proxy = Proxy::start(config).await;
    let mut ws = imap(&proxy).await;
    // Pings arrive and are answered (the client library answers while we read), yet without
    // payload the session counts as idle.
    assert_eq!(close_of(&mut ws).await, (1001, "idle timeout".to_owned()));
}

#[tokio::test]
async fn proxy_protocol_header_names_the_client() {
    let pki = pki(&["127.0.0.1"]);
    let (up, mut headers) = upstream(&pki, Behaviour::Echo, Some(28)).await;
    let mut config = config(up, &pki);
    config.imap.proxy_protocol = true;
    let proxy = Proxy::start(config).await;
    let tcp = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    let client = tcp.local_addr().unwrap();
    let request = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut r = format!("ws://{}/imap", proxy.address)
            .into_client_request()
            .unwrap();
        r.headers_mut()
            .insert("origin", proxy.origin().parse().unwrap());
        r
    };
    let (mut ws, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    send(&mut ws, b"x").await;
    assert_eq!(read_bytes(&mut ws, 1).await, b"x");
    let header = headers.recv().await.unwrap();
    assert_eq!(header, petrel_proxy::proxy_v2_header(client, proxy.address));
}

#[tokio::test]
async fn pings_are_sent() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let mut config = config(up, &pki);
    config.timeouts.ping_interval = Duration::from_millis(100);
    let proxy = Proxy::start(config).await;
    let mut ws = imap(&proxy).await;
    use futures_util::StreamExt;
    let message = tokio::time::timeout(Duration::from_secs(2), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(matches!(message, Message::Ping(_)), "{message:?}");
}

/// A browser that does not read stalls the upstream's writes: the proxy holds at most a
/// chunk, and the kernel's socket buffers hold the rest.
#[tokio::test]
async fn slow_browser_slows_the_upstream() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let pki = pki(&["127.0.0.1"]);
    let written = Arc::new(AtomicUsize::new(0));
    let (up, _) = upstream(&pki, Behaviour::Firehose(Arc::clone(&written)), None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    let mut last = 0;
    let mut stalled = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = written.load(Ordering::Relaxed);
        if now == last && now > 0 {
            stalled = true;
            break;
        }
        last = now;
    }
    assert!(
        stalled,
        "the upstream kept writing ({last} bytes) while nobody read"
    );
    // Two loopback sockets' buffers at most (Linux autotunes them up to a few MiB each).
    assert!(last < 32 << 20, "{last} bytes written before the stall");
    // Reading resumes the flow.
    let got = read_bytes(&mut ws, last + 1).await.len();
    assert!(got > last);
    let metrics = proxy.metrics().await;
    assert!(
        metrics.contains("petrel_proxy_sessions_open 1"),
        "{metrics}"
    );
}

/// A browser that stops answering pings is dropped.
#[tokio::test]
async fn silent_browser_is_dropped() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let mut config = config(up, &pki);
    config.timeouts.ping_interval = Duration::from_millis(100);
    let proxy = Proxy::start(config).await;
    let mut ws = imap(&proxy).await;
    // Not polling the socket means not answering pings.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        close_of(&mut ws).await,
        (1001, "no answer to ping".to_owned())
    );
}

#[tokio::test]
async fn smtp_is_a_second_fixed_upstream() {
    let pki = pki(&["127.0.0.1"]);
    let (imap_up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let (smtp_up, _) = upstream(&pki, Behaviour::GreetAndClose, None).await;
    let mut config = config(imap_up, &pki);
    config.smtp = Some(petrel_proxy::Upstream::new(
        smtp_up.to_string().parse().unwrap(),
    ));
    let proxy = Proxy::start(config).await;
    let mut ws = ws(proxy.address, "/smtp", Some(&proxy.origin()))
        .await
        .unwrap();
    assert_eq!(read_bytes(&mut ws, 12).await, b"* OK ready\r\n");
}

/// Behind a trusted reverse proxy, the PROXY header carries the address from
/// X-Forwarded-For; from anyone else the header is ignored.
#[tokio::test]
async fn forwarded_client_reaches_the_proxy_header() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let pki = pki(&["127.0.0.1"]);
    let (up, mut headers) = upstream(&pki, Behaviour::Echo, Some(28)).await;
    let mut config = config(up, &pki);
    config.imap.proxy_protocol = true;
    let proxy = Proxy::start(config).await;
    let mut request = format!("ws://{}/imap", proxy.address)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", "https://mail.example.org".parse().unwrap());
    request
        .headers_mut()
        .insert("host", "mail.example.org".parse().unwrap());
    request
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    request.headers_mut().insert(
        "x-forwarded-for",
        "198.51.100.7, 203.0.113.5".parse().unwrap(),
    );
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "imap".parse().unwrap());
    let tcp = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    let (mut ws, response) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "imap"
    );
    send(&mut ws, b"x").await;
    assert_eq!(read_bytes(&mut ws, 1).await, b"x");
    let header = headers.recv().await.unwrap();
    let client = "203.0.113.5:0".parse().unwrap();
    assert_eq!(header, petrel_proxy::proxy_v2_header(client, proxy.address));
}

#[tokio::test]
async fn upstream_without_tls_closes_with_reason() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Plaintext, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    assert_eq!(
        close_of(&mut ws).await,
        (1011, "TLS handshake with mail server failed".to_owned())
    );
}
