//! The local copy of every folder: headers, flags, MODSEQs, bodies and parts, the sync state
//! of each folder, and a full-text index, in SQLite.
//!
//! In the browser it runs in a dedicated Web Worker (`client/worker`, on OPFS through the
//! SAH-pool VFS), which answers the app's [`protocol::Request`]s; the same code runs natively
//! in the tests, on an in-memory database or a temporary file. It is a crate of its own so
//! that only the worker links SQLite, never the app's main bundle: the app takes it without
//! the default feature `sqlite`, which leaves the types, the [`MailStore`] trait and the
//! protocol (see Cargo.toml).
//!
//! Rules the store keeps so its callers need not:
//! - Identity is (account, folder, UIDVALIDITY, UID). Every message operation takes a
//!   [`FolderKey`] carrying the UIDVALIDITY the caller believes in and is refused if the store
//!   holds another; [`MailStore::open_folder`] with a new UIDVALIDITY drops the folder's copy.
//! - Only what the server confirmed is written, in one transaction per batch
//!   ([`MailStore::apply_changes`]), which applies expunges before it records HIGHESTMODSEQ.
//! - Bodies are bounded by a byte budget ([`DEFAULT_BODY_BUDGET`]), least recently read
//!   evicted first; headers are never evicted.
//! - Time is an input: "now" comes from the caller.

mod error;
pub mod protocol;
#[cfg(feature = "sqlite")]
mod schema;
#[cfg(feature = "sqlite")]
mod sqlite;
mod types;

#[cfg(all(test, feature = "sqlite"))]
mod tests;

pub use error::StoreError;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use types::{
    AccountId, Changes, Eviction, FlagUpdate, Flags, FolderEntry, FolderKey, FolderName,
    FolderRole, LastAccount, MessageHeaders, MessageRow, ModSeq, Opened, PartInfo, RowHeaders,
    SyncState, Uid, UidListing, UidValidity, UnixTime,
};

/// The most UIDs one folder's listing may cover (see [`StoreError::ListingTooLong`]).
pub const MAX_LISTING: u64 = 4_000_000;

/// The body budget until the user sets one: 500 MB.
pub const DEFAULT_BODY_BUDGET: u64 = 500 * 1000 * 1000;

/// What the sync layer and the list view need of the local copy. One implementation
/// ([`SqliteStore`]); the trait is the seam that keeps SQL out of the sync layer and lets its
/// tests use a store without caring how it persists.
pub trait MailStore {
    /// Registers the folder under `key.uidvalidity`, or checks it against the stored one;
    /// a different UIDVALIDITY drops that folder's copy (and only that folder's).
    fn open_folder(&mut self, key: &FolderKey) -> Result<Opened, StoreError>;

    /// The folder's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ, or `None` if never opened.
    fn sync_state(
        &self,
        account: &AccountId,
        folder: &FolderName,
    ) -> Result<Option<SyncState>, StoreError>;

    /// Applies one batch of server-confirmed changes atomically; see [`Changes`] for the
    /// order. HIGHESTMODSEQ may not go down.
    fn apply_changes(&mut self, key: &FolderKey, changes: &Changes) -> Result<(), StoreError>;

    /// Every UID the store holds for the folder, ascending: the local side of a UID-set
    /// comparison resync (servers without QRESYNC).
    fn known_uids(&self, key: &FolderKey) -> Result<Vec<Uid>, StoreError>;

    /// How many messages the folder holds (with or without headers).
    fn count(&self, key: &FolderKey) -> Result<u64, StoreError>;

    /// The rows at positions `[start, start + len)` in the folder's order: highest UID first
    /// (newest arrival first). That is the server's order too: position `p` is sequence
    /// number `count - p`, so the list can ask the server for any window of a folder whose
    /// rows it has not stored yet. Rows without headers keep their place.
    fn window(&self, key: &FolderKey, start: u64, len: u64) -> Result<Vec<MessageRow>, StoreError>;

    /// The position of `uid` in that order, so the view can stay anchored on a row when
    /// mail arrives above it; `None` if the UID is not in the store.
    fn position(&self, key: &FolderKey, uid: Uid) -> Result<Option<u64>, StoreError>;

    /// The UIDs in positions `[start, start + len)` whose headers are not stored yet,
    /// in list order: what to fetch for a window and its margin.
    fn missing_headers(
        &self,
        key: &FolderKey,
        start: u64,
        len: u64,
    ) -> Result<Vec<Uid>, StoreError>;

    /// The MIME parts BODYSTRUCTURE described, in section order.
    fn parts(&self, key: &FolderKey, uid: Uid) -> Result<Vec<PartInfo>, StoreError>;

    /// Stores a message's raw RFC 5322 bytes, with the text the search index should hold for
    /// it (the engine's MIME decoding of the text parts), as read at `now`; then evicts down
    /// to the budget.
    fn put_body(
        &mut self,
        key: &FolderKey,
        uid: Uid,
        raw: &[u8],
        text: &str,
        now: UnixTime,
    ) -> Result<Eviction, StoreError>;

    /// The raw bytes of a stored body, marking it read at `now`; `None` if not stored (never
    /// fetched, or evicted).
    fn body(
        &mut self,
        key: &FolderKey,
        uid: Uid,
        now: UnixTime,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets the body budget in bytes and evicts down to it.
    fn set_body_budget(&mut self, bytes: u64) -> Result<Eviction, StoreError>;

    /// UIDs in the folder whose subject, from, to or body text match an FTS5 query, in list
    /// order.
    fn search(&self, key: &FolderKey, query: &str) -> Result<Vec<Uid>, StoreError>;

    /// Deletes everything of one account (sign-out), overwriting it, so no mail is left in
    /// the file's free pages; forgets it as the last account if it was.
    fn wipe_account(&mut self, account: &AccountId) -> Result<(), StoreError>;

    /// Replaces the account's folder list (LIST and STATUS as last seen), kept in the given
    /// order. Folders' message copies are not touched: a folder gone from the list is the
    /// sync layer's to drop.
    fn save_folders(
        &mut self,
        account: &AccountId,
        folders: &[FolderEntry],
    ) -> Result<(), StoreError>;

    /// The account's folder list as last saved, in its order; empty if never saved.
    fn folders(&self, account: &AccountId) -> Result<Vec<FolderEntry>, StoreError>;

    /// Remembers who signed in last (`None`: nobody, e.g. after sign-out).
    fn set_last_account(&mut self, last: Option<&LastAccount>) -> Result<(), StoreError>;

    /// Who signed in last on this device, if anyone.
    fn last_account(&self) -> Result<Option<LastAccount>, StoreError>;
}
