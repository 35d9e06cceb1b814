//! Server responses (RFC 9051 §7): status responses with their codes, data responses and
//! continuation requests.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::capability::Capability;
use super::core::{Atom, Mailbox, ObjectId, SequenceSet, Tag};
use super::extensions::esearch::ESearch;
use super::extensions::id::Id;
use super::extensions::list_extended::ListExtendedItem;
use super::extensions::namespace::Namespaces;
use super::extensions::quota::{Quota, QuotaRoot};
use super::extensions::thread::Thread;
use super::fetch::FetchItem;
use super::flag::{Flag, FlagPerm, ListAttribute};
use super::{cow_static, opt_static};

/// One complete server response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response<'a> {
    /// A tagged or untagged status response (`OK`, `NO`, `BAD`, `PREAUTH`, `BYE`); the
    /// greeting is one of these.
    Status(StatusResponse<'a>),
    /// An untagged data response.
    Data(Data<'a>),
    /// `continue-req = "+" [SP (resp-text / base64)] CRLF`; a bare `+` is accepted.
    Continue(Continue<'a>),
}

impl Response<'_> {
    pub fn into_static(self) -> Response<'static> {
        match self {
            Response::Status(s) => Response::Status(s.into_static()),
            Response::Data(d) => Response::Data(d.into_static()),
            Response::Continue(c) => Response::Continue(c.into_static()),
        }
    }
}

/// A continuation request. `text` is everything after `+ `, undecoded (it is base64 during
/// AUTHENTICATE); `code` is set when it looked like `[code] text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continue<'a> {
    pub code: Option<Code<'a>>,
    pub text: Cow<'a, str>,
}

impl Continue<'_> {
    pub fn into_static(self) -> Continue<'static> {
        Continue {
            code: self.code.map(Code::into_static),
            text: cow_static(self.text),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    Ok,
    No,
    Bad,
    PreAuth,
    Bye,
}

/// `resp-cond-state` / `resp-cond-auth` / `resp-cond-bye` with an optional tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResponse<'a> {
    /// `None` for an untagged (`*`) response.
    pub tag: Option<Tag<'a>>,
    pub kind: StatusKind,
    pub code: Option<Code<'a>>,
    /// Human-readable text, lossily decoded as UTF-8.
    pub text: Cow<'a, str>,
}

impl StatusResponse<'_> {
    pub fn into_static(self) -> StatusResponse<'static> {
        StatusResponse {
            tag: self.tag.map(Tag::into_static),
            kind: self.kind,
            code: self.code.map(Code::into_static),
            text: cow_static(self.text),
        }
    }
}

/// `resp-text-code` (RFC 9051 §7.1), the RFC 5530 codes and those of the extensions this
/// crate knows. Unknown codes are kept opaque in [`Code::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code<'a> {
    Alert,
    BadCharset(Vec<Cow<'a, [u8]>>),
    Capability(Vec<Capability<'a>>),
    Parse,
    PermanentFlags(Vec<FlagPerm<'a>>),
    ReadOnly,
    ReadWrite,
    TryCreate,
    UidNext(u32),
    UidValidity(u32),
    Unseen(u32),
    /// RFC 4315 (UIDPLUS): `APPENDUID uidvalidity uid-set`.
    AppendUid {
        uid_validity: u32,
        uids: SequenceSet,
    },
    /// RFC 4315 (UIDPLUS): `COPYUID uidvalidity source-set dest-set`, the n-th source UID
    /// copied to the n-th destination UID.
    CopyUid {
        uid_validity: u32,
        source: SequenceSet,
        destination: SequenceSet,
    },
    /// RFC 4315.
    UidNotSticky,
    /// RFC 7162 (CONDSTORE).
    HighestModSeq(u64),
    /// RFC 7162.
    NoModSeq,
    /// RFC 7162: `MODIFIED sequence-set`.
    Modified(SequenceSet),
    /// RFC 7162 (QRESYNC).
    Closed,
    /// RFC 5530 codes.
    Unavailable,
    AuthenticationFailed,
    AuthorizationFailed,
    Expired,
    PrivacyRequired,
    ContactAdmin,
    NoPerm,
    InUse,
    ExpungeIssued,
    Corruption,
    ServerBug,
    ClientBug,
    CannotNot,
    Limit,
    OverQuota,
    AlreadyExists,
    NonExistent,
    /// RFC 8474 (OBJECTID).
    MailboxId(ObjectId<'a>),
    /// RFC 5465 (NOTIFY).
    NotificationOverflow,
    /// RFC 5465 §3.1 (NOTIFY): `BADEVENT (MessageNew MessageExpunge)`, the events the server
    /// supports, in a NO to a NOTIFY that asked for others.
    BadEvent(Vec<Atom<'a>>),
    /// RFC 5182 (SEARCHRES).
    NotSaved,
    /// RFC 5258 (LIST-EXTENDED).
    HasChildren,
    /// RFC 3516 (BINARY).
    UnknownCte,
    /// RFC 6154 (CREATE-SPECIAL-USE).
    UseAttr,
    /// RFC 4978 (COMPRESS).
    CompressionActive,
    /// RFC 7889 (APPENDLIMIT) and RFC 4469.
    TooBig,
    /// Any other code: its name and whatever followed it inside the brackets, unparsed.
    Other {
        name: Atom<'a>,
        data: Option<Cow<'a, [u8]>>,
    },
}

impl Code<'_> {
    pub fn into_static(self) -> Code<'static> {
        use Code::*;
        match self {
            Alert => Alert,
            BadCharset(c) => BadCharset(c.into_iter().map(cow_static).collect()),
            Capability(c) => Capability(c.into_iter().map(|c| c.into_static()).collect()),
            Parse => Parse,
            PermanentFlags(f) => PermanentFlags(f.into_iter().map(FlagPerm::into_static).collect()),
            ReadOnly => ReadOnly,
            ReadWrite => ReadWrite,
            TryCreate => TryCreate,
            UidNext(n) => UidNext(n),
            UidValidity(n) => UidValidity(n),
            Unseen(n) => Unseen(n),
            AppendUid { uid_validity, uids } => AppendUid { uid_validity, uids },
            CopyUid {
                uid_validity,
                source,
                destination,
            } => CopyUid {
                uid_validity,
                source,
                destination,
            },
            UidNotSticky => UidNotSticky,
            HighestModSeq(n) => HighestModSeq(n),
            NoModSeq => NoModSeq,
            Modified(s) => Modified(s),
            Closed => Closed,
            Unavailable => Unavailable,
            AuthenticationFailed => AuthenticationFailed,
            AuthorizationFailed => AuthorizationFailed,
            Expired => Expired,
            PrivacyRequired => PrivacyRequired,
            ContactAdmin => ContactAdmin,
            NoPerm => NoPerm,
            InUse => InUse,
            ExpungeIssued => ExpungeIssued,
            Corruption => Corruption,
            ServerBug => ServerBug,
            ClientBug => ClientBug,
            CannotNot => CannotNot,
            Limit => Limit,
            OverQuota => OverQuota,
            AlreadyExists => AlreadyExists,
            NonExistent => NonExistent,
            MailboxId(id) => MailboxId(id.into_static()),
            NotificationOverflow => NotificationOverflow,
            BadEvent(events) => BadEvent(events.into_iter().map(Atom::into_static).collect()),
            NotSaved => NotSaved,
            HasChildren => HasChildren,
            UnknownCte => UnknownCte,
            UseAttr => UseAttr,
            CompressionActive => CompressionActive,
            TooBig => TooBig,
            Other { name, data } => Other {
                name: name.into_static(),
                data: opt_static(data),
            },
        }
    }
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem<'a> {
    pub attributes: Vec<ListAttribute<'a>>,
    pub delimiter: Option<char>,
    pub mailbox: Mailbox<'a>,
    /// `mbox-list-extended` (RFC 5258); empty if absent.
    pub extended: Vec<ListExtendedItem<'a>>,
}

impl ListItem<'_> {
    pub fn into_static(self) -> ListItem<'static> {
        ListItem {
            attributes: self
                .attributes
                .into_iter()
                .map(ListAttribute::into_static)
                .collect(),
            delimiter: self.delimiter,
            mailbox: self.mailbox.into_static(),
            extended: self
                .extended
                .into_iter()
                .map(ListExtendedItem::into_static)
                .collect(),
        }
    }
}

/// `status-att-val` (RFC 9051 §7.2.4 plus RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE, RFC 8474
/// MAILBOXID and RFC 7889 APPENDLIMIT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusItem<'a> {
    Messages(u32),
    Recent(u32),
    UidNext(u32),
    UidValidity(u32),
    Unseen(u32),
    Deleted(u32),
    Size(u64),
    HighestModSeq(u64),
    MailboxId(ObjectId<'a>),
    /// `None` for `NIL` (no limit).
    AppendLimit(Option<u32>),
}

impl StatusItem<'_> {
    pub fn into_static(self) -> StatusItem<'static> {
        use StatusItem::*;
        match self {
            Messages(n) => Messages(n),
            Recent(n) => Recent(n),
            UidNext(n) => UidNext(n),
            UidValidity(n) => UidValidity(n),
            Unseen(n) => Unseen(n),
            Deleted(n) => Deleted(n),
            Size(n) => Size(n),
            HighestModSeq(n) => HighestModSeq(n),
            MailboxId(id) => MailboxId(id.into_static()),
            AppendLimit(n) => AppendLimit(n),
        }
    }
}

/// Untagged data responses (`mailbox-data` / `message-data` / `capability-data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data<'a> {
    Capability(Vec<Capability<'a>>),
    /// `ENABLED` (RFC 5161).
    Enabled(Vec<Capability<'a>>),
    List(ListItem<'a>),
    Lsub(ListItem<'a>),
    Flags(Vec<Flag<'a>>),
    Exists(u32),
    Recent(u32),
    Expunge(u32),
    /// `SEARCH`; `modseq` from RFC 7162.
    Search {
        numbers: Vec<u32>,
        modseq: Option<u64>,
    },
    /// `SORT` (RFC 5256).
    Sort {
        numbers: Vec<u32>,
        modseq: Option<u64>,
    },
    /// `THREAD` (RFC 5256).
    Thread(Vec<Thread>),
    /// `ESEARCH` (RFC 4731).
    ESearch(ESearch<'a>),
    Status {
        mailbox: Mailbox<'a>,
        items: Vec<StatusItem<'a>>,
    },
    /// `NAMESPACE` (RFC 2342).
    Namespace(Namespaces<'a>),
    /// `QUOTA` (RFC 9208).
    Quota(Quota<'a>),
    /// `QUOTAROOT` (RFC 9208).
    QuotaRoot(QuotaRoot<'a>),
    /// `ID` (RFC 2971).
    Id(Id<'a>),
    /// `VANISHED [(EARLIER)] known-uids` (RFC 7162 QRESYNC).
    Vanished {
        earlier: bool,
        uids: SequenceSet,
    },
    Fetch {
        seq: u32,
        items: Vec<FetchItem<'a>>,
    },
    /// An untagged response this crate does not know: its keyword and the rest of the
    /// message, unparsed.
    Other {
        name: Atom<'a>,
        rest: Cow<'a, [u8]>,
    },
}

impl Data<'_> {
    pub fn into_static(self) -> Data<'static> {
        use Data::*;
        match self {
            Capability(c) => Capability(c.into_iter().map(|c| c.into_static()).collect()),
            Enabled(c) => Enabled(c.into_iter().map(|c| c.into_static()).collect()),
            List(l) => List(l.into_static()),
            Lsub(l) => Lsub(l.into_static()),
            Flags(f) => Flags(f.into_iter().map(Flag::into_static).collect()),
            Exists(n) => Exists(n),
            Recent(n) => Recent(n),
            Expunge(n) => Expunge(n),
            Search { numbers, modseq } => Search { numbers, modseq },
            Sort { numbers, modseq } => Sort { numbers, modseq },
            Data::Thread(t) => Data::Thread(t),
            Data::ESearch(e) => Data::ESearch(e.into_static()),
            Status { mailbox, items } => Status {
                mailbox: mailbox.into_static(),
                items: items.into_iter().map(StatusItem::into_static).collect(),
            },
            Data::Namespace(n) => Data::Namespace(n.into_static()),
            Data::Quota(q) => Data::Quota(q.into_static()),
            Data::QuotaRoot(q) => Data::QuotaRoot(q.into_static()),
            Data::Id(i) => Data::Id(i.into_static()),
            Vanished { earlier, uids } => Vanished { earlier, uids },
            Fetch { seq, items } => Fetch {
                seq,
                items: items.into_iter().map(FetchItem::into_static).collect(),
            },
            Other { name, rest } => Other {
                name: name.into_static(),
                rest: cow_static(rest),
            },
        }
    }
}
