//! What the account keeps in the local store, and how it reads it back: the conversions
//! between the engine's values and the store's. The store itself runs elsewhere (the store
//! worker in the browser, `SqliteStore` in tests); the account only says what to write, as
//! `Effect::Store`, and what it needs read, as `Effect::Load`.
//!
//! Folders are keyed by their wire name (the engine's `Folder::id`), which is what every
//! command uses; the display name is decoded again when the list is read back.

use std::num::NonZeroU32;

use petrel_imap::types::core::Mailbox;
use petrel_store::{
    AccountId, FlagUpdate, Flags, FolderEntry, FolderKey, FolderName, FolderRole as StoredRole,
    MessageHeaders, MessageRow, PartInfo, Uid, UidListing, UidValidity, UnixTime,
};

use crate::engine::{Folder, FolderRole, MessageSummary, Part};

/// The store's key for a folder of `account` under `uid_validity`.
pub fn key(account: &AccountId, folder: &str, uid_validity: u32) -> Option<FolderKey> {
    Some(FolderKey {
        account: account.clone(),
        folder: FolderName::new(folder),
        uidvalidity: UidValidity(NonZeroU32::new(uid_validity)?),
    })
}

/// A row as the store keeps it, with its preview and parts. ENVELOPE gives no more than
/// the list shows today, so the thread keys stay empty until the list fetches them.
pub fn headers(row: &MessageSummary) -> Option<MessageHeaders> {
    Some(MessageHeaders {
        uid: Uid(NonZeroU32::new(row.uid)?),
        internaldate: UnixTime(row.date.unwrap_or(0)),
        size: u64::from(row.size),
        flags: flags(row.unread, row.flagged),
        modseq: None,
        from: row.from.clone(),
        to: String::new(),
        subject: row.subject.clone(),
        message_id: None,
        in_reply_to: None,
        references: Vec::new(),
        preview: row.preview.clone(),
        parts: row.parts.iter().map(part).collect(),
    })
}

/// A UID listing from the engine (ascending inclusive ranges, complete below `below`);
/// `None` for a bound of zero, which no folder has.
pub fn listing(uids: &[(u32, u32)], below: u32) -> Option<UidListing> {
    Some(UidListing {
        ranges: ranges(uids),
        below: Uid(NonZeroU32::new(below)?),
    })
}

/// Inclusive UID ranges as the store names them; a range that starts at zero (no UID is
/// zero) starts at one, and an empty one is dropped.
pub fn ranges(uids: &[(u32, u32)]) -> Vec<(Uid, Uid)> {
    uids.iter()
        .filter_map(|&(low, high)| {
            let low = NonZeroU32::new(low.max(1))?;
            let high = NonZeroU32::new(high).filter(|high| *high >= low)?;
            Some((Uid(low), Uid(high)))
        })
        .collect()
}

fn part(part: &Part) -> PartInfo {
    PartInfo {
        section: part.section.clone(),
        mime_type: part.media_type.clone(),
        filename: part.filename.clone(),
        size: u64::from(part.size),
        is_attachment: part.attachment,
    }
}

/// A flag change the server reported, as the list knows flags.
pub fn flag_update(uid: u32, unread: bool, flagged: bool) -> Option<FlagUpdate> {
    Some(FlagUpdate {
        uid: Uid(NonZeroU32::new(uid)?),
        flags: flags(unread, flagged),
        modseq: None,
    })
}

fn flags(unread: bool, flagged: bool) -> Flags {
    Flags {
        seen: !unread,
        flagged,
        ..Flags::default()
    }
}

/// A stored row as the list shows it, with its attachment mark and preview; `None` for a
/// UID whose headers are not stored. The parts stay in the store: the list needs only the
/// mark.
pub fn summary(row: MessageRow) -> Option<MessageSummary> {
    let headers = row.headers?;
    Some(MessageSummary {
        uid: row.uid.0.get(),
        from: headers.from,
        subject: headers.subject,
        date: (headers.date.0 != 0).then_some(headers.date.0),
        unread: !row.flags.seen,
        flagged: row.flags.flagged,
        size: u32::try_from(headers.size).unwrap_or(u32::MAX),
        attachment: headers.has_attachment,
        preview: headers.preview,
        parts: Vec::new(),
    })
}

pub fn entries(folders: &[Folder]) -> Vec<FolderEntry> {
    folders
        .iter()
        .map(|folder| FolderEntry {
            name: FolderName::new(folder.id.clone()),
            delimiter: folder.delimiter,
            role: folder.role.map(stored_role),
            selectable: folder.selectable,
            total: None,
            unseen: None,
        })
        .collect()
}

/// The folder list read back, in the order it was saved (the engine's tree order).
pub fn folders(entries: Vec<FolderEntry>) -> Vec<Folder> {
    entries
        .into_iter()
        .map(|entry| {
            let id = entry.name.as_str().to_owned();
            let name = Mailbox::new(id.clone().into_bytes())
                .map(|mailbox| mailbox.decoded())
                .unwrap_or_else(|_| id.clone());
            Folder {
                id,
                name,
                delimiter: entry.delimiter,
                role: entry.role.map(role),
                selectable: entry.selectable,
            }
        })
        .collect()
}

fn stored_role(role: FolderRole) -> StoredRole {
    match role {
        FolderRole::Inbox => StoredRole::Inbox,
        FolderRole::Drafts => StoredRole::Drafts,
        FolderRole::Sent => StoredRole::Sent,
        FolderRole::Trash => StoredRole::Trash,
        FolderRole::Junk => StoredRole::Junk,
        FolderRole::Archive => StoredRole::Archive,
        FolderRole::All => StoredRole::All,
        FolderRole::Flagged => StoredRole::Flagged,
    }
}

fn role(role: StoredRole) -> FolderRole {
    match role {
        StoredRole::Inbox => FolderRole::Inbox,
        StoredRole::Drafts => FolderRole::Drafts,
        StoredRole::Sent => FolderRole::Sent,
        StoredRole::Trash => FolderRole::Trash,
        StoredRole::Junk => FolderRole::Junk,
        StoredRole::Archive => FolderRole::Archive,
        StoredRole::All => FolderRole::All,
        StoredRole::Flagged => FolderRole::Flagged,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_row_and_a_folder_list_come_back_as_they_went() {
        let row = MessageSummary {
            uid: 7,
            from: "Jörg".into(),
            subject: "Grüße".into(),
            date: Some(1_704_186_000),
            unread: true,
            flagged: true,
            size: 1024,
            attachment: true,
            preview: Some("Anbei die Rechnung.".into()),
            parts: vec![
                Part {
                    section: "1".into(),
                    media_type: "text/plain".into(),
                    filename: None,
                    size: 20,
                    attachment: false,
                },
                Part {
                    section: "2".into(),
                    media_type: "application/pdf".into(),
                    filename: Some("Rechnung.pdf".into()),
                    size: 1000,
                    attachment: true,
                },
            ],
        };
        let stored = headers(&row).unwrap();
        assert_eq!(stored.preview.as_deref(), Some("Anbei die Rechnung."));
        assert_eq!(
            stored.parts[1],
            PartInfo {
                section: "2".into(),
                mime_type: "application/pdf".into(),
                filename: Some("Rechnung.pdf".into()),
                size: 1000,
                is_attachment: true,
            }
        );
        let back = summary(MessageRow {
            uid: stored.uid,
            flags: stored.flags.clone(),
            headers: Some(petrel_store::RowHeaders {
                from: stored.from.clone(),
                subject: stored.subject.clone(),
                date: stored.internaldate,
                size: stored.size,
                has_attachment: stored.has_attachment(),
                preview: stored.preview.clone(),
            }),
        });
        // The parts stay in the store; the list has the mark.
        let listed = MessageSummary {
            parts: Vec::new(),
            ..row.clone()
        };
        assert_eq!(back, Some(listed));
        let list = vec![Folder {
            id: "Entw&APw-rfe".into(),
            name: "Entwürfe".into(),
            delimiter: Some('/'),
            role: Some(FolderRole::Drafts),
            selectable: true,
        }];
        assert_eq!(folders(entries(&list)), list);
        assert!(headers(&MessageSummary {
            uid: 0,
            ..back.unwrap()
        })
        .is_none());
    }
}
