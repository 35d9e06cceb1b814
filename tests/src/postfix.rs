//! A private Postfix (Debian's `postfix`) that accepts submissions and delivers them into a
//! [`Dovecot`]'s INBOXes, for the sending tests and the demo.
//!
//! Each instance has its own configuration directory, queue, data directory and log in a
//! temporary directory, and one listener: SMTP submission with implicit TLS ("submissions",
//! the generated certificate) on a free port of 127.0.0.1. Passwords are checked by Dovecot
//! through its auth socket (SASL); mail for `example.test` goes to Dovecot over LMTP on a
//! unix socket. Nothing else is delivered anywhere: there is no DNS, no relay host and no
//! outbound SMTP. `postfix -c DIR` with a distinct queue and data directory is enough for
//! instances to run beside each other and beside a system Postfix (the multi-instance
//! machinery, `postmulti`, only adds bookkeeping in the default `main.cf`).
//!
//! Postfix must be started as root: its master process creates the queue with the right
//! owners and drops privileges to `postfix` itself. A normal user gets
//! [`PostfixError::NeedsRoot`], so that callers can say plainly that sending is off.
//!
//! Facts this relies on (Postfix 3.7 on Debian 12):
//! - the queue directory must exist before `postfix -c DIR check`, which then creates its
//!   subdirectories with the right owners; `start` runs the same check;
//! - there is no syslog on test machines: the `postlog` service writes the log to the file
//!   in `maillog_file`, whose directory must be listed in `maillog_file_prefixes`;
//! - every service runs without chroot (`n` in master.cf's chroot column), so the absolute
//!   paths of Dovecot's sockets work as they are.

use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConnection, StreamOwned};

use crate::dovecot::{free_port, is_root, passwd_entry, read_line};
use crate::error::{Context, Error};
use crate::tls::Certs;
use crate::Dovecot;

/// Where Debian installs the `postfix` control command.
pub const POSTFIX: &str = "/usr/sbin/postfix";

/// The mail domain of the test users: `alice@example.test` is Dovecot's `alice`.
pub const DOMAIN: &str = "example.test";

/// Why a Postfix could not be started.
#[derive(Debug)]
pub enum PostfixError {
    /// This process is not root, and Postfix's master must start as root.
    NeedsRoot,
    /// Postfix is installed and we are root, but setting it up or starting it failed.
    Failed(Error),
}

impl fmt::Display for PostfixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NeedsRoot => f.write_str("sending needs root (postfix must start as root)"),
            Self::Failed(e) => write!(f, "starting postfix: {e}"),
        }
    }
}

impl std::error::Error for PostfixError {}

impl From<Error> for PostfixError {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

/// A running Postfix; stopped (and its files removed) on drop.
#[derive(Debug)]
pub struct Postfix {
    submissions: SocketAddr,
    certs: Certs,
    config_dir: PathBuf,
    log: PathBuf,
    running: bool,
    _dir: tempfile::TempDir,
}

impl Postfix {
    /// Starts an instance that authenticates against and delivers into `dovecot`, and whose
    /// submission port serves `dovecot`'s certificate. Every user of `dovecot` receives mail
    /// as `NAME@example.test`; other addresses in that domain are refused at `RCPT TO`.
    pub fn start(dovecot: &Dovecot) -> Result<Self, PostfixError> {
        if !is_root() {
            return Err(PostfixError::NeedsRoot);
        }
        let dir = tempfile::Builder::new()
            .prefix("petrel-postfix-")
            .tempdir()
            .context(|| "creating a temporary directory petrel-postfix-*".into())?;
        let base = dir.path();
        // Postfix's processes (user `postfix`) read the certificate and write the log here.
        fs::set_permissions(base, fs::Permissions::from_mode(0o755))
            .context(|| format!("chmod {}", base.display()))?;
        let config_dir = base.join("config");
        let queue = base.join("queue");
        let data = base.join("data");
        let logs = base.join("log");
        for d in [&config_dir, &queue, &data, &logs] {
            fs::create_dir_all(d).context(|| format!("creating {}", d.display()))?;
        }
        // The master (still root) takes its lock in the data directory, but the postlog
        // and tlsmgr services write there and to the log as `postfix`. The queue is left
        // to `postfix check`, which gives each subdirectory its own owner.
        let (_, uid, gid) = passwd_entry(|name, _| name == "postfix")?
            .ok_or_else(|| Error::new("no `postfix` user: is postfix installed?"))?;
        for d in [&data, &logs] {
            std::os::unix::fs::chown(d, Some(uid), Some(gid))
                .context(|| format!("chown postfix {}", d.display()))?;
        }
        // The certificate is copied so that Postfix's files stay in its own directory; the
        // key must not be readable by others.
        let certs = dovecot.certs().clone();
        let cert = config_dir.join("server.pem");
        let key = config_dir.join("server.key");
        fs::copy(&certs.cert_pem, &cert).context(|| format!("copying {}", cert.display()))?;
        fs::copy(&certs.key_pem, &key).context(|| format!("copying {}", key.display()))?;
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
            .context(|| format!("chmod {}", key.display()))?;

        let recipients = config_dir.join("recipients");
        let lines: String = dovecot
            .users()
            .iter()
            .map(|name| format!("{name}@{DOMAIN} {name}\n"))
            .collect();
        fs::write(&recipients, lines).context(|| format!("writing {}", recipients.display()))?;

        let port = free_port()?;
        let log = logs.join("postfix.log");
        let main_cf = main_cf(&MainPaths {
            queue: &queue,
            data: &data,
            logs: &logs,
            log: &log,
            cert: &cert,
            key: &key,
            recipients: &recipients,
            lmtp: &dovecot.lmtp_socket(),
            auth: &dovecot.auth_socket(),
            port,
        });
        write(&config_dir.join("main.cf"), &main_cf)?;
        write(&config_dir.join("master.cf"), &master_cf(port))?;

        let mut postfix = Self {
            submissions: SocketAddr::from(([127, 0, 0, 1], port)),
            certs,
            config_dir,
            log,
            running: false,
            _dir: dir,
        };
        // `start` runs `postfix check` first, which creates the queue's subdirectories.
        postfix.running = true;
        postfix.control("start")?;
        postfix.wait_ready()?;
        Ok(postfix)
    }

    /// The submissions address (implicit TLS; 127.0.0.1 and a free port).
    pub fn submissions(&self) -> SocketAddr {
        self.submissions
    }

    /// The CA and certificate the submissions port serves (Dovecot's).
    pub fn certs(&self) -> &Certs {
        &self.certs
    }

    /// Everything Postfix has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log)
            .unwrap_or_else(|e| format!("(no log at {}: {e})", self.log.display()))
    }

    /// Runs `postfix -c DIR COMMAND`; a failure carries its output and the log.
    fn control(&self, command: &str) -> Result<(), Error> {
        let output = Command::new(POSTFIX)
            .arg("-c")
            .arg(&self.config_dir)
            .arg(command)
            .output()
            .context(|| format!("running {POSTFIX} {command} (is postfix installed?)"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::new(format!(
                "postfix -c {} {command} failed with {}\nstdout:\n{}\nstderr:\n{}\nlog:\n{}",
                self.config_dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                self.log()
            )))
        }
    }

    /// Waits until the submissions port completes a TLS handshake with our CA and greets.
    fn wait_ready(&self) -> Result<(), Error> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last_error = String::from("never tried");
        while Instant::now() < deadline {
            match connect_tls(self.submissions, &self.certs) {
                Ok((mut tls, _)) => {
                    let _ = tls.write_all(b"QUIT\r\n");
                    return Ok(());
                }
                Err(e) => last_error = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(Error::new(format!(
            "postfix did not greet over TLS on {} within 20 s (last error: {last_error})\nlog:\n{}",
            self.submissions,
            self.log()
        )))
    }

    /// Stops the master and waits for it to be gone, so that no Postfix process still
    /// uses the files when they are removed.
    fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        if self.control("stop").is_err() {
            let _ = self.control("abort");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let pid_file = self.queue().join("pid/master.pid");
        while Instant::now() < deadline && master_alive(&pid_file) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn queue(&self) -> PathBuf {
        self._dir.path().join("queue")
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- postfix log ({}) ----\n{}\n---- end of postfix log ----",
                self.submissions,
                self.log()
            );
        }
        self.stop();
    }
}

/// Whether the process named in Postfix's `master.pid` still runs.
fn master_alive(pid_file: &Path) -> bool {
    fs::read_to_string(pid_file)
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

/// A blocking TLS connection to a submissions port that trusts only the test CA, with the
/// greeting line it sent (which must be a `220`).
pub fn connect_tls(
    addr: SocketAddr,
    certs: &Certs,
) -> Result<(StreamOwned<ClientConnection, TcpStream>, String), Error> {
    let name = ServerName::try_from("localhost").context(|| "server name".into())?;
    let connection =
        ClientConnection::new(certs.client_config()?, name).context(|| "tls client".into())?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .context(|| format!("connecting to {addr}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .context(|| "read timeout".into())?;
    let mut tls = StreamOwned::new(connection, tcp);
    let greeting = read_line(&mut tls).context(|| format!("reading the greeting from {addr}"))?;
    if greeting.starts_with("220 ") {
        Ok((tls, greeting))
    } else {
        Err(Error::new(format!(
            "unexpected greeting from {addr}: {greeting:?}"
        )))
    }
}

/// Reads one SMTP reply: every line up to the one whose code is followed by a space.
pub fn read_reply(stream: &mut impl Read) -> std::io::Result<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let line = read_line(stream)?;
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last {
            return Ok(lines);
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    fs::write(path, text).context(|| format!("writing {}", path.display()))
}

struct MainPaths<'a> {
    queue: &'a Path,
    data: &'a Path,
    logs: &'a Path,
    log: &'a Path,
    cert: &'a Path,
    key: &'a Path,
    recipients: &'a Path,
    lmtp: &'a Path,
    auth: &'a Path,
    port: u16,
}

fn main_cf(p: &MainPaths<'_>) -> String {
    format!(
        r#"# A private Postfix for Petrel's tests (written by petrel-tests; see tests/src/postfix.rs).
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-petrel-{port}
maillog_file = {log}
maillog_file_prefixes = {logs}

myhostname = mail.{DOMAIN}
mydomain = {DOMAIN}
myorigin = {DOMAIN}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# Nobody is trusted by address: only authenticated clients may send.
mynetworks =

# Only local delivery: no DNS, no relay host, nothing leaves the machine.
smtp_dns_support_level = disabled
relayhost =
default_transport = error:the test mail system delivers only to {DOMAIN}
local_transport = error:the test mail system has no local users
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = {DOMAIN}
# Unknown users of the domain are refused at RCPT TO (smtpd_reject_unlisted_recipient).
virtual_mailbox_maps = texthash:{recipients}
virtual_transport = lmtp:unix:{lmtp}

smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = encrypt
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {auth}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
"#,
        queue = p.queue.display(),
        data = p.data.display(),
        port = p.port,
        log = p.log.display(),
        logs = p.logs.display(),
        recipients = p.recipients.display(),
        lmtp = p.lmtp.display(),
        cert = p.cert.display(),
        key = p.key.display(),
        auth = p.auth.display(),
    )
}

/// The services this instance needs, none chrooted (the fifth column).
fn master_cf(port: u16) -> String {
    format!(
        r#"# service type  private unpriv  chroot  wakeup  maxproc command
{port}      inet  n       -       n       -       -       smtpd
  -o smtpd_tls_wrappermode=yes
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"#
    )
}
