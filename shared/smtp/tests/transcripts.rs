//! Whole SMTP sessions replayed against the client session: RFC 5321 appendix D examples,
//! Postfix-style sessions, and (to come) sessions recorded from the harness's Postfix.
//! The file format is described in `tests/transcripts/README.md`.
//!
//! Each transcript runs with the server's lines fed whole and in chunks of 1 and 7 bytes;
//! what the client writes and the events it reports must be the same every time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use petrel_smtp::{
    Address, Body, ClientName, Credentials, Event, Limits, Password, Session, Submission,
};

/// What a transcript asks the client to do.
#[derive(Debug, Default, Clone)]
struct Script {
    client: Option<String>,
    auth: Option<(String, String)>,
    from: Option<String>,
    to: Vec<String>,
    message: Vec<u8>,
    eight_bit: bool,
    utf8: bool,
    no_chunking: bool,
}

#[derive(Debug)]
enum Step {
    /// Lines the server sends, CRLFs included.
    Server(Vec<u8>),
    /// A line the client must have written.
    Client(Vec<u8>),
    /// The connection ends.
    Close,
}

fn parse(text: &str) -> (Script, Vec<Step>, Vec<String>) {
    let mut script = Script::default();
    let mut steps: Vec<Step> = Vec::new();
    let mut expected = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(event) = line.strip_prefix('=') {
            expected.push(event.trim_start().to_string());
            continue;
        }
        if line.starts_with('!') {
            expected.push(line.to_string());
            continue;
        }
        let (kind, rest) = match line.get(..2) {
            Some("S:" | "C:" | "M:" | "X:") => (&line[..1], &line[2..]),
            _ => line.split_once(' ').unwrap_or((line, "")),
        };
        // One space separates the marker from the content; a line of only `C:` is an
        // empty line.
        let content = rest.strip_prefix(' ').unwrap_or(rest);
        match kind {
            "S" => match steps.last_mut() {
                Some(Step::Server(bytes)) => {
                    bytes.extend_from_slice(content.as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                _ => steps.push(Step::Server(format!("{content}\r\n").into_bytes())),
            },
            "C" => steps.push(Step::Client(format!("{content}\r\n").into_bytes())),
            "M" => {
                script.message.extend_from_slice(content.as_bytes());
                script.message.extend_from_slice(b"\r\n");
            }
            "X" if content == "close" => steps.push(Step::Close),
            "@client" => script.client = Some(content.to_string()),
            "@auth" => {
                let (user, password) = content.split_once(' ').expect("@auth USER PASSWORD");
                script.auth = Some((user.to_string(), password.to_string()));
            }
            "@from" => script.from = Some(content.to_string()),
            "@to" => script.to.push(content.to_string()),
            "@body" if content == "8bit" => script.eight_bit = true,
            "@utf8" => script.utf8 = true,
            "@chunking" if content == "off" => script.no_chunking = true,
            _ => panic!("line {n}: unknown line {line:?}"),
        }
    }
    (script, steps, expected)
}

/// Replays a transcript with the server's bytes fed in `chunk`-byte pieces (0: whole
/// blocks); returns what the client wrote and the events, as text.
fn replay(script: &Script, steps: &[Step], chunk: usize) -> (Vec<u8>, Vec<String>) {
    let client =
        ClientName::try_from(script.client.as_deref().unwrap_or("client.example.org")).unwrap();
    let mut session = Session::new(client, Limits::default());
    session.allow_chunking(!script.no_chunking);
    let mut written = Vec::new();
    let mut expected_written = Vec::new();
    let mut events = Vec::new();
    let mut sent = false;
    for step in steps {
        match step {
            Step::Client(line) => expected_written.extend_from_slice(line),
            Step::Server(bytes) => {
                drive(&mut session, script, &mut events, &mut sent);
                written.extend(session.transmit().unwrap_or_default());
                assert_eq!(
                    String::from_utf8_lossy(&written),
                    String::from_utf8_lossy(&expected_written),
                    "the client wrote something else before the server's {:?}",
                    String::from_utf8_lossy(bytes)
                );
                let pieces: Vec<&[u8]> = if chunk == 0 {
                    vec![bytes]
                } else {
                    bytes.chunks(chunk).collect()
                };
                for piece in pieces {
                    session.feed(piece);
                    drive(&mut session, script, &mut events, &mut sent);
                }
            }
            Step::Close => {
                written.extend(session.transmit().unwrap_or_default());
                session.connection_closed();
                drive(&mut session, script, &mut events, &mut sent);
            }
        }
    }
    written.extend(session.transmit().unwrap_or_default());
    (written, events)
}

/// Answers the session's events the way an app would: sign in, send the one message, quit.
fn drive(session: &mut Session, script: &Script, events: &mut Vec<String>, sent: &mut bool) {
    while let Some(event) = session.poll_event() {
        events.push(event.to_string());
        match event {
            Event::Ready(_) => match &script.auth {
                Some((user, password)) => session
                    .authenticate(
                        Credentials::new(user.as_str(), Password::new(password.as_str())).unwrap(),
                    )
                    .unwrap(),
                None => submit(session, script, events, sent),
            },
            Event::Authenticated => submit(session, script, events, sent),
            // After a lost connection or a 421 there is nothing left to quit.
            Event::AuthenticationFailed(_) | Event::Submitted(_) if session.is_ready() => {
                session.quit().unwrap()
            }
            Event::AuthenticationFailed(_) | Event::Submitted(_) => {}
            Event::Rejected(_) | Event::Closing(_) | Event::ProtocolError(_) => {}
        }
    }
}

fn submit(session: &mut Session, script: &Script, events: &mut Vec<String>, sent: &mut bool) {
    let Some(from) = &script.from else {
        session.quit().unwrap();
        return;
    };
    if *sent {
        return;
    }
    *sent = true;
    let submission = Submission {
        from: Address::try_from(from.as_str()).unwrap(),
        recipients: script
            .to
            .iter()
            .map(|a| Address::try_from(a.as_str()).unwrap())
            .collect(),
        message: script.message.clone(),
        body: if script.eight_bit {
            Body::EightBitMime
        } else {
            Body::SevenBit
        },
        utf8: script.utf8,
    };
    if let Err(e) = session.send(submission) {
        events.push(format!("! {e}"));
        session.quit().unwrap();
    }
}

fn run(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/transcripts")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (script, steps, expected_events) = parse(&text);
    let expected_written: Vec<u8> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Client(line) => Some(line.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let (written, events) = replay(&script, &steps, 0);
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&expected_written),
        "{name}: what the client wrote"
    );
    assert_eq!(events, expected_events, "{name}: events");
    for chunk in [1, 7] {
        assert_eq!(
            replay(&script, &steps, chunk),
            (written.clone(), events.clone()),
            "{name}: fed in {chunk}-byte chunks"
        );
    }
}

macro_rules! transcripts {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                run($file);
            }
        )*

        /// A transcript dropped into the folder without a test here would never run.
        #[test]
        fn every_transcript_has_a_test() {
            let listed = [$($file),*];
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
            for entry in std::fs::read_dir(dir).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if let Some(stem) = name.strip_suffix(".txt") {
                    assert!(listed.contains(&stem), "{name} is not listed in tests/transcripts.rs");
                }
            }
        }
    };
}

transcripts! {
    rfc5321_d1_typical_transaction => "rfc5321-d1",
    rfc5321_d3_relayed_first_hop => "rfc5321-d3",
    rfc5321_greeting_554_spanning_lines => "rfc5321-greeting-554",
    postfix_auth_plain_bdat_pipelined => "postfix-auth-plain-bdat",
    postfix_auth_login_data_pipelined => "postfix-auth-login-data",
    postfix_auth_failed => "postfix-auth-failed",
    postfix_every_recipient_refused => "postfix-all-recipients-refused",
    postfix_size_checked_before_sending => "postfix-size-limit",
    postfix_552_message_too_big => "postfix-552-too-big",
    postfix_421_timeout => "postfix-421",
    connection_lost_after_final_dot => "lost-after-final-dot",
    connection_lost_before_data => "lost-before-data",
    recorded_postfix_submission => "postfix-recorded-submission",
    recorded_postfix_wrong_password => "postfix-recorded-wrong-password",
}
