//! Parsers for the extensions' responses, mirroring `types::extensions`; each cites its RFC.

pub(crate) mod condstore;
pub(crate) mod esearch;
pub(crate) mod gmail;
pub(crate) mod id;
pub(crate) mod list_extended;
pub(crate) mod namespace;
pub(crate) mod objectid;
pub(crate) mod quota;
pub(crate) mod thread;
