//! Shared by the targets: small limits, so that the limit paths are reached by inputs of the
//! sizes libFuzzer generates.

use petrel_imap::Limits;

pub fn small_limits() -> Limits {
    Limits {
        max_line: 256,
        max_literal: 128,
        max_depth: 8,
        max_list: 32,
        // Below `max_line + max_literal`, so that it is reached before the others as well.
        max_message: 320,
    }
}
