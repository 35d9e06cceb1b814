//! CONDSTORE/QRESYNC (RFC 7162) responses beyond codes and FETCH MODSEQ: `VANISHED`.

use crate::decode::core::{atom, byte, fail, sequence_set, sp, sp0, IResult};
use crate::types::core::SequenceSet;

/// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids`, after the keyword.
pub(crate) fn vanished(i: &[u8], max_list: usize) -> IResult<'_, (bool, SequenceSet)> {
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
    let (i, uids) = sequence_set(sp0(i)?.0, max_list)?;
    Ok((i, (earlier, uids)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7162_examples() {
        let set = |s| SequenceSet::try_from(s).unwrap();
        assert_eq!(
            vanished(b" (EARLIER) 41,43:116", 10).unwrap().1,
            (true, set("41,43:116"))
        );
        assert_eq!(
            vanished(b" 405,407", 10).unwrap().1,
            (false, set("405,407"))
        );
        // Each range counts towards the list limit.
        assert!(vanished(b" 1,3,5", 2).is_err());
    }
}
