//! NAMESPACE (RFC 2342, part of RFC 9051): `* NAMESPACE (("" "/")) NIL (("Shared/" "/"))`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::types::cow_static;

/// `Namespace-Descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) [Namespace-Response-Extensions] ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDescription<'a> {
    pub prefix: Cow<'a, [u8]>,
    pub delimiter: Option<char>,
    /// Extension data, unparsed; empty if none.
    pub extensions: Cow<'a, [u8]>,
}

/// Personal, other users' and shared namespaces; each empty for `NIL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Namespaces<'a> {
    pub personal: Vec<NamespaceDescription<'a>>,
    pub other: Vec<NamespaceDescription<'a>>,
    pub shared: Vec<NamespaceDescription<'a>>,
}

fn list_static(l: Vec<NamespaceDescription<'_>>) -> Vec<NamespaceDescription<'static>> {
    l.into_iter()
        .map(|d| NamespaceDescription {
            prefix: cow_static(d.prefix),
            delimiter: d.delimiter,
            extensions: cow_static(d.extensions),
        })
        .collect()
}

impl Namespaces<'_> {
    pub fn into_static(self) -> Namespaces<'static> {
        Namespaces {
            personal: list_static(self.personal),
            other: list_static(self.other),
            shared: list_static(self.shared),
        }
    }
}
