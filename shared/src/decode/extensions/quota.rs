//! QUOTA (RFC 9208).

use alloc::vec::Vec;

use crate::decode::core::{astring, atom, list_too_long, number64, paren_list, sp, sp0, IResult};
use crate::types::core::{Atom, Mailbox};
use crate::types::extensions::quota::{Quota, QuotaResource, QuotaRoot};
use crate::Limits;

/// `quota-response = "QUOTA" SP astring SP quota-list`,
/// `quota-list = "(" quota-resource *(SP quota-resource) ")"`,
/// `quota-resource = resource-name SP resource-usage SP resource-limit`.
pub(crate) fn quota<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Quota<'a>> {
    let (i, root) = astring(sp(i)?.0)?;
    let (i, resources) = paren_list(sp0(i)?.0, limits.max_list, |i| {
        let (i, name) = atom(i)?;
        let (i, usage) = number64(sp(i)?.0)?;
        let (i, limit) = number64(sp(i)?.0)?;
        Ok((
            i,
            QuotaResource {
                name: Atom::unvalidated(name),
                usage,
                limit,
            },
        ))
    })?;
    Ok((i, Quota { root, resources }))
}

/// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP astring)`.
pub(crate) fn quota_root<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, QuotaRoot<'a>> {
    let (mut i, name) = astring(sp(i)?.0)?;
    let mut roots = Vec::new();
    while let Ok((rest, root)) = sp(i).and_then(|(r, ())| astring(r)) {
        if roots.len() >= limits.max_list {
            return list_too_long(rest);
        }
        roots.push(root);
        i = rest;
    }
    Ok((
        i,
        QuotaRoot {
            mailbox: Mailbox::from_wire(name),
            roots,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9208_examples() {
        let (_, q) = quota(b" \"\" (STORAGE 10 512)", &Limits::default()).unwrap();
        assert_eq!(q.root.as_ref(), b"");
        assert_eq!((q.resources[0].usage, q.resources[0].limit), (10, 512));
        let (_, r) = quota_root(b" INBOX \"\"", &Limits::default()).unwrap();
        assert!(r.mailbox.is_inbox());
        assert_eq!(r.roots.len(), 1);
    }
}
