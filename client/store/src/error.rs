//! What can go wrong in the store, each variant naming the value at fault.

use std::fmt;

use super::types::{AccountId, FolderKey, FolderName, ModSeq, Uid, UidValidity};

#[derive(Debug)]
pub enum StoreError {
    /// SQLite refused; `doing` says which operation, for the one line the log prints.
    Sqlite {
        doing: String,
        source: rusqlite::Error,
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
    Corrupt { column: &'static str, value: i64 },
    /// Deleting the database file at sign-out failed.
    #[cfg(not(target_arch = "wasm32"))]
    Remove {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { doing, source } => write!(f, "store: {doing}: {source}"),
            Self::SchemaTooNew { found, supported } => write!(
                f,
                "store schema version {found} is newer than this version understands ({supported})"
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
            #[cfg(not(target_arch = "wasm32"))]
            Self::Remove { path, source } => {
                write!(f, "cannot delete the store {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sqlite { source, .. } => Some(source),
            #[cfg(not(target_arch = "wasm32"))]
            Self::Remove { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Adds "what the store was doing" to a rusqlite error, the way `anyhow::Context` would.
pub(crate) trait Doing<T> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> Doing<T> for Result<T, rusqlite::Error> {
    fn doing(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            doing: what(),
            source,
        })
    }
}
