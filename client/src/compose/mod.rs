//! The MIME writer: what the composer hands over ([`Outgoing`]) to the bytes of an RFC 5322
//! message and its SMTP envelope ([`Written`]).
//!
//! Sans-IO and deterministic: there is no clock and no randomness in here. The caller passes
//! the time and the person's UTC offset, and 32 random bytes for the Message-ID and the
//! multipart boundaries ([`Stamp`]); the web app fills them from `Date` and
//! `crypto.getRandomValues`. The same input always gives the same bytes, which is what the
//! known-answer and property tests rely on.
//!
//! What comes out is 7-bit safe unless the server offers `8BITMIME` (then text that is
//! valid as it is goes out `8bit`, see [`Transport`]): headers use RFC 2047 encoded words,
//! file names RFC 2231, bodies quoted-printable or base64. Plain text is `format=flowed`
//! (RFC 3676). The structure is the usual nesting:
//!
//! ```text
//! multipart/mixed                  only with attachments
//! ├── multipart/alternative        only with an HTML body
//! │   ├── text/plain
//! │   └── multipart/related        only with inline images
//! │       ├── text/html
//! │       └── image/* (Content-ID)
//! └── attachments (base64)
//! ```
//!
//! `Bcc` is never written into the message: those recipients are only in the envelope.
//! Dot-stuffing (RFC 5321 §4.5.2) is the SMTP client's job, not this module's. Petrel's own
//! writer rather than `mail-builder` or `lettre`: see ARCHITECTURE.md for the measurements.

mod body;
mod header;
#[cfg(test)]
mod tests;

use core::fmt;

use body::Encoding;
use header::{AddrSpec, Field};

/// A name and an address, as the person typed or picked them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    /// The display name; may be empty and may hold any Unicode.
    pub name: String,
    /// `local@domain`; UTF-8 only when the server offers SMTPUTF8.
    pub address: String,
}

impl Mailbox {
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            address: address.into(),
        }
    }
}

/// A file attached to the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    /// The file name shown to the recipient; any Unicode.
    pub name: String,
    /// `type/subtype`, as the browser reports it. Empty or malformed types, and `message/*`
    /// and `multipart/*` (which may not be base64-encoded), are sent as
    /// `application/octet-stream`.
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// An image the HTML body shows through `cid:` (RFC 2392).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InlineImage {
    /// The id the HTML refers to as `cid:…`, without angle brackets.
    pub content_id: String,
    /// A file name, for readers that show the image as an attachment; may be empty.
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A message ready to be written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outgoing {
    pub from: Mailbox,
    pub reply_to: Vec<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Only in the envelope, never in the message.
    pub bcc: Vec<Mailbox>,
    /// Left out when empty.
    pub subject: String,
    /// The plain-text body; any line breaks. It is written ending in a line break.
    pub text: String,
    /// An HTML rendering of the same content; with it the message is
    /// `multipart/alternative`.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Images for the HTML body; without an HTML body they are sent as inline attachments.
    pub inline_images: Vec<InlineImage>,
    /// The Message-ID of the message replied to (with or without angle brackets).
    pub in_reply_to: Option<String>,
    /// The thread: the parent's References followed by its Message-ID. Identifiers that
    /// cannot be written (spaces, control characters, too long) are left out.
    pub references: Vec<String>,
}

/// What this module may not choose itself: the time and randomness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The `Date`, in seconds since the Unix epoch.
    pub unix_seconds: i64,
    /// The person's offset from UTC in minutes, east positive (JavaScript's
    /// `-getTimezoneOffset()`), at most ±23:59.
    pub utc_offset_minutes: i16,
    /// Fresh random bytes (`crypto.getRandomValues`): 16 for the Message-ID, 12 for the
    /// boundaries.
    pub random: [u8; 32],
}

/// What the submission server offers (its EHLO keywords).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transport {
    /// `8BITMIME` (RFC 6152): text parts may go out `8bit` instead of quoted-printable or
    /// base64.
    pub eight_bit_mime: bool,
    /// `SMTPUTF8` (RFC 6531): addresses may hold UTF-8. Without it a non-ASCII address is
    /// refused ([`ComposeError::NeedsSmtpUtf8`]); punycode for domains is out of scope.
    pub smtputf8: bool,
}

/// The written message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The whole message, CRLF line breaks, ending in CRLF, not dot-stuffed.
    pub bytes: Vec<u8>,
    pub envelope: Envelope,
    /// Whether every byte is 7-bit: if not, the server must be told (`BODY=8BITMIME`).
    pub seven_bit: bool,
    /// Whether an address holds UTF-8: the server must be told (`SMTPUTF8`).
    pub smtputf8: bool,
}

/// The SMTP envelope (RFC 5321 §2.3.1): `MAIL FROM` and every `RCPT TO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub from: String,
    /// To, Cc and Bcc in that order, each address once.
    pub recipients: Vec<String>,
}

/// Why a message could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeError {
    /// Not `local@domain` with a dot-atom or literal domain, or longer than 254 octets.
    InvalidAddress(String),
    /// A non-ASCII address, but the server does not offer SMTPUTF8.
    NeedsSmtpUtf8(String),
    /// An inline image's Content-ID that is not printable ASCII without spaces.
    InvalidContentId(String),
    /// A UTC offset beyond ±23:59.
    InvalidUtcOffset(i16),
    /// A time before 1970 or after 9999, which a `Date` field cannot hold.
    InvalidDate(i64),
}

impl fmt::Display for ComposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidAddress(a) => write!(f, "not a valid address: {a:?}"),
            Self::NeedsSmtpUtf8(a) => write!(
                f,
                "the server cannot send to or from a non-ASCII address (no SMTPUTF8): {a:?}"
            ),
            Self::InvalidContentId(id) => write!(f, "not a valid content id: {id:?}"),
            Self::InvalidUtcOffset(m) => write!(f, "utc offset out of range: {m} minutes"),
            Self::InvalidDate(s) => write!(f, "date out of range: {s} seconds since 1970"),
        }
    }
}

impl std::error::Error for ComposeError {}

/// Writes `message` as of `stamp` for a server offering `transport`.
pub fn write(
    message: &Outgoing,
    stamp: &Stamp,
    transport: Transport,
) -> Result<Written, ComposeError> {
    if stamp.utc_offset_minutes.unsigned_abs() >= 24 * 60 {
        return Err(ComposeError::InvalidUtcOffset(stamp.utc_offset_minutes));
    }
    // Up to 9999-12-31 23:59:59 UTC, a day short so that any offset stays in year 9999.
    if !(86_400..=253_402_214_399).contains(&stamp.unix_seconds) {
        return Err(ComposeError::InvalidDate(stamp.unix_seconds));
    }
    let checked = |list: &[Mailbox]| -> Result<Vec<(Mailbox, AddrSpec)>, ComposeError> {
        list.iter()
            .map(|m| {
                Ok((
                    m.clone(),
                    header::addr_spec(&m.address, transport.smtputf8)?,
                ))
            })
            .collect()
    };
    let sender = header::addr_spec(&message.from.address, transport.smtputf8)?;
    let from = vec![(message.from.clone(), sender.clone())];
    let reply_to = checked(&message.reply_to)?;
    let to = checked(&message.to)?;
    let cc = checked(&message.cc)?;
    let bcc = checked(&message.bcc)?;

    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    let (id_bytes, rest) = stamp.random.split_at(16);
    let boundary_base = format!("=_{}", hex(&rest[..12]));

    let mut out = Vec::with_capacity(1024 + message.text.len() * 2);
    let mut field = Field::new(&mut out, "Date");
    field.token(&header::date(stamp.unix_seconds, stamp.utc_offset_minutes));
    field.end();
    for (name, list) in [
        ("From", &from),
        ("Reply-To", &reply_to),
        ("To", &to),
        ("Cc", &cc),
    ] {
        if !list.is_empty() {
            let mut field = Field::new(&mut out, name);
            header::mailboxes(&mut field, list);
            field.end();
        }
    }
    let subject = header::one_line(&message.subject);
    if !subject.is_empty() {
        let mut field = Field::new(&mut out, "Subject");
        field.text(&subject);
        field.end();
    }
    let mut field = Field::new(&mut out, "Message-ID");
    field.token(&format!("<{}@{}>", hex(id_bytes), sender.domain));
    field.end();
    if let Some(id) = message.in_reply_to.as_deref().and_then(header::message_id) {
        let mut field = Field::new(&mut out, "In-Reply-To");
        field.token(&id);
        field.end();
    }
    let references: Vec<String> = message
        .references
        .iter()
        .filter_map(|id| header::message_id(id))
        .collect();
    if !references.is_empty() {
        let mut field = Field::new(&mut out, "References");
        for id in &references {
            field.token(id);
        }
        field.end();
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");

    let root = tree(message, transport, &boundary_base)?;
    let mut boundaries = 0;
    root.write(&mut out, &boundary_base, &mut boundaries);
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }

    let mut recipients: Vec<String> = Vec::new();
    for (_, spec) in to.iter().chain(&cc).chain(&bcc) {
        if !recipients.contains(&spec.text) {
            recipients.push(spec.text.clone());
        }
    }
    let smtputf8 = [&from, &reply_to, &to, &cc, &bcc]
        .iter()
        .any(|list| list.iter().any(|(_, spec)| spec.utf8));
    Ok(Written {
        seven_bit: out.is_ascii(),
        smtputf8,
        envelope: Envelope {
            from: sender.text,
            recipients,
        },
        bytes: out,
    })
}

/// One MIME entity to be written.
enum Part {
    /// Content headers (each ending in CRLF) and the encoded body.
    Leaf { headers: Vec<u8>, body: Vec<u8> },
    Multi {
        subtype: &'static str,
        parts: Vec<Part>,
    },
}

impl Part {
    /// Writes the entity's content headers, the blank line and its body. Each multipart
    /// takes the next boundary number, so nested boundaries differ; none ends in CRLF, the
    /// CRLF before a delimiter belonging to the delimiter (RFC 2046 §5.1.1).
    fn write(&self, out: &mut Vec<u8>, base: &str, counter: &mut usize) {
        match self {
            Self::Leaf { headers, body } => {
                out.extend_from_slice(headers);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(body);
            }
            Self::Multi { subtype, parts } => {
                *counter += 1;
                let boundary = format!("{base}_{counter}");
                out.extend_from_slice(
                    format!(
                        "Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\"\r\n\r\n"
                    )
                    .as_bytes(),
                );
                for (k, part) in parts.iter().enumerate() {
                    if k > 0 {
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    part.write(out, base, counter);
                }
                out.extend_from_slice(format!("\r\n--{boundary}--").as_bytes());
            }
        }
    }
}

/// The entity tree of `message` (see the module documentation).
fn tree(message: &Outgoing, transport: Transport, boundary: &str) -> Result<Part, ComposeError> {
    let text = text_part(
        &body::flowed(&message.text),
        "plain; charset=utf-8; format=flowed",
        transport,
        boundary,
    );
    let mut inline = Vec::with_capacity(message.inline_images.len());
    for image in &message.inline_images {
        let id = header::message_id(&image.content_id)
            .ok_or_else(|| ComposeError::InvalidContentId(image.content_id.clone()))?;
        inline.push(file_part(
            &image.name,
            &image.media_type,
            &image.bytes,
            "inline",
            Some(&id),
        ));
    }
    let mut body = match &message.html {
        Some(html) => {
            let html = text_part(
                &body::crlf(html),
                "html; charset=utf-8",
                transport,
                boundary,
            );
            let html = if inline.is_empty() {
                html
            } else {
                let mut parts = vec![html];
                parts.append(&mut inline);
                Part::Multi {
                    subtype: "related",
                    parts,
                }
            };
            Part::Multi {
                subtype: "alternative",
                parts: vec![text, html],
            }
        }
        None => text,
    };
    let mut attachments: Vec<Part> = inline;
    for a in &message.attachments {
        attachments.push(file_part(
            &a.name,
            &a.media_type,
            &a.bytes,
            "attachment",
            None,
        ));
    }
    if !attachments.is_empty() {
        let mut parts = vec![body];
        parts.append(&mut attachments);
        body = Part::Multi {
            subtype: "mixed",
            parts,
        };
    }
    Ok(body)
}

/// A `text/{subtype_and_params}` part holding `text` (canonical CRLF form).
fn text_part(text: &str, subtype_and_params: &str, transport: Transport, boundary: &str) -> Part {
    let mut encoding = body::text_encoding(text, transport.eight_bit_mime);
    if matches!(encoding, Encoding::SevenBit | Encoding::EightBit) && text.contains(boundary) {
        // Only a sender who guessed the random bytes could do this; quoted-printable
        // cannot contain a boundary (`=_` is not a valid escape).
        encoding = Encoding::QuotedPrintable;
    }
    let headers = format!(
        "Content-Type: text/{subtype_and_params}\r\nContent-Transfer-Encoding: {}\r\n",
        encoding.name()
    );
    let body = match encoding {
        Encoding::SevenBit | Encoding::EightBit => text.as_bytes().to_vec(),
        Encoding::QuotedPrintable => body::quoted_printable(text.as_bytes()),
        Encoding::Base64 => body::base64_lines(text.as_bytes()),
    };
    Part::Leaf {
        headers: headers.into_bytes(),
        body,
    }
}

/// An attachment or inline image, always base64.
fn file_part(
    name: &str,
    media_type: &str,
    bytes: &[u8],
    disposition: &str,
    content_id: Option<&str>,
) -> Part {
    let media_type = sendable_media_type(media_type);
    let name = header::one_line(name);
    let name = name.trim();
    let mut headers = format!("Content-Type: {media_type}").into_bytes();
    if !name.is_empty() {
        body::parameter(&mut headers, "name", name);
    }
    headers.extend_from_slice(format!("\r\nContent-Disposition: {disposition}").as_bytes());
    if !name.is_empty() {
        body::parameter(&mut headers, "filename", name);
    }
    headers.extend_from_slice(b"\r\n");
    if let Some(id) = content_id {
        headers.extend_from_slice(format!("Content-ID: {id}\r\n").as_bytes());
    }
    headers.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
    Part::Leaf {
        headers,
        body: body::base64_lines(bytes),
    }
}

/// `type/subtype` in lowercase if it is two RFC 2045 tokens and may be base64-encoded,
/// otherwise `application/octet-stream`.
fn sendable_media_type(media_type: &str) -> String {
    let lower = media_type.trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    match lower.split_once('/') {
        Some((t, s)) if token(t) && token(s) && t != "message" && t != "multipart" => lower,
        _ => "application/octet-stream".to_owned(),
    }
}
