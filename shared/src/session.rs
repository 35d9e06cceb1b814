//! The sans-IO client session: tags, pending commands keyed by tag, continuation requests,
//! connection state and capabilities.
//!
//! The caller feeds received bytes with [`Session::feed`], writes whatever
//! [`Session::transmit`] returns, and drains [`Session::poll_event`]. Nothing here does IO
//! or keeps time.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;

use crate::encode::{encode, EncodeOptions};
use crate::types::capability::Capability;
use crate::types::command::{Command, CommandBody};
use crate::types::core::{Mailbox, Tag};
use crate::types::response::{Code, Continue, Data, Response, StatusKind, StatusResponse};
use crate::{DecodeError, Limits, ResponseDecoder};

/// Connection state (RFC 9051 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Connected, the server's greeting has not arrived yet.
    Greeting,
    NotAuthenticated,
    Authenticated,
    Selected {
        mailbox: Mailbox<'static>,
        read_only: bool,
    },
    Logout,
}

/// Which command a tag belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Capability,
    Noop,
    Logout,
    Authenticate,
    Login,
    Enable,
    Select,
    Examine,
    List,
    Status,
    Close,
    Unselect,
    Expunge,
    Fetch,
    UidFetch,
    Idle,
    /// Any other command, by name (`"UID STORE"`, `"APPEND"`...).
    Other(&'static str),
}

impl CommandKind {
    fn of(body: &CommandBody<'_>) -> Self {
        match body {
            CommandBody::Capability => Self::Capability,
            CommandBody::Noop => Self::Noop,
            CommandBody::Logout => Self::Logout,
            CommandBody::Authenticate { .. } => Self::Authenticate,
            CommandBody::Login { .. } => Self::Login,
            CommandBody::Enable(_) => Self::Enable,
            CommandBody::Select { .. } => Self::Select,
            CommandBody::Examine { .. } => Self::Examine,
            CommandBody::List { .. } => Self::List,
            CommandBody::Status { .. } => Self::Status,
            CommandBody::Close => Self::Close,
            CommandBody::Unselect => Self::Unselect,
            CommandBody::Expunge => Self::Expunge,
            CommandBody::Fetch { uid: false, .. } => Self::Fetch,
            CommandBody::Fetch { uid: true, .. } => Self::UidFetch,
            CommandBody::Idle => Self::Idle,
            CommandBody::SelectModSeq {
                read_only: false, ..
            } => Self::Select,
            CommandBody::SelectModSeq {
                read_only: true, ..
            } => Self::Examine,
            CommandBody::FetchChangedSince { uid: false, .. } => Self::Fetch,
            CommandBody::FetchChangedSince { uid: true, .. } => Self::UidFetch,
            other => Self::Other(other.name()),
        }
    }
}

/// What the session tells its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// The server's greeting (`OK`, `PREAUTH` or `BYE`).
    Greeting(StatusResponse<'static>),
    /// An untagged data response.
    Data(Data<'static>),
    /// An untagged `OK`/`NO`/`BAD` (e.g. `* OK [UIDVALIDITY 3857529045]`).
    Status(StatusResponse<'static>),
    /// A command finished.
    Completed {
        tag: Tag<'static>,
        command: CommandKind,
        status: StatusResponse<'static>,
    },
    /// The server accepted IDLE; end it with [`Session::idle_done`].
    Idling { tag: Tag<'static> },
    /// A continuation request no command was waiting for.
    Continue(Continue<'static>),
    /// A tagged response whose tag matches no pending command.
    UnknownTag(StatusResponse<'static>),
    /// One response could not be decoded; it was skipped and the session goes on.
    BadResponse(DecodeError),
    /// The server is closing the connection.
    Bye(StatusResponse<'static>),
}

#[derive(Debug)]
struct Pending {
    tag: Tag<'static>,
    kind: CommandKind,
    /// The mailbox of a SELECT/EXAMINE, to enter `Selected` on success.
    mailbox: Option<Mailbox<'static>>,
}

/// A command whose later parts wait for `+`.
#[derive(Debug)]
struct Waiting {
    tag: Tag<'static>,
    parts: VecDeque<Vec<u8>>,
    idle: bool,
    /// [`Session::idle_done`] was called before the server accepted the IDLE: `DONE` goes
    /// as soon as it does.
    done_early: bool,
}

/// The client session (see the module docs).
#[derive(Debug)]
pub struct Session {
    decoder: ResponseDecoder,
    state: State,
    capabilities: Vec<Capability<'static>>,
    /// Extensions the server confirmed with `ENABLED` (RFC 5161).
    enabled: Vec<Capability<'static>>,
    next_tag: u32,
    pending: Vec<Pending>,
    waiting: Option<Waiting>,
    /// Encoded commands that cannot start while another waits for `+` or IDLE runs.
    queued: VecDeque<(Tag<'static>, Vec<Vec<u8>>, bool)>,
    idling: Option<Tag<'static>>,
    outgoing: VecDeque<Vec<u8>>,
    events: VecDeque<SessionEvent>,
}

impl Session {
    pub fn new(limits: Limits) -> Self {
        Self {
            decoder: ResponseDecoder::new(limits),
            state: State::Greeting,
            capabilities: Vec::new(),
            enabled: Vec::new(),
            next_tag: 1,
            pending: Vec::new(),
            waiting: None,
            queued: VecDeque::new(),
            idling: None,
            outgoing: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The server's capabilities as last announced.
    pub fn capabilities(&self) -> &[Capability<'static>] {
        &self.capabilities
    }

    pub fn has_capability(&self, cap: &Capability<'_>) -> bool {
        self.capabilities.iter().any(|c| c == cap)
    }

    /// Whether the server confirmed enabling `cap` (`ENABLED`, RFC 5161).
    pub fn is_enabled(&self, cap: &Capability<'_>) -> bool {
        self.enabled.iter().any(|c| c == cap)
    }

    /// Whether the server offers `AUTH=<mechanism>`.
    pub fn has_auth(&self, mechanism: &str) -> bool {
        self.capabilities.iter().any(|c| c.is_auth(mechanism))
    }

    /// Whether a command is in flight.
    pub fn is_busy(&self) -> bool {
        !self.pending.is_empty()
    }

    fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            literal_plus: self.has_capability(&Capability::LiteralPlus),
            literal_minus: self.has_capability(&Capability::LiteralMinus),
            sasl_ir: self.has_capability(&Capability::SaslIr),
            utf8: self.is_enabled(&Capability::Utf8Accept),
            binary: self.has_capability(&Capability::Binary),
        }
    }

    /// Queues a command and returns its tag. Literals and SASL responses are held until the
    /// server asks for them; with LITERAL+/LITERAL-/SASL-IR they go at once.
    pub fn send(&mut self, body: CommandBody<'_>) -> Tag<'static> {
        let tag = self.new_tag();
        let kind = CommandKind::of(&body);
        let mailbox = match &body {
            CommandBody::Select { mailbox }
            | CommandBody::Examine { mailbox }
            | CommandBody::SelectModSeq { mailbox, .. } => Some(mailbox.clone().into_static()),
            _ => None,
        };
        let encoded = encode(
            &Command {
                tag: tag.clone(),
                body,
            },
            self.encode_options(),
        );
        self.pending.push(Pending {
            tag: tag.clone(),
            kind,
            mailbox,
        });
        let idle = kind == CommandKind::Idle;
        self.queued.push_back((tag.clone(), encoded.parts, idle));
        self.start_queued();
        tag
    }

    /// Ends IDLE (RFC 2177) by sending `DONE`; the IDLE command then completes. Called
    /// before the server has accepted the IDLE (its `+`), `DONE` follows that `+` at once.
    ///
    /// Commands queued behind the IDLE go right after `DONE` rather than after IDLE's tagged
    /// OK: RFC 2177 §3 has the server send that OK "and prepare to process other commands"
    /// once it reads `DONE`, so waiting for it would only cost a round trip per command.
    pub fn idle_done(&mut self) {
        if self.idling.take().is_some() {
            self.outgoing.push_back(b"DONE\r\n".to_vec());
            self.start_queued();
        } else if let Some(waiting) = self.waiting.as_mut().filter(|w| w.idle) {
            waiting.done_early = true;
        }
    }

    fn new_tag(&mut self) -> Tag<'static> {
        let n = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1).max(1);
        // Only digits and a letter: always a valid tag.
        Tag::try_from(format!("p{n}")).unwrap_or_else(|_| Tag::unvalidated("p").into_static())
    }

    fn start_queued(&mut self) {
        while self.waiting.is_none() && self.idling.is_none() {
            let Some((tag, parts, idle)) = self.queued.pop_front() else {
                return;
            };
            let mut parts: VecDeque<Vec<u8>> = parts.into();
            if let Some(first) = parts.pop_front() {
                self.outgoing.push_back(first);
            }
            if !parts.is_empty() || idle {
                self.waiting = Some(Waiting {
                    tag,
                    parts,
                    idle,
                    done_early: false,
                });
            }
        }
    }

    /// The next bytes to write to the server.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.outgoing.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Bytes received from the server, in any chunking.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.decoder.feed(bytes);
        loop {
            let response = match self.decoder.next() {
                None => break,
                Some(r) => r.map(Response::into_static),
            };
            match response {
                Ok(r) => self.handle(r),
                Err(e) => self.events.push_back(SessionEvent::BadResponse(e)),
            }
        }
    }

    fn learn_capabilities(&mut self, code: &Option<Code<'static>>) {
        if let Some(Code::Capability(caps)) = code {
            self.capabilities = caps.clone();
        }
    }

    fn handle(&mut self, response: Response<'static>) {
        match response {
            Response::Continue(c) => self.handle_continue(c),
            Response::Data(d) => {
                match &d {
                    Data::Capability(caps) => self.capabilities = caps.clone(),
                    Data::Enabled(caps) => self.enabled.extend(caps.iter().cloned()),
                    _ => {}
                }
                self.events.push_back(SessionEvent::Data(d));
            }
            Response::Status(s) if s.tag.is_none() => self.handle_untagged_status(s),
            Response::Status(s) => self.handle_tagged(s),
        }
    }

    fn handle_continue(&mut self, c: Continue<'static>) {
        let Some(waiting) = &mut self.waiting else {
            // An AUTHENTICATE with nothing more to say must be cancelled, or it hangs.
            if self
                .pending
                .iter()
                .any(|p| p.kind == CommandKind::Authenticate)
            {
                self.outgoing.push_back(b"*\r\n".to_vec());
            } else {
                self.events.push_back(SessionEvent::Continue(c));
            }
            return;
        };
        if let Some(part) = waiting.parts.pop_front() {
            self.outgoing.push_back(part);
        }
        if waiting.parts.is_empty() {
            if waiting.idle {
                let tag = waiting.tag.clone();
                if waiting.done_early {
                    self.outgoing.push_back(b"DONE\r\n".to_vec());
                } else {
                    self.idling = Some(tag.clone());
                    self.events.push_back(SessionEvent::Idling { tag });
                }
            }
            self.waiting = None;
            self.start_queued();
        }
    }

    fn handle_untagged_status(&mut self, s: StatusResponse<'static>) {
        self.learn_capabilities(&s.code);
        if self.state == State::Greeting {
            self.state = match s.kind {
                StatusKind::PreAuth => State::Authenticated,
                StatusKind::Bye => State::Logout,
                _ => State::NotAuthenticated,
            };
            if s.kind == StatusKind::Bye {
                self.events.push_back(SessionEvent::Bye(s));
            } else {
                self.events.push_back(SessionEvent::Greeting(s));
            }
            return;
        }
        match s.kind {
            StatusKind::Bye => {
                self.state = State::Logout;
                self.events.push_back(SessionEvent::Bye(s));
            }
            _ => {
                if let (State::Selected { read_only, .. }, Some(code)) = (&mut self.state, &s.code)
                {
                    match code {
                        Code::ReadOnly => *read_only = true,
                        Code::ReadWrite => *read_only = false,
                        _ => {}
                    }
                }
                self.events.push_back(SessionEvent::Status(s));
            }
        }
    }

    fn handle_tagged(&mut self, s: StatusResponse<'static>) {
        let Some(tag) = &s.tag else { return };
        let Some(index) = self.pending.iter().position(|p| &p.tag == tag) else {
            self.events.push_back(SessionEvent::UnknownTag(s));
            return;
        };
        let pending = self.pending.remove(index);
        // A command refused before it was sent whole (a NO to a synchronising literal), or
        // an IDLE that ended: the next command may go.
        if self.waiting.as_ref().is_some_and(|w| &w.tag == tag) {
            self.waiting = None;
        }
        if self.idling.as_ref() == Some(tag) {
            self.idling = None;
        }
        self.learn_capabilities(&s.code);
        let ok = s.kind == StatusKind::Ok;
        match pending.kind {
            CommandKind::Login | CommandKind::Authenticate if ok => {
                self.state = State::Authenticated;
            }
            CommandKind::Select | CommandKind::Examine => {
                self.state = match (ok, pending.mailbox) {
                    (true, Some(mailbox)) => State::Selected {
                        read_only: pending.kind == CommandKind::Examine
                            || s.code == Some(Code::ReadOnly),
                        mailbox,
                    },
                    _ => State::Authenticated,
                };
            }
            CommandKind::Close | CommandKind::Unselect if ok => {
                self.state = State::Authenticated;
            }
            CommandKind::Logout => self.state = State::Logout,
            _ => {}
        }
        self.events.push_back(SessionEvent::Completed {
            tag: pending.tag,
            command: pending.kind,
            status: s,
        });
        self.start_queued();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::types::core::{AString, Atom, Secret};
    use alloc::vec;

    fn drain_out(s: &mut Session) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = s.transmit() {
            out.extend(b);
        }
        out
    }

    fn events(s: &mut Session) -> Vec<SessionEvent> {
        core::iter::from_fn(|| s.poll_event()).collect()
    }

    #[test]
    fn login_with_literal_waits_for_continuation() {
        let mut s = Session::new(Limits::default());
        s.feed(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
        assert_eq!(*s.state(), State::NotAuthenticated);
        assert!(s.has_auth("PLAIN"));
        s.send(CommandBody::Login {
            username: AString::try_from("jörg").unwrap(),
            password: Secret::new(AString::try_from("pw").unwrap()),
        });
        let t = s.send(CommandBody::Noop);
        assert_eq!(drain_out(&mut s), b"p1 LOGIN {5}\r\n");
        s.feed(b"+ OK\r\n");
        assert_eq!(drain_out(&mut s), "jörg pw\r\np2 NOOP\r\n".as_bytes());
        s.feed(b"p1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\np2 OK done\r\n");
        assert_eq!(*s.state(), State::Authenticated);
        assert!(s.has_capability(&Capability::Idle));
        let ev = events(&mut s);
        assert!(matches!(
            &ev[1],
            SessionEvent::Completed {
                command: CommandKind::Login,
                ..
            }
        ));
        assert!(
            matches!(&ev[2], SessionEvent::Completed { tag, command: CommandKind::Noop, .. } if *tag == t)
        );
    }

    #[test]
    fn authenticate_plain_and_bad_responses() {
        let mut s = Session::new(Limits::default());
        s.feed(b"* OK ready\r\n");
        s.send(CommandBody::Authenticate {
            mechanism: Atom::try_from("PLAIN").unwrap(),
            initial_response: Some(Secret::new(b"\0u\0p".to_vec())),
        });
        assert_eq!(drain_out(&mut s), b"p1 AUTHENTICATE PLAIN\r\n");
        s.feed(b"+ \r\n");
        assert_eq!(drain_out(&mut s), b"AHUAcA==\r\n");
        s.feed(
            b"garbage (((\r\n* 3 EXISTS\r\np1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        );
        let ev = events(&mut s);
        assert!(matches!(ev[1], SessionEvent::BadResponse(_)));
        assert_eq!(ev[2], SessionEvent::Data(Data::Exists(3)));
        assert!(
            matches!(&ev[3], SessionEvent::Completed { status, .. } if status.code == Some(Code::AuthenticationFailed))
        );
        assert_eq!(*s.state(), State::NotAuthenticated);
    }

    #[test]
    fn select_idle_and_bye() {
        let mut s = Session::new(Limits::default());
        s.feed(b"* PREAUTH hi\r\n");
        assert_eq!(*s.state(), State::Authenticated);
        s.send(CommandBody::Select {
            mailbox: Mailbox::inbox(),
        });
        s.feed(b"* 1 EXISTS\r\np1 OK [READ-WRITE] done\r\n");
        assert_eq!(
            *s.state(),
            State::Selected {
                mailbox: Mailbox::inbox(),
                read_only: false
            }
        );
        s.send(CommandBody::Idle);
        s.send(CommandBody::Noop);
        assert_eq!(drain_out(&mut s), b"p1 SELECT INBOX\r\np2 IDLE\r\n");
        s.feed(b"+ idling\r\n");
        assert!(events(&mut s)
            .iter()
            .any(|e| matches!(e, SessionEvent::Idling { .. })));
        s.idle_done();
        // The NOOP follows DONE at once, without waiting for IDLE's OK (RFC 2177 §3).
        assert_eq!(drain_out(&mut s), b"DONE\r\np3 NOOP\r\n");
        s.feed(b"p2 OK Idle completed\r\n");
        assert_eq!(drain_out(&mut s), b"");
        // DONE asked for before the server's `+`: it follows the `+` at once.
        s.send(CommandBody::Idle);
        assert_eq!(drain_out(&mut s), b"p4 IDLE\r\n");
        s.idle_done();
        assert_eq!(drain_out(&mut s), b"");
        s.feed(b"+ idling\r\n");
        assert_eq!(drain_out(&mut s), b"DONE\r\n");
        s.feed(b"p4 OK Idle completed\r\n");
        s.send(CommandBody::Enable(vec![
            Atom::try_from("UTF8=ACCEPT").unwrap()
        ]));
        s.feed(b"* ENABLED UTF8=ACCEPT\r\np5 OK enabled\r\n");
        assert!(s.is_enabled(&Capability::Utf8Accept));
        s.send(CommandBody::Select {
            mailbox: Mailbox::try_from("Entwürfe").unwrap(),
        });
        assert_eq!(
            drain_out(&mut s),
            "p5 ENABLE UTF8=ACCEPT\r\np6 SELECT \"Entwürfe\"\r\n".as_bytes()
        );
        s.feed(b"* BYE shutting down\r\n");
        assert_eq!(*s.state(), State::Logout);
        assert!(matches!(events(&mut s).last(), Some(SessionEvent::Bye(_))));
    }
}
