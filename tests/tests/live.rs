//! The account layer (`petrel_client::sync::Account`), natively, through the real proxy to a
//! real Dovecot, with a second plain IMAP connection in the test acting as another client:
//! what it changes must reach the app while the account idles, and what it changes while
//! the account is disconnected must be there once the account has reconnected by itself.
//!
//! The driver below performs the account's effects the way the browser shell
//! (`client/src/runtime/net.rs`) does: one WebSocket per connection, the time as
//! milliseconds since the test began.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use petrel_client::engine::{
    BuiltInOnly, Event, ListChange, MessageSummary, Password, Request, Window,
};
use petrel_client::sync::{Account, ConnId, Effect, Link, Load};
use petrel_store::protocol::serve;
use petrel_store::{AccountId, FolderKey, FolderName, MailStore, SqliteStore};
use petrel_tests::dovecot::Features;
use petrel_tests::{dovecot, Dovecot, Proxy, ProxyOptions, User};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long anything may take here; changes by another client are expected in about a
/// second (IDLE), this only bounds a failing test.
const PATIENCE: Duration = Duration::from_secs(20);

type Sink = futures_util::stream::SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

/// What a socket's reader task reports.
type Incoming = (
    ConnId,
    Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
);

/// What the app would have been told.
#[derive(Debug, Clone)]
enum Seen {
    Event(Event),
    Link(Link),
}

struct Driver {
    account: Account<BuiltInOnly>,
    url: String,
    origin: String,
    /// The open sockets' write halves; their read halves feed `incoming`.
    sinks: Vec<(ConnId, Sink)>,
    incoming: tokio::sync::mpsc::UnboundedReceiver<Incoming>,
    incoming_tx: tokio::sync::mpsc::UnboundedSender<Incoming>,
    start: Instant,
    /// Added to the time the account is given: a test skips a wait this way.
    skipped: u64,
    seen: Vec<Seen>,
    /// How far [`Driver::until`] has read `seen`: each call looks only past the last match.
    read: usize,
    /// Everything written to any connection, to check what the account asked of the server.
    written: Vec<u8>,
    store: SqliteStore,
}

impl Driver {
    fn new(proxy: &Proxy) -> Self {
        let (incoming_tx, incoming) = tokio::sync::mpsc::unbounded_channel();
        Self {
            account: {
                // As in the browser, where a store keeps the mail.
                let mut account = Account::new(BuiltInOnly, 0x5eed);
                account.set_keeps_store(true);
                account
            },
            url: proxy.imap_url(),
            origin: proxy.origin(),
            sinks: Vec::new(),
            incoming,
            incoming_tx,
            start: Instant::now(),
            skipped: 0,
            seen: Vec::new(),
            read: 0,
            written: Vec::new(),
            store: SqliteStore::open_in_memory().unwrap(),
        }
    }

    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64 + self.skipped
    }

    async fn request(&mut self, request: Request) {
        let now = self.now();
        self.account.request(now, request);
        self.perform().await;
    }

    async fn perform(&mut self) {
        while let Some(effect) = self.account.poll_effect() {
            match effect {
                Effect::Connect(conn) => {
                    let mut request = self.url.as_str().into_client_request().unwrap();
                    request
                        .headers_mut()
                        .insert("Origin", self.origin.parse().unwrap());
                    match tokio_tungstenite::connect_async(request).await {
                        Ok((ws, _)) => {
                            let (sink, mut stream) = ws.split();
                            self.sinks.push((conn, sink));
                            let tx = self.incoming_tx.clone();
                            tokio::spawn(async move {
                                loop {
                                    let message = stream.next().await;
                                    let end = !matches!(message, Some(Ok(_)));
                                    if tx.send((conn, message)).is_err() || end {
                                        return;
                                    }
                                }
                            });
                        }
                        Err(error) => {
                            let now = self.now();
                            self.account.closed(now, conn, Some(error.to_string()));
                        }
                    }
                }
                Effect::Write(conn, bytes) => {
                    self.written.extend_from_slice(&bytes);
                    if let Some((_, sink)) = self.sinks.iter_mut().find(|(c, _)| *c == conn) {
                        let _ = sink.send(Message::Binary(bytes.into())).await;
                    }
                }
                Effect::Close(conn) => self.sinks.retain(|(c, _)| *c != conn),
                Effect::Event(event) => self.seen.push(Seen::Event(event)),
                Effect::Link(link) => self.seen.push(Seen::Link(link)),
                // The store the app keeps in its worker, here in memory: every write the
                // account asks for must be one the store accepts.
                Effect::Store(write) => {
                    let described = format!("{write:?}");
                    if let Err(error) = serve(&mut self.store, write) {
                        panic!("the store refused {described}: {error}");
                    }
                }
                // Online, a load only shows sooner what the server answers anyway (the
                // browser's shell reads it from its store worker); here the server's
                // answer is what is checked.
                Effect::Load(
                    Load::Rows { early: true, .. } | Load::Message { early: true, .. },
                ) => {}
                Effect::Load(load) => {
                    panic!("a load in place of the server while online: {load:?}")
                }
            }
        }
    }

    /// Cuts every connection as a network failure would, without telling the server
    /// anything.
    async fn cut(&mut self) {
        for (conn, sink) in std::mem::take(&mut self.sinks) {
            drop(sink);
            let now = self.now();
            self.account
                .closed(now, conn, Some("cut by the test".into()));
        }
        self.perform().await;
    }

    /// Runs until something the app was told matches `wanted`; returns it.
    async fn until(&mut self, what: &str, wanted: impl Fn(&Seen) -> bool) -> Seen {
        let mut checked = self.read;
        self.wait(what, |driver| {
            if let Some(k) = driver.seen[checked..].iter().position(&wanted) {
                driver.read = checked + k + 1;
                return Some(driver.seen[checked + k].clone());
            }
            checked = driver.seen.len();
            None
        })
        .await
    }

    /// Runs until the local store's UIDs of `folder` are `wanted`.
    async fn until_stored(&mut self, folder: &str, wanted: &[u32]) {
        let what = format!("{folder} stored as UIDs {wanted:?}");
        self.wait(&what, |driver| {
            (driver.stored_uids(folder) == wanted).then_some(())
        })
        .await;
    }

    /// Runs the account until `check` gives a value.
    async fn wait<T>(&mut self, what: &str, mut check: impl FnMut(&mut Self) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            self.perform().await;
            if let Some(found) = check(self) {
                return found;
            }
            let wake = self
                .account
                .poll_timeout()
                .map(|at| Duration::from_millis(at.saturating_sub(self.now())))
                .unwrap_or(PATIENCE);
            let sleep = tokio::time::sleep(wake.min(Duration::from_millis(500)));
            let now_deadline = tokio::time::Instant::now() >= deadline;
            assert!(
                !now_deadline,
                "no {what} within {PATIENCE:?}; seen: {:#?}",
                self.seen
            );
            tokio::select! {
                incoming = self.incoming.recv() => {
                    let Some((conn, message)) = incoming else { continue };
                    let now = self.now();
                    // Bytes from a socket the account has let go are of no interest.
                    if !self.sinks.iter().any(|(c, _)| *c == conn) {
                        continue;
                    }
                    match message {
                        Some(Ok(Message::Binary(bytes))) => self.account.received(now, conn, &bytes),
                        Some(Ok(Message::Close(frame))) => {
                            self.sinks.retain(|(c, _)| *c != conn);
                            self.account.closed(now, conn, frame.map(|f| f.reason.to_string()));
                        }
                        Some(Ok(_)) => {}
                        Some(Err(error)) => {
                            self.sinks.retain(|(c, _)| *c != conn);
                            self.account.closed(now, conn, Some(error.to_string()));
                        }
                        None => {
                            self.sinks.retain(|(c, _)| *c != conn);
                            self.account.closed(now, conn, None);
                        }
                    }
                }
                () = sleep => {
                    let now = self.now();
                    self.account.handle_timeout(now);
                }
            }
        }
    }

    /// The UIDs the local store holds for `folder`, ascending (none if it is not stored).
    fn stored_uids(&self, folder: &str) -> Vec<u32> {
        let account = AccountId::new("alice");
        let Some(state) = self
            .store
            .sync_state(&account, &FolderName::new(folder))
            .unwrap()
        else {
            return Vec::new();
        };
        let key = FolderKey {
            account,
            folder: FolderName::new(folder),
            uidvalidity: state.uidvalidity,
        };
        let uids = self.store.known_uids(&key).unwrap();
        uids.into_iter().map(|uid| uid.0.get()).collect()
    }

    /// The subjects the local store holds for `folder`, newest first.
    fn stored_subjects(&self, folder: &str) -> Vec<String> {
        let account = AccountId::new("alice");
        let state = self
            .store
            .sync_state(&account, &FolderName::new(folder))
            .unwrap()
            .unwrap_or_else(|| panic!("{folder} is not in the store"));
        let key = FolderKey {
            account,
            folder: FolderName::new(folder),
            uidvalidity: state.uidvalidity,
        };
        self.store
            .window(&key, 0, 10_000)
            .unwrap()
            .into_iter()
            .filter_map(|row| row.headers.map(|h| h.subject))
            .collect()
    }

    async fn rows(
        &mut self,
        what: &str,
        wanted: impl Fn(&[(u32, MessageSummary)]) -> bool,
    ) -> Vec<(u32, MessageSummary)> {
        match self
            .until(
                what,
                |s| matches!(s, Seen::Event(Event::Rows { rows, .. }) if wanted(rows)),
            )
            .await
        {
            Seen::Event(Event::Rows { rows, .. }) => rows,
            _ => unreachable!(),
        }
    }
}

/// Another client: a plain IMAP connection with INBOX selected.
fn other_client(dovecot: &Dovecot) -> impl std::io::Read + Write {
    let mut tls = dovecot::connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    dovecot::command(&mut tls, "o1", "LOGIN alice \"correct horse\"").unwrap();
    dovecot::command(&mut tls, "o2", "SELECT INBOX").unwrap();
    tls
}

fn append(tls: &mut (impl std::io::Read + Write), tag: &str, subject: &str) {
    let message = format!(
        "From: Other <other@example.com>\r\nSubject: {subject}\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n"
    );
    let reply = dovecot::command(
        tls,
        tag,
        &format!("APPEND INBOX {{{}+}}\r\n{message}", message.len()),
    )
    .unwrap();
    assert!(reply.contains(&format!("{tag} OK")), "{reply}");
}

/// How many messages the fixture's INBOX starts with (UIDs 1 to that).
fn inbox_count() -> u32 {
    let mailbox = petrel_tests::Mailbox::fixture();
    let inbox = mailbox.folders.iter().find(|f| f.name == "INBOX").unwrap();
    inbox.messages.len() as u32
}

/// Expunges INBOX's oldest message (UID 1) as another client.
fn expunge_oldest(tls: &mut (impl std::io::Read + Write), tag: &str) {
    let reply = dovecot::command(tls, tag, "UID STORE 1 +FLAGS.SILENT (\\Deleted)").unwrap();
    assert!(reply.contains(&format!("{tag} OK")), "{reply}");
    let reply = dovecot::command(tls, tag, "EXPUNGE").unwrap();
    assert!(reply.contains(&format!("{tag} OK")), "{reply}");
}

async fn signed_in(proxy: &Proxy) -> Driver {
    let mut driver = Driver::new(proxy);
    driver
        .request(Request::SignIn {
            user: "alice".into(),
            password: Password::new("correct horse"),
        })
        .await;
    driver
        .rows("the first rows of INBOX", |rows| !rows.is_empty())
        .await;
    driver
}

#[tokio::test]
async fn another_clients_changes_appear_while_idling() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    let mut other = other_client(&dovecot);

    let sent = Instant::now();
    append(&mut other, "o3", "Arrived while idling");
    let arrived = app
        .until("the arrival", |s| {
            matches!(
                s,
                Seen::Event(Event::FolderChanged {
                    change: ListChange::Arrived { count: 1 },
                    ..
                })
            )
        })
        .await;
    let rows = app
        .rows("the new row", |rows| {
            rows.iter()
                .any(|(_, r)| r.subject == "Arrived while idling")
        })
        .await;
    eprintln!("append → row: {:?}", sent.elapsed());
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].0, 0, "new mail is at the top: {rows:#?}");
    let Seen::Event(Event::FolderChanged { total, .. }) = arrived else {
        unreachable!()
    };

    // Flagged elsewhere: the newest message (sequence number `total`).
    let reply = dovecot::command(
        &mut other,
        "o4",
        &format!("STORE {total} +FLAGS (\\Flagged)"),
    )
    .unwrap();
    assert!(reply.contains("o4 OK"), "{reply}");
    app.until("the flag change", |s| {
        matches!(
            s,
            Seen::Event(Event::FolderChanged {
                change: ListChange::Flags {
                    position: 0,
                    flagged: true,
                    ..
                },
                ..
            })
        )
    })
    .await;

    // Expunged elsewhere: the oldest message, position total - 1.
    dovecot::command(&mut other, "o5", "STORE 1 +FLAGS (\\Deleted)").unwrap();
    let reply = dovecot::command(&mut other, "o6", "EXPUNGE").unwrap();
    assert!(reply.contains("o6 OK"), "{reply}");
    let removed = app
        .until("the expunge", |s| {
            matches!(
                s,
                Seen::Event(Event::FolderChanged {
                    change: ListChange::Removed { .. },
                    ..
                })
            )
        })
        .await;
    let Seen::Event(Event::FolderChanged {
        change: ListChange::Removed { position, .. },
        total: after,
        ..
    }) = removed
    else {
        unreachable!()
    };
    assert_eq!(position, total - 1);
    assert_eq!(after, total - 1);
    // The local copy followed: the arrival is first, the expunged message gone.
    let stored = app.stored_subjects("INBOX");
    assert_eq!(stored.len(), after as usize, "{stored:?}");
    assert_eq!(stored[0], "Arrived while idling");
}

#[tokio::test]
async fn a_lost_connection_heals_and_shows_what_changed_meanwhile() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    let mut other = other_client(&dovecot);
    // The store holds every UID of INBOX (the listing after SELECT), not only the rows.
    let count = inbox_count();
    app.until_stored("INBOX", &(1..=count).collect::<Vec<_>>())
        .await;

    app.cut().await;
    assert!(
        matches!(
            app.seen.last(),
            Some(Seen::Link(Link::Reconnecting { attempt: 1 }))
        ),
        "{:#?}",
        app.seen
    );
    append(&mut other, "o3", "Arrived while away");
    expunge_oldest(&mut other, "o4");
    let before = app.seen.len();
    let rows = app
        .rows("the rows after reconnecting", |rows| {
            rows.iter().any(|(_, r)| r.subject == "Arrived while away")
        })
        .await;
    assert_eq!(rows[0].1.subject, "Arrived while away", "{rows:#?}");
    let after = app.seen[before..].to_vec();
    assert!(
        after.iter().any(|s| matches!(s, Seen::Link(Link::Online))),
        "{after:#?}"
    );
    // The store holds exactly the server's messages: the expunge made while away is gone
    // from it (VANISHED (EARLIER), then the listing), the new message is in.
    app.until_stored("INBOX", &(2..=count + 1).collect::<Vec<_>>())
        .await;
    // The folder was resumed from where the lost connection left it.
    let written = String::from_utf8_lossy(&app.written);
    assert!(written.contains("SELECT INBOX (QRESYNC ("), "{written}");
    // The app is not told the connection was lost, nor signed in again.
    assert!(
        !after.iter().any(|s| matches!(
            s,
            Seen::Event(Event::Disconnected(_) | Event::SignedIn { .. })
        )),
        "{after:#?}"
    );
}

#[tokio::test]
async fn other_folders_counts_arrive_through_the_watch_connection() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    // The watch connection's first counts (NOTIFY SET STATUS) say where Archive stands,
    // and its new count arrives by itself.
    other_folders_counts_move(&dovecot, 0).await;
}

#[tokio::test]
async fn without_notify_other_folders_counts_are_asked_for_every_minute() {
    let dovecot = Dovecot::start_with_features(&User::fixture(), Features::Basic).unwrap();
    // Asked for once the folders are listed, then a minute later (skipped, not waited).
    other_folders_counts_move(&dovecot, 61_000).await;
}

/// Archive's counts arrive; another client files a message there; `wait` ms later (in
/// the account's time) its new count has arrived.
async fn other_folders_counts_move(dovecot: &Dovecot, wait: u64) {
    let proxy = Proxy::start(ProxyOptions::for_dovecot(dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    let mut other = other_client(dovecot);
    let archive = |s: &Seen| matches!(s, Seen::Event(Event::FolderCounts { folder, .. }) if folder == "Archive");
    // They may have come before INBOX's first rows, which `signed_in` waited for.
    let first = match app.seen.iter().find(|s| archive(s)).cloned() {
        Some(first) => first,
        None => app.until("Archive's counts", archive).await,
    };
    let Seen::Event(Event::FolderCounts {
        messages: Some(before),
        ..
    }) = first
    else {
        panic!("{first:?}")
    };
    let message = "From: Other <other@example.com>\r\nSubject: Filed\r\n\r\nHello.\r\n";
    let reply = dovecot::command(
        &mut other,
        "o3",
        &format!("APPEND Archive {{{}+}}\r\n{message}", message.len()),
    )
    .unwrap();
    assert!(reply.contains("o3 OK"), "{reply}");
    app.skipped += wait;
    app.until("Archive's new count", |s| {
        matches!(s, Seen::Event(Event::FolderCounts { folder, messages: Some(n), .. })
            if folder == "Archive" && *n == before + 1)
    })
    .await;
}

#[tokio::test]
async fn a_restarted_proxy_is_reconnected_by_itself() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let mut proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    let mut other = other_client(&dovecot);

    proxy.stop();
    app.until("reconnecting", |s| {
        matches!(s, Seen::Link(Link::Reconnecting { .. }))
    })
    .await;
    append(&mut other, "o3", "Arrived while the proxy was down");
    // A few failed attempts while it is down.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.restart().unwrap();
    let restarted = Instant::now();
    app.rows("the rows after the restart", |rows| {
        rows.iter()
            .any(|(_, r)| r.subject == "Arrived while the proxy was down")
    })
    .await;
    eprintln!("proxy restarted → changes shown: {:?}", restarted.elapsed());
    assert!(
        matches!(app.account.link(), Link::Online),
        "{:#?}",
        app.seen
    );
}

#[tokio::test]
async fn a_server_without_condstore_qresync_or_notify_is_followed_all_the_same() {
    let dovecot = Dovecot::start_with_features(&User::fixture(), Features::Basic).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    let mut other = other_client(&dovecot);

    append(&mut other, "o3", "Arrived at a basic server");
    app.rows("the new row", |rows| {
        rows.iter()
            .any(|(_, r)| r.subject == "Arrived at a basic server")
    })
    .await;
    app.cut().await;
    append(&mut other, "o4", "Arrived at a basic server while away");
    expunge_oldest(&mut other, "o5");
    app.rows("the rows after reconnecting", |rows| {
        rows.iter()
            .any(|(_, r)| r.subject == "Arrived at a basic server while away")
    })
    .await;
    // Without QRESYNC the UID comparison alone finds the expunge made while away.
    let count = inbox_count();
    app.until_stored("INBOX", &(2..=count + 2).collect::<Vec<_>>())
        .await;
    // Nothing the server did not offer was asked for.
    let written = String::from_utf8_lossy(&app.written).to_ascii_uppercase();
    for word in ["QRESYNC", "CONDSTORE", "NOTIFY"] {
        assert!(
            !written.contains(word),
            "{word} sent to a server that does not offer it:\n{written}"
        );
    }
}

/// A folder deleted and made again elsewhere while the app was away has a new UIDVALIDITY:
/// its UIDs mean nothing any more, so the app drops its copy (list and store) and shows the
/// new folder's messages only.
#[tokio::test]
async fn a_new_uidvalidity_drops_the_old_copy() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let mut app = signed_in(&proxy).await;
    app.request(Request::OpenFolder {
        folder: "Archive".into(),
        window: Window::FIRST,
        known: None,
    })
    .await;
    app.rows("Archive's rows", |rows| !rows.is_empty()).await;
    let before = app.stored_subjects("Archive");
    assert!(!before.is_empty());

    app.cut().await;
    let mut other = dovecot::connect_tls(dovecot.imaps(), dovecot.certs()).unwrap();
    dovecot::command(&mut other, "o1", "LOGIN alice \"correct horse\"").unwrap();
    for (tag, command) in [("o2", "DELETE Archive"), ("o3", "CREATE Archive")] {
        let reply = dovecot::command(&mut other, tag, command).unwrap();
        assert!(reply.contains(&format!("{tag} OK")), "{reply}");
    }
    let message =
        "From: Other <other@example.com>\r\nSubject: In the new Archive\r\n\r\nHello.\r\n";
    let reply = dovecot::command(
        &mut other,
        "o4",
        &format!("APPEND Archive {{{}+}}\r\n{message}", message.len()),
    )
    .unwrap();
    assert!(reply.contains("o4 OK"), "{reply}");

    let rows = app
        .rows("the new Archive's rows", |rows| {
            rows.iter().any(|(_, r)| r.subject == "In the new Archive")
        })
        .await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(app.stored_subjects("Archive"), ["In the new Archive"]);
}

/// A row's attachment mark, parts and preview come from Dovecot (which offers PREVIEW) and
/// reach the local copy, which gives them back as the list shows them offline.
#[tokio::test]
async fn rows_carry_their_attachment_mark_and_preview_into_the_store() {
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot)).unwrap();
    let app = signed_in(&proxy).await;
    let rows: Vec<MessageSummary> = app
        .seen
        .iter()
        .filter_map(|s| match s {
            Seen::Event(Event::Rows { rows, .. }) => Some(rows.iter().map(|(_, r)| r.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    let row = |subject: &str| {
        rows.iter()
            .find(|r| r.subject == subject)
            .unwrap_or_else(|| panic!("no row {subject:?} in {rows:#?}"))
            .clone()
    };
    let photos = row("Photos from the trip");
    let plain = row("Welcome to Petrel");
    assert!(photos.attachment && !plain.attachment);
    assert_eq!(photos.preview.as_deref(), Some("Three photos attached."));
    assert_eq!(
        plain.preview.as_deref(),
        Some("Hello Alice, your mailbox is ready. Ada")
    );
    let parts: Vec<_> = photos
        .parts
        .iter()
        .map(|p| {
            (
                p.section.as_str(),
                p.media_type.as_str(),
                p.filename.as_deref(),
                p.attachment,
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("1", "text/plain", None, false),
            ("2", "image/png", Some("trip.png"), true),
        ]
    );

    let account = AccountId::new("alice");
    let state = app
        .store
        .sync_state(&account, &FolderName::new("INBOX"))
        .unwrap()
        .unwrap();
    let key = FolderKey {
        account,
        folder: FolderName::new("INBOX"),
        uidvalidity: state.uidvalidity,
    };
    let stored = app.store.window(&key, 0, 100).unwrap();
    for want in [&photos, &plain] {
        let back = stored
            .iter()
            .find(|r| r.uid.0.get() == want.uid)
            .cloned()
            .and_then(petrel_client::sync::store::summary);
        let listed = MessageSummary {
            parts: Vec::new(),
            ..want.clone()
        };
        assert_eq!(back, Some(listed));
    }
    let uid = stored
        .iter()
        .find(|r| r.uid.0.get() == photos.uid)
        .unwrap()
        .uid;
    let kept = app.store.parts(&key, uid).unwrap();
    assert_eq!(kept.len(), 2, "{kept:#?}");
    assert_eq!(kept[1].filename.as_deref(), Some("trip.png"));
    assert!(kept[1].is_attachment);
}
