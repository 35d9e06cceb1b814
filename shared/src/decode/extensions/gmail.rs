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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn gmail_labels() {
        // From Gmail's IMAP extensions page: system labels bare, user labels as astrings.
        let (rest, l) = labels(
            b"(\\Inbox \\Sent Important \"Muy Importante\" {5}\r\nab\"cd) x",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(rest, b" x");
        assert_eq!(
            l,
            [
                &b"\\Inbox"[..],
                b"\\Sent",
                b"Important",
                b"Muy Importante",
                b"ab\"cd"
            ]
        );
        assert_eq!(labels(b"()", &Limits::default()).unwrap().1.len(), 0);
        assert!(labels(b"(\\ x)", &Limits::default()).is_err());
    }
}
