//! Parsers for capability lists.

use alloc::vec::Vec;

use super::core::{atom, list_too_long, sp, IResult};
use crate::types::capability::Capability;
use crate::types::core::Atom;

/// `capability = ("AUTH=" auth-type) / atom`.
pub(crate) fn capability(i: &[u8]) -> IResult<'_, Capability<'_>> {
    let (rest, a) = atom(i)?;
    Ok((rest, Capability::from_atom(Atom::unvalidated(a))))
}

/// `capability-data = "CAPABILITY" *(SP capability)` after the keyword: zero or more
/// space-separated capabilities (servers omit IMAP4rev1 or send none at all).
pub(crate) fn capabilities(mut i: &[u8], max: usize) -> IResult<'_, Vec<Capability<'_>>> {
    let mut out = Vec::new();
    while let Ok((rest, cap)) = sp(i).and_then(|(rest, ())| capability(rest)) {
        if out.len() >= max {
            return list_too_long(i);
        }
        out.push(cap);
        i = rest;
    }
    Ok((i, out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_capabilities() {
        let (rest, caps) = capabilities(
            b" IMAP4rev1 SASL-IR LOGIN-REFERRALS AUTH=PLAIN LITERAL+\r\n",
            100,
        )
        .unwrap();
        assert_eq!(rest, b"\r\n");
        assert_eq!(caps[0], Capability::Imap4Rev1);
        assert_eq!(caps[1], Capability::SaslIr);
        assert_eq!(
            caps[2],
            Capability::Other(Atom::unvalidated("LOGIN-REFERRALS"))
        );
        assert!(caps[3].is_auth("plain"));
        assert_eq!(caps[4], Capability::LiteralPlus);
    }

    #[test]
    fn named_capabilities() {
        let (_, caps) = capabilities(
            b" THREAD=REFERENCES thread=refs QUOTA=RES-STORAGE QUOTASET SORT=DISPLAY THREAD= APPENDLIMIT=35651584\r\n",
            100,
        )
        .unwrap();
        assert_eq!(
            caps,
            [
                Capability::Thread(Atom::unvalidated("REFERENCES")),
                Capability::Thread(Atom::unvalidated("refs")),
                Capability::QuotaResource(Atom::unvalidated("STORAGE")),
                Capability::QuotaSet,
                Capability::SortDisplay,
                // No algorithm named: kept as sent.
                Capability::Other(Atom::unvalidated("THREAD=")),
                Capability::AppendLimit(Some(35_651_584)),
            ]
        );
        let names: Vec<_> = caps.iter().map(Capability::name).collect();
        assert_eq!(
            names,
            [
                "THREAD=REFERENCES",
                "THREAD=refs",
                "QUOTA=RES-STORAGE",
                "QUOTASET",
                "SORT=DISPLAY",
                "THREAD=",
                "APPENDLIMIT=35651584"
            ]
        );
    }
}
