//! A private HAProxy (Debian's `haproxy`) balancing several petrel-proxy instances, as an
//! admin runs Petrel at scale: the proxy holds no state, so any instance can take any new
//! session, and a client whose instance went away reconnects through another.
//!
//! Each instance runs `haproxy -db -f CONFIG` in the foreground from its own temporary
//! directory: one HTTP frontend on a free port of 127.0.0.1, one backend with a server per
//! proxy, health checks on the proxies' `GET /healthz`, an admin socket the harness asks
//! for the servers' states, and its log (from stdout) in a file. The system's HAProxy
//! service and `/etc/haproxy` are not touched.
//!
//! The settings that matter for Petrel ([`BACKEND_SETTINGS`], [`TIMEOUTS`]) are the ones
//! the admin guide (`proxy/README.md`) recommends; `tests/tests/haproxy.rs` checks that the
//! guide still shows them.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::dovecot::free_port;
use crate::error::{Context, Error, Result};

/// Where Debian installs HAProxy.
pub const HAPROXY: &str = "/usr/sbin/haproxy";

/// The backend's settings, as in the admin guide: health checks on `/healthz` every 500 ms,
/// a server out after one failed check and back after one good one; a connection refused by
/// a stopped instance is retried on another at once (`option redispatch 1`: every retry may
/// go elsewhere, and a redispatch is not delayed); new sessions go to the instance with the
/// fewest open ones, which suits long-lived connections.
pub const BACKEND_SETTINGS: &[&str] = &[
    "balance leastconn",
    "option httpchk",
    "http-check send meth GET uri /healthz",
    "http-check expect status 200",
    "option redispatch 1",
    "retries 2",
    "default-server check inter 500ms fall 1 rise 1",
];

/// The timeouts, as in the admin guide. `timeout tunnel` governs a WebSocket once it is
/// upgraded: longer than the proxy's idle timeout (31 min), so the proxy, which knows the
/// session, is the one to end an idle one (its pings every 30 s keep it busy anyway).
pub const TIMEOUTS: &[&str] = &[
    "timeout connect 2s",
    "timeout client 60s",
    "timeout server 60s",
    "timeout tunnel 1h",
    "timeout client-fin 10s",
];

/// A running HAProxy; stopped (and its files removed) on drop.
#[derive(Debug)]
pub struct Haproxy {
    child: Option<Child>,
    addr: SocketAddr,
    /// The servers' names (`petrel1`, `petrel2`...) in the order of the backends given.
    servers: Vec<String>,
    dir: tempfile::TempDir,
}

/// A backend server's state as HAProxy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerState {
    pub name: String,
    /// `UP`, `DOWN`, `UP 1/2`, `MAINT`... (the `status` column of `show stat`).
    pub status: String,
    /// Sessions open through this server now (`scur`).
    pub sessions: u64,
}

impl Haproxy {
    /// Starts HAProxy in front of `backends` (named `petrel1`, `petrel2`... in that order)
    /// and returns once it serves and every backend has passed a health check.
    pub fn start(backends: &[SocketAddr]) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("petrel-haproxy-")
            .tempdir()
            .context(|| "creating a temporary directory petrel-haproxy-*".into())?;
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let servers: Vec<String> = (1..=backends.len()).map(|i| format!("petrel{i}")).collect();
        let config = dir.path().join("haproxy.cfg");
        let text = config_text(addr, &servers, backends, &dir.path().join("admin.sock"));
        fs::write(&config, text).context(|| format!("writing {}", config.display()))?;
        let log = dir.path().join("haproxy.log");
        let log_file = fs::File::create(&log).context(|| format!("creating {}", log.display()))?;
        let log_err = log_file
            .try_clone()
            .context(|| format!("opening {} twice", log.display()))?;
        let child = Command::new(HAPROXY)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .context(|| format!("starting {HAPROXY} (is haproxy installed?)"))?;
        let mut haproxy = Self {
            child: Some(child),
            addr,
            servers,
            dir,
        };
        haproxy.wait_ready()?;
        Ok(haproxy)
    }

    /// The frontend's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the app's URL through HAProxy, and the Origin its pages send.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/imap`.
    pub fn imap_url(&self) -> String {
        format!("ws://{}/imap", self.addr)
    }

    /// The name HAProxy gives the server for the `index`-th backend (from 0).
    pub fn server_name(&self, index: usize) -> Option<&str> {
        self.servers.get(index).map(String::as_str)
    }

    /// The configuration it runs with.
    pub fn config(&self) -> String {
        let path = self.dir.path().join("haproxy.cfg");
        fs::read_to_string(&path).unwrap_or_else(|e| format!("(no {}: {e})", path.display()))
    }

    /// Everything HAProxy has logged so far: one line per request or session (when it
    /// ends), and each server going down or up.
    pub fn log(&self) -> String {
        let path = self.dir.path().join("haproxy.log");
        fs::read_to_string(&path).unwrap_or_else(|e| format!("(no {}: {e})", path.display()))
    }

    /// Each backend server's state, from the admin socket's `show stat`.
    pub fn servers(&self) -> Result<Vec<ServerState>> {
        let socket = self.dir.path().join("admin.sock");
        let mut stream = UnixStream::connect(&socket)
            .context(|| format!("connecting to {}", socket.display()))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .context(|| "admin socket timeout".into())?;
        stream
            .write_all(b"show stat\n")
            .context(|| "asking for the servers' states".into())?;
        let mut csv = String::new();
        stream
            .read_to_string(&mut csv)
            .context(|| "reading the servers' states".into())?;
        parse_stat(&csv, &self.servers)
    }

    /// Waits up to `within` until `server` is in `status` (`UP` or `DOWN`).
    pub fn wait_for(&self, server: &str, status: &str, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        let mut last = Vec::new();
        while Instant::now() < deadline {
            last = self.servers()?;
            if last.iter().any(|s| s.name == server && s.status == status) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(Error::new(format!(
            "{server} was not {status} within {within:?}: {last:?}"
        )))
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(Error::new(format!(
                        "haproxy exited at start with {status}\nconfig:\n{}\nlog:\n{}",
                        self.config(),
                        self.log()
                    )));
                }
            }
            // HAProxy binds its frontend before the admin socket answers, so an answer
            // means it listens (a probe connection would only add a `<BADREQ>` to its log).
            let all_up = self
                .servers()
                .is_ok_and(|s| s.len() == self.servers.len() && s.iter().all(|s| s.status == "UP"));
            if all_up {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(Error::new(format!(
            "haproxy did not serve on {} with every backend up within 10 s: {:?}\nlog:\n{}",
            self.addr,
            self.servers(),
            self.log()
        )))
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            crate::process::terminate(&mut child, Duration::from_secs(5));
        }
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- haproxy log ({}) ----\n{}\n---- end of haproxy log ----",
                self.addr,
                self.log()
            );
        }
        self.stop();
    }
}

/// The configuration: a private instance (no daemon, no chroot, no user switch, logs on
/// stdout) with the guide's settings.
fn config_text(
    addr: SocketAddr,
    servers: &[String],
    backends: &[SocketAddr],
    admin_socket: &std::path::Path,
) -> String {
    let indent =
        |lines: &[&str]| -> String { lines.iter().map(|l| format!("    {l}\n")).collect() };
    let server_lines: String = servers
        .iter()
        .zip(backends)
        .map(|(name, backend)| format!("    server {name} {backend}\n"))
        .collect();
    format!(
        "# A private HAProxy for Petrel's tests (written by petrel-tests; see tests/src/haproxy.rs).
global
    log stdout format raw daemon
    stats socket {admin} mode 600 level admin
    maxconn 1000

defaults
    mode http
    log global
    option httplog
{timeouts}
frontend petrel
    bind {addr}
    # The proxy trusts X-Forwarded-For from loopback (its `trusted_proxy`), so its per-address
    # limits and its log see the browser's address rather than HAProxy's.
    option forwardfor
    default_backend petrel_proxies

backend petrel_proxies
{settings}{server_lines}",
        admin = admin_socket.display(),
        timeouts = indent(TIMEOUTS),
        settings = indent(BACKEND_SETTINGS),
    )
}

/// The servers of `show stat`'s CSV (header `# pxname,svname,qcur,qmax,scur,...,status,...`)
/// that are in `servers`.
fn parse_stat(csv: &str, servers: &[String]) -> Result<Vec<ServerState>> {
    let mut lines = BufReader::new(csv.as_bytes()).lines().map_while(|l| l.ok());
    let header = lines
        .next()
        .ok_or_else(|| Error::new("empty answer to show stat"))?;
    let columns: Vec<&str> = header.trim_start_matches("# ").split(',').collect();
    let column = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| Error::new(format!("no {name} column in show stat: {header}")))
    };
    let (svname, status, scur) = (column("svname")?, column("status")?, column("scur")?);
    let mut states = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        let Some(name) = fields.get(svname) else {
            continue;
        };
        if !servers.iter().any(|s| s == name) {
            continue;
        }
        states.push(ServerState {
            name: (*name).to_string(),
            status: fields.get(status).copied().unwrap_or_default().to_string(),
            sessions: fields
                .get(scur)
                .and_then(|s| s.parse().ok())
                .unwrap_or_default(),
        });
    }
    Ok(states)
}
