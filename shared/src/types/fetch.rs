//! FETCH data items (RFC 9051 §7.5.2): envelopes, addresses, dates, body structures and
//! body sections.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;

use super::core::Atom;
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

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`.
/// Address lists are empty for `NIL`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope<'a> {
    pub date: NString<'a>,
    pub subject: NString<'a>,
    pub from: Vec<Address<'a>>,
    pub sender: Vec<Address<'a>>,
    pub reply_to: Vec<Address<'a>>,
    pub to: Vec<Address<'a>>,
    pub cc: Vec<Address<'a>>,
    pub bcc: Vec<Address<'a>>,
    pub in_reply_to: NString<'a>,
    pub message_id: NString<'a>,
}

fn addrs_static(a: Vec<Address<'_>>) -> Vec<Address<'static>> {
    a.into_iter().map(Address::into_static).collect()
}

impl Envelope<'_> {
    pub fn into_static(self) -> Envelope<'static> {
        Envelope {
            date: opt_static(self.date),
            subject: opt_static(self.subject),
            from: addrs_static(self.from),
            sender: addrs_static(self.sender),
            reply_to: addrs_static(self.reply_to),
            to: addrs_static(self.to),
            cc: addrs_static(self.cc),
            bcc: addrs_static(self.bcc),
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

/// `body-type-1part` / `body-type-mpart` (RFC 9051 §9), as BODYSTRUCTURE or BODY sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure<'a> {
    Single(Box<SinglePart<'a>>),
    Multipart {
        parts: Vec<BodyStructure<'a>>,
        subtype: Cow<'a, [u8]>,
        /// `body-ext-mpart`, unparsed (parameters, disposition, language, location).
        extension: Cow<'a, [u8]>,
    },
}

/// A body parameter (`body-fld-param` pair): attribute and value.
pub type BodyParam<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// One leaf of a body structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinglePart<'a> {
    pub media_type: Cow<'a, [u8]>,
    pub subtype: Cow<'a, [u8]>,
    pub params: Vec<BodyParam<'a>>,
    pub id: NString<'a>,
    pub description: NString<'a>,
    pub encoding: Cow<'a, [u8]>,
    pub size: u32,
    /// Text lines, for `text/*` and `message/rfc822`.
    pub lines: Option<u32>,
    /// For `message/rfc822` (and `message/global`): the encapsulated message.
    pub message: Option<(Envelope<'a>, BodyStructure<'a>)>,
    /// `body-ext-1part`, unparsed (MD5, disposition, language, location).
    pub extension: Cow<'a, [u8]>,
}

impl BodyStructure<'_> {
    pub fn into_static(self) -> BodyStructure<'static> {
        match self {
            BodyStructure::Single(p) => {
                let p = *p;
                BodyStructure::Single(Box::new(SinglePart {
                    media_type: cow_static(p.media_type),
                    subtype: cow_static(p.subtype),
                    params: p
                        .params
                        .into_iter()
                        .map(|(k, v)| (cow_static(k), cow_static(v)))
                        .collect(),
                    id: opt_static(p.id),
                    description: opt_static(p.description),
                    encoding: cow_static(p.encoding),
                    size: p.size,
                    lines: p.lines,
                    message: p.message.map(|(e, b)| (e.into_static(), b.into_static())),
                    extension: cow_static(p.extension),
                }))
            }
            BodyStructure::Multipart {
                parts,
                subtype,
                extension,
            } => BodyStructure::Multipart {
                parts: parts.into_iter().map(BodyStructure::into_static).collect(),
                subtype: cow_static(subtype),
                extension: cow_static(extension),
            },
        }
    }
}

/// One item of a FETCH response (`msg-att`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem<'a> {
    Uid(u32),
    Flags(Vec<Flag<'a>>),
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
            Flags(f) => Flags(f.into_iter().map(Flag::into_static).collect()),
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
