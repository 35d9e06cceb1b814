//! THREAD (RFC 5256): `* THREAD (2)(3 6 (4 23)(44 7 96))`.

use alloc::vec::Vec;

/// One thread: a chain of messages, each the parent of the next, then the branches that
/// hang off the last one (`thread-members [SP thread-nested]`). A chain may be empty when a
/// thread starts with branches (`((1)(2))`: a missing parent).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Thread {
    pub messages: Vec<u32>,
    pub children: Vec<Thread>,
}
