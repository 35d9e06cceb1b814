//! A private Dovecot (Debian's `dovecot-imapd`) for tests and the demo.
//!
//! Each instance runs `dovecot -F -c CONFIG` from its own directory: its own config, sockets,
//! state, log and maildirs, an IMAPS listener on a free port of 127.0.0.1, and no plain IMAP
//! listener at all. For [`crate::postfix`] it also listens on two unix sockets: LMTP (Debian's
//! `dovecot-lmtpd`), through which Postfix delivers into the users' INBOXes, and an auth
//! socket through which Postfix checks submission passwords (SASL). Nothing outside that directory is touched, so any number of instances can
//! run beside each other and beside a system Dovecot.
//!
//! Who runs what:
//! - as a normal user, every Dovecot process runs as that user (Dovecot's "rootless" mode:
//!   the internal and login users are the current user, and nothing is chrooted);
//! - as root (CI), Dovecot insists on dropping privileges: its internal and login processes
//!   run as the packaged `dovecot` and `dovenull` users, and it refuses mail access as uid
//!   0, so the mail processes run as `dovecot` too and the maildirs are chowned to it. The
//!   directory is world-readable so that those users can reach it. The LMTP and auth
//!   sockets then belong to the `postfix` user (when Postfix is installed), whose processes
//!   use them.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConnection, StreamOwned};

use crate::error::{Context, Error, Result};
use crate::seed::Mailbox;
use crate::tls::{CertKind, Certs};

/// Where Debian installs the Dovecot master binary.
pub const DOVECOT: &str = "/usr/sbin/dovecot";

/// A test account: a user name and password in Dovecot's passwd-file, and what to seed.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password: String,
    /// Written into the user's maildir if it does not exist yet; `None` leaves Dovecot to
    /// create an empty INBOX.
    pub mailbox: Option<Mailbox>,
}

impl User {
    pub fn new(name: &str, password: &str, mailbox: Option<Mailbox>) -> Self {
        Self {
            name: name.to_string(),
            password: password.to_string(),
            mailbox,
        }
    }

    /// `alice` / `correct horse` with [`Mailbox::fixture`], and `bob` / `battery staple`
    /// with an empty mailbox.
    pub fn fixture() -> Vec<Self> {
        vec![
            Self::new("alice", "correct horse", Some(Mailbox::fixture())),
            Self::new("bob", "battery staple", None),
        ]
    }

    /// `alice` / `correct horse` with [`Mailbox::big`]: the benchmark's INBOX and a folder
    /// of `messages` messages (`seed::BIG_FOLDER`).
    pub fn big(messages: usize) -> Self {
        Self::new("alice", "correct horse", Some(Mailbox::big(messages)))
    }
}

/// Which IMAP extensions an instance offers after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Features {
    /// Everything Dovecot offers, NOTIFY (RFC 5465) included: the list index
    /// (`mailbox_list_index = yes`) is on, which Dovecot requires before it offers NOTIFY.
    #[default]
    Full,
    /// What a plain server offers: IDLE, but no CONDSTORE, QRESYNC or NOTIFY, so a client
    /// must resynchronise by comparing UIDs. The capability list is fixed with
    /// `imap_capability` ([`BASIC_CAPABILITY`]).
    Basic,
}

/// The capabilities a [`Features::Basic`] instance announces after login: Dovecot 2.3.19's
/// own list (as it announces it with the configuration above) without CONDSTORE, QRESYNC
/// and NOTIFY. `imap_capability` changes only the announcement: Dovecot still carries out
/// those extensions' commands (`ENABLE QRESYNC` is answered `* ENABLED QRESYNC`, `SELECT`
/// still reports `HIGHESTMODSEQ`). So this server tests a client that goes by the announced
/// list, as RFC 3501 section 7.2.1 asks; whether the client sent none of those commands
/// must be checked on the client's side.
pub const BASIC_CAPABILITY: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT \
    SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL \
    CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT \
    SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY \
    PREVIEW STATUS=SIZE SAVEDATE LITERAL+ SPECIAL-USE";

/// A running Dovecot; stopped (and its temporary files removed) on drop.
#[derive(Debug)]
pub struct Dovecot {
    child: Option<Child>,
    imaps: SocketAddr,
    certs: Certs,
    log: PathBuf,
    /// The user names, for [`crate::postfix`]'s list of recipients.
    users: Vec<String>,
    /// Sockets and state: always a fresh, short path (unix socket paths are limited to about
    /// 100 bytes, and a deep work tree would exceed that).
    _run: tempfile::TempDir,
    /// The config, certificates and maildirs when they are temporary; `None` for a
    /// persistent [`Dovecot::start_in`].
    _data: Option<tempfile::TempDir>,
}

impl Dovecot {
    /// Starts a throwaway instance with `users` in a temporary directory.
    pub fn start(users: &[User]) -> Result<Self> {
        Self::start_with_cert(users, CertKind::CaSigned)
    }

    /// Like [`Dovecot::start`], offering only the extensions of `features`:
    /// [`Features::Basic`] for a server without CONDSTORE, QRESYNC and NOTIFY.
    pub fn start_with_features(users: &[User], features: Features) -> Result<Self> {
        let data = tempdir("petrel-dovecot-")?;
        let path = data.path().to_path_buf();
        let extra = features_config(features);
        Self::launch(&path, users, &extra, CertKind::CaSigned, Some(data))
    }

    /// A throwaway instance of [`Features::Basic`]: IDLE, but no CONDSTORE, QRESYNC or NOTIFY.
    pub fn start_basic(users: &[User]) -> Result<Self> {
        Self::start_with_features(users, Features::Basic)
    }

    /// Like [`Dovecot::start`], serving a certificate of `kind`: [`CertKind::SelfSignedCa`]
    /// is the certificate most private servers are set up with.
    pub fn start_with_cert(users: &[User], kind: CertKind) -> Result<Self> {
        let data = tempdir("petrel-dovecot-")?;
        let path = data.path().to_path_buf();
        Self::launch(&path, users, "", kind, Some(data))
    }

    /// Starts an instance keeping its maildirs under `dir` (created if needed): seeded on
    /// the first run, and as the last run left them afterwards. Certificates are new each
    /// run.
    pub fn start_in(dir: &Path, users: &[User]) -> Result<Self> {
        fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .context(|| format!("resolving {}", dir.display()))?;
        Self::launch(&dir, users, "", CertKind::CaSigned, None)
    }

    /// Like [`Dovecot::start_in`], with `extra_config` appended to the generated
    /// configuration (Dovecot merges repeated sections, so `service imap { ... }` there adds
    /// to the generated one). The proxy bench raises process and client limits with it.
    pub fn start_in_with(dir: &Path, users: &[User], extra_config: &str) -> Result<Self> {
        fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .context(|| format!("resolving {}", dir.display()))?;
        Self::launch(&dir, users, extra_config, CertKind::CaSigned, None)
    }

    /// Like [`Dovecot::start`], with `extra_config` appended as in [`Dovecot::start_in_with`].
    pub fn start_with(users: &[User], extra_config: &str) -> Result<Self> {
        let data = tempdir("petrel-dovecot-")?;
        let path = data.path().to_path_buf();
        Self::launch(&path, users, extra_config, CertKind::CaSigned, Some(data))
    }

    /// The master process's id, while it runs: the benchmarks read the CPU time of its
    /// process tree from /proc.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The IMAPS address (127.0.0.1 and a free port).
    pub fn imaps(&self) -> SocketAddr {
        self.imaps
    }

    /// The CA and certificate Dovecot serves; the proxy must trust `certs().ca_pem`.
    pub fn certs(&self) -> &Certs {
        &self.certs
    }

    /// The names of the users it knows.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The LMTP socket, for Postfix's `lmtp:unix:PATH` transport.
    pub fn lmtp_socket(&self) -> PathBuf {
        self._run.path().join("lmtp")
    }

    /// The auth socket Postfix's SASL (`smtpd_sasl_type = dovecot`) asks.
    pub fn auth_socket(&self) -> PathBuf {
        self._run.path().join("auth-postfix")
    }

    /// Logs in as `user`, subscribes to `subscribe`, and opens each of `folders`, reading
    /// every message's flags.
    ///
    /// The first SELECT of a freshly seeded maildir of a hundred thousand files makes
    /// Dovecot list the directory and build its index, which takes seconds; a test or
    /// benchmark that opened the folder first would time Dovecot's one-off work. A mailbox
    /// in use has its index. (Subscriptions: some clients, Roundcube among them, list only
    /// subscribed folders, and seeded folders start unsubscribed.)
    pub fn warm(
        &self,
        user: &str,
        password: &str,
        subscribe: &[String],
        folders: &[&str],
    ) -> Result<()> {
        let mut imap = connect_tls(self.imaps, &self.certs)?;
        // connect_tls's read timeout suits small test folders, not indexing a big one.
        imap.sock
            .set_read_timeout(Some(Duration::from_secs(300)))
            .context(|| "read timeout".into())?;
        let mut steps = vec![format!("LOGIN {user} \"{password}\"")];
        steps.extend(subscribe.iter().map(|f| format!("SUBSCRIBE \"{f}\"")));
        for folder in folders {
            steps.push(format!("SELECT \"{folder}\""));
            steps.push("FETCH 1:* (FLAGS)".into());
        }
        steps.push("LOGOUT".into());
        for (i, step) in steps.iter().enumerate() {
            let tag = format!("w{i}");
            let reply = command(&mut imap, &tag, step).context(|| format!("warming: {step}"))?;
            if !reply.contains(&format!("{tag} OK")) {
                let last = reply.lines().last().unwrap_or_default();
                return Err(Error::new(format!(
                    "warming Dovecot: {step} answered {last:?}"
                )));
            }
        }
        Ok(())
    }

    /// Everything Dovecot has logged so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log)
            .unwrap_or_else(|e| format!("(no log at {}: {e})", self.log.display()))
    }

    /// Whether Dovecot can use `dir` for mail: always as a normal user; as root only if
    /// every directory above it lets others pass (its mail processes run as `dovecot`, and
    /// a home directory such as `/root` is usually closed).
    pub fn can_use(dir: &Path) -> bool {
        let root = is_root();
        !root
            || dir
                .ancestors()
                .skip(1)
                .all(|a| fs::metadata(a).is_ok_and(|m| m.mode() & 0o001 != 0))
    }

    fn launch(
        dir: &Path,
        users: &[User],
        extra_config: &str,
        cert: CertKind,
        data: Option<tempfile::TempDir>,
    ) -> Result<Self> {
        let run = tempdir("petrel-dovecot-run-")?;
        let identity = Identity::current()?;
        if !Self::can_use(dir) {
            return Err(Error::new(format!(
                "{} is inside a directory that Dovecot's `dovecot` user cannot enter (running as \
                 root, Dovecot reads mail as that user): use a directory under /tmp or /var/tmp",
                dir.display()
            )));
        }
        open_up(dir)?;
        open_up(run.path())?;

        let certs = Certs::generate_kind(dir, cert)?;
        let homes = dir.join("home");
        fs::create_dir_all(&homes).context(|| format!("creating {}", homes.display()))?;
        open_up(&homes)?;
        for user in users {
            let home = homes.join(&user.name);
            if !home.exists() {
                fs::create_dir_all(&home).context(|| format!("creating {}", home.display()))?;
                if let Some(mailbox) = &user.mailbox {
                    mailbox.write_maildir(&home.join("Maildir"))?;
                }
            }
            chown_tree(&home, identity.mail_uid, identity.mail_gid)?;
        }
        let passwd = dir.join("passwd");
        let lines: String = users
            .iter()
            .map(|u| format!("{}:{{PLAIN}}{}::::::\n", u.name, u.password))
            .collect();
        fs::write(&passwd, lines).context(|| format!("writing {}", passwd.display()))?;

        let port = free_port()?;
        let imaps = SocketAddr::from(([127, 0, 0, 1], port));
        let log = dir.join("dovecot.log");
        // A log from an earlier run of a persistent instance would only confuse.
        let _ = fs::remove_file(&log);
        let config = dir.join("dovecot.conf");
        let text = config_text(&ConfigPaths {
            run: run.path(),
            log: &log,
            certs: &certs,
            passwd: &passwd,
            homes: &homes,
            port,
            identity: &identity,
        });
        let text = text + extra_config;
        fs::write(&config, text).context(|| format!("writing {}", config.display()))?;

        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context(|| format!("starting {DOVECOT} (is dovecot-imapd installed?)"))?;
        let mut dovecot = Self {
            child: Some(child),
            imaps,
            certs,
            log,
            users: users.iter().map(|u| u.name.clone()).collect(),
            _run: run,
            _data: data,
        };
        dovecot.wait_ready()?;
        Ok(dovecot)
    }

    /// Waits until the IMAPS port completes a TLS handshake trusting our certificates and
    /// greets.
    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last_error = String::from("never tried");
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    let stderr = child
                        .stderr
                        .take()
                        .map(|s| {
                            BufReader::new(s)
                                .lines()
                                .map_while(|l| l.ok())
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default();
                    self.child = None;
                    return Err(Error::new(format!(
                        "dovecot exited at start with {status}\nstderr:\n{stderr}\nlog:\n{}",
                        self.log()
                    )));
                }
            }
            match connect_tls(self.imaps, &self.certs) {
                Ok(_) => return Ok(()),
                Err(e) => last_error = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(Error::new(format!(
            "dovecot did not greet over TLS on {} within 20 s (last error: {last_error})\nlog:\n{}",
            self.imaps,
            self.log()
        )))
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The master then stops its children (login, auth, imap) too.
            crate::process::terminate(&mut child, Duration::from_secs(5));
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- dovecot log ({}) ----\n{}\n---- end of dovecot log ----",
                self.imaps,
                self.log()
            );
        }
        self.stop();
    }
}

/// A blocking TLS connection to `addr` that trusts only the test certificates, greeting
/// consumed.
pub fn connect_tls(
    addr: SocketAddr,
    certs: &Certs,
) -> Result<StreamOwned<ClientConnection, TcpStream>> {
    let name = ServerName::try_from("localhost").context(|| "server name".into())?;
    let connection =
        ClientConnection::new(certs.client_config()?, name).context(|| "tls client".into())?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .context(|| format!("connecting to {addr}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .context(|| "read timeout".into())?;
    let mut tls = StreamOwned::new(connection, tcp);
    let greeting = read_line(&mut tls).context(|| format!("reading the greeting from {addr}"))?;
    if greeting.starts_with("* OK") {
        Ok(tls)
    } else {
        Err(Error::new(format!(
            "unexpected greeting from {addr}: {greeting:?}"
        )))
    }
}

/// Reads one CRLF-terminated line byte by byte (no buffering, so nothing is lost between
/// calls). For harness checks only: literals are returned as their `{n}` line.
pub fn read_line(stream: &mut impl Read) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Sends one IMAP command and returns everything up to and including its tagged reply,
/// read line by line (literals included, which is enough for the ASCII test messages). A
/// `NO` or `BAD` is returned like an `OK`: the caller looks for what it wants.
pub fn command(
    stream: &mut (impl Read + Write),
    tag: &str,
    command: &str,
) -> std::io::Result<String> {
    stream.write_all(format!("{tag} {command}\r\n").as_bytes())?;
    let mut text = String::new();
    loop {
        let line = read_line(stream)?;
        let done = line.starts_with(&format!("{tag} "));
        text.push_str(&line);
        if done {
            return Ok(text);
        }
    }
}

/// Whether this process runs as root (its effective uid is 0).
pub fn is_root() -> bool {
    // The owner of /proc/self is this process's effective uid: std has no getuid(), and
    // calling libc would need unsafe code.
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Who Dovecot's processes run as.
#[derive(Debug)]
struct Identity {
    root: bool,
    internal_user: String,
    internal_group: String,
    login_user: String,
    mail_uid: u32,
    mail_gid: u32,
    /// The user Postfix's processes run as, who must be able to use the LMTP and auth
    /// sockets: `Some("postfix")` as root when Postfix is installed; `None` otherwise (then
    /// the sockets belong to whoever Dovecot runs as, which is all a rootless Postfix-less
    /// run needs).
    postfix_user: Option<String>,
}

impl Identity {
    fn current() -> Result<Self> {
        // The owner of /proc/self is this process's effective uid and gid: std has no
        // getuid(), and calling libc would need unsafe code.
        let me = fs::metadata("/proc/self").context(|| "reading /proc/self".into())?;
        let (uid, gid) = (me.uid(), me.gid());
        if uid == 0 {
            let dovecot = passwd_entry(|name, _| name == "dovecot")?
                .ok_or_else(|| Error::new("no `dovecot` user: is dovecot-imapd installed?"))?;
            passwd_entry(|name, _| name == "dovenull")?
                .ok_or_else(|| Error::new("no `dovenull` user: is dovecot-imapd installed?"))?;
            Ok(Self {
                root: true,
                internal_user: "dovecot".into(),
                internal_group: "dovecot".into(),
                login_user: "dovenull".into(),
                mail_uid: dovecot.1,
                mail_gid: dovecot.2,
                postfix_user: passwd_entry(|name, _| name == "postfix")?.map(|(name, ..)| name),
            })
        } else {
            let (user, ..) = passwd_entry(|_, id| id == uid)?
                .ok_or_else(|| Error::new(format!("uid {uid} is not in /etc/passwd")))?;
            let group = group_name(gid)?
                .ok_or_else(|| Error::new(format!("gid {gid} is not in /etc/group")))?;
            Ok(Self {
                root: false,
                internal_user: user.clone(),
                internal_group: group,
                login_user: user,
                mail_uid: uid,
                mail_gid: gid,
                postfix_user: None,
            })
        }
    }
}

/// The first `/etc/passwd` entry matching `wanted(name, uid)`, as (name, uid, gid).
pub(crate) fn passwd_entry(
    wanted: impl Fn(&str, u32) -> bool,
) -> Result<Option<(String, u32, u32)>> {
    let text = fs::read_to_string("/etc/passwd").context(|| "reading /etc/passwd".into())?;
    Ok(text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let uid = fields.nth(1)?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        wanted(name, uid).then(|| (name.to_string(), uid, gid))
    }))
}

fn group_name(gid: u32) -> Result<Option<String>> {
    let text = fs::read_to_string("/etc/group").context(|| "reading /etc/group".into())?;
    Ok(text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)?.parse::<u32>().ok()? == gid).then(|| name.to_string())
    }))
}

struct ConfigPaths<'a> {
    run: &'a Path,
    log: &'a Path,
    certs: &'a Certs,
    passwd: &'a Path,
    homes: &'a Path,
    port: u16,
    identity: &'a Identity,
}

fn config_text(p: &ConfigPaths<'_>) -> String {
    let id = p.identity;
    // Chrooting the login processes needs root; in rootless mode they stay where they are.
    let chroot = if id.root { "" } else { "  chroot =\n" };
    // Postfix's smtpd and lmtp processes (user `postfix`) connect to these two sockets.
    let socket_owner = match &id.postfix_user {
        Some(user) => format!("    user = {user}\n    group = {user}\n"),
        None => String::new(),
    };
    format!(
        r#"# A private Dovecot for Petrel's tests (written by petrel-tests; see tests/src/dovecot.rs).
base_dir = {run}
state_dir = {run}/state
instance_name = petrel-{port}
log_path = {log}
info_log_path = {log}
auth_verbose = yes
protocols = imap lmtp
listen = 127.0.0.1
shutdown_clients = yes

default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 0

ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2

auth_mechanisms = plain login
# Postfix hands LMTP recipients over as `bob@example.test`; the passdb and the homes know
# `bob`. Logins without a domain are unchanged.
auth_username_format = %n
# Tests try wrong passwords on purpose; the default 2 s penalty would only slow them down.
auth_failure_delay = 0
mail_max_userip_connections = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={homes}/%u
}}

mail_location = maildir:~/Maildir
# NOTIFY (RFC 5465) is offered only with the list index; it also answers STATUS and
# LIST-STATUS from the index instead of opening each folder.
mailbox_list_index = yes
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \Junk
    auto = subscribe
  }}
  mailbox Archive {{
    special_use = \Archive
    auto = subscribe
  }}
}}

service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
{chroot}}}
service anvil {{
{chroot}}}
service lmtp {{
  unix_listener lmtp {{
{socket_owner}    mode = 0600
  }}
}}
service auth {{
  unix_listener auth-postfix {{
{socket_owner}    mode = 0600
  }}
}}
"#,
        run = p.run.display(),
        log = p.log.display(),
        port = p.port,
        internal_user = id.internal_user,
        internal_group = id.internal_group,
        login_user = id.login_user,
        cert = p.certs.cert_pem.display(),
        key = p.certs.key_pem.display(),
        passwd = p.passwd.display(),
        mail_uid = id.mail_uid,
        mail_gid = id.mail_gid,
        homes = p.homes.display(),
    )
}

/// The configuration appended for `features`; nothing for the full set.
fn features_config(features: Features) -> String {
    match features {
        Features::Full => String::new(),
        Features::Basic => format!("imap_capability = {BASIC_CAPABILITY}\n"),
    }
}

/// A free TCP port on 127.0.0.1. Another process could take it before Dovecot binds it;
/// that shows up as a clear start failure, and it has not been seen in practice.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context(|| "binding 127.0.0.1:0".into())?;
    Ok(listener
        .local_addr()
        .context(|| "local address".into())?
        .port())
}

fn tempdir(prefix: &str) -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .context(|| format!("creating a temporary directory {prefix}*"))
}

/// Lets Dovecot's unprivileged users (when started as root) reach into `dir`.
fn open_up(dir: &Path) -> Result<()> {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
        .context(|| format!("chmod {}", dir.display()))
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<()> {
    let meta = fs::symlink_metadata(path).context(|| format!("stat {}", path.display()))?;
    if meta.uid() != uid || meta.gid() != gid {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .context(|| format!("chown {}", path.display()))?;
    }
    if meta.is_dir() {
        for entry in fs::read_dir(path).context(|| format!("listing {}", path.display()))? {
            let entry = entry.context(|| format!("listing {}", path.display()))?;
            chown_tree(&entry.path(), uid, gid)?;
        }
    }
    Ok(())
}
