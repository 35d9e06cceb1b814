//! The account driven by scripted server bytes.
