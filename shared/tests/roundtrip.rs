//! Round trips: responses built from arbitrary typed values are encoded with
//! `encode_response`, decoded by `ResponseDecoder` fed in arbitrary chunks, and must come back
//! equal; command strings encoded by the command encoder must read back through the same
//! string grammar.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use petrel_imap::encode::encode_response;
use petrel_imap::types::capability::Capability;
use petrel_imap::types::core::{Atom, Mailbox, SequenceSet, Tag};
use petrel_imap::types::extensions::list_extended::{
    ListExtendedItem, TaggedExtComp, TaggedExtValue,
};
use petrel_imap::types::fetch::{Address, AddressList, DateTime, Envelope, FetchItem, FlagList};
use petrel_imap::types::flag::{Flag, FlagName, ListAttribute};
use petrel_imap::types::response::{
    Code, Continue, Data, ListItem, Response, StatusItem, StatusKind, StatusResponse,
};
use petrel_imap::{Limits, ResponseDecoder};
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = Tag<'static>> {
    "[A-Za-z0-9]{1,8}".prop_map(|s| Tag::try_from(s).unwrap())
}

fn text() -> impl Strategy<Value = Cow<'static, str>> {
    prop_oneof![Just(String::new()), "[A-Za-z0-9(][A-Za-z0-9 .,()ü-]{0,30}"].prop_map(Cow::Owned)
}

fn flag() -> impl Strategy<Value = Flag<'static>> {
    prop_oneof![
        Just(Flag::Seen),
        Just(Flag::Answered),
        Just(Flag::Flagged),
        Just(Flag::Deleted),
        Just(Flag::Draft),
        "[A-Za-z$][A-Za-z0-9_]{0,8}".prop_map(|s| Flag::Keyword(FlagName::try_from(s).unwrap())),
    ]
}

fn tagged_ext_comp() -> impl Strategy<Value = TaggedExtComp<'static>> {
    let leaf =
        "[A-Za-z0-9 :*\\\\]{0,6}".prop_map(|s| TaggedExtComp::String(Cow::Owned(s.into_bytes())));
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(TaggedExtComp::List)
    })
}

/// RFC 5258 extended data: the known items and RFC 4466 generic values.
fn list_extended_item() -> impl Strategy<Value = ListExtendedItem<'static>> {
    prop_oneof![
        prop::collection::vec(
            prop_oneof![Just("SUBSCRIBED"), Just("REMOTE"), Just("X Y")]
                .prop_map(|s| Cow::Owned(s.as_bytes().to_vec())),
            1..3
        )
        .prop_map(ListExtendedItem::ChildInfo),
        mailbox().prop_map(ListExtendedItem::OldName),
        (
            "X-[A-Z]{1,5}",
            prop_oneof![
                any::<u64>().prop_map(TaggedExtValue::Number),
                (1u32..100, 100u32..200).prop_map(|(a, b)| TaggedExtValue::SequenceSet(
                    SequenceSet::try_from(format!("{a}:{b},*").as_str()).unwrap()
                )),
                prop::collection::vec(tagged_ext_comp(), 0..4).prop_map(TaggedExtValue::List),
            ]
        )
            .prop_map(|(tag, value)| ListExtendedItem::Other {
                tag: Cow::Owned(tag.into_bytes()),
                value
            }),
    ]
}

fn capability() -> impl Strategy<Value = Capability<'static>> {
    prop_oneof![
        Just(Capability::Imap4Rev1),
        Just(Capability::Idle),
        Just(Capability::LiteralPlus),
        Just(Capability::SaslIr),
        Just(Capability::Move),
        Just(Capability::AppendLimit(Some(35_651_584))),
        Just(Capability::Auth(Atom::try_from("PLAIN").unwrap())),
        "X[A-Z]{1,6}".prop_map(|s| Capability::Other(Atom::try_from(s).unwrap())),
    ]
}

fn code() -> impl Strategy<Value = Code<'static>> {
    prop_oneof![
        Just(Code::Alert),
        Just(Code::ReadWrite),
        Just(Code::AuthenticationFailed),
        any::<u32>().prop_map(Code::UidValidity),
        any::<u32>().prop_map(Code::UidNext),
        any::<u64>().prop_map(Code::HighestModSeq),
        prop::collection::vec(capability(), 0..5).prop_map(Code::Capability),
        prop::collection::vec("[A-Za-z]{1,12}", 0..3).prop_map(|events| Code::BadEvent(
            events
                .into_iter()
                .map(|e| Atom::try_from(e).unwrap())
                .collect()
        )),
        "X-[A-Z]{1,6}".prop_map(|s| Code::Other {
            name: Atom::try_from(s).unwrap(),
            data: None
        }),
    ]
}

fn nstring() -> impl Strategy<Value = Option<Cow<'static, [u8]>>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..24).prop_map(Cow::Owned))
}

fn address() -> impl Strategy<Value = Address<'static>> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

fn address_list() -> impl Strategy<Value = AddressList<'static>> {
    prop::collection::vec(address(), 0..3).prop_map(|a| AddressList::from_addresses(&a))
}

fn envelope() -> impl Strategy<Value = Envelope<'static>> {
    (
        (
            nstring(),
            nstring(),
            address_list(),
            address_list(),
            address_list(),
        ),
        (
            address_list(),
            address_list(),
            address_list(),
            nstring(),
            nstring(),
        ),
    )
        .prop_map(
            |((date, subject, from, sender, reply_to), (to, cc, bcc, in_reply_to, message_id))| {
                Envelope {
                    date,
                    subject,
                    from,
                    sender,
                    reply_to,
                    to,
                    cc,
                    bcc,
                    in_reply_to,
                    message_id,
                }
            },
        )
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (
        1970u16..2100,
        1u8..=12,
        1u8..=28,
        0u8..24,
        0u8..60,
        0u8..60,
        -720i16..=840,
    )
        .prop_map(
            |(year, month, day, hour, minute, second, zone_minutes)| DateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
                zone_minutes,
            },
        )
}

fn fetch_item() -> impl Strategy<Value = FetchItem<'static>> {
    prop_oneof![
        any::<u32>().prop_map(FetchItem::Uid),
        prop::collection::vec(flag(), 0..4)
            .prop_map(|f| FetchItem::Flags(FlagList::from_flags(&f))),
        any::<u32>().prop_map(FetchItem::Rfc822Size),
        any::<u64>().prop_map(FetchItem::ModSeq),
        date_time().prop_map(FetchItem::InternalDate),
        envelope().prop_map(|e| FetchItem::Envelope(Box::new(e))),
        (prop::option::of(any::<u32>()), nstring()).prop_map(|(origin, data)| {
            FetchItem::BodySection {
                binary: false,
                section: Cow::Borrowed(b"1.TEXT"),
                origin,
                data,
            }
        }),
    ]
}

fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
    "[A-Za-z0-9 /&.-]{1,12}".prop_map(|s| Mailbox::try_from(s).unwrap())
}

fn data() -> impl Strategy<Value = Data<'static>> {
    prop_oneof![
        prop::collection::vec(capability(), 0..6).prop_map(Data::Capability),
        prop::collection::vec(flag(), 0..6).prop_map(Data::Flags),
        any::<u32>().prop_map(Data::Exists),
        any::<u32>().prop_map(Data::Expunge),
        (
            prop::collection::vec(1u32.., 0..20),
            prop::option::of(any::<u64>())
        )
            .prop_map(|(numbers, modseq)| Data::Search { numbers, modseq }),
        (
            prop::collection::vec(
                prop_oneof![
                    Just(ListAttribute::HasNoChildren),
                    Just(ListAttribute::Sent),
                    Just(ListAttribute::NoSelect)
                ],
                0..3
            ),
            prop::option::of(prop_oneof![Just('/'), Just('.'), Just('\\')]),
            mailbox(),
            prop::collection::vec(list_extended_item(), 0..3)
        )
            .prop_map(
                |(attributes, delimiter, mailbox, extended)| Data::List(ListItem {
                    attributes,
                    delimiter,
                    mailbox,
                    extended,
                })
            ),
        (mailbox(), any::<u32>(), any::<u64>()).prop_map(|(mailbox, n, size)| Data::Status {
            mailbox,
            items: vec![
                StatusItem::Messages(n),
                StatusItem::Size(size),
                StatusItem::AppendLimit(None)
            ],
        }),
        (1u32.., prop::collection::vec(fetch_item(), 0..6))
            .prop_map(|(seq, items)| Data::Fetch { seq, items }),
    ]
}

fn response() -> impl Strategy<Value = Response<'static>> {
    let kind = prop_oneof![
        Just(StatusKind::Ok),
        Just(StatusKind::No),
        Just(StatusKind::Bad),
        Just(StatusKind::Bye),
        Just(StatusKind::PreAuth)
    ];
    prop_oneof![
        (
            prop::option::of(tag()),
            kind,
            prop::option::of(code()),
            text()
        )
            .prop_map(|(tag, kind, code, text)| Response::Status(StatusResponse {
                tag,
                kind,
                code,
                text
            })),
        text().prop_map(|text| Response::Continue(Continue { code: None, text })),
        data().prop_map(Response::Data),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn responses_round_trip(responses in prop::collection::vec(response(), 1..6), chunk in 1usize..64) {
        let mut wire = Vec::new();
        for r in &responses {
            wire.extend(encode_response(r));
        }
        let mut decoder = ResponseDecoder::new(Limits::default());
        let mut decoded = Vec::new();
        for c in wire.chunks(chunk) {
            decoder.feed(c);
            while let Some(r) = decoder.next() {
                match r {
                    Ok(r) => decoded.push(r.into_static()),
                    Err(e) => panic!("{e} in {:?}", String::from_utf8_lossy(&wire)),
                }
            }
        }
        prop_assert_eq!(decoder.buffered(), 0);
        prop_assert_eq!(decoded, responses);
    }
}

/// Bytes that look like IMAP, for the no-panic property: fragments of real responses spliced
/// with arbitrary bytes.
fn imapish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(b"* ".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"{3}\r\n".to_vec()),
        Just(b"~{0}\r\n".to_vec()),
        Just(b"(".to_vec()),
        Just(b")".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"NIL ".to_vec()),
        Just(b"1 FETCH (".to_vec()),
        Just(b"BODYSTRUCTURE (".to_vec()),
        Just(b"ENVELOPE (".to_vec()),
        Just(b"BODY[".to_vec()),
        Just(b"OK [".to_vec()),
        Just(b"SEARCH 1 2".to_vec()),
        Just(b"LIST () \"/\" ".to_vec()),
        Just(b"+ ".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Nothing a server sends panics the decoder, with default or tiny limits, and every
    /// result consumes input.
    #[test]
    fn decoder_never_panics(input in imapish(), chunk in 1usize..32) {
        let tiny = Limits { max_line: 64, max_literal: 8, max_depth: 3, max_list: 4, max_message: 96 };
        let small_message = Limits { max_message: 12, ..Limits::default() };
        for limits in [Limits::default(), tiny, small_message] {
            let mut decoder = ResponseDecoder::new(limits);
            let mut results = 0;
            for c in input.chunks(chunk) {
                decoder.feed(c);
                while let Some(r) = decoder.next() {
                    let _ = r;
                    results += 1;
                    prop_assert!(results <= input.len());
                }
            }
            prop_assert!(decoder.buffered() <= input.len());
            let from_slice = petrel_imap::SliceDecoder::new(&input, limits).count();
            prop_assert!(from_slice <= input.len());
        }
    }

    /// Feeding in pieces gives the same results as feeding whole (and as the slice decoder),
    /// including around limits, where a message is passed over.
    #[test]
    fn chunking_never_changes_the_results(input in imapish(), chunk in 1usize..16) {
        let tiny = Limits { max_line: 24, max_literal: 4, max_depth: 3, max_list: 4, max_message: 40 };
        // The message limit alone, below the line limit and above it.
        let small_message = Limits { max_message: 12, ..Limits::default() };
        let message_over_lines = Limits { max_line: 10, max_message: 30, ..Limits::default() };
        for limits in [Limits::default(), tiny, small_message, message_over_lines] {
            let run = |chunk: usize| {
                let mut decoder = ResponseDecoder::new(limits);
                let mut out = Vec::new();
                for c in input.chunks(chunk) {
                    decoder.feed(c);
                    while let Some(r) = decoder.next() {
                        out.push(r.map(Response::into_static));
                    }
                }
                (out, decoder.buffered())
            };
            let whole = run(input.len().max(1));
            prop_assert_eq!(&run(chunk), &whole);
            let mut slice = petrel_imap::SliceDecoder::new(&input, limits);
            let from_slice: Vec<_> = slice.by_ref().map(|r| r.map(Response::into_static)).collect();
            prop_assert_eq!(&from_slice, &whole.0);
        }
    }

    /// Nor the session, whatever it has sent.
    #[test]
    fn session_never_panics(input in imapish()) {
        use petrel_imap::types::command::CommandBody;
        let mut session = petrel_imap::Session::new(Limits::default());
        session.send(CommandBody::Idle);
        session.send(CommandBody::Noop);
        session.feed(&input);
        while session.poll_event().is_some() {}
        while session.transmit().is_some() {}
        session.idle_done();
    }
}
