//! FETCH data items (RFC 9051 §7.5.2): envelopes, addresses, dates, body structures and
//! body sections.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;

use super::core::{Atom, ObjectId};
use super::flag::Flag;
use super::{cow_static, opt_static};

/// `nstring`: `NIL` or the bytes of a string.
pub type NString<'a> = Option<Cow<'a, [u8]>>;

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address<'a> {
    pub name: NString<'a>,
    pub adl: NString<'a>,
    pub mailbox: NString<'a>,
    pub host: NString<'a>,
}

impl Address<'_> {
    pub fn into_static(self) -> Address<'static> {
        Address {
            name: opt_static(self.name),
            adl: opt_static(self.adl),
            mailbox: opt_static(self.mailbox),
            host: opt_static(self.host),
        }
    }
}

/// The flags of a FETCH response: the validated wire text `(...)`, parsed again on
/// iteration, which saves an allocation per message (see [`AddressList`]).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct FlagList<'a> {
    raw: Cow<'a, [u8]>,
}

impl<'a> FlagList<'a> {
    pub(crate) fn from_validated(raw: Cow<'a, [u8]>) -> Self {
        Self { raw }
    }

    /// Builds a list from flags (for tests and servers written with this crate).
    pub fn from_flags(flags: &[Flag<'_>]) -> FlagList<'static> {
        let mut raw = alloc::vec![b'('];
        for (k, f) in flags.iter().enumerate() {
            if k > 0 {
                raw.push(b' ');
            }
            crate::encode::write_flag(&mut raw, f);
        }
        raw.push(b')');
        FlagList {
            raw: Cow::Owned(raw),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Flag<'_>> + '_ {
        crate::decode::flag::flags_of(&self.raw)
    }

    pub fn contains(&self, flag: &Flag<'_>) -> bool {
        self.iter().any(|f| f == *flag)
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The wire text, `(...)`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    pub fn into_static(self) -> FlagList<'static> {
        FlagList {
            raw: cow_static(self.raw),
        }
    }
}

impl core::fmt::Debug for FlagList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An address list (`env-from` and the like): the validated wire text, parsed again on
/// iteration. Keeping the text rather than a `Vec` saves an allocation per list, which is
/// most of the cost of decoding a large FETCH.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct AddressList<'a> {
    /// `"(" 1*address ")"` as sent, or empty for `NIL`.
    raw: Cow<'a, [u8]>,
}

impl<'a> AddressList<'a> {
    pub(crate) fn from_validated(raw: Cow<'a, [u8]>) -> Self {
        Self { raw }
    }

    /// Builds a list from addresses (for tests and servers written with this crate).
    pub fn from_addresses(addresses: &[Address<'_>]) -> AddressList<'static> {
        if addresses.is_empty() {
            return AddressList::default();
        }
        let mut raw = alloc::vec![b'('];
        for a in addresses {
            raw.push(b'(');
            for (k, field) in [&a.name, &a.adl, &a.mailbox, &a.host]
                .into_iter()
                .enumerate()
            {
                if k > 0 {
                    raw.push(b' ');
                }
                crate::encode::write_nstring(&mut raw, field.as_deref());
            }
            raw.push(b')');
        }
        raw.push(b')');
        AddressList {
            raw: Cow::Owned(raw),
        }
    }

    /// The addresses, in order.
    pub fn iter(&self) -> impl Iterator<Item = Address<'_>> + '_ {
        crate::decode::fetch::addresses(&self.raw)
    }

    pub fn first(&self) -> Option<Address<'_>> {
        self.iter().next()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The wire text (`(...)`), empty for `NIL`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    pub fn into_static(self) -> AddressList<'static> {
        AddressList {
            raw: cow_static(self.raw),
        }
    }
}

impl core::fmt::Debug for AddressList<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`.
/// Address lists are empty for `NIL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope<'a> {
    pub date: NString<'a>,
    pub subject: NString<'a>,
    pub from: AddressList<'a>,
    pub sender: AddressList<'a>,
    pub reply_to: AddressList<'a>,
    pub to: AddressList<'a>,
    pub cc: AddressList<'a>,
    pub bcc: AddressList<'a>,
    pub in_reply_to: NString<'a>,
    pub message_id: NString<'a>,
}

impl Envelope<'_> {
    pub fn into_static(self) -> Envelope<'static> {
        Envelope {
            date: opt_static(self.date),
            subject: opt_static(self.subject),
            from: self.from.into_static(),
            sender: self.sender.into_static(),
            reply_to: self.reply_to.into_static(),
            to: self.to.into_static(),
            cc: self.cc.into_static(),
            bcc: self.bcc.into_static(),
            in_reply_to: opt_static(self.in_reply_to),
            message_id: opt_static(self.message_id),
        }
    }
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in minutes (`-0700` is -420).
    pub zone_minutes: i16,
}

impl DateTime {
    /// Seconds since the Unix epoch, UTC.
    pub fn unix_time(&self) -> i64 {
        // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.zone_minutes) * 60
    }
}

/// Body parameters (`body-fld-param`): the validated wire text, parsed on iteration (see
/// [`AddressList`] for why).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct BodyParams<'a> {
    /// `"(" string SP string *(SP string SP string) ")"` as sent, or empty for `NIL`.
    raw: Cow<'a, [u8]>,
}

impl<'a> BodyParams<'a> {
    pub(crate) fn from_validated(raw: Cow<'a, [u8]>) -> Self {
        Self { raw }
    }

    /// Builds parameters from attribute and value pairs (for tests and servers written with
    /// this crate); none is `NIL`.
    pub fn from_pairs(pairs: &[BodyParam<'_>]) -> BodyParams<'static> {
        if pairs.is_empty() {
            return BodyParams::default();
        }
        let mut raw = alloc::vec![b'('];
        for (k, (name, value)) in pairs.iter().enumerate() {
            if k > 0 {
                raw.push(b' ');
            }
            crate::encode::write_nstring(&mut raw, Some(name));
            raw.push(b' ');
            crate::encode::write_nstring(&mut raw, Some(value));
        }
        raw.push(b')');
        BodyParams {
            raw: Cow::Owned(raw),
        }
    }

    /// Attribute and value pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = BodyParam<'_>> + '_ {
        crate::decode::fetch::body_params(&self.raw)
    }

    /// The value of the first parameter named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    pub fn into_static(self) -> BodyParams<'static> {
        BodyParams {
            raw: cow_static(self.raw),
        }
    }
}

impl core::fmt::Debug for BodyParams<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A body parameter (`body-fld-param` pair): attribute and value.
pub type BodyParam<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// `body` (RFC 9051 §9) as BODYSTRUCTURE or BODY sends it, flattened in pre-order into one
/// allocation: a message's whole tree costs one `Vec` however many parts it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyStructure<'a> {
    /// Never empty: `nodes[0]` is the root.
    nodes: Vec<BodyNode<'a>>,
}

/// One part of a [`BodyStructure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyNode<'a> {
    pub kind: BodyKind<'a>,
    /// How many nodes follow this one in its subtree.
    descendants: u32,
}

/// `body-type-mpart` or `body-type-1part`.
// Not boxed: all nodes of a structure share one `Vec`, and a box per leaf would cost the
// allocation the flat layout exists to save.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind<'a> {
    /// Its children are the following subtrees.
    Multipart {
        subtype: Cow<'a, [u8]>,
        /// `body-ext-mpart` as sent (parameters, disposition, language, location); see
        /// [`BodyKind::extension_fields`].
        extension: Cow<'a, [u8]>,
    },
    Single(SinglePart<'a>),
}

/// One leaf of a body structure. A `message/rfc822` part has [`SinglePart::envelope`] and
/// one child: the encapsulated message's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePart<'a> {
    pub media_type: Cow<'a, [u8]>,
    pub subtype: Cow<'a, [u8]>,
    pub params: BodyParams<'a>,
    pub id: NString<'a>,
    pub description: NString<'a>,
    pub encoding: Cow<'a, [u8]>,
    pub size: u32,
    /// Text lines, for `text/*` and `message/rfc822`.
    pub lines: Option<u32>,
    /// For `message/rfc822` (and `message/global`): the encapsulated message's envelope.
    pub envelope: Option<Box<Envelope<'a>>>,
    /// `body-ext-1part` as sent (MD5, disposition, language, location); see
    /// [`BodyKind::extension_fields`].
    pub extension: Cow<'a, [u8]>,
}

/// `body-fld-dsp` (RFC 9051 §9): a part's `Content-Disposition` value (`inline`,
/// `attachment`) and its parameters (`filename`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition<'a> {
    pub kind: Cow<'a, [u8]>,
    pub params: BodyParams<'a>,
}

/// The extension fields of a part (`body-ext-1part`, `body-ext-mpart`), read on demand
/// from the text kept in [`SinglePart::extension`] or [`BodyKind::Multipart`]'s
/// `extension`. Fields a server left out, or sent malformed, are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyExtension<'a> {
    /// `body-fld-md5` (single parts only).
    pub md5: NString<'a>,
    /// `body-fld-param` (multiparts only: the boundary and the like).
    pub params: BodyParams<'a>,
    pub disposition: Option<Disposition<'a>>,
    /// `body-fld-lang`: language tags.
    pub language: Vec<Cow<'a, [u8]>>,
    /// `body-fld-loc`: the part's `Content-Location`.
    pub location: NString<'a>,
}

impl<'a> BodyKind<'a> {
    /// The part's extension fields, parsed from their kept text.
    pub fn extension_fields(&self) -> BodyExtension<'_> {
        match self {
            BodyKind::Multipart { extension, .. } => {
                crate::decode::fetch::body_extension(extension, true)
            }
            BodyKind::Single(p) => crate::decode::fetch::body_extension(&p.extension, false),
        }
    }
}

/// A subtree of a [`BodyStructure`]: a node and its descendants.
#[derive(Debug, Clone, Copy)]
pub struct BodyRef<'s, 'a> {
    nodes: &'s [BodyNode<'a>],
}

impl<'s, 'a> BodyRef<'s, 'a> {
    pub fn kind(&self) -> Option<&'s BodyKind<'a>> {
        self.nodes.first().map(|n| &n.kind)
    }

    /// The direct children (parts of a multipart, the body of a message/rfc822).
    pub fn children(&self) -> impl Iterator<Item = BodyRef<'s, 'a>> + 's {
        let mut rest = self.nodes.get(1..).unwrap_or_default();
        core::iter::from_fn(move || {
            let first = rest.first()?;
            let len = (first.descendants as usize + 1).min(rest.len());
            let (sub, tail) = rest.split_at(len);
            rest = tail;
            Some(BodyRef { nodes: sub })
        })
    }
}

impl<'a> BodyStructure<'a> {
    /// Builds from pre-order nodes and, for each, the number of its descendants; `None` if
    /// the counts do not describe a tree rooted at the first node.
    pub fn from_preorder(nodes: Vec<(BodyKind<'a>, u32)>) -> Option<Self> {
        let total = u32::try_from(nodes.len()).ok()?;
        let ok = match nodes.first() {
            Some((_, d)) => *d + 1 == total,
            None => false,
        } && nodes
            .iter()
            .enumerate()
            .all(|(k, (_, d))| k as u64 + u64::from(*d) < u64::from(total));
        ok.then(|| Self {
            nodes: nodes
                .into_iter()
                .map(|(kind, descendants)| BodyNode { kind, descendants })
                .collect(),
        })
    }

    pub(crate) fn from_nodes_unchecked(nodes: Vec<BodyNode<'a>>) -> Self {
        Self { nodes }
    }

    pub(crate) fn node(kind: BodyKind<'a>, descendants: u32) -> BodyNode<'a> {
        BodyNode { kind, descendants }
    }

    pub fn root(&self) -> BodyRef<'_, 'a> {
        BodyRef { nodes: &self.nodes }
    }

    /// All parts in pre-order.
    pub fn nodes(&self) -> &[BodyNode<'a>] {
        &self.nodes
    }

    pub fn into_static(self) -> BodyStructure<'static> {
        BodyStructure {
            nodes: self
                .nodes
                .into_iter()
                .map(|n| BodyNode {
                    descendants: n.descendants,
                    kind: match n.kind {
                        BodyKind::Multipart { subtype, extension } => BodyKind::Multipart {
                            subtype: cow_static(subtype),
                            extension: cow_static(extension),
                        },
                        BodyKind::Single(p) => BodyKind::Single(SinglePart {
                            media_type: cow_static(p.media_type),
                            subtype: cow_static(p.subtype),
                            params: p.params.into_static(),
                            id: opt_static(p.id),
                            description: opt_static(p.description),
                            encoding: cow_static(p.encoding),
                            size: p.size,
                            lines: p.lines,
                            envelope: p.envelope.map(|e| Box::new(e.into_static())),
                            extension: cow_static(p.extension),
                        }),
                    },
                })
                .collect(),
        }
    }
}

/// One item of a FETCH response (`msg-att`).
// The envelope is boxed so that an item stays small: a FETCH of many sections (100,000
// `BODY[n]` in one response, say) must not cost an envelope's size per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem<'a> {
    Uid(u32),
    Flags(FlagList<'a>),
    Envelope(Box<Envelope<'a>>),
    Rfc822Size(u32),
    InternalDate(DateTime),
    BodyStructure(BodyStructure<'a>),
    /// `BODY` without a section: the non-extensible body structure.
    Body(BodyStructure<'a>),
    /// `BODY[section]<origin>` (or `BINARY[...]`, RFC 3516, when `binary` is set). `section`
    /// is the section text between the brackets, as sent.
    BodySection {
        binary: bool,
        section: Cow<'a, [u8]>,
        origin: Option<u32>,
        data: NString<'a>,
    },
    /// `BINARY.SIZE[section]` (RFC 3516).
    BinarySize {
        section: Cow<'a, [u8]>,
        size: u32,
    },
    Rfc822(NString<'a>),
    Rfc822Header(NString<'a>),
    Rfc822Text(NString<'a>),
    /// `MODSEQ (n)` (RFC 7162).
    ModSeq(u64),
    /// `EMAILID (id)` (RFC 8474).
    EmailId(ObjectId<'a>),
    /// `THREADID (id)` or `THREADID NIL` (RFC 8474).
    ThreadId(Option<ObjectId<'a>>),
    /// `SAVEDATE date-time` or `NIL` (RFC 8514).
    SaveDate(Option<DateTime>),
    /// `PREVIEW nstring` (RFC 8970).
    Preview(NString<'a>),
    /// `X-GM-MSGID` (X-GM-EXT-1).
    GmailMessageId(u64),
    /// `X-GM-THRID` (X-GM-EXT-1).
    GmailThreadId(u64),
    /// `X-GM-LABELS (...)` (X-GM-EXT-1): labels as sent (system labels keep their `\`).
    GmailLabels(Vec<Cow<'a, [u8]>>),
    /// An item this crate does not know: its name and its value, unparsed.
    Other {
        name: Atom<'a>,
        value: Cow<'a, [u8]>,
    },
}

impl FetchItem<'_> {
    pub fn into_static(self) -> FetchItem<'static> {
        use FetchItem::*;
        match self {
            Uid(u) => Uid(u),
            Flags(f) => Flags(f.into_static()),
            Envelope(e) => Envelope(Box::new(e.into_static())),
            Rfc822Size(s) => Rfc822Size(s),
            InternalDate(d) => InternalDate(d),
            BodyStructure(b) => BodyStructure(b.into_static()),
            Body(b) => Body(b.into_static()),
            BodySection {
                binary,
                section,
                origin,
                data,
            } => BodySection {
                binary,
                section: cow_static(section),
                origin,
                data: opt_static(data),
            },
            BinarySize { section, size } => BinarySize {
                section: cow_static(section),
                size,
            },
            Rfc822(d) => Rfc822(opt_static(d)),
            Rfc822Header(d) => Rfc822Header(opt_static(d)),
            Rfc822Text(d) => Rfc822Text(opt_static(d)),
            ModSeq(m) => ModSeq(m),
            EmailId(id) => EmailId(id.into_static()),
            ThreadId(id) => ThreadId(id.map(ObjectId::into_static)),
            SaveDate(d) => SaveDate(d),
            Preview(p) => Preview(opt_static(p)),
            GmailMessageId(n) => GmailMessageId(n),
            GmailThreadId(n) => GmailThreadId(n),
            GmailLabels(l) => GmailLabels(l.into_iter().map(cow_static).collect()),
            Other { name, value } => Other {
                name: name.into_static(),
                value: cow_static(value),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_known_answers() {
        let d = DateTime {
            year: 1996,
            month: 7,
            day: 17,
            hour: 2,
            minute: 44,
            second: 25,
            zone_minutes: -420,
        };
        assert_eq!(d.unix_time(), 837_596_665);
        let epoch = DateTime {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            zone_minutes: 0,
        };
        assert_eq!(epoch.unix_time(), 0);
    }
}
