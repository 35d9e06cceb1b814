//! One IMAP connection: its phase, the operations pending on it (by tag), the selected
//! folder with its replica, and its timers. Sans-IO, like the rest of the engine: bytes in
//! and out, requests in, events out, and time as an input ([`Connection::poll_timeout`],
//! [`Connection::handle_timeout`]), so IDLE renewal, polling and command timeouts are
//! tested natively with a fake clock.
//!
//! Every untagged response is offered to the pending operations first (an operation takes
//! what answers its own command, such as the FETCH of the UID it asked for) and then, if
//! it concerns the selected folder, to the folder's replica, whose changes become
//! [`Event::FolderChanged`]. Tagged responses go to the operation with that tag only.

use std::collections::VecDeque;

use petrel_imap::types::capability::Capability;
use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::{Atom, Mailbox, SeqBound, Tag};
use petrel_imap::types::flag::Flag;
use petrel_imap::types::response::{Code, Data, StatusResponse};
use petrel_imap::{Limits, Session, SessionEvent, State};

use super::message::Attachment;
use super::mime::Charsets;
use super::ops::{self, Claim, Cx, FollowUp, Known, Mark, Op};
use super::replica::{uid_ranges, Change, MessageRef, Replica};
use super::{Disconnect, Event, ListChange, OpId, Password, Request, Window};

/// How long a command may go unanswered before the connection is taken for dead. The
/// shell's WebSocket may stay open for minutes after the network went away; this is what
/// notices.
pub(crate) const COMMAND_TIMEOUT: u64 = 60_000;

/// How long one IDLE lasts before it is renewed. RFC 2177 has servers drop an IDLE after
/// 30 minutes; renewing every ten also shows within ten minutes (plus a command timeout)
/// that a silent connection is dead.
pub(crate) const IDLE_RENEW: u64 = 10 * 60_000;

/// How often a server without IDLE is asked for changes with NOOP.
pub(crate) const POLL_INTERVAL: u64 = 30_000;

/// The folder the connection selected, with what is known of it.
#[derive(Debug)]
pub(crate) struct Selected {
    pub folder: String,
    pub replica: Replica,
    /// From the STATUS sent before the SELECT.
    pub unseen: Option<u32>,
    /// The SELECT completed; until then, new messages are part of opening the folder,
    /// not changes to report.
    pub ready: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the server's greeting; requests wait.
    Greeting,
    /// Greeted, not signed in (no sign-in asked for, or one under way).
    SigningIn,
    /// Signed in.
    Ready,
    /// A `Disconnected` event went out: nothing follows it.
    Finished,
}

#[derive(Debug)]
struct Pending {
    tag: Tag<'static>,
    op: Op,
    /// When the connection is taken for dead if this is still pending; `None` for an IDLE
    /// the connection has not ended yet.
    deadline: Option<u64>,
}

#[derive(Debug)]
pub(crate) struct Connection {
    session: Session,
    phase: Phase,
    user: String,
    pending: Vec<Pending>,
    /// Requests that must wait: all of them until the greeting, most until sign-in, a
    /// sent copy until the folder list names the Sent folder.
    waiting: VecDeque<(OpId, Request)>,
    selected: Option<Selected>,
    sent_folder: Option<String>,
    listed: bool,
    reading: Option<OpId>,
    open_parts: Option<(String, u32, Vec<Attachment>)>,
    idle_refused: bool,
    /// This is a watch connection (NOTIFY): no folder selected, kept alive with NOOP.
    watching: bool,
    /// List every UID of each folder opened ([`ops::Uids`]): for an account that keeps a
    /// local copy to make exact. Without one it would be server work for nothing.
    pub(crate) compare_uids: bool,
    /// The tag of `ENABLE QRESYNC` until it is answered: a SELECT pipelined behind it may
    /// already use QRESYNC, since the server reads the ENABLE first.
    enabling_qresync: Option<Tag<'static>>,
    /// When the connection is taken for dead if the server has not greeted by then: set by
    /// the first request, since the app waits from then on.
    greeting_deadline: Option<u64>,
    /// When the IDLE now pending began.
    idle_since: Option<u64>,
    last_poll: u64,
    now: u64,
    next_op: u64,
    follow_ups: Vec<FollowUp>,
    events: VecDeque<Event>,
}

impl Default for Connection {
    fn default() -> Self {
        Self {
            session: Session::new(Limits::default()),
            phase: Phase::Greeting,
            user: String::new(),
            pending: Vec::new(),
            waiting: VecDeque::new(),
            selected: None,
            sent_folder: None,
            listed: false,
            reading: None,
            open_parts: None,
            idle_refused: false,
            watching: false,
            compare_uids: false,
            enabling_qresync: None,
            greeting_deadline: None,
            idle_since: None,
            last_poll: 0,
            now: 0,
            next_op: 1,
            follow_ups: Vec::new(),
            events: VecDeque::new(),
        }
    }
}

impl Connection {
    pub(crate) fn watcher() -> Self {
        Self {
            watching: true,
            ..Self::default()
        }
    }

    pub(crate) fn next_id(&mut self) -> OpId {
        let id = OpId(self.next_op);
        self.next_op += 1;
        id
    }

    pub(crate) fn request(&mut self, id: OpId, request: Request, charsets: &dyn Charsets) {
        match self.phase {
            Phase::Finished => return,
            Phase::Greeting => {
                self.greeting_deadline
                    .get_or_insert(self.now + COMMAND_TIMEOUT);
                self.waiting.push_back((id, request));
                return;
            }
            Phase::SigningIn if !matches!(request, Request::SignIn { .. }) => {
                self.waiting.push_back((id, request));
                return;
            }
            _ => {}
        }
        match request {
            Request::SignIn { user, password } => {
                if self.phase == Phase::Ready {
                    self.events
                        .push_back(Event::Problem("already signed in".into()));
                    return;
                }
                self.user = user.clone();
                if *self.session.state() == State::Authenticated {
                    // PREAUTH: the server has signed us in already.
                    self.signed_in(false);
                } else if self.session.capabilities().is_empty() {
                    let (tag, op) =
                        ops::Capability::start(&mut self.session, Some((user, password)));
                    self.push(tag, Op::Capability(op));
                } else {
                    self.authenticate(user, password);
                }
            }
            Request::OpenFolder {
                folder,
                window,
                known,
            } => self.select(folder, window, known, Some(id)),
            Request::FetchRows { folder, window } => {
                let ready = self.selected.as_ref().filter(|s| s.folder == folder);
                match ready.map(|s| s.replica.count()) {
                    Some(count) => match window.seqs(count) {
                        Some((low, high)) => self.fetch_rows(Some(id), low, high),
                        None => self.events.push_back(Event::Rows {
                            op: Some(id),
                            folder,
                            total: count,
                            rows: Vec::new(),
                        }),
                    },
                    None => self.select(folder, window, None, Some(id)),
                }
            }
            Request::OpenMessage { folder, uid } => {
                self.ensure_selected(&folder);
                self.reading = Some(id);
                self.wake();
                match ops::FetchMessage::start(&mut self.session, folder.clone(), uid, id) {
                    Ok((tag, op)) => self.push(tag, Op::FetchMessage(op)),
                    Err(reason) => self.events.push_back(Event::MessageFailed {
                        op: id,
                        folder,
                        uid,
                        reason: reason.to_owned(),
                    }),
                }
            }
            Request::DownloadAttachment { folder, uid, part } => {
                self.download(id, folder, uid, part);
            }
            Request::SignOut => {
                self.wake();
                let (tag, op) = ops::Logout::start(&mut self.session);
                self.push(tag, Op::Logout(op));
            }
            Request::Watch => {
                self.watching = true;
                self.wake();
                let (tag, op) = ops::Notify::start(&mut self.session);
                self.push(tag, Op::Notify(op));
            }
            Request::RefreshCounts { folders } => {
                let open = self.selected.as_ref().map(|s| s.folder.clone());
                for folder in folders {
                    if Some(&folder) == open.as_ref() {
                        continue;
                    }
                    if let Ok(mailbox) = Mailbox::new(folder.into_bytes()) {
                        self.wake();
                        let (tag, op) = ops::Counts::start(&mut self.session, mailbox);
                        self.push(tag, Op::Counts(op));
                    }
                }
            }
            Request::KeepBodies { .. } => self.events.push_back(Event::Problem(
                "the store's budget is the connection task's, not the IMAP engine's".into(),
            )),
            Request::Send(_) => self.events.push_back(Event::Problem(
                "sending goes through the connection task, not the IMAP engine".into(),
            )),
            Request::SaveSent { copy, answered } => {
                if !self.listed {
                    self.waiting
                        .push_back((id, Request::SaveSent { copy, answered }));
                    return;
                }
                self.save_sent(copy, answered);
            }
        }
        self.settle(charsets);
    }

    fn authenticate(&mut self, user: String, password: Password) {
        self.phase = Phase::SigningIn;
        self.wake();
        match ops::SignIn::start(&mut self.session, &user, &password) {
            Ok((tag, op)) => self.push(tag, Op::SignIn(op)),
            Err(error) => self.events.push_back(Event::SignInFailed(error)),
        }
    }

    /// Signed in: report it, and pipeline what every session needs first: the
    /// capabilities if the OK did not list them, ENABLE QRESYNC, and the folder list.
    fn signed_in(&mut self, refresh_capabilities: bool) {
        self.phase = Phase::Ready;
        self.events.push_back(Event::SignedIn {
            user: self.user.clone(),
        });
        if self.watching {
            return;
        }
        if refresh_capabilities {
            let (tag, op) = ops::Capability::start(&mut self.session, None);
            self.push(tag, Op::Capability(op));
        }
        if self.session.has_capability(&Capability::QResync) {
            if let Ok(atom) = Atom::try_from("QRESYNC") {
                self.enabling_qresync = Some(self.session.send(CommandBody::Enable(vec![atom])));
            }
        }
        if let Some((tag, op)) = ops::List::start(&mut self.session) {
            self.push(tag, Op::List(op));
        }
    }

    fn select(&mut self, folder: String, window: Window, known: Option<Known>, op: Option<OpId>) {
        let Ok(mailbox) = Mailbox::new(folder.clone().into_bytes()) else {
            self.events.push_back(Event::Problem(format!(
                "cannot open {folder:?}: invalid name"
            )));
            return;
        };
        self.wake();
        self.reading = None;
        self.selected = Some(Selected {
            folder: folder.clone(),
            replica: Replica::new(known.map(|k| k.uid_validity)),
            unseen: None,
            ready: false,
        });
        let (tag, status) = ops::Status::start(&mut self.session, mailbox.clone(), folder.clone());
        self.push(tag, Op::Status(status));
        let qresync =
            self.enabling_qresync.is_some() || self.session.is_enabled(&Capability::QResync);
        let (tag, select) = ops::Select::start(
            &mut self.session,
            mailbox,
            folder,
            window,
            known,
            qresync,
            op,
        );
        self.push(tag, Op::Select(select));
    }

    /// Selects `folder` unless it is the selected one (commands run in order, so what
    /// follows acts on it).
    fn ensure_selected(&mut self, folder: &str) {
        if self.selected.as_ref().is_none_or(|s| s.folder != folder) {
            // No rows: nobody is looking at this folder's list (a message opened from
            // elsewhere, the original of a reply).
            self.select(folder.to_owned(), Window::NONE, None, None);
        }
    }

    fn fetch_rows(&mut self, op: Option<OpId>, low: u32, high: u32) {
        let Some(folder) = self.selected.as_ref().map(|s| s.folder.clone()) else {
            return;
        };
        self.wake();
        if let Some((tag, fetch)) = ops::FetchRows::start(&mut self.session, folder, low, high, op)
        {
            self.push(tag, Op::FetchRows(fetch));
        }
    }

    /// The UID comparison after a SELECT, where it is wanted (see [`ops::Uids`]).
    fn list_uids(&mut self) {
        let Some(selected) = self.selected.as_ref().filter(|_| self.compare_uids) else {
            return;
        };
        if selected.replica.count() == 0 {
            // Empty: that is the whole listing, with no need to ask.
            self.events.push_back(Event::FolderUids {
                folder: selected.folder.clone(),
                uids: Vec::new(),
                below: selected.replica.uid_next().unwrap_or(u32::MAX),
            });
            return;
        }
        let folder = selected.folder.clone();
        self.wake();
        let (tag, op) = ops::Uids::start(&mut self.session, folder);
        self.push(tag, Op::Uids(op));
    }

    fn download(&mut self, id: OpId, folder: String, uid: u32, part: String) {
        let attachment = self
            .open_parts
            .as_ref()
            .filter(|(f, u, _)| *f == folder && *u == uid)
            .and_then(|(_, _, parts)| parts.iter().find(|a| a.part == part))
            .cloned();
        let open = self.selected.as_ref().is_some_and(|s| s.folder == folder);
        let started = match attachment {
            Some(attachment) if open => {
                // IDLE ends only for a command that goes out: a download refused here
                // costs no round trip.
                self.wake();
                ops::FetchPart::start(&mut self.session, folder.clone(), uid, attachment, id)
            }
            _ => None,
        };
        match started {
            Some((tag, op)) => self.push(tag, Op::FetchPart(op)),
            None => self.events.push_back(Event::AttachmentFetched {
                op: id,
                folder,
                uid,
                part,
                name: String::new(),
                media_type: String::new(),
                bytes: Vec::new(),
                error: Some("open the message again to download this attachment".into()),
            }),
        }
    }

    fn save_sent(&mut self, copy: Option<Vec<u8>>, answered: Option<(String, u32)>) {
        self.wake();
        if let Some(copy) = copy {
            let started = self
                .sent_folder
                .clone()
                .and_then(|folder| ops::Append::start(&mut self.session, folder, copy));
            match started {
                Some((tag, op)) => self.push(tag, Op::Append(op)),
                None => self.events.push_back(Event::CopyNotSaved(
                    "there is no Sent folder on the server, so no copy was saved".into(),
                )),
            }
        }
        if let Some((folder, uid)) = answered {
            self.ensure_selected(&folder);
            if let Some((tag, op)) =
                ops::StoreFlags::start(&mut self.session, folder, uid, Mark::Answered)
            {
                self.push(tag, Op::StoreFlags(op));
            }
        }
    }

    fn push(&mut self, tag: Tag<'static>, op: Op) {
        let deadline = (!op.is_idle()).then_some(self.now + COMMAND_TIMEOUT);
        // A server without IDLE is polled 30 s after the last command, not after the last
        // poll: whatever was sent has just brought its news.
        self.last_poll = self.now;
        self.pending.push(Pending { tag, op, deadline });
    }

    /// Ends a pending IDLE, so that the command about to be sent can run.
    fn wake(&mut self) {
        if let Some(idle) = self
            .pending
            .iter_mut()
            .find(|p| p.op.is_idle() && p.deadline.is_none())
        {
            idle.deadline = Some(self.now + COMMAND_TIMEOUT);
            self.idle_since = None;
            self.session.idle_done();
        }
    }

    pub(crate) fn receive(&mut self, bytes: &[u8], charsets: &dyn Charsets) {
        self.session.feed(bytes);
        while let Some(event) = self.session.poll_event() {
            if self.phase == Phase::Finished {
                break;
            }
            self.session_event(event, charsets);
        }
        self.settle(charsets);
    }

    fn session_event(&mut self, event: SessionEvent, charsets: &dyn Charsets) {
        match event {
            SessionEvent::Greeting(_) => {
                self.phase = Phase::SigningIn;
                self.greeting_deadline = None;
                let waiting = std::mem::take(&mut self.waiting);
                for (id, request) in waiting {
                    self.request(id, request, charsets);
                }
            }
            SessionEvent::Bye(bye) => {
                let reason = if self.pending.iter().any(|p| p.op.is_logout()) {
                    Disconnect::SignedOut
                } else {
                    Disconnect::ServerClosed(bye.text.into_owned())
                };
                self.finish(reason);
            }
            SessionEvent::Data(data) => self.data(data, charsets),
            SessionEvent::Status(status) => {
                // RFC 9051 §7.1: an ALERT must be shown to the user.
                if status.code == Some(Code::Alert) {
                    self.events
                        .push_back(Event::Problem(status.text.to_string()));
                }
                if let (Some(code), Some(selected)) = (&status.code, self.selected.as_mut()) {
                    let changes = selected.replica.apply_code(code);
                    self.report(changes);
                }
            }
            SessionEvent::Completed { tag, status, .. } => self.completed(tag, status, charsets),
            SessionEvent::BadResponse(error) => {
                let why = format!("the server's answer could not be read: {error}");
                for pending in &mut self.pending {
                    if let Op::FetchMessage(op) = &mut pending.op {
                        op.unreadable(why.clone());
                    }
                }
                self.events.push_back(Event::Problem(format!(
                    "could not understand the server: {error}"
                )));
            }
            SessionEvent::Idling { .. }
            | SessionEvent::Continue(_)
            | SessionEvent::UnknownTag(_) => {}
        }
    }

    fn completed(
        &mut self,
        tag: Tag<'static>,
        status: StatusResponse<'static>,
        charsets: &dyn Charsets,
    ) {
        if self.enabling_qresync.as_ref() == Some(&tag) {
            self.enabling_qresync = None;
        }
        if let Some(selected) = self.selected.as_mut() {
            let changes = match &status.code {
                Some(code) => selected.replica.apply_code(code),
                None => Vec::new(),
            };
            selected.replica.command_completed();
            self.report(changes);
        }
        let Some(k) = self.pending.iter().position(|p| p.tag == tag) else {
            return;
        };
        let Pending { op, .. } = self.pending.remove(k);
        if op.is_logout() {
            self.finish(Disconnect::SignedOut);
            return;
        }
        let mut cx = Cx {
            out: &mut self.events,
            charsets,
            selected: &mut self.selected,
            follow_ups: &mut self.follow_ups,
            reading: &self.reading,
            open_parts: &mut self.open_parts,
            idle_refused: &mut self.idle_refused,
        };
        op.complete(status, &mut cx);
    }

    fn data(&mut self, data: petrel_imap::types::response::Data<'static>, charsets: &dyn Charsets) {
        let mut claimed_by = None;
        {
            let mut cx = Cx {
                out: &mut self.events,
                charsets,
                selected: &mut self.selected,
                follow_ups: &mut self.follow_ups,
                reading: &self.reading,
                open_parts: &mut self.open_parts,
                idle_refused: &mut self.idle_refused,
            };
            for (k, pending) in self.pending.iter_mut().enumerate() {
                if pending.op.data(&data, &mut cx) == Claim::Mine {
                    claimed_by = Some(k);
                    break;
                }
            }
        }
        if claimed_by.is_none() {
            if let Data::Status { mailbox, items } = &data {
                self.counts(mailbox, items);
                return;
            }
        }
        let Some(selected) = self.selected.as_mut() else {
            return;
        };
        // A FETCH answering an operation for a folder selected before this one, or the
        // EXISTS of a SELECT superseded by this one, is not this folder's.
        if let Some(k) = claimed_by {
            if self.pending[k]
                .op
                .folder()
                .is_some_and(|folder| folder != selected.folder)
            {
                return;
            }
        }
        let count = selected.replica.count();
        // Where the removed messages were and which they were, from the replica before it
        // forgets them.
        let removed: Vec<(u32, Option<u32>)> = match &data {
            Data::Expunge(seq) if *seq <= count => {
                vec![(count - seq, selected.replica.uid(*seq))]
            }
            Data::Vanished {
                earlier: false,
                uids,
            } => {
                let mut removed = Vec::new();
                for &(from, to) in uids.ranges() {
                    if let (SeqBound::Value(from), SeqBound::Value(to)) = (from, to) {
                        let (low, high) = (from.get().min(to.get()), from.get().max(to.get()));
                        if high - low < count {
                            removed.extend((low..=high).filter_map(|uid| {
                                let seq = selected.replica.seq(uid)?;
                                Some((count - seq, Some(uid)))
                            }));
                        }
                    }
                }
                // Oldest first: removing a row moves only the rows after it.
                removed.sort_unstable_by_key(|&(position, _)| std::cmp::Reverse(position));
                removed
            }
            _ => Vec::new(),
        };
        let seq = match &data {
            Data::Fetch { seq, .. } => Some(*seq),
            _ => None,
        };
        let changes = selected.replica.apply_data(&data);
        let count_after = selected.replica.count();
        let unsolicited = claimed_by.is_none();
        let mut removed = removed.into_iter();
        let mut translated = Vec::new();
        for change in changes {
            match change {
                // A removal the replica could place only in a hole has no position here.
                Change::Removed(_) => match removed.next() {
                    Some((position, uid)) => translated.push(ListChange::Removed { position, uid }),
                    None => translated.push(ListChange::Reset),
                },
                Change::FlagsChanged {
                    message,
                    flags: Some(flags),
                    ..
                } if unsolicited => {
                    let uid = match message {
                        MessageRef::Uid(uid) => Some(uid),
                        MessageRef::Seq(_) => None,
                    };
                    let position = seq.map(|seq| count_after.saturating_sub(seq));
                    if let Some(position) = position {
                        translated.push(ListChange::Flags {
                            position,
                            uid,
                            unread: !flags.contains(&Flag::Seen),
                            flagged: flags.contains(&Flag::Flagged),
                        });
                    }
                }
                other => self.pending_changes(other, &mut translated),
            }
        }
        self.emit_changes(translated);
    }

    /// A folder's counts that no operation asked for (NOTIFY).
    fn counts(
        &mut self,
        mailbox: &Mailbox<'static>,
        items: &[petrel_imap::types::response::StatusItem],
    ) {
        use petrel_imap::types::response::StatusItem;
        let mut messages = None;
        let mut unseen = None;
        for item in items {
            match item {
                StatusItem::Messages(n) => messages = Some(*n),
                StatusItem::Unseen(n) => unseen = Some(*n),
                _ => {}
            }
        }
        if messages.is_some() || unseen.is_some() {
            self.events.push_back(Event::FolderCounts {
                folder: String::from_utf8_lossy(mailbox.as_bytes()).into_owned(),
                messages,
                unseen,
            });
        }
    }

    /// Changes that are not tied to the data response in hand.
    fn pending_changes(&mut self, change: Change, out: &mut Vec<ListChange>) {
        let Some(selected) = self.selected.as_ref() else {
            return;
        };
        match change {
            Change::Added { first, last } if selected.ready => {
                out.push(ListChange::Arrived {
                    count: last - first + 1,
                });
                self.follow_ups.push(FollowUp::Rows {
                    op: None,
                    low: first,
                    high: last,
                });
            }
            Change::UidValidityChanged { .. } | Change::NeedResync(_) => {
                out.push(ListChange::Reset)
            }
            // Not the list's business (nothing moved), only the store's.
            Change::RemovedEarlier(set) => {
                let uids = uid_ranges(&set).unwrap_or_default();
                self.events.push_back(Event::Vanished {
                    folder: selected.folder.clone(),
                    uids,
                });
            }
            _ => {}
        }
    }

    fn report(&mut self, changes: Vec<Change>) {
        let mut translated = Vec::new();
        for change in changes {
            self.pending_changes(change, &mut translated);
        }
        self.emit_changes(translated);
    }

    fn emit_changes(&mut self, changes: Vec<ListChange>) {
        let Some(selected) = self.selected.as_ref().filter(|s| s.ready) else {
            return;
        };
        for change in changes {
            self.events.push_back(Event::FolderChanged {
                folder: selected.folder.clone(),
                total: selected.replica.count(),
                change,
            });
        }
    }

    /// Runs what the operations asked for, then idles if there is nothing else to do.
    fn settle(&mut self, charsets: &dyn Charsets) {
        while !self.follow_ups.is_empty() {
            for follow_up in std::mem::take(&mut self.follow_ups) {
                self.follow_up(follow_up, charsets);
            }
        }
        self.maybe_idle();
    }

    fn follow_up(&mut self, follow_up: FollowUp, charsets: &dyn Charsets) {
        match follow_up {
            FollowUp::Authenticate { user, password } => self.authenticate(user, password),
            FollowUp::SignedIn {
                refresh_capabilities,
            } => {
                self.signed_in(refresh_capabilities);
                let waiting = std::mem::take(&mut self.waiting);
                for (id, request) in waiting {
                    self.request(id, request, charsets);
                }
            }
            FollowUp::Listed { sent } => {
                self.sent_folder = sent;
                self.listed = true;
                let waiting = std::mem::take(&mut self.waiting);
                for (id, request) in waiting {
                    self.request(id, request, charsets);
                }
            }
            FollowUp::Rows { op, low, high } => self.fetch_rows(op, low, high),
            FollowUp::Uids => self.list_uids(),
            FollowUp::MarkSeen { folder, uid } => {
                self.wake();
                if let Some((tag, op)) =
                    ops::StoreFlags::start(&mut self.session, folder, uid, Mark::Seen)
                {
                    self.push(tag, Op::StoreFlags(op));
                }
            }
        }
    }

    /// With nothing pending on a selected folder, wait in IDLE for changes.
    fn maybe_idle(&mut self) {
        let quiet = self.phase == Phase::Ready
            && self.pending.is_empty()
            && self.selected.as_ref().is_some_and(|s| s.ready);
        if quiet && self.can_idle() {
            let (tag, op) = ops::Idle::start(&mut self.session);
            self.push(tag, Op::Idle(op));
            self.idle_since = Some(self.now);
        }
    }

    /// How often to send NOOP while nothing is pending: to ask a server without IDLE for
    /// changes, or to notice that a watch connection (which has nothing else to send) died.
    fn poll_interval(&self) -> Option<u64> {
        if self.watching {
            Some(IDLE_RENEW)
        } else if self.selected.as_ref().is_some_and(|s| s.ready) && !self.can_idle() {
            Some(POLL_INTERVAL)
        } else {
            None
        }
    }

    pub(crate) fn offers(&self, capability: &Capability<'_>) -> bool {
        self.session.has_capability(capability)
    }

    fn can_idle(&self) -> bool {
        !self.idle_refused && self.session.has_capability(&Capability::Idle)
    }

    pub(crate) fn closed(&mut self, reason: Option<String>) {
        self.finish(Disconnect::ConnectionLost(reason));
    }

    fn finish(&mut self, reason: Disconnect) {
        if self.phase == Phase::Finished {
            return;
        }
        self.phase = Phase::Finished;
        let why = match &reason {
            Disconnect::ConnectionLost(Some(reason)) => {
                format!("the connection was lost ({reason})")
            }
            _ => "the connection was lost".to_owned(),
        };
        for pending in std::mem::take(&mut self.pending) {
            pending.op.abandon(&why, &mut self.events);
        }
        self.events.push_back(Event::Disconnected(reason));
    }

    pub(crate) fn transmit(&mut self) -> Option<Vec<u8>> {
        self.session.transmit()
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Connection::handle_timeout`] must next be called, if at all.
    pub(crate) fn poll_timeout(&self) -> Option<u64> {
        if self.phase == Phase::Finished {
            return None;
        }
        let command = self
            .pending
            .iter()
            .filter_map(|p| p.deadline)
            .chain(self.greeting_deadline)
            .min();
        let renew = self.idle_since.map(|since| since + IDLE_RENEW);
        let poll = (self.phase == Phase::Ready && self.pending.is_empty())
            .then(|| self.poll_interval())
            .flatten()
            .map(|interval| self.last_poll + interval);
        [command, renew, poll].into_iter().flatten().min()
    }

    /// The time is now `now` (milliseconds on any monotonic clock): fires what is due.
    pub(crate) fn handle_timeout(&mut self, now: u64, charsets: &dyn Charsets) {
        self.now = self.now.max(now);
        if self.phase == Phase::Finished {
            return;
        }
        let overdue = self
            .pending
            .iter()
            .filter_map(|p| p.deadline)
            .chain(self.greeting_deadline)
            .any(|deadline| deadline <= self.now);
        if overdue {
            self.finish(Disconnect::ConnectionLost(Some(format!(
                "no answer from the mail server within {} seconds",
                COMMAND_TIMEOUT / 1000
            ))));
            return;
        }
        if self
            .idle_since
            .is_some_and(|since| since + IDLE_RENEW <= self.now)
        {
            // IDLE completes after DONE; the connection idles again once it has.
            self.wake();
        }
        if self.poll_timeout().is_some_and(|due| due <= self.now) && self.pending.is_empty() {
            self.last_poll = self.now;
            let (tag, op) = ops::Noop::start(&mut self.session);
            self.push(tag, Op::Noop(op));
        }
        self.settle(charsets);
    }

    /// The selected folder's UIDVALIDITY and HIGHESTMODSEQ, for a later QRESYNC.
    pub(crate) fn known(&self) -> Option<(String, Known)> {
        let selected = self.selected.as_ref().filter(|s| s.ready)?;
        Some((
            selected.folder.clone(),
            Known {
                uid_validity: selected.replica.uid_validity()?,
                highest_modseq: selected.replica.highest_modseq()?,
            },
        ))
    }

    pub(crate) fn is_signed_in(&self) -> bool {
        self.phase == Phase::Ready
    }
}

impl Op {
    /// The folder an operation's answers belong to, for those that read a folder.
    fn folder(&self) -> Option<&str> {
        match self {
            Op::FetchRows(op) => Some(op.folder()),
            Op::Select(op) => Some(op.folder()),
            Op::Uids(op) => Some(op.folder()),
            _ => None,
        }
    }
}
