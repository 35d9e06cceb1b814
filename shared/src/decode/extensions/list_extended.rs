//! LIST-EXTENDED (RFC 5258 §9) data items and RFC 4466's generic `tagged-ext-val`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::decode::core::{
    astring, byte, fail, list_too_long, number64, paren_list, sp, sp0, too_deep, IResult,
};
use crate::types::core::{Mailbox, SequenceSet};
use crate::types::extensions::list_extended::{ListExtendedItem, TaggedExtComp, TaggedExtValue};
use crate::Limits;

/// `mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"`.
pub(crate) fn list_extended<'a>(
    i: &'a [u8],
    limits: &Limits,
) -> IResult<'a, Vec<ListExtendedItem<'a>>> {
    paren_list(i, limits.max_list, |i| item(i, limits))
}

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val`, with
/// `mbox-list-extended-item-tag = astring`. Servers quote the tag (`"CHILDINFO"`) or not.
fn item<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, ListExtendedItem<'a>> {
    let (i, tag) = astring(i)?;
    let (i, ()) = sp(i)?;
    let known = if tag.eq_ignore_ascii_case(b"CHILDINFO") {
        paren_list(i, limits.max_list, astring)
            .map(|(rest, v)| (rest, ListExtendedItem::ChildInfo(v)))
    } else if tag.eq_ignore_ascii_case(b"OLDNAME") {
        old_name(i)
    } else {
        fail(i)
    };
    match known {
        Err(nom::Err::Error(_)) => {
            let (i, value) = tagged_ext_val(i, limits)?;
            Ok((i, ListExtendedItem::Other { tag, value }))
        }
        other => other,
    }
}

/// `"OLDNAME" SP "(" mailbox ")"`, after the tag.
fn old_name(i: &[u8]) -> IResult<'_, ListExtendedItem<'_>> {
    let (i, ()) = byte(b'(')(i)?;
    let (i, name) = astring(sp0(i)?.0)?;
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((i, ListExtendedItem::OldName(Mailbox::from_wire(name))))
}

/// `tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"`, with
/// `tagged-ext-simple = sequence-set / number / number64`.
pub(crate) fn tagged_ext_val<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, TaggedExtValue<'a>> {
    if i.first() == Some(&b'(') {
        let (i, list) = comp_list(i, limits, limits.max_depth)?;
        return Ok((i, TaggedExtValue::List(list)));
    }
    let n = i
        .iter()
        .take_while(|&&b| b.is_ascii_digit() || matches!(b, b':' | b',' | b'*'))
        .count();
    let (text, rest) = i.split_at(n);
    if !text.is_empty() && text.iter().all(u8::is_ascii_digit) {
        return number64(i).map(|(rest, n)| (rest, TaggedExtValue::Number(n)));
    }
    let set = core::str::from_utf8(text)
        .ok()
        .and_then(|s| SequenceSet::try_from(s).ok());
    match set {
        Some(set) => Ok((rest, TaggedExtValue::SequenceSet(set))),
        None => fail(i),
    }
}

/// `"(" [tagged-ext-comp] ")"`: strings and nested lists, at most `depth` deep.
fn comp_list<'a>(
    i: &'a [u8],
    limits: &Limits,
    depth: usize,
) -> IResult<'a, Vec<TaggedExtComp<'a>>> {
    if depth == 0 {
        return too_deep(i);
    }
    let (mut i, ()) = byte(b'(')(i)?;
    let mut out = Vec::new();
    loop {
        i = sp0(i)?.0;
        if let Some(rest) = i.strip_prefix(b")") {
            return Ok((rest, out));
        }
        if out.len() >= limits.max_list {
            return list_too_long(i);
        }
        let (rest, comp) = if i.first() == Some(&b'(') {
            let (rest, list) = comp_list(i, limits, depth - 1)?;
            (rest, TaggedExtComp::List(list))
        } else {
            let (rest, s) = astring(i)?;
            (rest, TaggedExtComp::String(s))
        };
        out.push(comp);
        i = rest;
    }
}

/// Everything after the mailbox name up to the end of the line: the typed items, or the
/// bytes as sent when they do not follow the grammar (the mailbox itself is still good).
/// A broken limit is not leniency's to forgive: it fails the response.
pub(crate) fn list_extended_or_raw<'a>(
    i: &'a [u8],
    limits: &Limits,
) -> IResult<'a, Vec<ListExtendedItem<'a>>> {
    let trimmed = sp0(i)?.0;
    if trimmed.is_empty() {
        return Ok((trimmed, Vec::new()));
    }
    match list_extended(trimmed, limits) {
        Ok((rest, items)) if sp0(rest)?.0.is_empty() => Ok((&rest[rest.len()..], items)),
        Err(nom::Err::Failure(e)) => Err(nom::Err::Failure(e)),
        _ => Ok((
            &trimmed[trimmed.len()..],
            alloc::vec![ListExtendedItem::Unparsed(Cow::Borrowed(trimmed))],
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::decode::core::Reason;
    use alloc::vec;

    fn items(i: &[u8]) -> Vec<ListExtendedItem<'_>> {
        let (rest, v) = list_extended_or_raw(i, &Limits::default()).unwrap();
        assert!(rest.is_empty());
        v
    }

    #[test]
    fn rfc_5258_childinfo() {
        assert_eq!(
            items(b"(\"CHILDINFO\" (\"SUBSCRIBED\"))"),
            vec![ListExtendedItem::ChildInfo(vec![Cow::Borrowed(
                &b"SUBSCRIBED"[..]
            )])]
        );
        // Dovecot sends the tag bare.
        assert_eq!(
            items(b" (CHILDINFO (\"SUBSCRIBED\" \"REMOTE\"))"),
            vec![ListExtendedItem::ChildInfo(vec![
                Cow::Borrowed(&b"SUBSCRIBED"[..]),
                Cow::Borrowed(&b"REMOTE"[..])
            ])]
        );
    }

    #[test]
    fn oldname() {
        assert_eq!(
            items(b"(\"OLDNAME\" (\"Old Name\"))"),
            vec![ListExtendedItem::OldName(Mailbox::from_wire(
                Cow::Borrowed(&b"Old Name"[..])
            ))]
        );
    }

    #[test]
    fn generic_values() {
        assert_eq!(
            items(b"(X-SIZE 1234 X-SET 1:3,7 X-TREE (a \"b c\" (d ())))"),
            vec![
                ListExtendedItem::Other {
                    tag: Cow::Borrowed(b"X-SIZE"),
                    value: TaggedExtValue::Number(1234),
                },
                ListExtendedItem::Other {
                    tag: Cow::Borrowed(b"X-SET"),
                    value: TaggedExtValue::SequenceSet(SequenceSet::try_from("1:3,7").unwrap()),
                },
                ListExtendedItem::Other {
                    tag: Cow::Borrowed(b"X-TREE"),
                    value: TaggedExtValue::List(vec![
                        TaggedExtComp::String(Cow::Borrowed(b"a")),
                        TaggedExtComp::String(Cow::Borrowed(b"b c")),
                        TaggedExtComp::List(vec![
                            TaggedExtComp::String(Cow::Borrowed(b"d")),
                            TaggedExtComp::List(vec![]),
                        ]),
                    ]),
                },
            ]
        );
        // A malformed CHILDINFO still reads, as a generic item.
        assert_eq!(
            items(b"(CHILDINFO 5)"),
            vec![ListExtendedItem::Other {
                tag: Cow::Borrowed(b"CHILDINFO"),
                value: TaggedExtValue::Number(5),
            }]
        );
    }

    #[test]
    fn garbage_is_kept_as_sent() {
        assert_eq!(
            items(b" ]garbage ("),
            vec![ListExtendedItem::Unparsed(Cow::Borrowed(b"]garbage ("))]
        );
        assert_eq!(
            items(b"(X 1) trailing"),
            vec![ListExtendedItem::Unparsed(Cow::Borrowed(b"(X 1) trailing"))]
        );
        assert!(items(b"  ").is_empty());
    }

    #[test]
    fn limits_fail_the_response() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(matches!(
            list_extended_or_raw(b"(X ((((a)))))", &limits),
            Err(nom::Err::Failure(e)) if e.reason == Reason::TooDeep
        ));
    }
}
