//! Parsers for flags and mailbox attributes.

use alloc::vec::Vec;

use alloc::borrow::Cow;

use super::core::{byte, fail, list_too_long, paren_list, sp0, IResult};
use crate::types::fetch::FlagList;
use crate::types::flag::{is_flag_char, Flag, FlagName, FlagPerm, ListAttribute};

/// Case-insensitive lookup in a short table, without allocating.
fn lookup<T: Clone>(name: &str, table: &[(&str, T)]) -> Option<T> {
    table
        .iter()
        .find(|(n, _)| n.len() == name.len() && n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// The characters of a flag after an optional `\`: lenient, see [`FlagName`].
fn flag_word(i: &[u8]) -> IResult<'_, &str> {
    let n = i.iter().take_while(|&&b| is_flag_char(b)).count();
    if n == 0 {
        return fail(i);
    }
    match core::str::from_utf8(&i[..n]) {
        Ok(s) => Ok((&i[n..], s)),
        Err(_) => fail(i),
    }
}

/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
/// flag-extension` (plus `\Recent` for IMAP4rev1 servers).
pub(crate) fn flag(i: &[u8]) -> IResult<'_, Flag<'_>> {
    if let Some(rest) = i.strip_prefix(b"\\") {
        let (rest, name) = flag_word(rest)?;
        const SYSTEM: &[(&str, Flag<'static>)] = &[
            ("Seen", Flag::Seen),
            ("Answered", Flag::Answered),
            ("Flagged", Flag::Flagged),
            ("Deleted", Flag::Deleted),
            ("Draft", Flag::Draft),
            ("Recent", Flag::Recent),
        ];
        let flag = lookup(name, SYSTEM).unwrap_or(Flag::Extension(FlagName::unvalidated(name)));
        return Ok((rest, flag));
    }
    let (rest, name) = flag_word(i)?;
    Ok((rest, Flag::Keyword(FlagName::unvalidated(name))))
}

/// `flag-list = "(" [flag *(SP flag)] ")"`.
pub(crate) fn flag_list(i: &[u8], max: usize) -> IResult<'_, Vec<Flag<'_>>> {
    paren_list(i, max, flag)
}

/// `flag-list` validated without allocating, kept as its wire text for [`FlagList`].
pub(crate) fn flag_list_raw(i: &[u8], max: usize) -> IResult<'_, FlagList<'_>> {
    let (mut j, ()) = byte(b'(')(i)?;
    let mut count = 0;
    loop {
        j = sp0(j)?.0;
        if let Some(rest) = j.strip_prefix(b")") {
            let raw = &i[..i.len() - rest.len()];
            return Ok((rest, FlagList::from_validated(Cow::Borrowed(raw))));
        }
        if count >= max {
            return list_too_long(j);
        }
        j = flag(j)?.0;
        count += 1;
    }
}

/// Iterates over the flags of a validated flag list's text.
pub(crate) fn flags_of(raw: &[u8]) -> impl Iterator<Item = Flag<'_>> + '_ {
    let mut i = raw.strip_prefix(b"(").unwrap_or_default();
    core::iter::from_fn(move || {
        let (rest, ()) = sp0(i).ok()?;
        let (rest, f) = flag(rest).ok()?;
        i = rest;
        Some(f)
    })
}

/// `flag-perm = flag / "\*"`.
pub(crate) fn flag_perm(i: &[u8]) -> IResult<'_, FlagPerm<'_>> {
    match i.strip_prefix(b"\\*") {
        // `\*x` is a (lenient) flag extension named `*x`, not the wildcard and a keyword.
        Some(rest) if !rest.first().copied().is_some_and(is_flag_char) => {
            return Ok((rest, FlagPerm::Wildcard));
        }
        _ => {}
    }
    flag(i).map(|(r, f)| (r, FlagPerm::Flag(f)))
}

/// `mbx-list-flags` entry: `"\" atom` or (leniently) a bare atom.
pub(crate) fn list_attribute(i: &[u8]) -> IResult<'_, ListAttribute<'_>> {
    let i = i.strip_prefix(b"\\").unwrap_or(i);
    let (rest, name) = flag_word(i)?;
    use ListAttribute::*;
    const KNOWN: &[(&str, ListAttribute<'static>)] = &[
        ("HasNoChildren", HasNoChildren),
        ("HasChildren", HasChildren),
        ("NoInferiors", NoInferiors),
        ("NoSelect", NoSelect),
        ("Marked", Marked),
        ("Unmarked", Unmarked),
        ("NonExistent", NonExistent),
        ("Subscribed", Subscribed),
        ("Remote", Remote),
        ("All", All),
        ("Archive", Archive),
        ("Drafts", Drafts),
        ("Flagged", Flagged),
        ("Junk", Junk),
        ("Sent", Sent),
        ("Trash", Trash),
        ("Important", Important),
    ];
    let attr = lookup(name, KNOWN).unwrap_or(Other(FlagName::unvalidated(name)));
    Ok((rest, attr))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_known_answers() {
        let (rest, flags) = flag_list(b"(\\Seen \\Answered  $Forwarded Junk] \\X) x", 100).unwrap();
        assert_eq!(rest, b" x");
        assert_eq!(
            flags,
            [
                Flag::Seen,
                Flag::Answered,
                Flag::Keyword(FlagName::try_from("$Forwarded").unwrap()),
                Flag::Keyword(FlagName::try_from("Junk]").unwrap()),
                Flag::Extension(FlagName::unvalidated("X")),
            ]
        );
        assert_eq!(flag_list(b"()", 10).unwrap().1, []);
        assert!(flag_list(b"(a b c)", 2).is_err());
        assert_eq!(flag_perm(b"\\*").unwrap().1, FlagPerm::Wildcard);
        assert_eq!(
            paren_list(b"(\\* \\*)", 10, flag_perm).unwrap().1,
            [FlagPerm::Wildcard, FlagPerm::Wildcard]
        );
    }

    #[test]
    fn flag_extension_starting_with_a_star_is_not_the_wildcard() {
        // Found by the round-trip tests: `\**` read as the wildcard and a keyword `*`.
        assert_eq!(
            paren_list(b"(\\** \\*x)", 10, flag_perm).unwrap().1,
            [
                FlagPerm::Flag(Flag::Extension(FlagName::unvalidated("**"))),
                FlagPerm::Flag(Flag::Extension(FlagName::unvalidated("*x")))
            ]
        );
    }
}
