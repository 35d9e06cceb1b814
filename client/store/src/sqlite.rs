//! [`MailStore`] on SQLite (rusqlite): natively on a file or in memory, in the browser's
//! worker on OPFS through the SAH-pool VFS registered as the default VFS by the worker.
//!
//! Journal mode is TRUNCATE, the same on both sides. WAL is out: it needs shared memory
//! (or exclusive locking mode) which the SAH-pool VFS does not offer, and one journal mode
//! everywhere means the native tests exercise what the browser runs. MEMORY or OFF would
//! leave a half-written file when a tab is closed mid-transaction, which is the common way a
//! browser process ends. TRUNCATE rather than DELETE because the SAH-pool VFS backs each file
//! with a pre-allocated handle: truncating keeps the journal's handle instead of freeing and
//! reclaiming one per transaction, and natively it saves a directory update per commit.
//!
//! The body budget is the user's setting, held by the caller and passed in after opening
//! ([`MailStore::set_body_budget`]); until then it is [`DEFAULT_BODY_BUDGET`].

use std::num::{NonZeroU32, NonZeroU64};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::error::{Doing, StoreError};
use super::types::{
    AccountId, Changes, Eviction, FlagUpdate, Flags, FolderEntry, FolderKey, FolderName,
    FolderRole, LastAccount, MessageHeaders, MessageRow, ModSeq, Opened, PartInfo, RowHeaders,
    SyncState, Uid, UidListing, UidValidity, UnixTime,
};
use super::{schema, MailStore, DEFAULT_BODY_BUDGET, MAX_LISTING};

/// The sort date of a row whose headers are not fetched yet (a date-sorted view, should one
/// come, puts them after every dated row).
const NO_DATE: i64 = i64::MIN;

/// The columns a [`MessageRow`] is read from, in [`row_from`]'s order.
const ROW_COLUMNS: &str =
    "uid, has_headers, sort_date, flags, keywords, size, sender, subject, has_attachment, preview";

#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    body_budget: u64,
    #[cfg(not(target_arch = "wasm32"))]
    path: Option<std::path::PathBuf>,
}

impl SqliteStore {
    /// A store that lives as long as the value (tests, and a private window that should
    /// keep nothing).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().doing(|| "opening an in-memory store".into())?;
        Self::setup(conn, None)
    }

    /// Opens (creating if needed) the store at `path`, migrating it to the current schema.
    /// In the browser the path names a file in the default VFS, which the worker sets to the
    /// SAH pool.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path).doing(|| format!("opening {}", path.display()))?;
        Self::setup(conn, Some(path))
    }

    fn setup(mut conn: Connection, path: Option<&std::path::Path>) -> Result<Self, StoreError> {
        // Foreign keys are per connection and off by default; the cascades from folders to
        // messages to bodies and parts rely on them.
        conn.pragma_update(None, "foreign_keys", true)
            .doing(|| "enabling foreign keys".into())?;
        // Returns the mode in force ("memory" for an in-memory database), which is fine.
        let _mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |row| row.get(0))
            .doing(|| "setting the journal mode".into())?;
        schema::migrate(&mut conn)?;
        #[cfg(target_arch = "wasm32")]
        let _ = path;
        Ok(Self {
            conn,
            body_budget: DEFAULT_BODY_BUDGET,
            #[cfg(not(target_arch = "wasm32"))]
            path: path.map(std::path::Path::to_path_buf),
        })
    }

    /// Sign-out on a device that keeps one file per account: closes the store and deletes its
    /// file and any journal left beside it. (In the browser the worker removes the file
    /// through the VFS.)
    #[cfg(not(target_arch = "wasm32"))]
    pub fn delete(self) -> Result<(), StoreError> {
        let Self { conn, path, .. } = self;
        conn.close()
            .map_err(|(_, source)| source)
            .doing(|| "closing the store before deleting it".into())?;
        let Some(path) = path else { return Ok(()) };
        let mut journal = path.clone().into_os_string();
        journal.push("-journal");
        for file in [path, journal.into()] {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StoreError::Remove {
                        path: file,
                        reason: e.to_string(),
                    })
                }
            }
        }
        Ok(())
    }

    /// The connection, for tests that look under the trait (table counts, pragmas).
    #[cfg(test)]
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Total bytes of stored bodies.
    pub fn body_bytes(&self) -> Result<u64, StoreError> {
        let total: i64 = self
            .conn
            .query_row("SELECT COALESCE(SUM(size), 0) FROM bodies", [], |r| {
                r.get(0)
            })
            .doing(|| "summing body sizes".into())?;
        to_u64("bodies.size", total)
    }

    fn evict(&mut self) -> Result<Eviction, StoreError> {
        let budget = self.body_budget;
        let tx = self
            .conn
            .transaction()
            .doing(|| "starting an eviction".into())?;
        let total: i64 = tx
            .query_row("SELECT COALESCE(SUM(size), 0) FROM bodies", [], |r| {
                r.get(0)
            })
            .doing(|| "summing body sizes".into())?;
        let mut remaining = to_u64("bodies.size", total)?;
        let mut evicted = 0;
        let mut freed = 0;
        if remaining > budget {
            let mut victims = Vec::new();
            {
                let mut stmt = tx
                    .prepare("SELECT message_id, size FROM bodies ORDER BY last_read")
                    .doing(|| "listing bodies by last read".into())?;
                let mut rows = stmt
                    .query([])
                    .doing(|| "listing bodies by last read".into())?;
                while remaining > budget {
                    let Some(row) = rows.next().doing(|| "listing bodies by last read".into())?
                    else {
                        break;
                    };
                    let id: i64 = row.get(0).doing(|| "reading a body id".into())?;
                    let size: i64 = row.get(1).doing(|| "reading a body size".into())?;
                    let size = to_u64("bodies.size", size)?;
                    victims.push(id);
                    remaining -= size;
                    freed += size;
                    evicted += 1;
                }
            }
            let mut delete = tx
                .prepare("DELETE FROM bodies WHERE message_id = ?1")
                .doing(|| "evicting bodies".into())?;
            for id in victims {
                delete
                    .execute([id])
                    .doing(|| format!("evicting body of message row {id}"))?;
            }
        }
        tx.commit().doing(|| "committing an eviction".into())?;
        Ok(Eviction {
            evicted,
            freed_bytes: freed,
            remaining_bytes: remaining,
        })
    }
}

impl MailStore for SqliteStore {
    fn open_folder(&mut self, key: &FolderKey) -> Result<Opened, StoreError> {
        let tx = self.conn.transaction().doing(|| format!("opening {key}"))?;
        tx.execute(
            "INSERT INTO accounts (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            [key.account.as_str()],
        )
        .doing(|| format!("registering account {}", key.account))?;
        let account_id: i64 = tx
            .query_row(
                "SELECT id FROM accounts WHERE name = ?1",
                [key.account.as_str()],
                |r| r.get(0),
            )
            .doing(|| format!("finding account {}", key.account))?;
        let existing = tx
            .query_row(
                "SELECT id, uidvalidity, uidnext, highest_modseq FROM folders
                 WHERE account_id = ?1 AND name = ?2",
                params![account_id, key.folder.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .doing(|| format!("finding {key}"))?;
        let opened = match existing {
            None => {
                tx.execute(
                    "INSERT INTO folders (account_id, name, uidvalidity) VALUES (?1, ?2, ?3)",
                    params![account_id, key.folder.as_str(), key.uidvalidity.0.get()],
                )
                .doing(|| format!("registering {key}"))?;
                Opened::New
            }
            Some((id, stored, uidnext, modseq)) => {
                let stored = UidValidity(to_nonzero_u32("folders.uidvalidity", stored)?);
                if stored == key.uidvalidity {
                    Opened::Valid(SyncState {
                        uidvalidity: stored,
                        uidnext: opt_uid("folders.uidnext", uidnext)?,
                        highest_modseq: opt_modseq("folders.highest_modseq", modseq)?,
                    })
                } else {
                    drop_folder_copy(&tx, id).doing(|| format!("dropping the copy of {key}"))?;
                    tx.execute(
                        "UPDATE folders SET uidvalidity = ?2, uidnext = NULL,
                         highest_modseq = NULL WHERE id = ?1",
                        params![id, key.uidvalidity.0.get()],
                    )
                    .doing(|| format!("resetting {key}"))?;
                    Opened::Reset { previous: stored }
                }
            }
        };
        tx.commit()
            .doing(|| format!("committing the opening of {key}"))?;
        Ok(opened)
    }

    fn sync_state(
        &self,
        account: &AccountId,
        folder: &FolderName,
    ) -> Result<Option<SyncState>, StoreError> {
        let row: Option<(i64, Option<i64>, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT f.uidvalidity, f.uidnext, f.highest_modseq
                 FROM folders f JOIN accounts a ON a.id = f.account_id
                 WHERE a.name = ?1 AND f.name = ?2",
                [account.as_str(), folder.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .doing(|| format!("reading the sync state of {account}/{folder}"))?;
        row.map(|(validity, uidnext, modseq)| {
            Ok(SyncState {
                uidvalidity: UidValidity(to_nonzero_u32("folders.uidvalidity", validity)?),
                uidnext: opt_uid("folders.uidnext", uidnext)?,
                highest_modseq: opt_modseq("folders.highest_modseq", modseq)?,
            })
        })
        .transpose()
    }

    fn apply_changes(&mut self, key: &FolderKey, changes: &Changes) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| format!("starting changes to {key}"))?;
        let folder = folder_id(&tx, key)?;
        // A listing becomes the UIDs to add and those to drop, applied with the others.
        let (listed, unlisted) = match &changes.listing {
            Some(listing) => compare_listing(&tx, folder, key, listing)?,
            None => (Vec::new(), Vec::new()),
        };
        {
            let mut known = tx
                .prepare_cached(
                    "INSERT INTO messages (folder_id, uid, sort_date) VALUES (?1, ?2, ?3)
                     ON CONFLICT (folder_id, uid) DO NOTHING",
                )
                .doing(|| format!("adding known UIDs to {key}"))?;
            for uid in changes.known.iter().chain(&listed) {
                known
                    .execute(params![folder, uid.0.get(), NO_DATE])
                    .doing(|| format!("adding UID {uid} to {key}"))?;
            }
        }
        // Search entries are written after all the row writes, and expunges unindex before
        // they delete: FTS5 flushes its pending terms to disk at every statement savepoint
        // (any write that might need a statement rollback opens one), so interleaving an
        // index write with each row write turned 100,000 inserts from ~2 s into ~16 s.
        let mut to_index = Vec::new();
        for headers in &changes.headers {
            if let Some(id) = upsert_headers(&tx, folder, headers)
                .doing(|| format!("storing headers of UID {} in {key}", headers.uid))?
            {
                to_index.push((id, headers));
            }
        }
        for update in &changes.flags {
            update_flags(&tx, folder, update)
                .doing(|| format!("storing flags of UID {} in {key}", update.uid))?;
        }
        {
            // A plain INSERT: these rows had no headers, so no index entry. (OR REPLACE
            // would make FTS5 look for one to delete first.)
            let mut index = tx
                .prepare_cached(
                    "INSERT INTO search (rowid, subject, sender, recipients, body)
                     VALUES (?1, ?2, ?3, ?4, '')",
                )
                .doing(|| format!("indexing headers of {key}"))?;
            for (id, h) in to_index {
                index
                    .execute(params![id, h.subject, h.from, h.to])
                    .doing(|| format!("indexing headers of UID {} in {key}", h.uid))?;
            }
        }
        {
            let mut unindex = tx
                .prepare_cached(
                    "DELETE FROM search WHERE rowid =
                     (SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2)",
                )
                .doing(|| format!("expunging from {key}"))?;
            for uid in changes.expunged.iter().chain(&unlisted) {
                unindex
                    .execute(params![folder, uid.0.get()])
                    .doing(|| format!("unindexing expunged UID {uid} of {key}"))?;
            }
            let mut expunge = tx
                .prepare_cached("DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2")
                .doing(|| format!("expunging from {key}"))?;
            for uid in changes.expunged.iter().chain(&unlisted) {
                expunge
                    .execute(params![folder, uid.0.get()])
                    .doing(|| format!("expunging UID {uid} from {key}"))?;
            }
            let mut unindex_range = tx
                .prepare_cached(
                    "DELETE FROM search WHERE rowid IN
                     (SELECT id FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3)",
                )
                .doing(|| format!("expunging from {key}"))?;
            let mut expunge_range = tx
                .prepare_cached(
                    "DELETE FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3",
                )
                .doing(|| format!("expunging from {key}"))?;
            for (low, high) in &changes.vanished {
                let range = params![folder, low.0.get(), high.0.get()];
                unindex_range
                    .execute(range)
                    .doing(|| format!("unindexing vanished UIDs {low}:{high} of {key}"))?;
                expunge_range
                    .execute(range)
                    .doing(|| format!("expunging vanished UIDs {low}:{high} from {key}"))?;
            }
        }
        if let Some(uidnext) = changes.uidnext {
            tx.execute(
                "UPDATE folders SET uidnext = ?2 WHERE id = ?1",
                params![folder, uidnext.0.get()],
            )
            .doing(|| format!("storing UIDNEXT {uidnext} of {key}"))?;
        }
        // Last, after the expunges above: the value says "everything up to here is applied".
        if let Some(given) = changes.highest_modseq {
            let stored: Option<i64> = tx
                .query_row(
                    "SELECT highest_modseq FROM folders WHERE id = ?1",
                    [folder],
                    |r| r.get(0),
                )
                .doing(|| format!("reading HIGHESTMODSEQ of {key}"))?;
            if let Some(stored) = opt_modseq("folders.highest_modseq", stored)? {
                if given < stored {
                    return Err(StoreError::ModSeqWentBack {
                        folder: key.clone(),
                        stored,
                        given,
                    });
                }
            }
            tx.execute(
                "UPDATE folders SET highest_modseq = ?2 WHERE id = ?1",
                params![folder, modseq_column(given)],
            )
            .doing(|| format!("storing HIGHESTMODSEQ {given} of {key}"))?;
        }
        tx.commit().doing(|| format!("committing changes to {key}"))
    }

    fn known_uids(&self, key: &FolderKey) -> Result<Vec<Uid>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT uid FROM messages WHERE folder_id = ?1 ORDER BY uid")
            .doing(|| format!("listing UIDs of {key}"))?;
        let uids = stmt
            .query_map([folder], |r| r.get::<_, i64>(0))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .doing(|| format!("listing UIDs of {key}"))?;
        uids.into_iter()
            .map(|uid| to_nonzero_u32("messages.uid", uid).map(Uid))
            .collect()
    }

    fn count(&self, key: &FolderKey) -> Result<u64, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM messages WHERE folder_id = ?1")
            .and_then(|mut s| s.query_row([folder], |r| r.get(0)))
            .doing(|| format!("counting messages of {key}"))?;
        to_u64("COUNT(*)", n)
    }

    fn window(&self, key: &FolderKey, start: u64, len: u64) -> Result<Vec<MessageRow>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        // OFFSET walks the skipped rows; the inner query walks them in the (folder_id, uid)
        // index alone (it holds the rowid), and only the window's rows are read from the
        // table.
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM messages WHERE id IN (
                     SELECT id FROM messages WHERE folder_id = ?1
                     ORDER BY uid DESC LIMIT ?2 OFFSET ?3)
                 ORDER BY uid DESC"
            ))
            .doing(|| format!("reading a window of {key}"))?;
        let mut rows = stmt
            .query(params![folder, sql_count(len), sql_count(start)])
            .doing(|| format!("reading rows [{start}, +{len}) of {key}"))?;
        let mut out = Vec::new();
        while let Some(row) = rows
            .next()
            .doing(|| format!("reading rows [{start}, +{len}) of {key}"))?
        {
            out.push(row_from(row)?);
        }
        Ok(out)
    }

    fn position(&self, key: &FolderKey, uid: Uid) -> Result<Option<u64>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let present: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM messages WHERE folder_id = ?1 AND uid = ?2")
            .and_then(|mut s| s.query_row(params![folder, uid.0.get()], |r| r.get(0)))
            .optional()
            .doing(|| format!("finding UID {uid} in {key}"))?;
        if present.is_none() {
            return Ok(None);
        }
        // The rows before it in the order: a range count on the (folder_id, uid) index.
        let before: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM messages WHERE folder_id = ?1 AND uid > ?2")
            .and_then(|mut s| s.query_row(params![folder, uid.0.get()], |r| r.get(0)))
            .doing(|| format!("finding the position of UID {uid} in {key}"))?;
        to_u64("COUNT(*)", before).map(Some)
    }

    fn missing_headers(
        &self,
        key: &FolderKey,
        start: u64,
        len: u64,
    ) -> Result<Vec<Uid>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT uid FROM (SELECT has_headers, uid FROM messages WHERE folder_id = ?1
                 ORDER BY uid DESC LIMIT ?2 OFFSET ?3) WHERE has_headers = 0",
            )
            .doing(|| format!("finding rows without headers in {key}"))?;
        let uids = stmt
            .query_map(params![folder, sql_count(len), sql_count(start)], |r| {
                r.get::<_, i64>(0)
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .doing(|| format!("finding rows without headers in [{start}, +{len}) of {key}"))?;
        uids.into_iter()
            .map(|uid| to_nonzero_u32("messages.uid", uid).map(Uid))
            .collect()
    }

    fn parts(&self, key: &FolderKey, uid: Uid) -> Result<Vec<PartInfo>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.section, p.mime_type, p.filename, p.size, p.is_attachment
                 FROM parts p JOIN messages m ON m.id = p.message_id
                 WHERE m.folder_id = ?1 AND m.uid = ?2 ORDER BY p.section",
            )
            .doing(|| format!("listing parts of UID {uid} in {key}"))?;
        let parts = stmt
            .query_map(params![folder, uid.0.get()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?,
                    r.get(4)?,
                ))
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .doing(|| format!("listing parts of UID {uid} in {key}"))?;
        parts
            .into_iter()
            .map(|(section, mime_type, filename, size, is_attachment)| {
                Ok(PartInfo {
                    section,
                    mime_type,
                    filename,
                    size: to_u64("parts.size", size)?,
                    is_attachment,
                })
            })
            .collect()
    }

    fn put_body(
        &mut self,
        key: &FolderKey,
        uid: Uid,
        raw: &[u8],
        text: &str,
        now: UnixTime,
    ) -> Result<Eviction, StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| format!("storing the body of UID {uid} in {key}"))?;
        let folder = folder_id(&tx, key)?;
        let row: Option<(i64, bool, String, String, String)> = tx
            .query_row(
                "SELECT id, has_headers, subject, sender, recipients FROM messages
                 WHERE folder_id = ?1 AND uid = ?2",
                params![folder, uid.0.get()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .doing(|| format!("finding UID {uid} in {key}"))?;
        let Some((id, true, subject, sender, recipients)) = row else {
            return Err(StoreError::NoHeaders {
                folder: key.clone(),
                uid,
            });
        };
        let size = i64::try_from(raw.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT OR REPLACE INTO bodies (message_id, raw, size, last_read) VALUES (?1, ?2, ?3, ?4)",
            params![id, raw, size, now.0],
        )
        .doing(|| format!("storing the body of UID {uid} in {key}"))?;
        tx.execute(
            "INSERT OR REPLACE INTO search (rowid, subject, sender, recipients, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, subject, sender, recipients, text],
        )
        .doing(|| format!("indexing the body of UID {uid} in {key}"))?;
        tx.commit()
            .doing(|| format!("committing the body of UID {uid} in {key}"))?;
        self.evict()
    }

    fn body(
        &mut self,
        key: &FolderKey,
        uid: Uid,
        now: UnixTime,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| format!("reading the body of UID {uid} in {key}"))?;
        let folder = folder_id(&tx, key)?;
        let found: Option<(i64, Vec<u8>)> = tx
            .query_row(
                "SELECT b.message_id, b.raw FROM bodies b JOIN messages m ON m.id = b.message_id
                 WHERE m.folder_id = ?1 AND m.uid = ?2",
                params![folder, uid.0.get()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .doing(|| format!("reading the body of UID {uid} in {key}"))?;
        let Some((id, raw)) = found else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE bodies SET last_read = ?2 WHERE message_id = ?1",
            params![id, now.0],
        )
        .doing(|| format!("marking the body of UID {uid} in {key} read"))?;
        tx.commit()
            .doing(|| format!("committing the read of UID {uid} in {key}"))?;
        Ok(Some(raw))
    }

    fn set_body_budget(&mut self, bytes: u64) -> Result<Eviction, StoreError> {
        self.body_budget = bytes;
        self.evict()
    }

    fn search(&self, key: &FolderKey, query: &str) -> Result<Vec<Uid>, StoreError> {
        let folder = folder_id(&self.conn, key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT m.uid FROM search s JOIN messages m ON m.id = s.rowid
                 WHERE search MATCH ?2 AND m.folder_id = ?1
                 ORDER BY m.uid DESC",
            )
            .doing(|| format!("searching {key}"))?;
        let uids = stmt
            .query_map(params![folder, query], |r| r.get::<_, i64>(0))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .doing(|| format!("searching {key} for {query:?}"))?;
        uids.into_iter()
            .map(|uid| to_nonzero_u32("messages.uid", uid).map(Uid))
            .collect()
    }

    fn wipe_account(&mut self, account: &AccountId) -> Result<(), StoreError> {
        // Deleted rows stay readable in free pages until they are reused, and a shared
        // computer must keep nothing: with secure_delete, SQLite zeroes what it deletes. The
        // alternative, VACUUM, copies the whole remaining database through a temporary one,
        // which in the browser is memory or more pool files; only this wipe pays the extra
        // writes, not every eviction and expunge.
        self.conn
            .pragma_update(None, "secure_delete", true)
            .doing(|| format!("preparing the wipe of {account}"))?;
        let wiped = self.delete_account(account);
        let restored = self
            .conn
            .pragma_update(None, "secure_delete", false)
            .doing(|| format!("finishing the wipe of {account}"));
        wiped.and(restored)
    }

    fn save_folders(
        &mut self,
        account: &AccountId,
        folders: &[FolderEntry],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| format!("saving the folder list of {account}"))?;
        let account_id = account_row(&tx, account)?;
        tx.execute(
            "DELETE FROM folder_list WHERE account_id = ?1",
            [account_id],
        )
        .doing(|| format!("replacing the folder list of {account}"))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO folder_list (account_id, position, name, delimiter, role,
                     selectable, total, unseen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .doing(|| format!("saving the folder list of {account}"))?;
            for (position, f) in (0_i64..).zip(folders) {
                insert
                    .execute(params![
                        account_id,
                        position,
                        f.name.as_str(),
                        f.delimiter.map(String::from),
                        f.role.map(role_column),
                        f.selectable,
                        f.total.map(sql_count),
                        f.unseen.map(sql_count),
                    ])
                    .doing(|| format!("saving folder {:?} of {account}", f.name.as_str()))?;
            }
        }
        tx.commit()
            .doing(|| format!("committing the folder list of {account}"))
    }

    fn folders(&self, account: &AccountId) -> Result<Vec<FolderEntry>, StoreError> {
        type Columns = (
            String,
            Option<String>,
            Option<String>,
            bool,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Columns> = self
            .conn
            .prepare_cached(
                "SELECT l.name, l.delimiter, l.role, l.selectable, l.total, l.unseen
                 FROM folder_list l JOIN accounts a ON a.id = l.account_id
                 WHERE a.name = ?1 ORDER BY l.position",
            )
            .and_then(|mut s| {
                s.query_map([account.as_str()], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect()
            })
            .doing(|| format!("reading the folder list of {account}"))?;
        rows.into_iter()
            .map(|(name, delimiter, role, selectable, total, unseen)| {
                Ok(FolderEntry {
                    name: FolderName::new(name),
                    delimiter: delimiter
                        .map(|d| one_char("folder_list.delimiter", &d))
                        .transpose()?,
                    role: role
                        .map(|r| role_from("folder_list.role", &r))
                        .transpose()?,
                    selectable,
                    total: total.map(|n| to_u64("folder_list.total", n)).transpose()?,
                    unseen: unseen
                        .map(|n| to_u64("folder_list.unseen", n))
                        .transpose()?,
                })
            })
            .collect()
    }

    fn set_last_account(&mut self, last: Option<&LastAccount>) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| "remembering the last account".into())?;
        tx.execute("DELETE FROM last_account", [])
            .doing(|| "forgetting the last account".into())?;
        if let Some(last) = last {
            let account_id = account_row(&tx, &last.account)?;
            tx.execute(
                "INSERT INTO last_account (id, account_id, user, server) VALUES (1, ?1, ?2, ?3)",
                params![account_id, last.user, last.server],
            )
            .doing(|| format!("remembering {} as the last account", last.account))?;
        }
        tx.commit().doing(|| "committing the last account".into())
    }

    fn last_account(&self) -> Result<Option<LastAccount>, StoreError> {
        self.conn
            .query_row(
                "SELECT a.name, l.user, l.server FROM last_account l
                 JOIN accounts a ON a.id = l.account_id",
                [],
                |r| {
                    Ok(LastAccount {
                        account: AccountId::new(r.get::<_, String>(0)?),
                        user: r.get(1)?,
                        server: r.get(2)?,
                    })
                },
            )
            .optional()
            .doing(|| "reading the last account".into())
    }
}

impl SqliteStore {
    fn delete_account(&mut self, account: &AccountId) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .doing(|| format!("wiping {account}"))?;
        // The search index has no foreign key to cascade through.
        tx.execute(
            "DELETE FROM search WHERE rowid IN (SELECT m.id FROM messages m
             JOIN folders f ON f.id = m.folder_id JOIN accounts a ON a.id = f.account_id
             WHERE a.name = ?1)",
            [account.as_str()],
        )
        .doing(|| format!("unindexing {account}"))?;
        tx.execute("DELETE FROM accounts WHERE name = ?1", [account.as_str()])
            .doing(|| format!("deleting {account}"))?;
        // FTS5 deletes leave the terms in the index segments under tombstones until the
        // segments are merged; merge them all now so the account's words leave the file.
        tx.execute("INSERT INTO search (search) VALUES ('optimize')", [])
            .doing(|| format!("purging the search index of {account}"))?;
        tx.commit()
            .doing(|| format!("committing the wipe of {account}"))
    }
}

/// The account's row id, registering the account if it is new.
fn account_row(tx: &Transaction<'_>, account: &AccountId) -> Result<i64, StoreError> {
    tx.query_row(
        "INSERT INTO accounts (name) VALUES (?1)
         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        [account.as_str()],
        |r| r.get(0),
    )
    .doing(|| format!("registering account {account}"))
}

/// Roles are stored by name, so the column reads plainly in a SQLite shell and survives a
/// reordering of the enum.
fn role_column(role: FolderRole) -> &'static str {
    match role {
        FolderRole::Inbox => "inbox",
        FolderRole::Drafts => "drafts",
        FolderRole::Sent => "sent",
        FolderRole::Trash => "trash",
        FolderRole::Junk => "junk",
        FolderRole::Archive => "archive",
        FolderRole::All => "all",
        FolderRole::Flagged => "flagged",
    }
}

fn role_from(column: &'static str, value: &str) -> Result<FolderRole, StoreError> {
    Ok(match value {
        "inbox" => FolderRole::Inbox,
        "drafts" => FolderRole::Drafts,
        "sent" => FolderRole::Sent,
        "trash" => FolderRole::Trash,
        "junk" => FolderRole::Junk,
        "archive" => FolderRole::Archive,
        "all" => FolderRole::All,
        "flagged" => FolderRole::Flagged,
        other => {
            return Err(StoreError::CorruptText {
                column: column.into(),
                value: other.to_owned(),
            })
        }
    })
}

fn one_char(column: &'static str, value: &str) -> Result<char, StoreError> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(StoreError::CorruptText {
            column: column.into(),
            value: value.to_owned(),
        }),
    }
}

/// A UID comparison: the listed UIDs the store lacks, and the stored UIDs below the
/// listing's bound that the server no longer has. One ordered walk over both, so a
/// 100,000-message folder costs one index scan, not a query per UID.
fn compare_listing(
    tx: &Transaction<'_>,
    folder: i64,
    key: &FolderKey,
    listing: &UidListing,
) -> Result<(Vec<Uid>, Vec<Uid>), StoreError> {
    let uids = listing.len();
    if uids > MAX_LISTING {
        return Err(StoreError::ListingTooLong {
            folder: key.clone(),
            uids,
            max: MAX_LISTING,
        });
    }
    let mut stmt = tx
        .prepare_cached("SELECT uid FROM messages WHERE folder_id = ?1 AND uid < ?2 ORDER BY uid")
        .doing(|| format!("listing UIDs of {key}"))?;
    let stored = stmt
        .query_map(params![folder, listing.below.0.get()], |r| {
            r.get::<_, i64>(0)
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .doing(|| format!("listing UIDs of {key}"))?;
    let mut stored = stored.into_iter().peekable();
    let mut listed = Vec::new();
    let mut unlisted = Vec::new();
    let mut ranges = listing.ranges.clone();
    ranges.sort_unstable();
    let below = i64::from(listing.below.0.get());
    let mut next_listed = ranges
        .iter()
        .flat_map(|(low, high)| low.0.get()..=high.0.get())
        .map(i64::from)
        .filter(|&uid| uid < below)
        .peekable();
    loop {
        match (stored.peek().copied(), next_listed.peek().copied()) {
            (Some(s), Some(l)) if s == l => {
                stored.next();
                next_listed.next();
            }
            (Some(s), Some(l)) if s < l => {
                unlisted.push(Uid(to_nonzero_u32("messages.uid", s)?));
                stored.next();
            }
            (Some(s), None) => {
                unlisted.push(Uid(to_nonzero_u32("messages.uid", s)?));
                stored.next();
            }
            (_, Some(l)) => {
                // Listed UIDs come from `Uid`s, so never zero.
                if let Some(uid) = u32::try_from(l).ok().and_then(NonZeroU32::new) {
                    listed.push(Uid(uid));
                }
                next_listed.next();
            }
            (None, None) => break,
        }
    }
    Ok((listed, unlisted))
}

/// The folder's row id, checking that the caller's UIDVALIDITY is the stored one.
fn folder_id(conn: &Connection, key: &FolderKey) -> Result<i64, StoreError> {
    let found: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT f.id, f.uidvalidity FROM folders f JOIN accounts a ON a.id = f.account_id
             WHERE a.name = ?1 AND f.name = ?2",
        )
        .and_then(|mut s| {
            s.query_row([key.account.as_str(), key.folder.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
        })
        .doing(|| format!("finding {key}"))?;
    let Some((id, stored)) = found else {
        return Err(StoreError::UnknownFolder {
            account: key.account.clone(),
            folder: key.folder.clone(),
        });
    };
    let stored = UidValidity(to_nonzero_u32("folders.uidvalidity", stored)?);
    if stored != key.uidvalidity {
        return Err(StoreError::StaleUidValidity {
            folder: key.clone(),
            stored,
        });
    }
    Ok(id)
}

/// Deletes a folder's messages with their bodies, parts (by cascade) and search entries.
fn drop_folder_copy(tx: &Transaction<'_>, folder: i64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM search WHERE rowid IN (SELECT id FROM messages WHERE folder_id = ?1)",
        [folder],
    )?;
    tx.execute("DELETE FROM messages WHERE folder_id = ?1", [folder])?;
    Ok(())
}

/// Stores a message's headers and parts; returns its row id if it needs a search entry (its
/// headers are new), `None` if they were already stored.
fn upsert_headers(
    tx: &Transaction<'_>,
    folder: i64,
    h: &MessageHeaders,
) -> rusqlite::Result<Option<i64>> {
    let had_headers: Option<bool> = tx
        .prepare_cached("SELECT has_headers FROM messages WHERE folder_id = ?1 AND uid = ?2")?
        .query_row(params![folder, h.uid.0.get()], |r| r.get(0))
        .optional()?;
    if had_headers == Some(true) {
        // ENVELOPE and BODYSTRUCTURE are immutable for a UID: only flags and MODSEQ move.
        update_flags(
            tx,
            folder,
            &FlagUpdate {
                uid: h.uid,
                flags: h.flags.clone(),
                modseq: h.modseq,
            },
        )?;
        // Rows stored before the list fetched BODYSTRUCTURE and PREVIEW have neither:
        // filled in once, the first time the row is fetched again.
        if h.preview.is_some() || !h.parts.is_empty() {
            let filled: Option<i64> = tx
                .prepare_cached(
                    "UPDATE messages SET preview = ?3, has_attachment = ?4
                     WHERE folder_id = ?1 AND uid = ?2 AND preview IS NULL
                       AND NOT EXISTS (SELECT 1 FROM parts WHERE message_id = messages.id)
                     RETURNING id",
                )?
                .query_row(
                    params![folder, h.uid.0.get(), h.preview, h.has_attachment()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = filled {
                insert_parts(tx, id, &h.parts)?;
            }
        }
        return Ok(None);
    }
    let size = i64::try_from(h.size).unwrap_or(i64::MAX);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO messages (folder_id, uid, has_headers, sort_date, flags, keywords,
                 modseq, size, sender, recipients, subject, message_id, in_reply_to, refs,
                 preview, has_attachment)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (folder_id, uid) DO UPDATE SET has_headers = 1,
                 sort_date = excluded.sort_date, flags = excluded.flags,
                 keywords = excluded.keywords, modseq = excluded.modseq, size = excluded.size,
                 sender = excluded.sender, recipients = excluded.recipients,
                 subject = excluded.subject, message_id = excluded.message_id,
                 in_reply_to = excluded.in_reply_to, refs = excluded.refs,
                 preview = excluded.preview, has_attachment = excluded.has_attachment
             RETURNING id",
        )?
        .query_row(
            params![
                folder,
                h.uid.0.get(),
                h.internaldate.0,
                h.flags.bits(),
                h.flags.keywords_column(),
                h.modseq.map(modseq_column),
                size,
                h.from,
                h.to,
                h.subject,
                h.message_id,
                h.in_reply_to,
                h.references.join(" "),
                h.preview,
                h.has_attachment(),
            ],
            |r| r.get(0),
        )?;
    insert_parts(tx, id, &h.parts)?;
    Ok(Some(id))
}

fn insert_parts(tx: &Transaction<'_>, id: i64, parts: &[PartInfo]) -> rusqlite::Result<()> {
    let mut part = tx.prepare_cached(
        "INSERT OR REPLACE INTO parts (message_id, section, mime_type, filename, size,
         is_attachment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for p in parts {
        part.execute(params![
            id,
            p.section,
            p.mime_type,
            p.filename,
            i64::try_from(p.size).unwrap_or(i64::MAX),
            p.is_attachment
        ])?;
    }
    Ok(())
}

/// Stores a flag change; a UID not seen before is added without headers (the FETCH FLAGS
/// can arrive before the headers are asked for).
fn update_flags(tx: &Transaction<'_>, folder: i64, u: &FlagUpdate) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO messages (folder_id, uid, sort_date, flags, keywords, modseq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (folder_id, uid) DO UPDATE SET flags = excluded.flags,
             keywords = excluded.keywords,
             modseq = COALESCE(excluded.modseq, messages.modseq)",
    )?
    .execute(params![
        folder,
        u.uid.0.get(),
        NO_DATE,
        u.flags.bits(),
        u.flags.keywords_column(),
        u.modseq.map(modseq_column),
    ])?;
    Ok(())
}

fn row_from(row: &rusqlite::Row<'_>) -> Result<MessageRow, StoreError> {
    let doing = || "reading a message row".to_owned();
    let uid: i64 = row.get(0).doing(doing)?;
    let has_headers: bool = row.get(1).doing(doing)?;
    let flags = Flags::from_columns(
        row.get(3).doing(doing)?,
        &row.get::<_, String>(4).doing(doing)?,
    );
    let headers = if has_headers {
        Some(RowHeaders {
            date: UnixTime(row.get(2).doing(doing)?),
            size: to_u64("messages.size", row.get(5).doing(doing)?)?,
            from: row.get(6).doing(doing)?,
            subject: row.get(7).doing(doing)?,
            has_attachment: row.get(8).doing(doing)?,
            preview: row.get(9).doing(doing)?,
        })
    } else {
        None
    };
    Ok(MessageRow {
        uid: Uid(to_nonzero_u32("messages.uid", uid)?),
        headers,
        flags,
    })
}

/// SQLite integers are i64; MODSEQ is u63 on the wire (RFC 7162 §7 `mod-sequence-value`),
/// so it fits, and a larger value is clamped rather than wrapped negative.
fn modseq_column(m: ModSeq) -> i64 {
    i64::try_from(m.0.get()).unwrap_or(i64::MAX)
}

/// LIMIT and OFFSET take i64; a window past i64::MAX is simply empty.
fn sql_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(column: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        column: column.into(),
        value,
    })
}

fn to_nonzero_u32(column: &'static str, value: i64) -> Result<NonZeroU32, StoreError> {
    u32::try_from(value)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or(StoreError::Corrupt {
            column: column.into(),
            value,
        })
}

fn opt_uid(column: &'static str, value: Option<i64>) -> Result<Option<Uid>, StoreError> {
    value
        .map(|v| to_nonzero_u32(column, v).map(Uid))
        .transpose()
}

fn opt_modseq(column: &'static str, value: Option<i64>) -> Result<Option<ModSeq>, StoreError> {
    value
        .map(|v| {
            u64::try_from(v)
                .ok()
                .and_then(NonZeroU64::new)
                .map(ModSeq)
                .ok_or(StoreError::Corrupt {
                    column: column.into(),
                    value: v,
                })
        })
        .transpose()
}
