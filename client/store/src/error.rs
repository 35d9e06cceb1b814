//! What can go wrong in the store, each variant naming the value at fault.
//!
//! A plain value (no rusqlite type inside) so that it crosses from the store worker to the
//! app as it is, and exists in builds without SQLite.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::types::{AccountId, FolderKey, FolderName, ModSeq, Uid, UidValidity};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreError {
    /// SQLite refused; `doing` says which operation, for the one line the log prints.
    /// `code` is SQLite's extended result code when the error came from SQLite itself
    /// (`SQLITE_FULL`, `SQLITE_CORRUPT`…), `message` rusqlite's text.
    Sqlite {
        doing: String,
        code: Option<i32>,
        message: String,
    },
    /// The database was written by a newer Petrel (after a downgrade): refuse rather than
    /// misread it. The caller may wipe and refetch.
    SchemaTooNew { found: i64, supported: i64 },
    /// A message operation on a folder [`super::MailStore::open_folder`] never opened.
    UnknownFolder {
        account: AccountId,
        folder: FolderName,
    },
    /// The key's UIDVALIDITY is not the stored one: the folder was reset since the caller
    /// looked, and its UIDs name other messages now.
    StaleUidValidity {
        folder: FolderKey,
        stored: UidValidity,
    },
    /// RFC 7162 §3.1.2.1: HIGHESTMODSEQ never goes down within one UIDVALIDITY; a smaller
    /// value means a confused caller or server, and storing it would refetch needlessly or,
    /// worse, skip changes.
    ModSeqWentBack {
        folder: FolderKey,
        stored: ModSeq,
        given: ModSeq,
    },
    /// A body for a UID whose headers are not stored (the body would be unreachable from
    /// the list and unindexed for search).
    NoHeaders { folder: FolderKey, uid: Uid },
    /// A stored value is out of its domain (a zero UID, a negative size): the file was
    /// changed behind the store's back.
    Corrupt {
        column: Cow<'static, str>,
        value: i64,
    },
    /// The same for a text column (an unknown folder role, a delimiter of two characters).
    CorruptText {
        column: Cow<'static, str>,
        value: String,
    },
    /// A UID listing covering more UIDs than any folder holds (a confused or hostile
    /// server's `1:4294967295`): refused rather than written as billions of rows.
    ListingTooLong {
        folder: FolderKey,
        uids: u64,
        max: u64,
    },
    /// Deleting the database file at sign-out failed. Native only (the browser's file lives
    /// in the worker's VFS), so it never crosses to the app; the last variant, so that the
    /// others have the same postcard numbers with and without it.
    #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
    Remove {
        path: std::path::PathBuf,
        reason: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { doing, message, .. } => write!(f, "store: {doing}: {message}"),
            Self::SchemaTooNew { found, supported } => write!(
                f,
                "store schema version {found} is newer than this version understands ({supported})"
            ),
            Self::ListingTooLong { folder, uids, max } => write!(
                f,
                "the server listed {uids} UIDs for {folder}, more than the {max} a folder may hold"
            ),
            Self::UnknownFolder { account, folder } => {
                write!(
                    f,
                    "folder {:?} of {account} is not in the store",
                    folder.as_str()
                )
            }
            Self::StaleUidValidity { folder, stored } => {
                write!(f, "{folder} is stale: the store holds UIDVALIDITY {stored}")
            }
            Self::ModSeqWentBack {
                folder,
                stored,
                given,
            } => write!(
                f,
                "HIGHESTMODSEQ of {folder} would go back from {stored} to {given}"
            ),
            Self::NoHeaders { folder, uid } => {
                write!(f, "no headers stored for UID {uid} in {folder}")
            }
            Self::Corrupt { column, value } => {
                write!(f, "store holds {value} in {column}, which cannot be")
            }
            Self::CorruptText { column, value } => {
                write!(f, "store holds {value:?} in {column}, which cannot be")
            }
            #[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
            Self::Remove { path, reason } => {
                write!(f, "cannot delete the store {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for StoreError {}

/// Adds "what the store was doing" to a rusqlite error, the way `anyhow::Context` would.
#[cfg(feature = "sqlite")]
pub(crate) trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

#[cfg(feature = "sqlite")]
impl<T> Doing<T> for Result<T, rusqlite::Error> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            doing: what(),
            code: source.sqlite_error().map(|e| e.extended_code),
            message: source.to_string(),
        })
    }
}
