//! LIST responses to [`Folder`]s: display names, roles and order.

use petrel_imap::types::flag::ListAttribute;
use petrel_imap::types::response::ListItem;

use super::{Folder, FolderRole};

pub(crate) fn folder(item: &ListItem<'_>) -> Folder {
    let id = String::from_utf8_lossy(item.mailbox.as_bytes()).into_owned();
    let name = item.mailbox.decoded();
    let selectable = !item
        .attributes
        .iter()
        .any(|a| matches!(a, ListAttribute::NoSelect | ListAttribute::NonExistent));
    let role = if item.mailbox.is_inbox() {
        Some(FolderRole::Inbox)
    } else {
        item.attributes
            .iter()
            .find_map(special_use)
            .or_else(|| well_known(&name, item.delimiter))
    };
    Folder {
        id,
        name,
        delimiter: item.delimiter,
        role,
        selectable,
    }
}

/// RFC 6154 special-use attributes.
fn special_use(a: &ListAttribute<'_>) -> Option<FolderRole> {
    Some(match a {
        ListAttribute::All => FolderRole::All,
        ListAttribute::Archive => FolderRole::Archive,
        ListAttribute::Drafts => FolderRole::Drafts,
        ListAttribute::Flagged => FolderRole::Flagged,
        ListAttribute::Junk => FolderRole::Junk,
        ListAttribute::Sent => FolderRole::Sent,
        ListAttribute::Trash => FolderRole::Trash,
        _ => return None,
    })
}

/// Names common clients and servers use when the server does not announce special use.
/// Only top-level folders (or direct children of INBOX) qualify, so that a user's
/// `Projects/Archive` is not taken for the archive.
fn well_known(name: &str, delimiter: Option<char>) -> Option<FolderRole> {
    let leaf = match delimiter {
        Some(d) => {
            let mut parts = name.split(d);
            let first = parts.next().unwrap_or(name);
            match (parts.next(), parts.next()) {
                (None, _) => first,
                (Some(second), None) if first.eq_ignore_ascii_case("INBOX") => second,
                _ => return None,
            }
        }
        None => name,
    };
    const NAMES: &[(&str, FolderRole)] = &[
        ("sent", FolderRole::Sent),
        ("sent items", FolderRole::Sent),
        ("sent messages", FolderRole::Sent),
        ("sent mail", FolderRole::Sent),
        ("drafts", FolderRole::Drafts),
        ("draft", FolderRole::Drafts),
        ("trash", FolderRole::Trash),
        ("deleted items", FolderRole::Trash),
        ("deleted messages", FolderRole::Trash),
        ("bin", FolderRole::Trash),
        ("junk", FolderRole::Junk),
        ("spam", FolderRole::Junk),
        ("junk e-mail", FolderRole::Junk),
        ("junk email", FolderRole::Junk),
        ("archive", FolderRole::Archive),
        ("archives", FolderRole::Archive),
    ];
    NAMES
        .iter()
        .find(|(n, _)| leaf.eq_ignore_ascii_case(n))
        .map(|(_, r)| *r)
}

/// INBOX first, then the server's order.
pub(crate) fn order(folders: &mut [Folder]) {
    folders.sort_by_key(|f| f.role != Some(FolderRole::Inbox));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_names() {
        assert_eq!(well_known("Sent Items", Some('/')), Some(FolderRole::Sent));
        assert_eq!(
            well_known("INBOX.Trash", Some('.')),
            Some(FolderRole::Trash)
        );
        assert_eq!(well_known("Projects/Archive", Some('/')), None);
        assert_eq!(well_known("Spam", None), Some(FolderRole::Junk));
        assert_eq!(well_known("Notes", None), None);
    }
}
