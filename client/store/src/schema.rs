//! The schema and its migrations, versioned by `PRAGMA user_version`.
//!
//! Version 0 is an empty file (SQLite's default); each migration moves one version up inside
//! the same transaction that records the new version, so a tab closed mid-migration leaves
//! the old version whole. Opening is idempotent: an up-to-date file is left alone.

use rusqlite::Connection;

use super::error::{Doing, StoreError};

/// The version this code reads and writes.
pub(crate) const VERSION: i64 = 1;

/// Version 1. (Edited in place until the store first ships in the app: no file of it exists
/// outside tests yet.)
///
/// - The list order is UID descending, the server's own order, so it rides on the
///   `UNIQUE (folder_id, uid)` index.
/// - `messages.sort_date` is the INTERNALDATE for a row with headers, and `i64::MIN` for a
///   UID known without headers yet.
/// - `messages.id` is the rowid the bodies, parts and the search index hang on; identity
///   for callers stays (folder, UIDVALIDITY, UID), with UIDVALIDITY on the folder row.
/// - `bodies.raw` is the last column and `bodies_last_read` holds the size: a column after a
///   large blob sits on the blob's overflow pages, and the budget check after every stored
///   body (a SUM of sizes, then a walk in last-read order) must read the index alone, not
///   every body.
/// - `search` is contentless (the text already lives in `messages` and `bodies`; a second
///   copy would double the largest thing we store) with `contentless_delete=1` (SQLite
///   3.43) so expunged rows leave the index.
/// - `folder_list` is the account's LIST as last seen, apart from `folders` (the folders
///   whose messages are copied, keyed by UIDVALIDITY): a listed folder may never have been
///   opened, and a copied one may have left the list.
/// - `last_account` holds at most one row (`id = 1`).
const V1: &str = "
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uidnext INTEGER,
    highest_modseq INTEGER,
    UNIQUE (account_id, name)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    has_headers INTEGER NOT NULL DEFAULT 0,
    sort_date INTEGER NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '',
    modseq INTEGER,
    size INTEGER NOT NULL DEFAULT 0,
    sender TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    in_reply_to TEXT,
    refs TEXT NOT NULL DEFAULT '',
    preview TEXT,
    has_attachment INTEGER NOT NULL DEFAULT 0,
    UNIQUE (folder_id, uid)
);
CREATE INDEX messages_message_id ON messages (message_id) WHERE message_id IS NOT NULL;
CREATE TABLE parts (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    filename TEXT,
    size INTEGER NOT NULL,
    is_attachment INTEGER NOT NULL,
    PRIMARY KEY (message_id, section)
) WITHOUT ROWID;
CREATE TABLE bodies (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    last_read INTEGER NOT NULL,
    raw BLOB NOT NULL
);
CREATE INDEX bodies_last_read ON bodies (last_read, size);
CREATE TABLE folder_list (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    delimiter TEXT,
    role TEXT,
    selectable INTEGER NOT NULL,
    total INTEGER,
    unseen INTEGER,
    PRIMARY KEY (account_id, position)
) WITHOUT ROWID;
CREATE TABLE last_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    server TEXT NOT NULL
);
CREATE VIRTUAL TABLE search USING fts5 (
    subject, sender, recipients, body,
    content = '', contentless_delete = 1
);
";

/// Brings the file to [`VERSION`], or refuses a file from a newer version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .doing(|| "reading the schema version".into())?;
    if found > VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: VERSION,
        });
    }
    if found == VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction()
        .doing(|| "starting the migration".into())?;
    if found < 1 {
        tx.execute_batch(V1)
            .doing(|| "creating schema version 1".into())?;
    }
    tx.pragma_update(None, "user_version", VERSION)
        .doing(|| format!("recording schema version {VERSION}"))?;
    tx.commit()
        .doing(|| format!("committing the migration from version {found}"))
}
