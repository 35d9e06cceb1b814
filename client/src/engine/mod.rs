//! The protocol engine: everything the app knows about IMAP, sans-IO.
//!
//! The engine owns a `petrel_imap` session. The connection task (the only code that touches
//! the WebSocket) feeds it received bytes, writes what [`Engine::transmit`] returns, and turns
//! each [`Event`] into a model action. It compiles and tests natively.
//!
//! CONTRACT (shared by the UI and the engine; change only together):
//!
//! ```ignore
//! let mut engine = Engine::new();
//! engine.request(Request::SignIn { user, password: Password::new(pw) });
//! loop {
//!     while let Some(bytes) = engine.transmit() { ws.send(bytes) }
//!     match ws.recv() { Data(b) => engine.receive(&b), Closed(reason) => engine.closed(reason) }
//!     while let Some(event) = engine.poll_event() { dispatch(Action::from(event)) }
//! }
//! ```
//!
//! Requests made before the greeting arrives are queued. After sign-in the engine lists the
//! folders (emitting `Event::Folders`) and opens INBOX by itself (`FolderOpened`, then
//! `Messages` with the newest 50, newest first).
//!
//! `OpenMessage` fetches one whole message (`UID FETCH uid (UID FLAGS BODY.PEEK[])`, selecting
//! its folder first if needed), parses it (`message`) and reports `MessageOpened`; if the
//! message was unread it then stores `\Seen` and reports `MessageSeen` once the server
//! agreed. Only the newest `OpenMessage` is answered: a superseded message's bytes are
//! dropped unparsed, so the engine holds at most one message body at a time.
//! `DownloadAttachment` fetches one part of the open message and reports its decoded bytes.
//!
//! Header text in charsets beyond UTF-8, ASCII, Latin-1 and Windows-1252 is decoded by the
//! [`Charsets`] given to [`Engine::with_charsets`]; the web app passes the browser's
//! decoders. [`Engine::new`] has only the built-in ones and shows other charsets lossily.

mod folders;
pub mod message;
mod messages;
pub mod mime;
// Nothing uses the replica yet: the mail-core redesign wires it in.
#[allow(dead_code)]
pub(crate) mod replica;
mod sync;

use std::collections::VecDeque;

use petrel_imap::{Limits, Session};

pub use message::{Address, Attachment, Block, MessageView};
pub use mime::{BuiltInOnly, Charsets};

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
    /// `folder` is [`Folder::id`] (the raw, wire-form mailbox name).
    OpenFolder {
        folder: String,
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
    /// Send a message. SMTP is not the engine's protocol: the connection task carries this
    /// out itself over the proxy's `/smtp` ([`crate::send::Sender`]) and then asks the engine
    /// for [`Request::SaveSent`]. Given to the engine, it is refused with a `Problem`.
    Send(Box<SendMessage>),
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
    },
    /// The newest messages of `folder`, newest first.
    Messages {
        folder: String,
        messages: Vec<MessageSummary>,
    },
    /// The message asked for with `OpenMessage`, parsed.
    MessageOpened {
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
        folder: String,
        uid: u32,
        reason: String,
    },
    /// An attachment asked for with `DownloadAttachment`, decoded; `bytes` is empty and
    /// `error` set when the server refused.
    AttachmentFetched {
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
}

/// The sans-IO engine (see the module docs for the contract). `C` decodes header text in
/// charsets the engine does not know itself; a type parameter rather than a boxed trait
/// object so that `Engine::new()` stays `Send` and the browser's decoders need not be.
#[derive(Debug)]
pub struct Engine<C = BuiltInOnly> {
    session: Session,
    flow: sync::Flow,
    events: VecDeque<Event>,
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
            session: Session::new(Limits::default()),
            flow: sync::Flow::default(),
            events: VecDeque::new(),
            charsets,
        }
    }
    /// Asks for an operation; requests made before the greeting are queued.
    pub fn request(&mut self, request: Request) {
        self.flow
            .request(&mut self.session, &mut self.events, request);
    }
    /// Bytes received from the transport, in any chunking.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.session.feed(bytes);
        while let Some(event) = self.session.poll_event() {
            self.flow
                .event(&mut self.session, &mut self.events, &self.charsets, event);
        }
    }
    /// The transport closed; `reason` is the WebSocket close reason, if any.
    pub fn closed(&mut self, reason: Option<String>) {
        self.flow
            .finish(&mut self.events, Disconnect::ConnectionLost(reason));
    }
    /// The next bytes to write to the transport.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.session.transmit()
    }
    /// The next event for the model.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
