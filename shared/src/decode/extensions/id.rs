//! ID (RFC 2971).

use crate::decode::core::{nil, nstring, paren_list, sp, sp0, string, IResult};
use crate::types::extensions::id::Id;
use crate::Limits;

/// `id-response = "ID" SP id-params-list`, `id-params-list = "(" *(string SP nstring) ")" / nil`.
pub(crate) fn id<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Id<'a>> {
    let (i, ()) = sp(i)?;
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, Id(None)));
    }
    let (i, fields) = paren_list(i, limits.max_list, |i| {
        let (i, k) = string(i)?;
        let (i, v) = nstring(sp0(i)?.0)?;
        Ok((i, (k, v)))
    })?;
    Ok((i, Id(Some(fields))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_id() {
        let (_, Id(Some(f))) = id(
            b" (\"name\" \"Dovecot\" \"version\" NIL)",
            &Limits::default(),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].1, None);
        assert_eq!(id(b" NIL", &Limits::default()).unwrap().1, Id(None));
    }
}
