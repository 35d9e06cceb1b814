//! Parsers for FETCH data (RFC 9051 §7.5.2): `msg-att`, envelopes, dates and body
//! structures.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;

use super::core::{
    byte, fail, list_too_long, literal, nil, nstring, number, number64, paren_list, quoted,
    skip_quoted, skip_string_lenient, skip_value, sp, sp0, string_lenient, too_deep, IResult,
};
use super::extensions::gmail::labels;
use super::extensions::objectid::{nil_or_paren_objectid, paren_objectid};
use super::flag::flag_list_raw;
use crate::types::core::{is_atom_char, Atom};
use crate::types::fetch::{
    Address, AddressList, BodyExtension, BodyKind, BodyNode, BodyParam, BodyParams, BodyStructure,
    DateTime, Disposition, Envelope, FetchItem, SinglePart,
};
use crate::Limits;

/// `"(" msg-att-dynamic / msg-att-static *(SP ...) ")"`, lenient about spaces.
pub(crate) fn fetch_items<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Vec<FetchItem<'a>>> {
    let (mut i, ()) = byte(b'(')(i)?;
    let mut items = Vec::with_capacity(8);
    loop {
        i = sp0(i)?.0;
        if let Some(rest) = i.strip_prefix(b")") {
            return Ok((rest, items));
        }
        if items.len() >= limits.max_list {
            return list_too_long(i);
        }
        let (rest, item) = fetch_item(i, limits)?;
        items.push(item);
        i = rest;
    }
}

fn fetch_item<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, FetchItem<'a>> {
    let n = i
        .iter()
        .take_while(|&&b| is_atom_char(b) && b != b'[')
        .count();
    if n == 0 {
        return fail(i);
    }
    let raw_name = &i[..n];
    // Item names are matched upper-cased in a stack buffer: one `match` on bytes rather than a
    // chain of case-insensitive comparisons (this runs for every item of every message).
    let mut buf = [0u8; 16];
    let key: &[u8] = match buf.get_mut(..n) {
        Some(dst) => {
            dst.copy_from_slice(raw_name);
            dst.make_ascii_uppercase();
            dst
        }
        None => b"",
    };
    let after = &i[n..];
    if after.first() == Some(&b'[') && matches!(key, b"BODY" | b"BINARY" | b"BINARY.SIZE") {
        let (rest, section) = section(after)?;
        if key == b"BINARY.SIZE" {
            let (rest, ()) = sp(rest)?;
            let (rest, size) = number(rest)?;
            return Ok((rest, FetchItem::BinarySize { section, size }));
        }
        let (rest, origin) = match rest.strip_prefix(b"<") {
            Some(r) => {
                let (r, o) = number(r)?;
                let (r, ()) = byte(b'>')(r)?;
                (r, Some(o))
            }
            None => (rest, None),
        };
        let (rest, ()) = sp0(rest)?;
        let (rest, data) = nstring(rest)?;
        return Ok((
            rest,
            FetchItem::BodySection {
                binary: key != b"BODY",
                section,
                origin,
                data,
            },
        ));
    }
    let (i, ()) = sp0(after)?;
    let known = match key {
        b"UID" => number(i).map(|(r, n)| (r, FetchItem::Uid(n))),
        b"FLAGS" => flag_list_raw(i, limits.max_list).map(|(r, f)| (r, FetchItem::Flags(f))),
        b"ENVELOPE" => envelope(i, limits).map(|(r, e)| (r, FetchItem::Envelope(Box::new(e)))),
        b"RFC822.SIZE" => number(i).map(|(r, n)| (r, FetchItem::Rfc822Size(n))),
        b"INTERNALDATE" => date_time(i).map(|(r, d)| (r, FetchItem::InternalDate(d))),
        b"BODYSTRUCTURE" => body(i, limits).map(|(r, b)| (r, FetchItem::BodyStructure(b))),
        b"BODY" => body(i, limits).map(|(r, b)| (r, FetchItem::Body(b))),
        b"RFC822" => nstring(i).map(|(r, d)| (r, FetchItem::Rfc822(d))),
        b"RFC822.HEADER" => nstring(i).map(|(r, d)| (r, FetchItem::Rfc822Header(d))),
        b"RFC822.TEXT" => nstring(i).map(|(r, d)| (r, FetchItem::Rfc822Text(d))),
        b"MODSEQ" => {
            let (i, ()) = byte(b'(')(i)?;
            let (i, m) = number64(sp0(i)?.0)?;
            let (i, ()) = byte(b')')(sp0(i)?.0)?;
            Ok((i, FetchItem::ModSeq(m)))
        }
        b"EMAILID" => paren_objectid(i).map(|(r, id)| (r, FetchItem::EmailId(id))),
        b"THREADID" => nil_or_paren_objectid(i).map(|(r, id)| (r, FetchItem::ThreadId(id))),
        b"SAVEDATE" => match nil(i) {
            Ok((r, ())) => Ok((r, FetchItem::SaveDate(None))),
            Err(_) => date_time(i).map(|(r, d)| (r, FetchItem::SaveDate(Some(d)))),
        },
        b"PREVIEW" => nstring(i).map(|(r, p)| (r, FetchItem::Preview(p))),
        b"X-GM-MSGID" => number64(i).map(|(r, n)| (r, FetchItem::GmailMessageId(n))),
        b"X-GM-THRID" => number64(i).map(|(r, n)| (r, FetchItem::GmailThreadId(n))),
        b"X-GM-LABELS" => labels(i, limits).map(|(r, l)| (r, FetchItem::GmailLabels(l))),
        _ => fail(i),
    };
    // An unknown item, or a known one whose value is not what the grammar says (a bogus
    // INTERNALDATE): kept opaque, so that the message's other items are not lost with it.
    match known {
        Err(nom::Err::Error(_)) => opaque_item(raw_name, i, limits),
        parsed => parsed,
    }
}

/// An item kept as its name and its value as sent. The value may start with a section and a
/// partial, like BODY's (`X-FOO[1]<0> "x"`).
fn opaque_item<'a>(raw_name: &'a [u8], i: &'a [u8], limits: &Limits) -> IResult<'a, FetchItem<'a>> {
    let mut j = i;
    if j.first() == Some(&b'[') {
        j = section(j)?.0;
        if let Some(r) = j.strip_prefix(b"<") {
            let (r, _) = number(r)?;
            j = byte(b'>')(r)?.0;
        }
    }
    let (rest, _) = skip_value(sp0(j)?.0, limits.max_depth)?;
    let value = &i[..i.len() - rest.len()];
    // Atom characters are ASCII, so this never falls back.
    let name = core::str::from_utf8(raw_name).unwrap_or_default();
    Ok((
        rest,
        FetchItem::Other {
            name: Atom::unvalidated(name),
            value: Cow::Borrowed(value),
        },
    ))
}

/// `section = "[" [section-spec] "]"`: the text between the brackets, as sent. Header
/// field lists are parenthesised and never hold `]`, so the first `]` ends it.
fn section(i: &[u8]) -> IResult<'_, Cow<'_, [u8]>> {
    let (i, ()) = byte(b'[')(i)?;
    let Some(end) = i.iter().position(|&b| b == b']' || b == b'\n') else {
        return fail(i);
    };
    if i[end] != b']' {
        return fail(i);
    }
    Ok((&i[end + 1..], Cow::Borrowed(&i[..end])))
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`.
pub(crate) fn envelope<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Envelope<'a>> {
    let (i, ()) = byte(b'(')(i)?;
    let (i, date) = nstring(sp0(i)?.0)?;
    let (i, subject) = nstring(sp0(i)?.0)?;
    let (i, from) = address_list(sp0(i)?.0, limits)?;
    let (i, sender) = address_list(sp0(i)?.0, limits)?;
    let (i, reply_to) = address_list(sp0(i)?.0, limits)?;
    let (i, to) = address_list(sp0(i)?.0, limits)?;
    let (i, cc) = address_list(sp0(i)?.0, limits)?;
    let (i, bcc) = address_list(sp0(i)?.0, limits)?;
    let (i, in_reply_to) = nstring(sp0(i)?.0)?;
    let (i, message_id) = nstring(sp0(i)?.0)?;
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((
        i,
        Envelope {
            date,
            subject,
            from,
            sender,
            reply_to,
            to,
            cc,
            bcc,
            in_reply_to,
            message_id,
        },
    ))
}

/// `env-from = "(" 1*address ")" / nil` (and the other address lists); `()` is accepted.
/// Validated here, kept as text, parsed again by [`addresses`] on iteration.
fn address_list<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, AddressList<'a>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, AddressList::default()));
    }
    let (rest, ()) = byte(b'(')(i)?;
    let mut j = rest;
    let mut count = 0;
    loop {
        j = sp0(j)?.0;
        if let Some(after) = j.strip_prefix(b")") {
            let raw = &i[..i.len() - after.len()];
            let list = if count == 0 {
                AddressList::default()
            } else {
                AddressList::from_validated(Cow::Borrowed(raw))
            };
            return Ok((after, list));
        }
        if count >= limits.max_list {
            return list_too_long(j);
        }
        j = skip_address(j)?.0;
        count += 1;
    }
}

/// Iterates over the addresses of a validated address list's text.
pub(crate) fn addresses(raw: &[u8]) -> impl Iterator<Item = Address<'_>> + '_ {
    let mut i = raw.strip_prefix(b"(").unwrap_or_default();
    core::iter::from_fn(move || {
        let (rest, ()) = sp0(i).ok()?;
        let (rest, a) = address(rest).ok()?;
        i = rest;
        Some(a)
    })
}

/// [`address`] validated without building the value (the list is kept as text).
fn skip_address(i: &[u8]) -> IResult<'_, ()> {
    let (mut i, ()) = byte(b'(')(i)?;
    for _ in 0..4 {
        i = sp0(i)?.0;
        i = match i.first() {
            Some(b'"') => skip_quoted(i)?.0,
            Some(b'{' | b'~') => literal(i)?.0,
            _ => nil(i)?.0,
        };
    }
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((i, ()))
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`.
fn address(i: &[u8]) -> IResult<'_, Address<'_>> {
    let (i, ()) = byte(b'(')(i)?;
    let (i, name) = nstring(sp0(i)?.0)?;
    let (i, adl) = nstring(sp0(i)?.0)?;
    let (i, mailbox) = nstring(sp0(i)?.0)?;
    let (i, host) = nstring(sp0(i)?.0)?;
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((
        i,
        Address {
            name,
            adl,
            mailbox,
            host,
        },
    ))
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`.
/// Lenient: the day may be one digit without the leading space.
pub(crate) fn date_time(i: &[u8]) -> IResult<'_, DateTime> {
    let (rest, s) = quoted(i)?;
    match parse_date_time(s.trim_ascii()) {
        Some(d) => Ok((rest, d)),
        None => fail(i),
    }
}

fn parse_date_time(s: &[u8]) -> Option<DateTime> {
    fn digits(s: &[u8]) -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u32, |n, &d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    }
    let mut parts = s.split(|&b| b == b' ').filter(|p| !p.is_empty());
    let date = parts.next()?;
    let time = parts.next()?;
    // Servers that leave out the zone, or name it, mean UTC.
    let zone = match parts.next() {
        None => &b"+0000"[..],
        Some(z)
            if [&b"GMT"[..], b"UT", b"UTC", b"Z"]
                .iter()
                .any(|u| u.eq_ignore_ascii_case(z)) =>
        {
            b"+0000"
        }
        Some(z) => z,
    };
    let mut d = date.split(|&b| b == b'-');
    let day = digits(d.next()?)?;
    let month_name = d.next()?;
    let year = digits(d.next()?)?;
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?
        + 1;
    let mut t = time.split(|&b| b == b':');
    let hour = digits(t.next()?)?;
    let minute = digits(t.next()?)?;
    let second = digits(t.next()?)?;
    let (sign, zone_digits) = zone.split_first()?;
    if zone_digits.len() != 4 {
        return None;
    }
    let z = digits(zone_digits)?;
    if z % 100 >= 60 {
        return None;
    }
    let zone_minutes = i16::try_from(z / 100 * 60 + z % 100).ok()?;
    let zone_minutes = match sign {
        b'+' => zone_minutes,
        b'-' => -zone_minutes,
        _ => return None,
    };
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(DateTime {
        year: u16::try_from(year).ok()?,
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
        hour: u8::try_from(hour).ok()?,
        minute: u8::try_from(minute).ok()?,
        second: u8::try_from(second).ok()?,
        zone_minutes,
    })
}

/// `body = "(" (body-type-1part / body-type-mpart) ")"`, nested at most `depth` deep,
/// flattened into one `Vec` in pre-order.
pub(crate) fn body<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, BodyStructure<'a>> {
    let mut nodes = Vec::new();
    let (rest, ()) = body_node(i, limits, limits.max_depth, &mut nodes)?;
    Ok((rest, BodyStructure::from_nodes_unchecked(nodes)))
}

fn body_node<'a>(
    i: &'a [u8],
    limits: &Limits,
    depth: usize,
    nodes: &mut Vec<BodyNode<'a>>,
) -> IResult<'a, ()> {
    if depth == 0 {
        return too_deep(i);
    }
    if nodes.len() >= limits.max_list {
        return list_too_long(i);
    }
    let (i, ()) = byte(b'(')(i)?;
    let (i, ()) = sp0(i)?;
    let me = nodes.len();
    // A placeholder, filled in once the node's fields and descendants are known.
    nodes.push(BodyStructure::node(
        BodyKind::Multipart {
            subtype: Cow::Borrowed(&[]),
            extension: Cow::Borrowed(&[]),
        },
        0,
    ));
    let (rest, kind) = if i.first() == Some(&b'(') {
        multipart(i, limits, depth, nodes)?
    } else if let Ok((after_nil, ())) = nil(i) {
        // A multipart without parts, NIL in their place (Exchange, inside message/rfc822):
        // a single part's type is never NIL.
        multipart(sp0(after_nil)?.0, limits, depth, nodes)?
    } else {
        single_part(i, limits, depth, nodes)?
    };
    let descendants = u32::try_from(nodes.len() - me - 1).unwrap_or(u32::MAX);
    if let Some(slot) = nodes.get_mut(me) {
        *slot = BodyStructure::node(kind, descendants);
    }
    Ok((rest, ()))
}

/// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`, after the `(`.
fn multipart<'a>(
    mut i: &'a [u8],
    limits: &Limits,
    depth: usize,
    nodes: &mut Vec<BodyNode<'a>>,
) -> IResult<'a, BodyKind<'a>> {
    while i.first() == Some(&b'(') {
        let (rest, ()) = body_node(i, limits, depth - 1, nodes)?;
        i = sp0(rest)?.0;
    }
    let (i, subtype) = string_lenient(i)?;
    let (i, extension) = extension_data(i, depth)?;
    Ok((i, BodyKind::Multipart { subtype, extension }))
}

/// The unparsed rest of a body up to and including its `)`.
fn extension_data(i: &[u8], depth: usize) -> IResult<'_, Cow<'_, [u8]>> {
    let (start, ()) = sp0(i)?;
    let mut j = start;
    // Up to the end of the last value, not trimmed: a literal may end in white space.
    let mut end = 0;
    loop {
        if let Some(rest) = j.strip_prefix(b")") {
            return Ok((rest, Cow::Borrowed(&start[..end])));
        }
        j = skip_value(j, depth)?.0;
        end = start.len() - j.len();
        j = sp0(j)?.0;
    }
}

/// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`, validated and
/// kept as text.
fn params(i: &[u8]) -> IResult<'_, BodyParams<'_>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, BodyParams::default()));
    }
    let (rest, ()) = byte(b'(')(i)?;
    let mut j = rest;
    loop {
        j = sp0(j)?.0;
        if let Some(after) = j.strip_prefix(b")") {
            return Ok((
                after,
                BodyParams::from_validated(Cow::Borrowed(&i[..i.len() - after.len()])),
            ));
        }
        j = skip_string_lenient(j)?.0;
        j = skip_string_lenient(sp0(j)?.0)?.0;
    }
}

fn body_param(i: &[u8]) -> IResult<'_, BodyParam<'_>> {
    let (i, k) = string_lenient(i)?;
    let (i, v) = string_lenient(sp0(i)?.0)?;
    Ok((i, (k, v)))
}

/// Iterates over the pairs of validated `body-fld-param` text.
pub(crate) fn body_params(raw: &[u8]) -> impl Iterator<Item = BodyParam<'_>> + '_ {
    let mut i = raw.strip_prefix(b"(").unwrap_or_default();
    core::iter::from_fn(move || {
        let (rest, ()) = sp0(i).ok()?;
        let (rest, p) = body_param(rest).ok()?;
        i = rest;
        Some(p)
    })
}

/// `body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc
/// *(SP body-extension)]]]`, or `body-ext-mpart` (`body-fld-param` first) when `multipart`,
/// from the text [`extension_data`] kept. Parsing stops at the first malformed field; the
/// fields before it are kept.
pub(crate) fn body_extension(raw: &[u8], multipart: bool) -> BodyExtension<'_> {
    let mut ext = BodyExtension::default();
    let _ = body_extension_fields(raw, multipart, &mut ext);
    ext
}

fn body_extension_fields<'a>(
    i: &'a [u8],
    multipart: bool,
    ext: &mut BodyExtension<'a>,
) -> IResult<'a, ()> {
    let (mut i, ()) = sp0(i)?;
    if multipart {
        (i, ext.params) = params(i)?;
    } else {
        (i, ext.md5) = nstring(i)?;
    }
    (i, ext.disposition) = disposition(sp0(i)?.0)?;
    let (j, ()) = sp0(i)?;
    (i, ext.language) = if j.first() == Some(&b'(') {
        paren_list(j, usize::MAX, string_lenient)?
    } else {
        let (j, lang) = nstring(j)?;
        (j, lang.into_iter().collect())
    };
    (i, ext.location) = nstring(sp0(i)?.0)?;
    Ok((i, ()))
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`.
fn disposition(i: &[u8]) -> IResult<'_, Option<Disposition<'_>>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, None));
    }
    let (i, ()) = byte(b'(')(i)?;
    let (i, kind) = string_lenient(sp0(i)?.0)?;
    let (i, params) = params(sp0(i)?.0)?;
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((i, Some(Disposition { kind, params })))
}

/// `body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]`,
/// after the `(`.
fn single_part<'a>(
    i: &'a [u8],
    limits: &Limits,
    depth: usize,
    nodes: &mut Vec<BodyNode<'a>>,
) -> IResult<'a, BodyKind<'a>> {
    let (i, media_type) = string_lenient(i)?;
    let (i, ()) = sp0(i)?;
    // A missing subtype (`("X-ZIP" ("BOUNDARY" "") ...`): the parameters come next.
    let (i, subtype) = if i.first() == Some(&b'(') {
        (i, Cow::Borrowed(&b""[..]))
    } else {
        string_lenient(i)?
    };
    let (i, params) = params(sp0(i)?.0)?;
    let (i, id) = nstring(sp0(i)?.0)?;
    let (i, description) = nstring(sp0(i)?.0)?;
    let (i, encoding) = string_lenient(sp0(i)?.0)?;
    let (mut i, ()) = sp0(i)?;
    let size = match number(i) {
        Ok((rest, n)) => {
            i = rest;
            n
        }
        // Some servers send NIL for the size of an empty part.
        Err(_) => {
            i = nil(i)?.0;
            0
        }
    };
    let is_message = media_type.eq_ignore_ascii_case(b"message")
        && (subtype.eq_ignore_ascii_case(b"rfc822") || subtype.eq_ignore_ascii_case(b"global"));
    let mut envelope_ = None;
    let mut lines = None;
    if is_message {
        let (j, ()) = sp0(i)?;
        if j.first() == Some(&b'(') {
            let (j, env) = envelope(j, limits)?;
            let (j, ()) = body_node(sp0(j)?.0, limits, depth - 1, nodes)?;
            let (j, n) = number(sp0(j)?.0)?;
            envelope_ = Some(Box::new(env));
            lines = Some(n);
            i = j;
        }
    } else if media_type.eq_ignore_ascii_case(b"text") {
        if let Ok((j, n)) = number(sp0(i)?.0) {
            lines = Some(n);
            i = j;
        }
    }
    let (i, extension) = extension_data(i, depth)?;
    Ok((
        i,
        BodyKind::Single(SinglePart {
            media_type,
            subtype,
            params,
            id,
            description,
            encoding,
            size,
            lines,
            envelope: envelope_,
            extension,
        }),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::decode::core::Reason;
    use crate::types::flag::Flag;
    use alloc::vec::Vec;

    #[test]
    fn dovecot_fetch_known_answer() {
        let input = b"(UID 4827 FLAGS (\\Seen) RFC822.SIZE 4286 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\"))";
        let (rest, items) = fetch_items(input, &Limits::default()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(items[0], FetchItem::Uid(4827));
        let FetchItem::Flags(flags) = &items[1] else {
            panic!()
        };
        assert_eq!(flags.iter().collect::<Vec<_>>(), [Flag::Seen]);
        assert_eq!(items[2], FetchItem::Rfc822Size(4286));
        let FetchItem::InternalDate(d) = &items[3] else {
            panic!()
        };
        assert_eq!(d.unix_time(), 837_596_665);
        let FetchItem::Envelope(e) = &items[4] else {
            panic!()
        };
        assert_eq!(
            e.subject.as_deref(),
            Some(&b"IMAP4rev1 WG mtg summary and minutes"[..])
        );
        assert_eq!(
            e.from.first().unwrap().name.as_deref(),
            Some(&b"Terry Gray"[..])
        );
        assert_eq!(e.cc.len(), 2);
        assert!(e.bcc.is_empty());
    }

    #[test]
    fn body_sections_and_unknown_items() {
        let input = b"(BODY[HEADER.FIELDS (SUBJECT)]<0> {9}\r\nSubject: X-UNKNOWN 123 BINARY.SIZE[1] 77 MODSEQ (12) X-GM-LABELS (\\Inbox \"a b\") EMAILID (M6d9) THREADID NIL SAVEDATE NIL PREVIEW \"hi\")";
        let (_, items) = fetch_items(input, &Limits::default()).unwrap();
        assert_eq!(
            items[0],
            FetchItem::BodySection {
                binary: false,
                section: Cow::Borrowed(&b"HEADER.FIELDS (SUBJECT)"[..]),
                origin: Some(0),
                data: Some(Cow::Borrowed(&b"Subject: "[..]))
            }
        );
        assert!(
            matches!(&items[1], FetchItem::Other { name, value } if name.as_str() == "X-UNKNOWN" && value.as_ref() == b"123")
        );
        // An unknown item with a section and a partial is kept whole, not a failure.
        let (_, unknown) = fetch_items(b"(X-FOO[1.2]<0> \"x\" UID 4)", &Limits::default()).unwrap();
        assert!(
            matches!(&unknown[0], FetchItem::Other { name, value } if name.as_str() == "X-FOO" && value.as_ref() == b"[1.2]<0> \"x\"")
        );
        assert_eq!(unknown[1], FetchItem::Uid(4));
        // A known item with a value it cannot have is kept opaque; the others still read.
        let (_, bogus) = fetch_items(
            b"(INTERNALDATE \"bogus\" UID 9 FLAGS (\\Seen))",
            &Limits::default(),
        )
        .unwrap();
        assert!(
            matches!(&bogus[0], FetchItem::Other { name, value } if name.as_str() == "INTERNALDATE" && value.as_ref() == b"\"bogus\"")
        );
        assert_eq!(bogus[1], FetchItem::Uid(9));
        assert!(matches!(items[2], FetchItem::BinarySize { size: 77, .. }));
        assert_eq!(items[3], FetchItem::ModSeq(12));
        assert_eq!(
            items[4],
            FetchItem::GmailLabels(alloc::vec![
                Cow::Borrowed(&b"\\Inbox"[..]),
                Cow::Borrowed(&b"a b"[..])
            ])
        );
        assert!(matches!(&items[5], FetchItem::EmailId(id) if id.as_str() == "M6d9"));
        assert_eq!(items[6], FetchItem::ThreadId(None));
        assert_eq!(items[7], FetchItem::SaveDate(None));
        assert_eq!(
            items[8],
            FetchItem::Preview(Some(Cow::Borrowed(&b"hi"[..])))
        );
    }

    #[test]
    fn rfc_bodystructure() {
        let input = b"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\")";
        let (rest, b) = body(input, &Limits::default()).unwrap();
        assert!(rest.is_empty());
        let root = b.root();
        let Some(BodyKind::Multipart { subtype, .. }) = root.kind() else {
            panic!()
        };
        assert_eq!(subtype.as_ref(), b"MIXED");
        let parts: Vec<_> = root.children().collect();
        assert_eq!(parts.len(), 2);
        let Some(BodyKind::Single(p)) = parts[1].kind() else {
            panic!()
        };
        assert_eq!(p.size, 4554);
        assert_eq!(p.lines, Some(73));
        assert_eq!(p.params.iter().count(), 2);
        assert_eq!(p.params.get("name").as_deref(), Some(&b"cc.diff"[..]));
        // Extension data and a message/rfc822 part.
        let input = b"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 342 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 2 1 NIL NIL NIL NIL) 9 NIL (\"inline\" NIL) NIL NIL)";
        let (_, b) = body(input, &Limits::default()).unwrap();
        assert_eq!(b.nodes().len(), 2);
        let Some(BodyKind::Single(p)) = b.root().kind() else {
            panic!()
        };
        assert_eq!(p.lines, Some(9));
        assert!(p.envelope.is_some());
        assert_eq!(p.extension.as_ref(), b"NIL (\"inline\" NIL) NIL NIL");
        let inner: Vec<_> = b.root().children().collect();
        assert!(matches!(inner[0].kind(), Some(BodyKind::Single(p)) if p.size == 2));
        let shallow = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(matches!(
            body(
                b"((((((\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) \"X\") \"X\") \"X\") \"X\") \"X\")",
                &shallow
            ),
            Err(nom::Err::Failure(e)) if e.reason == Reason::TooDeep
        ));
    }

    fn structure(input: &[u8]) -> BodyStructure<'_> {
        let (rest, b) = body(input, &Limits::default()).unwrap();
        assert!(rest.is_empty(), "{:?}", core::str::from_utf8(rest));
        b
    }

    #[test]
    fn extension_ending_in_a_literal_keeps_its_white_space() {
        // Found by the round-trip tests: the kept text was trimmed, cutting the literal short.
        let b = structure(b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 NIL NIL NIL {2}\r\na  )");
        let Some(BodyKind::Single(p)) = b.root().kind() else {
            panic!()
        };
        assert_eq!(p.extension.as_ref(), b"NIL NIL NIL {2}\r\na ");
        assert_eq!(
            b.root()
                .kind()
                .unwrap()
                .extension_fields()
                .location
                .as_deref(),
            Some(&b"a "[..])
        );
    }

    #[test]
    fn extension_fields() {
        let b = structure(b"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 21 0 \"Q2hlY2s=\" (\"inline\" NIL) (\"en\" \"de\") \"http://x/\")(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 690 NIL (\"attachment\" (\"filename\" \"a b.pdf\")) \"fr\" NIL) \"mixed\" (\"boundary\" \"--=_0\") NIL NIL)");
        let nodes = b.nodes();
        let root = nodes[0].kind.extension_fields();
        assert_eq!(root.params.get("boundary").as_deref(), Some(&b"--=_0"[..]));
        assert_eq!(root.disposition, None);
        let text = nodes[1].kind.extension_fields();
        assert_eq!(text.md5.as_deref(), Some(&b"Q2hlY2s="[..]));
        let d = text.disposition.unwrap();
        assert_eq!(
            (d.kind.as_ref(), d.params.is_empty()),
            (&b"inline"[..], true)
        );
        assert_eq!(text.language, [&b"en"[..], b"de"]);
        assert_eq!(text.location.as_deref(), Some(&b"http://x/"[..]));
        let pdf = nodes[2].kind.extension_fields();
        let d = pdf.disposition.unwrap();
        assert_eq!(d.kind.as_ref(), b"attachment");
        assert_eq!(d.params.get("FILENAME").as_deref(), Some(&b"a b.pdf"[..]));
        assert_eq!(pdf.language, [&b"fr"[..]]);
        // No extension data at all.
        let bare = structure(b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)");
        assert_eq!(
            bare.nodes()[0].kind.extension_fields(),
            BodyExtension::default()
        );
    }

    #[test]
    fn body_structure_quirks() {
        // Exchange 2016 (javamail #278): a string where the multipart's disposition belongs.
        // The structure reads; the disposition is left empty, the parameters kept.
        let b = structure(b"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 21 0 NIL (\"inline\" NIL) NIL NIL) \"mixed\" (\"boundary\" \"x\") \"S/MIME Encrypted Message\" NIL)");
        let root = b.nodes()[0].kind.extension_fields();
        assert_eq!(root.params.get("boundary").as_deref(), Some(&b"x"[..]));
        assert_eq!(root.disposition, None);
        // mail.ru (vmime #159): NIL as a parameter value.
        let b = structure(b"((\"text\" \"plain\" NIL NIL NIL \"8bit\" 536 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" NIL))");
        assert_eq!(
            b.nodes()[0]
                .kind
                .extension_fields()
                .params
                .get("boundary")
                .as_deref(),
            Some(&b""[..])
        );
        // MailKit #371: a part without a subtype.
        let b = structure(b"((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"windows-1251\") NIL NIL \"base64\" 356 5)( \"X-ZIP\" (\"BOUNDARY\" \"\") NIL NIL \"base64\" 100) \"MIXED\")");
        let BodyKind::Single(zip) = &b.nodes()[2].kind else {
            panic!()
        };
        assert_eq!(
            (zip.media_type.as_ref(), zip.subtype.as_ref(), zip.size),
            (&b"X-ZIP"[..], &b""[..], 100)
        );
        // MailKit #1393: a multipart with NIL in place of its parts, inside a message/rfc822.
        let b = structure(b"((\"text\" \"plain\" NIL NIL NIL \"7bit\" 727 16 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 903 (NIL \"Re: Adresy\" NIL NIL NIL NIL NIL NIL NIL NIL) (NIL \"alternative\" (\"boundary\" \"Apple-Mail=_35\") NIL NIL NIL) 17 NIL NIL NIL NIL) \"report\" (\"report-type\" \"delivery-status\") NIL NIL NIL)");
        let inner = &b.nodes()[3].kind;
        assert!(
            matches!(inner, BodyKind::Multipart { subtype, .. } if subtype.as_ref() == b"alternative")
        );
        assert_eq!(b.nodes().len(), 4);
    }

    #[test]
    fn dates() {
        let (_, d) = date_time(b"\" 1-Jan-2024 00:00:00 +0000\"").unwrap();
        assert_eq!(d.unix_time(), 1_704_067_200);
        assert!(date_time(b"\"1-Foo-2024 00:00:00 +0000\"").is_err());
        // No zone, or a named one: UTC.
        for utc in [
            &b"\"01-Jan-2024 00:00:00\""[..],
            b"\"01-Jan-2024 00:00:00 GMT\"",
            b"\"01-Jan-2024 00:00:00 utc\"",
        ] {
            let (_, d) = date_time(utc).unwrap();
            assert_eq!((d.unix_time(), d.zone_minutes), (1_704_067_200, 0));
        }
        assert!(date_time(b"\"01-Jan-2024 00:00:00 CEST\"").is_err());
        // Zone minutes past 59 (found by fuzzing: `+9999` wrote back as `+0039`).
        assert!(date_time(b"\"01-Jan-2024 00:00:00 +9999\"").is_err());
        assert!(date_time(b"\"01-Jan-2024 00:00:00 -2359\"").is_ok());
    }
}
