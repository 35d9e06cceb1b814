//! Client commands (RFC 9051 §6) this crate can encode.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::core::{Atom, Mailbox, Secret, SequenceSet, Tag};

/// A command with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub tag: Tag<'a>,
    pub body: CommandBody<'a>,
}

/// The command proper. Each variant names its RFC section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody<'a> {
    /// RFC 9051 §6.1.1.
    Capability,
    /// RFC 9051 §6.1.2.
    Noop,
    /// RFC 9051 §6.1.3.
    Logout,
    /// RFC 9051 §6.2.2. `initial_response` is the raw SASL response (not base64); it is sent
    /// on the command line when the server offers SASL-IR (RFC 4959), else after the
    /// server's `+`.
    Authenticate {
        mechanism: Atom<'a>,
        initial_response: Option<Secret<Vec<u8>>>,
    },
    /// RFC 9051 §6.2.3.
    Login {
        username: Cow<'a, [u8]>,
        password: Secret<Cow<'a, [u8]>>,
    },
    /// RFC 5161.
    Enable(Vec<Atom<'a>>),
    /// RFC 9051 §6.3.2.
    Select { mailbox: Mailbox<'a> },
    /// RFC 9051 §6.3.3.
    Examine { mailbox: Mailbox<'a> },
    /// RFC 9051 §6.3.9; `return_special_use` adds `RETURN (SPECIAL-USE)` (RFC 6154 §2,
    /// RFC 5258).
    List {
        reference: Mailbox<'a>,
        pattern: Cow<'a, [u8]>,
        return_special_use: bool,
    },
    /// RFC 9051 §6.3.11.
    Status {
        mailbox: Mailbox<'a>,
        items: Vec<StatusAttribute>,
    },
    /// RFC 9051 §6.4.1.
    Close,
    /// RFC 3691.
    Unselect,
    /// RFC 9051 §6.4.3.
    Expunge,
    /// RFC 9051 §6.4.5 and §6.4.9 (`uid`).
    Fetch {
        set: SequenceSet,
        items: Vec<FetchAttribute<'a>>,
        uid: bool,
    },
    /// RFC 2177. The session ends it with `DONE`.
    Idle,
}

impl CommandBody<'_> {
    /// The command's name, for logs and events.
    pub fn name(&self) -> &'static str {
        match self {
            CommandBody::Capability => "CAPABILITY",
            CommandBody::Noop => "NOOP",
            CommandBody::Logout => "LOGOUT",
            CommandBody::Authenticate { .. } => "AUTHENTICATE",
            CommandBody::Login { .. } => "LOGIN",
            CommandBody::Enable(_) => "ENABLE",
            CommandBody::Select { .. } => "SELECT",
            CommandBody::Examine { .. } => "EXAMINE",
            CommandBody::List { .. } => "LIST",
            CommandBody::Status { .. } => "STATUS",
            CommandBody::Close => "CLOSE",
            CommandBody::Unselect => "UNSELECT",
            CommandBody::Expunge => "EXPUNGE",
            CommandBody::Fetch { uid: false, .. } => "FETCH",
            CommandBody::Fetch { uid: true, .. } => "UID FETCH",
            CommandBody::Idle => "IDLE",
        }
    }
}

/// `status-att` (RFC 9051 §6.3.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAttribute {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    Size,
    HighestModSeq,
}

/// `fetch-att` (RFC 9051 §6.4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttribute<'a> {
    Uid,
    Flags,
    Envelope,
    Rfc822Size,
    InternalDate,
    BodyStructure,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`; `section` is the text inside the
    /// brackets (e.g. `HEADER.FIELDS (SUBJECT)`), `partial` is `(origin, length)`.
    BodySection {
        peek: bool,
        section: Atomish<'a>,
        partial: Option<(u32, u32)>,
    },
    /// RFC 7162.
    ModSeq,
}

/// A section specification: printable ASCII without `[`, `]`, CR or LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atomish<'a>(Cow<'a, str>);

impl<'a> Atomish<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'a> TryFrom<&'a str> for Atomish<'a> {
    type Error = super::core::ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        if s.bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'[' && b != b']')
        {
            Ok(Self(Cow::Borrowed(s)))
        } else {
            Err(super::core::ValidationError::new(
                "section",
                s.as_bytes(),
                "not printable ASCII without brackets",
            ))
        }
    }
}
