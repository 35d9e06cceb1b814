//! Whole server transcripts decoded at once and byte by byte: the RFC 3501 §8 example
//! session, and the quirks real servers send (each decoded leniently, or reported as one
//! bad response after which decoding goes on).
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

#[test]
fn limits_are_typed_errors() {
    let limits = Limits {
        max_list: 3,
        max_depth: 2,
        ..Limits::default()
    };
    let mut decoder = ResponseDecoder::new(limits);
    decoder.feed(b"* SEARCH 1 2 3 4\r\n* 1 FETCH (BODYSTRUCTURE (((\"a\" \"b\" NIL NIL NIL \"7BIT\" 1) \"X\") \"X\"))\r\n* SEARCH 1\r\n");
    assert!(decoder.next().unwrap().is_err());
    assert!(decoder.next().unwrap().is_err());
    assert!(decoder.next().unwrap().is_ok());
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
