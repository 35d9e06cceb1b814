//! Parsers for whole responses: status responses and their codes, data responses and
//! continuation requests (RFC 9051 §7 and the extensions named on each rule).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::capability::capabilities;
use super::core::{
    astring, atom, byte, crlf, fail, hierarchy_delimiter, list_too_long, nil, number, number64,
    paren_list, sequence_set, sp, sp0, text, IResult,
};
use super::extensions::condstore::vanished;
use super::extensions::esearch::esearch;
use super::extensions::id::id;
use super::extensions::list_extended::list_extended_or_raw;
use super::extensions::namespace::namespace;
use super::extensions::objectid::paren_objectid;
use super::extensions::quota::{quota, quota_root};
use super::extensions::thread::threads;
use super::fetch::fetch_items;
use super::flag::{flag_list, flag_perm, list_attribute};
use crate::types::core::{is_astring_char, Atom, Mailbox, Tag};
use crate::types::response::{
    Code, Continue, Data, ListItem, Response, StatusItem, StatusKind, StatusResponse,
};
use crate::Limits;

/// `response = continue-req / response-data / response-tagged` (one message, CRLF included).
pub(crate) fn response<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Response<'a>> {
    match i.first() {
        Some(b'+') => continue_req(i, limits),
        Some(b'*') => {
            let (i, ()) = byte(b'*')(i)?;
            let (i, ()) = sp0(i)?;
            untagged(i, limits)
        }
        _ => tagged(i, limits),
    }
}

/// `continue-req = "+" [SP (resp-text / base64)] CRLF`; a bare `+` is accepted.
fn continue_req<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Response<'a>> {
    let (i, ()) = byte(b'+')(i)?;
    let (i, ()) = sp0(i)?;
    let (i, code) = match resp_code(i, limits) {
        Ok((rest, code)) => (sp0(rest)?.0, Some(code)),
        Err(_) => (i, None),
    };
    let (i, text) = text(i)?;
    let (i, ()) = crlf(i)?;
    Ok((i, Response::Continue(Continue { code, text })))
}

/// `response-tagged = tag SP resp-cond-state CRLF`.
fn tagged<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Response<'a>> {
    let n = i
        .iter()
        .take_while(|&&b| is_astring_char(b) && b != b'+')
        .count();
    if n == 0 {
        return fail(i);
    }
    let Ok(tag) = core::str::from_utf8(&i[..n]) else {
        return fail(i);
    };
    let (i, ()) = sp(&i[n..])?;
    let (i, kind) = status_kind(i)?;
    let (i, (code, text)) = resp_text(i, limits)?;
    let (i, ()) = crlf(i)?;
    Ok((
        i,
        Response::Status(StatusResponse {
            tag: Some(Tag::unvalidated(tag)),
            kind,
            code,
            text,
        }),
    ))
}

fn status_kind(i: &[u8]) -> IResult<'_, StatusKind> {
    let (rest, word) = atom(i)?;
    let kind = match word.len() {
        2 if word.eq_ignore_ascii_case("OK") => StatusKind::Ok,
        2 if word.eq_ignore_ascii_case("NO") => StatusKind::No,
        3 if word.eq_ignore_ascii_case("BAD") => StatusKind::Bad,
        3 if word.eq_ignore_ascii_case("BYE") => StatusKind::Bye,
        7 if word.eq_ignore_ascii_case("PREAUTH") => StatusKind::PreAuth,
        _ => return fail(i),
    };
    Ok((rest, kind))
}

/// `resp-text = ["[" resp-text-code "]" SP] text`, leniently with the space or the text
/// missing.
fn resp_text<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, (Option<Code<'a>>, Cow<'a, str>)> {
    let (i, ()) = sp0(i)?;
    let (i, code) = match resp_code(i, limits) {
        Ok((rest, code)) => (sp0(rest)?.0, Some(code)),
        Err(_) => (i, None),
    };
    let (i, text) = text(i)?;
    Ok((i, (code, text)))
}

/// `"[" resp-text-code "]"`. A known code whose arguments do not parse, and any unknown
/// code, is kept as [`Code::Other`] with its arguments unparsed.
fn resp_code<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Code<'a>> {
    let (i, ()) = byte(b'[')(i)?;
    let (after_name, name) = atom(i)?;
    if let Ok((rest, code)) = known_code(name, after_name, limits) {
        if let Ok((rest, ())) = byte(b']')(sp0(rest)?.0) {
            return Ok((rest, code));
        }
    }
    // Opaque: everything up to the `]` that ends the code on this line.
    let (data_start, ()) = sp0(after_name)?;
    let end = data_start
        .iter()
        .position(|&b| b == b']' || b == b'\r' || b == b'\n')
        .unwrap_or(data_start.len());
    if data_start.get(end) != Some(&b']') {
        return fail(i);
    }
    let data = (end > 0).then(|| Cow::Borrowed(&data_start[..end]));
    Ok((
        &data_start[end + 1..],
        Code::Other {
            name: Atom::unvalidated(name),
            data,
        },
    ))
}

fn known_code<'a>(name: &str, i: &'a [u8], limits: &Limits) -> IResult<'a, Code<'a>> {
    let upper = |s: &str| name.eq_ignore_ascii_case(s);
    const SIMPLE: &[(&str, Code<'static>)] = &[
        ("ALERT", Code::Alert),
        ("PARSE", Code::Parse),
        ("READ-ONLY", Code::ReadOnly),
        ("READ-WRITE", Code::ReadWrite),
        ("TRYCREATE", Code::TryCreate),
        ("UIDNOTSTICKY", Code::UidNotSticky),
        ("NOMODSEQ", Code::NoModSeq),
        ("CLOSED", Code::Closed),
        ("UNAVAILABLE", Code::Unavailable),
        ("AUTHENTICATIONFAILED", Code::AuthenticationFailed),
        ("AUTHORIZATIONFAILED", Code::AuthorizationFailed),
        ("EXPIRED", Code::Expired),
        ("PRIVACYREQUIRED", Code::PrivacyRequired),
        ("CONTACTADMIN", Code::ContactAdmin),
        ("NOPERM", Code::NoPerm),
        ("INUSE", Code::InUse),
        ("EXPUNGEISSUED", Code::ExpungeIssued),
        ("CORRUPTION", Code::Corruption),
        ("SERVERBUG", Code::ServerBug),
        ("CLIENTBUG", Code::ClientBug),
        ("CANNOT", Code::CannotNot),
        ("LIMIT", Code::Limit),
        ("OVERQUOTA", Code::OverQuota),
        ("ALREADYEXISTS", Code::AlreadyExists),
        ("NONEXISTENT", Code::NonExistent),
        ("NOTIFICATIONOVERFLOW", Code::NotificationOverflow),
        ("NOTSAVED", Code::NotSaved),
        ("HASCHILDREN", Code::HasChildren),
        ("UNKNOWN-CTE", Code::UnknownCte),
        ("USEATTR", Code::UseAttr),
        ("COMPRESSIONACTIVE", Code::CompressionActive),
        ("TOOBIG", Code::TooBig),
    ];
    for (n, code) in SIMPLE {
        if upper(n) {
            return Ok((i, code.clone()));
        }
    }
    if upper("CAPABILITY") {
        let (i, caps) = capabilities(i, usize::MAX)?;
        return Ok((i, Code::Capability(caps)));
    }
    if upper("PERMANENTFLAGS") {
        let (i, ()) = sp0(i)?;
        let (i, flags) = paren_list(i, usize::MAX, flag_perm)?;
        return Ok((i, Code::PermanentFlags(flags)));
    }
    if upper("BADEVENT") {
        let (i, ()) = sp(i)?;
        let (i, events) = paren_list(i, usize::MAX, atom)?;
        let events = events.into_iter().map(Atom::unvalidated).collect();
        return Ok((i, Code::BadEvent(events)));
    }
    if upper("BADCHARSET") {
        let (j, ()) = sp0(i)?;
        return match paren_list(j, usize::MAX, astring) {
            Ok((j, c)) => Ok((j, Code::BadCharset(c))),
            Err(_) => Ok((i, Code::BadCharset(Vec::new()))),
        };
    }
    let num = |i| -> IResult<'a, u32> {
        let (i, ()) = sp(i)?;
        number(i)
    };
    if upper("UIDNEXT") {
        return num(i).map(|(r, n)| (r, Code::UidNext(n)));
    }
    if upper("UIDVALIDITY") {
        return num(i).map(|(r, n)| (r, Code::UidValidity(n)));
    }
    if upper("UNSEEN") {
        return num(i).map(|(r, n)| (r, Code::Unseen(n)));
    }
    if upper("HIGHESTMODSEQ") {
        let (i, ()) = sp(i)?;
        return number64(i).map(|(r, n)| (r, Code::HighestModSeq(n)));
    }
    if upper("MAILBOXID") {
        let (i, ()) = sp(i)?;
        return paren_objectid(i).map(|(r, id)| (r, Code::MailboxId(id)));
    }
    if upper("MODIFIED") {
        let (i, ()) = sp(i)?;
        return sequence_set(i, limits.max_list).map(|(r, s)| (r, Code::Modified(s)));
    }
    if upper("APPENDUID") {
        let (i, uid_validity) = num(i)?;
        let (i, ()) = sp(i)?;
        let (i, uids) = sequence_set(i, limits.max_list)?;
        return Ok((i, Code::AppendUid { uid_validity, uids }));
    }
    if upper("COPYUID") {
        let (i, uid_validity) = num(i)?;
        let (i, ()) = sp(i)?;
        let (i, source) = sequence_set(i, limits.max_list)?;
        let (i, ()) = sp(i)?;
        let (i, destination) = sequence_set(i, limits.max_list)?;
        return Ok((
            i,
            Code::CopyUid {
                uid_validity,
                source,
                destination,
            },
        ));
    }
    fail(i)
}

/// `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
/// capability-data / enable-data) CRLF`, after the `* `.
fn untagged<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Response<'a>> {
    if i.first().is_some_and(u8::is_ascii_digit) {
        let (i, n) = number(i)?;
        let (i, ()) = sp(i)?;
        let (i, word) = atom(i)?;
        let (i, data) = if word.eq_ignore_ascii_case("EXISTS") {
            (i, Data::Exists(n))
        } else if word.eq_ignore_ascii_case("RECENT") {
            (i, Data::Recent(n))
        } else if word.eq_ignore_ascii_case("EXPUNGE") {
            (i, Data::Expunge(n))
        } else if word.eq_ignore_ascii_case("FETCH") {
            let (i, ()) = sp0(i)?;
            let (i, items) = fetch_items(i, limits)?;
            (i, Data::Fetch { seq: n, items })
        } else {
            return fail(i);
        };
        let (i, ()) = crlf(i)?;
        return Ok((i, Response::Data(data)));
    }
    if let Ok((i, kind)) = status_kind(i) {
        let (i, (code, text)) = resp_text(i, limits)?;
        let (i, ()) = crlf(i)?;
        return Ok((
            i,
            Response::Status(StatusResponse {
                tag: None,
                kind,
                code,
                text,
            }),
        ));
    }
    let (after, word) = atom(i)?;
    let is = |s: &str| word.eq_ignore_ascii_case(s);
    let (i, data) = if is("CAPABILITY") {
        let (i, caps) = capabilities(after, limits.max_list)?;
        (i, Data::Capability(caps))
    } else if is("ENABLED") {
        let (i, caps) = capabilities(after, limits.max_list)?;
        (i, Data::Enabled(caps))
    } else if is("LIST") {
        let (i, item) = list_item(after, limits)?;
        (i, Data::List(item))
    } else if is("LSUB") {
        let (i, item) = list_item(after, limits)?;
        (i, Data::Lsub(item))
    } else if is("FLAGS") {
        let (i, ()) = sp0(after)?;
        let (i, flags) = flag_list(i, limits.max_list)?;
        (i, Data::Flags(flags))
    } else if is("SEARCH") {
        let (i, (numbers, modseq)) = search(after, limits)?;
        (i, Data::Search { numbers, modseq })
    } else if is("SORT") {
        let (i, (numbers, modseq)) = search(after, limits)?;
        (i, Data::Sort { numbers, modseq })
    } else if is("STATUS") {
        status(after, limits)?
    } else if is("ESEARCH") {
        let (i, e) = esearch(after, limits)?;
        (i, Data::ESearch(e))
    } else if is("THREAD") {
        let (i, t) = threads(after, limits)?;
        (i, Data::Thread(t))
    } else if is("NAMESPACE") {
        let (i, n) = namespace(after, limits)?;
        (i, Data::Namespace(n))
    } else if is("QUOTA") {
        let (i, q) = quota(after, limits)?;
        (i, Data::Quota(q))
    } else if is("QUOTAROOT") {
        let (i, q) = quota_root(after, limits)?;
        (i, Data::QuotaRoot(q))
    } else if is("ID") {
        let (i, d) = id(after, limits)?;
        (i, Data::Id(d))
    } else if is("VANISHED") {
        let (i, (earlier, uids)) = vanished(after, limits.max_list)?;
        (i, Data::Vanished { earlier, uids })
    } else {
        let end = after.len() - trailing_crlf(after);
        (
            &after[end..],
            Data::Other {
                name: Atom::unvalidated(word),
                rest: Cow::Borrowed(sp0(&after[..end])?.0),
            },
        )
    };
    let (i, ()) = crlf(i)?;
    Ok((i, Response::Data(data)))
}

fn trailing_crlf(i: &[u8]) -> usize {
    if i.ends_with(b"\r\n") {
        2
    } else {
        usize::from(i.ends_with(b"\n"))
    }
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]` (RFC 9051, RFC 5258), after `LIST`.
fn list_item<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, ListItem<'a>> {
    let (i, ()) = sp0(i)?;
    let (i, attributes) = paren_list(i, limits.max_list, list_attribute)?;
    let (i, ()) = sp0(i)?;
    let (i, delimiter) = hierarchy_delimiter(i)?;
    let (i, ()) = sp(i)?;
    let (line, crlf) = i.split_at(i.len() - trailing_crlf(i));
    let (mut rest, mut name) = astring(line)?;
    // Some servers send a name with spaces unquoted (`"." INBOX.Sent Items`). Extended data
    // always opens with `(`, so anything else after a bare name is the rest of the name.
    let bare = !matches!(line.first(), Some(b'"' | b'{' | b'~'));
    if bare && sp0(rest)?.0.first().is_some_and(|&b| b != b'(') {
        name = Cow::Borrowed(line.trim_ascii_end());
        rest = &[];
    }
    let (_, extended) = list_extended_or_raw(rest, limits)?;
    Ok((
        crlf,
        ListItem {
            attributes,
            delimiter,
            mailbox: Mailbox::from_wire(name),
            extended,
        },
    ))
}

/// `mailbox-data =/ "SEARCH" *(SP nz-number) [SP search-sort-mod-seq]` (RFC 7162), and
/// `sort-data` (RFC 5256). A tight loop: a SEARCH line can hold millions of numbers.
fn search<'a>(mut i: &'a [u8], limits: &Limits) -> IResult<'a, (Vec<u32>, Option<u64>)> {
    let mut numbers = Vec::new();
    let mut modseq = None;
    loop {
        let (rest, ()) = sp0(i)?;
        match rest.first() {
            Some(b) if b.is_ascii_digit() => {
                if numbers.len() >= limits.max_list {
                    return list_too_long(rest);
                }
                let (rest, n) = number(rest)?;
                numbers.push(n);
                i = rest;
            }
            Some(b'(') => {
                let (rest, ()) = byte(b'(')(rest)?;
                let (rest, word) = atom(rest)?;
                if !word.eq_ignore_ascii_case("MODSEQ") {
                    return fail(rest);
                }
                let (rest, ()) = sp(rest)?;
                let (rest, m) = number64(rest)?;
                let (rest, ()) = byte(b')')(sp0(rest)?.0)?;
                modseq = Some(m);
                i = rest;
            }
            _ => return Ok((i, (numbers, modseq))),
        }
    }
}

/// `mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"`.
fn status<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Data<'a>> {
    let (i, ()) = sp(i)?;
    let (i, name) = astring(i)?;
    let (i, ()) = sp0(i)?;
    let (i, items) = paren_list(i, limits.max_list, |i| {
        let (i, word) = atom(i)?;
        let (i, ()) = sp(i)?;
        let is = |s: &str| word.eq_ignore_ascii_case(s);
        if is("MAILBOXID") {
            return paren_objectid(i).map(|(r, id)| (r, StatusItem::MailboxId(id)));
        }
        if is("APPENDLIMIT") {
            if let Ok((r, ())) = nil(i) {
                return Ok((r, StatusItem::AppendLimit(None)));
            }
            return number(i).map(|(r, n)| (r, StatusItem::AppendLimit(Some(n))));
        }
        if is("SIZE") || is("HIGHESTMODSEQ") {
            let (i, n) = number64(i)?;
            return Ok((
                i,
                if is("SIZE") {
                    StatusItem::Size(n)
                } else {
                    StatusItem::HighestModSeq(n)
                },
            ));
        }
        let (i, n) = number(i)?;
        let item = if is("MESSAGES") {
            StatusItem::Messages(n)
        } else if is("RECENT") {
            StatusItem::Recent(n)
        } else if is("UIDNEXT") {
            StatusItem::UidNext(n)
        } else if is("UIDVALIDITY") {
            StatusItem::UidValidity(n)
        } else if is("UNSEEN") {
            StatusItem::Unseen(n)
        } else if is("DELETED") {
            StatusItem::Deleted(n)
        } else {
            return fail(i);
        };
        Ok((i, item))
    })?;
    Ok((
        i,
        Data::Status {
            mailbox: Mailbox::from_wire(name),
            items,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::types::capability::Capability;
    use crate::types::flag::{Flag, FlagPerm, ListAttribute};
    use alloc::vec;

    fn parse(input: &[u8]) -> Response<'_> {
        let (rest, r) = response(input, &Limits::default()).unwrap();
        assert!(
            rest.is_empty(),
            "left over: {:?}",
            alloc::string::String::from_utf8_lossy(rest)
        );
        r
    }

    fn status_of(r: Response<'_>) -> StatusResponse<'_> {
        match r {
            Response::Status(s) => s,
            other => panic!("not a status: {other:?}"),
        }
    }

    #[test]
    fn dovecot_greeting() {
        let s = status_of(parse(
            b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n",
        ));
        assert_eq!(s.tag, None);
        assert_eq!(s.kind, StatusKind::Ok);
        assert_eq!(s.text, "Dovecot (Debian) ready.");
        let Some(Code::Capability(caps)) = s.code else {
            panic!()
        };
        assert!(caps.contains(&Capability::SaslIr));
        assert!(caps.iter().any(|c| c.is_auth("PLAIN")));
    }

    #[test]
    fn tagged_status_with_codes() {
        let s = status_of(parse(
            b"a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        ));
        assert_eq!(s.tag.unwrap().as_str(), "a1");
        assert_eq!(s.kind, StatusKind::No);
        assert_eq!(s.code, Some(Code::AuthenticationFailed));
        let s = status_of(parse(
            b"a2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
        ));
        assert_eq!(s.code, Some(Code::ReadWrite));
        let s = status_of(parse(b"* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"));
        assert_eq!(s.code, Some(Code::UidValidity(1_700_000_000)));
        let s = status_of(parse(
            b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\*)] Flags permitted.\r\n",
        ));
        assert_eq!(
            s.code,
            Some(Code::PermanentFlags(vec![
                FlagPerm::Flag(Flag::Answered),
                FlagPerm::Flag(Flag::Flagged),
                FlagPerm::Wildcard
            ]))
        );
        let s = status_of(parse(b"* OK [X-FOO bar baz] hi\r\n"));
        assert_eq!(
            s.code,
            Some(Code::Other {
                name: Atom::unvalidated("X-FOO"),
                data: Some(Cow::Borrowed(&b"bar baz"[..]))
            })
        );
        // A known code with broken arguments is kept opaque rather than failing.
        let s = status_of(parse(b"* OK [UIDNEXT x] hi\r\n"));
        assert!(matches!(s.code, Some(Code::Other { .. })));
        let s = status_of(parse(b"* BYE\r\n"));
        assert_eq!((s.kind, s.text.as_ref()), (StatusKind::Bye, ""));
        let s = status_of(parse(
            b"A3 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
        ));
        assert!(matches!(
            s.code,
            Some(Code::CopyUid {
                uid_validity: 38505,
                ..
            })
        ));
        // RFC 5465 §3.1: the events the server supports, in its NO to NOTIFY.
        let s = status_of(parse(
            b"a1 NO [BADEVENT (MessageNew MessageExpunge)] Unsupported event\r\n",
        ));
        assert_eq!(
            s.code,
            Some(Code::BadEvent(vec![
                Atom::unvalidated("MessageNew"),
                Atom::unvalidated("MessageExpunge")
            ]))
        );
    }

    #[test]
    fn status_text_ending_in_braces_is_text() {
        // The framer takes no literal here (`resp-text` holds no CRLF); the decoder agrees.
        for (line, tag, kind, text) in [
            (
                &b"A1 OK done{4}\r\n"[..],
                Some("A1"),
                StatusKind::Ok,
                "done{4}",
            ),
            (
                b"A1 NO failed {4+}\r\n",
                Some("A1"),
                StatusKind::No,
                "failed {4+}",
            ),
            (
                b"A1 BAD junk ~{4}\r\n",
                Some("A1"),
                StatusKind::Bad,
                "junk ~{4}",
            ),
            (b"* OK done{4}\r\n", None, StatusKind::Ok, "done{4}"),
            (b"* PREAUTH hi{4}\r\n", None, StatusKind::PreAuth, "hi{4}"),
            (b"* BYE bye{4}\r\n", None, StatusKind::Bye, "bye{4}"),
            (b"A1 OK{4}\r\n", Some("A1"), StatusKind::Ok, "{4}"),
        ] {
            let s = status_of(parse(line));
            assert_eq!(s.tag.as_ref().map(Tag::as_str), tag);
            assert_eq!((s.kind, s.text.as_ref()), (kind, text));
            assert_eq!(s.code, None);
        }
        let s = status_of(parse(b"A1 NO [BADCHARSET (US-ASCII)] {4}\r\n"));
        assert_eq!(s.text, "{4}");
        assert!(matches!(s.code, Some(Code::BadCharset(c)) if c.len() == 1));
        assert_eq!(
            parse(b"+ Ready for literal data{4}\r\n"),
            Response::Continue(Continue {
                code: None,
                text: Cow::Borrowed("Ready for literal data{4}")
            })
        );
        // RFC 3501's BADCHARSET holds astrings, a literal included; the framer allows it.
        let s = status_of(parse(
            b"* NO [BADCHARSET ({5}\r\nUTF-8 {3}\r\nX]Y)] no{4}\r\n",
        ));
        assert_eq!(s.text, "no{4}");
        let Some(Code::BadCharset(charsets)) = s.code else {
            panic!("{:?}", s.code)
        };
        let charsets: Vec<&[u8]> = charsets.iter().map(AsRef::as_ref).collect();
        assert_eq!(charsets, [&b"UTF-8"[..], b"X]Y"]);
    }

    #[test]
    fn continuation_requests() {
        assert_eq!(
            parse(b"+\r\n"),
            Response::Continue(Continue {
                code: None,
                text: Cow::Borrowed("")
            })
        );
        assert_eq!(
            parse(b"+ idling\r\n"),
            Response::Continue(Continue {
                code: None,
                text: Cow::Borrowed("idling")
            })
        );
    }

    #[test]
    fn mailbox_data() {
        let Response::Data(Data::List(l)) =
            parse(b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n")
        else {
            panic!()
        };
        assert_eq!(
            l.attributes,
            [ListAttribute::HasNoChildren, ListAttribute::Sent]
        );
        assert_eq!(l.delimiter, Some('/'));
        assert_eq!(l.mailbox.as_bytes(), b"Sent Items");
        let Response::Data(Data::List(l)) = parse(b"* LIST () NIL inbox\r\n") else {
            panic!()
        };
        assert!(l.mailbox.is_inbox());
        assert_eq!(l.delimiter, None);
        // A NUL delimiter is no delimiter (it used to re-encode as a literal; fuzz reencode).
        let Response::Data(Data::List(l)) = parse(b"* LIST () \"\0\" Sent\r\n") else {
            panic!()
        };
        assert_eq!((l.delimiter, l.mailbox.as_bytes()), (None, &b"Sent"[..]));
        // A name with spaces, unquoted: the rest of the line is the rest of the name.
        let Response::Data(Data::List(l)) =
            parse(b"* LIST (\\HasNoChildren) \".\" INBOX.Sent Items \r\n")
        else {
            panic!()
        };
        assert_eq!(l.mailbox.as_bytes(), b"INBOX.Sent Items");
        assert!(l.extended.is_empty());
        let Response::Data(Data::Lsub(l)) = parse(b"* LSUB () \".\" {5}\r\nA B C\r\n") else {
            panic!()
        };
        assert_eq!(l.mailbox.as_bytes(), b"A B C");
        assert_eq!(parse(b"* 23 EXISTS\r\n"), Response::Data(Data::Exists(23)));
        assert_eq!(parse(b"* 0 RECENT\r\n"), Response::Data(Data::Recent(0)));
        assert_eq!(parse(b"* 5 EXPUNGE\r\n"), Response::Data(Data::Expunge(5)));
        assert_eq!(
            parse(b"* SEARCH 2 84 882\r\n"),
            Response::Data(Data::Search {
                numbers: vec![2, 84, 882],
                modseq: None
            })
        );
        assert_eq!(
            parse(b"* SEARCH\r\n"),
            Response::Data(Data::Search {
                numbers: vec![],
                modseq: None
            })
        );
        assert_eq!(
            parse(b"* SEARCH 1 3 (MODSEQ 917162500)\r\n"),
            Response::Data(Data::Search {
                numbers: vec![1, 3],
                modseq: Some(917_162_500)
            })
        );
        let Response::Data(Data::Flags(f)) =
            parse(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
        else {
            panic!()
        };
        assert_eq!(f.len(), 5);
        assert_eq!(
            parse(b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n"),
            Response::Data(Data::Status {
                mailbox: Mailbox::try_from("blurdybloop").unwrap(),
                items: vec![StatusItem::Messages(231), StatusItem::UidNext(44292)]
            })
        );
        let Response::Data(Data::Other { name, rest }) =
            parse(b"* XAPPLEPUSHSERVICE aps-version \"2\"\r\n")
        else {
            panic!()
        };
        assert_eq!(
            (name.as_str(), rest.as_ref()),
            ("XAPPLEPUSHSERVICE", &b"aps-version \"2\""[..])
        );
        assert!(matches!(
            parse(b"* ID (\"name\" \"Dovecot\")\r\n"),
            Response::Data(Data::Id(_))
        ));
        assert!(matches!(
            parse(b"* SORT 2 3 6\r\n"),
            Response::Data(Data::Sort { .. })
        ));
        assert!(matches!(
            parse(b"* VANISHED (EARLIER) 300:310,405,411\r\n"),
            Response::Data(Data::Vanished { earlier: true, .. })
        ));
        assert!(matches!(
            parse(b"* QUOTA \"\" (STORAGE 10 512)\r\n"),
            Response::Data(Data::Quota(_))
        ));
        let s = status_of(parse(
            b"* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok\r\n",
        ));
        assert!(matches!(s.code, Some(Code::MailboxId(_))));
        assert_eq!(
            parse(b"* STATUS foo (MAILBOXID (Fa1) APPENDLIMIT NIL)\r\n"),
            Response::Data(Data::Status {
                mailbox: Mailbox::try_from("foo").unwrap(),
                items: vec![
                    StatusItem::MailboxId(crate::types::core::ObjectId::try_from("Fa1").unwrap()),
                    StatusItem::AppendLimit(None)
                ]
            })
        );
    }
}
