//! The app state: a [`Model`], the [`Action`]s that change it and the pure [`Model::reduce`].
//!
//! This is the only code that writes the model. It is plain Rust with no web APIs so that
//! every screen transition is tested natively with `cargo test -p petrel-client`. Actions come
//! from two places: the person (the `*Requested` and view actions, dispatched by the UI before
//! the matching [`Request`] goes to the connection task) and the engine (one action per
//! [`Event`], dispatched by the connection task).

mod list;

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::engine::{
    Disconnect, Event, Folder, ListChange, MessageView, OpId, Request, SignInError,
};
use crate::sync::{Link, INBOX};
pub use list::{ListView, CACHE_ROWS, MARGIN};

/// Which screen the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// The sign-in form (also while a sign-in is under way).
    #[default]
    SignIn,
    /// Folders and messages.
    Mail,
}

/// Which pane a narrow screen shows; wide screens show both side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Folders,
    Messages,
    /// The reading pane (on wide screens it sits beside the list).
    Message,
}

/// The message in the reading pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The folder's id and the message's UID.
    pub folder: String,
    pub uid: u32,
    pub state: ReadingState,
    /// The part of the attachment being downloaded.
    pub downloading: Option<String>,
    /// Why the last download failed.
    pub download_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadingState {
    Loading,
    /// An `Rc`: the model is cloned on every action, the message must not be.
    Ready(Rc<MessageView>),
    /// The server's or engine's reason, for a person.
    Failed(String),
}

/// How every close reason the proxy gives for a refused server certificate begins
/// (`proxy/src/upstream/verify.rs`, whose tests hold it to that): the reason itself says what
/// is wrong and what to do, so the page shows it under a heading of its own rather than as
/// a network problem.
const UNTRUSTED_SERVER: &str = "mail server certificate";

/// Something went wrong, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The server refused the user name or password.
    WrongPassword,
    /// The server refused the sign-in for another reason; its text.
    SignInRefused(String),
    /// The connection failed before the session began: the proxy or the mail server could
    /// not be reached. The transport's reason, if any.
    Unreachable(Option<String>),
    /// The proxy refused the mail server's certificate; its reason says what is wrong and
    /// what the person running the site should do.
    UntrustedServer(String),
    /// An established session lost its connection; the transport's reason, if any.
    ConnectionLost(Option<String>),
    /// The server ended the session (`BYE`); its text.
    ServerClosed(String),
    /// An operation failed but the session goes on; the engine's text.
    Other(String),
}

impl Problem {
    /// A one-sentence summary for the banner's heading.
    pub fn summary(&self) -> &'static str {
        match self {
            Problem::WrongPassword => "Wrong user name or password.",
            Problem::SignInRefused(_) => "The mail server refused to sign you in.",
            Problem::Unreachable(_) => {
                "Can't reach the mail server. Check your connection and try again."
            }
            Problem::UntrustedServer(_) => {
                "The mail server's certificate is not trusted, so Petrel did not connect. \
                 Whoever runs this site can fix it."
            }
            Problem::ConnectionLost(_) => {
                "The connection to the mail server was lost. Sign in again to continue."
            }
            Problem::ServerClosed(_) => {
                "The mail server closed the session. Sign in again to continue."
            }
            Problem::Other(_) => "Something went wrong.",
        }
    }

    /// The server's or transport's own words, when there are any worth showing.
    pub fn detail(&self) -> Option<&str> {
        let text = match self {
            Problem::WrongPassword => None,
            Problem::Unreachable(reason) | Problem::ConnectionLost(reason) => reason.as_deref(),
            Problem::SignInRefused(text)
            | Problem::UntrustedServer(text)
            | Problem::ServerClosed(text)
            | Problem::Other(text) => Some(text.as_str()),
        };
        text.map(str::trim).filter(|text| !text.is_empty())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.summary())?;
        if let Some(detail) = self.detail() {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// What the open folder holds, as the server reported on opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderStatus {
    pub exists: u32,
    pub unseen: Option<u32>,
}

/// A field of the simple composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeField {
    From,
    To,
    Cc,
    Subject,
    Body,
}

/// How the last send ended, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendStatus {
    /// Sent (possibly not to every recipient: the words say so).
    Sent(String),
    /// Not sent, or perhaps sent: the words say which and what to do.
    Failed(String),
}

/// The simple composer: what the person typed, and how sending it went.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compose {
    /// The sender's address: the user name when it is one, else what the person types.
    pub from: String,
    /// Addresses separated by commas.
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub body: String,
    /// A send is under way: the Send button is disabled.
    pub sending: bool,
    pub status: Option<SendStatus>,
    /// What became of the copy in Sent, in words, once the server said.
    pub copy: Option<String>,
}

/// Everything the UI renders.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    pub screen: Screen,
    /// The user name of the last sign-in, kept to prefill the form after a disconnect.
    pub user: String,
    /// A sign-in request is under way.
    pub signing_in: bool,
    /// The folders in the order the folder list shows them (Inbox first).
    pub folders: Vec<Folder>,
    /// The folder the person opened (or the engine opened after sign-in), by [`Folder::id`].
    pub selected: Option<String>,
    /// The status of `selected`, once the server has reported it.
    pub status: Option<FolderStatus>,
    /// Unread counts of the folders opened so far, by [`Folder::id`].
    pub unseen: BTreeMap<String, u32>,
    /// The message list of `selected`: a window over it.
    pub list: ListView,
    /// The message list of `selected` is being fetched.
    pub loading: bool,
    /// The connection, as the header shows it.
    pub link: Link,
    /// Showing the mail stored on this device after a reload: the password is needed to
    /// go online (it is never stored).
    pub password_needed: bool,
    /// Why this tab keeps no mail on the device, if it does not (another tab does, or the
    /// browser cannot); said once in the header.
    pub store_note: Option<String>,
    pub pane: Pane,
    /// The open message, if any.
    pub reading: Option<Reading>,
    /// The messages read in the open folder since it was opened, newest first, at most
    /// [`RECENT_MESSAGES`]: opened again, they show at once, with no round trip (a UID's
    /// message never changes, and every opening of a folder, a new UIDVALIDITY's too,
    /// starts afresh).
    pub recent: Rc<Vec<(u32, Rc<MessageView>)>>,
    /// How many bytes of messages read this device keeps, as the person set it (`None`:
    /// the default, [`petrel_store::DEFAULT_BODY_BUDGET`]).
    pub keep_bodies: Option<u64>,
    pub problem: Option<Problem>,
    /// The composer, while it is open.
    pub compose: Option<Compose>,
}

/// How many messages [`Model::recent`] keeps.
pub const RECENT_MESSAGES: usize = 4;

/// Everything that can change the [`Model`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The person submitted the sign-in form.
    SignInRequested { user: String },
    /// The person opened a folder.
    OpenFolderRequested { folder: String },
    /// The person opened a message of the list.
    OpenMessageRequested { folder: String, uid: u32 },
    /// The person asked for an attachment of the open message.
    DownloadRequested {
        folder: String,
        uid: u32,
        part: String,
    },
    /// The person closed the reading pane.
    CloseMessage,
    /// The person signed out. The app returns to the sign-in screen at once: whatever the
    /// old session says afterwards no longer matters.
    SignOutRequested,
    /// Back navigation on narrow screens: show the folder list.
    ShowFolders,
    /// The person dismissed the problem banner.
    DismissProblem,
    /// Something the engine reported.
    Engine(Event),
    /// The person opened the composer (an open one keeps its text).
    ComposeRequested,
    /// The person typed into a field of the composer.
    ComposeEdited { field: ComposeField, value: String },
    /// The person pressed Send; the connection task sends the message.
    SendRequested,
    /// The connection task finished sending.
    SendFinished(SendStatus),
    /// The connection task asked the engine to save the sent copy: nothing to show until
    /// the engine reports it.
    SaveSentRequested,
    /// The person closed the composer.
    CloseCompose,
    /// The connection's state changed.
    Link(Link),
    /// At start-up, the mail of `user` stored on this device is shown, offline.
    Restored { user: String, folders: Vec<Folder> },
    /// This tab has no local store; why, for a person.
    StoreUnavailable(String),
    /// How many bytes of messages read this device keeps (set, or read back at start-up).
    KeepBodies(u64),
}

impl Action {
    /// The action the UI dispatches when it sends `request` to the connection task.
    pub fn requested(request: &Request) -> Option<Action> {
        let action = match request {
            Request::SignIn { user, .. } => Action::SignInRequested { user: user.clone() },
            Request::OpenFolder { folder, .. } => Action::OpenFolderRequested {
                folder: folder.clone(),
            },
            // Scrolling changes nothing the model shows until the rows arrive; watching is
            // the account's business.
            Request::FetchRows { .. } | Request::Watch | Request::RefreshCounts { .. } => {
                return None
            }
            Request::OpenMessage { folder, uid } => Action::OpenMessageRequested {
                folder: folder.clone(),
                uid: *uid,
            },
            Request::DownloadAttachment { folder, uid, part } => Action::DownloadRequested {
                folder: folder.clone(),
                uid: *uid,
                part: part.clone(),
            },
            Request::SignOut => Action::SignOutRequested,
            Request::Send(_) => Action::SendRequested,
            Request::SaveSent { .. } => Action::SaveSentRequested,
            Request::KeepBodies { bytes } => Action::KeepBodies(*bytes),
        };
        Some(action)
    }
}

impl From<Event> for Action {
    fn from(event: Event) -> Self {
        Action::Engine(event)
    }
}

impl Model {
    /// The model after `action`.
    pub fn reduce(mut self, action: Action) -> Model {
        match action {
            Action::SignInRequested { user } => {
                self.user = user;
                self.signing_in = true;
                self.problem = None;
            }
            Action::OpenFolderRequested { folder } => {
                self.status = None;
                self.recent = Rc::default();
                self.list = ListView::default();
                self.loading = true;
                self.pane = Pane::Messages;
                self.selected = Some(folder);
                self.reading = None;
            }
            Action::OpenMessageRequested { folder, uid } => {
                self.pane = Pane::Message;
                let read = self
                    .recent
                    .iter()
                    .find(|(read, _)| *read == uid)
                    .filter(|_| self.selected.as_deref() == Some(folder.as_str()))
                    .map(|(_, message)| message.clone());
                self.reading = Some(Reading {
                    folder,
                    uid,
                    state: read.map_or(ReadingState::Loading, ReadingState::Ready),
                    downloading: None,
                    download_error: None,
                });
            }
            Action::DownloadRequested { folder, uid, part } => {
                if let Some(reading) = self.reading_mut(&folder, uid) {
                    reading.downloading = Some(part);
                    reading.download_error = None;
                }
            }
            Action::CloseMessage => {
                self.reading = None;
                self.pane = Pane::Messages;
            }
            Action::SignOutRequested => self = self.signed_out(None),
            Action::ShowFolders => self.pane = Pane::Folders,
            Action::DismissProblem => self.problem = None,
            Action::Engine(Event::SignedIn { user }) => {
                self.screen = Screen::Mail;
                self.user = user;
                self.signing_in = false;
                self.problem = None;
                self.password_needed = false;
                // The account opens INBOX by itself after signing in.
                self.selected = Some(INBOX.to_owned());
                self.list = ListView::default();
                self.loading = true;
                self.pane = Pane::Messages;
            }
            Action::Engine(Event::SignInFailed(error)) => {
                self.signing_in = false;
                self.problem = Some(match error {
                    SignInError::WrongCredentials => Problem::WrongPassword,
                    SignInError::Refused(text) => Problem::SignInRefused(text),
                });
            }
            // In the engine's order: the folder tree (`engine::folders::order`).
            Action::Engine(Event::Folders(folders)) => self.folders = folders,
            Action::Engine(Event::FolderOpened {
                folder,
                exists,
                unseen,
                ..
            }) => {
                if self.adopt(&folder) {
                    // Opened again (after a reconnect, perhaps under a new UIDVALIDITY):
                    // what was read before may name other messages now.
                    self.recent = Rc::default();
                    // Online, this is the server's answer (the store's early rows carry
                    // no FolderOpened).
                    if self.link == Link::Online {
                        self.list.live = true;
                    }
                    self.status = Some(FolderStatus { exists, unseen });
                    // Opened again after a reconnect: what is cached may have moved, the
                    // window's rows follow.
                    if self.list.total != exists {
                        self.list.apply(&ListChange::Reset, exists);
                    }
                    if exists == 0 {
                        self.loading = false;
                    }
                }
                match unseen {
                    Some(count) => self.unseen.insert(folder, count),
                    None => self.unseen.remove(&folder),
                };
            }
            Action::Engine(Event::Rows {
                op,
                folder,
                total,
                rows,
            }) => {
                let local = op == Some(OpId::LOCAL);
                if self.adopt(&folder) && !(local && self.list.live) {
                    self.list.live |= !local;
                    // Rows of new mail: their unread ones add to the count.
                    let arrived_unread = if op.is_none() {
                        rows.iter().filter(|(_, row)| row.unread).count() as u32
                    } else {
                        0
                    };
                    let around = rows.first().map_or(0, |(position, _)| *position);
                    self.list.merge(total, rows, around);
                    self.loading = false;
                    if let Some(status) = self.status.as_mut() {
                        status.exists = total;
                        if let Some(unseen) = status.unseen.as_mut() {
                            *unseen += arrived_unread;
                        }
                    }
                    if arrived_unread > 0 {
                        *self.unseen.entry(folder).or_default() += arrived_unread;
                    }
                }
            }
            Action::Engine(Event::FolderChanged {
                folder,
                total,
                change,
            }) => {
                if self.adopt(&folder) {
                    // What the row was, if the change is about the cached row: a change
                    // naming another UID is not applied to it, so it moves no count.
                    let before = match &change {
                        ListChange::Flags { position, uid, .. } => self
                            .list
                            .row(*position)
                            .filter(|row| uid.is_none_or(|uid| row.uid == uid))
                            .map(|row| row.unread),
                        ListChange::Removed { position, .. } => {
                            self.list.row(*position).map(|row| row.unread)
                        }
                        _ => None,
                    };
                    self.list.apply(&change, total);
                    let after = match &change {
                        ListChange::Flags { unread, .. } => Some(*unread),
                        _ => None,
                    };
                    // Unread count: a row read or unread elsewhere, or an unread row gone.
                    let delta: i64 = match (before, after, &change) {
                        (Some(true), Some(false), _) => -1,
                        (Some(false), Some(true), _) => 1,
                        (Some(true), None, ListChange::Removed { .. }) => -1,
                        _ => 0,
                    };
                    if let Some(status) = self.status.as_mut() {
                        status.exists = total;
                        if let Some(unseen) = status.unseen.as_mut() {
                            *unseen = (i64::from(*unseen) + delta).max(0) as u32;
                        }
                    }
                    if let Some(n) = self.unseen.get_mut(&folder) {
                        *n = (i64::from(*n) + delta).max(0) as u32;
                    }
                }
            }
            Action::Engine(Event::MessageOpened {
                folder,
                uid,
                message,
                ..
            }) => {
                // The store's copy and the server's may both answer: the first is shown
                // (a UID's message never changes).
                let mut shown = None;
                if let Some(reading) = self.reading_mut(&folder, uid) {
                    if !matches!(reading.state, ReadingState::Ready(_)) {
                        let message: Rc<MessageView> = Rc::from(message);
                        reading.state = ReadingState::Ready(message.clone());
                        shown = Some(message);
                    }
                }
                if let Some(message) = shown.filter(|_| self.selected.as_deref() == Some(&folder)) {
                    let recent = Rc::make_mut(&mut self.recent);
                    recent.retain(|(read, _)| *read != uid);
                    recent.insert(0, (uid, message));
                    recent.truncate(RECENT_MESSAGES);
                }
            }
            Action::Engine(Event::MessageFailed {
                folder,
                uid,
                reason,
                ..
            }) => {
                if let Some(reading) = self.reading_mut(&folder, uid) {
                    if !matches!(reading.state, ReadingState::Ready(_)) {
                        reading.state = ReadingState::Failed(reason);
                    }
                }
            }
            Action::Engine(Event::MessageSeen { folder, uid }) => {
                let mut was_unread = false;
                if self.selected.as_deref() == Some(folder.as_str()) {
                    was_unread = self.list.mark_read(uid);
                    if was_unread {
                        if let Some(FolderStatus {
                            unseen: Some(n), ..
                        }) = self.status.as_mut()
                        {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
                if was_unread {
                    if let Some(n) = self.unseen.get_mut(&folder) {
                        *n = n.saturating_sub(1);
                    }
                }
            }
            Action::Engine(Event::AttachmentFetched {
                folder,
                uid,
                part,
                error,
                ..
            }) => {
                if let Some(reading) = self.reading_mut(&folder, uid) {
                    if reading.downloading.as_deref() == Some(part.as_str()) {
                        reading.downloading = None;
                    }
                    reading.download_error = error;
                }
            }
            Action::ComposeRequested => {
                let user = &self.user;
                self.compose.get_or_insert_with(|| Compose {
                    from: if user.contains('@') {
                        user.clone()
                    } else {
                        String::new()
                    },
                    ..Compose::default()
                });
            }
            Action::ComposeEdited { field, value } => {
                if let Some(compose) = self.compose.as_mut() {
                    let text = match field {
                        ComposeField::From => &mut compose.from,
                        ComposeField::To => &mut compose.to,
                        ComposeField::Cc => &mut compose.cc,
                        ComposeField::Subject => &mut compose.subject,
                        ComposeField::Body => &mut compose.body,
                    };
                    *text = value;
                }
            }
            Action::SendRequested => {
                if let Some(compose) = self.compose.as_mut() {
                    compose.sending = true;
                    compose.status = None;
                    compose.copy = None;
                }
            }
            Action::SendFinished(status) => {
                if let Some(compose) = self.compose.as_mut() {
                    compose.sending = false;
                    if matches!(status, SendStatus::Sent(_)) {
                        // Sent: the form is emptied so that it cannot go twice by mistake.
                        // On failure the text stays, to try again or copy it elsewhere.
                        compose.to.clear();
                        compose.cc.clear();
                        compose.subject.clear();
                        compose.body.clear();
                    }
                    compose.status = Some(status);
                }
            }
            Action::SaveSentRequested => {}
            Action::CloseCompose => self.compose = None,
            Action::Link(link) => self.link = link,
            Action::Restored { user, folders } => {
                if self.password_needed && self.user == user {
                    // The folders, once the store has answered.
                    self.folders = folders;
                } else if self.screen == Screen::SignIn && !self.signing_in {
                    // Only before any sign-in: a sign-in under way or done wins.
                    self.screen = Screen::Mail;
                    self.user = user;
                    self.folders = folders;
                    self.selected = Some(INBOX.to_owned());
                    self.list = ListView::default();
                    self.loading = true;
                    self.pane = Pane::Messages;
                    self.password_needed = true;
                }
            }
            Action::StoreUnavailable(why) => self.store_note = Some(why),
            Action::KeepBodies(bytes) => self.keep_bodies = Some(bytes),
            // For the account and its store, not the screen.
            Action::Engine(
                Event::Watching(_)
                | Event::Fetched { .. }
                | Event::FolderUids { .. }
                | Event::Vanished { .. },
            ) => {}
            Action::Engine(Event::FolderCounts { folder, unseen, .. }) => {
                // The open folder's count moves with its rows (FolderChanged); another
                // folder's comes from the watch connection.
                if self.selected.as_deref() != Some(folder.as_str()) {
                    if let Some(unseen) = unseen {
                        self.unseen.insert(folder, unseen);
                    }
                }
            }
            Action::Engine(Event::CopySaved { folder }) => {
                let name = self
                    .folder(&folder)
                    .map_or(folder.clone(), |f| f.name.clone());
                if let Some(compose) = self.compose.as_mut() {
                    compose.copy = Some(format!("A copy was saved in {name}."));
                }
            }
            Action::Engine(Event::CopyNotSaved(reason)) => match self.compose.as_mut() {
                Some(compose) => {
                    compose.copy = Some(format!("The message was sent, but {reason}."))
                }
                None => self.problem = Some(Problem::Other(reason)),
            },
            // The message list has no answered mark yet: nothing to show.
            Action::Engine(Event::Answered { .. }) => {}
            Action::Engine(Event::Problem(text)) => {
                // Whatever was under way failed; stop showing it as under way.
                self.loading = false;
                self.signing_in = false;
                self.problem = Some(Problem::Other(text));
            }
            Action::Engine(Event::Disconnected(disconnect)) => {
                // A session nobody is waiting for (signed out, or superseded) ends quietly.
                if self.signing_in || self.screen == Screen::Mail {
                    let problem = match disconnect {
                        Disconnect::ConnectionLost(Some(reason))
                            if reason.starts_with(UNTRUSTED_SERVER) =>
                        {
                            Some(Problem::UntrustedServer(reason))
                        }
                        Disconnect::ConnectionLost(reason) if self.screen == Screen::SignIn => {
                            Some(Problem::Unreachable(reason))
                        }
                        Disconnect::ConnectionLost(reason) => Some(Problem::ConnectionLost(reason)),
                        Disconnect::ServerClosed(text) => Some(Problem::ServerClosed(text)),
                        Disconnect::SignedOut => None,
                    };
                    self = self.signed_out(problem);
                }
            }
        }
        self
    }

    /// The folder whose id is `id`.
    pub fn folder(&self, id: &str) -> Option<&Folder> {
        self.folders.iter().find(|folder| folder.id == id)
    }

    /// The reading pane, if it shows message `uid` of `folder`.
    fn reading_mut(&mut self, folder: &str, uid: u32) -> Option<&mut Reading> {
        self.reading
            .as_mut()
            .filter(|r| r.folder == folder && r.uid == uid)
    }

    /// Whether news about `folder` is for the open folder; after sign-in, the first folder
    /// the engine opens becomes the open one.
    fn adopt(&mut self, folder: &str) -> bool {
        match &self.selected {
            Some(selected) => selected == folder,
            None => {
                self.selected = Some(folder.to_owned());
                true
            }
        }
    }

    /// Back to the sign-in screen, keeping only the user name (to prefill the form).
    fn signed_out(self, problem: Option<Problem>) -> Model {
        Model {
            user: self.user,
            problem,
            store_note: self.store_note,
            // The device's setting, not the account's.
            keep_bodies: self.keep_bodies,
            ..Model::default()
        }
    }
}

/// How the folder list shows one folder: its own name, indented under its parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderLabel<'a> {
    /// The parents' path with a trailing delimiter (`"Work/"`), or empty at the top level.
    pub parents: &'a str,
    /// The last component of the name (`"Projects"`).
    pub leaf: &'a str,
    /// How many parents the folder has.
    pub depth: usize,
}

impl<'a> FolderLabel<'a> {
    pub fn new(folder: &'a Folder) -> Self {
        let name = folder.name.as_str();
        let Some(delimiter) = folder.delimiter else {
            return FolderLabel {
                parents: "",
                leaf: name,
                depth: 0,
            };
        };
        match name.rfind(delimiter) {
            // A name ending in its delimiter is odd but possible: show it whole.
            Some(at) if at + delimiter.len_utf8() < name.len() => {
                let (parents, leaf) = name.split_at(at + delimiter.len_utf8());
                FolderLabel {
                    parents,
                    leaf,
                    depth: parents.matches(delimiter).count(),
                }
            }
            _ => FolderLabel {
                parents: "",
                leaf: name,
                depth: 0,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::{Block, FolderRole, MessageSummary, OpId, Password, Window};

    fn folder(id: &str, role: Option<FolderRole>) -> Folder {
        Folder {
            id: id.to_owned(),
            name: id.to_owned(),
            delimiter: Some('/'),
            role,
            selectable: true,
        }
    }

    fn message(uid: u32) -> MessageSummary {
        MessageSummary {
            uid,
            from: "Ada".to_owned(),
            subject: format!("Message {uid}"),
            date: Some(1_700_000_000),
            unread: uid % 2 == 0,
            flagged: false,
            size: 1234,
            attachment: false,
            preview: None,
            parts: Vec::new(),
        }
    }

    /// The (position, UID) of every cached row.
    fn uids(model: &Model) -> Vec<(u32, u32)> {
        model
            .list
            .rows
            .iter()
            .map(|(p, row)| (*p, row.uid))
            .collect()
    }

    /// The answer to opening `folder`: rows at positions from 0, newest first.
    fn rows(folder: &str, total: u32, messages: &[MessageSummary]) -> Action {
        Action::Engine(Event::Rows {
            op: Some(OpId(2)),
            folder: folder.to_owned(),
            total,
            rows: (0..).zip(messages.iter().cloned()).collect(),
        })
    }

    fn run(model: Model, actions: impl IntoIterator<Item = Action>) -> Model {
        actions.into_iter().fold(model, Model::reduce)
    }

    fn signing_in() -> Model {
        run(
            Model::default(),
            [Action::SignInRequested {
                user: "ada".to_owned(),
            }],
        )
    }

    /// Signed in, with the account's automatic INBOX opening done: message 2 (unread) at
    /// position 0, message 1 (read) at position 1.
    fn signed_in() -> Model {
        run(
            signing_in(),
            [
                Action::Engine(Event::SignedIn {
                    user: "ada".to_owned(),
                }),
                Action::Engine(Event::Folders(vec![
                    folder("Sent", Some(FolderRole::Sent)),
                    folder("INBOX", Some(FolderRole::Inbox)),
                ])),
                Action::Engine(Event::FolderOpened {
                    folder: "INBOX".to_owned(),
                    exists: 2,
                    unseen: Some(1),
                    uid_validity: Some(1),
                }),
                rows("INBOX", 2, &[message(2), message(1)]),
            ],
        )
    }

    #[test]
    fn starts_on_the_sign_in_screen_idle() {
        let model = Model::default();
        assert_eq!(model.screen, Screen::SignIn);
        assert!(!model.signing_in);
        assert!(model.problem.is_none());
    }

    #[test]
    fn requests_map_to_their_actions() {
        let sign_in = Request::SignIn {
            user: "ada".to_owned(),
            password: Password::new("pw"),
        };
        assert_eq!(
            Action::requested(&sign_in),
            Some(Action::SignInRequested {
                user: "ada".to_owned()
            })
        );
        let open = Request::OpenFolder {
            folder: "Sent".to_owned(),
            window: Window::FIRST,
            known: None,
        };
        assert_eq!(
            Action::requested(&open),
            Some(Action::OpenFolderRequested {
                folder: "Sent".to_owned()
            })
        );
        assert_eq!(
            Action::requested(&Request::SignOut),
            Some(Action::SignOutRequested)
        );
        // Scrolling shows nothing new until the rows arrive.
        let scroll = Request::FetchRows {
            folder: "Sent".to_owned(),
            window: Window { first: 50, len: 50 },
        };
        assert_eq!(Action::requested(&scroll), None);
    }

    #[test]
    fn every_event_maps_to_its_action() {
        let cases = [
            (
                Event::SignedIn {
                    user: "ada".to_owned(),
                },
                Action::Engine(Event::SignedIn {
                    user: "ada".to_owned(),
                }),
            ),
            (
                Event::SignInFailed(SignInError::WrongCredentials),
                Action::Engine(Event::SignInFailed(SignInError::WrongCredentials)),
            ),
            (
                Event::Folders(vec![]),
                Action::Engine(Event::Folders(vec![])),
            ),
            (
                Event::FolderOpened {
                    folder: "INBOX".to_owned(),
                    exists: 3,
                    unseen: None,
                    uid_validity: Some(9),
                },
                Action::Engine(Event::FolderOpened {
                    folder: "INBOX".to_owned(),
                    exists: 3,
                    unseen: None,
                    uid_validity: Some(9),
                }),
            ),
            (
                Event::Rows {
                    op: None,
                    folder: "INBOX".to_owned(),
                    total: 3,
                    rows: vec![(0, message(1))],
                },
                Action::Engine(Event::Rows {
                    op: None,
                    folder: "INBOX".to_owned(),
                    total: 3,
                    rows: vec![(0, message(1))],
                }),
            ),
            (
                Event::Problem("oops".to_owned()),
                Action::Engine(Event::Problem("oops".to_owned())),
            ),
            (
                Event::Disconnected(Disconnect::SignedOut),
                Action::Engine(Event::Disconnected(Disconnect::SignedOut)),
            ),
        ];
        for (event, action) in cases {
            assert_eq!(Action::from(event), action);
        }
    }

    #[test]
    fn sign_in_request_marks_busy_and_clears_the_old_problem() {
        let model = Model {
            problem: Some(Problem::WrongPassword),
            ..Model::default()
        };
        let model = model.reduce(Action::SignInRequested {
            user: "ada".to_owned(),
        });
        assert!(model.signing_in);
        assert_eq!(model.user, "ada");
        assert!(model.problem.is_none());
        assert_eq!(model.screen, Screen::SignIn);
    }

    #[test]
    fn signed_in_shows_mail_and_waits_for_the_inbox() {
        let model = signing_in().reduce(Action::Engine(Event::SignedIn {
            user: "ada".to_owned(),
        }));
        assert_eq!(model.screen, Screen::Mail);
        assert!(!model.signing_in);
        assert!(model.loading);
        assert_eq!(model.pane, Pane::Messages);
        // The account opens INBOX by itself: the model selects it without a request.
        assert_eq!(model.selected.as_deref(), Some("INBOX"));
        assert_eq!(model.list, ListView::default());
    }

    #[test]
    fn the_engine_opening_inbox_selects_it_and_fills_the_list() {
        let model = signed_in();
        assert_eq!(model.selected.as_deref(), Some("INBOX"));
        assert_eq!(
            model.status,
            Some(FolderStatus {
                exists: 2,
                unseen: Some(1)
            })
        );
        assert_eq!(model.unseen.get("INBOX"), Some(&1));
        assert_eq!(uids(&model), [(0, 2), (1, 1)]);
        assert_eq!(model.list.total, 2);
        assert_eq!(
            model.list.row(0).map(|row| row.subject.as_str()),
            Some("Message 2")
        );
        assert!(!model.loading);
    }

    #[test]
    fn folders_keep_the_engines_order() {
        // The engine puts the folders in tree order; re-sorting them by role here took
        // `Archive` away from its children.
        let model = Model::default().reduce(Action::Engine(Event::Folders(vec![
            folder("INBOX", Some(FolderRole::Inbox)),
            folder("Archive", Some(FolderRole::Archive)),
            folder("Archive/2024", None),
            folder("Trash", Some(FolderRole::Trash)),
            folder("Work", None),
        ])));
        let ids: Vec<_> = model.folders.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["INBOX", "Archive", "Archive/2024", "Trash", "Work"]);
        assert_eq!(model.folder("Work").map(|f| f.name.as_str()), Some("Work"));
        assert!(model.folder("Nope").is_none());
    }

    #[test]
    fn wrong_password_is_said_in_words_and_stays_on_sign_in() {
        let model = signing_in().reduce(Action::Engine(Event::SignInFailed(
            SignInError::WrongCredentials,
        )));
        assert_eq!(model.screen, Screen::SignIn);
        assert!(!model.signing_in);
        assert_eq!(model.problem, Some(Problem::WrongPassword));
        assert_eq!(
            model.problem.unwrap().to_string(),
            "Wrong user name or password."
        );
    }

    #[test]
    fn other_refusals_show_the_server_text() {
        let model = signing_in().reduce(Action::Engine(Event::SignInFailed(SignInError::Refused(
            "[UNAVAILABLE] try later".to_owned(),
        ))));
        let problem = model.problem.unwrap();
        assert_eq!(
            problem,
            Problem::SignInRefused("[UNAVAILABLE] try later".to_owned())
        );
        assert_eq!(problem.detail(), Some("[UNAVAILABLE] try later"));
    }

    #[test]
    fn losing_the_connection_while_signing_in_means_unreachable() {
        let model = signing_in().reduce(Action::Engine(Event::Disconnected(
            Disconnect::ConnectionLost(Some("upstream connect failed".to_owned())),
        )));
        assert_eq!(model.screen, Screen::SignIn);
        assert!(!model.signing_in);
        let problem = model.problem.unwrap();
        assert_eq!(
            problem,
            Problem::Unreachable(Some("upstream connect failed".to_owned()))
        );
        assert!(problem
            .to_string()
            .starts_with("Can't reach the mail server."));
        assert!(problem.to_string().ends_with("(upstream connect failed)"));
    }

    #[test]
    fn a_refused_server_certificate_is_not_called_a_network_problem() {
        let reason = "mail server certificate is self-signed: give that certificate with --ca-file";
        for model in [signing_in(), signed_in()] {
            let model = model.reduce(Action::Engine(Event::Disconnected(
                Disconnect::ConnectionLost(Some(reason.to_owned())),
            )));
            let problem = model.problem.unwrap();
            assert_eq!(problem, Problem::UntrustedServer(reason.to_owned()));
            assert!(problem
                .summary()
                .starts_with("The mail server's certificate is not trusted"));
            assert_eq!(problem.detail(), Some(reason));
        }
    }

    #[test]
    fn losing_the_connection_when_signed_in_returns_to_sign_in_with_the_reason() {
        let model = signed_in().reduce(Action::Engine(Event::Disconnected(
            Disconnect::ConnectionLost(None),
        )));
        assert_eq!(model.screen, Screen::SignIn);
        assert_eq!(model.user, "ada", "the form is prefilled");
        assert!(
            model.folders.is_empty()
                && model.list == ListView::default()
                && model.selected.is_none()
        );
        let problem = model.problem.unwrap();
        assert_eq!(problem, Problem::ConnectionLost(None));
        assert_eq!(problem.detail(), None);
        assert_eq!(
            problem.to_string(),
            "The connection to the mail server was lost. Sign in again to continue."
        );
    }

    #[test]
    fn server_bye_is_reported_as_the_server_closing_the_session() {
        let model = signed_in().reduce(Action::Engine(Event::Disconnected(
            Disconnect::ServerClosed("Server shutting down.".to_owned()),
        )));
        assert_eq!(model.screen, Screen::SignIn);
        assert_eq!(
            model.problem,
            Some(Problem::ServerClosed("Server shutting down.".to_owned()))
        );
    }

    #[test]
    fn signing_out_returns_to_sign_in_at_once_and_ignores_the_old_session() {
        let model = signed_in().reduce(Action::SignOutRequested);
        assert_eq!(model.screen, Screen::SignIn);
        assert_eq!(
            model,
            Model {
                user: "ada".to_owned(),
                ..Model::default()
            }
        );
        let model = model.reduce(Action::Engine(Event::Disconnected(
            Disconnect::ConnectionLost(None),
        )));
        assert!(model.problem.is_none());
        let model = model.reduce(Action::Engine(Event::Disconnected(Disconnect::SignedOut)));
        assert_eq!(
            model,
            Model {
                user: "ada".to_owned(),
                ..Model::default()
            }
        );
    }

    #[test]
    fn a_disconnect_after_a_failed_sign_in_keeps_the_failure() {
        let model = signing_in()
            .reduce(Action::Engine(Event::SignInFailed(
                SignInError::WrongCredentials,
            )))
            .reduce(Action::Engine(Event::Disconnected(
                Disconnect::ConnectionLost(None),
            )));
        assert_eq!(model.problem, Some(Problem::WrongPassword));
    }

    #[test]
    fn opening_a_folder_clears_the_list_and_shows_loading() {
        let model = signed_in().reduce(Action::OpenFolderRequested {
            folder: "Sent".to_owned(),
        });
        assert_eq!(model.selected.as_deref(), Some("Sent"));
        assert!(model.loading);
        assert_eq!(model.list, ListView::default());
        assert!(model.status.is_none());
        assert_eq!(model.pane, Pane::Messages);

        let model = run(
            model,
            [
                Action::Engine(Event::FolderOpened {
                    folder: "Sent".to_owned(),
                    exists: 1,
                    unseen: Some(0),
                    uid_validity: Some(1),
                }),
                rows("Sent", 1, &[message(7)]),
            ],
        );
        assert!(!model.loading);
        assert_eq!(uids(&model), [(0, 7)]);
        assert_eq!(model.list.row(0).map(|row| &**row), Some(&message(7)));
        assert_eq!(model.list.total, 1);
        assert_eq!(model.unseen.get("Sent"), Some(&0));
        assert_eq!(
            model.unseen.get("INBOX"),
            Some(&1),
            "other folders keep their counts"
        );
    }

    #[test]
    fn an_empty_folder_stops_loading_without_a_message_list() {
        let model = run(
            signed_in(),
            [
                Action::OpenFolderRequested {
                    folder: "Trash".to_owned(),
                },
                Action::Engine(Event::FolderOpened {
                    folder: "Trash".to_owned(),
                    exists: 0,
                    unseen: None,
                    uid_validity: Some(1),
                }),
            ],
        );
        assert!(!model.loading);
        assert_eq!(model.list, ListView::default());
        assert_eq!(
            model.status,
            Some(FolderStatus {
                exists: 0,
                unseen: None
            })
        );
    }

    #[test]
    fn news_about_a_folder_left_behind_is_ignored() {
        let model = run(
            signed_in(),
            [
                Action::OpenFolderRequested {
                    folder: "Sent".to_owned(),
                },
                Action::OpenFolderRequested {
                    folder: "Drafts".to_owned(),
                },
                Action::Engine(Event::FolderOpened {
                    folder: "Sent".to_owned(),
                    exists: 5,
                    unseen: Some(0),
                    uid_validity: Some(1),
                }),
                rows("Sent", 5, &[message(9)]),
                Action::Engine(Event::FolderChanged {
                    folder: "Sent".to_owned(),
                    total: 6,
                    change: ListChange::Arrived { count: 1 },
                }),
            ],
        );
        assert_eq!(model.selected.as_deref(), Some("Drafts"));
        assert!(model.loading);
        assert_eq!(model.list, ListView::default());
        assert!(model.status.is_none());
    }

    #[test]
    fn a_problem_stops_the_spinner_and_keeps_the_session() {
        let model = run(
            signed_in(),
            [
                Action::OpenFolderRequested {
                    folder: "Sent".to_owned(),
                },
                Action::Engine(Event::Problem("SELECT failed: no such mailbox".to_owned())),
            ],
        );
        assert_eq!(model.screen, Screen::Mail);
        assert!(!model.loading);
        let problem = model.problem.clone().unwrap();
        assert_eq!(
            problem.to_string(),
            "Something went wrong. (SELECT failed: no such mailbox)"
        );
        let model = model.reduce(Action::DismissProblem);
        assert!(model.problem.is_none());
    }

    #[test]
    fn back_navigation_shows_the_folders() {
        let model = signed_in().reduce(Action::ShowFolders);
        assert_eq!(model.pane, Pane::Folders);
    }

    #[test]
    fn blank_details_are_not_shown() {
        assert_eq!(Problem::Unreachable(Some("  ".to_owned())).detail(), None);
        assert_eq!(Problem::Other(" x ".to_owned()).detail(), Some("x"));
    }

    #[test]
    fn folder_labels_split_the_leaf_from_its_parents() {
        let mut nested = folder("Work/Projects/2024", None);
        let label = FolderLabel::new(&nested);
        assert_eq!(
            label,
            FolderLabel {
                parents: "Work/Projects/",
                leaf: "2024",
                depth: 2
            }
        );

        nested.name = "INBOX".to_owned();
        assert_eq!(
            FolderLabel::new(&nested),
            FolderLabel {
                parents: "",
                leaf: "INBOX",
                depth: 0
            }
        );

        nested.name = "Odd/".to_owned();
        assert_eq!(
            FolderLabel::new(&nested),
            FolderLabel {
                parents: "",
                leaf: "Odd/",
                depth: 0
            }
        );

        nested.name = "a.b".to_owned();
        nested.delimiter = None;
        assert_eq!(
            FolderLabel::new(&nested),
            FolderLabel {
                parents: "",
                leaf: "a.b",
                depth: 0
            }
        );

        nested.name = "Été·Œuvre".to_owned();
        nested.delimiter = Some('·');
        assert_eq!(
            FolderLabel::new(&nested),
            FolderLabel {
                parents: "Été·",
                leaf: "Œuvre",
                depth: 1
            }
        );
    }

    #[test]
    fn opening_a_message_shows_loading_then_the_message_and_marks_the_row_read() {
        let model = signed_in().reduce(Action::OpenMessageRequested {
            folder: "INBOX".to_owned(),
            uid: 2,
        });
        assert_eq!(model.pane, Pane::Message);
        let reading = model.reading.clone().unwrap();
        assert_eq!(reading.state, ReadingState::Loading);
        let view = MessageView {
            subject: "Message 2".to_owned(),
            body: vec![Block::Text("hi".to_owned())],
            ..MessageView::default()
        };
        let model = run(
            model,
            [
                // News about another message is not for the pane.
                Action::Engine(Event::MessageFailed {
                    op: OpId(3),
                    folder: "INBOX".to_owned(),
                    uid: 1,
                    reason: "x".to_owned(),
                }),
                Action::Engine(Event::MessageOpened {
                    op: OpId(4),
                    folder: "INBOX".to_owned(),
                    uid: 2,
                    message: Box::new(view.clone()),
                }),
                Action::Engine(Event::MessageSeen {
                    folder: "INBOX".to_owned(),
                    uid: 2,
                }),
                // Twice: the count must not drop again.
                Action::Engine(Event::MessageSeen {
                    folder: "INBOX".to_owned(),
                    uid: 2,
                }),
            ],
        );
        assert_eq!(
            model.reading.as_ref().unwrap().state,
            ReadingState::Ready(Rc::new(view))
        );
        let position = model.list.position_of(2).unwrap();
        assert!(!model.list.row(position).unwrap().unread);
        assert_eq!(model.unseen.get("INBOX"), Some(&0));
        assert_eq!(model.status.unwrap().unseen, Some(0));

        let model = model.reduce(Action::CloseMessage);
        assert!(model.reading.is_none());
        assert_eq!(model.pane, Pane::Messages);
    }

    #[test]
    fn a_failed_message_shows_the_reason_and_a_folder_change_closes_the_pane() {
        let model = run(
            signed_in(),
            [
                Action::OpenMessageRequested {
                    folder: "INBOX".to_owned(),
                    uid: 1,
                },
                Action::Engine(Event::MessageFailed {
                    op: OpId(3),
                    folder: "INBOX".to_owned(),
                    uid: 1,
                    reason: "gone".to_owned(),
                }),
            ],
        );
        assert_eq!(
            model.reading.as_ref().unwrap().state,
            ReadingState::Failed("gone".to_owned())
        );
        let model = model.reduce(Action::OpenFolderRequested {
            folder: "Sent".to_owned(),
        });
        assert!(model.reading.is_none());
    }

    #[test]
    fn downloads_show_busy_and_their_failure() {
        let model = run(
            signed_in(),
            [
                Action::OpenMessageRequested {
                    folder: "INBOX".to_owned(),
                    uid: 1,
                },
                Action::DownloadRequested {
                    folder: "INBOX".to_owned(),
                    uid: 1,
                    part: "2".to_owned(),
                },
            ],
        );
        assert_eq!(
            model.reading.as_ref().unwrap().downloading.as_deref(),
            Some("2")
        );
        let model = model.reduce(Action::Engine(Event::AttachmentFetched {
            op: OpId(4),
            folder: "INBOX".to_owned(),
            uid: 1,
            part: "2".to_owned(),
            name: String::new(),
            media_type: String::new(),
            bytes: Vec::new(),
            error: Some("no".to_owned()),
        }));
        let reading = model.reading.unwrap();
        assert_eq!(reading.downloading, None);
        assert_eq!(reading.download_error.as_deref(), Some("no"));
    }

    fn composing() -> Model {
        let edits = [
            (ComposeField::To, "bob@example.test"),
            (ComposeField::Cc, ""),
            (ComposeField::Subject, "Lunch"),
            (ComposeField::Body, "Thursday?"),
        ];
        run(
            signed_in().reduce(Action::ComposeRequested),
            edits.map(|(field, value)| Action::ComposeEdited {
                field,
                value: value.to_owned(),
            }),
        )
    }

    #[test]
    fn the_composer_opens_empty_and_keeps_what_is_typed() {
        let model = signed_in().reduce(Action::ComposeRequested);
        assert_eq!(model.compose, Some(Compose::default()));
        // A user name that is an address is the sender.
        let mut model = signed_in();
        model.user = "ada@example.test".into();
        let model = model.reduce(Action::ComposeRequested);
        assert_eq!(model.compose.unwrap().from, "ada@example.test");
        let model = composing();
        let compose = model.compose.clone().unwrap();
        assert_eq!(compose.to, "bob@example.test");
        assert_eq!(compose.subject, "Lunch");
        assert_eq!(compose.body, "Thursday?");
        // Opening it again keeps the draft.
        assert_eq!(model.clone().reduce(Action::ComposeRequested), model);
        assert_eq!(model.reduce(Action::CloseCompose).compose, None);
    }

    #[test]
    fn sending_disables_send_then_a_success_empties_the_form_and_says_so() {
        let model = composing().reduce(Action::SendRequested);
        assert!(model.compose.as_ref().unwrap().sending);
        let model = model.reduce(Action::SendFinished(SendStatus::Sent(
            "Message sent.".into(),
        )));
        let compose = model.compose.clone().unwrap();
        assert!(!compose.sending);
        assert_eq!(
            compose.status,
            Some(SendStatus::Sent("Message sent.".into()))
        );
        assert_eq!((compose.to.as_str(), compose.body.as_str()), ("", ""));
        let model = model.reduce(Action::Engine(Event::CopySaved {
            folder: "Sent".into(),
        }));
        assert_eq!(
            model.compose.unwrap().copy.as_deref(),
            Some("A copy was saved in Sent.")
        );
    }

    #[test]
    fn a_failed_send_keeps_the_text_and_shows_why() {
        let why = "The message was not sent: the mail server refused to sign in.";
        let model = run(
            composing(),
            [
                Action::SendRequested,
                Action::SendFinished(SendStatus::Failed(why.into())),
            ],
        );
        let compose = model.compose.unwrap();
        assert!(!compose.sending);
        assert_eq!(compose.status, Some(SendStatus::Failed(why.into())));
        assert_eq!(compose.to, "bob@example.test");
        assert_eq!(compose.body, "Thursday?");
    }

    #[test]
    fn a_copy_that_could_not_be_saved_is_said_in_the_composer_or_the_banner() {
        let reason = "there is no Sent folder on the server, so no copy was saved";
        let model = composing().reduce(Action::Engine(Event::CopyNotSaved(reason.into())));
        assert_eq!(
            model.compose.unwrap().copy.unwrap(),
            format!("The message was sent, but {reason}.")
        );
        let model = signed_in().reduce(Action::Engine(Event::CopyNotSaved(reason.into())));
        assert_eq!(model.problem, Some(Problem::Other(reason.into())));
    }

    #[test]
    fn send_requests_map_to_their_actions() {
        let send = Request::Send(Box::new(crate::engine::SendMessage {
            message: crate::compose::Outgoing::default(),
            save_copy: true,
            answered: None,
        }));
        assert_eq!(Action::requested(&send), Some(Action::SendRequested));
        let save = Request::SaveSent {
            copy: None,
            answered: None,
        };
        assert_eq!(Action::requested(&save), Some(Action::SaveSentRequested));
        // Editing without a composer open changes nothing.
        let model = signed_in();
        assert_eq!(
            model.clone().reduce(Action::ComposeEdited {
                field: ComposeField::To,
                value: "x".into()
            }),
            model
        );
    }

    fn changed(folder: &str, total: u32, change: ListChange) -> Action {
        Action::Engine(Event::FolderChanged {
            folder: folder.to_owned(),
            total,
            change,
        })
    }

    fn flags(position: u32, uid: u32, unread: bool, flagged: bool) -> ListChange {
        ListChange::Flags {
            position,
            uid: Some(uid),
            unread,
            flagged,
        }
    }

    /// The unread count as the folder list and the open folder's status show it.
    fn unread(model: &Model) -> (Option<u32>, Option<u32>) {
        (
            model.unseen.get("INBOX").copied(),
            model.status.and_then(|s| s.unseen),
        )
    }

    #[test]
    fn new_mail_moves_the_rows_down_and_its_unread_rows_count() {
        let model = signed_in().reduce(changed("INBOX", 3, ListChange::Arrived { count: 1 }));
        assert_eq!(uids(&model), [(1, 2), (2, 1)]);
        assert_eq!((model.list.total, model.status.unwrap().exists), (3, 3));
        assert_eq!(
            unread(&model),
            (Some(1), Some(1)),
            "not known until its row"
        );
        // The new message's row (unread), without an op: it counts.
        let model = model.reduce(Action::Engine(Event::Rows {
            op: None,
            folder: "INBOX".to_owned(),
            total: 3,
            rows: vec![(0, message(4))],
        }));
        assert_eq!(uids(&model), [(0, 4), (1, 2), (2, 1)]);
        assert_eq!(unread(&model), (Some(2), Some(2)));
        // Rows asked for (scrolling, or after a reconnect) are not news: no count moves.
        let model = model.reduce(Action::Engine(Event::Rows {
            op: Some(OpId(9)),
            folder: "INBOX".to_owned(),
            total: 3,
            rows: vec![(0, message(4)), (1, message(2))],
        }));
        assert_eq!(unread(&model), (Some(2), Some(2)));
        assert!(!model.loading);
    }

    /// Rows read early from the local store, as the shell reports them.
    fn stored_rows(folder: &str, total: u32, messages: &[MessageSummary]) -> Action {
        Action::Engine(Event::Rows {
            op: Some(OpId::LOCAL),
            folder: folder.to_owned(),
            total,
            rows: (0..).zip(messages.iter().cloned()).collect(),
        })
    }

    #[test]
    fn a_stored_folder_shows_at_once_online_then_the_servers_rows_take_over() {
        let online = signed_in().reduce(Action::Link(Link::Online));
        let opened = |exists| {
            Action::Engine(Event::FolderOpened {
                folder: "Archive".to_owned(),
                exists,
                unseen: Some(0),
                uid_validity: Some(1),
            })
        };
        let open = Action::OpenFolderRequested {
            folder: "Archive".to_owned(),
        };
        // The store answers first: its rows show while the server is asked.
        let model = run(
            online.clone(),
            [
                open.clone(),
                stored_rows("Archive", 3, &[message(9), message(8)]),
            ],
        );
        assert_eq!(uids(&model), [(0, 9), (1, 8)]);
        assert!(!model.loading && !model.list.live);
        // The server agrees on the count: the stored rows stay until its own arrive.
        let model = model.reduce(opened(3));
        assert_eq!(uids(&model), [(0, 9), (1, 8)]);
        let model = model.reduce(rows("Archive", 3, &[message(9), message(8), message(5)]));
        assert_eq!(uids(&model), [(0, 9), (1, 8), (2, 5)]);
        // New mail meanwhile: the server's count differs, so the stored rows go at once.
        let model = run(
            online.clone(),
            [
                open.clone(),
                stored_rows("Archive", 3, &[message(9)]),
                opened(4),
            ],
        );
        assert_eq!(uids(&model), []);
        assert_eq!(model.list.total, 4);
        // The store answers late, after the server: its stale rows are not taken, before
        // or after the server's rows.
        let late = run(online.clone(), [open.clone(), opened(4)]).reduce(stored_rows(
            "Archive",
            3,
            &[message(9)],
        ));
        assert_eq!((uids(&late), late.list.total), (vec![], 4));
        let late = run(
            online,
            [
                open,
                opened(4),
                rows("Archive", 4, &[message(10), message(9)]),
            ],
        )
        .reduce(stored_rows("Archive", 3, &[message(9), message(8)]));
        assert_eq!(uids(&late), [(0, 10), (1, 9)]);
        assert_eq!(late.list.total, 4);
    }

    #[test]
    fn a_message_shows_from_whichever_answers_first() {
        let view = |subject: &str| {
            Box::new(MessageView {
                subject: subject.to_owned(),
                ..MessageView::default()
            })
        };
        let opened = |op, subject: &str| {
            Action::Engine(Event::MessageOpened {
                op,
                folder: "INBOX".to_owned(),
                uid: 2,
                message: view(subject),
            })
        };
        let open = Action::OpenMessageRequested {
            folder: "INBOX".to_owned(),
            uid: 2,
        };
        let shown = |model: &Model| match &model.reading.as_ref().unwrap().state {
            ReadingState::Ready(message) => message.subject.clone(),
            other => panic!("{other:?}"),
        };
        let model = run(
            signed_in(),
            [
                open.clone(),
                opened(OpId::LOCAL, "stored"),
                opened(OpId(4), "server"),
            ],
        );
        assert_eq!(shown(&model), "stored");
        let model = run(
            signed_in(),
            [
                open.clone(),
                opened(OpId(4), "server"),
                opened(OpId::LOCAL, "stored"),
            ],
        );
        assert_eq!(shown(&model), "server");
        // Shown from the store, it stays shown if the server then fails to send it.
        let model = run(signed_in(), [open, opened(OpId::LOCAL, "stored")]).reduce(Action::Engine(
            Event::MessageFailed {
                op: OpId(4),
                folder: "INBOX".to_owned(),
                uid: 2,
                reason: "connection lost".to_owned(),
            },
        ));
        assert_eq!(shown(&model), "stored");
    }

    #[test]
    fn a_message_read_before_in_the_open_folder_shows_at_once() {
        let view = |subject: &str| {
            Box::new(MessageView {
                subject: subject.to_owned(),
                ..MessageView::default()
            })
        };
        let open = |uid| Action::OpenMessageRequested {
            folder: "INBOX".to_owned(),
            uid,
        };
        let opened = |uid, subject: &str| {
            Action::Engine(Event::MessageOpened {
                op: OpId(4),
                folder: "INBOX".to_owned(),
                uid,
                message: view(subject),
            })
        };
        let state = |model: &Model| model.reading.as_ref().unwrap().state.clone();
        let model = run(
            signed_in(),
            [open(2), opened(2, "two"), open(1), opened(1, "one")],
        );
        // Read before: ready as soon as it is asked for, before any answer.
        let again = model.clone().reduce(open(2));
        assert!(matches!(state(&again), ReadingState::Ready(m) if m.subject == "two"));
        // Only the last few are kept.
        let many = (10..10 + RECENT_MESSAGES as u32).fold(model.clone(), |m, uid| {
            run(m, [open(uid), opened(uid, "x")])
        });
        assert_eq!(many.recent.len(), RECENT_MESSAGES);
        assert_eq!(
            many.reduce(open(2)).reading.unwrap().state,
            ReadingState::Loading
        );
        // Another folder opened, or this one opened again (a reconnect, a new UIDVALIDITY):
        // a UID may name another message, so nothing is taken from before.
        let reopened = model.clone().reduce(Action::Engine(Event::FolderOpened {
            folder: "INBOX".to_owned(),
            exists: 2,
            unseen: Some(1),
            uid_validity: Some(2),
        }));
        assert_eq!(
            reopened.reduce(open(2)).reading.unwrap().state,
            ReadingState::Loading
        );
        let elsewhere = run(
            model,
            [
                Action::OpenFolderRequested {
                    folder: "INBOX".to_owned(),
                },
                open(2),
            ],
        );
        assert_eq!(elsewhere.reading.unwrap().state, ReadingState::Loading);
    }

    #[test]
    fn rows_far_down_a_big_folder_are_kept_by_position() {
        let model = run(
            signed_in(),
            [
                Action::OpenFolderRequested {
                    folder: "Archive".to_owned(),
                },
                Action::Engine(Event::FolderOpened {
                    folder: "Archive".to_owned(),
                    exists: 100_000,
                    unseen: Some(0),
                    uid_validity: Some(1),
                }),
                rows("Archive", 100_000, &[message(100_000), message(99_999)]),
                // Scrolled to the bottom: the oldest two.
                Action::Engine(Event::Rows {
                    op: Some(OpId(5)),
                    folder: "Archive".to_owned(),
                    total: 100_000,
                    rows: vec![(99_998, message(2)), (99_999, message(1))],
                }),
            ],
        );
        assert_eq!(
            uids(&model),
            [(0, 100_000), (1, 99_999), (99_998, 2), (99_999, 1)]
        );
        assert_eq!(model.list.total, 100_000);
        assert_eq!(model.status.unwrap().exists, 100_000);
        assert_eq!(model.list.row(99_999).map(|row| row.uid), Some(1));
        assert_eq!(model.list.position_of(2), Some(99_998));
        // Rows are shared between copies of the model, not copied.
        let copy = model.clone();
        assert!(Rc::ptr_eq(
            model.list.row(99_999).unwrap(),
            copy.list.row(99_999).unwrap()
        ));
    }

    #[test]
    fn flags_changed_elsewhere_move_the_unread_counts() {
        // Message 2 (position 0) read elsewhere, and flagged.
        let model = signed_in().reduce(changed("INBOX", 2, flags(0, 2, false, true)));
        let row = model.list.row(0).unwrap();
        assert!(!row.unread && row.flagged);
        assert_eq!(unread(&model), (Some(0), Some(0)));
        // Message 1 (position 1) marked unread elsewhere.
        let model = model.reduce(changed("INBOX", 2, flags(1, 1, true, false)));
        assert!(model.list.row(1).unwrap().unread);
        assert_eq!(unread(&model), (Some(1), Some(1)));
        // The same flags again (a second client, a NOOP) change no count.
        let model = model.reduce(changed("INBOX", 2, flags(1, 1, true, false)));
        assert_eq!(unread(&model), (Some(1), Some(1)));
    }

    /// Regression: a flag change naming another message than the cached row at its
    /// position was not applied to the row, but the unread count moved by that row's state.
    #[test]
    fn a_flag_change_for_another_message_than_the_row_moved_the_count() {
        // Message 2 at position 0 is unread; the server speaks of UID 99 there.
        let model = signed_in().reduce(changed("INBOX", 2, flags(0, 99, false, false)));
        assert!(model.list.row(0).unwrap().unread);
        assert_eq!(unread(&model), (Some(1), Some(1)));
    }

    #[test]
    fn removals_close_the_gap_and_an_unread_one_leaves_the_count() {
        // Message 1 (position 1, read) goes.
        let model = signed_in().reduce(changed(
            "INBOX",
            1,
            ListChange::Removed {
                position: 1,
                uid: None,
            },
        ));
        assert_eq!(uids(&model), [(0, 2)]);
        assert_eq!((model.list.total, model.status.unwrap().exists), (1, 1));
        assert_eq!(unread(&model), (Some(1), Some(1)));
        // Message 2 (position 0, unread) goes.
        let model = model.reduce(changed(
            "INBOX",
            0,
            ListChange::Removed {
                position: 0,
                uid: None,
            },
        ));
        assert_eq!(uids(&model), []);
        assert_eq!(model.list.total, 0);
        assert_eq!(unread(&model), (Some(0), Some(0)));
    }

    #[test]
    fn a_reset_drops_the_rows_and_keeps_the_count() {
        let model = signed_in().reduce(changed("INBOX", 5, ListChange::Reset));
        assert_eq!(uids(&model), []);
        assert_eq!(model.list.total, 5);
        assert_eq!(model.status.unwrap().exists, 5);
    }

    #[test]
    fn changes_to_another_folder_are_not_the_lists() {
        let model = signed_in();
        let after = model.clone().reduce(changed("Sent", 9, ListChange::Reset));
        assert_eq!(after.list, model.list);
        assert_eq!(after.status, model.status);
    }

    #[test]
    fn a_reconnect_shows_in_the_link_and_keeps_the_place() {
        let view = Rc::new(MessageView {
            subject: "Message 2".to_owned(),
            ..MessageView::default()
        });
        let model = run(
            signed_in(),
            [
                Action::Link(Link::Online),
                Action::OpenMessageRequested {
                    folder: "INBOX".to_owned(),
                    uid: 2,
                },
                Action::Engine(Event::MessageOpened {
                    op: OpId(3),
                    folder: "INBOX".to_owned(),
                    uid: 2,
                    message: Box::new((*view).clone()),
                }),
            ],
        );
        assert_eq!(model.link, Link::Online);
        let lost = model
            .clone()
            .reduce(Action::Link(Link::Reconnecting { attempt: 1 }));
        assert_eq!(lost.link, Link::Reconnecting { attempt: 1 });
        assert_eq!(
            Model {
                link: Link::Online,
                ..lost.clone()
            },
            model,
            "nothing but the link changes"
        );
        // Back: the folder opened again with the same count keeps its rows...
        let back = run(
            lost,
            [
                Action::Link(Link::Online),
                Action::Engine(Event::FolderOpened {
                    folder: "INBOX".to_owned(),
                    exists: 2,
                    unseen: Some(1),
                    uid_validity: Some(1),
                }),
            ],
        );
        assert_eq!(back.link, Link::Online);
        assert_eq!(uids(&back), [(0, 2), (1, 1)]);
        assert_eq!(
            back.reading.as_ref().unwrap().state,
            ReadingState::Ready(view)
        );
        // ...and one whose count moved while away drops them until its rows come.
        let moved = back.reduce(Action::Engine(Event::FolderOpened {
            folder: "INBOX".to_owned(),
            exists: 3,
            unseen: Some(2),
            uid_validity: Some(1),
        }));
        assert_eq!(uids(&moved), []);
        assert_eq!(moved.list.total, 3);
        assert_eq!(unread(&moved), (Some(2), Some(2)));
        assert!(moved.reading.is_some());
    }

    #[test]
    fn the_open_message_is_shared_between_copies_of_the_model() {
        let model = run(
            signed_in(),
            [
                Action::OpenMessageRequested {
                    folder: "INBOX".to_owned(),
                    uid: 2,
                },
                Action::Engine(Event::MessageOpened {
                    op: OpId(3),
                    folder: "INBOX".to_owned(),
                    uid: 2,
                    message: Box::default(),
                }),
            ],
        );
        let copy = model.clone();
        let (Some(ReadingState::Ready(a)), Some(ReadingState::Ready(b))) = (
            model.reading.map(|r| r.state),
            copy.reading.map(|r| r.state),
        ) else {
            panic!("not ready")
        };
        assert!(Rc::ptr_eq(&a, &b));
    }

    #[test]
    fn kept_mail_shows_at_once_and_its_folders_when_the_store_answers() {
        let restored = |folders| Action::Restored {
            user: "alice".into(),
            folders,
        };
        let model = Model::default().reduce(restored(Vec::new()));
        assert_eq!(model.screen, Screen::Mail);
        assert!(model.password_needed && model.loading);
        assert_eq!(model.selected.as_deref(), Some("INBOX"));
        let inbox = Folder {
            id: "INBOX".into(),
            name: "INBOX".into(),
            delimiter: Some('/'),
            role: Some(crate::engine::FolderRole::Inbox),
            selectable: true,
        };
        let model = model.reduce(restored(vec![inbox.clone()]));
        assert_eq!(model.folders, [inbox]);
        // A sign-in under way wins over a restore that comes late.
        let signing_in = Model::default().reduce(Action::SignInRequested { user: "bob".into() });
        let model = signing_in.clone().reduce(restored(Vec::new()));
        assert_eq!(model, signing_in);
    }
}
