//! One account, sans-IO: its connection, reconnecting with backoff, and catching up.
//!
//! The [`Account`] drives an [`Engine`] per connection. What it needs done in the world
//! leaves it as an explicit [`Effect`] (open a socket, write bytes, close it, tell the app),
//! never as a side channel inside events, so the shell (`runtime/`) only performs effects
//! and feeds back what happened, with the time. The same driver runs natively in the tests
//! against the harness Dovecot.
//!
//! Resumable: when the connection of a signed-in account is lost (the socket closed, the
//! server said BYE, or a command went unanswered for a minute), the account says
//! `Reconnecting`, waits (250 ms, doubling up to 30 s, with jitter so that a restarted
//! proxy is not hit by every client at once), opens a new connection, signs in with the
//! password it holds in memory for the session, and restores the view: the open folder,
//! selected with `QRESYNC` from its last known UIDVALIDITY and HIGHESTMODSEQ where the
//! server offers it, the window of rows in view, and the open message. The app's model is
//! not told that the connection was lost, only the link state, so the person keeps their
//! place and their open message.

pub mod store;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use petrel_imap::types::capability::Capability;
use petrel_store::protocol::Request as StoreRequest;
use petrel_store::{AccountId, Changes, LastAccount, UnixTime};

use crate::engine::{
    Charsets, Disconnect, Engine, Event, Known, ListChange, OpId, Password, Request, Window,
};

/// Identifies one connection (one socket) of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// What the person sees of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Link {
    /// Not signed in, or signed out.
    #[default]
    Offline,
    /// Opening the first connection of a sign-in.
    Connecting,
    Online,
    /// The connection was lost; the account is getting it back. `attempt` counts from 1.
    Reconnecting {
        attempt: u32,
    },
}

/// What the account asks the shell to do.
#[derive(Debug)]
pub enum Effect {
    /// Open a socket to the proxy's `/imap` for this connection.
    Connect(ConnId),
    Write(ConnId, Vec<u8>),
    /// Close the socket (its later events are ignored).
    Close(ConnId),
    /// For the app's model.
    Event(Event),
    /// The link state changed.
    Link(Link),
    /// Write this to the local store (what the server confirmed), in order, without
    /// waiting for the answer.
    Store(StoreRequest),
    /// The account is not online: read this from the local store instead and give it to
    /// the app as the events the server's answer would have been.
    Load(Load),
}

/// What to read from the local store (see [`Effect::Load`]): offline, in place of the
/// server; online (`early`), to show at once what the store has while the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// The folder's count and the rows of `window`: `Event::FolderOpened` (if `open`) and
    /// `Event::Rows` marked [`OpId::LOCAL`]. `early`: only the rows, and nothing at all
    /// if the store has none.
    Rows {
        account: AccountId,
        folder: String,
        window: Window,
        open: bool,
        early: bool,
    },
    /// A stored message: `Event::MessageOpened`, or `Event::MessageFailed` if it is not
    /// stored (`early`: nothing, the server's answer follows).
    Message {
        account: AccountId,
        folder: String,
        uid: u32,
        early: bool,
    },
}

/// The first wait before reconnecting, doubled per failed attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: u64 = 250;
const MAX_BACKOFF: u64 = 30_000;

/// The folder every account opens first.
pub const INBOX: &str = "INBOX";

/// How long a lost watch connection waits before it is opened again (the command
/// connection's IDLE still shows the open folder's changes meanwhile).
const WATCH_RETRY: u64 = 30_000;

/// How often the other folders' counts are asked for where the server offers no NOTIFY
/// (as often as a webmail checks for new mail by default).
const COUNTS_INTERVAL: u64 = 60_000;

/// The second connection, which watches every folder (NOTIFY).
#[derive(Debug)]
struct Watch<C> {
    conn: ConnId,
    engine: Engine<C>,
}

/// What the person is looking at, restored after a reconnect.
#[derive(Debug, Default)]
struct View {
    folder: Option<String>,
    window: Option<Window>,
    reading: Option<(String, u32)>,
}

/// One account (see the module docs). `C` decodes charsets; each connection gets a copy.
#[derive(Debug)]
pub struct Account<C: Charsets + Clone> {
    charsets: C,
    engine: Option<Engine<C>>,
    conn: ConnId,
    /// The last connection id handed out.
    last_conn: u64,
    watch: Option<Watch<C>>,
    watch_retry_at: Option<u64>,
    /// The server refused NOTIFY: do not ask again this session.
    notify_refused: bool,
    /// The selectable folders, as last listed: whose counts to ask for without NOTIFY.
    folders: Vec<String>,
    /// When to ask for them next (only without NOTIFY).
    counts_at: Option<u64>,
    user: String,
    /// Held for the session only, so that reconnecting needs no new sign-in.
    password: Option<Password>,
    /// The account was signed in at least once in this session: a lost connection is
    /// then healed, not reported.
    signed_in: bool,
    link: Link,
    attempt: u32,
    retry_at: Option<u64>,
    view: View,
    known: BTreeMap<String, Known>,
    /// The `\Flagged` flag of the message fetched last, for the store once it is marked read.
    fetched_flagged: Option<(String, u32, bool)>,
    /// Each folder's UIDVALIDITY as last opened: the store's key.
    validity: BTreeMap<String, u32>,
    /// The server the account is on, as the app names it (for the store's last account).
    server: String,
    /// Unix seconds at the monotonic clock's zero: "now" for the store's eviction order.
    epoch: i64,
    /// A local store keeps this account's mail: each folder opened is then compared with
    /// the server's UIDs, so the copy holds exactly what the server has.
    keeps_store: bool,
    rng: u64,
    now: u64,
    effects: VecDeque<Effect>,
}

impl<C: Charsets + Clone> Account<C> {
    /// `seed` is any random number (the jitter of reconnects).
    pub fn new(charsets: C, seed: u64) -> Self {
        Self::on(charsets, seed, String::new(), 0)
    }

    /// An account on `server` (as the app names it), where the monotonic clock's zero is
    /// `epoch` in Unix seconds.
    pub fn on(charsets: C, seed: u64, server: String, epoch: i64) -> Self {
        Self {
            charsets,
            engine: None,
            conn: ConnId(0),
            last_conn: 0,
            watch: None,
            watch_retry_at: None,
            notify_refused: false,
            folders: Vec::new(),
            counts_at: None,
            user: String::new(),
            password: None,
            signed_in: false,
            link: Link::Offline,
            attempt: 0,
            retry_at: None,
            view: View::default(),
            known: BTreeMap::new(),
            validity: BTreeMap::new(),
            fetched_flagged: None,
            server,
            epoch,
            keeps_store: false,
            rng: seed | 1,
            now: 0,
            effects: VecDeque::new(),
        }
    }

    /// Whether a local store keeps this account's mail (the shell's; off until said).
    pub fn set_keeps_store(&mut self, on: bool) {
        self.keeps_store = on;
        if let Some(engine) = self.engine.as_mut() {
            engine.compare_uids(on);
        }
    }

    pub fn link(&self) -> Link {
        self.link
    }

    /// A request from the app, at `now`.
    pub fn request(&mut self, now: u64, request: Request) -> Option<OpId> {
        self.tick(now);
        let id = match request {
            Request::SignIn { user, password } => {
                self.close();
                if user != self.user {
                    self.validity.clear();
                }
                self.user = user;
                self.password = Some(password);
                self.signed_in = false;
                self.attempt = 0;
                self.view = View::default();
                self.known.clear();
                self.connect(Link::Connecting);
                None
            }
            Request::SignOut => {
                let id = self.engine.as_mut().map(|e| e.request(Request::SignOut));
                self.flush();
                self.close();
                self.password = None;
                self.signed_in = false;
                self.retry_at = None;
                self.set_link(Link::Offline);
                // A shared computer keeps nothing of the account once it signed out.
                self.effects
                    .push_back(Effect::Store(StoreRequest::WipeAccount {
                        account: self.account(),
                    }));
                self.effects
                    .push_back(Effect::Store(StoreRequest::SetLastAccount { last: None }));
                self.effects
                    .push_back(Effect::Event(Event::Disconnected(Disconnect::SignedOut)));
                id
            }
            Request::OpenFolder { folder, window, .. } => {
                self.view.folder = Some(folder.clone());
                self.view.window = Some(window);
                self.view.reading = None;
                let known = self.known.get(&folder).copied();
                let load = Load::Rows {
                    account: self.account(),
                    folder: folder.clone(),
                    window,
                    open: true,
                    early: false,
                };
                self.forward_or_load(
                    Request::OpenFolder {
                        folder,
                        window,
                        known,
                    },
                    load,
                )
            }
            Request::FetchRows { folder, window } => {
                if self.view.folder.as_deref() == Some(folder.as_str()) {
                    self.view.window = Some(window);
                }
                let load = Load::Rows {
                    account: self.account(),
                    folder: folder.clone(),
                    window,
                    open: false,
                    early: false,
                };
                self.forward_or_load(Request::FetchRows { folder, window }, load)
            }
            Request::OpenMessage { folder, uid } => {
                self.view.reading = Some((folder.clone(), uid));
                let load = Load::Message {
                    account: self.account(),
                    folder: folder.clone(),
                    uid,
                    early: false,
                };
                self.forward_or_load(Request::OpenMessage { folder, uid }, load)
            }
            other => self.forward(other),
        };
        self.drain();
        id
    }

    /// Passes a request to the connection if it is signed in; otherwise the local store
    /// answers it now (`load`), and the next connection restores the view.
    ///
    /// Offline, rows are loaded only before the account was online in this session
    /// (after a reload): while reconnecting, the list keeps what it has from the server.
    ///
    /// Online, where a store keeps the mail, a folder opened and a message opened are also
    /// read from it (`early`), so they show at once; the server's answer follows and
    /// reconciles (the app takes the store's rows only until the server's arrive, and a
    /// message from whichever answers first, a UID's body never changing). The store's
    /// positions are the server's: each folder opened is compared by UID.
    fn forward_or_load(&mut self, request: Request, mut load: Load) -> Option<OpId> {
        let scrolling = matches!(&request, Request::FetchRows { .. });
        let id = self.forward(request);
        let loadable = match &mut load {
            _ if id.is_some() && (!self.keeps_store || scrolling) => false,
            Load::Rows { open, early, .. } if id.is_some() => {
                *open = false;
                *early = true;
                true
            }
            Load::Message { early, .. } if id.is_some() => {
                *early = true;
                true
            }
            Load::Rows { .. } => !self.signed_in,
            Load::Message { .. } => true,
        };
        if loadable {
            self.effects.push_back(Effect::Load(load));
        }
        id
    }

    /// Shows the mail of `user` stored on this device before any connection (after a
    /// reload): INBOX's first rows from the store. Signing in goes online.
    pub fn restore_offline(&mut self, user: String) {
        if self.signed_in {
            return;
        }
        self.user = user;
        self.view.folder = Some(INBOX.to_owned());
        self.view.window = Some(Window::FIRST);
        self.effects.push_back(Effect::Load(Load::Rows {
            account: self.account(),
            folder: INBOX.to_owned(),
            window: Window::FIRST,
            open: true,
            early: false,
        }));
    }

    /// The store's name for this account: the user name, on this app's server.
    pub fn account(&self) -> AccountId {
        AccountId::new(self.user.clone())
    }

    /// Passes a request to the connection if it is signed in; otherwise the view holds
    /// it and the next connection restores it.
    fn forward(&mut self, request: Request) -> Option<OpId> {
        match self.engine.as_mut() {
            Some(engine) if engine.is_signed_in() => Some(engine.request(request)),
            _ => None,
        }
    }

    /// Bytes from connection `conn`.
    pub fn received(&mut self, now: u64, conn: ConnId, bytes: &[u8]) {
        self.tick(now);
        if let Some(engine) = self.engine_of(conn) {
            engine.receive(bytes);
        }
        self.drain();
    }

    /// Connection `conn`'s socket closed (or never opened); the proxy's reason, if any.
    pub fn closed(&mut self, now: u64, conn: ConnId, reason: Option<String>) {
        self.tick(now);
        if let Some(engine) = self.engine_of(conn) {
            engine.closed(reason);
        }
        self.drain();
    }

    /// The engine of connection `conn`, the command connection's or the watch's; `None`
    /// for a connection let go (its late bytes and close are of no interest).
    fn engine_of(&mut self, conn: ConnId) -> Option<&mut Engine<C>> {
        if conn == self.conn {
            return self.engine.as_mut();
        }
        self.watch
            .as_mut()
            .filter(|w| w.conn == conn)
            .map(|w| &mut w.engine)
    }

    /// The browser says the network is back: try now rather than at the next backoff.
    pub fn network_up(&mut self, now: u64) {
        self.tick(now);
        if matches!(self.link, Link::Reconnecting { .. }) && self.retry_at.is_some() {
            self.retry_at = Some(self.now);
            self.handle_timeout(now);
        }
    }

    pub fn poll_timeout(&self) -> Option<u64> {
        let engine = self.engine.as_ref().and_then(|e| e.poll_timeout());
        let watch = self.watch.as_ref().and_then(|w| w.engine.poll_timeout());
        [
            engine,
            watch,
            self.retry_at,
            self.watch_retry_at,
            self.counts_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle_timeout(&mut self, now: u64) {
        self.tick(now);
        if self.retry_at.is_some_and(|at| at <= self.now) {
            self.retry_at = None;
            let attempt = self.attempt;
            self.connect(Link::Reconnecting { attempt });
        }
        if self.watch_retry_at.is_some_and(|at| at <= self.now) {
            self.watch_retry_at = None;
            self.start_watch();
        }
        if self.counts_at.is_some_and(|at| at <= self.now) {
            self.refresh_counts();
        }
        self.drain();
    }

    /// Without NOTIFY, the other folders' counts are asked for now and every
    /// [`COUNTS_INTERVAL`] after; with it, the watch connection reports them.
    fn refresh_counts(&mut self) {
        let notified = self
            .engine
            .as_ref()
            .is_some_and(|e| e.offers(&Capability::Notify))
            && !self.notify_refused;
        let signed_in = self.engine.as_ref().is_some_and(|e| e.is_signed_in());
        if notified || !signed_in {
            self.counts_at = None;
            return;
        }
        let folders = self.folders.clone();
        if let Some(engine) = self.engine.as_mut() {
            engine.request(Request::RefreshCounts { folders });
        }
        self.counts_at = Some(self.now + COUNTS_INTERVAL);
    }

    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    fn tick(&mut self, now: u64) {
        self.now = self.now.max(now);
        if let Some(engine) = self.engine.as_mut() {
            engine.handle_timeout(self.now);
        }
        if let Some(watch) = self.watch.as_mut() {
            watch.engine.handle_timeout(self.now);
        }
    }

    fn next_conn(&mut self) -> ConnId {
        self.last_conn += 1;
        ConnId(self.last_conn)
    }

    /// Opens the watch connection, if the server offers NOTIFY and none is open.
    fn start_watch(&mut self) {
        let offered = self
            .engine
            .as_ref()
            .is_some_and(|e| e.is_signed_in() && e.offers(&Capability::Notify));
        let Some(password) = self.password.clone() else {
            return;
        };
        if !offered || self.notify_refused || self.watch.is_some() {
            return;
        }
        let conn = self.next_conn();
        let mut engine = Engine::for_watching(self.charsets.clone());
        engine.handle_timeout(self.now);
        engine.request(Request::SignIn {
            user: self.user.clone(),
            password,
        });
        engine.request(Request::Watch);
        self.watch = Some(Watch { conn, engine });
        self.effects.push_back(Effect::Connect(conn));
    }

    fn close_watch(&mut self) {
        if let Some(watch) = self.watch.take() {
            self.effects.push_back(Effect::Close(watch.conn));
        }
        self.watch_retry_at = None;
    }

    fn connect(&mut self, link: Link) {
        let Some(password) = self.password.clone() else {
            return;
        };
        self.conn = self.next_conn();
        let mut engine = Engine::with_charsets(self.charsets.clone());
        engine.compare_uids(self.keeps_store);
        engine.handle_timeout(self.now);
        engine.request(Request::SignIn {
            user: self.user.clone(),
            password,
        });
        self.engine = Some(engine);
        self.effects.push_back(Effect::Connect(self.conn));
        self.set_link(link);
    }

    fn close(&mut self) {
        if self.engine.take().is_some() {
            self.effects.push_back(Effect::Close(self.conn));
        }
        self.close_watch();
        self.counts_at = None;
    }

    fn set_link(&mut self, link: Link) {
        if self.link != link {
            self.link = link;
            self.effects.push_back(Effect::Link(link));
        }
    }

    fn flush(&mut self) {
        if let Some(engine) = self.engine.as_mut() {
            while let Some(bytes) = engine.transmit() {
                self.effects.push_back(Effect::Write(self.conn, bytes));
            }
        }
        if let Some(watch) = self.watch.as_mut() {
            while let Some(bytes) = watch.engine.transmit() {
                self.effects.push_back(Effect::Write(watch.conn, bytes));
            }
        }
    }

    /// Moves the engines' output to effects, reacting to what needs the account.
    fn drain(&mut self) {
        loop {
            self.flush();
            if let Some(event) = self.engine.as_mut().and_then(|e| e.poll_event()) {
                self.event(event);
                continue;
            }
            let Some(event) = self.watch.as_mut().and_then(|w| w.engine.poll_event()) else {
                break;
            };
            self.watch_event(event);
        }
    }

    /// What the watch connection says: only counts go to the app.
    fn watch_event(&mut self, event: Event) {
        match event {
            Event::FolderCounts { .. } => self.effects.push_back(Effect::Event(event)),
            Event::Watching(false) => {
                self.notify_refused = true;
                self.close_watch();
                self.refresh_counts();
            }
            Event::Disconnected(_) | Event::SignInFailed(_) => {
                self.watch = None;
                if self.signed_in {
                    self.watch_retry_at = Some(self.now + WATCH_RETRY);
                }
            }
            _ => {}
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::SignedIn { user } => {
                self.attempt = 0;
                self.set_link(Link::Online);
                self.start_watch();
                if self.signed_in {
                    self.restore();
                } else {
                    self.signed_in = true;
                    self.effects
                        .push_back(Effect::Store(StoreRequest::SetLastAccount {
                            last: Some(LastAccount {
                                account: self.account(),
                                user: user.clone(),
                                server: self.server.clone(),
                            }),
                        }));
                    self.effects
                        .push_back(Effect::Event(Event::SignedIn { user }));
                    // INBOX opens at once, pipelined behind the folder list rather than
                    // waiting for it: one round trip less before the first rows.
                    self.view.folder = Some(INBOX.to_owned());
                    self.view.window = Some(Window::FIRST);
                    self.restore();
                }
            }
            Event::SignInFailed(error) => {
                // A password changed meanwhile ends the session like a first refusal.
                self.close();
                self.password = None;
                self.signed_in = false;
                self.set_link(Link::Offline);
                self.effects
                    .push_back(Effect::Event(Event::SignInFailed(error)));
            }
            // The open message's fetch, cut off by a lost connection that is about to be
            // healed: the restored view opens it again, so the app is not told it failed.
            // (Other cut-off operations, such as a download, are not redone and are
            // reported.)
            Event::MessageFailed { folder, uid, .. }
                if self.healing() && self.view.reading.as_ref() == Some(&(folder.clone(), uid)) => {
            }
            Event::Disconnected(Disconnect::SignedOut) => {
                self.engine = None;
                self.set_link(Link::Offline);
            }
            Event::Disconnected(reason) => {
                if let Some((folder, known)) = self.engine.as_ref().and_then(|e| e.known()) {
                    self.known.insert(folder, known);
                }
                self.engine = None;
                // Asked again once the next connection has listed the folders.
                self.counts_at = None;
                if self.signed_in && self.password.is_some() {
                    self.attempt += 1;
                    let wait = self.backoff();
                    self.retry_at = Some(self.now + wait);
                    self.set_link(Link::Reconnecting {
                        attempt: self.attempt,
                    });
                } else {
                    self.password = None;
                    self.set_link(Link::Offline);
                    self.effects
                        .push_back(Effect::Event(Event::Disconnected(reason)));
                }
            }
            Event::Folders(folders) => {
                // The capabilities are known by now even where the sign-in's OK did not
                // list them.
                self.start_watch();
                self.folders = folders
                    .iter()
                    .filter(|f| f.selectable)
                    .map(|f| f.id.clone())
                    .collect();
                self.refresh_counts();
                self.effects
                    .push_back(Effect::Store(StoreRequest::SaveFolders {
                        account: self.account(),
                        folders: store::entries(&folders),
                    }));
                self.effects
                    .push_back(Effect::Event(Event::Folders(folders)));
            }
            Event::Fetched {
                folder,
                uid,
                raw,
                text,
                flagged,
            } => {
                self.fetched_flagged = Some((folder.clone(), uid, flagged));
                let key = self.key(&folder);
                if let (Some(key), Some(uid)) = (key, std::num::NonZeroU32::new(uid)) {
                    self.effects.push_back(Effect::Store(StoreRequest::PutBody {
                        key,
                        uid: petrel_store::Uid(uid),
                        raw,
                        text,
                        now: UnixTime(self.epoch + (self.now / 1000) as i64),
                    }));
                }
            }
            Event::FolderUids {
                folder,
                uids,
                below,
            } => {
                let listing = store::listing(&uids, below);
                if let (Some(key), Some(listing)) = (self.key(&folder), listing) {
                    self.effects
                        .push_back(Effect::Store(StoreRequest::ApplyChanges {
                            key,
                            changes: Changes {
                                listing: Some(listing),
                                ..Changes::default()
                            },
                        }));
                }
            }
            Event::Vanished { folder, uids } => {
                if let Some(key) = self.key(&folder) {
                    self.effects
                        .push_back(Effect::Store(StoreRequest::ApplyChanges {
                            key,
                            changes: Changes {
                                vanished: store::ranges(&uids),
                                ..Changes::default()
                            },
                        }));
                }
            }
            other => {
                self.remember(&other);
                self.effects.push_back(Effect::Event(other));
            }
        }
    }

    fn key(&self, folder: &str) -> Option<petrel_store::FolderKey> {
        store::key(&self.account(), folder, *self.validity.get(folder)?)
    }

    /// Writes to the store what an event from the server confirmed.
    fn remember(&mut self, event: &Event) {
        let write = match event {
            Event::FolderOpened {
                folder,
                uid_validity: Some(uid_validity),
                ..
            } => {
                self.validity.insert(folder.clone(), *uid_validity);
                self.key(folder).map(|key| StoreRequest::OpenFolder { key })
            }
            Event::Rows { folder, rows, .. } => {
                self.key(folder).map(|key| StoreRequest::ApplyChanges {
                    key,
                    changes: Changes {
                        headers: rows
                            .iter()
                            .filter_map(|(_, row)| store::headers(row))
                            .collect(),
                        ..Changes::default()
                    },
                })
            }
            // Read now (the server agreed): the store's copy of its flags says so too.
            Event::MessageSeen { folder, uid } => {
                let flagged = match &self.fetched_flagged {
                    Some((f, u, flagged)) if f == folder && u == uid => *flagged,
                    _ => return,
                };
                store::flag_update(*uid, false, flagged).and_then(|update| {
                    self.key(folder).map(|key| StoreRequest::ApplyChanges {
                        key,
                        changes: Changes {
                            flags: vec![update],
                            ..Changes::default()
                        },
                    })
                })
            }
            Event::FolderChanged { folder, change, .. } => {
                let changes = match *change {
                    ListChange::Flags {
                        uid: Some(uid),
                        unread,
                        flagged,
                        ..
                    } => store::flag_update(uid, unread, flagged).map(|update| Changes {
                        flags: vec![update],
                        ..Changes::default()
                    }),
                    ListChange::Removed { uid: Some(uid), .. } => std::num::NonZeroU32::new(uid)
                        .map(|uid| Changes {
                            expunged: vec![petrel_store::Uid(uid)],
                            ..Changes::default()
                        }),
                    _ => None,
                };
                changes.and_then(|changes| {
                    self.key(folder)
                        .map(|key| StoreRequest::ApplyChanges { key, changes })
                })
            }
            _ => None,
        };
        if let Some(write) = write {
            self.effects.push_back(Effect::Store(write));
        }
    }

    /// The connection is ending (or gone) and a new one will take over.
    fn healing(&self) -> bool {
        self.signed_in
            && self.password.is_some()
            && self.engine.as_ref().is_none_or(|e| !e.is_signed_in())
    }

    /// After a reconnect: the open folder (and its window) and the open message again.
    fn restore(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if let Some(folder) = self.view.folder.clone() {
            let known = self.known.get(&folder).copied();
            engine.request(Request::OpenFolder {
                folder,
                window: self.view.window.unwrap_or(Window::FIRST),
                known,
            });
        }
        if let Some((folder, uid)) = self.view.reading.clone() {
            engine.request(Request::OpenMessage { folder, uid });
        }
    }

    /// The wait before attempt `self.attempt`: exponential, with "equal jitter" (half
    /// fixed, half random).
    fn backoff(&mut self) -> u64 {
        let exponent = self.attempt.saturating_sub(1).min(16);
        let base = (FIRST_BACKOFF << exponent).min(MAX_BACKOFF);
        // xorshift64: jitter needs no better randomness than this.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        base / 2 + self.rng % (base / 2 + 1)
    }
}
