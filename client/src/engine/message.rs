//! A whole message (RFC 5322 + MIME, RFC 2045-2049) to a [`MessageView`]: decoded headers,
//! the body as an ordered list of [`Block`]s, and the attachments.
//!
//! This is Petrel's own small parser rather than a crate such as `mail-parser`: the engine
//! already decodes RFC 2047 words and charsets (`mime.rs`, with the browser's TextDecoder
//! behind the [`Charsets`] seam), and what remains (header fields, parameters with RFC 2231,
//! multipart boundaries, base64 and quoted-printable, format=flowed) is a few hundred lines.
//! A general parser would bring its own charset tables into the wasm bundle, which is the
//! cost the seam exists to avoid.
//!
//! What is shown, the rule this module keeps: nothing in a message is invisible. Every part
//! is either a block of the body, in the order the message gives them, or an entry of the
//! attachment list (or, for an `alternative`, another rendering of a part that is shown).
//!
//! - `text/plain` and `text/html` are shown unless `Content-Disposition: attachment`. A
//!   `name` parameter alone does not make an attachment: older mailers name every part.
//! - Other `text/*` (csv, x-diff, calendar…) are shown, as plain text, only when marked
//!   `Content-Disposition: inline`; otherwise they are files a person saves or opens with
//!   another program (an invitation, a spreadsheet), so they are attachments.
//!   `text/rfc822-headers` (the headers a bounce returns) is shown like plain text.
//! - `multipart/mixed` (and every multipart this module does not know) shows all its parts
//!   in order; `alternative` the best rendering (the last with HTML, else the last with
//!   anything to show, RFC 2046 §5.1.4); `related` its root (the `start` part, else the
//!   first) and the `cid:` images the root's HTML refers to; `digest` like mixed, with
//!   parts that default to `message/rfc822`; `report` (RFC 6522) like mixed.
//! - `message/rfc822` is a message inside the message: its own headers and body, recursively,
//!   and also an attachment entry, so that it can be saved as `.eml`.
//! - `message/delivery-status` (RFC 3464) is shown as its fields.
//! - Everything else is an attachment.
//!
//! Hostile input is expected. Nothing here indexes past what it checked, recursion is
//! bounded by [`MAX_DEPTH`] (multiparts and messages inside messages together), the number
//! of parts by [`MAX_PARTS`] and of header fields by [`MAX_FIELDS`]; a part without a
//! closing boundary ends at the end of its parent, a multipart whose boundary never appears
//! is split at the boundary its body uses or else shown as text, bad base64 and
//! quoted-printable are decoded as far as they make sense, and an unknown charset comes out
//! as UTF-8 with replacement characters. The whole message is already bounded by the
//! codec's limits on one response, and each of its bytes reaches at most one block, so the
//! body is no larger than the message (inline images aside, bounded by
//! [`MAX_INLINE_IMAGES`]).

use super::mime::{decode_charset, decode_header, Charsets};

/// Multiparts and messages nested deeper than this (together) are shown as attachments
/// rather than walked.
const MAX_DEPTH: usize = 16;
/// Parts beyond this many are ignored: a message of a million empty parts is an attack.
const MAX_PARTS: usize = 512;
/// Header fields beyond this many in one header are ignored.
const MAX_FIELDS: usize = 1000;
/// Inline images (`cid:`) up to this many bytes in all (counting every reference) are put
/// into the HTML as `data:` URLs; beyond it they stay attachments only.
const MAX_INLINE_IMAGES: usize = 4 * 1024 * 1024;

/// An opened message, ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageView {
    /// Decoded (RFC 2047) subject.
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    /// The `Date:` header in seconds since the Unix epoch, when it parses.
    pub date: Option<i64>,
    /// The `Date:` header as written, for when it does not.
    pub date_text: String,
    /// What is shown of the body, in the message's order.
    pub body: Vec<Block>,
    /// Every part not shown in `body`, nested ones included, in the message's order. Empty
    /// for a message inside a message: its attachments are listed with the outer message's.
    pub attachments: Vec<Attachment>,
}

/// One piece of a message's body, shown in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Plain text, line breaks as `\n`.
    Text(String),
    /// One HTML part, unsanitised: it must only ever be shown in an isolated frame of its
    /// own (see `crate::html`).
    Html(String),
    /// A message inside the message (`message/rfc822`): its headers and body. `part` is its
    /// IMAP part number, which also names its attachment entry (to save it as `.eml`).
    Message {
        part: String,
        message: Box<MessageView>,
    },
    /// A delivery status (RFC 3464): one group of fields about the report, then one per
    /// recipient, each field `(name as written, readable value)`.
    DeliveryStatus(Vec<Vec<(String, String)>>),
}

/// One address of a header's address list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// The decoded display name; empty when there is none.
    pub name: String,
    /// `local@domain` (or whatever stood there, for a malformed address).
    pub email: String,
}

impl Address {
    /// The name if there is one, else the address.
    pub fn display(&self) -> &str {
        if self.name.is_empty() {
            &self.email
        } else {
            &self.name
        }
    }
}

/// An attachment (any part that is not shown in the body, and every message inside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The IMAP part specifier (`"2"`, `"1.3"`), for fetching the part alone.
    pub part: String,
    /// The file name (RFC 2231 / RFC 2047 decoded), or a name made up from the type.
    pub name: String,
    /// `type/subtype`, lowercase.
    pub media_type: String,
    /// The decoded size in bytes.
    pub size: usize,
    /// The part's Content-Transfer-Encoding, lowercase, for decoding the part fetched alone.
    pub encoding: String,
}

impl MessageView {
    /// The message's text for a search index: its text blocks, and those of the messages
    /// inside it, one after another.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for block in &self.body {
            match block {
                Block::Text(t) => {
                    text.push_str(t);
                    text.push('\n');
                }
                Block::Message { message, .. } => text.push_str(&message.text()),
                Block::Html(_) | Block::DeliveryStatus(_) => {}
            }
        }
        text
    }
}

/// Parses a whole message.
pub fn parse(raw: &[u8], charsets: &dyn Charsets) -> MessageView {
    let mut walk = Walk {
        charsets,
        parts: 0,
        attachments: Vec::new(),
        images: Vec::new(),
    };
    let mut view = walk.message(raw, "", 0);
    view.attachments = std::mem::take(&mut walk.attachments);
    inline_images(&mut view, walk.images);
    view
}

/// Points the HTML's `cid:` references (RFC 2392) at `data:` URLs of the parts they name,
/// which the reading frame may show (it loads nothing from the network), and drops those
/// parts from the attachment list: they are part of the body.
fn inline_images(view: &mut MessageView, images: Vec<(String, String, Vec<u8>)>) {
    let mut budget = MAX_INLINE_IMAGES;
    for (part, content_id, bytes) in images {
        let reference = format!("cid:{content_id}");
        let media_type = view
            .attachments
            .iter()
            .find(|a| a.part == part)
            .map(|a| a.media_type.clone())
            .filter(|t| !t.contains(['"', '\'', '<', '>', ' ', ';']));
        let Some(media_type) = media_type else {
            continue;
        };
        let mut references = 0;
        each_html(&mut view.body, &mut |html| {
            references += html.matches(reference.as_str()).count();
        });
        // Every reference gets its own copy of the URL: a thousand references to one image
        // cost a thousand images.
        let cost = bytes.len().div_ceil(3) * 4 * references;
        if references == 0 || cost > budget {
            continue;
        }
        budget -= cost;
        let encoded = petrel_imap::base64::encode(&bytes);
        let url = format!(
            "data:{media_type};base64,{}",
            String::from_utf8_lossy(&encoded)
        );
        each_html(&mut view.body, &mut |html| {
            if html.contains(reference.as_str()) {
                *html = html.replace(reference.as_str(), &url);
            }
        });
        view.attachments.retain(|a| a.part != part);
    }
}

/// Calls `f` on every HTML block, those of messages inside the message included.
fn each_html(blocks: &mut [Block], f: &mut dyn FnMut(&mut String)) {
    for block in blocks {
        match block {
            Block::Html(html) => f(html),
            Block::Message { message, .. } => each_html(&mut message.body, f),
            Block::Text(_) | Block::DeliveryStatus(_) => {}
        }
    }
}

/// Decodes a part's body as fetched alone (`BODY[part]`), given its transfer encoding.
pub fn decode_transfer(encoding: &str, body: &[u8]) -> Vec<u8> {
    match encoding {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_vec(),
    }
}

/// The IMAP part number of the `k`th (from 1) child under `prefix` (RFC 9051 §6.4.5).
fn child_id(prefix: &str, k: usize) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// One header's fields, looked up by name (the first of a name wins).
struct Fields<'h>(Vec<(&'h str, &'h [u8])>);

impl<'h> Fields<'h> {
    fn get(&self, name: &str) -> Option<&'h [u8]> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// What a part is when its header says nothing (RFC 2046 §5.1.5: in a digest, a message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unlabelled {
    Text,
    Message,
}

/// The parts walked so far and what they yielded outside the body.
struct Walk<'c> {
    charsets: &'c dyn Charsets,
    parts: usize,
    attachments: Vec<Attachment>,
    /// Parts with a Content-ID: `(part, content id, decoded bytes)`, for `cid:` references.
    images: Vec<(String, String, Vec<u8>)>,
}

impl Walk<'_> {
    /// A message, the whole one or one inside it: its headers and its body. `prefix` is the
    /// part number of its `message/rfc822` part, empty for the whole message.
    fn message(&mut self, raw: &[u8], prefix: &str, depth: usize) -> MessageView {
        let (header, body) = split_header(raw);
        let fields = Fields(header_fields(header));
        let charsets = self.charsets;
        let addresses = |name: &str| {
            fields
                .get(name)
                .map_or_else(Vec::new, |v| address_list(v, charsets))
        };
        let date_text = fields
            .get("date")
            .map(|v| decode_header(v, charsets).trim().to_owned())
            .unwrap_or_default();
        let mut view = MessageView {
            subject: fields
                .get("subject")
                .map(|v| decode_header(v, charsets).trim().to_owned())
                .unwrap_or_default(),
            from: addresses("from"),
            to: addresses("to"),
            cc: addresses("cc"),
            reply_to: addresses("reply-to"),
            date: parse_date(&date_text),
            date_text,
            ..MessageView::default()
        };
        // A message's body is part `prefix.1` when it is a single part, while the parts of
        // a multipart body are `prefix.1`, `prefix.2`… (RFC 9051 §6.4.5).
        let id = child_id(prefix, 1);
        self.entity(
            &fields,
            body,
            &id,
            prefix,
            depth,
            Unlabelled::Text,
            &mut view.body,
        );
        view
    }

    /// One MIME entity: appends what is shown of it to `out` and lists the rest. `id` is its
    /// part number; `children` the prefix of its children's, should it be a multipart.
    #[allow(clippy::too_many_arguments)]
    fn entity(
        &mut self,
        fields: &Fields<'_>,
        body: &[u8],
        id: &str,
        children: &str,
        depth: usize,
        default: Unlabelled,
        out: &mut Vec<Block>,
    ) {
        self.parts += 1;
        if self.parts > MAX_PARTS {
            return;
        }
        let content_type = fields
            .get("content-type")
            .map(|v| parse_parameterised(v, self.charsets));
        let media_type = content_type
            .as_ref()
            .map(|(value, _)| media_type(value))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| match default {
                // RFC 2045 §5.2: no (or an empty) Content-Type means text/plain; us-ascii.
                Unlabelled::Text => "text/plain".to_owned(),
                Unlabelled::Message => "message/rfc822".to_owned(),
            });
        let params = content_type.as_ref().map_or(&[][..], |(_, p)| p.as_slice());
        let param = |list: &[(String, String)], name: &str| {
            list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
        };
        let encoding = fields
            .get("content-transfer-encoding")
            .map(|v| String::from_utf8_lossy(v).trim().to_ascii_lowercase())
            .unwrap_or_default();
        let disposition = fields
            .get("content-disposition")
            .map(|v| parse_parameterised(v, self.charsets));
        let disposition_is = |wanted: &str| {
            disposition
                .as_ref()
                .is_some_and(|(value, _)| value == wanted)
        };
        let filename = disposition
            .as_ref()
            .and_then(|(_, p)| param(p, "filename"))
            .or_else(|| param(params, "name"))
            .map(|name| decode_header(name.as_bytes(), self.charsets))
            .map(|name| safe_name(&name))
            .filter(|name| !name.is_empty());
        let nested = depth < MAX_DEPTH;

        if let (Some(sub), true) = (media_type.strip_prefix("multipart/"), nested) {
            let declared = param(params, "boundary").filter(|b| !b.is_empty());
            let mut parts = declared
                .as_ref()
                .map(|b| split_multipart(body, b.as_bytes()))
                .unwrap_or_default();
            if parts.is_empty() {
                // A boundary that is missing or mistyped: split at the one the body uses.
                if let Some(guessed) = guess_boundary(body) {
                    parts = split_multipart(body, guessed);
                }
            }
            if !parts.is_empty() {
                self.multipart(sub, params, parts, children, depth, out);
                return;
            }
            // Nothing to split at: the body as text is more use to a person than an opaque
            // attachment, and it loses nothing.
            self.text("text/plain", &encoding, params, body, out);
            return;
        }
        if media_type == "message/rfc822" || media_type == "message/global" {
            let bytes = decode_transfer(&encoding, body);
            if nested {
                let message = self.message(&bytes, id, depth + 1);
                let name = filename.unwrap_or_else(|| {
                    let subject = safe_name(&message.subject);
                    let stem = if subject.is_empty() {
                        format!("part-{id}")
                    } else {
                        subject.chars().take(80).collect()
                    };
                    format!("{stem}.eml")
                });
                self.attach(id, name, media_type, bytes.len(), encoding);
                out.push(Block::Message {
                    part: id.to_owned(),
                    message: Box::new(message),
                });
                return;
            }
        }
        let attachment = disposition_is("attachment");
        if !attachment
            && (media_type == "message/delivery-status"
                || media_type == "message/global-delivery-status")
        {
            let bytes = decode_transfer(&encoding, body);
            let groups = delivery_status(&bytes, self.charsets);
            if !groups.is_empty() {
                out.push(Block::DeliveryStatus(groups));
                return;
            }
        }
        let shown_text = match media_type.as_str() {
            "text/plain" | "text/html" | "text/rfc822-headers" => !attachment,
            other => other.starts_with("text/") && disposition_is("inline"),
        };
        if shown_text {
            self.text(&media_type, &encoding, params, body, out);
            return;
        }

        let bytes = decode_transfer(&encoding, body);
        let content_id = fields
            .get("content-id")
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
            .map(|id| id.trim_start_matches('<').trim_end_matches('>').to_owned())
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic()));
        let size = bytes.len();
        if let (Some(content_id), true) = (content_id, media_type.starts_with("image/")) {
            self.images.push((id.to_owned(), content_id, bytes));
        }
        let name = filename.unwrap_or_else(|| format!("part-{id}.{}", extension(&media_type)));
        self.attach(id, name, media_type, size, encoding);
    }

    /// The parts of a multipart of subtype `sub`, appended to `out` as that subtype shows
    /// them.
    fn multipart(
        &mut self,
        sub: &str,
        params: &[(String, String)],
        parts: Vec<&[u8]>,
        prefix: &str,
        depth: usize,
        out: &mut Vec<Block>,
    ) {
        let default = if sub == "digest" {
            Unlabelled::Message
        } else {
            Unlabelled::Text
        };
        let mut children = Vec::with_capacity(parts.len());
        for (k, raw) in parts.into_iter().enumerate() {
            let (header, body) = split_header(raw);
            children.push((child_id(prefix, k + 1), Fields(header_fields(header)), body));
        }
        let walk = |walk: &mut Self, (id, fields, body): &(String, Fields<'_>, &[u8])| {
            let mut blocks = Vec::new();
            walk.entity(fields, body, id, id, depth + 1, default, &mut blocks);
            blocks
        };
        match sub {
            "alternative" => {
                // Every rendering is walked, so that the attachments of each are listed;
                // only the best is shown.
                let renderings: Vec<Vec<Block>> =
                    children.iter().map(|child| walk(self, child)).collect();
                let best = renderings
                    .iter()
                    .rposition(|blocks| blocks.iter().any(|b| matches!(b, Block::Html(_))))
                    .or_else(|| renderings.iter().rposition(|blocks| !blocks.is_empty()));
                if let Some(best) = best.and_then(|k| renderings.into_iter().nth(k)) {
                    out.extend(best);
                }
            }
            "related" => {
                // RFC 2387: the root is the part the `start` parameter names, else the first.
                let start = params
                    .iter()
                    .find(|(n, _)| n == "start")
                    .map(|(_, v)| v.trim_start_matches('<').trim_end_matches('>'));
                let root = start
                    .and_then(|start| {
                        children.iter().position(|(_, fields, _)| {
                            fields.get("content-id").is_some_and(|id| {
                                String::from_utf8_lossy(id)
                                    .trim()
                                    .trim_start_matches('<')
                                    .trim_end_matches('>')
                                    == start
                            })
                        })
                    })
                    .unwrap_or(0);
                let mut rest = Vec::new();
                for (k, child) in children.iter().enumerate() {
                    let blocks = walk(self, child);
                    if k == root {
                        out.extend(blocks);
                    } else {
                        // Resources are images and the like (attachments, inlined where
                        // the root refers to them); any text among them still shows,
                        // after the root.
                        rest.extend(blocks);
                    }
                }
                out.extend(rest);
            }
            _ => {
                for child in &children {
                    out.extend(walk(self, child));
                }
            }
        }
    }

    /// A text part shown in the body: decoded, `format=flowed` joined, HTML as its own
    /// block. A part of only white space shows nothing.
    fn text(
        &mut self,
        media_type: &str,
        encoding: &str,
        params: &[(String, String)],
        body: &[u8],
        out: &mut Vec<Block>,
    ) {
        let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let bytes = decode_transfer(encoding, body);
        let charset = param("charset").map_or("us-ascii", |c| c.as_str());
        let text = decode_charset(charset, &bytes, self.charsets);
        if text.trim().is_empty() {
            return;
        }
        if media_type == "text/html" {
            out.push(Block::Html(text));
            return;
        }
        let text = if param("format").is_some_and(|f| f.eq_ignore_ascii_case("flowed")) {
            let delsp = param("delsp").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
            unflow(&text, delsp)
        } else {
            normalise_newlines(&text)
        };
        out.push(Block::Text(text));
    }

    fn attach(
        &mut self,
        part: &str,
        name: String,
        media_type: String,
        size: usize,
        encoding: String,
    ) {
        self.attachments.push(Attachment {
            part: part.to_owned(),
            name,
            media_type,
            size,
            encoding,
        });
    }
}

/// A Content-Type value as this module uses it: `type/subtype`, or, for a type without its
/// subtype, the one a sender most likely meant (`text` is `text/plain`, `multipart` is
/// `multipart/mixed`, `message` is `message/rfc822`; anything else is a file). Empty when
/// the header had no type at all.
fn media_type(value: &str) -> String {
    let (kind, sub) = value.split_once('/').unwrap_or((value, ""));
    let (kind, sub) = (kind.trim(), sub.trim());
    match kind {
        "" => String::new(),
        _ if !sub.is_empty() => format!("{kind}/{sub}"),
        "text" => "text/plain".to_owned(),
        "multipart" => "multipart/mixed".to_owned(),
        "message" => "message/rfc822".to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

/// A file name extension for a part without a name: the usual one for the types people
/// open with another program, else the subtype.
fn extension(media_type: &str) -> &str {
    match media_type {
        "text/plain" => "txt",
        "text/calendar" => "ics",
        "text/x-diff" | "text/x-patch" => "diff",
        "text/vcard" | "text/x-vcard" => "vcf",
        "message/rfc822" => "eml",
        "application/octet-stream" => "bin",
        other => other.rsplit('/').next().unwrap_or("bin"),
    }
}

/// A guess at the boundary of a multipart whose declared one never appears: the first line
/// that looks like a delimiter (`--` and a boundary of 1 to 70 characters without spaces,
/// RFC 2046 §5.1.1) followed by a `Content-` header field.
fn guess_boundary(body: &[u8]) -> Option<&[u8]> {
    let mut lines = body.split(|&b| b == b'\n').map(trim_newline).peekable();
    while let Some(line) = lines.next() {
        let Some(boundary) = line.strip_prefix(b"--") else {
            continue;
        };
        let plausible = (1..=70).contains(&boundary.len())
            && boundary.iter().all(|b| b.is_ascii_graphic())
            && !boundary.ends_with(b"--");
        // A part's header almost always starts with a Content- field; requiring one keeps
        // a signature such as `--Tom` from being taken for a delimiter (and the text
        // before it for a preamble).
        let next_is_header = lines.peek().is_some_and(|next| {
            next.get(..8)
                .is_some_and(|start| start.eq_ignore_ascii_case(b"content-"))
        });
        if plausible && next_is_header {
            return Some(boundary);
        }
    }
    None
}

/// The field groups of a `message/delivery-status` body (RFC 3464 §2.1): groups separated
/// by empty lines, each field's value unfolded, with the type word RFC 3464 puts before an
/// address, a diagnostic or an MTA name (`rfc822;`, `smtp;`, `dns;`) dropped.
fn delivery_status(body: &[u8], charsets: &dyn Charsets) -> Vec<Vec<(String, String)>> {
    let mut groups = Vec::new();
    let mut rest = body;
    while !rest.is_empty() && groups.len() < MAX_PARTS {
        let (group, after) = split_header(rest);
        // An empty line ends a group; several in a row are one separator.
        if group.is_empty() {
            rest = after;
            continue;
        }
        let fields: Vec<(String, String)> = header_fields(group)
            .into_iter()
            .map(|(name, value)| {
                let value = decode_header(value, charsets);
                let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
                let typed = [
                    "final-recipient",
                    "original-recipient",
                    "diagnostic-code",
                    "remote-mta",
                    "reporting-mta",
                    "received-from-mta",
                ];
                let value = match value.split_once(';') {
                    Some((kind, v))
                        if typed.iter().any(|t| name.eq_ignore_ascii_case(t))
                            && !kind.contains(' ') =>
                    {
                        v.trim().to_owned()
                    }
                    _ => value,
                };
                (name.to_owned(), value)
            })
            .collect();
        if !fields.is_empty() {
            groups.push(fields);
        }
        rest = after;
    }
    groups
}

/// A file name for display and download: no path, no control characters.
pub(super) fn safe_name(name: &str) -> String {
    let leaf = name.rsplit(['/', '\\']).next().unwrap_or(name);
    leaf.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Splits at the first empty line. A message without one is all header (RFC 5322 allows no
/// body); one that starts with an empty line has no header.
fn split_header(raw: &[u8]) -> (&[u8], &[u8]) {
    if raw.starts_with(b"\r\n") {
        return (&[], &raw[2..]);
    }
    if raw.starts_with(b"\n") {
        return (&[], &raw[1..]);
    }
    let mut i = 0;
    while let Some(nl) = raw[i..].iter().position(|&b| b == b'\n') {
        let end = i + nl + 1;
        let rest = &raw[end..];
        if rest.starts_with(b"\r\n") {
            return (&raw[..end], &rest[2..]);
        }
        if rest.starts_with(b"\n") {
            return (&raw[..end], &rest[1..]);
        }
        i = end;
    }
    (raw, &[])
}

/// Header fields as (name, unfolded-later raw value). Lines without a colon are skipped;
/// continuation lines belong to the field before them.
fn header_fields(header: &[u8]) -> Vec<(&str, &[u8])> {
    let mut out: Vec<(&str, &[u8])> = Vec::new();
    let mut start = 0;
    let mut current: Option<(usize, usize, usize)> = None; // name end, value start, value end
    let mut field_start = 0;
    fn push<'h>(
        out: &mut Vec<(&'h str, &'h [u8])>,
        header: &'h [u8],
        field_start: usize,
        c: (usize, usize, usize),
    ) {
        if out.len() < MAX_FIELDS {
            if let Ok(name) = std::str::from_utf8(&header[field_start..c.0]) {
                out.push((name.trim(), &header[c.1..c.2]));
            }
        }
    }
    while start < header.len() {
        let end = header[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(header.len(), |p| start + p + 1);
        let line = &header[start..end];
        let content_end = start + trim_newline(line).len();
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            if let Some(c) = current.as_mut() {
                c.2 = content_end;
            }
        } else {
            if let Some(c) = current.take() {
                push(&mut out, header, field_start, c);
            }
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                field_start = start;
                current = Some((start + colon, start + colon + 1, content_end));
            }
        }
        start = end;
    }
    if let Some(c) = current {
        push(&mut out, header, field_start, c);
    }
    out
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `value; name=value; name="quoted"` (Content-Type, Content-Disposition) with RFC 2231
/// parameters (`name*=charset'lang'%XX`, `name*0=`, `name*1*=`). The value comes out
/// lowercase; parameter names lowercase; parameter values decoded to text.
fn parse_parameterised(raw: &[u8], charsets: &dyn Charsets) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(raw);
    let text = text.replace(['\r', '\n'], "");
    let mut pieces = split_unquoted(&text, ';').into_iter();
    let value = pieces
        .next()
        .map(|v| strip_comments(v).trim().to_ascii_lowercase())
        .unwrap_or_default();
    // (name, section, extended, raw value)
    let mut raw_params: Vec<(String, Option<u32>, bool, String)> = Vec::new();
    for piece in pieces {
        let Some((name, val)) = piece.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let val = val.trim();
        let val = if let Some(inner) = val.strip_prefix('"') {
            unquote(inner)
        } else {
            strip_comments(val).trim().to_owned()
        };
        let (name, extended) = match name.strip_suffix('*') {
            Some(n) => (n.to_owned(), true),
            None => (name, false),
        };
        let (name, section) = match name.split_once('*') {
            Some((n, s)) => (n.to_owned(), s.parse::<u32>().ok()),
            None => (name, None),
        };
        if raw_params.len() < 64 {
            raw_params.push((name, section, extended, val));
        }
    }
    let mut params: Vec<(String, String)> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (name, ..) in &raw_params {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    for name in names {
        let mut sections: Vec<&(String, Option<u32>, bool, String)> =
            raw_params.iter().filter(|(n, ..)| n == name).collect();
        // A plain `name=` wins only if there is no RFC 2231 form.
        let rfc2231 = sections.iter().any(|(_, s, e, _)| s.is_some() || *e);
        if rfc2231 {
            sections.retain(|(_, s, e, _)| s.is_some() || *e);
            sections.sort_by_key(|(_, s, ..)| s.unwrap_or(0));
            let mut charset = String::new();
            let mut bytes = Vec::new();
            for (k, (_, _, extended, val)) in sections.iter().enumerate() {
                if *extended {
                    let mut v = val.as_str();
                    if k == 0 {
                        // charset'language'value
                        let mut parts = v.splitn(3, '\'');
                        if let (Some(c), Some(_), Some(rest)) =
                            (parts.next(), parts.next(), parts.next())
                        {
                            charset = c.to_owned();
                            v = rest;
                        }
                    }
                    bytes.extend(percent_decode(v.as_bytes()));
                } else {
                    bytes.extend_from_slice(val.as_bytes());
                }
            }
            let charset = if charset.is_empty() {
                "utf-8"
            } else {
                &charset
            };
            params.push((name.to_owned(), decode_charset(charset, &bytes, charsets)));
        } else if let Some((_, _, _, val)) = sections.first() {
            params.push((name.to_owned(), val.clone()));
        }
    }
    (value, params)
}

/// Splits at `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The inside of a quoted string (after the opening quote), unescaped, up to the closing
/// quote or the end.
fn unquote(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Drops RFC 5322 comments (`(like this)`), nested, outside quotes.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

pub(super) fn percent_decode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let (Some(h), Some(l)) = (
                s.get(i + 1).and_then(|&b| hex(b)),
                s.get(i + 2).and_then(|&b| hex(b)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The body parts of a multipart, between `--boundary` lines, preamble and epilogue
/// dropped. A missing close delimiter ends the last part at the end of the body.
///
/// A close delimiter followed by more delimiters of the same boundary does not end the
/// multipart: that is a nested multipart that reused its parent's boundary, whose parts
/// then come out as parts of the parent rather than vanish after the first close.
fn split_multipart<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut closed = false;
    let mut i = 0;
    while i < body.len() && parts.len() < MAX_PARTS {
        let end = body[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| i + p + 1);
        let line = trim_newline(&body[i..end]);
        if let Some(rest) = line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
        {
            let close = rest.starts_with(b"--");
            let rest = if close { &rest[2..] } else { rest };
            // RFC 2046 §5.1.1: only linear whitespace may follow the boundary.
            if rest.iter().all(|&b| b == b' ' || b == b'\t') {
                if let Some(s) = start.filter(|_| !closed) {
                    // The CRLF before a boundary belongs to the boundary.
                    let mut e = i;
                    if e > s && body[e - 1] == b'\n' {
                        e -= 1;
                        if e > s && body[e - 1] == b'\r' {
                            e -= 1;
                        }
                    }
                    parts.push(&body[s..e.max(s)]);
                }
                closed = close;
                start = Some(end);
            }
        }
        i = end;
    }
    if let Some(s) = start.filter(|_| !closed) {
        if s <= body.len() && parts.len() < MAX_PARTS {
            parts.push(&body[s..]);
        }
    }
    parts
}

/// Lenient base64: bytes outside the alphabet (line breaks, junk) are skipped, decoding stops
/// at padding, and leftover bits are dropped.
fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                // Padding ends a group; some senders concatenate encoded chunks, so keep
                // going after it with a fresh group.
                acc = 0;
                bits = 0;
                continue;
            }
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` is a byte, `=` at the end of a line joins it to
/// the next, trailing whitespace on a line is dropped; a malformed `=` stays as it is.
fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut lines = input.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let trimmed_len = line
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |p| p + 1);
        let line = &line[..trimmed_len];
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(l) => (l, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            if line[i] == b'=' {
                if let (Some(h), Some(l)) = (
                    line.get(i + 1).and_then(|&b| hex(b)),
                    line.get(i + 2).and_then(|&b| hex(b)),
                ) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(line[i]);
            i += 1;
        }
        if !soft && !last {
            out.push(b'\n');
        }
    }
    out
}

/// CRLF and lone CR to LF.
fn normalise_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// format=flowed (RFC 3676): a line ending in a space continues on the next one (at the same
/// quote depth); a leading space added for stuffing is removed. `delsp` drops the space.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None; // quote depth of a paragraph being joined
    for line in normalise_newlines(text).split('\n') {
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        // The signature separator is never flowed.
        let flowed = content.ends_with(' ') && content != "-- ";
        match open {
            Some(d) if d == depth => {}
            Some(_) => {
                out.push('\n');
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
            None => {
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
        }
        if flowed {
            let content = if delsp {
                content.strip_suffix(' ').unwrap_or(content)
            } else {
                content
            };
            out.push_str(content);
            open = Some(depth);
        } else {
            out.push_str(content);
            out.push('\n');
            open = None;
        }
    }
    // The split gives one empty piece after a final newline.
    if out.ends_with("\n\n") || (out.ends_with('\n') && !text.ends_with('\n')) {
        out.pop();
    }
    out
}

/// An address list (`"Name" <a@b>, c@d, Group: e@f;`) with decoded display names.
fn address_list(raw: &[u8], charsets: &dyn Charsets) -> Vec<Address> {
    let text = String::from_utf8_lossy(raw).replace(['\r', '\n'], " ");
    let mut out = Vec::new();
    for item in split_unquoted(&text, ',') {
        // A group's name (`Friends: a@b, c@d;`) is not an address.
        let item = match item.split_once(':') {
            Some((group, rest)) if !group.contains(['<', '"', '@']) => rest,
            _ => item,
        };
        let item = item.trim().trim_end_matches(';').trim();
        if item.is_empty() || out.len() >= 200 {
            continue;
        }
        let (name, email) = match (item.rfind('<'), item.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                (item[..open].trim(), item[open + 1..close].trim().to_owned())
            }
            _ => ("", strip_comments(item).trim().to_owned()),
        };
        let name = if let Some(inner) = name.strip_prefix('"') {
            unquote(inner)
        } else {
            strip_comments(name)
        };
        let name = decode_header(name.trim().as_bytes(), charsets)
            .trim()
            .to_owned();
        out.push(Address { name, email });
    }
    out
}

/// An RFC 5322 date (`Fri, 01 Mar 2024 09:00:00 +0000`, day name and seconds optional,
/// obsolete zone names accepted) in seconds since the Unix epoch.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let text = strip_comments(text);
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .peekable();
    if words.peek()?.chars().next()?.is_ascii_alphabetic() {
        words.next();
    }
    let day: i64 = words.next()?.parse().ok()?;
    let month = words.next()?.get(..3)?.to_ascii_lowercase();
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| *m == month)? as i64
        + 1;
    let mut year: i64 = words.next()?.parse().ok()?;
    if year < 50 {
        year += 2000;
    } else if year < 1000 {
        year += 1900;
    }
    let mut time = words.next()?.split(':');
    let hour: i64 = time.next()?.parse().ok()?;
    let minute: i64 = time.next()?.parse().ok()?;
    let second: i64 = time.next().map_or(Some(0), |s| s.parse().ok())?;
    let zone = match words.next() {
        Some(z) if z.starts_with(['+', '-']) && z.len() == 5 => {
            let n: i64 = z[1..].parse().ok()?;
            let offset = (n / 100) * 3600 + (n % 100) * 60;
            if z.starts_with('-') {
                -offset
            } else {
                offset
            }
        }
        Some(z) => match z.to_ascii_uppercase().as_str() {
            "EDT" => -4 * 3600,
            "EST" | "CDT" => -5 * 3600,
            "CST" | "MDT" => -6 * 3600,
            "MST" | "PDT" => -7 * 3600,
            "PST" => -8 * 3600,
            _ => 0,
        },
        None => 0,
    };
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if !(1900..=9999).contains(&year) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - zone)
}

/// Howard Hinnant's `days_from_civil`: a proleptic Gregorian date to days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod corpus;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::mime::{BuiltInOnly, Table, Whatwg};

    fn text(s: &str) -> Block {
        Block::Text(s.to_owned())
    }

    fn html(s: &str) -> Block {
        Block::Html(s.to_owned())
    }

    fn parse_crlf(text: &str) -> MessageView {
        parse(text.replace('\n', "\r\n").as_bytes(), &BuiltInOnly)
    }

    #[test]
    fn plain_text_with_headers() {
        let m = parse_crlf(
            "From: \"Ada Lovelace\" <ada@example.org>\n\
             To: Alice <alice@localhost>, bob@example.com\n\
             Cc: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.de>\n\
             Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\n\
             Date: Fri, 01 Mar 2024 10:00:00 +0100\n\
             \n\
             Hello,\n\
             world.\n",
        );
        assert_eq!(m.subject, "Grüße");
        assert_eq!(
            m.from,
            [Address {
                name: "Ada Lovelace".into(),
                email: "ada@example.org".into()
            }]
        );
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.to[1].display(), "bob@example.com");
        assert_eq!(m.cc[0].name, "Jörg");
        assert_eq!(m.date, Some(1_709_283_600));
        assert_eq!(m.body, [text("Hello,\nworld.\n")]);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn quoted_printable_latin1_body() {
        let m = parse_crlf(
            "Content-Type: text/plain; charset=\"ISO-8859-1\"\n\
             Content-Transfer-Encoding: quoted-printable\n\
             \n\
             Gr=FC=DFe aus M=FCnchen, ein sehr langer Satz der umbrochen =\n\
             wird.  \n\
             =3D Ende =XY\n",
        );
        assert_eq!(
            m.body,
            [text(
                "Grüße aus München, ein sehr langer Satz der umbrochen wird.\n= Ende =XY\n"
            )]
        );
    }

    #[test]
    fn base64_utf8_body_and_bad_base64() {
        let m = parse_crlf(
            "Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: BASE64\n\
             \n\
             Q2Fmw6kgYXUgbGFpdCDimJU=\n",
        );
        assert_eq!(m.body, [text("Café au lait ☕")]);
        // Junk characters are skipped; a truncated group loses only its last bits.
        let m = parse_crlf(
            "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs*bG8g!d29y\nbGQ\n",
        );
        assert_eq!(m.body, [text("hello world")]);
    }

    #[test]
    fn alternative_shows_the_html_rendering() {
        let m = parse_crlf(
            "Content-Type: multipart/alternative; boundary=\"b1\"\n\
             \n\
             preamble\n\
             --b1\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             Numbers are up.\n\
             --b1\n\
             Content-Type: text/html; charset=utf-8\n\
             Content-Transfer-Encoding: quoted-printable\n\
             \n\
             <p>Numbers are <b>up</b>=2E</p>\n\
             --b1--\n\
             epilogue\n",
        );
        assert_eq!(m.body, [html("<p>Numbers are <b>up</b>.</p>")]);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn nested_mixed_related_with_attachments_and_part_numbers() {
        let m = parse_crlf(
            "Content-Type: multipart/mixed; boundary=outer\n\
             \n\
             --outer\n\
             Content-Type: multipart/alternative; boundary=inner\n\
             \n\
             --inner\n\
             Content-Type: text/plain\n\
             \n\
             See attached.\n\
             --inner\n\
             Content-Type: multipart/related; boundary=rel\n\
             \n\
             --rel\n\
             Content-Type: text/html\n\
             \n\
             <img src=\"cid:logo\">\n\
             --rel\n\
             Content-Type: image/png\n\
             Content-ID: <logo>\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             iVBORw==\n\
             --rel--\n\
             --inner--\n\
             --outer\n\
             Content-Type: application/pdf; name=\"report.pdf\"\n\
             Content-Disposition: attachment; filename=\"report.pdf\"\n\
             Content-Transfer-Encoding: base64\n\
             \n\
             JVBERi0xLjQK\n\
             --outer\n\
             Content-Type: message/rfc822\n\
             \n\
             Subject: inner\n\
             \n\
             forwarded\n\
             --outer--\n",
        );
        // The related image is part of the body: a data: URL, not an attachment. The
        // forwarded message shows inline, and is listed to be saved.
        assert_eq!(
            m.body[0],
            html("<img src=\"data:image/png;base64,iVBORw==\">")
        );
        let Block::Message { part, message } = &m.body[1] else {
            panic!("{m:#?}")
        };
        assert_eq!(part, "3");
        assert_eq!(message.subject, "inner");
        assert_eq!(message.body, [text("forwarded")]);
        assert_eq!(m.body.len(), 2);
        let parts: Vec<(&str, &str, &str, usize)> = m
            .attachments
            .iter()
            .map(|a| {
                (
                    a.part.as_str(),
                    a.name.as_str(),
                    a.media_type.as_str(),
                    a.size,
                )
            })
            .collect();
        assert_eq!(
            parts,
            [
                ("2", "report.pdf", "application/pdf", 9),
                ("3", "inner.eml", "message/rfc822", 27),
            ]
        );
        assert_eq!(m.attachments[0].encoding, "base64");
        assert_eq!(decode_transfer("base64", b"JVBERi0xLjQK"), b"%PDF-1.4\n");
    }

    #[test]
    fn rfc_2231_and_2047_file_names() {
        let m = parse_crlf(
            "Content-Type: multipart/mixed; boundary=x\n\
             \n\
             --x\n\
             Content-Type: application/octet-stream\n\
             Content-Disposition: attachment;\n \
             filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E2%98%95.txt\n\
             \n\
             a\n\
             --x\n\
             Content-Type: text/plain; name*0*=iso-8859-1'fr'r%E9sum;\n name*1=\"e final.txt\"\n\
             Content-Disposition: attachment\n\
             \n\
             b\n\
             --x\n\
             Content-Type: image/jpeg; name=\"=?UTF-8?B?w6l0w6kuanBn?=\"\n\
             \n\
             c\n\
             --x\n\
             Content-Type: text/plain\n\
             Content-Disposition: attachment; filename=\"../../etc/passwd\"\n\
             \n\
             d\n\
             --x--\n",
        );
        let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["Grüße ☕.txt", "résume final.txt", "été.jpg", "passwd"]
        );
        assert_eq!(m.body, []);
    }

    #[test]
    fn other_charsets_go_to_the_seam() {
        let raw = b"Content-Type: text/plain; charset=KOI8-R\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4";
        let table = Table::east_and_west();
        assert_eq!(parse(raw, &table).body, [text("Привет")]);
        // Unknown everywhere: replacement characters, not a panic or a blank.
        let raw = b"Content-Type: text/plain; charset=x-unknown\r\n\r\nok \xff";
        assert_eq!(parse(raw, &table).body, [text("ok \u{fffd}")]);
    }

    /// ISO-2022-JP text opens with an escape sequence; the body and the display name decode
    /// without a stray "\u{fffd}", in 7bit and in base64.
    #[test]
    fn iso_2022_jp_body_and_name() {
        let raw = b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= =?ISO-2022-JP?B?GyRCQkBPOhsoQg==?= <t@example.jp>\r\n\
            Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\
            \x1b$B$3$s$K$A$O\x1b(B\r\n\x1b$B@$3&\x1b(B\r\n";
        let view = parse(raw, &Whatwg);
        assert_eq!(view.from[0].name, "山田太郎");
        assert_eq!(view.body, [text("こんにちは\n世界\n")]);
        let raw = b"Content-Type: text/plain; charset=iso-2022-jp\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nGyRCJDMkcyRLJEEkTxsoQg==\r\n";
        assert_eq!(parse(raw, &Whatwg).body, [text("こんにちは")]);
    }

    #[test]
    fn format_flowed() {
        let m = parse_crlf(
            "Content-Type: text/plain; format=flowed\n\
             \n\
             This is a long \n\
             paragraph.\n\
             > quoted \n\
             > text\n\
             \n \
             From stuffed\n\
             -- \n\
             sig\n",
        );
        assert_eq!(
            m.body,
            [text(
                "This is a long paragraph.\n> quoted text\n\nFrom stuffed\n-- \nsig\n"
            )]
        );
        let m = parse_crlf("Content-Type: text/plain; format=flowed; delsp=yes\n\nab \ncd\n");
        assert_eq!(m.body, [text("abcd\n")]);
    }

    #[test]
    fn malformed_messages_never_panic_and_show_something() {
        // No header/body separator, no boundary close, boundary parameter missing, garbage.
        let cases: &[&[u8]] = &[
            b"",
            b"\r\n",
            b"Subject: only a header",
            b"Content-Type: multipart/mixed\r\n\r\nno boundary",
            b"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n",
            b"Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nunclosed",
            b"Content-Type: multipart/mixed; boundary=z\r\n\r\n--z--\r\n",
            b"Content-Type: /; charset*0*=''%\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=4",
            b"Content-Type: text/plain; name*=utf-8'\r\nContent-Disposition: ;;;===\r\n\r\nx",
            b"From: <<<>>>, \"unterminated\r\nTo: ,,,\r\nDate: Mon, 99 Foo 20 99:99\r\n\r\n\xff\xfe",
            b":\r\n \r\n\t\r\n\r\n",
        ];
        for raw in cases {
            let _ = parse(raw, &BuiltInOnly);
        }
        let m = parse(cases[5], &BuiltInOnly);
        assert_eq!(m.body, [text("unclosed")]);
        let m = parse(cases[3], &BuiltInOnly);
        assert_eq!(m.body, [text("no boundary")]);
    }

    #[test]
    fn deep_nesting_and_many_parts_are_bounded() {
        let mut raw = String::new();
        for k in 0..200 {
            raw.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{k}\r\n\r\n--b{k}\r\n"
            ));
        }
        raw.push_str("Content-Type: text/plain\r\n\r\ndeep\r\n");
        let m = parse(raw.as_bytes(), &BuiltInOnly);
        assert!(m.body.is_empty() && m.attachments.len() == 1, "{m:?}");

        let mut raw = String::from("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for _ in 0..10_000 {
            raw.push_str("--b\r\nContent-Type: application/x-a\r\n\r\nx\r\n");
        }
        let m = parse(raw.as_bytes(), &BuiltInOnly);
        assert!(m.attachments.len() < MAX_PARTS);
    }

    #[test]
    fn huge_headers_are_bounded() {
        let mut raw = String::new();
        for k in 0..5000 {
            raw.push_str(&format!("X-Junk-{k}: {}\r\n", "y".repeat(10)));
        }
        raw.push_str(&format!("Subject: {}\r\n\r\nbody", "s".repeat(100_000)));
        let m = parse(raw.as_bytes(), &BuiltInOnly);
        // The subject is past the first MAX_FIELDS fields: ignored, not a crash.
        assert_eq!(m.subject, "");
        assert_eq!(m.body, [text("body")]);
    }

    #[test]
    fn many_references_to_one_image_are_bounded_by_the_inline_budget() {
        // Regression: the budget was charged once per image, so a 3 MB image referred to a
        // thousand times made a 4 GB body.
        let image = "A".repeat(3 * 1024 * 1024);
        let refs = "<img src=cid:i>".repeat(1000);
        let raw = format!(
            "Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n\
             Content-Type: text/html\r\n\r\n{refs}\r\n--r\r\nContent-Type: image/png\r\n\
             Content-ID: <i>\r\nContent-Transfer-Encoding: base64\r\n\r\n{image}\r\n--r--\r\n"
        );
        let m = parse(raw.as_bytes(), &BuiltInOnly);
        assert_eq!(m.body, [html(&refs)]);
        assert_eq!(m.attachments.len(), 1);
        // A few references to a small image are inlined, every one of them.
        let raw = "Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n\
             Content-Type: text/html\r\n\r\n<img src=cid:i><img src=cid:i>\r\n--r\r\n\
             Content-Type: image/gif\r\nContent-ID: <i>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             R0lGODlh\r\n--r--\r\n";
        let m = parse(raw.as_bytes(), &BuiltInOnly);
        let url = "<img src=data:image/gif;base64,R0lGODlh>";
        assert_eq!(m.body, [html(&url.repeat(2))]);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("Fri, 01 Mar 2024 09:00:00 +0000"),
            Some(1_709_283_600)
        );
        assert_eq!(parse_date("1 Mar 2024 04:00 -0500"), Some(1_709_283_600));
        assert_eq!(
            parse_date("Fri, 1 Mar 24 01:00:00 PST (Pacific)"),
            Some(1_709_283_600)
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    /// Random mutations of a message with every feature: parsing must never panic. (A
    /// cheap stand-in for a fuzz target, run with every `cargo test`.)
    #[test]
    fn mutated_messages_never_panic() {
        let sample = "From: =?UTF-8?Q?J=C3=B6rg?= <j@example.de>, \"a, b\" <ab@x>\r\n\
            Subject: =?ISO-8859-1?B?R3L832U=?=\r\nDate: Fri, 1 Mar 2024 09:00 +0100\r\n\
            Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n\
            Content-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n\
            Content-Type: text/plain; charset=iso-8859-1; format=flowed; delsp=yes\r\n\
            Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe =\r\nsoft \r\nx\r\n\
            --i\r\nContent-Type: text/html\r\n\r\n<img src=cid:a@b>\r\n--i--\r\n--o\r\n\
            Content-Type: image/gif; name*0*=utf-8''%C3%A9; name*1=x.gif\r\nContent-ID: <a@b>\r\n\
            Content-Transfer-Encoding: base64\r\n\r\nR0lGODlh\r\n--o--\r\n";
        let sample = sample.as_bytes();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: [&[u8]; 8] = [
            b"--o", b"--i--", b"\r\n", b"=", b"*0*=", b"'", b"\"", b"\xff",
        ];
        for _ in 0..3000 {
            let mut m = sample.to_vec();
            for _ in 0..(next() % 8 + 1) {
                let at = (next() as usize) % (m.len() + 1);
                match next() % 4 {
                    0 if at < m.len() => m[at] = next() as u8,
                    1 => {
                        let piece = pieces[(next() as usize) % pieces.len()];
                        m.splice(at..at, piece.iter().copied());
                    }
                    2 => m.truncate(at),
                    _ if at < m.len() => {
                        m.remove(at);
                    }
                    _ => {}
                }
            }
            let _ = parse(&m, &BuiltInOnly);
        }
        // The unmutated sample parses fully.
        let m = parse(sample, &BuiltInOnly);
        assert_eq!(m.subject, "Grüße");
        assert_eq!(m.from[1].name, "a, b");
        assert_eq!(m.body, [html("<img src=data:image/gif;base64,R0lGODlh>")]);
        assert!(m.attachments.is_empty(), "{m:?}");
    }
}
