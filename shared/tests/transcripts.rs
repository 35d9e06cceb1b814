//! Whole server transcripts decoded at once and byte by byte: the RFC 3501 §8 example
//! session, and the quirks real servers send (each decoded leniently, or reported as one
//! bad response after which decoding goes on).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use petrel_imap::framer::FrameError;
use petrel_imap::types::fetch::FetchItem;
use petrel_imap::types::flag::{Flag, FlagName};
use petrel_imap::types::response::{Code, Data, Response, StatusKind};
use petrel_imap::{DecodeError, Limits, ResponseDecoder, SliceDecoder};

/// Decodes `input` fed in chunks of `chunk` bytes (0 = whole).
fn decode(input: &[u8], chunk: usize) -> Vec<Result<Response<'static>, DecodeError>> {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut out = Vec::new();
    let chunks: Vec<&[u8]> = if chunk == 0 {
        vec![input]
    } else {
        input.chunks(chunk).collect()
    };
    for c in chunks {
        decoder.feed(c);
        while let Some(r) = decoder.next() {
            out.push(r.map(Response::into_static));
        }
    }
    assert_eq!(decoder.buffered(), 0, "bytes left undecoded");
    out
}

/// Decodes whole and in several chunkings; all must agree.
fn decode_all_ways(input: &[u8]) -> Vec<Result<Response<'static>, DecodeError>> {
    let whole = decode(input, 0);
    for chunk in [1, 2, 3, 7, 64] {
        assert_eq!(decode(input, chunk), whole, "chunk size {chunk}");
    }
    let mut slice = SliceDecoder::new(input, Limits::default());
    let from_slice: Vec<_> = slice
        .by_ref()
        .map(|r| r.map(Response::into_static))
        .collect();
    assert_eq!(from_slice, whole, "slice decoder");
    assert!(slice.remainder().is_empty());
    whole
}

fn rfc_3501_session() -> Vec<u8> {
    let header = "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\
From: Terry Gray <gray@cac.washington.edu>\r\n\
Subject: IMAP4rev1 WG mtg summary and minutes\r\n\
To: imap@cac.washington.edu\r\n\
cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n\
Message-Id: <B27397-0100000@cac.washington.edu>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n";
    let mut s = String::new();
    s.push_str("* OK IMAP4rev1 Service Ready\r\n");
    s.push_str("a001 OK LOGIN completed\r\n");
    s.push_str("* 18 EXISTS\r\n");
    s.push_str("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
    s.push_str("* 2 RECENT\r\n");
    s.push_str("* OK [UNSEEN 17] Message 17 is the first unseen message\r\n");
    s.push_str("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
    s.push_str("a002 OK [READ-WRITE] SELECT completed\r\n");
    s.push_str("* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n");
    s.push_str("a003 OK FETCH completed\r\n");
    s.push_str(&format!(
        "* 12 FETCH (BODY[HEADER] {{{}}}\r\n{header})\r\n",
        header.len()
    ));
    s.push_str("a004 OK FETCH completed\r\n");
    s.push_str("* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n");
    s.push_str("a005 OK +FLAGS completed\r\n");
    s.push_str("* BYE IMAP4rev1 server logging out\r\n");
    s.push_str("a006 OK LOGOUT completed\r\n");
    s.into_bytes()
}

#[test]
fn rfc_3501_example_session() {
    let out = decode_all_ways(&rfc_3501_session());
    assert_eq!(out.len(), 16);
    let out: Vec<Response<'static>> = out.into_iter().map(Result::unwrap).collect();
    assert!(matches!(&out[5], Response::Status(s) if s.code == Some(Code::Unseen(17))));
    let Response::Data(Data::Fetch { seq: 12, items }) = &out[8] else {
        panic!()
    };
    assert_eq!(items.len(), 5);
    let Response::Data(Data::Fetch { items, .. }) = &out[10] else {
        panic!()
    };
    let FetchItem::BodySection {
        section,
        data: Some(data),
        ..
    } = &items[0]
    else {
        panic!()
    };
    assert_eq!(section.as_ref(), b"HEADER");
    assert!(data.ends_with(b"US-ASCII\r\n\r\n"));
    assert!(matches!(&out[14], Response::Status(s) if s.kind == StatusKind::Bye));
}

#[test]
fn real_server_quirks() {
    let input: &[u8] = b"* OK  [CAPABILITY IMAP4rev1 IDLE]  extra spaces\r\n\
* OK\r\n\
* CAPABILITY\r\n\
* 1 FETCH (UID 1FLAGS (\\Seen))\r\n\
* FLAGS (\\Seen $Label] Junk)\r\n\
* LIST () NIL \"\"\r\n\
* 3 FETCH (ENVELOPE (NIL NIL () NIL NIL NIL NIL NIL NIL NIL))\r\n\
* 4 FETCH (ENVELOPE (NIL \"Gr\xc3\xbc\xc3\x9fe \xe9\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n\
+\r\n\
+ Ready for literal data\r\n\
)))garbage\r\n\
* 5 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL NIL 0 0))\r\n\
a1 ok done\r\n\
* 6 EXISTS\n\
* SEARCH 1 2 3 \r\n\
* 7 FETCH ( UID 7 )\r\n\
\r\n\
* 8 FETCH (FLAGS ())\r\n";
    let out = decode_all_ways(input);
    let kinds: Vec<bool> = out.iter().map(Result::is_ok).collect();
    assert_eq!(
        kinds,
        [
            true, true, true, true, true, true, true, true, true, true, false, true, true, true,
            true, true, false, true
        ]
    );
    let ok = |k: usize| out[k].as_ref().unwrap();
    assert!(matches!(ok(3), Response::Data(Data::Fetch { items, .. }) if items.len() == 2));
    let Response::Data(Data::Flags(flags)) = ok(4) else {
        panic!()
    };
    assert_eq!(
        flags[1],
        Flag::Keyword(FlagName::try_from("$Label]").unwrap())
    );
    let Response::Data(Data::Fetch { items, .. }) = ok(7) else {
        panic!()
    };
    let FetchItem::Envelope(e) = &items[0] else {
        panic!()
    };
    assert_eq!(e.subject.as_deref(), Some(&b"Gr\xc3\xbc\xc3\x9fe \xe9"[..]));
    assert!(matches!(ok(12), Response::Status(s) if s.kind == StatusKind::Ok));
    assert_eq!(ok(13), &Response::Data(Data::Exists(6)));
}

#[test]
fn status_text_ending_like_a_literal_keeps_the_stream_in_step() {
    // Regression: a real server sent `A1 OK done{4}`; read as a literal announcement, it
    // swallowed the next response and every response after it was out of step.
    let input = b"* OK IMAP4rev1 ready{4}\r\n\
A1 OK done{4}\r\n\
* 1 EXISTS\r\n\
+ go ahead {4}\r\n\
* 2 FETCH (BODY[] {4}\r\nab}\n)\r\n\
A2 NO no {4}\r\n\
* BYE bye{4}\r\n";
    let out: Vec<Response<'static>> = decode_all_ways(input)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(out.len(), 7, "{out:#?}");
    assert!(matches!(&out[1], Response::Status(s) if s.text == "done{4}"));
    assert_eq!(out[2], Response::Data(Data::Exists(1)));
    assert!(matches!(&out[3], Response::Continue(c) if c.text == "go ahead {4}"));
    assert!(matches!(
        &out[4],
        Response::Data(Data::Fetch { seq: 2, .. })
    ));
    assert!(matches!(&out[6], Response::Status(s) if s.kind == StatusKind::Bye));
}

#[test]
fn a_bad_response_never_takes_the_next_one_with_it() {
    // A literal announced on a broken line still belongs to that message.
    let input = b"* 1 FETCH (BODY[] {5}\r\n)))))\r\n* 2 EXISTS\r\n* 3 FETCH ((((\r\n* 4 EXISTS\r\n";
    let out = decode_all_ways(input);
    assert_eq!(out.len(), 4);
    assert!(out[0].is_err());
    assert_eq!(out[1].as_ref().unwrap(), &Response::Data(Data::Exists(2)));
    assert!(out[2].is_err());
    assert_eq!(out[3].as_ref().unwrap(), &Response::Data(Data::Exists(4)));
}

/// Decodes `input` with `limits`, whole and byte by byte (both must agree).
fn decode_limited(input: &[u8], limits: Limits) -> Vec<Result<Response<'static>, DecodeError>> {
    let run = |chunk: usize| {
        let mut decoder = ResponseDecoder::new(limits);
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            decoder.feed(c);
            while let Some(r) = decoder.next() {
                out.push(r.map(Response::into_static));
            }
        }
        assert_eq!(decoder.buffered(), 0, "bytes left undecoded");
        out
    };
    let whole = run(input.len());
    assert_eq!(run(1), whole, "byte by byte");
    let from_slice: Vec<_> = SliceDecoder::new(input, limits)
        .map(|r| r.map(Response::into_static))
        .collect();
    assert_eq!(from_slice, whole, "slice decoder");
    whole
}

#[test]
fn limits_are_typed_errors() {
    let limits = Limits {
        max_list: 3,
        max_depth: 2,
        ..Limits::default()
    };
    let input = b"* SEARCH 1 2 3 4\r\n* 1 FETCH (BODYSTRUCTURE (((\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) \"X\") \"X\"))\r\n* SEARCH 1\r\n";
    let out = decode_limited(input, limits);
    assert_eq!(out.len(), 3);
    assert_eq!(out[0], Err(DecodeError::ListTooLong { limit: 3 }));
    assert_eq!(out[1], Err(DecodeError::TooDeep { limit: 2 }));
    assert_eq!(
        out[2],
        Ok(Response::Data(Data::Search {
            numbers: vec![1],
            modseq: None
        }))
    );
}

#[test]
fn too_deep_in_every_nested_shape() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let deep: &[&[u8]] = &[
        b"* 1 FETCH (BODYSTRUCTURE ((((\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) \"X\") \"X\") \"X\"))\r\n",
        // message/rfc822 parts nest through their enclosed body.
        b"* 1 FETCH (BODY (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) 1) 1) 1))\r\n",
        b"* THREAD (1 (2 (3 (4))))\r\n",
        b"* 1 FETCH (X-UNKNOWN ((((x)))))\r\n",
        b"* ESEARCH (TAG \"A1\") X-EXT ((((1))))\r\n",
        b"* NAMESPACE ((\"\" \"/\" X-EXT ((((1)))))) NIL NIL\r\n",
    ];
    for input in deep {
        let mut stream = input.to_vec();
        stream.extend_from_slice(b"* 5 EXISTS\r\n");
        let out = decode_limited(&stream, limits);
        let shown = String::from_utf8_lossy(input);
        assert_eq!(
            out,
            vec![
                Err(DecodeError::TooDeep { limit: 3 }),
                Ok(Response::Data(Data::Exists(5)))
            ],
            "{shown}"
        );
    }
    assert_eq!(
        DecodeError::TooDeep { limit: 3 }.to_string(),
        "lists nested deeper than the limit of 3"
    );
}

#[test]
fn list_too_long_in_every_list() {
    let limits = Limits {
        max_list: 2,
        ..Limits::default()
    };
    let long: &[&[u8]] = &[
        b"* SEARCH 1 2 3\r\n",
        b"* SORT 1 2 3\r\n",
        b"* FLAGS (\\Seen \\Draft \\Deleted)\r\n",
        b"* LIST (\\A \\B \\C) \"/\" INBOX\r\n",
        b"* CAPABILITY IMAP4rev1 IDLE MOVE\r\n",
        b"* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 3)\r\n",
        b"* 1 FETCH (FLAGS (a b c))\r\n",
        b"* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")(NIL NIL \"e\" \"f\")) NIL NIL NIL NIL NIL NIL NIL))\r\n",
        b"* 1 FETCH (BODYSTRUCTURE ((\"a\" \"b\" NIL NIL NIL \"7BIT\" 1)(\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) \"MIXED\"))\r\n",
        b"* THREAD (1)(2)(3)\r\n",
        b"* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 3)\r\n",
        b"* QUOTAROOT INBOX a b c\r\n",
    ];
    for input in long {
        let mut stream = input.to_vec();
        stream.extend_from_slice(b"* 5 EXISTS\r\n");
        let out = decode_limited(&stream, limits);
        let shown = String::from_utf8_lossy(input);
        assert_eq!(
            out,
            vec![
                Err(DecodeError::ListTooLong { limit: 2 }),
                Ok(Response::Data(Data::Exists(5)))
            ],
            "{shown}"
        );
    }
    assert_eq!(
        DecodeError::ListTooLong { limit: 2 }.to_string(),
        "list longer than the limit of 2 elements"
    );
}

#[test]
fn deep_bodystructure_is_too_deep_with_default_limits() {
    // Regression: a 2,000-deep BODYSTRUCTURE was reported as a generic malformed response.
    let mut input = b"* 1 FETCH (UID 1 BODYSTRUCTURE ".to_vec();
    input.extend(std::iter::repeat_n(b'(', 2000));
    input.extend_from_slice(b"\"a\" \"b\" NIL NIL NIL \"7BIT\" 1");
    input.extend(std::iter::repeat_n(&b") \"X\""[..], 1999).flatten());
    input.extend_from_slice(b"))\r\nA1 OK done\r\n");
    let out = decode_limited(&input, Limits::default());
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], Err(DecodeError::TooDeep { limit: 32 }));
    assert!(out[1].is_ok());
}

#[test]
fn message_too_large_through_the_decoder() {
    let limits = Limits {
        max_message: 64,
        ..Limits::default()
    };
    let mut input = b"* 1 FETCH (X-A ".to_vec();
    for _ in 0..100 {
        input.extend_from_slice(b"{0}\r\n ");
    }
    input.extend_from_slice(b")\r\n* 2 EXISTS\r\n");
    let out = decode_limited(&input, limits);
    assert_eq!(
        out,
        vec![
            Err(DecodeError::Frame(FrameError::MessageTooLarge {
                limit: 64
            })),
            Ok(Response::Data(Data::Exists(2)))
        ]
    );
    assert_eq!(
        out[0].as_ref().unwrap_err().to_string(),
        "response larger than the limit of 64 bytes"
    );
}

#[test]
fn million_uid_search_in_16k_chunks() {
    let mut line = b"* SEARCH".to_vec();
    for n in 1..=1_000_000u32 {
        line.extend_from_slice(format!(" {n}").as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut got = None;
    for c in line.chunks(16 * 1024) {
        decoder.feed(c);
        if let Some(r) = decoder.next() {
            let Ok(Response::Data(Data::Search { numbers, .. })) = r else {
                panic!()
            };
            got = Some(numbers.len());
        }
    }
    assert_eq!(got, Some(1_000_000));
}
