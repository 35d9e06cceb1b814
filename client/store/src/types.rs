//! The values the store speaks in: typed identities (account, folder, UIDVALIDITY, UID,
//! MODSEQ), what the sync layer writes (headers, flags, changes) and what the list view reads
//! (rows, windows).

use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};

use serde::{Deserialize, Serialize};

/// Who the copy belongs to, as the user signed in (e.g. `alice@example.org` at a server).
/// Opaque to the store: it only keys rows by it and deletes by it at sign-out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox name as the server lists it (already decoded from modified UTF-7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FolderName(String);

impl FolderName {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 9051 §2.3.1.1: a folder's UIDVALIDITY, never zero. When it changes, every UID the
/// client knew for that folder means nothing any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UidValidity(pub NonZeroU32);

/// RFC 9051 §2.3.1.1: a message's UID, never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Uid(pub NonZeroU32);

/// RFC 7162 §3.1.1: a mod-sequence value, never zero (zero means "no CONDSTORE" on the wire,
/// which is `None` here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModSeq(pub NonZeroU64);

macro_rules! display_inner {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}
display_inner!(UidValidity, Uid, ModSeq);

/// One folder's copy as the store knows it: the identity every message operation is checked
/// against. A `FolderKey` whose UIDVALIDITY is not the stored one is refused
/// ([`super::StoreError::StaleUidValidity`]), so a write computed before a reset cannot land
/// in the refetched copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FolderKey {
    pub account: AccountId,
    pub folder: FolderName,
    pub uidvalidity: UidValidity,
}

impl fmt::Display for FolderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} (UIDVALIDITY {})",
            self.account, self.folder, self.uidvalidity
        )
    }
}

/// Seconds since 1970-01-01 UTC. Time is an input to the store: INTERNALDATE comes from the
/// server, "now" (for least-recently-read eviction) from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

/// The system flags a row shows, plus keywords (RFC 9051 §2.3.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub deleted: bool,
    /// Keywords (`$Forwarded`, `$Junk`, user labels) as the server spelled them. `\Recent` is
    /// not kept: it belongs to one session, not to the message.
    pub keywords: Vec<String>,
}

#[cfg(feature = "sqlite")]
impl Flags {
    const SEEN: i64 = 1;
    const FLAGGED: i64 = 2;
    const ANSWERED: i64 = 4;
    const DRAFT: i64 = 8;
    const DELETED: i64 = 16;

    #[cfg(feature = "sqlite")]
    pub(crate) fn bits(&self) -> i64 {
        [
            (self.seen, Self::SEEN),
            (self.flagged, Self::FLAGGED),
            (self.answered, Self::ANSWERED),
            (self.draft, Self::DRAFT),
            (self.deleted, Self::DELETED),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |acc, (_, bit)| acc | bit)
    }

    /// Keywords are atoms (no spaces), so one space-separated column holds them.
    #[cfg(feature = "sqlite")]
    pub(crate) fn keywords_column(&self) -> String {
        self.keywords.join(" ")
    }

    #[cfg(feature = "sqlite")]
    pub(crate) fn from_columns(bits: i64, keywords: &str) -> Self {
        Self {
            seen: bits & Self::SEEN != 0,
            flagged: bits & Self::FLAGGED != 0,
            answered: bits & Self::ANSWERED != 0,
            draft: bits & Self::DRAFT != 0,
            deleted: bits & Self::DELETED != 0,
            keywords: keywords.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// A MIME part as BODYSTRUCTURE describes it, kept so the reading pane can list attachments
/// before (or without) the body being in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// The IMAP section number, e.g. `1`, `2.1`.
    pub section: String,
    /// `type/subtype`, lowercase.
    pub mime_type: String,
    pub filename: Option<String>,
    /// Encoded size in octets, as the server reports it.
    pub size: u64,
    pub is_attachment: bool,
}

/// Everything the list and the threading need about one message: what a FETCH of
/// `(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ)` gives, already
/// reduced to display values by the engine. ENVELOPE and BODYSTRUCTURE never change for a
/// UID (RFC 9051 §2.3.1.1), so a second upsert of the same UID only updates flags and MODSEQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageHeaders {
    pub uid: Uid,
    pub internaldate: UnixTime,
    pub size: u64,
    pub flags: Flags,
    pub modseq: Option<ModSeq>,
    /// Display form of From (name, or address when there is no name).
    pub from: String,
    /// Display form of To and Cc, for search.
    pub to: String,
    pub subject: String,
    /// Thread keys: this message's Message-ID, the one it replies to, and References.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub preview: Option<String>,
    pub parts: Vec<PartInfo>,
}

impl MessageHeaders {
    pub fn has_attachment(&self) -> bool {
        self.parts.iter().any(|p| p.is_attachment)
    }
}

/// A flag change the server confirmed (FETCH FLAGS, possibly with MODSEQ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagUpdate {
    pub uid: Uid,
    pub flags: Flags,
    pub modseq: Option<ModSeq>,
}

/// One batch of server-confirmed changes to one folder, applied in one transaction by
/// [`super::MailStore::apply_changes`]. The order inside is fixed by the store, not the
/// caller: known UIDs, headers, flags, then expunges, and only then UIDNEXT and
/// HIGHESTMODSEQ. So a HIGHESTMODSEQ is never on disk without the expunges it covers: were
/// the tab closed mid-way, the transaction rolls back and the next sync asks again from the
/// old value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// UIDs the server has (UID SEARCH, EXISTS + UIDNEXT) whose headers may not be here yet.
    /// Inserted as rows without headers if absent; nothing changes if present.
    pub known: Vec<Uid>,
    pub headers: Vec<MessageHeaders>,
    pub flags: Vec<FlagUpdate>,
    /// EXPUNGE / VANISHED, or the UIDs a UID-set comparison found gone.
    pub expunged: Vec<Uid>,
    /// `VANISHED (EARLIER)` (RFC 7162 §3.2.10.1): inclusive UID ranges expunged while the
    /// client was away. Ranges rather than UIDs because a server may name a whole range
    /// (`1:40000`) in a few bytes. (Defaults, here and below, so that a caller writing
    /// plain objects may leave out what it does not use.)
    #[serde(default)]
    pub vanished: Vec<(Uid, Uid)>,
    /// The server listed every UID of the folder (a UID comparison): the store is made to
    /// hold exactly those, below the listing's bound.
    #[serde(default)]
    pub listing: Option<UidListing>,
    pub uidnext: Option<Uid>,
    pub highest_modseq: Option<ModSeq>,
}

/// Every UID a folder holds below `below`, as the server listed them (`UID SEARCH ALL`,
/// ESEARCH `ALL`), in ascending inclusive ranges. UIDs at or above `below` are left alone:
/// they arrived after the listing, and their rows may have been written before it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UidListing {
    pub ranges: Vec<(Uid, Uid)>,
    pub below: Uid,
}

impl UidListing {
    /// How many UIDs the ranges cover.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|(low, high)| u64::from(high.0.get().saturating_sub(low.0.get())) + 1)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// The sync state of one folder, for the next SELECT (QRESYNC) or UID-comparison resync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    pub uidvalidity: UidValidity,
    pub uidnext: Option<Uid>,
    pub highest_modseq: Option<ModSeq>,
}

/// What [`super::MailStore::open_folder`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Opened {
    /// The folder was not in the store; it is now, empty.
    New,
    /// Same UIDVALIDITY as stored: the copy is valid, resync from this state.
    Valid(SyncState),
    /// The UIDVALIDITY changed: the old copy (rows, bodies, parts, search entries) was
    /// dropped and the folder starts empty.
    Reset { previous: UidValidity },
}

/// One row of the message list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub uid: Uid,
    /// `None` for a UID whose headers are not fetched yet (the view shows a placeholder
    /// and asks for it through [`super::MailStore::missing_headers`]).
    pub headers: Option<RowHeaders>,
    pub flags: Flags,
}

/// The header part of a [`MessageRow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowHeaders {
    pub from: String,
    pub subject: String,
    pub date: UnixTime,
    pub size: u64,
    pub has_attachment: bool,
    pub preview: Option<String>,
}

/// What an eviction pass did, for the log and the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eviction {
    pub evicted: u64,
    pub freed_bytes: u64,
    pub remaining_bytes: u64,
}

/// A folder's special use (RFC 6154), as the engine found it from LIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// One folder of the account's list as LIST and STATUS last gave it: what the folder tree
/// shows before the app is online, so a reload with no network still has the folders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderEntry {
    pub name: FolderName,
    /// The hierarchy delimiter LIST gave (`None`: a flat namespace).
    pub delimiter: Option<char>,
    pub role: Option<FolderRole>,
    /// `false` for `\Noselect` / `\NonExistent` parents, which only hold other folders.
    pub selectable: bool,
    /// STATUS MESSAGES and UNSEEN, when asked for.
    pub total: Option<u64>,
    pub unseen: Option<u64>,
}

/// Who was signed in last on this device, so that after a reload the app can show that
/// account's stored mail at once and ask only for the password to go online. Never holds the
/// password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAccount {
    /// The key of the account's rows in the store.
    pub account: AccountId,
    /// The user name as typed at sign-in.
    pub user: String,
    /// The server it was for (as the app names it, e.g. the proxy's origin).
    pub server: String,
}
