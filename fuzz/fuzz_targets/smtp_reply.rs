//! The SMTP reply parser and client session on any server bytes: no panic; the same replies
//! whether the bytes come whole or in 1-64 byte chunks; no more than one line held between
//! replies. The first two bytes seed the chunk sizes, the third picks what the session is
//! asked to do (sign in, chunking, small limits); the rest is the server's byte stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use petrel_smtp::{
    Address, Body, ClientName, Credentials, Event, Limits, Password, Reply, ReplyError,
    ReplyParser, Session, Submission,
};

/// Small enough that inputs of libFuzzer's sizes reach them.
const SMALL: Limits = Limits {
    max_line: 64,
    max_lines: 4,
};

/// Chunk sizes from a tiny LCG: 1 to 64 bytes each.
fn chunks(seed: u32, mut rest: &[u8]) -> Vec<&[u8]> {
    let mut seed = seed;
    let mut out = Vec::new();
    while !rest.is_empty() {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let n = ((seed >> 16) as usize % 64 + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        out.push(chunk);
        rest = tail;
    }
    out
}

fn parse(pieces: &[&[u8]], limits: Limits) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::new(limits);
    let mut out = Vec::new();
    for piece in pieces {
        parser.feed(piece);
        while let Some(r) = parser.next() {
            out.push(r);
        }
        assert!(
            parser.buffered() <= limits.max_line,
            "{} bytes held between replies",
            parser.buffered()
        );
    }
    out
}

fn submission(flags: u8) -> Option<Submission> {
    let from = if flags & 8 != 0 { "jos\u{e9}@example.org" } else { "alice@example.org" };
    let body = if flags & 16 != 0 { Body::EightBitMime } else { Body::SevenBit };
    Some(Submission {
        from: Address::try_from(from).ok()?,
        recipients: ["bob@example.org", "carol@example.org"]
            .iter()
            .filter_map(|a| Address::try_from(*a).ok())
            .collect(),
        message: b"Subject: hi\n\n.\nbody\r\n..\r".to_vec(),
        body,
        utf8: flags & 32 != 0,
    })
}

fn drive(session: &mut Session, flags: u8, events: &mut usize) {
    while let Some(event) = session.poll_event() {
        *events += 1;
        let _ = event.to_string();
        match event {
            Event::Ready(_) if flags & 1 != 0 => {
                if let Ok(c) = Credentials::new("alice", Password::new("correct horse")) {
                    let _ = session.authenticate(c);
                }
            }
            Event::Ready(_) | Event::Authenticated => {
                if let Some(submission) = submission(flags) {
                    let _ = session.send(submission);
                }
            }
            Event::Submitted(_) | Event::AuthenticationFailed(_) => {
                let _ = session.quit();
            }
            _ => {}
        }
    }
    let _ = session.transmit();
}

fuzz_target!(|data: &[u8]| {
    let [a, b, flags, stream @ ..] = data else { return };
    let limits = if flags & 4 != 0 { SMALL } else { Limits::default() };
    let pieces = chunks(u32::from(*a) << 8 | u32::from(*b), stream);
    assert_eq!(
        parse(&pieces, limits),
        parse(&[stream], limits),
        "replies differ between whole and split feeding"
    );

    let Ok(client) = ClientName::try_from("client.example.org") else { return };
    let mut session = Session::new(client, limits);
    session.allow_chunking(flags & 2 != 0);
    let mut events = 0;
    for piece in &pieces {
        session.feed(piece);
        drive(&mut session, *flags, &mut events);
    }
    session.connection_closed();
    drive(&mut session, *flags, &mut events);
    // Every event answers a reply, a call or the end: a bounded number per input byte.
    assert!(events <= stream.len() + 2, "{events} events from {} bytes", stream.len());
});
