//! Client commands (RFC 9051 §6) this crate can encode.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;

use super::core::{AString, Atom, Mailbox, Secret, SequenceSet, Tag};
use super::fetch::DateTime;
use super::flag::{Flag, FlagName, ListAttribute};

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
        username: AString<'a>,
        password: Secret<AString<'a>>,
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
        pattern: AString<'a>,
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
    /// RFC 9051 §6.3.4; `special_use` adds `(USE (...))` (RFC 6154 CREATE-SPECIAL-USE).
    Create {
        mailbox: Mailbox<'a>,
        special_use: Vec<ListAttribute<'a>>,
    },
    /// RFC 9051 §6.3.5.
    Delete { mailbox: Mailbox<'a> },
    /// RFC 9051 §6.3.6.
    Rename { from: Mailbox<'a>, to: Mailbox<'a> },
    /// RFC 9051 §6.3.7.
    Subscribe { mailbox: Mailbox<'a> },
    /// RFC 9051 §6.3.8.
    Unsubscribe { mailbox: Mailbox<'a> },
    /// RFC 3501 §6.3.9.
    Lsub {
        reference: Mailbox<'a>,
        pattern: AString<'a>,
    },
    /// RFC 2342.
    Namespace,
    /// RFC 9051 §6.3.12. The message goes as a literal (`~{n}` literal8, RFC 3516, when it
    /// holds NUL).
    Append {
        mailbox: Mailbox<'a>,
        flags: Vec<Flag<'a>>,
        date: Option<DateTime>,
        message: Cow<'a, [u8]>,
    },
    /// RFC 9051 §6.4.4 (and UID SEARCH); `esearch` adds `RETURN (...)` (RFC 4731).
    Search {
        criteria: Vec<SearchKey<'a>>,
        charset: Option<Atom<'a>>,
        esearch: Option<Vec<SearchReturn>>,
        uid: bool,
    },
    /// RFC 9051 §6.4.6 (and UID STORE); `unchanged_since` is RFC 7162.
    Store {
        set: SequenceSet,
        kind: StoreKind,
        silent: bool,
        flags: Vec<Flag<'a>>,
        uid: bool,
        unchanged_since: Option<u64>,
    },
    /// RFC 9051 §6.4.7 (and UID COPY).
    Copy {
        set: SequenceSet,
        mailbox: Mailbox<'a>,
        uid: bool,
    },
    /// RFC 6851 (and UID MOVE).
    Move {
        set: SequenceSet,
        mailbox: Mailbox<'a>,
        uid: bool,
    },
    /// RFC 4315 `UID EXPUNGE`.
    UidExpunge { set: SequenceSet },
    /// RFC 2971: `ID NIL` or `ID ("name" "value" ...)`.
    Id(Option<Vec<(AString<'a>, Option<AString<'a>>)>>),
    /// RFC 4978 `COMPRESS DEFLATE`.
    CompressDeflate,
    /// RFC 9208.
    GetQuota { root: AString<'a> },
    /// RFC 9208.
    GetQuotaRoot { mailbox: Mailbox<'a> },
    /// RFC 5256 (and UID SORT).
    Sort {
        keys: Vec<(bool, SortKey)>,
        charset: Atom<'a>,
        criteria: Vec<SearchKey<'a>>,
        uid: bool,
    },
    /// RFC 5256 (and UID THREAD).
    Thread {
        algorithm: Atom<'a>,
        charset: Atom<'a>,
        criteria: Vec<SearchKey<'a>>,
        uid: bool,
    },
    /// RFC 9051 §6.2.1.
    StartTls,
    /// RFC 3501 §6.4.1 (IMAP4rev1 only).
    Check,
    /// RFC 5258 LIST-EXTENDED, with RFC 5819 `RETURN (STATUS (...))` and RFC 6154 options.
    ListExtended {
        selection: Vec<ListSelection>,
        reference: Mailbox<'a>,
        patterns: Vec<AString<'a>>,
        return_options: Vec<ListReturn>,
    },
    /// RFC 5465: `NOTIFY NONE` (`None`) or `NOTIFY SET [STATUS] event-groups`.
    Notify {
        status: bool,
        groups: Option<Vec<NotifyGroup<'a>>>,
    },
    /// RFC 7162 §3.2.5: `SELECT`/`EXAMINE` with `(QRESYNC (uidvalidity modseq [known-uids]))`,
    /// or with `(CONDSTORE)` when `qresync` is `None`.
    SelectModSeq {
        mailbox: Mailbox<'a>,
        read_only: bool,
        qresync: Option<QResync>,
    },
    /// RFC 7162 §3.1.4.1 and §3.2.6: FETCH with `(CHANGEDSINCE modseq [VANISHED])`.
    FetchChangedSince {
        set: SequenceSet,
        items: Vec<FetchAttribute<'a>>,
        uid: bool,
        changed_since: u64,
        vanished: bool,
    },
}

/// `list-select-opt` (RFC 5258, RFC 6154).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSelection {
    Subscribed,
    Remote,
    RecursiveMatch,
    SpecialUse,
}

/// `return-option` (RFC 5258, RFC 5819, RFC 6154).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn {
    Subscribed,
    Children,
    SpecialUse,
    Status(Vec<StatusAttribute>),
}

/// `filter-mailboxes` of NOTIFY (RFC 5465 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyMailboxes<'a> {
    Selected,
    SelectedDelayed,
    Inboxes,
    Personal,
    Subscribed,
    Subtree(Vec<Mailbox<'a>>),
    Mailboxes(Vec<Mailbox<'a>>),
}

/// `notify-event` (RFC 5465 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyEvent<'a> {
    /// `MessageNew [SP "(" fetch-att *(SP fetch-att) ")"]`: the items the server sends
    /// with each new message of the selected mailbox (RFC 5465 §5.2); empty for none.
    MessageNew {
        fetch: Vec<FetchAttribute<'a>>,
    },
    MessageExpunge,
    FlagChange,
    AnnotationChange,
    MailboxName,
    SubscriptionChange,
    MailboxMetadataChange,
    ServerMetadataChange,
}

/// `event-group = "(" filter-mailboxes SP events ")"`; `events` empty means `NONE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyGroup<'a> {
    pub mailboxes: NotifyMailboxes<'a>,
    pub events: Vec<NotifyEvent<'a>>,
}

/// The `QRESYNC` parameters of SELECT (RFC 7162 §3.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QResync {
    pub uid_validity: u32,
    pub modseq: u64,
    pub known_uids: Option<SequenceSet>,
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Replace,
    Add,
    Remove,
}

/// `search-return-opt` (RFC 4731).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchReturn {
    Min,
    Max,
    All,
    Count,
    /// RFC 5182.
    Save,
}

/// `sort-key` (RFC 5256); paired with `true` for `REVERSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    /// RFC 5957.
    DisplayFrom,
    DisplayTo,
}

/// A date without time (`date` in SEARCH, RFC 9051 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// `search-key` (RFC 9051 §6.4.4, with RFC 3501's NEW/OLD/RECENT and RFC 7162 MODSEQ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey<'a> {
    All,
    Answered,
    Deleted,
    Draft,
    Flagged,
    Seen,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unseen,
    New,
    Old,
    Recent,
    Keyword(FlagName<'a>),
    Unkeyword(FlagName<'a>),
    Before(SearchDate),
    On(SearchDate),
    Since(SearchDate),
    SentBefore(SearchDate),
    SentOn(SearchDate),
    SentSince(SearchDate),
    Bcc(AString<'a>),
    Body(AString<'a>),
    Cc(AString<'a>),
    From(AString<'a>),
    Subject(AString<'a>),
    Text(AString<'a>),
    To(AString<'a>),
    Header(AString<'a>, AString<'a>),
    Larger(u32),
    Smaller(u32),
    Uid(SequenceSet),
    SequenceSet(SequenceSet),
    Not(Box<SearchKey<'a>>),
    Or(Box<SearchKey<'a>>, Box<SearchKey<'a>>),
    /// A parenthesised conjunction.
    And(Vec<SearchKey<'a>>),
    /// RFC 7162.
    ModSeq(u64),
    /// Gmail's `X-GM-RAW` (X-GM-EXT-1).
    GmailRaw(AString<'a>),
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
            CommandBody::Create { .. } => "CREATE",
            CommandBody::Delete { .. } => "DELETE",
            CommandBody::Rename { .. } => "RENAME",
            CommandBody::Subscribe { .. } => "SUBSCRIBE",
            CommandBody::Unsubscribe { .. } => "UNSUBSCRIBE",
            CommandBody::Lsub { .. } => "LSUB",
            CommandBody::Namespace => "NAMESPACE",
            CommandBody::Append { .. } => "APPEND",
            CommandBody::Search { uid: false, .. } => "SEARCH",
            CommandBody::Search { uid: true, .. } => "UID SEARCH",
            CommandBody::Store { uid: false, .. } => "STORE",
            CommandBody::Store { uid: true, .. } => "UID STORE",
            CommandBody::Copy { uid: false, .. } => "COPY",
            CommandBody::Copy { uid: true, .. } => "UID COPY",
            CommandBody::Move { uid: false, .. } => "MOVE",
            CommandBody::Move { uid: true, .. } => "UID MOVE",
            CommandBody::UidExpunge { .. } => "UID EXPUNGE",
            CommandBody::Id(_) => "ID",
            CommandBody::CompressDeflate => "COMPRESS",
            CommandBody::GetQuota { .. } => "GETQUOTA",
            CommandBody::GetQuotaRoot { .. } => "GETQUOTAROOT",
            CommandBody::Sort { uid: false, .. } => "SORT",
            CommandBody::Sort { uid: true, .. } => "UID SORT",
            CommandBody::Thread { uid: false, .. } => "THREAD",
            CommandBody::Thread { uid: true, .. } => "UID THREAD",
            CommandBody::StartTls => "STARTTLS",
            CommandBody::Check => "CHECK",
            CommandBody::ListExtended { .. } => "LIST",
            CommandBody::Notify { .. } => "NOTIFY",
            CommandBody::SelectModSeq {
                read_only: false, ..
            } => "SELECT",
            CommandBody::SelectModSeq {
                read_only: true, ..
            } => "EXAMINE",
            CommandBody::FetchChangedSince { uid: false, .. } => "FETCH",
            CommandBody::FetchChangedSince { uid: true, .. } => "UID FETCH",
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
    /// RFC 8474 (OBJECTID).
    MailboxId,
    /// RFC 7889.
    AppendLimit,
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
    /// `BODY`: the body structure without extension data (part of the `FULL` macro).
    Body,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`; `section` is the text inside the
    /// brackets (e.g. `HEADER.FIELDS (SUBJECT)`), `partial` is `(origin, length)`.
    BodySection {
        peek: bool,
        section: Atomish<'a>,
        partial: Option<(u32, u32)>,
    },
    /// RFC 7162.
    ModSeq,
    /// `BINARY[section]` / `BINARY.PEEK[...]` (RFC 3516); `section` is a part number.
    Binary {
        peek: bool,
        section: Atomish<'a>,
        partial: Option<(u32, u32)>,
    },
    /// `BINARY.SIZE[section]` (RFC 3516).
    BinarySize {
        section: Atomish<'a>,
    },
    /// RFC 8474.
    EmailId,
    /// RFC 8474.
    ThreadId,
    /// RFC 8514.
    SaveDate,
    /// RFC 8970 (`PREVIEW`, lazily computed when `lazy`).
    Preview {
        lazy: bool,
    },
    /// X-GM-EXT-1.
    GmailMessageId,
    GmailThreadId,
    GmailLabels,
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
