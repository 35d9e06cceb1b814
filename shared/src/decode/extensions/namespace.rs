//! NAMESPACE (RFC 2342, RFC 9051 §7.2.5).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::decode::core::{
    byte, hierarchy_delimiter, list_too_long, nil, skip_value, sp, sp0, string, IResult,
};
use crate::types::extensions::namespace::{NamespaceDescription, Namespaces};
use crate::Limits;

/// `namespace-response = "NAMESPACE" SP Namespace SP Namespace SP Namespace`, after the
/// keyword; `Namespace = nil / "(" 1*Namespace-Descr ")"`.
pub(crate) fn namespace<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Namespaces<'a>> {
    let (i, personal) = list(sp(i)?.0, limits)?;
    let (i, other) = list(sp(i)?.0, limits)?;
    let (i, shared) = list(sp(i)?.0, limits)?;
    Ok((
        i,
        Namespaces {
            personal,
            other,
            shared,
        },
    ))
}

fn list<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, Vec<NamespaceDescription<'a>>> {
    if let Ok((rest, ())) = nil(i) {
        return Ok((rest, Vec::new()));
    }
    let (mut i, ()) = byte(b'(')(i)?;
    let mut out = Vec::new();
    loop {
        i = sp0(i)?.0;
        if let Some(rest) = i.strip_prefix(b")") {
            return Ok((rest, out));
        }
        if out.len() >= limits.max_list {
            return list_too_long(i);
        }
        let (rest, d) = description(i, limits)?;
        out.push(d);
        i = rest;
    }
}

/// `Namespace-Descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) *(Namespace-Response-Extension) ")"`.
fn description<'a>(i: &'a [u8], limits: &Limits) -> IResult<'a, NamespaceDescription<'a>> {
    let (i, ()) = byte(b'(')(i)?;
    let (i, prefix) = string(sp0(i)?.0)?;
    let (i, ()) = sp(i)?;
    let (i, delimiter) = hierarchy_delimiter(i)?;
    let (ext_start, ()) = sp0(i)?;
    let mut j = ext_start;
    // Up to the end of the last value, not trimmed: a literal may end in white space.
    let mut end = 0;
    loop {
        if let Some(rest) = j.strip_prefix(b")") {
            return Ok((
                rest,
                NamespaceDescription {
                    prefix,
                    delimiter,
                    extensions: Cow::Borrowed(&ext_start[..end]),
                },
            ));
        }
        j = skip_value(j, limits.max_depth)?.0;
        end = ext_start.len() - j.len();
        j = sp0(j)?.0;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_2342_examples() {
        let (_, n) = namespace(b" ((\"\" \"/\")) NIL NIL", &Limits::default()).unwrap();
        assert_eq!(n.personal.len(), 1);
        assert_eq!(n.personal[0].delimiter, Some('/'));
        assert!(n.other.is_empty() && n.shared.is_empty());
        let (_, n) = namespace(
            b" ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\"))",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            n.personal[1].extensions.as_ref(),
            b"\"X-PARAM\" (\"FLAG1\" \"FLAG2\")"
        );
        assert_eq!(n.shared.len(), 2);
    }

    #[test]
    fn extension_ending_in_a_literal_keeps_its_white_space() {
        // Found by the round-trip tests: the kept text was trimmed, cutting the literal short.
        let (_, n) =
            namespace(b" ((\"\" \"/\" X {2}\r\na  )) NIL NIL", &Limits::default()).unwrap();
        assert_eq!(n.personal[0].extensions.as_ref(), b"X {2}\r\na ");
    }
}
