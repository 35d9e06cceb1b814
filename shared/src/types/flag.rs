//! Message flags and mailbox attributes (RFC 9051 §2.3.2, §7.3.1; RFC 6154 for special use).

use alloc::borrow::Cow;

use super::core::ValidationError;

/// The name of a keyword or extension flag. Lenient: real servers put `]` and other
/// atom-specials in keywords, so any printable ASCII except space, parentheses, quotes and
/// `{` is accepted. Not 8-bit: a flag is an atom, even after UTF8=ACCEPT (RFC 6855).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlagName<'a>(Cow<'a, str>);

pub(crate) fn is_flag_char(b: u8) -> bool {
    !matches!(b, b' ' | b'(' | b')' | b'"' | b'{') && (0x21..0x7f).contains(&b)
}

impl<'a> FlagName<'a> {
    pub(crate) fn unvalidated(s: &'a str) -> Self {
        Self(Cow::Borrowed(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_static(self) -> FlagName<'static> {
        FlagName(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for FlagName<'a> {
    type Error = ValidationError;
    fn try_from(s: &'a str) -> Result<Self, Self::Error> {
        if s.is_empty() || !s.bytes().all(is_flag_char) || s.starts_with('\\') {
            return Err(ValidationError::new("flag", s.as_bytes(), "not a keyword"));
        }
        Ok(Self(Cow::Borrowed(s)))
    }
}

impl TryFrom<alloc::string::String> for FlagName<'static> {
    type Error = ValidationError;
    fn try_from(s: alloc::string::String) -> Result<Self, Self::Error> {
        FlagName::try_from(s.as_str())?;
        Ok(FlagName(Cow::Owned(s)))
    }
}

/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
/// flag-extension`; `\Recent` only appears in responses (IMAP4rev1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag<'a> {
    Answered,
    Flagged,
    Deleted,
    Seen,
    Draft,
    Recent,
    Keyword(FlagName<'a>),
    /// `\` followed by a name this crate does not know; the name excludes the backslash.
    Extension(FlagName<'a>),
}

impl Flag<'_> {
    pub fn into_static(self) -> Flag<'static> {
        match self {
            Flag::Answered => Flag::Answered,
            Flag::Flagged => Flag::Flagged,
            Flag::Deleted => Flag::Deleted,
            Flag::Seen => Flag::Seen,
            Flag::Draft => Flag::Draft,
            Flag::Recent => Flag::Recent,
            Flag::Keyword(k) => Flag::Keyword(k.into_static()),
            Flag::Extension(k) => Flag::Extension(k.into_static()),
        }
    }
}

/// An entry of `PERMANENTFLAGS`: a flag or `\*` (new keywords may be created).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagPerm<'a> {
    Flag(Flag<'a>),
    Wildcard,
}

impl FlagPerm<'_> {
    pub fn into_static(self) -> FlagPerm<'static> {
        match self {
            FlagPerm::Flag(f) => FlagPerm::Flag(f.into_static()),
            FlagPerm::Wildcard => FlagPerm::Wildcard,
        }
    }
}

/// A LIST mailbox attribute: RFC 9051 §7.3.1, child info (RFC 3348/5258) and special use
/// (RFC 6154).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListAttribute<'a> {
    NoInferiors,
    NoSelect,
    Marked,
    Unmarked,
    NonExistent,
    Subscribed,
    Remote,
    HasChildren,
    HasNoChildren,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
    Important,
    /// Any other attribute, without its backslash if it had one.
    Other(FlagName<'a>),
}

impl ListAttribute<'_> {
    pub fn into_static(self) -> ListAttribute<'static> {
        use ListAttribute::*;
        match self {
            NoInferiors => NoInferiors,
            NoSelect => NoSelect,
            Marked => Marked,
            Unmarked => Unmarked,
            NonExistent => NonExistent,
            Subscribed => Subscribed,
            Remote => Remote,
            HasChildren => HasChildren,
            HasNoChildren => HasNoChildren,
            All => All,
            Archive => Archive,
            Drafts => Drafts,
            Flagged => Flagged,
            Junk => Junk,
            Sent => Sent,
            Trash => Trash,
            Important => Important,
            Other(n) => Other(n.into_static()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_are_ascii() {
        // Found by the round-trip tests: `Ärger` was accepted, and the decoder (rightly)
        // refused the FLAGS list it was written into.
        assert!(FlagName::try_from("Ärger").is_err());
        assert!(FlagName::try_from("$Junk]").is_ok());
        assert!(FlagName::try_from("a\u{7f}").is_err());
    }
}
