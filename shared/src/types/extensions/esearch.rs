//! ESEARCH (RFC 4731): `* ESEARCH (TAG "a1") UID MIN 2 COUNT 3`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::types::core::{Atom, SequenceSet};
use crate::types::{cow_static, opt_static};

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ESearch<'a> {
    /// The tag of the command this answers (`(TAG "...")`).
    pub tag: Option<Cow<'a, [u8]>>,
    pub uid: bool,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub count: Option<u32>,
    /// `ALL sequence-set`.
    pub all: Option<SequenceSet>,
    /// RFC 7162.
    pub modseq: Option<u64>,
    /// Return data this crate does not know: name and value, unparsed.
    pub other: Vec<(Atom<'a>, Cow<'a, [u8]>)>,
}

impl ESearch<'_> {
    pub fn into_static(self) -> ESearch<'static> {
        ESearch {
            tag: opt_static(self.tag),
            uid: self.uid,
            min: self.min,
            max: self.max,
            count: self.count,
            all: self.all,
            modseq: self.modseq,
            other: self
                .other
                .into_iter()
                .map(|(n, v)| (n.into_static(), cow_static(v)))
                .collect(),
        }
    }
}
