//! FETCH responses to [`MessageSummary`] rows: the envelope's sender and subject, the
//! attachment mark and parts from BODYSTRUCTURE, and the server's preview of the text.

use petrel_imap::types::fetch::{
    Address, BodyKind, BodyParams, BodyRef, BodyStructure, FetchItem, SinglePart,
};
use petrel_imap::types::flag::Flag;

use super::message::{percent_decode, safe_name};
use super::mime::{decode_charset, decode_header, Charsets};
use super::{MessageSummary, Part};

/// A preview longer than this many characters is cut: the row shows one line of it, and
/// RFC 8970 lets a server send up to 256.
pub(crate) const PREVIEW_CHARS: usize = 200;

/// Parts beyond this many are not kept for the store (they still count for the mark): a
/// row must stay small however many parts a message claims.
const MAX_PARTS: usize = 64;

/// Encapsulated messages and multiparts nested deeper than this are not walked. The codec
/// already bounds the nesting of a response; this keeps the walk's own bound local.
const MAX_DEPTH: usize = 16;

/// Builds a row from a FETCH of the list's items (`UID FLAGS ENVELOPE RFC822.SIZE
/// INTERNALDATE BODYSTRUCTURE`, and `PREVIEW` where offered); `None` when the response lacks
/// the UID or the envelope (an unsolicited flag update, say).
pub(crate) fn summary(items: &[FetchItem<'_>], charsets: &dyn Charsets) -> Option<MessageSummary> {
    let mut uid = None;
    let mut envelope = None;
    let mut row = MessageSummary {
        uid: 0,
        from: String::new(),
        subject: String::new(),
        date: None,
        unread: true,
        flagged: false,
        size: 0,
        attachment: false,
        preview: None,
        parts: Vec::new(),
    };
    for item in items {
        match item {
            FetchItem::Uid(u) => uid = Some(*u),
            FetchItem::Flags(flags) => {
                row.unread = !flags.contains(&Flag::Seen);
                row.flagged = flags.contains(&Flag::Flagged);
            }
            FetchItem::Envelope(e) => envelope = Some(e),
            FetchItem::Rfc822Size(s) => row.size = *s,
            FetchItem::InternalDate(d) => row.date = Some(d.unix_time()),
            FetchItem::BodyStructure(structure) => {
                (row.attachment, row.parts) = parts(structure, charsets);
            }
            FetchItem::Preview(text) => row.preview = text.as_deref().and_then(preview),
            _ => {}
        }
    }
    let envelope = envelope?;
    row.uid = uid?;
    row.subject = envelope
        .subject
        .as_deref()
        .map(|subject| decode_header(subject, charsets))
        .unwrap_or_default();
    row.from = envelope
        .from
        .first()
        .map(|a| display_address(&a, charsets))
        .unwrap_or_default();
    Some(row)
}

/// The display name if there is one, else `mailbox@host`.
fn display_address(a: &Address<'_>, charsets: &dyn Charsets) -> String {
    if let Some(name) = a.name.as_deref() {
        let name = decode_header(name, charsets);
        let name = name.trim().trim_matches('"').trim();
        if !name.is_empty() {
            return name.to_owned();
        }
    }
    let mailbox = a
        .mailbox
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    match a.host.as_deref() {
        Some(host) if !host.is_empty() => format!("{mailbox}@{}", String::from_utf8_lossy(host)),
        _ => mailbox.into_owned(),
    }
}

/// A server's PREVIEW as one line to show: UTF-8 (RFC 8970 says it is; bad bytes become
/// U+FFFD), white space and control characters collapsed to single spaces, invisible
/// characters dropped, trimmed, and cut at [`PREVIEW_CHARS`] characters. `None` if nothing
/// is left. Only as much of the input is read as the line needs.
pub(crate) fn preview(raw: &[u8]) -> Option<String> {
    let chars = raw.utf8_chunks().flat_map(|chunk| {
        let bad = (!chunk.invalid().is_empty()).then_some(char::REPLACEMENT_CHARACTER);
        chunk.valid().chars().chain(bad)
    });
    let mut out = String::new();
    let (mut count, mut space) = (0, false);
    for c in chars {
        if invisible(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = count > 0;
            continue;
        }
        // Room for the space and the character, or the line ends here (never on a space).
        let needed = if space { 2 } else { 1 };
        if count + needed > PREVIEW_CHARS {
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        count += needed;
    }
    (!out.is_empty()).then_some(out)
}

/// Characters that show nothing but change what is around them: the bidirectional
/// embeddings, overrides and isolates (a right-to-left override in a preview would reverse
/// the rest of the row), and the zero-width characters that marketing mail pads its
/// preview text with so that clients show no more of the body.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Whether the message has an attachment, and its parts (at most [`MAX_PARTS`]): every
/// leaf, and every encapsulated message (`message/rfc822`) with its own parts after it.
pub(crate) fn parts(structure: &BodyStructure<'_>, charsets: &dyn Charsets) -> (bool, Vec<Part>) {
    let mut walk = Walk {
        charsets,
        attachment: false,
        parts: Vec::new(),
    };
    let root = structure.root();
    walk.body(root, &body_id("", root), Place::default(), 0);
    (walk.attachment, walk.parts)
}

/// Where a leaf sits, as far as [`is_attachment`] cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Place {
    /// Inside a `multipart/related` (of the same message, not of one encapsulated in it).
    pub in_related: bool,
}

/// Whether a leaf part is an attachment: what the reading pane (`engine::message`) will
/// list as a file, as far as BODYSTRUCTURE shows it. `media_type`, `subtype` and
/// `disposition` are as the server sent them (any case).
///
/// - `Content-Disposition: attachment`: yes, whatever the type.
/// - An encapsulated message (`message/rfc822`, `message/global`): yes, it can be saved as
///   `.eml` (and so is any other `message/*` the pane does not show). A delivery report's
///   status part (`message/delivery-status`) is shown as its fields: no.
/// - `text/plain`, `text/html` and the headers a bounce returns (`text/rfc822-headers`) are
///   shown as text; a `name` alone does not make them files, older mailers name every
///   part. Other `text/*` (a calendar invitation, a CSV) are files unless marked `inline`.
/// - An image inside a `multipart/related` is taken as one the HTML shows (`cid:`): no.
///   BODYSTRUCTURE cannot tell whether the HTML really refers to it; the pane, which sees
///   the HTML, lists one it does not.
/// - Every other leaf (`application/*`, `audio/*`, `video/*`, `model/*`, an image
///   elsewhere, inline or not): yes.
pub(crate) fn is_attachment(
    media_type: &[u8],
    subtype: &[u8],
    disposition: Option<&[u8]>,
    place: Place,
) -> bool {
    let is = |want: &str| media_type.eq_ignore_ascii_case(want.as_bytes());
    let sub = |want: &str| subtype.eq_ignore_ascii_case(want.as_bytes());
    let disposed =
        |want: &str| disposition.is_some_and(|d| d.eq_ignore_ascii_case(want.as_bytes()));
    if disposed("attachment") {
        return true;
    }
    if is("message") {
        return !(sub("delivery-status") || sub("global-delivery-status"));
    }
    if is("text") {
        return !(sub("plain") || sub("html") || sub("rfc822-headers") || disposed("inline"));
    }
    !(is("image") && place.in_related)
}

struct Walk<'c> {
    charsets: &'c dyn Charsets,
    attachment: bool,
    parts: Vec<Part>,
}

impl Walk<'_> {
    /// A body (a message's, or a part of a multipart) whose part number is `id`; a
    /// multipart's own number only prefixes its children's (`""` for a message's top level).
    fn body(&mut self, node: BodyRef<'_, '_>, id: &str, place: Place, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node.kind() {
            Some(BodyKind::Multipart { subtype, .. }) => {
                let place = Place {
                    in_related: place.in_related || subtype.eq_ignore_ascii_case(b"related"),
                };
                for (k, child) in node.children().enumerate() {
                    self.body(child, &join(id, k + 1), place, depth + 1);
                }
            }
            Some(BodyKind::Single(part)) => {
                self.leaf(node, part, id, place);
                let encapsulated = part.media_type.eq_ignore_ascii_case(b"message");
                if let (true, Some(inner)) = (encapsulated, node.children().next()) {
                    // A message of its own: its parts number under this one's, and a
                    // related part around it says nothing about its images.
                    self.body(inner, &body_id(id, inner), Place::default(), depth + 1);
                }
            }
            None => {}
        }
    }

    fn leaf(&mut self, node: BodyRef<'_, '_>, part: &SinglePart<'_>, id: &str, place: Place) {
        let extension = node
            .kind()
            .map(BodyKind::extension_fields)
            .unwrap_or_default();
        let disposition = extension.disposition.as_ref();
        // A part without a type is plain text (RFC 2045 §5.2); Dovecot sends `"" ""`.
        let (media_type, subtype): (&[u8], &[u8]) = if part.media_type.is_empty() {
            (b"text", b"plain")
        } else {
            (&part.media_type, &part.subtype)
        };
        let attachment = is_attachment(media_type, subtype, disposition.map(|d| &*d.kind), place);
        self.attachment |= attachment;
        if self.parts.len() >= MAX_PARTS {
            return;
        }
        let filename = disposition
            .and_then(|d| self.param(&d.params, "filename"))
            .or_else(|| self.param(&part.params, "name"));
        self.parts.push(Part {
            section: id.to_owned(),
            media_type: format!(
                "{}/{}",
                String::from_utf8_lossy(media_type),
                String::from_utf8_lossy(subtype)
            )
            .to_ascii_lowercase(),
            filename,
            size: part.size,
            attachment,
        });
    }

    /// A parameter's decoded value: the RFC 2231 form (`name*`, `charset'language'%XX`,
    /// which Dovecot sends with its continuations already joined) before the plain one
    /// (which may hold RFC 2047 words); without a path or control characters.
    fn param(&self, params: &BodyParams<'_>, name: &str) -> Option<String> {
        let extended = params.get(&format!("{name}*")).map(|value| {
            let mut pieces = value.splitn(3, |&b| b == b'\'');
            match (pieces.next(), pieces.next(), pieces.next()) {
                (Some(charset), Some(_language), Some(text)) => {
                    let charset = String::from_utf8_lossy(charset);
                    let charset = if charset.is_empty() {
                        "utf-8"
                    } else {
                        &charset
                    };
                    decode_charset(charset, &percent_decode(text), self.charsets)
                }
                _ => decode_charset("utf-8", &percent_decode(&value), self.charsets),
            }
        });
        let value = extended.or_else(|| {
            params
                .get(name)
                .map(|value| decode_header(&value, self.charsets))
        })?;
        let name = safe_name(&value);
        (!name.is_empty()).then(|| name.chars().take(255).collect())
    }
}

/// `prefix.k`, or `k` at the top level.
fn join(prefix: &str, k: usize) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// The number of the body of a message numbered `prefix` (`""` for the top level): a
/// multipart takes the message's own number (its parts are `prefix.1`, `prefix.2`), a
/// single part is `prefix.1` (RFC 9051 §6.4.5).
fn body_id(prefix: &str, body: BodyRef<'_, '_>) -> String {
    match body.kind() {
        Some(BodyKind::Multipart { .. }) => prefix.to_owned(),
        _ => join(prefix, 1),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
