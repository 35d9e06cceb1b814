//! ESEARCH (RFC 4731).

use alloc::borrow::Cow;

use crate::decode::core::{
    atom, byte, fail, list_too_long, number, number64, sequence_set, skip_value, sp, sp0, string,
    IResult,
};
use crate::types::core::Atom;
use crate::types::extensions::esearch::ESearch;
use crate::Limits;

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`,
/// after the keyword; `search-correlator = SP "(" "TAG" SP tag-string ")"`.
pub(crate) fn esearch<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, ESearch<'a>> {
    let mut out = ESearch::default();
    let mut i = i;
    if let Ok((rest, ())) = sp(i) {
        if let Ok((rest, ())) = byte(b'(')(rest) {
            let (rest, word) = atom(rest)?;
            if !word.eq_ignore_ascii_case("TAG") {
                return fail(rest);
            }
            let (rest, tag) = string(sp(rest)?.0)?;
            let (rest, ()) = byte(b')')(sp0(rest)?.0)?;
            out.tag = Some(tag);
            i = rest;
        }
    }
    loop {
        let Ok((rest, ())) = sp(i) else {
            return Ok((i, out));
        };
        let Ok((rest, name)) = atom(rest) else {
            return Ok((i, out));
        };
        let is = |s: &str| name.eq_ignore_ascii_case(s);
        if is("UID") {
            out.uid = true;
            i = rest;
            continue;
        }
        let (rest, ()) = sp(rest)?;
        i = if is("MIN") {
            let (r, n) = number(rest)?;
            out.min = Some(n);
            r
        } else if is("MAX") {
            let (r, n) = number(rest)?;
            out.max = Some(n);
            r
        } else if is("COUNT") {
            let (r, n) = number(rest)?;
            out.count = Some(n);
            r
        } else if is("ALL") {
            let (r, s) = sequence_set(rest, limits.max_list)?;
            out.all = Some(s);
            r
        } else if is("MODSEQ") {
            let (r, n) = number64(rest)?;
            out.modseq = Some(n);
            r
        } else {
            if out.other.len() >= limits.max_list {
                return list_too_long(rest);
            }
            let (r, v) = skip_value(rest, limits.max_depth)?;
            out.other.push((Atom::unvalidated(name), Cow::Borrowed(v)));
            r
        };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::types::core::SequenceSet;

    #[test]
    fn rfc_4731_examples() {
        let (rest, e) = esearch(b" (TAG \"A282\") MIN 2 COUNT 3\r\n", &Limits::default()).unwrap();
        assert_eq!(rest, b"\r\n");
        assert_eq!(e.tag.as_deref(), Some(&b"A282"[..]));
        assert_eq!((e.min, e.count, e.uid), (Some(2), Some(3), false));
        let (_, e) = esearch(
            b" (TAG \"A285\") UID MIN 7 MAX 3800\r\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!((e.uid, e.min, e.max), (true, Some(7), Some(3800)));
        let (_, e) = esearch(b" (TAG \"A284\") ALL 4:18,21,28", &Limits::default()).unwrap();
        assert_eq!(e.all, Some(SequenceSet::try_from("4:18,21,28").unwrap()));
        let (_, e) = esearch(b"", &Limits::default()).unwrap();
        assert_eq!(e, ESearch::default());
    }
}
