//! CONDSTORE/QRESYNC (RFC 7162) responses beyond codes and FETCH MODSEQ: `VANISHED`.

use alloc::borrow::Cow;

use crate::decode::core::{atom, byte, fail, sp, sp0, IResult};
use crate::decode::response::set_text;

/// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids`, after the keyword.
pub(crate) fn vanished(i: &[u8]) -> IResult<'_, (bool, Cow<'_, str>)> {
    let (i, ()) = sp(i)?;
    let (i, earlier) = match byte(b'(')(i) {
        Ok((rest, ())) => {
            let (rest, word) = atom(rest)?;
            if !word.eq_ignore_ascii_case("EARLIER") {
                return fail(rest);
            }
            let (rest, ()) = byte(b')')(rest)?;
            (sp(rest)?.0, true)
        }
        Err(_) => (i, false),
    };
    let (i, uids) = set_text(sp0(i)?.0)?;
    Ok((i, (earlier, uids)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7162_examples() {
        assert_eq!(
            vanished(b" (EARLIER) 41,43:116").unwrap().1,
            (true, Cow::Borrowed("41,43:116"))
        );
        assert_eq!(
            vanished(b" 405,407").unwrap().1,
            (false, Cow::Borrowed("405,407"))
        );
    }
}
