//! Roundcube, the webmail a self-hoster would otherwise install, served by a private Apache
//! on loopback: Debian's `roundcube` (with `roundcube-sqlite3`), `apache2` and
//! `libapache2-mod-php`, as `cargo xtask ensure` installs them.
//!
//! Nothing of the system's set-up is used or touched beyond the packaged files: Apache runs
//! as `apache2 -f OURS -DFOREGROUND` with its pid file, logs, lock and run directory in a
//! temporary directory, on 127.0.0.1 and a free port, loading the modules Debian enables by
//! default (so Roundcube's `.htaccess` compresses as on a stock install). Roundcube reads a
//! private configuration directory (Debian's `iniset.php` honours `ROUNDCUBE_CONFIG_DIR`,
//! set here with `SetEnv`): IMAP over TLS to the test Dovecot, verified against the
//! harness CA; its own SQLite database, created on first use; no plugins.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use petrel_tests::dovecot::{free_port, is_root};
use petrel_tests::Dovecot;

/// Roundcube's web root as Debian lays it out (symlinks into /usr/share/roundcube).
const WEB_ROOT: &str = "/var/lib/roundcube/public_html";
/// Debian's Roundcube configuration, of which only the defaults are used.
const SYSTEM_CONFIG: &str = "/etc/roundcube";
const APACHE: &str = "/usr/sbin/apache2";
/// Apache's user on Debian, whom PHP runs as when Apache starts as root.
const WEB_USER: &str = "www-data";

/// A running Apache serving Roundcube; stopped (and its files removed) on drop.
#[derive(Debug)]
pub struct Roundcube {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Roundcube {
    pub fn start(dovecot: &Dovecot) -> Result<Self, String> {
        for path in [APACHE, WEB_ROOT, SYSTEM_CONFIG] {
            if !Path::new(path).exists() {
                return Err(format!(
                    "{path} is missing: `cargo xtask ensure` installs roundcube, \
                     roundcube-sqlite3, apache2 and libapache2-mod-php"
                ));
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("petrel-roundcube-")
            .tempdir()
            .map_err(|e| format!("creating a temporary directory: {e}"))?;
        let root = dir.path().to_path_buf();
        let port = free_port().map_err(|e| e.to_string())?;
        let config = root.join("config");
        for sub in ["config", "temp", "logs", "run"] {
            fs::create_dir_all(root.join(sub)).map_err(|e| format!("creating {sub}: {e}"))?;
        }
        // Dovecot's CA, where PHP (as www-data) can read it.
        let ca = root.join("ca.pem");
        fs::copy(&dovecot.certs().ca_pem, &ca).map_err(|e| format!("copying the CA: {e}"))?;
        for file in ["defaults.inc.php", "mimetypes.php"] {
            std::os::unix::fs::symlink(Path::new(SYSTEM_CONFIG).join(file), config.join(file))
                .map_err(|e| format!("linking {file}: {e}"))?;
        }
        write(
            &config.join("config.inc.php"),
            &roundcube_config(&root, &ca, dovecot.imaps())?,
        )?;
        let apache_conf = root.join("apache.conf");
        write(&apache_conf, &apache_config(&root, &config, port))?;
        if is_root() {
            // Apache's children, and so PHP, run as www-data: they write the database, the
            // temp files and the logs, and read the configuration.
            let status = Command::new("chown")
                .args(["-R", &format!("{WEB_USER}:{WEB_USER}")])
                .arg(&root)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown -R {WEB_USER} {} failed", root.display()));
            }
        }
        let child = Command::new(APACHE)
            // Its own process group: when it stops, Apache signals its whole group, which
            // would otherwise be this runner's (and cargo's, and xtask's).
            .process_group(0)
            .arg("-f")
            .arg(&apache_conf)
            .arg("-DFOREGROUND")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {APACHE}: {e}"))?;
        let mut roundcube = Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            dir,
        };
        roundcube.wait_ready(port)?;
        Ok(roundcube)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Apache's parent process: PHP runs in its children.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Apache's and Roundcube's logs, for a failure report.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for log in ["error.log", "logs/errors.log"] {
            let path = self.dir.path().join(log);
            if let Ok(text) = fs::read_to_string(&path) {
                out.push_str(&format!("--- {}\n{text}", path.display()));
            }
        }
        out
    }

    /// Waits until the sign-in page is served (Roundcube answers 200 with its login form).
    fn wait_ready(&mut self, port: u16) -> Result<(), String> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return Err(format!(
                    "apache2 exited with {status}: {stderr}\n{}",
                    self.logs()
                ));
            }
            if let Ok(page) = http_get(addr) {
                if page.starts_with("HTTP/1.1 200") && page.contains("rcmloginuser") {
                    return Ok(());
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "Roundcube did not show its sign-in page:\n{}\n{}",
                        page.lines().take(20).collect::<Vec<_>>().join("\n"),
                        self.logs()
                    ));
                }
            }
            if Instant::now() > deadline {
                return Err(format!("Apache did not answer on {addr}\n{}", self.logs()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Roundcube {
    fn drop(&mut self) {
        // Apache's parent then stops its children.
        petrel_tests::process::terminate(&mut self.child, Duration::from_secs(10));
    }
}

/// The installed Roundcube's Debian version, for the report.
pub fn version() -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "roundcube-core"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "(version unknown)".to_string(),
            |o| String::from_utf8_lossy(&o.stdout).into_owned(),
        )
}

fn roundcube_config(root: &Path, ca: &Path, imaps: SocketAddr) -> Result<String, String> {
    let des_key = random_hex(12)?;
    let path = |p: PathBuf| p.display().to_string();
    Ok(format!(
        r#"<?php
// Written by `cargo xtask bench client` for one run.
$config = [];
$config['db_dsnw'] = 'sqlite:///{db}?mode=0640';
$config['imap_host'] = 'ssl://127.0.0.1:{port}';
// The harness certificate names localhost and 127.0.0.1; PHP checks the name given here
// against it, with the harness CA as the only trusted root.
$config['imap_conn_options'] = ['ssl' => [
    'verify_peer' => true,
    'verify_peer_name' => true,
    'peer_name' => 'localhost',
    'cafile' => '{ca}',
]];
// Nothing is sent from the benchmark.
$config['smtp_host'] = '';
$config['des_key'] = '{des_key}';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['enable_spellcheck'] = false;
$config['support_url'] = '';
$config['product_name'] = 'Roundcube Webmail';
$config['temp_dir'] = '{temp}/';
$config['log_dir'] = '{logs}/';
$config['enable_installer'] = false;
"#,
        db = path(root.join("roundcube.db")),
        port = imaps.port(),
        ca = ca.display(),
        temp = path(root.join("temp")),
        logs = path(root.join("logs")),
    ))
}

fn apache_config(root: &Path, config: &Path, port: u16) -> String {
    let user = if is_root() {
        format!("User {WEB_USER}\nGroup {WEB_USER}\n")
    } else {
        String::new()
    };
    format!(
        r#"# Written by `cargo xtask bench client`: a private Apache for one run.
ServerRoot /etc/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/run/apache2.pid
DefaultRuntimeDir {root}/run
Mutex file:{root}/run default
ErrorLog {root}/error.log
LogLevel warn
{user}
# The modules a stock Debian install enables (prefork, PHP, deflate, dir, mime...).
IncludeOptional /etc/apache2/mods-enabled/*.load
IncludeOptional /etc/apache2/mods-enabled/*.conf
AccessFileName .htaccess
DocumentRoot {web_root}
<Directory />
  Options FollowSymLinks
  AllowOverride None
  Require all denied
</Directory>
<Directory {web_root}/>
  Options +FollowSymLinks
  AllowOverride All
  Require all granted
</Directory>
SetEnv ROUNDCUBE_CONFIG_DIR {config}
"#,
        root = root.display(),
        web_root = WEB_ROOT,
        config = config.display(),
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| format!("reading /dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// One plain HTTP/1.1 GET of `/`, the whole answer as text.
fn http_get(addr: SocketAddr) -> std::io::Result<String> {
    let mut tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")?;
    let mut page = Vec::new();
    tcp.read_to_end(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}
