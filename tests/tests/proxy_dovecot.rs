//! petrel-proxy against the real Dovecot: the PROXY protocol v2 header reaches Dovecot (it
//! logs the browser's address, not the proxy's), nothing a session sent ends up in the
//! proxy's own log output, and what a proxy restart does to sessions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use petrel_proxy::{Config, Upstream, UpstreamTls};
use petrel_tests::dovecot::free_port;
use petrel_tests::seed::{Body, Folder, Mailbox, Message, EPOCH};
use petrel_tests::ws::{Ending, WsImap};
use petrel_tests::{Dovecot, Proxy, ProxyOptions, User};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const USER: &str = "carol";
/// Distinctive enough that finding it in a log can only mean it was logged.
const PASSWORD: &str = "Zebra-Quasar-7741-secret";
const SUBJECT: &str = "Xylophone-Marmalade-5521 private subject";
const BODY: &str = "Quokka-Lantern-3380 private body text.\n";
const APPENDED: &str = "Narwhal-Tangerine-9902 appended by the session";

/// What the browser claims to be, through the reverse proxy the bench trusts (127.0.0.1):
/// from TEST-NET-3, so it cannot be confused with a real loopback peer.
const BROWSER_IP: &str = "203.0.113.7";

/// Everything the proxy logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_protocol_reaches_dovecot_and_logs_hold_no_session_bytes() {
    // As petrel-proxy's main installs it (fmt, no bridge from the `log` crate), but at TRACE
    // so that every event of every level is seen.
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let haproxy_port = free_port().unwrap();
    // A second IMAPS listener that requires the PROXY header; the harness keeps its plain one
    // (which it uses to see that Dovecot is up).
    let extra = format!(
        "haproxy_trusted_networks = 127.0.0.0/8\n\
         service imap-login {{\n  inet_listener imaps_haproxy {{\n    port = {haproxy_port}\n    ssl = yes\n    haproxy = yes\n  }}\n}}\n"
    );
    let dovecot = tokio::task::spawn_blocking(move || {
        Dovecot::start_with(&[User::new(USER, PASSWORD, Some(mailbox()))], &extra)
    })
    .await
    .unwrap()
    .unwrap();

    let mut upstream = Upstream::new(format!("127.0.0.1:{haproxy_port}").parse().unwrap());
    upstream.proxy_protocol = true;
    let mut config = Config::new(upstream);
    config.upstream_tls = UpstreamTls::CaFile(dovecot.certs().ca_pem.clone());
    config.timeouts.shutdown_grace = Duration::from_millis(100);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(petrel_proxy::run(config, listener, async {
        let _ = stopped.await;
    }));

    let mut request = format!("ws://{proxy}/imap").into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "origin",
        HeaderValue::from_str(&format!("http://{proxy}")).unwrap(),
    );
    headers.insert("x-forwarded-for", HeaderValue::from_static(BROWSER_IP));
    let (ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut imap = Session {
        ws,
        buf: Vec::new(),
    };

    let greeting = imap.line().await;
    assert!(
        greeting.starts_with("* OK"),
        "greeting through the haproxy listener: {greeting:?}"
    );
    imap.command("a1", &format!("LOGIN {USER} \"{PASSWORD}\""))
        .await;
    imap.command("a2", "SELECT INBOX").await;
    let fetched = imap.command("a3", "FETCH 1 (BODY[])").await;
    assert!(
        fetched.contains(SUBJECT) && fetched.contains(BODY.trim()),
        "FETCH: {fetched}"
    );
    let message = format!("Subject: {APPENDED}\r\n\r\n{APPENDED}\r\n");
    imap.send(&format!(
        "a4 APPEND INBOX {{{}+}}\r\n{message}\r\n",
        message.len()
    ))
    .await;
    imap.until_tagged("a4").await;
    imap.command("a5", "LOGOUT").await;
    drop(imap);

    // Dovecot logs the login with the address the PROXY header carried.
    let deadline = Instant::now() + Duration::from_secs(10);
    let login = loop {
        let log = dovecot.log();
        if let Some(line) = log.lines().find(|l| l.contains("Login: user=<carol>")) {
            break line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no login in Dovecot's log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        login.contains(&format!("rip={BROWSER_IP}")),
        "Dovecot did not see the browser's address from the PROXY header: {login}"
    );

    // The session's end is logged once it is over; then every byte the session sent or
    // received must be absent from the proxy's logs, in any of the forms a careless log
    // line would use.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !logs.text().contains("session ended") {
        assert!(
            Instant::now() < deadline,
            "the proxy never logged the end of the session:\n{}",
            logs.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let text = logs.text();
    for secret in [PASSWORD, SUBJECT, BODY.trim(), APPENDED, "LOGIN", "FETCH"] {
        for form in [secret.to_string(), hex(secret), escaped(secret)] {
            assert!(
                !text.contains(&form),
                "the proxy logged {form:?} (from {secret:?}):\n{text}"
            );
        }
    }
}

struct Session {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    buf: Vec<u8>,
}

impl Session {
    async fn send(&mut self, text: &str) {
        self.ws
            .send(Ws::binary(text.as_bytes().to_vec()))
            .await
            .unwrap();
    }

    async fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await {
                Ok(Some(Ok(Ws::Binary(data)))) => self.buf.extend_from_slice(&data),
                Ok(Some(Ok(Ws::Ping(_) | Ws::Pong(_)))) => {}
                other => panic!("the session ended early: {other:?}"),
            }
        }
    }

    /// Everything up to and including the tagged response, which must be OK.
    async fn until_tagged(&mut self, tag: &str) -> String {
        let mut all = String::new();
        loop {
            let line = self.line().await;
            all.push_str(&line);
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                assert!(status.starts_with("OK"), "{tag} failed: {all}");
                return all;
            }
        }
    }

    async fn command(&mut self, tag: &str, command: &str) -> String {
        self.send(&format!("{tag} {command}\r\n")).await;
        self.until_tagged(tag).await
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// How `{:?}` of a byte string shows it.
fn escaped(text: &str) -> String {
    text.bytes()
        .flat_map(std::ascii::escape_default)
        .map(char::from)
        .collect()
}

fn mailbox() -> Mailbox {
    let message = Message {
        from_name: "Dana".into(),
        from_addr: "dana@example.org".into(),
        subject_header: SUBJECT.into(),
        subject: SUBJECT.into(),
        date: EPOCH,
        seen: false,
        flagged: false,
        answered: false,
        body: Body::Plain(BODY.into()),
    };
    Mailbox {
        folders: vec![Folder {
            name: "INBOX".into(),
            special_use: None,
            messages: vec![message],
        }],
    }
}

/// What "the proxy restarts" means for a session: a graceful stop closes it with 1001, a
/// crash cuts it with no close frame, and in both cases a new session on the same address
/// works once the proxy is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_when_the_proxy_stops_and_a_new_one_works_after_the_restart() {
    let (dovecot, mut proxy) = tokio::task::block_in_place(|| {
        let dovecot = Dovecot::start(&User::fixture()).unwrap();
        let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
        (dovecot, proxy)
    });
    let (url, origin, addr) = (proxy.imap_url(), proxy.origin(), proxy.addr());
    let login = || WsImap::login(&url, &origin, "alice", "correct horse");

    let mut session = login().await.unwrap();
    let selected = session.command("s", "SELECT INBOX").await.unwrap();
    assert!(selected.contains("s OK"), "{selected}");

    tokio::task::block_in_place(|| proxy.stop());
    let ending = session.ended(Duration::from_secs(5)).await.unwrap();
    match ending {
        Ending::Closed(Some(frame)) => {
            assert_eq!(frame.code, CloseCode::Away, "{frame:?}");
            assert_eq!(frame.reason.as_str(), "proxy shutting down");
        }
        other => panic!("expected close 1001, got {other:?}"),
    }
    // Stopped means nobody listens: the app sees a refused connection, not a hang.
    let refused = TcpStream::connect(addr).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);

    tokio::task::block_in_place(|| proxy.restart()).unwrap();
    assert_eq!(proxy.addr(), addr);
    let mut session = login().await.unwrap();
    let status = session
        .command("t", "STATUS INBOX (MESSAGES)")
        .await
        .unwrap();
    let inbox = Mailbox::fixture().inbox().messages.len();
    assert!(status.contains(&format!("MESSAGES {inbox}")), "{status}");

    // A crash, mid-command: IDLE is running when the proxy goes away.
    session.command("s", "SELECT INBOX").await.unwrap();
    session.send("i IDLE\r\n").await.unwrap();
    let idling = session.read_line().await.unwrap();
    assert!(idling.starts_with("+ "), "{idling}");
    tokio::task::block_in_place(|| proxy.kill());
    let ending = session.ended(Duration::from_secs(5)).await.unwrap();
    assert!(matches!(ending, Ending::Cut(_)), "{ending:?}");

    tokio::task::block_in_place(|| proxy.restart()).unwrap();
    let mut session = login().await.unwrap();
    let noop = session.command("n", "NOOP").await.unwrap();
    assert!(noop.contains("n OK"), "{noop}");
    drop(dovecot);
}

/// The number after `name ` in the proxy's `/metrics`.
fn metric(proxy: std::net::SocketAddr, name: &str) -> u64 {
    use std::io::Read;
    let mut tcp = std::net::TcpStream::connect(proxy).unwrap();
    write!(
        tcp,
        "GET /metrics HTTP/1.1\r\nHost: {proxy}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    tcp.read_to_string(&mut text).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// A browser that went away without closing (a laptop lid shut, a network gone) is noticed
/// by the proxy's pings: after two `ping_interval`s without a frame from it, not even a pong,
/// its session and its connection to the mail server are closed, with 1001 "no answer to
/// ping". The guide's "between 60 and 90 seconds" is this at the default of 30 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_browser_is_noticed_by_the_pings_within_three_intervals() {
    const PING: Duration = Duration::from_secs(1);
    let (dovecot, proxy) = tokio::task::block_in_place(|| {
        let dovecot = Dovecot::start(&User::fixture()).unwrap();
        let proxy = Proxy::start_with(ProxyOptions::for_dovecot(&dovecot), |config| {
            config.timeouts.ping_interval = PING;
        })
        .unwrap();
        (dovecot, proxy)
    });
    let mut session = WsImap::login(&proxy.imap_url(), &proxy.origin(), "alice", "correct horse")
        .await
        .unwrap();
    session.command("s", "SELECT INBOX").await.unwrap();
    // From here the session is not read, so the pings go unanswered. What is measured is
    // when Dovecot sees its session end: that is when the proxy gave up on the browser (it
    // then waits a further 2 s for an answer to its close frame, which never comes).
    let silent_since = Instant::now();
    let disconnected = |log: &str| {
        log.lines()
            .any(|l| l.contains("imap(alice)") && l.contains("Disconnected"))
    };
    while !disconnected(&dovecot.log()) {
        assert!(
            silent_since.elapsed() < PING * 10,
            "dovecot kept the session:\n{}",
            dovecot.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let noticed = silent_since.elapsed();
    assert!(
        // The session's last frame (the SELECT) went a moment before `silent_since`.
        noticed > PING * 2 - Duration::from_millis(200)
            && noticed <= PING * 3 + Duration::from_millis(500),
        "let go after {noticed:?}, expected between 2 and 3 ping intervals"
    );
    match session.ended(Duration::from_secs(5)).await.unwrap() {
        Ending::Closed(Some(frame)) => {
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), "no answer to ping");
        }
        other => panic!("expected close 1001, got {other:?}"),
    }
    let addr = proxy.addr();
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(5);
        while metric(addr, "petrel_proxy_sessions_open") > 0 {
            assert!(Instant::now() < deadline, "the session stayed open");
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap();
    println!("a silent browser was let go after {noticed:?} (ping interval {PING:?})");
}
