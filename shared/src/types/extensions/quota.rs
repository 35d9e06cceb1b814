//! QUOTA (RFC 9208): `* QUOTA "" (STORAGE 10 512)` and `* QUOTAROOT INBOX ""`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::types::core::{Atom, Mailbox};
use crate::types::cow_static;

/// One resource of a quota root: its name (`STORAGE`, `MESSAGE`...), usage and limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource<'a> {
    pub name: Atom<'a>,
    pub usage: u64,
    pub limit: u64,
}

/// `quota-response = "QUOTA" SP astring SP quota-list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota<'a> {
    pub root: Cow<'a, [u8]>,
    pub resources: Vec<QuotaResource<'a>>,
}

impl Quota<'_> {
    pub fn into_static(self) -> Quota<'static> {
        Quota {
            root: cow_static(self.root),
            resources: self
                .resources
                .into_iter()
                .map(|r| QuotaResource {
                    name: r.name.into_static(),
                    usage: r.usage,
                    limit: r.limit,
                })
                .collect(),
        }
    }
}

/// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP astring)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRoot<'a> {
    pub mailbox: Mailbox<'a>,
    pub roots: Vec<Cow<'a, [u8]>>,
}

impl QuotaRoot<'_> {
    pub fn into_static(self) -> QuotaRoot<'static> {
        QuotaRoot {
            mailbox: self.mailbox.into_static(),
            roots: self.roots.into_iter().map(cow_static).collect(),
        }
    }
}
