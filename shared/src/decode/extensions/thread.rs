//! THREAD (RFC 5256).

use alloc::vec::Vec;

use crate::decode::core::{byte, fail, list_too_long, number, sp0, too_deep, IResult};
use crate::types::extensions::thread::Thread;
use crate::Limits;

/// `thread-data = "THREAD" [SP 1*thread-list]`, after the keyword.
pub(crate) fn threads<'a>(mut i: &'a [u8], limits: &Limits) -> IResult<'a, Vec<Thread>> {
    let mut out = Vec::new();
    loop {
        let rest = sp0(i)?.0;
        if rest.first() != Some(&b'(') {
            return Ok((i, out));
        }
        if out.len() >= limits.max_list {
            return list_too_long(rest);
        }
        let (rest, t) = thread_list(rest, limits.max_depth)?;
        out.push(t);
        i = rest;
    }
}

/// `thread-list = "(" (thread-members / thread-nested) ")"`,
/// `thread-members = nz-number *(SP nz-number) [SP thread-nested]`,
/// `thread-nested = 2*thread-list` (leniently one or more).
fn thread_list(i: &[u8], depth: usize) -> IResult<'_, Thread> {
    if depth == 0 {
        return too_deep(i);
    }
    let (mut i, ()) = byte(b'(')(i)?;
    let mut t = Thread::default();
    loop {
        i = sp0(i)?.0;
        match i.first() {
            Some(b')') => return Ok((&i[1..], t)),
            Some(b'(') => {
                let (rest, child) = thread_list(i, depth - 1)?;
                t.children.push(child);
                i = rest;
            }
            Some(b) if b.is_ascii_digit() && t.children.is_empty() => {
                let (rest, n) = number(i)?;
                t.messages.push(n);
                i = rest;
            }
            _ => return fail(i),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn rfc_5256_example() {
        let (rest, t) = threads(b" (2)(3 6 (4 23)(44 7 96))\r\n", &Limits::default()).unwrap();
        assert_eq!(rest, b"\r\n");
        assert_eq!(t[0].messages, vec![2]);
        assert_eq!(t[1].messages, vec![3, 6]);
        assert_eq!(t[1].children[0].messages, vec![4, 23]);
        assert_eq!(t[1].children[1].messages, vec![44, 7, 96]);
    }

    #[test]
    fn empty_missing_parents_and_limits() {
        // No threads at all.
        assert_eq!(threads(b"\r\n", &Limits::default()).unwrap().1, vec![]);
        // RFC 5256 §4: a thread whose root is missing starts with its branches.
        let (_, t) = threads(b" ((1)(2 3))", &Limits::default()).unwrap();
        assert!(t[0].messages.is_empty());
        assert_eq!(t[0].children.len(), 2);
        assert_eq!(t[0].children[1].messages, vec![2, 3]);
        // A number after a branch is not in the grammar.
        assert!(threads(b" (1 (2) 3)", &Limits::default()).is_err());
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(matches!(
            threads(b" ((((1))))", &limits),
            Err(nom::Err::Failure(e)) if e.reason == crate::decode::core::Reason::TooDeep
        ));
    }
}
