//! The protocol engine: one IMAP connection, sans-IO.
//!
//! An [`Engine`] owns a `petrel_imap` session and everything that lives as long as the
//! connection: its phase (greeting, signing in, signed in, finished), the operations
//! pending on it (`ops/`, one file each, matched to their completions by tag), the selected
//! folder's replica (sequence numbers ↔ UIDs, `replica`), and its timers. The account layer
//! (`crate::sync`) drives it; the engine knows nothing of sockets, clocks or stores.
//!
//! CONTRACT (shared by the account layer and the tests; change only together):
//!
//! ```ignore
//! let mut engine = Engine::new();
//! engine.handle_timeout(now);            // the time, whenever the driver wakes
//! let op = engine.request(Request::SignIn { user, password: Password::new(pw) });
//! loop {
//!     while let Some(bytes) = engine.transmit() { ws.send(bytes) }
//!     match next(ws.recv(), sleep_until(engine.poll_timeout())) {
//!         Data(b) => engine.receive(&b),
//!         Closed(reason) => engine.closed(reason),
//!         Timer(now) => engine.handle_timeout(now),
//!     }
//!     while let Some(event) = engine.poll_event() { handle(event) }
//! }
//! ```
//!
//! Every request gets an [`OpId`]; the events that answer it ([`Event::Rows`],
//! [`Event::MessageOpened`], [`Event::MessageFailed`], [`Event::AttachmentFetched`]) carry
//! it. Requests made before the greeting (or before sign-in) wait. After sign-in the
//! engine lists the folders; opening a folder is `STATUS` + `SELECT`, pipelined, with the
//! FETCH of the asked-for window sent as soon as `EXISTS` arrives. While nothing is pending
//! the engine waits in IDLE on the open folder (or polls with NOOP every 30 seconds where
//! the server has no IDLE), and reports what changes as [`Event::FolderChanged`]; new
//! messages' rows follow as [`Event::Rows`] without an op. A command (or the greeting)
//! unanswered for 60 seconds ends the connection as lost, which the account layer heals by
//! reconnecting.
//!
//! Header text in charsets beyond UTF-8, ASCII, Latin-1 and Windows-1252 is decoded by the
//! [`Charsets`] given to [`Engine::with_charsets`]; the web app passes the browser's
//! decoders. [`Engine::new`] has only the built-in ones and shows other charsets lossily.

mod connection;
mod folders;
pub mod message;
mod messages;
pub mod mime;
mod ops;
// Wired in, but its UID-learning half (`learn_all` for `UID SEARCH ALL`, `holes`, `uid`,
// `known`, `uid_next`, `apply`) waits for the operations that will use it.
#[allow(dead_code)]
pub(crate) mod replica;

use connection::Connection;

pub use message::{Address, Attachment, Block, MessageView};
pub use mime::{BuiltInOnly, Charsets};
pub use ops::Known;

/// Identifies one request; the events that answer it carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub u64);

impl OpId {
    /// Answers read from the local store rather than the server (an engine's ids start
    /// at 1).
    pub const LOCAL: OpId = OpId(0);
}

/// A range of list positions: position 0 is the folder's newest message (the highest
/// sequence number), position `p` of `n` messages is sequence number `n - p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: u32,
    pub len: u32,
}

impl Window {
    /// The first screen of a folder.
    pub const FIRST: Window = Window { first: 0, len: 50 };
    /// No rows at all.
    pub const NONE: Window = Window { first: 0, len: 0 };

    /// The sequence numbers `(low, high)` of this window in a folder of `exists`
    /// messages; `None` when it holds none of them.
    pub fn seqs(self, exists: u32) -> Option<(u32, u32)> {
        if self.len == 0 || self.first >= exists {
            return None;
        }
        let high = exists - self.first;
        let low = high.saturating_sub(self.len - 1).max(1);
        Some((low, high))
    }
}

/// A password: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Password {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// What the app asks of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    SignIn {
        user: String,
        password: Password,
    },
    /// Select `folder` ([`Folder::id`], the raw, wire-form mailbox name) and fetch the
    /// rows of `window`. `known` is its state from an earlier session, for QRESYNC.
    OpenFolder {
        folder: String,
        window: Window,
        known: Option<Known>,
    },
    /// Fetch the rows of `window` of the open folder (selecting it if another is open).
    FetchRows {
        folder: String,
        window: Window,
    },
    /// Fetch and parse one message, selecting `folder` first if another one is open, and
    /// mark it read.
    OpenMessage {
        folder: String,
        uid: u32,
    },
    /// Fetch one attachment of the message opened last (`part` is [`Attachment::part`]).
    DownloadAttachment {
        folder: String,
        uid: u32,
        part: String,
    },
    SignOut,
    /// Watch every folder for changes (`NOTIFY`, on a connection of its own): answered
    /// with [`Event::Watching`], then [`Event::FolderCounts`] as folders change.
    Watch,
    /// Ask for the counts of these folders (but the open one, whose count the connection
    /// follows itself): where the server offers no NOTIFY. Answered with
    /// [`Event::FolderCounts`], one per folder that could be asked.
    RefreshCounts {
        folders: Vec<String>,
    },
    /// Send a message. SMTP is not the engine's protocol: the connection task carries this
    /// out itself over the proxy's `/smtp` ([`crate::send::Sender`]) and then asks the engine
    /// for [`Request::SaveSent`]. Given to the engine, it is refused with a `Problem`.
    Send(Box<SendMessage>),
    /// How many bytes of messages read this device keeps (the store's body budget; the
    /// least recently read go first, their rows stay). Not the engine's either: the
    /// connection task writes it to the store and remembers it on the device.
    KeepBodies {
        bytes: u64,
    },
    /// After a message was sent: `APPEND` `copy` to the folder with the `\Sent` role (as
    /// `\Seen`, with a `BINARY` literal where the server offers it), then mark the message
    /// replied to `\Answered`. Reported with `CopySaved` or `CopyNotSaved`, and `Answered`.
    SaveSent {
        /// The sent bytes; `None` when the account's server files sent mail itself.
        copy: Option<Vec<u8>>,
        /// The message this one answers, `(folder, uid)`.
        answered: Option<(String, u32)>,
    },
}

/// A message to send (see [`Request::Send`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    pub message: crate::compose::Outgoing,
    /// Whether Petrel saves a copy in Sent: false for a server that files sent mail itself.
    pub save_copy: bool,
    /// The message this one answers, `(folder, uid)`, to be marked `\Answered`.
    pub answered: Option<(String, u32)>,
}

/// What the engine tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    SignedIn {
        user: String,
    },
    SignInFailed(SignInError),
    Folders(Vec<Folder>),
    FolderOpened {
        folder: String,
        exists: u32,
        unseen: Option<u32>,
        uid_validity: Option<u32>,
    },
    /// Rows of the open folder by list position (see [`Window`]), ascending; `total` is
    /// the folder's count they were placed in. `op` is the request they answer, `None` for
    /// the rows of newly arrived mail.
    Rows {
        op: Option<OpId>,
        folder: String,
        total: u32,
        rows: Vec<(u32, MessageSummary)>,
    },
    /// Whether the server agreed to [`Request::Watch`].
    Watching(bool),
    /// A folder's counts, as the server reported them unasked (NOTIFY) or asked.
    FolderCounts {
        folder: String,
        messages: Option<u32>,
        unseen: Option<u32>,
    },
    /// The open folder changed (another client, new mail); `total` is its count after.
    FolderChanged {
        folder: String,
        total: u32,
        change: ListChange,
    },
    /// Every UID the open folder holds below `below`, as ascending inclusive ranges (a
    /// UID comparison, sent after each SELECT): for the local store, not the screen.
    FolderUids {
        folder: String,
        uids: Vec<(u32, u32)>,
        below: u32,
    },
    /// `VANISHED (EARLIER)`: UIDs of the open folder expunged while the app was away, as
    /// inclusive ranges: for the local store (the list is refetched anyway).
    Vanished {
        folder: String,
        uids: Vec<(u32, u32)>,
    },
    /// A message's bytes as fetched, with its text for a search index: for the local
    /// store, not the screen ([`Event::MessageOpened`] follows).
    Fetched {
        folder: String,
        uid: u32,
        raw: Vec<u8>,
        text: String,
        /// Its `\Flagged` flag as fetched, so that marking it read keeps it in the store.
        flagged: bool,
    },
    /// The message asked for with `OpenMessage`, parsed.
    MessageOpened {
        op: OpId,
        folder: String,
        uid: u32,
        message: Box<MessageView>,
    },
    /// The server stored `\Seen` on a message the person opened.
    MessageSeen {
        folder: String,
        uid: u32,
    },
    /// The message asked for with `OpenMessage` could not be fetched (`NO`, `BAD`, gone);
    /// the text is for a person.
    MessageFailed {
        op: OpId,
        folder: String,
        uid: u32,
        reason: String,
    },
    /// An attachment asked for with `DownloadAttachment`, decoded; `bytes` is empty and
    /// `error` set when the server refused.
    AttachmentFetched {
        op: OpId,
        folder: String,
        uid: u32,
        part: String,
        name: String,
        media_type: String,
        bytes: Vec<u8>,
        error: Option<String>,
    },
    /// A sent message's copy was stored in `folder` (the `\Sent` one).
    CopySaved {
        folder: String,
    },
    /// A sent message's copy could not be stored; why, for a person. The message itself
    /// was sent.
    CopyNotSaved(String),
    /// The server stored `\Answered` on the message replied to.
    Answered {
        folder: String,
        uid: u32,
    },
    /// An operation failed but the session goes on (`NO`/`BAD` to a command, a response that
    /// could not be decoded). The text is for a person.
    Problem(String),
    /// The connection is gone (server `BYE`, transport closed, fatal protocol error).
    Disconnected(Disconnect),
}

/// How the open folder's list changed. Positions are list positions (0 is the newest)
/// before the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListChange {
    /// `count` new messages at the top: every row moves down by `count`.
    Arrived { count: u32 },
    /// The message at `position` (with `uid`, if known) is gone: the rows after it move up
    /// by one.
    Removed { position: u32, uid: Option<u32> },
    /// The flags of the message at `position` changed.
    Flags {
        position: u32,
        uid: Option<u32>,
        unread: bool,
        flagged: bool,
    },
    /// What the app holds of the folder can no longer be placed (UIDVALIDITY changed, or
    /// the server said something that does not fit): fetch what is in view again.
    Reset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// The server refused the user name or password.
    WrongCredentials,
    /// Any other refusal; the server's text, for a person.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disconnect {
    /// The WebSocket closed or never opened; the reason the proxy gave, if any.
    ConnectionLost(Option<String>),
    /// The server said `BYE`.
    ServerClosed(String),
    SignedOut,
}

/// A mailbox as the folder list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The wire-form name, used in requests.
    pub id: String,
    /// The decoded (modified UTF-7 or UTF-8) full name, for display.
    pub name: String,
    pub delimiter: Option<char>,
    pub role: Option<FolderRole>,
    pub selectable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRole {
    Inbox,
    Drafts,
    Sent,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
}

/// One row of the message list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    pub uid: u32,
    /// Display name of the first From address, or its address.
    pub from: String,
    /// Decoded (RFC 2047) subject.
    pub subject: String,
    /// Seconds since the Unix epoch (UTC) from INTERNALDATE, for sorting and display.
    pub date: Option<i64>,
    pub unread: bool,
    pub flagged: bool,
    pub size: u32,
    /// The message has a part the reading pane will list as a file (the rule is
    /// `messages::is_attachment`, from BODYSTRUCTURE).
    pub attachment: bool,
    /// The start of the message's text as the server summarised it (RFC 8970 `PREVIEW`),
    /// ready to show on one line; `None` where the server offers no preview or it is empty.
    pub preview: Option<String>,
    /// The parts BODYSTRUCTURE describes, for the local copy. Empty for a row read back
    /// from the store, which keeps them apart from the list's rows.
    pub parts: Vec<Part>,
}

/// One part of a message as BODYSTRUCTURE describes it (no body fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The IMAP section number (`1`, `2.1`).
    pub section: String,
    /// `type/subtype`, lower case.
    pub media_type: String,
    /// Decoded (RFC 2047 or RFC 2231), without a path or control characters.
    pub filename: Option<String>,
    /// Encoded size in octets, as the server reports it.
    pub size: u32,
    /// Listed as a file (see [`MessageSummary::attachment`]).
    pub attachment: bool,
}

/// The sans-IO engine (see the module docs for the contract). `C` decodes header text in
/// charsets the engine does not know itself; a type parameter rather than a boxed trait
/// object so that `Engine::new()` stays `Send` and the browser's decoders need not be.
#[derive(Debug)]
pub struct Engine<C = BuiltInOnly> {
    connection: Connection,
    charsets: C,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    /// An engine with the built-in charsets only.
    pub fn new() -> Self {
        Self::with_charsets(BuiltInOnly)
    }
}

impl<C: Charsets> Engine<C> {
    /// An engine that hands header text in other charsets to `charsets`.
    pub fn with_charsets(charsets: C) -> Self {
        Self {
            connection: Connection::default(),
            charsets,
        }
    }
    /// An engine for a watch connection: after sign-in it neither lists the folders nor
    /// enables anything; it is there for [`Request::Watch`].
    pub fn for_watching(charsets: C) -> Self {
        Self {
            connection: Connection::watcher(),
            charsets,
        }
    }
    /// Whether each folder opened is followed by a listing of all its UIDs
    /// ([`Event::FolderUids`]), for a local copy to be made exact. Off by default.
    pub fn compare_uids(&mut self, on: bool) {
        self.connection.compare_uids = on;
    }
    /// Asks for an operation; requests made before the greeting or sign-in wait.
    pub fn request(&mut self, request: Request) -> OpId {
        let id = self.connection.next_id();
        self.connection.request(id, request, &self.charsets);
        id
    }
    /// Bytes received from the transport, in any chunking.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.connection.receive(bytes, &self.charsets);
    }
    /// The transport closed; `reason` is the WebSocket close reason, if any.
    pub fn closed(&mut self, reason: Option<String>) {
        self.connection.closed(reason);
    }
    /// The next bytes to write to the transport.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.connection.transmit()
    }
    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.connection.poll_event()
    }
    /// When [`Engine::handle_timeout`] must next be called (milliseconds on the clock
    /// the driver passes), if at all.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.connection.poll_timeout()
    }
    /// The time is `now` (milliseconds, monotonic): fires the timers that are due. Call it
    /// whenever the driver wakes, before the other calls, so that new deadlines count from
    /// the right time.
    pub fn handle_timeout(&mut self, now: u64) {
        self.connection.handle_timeout(now, &self.charsets);
    }
    /// The open folder's UIDVALIDITY and HIGHESTMODSEQ, to resume it with QRESYNC on the
    /// next connection.
    pub fn known(&self) -> Option<(String, Known)> {
        self.connection.known()
    }
    pub fn is_signed_in(&self) -> bool {
        self.connection.is_signed_in()
    }
    /// Whether the server offers `capability` (as far as it has said).
    pub fn offers(&self, capability: &petrel_imap::types::capability::Capability<'_>) -> bool {
        self.connection.offers(capability)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
