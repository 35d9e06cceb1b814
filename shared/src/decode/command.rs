//! The command decoder: one client command (RFC 9051 §9 `command`, with the extensions the
//! encoder writes) from the bytes a server reads, literals inline after their `{n}`,
//! `{n+}` or `~{n}` announcements, as they stand once the server has sent its
//! continuations. Test servers, proxies and the round-trip tests read commands with it.
//!
//! Two stages, as for responses: the [`Scanner`] finds where the command ends (lines and
//! literals, under the [`Limits`]), so that an incomplete command is told apart from a
//! broken one before any grammar runs; then complete parsers read the grammar.
//!
//! Where the wire form does not tell two values of [`CommandBody`] apart, decoding picks
//! one (the encoder writes both the same way):
//! - `LIST` without selection options, with one pattern and no return options other than
//!   `SPECIAL-USE` is [`CommandBody::List`]; any other `LIST` is
//!   [`CommandBody::ListExtended`].
//! - `SELECT`/`EXAMINE` without parameters (or with `()`) is [`CommandBody::Select`] /
//!   [`CommandBody::Examine`]; with `CONDSTORE` or `QRESYNC` it is
//!   [`CommandBody::SelectModSeq`].
//! - `FETCH` without `CHANGEDSINCE` is [`CommandBody::Fetch`]; with it,
//!   [`CommandBody::FetchChangedSince`].
//! - Search criteria the encoder writes as `ALL` because they are empty read back as
//!   `[SearchKey::All]`; `NOTIFY NONE` reads back with `status: false`.
//! - The macros `ALL`, `FAST` and `FULL` read as their item lists (RFC 9051 §6.4.5), and
//!   the IMAP4rev1 items `RFC822`, `RFC822.HEADER` and `RFC822.TEXT` as the `BODY[]`,
//!   `BODY.PEEK[HEADER]` and `BODY[TEXT]` sections they equal (RFC 3501 §6.4.5).
//!
//! What [`CommandBody`] cannot hold is a [`DecodeError::Malformed`] rather than silently
//! dropped: `seq-match-data` of QRESYNC, NOTIFY event parameters, `MODSEQ` entry names in
//! SEARCH, the `$` saved result (RFC 5182) as a sequence set, other fetch or store
//! modifiers.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::core::{
    astring, atom, byte, crlf, fail, list_too_long, number, number64, paren_list, quoted,
    sequence_set, sp, sp0, string, too_deep, IResult,
};
use super::fetch::date_time;
use super::flag::{flag, flag_list, list_attribute};
use super::{grammar_error, DecodeError};
use crate::framer::{Scanner, Step};
use crate::types::command::{
    Atomish, Command, CommandBody, FetchAttribute, ListReturn, ListSelection, NotifyEvent,
    NotifyGroup, NotifyMailboxes, QResync, SearchDate, SearchKey, SearchReturn, SortKey,
    StatusAttribute, StoreKind,
};
use crate::types::core::{
    is_astring_char, is_atom_char, AString, Atom, Mailbox, Secret, SequenceSet, Tag,
};
use crate::types::flag::{Flag, FlagName};
use crate::Limits;

/// Decodes the first command of `input` and returns the bytes after it.
///
/// `Err(DecodeError::Incomplete)` means the input ends inside the command: call again
/// with more bytes. Any other error means the command is broken; a caller that goes on
/// skips to the next line. An `AUTHENTICATE` without an initial response on its line takes
/// the line after it as its first SASL response (`authenticate = ... *(CRLF base64)`)
/// when that line is complete and holds only base64; otherwise the command stands alone.
///
/// ```
/// use petrel_imap::{decode_command, DecodeError, Limits};
/// use petrel_imap::types::command::CommandBody;
/// let (rest, command) = decode_command(b"a1 NOOP\r\na2 LOG", &Limits::default()).unwrap();
/// assert_eq!(command.body, CommandBody::Noop);
/// assert_eq!(decode_command(rest, &Limits::default()), Err(DecodeError::Incomplete));
/// ```
pub fn decode_command<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<(&'a [u8], Command<'a>), DecodeError> {
    let (start, end) = match Scanner::commands(*limits).step(input) {
        Step::Message(start, end) => (start, end),
        Step::NeedMore => return Err(DecodeError::Incomplete),
        Step::Error(e) => return Err(e.into()),
    };
    let message = input.get(start..end).unwrap_or_default();
    let mut rest = input.get(end..).unwrap_or_default();
    let mut command = match command(message, limits) {
        Ok(([], command)) => command,
        Ok((left, _)) => return Err(redact(DecodeError::malformed(message, left), message)),
        Err(e) => return Err(redact(grammar_error(message, e, limits), message)),
    };
    if let CommandBody::Authenticate {
        initial_response: response @ None,
        ..
    } = &mut command.body
    {
        if let Some((first, after)) = sasl_response(rest, limits) {
            *response = Some(Secret::new(first));
            rest = after;
        }
    }
    Ok((rest, command))
}

/// LOGIN and AUTHENTICATE carry secrets, which an error must not show (it is for logs): only
/// their tag and name are kept.
fn redact(e: DecodeError, message: &[u8]) -> DecodeError {
    let mut words = message.splitn(3, |&b| b == b' ');
    let (Some(tag), Some(name)) = (words.next(), words.next()) else {
        return e;
    };
    let secret = name.eq_ignore_ascii_case(b"LOGIN") || name.eq_ignore_ascii_case(b"AUTHENTICATE");
    match e {
        DecodeError::Malformed { offset, .. } if secret => DecodeError::Malformed {
            offset,
            message: alloc::format!(
                "{} {} <redacted>",
                String::from_utf8_lossy(tag),
                String::from_utf8_lossy(name)
            ),
        },
        e => e,
    }
}

/// A complete line holding only base64 (or nothing, the empty response), decoded.
fn sasl_response<'a>(input: &'a [u8], limits: &Limits) -> Option<(Vec<u8>, &'a [u8])> {
    let lf = memchr::memchr(b'\n', input)?;
    if lf >= limits.max_line {
        return None;
    }
    let line = input.get(..lf)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.iter().all(|&b| is_base64_char(b)) {
        return None;
    }
    let decoded = crate::base64::decode(line)?;
    Some((decoded, input.get(lf + 1..)?))
}

fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// `command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF`.
fn command<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Command<'a>> {
    let (i, tag) = tag(i)?;
    let (i, ()) = sp(i)?;
    let (i, body) = command_body(i, limits)?;
    let (i, ()) = crlf(i)?;
    Ok((i, Command { tag, body }))
}

/// `tag = 1*<any ASTRING-CHAR except "+">`.
fn tag(i: &[u8]) -> IResult<'_, Tag<'_>> {
    let n = i
        .iter()
        .take_while(|&&b| is_astring_char(b) && b != b'+')
        .count();
    match core::str::from_utf8(&i[..n]) {
        Ok(s) if n > 0 => Ok((&i[n..], Tag::unvalidated(s))),
        _ => fail(i),
    }
}

/// A run of atom characters: a command name, an option, a keyword of the grammar.
fn word(i: &[u8]) -> IResult<'_, &[u8]> {
    let n = i.iter().take_while(|&&b| is_atom_char(b)).count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], &i[..n]))
}

/// `w` upper-cased in `buf`, for one `match` over the grammar's words; a word longer than
/// any of them becomes empty, which matches none.
fn upper<'b>(w: &[u8], buf: &'b mut [u8; 24]) -> &'b [u8] {
    match buf.get_mut(..w.len()) {
        Some(dst) => {
            dst.copy_from_slice(w);
            dst.make_ascii_uppercase();
            dst
        }
        None => b"",
    }
}

/// The keyword `k` in any case, as a whole word.
fn keyword<'a>(k: &'static [u8]) -> impl Fn(&'a [u8]) -> IResult<'a, ()> {
    move |i: &'a [u8]| match word(i) {
        Ok((rest, w)) if w.eq_ignore_ascii_case(k) => Ok((rest, ())),
        _ => fail(i),
    }
}

fn mailbox(i: &[u8]) -> IResult<'_, Mailbox<'_>> {
    let (rest, name) = astring(i)?;
    match Mailbox::new(name) {
        Ok(m) => Ok((rest, m)),
        Err(_) => fail(i),
    }
}

/// `astring` as an [`AString`]: a literal holding NUL is refused (RFC 9051 `CHAR8`).
fn astr(i: &[u8]) -> IResult<'_, AString<'_>> {
    let (rest, s) = astring(i)?;
    match AString::new(s) {
        Ok(s) => Ok((rest, s)),
        Err(_) => fail(i),
    }
}

/// `list-mailbox = 1*list-char / string`: an astring that may hold `%` and `*`.
fn list_mailbox(i: &[u8]) -> IResult<'_, AString<'_>> {
    let (rest, s) = match string(i) {
        Ok(ok) => ok,
        Err(_) => {
            let n = i
                .iter()
                .take_while(|&&b| is_astring_char(b) || matches!(b, b'%' | b'*') || b >= 0x80)
                .count();
            if n == 0 {
                return fail(i);
            }
            (&i[n..], Cow::Borrowed(&i[..n]))
        }
    };
    match AString::new(s) {
        Ok(s) => Ok((rest, s)),
        Err(_) => fail(i),
    }
}

/// `charset = atom / quoted` (RFC 5256), kept as an atom.
fn charset(i: &[u8]) -> IResult<'_, Atom<'_>> {
    if let Ok((rest, a)) = atom(i) {
        return Ok((rest, Atom::unvalidated(a)));
    }
    let (rest, q) = quoted(i)?;
    let atom = match q {
        Cow::Borrowed(b) => core::str::from_utf8(b)
            .ok()
            .and_then(|s| Atom::try_from(s).ok()),
        Cow::Owned(v) => String::from_utf8(v)
            .ok()
            .and_then(|s| Atom::try_from(s).ok()),
    };
    match atom {
        Some(a) => Ok((rest, a)),
        None => fail(i),
    }
}

fn command_body<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (after, w) = word(i)?;
    let mut buf = [0u8; 24];
    let name = upper(w, &mut buf);
    if name == b"UID" {
        let (j, ()) = sp(after)?;
        let (after, w) = word(j)?;
        let mut buf = [0u8; 24];
        return uid_command(upper(w, &mut buf), after, limits, j);
    }
    let simple = match name {
        b"CAPABILITY" => Some(CommandBody::Capability),
        b"NOOP" => Some(CommandBody::Noop),
        b"LOGOUT" => Some(CommandBody::Logout),
        b"CLOSE" => Some(CommandBody::Close),
        b"UNSELECT" => Some(CommandBody::Unselect),
        b"EXPUNGE" => Some(CommandBody::Expunge),
        b"IDLE" => Some(CommandBody::Idle),
        b"NAMESPACE" => Some(CommandBody::Namespace),
        b"STARTTLS" => Some(CommandBody::StartTls),
        b"CHECK" => Some(CommandBody::Check),
        // RFC 5161 wants at least one capability; the encoder writes a bare ENABLE for an
        // empty list, so it reads back as one.
        b"ENABLE" if !after.starts_with(b" ") => Some(CommandBody::Enable(Vec::new())),
        _ => None,
    };
    if let Some(body) = simple {
        return Ok((after, body));
    }
    // A missing space fails in the argument's parser, so that an unknown name is reported
    // at the name.
    let j = sp(after).map_or(after, |(j, ())| j);
    match name {
        b"AUTHENTICATE" => authenticate(j),
        b"LOGIN" => {
            let (j, username) = astr(j)?;
            let (j, ()) = sp(j)?;
            let (j, password) = astr(j)?;
            Ok((
                j,
                CommandBody::Login {
                    username,
                    password: Secret::new(password),
                },
            ))
        }
        b"ENABLE" => {
            let mut caps = Vec::new();
            let mut j = j;
            loop {
                if caps.len() >= limits.max_list {
                    return list_too_long(j);
                }
                let (rest, a) = atom(j)?;
                caps.push(Atom::unvalidated(a));
                match sp(rest) {
                    Ok((next, ())) if !matches!(next.first(), None | Some(b'\r' | b'\n')) => {
                        j = next;
                    }
                    _ => return Ok((rest, CommandBody::Enable(caps))),
                }
            }
        }
        b"SELECT" | b"EXAMINE" => select(j, name == b"EXAMINE", limits),
        b"LIST" => list(j, limits),
        b"LSUB" => {
            let (j, reference) = mailbox(j)?;
            let (j, ()) = sp(j)?;
            let (j, pattern) = list_mailbox(j)?;
            Ok((j, CommandBody::Lsub { reference, pattern }))
        }
        b"STATUS" => {
            let (j, mailbox) = mailbox(j)?;
            let (j, ()) = sp(j)?;
            let (j, items) = paren_list(j, limits.max_list, status_attribute)?;
            Ok((j, CommandBody::Status { mailbox, items }))
        }
        b"CREATE" => create(j, limits),
        b"DELETE" => mailbox(j).map(|(r, mailbox)| (r, CommandBody::Delete { mailbox })),
        b"SUBSCRIBE" => mailbox(j).map(|(r, mailbox)| (r, CommandBody::Subscribe { mailbox })),
        b"UNSUBSCRIBE" => mailbox(j).map(|(r, mailbox)| (r, CommandBody::Unsubscribe { mailbox })),
        b"RENAME" => {
            let (j, from) = mailbox(j)?;
            let (j, ()) = sp(j)?;
            let (j, to) = mailbox(j)?;
            Ok((j, CommandBody::Rename { from, to }))
        }
        b"APPEND" => append(j, limits),
        b"ID" => id(j, limits),
        b"COMPRESS" => keyword(b"DEFLATE")(j).map(|(r, ())| (r, CommandBody::CompressDeflate)),
        b"GETQUOTA" => astr(j).map(|(r, root)| (r, CommandBody::GetQuota { root })),
        b"GETQUOTAROOT" => {
            mailbox(j).map(|(r, mailbox)| (r, CommandBody::GetQuotaRoot { mailbox }))
        }
        b"NOTIFY" => notify(j, limits),
        _ => uid_command(name, after, limits, i).map(|(r, body)| (r, unset_uid(body))),
    }
}

/// The commands that take a `UID` prefix, read as UID commands; the caller clears the flag
/// for the plain forms.
fn uid_command<'a>(
    name: &[u8],
    after: &'a [u8],
    limits: &Limits,
    at: &'a [u8],
) -> IResult<'a, CommandBody<'a>> {
    type Parser = for<'b> fn(&'b [u8], &Limits) -> IResult<'b, CommandBody<'b>>;
    // Picked before the space is read, so that an unknown name is reported at the name.
    let parse: Parser = match name {
        b"FETCH" => fetch,
        b"SEARCH" => search,
        b"STORE" => store,
        b"COPY" => copy,
        b"MOVE" => move_,
        b"EXPUNGE" => uid_expunge,
        b"SORT" => sort,
        b"THREAD" => thread,
        _ => return fail(at),
    };
    let (j, ()) = sp(after)?;
    parse(j, limits)
}

/// `copy = "COPY" SP sequence-set SP mailbox`.
fn copy<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, (set, mailbox)) = set_and_mailbox(i, limits)?;
    Ok((
        j,
        CommandBody::Copy {
            set,
            mailbox,
            uid: true,
        },
    ))
}

/// `move = "MOVE" SP sequence-set SP mailbox` (RFC 6851).
fn move_<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, (set, mailbox)) = set_and_mailbox(i, limits)?;
    Ok((
        j,
        CommandBody::Move {
            set,
            mailbox,
            uid: true,
        },
    ))
}

fn set_and_mailbox<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, (SequenceSet, Mailbox<'a>)> {
    let (j, set) = sequence_set(i, limits.max_list)?;
    let (j, ()) = sp(j)?;
    let (j, mailbox) = mailbox(j)?;
    Ok((j, (set, mailbox)))
}

/// `uid-expunge = "UID" SP "EXPUNGE" SP sequence-set` (RFC 4315).
fn uid_expunge<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    sequence_set(i, limits.max_list).map(|(r, set)| (r, CommandBody::UidExpunge { set }))
}

/// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria` (RFC 5256).
fn thread<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, algorithm) = atom(i)?;
    let (j, ()) = sp(j)?;
    let (j, charset) = charset(j)?;
    let (j, ()) = sp(j)?;
    let (j, criteria) = search_keys(j, limits)?;
    Ok((
        j,
        CommandBody::Thread {
            algorithm: Atom::unvalidated(algorithm),
            charset,
            criteria,
            uid: true,
        },
    ))
}

fn unset_uid(mut body: CommandBody<'_>) -> CommandBody<'_> {
    match &mut body {
        CommandBody::Fetch { uid, .. }
        | CommandBody::FetchChangedSince { uid, .. }
        | CommandBody::Search { uid, .. }
        | CommandBody::Store { uid, .. }
        | CommandBody::Copy { uid, .. }
        | CommandBody::Move { uid, .. }
        | CommandBody::Sort { uid, .. }
        | CommandBody::Thread { uid, .. } => *uid = false,
        _ => {}
    }
    body
}

/// `authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]` (RFC 4959): `=` is the
/// empty initial response.
fn authenticate(i: &[u8]) -> IResult<'_, CommandBody<'_>> {
    let (j, mechanism) = atom(i)?;
    let mechanism = Atom::unvalidated(mechanism);
    let Ok((k, ())) = sp(j) else {
        return Ok((j, authenticate_without(mechanism)));
    };
    let n = k.iter().take_while(|&&b| is_base64_char(b)).count();
    let text = &k[..n];
    let response = match text {
        [] => return Ok((j, authenticate_without(mechanism))),
        b"=" => Some(Vec::new()),
        _ => crate::base64::decode(text),
    };
    match response {
        Some(r) => Ok((
            &k[n..],
            CommandBody::Authenticate {
                mechanism,
                initial_response: Some(Secret::new(r)),
            },
        )),
        None => fail(k),
    }
}

fn authenticate_without(mechanism: Atom<'_>) -> CommandBody<'_> {
    CommandBody::Authenticate {
        mechanism,
        initial_response: None,
    }
}

/// `select = "SELECT" SP mailbox [select-params]` (and EXAMINE), with the RFC 7162
/// parameters `CONDSTORE` and `QRESYNC (uidvalidity modseq [known-uids])`.
fn select<'a>(i: &'a [u8], read_only: bool, limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, mailbox) = mailbox(i)?;
    let (j, params) = match sp(j) {
        Ok((k, ())) if k.starts_with(b"(") => {
            paren_list(k, limits.max_list, |p| select_param(p, limits))?
        }
        _ => (j, Vec::new()),
    };
    let body = match (params.is_empty(), read_only) {
        (true, false) => CommandBody::Select { mailbox },
        (true, true) => CommandBody::Examine { mailbox },
        // QRESYNC implies CONDSTORE (RFC 7162 §3.2.5), so it wins when both are given.
        (false, _) => CommandBody::SelectModSeq {
            mailbox,
            read_only,
            qresync: params.into_iter().flatten().last(),
        },
    };
    Ok((j, body))
}

/// One select parameter: `CONDSTORE` (`None`) or `QRESYNC (...)`.
fn select_param<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Option<QResync>> {
    if let Ok((rest, ())) = keyword(b"CONDSTORE")(i) {
        return Ok((rest, None));
    }
    let (j, ()) = keyword(b"QRESYNC")(i)?;
    let (j, ()) = sp(j)?;
    let (j, ()) = byte(b'(')(j)?;
    let (j, ()) = sp0(j)?;
    let (j, uid_validity) = number(j)?;
    let (j, ()) = sp(j)?;
    let (j, modseq) = number64(j)?;
    let (j, known_uids) = match sp(j) {
        Ok((k, ())) if !k.starts_with(b")") => {
            let (k, set) = sequence_set(k, limits.max_list)?;
            (k, Some(set))
        }
        _ => (j, None),
    };
    let (j, ()) = sp0(j)?;
    let (j, ()) = byte(b')')(j)?;
    Ok((
        j,
        Some(QResync {
            uid_validity,
            modseq,
            known_uids,
        }),
    ))
}

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
/// (RFC 5258).
fn list<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, selection) = if i.starts_with(b"(") {
        let (j, s) = paren_list(i, limits.max_list, list_selection)?;
        let (j, ()) = sp(j)?;
        (j, s)
    } else {
        (i, Vec::new())
    };
    let (j, reference) = mailbox(j)?;
    let (j, ()) = sp(j)?;
    let (j, patterns) = if j.starts_with(b"(") {
        paren_list(j, limits.max_list, list_mailbox)?
    } else {
        let (j, p) = list_mailbox(j)?;
        (j, vec![p])
    };
    let (j, return_options) = match sp(j) {
        Ok((k, ())) if keyword(b"RETURN")(k).is_ok() => {
            let (k, ()) = keyword(b"RETURN")(k)?;
            let (k, ()) = sp(k)?;
            paren_list(k, limits.max_list, |r| list_return(r, limits))?
        }
        _ => (j, Vec::new()),
    };
    let mut patterns = patterns;
    if selection.is_empty() && matches!(return_options.as_slice(), [] | [ListReturn::SpecialUse]) {
        match <[AString<'a>; 1]>::try_from(patterns) {
            Ok([pattern]) => {
                return Ok((
                    j,
                    CommandBody::List {
                        reference,
                        pattern,
                        return_special_use: !return_options.is_empty(),
                    },
                ))
            }
            Err(more) => patterns = more,
        }
    }
    Ok((
        j,
        CommandBody::ListExtended {
            selection,
            reference,
            patterns,
            return_options,
        },
    ))
}

fn list_selection(i: &[u8]) -> IResult<'_, ListSelection> {
    let (rest, w) = word(i)?;
    let mut buf = [0u8; 24];
    let s = match upper(w, &mut buf) {
        b"SUBSCRIBED" => ListSelection::Subscribed,
        b"REMOTE" => ListSelection::Remote,
        b"RECURSIVEMATCH" => ListSelection::RecursiveMatch,
        b"SPECIAL-USE" => ListSelection::SpecialUse,
        _ => return fail(i),
    };
    Ok((rest, s))
}

fn list_return<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, ListReturn> {
    let (rest, w) = word(i)?;
    let mut buf = [0u8; 24];
    let r = match upper(w, &mut buf) {
        b"SUBSCRIBED" => ListReturn::Subscribed,
        b"CHILDREN" => ListReturn::Children,
        b"SPECIAL-USE" => ListReturn::SpecialUse,
        b"STATUS" => {
            let (rest, ()) = sp(rest)?;
            let (rest, items) = paren_list(rest, limits.max_list, status_attribute)?;
            return Ok((rest, ListReturn::Status(items)));
        }
        _ => return fail(i),
    };
    Ok((rest, r))
}

/// `status-att` (RFC 9051 §6.3.11, RFC 8474, RFC 7889).
fn status_attribute(i: &[u8]) -> IResult<'_, StatusAttribute> {
    let (rest, w) = word(i)?;
    let mut buf = [0u8; 24];
    let a = match upper(w, &mut buf) {
        b"MESSAGES" => StatusAttribute::Messages,
        b"RECENT" => StatusAttribute::Recent,
        b"UIDNEXT" => StatusAttribute::UidNext,
        b"UIDVALIDITY" => StatusAttribute::UidValidity,
        b"UNSEEN" => StatusAttribute::Unseen,
        b"DELETED" => StatusAttribute::Deleted,
        b"SIZE" => StatusAttribute::Size,
        b"HIGHESTMODSEQ" => StatusAttribute::HighestModSeq,
        b"MAILBOXID" => StatusAttribute::MailboxId,
        b"APPENDLIMIT" => StatusAttribute::AppendLimit,
        _ => return fail(i),
    };
    Ok((rest, a))
}

/// `create = "CREATE" SP mailbox [SP "(" create-param *(SP create-param) ")"]` with the
/// RFC 6154 parameter `USE (use-attr ...)`.
fn create<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, mailbox) = mailbox(i)?;
    let (j, special_use) = match sp(j) {
        Ok((k, ())) if k.starts_with(b"(") => {
            let (k, params) = paren_list(k, limits.max_list, |p| {
                let (p, ()) = keyword(b"USE")(p)?;
                let (p, ()) = sp(p)?;
                paren_list(p, limits.max_list, list_attribute)
            })?;
            (k, params.into_iter().flatten().collect())
        }
        _ => (j, Vec::new()),
    };
    Ok((
        j,
        CommandBody::Create {
            mailbox,
            special_use,
        },
    ))
}

/// `append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal` (literal8 too,
/// RFC 3516).
fn append<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (mut j, mailbox) = mailbox(i)?;
    j = sp(j)?.0;
    let mut flags = Vec::new();
    if j.starts_with(b"(") {
        let (k, f) = flag_list(j, limits.max_list)?;
        flags = f;
        j = sp(k)?.0;
    }
    let mut date = None;
    if j.starts_with(b"\"") {
        let (k, d) = date_time(j)?;
        // `zone = ("+" / "-") 4DIGIT` holds at most 99:59; the lenient date parser reads
        // `+9999` as 99 h 99 min, which no zone can write back.
        if d.zone_minutes.unsigned_abs() >= 100 * 60 {
            return fail(j);
        }
        date = Some(d);
        j = sp(k)?.0;
    }
    if !matches!(j.first(), Some(b'{' | b'~')) {
        return fail(j);
    }
    let (j, message) = super::core::literal(j)?;
    Ok((
        j,
        CommandBody::Append {
            mailbox,
            flags,
            date,
            message: Cow::Borrowed(message),
        },
    ))
}

/// `id = "ID" SP id-params-list`, `id-params-list = "(" *(string SP nstring) ")" / nil`
/// (RFC 2971).
fn id<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    if let Ok((rest, ())) = super::core::nil(i) {
        return Ok((rest, CommandBody::Id(None)));
    }
    let (rest, fields) = paren_list(i, limits.max_list, |p| {
        let (p, name) = string(p)?;
        let (p, ()) = sp(p)?;
        let (p, value) = super::core::nstring(p)?;
        let (Ok(name), Ok(value)) = (AString::new(name), value.map(AString::new).transpose())
        else {
            return fail(p);
        };
        Ok((p, (name, value)))
    })?;
    Ok((rest, CommandBody::Id(Some(fields))))
}

/// `notify = "NOTIFY" SP (notify-set / "NONE")`, `notify-set = "SET" [SP "STATUS"] SP
/// event-groups` (RFC 5465 §8). Event parameters are refused: the type has no room for them.
fn notify<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    if let Ok((rest, ())) = keyword(b"NONE")(i) {
        return Ok((
            rest,
            CommandBody::Notify {
                status: false,
                groups: None,
            },
        ));
    }
    let (mut j, ()) = keyword(b"SET")(i)?;
    let mut status = false;
    if let Ok((k, ())) = sp(j).and_then(|(k, ())| keyword(b"STATUS")(k)) {
        status = true;
        j = k;
    }
    let mut groups = Vec::new();
    while let Ok((k, ())) = sp(j) {
        if !k.starts_with(b"(") {
            break;
        }
        if groups.len() >= limits.max_list {
            return list_too_long(k);
        }
        let (k, group) = notify_group(k, limits)?;
        groups.push(group);
        j = k;
    }
    Ok((
        j,
        CommandBody::Notify {
            status,
            groups: Some(groups),
        },
    ))
}

/// `event-group = "(" filter-mailboxes SP events ")"`.
fn notify_group<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, NotifyGroup<'a>> {
    let (j, ()) = byte(b'(')(i)?;
    let (j, ()) = sp0(j)?;
    let (j, w) = word(j)?;
    let mut buf = [0u8; 24];
    let (j, mailboxes) = match upper(w, &mut buf) {
        b"SELECTED" => (j, NotifyMailboxes::Selected),
        b"SELECTED-DELAYED" => (j, NotifyMailboxes::SelectedDelayed),
        b"INBOXES" => (j, NotifyMailboxes::Inboxes),
        b"PERSONAL" => (j, NotifyMailboxes::Personal),
        b"SUBSCRIBED" => (j, NotifyMailboxes::Subscribed),
        name @ (b"SUBTREE" | b"MAILBOXES") => {
            let subtree = name == b"SUBTREE";
            let (j, ()) = sp(j)?;
            // `one-or-more-mailbox = mailbox / many-mailboxes`.
            let (j, boxes) = if j.starts_with(b"(") {
                paren_list(j, limits.max_list, mailbox)?
            } else {
                let (j, m) = mailbox(j)?;
                (j, vec![m])
            };
            let m = if subtree {
                NotifyMailboxes::Subtree(boxes)
            } else {
                NotifyMailboxes::Mailboxes(boxes)
            };
            (j, m)
        }
        _ => return fail(i),
    };
    let (j, ()) = sp(j)?;
    let (j, events) = match keyword(b"NONE")(j) {
        Ok((k, ())) => (k, Vec::new()),
        Err(_) => paren_list(j, limits.max_list, |i| notify_event(i, limits))?,
    };
    let (j, ()) = sp0(j)?;
    let (j, ()) = byte(b')')(j)?;
    Ok((j, NotifyGroup { mailboxes, events }))
}

/// `notify-event`; `MessageNew` may carry `SP "(" fetch-att *(SP fetch-att) ")"`.
fn notify_event<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, NotifyEvent<'a>> {
    let (rest, w) = word(i)?;
    let mut buf = [0u8; 24];
    let e = match upper(w, &mut buf) {
        b"MESSAGENEW" => {
            let fetch = match sp(rest)
                .and_then(|(j, ())| paren_list(j, limits.max_list, fetch_attribute))
            {
                Ok((j, fetch)) => return Ok((j, NotifyEvent::MessageNew { fetch })),
                Err(nom::Err::Failure(e)) => return Err(nom::Err::Failure(e)),
                Err(_) => Vec::new(),
            };
            NotifyEvent::MessageNew { fetch }
        }
        b"MESSAGEEXPUNGE" => NotifyEvent::MessageExpunge,
        b"FLAGCHANGE" => NotifyEvent::FlagChange,
        b"ANNOTATIONCHANGE" => NotifyEvent::AnnotationChange,
        b"MAILBOXNAME" => NotifyEvent::MailboxName,
        b"SUBSCRIPTIONCHANGE" => NotifyEvent::SubscriptionChange,
        b"MAILBOXMETADATACHANGE" => NotifyEvent::MailboxMetadataChange,
        b"SERVERMETADATACHANGE" => NotifyEvent::ServerMetadataChange,
        _ => return fail(i),
    };
    Ok((rest, e))
}

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att
/// *(SP fetch-att) ")") [fetch-modifiers]` (RFC 9051, RFC 7162 §3.1.4.1 and §3.2.6).
fn fetch<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    use FetchAttribute as A;
    let (j, set) = sequence_set(i, limits.max_list)?;
    let (j, ()) = sp(j)?;
    let (j, items) = if j.starts_with(b"(") {
        paren_list(j, limits.max_list, fetch_attribute)?
    } else if let Ok((k, ())) = keyword(b"ALL")(j) {
        (
            k,
            vec![A::Flags, A::InternalDate, A::Rfc822Size, A::Envelope],
        )
    } else if let Ok((k, ())) = keyword(b"FAST")(j) {
        (k, vec![A::Flags, A::InternalDate, A::Rfc822Size])
    } else if let Ok((k, ())) = keyword(b"FULL")(j) {
        (
            k,
            vec![
                A::Flags,
                A::InternalDate,
                A::Rfc822Size,
                A::Envelope,
                A::Body,
            ],
        )
    } else {
        let (k, item) = fetch_attribute(j)?;
        (k, vec![item])
    };
    let (j, modifiers) = match sp(j) {
        Ok((k, ())) if k.starts_with(b"(") => paren_list(k, limits.max_list, fetch_modifier)?,
        _ => (j, Vec::new()),
    };
    let mut changed_since = None;
    let mut vanished = false;
    for m in modifiers {
        match m {
            FetchModifier::ChangedSince(n) => changed_since = Some(n),
            FetchModifier::Vanished => vanished = true,
        }
    }
    match changed_since {
        Some(changed_since) => Ok((
            j,
            CommandBody::FetchChangedSince {
                set,
                items,
                uid: true,
                changed_since,
                vanished,
            },
        )),
        // RFC 7162 §3.2.6: VANISHED only goes with CHANGEDSINCE.
        None if vanished => fail(i),
        None => Ok((
            j,
            CommandBody::Fetch {
                set,
                items,
                uid: true,
            },
        )),
    }
}

enum FetchModifier {
    ChangedSince(u64),
    Vanished,
}

fn fetch_modifier(i: &[u8]) -> IResult<'_, FetchModifier> {
    if let Ok((rest, ())) = keyword(b"VANISHED")(i) {
        return Ok((rest, FetchModifier::Vanished));
    }
    let (j, ()) = keyword(b"CHANGEDSINCE")(i)?;
    let (j, ()) = sp(j)?;
    let (j, n) = number64(j)?;
    Ok((j, FetchModifier::ChangedSince(n)))
}

/// `fetch-att` (RFC 9051 §6.4.5, with RFC 3516, 7162, 8474, 8514, 8970 and X-GM-EXT-1).
fn fetch_attribute(i: &[u8]) -> IResult<'_, FetchAttribute<'_>> {
    use FetchAttribute as A;
    let n = i
        .iter()
        .take_while(|&&b| is_atom_char(b) && b != b'[')
        .count();
    if n == 0 {
        return fail(i);
    }
    let mut buf = [0u8; 24];
    let name = upper(&i[..n], &mut buf);
    let after = &i[n..];
    if after.starts_with(b"[") {
        let (rest, section) = section(after)?;
        let peek = matches!(name, b"BODY.PEEK" | b"BINARY.PEEK");
        return match name {
            b"BINARY.SIZE" => Ok((rest, A::BinarySize { section })),
            b"BODY" | b"BODY.PEEK" | b"BINARY" | b"BINARY.PEEK" => {
                let (rest, partial) = partial(rest)?;
                let item = if name.starts_with(b"BODY") {
                    A::BodySection {
                        peek,
                        section,
                        partial,
                    }
                } else {
                    A::Binary {
                        peek,
                        section,
                        partial,
                    }
                };
                Ok((rest, item))
            }
            _ => fail(i),
        };
    }
    let whole = |section: &'static str, peek: bool| match Atomish::try_from(section) {
        Ok(section) => Ok((
            after,
            A::BodySection {
                peek,
                section,
                partial: None,
            },
        )),
        Err(_) => fail(i),
    };
    let item = match name {
        b"UID" => A::Uid,
        b"FLAGS" => A::Flags,
        b"ENVELOPE" => A::Envelope,
        b"RFC822.SIZE" => A::Rfc822Size,
        b"INTERNALDATE" => A::InternalDate,
        b"BODYSTRUCTURE" => A::BodyStructure,
        b"BODY" => A::Body,
        b"MODSEQ" => A::ModSeq,
        b"EMAILID" => A::EmailId,
        b"THREADID" => A::ThreadId,
        b"SAVEDATE" => A::SaveDate,
        b"X-GM-MSGID" => A::GmailMessageId,
        b"X-GM-THRID" => A::GmailThreadId,
        b"X-GM-LABELS" => A::GmailLabels,
        b"RFC822" => return whole("", false),
        b"RFC822.HEADER" => return whole("HEADER", true),
        b"RFC822.TEXT" => return whole("TEXT", false),
        b"PREVIEW" => {
            // `"PREVIEW" [SP "(" "LAZY" ")"]` (RFC 8970); anything else in parentheses after
            // it is the fetch modifiers of a lone item.
            let lazy = sp(after)
                .and_then(|(j, ())| byte(b'(')(j))
                .and_then(|(j, ())| sp0(j))
                .and_then(|(j, ())| keyword(b"LAZY")(j))
                .and_then(|(j, ())| sp0(j))
                .and_then(|(j, ())| byte(b')')(j));
            return Ok(match lazy {
                Ok((rest, ())) => (rest, A::Preview { lazy: true }),
                Err(_) => (after, A::Preview { lazy: false }),
            });
        }
        _ => return fail(i),
    };
    Ok((after, item))
}

/// `section = "[" [section-spec] "]"`: its text, printable ASCII up to the first `]`.
fn section(i: &[u8]) -> IResult<'_, Atomish<'_>> {
    let (j, ()) = byte(b'[')(i)?;
    let n = j
        .iter()
        .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'[' && b != b']')
        .count();
    let (text, rest) = j.split_at(n);
    let (rest, ()) = byte(b']')(rest)?;
    let section = core::str::from_utf8(text)
        .ok()
        .and_then(|s| Atomish::try_from(s).ok());
    match section {
        Some(s) => Ok((rest, s)),
        None => fail(i),
    }
}

/// `partial = "<" number64 "." nz-number64 ">"`, here bounded to 32 bits as in the type.
fn partial(i: &[u8]) -> IResult<'_, Option<(u32, u32)>> {
    let Some(j) = i.strip_prefix(b"<") else {
        return Ok((i, None));
    };
    let (j, origin) = number(j)?;
    let (j, ()) = byte(b'.')(j)?;
    let (j, len) = number(j)?;
    let (j, ()) = byte(b'>')(j)?;
    Ok((j, Some((origin, len))))
}

/// `store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags` (RFC 7162
/// `UNCHANGEDSINCE`); the flags as a list or space-separated.
fn store<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, set) = sequence_set(i, limits.max_list)?;
    let (mut j, ()) = sp(j)?;
    let mut unchanged_since = None;
    if j.starts_with(b"(") {
        let (k, ()) = byte(b'(')(j)?;
        let (k, ()) = sp0(k)?;
        let (k, ()) = keyword(b"UNCHANGEDSINCE")(k)?;
        let (k, ()) = sp(k)?;
        let (k, n) = number64(k)?;
        let (k, ()) = sp0(k)?;
        let (k, ()) = byte(b')')(k)?;
        unchanged_since = Some(n);
        j = sp(k)?.0;
    }
    let (j, w) = word(j)?;
    let mut buf = [0u8; 24];
    let (kind, silent) = match upper(w, &mut buf) {
        b"FLAGS" => (StoreKind::Replace, false),
        b"FLAGS.SILENT" => (StoreKind::Replace, true),
        b"+FLAGS" => (StoreKind::Add, false),
        b"+FLAGS.SILENT" => (StoreKind::Add, true),
        b"-FLAGS" => (StoreKind::Remove, false),
        b"-FLAGS.SILENT" => (StoreKind::Remove, true),
        _ => return fail(j),
    };
    let (j, ()) = sp(j)?;
    let (j, flags) = if j.starts_with(b"(") {
        flag_list(j, limits.max_list)?
    } else {
        let (mut j, first) = flag(j)?;
        let mut flags = vec![first];
        while let Ok((k, f)) = sp(j).and_then(|(k, ())| flag(k)) {
            if flags.len() >= limits.max_list {
                return list_too_long(j);
            }
            flags.push(f);
            j = k;
        }
        (j, flags)
    };
    Ok((
        j,
        CommandBody::Store {
            set,
            kind,
            silent,
            flags,
            uid: true,
            unchanged_since,
        },
    ))
}

/// `search = "SEARCH" [search-return-opts] SP search-program` (RFC 9051, RFC 4731), with
/// `search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)`.
fn search<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let mut j = i;
    let mut esearch = None;
    if let Ok((k, ())) = keyword(b"RETURN")(j) {
        let (k, ()) = sp(k)?;
        let (k, options) = paren_list(k, limits.max_list, search_return)?;
        esearch = Some(options);
        j = sp(k)?.0;
    }
    let mut charset_name = None;
    if let Ok((k, ())) = keyword(b"CHARSET")(j) {
        let (k, ()) = sp(k)?;
        let (k, c) = charset(k)?;
        charset_name = Some(c);
        j = sp(k)?.0;
    }
    let (j, criteria) = search_keys(j, limits)?;
    Ok((
        j,
        CommandBody::Search {
            criteria,
            charset: charset_name,
            esearch,
            uid: true,
        },
    ))
}

fn search_return(i: &[u8]) -> IResult<'_, SearchReturn> {
    let (rest, w) = word(i)?;
    let mut buf = [0u8; 24];
    let r = match upper(w, &mut buf) {
        b"MIN" => SearchReturn::Min,
        b"MAX" => SearchReturn::Max,
        b"ALL" => SearchReturn::All,
        b"COUNT" => SearchReturn::Count,
        b"SAVE" => SearchReturn::Save,
        _ => return fail(i),
    };
    Ok((rest, r))
}

/// `sort = "SORT" SP sort-criteria SP search-criteria` (RFC 5256), `sort-criteria = "("
/// sort-criterion *(SP sort-criterion) ")"`, `search-criteria = charset 1*(SP search-key)`.
fn sort<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, CommandBody<'a>> {
    let (j, keys) = paren_list(i, limits.max_list, sort_criterion)?;
    let (j, ()) = sp(j)?;
    let (j, charset) = charset(j)?;
    let (j, ()) = sp(j)?;
    let (j, criteria) = search_keys(j, limits)?;
    Ok((
        j,
        CommandBody::Sort {
            keys,
            charset,
            criteria,
            uid: true,
        },
    ))
}

fn sort_criterion(i: &[u8]) -> IResult<'_, (bool, SortKey)> {
    let (j, reverse) = match keyword(b"REVERSE")(i) {
        Ok((j, ())) => (sp(j)?.0, true),
        Err(_) => (i, false),
    };
    let (rest, w) = word(j)?;
    let mut buf = [0u8; 24];
    let key = match upper(w, &mut buf) {
        b"ARRIVAL" => SortKey::Arrival,
        b"CC" => SortKey::Cc,
        b"DATE" => SortKey::Date,
        b"FROM" => SortKey::From,
        b"SIZE" => SortKey::Size,
        b"SUBJECT" => SortKey::Subject,
        b"TO" => SortKey::To,
        b"DISPLAYFROM" => SortKey::DisplayFrom,
        b"DISPLAYTO" => SortKey::DisplayTo,
        _ => return fail(j),
    };
    Ok((rest, (reverse, key)))
}

/// `search-key *(SP search-key)`, at most `max_list` keys.
fn search_keys<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Vec<SearchKey<'a>>> {
    let (mut j, first) = search_key(i, limits, limits.max_depth)?;
    let mut keys = vec![first];
    loop {
        let Ok((k, ())) = sp(j) else {
            return Ok((j, keys));
        };
        if matches!(k.first(), None | Some(b'\r' | b'\n')) {
            return Ok((j, keys));
        }
        if keys.len() >= limits.max_list {
            return list_too_long(k);
        }
        let (k, key) = search_key(k, limits, limits.max_depth)?;
        keys.push(key);
        j = k;
    }
}

/// `search-key` (RFC 9051 §6.4.4, RFC 3501's NEW/OLD/RECENT, RFC 7162 MODSEQ, X-GM-RAW).
/// `NOT`, `OR` and parentheses nest at most `depth` deep.
fn search_key<'a>(i: &'a [u8], limits: &Limits, depth: usize) -> IResult<'a, SearchKey<'a>> {
    use SearchKey as K;
    match i.first() {
        Some(b'(') => {
            if depth == 0 {
                return too_deep(i);
            }
            let (rest, keys) =
                paren_list(i, limits.max_list, |k| search_key(k, limits, depth - 1))?;
            return Ok((rest, K::And(keys)));
        }
        Some(b'0'..=b'9' | b'*') => {
            return sequence_set(i, limits.max_list).map(|(r, s)| (r, K::SequenceSet(s)));
        }
        _ => {}
    }
    let (after, w) = word(i)?;
    let mut buf = [0u8; 24];
    let name = upper(w, &mut buf);
    let simple = match name {
        b"ALL" => Some(K::All),
        b"ANSWERED" => Some(K::Answered),
        b"DELETED" => Some(K::Deleted),
        b"DRAFT" => Some(K::Draft),
        b"FLAGGED" => Some(K::Flagged),
        b"SEEN" => Some(K::Seen),
        b"UNANSWERED" => Some(K::Unanswered),
        b"UNDELETED" => Some(K::Undeleted),
        b"UNDRAFT" => Some(K::Undraft),
        b"UNFLAGGED" => Some(K::Unflagged),
        b"UNSEEN" => Some(K::Unseen),
        b"NEW" => Some(K::New),
        b"OLD" => Some(K::Old),
        b"RECENT" => Some(K::Recent),
        _ => None,
    };
    if let Some(key) = simple {
        return Ok((after, key));
    }
    let (j, ()) = sp(after)?;
    let date = |f: fn(SearchDate) -> SearchKey<'a>| search_date(j).map(|(r, d)| (r, f(d)));
    let text = |f: fn(AString<'a>) -> SearchKey<'a>| astr(j).map(|(r, s)| (r, f(s)));
    match name {
        b"KEYWORD" => flag_keyword(j).map(|(r, k)| (r, K::Keyword(k))),
        b"UNKEYWORD" => flag_keyword(j).map(|(r, k)| (r, K::Unkeyword(k))),
        b"BEFORE" => date(K::Before),
        b"ON" => date(K::On),
        b"SINCE" => date(K::Since),
        b"SENTBEFORE" => date(K::SentBefore),
        b"SENTON" => date(K::SentOn),
        b"SENTSINCE" => date(K::SentSince),
        b"BCC" => text(K::Bcc),
        b"BODY" => text(K::Body),
        b"CC" => text(K::Cc),
        b"FROM" => text(K::From),
        b"SUBJECT" => text(K::Subject),
        b"TEXT" => text(K::Text),
        b"TO" => text(K::To),
        b"X-GM-RAW" => text(K::GmailRaw),
        b"HEADER" => {
            let (j, field) = astr(j)?;
            let (j, ()) = sp(j)?;
            let (j, value) = astr(j)?;
            Ok((j, K::Header(field, value)))
        }
        b"LARGER" => number(j).map(|(r, n)| (r, K::Larger(n))),
        b"SMALLER" => number(j).map(|(r, n)| (r, K::Smaller(n))),
        b"UID" => sequence_set(j, limits.max_list).map(|(r, s)| (r, K::Uid(s))),
        b"MODSEQ" => number64(j).map(|(r, n)| (r, K::ModSeq(n))),
        b"NOT" | b"OR" if depth == 0 => too_deep(i),
        b"NOT" => search_key(j, limits, depth - 1).map(|(r, k)| (r, K::Not(Box::new(k)))),
        b"OR" => {
            let (j, a) = search_key(j, limits, depth - 1)?;
            let (j, ()) = sp(j)?;
            let (j, b) = search_key(j, limits, depth - 1)?;
            Ok((j, K::Or(Box::new(a), Box::new(b))))
        }
        _ => fail(i),
    }
}

/// `flag-keyword`: a flag without a backslash.
fn flag_keyword(i: &[u8]) -> IResult<'_, FlagName<'_>> {
    match flag(i)? {
        (rest, Flag::Keyword(name)) => Ok((rest, name)),
        _ => fail(i),
    }
}

/// `date = date-text / DQUOTE date-text DQUOTE`, `date-text = date-day "-" date-month "-"
/// date-year`.
fn search_date(i: &[u8]) -> IResult<'_, SearchDate> {
    let (j, quoted) = match i.strip_prefix(b"\"") {
        Some(j) => (j, true),
        None => (i, false),
    };
    let (j, day) = number(j)?;
    let (j, ()) = byte(b'-')(j)?;
    const MONTHS: [&[u8]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    let month = j
        .get(..3)
        .and_then(|m| MONTHS.iter().position(|n| n.eq_ignore_ascii_case(m)));
    let Some(month) = month else {
        return fail(j);
    };
    let (j, ()) = byte(b'-')(&j[3..])?;
    let (j, year) = number(j)?;
    let j = if quoted { byte(b'"')(j)?.0 } else { j };
    let date = match (
        u8::try_from(day),
        u8::try_from(month + 1),
        u16::try_from(year),
    ) {
        (Ok(day), Ok(month), Ok(year)) if (1..=31).contains(&day) => {
            SearchDate { year, month, day }
        }
        _ => return fail(i),
    };
    Ok((j, date))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::encode::{encode, EncodeOptions};
    use crate::framer::FrameError;
    use crate::types::fetch::DateTime;

    /// Decodes a whole command, checks that nothing is left, and that encoding it and
    /// decoding again gives the same command.
    fn parse(input: &[u8]) -> Command<'_> {
        let (rest, command) = decode_command(input, &Limits::default())
            .unwrap_or_else(|e| panic!("{e} in {:?}", String::from_utf8_lossy(input)));
        assert_eq!(
            rest,
            b"",
            "left over from {:?}",
            String::from_utf8_lossy(input)
        );
        let wire = encode(&command, EncodeOptions::default()).parts.concat();
        let (_, again) = decode_command(&wire, &Limits::default()).unwrap();
        assert_eq!(
            again,
            command,
            "re-encoded as {:?}",
            String::from_utf8_lossy(&wire)
        );
        command
    }

    fn body(input: &[u8]) -> CommandBody<'_> {
        parse(input).body
    }

    fn malformed_at(input: &[u8]) -> usize {
        match decode_command(input, &Limits::default()) {
            Err(DecodeError::Malformed { offset, .. }) => offset,
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(input)),
        }
    }

    fn set(s: &str) -> SequenceSet {
        SequenceSet::try_from(s).unwrap()
    }

    fn astring(s: &str) -> AString<'_> {
        AString::try_from(s).unwrap()
    }

    #[test]
    fn rfc_9051_examples() {
        let login = parse(b"a002 LOGIN smith sesame\r\n");
        assert_eq!(login.tag.as_str(), "a002");
        match login.body {
            CommandBody::Login { username, password } => {
                assert_eq!(username, astring("smith"));
                assert_eq!(password.expose(), &astring("sesame"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            body(b"A142 SELECT INBOX\r\n"),
            CommandBody::Select {
                mailbox: Mailbox::inbox()
            }
        );
        assert_eq!(
            body(b"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"),
            CommandBody::Search {
                criteria: vec![
                    SearchKey::Flagged,
                    SearchKey::Since(SearchDate {
                        year: 1994,
                        month: 2,
                        day: 1
                    }),
                    SearchKey::Not(Box::new(SearchKey::From(astring("Smith")))),
                ],
                charset: None,
                esearch: None,
                uid: false,
            }
        );
        assert_eq!(
            body(b"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n"),
            CommandBody::Fetch {
                set: set("2:4"),
                items: vec![
                    FetchAttribute::Flags,
                    FetchAttribute::BodySection {
                        peek: false,
                        section: Atomish::try_from("HEADER.FIELDS (DATE FROM)").unwrap(),
                        partial: None,
                    }
                ],
                uid: false,
            }
        );
        assert_eq!(
            body(b"a UID STORE 1:* +FLAGS.SILENT (\\Deleted)\r\n"),
            CommandBody::Store {
                set: set("1:*"),
                kind: StoreKind::Add,
                silent: true,
                flags: vec![Flag::Deleted],
                uid: true,
                unchanged_since: None,
            }
        );
        assert_eq!(
            body(b"A003 STORE 2:4 +FLAGS \\Deleted \\Seen\r\n"),
            CommandBody::Store {
                set: set("2:4"),
                kind: StoreKind::Add,
                silent: false,
                flags: vec![Flag::Deleted, Flag::Seen],
                uid: false,
                unchanged_since: None,
            }
        );
        assert_eq!(
            body(b"A999 UID FETCH 4827313:4828442 FLAGS\r\n"),
            CommandBody::Fetch {
                set: set("4827313:4828442"),
                items: vec![FetchAttribute::Flags],
                uid: true,
            }
        );
        assert_eq!(
            body(b"a1 uid expunge 3000:3002\r\n"),
            CommandBody::UidExpunge {
                set: set("3000:3002")
            }
        );
        assert_eq!(
            body(b"A003 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n"),
            CommandBody::Status {
                mailbox: Mailbox::try_from("blurdybloop").unwrap(),
                items: vec![StatusAttribute::UidNext, StatusAttribute::Messages],
            }
        );
        assert_eq!(
            body(b"A101 LIST \"\" \"\"\r\n"),
            CommandBody::List {
                reference: Mailbox::new(&b""[..]).unwrap(),
                pattern: astring(""),
                return_special_use: false,
            }
        );
        assert_eq!(
            body(b"A683 RENAME blurdybloop sarasoop\r\n"),
            CommandBody::Rename {
                from: Mailbox::try_from("blurdybloop").unwrap(),
                to: Mailbox::try_from("sarasoop").unwrap(),
            }
        );
        assert_eq!(body(b"a047 NOOP\r\n"), CommandBody::Noop);
        assert_eq!(body(b"A023 logout\r\n"), CommandBody::Logout);
    }

    #[test]
    fn append_with_flags_date_and_literal() {
        let message = b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
        let mut wire = Vec::new();
        wire.extend_from_slice(
            b"A003 APPEND saved-messages (\\Seen) \"07-Feb-1994 21:52:25 -0800\" {",
        );
        wire.extend_from_slice(alloc::format!("{}", message.len()).as_bytes());
        wire.extend_from_slice(b"}\r\n");
        wire.extend_from_slice(message);
        wire.extend_from_slice(b"\r\n");
        assert_eq!(
            body(&wire),
            CommandBody::Append {
                mailbox: Mailbox::try_from("saved-messages").unwrap(),
                flags: vec![Flag::Seen],
                date: Some(DateTime {
                    year: 1994,
                    month: 2,
                    day: 7,
                    hour: 21,
                    minute: 52,
                    second: 25,
                    zone_minutes: -480,
                }),
                message: Cow::Borrowed(&message[..]),
            }
        );
        // Incomplete until the last byte of the literal and the CRLF after it.
        for end in 0..wire.len() {
            assert_eq!(
                decode_command(&wire[..end], &Limits::default()),
                Err(DecodeError::Incomplete),
                "prefix of {end} bytes"
            );
        }
        // literal8 and a non-synchronising literal.
        assert_eq!(
            body(b"a APPEND Drafts ~{3}\r\na\0b\r\n"),
            CommandBody::Append {
                mailbox: Mailbox::try_from("Drafts").unwrap(),
                flags: vec![],
                date: None,
                message: Cow::Borrowed(b"a\0b"),
            }
        );
        // A zone no `zone` can write back: 99 hours and 99 minutes.
        assert!(decode_command(
            b"a APPEND x \"01-Jan-2000 00:00:00 +9999\" {0}\r\n\r\n",
            &Limits::default()
        )
        .is_err());
        assert!(matches!(
            body(b"a APPEND Drafts {2+}\r\nhi\r\n"),
            CommandBody::Append { message, .. } if message.as_ref() == b"hi"
        ));
    }

    #[test]
    fn condstore_and_qresync() {
        // RFC 7162 §3.2.5.2.
        assert_eq!(
            body(b"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"),
            CommandBody::SelectModSeq {
                mailbox: Mailbox::inbox(),
                read_only: false,
                qresync: Some(QResync {
                    uid_validity: 67890007,
                    modseq: 20050715194045000,
                    known_uids: Some(set("41,43:211,214:541")),
                }),
            }
        );
        assert_eq!(
            body(b"a examine inbox (condstore)\r\n"),
            CommandBody::SelectModSeq {
                mailbox: Mailbox::inbox(),
                read_only: true,
                qresync: None,
            }
        );
        // RFC 7162 §3.2.6.
        assert_eq!(
            body(b"A04 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"),
            CommandBody::FetchChangedSince {
                set: set("1:*"),
                items: vec![FetchAttribute::Flags],
                uid: true,
                changed_since: 12345,
                vanished: true,
            }
        );
        // RFC 7162 §3.1.3.
        assert_eq!(
            body(b"d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n"),
            CommandBody::Store {
                set: set("7,5,9"),
                kind: StoreKind::Add,
                silent: true,
                flags: vec![Flag::Deleted],
                uid: false,
                unchanged_since: Some(320162338),
            }
        );
        // seq-match-data has no place in the type and is refused, not dropped.
        let input = b"B02 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000 15000,22500,27000)))\r\n";
        assert!(malformed_at(input) > 0);
        assert!(decode_command(b"a FETCH 1 FLAGS (VANISHED)\r\n", &Limits::default()).is_err());
    }

    #[test]
    fn list_extended_examples() {
        // RFC 5258 §5.
        assert_eq!(
            body(b"A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n"),
            CommandBody::ListExtended {
                selection: vec![ListSelection::Subscribed],
                reference: Mailbox::new(&b""[..]).unwrap(),
                patterns: vec![astring("*")],
                return_options: vec![],
            }
        );
        assert_eq!(
            body(b"A03 LIST () \"\" \"%\" RETURN (CHILDREN)\r\n"),
            CommandBody::ListExtended {
                selection: vec![],
                reference: Mailbox::new(&b""[..]).unwrap(),
                patterns: vec![astring("%")],
                return_options: vec![ListReturn::Children],
            }
        );
        assert_eq!(
            body(b"A05 LIST (subscribed remote recursivematch) \"\" (\"*\" Drafts) RETURN (STATUS (MESSAGES UNSEEN))\r\n"),
            CommandBody::ListExtended {
                selection: vec![
                    ListSelection::Subscribed,
                    ListSelection::Remote,
                    ListSelection::RecursiveMatch
                ],
                reference: Mailbox::new(&b""[..]).unwrap(),
                patterns: vec![astring("*"), astring("Drafts")],
                return_options: vec![ListReturn::Status(vec![
                    StatusAttribute::Messages,
                    StatusAttribute::Unseen
                ])],
            }
        );
        // RFC 6154 §5.1: the one RETURN option `List` holds stays a `List`.
        assert_eq!(
            body(b"t1 LIST \"\" \"%\" RETURN (SPECIAL-USE)\r\n"),
            CommandBody::List {
                reference: Mailbox::new(&b""[..]).unwrap(),
                pattern: astring("%"),
                return_special_use: true,
            }
        );
        assert_eq!(
            body(b"t2 CREATE MySpecialArchive (USE (\\Archive))\r\n"),
            CommandBody::Create {
                mailbox: Mailbox::try_from("MySpecialArchive").unwrap(),
                special_use: vec![crate::types::flag::ListAttribute::Archive],
            }
        );
    }

    #[test]
    fn notify_example() {
        // RFC 5465 §8.
        let input = b"a NOTIFY SET STATUS (selected MessageNew MessageExpunge) (subtree INBOX (MessageNew)) (mailboxes (Drafts Sent) NONE)\r\n";
        assert!(
            decode_command(input, &Limits::default()).is_err(),
            "events need parentheses"
        );
        assert_eq!(
            body(b"a NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (subtree INBOX (MessageNew)) (mailboxes (Drafts Sent) NONE)\r\n"),
            CommandBody::Notify {
                status: true,
                groups: Some(vec![
                    NotifyGroup {
                        mailboxes: NotifyMailboxes::Selected,
                        events: vec![
                            NotifyEvent::MessageNew { fetch: vec![] },
                            NotifyEvent::MessageExpunge,
                        ],
                    },
                    NotifyGroup {
                        mailboxes: NotifyMailboxes::Subtree(vec![Mailbox::inbox()]),
                        events: vec![NotifyEvent::MessageNew { fetch: vec![] }],
                    },
                    NotifyGroup {
                        mailboxes: NotifyMailboxes::Mailboxes(vec![
                            Mailbox::try_from("Drafts").unwrap(),
                            Mailbox::try_from("Sent").unwrap()
                        ]),
                        events: vec![],
                    },
                ]),
            }
        );
        assert_eq!(
            body(b"a NOTIFY NONE\r\n"),
            CommandBody::Notify {
                status: false,
                groups: None
            }
        );
        // RFC 5465 §3.1 (errata 1804): MessageNew with the items to send for new messages.
        assert_eq!(
            body(b"b notify set status (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew))\r\n"),
            CommandBody::Notify {
                status: true,
                groups: Some(vec![
                    NotifyGroup {
                        mailboxes: NotifyMailboxes::Selected,
                        events: vec![
                            NotifyEvent::MessageNew {
                                fetch: vec![
                                    FetchAttribute::Uid,
                                    FetchAttribute::BodySection {
                                        peek: true,
                                        section: Atomish::try_from("header.fields (from to subject)")
                                            .unwrap(),
                                        partial: None,
                                    },
                                ]
                            },
                            NotifyEvent::MessageExpunge,
                        ],
                    },
                    NotifyGroup {
                        mailboxes: NotifyMailboxes::Subtree(vec![Mailbox::try_from("Lists").unwrap()]),
                        events: vec![NotifyEvent::MessageNew { fetch: vec![] }],
                    },
                ]),
            }
        );
    }

    #[test]
    fn authenticate_and_id() {
        let (rest, c) = decode_command(
            b"a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(rest, b"");
        assert!(
            matches!(c.body, CommandBody::Authenticate { initial_response: Some(ir), .. } if ir.expose() == b"\0user\0pass")
        );
        assert!(matches!(
            body(b"a AUTHENTICATE EXTERNAL =\r\n"),
            CommandBody::Authenticate { initial_response: Some(ir), .. } if ir.expose().is_empty()
        ));
        // RFC 9051 §6.2.2: the response after the `+` belongs to the command...
        let (rest, c) = decode_command(
            b"A001 AUTHENTICATE GSSAPI\r\nYGgGCSqGSIb3EgECAgIBAAD/////\r\nA002 NOOP\r\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(rest, b"A002 NOOP\r\n");
        assert!(matches!(
            c.body,
            CommandBody::Authenticate {
                initial_response: Some(_),
                ..
            }
        ));
        // An empty line is the empty response (what the encoder sends without SASL-IR).
        let (rest, c) =
            decode_command(b"a AUTHENTICATE EXTERNAL\r\n\r\n", &Limits::default()).unwrap();
        assert_eq!(rest, b"");
        assert!(matches!(
            c.body,
            CommandBody::Authenticate { initial_response: Some(ir), .. } if ir.expose().is_empty()
        ));
        // ...but a line that is not base64 is the next command, and a partial line waits.
        let (rest, c) = decode_command(
            b"A001 AUTHENTICATE GSSAPI\r\nA002 NOOP\r\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(rest, b"A002 NOOP\r\n");
        assert!(matches!(
            c.body,
            CommandBody::Authenticate {
                initial_response: None,
                ..
            }
        ));
        let (rest, _) =
            decode_command(b"A001 AUTHENTICATE GSSAPI\r\nYGgG", &Limits::default()).unwrap();
        assert_eq!(rest, b"YGgG");
        assert_eq!(
            body(b"a023 ID (\"name\" \"sodr\" \"version\" NIL)\r\n"),
            CommandBody::Id(Some(vec![
                (astring("name"), Some(astring("sodr"))),
                (astring("version"), None)
            ]))
        );
        assert_eq!(body(b"a ID nil\r\n"), CommandBody::Id(None));
    }

    #[test]
    fn fetch_macros_and_items() {
        use FetchAttribute as A;
        assert_eq!(
            body(b"a FETCH 1 full\r\n"),
            CommandBody::Fetch {
                set: set("1"),
                items: vec![
                    A::Flags,
                    A::InternalDate,
                    A::Rfc822Size,
                    A::Envelope,
                    A::Body
                ],
                uid: false,
            }
        );
        assert_eq!(
            body(b"a FETCH 1:* ALL\r\n"),
            CommandBody::Fetch {
                set: set("1:*"),
                items: vec![A::Flags, A::InternalDate, A::Rfc822Size, A::Envelope],
                uid: false,
            }
        );
        assert_eq!(
            body(b"a UID FETCH 5 (BINARY.PEEK[1]<0.100> BINARY.SIZE[2] PREVIEW (LAZY) RFC822.HEADER X-GM-LABELS)\r\n"),
            CommandBody::Fetch {
                set: set("5"),
                items: vec![
                    A::Binary {
                        peek: true,
                        section: Atomish::try_from("1").unwrap(),
                        partial: Some((0, 100))
                    },
                    A::BinarySize {
                        section: Atomish::try_from("2").unwrap()
                    },
                    A::Preview { lazy: true },
                    A::BodySection {
                        peek: true,
                        section: Atomish::try_from("HEADER").unwrap(),
                        partial: None
                    },
                    A::GmailLabels,
                ],
                uid: true,
            }
        );
        // A lone PREVIEW followed by modifiers.
        assert!(matches!(
            body(b"a UID FETCH 5 PREVIEW (CHANGEDSINCE 7)\r\n"),
            CommandBody::FetchChangedSince { items, changed_since: 7, .. } if items == [A::Preview { lazy: false }]
        ));
    }

    #[test]
    fn sort_thread_and_search_forms() {
        assert_eq!(
            body(b"A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n"),
            CommandBody::Sort {
                keys: vec![(false, SortKey::Subject), (true, SortKey::Date)],
                charset: Atom::try_from("UTF-8").unwrap(),
                criteria: vec![SearchKey::All],
                uid: false,
            }
        );
        assert_eq!(
            body(b"A283 UID THREAD REFERENCES \"US-ASCII\" TEXT \"gewp\"\r\n"),
            CommandBody::Thread {
                algorithm: Atom::try_from("REFERENCES").unwrap(),
                charset: Atom::try_from("US-ASCII").unwrap(),
                criteria: vec![SearchKey::Text(astring("gewp"))],
                uid: true,
            }
        );
        assert_eq!(
            body(b"A284 SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR (UID 1:5 UNSEEN) HEADER X-Foo {3}\r\nabc 1:3\r\n"),
            CommandBody::Search {
                criteria: vec![
                    SearchKey::Or(
                        Box::new(SearchKey::And(vec![
                            SearchKey::Uid(set("1:5")),
                            SearchKey::Unseen
                        ])),
                        Box::new(SearchKey::Header(astring("X-Foo"), astring("abc")))
                    ),
                    SearchKey::SequenceSet(set("1:3")),
                ],
                charset: Some(Atom::try_from("UTF-8").unwrap()),
                esearch: Some(vec![SearchReturn::Min, SearchReturn::Count]),
                uid: false,
            }
        );
        assert_eq!(
            body(b"a SEARCH HEADER X-Foo \"\"\r\n"),
            CommandBody::Search {
                criteria: vec![SearchKey::Header(astring("X-Foo"), astring(""))],
                charset: None,
                esearch: None,
                uid: false,
            }
        );
    }

    #[test]
    fn malformed_commands_name_the_place() {
        assert_eq!(malformed_at(b"a FROB\r\n"), 2);
        assert_eq!(malformed_at(b"a SEARCH SINCE 1-Foo-2000\r\n"), 17);
        assert_eq!(malformed_at(b"a FETCH 0 FLAGS\r\n"), 8);
        assert_eq!(malformed_at(b"+ NOOP\r\n"), 0);
        match decode_command(b"a LOGIN bob {3}\r\nx\0y\r\n", &Limits::default()) {
            Err(DecodeError::Malformed { offset, message }) => {
                assert_eq!(offset, 12);
                assert_eq!(message, "a LOGIN <redacted>");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn limits_are_typed_errors() {
        assert_eq!(
            decode_command(b"a LOGIN {4294967295}\r\n", &Limits::default()),
            Err(DecodeError::Frame(FrameError::LiteralTooLarge {
                size: 4294967295,
                limit: Limits::default().max_literal
            }))
        );
        let tight = Limits {
            max_depth: 3,
            max_list: 3,
            ..Limits::default()
        };
        assert_eq!(
            decode_command(b"a SEARCH NOT NOT NOT NOT SEEN\r\n", &tight),
            Err(DecodeError::TooDeep { limit: 3 })
        );
        assert_eq!(
            decode_command(b"a SEARCH ((((SEEN))))\r\n", &tight),
            Err(DecodeError::TooDeep { limit: 3 })
        );
        assert_eq!(
            decode_command(b"a SEARCH SEEN SEEN SEEN SEEN\r\n", &tight),
            Err(DecodeError::ListTooLong { limit: 3 })
        );
        assert_eq!(
            decode_command(b"a FETCH 1,2,3,4 FLAGS\r\n", &tight),
            Err(DecodeError::ListTooLong { limit: 3 })
        );
        assert!(decode_command(b"a SEARCH NOT NOT NOT SEEN\r\n", &tight).is_ok());
    }
}
