//! LIST responses to [`Folder`]s: display names, roles, and the order of the folder tree.

use std::collections::{HashMap, HashSet};

use petrel_imap::types::flag::ListAttribute;
use petrel_imap::types::response::ListItem;
use petrel_imap::utf7;

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

/// Puts the folders in display order, as a tree: at the top level the special folders
/// first, in [`role_rank`] order, then the others by name; each folder's children directly
/// under it, by name, and theirs under them. Special use only groups the top level: below
/// it, a child's place among its siblings is its name, so `INBOX.Sent` stays among INBOX's
/// children. A folder whose parent the server did not list (RFC 9051 §6.3.9 asks for a
/// `\Noselect` parent, which not every server sends) gets that parent as a group that
/// cannot be opened, so that it is not drawn indented under an unrelated folder.
pub(crate) fn order(folders: &mut Vec<Folder>) {
    add_missing_parents(folders);
    // A child sorts with its top-level ancestor, so the ancestor's role counts for it.
    let mut top_ranks: HashMap<String, u8> = HashMap::new();
    for f in folders.iter() {
        if let [top] = path(f)[..] {
            let rank = role_rank(f.role);
            top_ranks
                .entry(top.to_owned())
                .and_modify(|r| *r = (*r).min(rank))
                .or_insert(rank);
        }
    }
    let mut keyed: Vec<(Vec<Level>, Folder)> = folders
        .drain(..)
        .map(|f| (sort_key(&f, &top_ranks), f))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    folders.extend(keyed.into_iter().map(|(_, f)| f));
}

/// Where a special folder goes at the top level: in the order most mail apps use, then
/// the other folders.
fn role_rank(role: Option<FolderRole>) -> u8 {
    match role {
        Some(FolderRole::Inbox) => 0,
        Some(FolderRole::Flagged) => 1,
        Some(FolderRole::Drafts) => 2,
        Some(FolderRole::Sent) => 3,
        Some(FolderRole::Archive) => 4,
        Some(FolderRole::All) => 5,
        Some(FolderRole::Junk) => 6,
        Some(FolderRole::Trash) => 7,
        None => 8,
    }
}

/// The components of a folder's decoded name.
fn path(folder: &Folder) -> Vec<&str> {
    match folder.delimiter {
        Some(d) => folder.name.split(d).collect(),
        None => vec![folder.name.as_str()],
    }
}

/// One component's place among its siblings: its rank (top level only), then its name
/// folded for a person (see [`fold`]), then lowercased, then as it is, so that the order
/// is total and the same on every run.
type Level = (u8, String, String, String);

/// A folder's key is its ancestors' keys and then its own: sorting by it puts each folder
/// right after its parent and before its parent's next sibling.
fn sort_key(folder: &Folder, top_ranks: &HashMap<String, u8>) -> Vec<Level> {
    path(folder)
        .into_iter()
        .enumerate()
        .map(|(depth, part)| {
            let rank = match depth {
                0 if part.eq_ignore_ascii_case("INBOX") => role_rank(Some(FolderRole::Inbox)),
                0 => top_ranks.get(part).copied().unwrap_or(role_rank(None)),
                _ => 0,
            };
            (rank, fold(part), part.to_lowercase(), part.to_owned())
        })
        .collect()
}

/// A name as a person would alphabetise it, roughly: case and the accents of Latin letters
/// set aside (`Été` with the E's, `Œuvre` as `oeuvre`). A locale's full collation rules
/// would need tables the bundle does not carry; letters outside Latin-1 and Latin
/// Extended-A keep their code point order.
fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match base_letter(c) {
            Some(base) => out.push_str(base),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The lowercase base letters of an accented Latin letter (U+00C0 to U+017F).
fn base_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ð' | 'ð' | 'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ'..='ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'ß' => "ss",
        'Ś'..='š' | 'ſ' => "s",
        'Ţ'..='ŧ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        _ => return None,
    })
}

/// Adds, for each folder whose parent is not listed, that parent as a folder that cannot
/// be opened (and its parent, and so on).
fn add_missing_parents(folders: &mut Vec<Folder>) {
    let mut known: HashSet<String> = folders.iter().map(|f| folder_key(&f.name)).collect();
    let mut missing = Vec::new();
    for f in folders.iter() {
        let Some(d) = f.delimiter else { continue };
        let mut end = 0;
        // Every proper prefix ending before a delimiter; a name ending in its delimiter is
        // shown whole and has no parent.
        while let Some(at) = f.name[end..].find(d).map(|at| end + at) {
            end = at + d.len_utf8();
            if end >= f.name.len() {
                break;
            }
            let parent = &f.name[..at];
            if parent.is_empty() || !known.insert(folder_key(parent)) {
                continue;
            }
            missing.push(Folder {
                id: utf7::encode(parent),
                name: parent.to_owned(),
                delimiter: Some(d),
                role: None,
                selectable: false,
            });
        }
    }
    folders.extend(missing);
}

/// A name as it identifies a folder: INBOX in any case is INBOX (RFC 9051 §5.1).
fn folder_key(name: &str) -> String {
    if name.eq_ignore_ascii_case("INBOX") {
        "INBOX".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use petrel_imap::types::response::{Data, Response};
    use petrel_imap::{decode_response, Limits};

    use super::*;

    /// The folders of LIST responses, one per line, in display order.
    fn listed(lines: &[&str]) -> Vec<Folder> {
        let mut folders: Vec<Folder> = lines
            .iter()
            .map(|line| {
                let wire = format!("{line}\r\n");
                match decode_response(wire.as_bytes(), &Limits::default()).unwrap() {
                    Response::Data(Data::List(item)) => folder(&item),
                    other => panic!("not a LIST: {other:?}"),
                }
            })
            .collect();
        order(&mut folders);
        folders
    }

    fn names(folders: &[Folder]) -> Vec<&str> {
        folders.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn children_sit_under_their_parent_special_use_first_at_the_top() {
        // Regression: `Archive/2024` was listed after the special-use folders, away from
        // `Archive`, which its role had moved up.
        let folders = listed(&[
            r#"* LIST (\HasChildren \Archive) "/" Archive"#,
            r#"* LIST (\HasNoChildren) "/" "Projects/Zeta""#,
            r#"* LIST (\HasChildren) "/" Archive/2024"#,
            r#"* LIST (\HasChildren) "/" INBOX"#,
            r#"* LIST (\HasNoChildren) "/" zebra"#,
            r#"* LIST (\HasNoChildren \Sent) "/" Sent"#,
            r#"* LIST (\HasNoChildren) "/" Archive/2024/Q1"#,
            r#"* LIST (\HasChildren) "/" Projects"#,
            r#"* LIST (\HasNoChildren) "/" "&AMk-t&AOk-""#,
            r#"* LIST (\HasNoChildren) "/" Projects/alpha"#,
            r#"* LIST (\HasNoChildren \Trash) "/" Trash"#,
            r#"* LIST (\HasNoChildren) "/" "Projects/&AMk-quipe""#,
            r#"* LIST (\HasNoChildren) "/" INBOX/Sub"#,
            r#"* LIST (\HasNoChildren \Drafts) "/" Drafts"#,
            r#"* LIST (\HasNoChildren) "/" Lost/Child"#,
            r#"* LIST (\HasNoChildren) "/" Archive/2023"#,
        ]);
        assert_eq!(
            names(&folders),
            [
                "INBOX",
                "INBOX/Sub",
                "Drafts",
                "Sent",
                "Archive",
                "Archive/2023",
                "Archive/2024",
                "Archive/2024/Q1",
                "Trash",
                "Été",
                "Lost",
                "Lost/Child",
                "Projects",
                "Projects/alpha",
                "Projects/Équipe",
                "Projects/Zeta",
                "zebra",
            ]
        );
        // The parent the server did not list stands in as a group that cannot be opened.
        let lost = folders.iter().find(|f| f.name == "Lost").unwrap();
        assert!(!lost.selectable);
        assert_eq!((lost.role, lost.delimiter), (None, Some('/')));
        assert!(folders
            .iter()
            .filter(|f| f.name != "Lost")
            .all(|f| f.selectable));
    }

    #[test]
    fn special_use_below_the_top_level_sorts_by_name() {
        // Servers that keep every folder under INBOX (`.` delimiter).
        let folders = listed(&[
            r#"* LIST (\HasNoChildren) "." Public"#,
            r#"* LIST (\HasNoChildren) "." INBOX.Sub"#,
            r#"* LIST (\HasNoChildren \Sent) "." INBOX.Sent"#,
            r#"* LIST (\HasChildren) "." INBOX"#,
            r#"* LIST (\HasChildren) "." INBOX.Archive"#,
            r#"* LIST (\HasNoChildren) "." INBOX.Archive.2024"#,
            r#"* LIST (\HasNoChildren) "." "INBOX.&AMk-t&AOk-""#,
        ]);
        assert_eq!(
            names(&folders),
            [
                "INBOX",
                "INBOX.Archive",
                "INBOX.Archive.2024",
                "INBOX.Été",
                "INBOX.Sent",
                "INBOX.Sub",
                "Public",
            ]
        );
    }

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
