//! Configuration: the validated [`Config`] the server runs with, and the [`Settings`] it is
//! built from (command line, environment and a TOML file, in that order of precedence).
//!
//! `Config` can be built in code without any file (tests and the integration harness do so);
//! `Settings` is only the admin-facing surface and is turned into a `Config` once, at start.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;

/// Everything the server needs to run. Build it with [`Config::new`] and adjust the public
/// fields; every field has a safe default.
#[derive(Debug, Clone)]
pub struct Config {
    /// The IMAP server, reached over implicit TLS and offered to browsers at `/imap`.
    pub imap: Upstream,
    /// The SMTP submission server (implicit TLS, usually port 465), offered at `/smtp` when set.
    pub smtp: Option<Upstream>,
    /// How the proxy checks the upstream servers' certificates.
    pub upstream_tls: UpstreamTls,
    /// Directory holding the built web app; nothing but the built-in endpoints is served
    /// over HTTP when unset.
    pub www: Option<PathBuf>,
    /// Certificate and key for serving HTTPS and WSS directly; plain HTTP when unset.
    pub listener_tls: Option<ListenerTls>,
    /// Listening on a non-loopback address without TLS is refused unless this is set
    /// (for a reverse proxy on another host, inside a private network).
    pub allow_plaintext_public: bool,
    /// Origins allowed to open WebSockets besides the proxy's own origin, compared exactly
    /// (e.g. `http://127.0.0.1:8081` for `trunk serve`).
    pub allowed_origins: Vec<String>,
    /// Peers whose `X-Forwarded-For`, `-Host` and `-Proto` headers are believed (the reverse
    /// proxy in front). Everyone else is identified by their TCP address.
    pub trusted_proxies: Vec<IpAddr>,
    /// Caps on connections, rates and sizes.
    pub limits: Limits,
    /// Timeouts for each phase of a connection.
    pub timeouts: Timeouts,
}

impl Config {
    /// A configuration with safe defaults that bridges `/imap` to `imap`.
    pub fn new(imap: Upstream) -> Self {
        Self {
            imap,
            smtp: None,
            upstream_tls: UpstreamTls::SystemRoots,
            www: None,
            listener_tls: None,
            allow_plaintext_public: false,
            allowed_origins: Vec::new(),
            trusted_proxies: vec![
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]),
            ],
            limits: Limits::default(),
            timeouts: Timeouts::default(),
        }
    }
}

/// One server the browser may reach, fixed by configuration: the browser picks only among
/// the names (`/imap`, `/smtp`), never a host or port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Where to connect.
    pub address: HostPort,
    /// Send a PROXY protocol v2 header first, so the server sees the browser's address
    /// (Dovecot: `haproxy_trusted_networks` plus `haproxy = yes` on the listener).
    pub proxy_protocol: bool,
}

impl Upstream {
    /// An upstream at `address` without the PROXY protocol.
    pub fn new(address: HostPort) -> Self {
        Self {
            address,
            proxy_protocol: false,
        }
    }
}

/// A host name or IP address with a port, as in `mail.example.org:993` or `[::1]:993`.
/// The host is also the TLS server name (SNI) and the name the certificate must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    host: String,
    port: u16,
}

impl HostPort {
    /// The host, without brackets for IPv6 addresses.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl FromStr for HostPort {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| ConfigError(format!("invalid address {s:?}: {why}"));
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| bad("expected HOST:PORT"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| bad("the port is not a number from 1 to 65535"))?;
        if port == 0 {
            return Err(bad("the port is not a number from 1 to 65535"));
        }
        let host = match host.strip_prefix('[') {
            Some(rest) => {
                let inner = rest.strip_suffix(']').ok_or_else(|| bad("unclosed '['"))?;
                inner
                    .parse::<std::net::Ipv6Addr>()
                    .map_err(|_| bad("not an IPv6 address in brackets"))?;
                inner
            }
            None if host.contains(':') => return Err(bad("IPv6 addresses need brackets")),
            None => host,
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// How upstream certificates are verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamTls {
    /// The operating system's trusted roots.
    SystemRoots,
    /// Only the certificates in this PEM file: each is trusted as a CA and as itself, so the
    /// server's own self-signed certificate is trusted (pinned) whatever its CA flag and
    /// names.
    CaFile(PathBuf),
    /// No verification at all. For testing only; logged loudly at start.
    InsecureNoVerify,
}

/// The proxy's own certificate, reloaded from these files on SIGHUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerTls {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Caps that bound what one client, or all of them, can make the proxy hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open TCP connections in total (HTTP and WebSocket). Beyond it, new connections get
    /// `503` and are closed.
    pub max_connections: usize,
    /// Open WebSocket sessions per client address (IPv6: per /64). Beyond it, upgrades get
    /// `429`.
    pub max_sessions_per_address: usize,
    /// WebSocket upgrades per client address per minute (a token bucket of this size,
    /// refilled evenly). Beyond it, upgrades get `429`.
    pub upgrades_per_minute: u32,
    /// Size of an HTTP request head (request line and headers). Beyond it: `431`.
    pub max_header_bytes: usize,
    /// Size of a WebSocket frame and of a message. Beyond it, the session is closed with
    /// code 1009. IMAP commands are small; large literals arrive as many frames.
    pub max_message_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_sessions_per_address: 64,
            upgrades_per_minute: 120,
            max_header_bytes: 8 * 1024,
            max_message_bytes: 1024 * 1024,
        }
    }
}

/// Timeouts for each phase of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeouts {
    /// From accepting a connection to having its HTTP request head (and, with TLS, the TLS
    /// handshake before it); also how long an idle keep-alive connection stays open.
    pub handshake: Duration,
    /// Connecting to the upstream and completing its TLS handshake.
    pub upstream: Duration,
    /// A session with no bytes in either direction for this long is closed. Longer than
    /// IMAP IDLE's 29 minutes so that idling clients are not cut off.
    pub idle: Duration,
    /// How often the proxy pings the browser. A browser that has sent nothing, not even a
    /// pong, for two intervals is gone and its session is closed.
    pub ping_interval: Duration,
    /// On shutdown, how long open sessions may continue before they are closed.
    pub shutdown_grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            handshake: Duration::from_secs(10),
            upstream: Duration::from_secs(10),
            idle: Duration::from_secs(31 * 60),
            ping_interval: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// A configuration value that cannot be used, with the value named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The admin-facing settings. Each one is a flag, an environment variable (`PETREL_PROXY_*`)
/// and a key of the TOML file given with `--config`; flags and variables win over the file.
#[derive(Debug, Default, Parser, Deserialize)]
#[command(name = "petrel-proxy", version, about, long_about = None)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// TOML file with any of the settings below (keys as the long flags, with `_` for `-`).
    #[arg(long, env = "PETREL_PROXY_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "PETREL_PROXY_LISTEN")]
    pub listen: Option<String>,

    /// IMAP server (implicit TLS), HOST:PORT, e.g. mail.example.org:993. Required.
    #[arg(long, env = "PETREL_PROXY_IMAP")]
    pub imap: Option<String>,

    /// Send a PROXY protocol v2 header to the IMAP server (Dovecot `haproxy = yes`).
    #[arg(long, env = "PETREL_PROXY_IMAP_PROXY_PROTOCOL", num_args = 0..=1, default_missing_value = "true")]
    pub imap_proxy_protocol: Option<bool>,

    /// SMTP submission server (implicit TLS), HOST:PORT, e.g. mail.example.org:465.
    #[arg(long, env = "PETREL_PROXY_SMTP")]
    pub smtp: Option<String>,

    /// Send a PROXY protocol v2 header to the SMTP server.
    #[arg(long, env = "PETREL_PROXY_SMTP_PROXY_PROTOCOL", num_args = 0..=1, default_missing_value = "true")]
    pub smtp_proxy_protocol: Option<bool>,

    /// PEM file of certificates to verify the upstream servers with, instead of the system's
    /// roots: a private CA, or the server's own (self-signed) certificate, which is then
    /// trusted as exactly itself.
    #[arg(long, env = "PETREL_PROXY_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// DANGEROUS, testing only: do not verify upstream certificates at all.
    #[arg(long, env = "PETREL_PROXY_INSECURE_NO_VERIFY_UPSTREAM", num_args = 0..=1, default_missing_value = "true")]
    pub insecure_no_verify_upstream: Option<bool>,

    /// Directory of the built web app to serve.
    #[arg(long, env = "PETREL_PROXY_WWW")]
    pub www: Option<PathBuf>,

    /// PEM certificate chain to serve HTTPS/WSS with (reloaded on SIGHUP).
    #[arg(long, env = "PETREL_PROXY_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, env = "PETREL_PROXY_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Allow plain HTTP on a non-loopback address (a reverse proxy elsewhere on a private
    /// network does TLS).
    #[arg(long, env = "PETREL_PROXY_ALLOW_PLAINTEXT_PUBLIC", num_args = 0..=1, default_missing_value = "true")]
    pub allow_plaintext_public: Option<bool>,

    /// Another origin allowed to open WebSockets, exact match, e.g. http://127.0.0.1:8081
    /// (repeat the flag, or separate with commas in the variable).
    #[arg(long, env = "PETREL_PROXY_ALLOW_ORIGIN", value_delimiter = ',')]
    pub allow_origin: Option<Vec<String>>,

    /// Reverse proxies whose X-Forwarded-For/-Host/-Proto headers are trusted
    /// [default: 127.0.0.1,::1].
    #[arg(long, env = "PETREL_PROXY_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Option<Vec<IpAddr>>,

    /// Open TCP connections in total [default: 1024].
    #[arg(long, env = "PETREL_PROXY_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Open WebSocket sessions per client address [default: 64].
    #[arg(long, env = "PETREL_PROXY_MAX_SESSIONS_PER_ADDRESS")]
    pub max_sessions_per_address: Option<usize>,

    /// WebSocket upgrades per client address per minute [default: 120].
    #[arg(long, env = "PETREL_PROXY_UPGRADES_PER_MINUTE")]
    pub upgrades_per_minute: Option<u32>,

    /// Bytes of an HTTP request head [default: 8192].
    #[arg(long, env = "PETREL_PROXY_MAX_HEADER_BYTES")]
    pub max_header_bytes: Option<usize>,

    /// Bytes of a WebSocket frame or message [default: 1048576].
    #[arg(long, env = "PETREL_PROXY_MAX_MESSAGE_BYTES")]
    pub max_message_bytes: Option<usize>,

    /// Seconds to receive a request head (and TLS handshake) [default: 10].
    #[arg(long, env = "PETREL_PROXY_HANDSHAKE_TIMEOUT")]
    pub handshake_timeout: Option<u64>,

    /// Seconds to connect to an upstream and finish its TLS handshake [default: 10].
    #[arg(long, env = "PETREL_PROXY_UPSTREAM_TIMEOUT")]
    pub upstream_timeout: Option<u64>,

    /// Seconds without traffic before a session is closed [default: 1860].
    #[arg(long, env = "PETREL_PROXY_IDLE_TIMEOUT")]
    pub idle_timeout: Option<u64>,

    /// Seconds between WebSocket pings [default: 30].
    #[arg(long, env = "PETREL_PROXY_PING_INTERVAL")]
    pub ping_interval: Option<u64>,

    /// Seconds open sessions may continue after SIGTERM [default: 20].
    #[arg(long, env = "PETREL_PROXY_SHUTDOWN_GRACE")]
    pub shutdown_grace: Option<u64>,
}

/// Takes the first of two options that is set, field by field.
macro_rules! overlay {
    ($hi:ident, $lo:ident, $($field:ident),* $(,)?) => {
        Settings { config: $hi.config, $($field: $hi.$field.or($lo.$field)),* }
    };
}

impl Settings {
    /// Reads the `--config` file, if any, under the flags and environment.
    pub fn with_file(self) -> Result<Self, ConfigError> {
        let Some(path) = &self.config else {
            return Ok(self);
        };
        let file = Self::from_file(path)?;
        Ok(overlay!(
            self,
            file,
            listen,
            imap,
            imap_proxy_protocol,
            smtp,
            smtp_proxy_protocol,
            ca_file,
            insecure_no_verify_upstream,
            www,
            tls_cert,
            tls_key,
            allow_plaintext_public,
            allow_origin,
            trusted_proxy,
            max_connections,
            max_sessions_per_address,
            upgrades_per_minute,
            max_header_bytes,
            max_message_bytes,
            handshake_timeout,
            upstream_timeout,
            idle_timeout,
            ping_interval,
            shutdown_grace,
        ))
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| ConfigError(format!("in {}: {e}", path.display())))
    }

    /// The address to listen on.
    pub fn listen_address(&self) -> &str {
        self.listen.as_deref().unwrap_or("127.0.0.1:8080")
    }

    /// Validates the settings into a [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let imap = self
            .imap
            .as_deref()
            .ok_or_else(|| ConfigError("no IMAP server configured (--imap HOST:PORT)".into()))?;
        let mut imap = Upstream::new(imap.parse()?);
        imap.proxy_protocol = self.imap_proxy_protocol.unwrap_or(false);
        let mut config = Config::new(imap);
        if let Some(smtp) = &self.smtp {
            let mut smtp = Upstream::new(smtp.parse()?);
            smtp.proxy_protocol = self.smtp_proxy_protocol.unwrap_or(false);
            config.smtp = Some(smtp);
        }
        config.upstream_tls = match (
            self.insecure_no_verify_upstream.unwrap_or(false),
            self.ca_file,
        ) {
            (true, Some(_)) => {
                return Err(ConfigError(
                    "--ca-file and --insecure-no-verify-upstream contradict each other".into(),
                ))
            }
            (true, None) => UpstreamTls::InsecureNoVerify,
            (false, Some(path)) => UpstreamTls::CaFile(path),
            (false, None) => UpstreamTls::SystemRoots,
        };
        config.www = self.www;
        config.listener_tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(ListenerTls { cert, key }),
            (None, None) => None,
            _ => return Err(ConfigError("--tls-cert and --tls-key go together".into())),
        };
        config.allow_plaintext_public = self.allow_plaintext_public.unwrap_or(false);
        config.allowed_origins = self.allow_origin.unwrap_or_default();
        if let Some(proxies) = self.trusted_proxy {
            config.trusted_proxies = proxies;
        }
        let limits = &mut config.limits;
        set(&mut limits.max_connections, self.max_connections);
        set(
            &mut limits.max_sessions_per_address,
            self.max_sessions_per_address,
        );
        set(&mut limits.upgrades_per_minute, self.upgrades_per_minute);
        set(&mut limits.max_header_bytes, self.max_header_bytes);
        set(&mut limits.max_message_bytes, self.max_message_bytes);
        let timeouts = &mut config.timeouts;
        let secs = |v: Option<u64>| v.map(Duration::from_secs);
        set(&mut timeouts.handshake, secs(self.handshake_timeout));
        set(&mut timeouts.upstream, secs(self.upstream_timeout));
        set(&mut timeouts.idle, secs(self.idle_timeout));
        set(&mut timeouts.ping_interval, secs(self.ping_interval));
        set(&mut timeouts.shutdown_grace, secs(self.shutdown_grace));
        config.validate()?;
        Ok(config)
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

impl Config {
    /// Rejects values the server cannot run with. [`crate::run`] calls it too, so a `Config`
    /// built in code is checked the same way.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        let positive = [
            ("max_connections", l.max_connections),
            ("max_sessions_per_address", l.max_sessions_per_address),
            ("upgrades_per_minute", l.upgrades_per_minute as usize),
            ("max_message_bytes", l.max_message_bytes),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(ConfigError(format!("{name} must be at least 1")));
            }
        }
        // Below this, ordinary browser requests (cookies aside, we set none) stop fitting.
        if l.max_header_bytes < 1024 {
            return Err(ConfigError(format!(
                "max_header_bytes {} is below the minimum of 1024",
                l.max_header_bytes
            )));
        }
        let t = &self.timeouts;
        for (name, value) in [
            ("handshake_timeout", t.handshake),
            ("upstream_timeout", t.upstream),
            ("idle_timeout", t.idle),
            ("ping_interval", t.ping_interval),
        ] {
            if value.is_zero() {
                return Err(ConfigError(format!("{name} must be more than zero")));
            }
        }
        for origin in &self.allowed_origins {
            if origin.ends_with('/')
                || !(origin.starts_with("http://") || origin.starts_with("https://"))
            {
                return Err(ConfigError(format!(
                    "allowed origin {origin:?} is not of the form http(s)://host[:port]"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        let hp: HostPort = "mail.example.org:993".parse().unwrap();
        assert_eq!((hp.host(), hp.port()), ("mail.example.org", 993));
        let hp: HostPort = "[::1]:993".parse().unwrap();
        assert_eq!((hp.host(), hp.port()), ("::1", 993));
        assert_eq!(hp.to_string(), "[::1]:993");
        let hp: HostPort = "127.0.0.1:1993".parse().unwrap();
        assert_eq!(hp.to_string(), "127.0.0.1:1993");
        for bad in [
            "mail.example.org",
            ":993",
            "host:0",
            "host:99999",
            "::1:993",
            "[::1:993",
            "[x]:1",
        ] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_win_over_file() {
        let dir = std::env::temp_dir().join(format!("petrel-proxy-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("p.toml");
        std::fs::write(
            &file,
            "imap = \"file:993\"\nmax_connections = 7\nallow_origin = [\"http://a:1\"]\n",
        )
        .unwrap();
        let settings = Settings::try_parse_from([
            "petrel-proxy",
            "--config",
            file.to_str().unwrap(),
            "--imap",
            "flag:993",
        ])
        .unwrap();
        let config = settings.with_file().unwrap().into_config().unwrap();
        assert_eq!(config.imap.address.to_string(), "flag:993");
        assert_eq!(config.limits.max_connections, 7);
        assert_eq!(config.allowed_origins, vec!["http://a:1".to_owned()]);
    }

    /// The example shipped to admins must stay valid and match the defaults it documents.
    #[test]
    fn example_configuration_is_valid() {
        let text = include_str!("../petrel-proxy.example.toml");
        let settings: Settings = toml::from_str(text).unwrap();
        assert_eq!(settings.listen_address(), "127.0.0.1:8080");
        let config = settings.into_config().unwrap();
        let defaults = Config::new(config.imap.clone());
        assert_eq!(config.limits, defaults.limits);
        assert_eq!(config.timeouts, defaults.timeouts);
        assert_eq!(config.trusted_proxies, defaults.trusted_proxies);
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let err = toml::from_str::<Settings>("imap = \"a:1\"\nimpa = 3\n").unwrap_err();
        assert!(err.to_string().contains("impa"), "{err}");
    }

    #[test]
    fn missing_imap_is_named() {
        let err = Settings::default().into_config().unwrap_err();
        assert!(err.0.contains("--imap"), "{err}");
    }
}
