//! The engine's flow: what to send next given what the server said. Sign-in (CAPABILITY
//! when needed, AUTHENTICATE PLAIN or LOGIN), the folder list, opening a folder (STATUS for
//! the unread count, SELECT, FETCH of the newest 50), reading a message (UID FETCH of the
//! whole message, then UID STORE of `\Seen`), fetching one attachment, saving a sent
//! message's copy (APPEND to the `\Sent` folder, UID STORE of `\Answered` on the original),
//! and sign-out.
//!
//! Reading uses `BODY.PEEK[]` and an explicit `STORE +FLAGS.SILENT (\Seen)` rather than
//! `BODY[]`, which sets `\Seen` as a side effect: the message is marked read only after it
//! was fetched and parsed, `MessageSeen` is reported only once the server has agreed (so the
//! list never shows a state the server does not have), a read-only folder simply refuses the
//! STORE, and a future "keep unread" setting is one condition.

use std::collections::VecDeque;

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::{
    Atomish, CommandBody, FetchAttribute, StatusAttribute, StoreKind,
};
use petrel_imap::types::core::{AString, Atom, Mailbox, Secret, SequenceSet, Tag};
use petrel_imap::types::fetch::FetchItem;
use petrel_imap::types::flag::Flag;
use petrel_imap::types::response::{Code, Data, StatusItem, StatusKind, StatusResponse};
use petrel_imap::{Session, SessionEvent, State};

use super::message::{self, Attachment, MessageView};
use super::mime::Charsets;
use super::{folders, messages, Disconnect, Event, Folder, MessageSummary, Request, SignInError};

/// How many of the newest messages a folder shows.
const PAGE: u32 = 50;

/// What a tagged command was sent for.
#[derive(Debug)]
enum Op {
    /// CAPABILITY before signing in (the greeting had none) or after (the OK had none).
    Capability {
        then_sign_in: bool,
    },
    Auth,
    List,
    Status,
    Select {
        folder: String,
    },
    Fetch {
        folder: String,
    },
    /// `UID FETCH uid (UID FLAGS BODY.PEEK[])`.
    Message {
        folder: String,
        uid: u32,
    },
    /// `UID STORE uid +FLAGS.SILENT (\Seen)` after opening an unread message.
    MarkSeen {
        folder: String,
        uid: u32,
    },
    /// `UID FETCH uid (BODY.PEEK[part])` for a download.
    Part {
        folder: String,
        uid: u32,
        part: String,
    },
    /// `APPEND folder (\Seen) ~{n}` of a sent message's copy.
    Append {
        folder: String,
    },
    /// `UID STORE uid +FLAGS.SILENT (\Answered)` on the message replied to.
    MarkAnswered {
        folder: String,
        uid: u32,
    },
    Logout,
}

/// A message fetched and parsed, waiting for its FETCH to complete.
#[derive(Debug)]
struct Opened {
    uid: u32,
    view: Box<MessageView>,
    seen: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Flow {
    greeted: bool,
    signed_in: bool,
    /// Set once a `Disconnected` event went out: nothing follows it.
    finished: bool,
    user: String,
    /// Held from the SignIn request until the authentication command is encoded.
    password: Option<super::Password>,
    /// Requests that must wait: all of them until the greeting, OpenFolder until sign-in.
    deferred: VecDeque<Request>,
    ops: Vec<(Tag<'static>, Op)>,
    listed: Vec<Folder>,
    /// The folder being opened or open.
    current: Option<String>,
    exists: u32,
    unseen: Option<(String, u32)>,
    fetched: Vec<(u32, MessageSummary)>,
    /// The message asked for last, `(folder, uid)`: only its FETCH is parsed.
    reading: Option<(String, u32)>,
    /// The parsed `reading` message until its FETCH completes.
    opened: Option<Opened>,
    /// The attachments of the message opened last, `(folder, uid, parts)`.
    open_parts: Option<(String, u32, Vec<Attachment>)>,
    /// A fetched attachment part until its FETCH completes: `(uid, part, decoded bytes)`.
    part_data: Option<(u32, String, Vec<u8>)>,
    /// Why the response to a pending message FETCH could not be read (too big for the
    /// codec's limits, malformed), for `MessageFailed`.
    read_error: Option<String>,
    /// The folder with the `\Sent` role, once the folder list is in.
    sent_folder: Option<String>,
    /// Whether the folder list has arrived: until then a sent copy waits, since the Sent
    /// folder is not known.
    listed_once: bool,
}

impl Flow {
    pub(crate) fn request(&mut self, s: &mut Session, out: &mut VecDeque<Event>, r: Request) {
        if self.finished {
            return;
        }
        if !self.greeted {
            self.deferred.push_back(r);
            return;
        }
        match r {
            Request::SignIn { user, password } => {
                if self.signed_in {
                    out.push_back(Event::Problem("already signed in".into()));
                    return;
                }
                self.user = user;
                self.password = Some(password);
                if *s.state() == State::Authenticated {
                    // PREAUTH: the server has signed us in already.
                    self.password = None;
                    self.signed_in_ok(s, out, false);
                } else if s.capabilities().is_empty() {
                    self.send(
                        s,
                        CommandBody::Capability,
                        Op::Capability { then_sign_in: true },
                    );
                } else {
                    self.authenticate(s, out);
                }
            }
            Request::OpenFolder { folder } => {
                if self.signed_in {
                    self.open(s, out, folder);
                } else {
                    self.deferred.push_back(Request::OpenFolder { folder });
                }
            }
            Request::OpenMessage { folder, uid } => {
                if self.signed_in {
                    self.open_message(s, out, folder, uid);
                } else {
                    self.deferred
                        .push_back(Request::OpenMessage { folder, uid });
                }
            }
            Request::DownloadAttachment { folder, uid, part } => {
                self.download(s, out, folder, uid, part);
            }
            Request::SignOut => self.send(s, CommandBody::Logout, Op::Logout),
            Request::Send(_) => out.push_back(Event::Problem(
                "sending goes through the connection task, not the IMAP engine".into(),
            )),
            Request::SaveSent { copy, answered } => {
                if self.signed_in && self.listed_once {
                    self.save_sent(s, out, copy, answered);
                } else {
                    self.deferred
                        .push_back(Request::SaveSent { copy, answered });
                }
            }
        }
    }

    fn save_sent(
        &mut self,
        s: &mut Session,
        out: &mut VecDeque<Event>,
        copy: Option<Vec<u8>>,
        answered: Option<(String, u32)>,
    ) {
        if let Some(copy) = copy {
            let mailbox = self
                .sent_folder
                .clone()
                .and_then(|folder| Some((Mailbox::new(folder.clone().into_bytes()).ok()?, folder)));
            match mailbox {
                Some((mailbox, folder)) => {
                    let body = CommandBody::Append {
                        mailbox,
                        flags: vec![Flag::Seen],
                        date: None,
                        message: copy.into(),
                    };
                    self.send(s, body, Op::Append { folder });
                }
                None => out.push_back(Event::CopyNotSaved(
                    "there is no Sent folder on the server, so no copy was saved".into(),
                )),
            }
        }
        if let Some((folder, uid)) = answered {
            let Some(set) = SequenceSet::range(uid, uid) else {
                return;
            };
            if self.current.as_deref() != Some(folder.as_str()) {
                // Commands run in order, so the STORE below acts on the folder this selects.
                self.open(s, out, folder.clone());
                if self.current.as_deref() != Some(folder.as_str()) {
                    return;
                }
            }
            let body = CommandBody::Store {
                set,
                kind: StoreKind::Add,
                silent: true,
                flags: vec![Flag::Answered],
                uid: true,
                unchanged_since: None,
            };
            self.send(s, body, Op::MarkAnswered { folder, uid });
        }
    }

    fn open_message(
        &mut self,
        s: &mut Session,
        out: &mut VecDeque<Event>,
        folder: String,
        uid: u32,
    ) {
        let Some(set) = SequenceSet::range(uid, uid) else {
            out.push_back(Event::MessageFailed {
                folder,
                uid,
                reason: "there is no message 0".into(),
            });
            return;
        };
        if self.current.as_deref() != Some(folder.as_str()) {
            // Commands run in order, so the FETCH below reads the folder this selects.
            self.open(s, out, folder.clone());
            if self.current.as_deref() != Some(folder.as_str()) {
                return;
            }
        }
        let Ok(section) = Atomish::try_from("") else {
            return;
        };
        self.reading = Some((folder.clone(), uid));
        // Drop the previous message now: at most one is held.
        self.opened = None;
        let body = CommandBody::Fetch {
            set,
            items: vec![
                FetchAttribute::Uid,
                FetchAttribute::Flags,
                FetchAttribute::BodySection {
                    peek: true,
                    section,
                    partial: None,
                },
            ],
            uid: true,
        };
        self.send(s, body, Op::Message { folder, uid });
    }

    fn download(
        &mut self,
        s: &mut Session,
        out: &mut VecDeque<Event>,
        folder: String,
        uid: u32,
        part: String,
    ) {
        let known = self.open_parts.as_ref().is_some_and(|(f, u, parts)| {
            *f == folder && *u == uid && parts.iter().any(|a| a.part == part)
        });
        let open = self.current.as_deref() == Some(folder.as_str());
        // A part specifier is digits and dots: checked before it goes on the wire.
        let attribute: Option<Atomish<'_>> = part
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
            .then(|| part.as_str().try_into().ok())
            .flatten();
        let (true, true, Some(section), Some(set)) =
            (known, open, attribute, SequenceSet::range(uid, uid))
        else {
            out.push_back(Event::AttachmentFetched {
                folder,
                uid,
                part,
                name: String::new(),
                media_type: String::new(),
                bytes: Vec::new(),
                error: Some("open the message again to download this attachment".into()),
            });
            return;
        };
        let body = CommandBody::Fetch {
            set,
            items: vec![
                FetchAttribute::Uid,
                FetchAttribute::BodySection {
                    peek: true,
                    section,
                    partial: None,
                },
            ],
            uid: true,
        };
        self.part_data = None;
        let part = part.clone();
        self.send(s, body, Op::Part { folder, uid, part });
    }

    fn send(&mut self, s: &mut Session, body: CommandBody<'_>, op: Op) {
        let tag = s.send(body);
        self.ops.push((tag, op));
    }

    fn authenticate(&mut self, s: &mut Session, out: &mut VecDeque<Event>) {
        let Some(password) = self.password.take() else {
            return;
        };
        if s.has_auth("PLAIN") {
            // RFC 4616: authzid NUL authcid NUL passwd.
            let mut ir = Vec::with_capacity(self.user.len() + password.expose().len() + 2);
            ir.push(0);
            ir.extend_from_slice(self.user.as_bytes());
            ir.push(0);
            ir.extend_from_slice(password.expose().as_bytes());
            let Ok(mechanism) = Atom::try_from("PLAIN") else {
                return;
            };
            let body = CommandBody::Authenticate {
                mechanism,
                initial_response: Some(Secret::new(ir)),
            };
            self.send(s, body, Op::Auth);
        } else if !s.has_capability(&Capability::LoginDisabled) {
            let (Ok(username), Ok(password)) = (
                AString::try_from(self.user.clone()),
                AString::try_from(password.expose().to_owned()),
            ) else {
                out.push_back(Event::SignInFailed(SignInError::Refused(
                    "the user name or password holds a NUL character".into(),
                )));
                return;
            };
            let body = CommandBody::Login {
                username,
                password: Secret::new(password),
            };
            self.send(s, body, Op::Auth);
        } else {
            out.push_back(Event::SignInFailed(SignInError::Refused(
                "the server offers no sign-in method Petrel supports".into(),
            )));
        }
    }

    fn signed_in_ok(&mut self, s: &mut Session, out: &mut VecDeque<Event>, refresh_caps: bool) {
        self.signed_in = true;
        out.push_back(Event::SignedIn {
            user: self.user.clone(),
        });
        if refresh_caps {
            self.send(
                s,
                CommandBody::Capability,
                Op::Capability {
                    then_sign_in: false,
                },
            );
        } else {
            self.list(s);
        }
    }

    fn list(&mut self, s: &mut Session) {
        self.listed.clear();
        // The empty reference: names are interpreted from the root.
        let (Ok(reference), Ok(pattern)) = (Mailbox::new(&b""[..]), AString::try_from("*")) else {
            return;
        };
        let body = CommandBody::List {
            reference,
            pattern,
            return_special_use: s.has_capability(&Capability::SpecialUse),
        };
        self.send(s, body, Op::List);
    }

    fn open(&mut self, s: &mut Session, out: &mut VecDeque<Event>, folder: String) {
        let Ok(mailbox) = Mailbox::new(folder.clone().into_bytes()) else {
            out.push_back(Event::Problem(format!(
                "cannot open {folder:?}: invalid name"
            )));
            return;
        };
        self.current = Some(folder.clone());
        self.reading = None;
        self.opened = None;
        self.exists = 0;
        self.unseen = None;
        self.fetched.clear();
        let status = CommandBody::Status {
            mailbox: mailbox.clone(),
            items: vec![StatusAttribute::Unseen],
        };
        self.send(s, status, Op::Status);
        self.send(s, CommandBody::Select { mailbox }, Op::Select { folder });
    }

    fn mark_seen(&mut self, s: &mut Session, folder: String, uid: u32) {
        let Some(set) = SequenceSet::range(uid, uid) else {
            return;
        };
        let body = CommandBody::Store {
            set,
            kind: StoreKind::Add,
            silent: true,
            flags: vec![Flag::Seen],
            uid: true,
            unchanged_since: None,
        };
        self.send(s, body, Op::MarkSeen { folder, uid });
    }

    /// `charsets` decodes header text in charsets the engine does not know itself.
    pub(crate) fn event(
        &mut self,
        s: &mut Session,
        out: &mut VecDeque<Event>,
        charsets: &dyn Charsets,
        e: SessionEvent,
    ) {
        if self.finished {
            return;
        }
        match e {
            SessionEvent::Greeting(_) => {
                self.greeted = true;
                let deferred = std::mem::take(&mut self.deferred);
                for r in deferred {
                    self.request(s, out, r);
                }
            }
            SessionEvent::Bye(bye) => {
                let reason = if self.ops.iter().any(|(_, op)| matches!(op, Op::Logout)) {
                    Disconnect::SignedOut
                } else {
                    Disconnect::ServerClosed(bye.text.into_owned())
                };
                self.finish(out, reason);
            }
            SessionEvent::Data(d) => self.data(d, charsets),
            SessionEvent::Status(st) => {
                // RFC 9051 §7.1: an ALERT must be shown to the user.
                if st.code == Some(Code::Alert) {
                    out.push_back(Event::Problem(st.text.into_owned()));
                }
            }
            SessionEvent::Completed { tag, status, .. } => {
                let Some(k) = self.ops.iter().position(|(t, _)| *t == tag) else {
                    return;
                };
                let (_, op) = self.ops.remove(k);
                self.completed(s, out, op, status);
            }
            SessionEvent::BadResponse(err) => {
                if self
                    .ops
                    .iter()
                    .any(|(_, op)| matches!(op, Op::Message { .. }))
                {
                    self.read_error = Some(format!("the server's answer could not be read: {err}"));
                }
                out.push_back(Event::Problem(format!(
                    "could not understand the server: {err}"
                )));
            }
            SessionEvent::Idling { .. }
            | SessionEvent::Continue(_)
            | SessionEvent::UnknownTag(_) => {}
        }
    }

    pub(crate) fn finish(&mut self, out: &mut VecDeque<Event>, reason: Disconnect) {
        if !self.finished {
            self.finished = true;
            out.push_back(Event::Disconnected(reason));
        }
    }

    fn data(&mut self, d: Data<'static>, charsets: &dyn Charsets) {
        match d {
            Data::List(item) if self.ops.iter().any(|(_, op)| matches!(op, Op::List)) => {
                self.listed.push(folders::folder(&item));
            }
            Data::Exists(n) => self.exists = n,
            Data::Status { mailbox, items } => {
                let name = String::from_utf8_lossy(mailbox.as_bytes()).into_owned();
                for item in items {
                    if let StatusItem::Unseen(n) = item {
                        self.unseen = Some((name.clone(), n));
                    }
                }
            }
            Data::Fetch { items, .. }
                if items
                    .iter()
                    .any(|item| matches!(item, FetchItem::BodySection { .. })) =>
            {
                self.body(items, charsets);
            }
            Data::Fetch { seq, items }
                if self
                    .ops
                    .iter()
                    .any(|(_, op)| matches!(op, Op::Fetch { .. })) =>
            {
                if let Some(row) = messages::summary(&items, charsets) {
                    self.fetched.push((seq, row));
                }
            }
            _ => {}
        }
    }

    /// A FETCH carrying a body section: the message being read, or an attachment part.
    /// Anything else (a superseded message, a section nobody asked for) is dropped unparsed.
    fn body(&mut self, items: Vec<FetchItem<'static>>, charsets: &dyn Charsets) {
        let mut uid = None;
        let mut seen = false;
        let mut section_data = None;
        for item in items {
            match item {
                FetchItem::Uid(u) => uid = Some(u),
                FetchItem::Flags(flags) => seen = flags.contains(&Flag::Seen),
                FetchItem::BodySection {
                    section,
                    data,
                    binary: false,
                    origin: None,
                } => section_data = Some((section, data)),
                _ => {}
            }
        }
        let (Some(uid), Some((section, Some(data)))) = (uid, section_data) else {
            return;
        };
        if section.is_empty() {
            let wanted = matches!(
                (&self.reading, &self.current),
                (Some((folder, u)), Some(current)) if *u == uid && folder == current
            ) && self
                .ops
                .iter()
                .any(|(_, op)| matches!(op, Op::Message { uid: u, .. } if *u == uid));
            if wanted {
                self.opened = Some(Opened {
                    uid,
                    view: Box::new(message::parse(&data, charsets)),
                    seen,
                });
            }
            return;
        }
        let wanted = self.ops.iter().find_map(|(_, op)| match op {
            Op::Part { uid: u, part, .. } if *u == uid && part.as_bytes() == &section[..] => {
                Some(part.clone())
            }
            _ => None,
        });
        let Some(part) = wanted else {
            return;
        };
        let encoding = self
            .open_parts
            .as_ref()
            .and_then(|(_, u, parts)| (*u == uid).then_some(parts))
            .and_then(|parts| parts.iter().find(|a| a.part == part))
            .map(|a| a.encoding.clone())
            .unwrap_or_default();
        self.part_data = Some((uid, part, message::decode_transfer(&encoding, &data)));
    }

    fn completed(
        &mut self,
        s: &mut Session,
        out: &mut VecDeque<Event>,
        op: Op,
        status: StatusResponse<'static>,
    ) {
        let ok = status.kind == StatusKind::Ok;
        match op {
            Op::Capability { then_sign_in: true } => self.authenticate(s, out),
            Op::Capability {
                then_sign_in: false,
            } => self.list(s),
            Op::Auth if ok => {
                let had_caps = matches!(status.code, Some(Code::Capability(_)));
                self.signed_in_ok(s, out, !had_caps);
                let deferred = std::mem::take(&mut self.deferred);
                for r in deferred {
                    self.request(s, out, r);
                }
            }
            Op::Auth => {
                let err = match (status.kind, &status.code) {
                    (StatusKind::No, None | Some(Code::AuthenticationFailed)) => {
                        SignInError::WrongCredentials
                    }
                    _ => SignInError::Refused(status.text.into_owned()),
                };
                out.push_back(Event::SignInFailed(err));
            }
            Op::List if ok => {
                let mut list = std::mem::take(&mut self.listed);
                folders::order(&mut list);
                self.sent_folder = list
                    .iter()
                    .find(|f| f.role == Some(super::FolderRole::Sent) && f.selectable)
                    .map(|f| f.id.clone());
                out.push_back(Event::Folders(list));
                if self.current.is_none() {
                    self.open(s, out, "INBOX".into());
                }
                if !self.listed_once {
                    self.listed_once = true;
                    let deferred = std::mem::take(&mut self.deferred);
                    for r in deferred {
                        self.request(s, out, r);
                    }
                }
            }
            Op::List => {
                out.push_back(Event::Problem(format!(
                    "could not list folders: {}",
                    status.text
                )));
                // Without a list there is no Sent folder; a waiting copy is told so.
                if !self.listed_once {
                    self.listed_once = true;
                    let deferred = std::mem::take(&mut self.deferred);
                    for r in deferred {
                        self.request(s, out, r);
                    }
                }
            }
            Op::Status => {}
            Op::Select { folder } => {
                if self.current.as_deref() != Some(folder.as_str()) {
                    return;
                }
                if !ok {
                    out.push_back(Event::Problem(format!(
                        "could not open {folder}: {}",
                        status.text
                    )));
                    return;
                }
                let unseen = match &self.unseen {
                    Some((name, n)) if *name == folder => Some(*n),
                    _ => None,
                };
                let exists = self.exists;
                out.push_back(Event::FolderOpened {
                    folder: folder.clone(),
                    exists,
                    unseen,
                });
                let from = exists.saturating_sub(PAGE - 1).max(1);
                match SequenceSet::range(from, exists) {
                    Some(set) => {
                        let body = CommandBody::Fetch {
                            set,
                            items: vec![
                                FetchAttribute::Uid,
                                FetchAttribute::Flags,
                                FetchAttribute::Envelope,
                                FetchAttribute::Rfc822Size,
                                FetchAttribute::InternalDate,
                            ],
                            uid: false,
                        };
                        self.fetched.clear();
                        self.send(s, body, Op::Fetch { folder });
                    }
                    None => out.push_back(Event::Messages {
                        folder,
                        messages: Vec::new(),
                    }),
                }
            }
            Op::Fetch { folder } => {
                let mut rows = std::mem::take(&mut self.fetched);
                if self.current.as_deref() != Some(folder.as_str()) {
                    return;
                }
                if !ok {
                    out.push_back(Event::Problem(format!(
                        "could not fetch messages of {folder}: {}",
                        status.text
                    )));
                }
                rows.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
                out.push_back(Event::Messages {
                    folder,
                    messages: rows.into_iter().map(|(_, row)| row).collect(),
                });
            }
            Op::Message { folder, uid } => {
                let opened = self.opened.take().filter(|o| o.uid == uid);
                let read_error = self.read_error.take();
                if self.reading.as_ref() != Some(&(folder.clone(), uid)) {
                    // Superseded by a later OpenMessage or OpenFolder.
                    return;
                }
                match opened {
                    Some(Opened { view, seen, .. }) if ok => {
                        self.open_parts = Some((folder.clone(), uid, view.attachments.clone()));
                        out.push_back(Event::MessageOpened {
                            folder: folder.clone(),
                            uid,
                            message: view,
                        });
                        if !seen {
                            self.mark_seen(s, folder, uid);
                        }
                    }
                    _ => {
                        let reason = if let Some(error) = read_error {
                            error
                        } else if ok {
                            "the message is no longer in this folder".to_owned()
                        } else {
                            status.text.into_owned()
                        };
                        out.push_back(Event::MessageFailed {
                            folder,
                            uid,
                            reason,
                        });
                    }
                }
            }
            // A refusal (a read-only folder, say) leaves the message unread, which is then
            // the truth: nothing to report.
            Op::MarkSeen { folder, uid } if ok => out.push_back(Event::MessageSeen { folder, uid }),
            Op::MarkSeen { .. } => {}
            Op::Part { folder, uid, part } => {
                let data = self
                    .part_data
                    .take()
                    .filter(|(u, p, _)| *u == uid && *p == part)
                    .map(|(_, _, bytes)| bytes);
                let meta = self
                    .open_parts
                    .as_ref()
                    .and_then(|(_, _, parts)| parts.iter().find(|a| a.part == part));
                let name = meta.map(|a| a.name.clone()).unwrap_or_default();
                let media_type = meta.map(|a| a.media_type.clone()).unwrap_or_default();
                let (bytes, error) = match data {
                    Some(bytes) if ok => (bytes, None),
                    _ if ok => (
                        Vec::new(),
                        Some("the server sent no data for the attachment".to_owned()),
                    ),
                    _ => (Vec::new(), Some(status.text.into_owned())),
                };
                out.push_back(Event::AttachmentFetched {
                    folder,
                    uid,
                    part,
                    name,
                    media_type,
                    bytes,
                    error,
                });
            }
            Op::Append { folder } if ok => out.push_back(Event::CopySaved { folder }),
            Op::Append { folder } => out.push_back(Event::CopyNotSaved(format!(
                "the server did not save a copy in {folder}: {}",
                status.text
            ))),
            Op::MarkAnswered { folder, uid } if ok => {
                out.push_back(Event::Answered { folder, uid });
            }
            Op::MarkAnswered { .. } => out.push_back(Event::Problem(format!(
                "the server did not mark the original message as answered: {}",
                status.text
            ))),
            Op::Logout => self.finish(out, Disconnect::SignedOut),
        }
    }
}
