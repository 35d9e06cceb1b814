//! Values of the extensions' responses, one module per extension, each citing its RFC.
//! Extension commands are in [`crate::types::command`], next to the base commands they
//! resemble.

pub mod esearch;
pub mod id;
pub mod list_extended;
pub mod namespace;
pub mod quota;
pub mod thread;
