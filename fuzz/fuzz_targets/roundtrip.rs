//! Round trip through an independent grammar: a command built from the input is encoded by
//! Petrel, and imap-codec's command decoder must read back the same command from the bytes
//! (all parts joined, as the server sees them once it has sent its continuations).
//!
//! Petrel's own `decode_command` must then read the same bytes back to an equal command:
//! imap-codec checks the encoder against an independent grammar, Petrel's decoder checks that
//! nothing is lost (the property tests in `shared/tests/roundtrip.rs` cover every command
//! type; `reencode` starts from decoded bytes instead). Strings holding NUL are refused by
//! `AString::new` and `Mailbox::new`, as no literal may hold NUL (RFC 9051 `CHAR8`).
#![no_main]

use imap_codec::decode::Decoder;
use imap_codec::imap_types::command::CommandBody as TheirBody;
use imap_codec::imap_types::mailbox::Mailbox as TheirMailbox;
use imap_codec::CommandCodec;
use libfuzzer_sys::fuzz_target;
use petrel_imap::encode::{encode, EncodeOptions};
use petrel_imap::types::command::{Command, CommandBody, FetchAttribute, StatusAttribute};
use petrel_imap::types::core::{AString, Mailbox, Secret, SequenceSet, Tag};

/// Splits the input into fields at 0xFF bytes.
fn fields(data: &[u8]) -> Vec<Vec<u8>> {
    data.split(|&b| b == 0xFF).map(<[u8]>::to_vec).collect()
}

fn their_mailbox(m: &TheirMailbox<'_>) -> Vec<u8> {
    match m {
        TheirMailbox::Inbox => b"INBOX".to_vec(),
        TheirMailbox::Other(other) => other.inner().as_ref().to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let [kind, opts, rest @ ..] = data else {
        return;
    };
    let f = fields(rest);
    let field = |i: usize| f.get(i).cloned().unwrap_or_default();
    let opts = EncodeOptions {
        literal_plus: opts & 1 != 0,
        literal_minus: opts & 2 != 0,
        sasl_ir: opts & 4 != 0,
        utf8: false,
        binary: opts & 8 != 0,
    };
    let Ok(tag) = Tag::try_from("A17") else {
        return;
    };
    let body = match kind % 5 {
        0 => match (AString::new(field(0)), AString::new(field(1))) {
            (Ok(username), Ok(password)) => CommandBody::Login {
                username,
                password: Secret::new(password),
            },
            _ => return,
        },
        1 => match Mailbox::new(field(0)) {
            Ok(mailbox) => CommandBody::Select { mailbox },
            Err(_) => return,
        },
        // A LIST pattern is an AString: NUL, which no literal may hold, is refused by the
        // type (found by this target).
        2 => match (Mailbox::new(field(0)), AString::new(field(1))) {
            (Ok(reference), Ok(pattern)) => CommandBody::List {
                reference,
                pattern,
                return_special_use: opts.literal_minus,
            },
            _ => return,
        },
        3 => match Mailbox::new(field(0)) {
            Ok(mailbox) => CommandBody::Status {
                mailbox,
                items: vec![
                    StatusAttribute::Messages,
                    StatusAttribute::UidNext,
                    StatusAttribute::Unseen,
                ],
            },
            Err(_) => return,
        },
        _ => {
            let n = |i: usize| {
                field(i)
                    .iter()
                    .fold(1u32, |a, &b| a.wrapping_mul(31).wrapping_add(u32::from(b)))
            };
            let Some(set) = SequenceSet::range(n(0).max(1), n(1).max(1)) else {
                return;
            };
            CommandBody::Fetch {
                set,
                items: vec![
                    FetchAttribute::Uid,
                    FetchAttribute::Flags,
                    FetchAttribute::Envelope,
                ],
                uid: opts.sasl_ir,
            }
        }
    };
    let command = Command { tag, body };
    let joined: Vec<u8> = encode(&command, opts).parts.concat();
    match petrel_imap::decode_command(&joined, &petrel_imap::Limits::default()) {
        Ok((rest, ours)) => {
            assert!(rest.is_empty(), "bytes left after the command: {rest:?}");
            assert_eq!(
                ours,
                command,
                "read back from {:?}",
                String::from_utf8_lossy(&joined)
            );
        }
        Err(e) => panic!(
            "decode_command cannot read {:?} encoded as {:?}: {e}",
            command,
            String::from_utf8_lossy(&joined)
        ),
    }
    let mut wire = joined;
    // imap-codec 2.0.0-alpha.10 cannot decode LIST-EXTENDED return options (RFC 5258), so
    // the option is checked here byte for byte and taken off before decoding.
    if let CommandBody::List {
        return_special_use: true,
        ..
    } = command.body
    {
        let option = b" RETURN (SPECIAL-USE)\r\n";
        assert!(
            wire.ends_with(option),
            "no RETURN (SPECIAL-USE) at the end of {wire:?}"
        );
        wire.truncate(wire.len() - option.len());
        wire.extend_from_slice(b"\r\n");
    }

    let decoded = CommandCodec::default().decode(&wire);
    let (rest, theirs) = match decoded {
        Ok(ok) => ok,
        Err(e) => panic!(
            "imap-codec cannot decode {:?} encoded as {:?}: {e:?}",
            command,
            String::from_utf8_lossy(&wire)
        ),
    };
    assert!(rest.is_empty(), "bytes left after the command: {rest:?}");
    assert_eq!(theirs.tag.as_ref(), "A17");
    match (&command.body, &theirs.body) {
        (
            CommandBody::Login { username, password },
            TheirBody::Login {
                username: u,
                password: p,
            },
        ) => {
            assert_eq!(username.as_ref(), u.as_ref(), "username changed");
            assert_eq!(
                password.expose().as_ref(),
                p.declassify().as_ref(),
                "password changed"
            );
        }
        (CommandBody::Select { mailbox }, TheirBody::Select { mailbox: m, .. })
        | (CommandBody::Status { mailbox, .. }, TheirBody::Status { mailbox: m, .. }) => {
            assert_eq!(
                mailbox.as_bytes(),
                their_mailbox(m).as_slice(),
                "mailbox changed"
            );
        }
        (
            CommandBody::List {
                reference, pattern, ..
            },
            TheirBody::List {
                reference: r,
                mailbox_wildcard,
                ..
            },
        ) => {
            assert_eq!(
                reference.as_bytes(),
                their_mailbox(r).as_slice(),
                "reference changed"
            );
            let theirs: &[u8] = match mailbox_wildcard {
                imap_codec::imap_types::mailbox::ListMailbox::Token(t) => t.as_ref(),
                imap_codec::imap_types::mailbox::ListMailbox::String(s) => s.as_ref(),
            };
            assert_eq!(pattern.as_ref(), theirs, "pattern changed");
        }
        (CommandBody::Fetch { .. }, TheirBody::Fetch { .. }) => {}
        (ours, theirs) => panic!("{ours:?} was read back as {theirs:?}"),
    }
});
