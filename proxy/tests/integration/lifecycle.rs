//! Start-up checks, graceful shutdown, and what gets logged.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;

#[tokio::test]
async fn plaintext_on_a_public_address_is_refused() {
    let pki = pki(&["127.0.0.1"]);
    let config = config("127.0.0.1:9".parse().unwrap(), &pki);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let error = petrel_proxy::run(config, listener, std::future::pending::<()>())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("refusing plain HTTP"), "{error}");
}

#[tokio::test]
async fn shutdown_closes_open_sessions_after_the_grace_period() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let address = proxy.address;
    let mut ws = imap(&proxy).await;
    send(&mut ws, b"a1 IDLE\r\n").await;
    assert_eq!(read_bytes(&mut ws, 9).await, b"a1 IDLE\r\n");
    let started = std::time::Instant::now();
    let server = proxy.stop();
    // During the grace period the session still works.
    tokio::time::sleep(Duration::from_millis(100)).await;
    send(&mut ws, b"DONE\r\n").await;
    assert_eq!(read_bytes(&mut ws, 6).await, b"DONE\r\n");
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "still accepting"
    );
    assert_eq!(
        close_of(&mut ws).await,
        (1001, "proxy shutting down".to_owned())
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn shutdown_without_sessions_is_prompt() {
    let pki = pki(&["127.0.0.1"]);
    let mut config = config("127.0.0.1:9".parse().unwrap(), &pki);
    config.timeouts.shutdown_grace = Duration::from_secs(30);
    let proxy = Proxy::start(config).await;
    // An idle keep-alive HTTP connection must not hold up the shutdown.
    let _idle = tokio::net::TcpStream::connect(proxy.address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    tokio::time::timeout(Duration::from_secs(5), proxy.stop())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One line per session, with addresses, counts and the reason; nothing the session sent,
/// even at the most verbose level.
#[tokio::test]
async fn logs_hold_no_payload() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let proxy = Proxy::start(config(up, &pki)).await;
    let mut ws = imap(&proxy).await;
    let secret = b"a1 LOGIN alice Sup3rSecretPassw0rd\r\n";
    send(&mut ws, secret).await;
    assert_eq!(read_bytes(&mut ws, secret.len()).await, secret);
    ws.close(None).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), proxy.stop())
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.contains("Sup3rSecret"), "{logs}");
    assert!(!logs.contains("LOGIN"), "{logs}");
    let ended: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("session ended"))
        .collect();
    assert_eq!(ended.len(), 1, "{logs}");
    for field in [
        "client=127.0.0.1:",
        "upstream=\"imap\"",
        "bytes_to_upstream=36",
        "bytes_to_browser=36",
        "close=\"browser closed\"",
        "duration_ms=",
    ] {
        assert!(ended[0].contains(field), "{field} missing in {}", ended[0]);
    }
}

async fn https_get(
    address: std::net::SocketAddr,
    ca_file: &std::path::Path,
) -> Result<RawResponse, std::io::Error> {
    use rustls_pki_types::pem::PemObject;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;

    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca_file).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(
        format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    let _ = tls.read_to_end(&mut buf).await;
    Ok(parse_response(&buf))
}

/// The proxy serves HTTPS itself and picks up a renewed certificate on SIGHUP.
#[tokio::test]
async fn tls_listener_reloads_on_sighup() {
    let first = pki(&["127.0.0.1"]);
    let second = pki(&["127.0.0.1"]);
    let dir = temp_dir("listener");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::copy(&first.cert_file, &cert).unwrap();
    std::fs::copy(&first.key_file, &key).unwrap();
    let mut config = config("127.0.0.1:9".parse().unwrap(), &first);
    config.listener_tls = Some(petrel_proxy::ListenerTls {
        cert: cert.clone(),
        key: key.clone(),
    });
    let proxy = Proxy::start(config).await;
    let response = https_get(proxy.address, &first.ca_file).await.unwrap();
    assert_eq!(
        (response.status, response.body_text().as_str()),
        (200, "ok\n")
    );

    std::fs::copy(&second.cert_file, &cert).unwrap();
    std::fs::copy(&second.key_file, &key).unwrap();
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut reloaded = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if https_get(proxy.address, &second.ca_file).await.is_ok() {
            reloaded = true;
            break;
        }
    }
    assert!(reloaded, "the new certificate was not picked up");
    assert!(https_get(proxy.address, &first.ca_file).await.is_err());
}
