//! Property tests: the reply parser and the session give the same results however the bytes
//! are chunked; dot-stuffing reads back to the message and never ends the data early.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use petrel_smtp::data::{normalise, stuff, unstuff, Stuffer};
use petrel_smtp::{
    ClientName, EnhancedCode, Event, Limits, Reply, ReplyCode, ReplyError, ReplyParser, Session,
};
use proptest::prelude::*;

fn parse(input: &[u8], chunks: &[usize], limits: Limits) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::new(limits);
    let mut out = Vec::new();
    let mut rest = input;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&usize::MAX)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        parser.feed(chunk);
        while let Some(r) = parser.next() {
            out.push(r);
        }
        rest = tail;
    }
    out
}

/// A well-formed reply and its wire form.
fn reply() -> impl Strategy<Value = (Reply, Vec<u8>)> {
    (
        200u16..600,
        prop::option::of((0u16..1000, 0u16..1000)),
        prop::collection::vec("[ -~]{0,40}", 1..6),
    )
        .prop_map(|(code, enhanced, lines)| {
            let class = (code / 100) as u8;
            // Enhanced codes exist for classes 2, 4 and 5 only.
            let enhanced = enhanced
                .filter(|_| class != 3)
                .map(|(subject, detail)| EnhancedCode {
                    class,
                    subject,
                    detail,
                });
            let mut wire = Vec::new();
            let n = lines.len();
            let mut texts = Vec::new();
            for (i, text) in lines.into_iter().enumerate() {
                let sep = if i + 1 == n { ' ' } else { '-' };
                let text = match enhanced {
                    // Text that starts like an enhanced code would be read as one.
                    None => format!("x{text}"),
                    Some(e) => {
                        wire.extend_from_slice(format!("{code}{sep}{e} ").as_bytes());
                        text
                    }
                };
                if enhanced.is_none() {
                    wire.extend_from_slice(format!("{code}{sep}").as_bytes());
                }
                wire.extend_from_slice(text.as_bytes());
                wire.extend_from_slice(b"\r\n");
                texts.push(text);
            }
            let reply = Reply {
                code: ReplyCode::new(code).unwrap(),
                enhanced,
                lines: texts,
            };
            (reply, wire)
        })
}

/// Bytes that look like replies often and like anything else sometimes.
fn server_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            reply().prop_map(|(_, wire)| wire),
            prop::collection::vec(any::<u8>(), 0..40),
            Just(b"\r\n".to_vec()),
            Just(b"250-".to_vec()),
            Just(b"\n".to_vec()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Message text: lines with dots, CRs and LFs in every arrangement.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b".".to_vec()),
            Just(b"\r".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\r\n.\r\n".to_vec()),
            "[a-z .]{0,6}".prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..6),
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Well-formed replies read back to the values they were written from.
    #[test]
    fn replies_read_back(replies in prop::collection::vec(reply(), 1..6), chunks in prop::collection::vec(1usize..32, 1..8)) {
        let wire: Vec<u8> = replies.iter().flat_map(|(_, w)| w.clone()).collect();
        let expected: Vec<_> = replies.into_iter().map(|(r, _)| Ok(r)).collect();
        prop_assert_eq!(parse(&wire, &chunks, Limits::default()), expected);
    }

    /// Any bytes, any chunking, small or default limits: the same results as fed whole.
    #[test]
    fn reply_parser_chunking_does_not_matter(
        input in server_bytes(),
        chunks in prop::collection::vec(1usize..16, 1..8),
        small in any::<bool>(),
    ) {
        let limits = if small { Limits { max_line: 24, max_lines: 3 } } else { Limits::default() };
        prop_assert_eq!(parse(&input, &chunks, limits), parse(&input, &[usize::MAX], limits));
    }

    /// The session too: the same bytes written and the same events, however the server's
    /// bytes arrive.
    #[test]
    fn session_chunking_does_not_matter(input in server_bytes(), chunks in prop::collection::vec(1usize..16, 1..8)) {
        let run = |chunks: &[usize]| {
            let mut session = Session::new(ClientName::try_from("c.example").unwrap(), Limits::default());
            let mut events: Vec<Event> = Vec::new();
            let mut written = Vec::new();
            let mut rest = &input[..];
            let mut sizes = chunks.iter().cycle();
            while !rest.is_empty() {
                let n = (*sizes.next().unwrap()).clamp(1, rest.len());
                let (chunk, tail) = rest.split_at(n);
                session.feed(chunk);
                events.extend(std::iter::from_fn(|| session.poll_event()));
                written.extend(session.transmit().unwrap_or_default());
                rest = tail;
            }
            (events, written)
        };
        prop_assert_eq!(run(&chunks), run(&[usize::MAX]));
    }

    /// unstuff(stuff(x)) is x with CRLF line ends; no line of the stuffed data but the last
    /// is a lone dot; every line ends in CRLF.
    #[test]
    fn dot_stuffing_round_trips(message in message()) {
        let wire = stuff(&message);
        prop_assert_eq!(unstuff(&wire), Some(normalise(&message)));
        let body = wire.strip_suffix(b".\r\n").unwrap();
        prop_assert!(body.is_empty() || body.ends_with(b"\r\n"));
        let mut lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
        prop_assert_eq!(lines.pop(), Some(&b""[..]));
        for line in lines {
            prop_assert_ne!(line, b".\r".as_slice());
            let cr = line.iter().filter(|&&b| b == b'\r').count();
            prop_assert!(cr == 1 && line.ends_with(b"\r"), "line {:?}", line);
        }
    }

    /// A message that already has CRLF line ends and ends with one comes back byte for byte.
    #[test]
    fn dot_stuffing_round_trips_exactly(lines in prop::collection::vec("[a-z. ]{0,8}", 0..8)) {
        let message: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\r\n").into_bytes()).collect();
        prop_assert_eq!(unstuff(&stuff(&message)), Some(message));
    }

    /// The stuffer fed in pieces writes what it writes for the whole message.
    #[test]
    fn dot_stuffing_is_streaming_safe(message in message(), chunks in prop::collection::vec(1usize..8, 1..8)) {
        let mut out = Vec::new();
        let mut stuffer = Stuffer::data();
        let mut rest = &message[..];
        let mut sizes = chunks.iter().cycle();
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap()).min(rest.len());
            let (chunk, tail) = rest.split_at(n);
            stuffer.push(chunk, &mut out);
            rest = tail;
        }
        stuffer.finish(&mut out);
        prop_assert_eq!(out, stuff(&message));
    }
}
