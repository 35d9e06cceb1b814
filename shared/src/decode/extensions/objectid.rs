//! OBJECTID (RFC 8474): `EMAILID (M6d99ac3275bb4e)`, `THREADID NIL`, `MAILBOXID (F2212ea87)`.

use crate::decode::core::{byte, fail, nil, sp0, IResult};
use crate::types::core::{is_objectid_char, ObjectId};

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")`.
pub(crate) fn objectid(i: &[u8]) -> IResult<'_, ObjectId<'_>> {
    let n = i.iter().take_while(|&&b| is_objectid_char(b)).count();
    if n == 0 || n > 255 {
        return fail(i);
    }
    let s = core::str::from_utf8(&i[..n]).unwrap_or_default();
    Ok((&i[n..], ObjectId::unvalidated(s)))
}

/// `"(" objectid ")"`.
pub(crate) fn paren_objectid(i: &[u8]) -> IResult<'_, ObjectId<'_>> {
    let (i, ()) = byte(b'(')(i)?;
    let (i, id) = objectid(sp0(i)?.0)?;
    let (i, ()) = byte(b')')(sp0(i)?.0)?;
    Ok((i, id))
}

/// `"(" objectid ")" / nil`, and `"(" nil ")"`, which Cyrus 3.6 sends for a message without
/// a thread: `NIL` is a valid objectid, but no server means a thread named "NIL" by it.
pub(crate) fn nil_or_paren_objectid(i: &[u8]) -> IResult<'_, Option<ObjectId<'_>>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, None));
    }
    let (rest, id) = paren_objectid(i)?;
    if id.as_str().eq_ignore_ascii_case("NIL") {
        return Ok((rest, None));
    }
    Ok((rest, Some(id)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn objectid_forms() {
        let (rest, id) = nil_or_paren_objectid(b"(T6ba8f0) X").unwrap();
        assert_eq!(rest, b" X");
        assert_eq!(id.as_ref().map(ObjectId::as_str), Some("T6ba8f0"));
        assert_eq!(nil_or_paren_objectid(b"NIL)").unwrap(), (&b")"[..], None));
        assert!(paren_objectid(b"()").is_err());
    }

    // Regression: Cyrus 3.6 answers `THREADID (NIL)` for a message without a thread.
    #[test]
    fn cyrus_parenthesised_nil_is_no_thread() {
        assert_eq!(nil_or_paren_objectid(b"(NIL))").unwrap(), (&b")"[..], None));
    }
}
