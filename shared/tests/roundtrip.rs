//! Round trips: responses built from arbitrary typed values are encoded with
//! `encode_response`, decoded by `ResponseDecoder` fed in arbitrary chunks, and must come back
//! equal; commands of every `CommandBody` variant, encoded by `encode` with arbitrary
//! `EncodeOptions` and joined as the server reads them, must come back equal from
//! `decode_command` (up to the few equivalences [`canonical`] names), and every prefix of them
//! must read as incomplete.
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

mod commands {
    use std::borrow::Cow;

    use petrel_imap::encode::{encode, EncodeOptions};
    use petrel_imap::types::command::{
        Atomish, Command, CommandBody, FetchAttribute, ListReturn, ListSelection, NotifyEvent,
        NotifyGroup, NotifyMailboxes, QResync, SearchDate, SearchKey, SearchReturn, SortKey,
        StatusAttribute, StoreKind,
    };
    use petrel_imap::types::core::{AString, Atom, Mailbox, Secret, SequenceSet};
    use petrel_imap::types::flag::{Flag, FlagName, ListAttribute};
    use petrel_imap::{decode_command, DecodeError, Limits};
    use proptest::prelude::*;

    use super::{date_time, tag};

    /// Bytes for a string argument: atoms, text that must be quoted, 8-bit and CR/LF that must
    /// go in a literal, and the empty string. Never NUL, which no literal may hold.
    fn string_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "[A-Za-z0-9.-]{1,8}".prop_map(String::into_bytes),
            "[ -~]{0,12}".prop_map(String::into_bytes),
            "[a-zé€ \\\\\"]{0,8}".prop_map(String::into_bytes),
            prop::collection::vec(1u8.., 0..16),
        ]
    }

    fn astring() -> impl Strategy<Value = AString<'static>> {
        string_bytes().prop_map(|b| AString::new(b).unwrap())
    }

    /// A LIST pattern: an astring, or wildcards that stay bare.
    fn pattern() -> impl Strategy<Value = AString<'static>> {
        prop_oneof![
            astring(),
            "[A-Za-z/%*]{1,6}".prop_map(|s| AString::try_from(s).unwrap())
        ]
    }

    fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
        prop_oneof![
            Just(Mailbox::inbox()),
            string_bytes().prop_filter_map("CR or LF", |b| Mailbox::new(b).ok()),
        ]
    }

    fn atom() -> impl Strategy<Value = Atom<'static>> {
        "[A-Za-z0-9=.+-]{1,10}".prop_map(|s| Atom::try_from(s).unwrap())
    }

    fn flag_name() -> impl Strategy<Value = FlagName<'static>> {
        "[A-Za-z$][A-Za-z0-9_$.%*\\[\\]\\\\-]{0,8}".prop_map(|s| FlagName::try_from(s).unwrap())
    }

    fn flag() -> impl Strategy<Value = Flag<'static>> {
        prop_oneof![
            Just(Flag::Seen),
            Just(Flag::Answered),
            Just(Flag::Flagged),
            Just(Flag::Deleted),
            Just(Flag::Draft),
            Just(Flag::Recent),
            flag_name().prop_map(Flag::Keyword),
            // Not the name of a system flag, which would read back as that flag.
            "X[A-Za-z0-9]{0,6}".prop_map(|s| Flag::Extension(FlagName::try_from(s).unwrap())),
        ]
    }

    fn flags() -> impl Strategy<Value = Vec<Flag<'static>>> {
        prop::collection::vec(flag(), 0..4)
    }

    fn set() -> impl Strategy<Value = SequenceSet> {
        let bound =
            prop_oneof![4 => (1u32..).prop_map(|n| n.to_string()), 1 => Just("*".to_string())];
        prop::collection::vec((bound.clone(), prop::option::of(bound)), 1..4).prop_map(|ranges| {
            let text: Vec<String> = ranges
                .into_iter()
                .map(|(a, b)| match b {
                    Some(b) => format!("{a}:{b}"),
                    None => a,
                })
                .collect();
            SequenceSet::try_from(text.join(",").as_str()).unwrap()
        })
    }

    fn search_date() -> impl Strategy<Value = SearchDate> {
        (any::<u16>(), 1u8..=12, 1u8..=31).prop_map(|(year, month, day)| SearchDate {
            year,
            month,
            day,
        })
    }

    fn search_key() -> impl Strategy<Value = SearchKey<'static>> {
        use SearchKey as K;
        let leaf = prop_oneof![
            prop::sample::select(vec![
                K::All,
                K::Answered,
                K::Deleted,
                K::Draft,
                K::Flagged,
                K::Seen,
                K::Unanswered,
                K::Undeleted,
                K::Undraft,
                K::Unflagged,
                K::Unseen,
                K::New,
                K::Old,
                K::Recent,
            ]),
            flag_name().prop_map(K::Keyword),
            flag_name().prop_map(K::Unkeyword),
            (0..6usize, search_date()).prop_map(|(k, d)| match k {
                0 => K::Before(d),
                1 => K::On(d),
                2 => K::Since(d),
                3 => K::SentBefore(d),
                4 => K::SentOn(d),
                _ => K::SentSince(d),
            }),
            (0..8usize, astring()).prop_map(|(k, s)| match k {
                0 => K::Bcc(s),
                1 => K::Body(s),
                2 => K::Cc(s),
                3 => K::From(s),
                4 => K::Subject(s),
                5 => K::Text(s),
                6 => K::To(s),
                _ => K::GmailRaw(s),
            }),
            (astring(), astring()).prop_map(|(a, b)| K::Header(a, b)),
            any::<u32>().prop_map(K::Larger),
            any::<u32>().prop_map(K::Smaller),
            set().prop_map(K::Uid),
            set().prop_map(K::SequenceSet),
            any::<u64>().prop_map(K::ModSeq),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|k| K::Not(Box::new(k))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| K::Or(Box::new(a), Box::new(b))),
                prop::collection::vec(inner, 0..3).prop_map(K::And),
            ]
        })
    }

    fn criteria() -> impl Strategy<Value = Vec<SearchKey<'static>>> {
        prop::collection::vec(search_key(), 0..4)
    }

    fn section() -> impl Strategy<Value = Atomish<'static>> {
        "[ -Z\\\\^-~]{0,12}".prop_map(|s| Atomish::try_from(s.leak() as &str).unwrap())
    }

    fn partial() -> impl Strategy<Value = Option<(u32, u32)>> {
        prop::option::of((any::<u32>(), any::<u32>()))
    }

    fn fetch_attribute() -> impl Strategy<Value = FetchAttribute<'static>> {
        use FetchAttribute as A;
        prop_oneof![
            prop::sample::select(vec![
                A::Uid,
                A::Flags,
                A::Envelope,
                A::Rfc822Size,
                A::InternalDate,
                A::BodyStructure,
                A::Body,
                A::ModSeq,
                A::EmailId,
                A::ThreadId,
                A::SaveDate,
                A::Preview { lazy: false },
                A::Preview { lazy: true },
                A::GmailMessageId,
                A::GmailThreadId,
                A::GmailLabels,
            ]),
            (any::<bool>(), section(), partial()).prop_map(|(peek, section, partial)| {
                A::BodySection {
                    peek,
                    section,
                    partial,
                }
            }),
            (any::<bool>(), section(), partial()).prop_map(|(peek, section, partial)| A::Binary {
                peek,
                section,
                partial
            }),
            section().prop_map(|section| A::BinarySize { section }),
        ]
    }

    fn fetch_attributes() -> impl Strategy<Value = Vec<FetchAttribute<'static>>> {
        prop::collection::vec(fetch_attribute(), 0..5)
    }

    fn status_attributes() -> impl Strategy<Value = Vec<StatusAttribute>> {
        use StatusAttribute as S;
        prop::collection::vec(
            prop::sample::select(vec![
                S::Messages,
                S::Recent,
                S::UidNext,
                S::UidValidity,
                S::Unseen,
                S::Deleted,
                S::Size,
                S::HighestModSeq,
                S::MailboxId,
                S::AppendLimit,
            ]),
            0..4,
        )
    }

    fn list_attribute() -> impl Strategy<Value = ListAttribute<'static>> {
        use ListAttribute as L;
        prop_oneof![
            prop::sample::select(vec![
                L::NoInferiors,
                L::NoSelect,
                L::Marked,
                L::Unmarked,
                L::NonExistent,
                L::Subscribed,
                L::Remote,
                L::HasChildren,
                L::HasNoChildren,
                L::All,
                L::Archive,
                L::Drafts,
                L::Flagged,
                L::Junk,
                L::Sent,
                L::Trash,
                L::Important,
            ]),
            "X[A-Za-z]{0,6}".prop_map(|s| L::Other(FlagName::try_from(s).unwrap())),
        ]
    }

    fn notify_group() -> impl Strategy<Value = NotifyGroup<'static>> {
        use NotifyMailboxes as M;
        let mailboxes = prop_oneof![
            prop::sample::select(vec![
                M::Selected,
                M::SelectedDelayed,
                M::Inboxes,
                M::Personal,
                M::Subscribed,
            ]),
            prop::collection::vec(mailbox(), 0..3).prop_map(M::Subtree),
            prop::collection::vec(mailbox(), 0..3).prop_map(M::Mailboxes),
        ];
        let events = prop::collection::vec(
            prop_oneof![
                prop::collection::vec(fetch_attribute(), 0..3)
                    .prop_map(|fetch| NotifyEvent::MessageNew { fetch }),
                prop::sample::select(vec![
                    NotifyEvent::MessageExpunge,
                    NotifyEvent::FlagChange,
                    NotifyEvent::AnnotationChange,
                    NotifyEvent::MailboxName,
                    NotifyEvent::SubscriptionChange,
                    NotifyEvent::MailboxMetadataChange,
                    NotifyEvent::ServerMetadataChange,
                ]),
            ],
            0..3,
        );
        (mailboxes, events).prop_map(|(mailboxes, events)| NotifyGroup { mailboxes, events })
    }

    /// One arm per variant of [`CommandBody`]; [`variant`] keeps the list complete.
    fn command_body() -> impl Strategy<Value = CommandBody<'static>> {
        use CommandBody as B;
        prop_oneof![
            Just(B::Capability).boxed(),
            Just(B::Noop).boxed(),
            Just(B::Logout).boxed(),
            (
                atom(),
                prop::option::of(prop::collection::vec(any::<u8>(), 0..24))
            )
                .prop_map(|(mechanism, ir)| B::Authenticate {
                    mechanism,
                    initial_response: ir.map(Secret::new),
                })
                .boxed(),
            (astring(), astring())
                .prop_map(|(username, password)| B::Login {
                    username,
                    password: Secret::new(password),
                })
                .boxed(),
            prop::collection::vec(atom(), 0..3)
                .prop_map(B::Enable)
                .boxed(),
            mailbox().prop_map(|mailbox| B::Select { mailbox }).boxed(),
            mailbox().prop_map(|mailbox| B::Examine { mailbox }).boxed(),
            (mailbox(), pattern(), any::<bool>())
                .prop_map(|(reference, pattern, return_special_use)| B::List {
                    reference,
                    pattern,
                    return_special_use,
                })
                .boxed(),
            (mailbox(), status_attributes())
                .prop_map(|(mailbox, items)| B::Status { mailbox, items })
                .boxed(),
            Just(B::Close).boxed(),
            Just(B::Unselect).boxed(),
            Just(B::Expunge).boxed(),
            (set(), fetch_attributes(), any::<bool>())
                .prop_map(|(set, items, uid)| B::Fetch { set, items, uid })
                .boxed(),
            Just(B::Idle).boxed(),
            (mailbox(), prop::collection::vec(list_attribute(), 0..3))
                .prop_map(|(mailbox, special_use)| B::Create {
                    mailbox,
                    special_use,
                })
                .boxed(),
            mailbox().prop_map(|mailbox| B::Delete { mailbox }).boxed(),
            (mailbox(), mailbox())
                .prop_map(|(from, to)| B::Rename { from, to })
                .boxed(),
            mailbox()
                .prop_map(|mailbox| B::Subscribe { mailbox })
                .boxed(),
            mailbox()
                .prop_map(|mailbox| B::Unsubscribe { mailbox })
                .boxed(),
            (mailbox(), pattern())
                .prop_map(|(reference, pattern)| B::Lsub { reference, pattern })
                .boxed(),
            Just(B::Namespace).boxed(),
            (
                mailbox(),
                flags(),
                prop::option::of(date_time()),
                prop::collection::vec(any::<u8>(), 0..48)
            )
                .prop_map(|(mailbox, flags, date, message)| B::Append {
                    mailbox,
                    flags,
                    date,
                    message: Cow::Owned(message),
                })
                .boxed(),
            (
                criteria(),
                prop::option::of(atom()),
                prop::option::of(prop::collection::vec(
                    prop::sample::select(vec![
                        SearchReturn::Min,
                        SearchReturn::Max,
                        SearchReturn::All,
                        SearchReturn::Count,
                        SearchReturn::Save,
                    ]),
                    0..3
                )),
                any::<bool>()
            )
                .prop_map(|(criteria, charset, esearch, uid)| B::Search {
                    criteria,
                    charset,
                    esearch,
                    uid,
                })
                .boxed(),
            (
                set(),
                prop::sample::select(vec![StoreKind::Replace, StoreKind::Add, StoreKind::Remove]),
                any::<bool>(),
                flags(),
                any::<bool>(),
                prop::option::of(any::<u64>())
            )
                .prop_map(
                    |(set, kind, silent, flags, uid, unchanged_since)| B::Store {
                        set,
                        kind,
                        silent,
                        flags,
                        uid,
                        unchanged_since,
                    }
                )
                .boxed(),
            (set(), mailbox(), any::<bool>())
                .prop_map(|(set, mailbox, uid)| B::Copy { set, mailbox, uid })
                .boxed(),
            (set(), mailbox(), any::<bool>())
                .prop_map(|(set, mailbox, uid)| B::Move { set, mailbox, uid })
                .boxed(),
            set().prop_map(|set| B::UidExpunge { set }).boxed(),
            prop::option::of(prop::collection::vec(
                (astring(), prop::option::of(astring())),
                0..3
            ))
            .prop_map(B::Id)
            .boxed(),
            Just(B::CompressDeflate).boxed(),
            astring().prop_map(|root| B::GetQuota { root }).boxed(),
            mailbox()
                .prop_map(|mailbox| B::GetQuotaRoot { mailbox })
                .boxed(),
            (
                prop::collection::vec(
                    (
                        any::<bool>(),
                        prop::sample::select(vec![
                            SortKey::Arrival,
                            SortKey::Cc,
                            SortKey::Date,
                            SortKey::From,
                            SortKey::Size,
                            SortKey::Subject,
                            SortKey::To,
                            SortKey::DisplayFrom,
                            SortKey::DisplayTo,
                        ])
                    ),
                    0..3
                ),
                atom(),
                criteria(),
                any::<bool>()
            )
                .prop_map(|(keys, charset, criteria, uid)| B::Sort {
                    keys,
                    charset,
                    criteria,
                    uid,
                })
                .boxed(),
            (atom(), atom(), criteria(), any::<bool>())
                .prop_map(|(algorithm, charset, criteria, uid)| B::Thread {
                    algorithm,
                    charset,
                    criteria,
                    uid,
                })
                .boxed(),
            Just(B::StartTls).boxed(),
            Just(B::Check).boxed(),
            (
                prop::collection::vec(
                    prop::sample::select(vec![
                        ListSelection::Subscribed,
                        ListSelection::Remote,
                        ListSelection::RecursiveMatch,
                        ListSelection::SpecialUse,
                    ]),
                    0..3
                ),
                mailbox(),
                prop::collection::vec(pattern(), 0..3),
                prop::collection::vec(
                    prop_oneof![
                        Just(ListReturn::Subscribed),
                        Just(ListReturn::Children),
                        Just(ListReturn::SpecialUse),
                        status_attributes().prop_map(ListReturn::Status),
                    ],
                    0..3
                )
            )
                .prop_map(|(selection, reference, patterns, return_options)| {
                    B::ListExtended {
                        selection,
                        reference,
                        patterns,
                        return_options,
                    }
                })
                .boxed(),
            (
                any::<bool>(),
                prop::option::of(prop::collection::vec(notify_group(), 0..3))
            )
                .prop_map(|(status, groups)| B::Notify { status, groups })
                .boxed(),
            (
                mailbox(),
                any::<bool>(),
                prop::option::of(
                    (any::<u32>(), any::<u64>(), prop::option::of(set())).prop_map(
                        |(uid_validity, modseq, known_uids)| QResync {
                            uid_validity,
                            modseq,
                            known_uids,
                        }
                    )
                )
            )
                .prop_map(|(mailbox, read_only, qresync)| B::SelectModSeq {
                    mailbox,
                    read_only,
                    qresync,
                })
                .boxed(),
            (
                set(),
                fetch_attributes(),
                any::<bool>(),
                any::<u64>(),
                any::<bool>()
            )
                .prop_map(|(set, items, uid, changed_since, vanished)| {
                    B::FetchChangedSince {
                        set,
                        items,
                        uid,
                        changed_since,
                        vanished,
                    }
                })
                .boxed(),
        ]
    }

    /// The exhaustiveness guard: no wildcard arm, so a new variant of [`CommandBody`] does not
    /// compile until it is numbered here, and [`every_variant_is_generated`] then fails until
    /// [`command_body`] has an arm for it.
    fn variant(body: &CommandBody<'_>) -> usize {
        use CommandBody as B;
        match body {
            B::Capability => 0,
            B::Noop => 1,
            B::Logout => 2,
            B::Authenticate { .. } => 3,
            B::Login { .. } => 4,
            B::Enable(_) => 5,
            B::Select { .. } => 6,
            B::Examine { .. } => 7,
            B::List { .. } => 8,
            B::Status { .. } => 9,
            B::Close => 10,
            B::Unselect => 11,
            B::Expunge => 12,
            B::Fetch { .. } => 13,
            B::Idle => 14,
            B::Create { .. } => 15,
            B::Delete { .. } => 16,
            B::Rename { .. } => 17,
            B::Subscribe { .. } => 18,
            B::Unsubscribe { .. } => 19,
            B::Lsub { .. } => 20,
            B::Namespace => 21,
            B::Append { .. } => 22,
            B::Search { .. } => 23,
            B::Store { .. } => 24,
            B::Copy { .. } => 25,
            B::Move { .. } => 26,
            B::UidExpunge { .. } => 27,
            B::Id(_) => 28,
            B::CompressDeflate => 29,
            B::GetQuota { .. } => 30,
            B::GetQuotaRoot { .. } => 31,
            B::Sort { .. } => 32,
            B::Thread { .. } => 33,
            B::StartTls => 34,
            B::Check => 35,
            B::ListExtended { .. } => 36,
            B::Notify { .. } => 37,
            B::SelectModSeq { .. } => 38,
            B::FetchChangedSince { .. } => 39,
        }
    }
    const VARIANTS: usize = 40;

    /// The value decoding gives for `body`, where the wire form cannot tell two values apart
    /// (see the module documentation of `decode::command`): a LIST-EXTENDED that says no
    /// more than a plain LIST is one, empty search criteria are written as `ALL`, and
    /// `NOTIFY NONE` has no STATUS.
    fn canonical(body: CommandBody<'_>) -> CommandBody<'_> {
        use CommandBody as B;
        fn all(criteria: Vec<SearchKey<'_>>) -> Vec<SearchKey<'_>> {
            if criteria.is_empty() {
                vec![SearchKey::All]
            } else {
                criteria
            }
        }
        match body {
            B::ListExtended {
                selection,
                reference,
                mut patterns,
                return_options,
            } if selection.is_empty()
                && patterns.len() == 1
                && matches!(return_options.as_slice(), [] | [ListReturn::SpecialUse]) =>
            {
                B::List {
                    reference,
                    pattern: patterns.remove(0),
                    return_special_use: !return_options.is_empty(),
                }
            }
            B::Search {
                criteria,
                charset,
                esearch,
                uid,
            } => B::Search {
                criteria: all(criteria),
                charset,
                esearch,
                uid,
            },
            B::Sort {
                keys,
                charset,
                criteria,
                uid,
            } => B::Sort {
                keys,
                charset,
                criteria: all(criteria),
                uid,
            },
            B::Thread {
                algorithm,
                charset,
                criteria,
                uid,
            } => B::Thread {
                algorithm,
                charset,
                criteria: all(criteria),
                uid,
            },
            B::Notify { groups: None, .. } => B::Notify {
                status: false,
                groups: None,
            },
            other => other,
        }
    }

    fn options() -> impl Strategy<Value = EncodeOptions> {
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(literal_plus, literal_minus, sasl_ir, utf8)| EncodeOptions {
                literal_plus,
                literal_minus,
                sasl_ir,
                utf8,
            },
        )
    }

    fn command() -> impl Strategy<Value = Command<'static>> {
        (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Encode, join the parts, decode: the same command, nothing left over.
        #[test]
        fn commands_round_trip(command in command(), opts in options()) {
            let wire = encode(&command, opts).parts.concat();
            let (rest, decoded) = match decode_command(&wire, &Limits::default()) {
                Ok(ok) => ok,
                Err(e) => panic!("{e} in {:?} from {command:?}", String::from_utf8_lossy(&wire)),
            };
            prop_assert_eq!(rest, b"", "left over from {:?}", String::from_utf8_lossy(&wire));
            let expected = Command { tag: command.tag.clone(), body: canonical(command.body.clone()) };
            prop_assert_eq!(decoded, expected, "wire {:?}", String::from_utf8_lossy(&wire));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Every strict prefix of an encoded command is incomplete, never an error. The one
        /// exception is AUTHENTICATE without SASL-IR: its command line alone is a whole
        /// command (the server answers it with `+`), so from there on a prefix decodes
        /// to the command without its response.
        #[test]
        fn command_prefixes_are_incomplete(command in command(), opts in options()) {
            let parts = encode(&command, opts).parts;
            let wire = parts.concat();
            let split_auth = matches!(
                command.body,
                CommandBody::Authenticate { initial_response: Some(_), .. }
            ) && !opts.sasl_ir;
            for end in 0..wire.len() {
                match decode_command(&wire[..end], &Limits::default()) {
                    Err(DecodeError::Incomplete) => {}
                    Ok((rest, decoded)) if split_auth && end >= parts[0].len() => {
                        let alone = matches!(
                            decoded.body,
                            CommandBody::Authenticate { initial_response: None, .. }
                        );
                        prop_assert!(alone, "{decoded:?}");
                        prop_assert_eq!(rest, &wire[parts[0].len()..end]);
                    }
                    other => panic!(
                        "{other:?} for the first {end} bytes of {:?}",
                        String::from_utf8_lossy(&wire)
                    ),
                }
            }
        }
    }

    /// Bytes that look like commands: fragments of them spliced with arbitrary bytes.
    fn commandish() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop_oneof![
            Just(b"a1 ".to_vec()),
            Just(b"UID ".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"{3}\r\n".to_vec()),
            Just(b"~{2+}\r\n".to_vec()),
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"SEARCH NOT OR ".to_vec()),
            Just(b"FETCH 1:* (BODY.PEEK[".to_vec()),
            Just(b"STORE 1 (UNCHANGEDSINCE 5) +FLAGS ".to_vec()),
            Just(b"SELECT INBOX (QRESYNC (".to_vec()),
            Just(b"LIST (SUBSCRIBED) \"\" (".to_vec()),
            Just(b"NOTIFY SET (".to_vec()),
            Just(b"APPEND x (\\Seen) ".to_vec()),
            Just(b"AUTHENTICATE PLAIN\r\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
        ];
        prop::collection::vec(pieces, 0..30).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Nothing a client sends panics the command decoder, with default or tiny limits, and
        /// every decoded command consumes input.
        #[test]
        fn command_decoder_never_panics(input in commandish()) {
            let tiny = Limits { max_line: 48, max_literal: 4, max_depth: 2, max_list: 3, max_message: 64 };
            for limits in [Limits::default(), tiny] {
                let mut rest = input.as_slice();
                while !rest.is_empty() {
                    match decode_command(rest, &limits) {
                        Ok((after, _)) => {
                            prop_assert!(after.len() < rest.len());
                            rest = after;
                        }
                        Err(_) => {
                            rest = rest
                                .iter()
                                .position(|&b| b == b'\n')
                                .map_or(&[][..], |lf| &rest[lf + 1..]);
                        }
                    }
                }
            }
        }
    }

    /// The strategy reaches every variant (checked on values alone, which is cheap).
    #[test]
    fn every_variant_is_generated() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = command_body();
        let mut seen = [false; VARIANTS];
        for _ in 0..4000 {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            seen[variant(&body)] = true;
        }
        let missing: Vec<usize> = (0..VARIANTS).filter(|&k| !seen[k]).collect();
        assert!(missing.is_empty(), "variants never generated: {missing:?}");
    }
}
