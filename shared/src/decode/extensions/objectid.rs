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

/// `"(" objectid ")" / nil`.
pub(crate) fn nil_or_paren_objectid(i: &[u8]) -> IResult<'_, Option<ObjectId<'_>>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, None));
    }
    paren_objectid(i).map(|(r, id)| (r, Some(id)))
}
