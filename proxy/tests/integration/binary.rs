//! The `petrel-proxy` executable: settings from the environment, SIGTERM, and a memory
//! figure per session (ignored by default: `cargo test -p petrel-proxy -- --ignored
//! --nocapture memory`; set `PETREL_PROXY_BIN` to measure another build, e.g. release).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn executable() -> std::path::PathBuf {
    std::env::var_os("PETREL_PROXY_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_petrel-proxy").into())
}

async fn spawn(envs: &[(&str, String)]) -> (Running, std::net::SocketAddr) {
    spawn_logging(envs, Stdio::null()).await
}

async fn spawn_logging(envs: &[(&str, String)], stderr: Stdio) -> (Running, std::net::SocketAddr) {
    let port = free_port();
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Running(
        Command::new(executable())
            .env("PETREL_PROXY_LISTEN", address.to_string())
            .env("RUST_LOG", "warn")
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("petrel-proxy did not start listening on {address}");
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn serves_from_environment_and_stops_on_sigterm() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let (mut proxy, address) = spawn(&[
        ("PETREL_PROXY_IMAP", up.to_string()),
        ("PETREL_PROXY_CA_FILE", pki.ca_file.display().to_string()),
    ])
    .await;
    let health = get(address, "/healthz", &[]).await;
    assert_eq!(health.status, 200);
    let mut ws = ws(address, "/imap", Some(&format!("http://{address}")))
        .await
        .unwrap();
    send(&mut ws, b"a1 NOOP\r\n").await;
    assert_eq!(read_bytes(&mut ws, 9).await, b"a1 NOOP\r\n");
    drop(ws);
    kill(&proxy.0, "-TERM");
    let status = tokio::task::spawn_blocking(move || proxy.0.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
}

/// Even at the most verbose level, nothing a session sent reaches the log: the `log` crate
/// records of tungstenite (which prints frame payloads at trace) are not bridged.
#[tokio::test]
async fn trace_logs_hold_no_payload() {
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let log = temp_dir("log").join("stderr.log");
    let file = std::fs::File::create(&log).unwrap();
    let (mut proxy, address) = spawn_logging(
        &[
            ("PETREL_PROXY_IMAP", up.to_string()),
            ("PETREL_PROXY_CA_FILE", pki.ca_file.display().to_string()),
            ("RUST_LOG", "trace".to_owned()),
        ],
        file.into(),
    )
    .await;
    let mut ws = ws(address, "/imap", Some(&format!("http://{address}")))
        .await
        .unwrap();
    let secret = b"a1 LOGIN alice Sup3rSecretPassw0rd\r\n";
    send(&mut ws, secret).await;
    assert_eq!(read_bytes(&mut ws, secret.len()).await, secret);
    drop(ws);
    kill(&proxy.0, "-TERM");
    let status = tokio::task::spawn_blocking(move || proxy.0.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status}");
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("session ended"), "{logs}");
    // The secret in clear, and as tungstenite's hex dump would show it.
    let hex: String = b"Sup3rSecret".iter().map(|b| format!("{b:02x}")).collect();
    assert!(!logs.contains("Sup3rSecret"), "{logs}");
    assert!(!logs.to_ascii_lowercase().contains(&hex), "{logs}");
}

#[tokio::test]
async fn refuses_to_start_without_an_imap_server() {
    let output = Command::new(executable())
        .env_remove("PETREL_PROXY_IMAP")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no IMAP server configured"));
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check; run with --ignored --nocapture"]
async fn memory_per_session() {
    const SESSIONS: usize = 500;
    let pki = pki(&["127.0.0.1"]);
    let (up, _) = upstream(&pki, Behaviour::Echo, None).await;
    let (proxy, address) = spawn(&[
        ("PETREL_PROXY_IMAP", up.to_string()),
        ("PETREL_PROXY_CA_FILE", pki.ca_file.display().to_string()),
        (
            "PETREL_PROXY_MAX_SESSIONS_PER_ADDRESS",
            (SESSIONS + 1).to_string(),
        ),
        (
            "PETREL_PROXY_UPGRADES_PER_MINUTE",
            (SESSIONS * 2).to_string(),
        ),
    ])
    .await;
    let origin = format!("http://{address}");
    // Warm up allocator arenas and the TLS configuration with one session.
    let mut first = ws(address, "/imap", Some(&origin)).await.unwrap();
    send(&mut first, b"a1 NOOP\r\n").await;
    read_bytes(&mut first, 9).await;
    let before = rss_kib(proxy.0.id());
    let mut sessions = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        let mut ws = ws(address, "/imap", Some(&origin)).await.unwrap();
        send(&mut ws, b"a1 NOOP\r\n").await;
        read_bytes(&mut ws, 9).await;
        sessions.push(ws);
    }
    let after = rss_kib(proxy.0.id());
    println!(
        "petrel-proxy RSS: {before} KiB with 1 session, {after} KiB with {} sessions: {:.1} KiB per session",
        SESSIONS + 1,
        (after.saturating_sub(before)) as f64 / SESSIONS as f64
    );
}
