//! Typed IMAP values. Nothing here knows the wire format; `decode` and `encode` do.

pub mod capability;
pub mod command;
pub mod core;
pub mod extensions;
pub mod fetch;
pub mod flag;
pub mod response;

use alloc::borrow::{Cow, ToOwned};

pub(crate) fn cow_static<T: ToOwned + ?Sized>(c: Cow<'_, T>) -> Cow<'static, T> {
    Cow::Owned(c.into_owned())
}

pub(crate) fn opt_static<T: ToOwned + ?Sized>(c: Option<Cow<'_, T>>) -> Option<Cow<'static, T>> {
    c.map(cow_static)
}
