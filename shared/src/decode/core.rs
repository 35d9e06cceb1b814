//! Parsers for the grammar's core values (RFC 9051 §9): spaces, numbers, atoms, strings.
//!
//! Every parser works on one complete message that the framer has delimited, so they are
//! "complete" parsers: running out of input means the message is malformed.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use nom::error::{ErrorKind, ParseError};
use nom::Parser;

use crate::types::core::{is_astring_char, is_atom_char, SequenceSet};

pub(crate) type IResult<'a, O> = nom::IResult<&'a [u8], O, Error<'a>>;

/// Why a parser stopped: the grammar, or one of the [`crate::Limits`] bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    Syntax,
    TooDeep,
    ListTooLong,
}

/// The parsers' error: where parsing stopped and why. As small as nom's own
/// `Error<&[u8]>` (a slice and a byte), so results cost no more to pass around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Error<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) reason: Reason,
}

impl<'a> ParseError<&'a [u8]> for Error<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        Error {
            input,
            reason: Reason::Syntax,
        }
    }

    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) fn fail<O>(i: &[u8]) -> IResult<'_, O> {
    Err(nom::Err::Error(Error {
        input: i,
        reason: Reason::Syntax,
    }))
}

/// A limit was broken: a `Failure`, not an `Error`, so that no alternative is tried and the
/// reason reaches [`crate::decode_response`] unchanged (the message is rejected as a whole;
/// a lenient fallback must not turn it into a generic syntax error, or accept it).
fn limit<O>(i: &[u8], reason: Reason) -> IResult<'_, O> {
    Err(nom::Err::Failure(Error { input: i, reason }))
}

/// Nesting went past [`crate::Limits::max_depth`].
#[cold]
pub(crate) fn too_deep<O>(i: &[u8]) -> IResult<'_, O> {
    limit(i, Reason::TooDeep)
}

/// A list grew past [`crate::Limits::max_list`] elements.
#[cold]
pub(crate) fn list_too_long<O>(i: &[u8]) -> IResult<'_, O> {
    limit(i, Reason::ListTooLong)
}

/// `SP`, leniently one or more spaces (servers double them).
pub(crate) fn sp(i: &[u8]) -> IResult<'_, ()> {
    let n = i.iter().take_while(|&&b| b == b' ').count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], ()))
}

/// Zero or more spaces, where servers omit one the grammar requires (or add one).
#[inline]
pub(crate) fn sp0(i: &[u8]) -> IResult<'_, ()> {
    // Hot: called between almost every two tokens; the common cases are no space or one.
    match i {
        [b' ', b' ', ..] => {
            let n = i.iter().take_while(|&&b| b == b' ').count();
            Ok((&i[n..], ()))
        }
        [b' ', rest @ ..] => Ok((rest, ())),
        _ => Ok((i, ())),
    }
}

/// `CRLF`, leniently a bare LF, after optional trailing spaces.
pub(crate) fn crlf(i: &[u8]) -> IResult<'_, ()> {
    let (i, ()) = sp0(i)?;
    match i {
        [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] => Ok((rest, ())),
        _ => fail(i),
    }
}

pub(crate) fn byte(c: u8) -> impl Fn(&[u8]) -> IResult<'_, ()> {
    move |i: &[u8]| match i.split_first() {
        Some((&b, rest)) if b == c => Ok((rest, ())),
        _ => fail(i),
    }
}

/// `number = 1*DIGIT` that fits in 32 bits.
pub(crate) fn number(i: &[u8]) -> IResult<'_, u32> {
    let (rest, n) = number64(i)?;
    match u32::try_from(n) {
        Ok(n) => Ok((rest, n)),
        Err(_) => fail(i),
    }
}

/// `number64 = 1*DIGIT` (RFC 9051), also used for `mod-sequence-value`.
pub(crate) fn number64(i: &[u8]) -> IResult<'_, u64> {
    let mut n: u64 = 0;
    let mut digits = 0;
    for &b in i {
        if !b.is_ascii_digit() {
            break;
        }
        // Up to 19 digits cannot overflow; the 20th is checked.
        n = if digits < 19 {
            n * 10 + u64::from(b - b'0')
        } else {
            match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
            {
                Some(n) => n,
                None => return fail(i),
            }
        };
        digits += 1;
    }
    if digits == 0 {
        return fail(i);
    }
    Ok((&i[digits..], n))
}

fn ascii(s: &[u8]) -> &str {
    // Callers only pass bytes they checked to be ASCII; the fallback is never taken.
    core::str::from_utf8(s).unwrap_or_default()
}

/// `atom = 1*ATOM-CHAR`.
pub(crate) fn atom(i: &[u8]) -> IResult<'_, &str> {
    let n = i.iter().take_while(|&&b| is_atom_char(b)).count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], ascii(&i[..n])))
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, leniently accepting 8-bit bytes (servers send raw
/// UTF-8 and Latin-1) and `\` before any character. Borrows when there is no escape.
pub(crate) fn quoted(i: &[u8]) -> IResult<'_, Cow<'_, [u8]>> {
    let (body, ()) = byte(b'"')(i)?;
    let Some(end) = memchr::memchr3(b'"', b'\\', b'\n', body) else {
        return fail(i);
    };
    match body[end] {
        b'"' => Ok((&body[end + 1..], Cow::Borrowed(&body[..end]))),
        b'\\' => {
            let mut out: Vec<u8> = body[..end].to_vec();
            let mut k = end;
            loop {
                match body.get(k) {
                    Some(b'"') => return Ok((&body[k + 1..], Cow::Owned(out))),
                    Some(b'\\') => match body.get(k + 1) {
                        Some(&c) if c != b'\r' && c != b'\n' => {
                            out.push(c);
                            k += 2;
                        }
                        _ => return fail(i),
                    },
                    Some(b'\r' | b'\n') | None => return fail(i),
                    Some(&c) => {
                        out.push(c);
                        k += 1;
                    }
                }
            }
        }
        _ => fail(i),
    }
}

/// [`quoted`] validated without unescaping.
pub(crate) fn skip_quoted(i: &[u8]) -> IResult<'_, ()> {
    let (body, ()) = byte(b'"')(i)?;
    let mut k = 0;
    loop {
        let Some(off) = memchr::memchr3(b'"', b'\\', b'\n', &body[k..]) else {
            return fail(i);
        };
        k += off;
        match body[k] {
            b'"' => return Ok((&body[k + 1..], ())),
            b'\\' if !matches!(body.get(k + 1), None | Some(b'\r' | b'\n')) => k += 2,
            _ => return fail(i),
        }
    }
}

/// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` and `literal8 = "~{" number64 "}" CRLF
/// *OCTET` (RFC 3516). The framer has already checked the size against the limits.
pub(crate) fn literal(i: &[u8]) -> IResult<'_, &[u8]> {
    let start = i;
    let i = i.strip_prefix(b"~").unwrap_or(i);
    let (i, ()) = byte(b'{')(i)?;
    let (i, n) = number64(i)?;
    let i = i
        .strip_prefix(b"+")
        .or_else(|| i.strip_prefix(b"-"))
        .unwrap_or(i);
    let (i, ()) = byte(b'}')(i)?;
    let i = i.strip_prefix(b"\r").unwrap_or(i);
    let (i, ()) = byte(b'\n')(i)?;
    match usize::try_from(n) {
        Ok(n) if n <= i.len() => Ok((&i[n..], &i[..n])),
        _ => fail(start),
    }
}

/// `string = quoted / literal`.
pub(crate) fn string(i: &[u8]) -> IResult<'_, Cow<'_, [u8]>> {
    match i.first() {
        Some(b'"') => quoted(i),
        Some(b'{' | b'~') => literal(i).map(|(r, s)| (r, Cow::Borrowed(s))),
        _ => fail(i),
    }
}

/// `nil = "NIL"` (case-insensitive), not followed by an atom character.
pub(crate) fn nil(i: &[u8]) -> IResult<'_, ()> {
    match i.get(..3) {
        Some(w) if w.eq_ignore_ascii_case(b"NIL") => {
            let rest = &i[3..];
            match rest.first() {
                Some(&b) if is_atom_char(b) => fail(i),
                _ => Ok((rest, ())),
            }
        }
        _ => fail(i),
    }
}

/// The hierarchy delimiter of LIST and NAMESPACE: `DQUOTE QUOTED-CHAR DQUOTE / nil`.
/// A quoted value that is not one character a quoted string can carry (empty, several
/// characters, NUL, CR, LF, bad UTF-8) reads as no hierarchy (`None`) rather than failing
/// the response: the folder itself is still worth listing.
pub(crate) fn hierarchy_delimiter(i: &[u8]) -> IResult<'_, Option<char>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, None));
    }
    let (rest, quoted) = quoted(i)?;
    let mut chars = core::str::from_utf8(&quoted).unwrap_or_default().chars();
    let delimiter = match (chars.next(), chars.next()) {
        (Some(c), None) if !matches!(c, '\0' | '\r' | '\n') => Some(c),
        _ => None,
    };
    Ok((rest, delimiter))
}

/// `nstring = string / nil`.
#[inline]
pub(crate) fn nstring(i: &[u8]) -> IResult<'_, Option<Cow<'_, [u8]>>> {
    match i.first() {
        Some(b'"') => quoted(i).map(|(r, s)| (r, Some(s))),
        Some(b'{' | b'~') => literal(i).map(|(r, s)| (r, Some(Cow::Borrowed(s)))),
        _ => nil(i).map(|(r, ())| (r, None)),
    }
}

/// `astring = 1*ASTRING-CHAR / string`. Lenient: 8-bit bytes are accepted in the atom form
/// (servers with UTF-8 mailbox names send them bare).
pub(crate) fn astring(i: &[u8]) -> IResult<'_, Cow<'_, [u8]>> {
    if let Ok(ok) = string(i) {
        return Ok(ok);
    }
    let n = i
        .iter()
        .take_while(|&&b| is_astring_char(b) || b >= 0x80)
        .count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], Cow::Borrowed(&i[..n])))
}

/// A string where the grammar wants one but servers send `NIL` or a bare atom instead
/// (body structure fields): `NIL` reads as empty.
pub(crate) fn string_lenient(i: &[u8]) -> IResult<'_, Cow<'_, [u8]>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, Cow::Borrowed(&[][..])));
    }
    astring(i)
}

/// [`string_lenient`] validated without building the value.
pub(crate) fn skip_string_lenient(i: &[u8]) -> IResult<'_, ()> {
    match i.first() {
        Some(b'"') => skip_quoted(i),
        Some(b'{' | b'~') => literal(i).map(|(r, _)| (r, ())),
        _ => {
            // `NIL` is itself a run of atom characters.
            let n = i
                .iter()
                .take_while(|&&b| is_astring_char(b) || b >= 0x80)
                .count();
            if n == 0 {
                return fail(i);
            }
            Ok((&i[n..], ()))
        }
    }
}

/// `text = 1*TEXT-CHAR`, leniently empty and with 8-bit bytes (decoded lossily as UTF-8).
/// Stops before CR/LF.
pub(crate) fn text(i: &[u8]) -> IResult<'_, Cow<'_, str>> {
    let n = memchr::memchr2(b'\r', b'\n', i).unwrap_or(i.len());
    Ok((&i[n..], alloc::string::String::from_utf8_lossy(&i[..n])))
}

/// Skips one value of any shape (number, atom, string, `NIL`, or a parenthesised list of
/// values, nested at most `depth` deep), for data this crate keeps unparsed.
pub(crate) fn skip_value(i: &[u8], depth: usize) -> IResult<'_, &[u8]> {
    let start = i;
    let rest = match i.first() {
        Some(b'(') => {
            if depth == 0 {
                return too_deep(i);
            }
            let mut i = &i[1..];
            loop {
                i = sp0(i)?.0;
                if let Some(rest) = i.strip_prefix(b")") {
                    break rest;
                }
                i = skip_value(i, depth - 1)?.0;
            }
        }
        Some(b'"') => skip_quoted(i)?.0,
        Some(b'{' | b'~') => literal(i)?.0,
        Some(_) => {
            // Atoms, numbers and things like `BODY[HEADER]<0>` that servers echo back.
            let n = i
                .iter()
                .take_while(|&&b| is_astring_char(b) || b == b'\\' || b >= 0x80)
                .count();
            if n == 0 {
                return fail(i);
            }
            &i[n..]
        }
        None => return fail(i),
    };
    Ok((rest, &start[..start.len() - rest.len()]))
}

/// `"(" [x *(SP x)] ")"`, lenient about spaces, with at most `max` elements.
pub(crate) fn paren_list<'a, O>(
    i: &'a [u8],
    max: usize,
    mut item: impl Parser<&'a [u8], Output = O, Error = Error<'a>>,
) -> IResult<'a, Vec<O>> {
    let (mut i, ()) = byte(b'(')(i)?;
    let mut out = Vec::new();
    loop {
        i = sp0(i)?.0;
        if let Some(rest) = i.strip_prefix(b")") {
            return Ok((rest, out));
        }
        if out.len() >= max {
            return list_too_long(i);
        }
        let (rest, o) = item.parse(i)?;
        out.push(o);
        i = rest;
    }
}

/// `sequence-set` (RFC 9051 §9), at most `max` ranges.
pub(crate) fn sequence_set(i: &[u8], max: usize) -> IResult<'_, SequenceSet> {
    let n = i
        .iter()
        .take_while(|&&b| b.is_ascii_digit() || matches!(b, b':' | b',' | b'*'))
        .count();
    let text = &i[..n];
    if text.iter().filter(|&&b| b == b',').count() >= max {
        return list_too_long(i);
    }
    let set = core::str::from_utf8(text)
        .ok()
        .and_then(|s| SequenceSet::try_from(s).ok());
    match set {
        Some(set) => Ok((&i[n..], set)),
        None => fail(i),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_delimiters() {
        let d = |i: &'static [u8]| hierarchy_delimiter(i).map(|(rest, d)| (d, rest));
        assert_eq!(d(b"\"/\" INBOX"), Ok((Some('/'), &b" INBOX"[..])));
        assert_eq!(d(b"\"\\\\\" x"), Ok((Some('\\'), &b" x"[..])));
        assert_eq!(d(b"NIL x"), Ok((None, &b" x"[..])));
        assert_eq!(d(b"nil"), Ok((None, &b""[..])));
        assert_eq!(d("\"\u{b7}\"".as_bytes()), Ok((Some('\u{b7}'), &b""[..])));
        // Not one usable character: no hierarchy, rather than a failed response. NUL and CR
        // would come back from the encoder as a literal, which is no delimiter.
        for no in [&b"\"\""[..], b"\"./\"", b"\"\0\"", b"\"\r\"", b"\"\xff\""] {
            assert_eq!(d(no).map(|(d, _)| d), Ok(None), "{no:?}");
        }
        assert!(d(b"/ INBOX").is_err());
        assert!(d(b"{1}\r\n/").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"4294967295 ").unwrap(), (&b" "[..], u32::MAX));
        assert!(number(b"4294967296").is_err());
        assert!(number(b"x").is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(
            quoted(b"\"a b\" x").unwrap(),
            (&b" x"[..], Cow::Borrowed(&b"a b"[..]))
        );
        assert_eq!(quoted(b"\"a\\\"b\\\\\"").unwrap().1.as_ref(), b"a\"b\\");
        assert_eq!(
            quoted("\"Grüße\"".as_bytes()).unwrap().1.as_ref(),
            "Grüße".as_bytes()
        );
        assert!(quoted(b"\"abc").is_err());
        assert_eq!(literal(b"{3}\r\nabcd").unwrap(), (&b"d"[..], &b"abc"[..]));
        assert_eq!(literal(b"~{1+}\r\n\0").unwrap().1, b"\0");
        assert!(literal(b"{9}\r\nab").is_err());
        assert_eq!(nstring(b"NIL)").unwrap(), (&b")"[..], None));
        assert_eq!(nstring(b"nil ").unwrap().1, None);
        assert!(nstring(b"NILS").is_err());
        assert_eq!(astring(b"INBOX]x").unwrap().1.as_ref(), b"INBOX]x");
    }

    #[test]
    fn skipping_values() {
        let (rest, v) = skip_value(b"(a \"b)\" (c {1}\r\nz)) x", 4).unwrap();
        assert_eq!(v, b"(a \"b)\" (c {1}\r\nz))");
        assert_eq!(rest, b" x");
        assert!(matches!(
            skip_value(b"((((a))))", 2),
            Err(nom::Err::Failure(e)) if e.reason == Reason::TooDeep
        ));
        assert!(matches!(
            paren_list(b"(a b c)", 2, atom),
            Err(nom::Err::Failure(e)) if e.reason == Reason::ListTooLong
        ));
        assert_eq!(paren_list(b"(a b)", 2, atom).unwrap().1, ["a", "b"]);
    }
}
