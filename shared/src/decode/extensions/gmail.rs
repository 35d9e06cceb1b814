//! Gmail's X-GM-EXT-1: `X-GM-LABELS` values are astrings or `\`-prefixed system labels.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::decode::core::{astring, fail, paren_list, IResult};
use crate::types::core::is_astring_char;
use crate::Limits;

/// `"(" [label *(SP label)] ")"` where a label is an astring or `"\" atom`.
pub(crate) fn labels<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Vec<Cow<'a, [u8]>>> {
    paren_list(i, limits.max_list, |i: &'a [u8]| {
        if i.first() == Some(&b'\\') {
            let n = 1 + i[1..].iter().take_while(|&&b| is_astring_char(b)).count();
            if n == 1 {
                return fail(i);
            }
            return Ok((&i[n..], Cow::Borrowed(&i[..n])));
        }
        astring(i)
    })
}
