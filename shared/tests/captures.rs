//! Real servers' byte streams, captured by `tests/capture/run.sh` from a private Dovecot 2.3
//! and a private Cyrus IMAP 3.6 (see tests/capture/ for the scripts and servers), decoded
//! whole, byte by byte, in random chunkings and as one slice. Every response must decode,
//! and the tagged completions must be exactly the commands of the script that was sent, in
//! order, each with the status its tag announces (`no...` NO, `bad...` BAD, others OK).
//!
//! Each capture folder holds, per connection `x`: `x.txt` (the script as sent),
//! `x.client.bin` (every byte sent) and `x.server.bin` (every byte received).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use petrel_imap::types::extensions::list_extended::ListExtendedItem;
use petrel_imap::types::fetch::{BodyKind, BodyRef, FetchItem};
use petrel_imap::types::response::{Data, Response, StatusKind};
use petrel_imap::{DecodeError, Limits, ResponseDecoder, SliceDecoder};

type Decoded = Vec<Result<Response<'static>, DecodeError>>;

fn captures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures")
}

fn read(dir: &str, file: &str) -> Vec<u8> {
    let path = captures().join(dir).join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Decodes `input` fed in the given pieces; all bytes must be used up.
fn decode_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>, what: &str) -> Decoded {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut out = Vec::new();
    for piece in pieces {
        decoder.feed(piece);
        while let Some(r) = decoder.next() {
            out.push(r.map(Response::into_static));
        }
    }
    assert_eq!(decoder.buffered(), 0, "{what}: bytes left undecoded");
    out
}

/// A small deterministic generator (xorshift64*), so that a failing chunking can be
/// reproduced from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Splits `input` at random points: pieces of 1 to `max` bytes.
fn random_pieces(input: &[u8], seed: u64, max: u64) -> Vec<&[u8]> {
    let mut rng = Rng(seed);
    let mut pieces = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let n = (1 + rng.below(max) as usize).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Decodes whole, byte by byte, in random chunkings and with the slice decoder; all must
/// agree. Returns the whole decoding.
fn decode_all_ways(input: &[u8], what: &str) -> Decoded {
    let whole = decode_pieces([input], what);
    let bytewise = decode_pieces(input.chunks(1), what);
    assert_eq!(bytewise, whole, "{what}: byte by byte");
    for seed in 1..=8u64 {
        // Small pieces split every token somewhere; large ones cross many responses.
        for max in [5, 300, 5000] {
            let pieces = random_pieces(input, seed, max);
            let got = decode_pieces(pieces, what);
            assert_eq!(got, whole, "{what}: random pieces (seed {seed}, max {max})");
        }
    }
    let mut slice = SliceDecoder::new(input, Limits::default());
    let from_slice: Decoded = slice
        .by_ref()
        .map(|r| r.map(Response::into_static))
        .collect();
    assert_eq!(from_slice, whole, "{what}: slice decoder");
    assert!(slice.remainder().is_empty(), "{what}: slice remainder");
    whole
}

/// The commands of a script as sent: (tag, expected completion).
fn script_commands(script: &str) -> Vec<(String, StatusKind)> {
    script
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split(' ');
            let first = words.next().unwrap_or_default();
            let tag = if first == "!idle" {
                words.next().expect("!idle names a tag")
            } else {
                first
            };
            let kind = if tag.starts_with("bad") {
                StatusKind::Bad
            } else if tag.starts_with("no") {
                StatusKind::No
            } else {
                StatusKind::Ok
            };
            (tag.to_string(), kind)
        })
        .collect()
}

/// Checks one connection's capture; returns its decoded responses.
fn check(dir: &str, name: &str) -> Vec<Response<'static>> {
    let what = format!("{dir}/{name}");
    let server = read(dir, &format!("{name}.server.bin"));
    let client = read(dir, &format!("{name}.client.bin"));
    let script = String::from_utf8(read(dir, &format!("{name}.txt"))).expect("script is UTF-8");

    let decoded = decode_all_ways(&server, &what);
    let failures: Vec<String> = decoded
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    assert!(
        failures.is_empty(),
        "{what}: {} of {} responses did not decode:\n{}",
        failures.len(),
        decoded.len(),
        failures.join("\n")
    );
    let responses: Vec<Response<'static>> = decoded.into_iter().map(Result::unwrap).collect();

    assert!(
        matches!(responses.first(), Some(Response::Status(s)) if s.tag.is_none() && s.kind == StatusKind::Ok),
        "{what}: no untagged OK greeting first: {:?}",
        responses.first()
    );

    let expected = script_commands(&script);
    let completions: Vec<(String, StatusKind)> = responses
        .iter()
        .filter_map(|r| match r {
            Response::Status(s) => s.tag.as_ref().map(|t| (t.as_str().to_string(), s.kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        completions, expected,
        "{what}: tagged completions differ from the script"
    );

    // Each command's tag starts a line of what was sent (the script is what went out).
    for (tag, _) in &expected {
        let start = format!("{tag} ");
        let sent = client.starts_with(start.as_bytes())
            || client
                .windows(start.len() + 2)
                .any(|w| w.starts_with(b"\r\n") && &w[2..] == start.as_bytes());
        assert!(sent, "{what}: {tag} is not in {name}.client.bin");
    }

    // An ESEARCH names the command it answers, which must still be running.
    let mut running = expected.iter().map(|(t, _)| t.as_str()).peekable();
    for r in &responses {
        match r {
            Response::Status(s) => {
                if let Some(tag) = &s.tag {
                    assert_eq!(running.next(), Some(tag.as_str()));
                }
            }
            Response::Data(Data::ESearch(e)) => {
                let tag = e.tag.as_deref().map(String::from_utf8_lossy);
                assert_eq!(
                    tag.as_deref(),
                    running.peek().copied(),
                    "{what}: ESEARCH for another command: {e:?}"
                );
            }
            _ => {}
        }
    }

    // A LOGOUT is answered by an untagged BYE and then its completion, and nothing after.
    if script.lines().any(|l| l.ends_with(" LOGOUT")) {
        let n = responses.len();
        assert!(
            n >= 2
                && matches!(&responses[n - 2], Response::Status(s) if s.tag.is_none() && s.kind == StatusKind::Bye),
            "{what}: no BYE before the LOGOUT completion"
        );
    }
    responses
}

/// What the broad session script must have brought back, on any server.
fn check_session(dir: &str) {
    let responses = check(dir, "session");
    let data: Vec<&Data<'_>> = responses
        .iter()
        .filter_map(|r| match r {
            Response::Data(d) => Some(d),
            _ => None,
        })
        .collect();

    // Modified UTF-7 names created by the script come back and decode.
    let names: Vec<String> = data
        .iter()
        .filter_map(|d| match d {
            Data::List(l) => Some(l.mailbox.decoded()),
            _ => None,
        })
        .collect();
    for name in [
        "Grüße",
        "日本語",
        "日本語/台北",
        "Tom & Jerry",
        "Projects/2026 Q1",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{dir}: no LIST of {name:?} in {names:?}"
        );
    }

    // BINARY.PEEK[2] of the attachment mail: the decoded PDF-like part, NUL bytes and all
    // (servers send it as a literal8).
    let attachment = fetched_sections(&data, 2, "2");
    assert!(!attachment.is_empty(), "{dir}: no BINARY[2] of message 2");
    for part in attachment {
        assert_eq!(part.len(), 278, "{dir}: BINARY[2] length");
        assert!(part.starts_with(b"%PDF-1.4\n"), "{dir}: BINARY[2] start");
        assert!(part.contains(&0), "{dir}: BINARY[2] lost its NUL bytes");
    }

    // The first BODYSTRUCTURE of each seeded message, as a tree of media types (both servers
    // agree; these are the MIME trees of tests/capture/mail/*.eml).
    let mut shapes: Vec<(u32, String)> = Vec::new();
    for d in &data {
        if let Data::Fetch { seq, items } = d {
            for item in items {
                if let FetchItem::BodyStructure(b) = item {
                    if !shapes.iter().any(|(s, _)| s == seq) {
                        shapes.push((*seq, shape(b.root())));
                    }
                }
            }
        }
    }
    let expected_shapes = [
        (1, "text/plain"),
        (2, "mixed[text/plain,application/pdf]"),
        (
            3,
            "mixed[alternative[text/plain,related[text/html,image/png]],\
             message/rfc822{alternative[text/plain,text/html]}]",
        ),
        (4, "text/plain"),
        (5, "text/plain"),
        (
            6,
            "mixed[text/calendar,message/delivery-status,application/octet-stream]",
        ),
    ];
    for (seq, want) in expected_shapes {
        let got = shapes
            .iter()
            .find(|(s, _)| *s == seq)
            .map(|(_, g)| g.as_str());
        assert_eq!(got, Some(want), "{dir}: BODYSTRUCTURE of message {seq}");
    }

    // reply.eml's Cc has a group ("team: bob, Carol;"), which the envelope marks with a
    // start (no host) and an end (all NIL) address.
    let cc = data
        .iter()
        .find_map(|d| match d {
            Data::Fetch { seq: 4, items } => items.iter().find_map(|i| match i {
                FetchItem::Envelope(e) => Some(
                    e.cc.iter()
                        .map(|a| {
                            let f = |v: &Option<std::borrow::Cow<'_, [u8]>>| {
                                v.as_deref()
                                    .map(|b| String::from_utf8_lossy(b).into_owned())
                            };
                            (f(&a.name), f(&a.mailbox), f(&a.host))
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            }),
            _ => None,
        })
        .expect("an ENVELOPE of message 4");
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        cc,
        [
            (None, s("team"), None),
            (None, s("bob"), s("example.com")),
            (s("Carol \"C\" Smith"), s("carol"), s("example.net")),
            (None, None, None),
            (None, s("dave"), s("example.net")),
        ],
        "{dir}: Cc of message 4"
    );

    let count = |f: fn(&Data<'_>) -> bool| data.iter().filter(|d| f(d)).count();
    assert!(
        count(|d| matches!(d, Data::ESearch(_))) >= 3,
        "{dir}: ESEARCH"
    );
    assert!(
        count(|d| matches!(d, Data::Thread(_))) >= 2,
        "{dir}: THREAD"
    );
    assert!(
        count(|d| matches!(d, Data::Sort { .. })) >= 2,
        "{dir}: SORT"
    );
    assert!(
        count(|d| matches!(d, Data::Vanished { .. })) >= 2,
        "{dir}: VANISHED"
    );
    assert!(
        count(|d| matches!(d, Data::QuotaRoot(_))) == 1,
        "{dir}: QUOTAROOT"
    );
    assert!(count(|d| matches!(d, Data::Quota(_))) >= 1, "{dir}: QUOTA");
    assert!(
        count(|d| matches!(d, Data::Namespace(_))) == 1,
        "{dir}: NAMESPACE"
    );
    assert!(count(|d| matches!(d, Data::Id(_))) >= 1, "{dir}: ID");
    // RFC 5258: the unsubscribed parent of a subscribed child, in reply to c021 and d021.
    assert!(
        count(
            |d| matches!(d, Data::List(l) if l.mailbox.as_bytes() == b"Projects"
            && l.extended == [ListExtendedItem::ChildInfo(vec![Cow::Borrowed(b"SUBSCRIBED")])])
        ) >= 2,
        "{dir}: LIST with CHILDINFO"
    );
    assert!(
        count(|d| matches!(d, Data::Enabled(_))) >= 1,
        "{dir}: ENABLED"
    );
    assert!(
        count(|d| matches!(d, Data::Status { .. })) >= 5,
        "{dir}: STATUS"
    );
    assert!(
        count(
            |d| matches!(d, Data::Fetch { items, .. } if items.iter().any(|i| matches!(i, FetchItem::BodyStructure(_))))
        ) >= 5,
        "{dir}: BODYSTRUCTURE"
    );
    for (name, wanted) in [
        (
            "PREVIEW",
            (|i| matches!(i, FetchItem::Preview(_))) as fn(&FetchItem<'_>) -> bool,
        ),
        ("SAVEDATE", |i| matches!(i, FetchItem::SaveDate(_))),
        ("literal8 BINARY", |i| {
            matches!(i, FetchItem::BodySection { binary: true, .. })
        }),
    ] {
        assert!(
            data.iter()
                .any(|d| matches!(d, Data::Fetch { items, .. } if items.iter().any(wanted))),
            "{dir}: no FETCH with {name}"
        );
    }
    // The IDLE's EXISTS for the message the second connection appended.
    assert!(
        count(|d| matches!(d, Data::Exists(_))) >= 2,
        "{dir}: EXISTS"
    );
}

/// A body as `type/subtype` leaves, `subtype[...]` multiparts and `{...}` around an
/// encapsulated message's body, lower case.
fn shape(b: BodyRef<'_, '_>) -> String {
    let text = |v: &[u8]| String::from_utf8_lossy(v).to_lowercase();
    match b.kind() {
        Some(BodyKind::Multipart { subtype, .. }) => {
            let parts: Vec<String> = b.children().map(shape).collect();
            format!("{}[{}]", text(subtype), parts.join(","))
        }
        Some(BodyKind::Single(p)) => {
            let inner: Vec<String> = b.children().map(shape).collect();
            let mut out = format!("{}/{}", text(&p.media_type), text(&p.subtype));
            if !inner.is_empty() {
                out.push_str(&format!("{{{}}}", inner.join(",")));
            }
            out
        }
        None => "?".into(),
    }
}

/// The `BODY[section]`/`BINARY[section]` data fetched for message `seq`.
fn fetched_sections<'a>(data: &[&'a Data<'static>], seq: u32, section: &str) -> Vec<&'a [u8]> {
    data.iter()
        .filter_map(|d| match d {
            Data::Fetch { seq: s, items } if *s == seq => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|i| match i {
            FetchItem::BodySection {
                binary: true,
                section: sec,
                data: Some(bytes),
                ..
            } if sec.as_ref() == section.as_bytes() => Some(bytes.as_ref()),
            _ => None,
        })
        .collect()
}

const DOVECOT: &str = "dovecot-2.3.19";
const CYRUS: &str = "cyrus-3.6";

#[test]
fn dovecot_seed() {
    check(DOVECOT, "seed");
}

#[test]
fn dovecot_session() {
    check_session(DOVECOT);
}

#[test]
fn dovecot_idle_append() {
    check(DOVECOT, "idle-append");
}

#[test]
fn cyrus_seed() {
    check(CYRUS, "seed");
}

#[test]
fn cyrus_session() {
    check_session(CYRUS);
}

#[test]
fn cyrus_idle_append() {
    check(CYRUS, "idle-append");
}

/// Every capture on disk is one of the tests above, so none is silently left out.
#[test]
fn every_capture_is_tested() {
    let tested = [DOVECOT, CYRUS]
        .iter()
        .flat_map(|d| ["seed", "session", "idle-append"].map(|n| format!("{d}/{n}")))
        .collect::<Vec<_>>();
    let mut found = Vec::new();
    for dir in std::fs::read_dir(captures()).unwrap() {
        let dir = dir.unwrap();
        if !dir.file_type().unwrap().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let file = file.unwrap().file_name().into_string().unwrap();
            if let Some(name) = file.strip_suffix(".server.bin") {
                found.push(format!("{}/{name}", dir.file_name().to_string_lossy()));
            }
        }
    }
    found.sort();
    let mut tested_sorted = tested.clone();
    tested_sorted.sort();
    assert_eq!(found, tested_sorted);
}
