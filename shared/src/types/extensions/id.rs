//! ID (RFC 2971): `* ID ("name" "Dovecot")` or `* ID NIL`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::types::{cow_static, opt_static};

/// One field of an ID response: its name and value (`NIL` is `None`).
pub type IdField<'a> = (Cow<'a, [u8]>, Option<Cow<'a, [u8]>>);

/// Field and value pairs; `None` for `ID NIL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id<'a>(pub Option<Vec<IdField<'a>>>);

impl Id<'_> {
    pub fn into_static(self) -> Id<'static> {
        Id(self.0.map(|fields| {
            fields
                .into_iter()
                .map(|(k, v)| (cow_static(k), opt_static(v)))
                .collect()
        }))
    }
}
