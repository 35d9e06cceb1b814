//! The three WebSocket-to-TLS bridges under test, each run as its own process so that its
//! memory can be read from /proc, and installed on first use into a cache.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use petrel_tests::dovecot::free_port;

/// A bridge process listening on 127.0.0.1; killed on drop.
#[derive(Debug)]
pub struct Bridge {
    pub child: Child,
    /// The most idle sessions to open: websockify forks a process per connection, and
    /// 2,000 of them would take about 10 GiB, so it is measured with fewer.
    pub max_idle_sessions: usize,
    /// The WebSocket URL clients open.
    pub url: String,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Idle sessions opened through websockify (see [`Bridge::max_idle_sessions`]).
pub const WEBSOCKIFY_IDLE_SESSIONS: usize = 200;

/// Where the bench caches tools it installs (`~/.cache/petrel`).
pub fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    home.join(".cache").join("petrel")
}

/// How the bridges reach Dovecot.
#[derive(Debug)]
pub struct Upstream<'a> {
    pub imaps: SocketAddr,
    /// PEM file of the CA that signed Dovecot's certificate.
    pub ca_pem: &'a Path,
}

/// Builds petrel-proxy in release mode (through the cargo that runs this bench) and starts it.
pub fn petrel(upstream: &Upstream<'_>) -> Result<Bridge, String> {
    let binary = build_petrel_proxy()?;
    let port = free_port().map_err(|e| e.to_string())?;
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(&binary)
        .args(["--listen", &listen.to_string()])
        .args(["--imap", &upstream.imaps.to_string()])
        .arg("--ca-file")
        .arg(upstream.ca_pem)
        // Every bench client comes from 127.0.0.1, and churn opens thousands of sessions a
        // minute: the per-address caps that protect a public proxy would measure themselves.
        .args(["--max-connections", "20000"])
        .args(["--max-sessions-per-address", "20000"])
        .args(["--upgrades-per-minute", "100000000"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    started("petrel", child, listen, format!("ws://{listen}/imap"))
}

/// websockify from PyPI, in a virtualenv under the cache, with `--ssl-target`, verifying
/// Dovecot's certificate against the test CA through `SSL_CERT_FILE`.
pub fn websockify(upstream: &Upstream<'_>) -> Result<Bridge, String> {
    let venv = cache_dir().join("websockify-venv");
    let binary = venv.join("bin").join("websockify");
    if !binary.exists() {
        eprintln!("installing websockify into {} ...", venv.display());
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv.join("bin").join("pip")).args(["install", "-q", "websockify"]))?;
    }
    let port = free_port().map_err(|e| e.to_string())?;
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(&binary)
        .arg("--ssl-target")
        .arg(listen.to_string())
        .arg(upstream.imaps.to_string())
        // It verifies the target's certificate with OpenSSL's default paths.
        .env("SSL_CERT_FILE", upstream.ca_pem)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // It logs every connection.
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let mut bridge = started("websockify", child, listen, format!("ws://{listen}/imap"))?;
    bridge.max_idle_sessions = WEBSOCKIFY_IDLE_SESSIONS;
    Ok(bridge)
}

/// websocat from crates.io (`cargo install websocat --locked` on first use), in binary mode,
/// verifying Dovecot's certificate against the test CA through OpenSSL's `SSL_CERT_FILE`.
pub fn websocat(upstream: &Upstream<'_>) -> Result<Bridge, String> {
    let binary = find_websocat().map_or_else(install_websocat, Ok)?;
    let port = free_port().map_err(|e| e.to_string())?;
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(&binary)
        .arg("--binary")
        .arg(format!("ws-l:{listen}"))
        .arg(format!("ssl:tcp:{}", upstream.imaps))
        .env("SSL_CERT_FILE", upstream.ca_pem)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    started("websocat", child, listen, format!("ws://{listen}/imap"))
}

fn find_websocat() -> Option<PathBuf> {
    let mut candidates = vec![cache_dir().join("bin").join("websocat")];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(
            PathBuf::from(home)
                .join(".cargo")
                .join("bin")
                .join("websocat"),
        );
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("websocat")));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn install_websocat() -> Result<PathBuf, String> {
    let root = cache_dir();
    eprintln!(
        "installing websocat into {} (cargo install, takes minutes) ...",
        root.display()
    );
    run(Command::new(cargo())
        .args(["install", "websocat", "--locked", "--root"])
        .arg(&root))?;
    Ok(root.join("bin").join("websocat"))
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

fn build_petrel_proxy() -> Result<PathBuf, String> {
    let output = Command::new(cargo())
        .args([
            "build",
            "--release",
            "-p",
            "petrel-proxy",
            "--bin",
            "petrel-proxy",
        ])
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo build -p petrel-proxy failed with {}",
            output.status
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["target"]["name"] == "petrel-proxy")
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo build did not report a petrel-proxy executable".to_string())
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

/// Waits until the bridge accepts TCP connections.
fn started(
    name: &'static str,
    child: Child,
    listen: SocketAddr,
    url: String,
) -> Result<Bridge, String> {
    let mut bridge = Bridge {
        child,
        max_idle_sessions: usize::MAX,
        url,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = bridge.child.try_wait() {
            return Err(format!("{name} exited at start with {status}"));
        }
        if TcpStream::connect_timeout(&listen, Duration::from_millis(200)).is_ok() {
            return Ok(bridge);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("{name} did not listen on {listen} within 15 s"))
}
