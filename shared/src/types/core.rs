//! Core values of the grammar (RFC 9051 §4 and §9): tags, atoms, mailbox names, sequence sets
//! and secrets. Each newtype keeps its field private so that an invalid value cannot exist.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::num::NonZeroU32;

/// A value was rejected while building a typed IMAP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// What was being built, e.g. "tag".
    pub what: &'static str,
    /// The rejected value (lossily decoded for display).
    pub value: String,
    pub reason: &'static str,
}

impl ValidationError {
    pub(crate) fn new(what: &'static str, value: &[u8], reason: &'static str) -> Self {
        Self {
            what,
            value: String::from_utf8_lossy(value).into_owned(),
            reason,
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: {}", self.what, self.value, self.reason)
    }
}

/// `ATOM-CHAR = <any CHAR except atom-specials>` (RFC 9051 §9).
pub(crate) fn is_atom_char(b: u8) -> bool {
    !matches!(
        b,
        b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
    ) && (0x21..0x7f).contains(&b)
}

/// `ASTRING-CHAR = ATOM-CHAR / resp-specials` (`]` is allowed).
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// A command tag: `tag = 1*<any ASTRING-CHAR except "+">`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag<'a>(Cow<'a, str>);

impl<'a> Tag<'a> {
    pub(crate) fn unvalidated(s: &'a str) -> Self {
        Self(Cow::Borrowed(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_static(self) -> Tag<'static> {
        Tag(Cow::Owned(self.0.into_owned()))
    }
}

fn validate_tag(s: &[u8]) -> Result<(), ValidationError> {
    if s.is_empty() {
        return Err(ValidationError::new("tag", s, "empty"));
    }
    if s.iter().any(|&b| !is_astring_char(b) || b == b'+') {
        return Err(ValidationError::new(
            "tag",
            s,
            "contains a character a tag cannot hold",
        ));
    }
    Ok(())
}

impl<'a> TryFrom<&'a str> for Tag<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        validate_tag(s.as_bytes())?;
        Ok(Self(Cow::Borrowed(s)))
    }
}

impl TryFrom<String> for Tag<'static> {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        validate_tag(s.as_bytes())?;
        Ok(Self(Cow::Owned(s)))
    }
}

impl fmt::Display for Tag<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An atom: `atom = 1*ATOM-CHAR`. Compared case-insensitively where the protocol says so
/// (see [`Atom::eq_ignore_case`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atom<'a>(Cow<'a, str>);

impl<'a> Atom<'a> {
    pub(crate) fn unvalidated(s: &'a str) -> Self {
        Self(Cow::Borrowed(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
    /// Drops the first `n` bytes (an ASCII prefix the caller has checked, e.g. `AUTH=`).
    pub(crate) fn split_off_prefix(self, n: usize) -> Self {
        match self.0 {
            Cow::Borrowed(s) => Self(Cow::Borrowed(s.get(n..).unwrap_or(s))),
            Cow::Owned(s) => Self(Cow::Owned(String::from(s.get(n..).unwrap_or(&s)))),
        }
    }
    pub fn into_static(self) -> Atom<'static> {
        Atom(Cow::Owned(self.0.into_owned()))
    }
}

fn validate_atom(s: &[u8]) -> Result<(), ValidationError> {
    if s.is_empty() {
        return Err(ValidationError::new("atom", s, "empty"));
    }
    if !s.iter().all(|&b| is_atom_char(b)) {
        return Err(ValidationError::new(
            "atom",
            s,
            "contains an atom-special character",
        ));
    }
    Ok(())
}

impl<'a> TryFrom<&'a str> for Atom<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        validate_atom(s.as_bytes())?;
        Ok(Self(Cow::Borrowed(s)))
    }
}

impl TryFrom<String> for Atom<'static> {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        validate_atom(s.as_bytes())?;
        Ok(Self(Cow::Owned(s)))
    }
}

impl fmt::Display for Atom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox name in wire form (modified UTF-7, or UTF-8 after `UTF8=ACCEPT`).
/// `INBOX` in any case is normalised to `INBOX` (RFC 9051 §5.1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mailbox<'a>(Cow<'a, [u8]>);

impl<'a> Mailbox<'a> {
    /// Any byte string except one holding CR, LF or NUL is a mailbox name on the wire.
    pub fn new(name: impl Into<Cow<'a, [u8]>>) -> Result<Self, ValidationError> {
        let name = name.into();
        if name.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(ValidationError::new(
                "mailbox",
                &name,
                "contains CR, LF or NUL",
            ));
        }
        Ok(Self::from_wire(name))
    }
    pub(crate) fn from_wire(name: Cow<'a, [u8]>) -> Self {
        if name.eq_ignore_ascii_case(b"INBOX") && &*name != b"INBOX" {
            Self(Cow::Borrowed(b"INBOX"))
        } else {
            Self(name)
        }
    }
    pub fn inbox() -> Self {
        Self(Cow::Borrowed(b"INBOX"))
    }
    pub fn is_inbox(&self) -> bool {
        &*self.0 == b"INBOX"
    }
    /// The wire-form bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The name for a person: modified UTF-7 decoded; UTF-8 names pass through; bytes that
    /// are neither are shown lossily.
    pub fn decoded(&self) -> String {
        match core::str::from_utf8(&self.0) {
            Ok(s) => crate::utf7::decode(s).unwrap_or_else(|| String::from(s)),
            Err(_) => String::from_utf8_lossy(&self.0).into_owned(),
        }
    }
    pub fn into_static(self) -> Mailbox<'static> {
        Mailbox(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for Mailbox<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        Self::new(s.as_bytes())
    }
}

impl TryFrom<String> for Mailbox<'static> {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Mailbox::new(s.into_bytes())
    }
}

/// A string argument of a command (`astring` / `string`): any bytes but NUL, which no
/// literal may hold (RFC 9051 `CHAR8`). The encoder picks the atom, quoted or literal form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AString<'a>(Cow<'a, [u8]>);

impl<'a> AString<'a> {
    pub fn new(s: impl Into<Cow<'a, [u8]>>) -> Result<Self, ValidationError> {
        let s = s.into();
        if s.contains(&0) {
            return Err(ValidationError::new("string", &s, "contains NUL"));
        }
        Ok(Self(s))
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    pub fn into_static(self) -> AString<'static> {
        AString(Cow::Owned(self.0.into_owned()))
    }
}

impl AsRef<[u8]> for AString<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<'a> TryFrom<&'a str> for AString<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        Self::new(s.as_bytes())
    }
}

impl<'a> TryFrom<&'a [u8]> for AString<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a [u8]) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for AString<'static> {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AString::new(s.into_bytes())
    }
}

impl TryFrom<Vec<u8>> for AString<'static> {
    type Error = ValidationError;
    fn try_from(s: Vec<u8>) -> Result<Self, Self::Error> {
        AString::new(s)
    }
}

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 OBJECTID).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId<'a>(Cow<'a, str>);

impl<'a> ObjectId<'a> {
    pub(crate) fn unvalidated(s: &'a str) -> Self {
        Self(Cow::Borrowed(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_static(self) -> ObjectId<'static> {
        ObjectId(Cow::Owned(self.0.into_owned()))
    }
}

pub(crate) fn is_objectid_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl<'a> TryFrom<&'a str> for ObjectId<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        if s.is_empty() || s.len() > 255 || !s.bytes().all(is_objectid_char) {
            return Err(ValidationError::new(
                "object id",
                s.as_bytes(),
                "not 1 to 255 letters, digits, _ or -",
            ));
        }
        Ok(Self(Cow::Borrowed(s)))
    }
}

/// A sequence number or UID bound in a sequence set; `*` is the largest in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqBound {
    Value(NonZeroU32),
    Largest,
}

/// `sequence-set = (seq-number / seq-range) ["," sequence-set]` (RFC 9051 §9).
#[derive(Clone, PartialEq, Eq)]
pub struct SequenceSet(Vec<(SeqBound, SeqBound)>);

impl SequenceSet {
    /// The range `from:to`; `None` if either bound is 0.
    pub fn range(from: u32, to: u32) -> Option<Self> {
        let from = SeqBound::Value(NonZeroU32::new(from)?);
        let to = SeqBound::Value(NonZeroU32::new(to)?);
        Some(Self(alloc::vec![(from, to)]))
    }
    pub fn ranges(&self) -> &[(SeqBound, SeqBound)] {
        &self.0
    }
}

// Debug shows byte strings as text (invalid UTF-8 replaced) and sets in their wire form:
// logs and the decode tool's output are read by people debugging a server.
impl fmt::Debug for Mailbox<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Mailbox({:?})",
            alloc::string::String::from_utf8_lossy(&self.0)
        )
    }
}

impl fmt::Debug for AString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AString({:?})",
            alloc::string::String::from_utf8_lossy(&self.0)
        )
    }
}

impl fmt::Debug for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SequenceSet(\"{self}\")")
    }
}

/// The wire form, `1:3,7,9:*`.
impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |f: &mut fmt::Formatter<'_>, b: SeqBound| match b {
            SeqBound::Value(n) => write!(f, "{n}"),
            SeqBound::Largest => f.write_str("*"),
        };
        for (k, &(from, to)) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            bound(f, from)?;
            if to != from {
                f.write_str(":")?;
                bound(f, to)?;
            }
        }
        Ok(())
    }
}

impl TryFrom<&str> for SequenceSet {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let bad = |reason| ValidationError::new("sequence set", s.as_bytes(), reason);
        let bound = |b: &str| -> Result<SeqBound, ValidationError> {
            if b == "*" {
                return Ok(SeqBound::Largest);
            }
            if b.is_empty() || !b.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad("a bound is not a number or *"));
            }
            b.parse::<u32>()
                .ok()
                .and_then(NonZeroU32::new)
                .map(SeqBound::Value)
                .ok_or_else(|| bad("a bound is 0 or too large"))
        };
        let mut out = Vec::new();
        for part in s.split(',') {
            let (a, b) = part.split_once(':').unwrap_or((part, part));
            out.push((bound(a)?, bound(b)?));
        }
        Ok(Self(out))
    }
}

/// A secret (a password, a SASL response): its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(secret: T) -> Self {
        Self(secret)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_atoms_validate() {
        assert!(Tag::try_from("A001").is_ok());
        assert!(Tag::try_from("a+b").is_err());
        assert!(Tag::try_from("").is_err());
        assert!(Atom::try_from("FLAGS").is_ok());
        assert!(Atom::try_from("a b").is_err());
    }

    #[test]
    fn inbox_is_normalised() {
        assert!(Mailbox::try_from("inBox").unwrap().is_inbox());
        assert!(!Mailbox::try_from("INBOX.Sent").unwrap().is_inbox());
    }

    #[test]
    fn sequence_sets_parse() {
        let s = SequenceSet::try_from("1:5,7,9:*").unwrap();
        assert_eq!(s.ranges().len(), 3);
        assert_eq!(alloc::format!("{s}"), "1:5,7,9:*");
        assert!(SequenceSet::try_from("0:4").is_err());
        assert!(SequenceSet::try_from("a").is_err());
    }

    #[test]
    fn strings_refuse_nul() {
        assert!(AString::try_from("pa ss\r\nwörd").is_ok());
        assert!(AString::try_from("a\0b").is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(alloc::format!("{s:?}"), "Secret(<redacted>)");
    }
}
