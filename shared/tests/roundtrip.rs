//! Round trips: responses of every `Response`, `Data`, `Code`, `FetchItem`, `Capability` and
//! `StatusItem` variant, built from arbitrary typed values, are encoded with
//! `encode_response`, decoded by `ResponseDecoder` fed in arbitrary chunks, and must come back
//! equal (up to the few equivalences [`canonical`] names); commands of every `CommandBody`
//! variant, encoded by `encode` with arbitrary `EncodeOptions` and joined as the server reads
//! them, must come back equal from `decode_command` (up to the few equivalences
//! `commands::canonical` names), and every prefix of them must read as incomplete. The
//! `*_variant` functions are exhaustiveness guards: a new variant does not compile until it
//! is numbered there, and the `every_*_variant_is_generated` tests then fail until the
//! strategy has an arm for it. The response strategies are boxed: unboxed, their value
//! trees nest deep enough to overflow a test thread's stack in a debug build.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use petrel_imap::encode::encode_response;
use petrel_imap::types::capability::Capability;
use petrel_imap::types::core::{Atom, Mailbox, ObjectId, SequenceSet, Tag};
use petrel_imap::types::extensions::esearch::ESearch;
use petrel_imap::types::extensions::id::Id;
use petrel_imap::types::extensions::list_extended::{
    ListExtendedItem, TaggedExtComp, TaggedExtValue,
};
use petrel_imap::types::extensions::namespace::{NamespaceDescription, Namespaces};
use petrel_imap::types::extensions::quota::{Quota, QuotaResource, QuotaRoot};
use petrel_imap::types::extensions::thread::Thread;
use petrel_imap::types::fetch::{
    Address, AddressList, BodyKind, BodyParams, BodyStructure, DateTime, Envelope, FetchItem,
    FlagList, SinglePart,
};
use petrel_imap::types::flag::{Flag, FlagName, FlagPerm, ListAttribute};
use petrel_imap::types::response::{
    Code, Continue, Data, ListItem, Response, StatusItem, StatusKind, StatusResponse,
};
use petrel_imap::{Limits, ResponseDecoder};
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = Tag<'static>> {
    r"[A-Za-z0-9.:_!#$&',;<=>?@^`|~\[\]-]{1,8}".prop_map(|s| Tag::try_from(s).unwrap())
}

/// `resp-text`'s text. Never opening with `[`, which would read as a code; sometimes ending
/// as a literal announcement would (`done{4}`), which is text there.
fn text() -> impl Strategy<Value = Cow<'static, str>> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z0-9(][A-Za-z0-9 .,()\\[\\]ü-]{0,30}",
        "[A-Za-z0-9(][A-Za-z0-9 .,()ü-]{0,10}~?\\{[0-9]{1,3}[+-]?\\}"
    ]
    .prop_map(Cow::Owned)
}

/// Bytes of a string value: atoms, text that must be quoted, 8-bit, and CR, LF or NUL,
/// which must go in a literal; and the empty string.
fn bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        "[A-Za-z0-9.-]{1,8}".prop_map(String::into_bytes),
        Just(b"NIL".to_vec()),
        "[ -~]{0,12}".prop_map(String::into_bytes),
        "[a-zé€ \\\\\"\\]]{0,8}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..16),
    ]
    .boxed()
}

fn cow_bytes() -> BoxedStrategy<Cow<'static, [u8]>> {
    bytes().prop_map(Cow::Owned).boxed()
}

fn nstring() -> BoxedStrategy<Option<Cow<'static, [u8]>>> {
    prop::option::of(cow_bytes()).boxed()
}

/// `atom`: any ATOM-CHAR, including `[` and the other punctuation servers use.
fn atom() -> impl Strategy<Value = Atom<'static>> {
    r"[A-Za-z0-9!#$&'+,./:;<=>?@^_`|~\[-]{1,10}".prop_map(|s| Atom::try_from(s).unwrap())
}

/// An atom this crate knows no meaning for in any position: of the code, capability, data
/// and FETCH item names it knows, only Gmail's start with `X-`. No `[`, which would end a
/// FETCH item's name.
fn x_name() -> impl Strategy<Value = String> {
    r"X-[A-Za-z0-9!#$&'+,./:;<=>?@^_`|~-]{1,8}".prop_filter("a Gmail name", |s| {
        !s.to_ascii_uppercase().starts_with("X-GM-")
    })
}

fn x_atom() -> impl Strategy<Value = Atom<'static>> {
    x_name().prop_map(|s| Atom::try_from(s).unwrap())
}

fn object_id() -> impl Strategy<Value = ObjectId<'static>> {
    "[A-Za-z0-9_-]{1,24}".prop_map(|s| ObjectId::try_from(s.as_str()).unwrap().into_static())
}

fn mailbox() -> BoxedStrategy<Mailbox<'static>> {
    prop_oneof![
        Just(Mailbox::inbox()),
        "[A-Za-z0-9 /&.-]{1,12}".prop_map(|s| Mailbox::try_from(s).unwrap()),
        bytes().prop_filter_map("CR, LF or NUL", |b| Mailbox::new(b).ok()),
    ]
    .boxed()
}

fn set() -> impl Strategy<Value = SequenceSet> {
    let bound = prop_oneof![4 => (1u32..).prop_map(|n| n.to_string()), 1 => Just("*".to_string())];
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

/// A delimiter: any character a quoted string can hold.
fn delimiter() -> BoxedStrategy<Option<char>> {
    prop::option::of(prop_oneof![
        Just('/'),
        Just('.'),
        Just('\\'),
        Just('"'),
        Just('é'),
        prop::char::range(' ', '~'),
    ])
    .boxed()
}

/// Values kept unparsed (extension data, unknown items): atoms, numbers, `NIL`, quoted
/// strings, literals and parenthesised lists of them, as a server writes them.
fn raw_value() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        "[A-Za-z][A-Za-z0-9.-]{0,6}",
        "[0-9]{1,5}",
        Just("NIL".to_string()),
        "[ -!#-\\[\\]-~]{0,8}".prop_map(|s| format!("\"{s}\"")),
        Just("\"a \\\" \\\\ b\"".to_string()),
        "[ -~\r\n]{0,6}".prop_map(|s| format!("{{{}}}\r\n{s}", s.len())),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(|v| format!("({})", v.join(" ")))
    })
    .boxed()
}

/// One or more [`raw_value`]s, space-separated.
fn raw_values() -> BoxedStrategy<String> {
    prop::collection::vec(raw_value(), 1..4)
        .prop_map(|v| v.join(" "))
        .boxed()
}

/// Flag names, including `]`, `*` and `%`, which real servers put in keywords.
fn flag_name() -> impl Strategy<Value = FlagName<'static>> {
    "[A-Za-z$*][A-Za-z0-9_$.%*\\[\\]\\\\-]{0,8}".prop_map(|s| FlagName::try_from(s).unwrap())
}

fn flag() -> BoxedStrategy<Flag<'static>> {
    prop_oneof![
        Just(Flag::Seen),
        Just(Flag::Answered),
        Just(Flag::Flagged),
        Just(Flag::Deleted),
        Just(Flag::Draft),
        Just(Flag::Recent),
        flag_name().prop_map(Flag::Keyword),
        flag_name().prop_map(Flag::Extension),
        // `\*` alone is PERMANENTFLAGS' wildcard: see `canonical_code`.
        "[*][A-Za-z*]{0,3}".prop_map(|s| Flag::Extension(FlagName::try_from(s).unwrap())),
        // A system flag's name in another case: see `canonical_flag`.
        prop::sample::select(vec!["seen", "DRAFT", "recent", "Answered"])
            .prop_map(|s| Flag::Extension(FlagName::try_from(s).unwrap())),
    ]
    .boxed()
}

fn flag_perm() -> BoxedStrategy<FlagPerm<'static>> {
    prop_oneof![
        1 => Just(FlagPerm::Wildcard),
        4 => flag().prop_map(FlagPerm::Flag),
    ]
    .boxed()
}

fn list_attribute() -> BoxedStrategy<ListAttribute<'static>> {
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
        // Not a known attribute's name, which would read back as that attribute.
        "[XYZ$*%][A-Za-z0-9_$.%*\\[\\]\\\\-]{0,6}"
            .prop_map(|s| L::Other(FlagName::try_from(s).unwrap())),
    ]
    .boxed()
}

fn tagged_ext_comp() -> BoxedStrategy<TaggedExtComp<'static>> {
    let leaf = cow_bytes().prop_map(TaggedExtComp::String);
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(TaggedExtComp::List)
    })
    .boxed()
}

fn tagged_ext_value() -> BoxedStrategy<TaggedExtValue<'static>> {
    prop_oneof![
        any::<u64>().prop_map(TaggedExtValue::Number),
        // A single number among them: see `canonical_list_extended`.
        set().prop_map(TaggedExtValue::SequenceSet),
        prop::collection::vec(tagged_ext_comp(), 0..4).prop_map(TaggedExtValue::List),
    ]
    .boxed()
}

/// RFC 5258 extended data: the known items and RFC 4466 generic values; or data that
/// does not follow the grammar, which the wire can carry only alone (inside a list it
/// would be parsed with its neighbours).
fn list_extended() -> BoxedStrategy<Vec<ListExtendedItem<'static>>> {
    let item = prop_oneof![
        prop::collection::vec(cow_bytes(), 0..3).prop_map(ListExtendedItem::ChildInfo),
        mailbox().prop_map(ListExtendedItem::OldName),
        (
            prop_oneof![
                x_atom().prop_map(|a| a.as_str().as_bytes().to_vec()),
                bytes().prop_filter("a known tag", |t| {
                    !t.eq_ignore_ascii_case(b"CHILDINFO") && !t.eq_ignore_ascii_case(b"OLDNAME")
                }),
            ],
            tagged_ext_value()
        )
            .prop_map(|(tag, value)| ListExtendedItem::Other {
                tag: Cow::Owned(tag),
                value
            }),
    ];
    prop_oneof![
        4 => prop::collection::vec(item, 0..4),
        1 => "[A-Za-z\\]][ -z|}~]{0,10}"
            .prop_map(|s| vec![ListExtendedItem::Unparsed(Cow::Owned(s.into_bytes()))]),
    ]
    .boxed()
}

fn list_item() -> BoxedStrategy<ListItem<'static>> {
    (
        prop::collection::vec(list_attribute(), 0..4),
        delimiter(),
        mailbox(),
        list_extended(),
    )
        .prop_map(|(attributes, delimiter, mailbox, extended)| ListItem {
            attributes,
            delimiter,
            mailbox,
            extended,
        })
        .boxed()
}

/// One arm per variant of [`Capability`]; [`capability_variant`] keeps the list complete.
/// `Other` holds no name this crate knows (it would read back as that capability).
fn capability() -> BoxedStrategy<Capability<'static>> {
    use Capability as C;
    prop_oneof![
        prop::sample::select(vec![
            C::Imap4Rev1,
            C::Imap4Rev2,
            C::LoginDisabled,
            C::StartTls,
            C::Idle,
            C::LiteralPlus,
            C::LiteralMinus,
            C::SaslIr,
            C::Enable,
            C::Move,
            C::UidPlus,
            C::CondStore,
            C::QResync,
            C::SpecialUse,
            C::ListExtended,
            C::ListStatus,
            C::Namespace,
            C::Unselect,
            C::Id,
            C::Utf8Accept,
            C::CompressDeflate,
            C::Quota,
            C::Binary,
            C::ESearch,
            C::Sort,
            C::ObjectId,
            C::StatusSize,
            C::Notify,
            C::SaveDate,
            C::Preview,
            C::GmailExt1,
            C::CreateSpecialUse,
            C::Children,
            C::QuotaSet,
            C::SortDisplay,
            C::ESort,
            C::SearchRes,
            C::Utf8Only,
        ]),
        atom().prop_map(C::Auth),
        atom().prop_map(C::Thread),
        atom().prop_map(C::QuotaResource),
        prop::option::of(any::<u32>()).prop_map(C::AppendLimit),
        x_atom().prop_map(C::Other),
    ]
    .boxed()
}

fn capability_variant(c: &Capability<'_>) -> usize {
    use Capability as C;
    match c {
        C::Imap4Rev1 => 0,
        C::Imap4Rev2 => 1,
        C::Auth(_) => 2,
        C::LoginDisabled => 3,
        C::StartTls => 4,
        C::Idle => 5,
        C::LiteralPlus => 6,
        C::LiteralMinus => 7,
        C::SaslIr => 8,
        C::Enable => 9,
        C::Move => 10,
        C::UidPlus => 11,
        C::CondStore => 12,
        C::QResync => 13,
        C::SpecialUse => 14,
        C::ListExtended => 15,
        C::ListStatus => 16,
        C::Namespace => 17,
        C::Unselect => 18,
        C::Id => 19,
        C::Utf8Accept => 20,
        C::CompressDeflate => 21,
        C::Quota => 22,
        C::Binary => 23,
        C::ESearch => 24,
        C::Sort => 25,
        C::ObjectId => 26,
        C::StatusSize => 27,
        C::Notify => 28,
        C::SaveDate => 29,
        C::Preview => 30,
        C::GmailExt1 => 31,
        C::CreateSpecialUse => 32,
        C::Children => 33,
        C::Thread(_) => 34,
        C::QuotaResource(_) => 35,
        C::QuotaSet => 36,
        C::SortDisplay => 37,
        C::ESort => 38,
        C::SearchRes => 39,
        C::Utf8Only => 40,
        C::AppendLimit(None) => 41,
        C::AppendLimit(Some(_)) => 42,
        C::Other(_) => 43,
    }
}
const CAPABILITY_VARIANTS: usize = 44;

/// One arm per variant of [`Code`]; [`code_variant`] keeps the list complete.
fn code() -> BoxedStrategy<Code<'static>> {
    prop_oneof![
        prop::sample::select(vec![
            Code::Alert,
            Code::Parse,
            Code::ReadOnly,
            Code::ReadWrite,
            Code::TryCreate,
            Code::UidNotSticky,
            Code::NoModSeq,
            Code::Closed,
            Code::Unavailable,
            Code::AuthenticationFailed,
            Code::AuthorizationFailed,
            Code::Expired,
            Code::PrivacyRequired,
            Code::ContactAdmin,
            Code::NoPerm,
            Code::InUse,
            Code::ExpungeIssued,
            Code::Corruption,
            Code::ServerBug,
            Code::ClientBug,
            Code::CannotNot,
            Code::Limit,
            Code::OverQuota,
            Code::AlreadyExists,
            Code::NonExistent,
            Code::NotificationOverflow,
            Code::NotSaved,
            Code::HasChildren,
            Code::UnknownCte,
            Code::UseAttr,
            Code::CompressionActive,
            Code::TooBig,
        ])
        .boxed(),
        prop::collection::vec(
            prop_oneof![Just(b"UTF-8".to_vec()), Just(b"US-ASCII".to_vec()), bytes()]
                .prop_map(Cow::Owned),
            0..3
        )
        .prop_map(Code::BadCharset)
        .boxed(),
        prop::collection::vec(capability(), 0..5)
            .prop_map(Code::Capability)
            .boxed(),
        prop::collection::vec(flag_perm(), 0..5)
            .prop_map(Code::PermanentFlags)
            .boxed(),
        any::<u32>().prop_map(Code::UidNext).boxed(),
        any::<u32>().prop_map(Code::UidValidity).boxed(),
        any::<u32>().prop_map(Code::Unseen).boxed(),
        (any::<u32>(), set())
            .prop_map(|(uid_validity, uids)| Code::AppendUid { uid_validity, uids })
            .boxed(),
        (any::<u32>(), set(), set())
            .prop_map(|(uid_validity, source, destination)| Code::CopyUid {
                uid_validity,
                source,
                destination
            })
            .boxed(),
        any::<u64>().prop_map(Code::HighestModSeq).boxed(),
        set().prop_map(Code::Modified).boxed(),
        object_id().prop_map(Code::MailboxId).boxed(),
        prop::collection::vec(atom(), 0..3)
            .prop_map(Code::BadEvent)
            .boxed(),
        (
            x_atom(),
            // Anything up to the `]` that ends the code; an empty value reads as none.
            prop::option::of("[!-\\\\^-~\u{80}-\u{ff}][ -\\\\^-~]{0,10}|")
        )
            .prop_map(|(name, data)| Code::Other {
                name,
                data: data.map(|d| Cow::Owned(d.into_bytes()))
            })
            .boxed(),
    ]
    .boxed()
}

fn code_variant(c: &Code<'_>) -> usize {
    match c {
        Code::Alert => 0,
        Code::BadCharset(_) => 1,
        Code::Capability(_) => 2,
        Code::Parse => 3,
        Code::PermanentFlags(_) => 4,
        Code::ReadOnly => 5,
        Code::ReadWrite => 6,
        Code::TryCreate => 7,
        Code::UidNext(_) => 8,
        Code::UidValidity(_) => 9,
        Code::Unseen(_) => 10,
        Code::AppendUid { .. } => 11,
        Code::CopyUid { .. } => 12,
        Code::UidNotSticky => 13,
        Code::HighestModSeq(_) => 14,
        Code::NoModSeq => 15,
        Code::Modified(_) => 16,
        Code::Closed => 17,
        Code::Unavailable => 18,
        Code::AuthenticationFailed => 19,
        Code::AuthorizationFailed => 20,
        Code::Expired => 21,
        Code::PrivacyRequired => 22,
        Code::ContactAdmin => 23,
        Code::NoPerm => 24,
        Code::InUse => 25,
        Code::ExpungeIssued => 26,
        Code::Corruption => 27,
        Code::ServerBug => 28,
        Code::ClientBug => 29,
        Code::CannotNot => 30,
        Code::Limit => 31,
        Code::OverQuota => 32,
        Code::AlreadyExists => 33,
        Code::NonExistent => 34,
        Code::MailboxId(_) => 35,
        Code::NotificationOverflow => 36,
        Code::BadEvent(_) => 37,
        Code::NotSaved => 38,
        Code::HasChildren => 39,
        Code::UnknownCte => 40,
        Code::UseAttr => 41,
        Code::CompressionActive => 42,
        Code::TooBig => 43,
        Code::Other { .. } => 44,
    }
}
const CODE_VARIANTS: usize = 45;

/// An address, or the start or end of an RFC 5322 group (RFC 9051 §7.5.2: host `NIL`,
/// the group's name in the mailbox; then all four `NIL`).
fn address() -> BoxedStrategy<Address<'static>> {
    prop_oneof![
        3 => (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| {
            Address {
                name,
                adl,
                mailbox,
                host,
            }
        }),
        1 => cow_bytes().prop_map(|group| Address {
            name: None,
            adl: None,
            mailbox: Some(group),
            host: None,
        }),
        1 => Just(Address {
            name: None,
            adl: None,
            mailbox: None,
            host: None,
        }),
    ]
    .boxed()
}

fn address_list() -> BoxedStrategy<AddressList<'static>> {
    prop::collection::vec(address(), 0..3)
        .prop_map(|a| AddressList::from_addresses(&a))
        .boxed()
}

fn envelope() -> BoxedStrategy<Envelope<'static>> {
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
        .boxed()
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

/// Every date-time a response can carry: any year, day 31 of any month, leap seconds and
/// zones up to ±99:59.
fn response_date_time() -> BoxedStrategy<DateTime> {
    (
        any::<u16>(),
        1u8..=12,
        1u8..=31,
        0u8..24,
        0u8..60,
        0u8..=60,
        -5999i16..=5999,
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
        .boxed()
}

/// A body structure as a tree, flattened into [`BodyStructure::from_preorder`]'s nodes.
#[derive(Debug, Clone)]
enum Part {
    Single(SinglePart<'static>),
    /// A message/rfc822 part and the encapsulated message's body.
    Message(SinglePart<'static>, Box<Part>),
    Multi {
        subtype: Cow<'static, [u8]>,
        extension: Cow<'static, [u8]>,
        parts: Vec<Part>,
    },
}

impl Part {
    fn flatten(self, out: &mut Vec<(BodyKind<'static>, u32)>) {
        let me = out.len();
        match self {
            Part::Single(p) => out.push((BodyKind::Single(p), 0)),
            Part::Message(p, child) => {
                out.push((BodyKind::Single(p), 0));
                child.flatten(out);
            }
            Part::Multi {
                subtype,
                extension,
                parts,
            } => {
                out.push((BodyKind::Multipart { subtype, extension }, 0));
                for p in parts {
                    p.flatten(out);
                }
            }
        }
        out[me].1 = u32::try_from(out.len() - me - 1).unwrap();
    }
}

fn body_params() -> BoxedStrategy<BodyParams<'static>> {
    prop::collection::vec(
        prop_oneof![
            Just((b"CHARSET".to_vec(), b"utf-8".to_vec())),
            Just((b"NAME".to_vec(), b"a b.pdf".to_vec())),
            (bytes(), bytes()),
        ],
        0..3,
    )
    .prop_map(|pairs| {
        let pairs: Vec<_> = pairs
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
            .collect();
        BodyParams::from_pairs(&pairs)
    })
    .boxed()
}

/// `body-ext-1part` as a server sends it (MD5, disposition, language, location, more),
/// never opening with a number, which would read as a text part's line count.
fn single_extension() -> BoxedStrategy<Cow<'static, [u8]>> {
    prop_oneof![
        Just(String::new()),
        Just("NIL".to_string()),
        Just("\"Q2hlY2sgSW50ZWdyaXR5IQ==\"".to_string()),
        Just("NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL".to_string()),
        Just("NIL (\"inline\" NIL) (\"en\" \"de\") \"http://x/y\" 1 (2 \"x\")".to_string()),
        (raw_value(), prop::option::of(raw_values())).prop_filter_map(
            "opens with a number",
            |(first, more)| {
                (!first.starts_with(|c: char| c.is_ascii_digit()))
                    .then(|| more.map_or(first.clone(), |m| format!("{first} {m}")))
            }
        ),
    ]
    .prop_map(|s| Cow::Owned(s.into_bytes()))
    .boxed()
}

/// `body-ext-mpart` (parameters, disposition, language, location, more).
fn multi_extension() -> BoxedStrategy<Cow<'static, [u8]>> {
    prop_oneof![
        Just(String::new()),
        Just("(\"BOUNDARY\" \"b1\") NIL NIL NIL".to_string()),
        Just("NIL (\"inline\" NIL) \"en\"".to_string()),
        raw_values(),
    ]
    .prop_map(|s| Cow::Owned(s.into_bytes()))
    .boxed()
}

/// The fields every single part has: media type, subtype, parameters, id, description,
/// encoding and size.
type Fields = (
    Cow<'static, [u8]>,
    BodyParams<'static>,
    Option<Cow<'static, [u8]>>,
    Option<Cow<'static, [u8]>>,
    Cow<'static, [u8]>,
    u32,
);

fn fields() -> BoxedStrategy<Fields> {
    (
        cow_bytes(),
        body_params(),
        nstring(),
        nstring(),
        prop_oneof![Just(b"7BIT".to_vec()), Just(b"base64".to_vec()), bytes()].prop_map(Cow::Owned),
        any::<u32>(),
    )
        .boxed()
}

fn single_part(
    media_type: &[u8],
    (subtype, params, id, description, encoding, size): Fields,
    lines: Option<u32>,
    envelope: Option<Envelope<'static>>,
    extension: Cow<'static, [u8]>,
) -> SinglePart<'static> {
    SinglePart {
        media_type: Cow::Owned(media_type.to_vec()),
        subtype,
        params,
        id,
        description,
        encoding,
        size,
        lines,
        envelope: envelope.map(Box::new),
        extension,
    }
}

/// Body structures whose shape the wire can carry: a text part's line count is read only
/// for `text/*`, an envelope, child and line count only for message/rfc822 (and then all
/// three are there); any other media type (not `text` or `message`) has neither.
fn body_structure() -> BoxedStrategy<BodyStructure<'static>> {
    let text = (
        prop::sample::select(vec![&b"text"[..], b"TEXT", b"Text"]),
        fields(),
        prop::option::of(any::<u32>()),
        single_extension(),
    )
        .prop_map(|(t, f, lines, ext)| Part::Single(single_part(t, f, lines, None, ext)));
    let basic = (
        prop_oneof![
            prop::sample::select(vec![&b"application"[..], b"IMAGE", b"audio", b"video"])
                .prop_map(<[u8]>::to_vec),
            bytes().prop_filter("text or message", |t| {
                !t.eq_ignore_ascii_case(b"text") && !t.eq_ignore_ascii_case(b"message")
            }),
        ],
        fields(),
        single_extension(),
    )
        .prop_map(|(t, f, ext)| Part::Single(single_part(&t, f, None, None, ext)));
    let leaf = prop_oneof![text, basic];
    leaf.prop_recursive(4, 16, 4, |inner| {
        prop_oneof![
            (
                prop::collection::vec(inner.clone(), 0..4),
                cow_bytes(),
                multi_extension()
            )
                .prop_map(|(parts, subtype, extension)| Part::Multi {
                    subtype,
                    extension,
                    parts
                }),
            (
                prop::sample::select(vec![&b"message"[..], b"MESSAGE"]),
                prop::sample::select(vec![&b"rfc822"[..], b"RFC822", b"global"]),
                fields(),
                envelope(),
                inner,
                any::<u32>(),
                single_extension()
            )
                .prop_map(|(t, sub, mut f, env, child, lines, ext)| {
                    f.0 = Cow::Owned(sub.to_vec());
                    Part::Message(
                        single_part(t, f, Some(lines), Some(env), ext),
                        Box::new(child),
                    )
                }),
        ]
    })
    .prop_map(|part| {
        let mut nodes = Vec::new();
        part.flatten(&mut nodes);
        BodyStructure::from_preorder(nodes).unwrap()
    })
    .boxed()
}

/// A section as sent between the brackets: never `]`, which ends it, nor a line break.
fn section() -> BoxedStrategy<Cow<'static, [u8]>> {
    prop_oneof![
        Just("".to_string()),
        Just("1.TEXT".to_string()),
        Just("HEADER.FIELDS (SUBJECT FROM)".to_string()),
        Just("2.3.MIME".to_string()),
        "[ -\\\\^-~]{0,12}",
    ]
    .prop_map(|s| Cow::Owned(s.into_bytes()))
    .boxed()
}

/// One arm per variant of [`FetchItem`]; [`fetch_item_variant`] keeps the list complete.
fn fetch_item() -> BoxedStrategy<FetchItem<'static>> {
    prop_oneof![
        any::<u32>().prop_map(FetchItem::Uid).boxed(),
        prop_oneof![
            4 => prop::collection::vec(flag(), 0..4).prop_map(|f| FlagList::from_flags(&f)),
            // Read back as `()`: see `canonical_fetch_item`.
            1 => Just(FlagList::default()),
        ]
        .prop_map(FetchItem::Flags)
        .boxed(),
        envelope()
            .prop_map(|e| FetchItem::Envelope(Box::new(e)))
            .boxed(),
        any::<u32>().prop_map(FetchItem::Rfc822Size).boxed(),
        response_date_time()
            .prop_map(FetchItem::InternalDate)
            .boxed(),
        body_structure().prop_map(FetchItem::BodyStructure).boxed(),
        body_structure().prop_map(FetchItem::Body).boxed(),
        (
            any::<bool>(),
            section(),
            prop::option::of(any::<u32>()),
            nstring()
        )
            .prop_map(|(binary, section, origin, data)| FetchItem::BodySection {
                binary,
                section,
                origin,
                data,
            })
            .boxed(),
        (section(), any::<u32>())
            .prop_map(|(section, size)| FetchItem::BinarySize { section, size })
            .boxed(),
        nstring().prop_map(FetchItem::Rfc822).boxed(),
        nstring().prop_map(FetchItem::Rfc822Header).boxed(),
        nstring().prop_map(FetchItem::Rfc822Text).boxed(),
        any::<u64>().prop_map(FetchItem::ModSeq).boxed(),
        object_id().prop_map(FetchItem::EmailId).boxed(),
        prop::option::of(prop_oneof![
            4 => object_id(),
            // Read back as none: see `canonical_fetch_item`.
            1 => Just(ObjectId::try_from("nil").unwrap()),
        ])
        .prop_map(FetchItem::ThreadId)
        .boxed(),
        prop::option::of(response_date_time())
            .prop_map(FetchItem::SaveDate)
            .boxed(),
        nstring().prop_map(FetchItem::Preview).boxed(),
        any::<u64>().prop_map(FetchItem::GmailMessageId).boxed(),
        any::<u64>().prop_map(FetchItem::GmailThreadId).boxed(),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec![&b"\\Inbox"[..], b"\\Important", b"\\Sent"])
                    .prop_map(<[u8]>::to_vec),
                bytes(),
                bytes().prop_map(|b| [&b"\\"[..], &b].concat()),
            ]
            .prop_map(Cow::Owned),
            0..4
        )
        .prop_map(FetchItem::GmailLabels)
        .boxed(),
        (
            x_name(),
            prop_oneof![
                raw_value(),
                (section(), prop::option::of(any::<u32>()), raw_value()).prop_map(
                    |(section, origin, value)| {
                        let origin = origin.map_or(String::new(), |o| format!("<{o}>"));
                        format!("[{}]{origin} {value}", String::from_utf8_lossy(&section))
                    }
                ),
            ]
        )
            .prop_map(|(name, value)| FetchItem::Other {
                name: Atom::try_from(name).unwrap(),
                value: Cow::Owned(value.into_bytes()),
            })
            .boxed(),
    ]
    .boxed()
}

fn fetch_item_variant(item: &FetchItem<'_>) -> usize {
    use FetchItem as F;
    match item {
        F::Uid(_) => 0,
        F::Flags(_) => 1,
        F::Envelope(_) => 2,
        F::Rfc822Size(_) => 3,
        F::InternalDate(_) => 4,
        F::BodyStructure(_) => 5,
        F::Body(_) => 6,
        F::BodySection { binary: false, .. } => 7,
        F::BodySection { binary: true, .. } => 8,
        F::BinarySize { .. } => 9,
        F::Rfc822(_) => 10,
        F::Rfc822Header(_) => 11,
        F::Rfc822Text(_) => 12,
        F::ModSeq(_) => 13,
        F::EmailId(_) => 14,
        F::ThreadId(_) => 15,
        F::SaveDate(_) => 16,
        F::Preview(_) => 17,
        F::GmailMessageId(_) => 18,
        F::GmailThreadId(_) => 19,
        F::GmailLabels(_) => 20,
        F::Other { .. } => 21,
    }
}
const FETCH_ITEM_VARIANTS: usize = 22;

fn status_item() -> BoxedStrategy<StatusItem<'static>> {
    use StatusItem as S;
    prop_oneof![
        any::<u32>().prop_map(S::Messages),
        any::<u32>().prop_map(S::Recent),
        any::<u32>().prop_map(S::UidNext),
        any::<u32>().prop_map(S::UidValidity),
        any::<u32>().prop_map(S::Unseen),
        any::<u32>().prop_map(S::Deleted),
        any::<u64>().prop_map(S::Size),
        any::<u64>().prop_map(S::HighestModSeq),
        object_id().prop_map(S::MailboxId),
        prop::option::of(any::<u32>()).prop_map(S::AppendLimit),
    ]
    .boxed()
}

fn status_item_variant(item: &StatusItem<'_>) -> usize {
    use StatusItem as S;
    match item {
        S::Messages(_) => 0,
        S::Recent(_) => 1,
        S::UidNext(_) => 2,
        S::UidValidity(_) => 3,
        S::Unseen(_) => 4,
        S::Deleted(_) => 5,
        S::Size(_) => 6,
        S::HighestModSeq(_) => 7,
        S::MailboxId(_) => 8,
        S::AppendLimit(_) => 9,
    }
}
const STATUS_ITEM_VARIANTS: usize = 10;

fn thread() -> BoxedStrategy<Thread> {
    let leaf = prop::collection::vec(any::<u32>(), 0..4).prop_map(|messages| Thread {
        messages,
        children: Vec::new(),
    });
    leaf.prop_recursive(4, 16, 3, |inner| {
        (
            prop::collection::vec(any::<u32>(), 0..3),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(messages, children)| Thread { messages, children })
    })
    .boxed()
}

fn esearch() -> BoxedStrategy<ESearch<'static>> {
    (
        (
            nstring(),
            any::<bool>(),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
        ),
        (
            prop::option::of(any::<u32>()),
            prop::option::of(set()),
            prop::option::of(any::<u64>()),
            prop::collection::vec(
                (
                    x_atom(),
                    raw_value().prop_map(|v| Cow::Owned(v.into_bytes())),
                ),
                0..3,
            ),
        ),
    )
        .prop_map(
            |((tag, uid, min, max), (count, all, modseq, other))| ESearch {
                tag,
                uid,
                min,
                max,
                count,
                all,
                modseq,
                other,
            },
        )
        .boxed()
}

fn namespaces() -> BoxedStrategy<Namespaces<'static>> {
    let description = (
        cow_bytes(),
        delimiter(),
        prop_oneof![
            Just(String::new()),
            Just("\"X-PARAM\" (\"FLAG1\" \"FLAG2\")".to_string()),
            raw_values(),
        ],
    )
        .prop_map(|(prefix, delimiter, ext)| NamespaceDescription {
            prefix,
            delimiter,
            extensions: Cow::Owned(ext.into_bytes()),
        });
    let list = prop::collection::vec(description, 0..3).boxed();
    (list.clone(), list.clone(), list)
        .prop_map(|(personal, other, shared)| Namespaces {
            personal,
            other,
            shared,
        })
        .boxed()
}

/// One arm per variant of [`Data`]; [`data_variant`] keeps the list complete.
fn data() -> BoxedStrategy<Data<'static>> {
    let numbers = || {
        (
            prop::collection::vec(any::<u32>(), 0..20),
            prop::option::of(any::<u64>()),
        )
    };
    prop_oneof![
        prop::collection::vec(capability(), 0..6)
            .prop_map(Data::Capability)
            .boxed(),
        prop::collection::vec(capability(), 0..6)
            .prop_map(Data::Enabled)
            .boxed(),
        list_item().prop_map(Data::List).boxed(),
        list_item().prop_map(Data::Lsub).boxed(),
        prop::collection::vec(flag(), 0..6)
            .prop_map(Data::Flags)
            .boxed(),
        any::<u32>().prop_map(Data::Exists).boxed(),
        any::<u32>().prop_map(Data::Recent).boxed(),
        any::<u32>().prop_map(Data::Expunge).boxed(),
        numbers()
            .prop_map(|(numbers, modseq)| Data::Search { numbers, modseq })
            .boxed(),
        numbers()
            .prop_map(|(numbers, modseq)| Data::Sort { numbers, modseq })
            .boxed(),
        prop::collection::vec(thread(), 0..4)
            .prop_map(Data::Thread)
            .boxed(),
        esearch().prop_map(Data::ESearch).boxed(),
        (mailbox(), prop::collection::vec(status_item(), 0..5))
            .prop_map(|(mailbox, items)| Data::Status { mailbox, items })
            .boxed(),
        namespaces().prop_map(Data::Namespace).boxed(),
        (
            cow_bytes(),
            prop::collection::vec(
                (atom(), any::<u64>(), any::<u64>())
                    .prop_map(|(name, usage, limit)| { QuotaResource { name, usage, limit } }),
                0..3
            )
        )
            .prop_map(|(root, resources)| Data::Quota(Quota { root, resources }))
            .boxed(),
        (mailbox(), prop::collection::vec(cow_bytes(), 0..3))
            .prop_map(|(mailbox, roots)| Data::QuotaRoot(QuotaRoot { mailbox, roots }))
            .boxed(),
        prop::option::of(prop::collection::vec((cow_bytes(), nstring()), 0..4))
            .prop_map(|fields| Data::Id(Id(fields)))
            .boxed(),
        (any::<bool>(), set())
            .prop_map(|(earlier, uids)| Data::Vanished { earlier, uids })
            .boxed(),
        (any::<u32>(), prop::collection::vec(fetch_item(), 0..6))
            .prop_map(|(seq, items)| Data::Fetch { seq, items })
            .boxed(),
        (
            x_atom(),
            prop_oneof![Just(String::new()), "[!-z|}~][ -z|}~]{0,20}"]
        )
            .prop_map(|(name, rest)| Data::Other {
                name,
                rest: Cow::Owned(rest.into_bytes())
            })
            .boxed(),
    ]
    .boxed()
}

fn data_variant(d: &Data<'_>) -> usize {
    match d {
        Data::Capability(_) => 0,
        Data::Enabled(_) => 1,
        Data::List(_) => 2,
        Data::Lsub(_) => 3,
        Data::Flags(_) => 4,
        Data::Exists(_) => 5,
        Data::Recent(_) => 6,
        Data::Expunge(_) => 7,
        Data::Search { .. } => 8,
        Data::Sort { .. } => 9,
        Data::Thread(_) => 10,
        Data::ESearch(_) => 11,
        Data::Status { .. } => 12,
        Data::Namespace(_) => 13,
        Data::Quota(_) => 14,
        Data::QuotaRoot(_) => 15,
        Data::Id(_) => 16,
        Data::Vanished { .. } => 17,
        Data::Fetch { .. } => 18,
        Data::Other { .. } => 19,
    }
}
const DATA_VARIANTS: usize = 20;

fn status_kind() -> impl Strategy<Value = StatusKind> {
    prop::sample::select(vec![
        StatusKind::Ok,
        StatusKind::No,
        StatusKind::Bad,
        StatusKind::Bye,
        StatusKind::PreAuth,
    ])
}

/// One arm per variant of [`Response`]; [`response_variant`] keeps the list complete.
fn response() -> BoxedStrategy<Response<'static>> {
    prop_oneof![
        1 => (
            prop::option::of(tag()),
            status_kind(),
            prop::option::of(code()),
            text()
        )
            .prop_map(|(tag, kind, code, text)| Response::Status(StatusResponse {
                tag,
                kind,
                code,
                text
            })),
        1 => (prop::option::of(code()), text())
            .prop_map(|(code, text)| Response::Continue(Continue { code, text })),
        2 => data().prop_map(Response::Data),
    ]
    .boxed()
}

/// Each status kind, tagged and untagged, counts as a variant of its own.
fn response_variant(r: &Response<'_>) -> usize {
    match r {
        Response::Continue(_) => 0,
        Response::Data(_) => 1,
        Response::Status(s) => {
            let kind = match s.kind {
                StatusKind::Ok => 0,
                StatusKind::No => 1,
                StatusKind::Bad => 2,
                StatusKind::PreAuth => 3,
                StatusKind::Bye => 4,
            };
            2 + kind * 2 + usize::from(s.tag.is_some())
        }
    }
}
const RESPONSE_VARIANTS: usize = 12;

fn list_extended_variant(item: &ListExtendedItem<'_>) -> usize {
    match item {
        ListExtendedItem::ChildInfo(_) => 0,
        ListExtendedItem::OldName(_) => 1,
        ListExtendedItem::Other { value, .. } => match value {
            TaggedExtValue::Number(_) => 2,
            TaggedExtValue::SequenceSet(_) => 3,
            TaggedExtValue::List(_) => 4,
        },
        ListExtendedItem::Unparsed(_) => 5,
    }
}
const LIST_EXTENDED_VARIANTS: usize = 6;

/// The value decoding gives for a flag: a flag extension named like a system flag (in any
/// case) is that flag, since the wire form is the same (`\Seen`).
fn canonical_flag(f: Flag<'_>) -> Flag<'_> {
    match f {
        Flag::Extension(name) => match name.as_str().to_ascii_lowercase().as_str() {
            "seen" => Flag::Seen,
            "answered" => Flag::Answered,
            "flagged" => Flag::Flagged,
            "deleted" => Flag::Deleted,
            "draft" => Flag::Draft,
            "recent" => Flag::Recent,
            _ => Flag::Extension(name),
        },
        other => other,
    }
}

/// The value decoding gives for a code: flags as [`canonical_flag`] says, and in
/// PERMANENTFLAGS a flag extension named `*` is the wildcard (both are `\*`); an unknown
/// code's empty data is none (both are `[X-FOO]`, or `[X-FOO ]`).
fn canonical_code(c: Code<'_>) -> Code<'_> {
    match c {
        Code::PermanentFlags(flags) => Code::PermanentFlags(
            flags
                .into_iter()
                .map(|f| match f {
                    FlagPerm::Flag(Flag::Extension(n)) if n.as_str() == "*" => FlagPerm::Wildcard,
                    FlagPerm::Flag(f) => FlagPerm::Flag(canonical_flag(f)),
                    FlagPerm::Wildcard => FlagPerm::Wildcard,
                })
                .collect(),
        ),
        Code::Other { name, data } => Code::Other {
            name,
            data: data.filter(|d| !d.is_empty()),
        },
        other => other,
    }
}

/// A generic LIST-EXTENDED value that is a sequence set of one number reads back as a
/// number: RFC 4466's `tagged-ext-simple` cannot tell them apart.
fn canonical_list_extended(item: ListExtendedItem<'_>) -> ListExtendedItem<'_> {
    match item {
        ListExtendedItem::Other {
            tag,
            value: TaggedExtValue::SequenceSet(set),
        } => {
            let value = match set.to_string().parse() {
                Ok(n) => TaggedExtValue::Number(n),
                Err(_) => TaggedExtValue::SequenceSet(set),
            };
            ListExtendedItem::Other { tag, value }
        }
        other => other,
    }
}

/// `THREADID (NIL)` reads as no thread (the form Cyrus sends; see
/// `decode::extensions::objectid`), so a thread id spelled `NIL` is none. A default flag
/// list, which has no wire text, is written and read back as `()`.
fn canonical_fetch_item(item: FetchItem<'_>) -> FetchItem<'_> {
    match item {
        FetchItem::Flags(f) if f.as_bytes().is_empty() => {
            FetchItem::Flags(FlagList::from_flags(&[]))
        }
        FetchItem::ThreadId(Some(id)) if id.as_str().eq_ignore_ascii_case("NIL") => {
            FetchItem::ThreadId(None)
        }
        other => other,
    }
}

fn canonical_list_item(l: ListItem<'_>) -> ListItem<'_> {
    ListItem {
        extended: l
            .extended
            .into_iter()
            .map(canonical_list_extended)
            .collect(),
        ..l
    }
}

/// The value decoding gives for `r`, where the wire form cannot tell two values apart (each
/// case is named on the function it calls).
fn canonical(r: Response<'_>) -> Response<'_> {
    match r {
        Response::Status(s) => Response::Status(StatusResponse {
            code: s.code.map(canonical_code),
            ..s
        }),
        Response::Continue(c) => Response::Continue(Continue {
            code: c.code.map(canonical_code),
            ..c
        }),
        Response::Data(Data::Flags(flags)) => {
            Response::Data(Data::Flags(flags.into_iter().map(canonical_flag).collect()))
        }
        Response::Data(Data::List(l)) => Response::Data(Data::List(canonical_list_item(l))),
        Response::Data(Data::Lsub(l)) => Response::Data(Data::Lsub(canonical_list_item(l))),
        Response::Data(Data::Fetch { seq, items }) => Response::Data(Data::Fetch {
            seq,
            items: items.into_iter().map(canonical_fetch_item).collect(),
        }),
        other => other,
    }
}

fn decode_all(wire: &[u8], chunk: usize) -> (Vec<Response<'static>>, usize) {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut decoded = Vec::new();
    for c in wire.chunks(chunk) {
        decoder.feed(c);
        while let Some(r) = decoder.next() {
            match r {
                Ok(r) => decoded.push(r.into_static()),
                Err(e) => panic!("{e} in {:?}", String::from_utf8_lossy(wire)),
            }
        }
    }
    (decoded, decoder.buffered())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Encode, feed in chunks, decode: the same responses, nothing left over.
    #[test]
    fn responses_round_trip(responses in prop::collection::vec(response(), 1..5), chunk in 1usize..64) {
        let wire: Vec<u8> = responses.iter().flat_map(encode_response).collect();
        let (decoded, buffered) = decode_all(&wire, chunk);
        prop_assert_eq!(buffered, 0);
        let expected: Vec<_> = responses.into_iter().map(canonical).collect();
        prop_assert_eq!(decoded, expected, "wire {:?}", String::from_utf8_lossy(&wire));
    }

    /// The same for FETCH responses alone, where most of the shapes are.
    #[test]
    fn fetch_responses_round_trip(
        seq in any::<u32>(),
        items in prop::collection::vec(fetch_item(), 1..8),
        chunk in 1usize..256,
    ) {
        let response = Response::Data(Data::Fetch { seq, items });
        let wire = encode_response(&response);
        let (decoded, buffered) = decode_all(&wire, chunk);
        prop_assert_eq!(buffered, 0);
        prop_assert_eq!(decoded, vec![canonical(response)], "wire {:?}", String::from_utf8_lossy(&wire));
    }
}

/// The strategies reach every variant (checked on values alone, which is cheap).
#[test]
fn every_response_variant_is_generated() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    fn check<T>(
        what: &str,
        strategy: impl Strategy<Value = T>,
        count: usize,
        variants: impl Fn(&T) -> Vec<usize>,
    ) {
        let mut runner = TestRunner::deterministic();
        let mut seen = vec![false; count];
        for _ in 0..3000 {
            for k in variants(&strategy.new_tree(&mut runner).unwrap().current()) {
                seen[k] = true;
            }
        }
        let missing: Vec<usize> = (0..count).filter(|&k| !seen[k]).collect();
        assert!(
            missing.is_empty(),
            "{what} variants never generated: {missing:?}"
        );
    }
    check("Response", response(), RESPONSE_VARIANTS, |r| {
        vec![response_variant(r)]
    });
    check("Data", data(), DATA_VARIANTS, |d| vec![data_variant(d)]);
    check("Code", code(), CODE_VARIANTS, |c| vec![code_variant(c)]);
    check("FetchItem", fetch_item(), FETCH_ITEM_VARIANTS, |f| {
        vec![fetch_item_variant(f)]
    });
    check("Capability", capability(), CAPABILITY_VARIANTS, |c| {
        vec![capability_variant(c)]
    });
    check("StatusItem", status_item(), STATUS_ITEM_VARIANTS, |s| {
        vec![status_item_variant(s)]
    });
    check(
        "ListExtendedItem",
        list_extended(),
        LIST_EXTENDED_VARIANTS,
        |items| items.iter().map(list_extended_variant).collect(),
    );
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
    use petrel_imap::types::core::{AString, Atom, Mailbox, Secret};
    use petrel_imap::types::flag::{Flag, FlagName};
    use petrel_imap::{decode_command, DecodeError, Limits};
    use proptest::prelude::*;

    use super::{date_time, list_attribute, set, tag};

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
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(literal_plus, literal_minus, sasl_ir, utf8, binary)| {
                EncodeOptions {
                    literal_plus,
                    literal_minus,
                    sasl_ir,
                    utf8,
                    binary,
                }
            })
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
