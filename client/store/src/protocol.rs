//! What the app and its store worker say to each other: one [`Call`] per [`MailStore`] method
//! (plus the account's folder list and the last account), one [`Answer`] per call carrying the
//! call's id, in order.
//!
//! The app writes its calls as postcard bytes ([`encode`], [`decode`]) in a `Uint8Array`
//! whose buffer is transferred, not copied, and the worker answers each in the encoding it
//! was asked in. Measured on the app's release wasm (`trunk build --release`, the app making
//! one call and reading one answer, against the app without the store): postcard adds 15 KB
//! (659,630 → 674,931 bytes), serde-wasm-bindgen's plain JS objects 73 KB (→ 732,891): its
//! code walks every field through JS property calls, and keeps the field-name matching that
//! postcard's positional format lets LTO drop. The worker, whose size matters less (it loads
//! in the background and already holds SQLite), also understands plain objects
//! (`{ id, request: { Variant: { field } } }`, answered as `{ Answer: { id, result: { Ok } } }`
//! with u64 values as BigInt) so that a page script, a test or the devtools can speak to it.
//! [`FromWorker::Started`] is always postcard: `[0, 0]` when the store is open, `[0, 1, n…]`
//! with the [`StoreUnavailable`] otherwise (`[0, 1, 0]`: another tab).
//!
//! postcard is positional: variants are numbered in declaration order and struct fields have
//! no names, so a change of order or a new field in the middle is a protocol change. The app
//! and its worker always come from the same build (the service worker keeps the two together,
//! see www/sw.js); nothing stores these bytes.
//!
//! [`serve`] is the worker's whole dispatch, generic over [`MailStore`] so the native tests run
//! it on [`crate::SqliteStore`].

use serde::{Deserialize, Serialize};

use super::types::{
    AccountId, Changes, Eviction, FolderEntry, FolderKey, FolderName, LastAccount, MessageRow,
    Opened, PartInfo, SyncState, Uid, UnixTime,
};
use super::{MailStore, StoreError};

/// The app's side: a request and the id its [`Answer`] will carry. Ids are the app's to choose
/// (a counter); the worker only echoes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub id: u32,
    pub request: Request,
}

/// One [`MailStore`] method each, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    OpenFolder {
        key: FolderKey,
    },
    SyncState {
        account: AccountId,
        folder: FolderName,
    },
    ApplyChanges {
        key: FolderKey,
        changes: Changes,
    },
    KnownUids {
        key: FolderKey,
    },
    Count {
        key: FolderKey,
    },
    Window {
        key: FolderKey,
        start: u64,
        len: u64,
    },
    Position {
        key: FolderKey,
        uid: Uid,
    },
    MissingHeaders {
        key: FolderKey,
        start: u64,
        len: u64,
    },
    Parts {
        key: FolderKey,
        uid: Uid,
    },
    PutBody {
        key: FolderKey,
        uid: Uid,
        #[serde(with = "serde_bytes")]
        raw: Vec<u8>,
        text: String,
        now: UnixTime,
    },
    Body {
        key: FolderKey,
        uid: Uid,
        now: UnixTime,
    },
    SetBodyBudget {
        bytes: u64,
    },
    Search {
        key: FolderKey,
        query: String,
    },
    WipeAccount {
        account: AccountId,
    },
    SaveFolders {
        account: AccountId,
        folders: Vec<FolderEntry>,
    },
    Folders {
        account: AccountId,
    },
    SetLastAccount {
        last: Option<LastAccount>,
    },
    LastAccount,
}

/// What a [`Request`] gives back: one variant per kind of result, named after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    /// For requests that return nothing (apply_changes, wipe, save_folders, set_last_account).
    Done,
    Opened(Opened),
    SyncState(Option<SyncState>),
    /// known_uids, missing_headers and search.
    Uids(Vec<Uid>),
    Count(u64),
    Rows(Vec<MessageRow>),
    Position(Option<u64>),
    Parts(Vec<PartInfo>),
    /// put_body and set_body_budget.
    Eviction(Eviction),
    Body(#[serde(with = "serde_bytes")] Option<Vec<u8>>),
    Folders(Vec<FolderEntry>),
    LastAccount(Option<LastAccount>),
}

/// The worker's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FromWorker {
    /// Sent once, first: the database is open, or why there is none. Calls sent before it
    /// wait in the worker and are answered after it, in order.
    Started(Result<(), StoreUnavailable>),
    Answer(Answer),
}

/// The answer to the [`Call`] with this `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub id: u32,
    pub result: Result<Reply, Failure>,
}

/// Why a call got no [`Reply`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    /// There is no persistent store in this tab; every call fails the same way.
    Unavailable(StoreUnavailable),
    /// The store refused this call.
    Store(StoreError),
    /// A message one side could not read: an app and a worker from different releases, or a
    /// bug. Names what was wrong with it.
    Protocol { reason: String },
}

/// Why this tab has no persistent store. The app then runs from the network alone and says
/// so; nothing is lost, only not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreUnavailable {
    /// Another tab of this browser profile holds the store (its Web Lock, not released within
    /// the worker's wait of 1.5 s). One tab owns the file: the SAH-pool VFS takes OPFS access
    /// handles that are exclusive per file, so a second tab could not open it anyway, and
    /// would fail somewhere less clear.
    OtherTab,
    /// The browser offers no Web Locks in workers, or refused the request, so this tab
    /// cannot know it is alone; `reason` says which.
    NoLocks { reason: String },
    /// OPFS or its synchronous access handles are missing or refused (an old browser, some
    /// private windows, storage disabled); `reason` is the browser's.
    NoOpfs { reason: String },
    /// The database file could not be opened or migrated (e.g. a newer schema after a
    /// downgrade).
    Open(StoreError),
    /// The worker itself did not start (its script failed to load or crashed); `reason` is
    /// the browser's error event, as far as it says.
    WorkerFailed { reason: String },
}

impl std::fmt::Display for StoreUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OtherTab => f.write_str("another tab holds the local store"),
            Self::NoLocks { reason } => {
                write!(f, "this tab cannot lock the local store: {reason}")
            }
            Self::NoOpfs { reason } => {
                write!(
                    f,
                    "this browser offers no usable private file system: {reason}"
                )
            }
            Self::Open(e) => write!(f, "the local store could not be opened: {e}"),
            Self::WorkerFailed { reason } => {
                write!(f, "the local store's worker did not start: {reason}")
            }
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "no local store: {why}"),
            Self::Store(e) => e.fmt(f),
            Self::Protocol { reason } => write!(f, "store protocol: {reason}"),
        }
    }
}

impl std::error::Error for Failure {}

/// Writes a protocol value as postcard bytes.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Failure> {
    postcard::to_allocvec(value).map_err(|e| Failure::Protocol {
        reason: format!("unwritable message: {e}"),
    })
}

/// Reads a protocol value from postcard bytes; trailing bytes are an error.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    match postcard::take_from_bytes(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(Failure::Protocol {
            reason: format!("{} bytes after the message", rest.len()),
        }),
        Err(e) => Err(Failure::Protocol {
            reason: format!("unreadable message of {} bytes: {e}", bytes.len()),
        }),
    }
}

/// Answers one request from `store`: the worker's whole dispatch.
pub fn serve(store: &mut impl MailStore, request: Request) -> Result<Reply, StoreError> {
    Ok(match request {
        Request::OpenFolder { key } => Reply::Opened(store.open_folder(&key)?),
        Request::SyncState { account, folder } => {
            Reply::SyncState(store.sync_state(&account, &folder)?)
        }
        Request::ApplyChanges { key, changes } => {
            store.apply_changes(&key, &changes)?;
            Reply::Done
        }
        Request::KnownUids { key } => Reply::Uids(store.known_uids(&key)?),
        Request::Count { key } => Reply::Count(store.count(&key)?),
        Request::Window { key, start, len } => Reply::Rows(store.window(&key, start, len)?),
        Request::Position { key, uid } => Reply::Position(store.position(&key, uid)?),
        Request::MissingHeaders { key, start, len } => {
            Reply::Uids(store.missing_headers(&key, start, len)?)
        }
        Request::Parts { key, uid } => Reply::Parts(store.parts(&key, uid)?),
        Request::PutBody {
            key,
            uid,
            raw,
            text,
            now,
        } => Reply::Eviction(store.put_body(&key, uid, &raw, &text, now)?),
        Request::Body { key, uid, now } => Reply::Body(store.body(&key, uid, now)?),
        Request::SetBodyBudget { bytes } => Reply::Eviction(store.set_body_budget(bytes)?),
        Request::Search { key, query } => Reply::Uids(store.search(&key, &query)?),
        Request::WipeAccount { account } => {
            store.wipe_account(&account)?;
            Reply::Done
        }
        Request::SaveFolders { account, folders } => {
            store.save_folders(&account, &folders)?;
            Reply::Done
        }
        Request::Folders { account } => Reply::Folders(store.folders(&account)?),
        Request::SetLastAccount { last } => {
            store.set_last_account(last.as_ref())?;
            Reply::Done
        }
        Request::LastAccount => Reply::LastAccount(store.last_account()?),
    })
}
