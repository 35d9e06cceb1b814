//! FETCH responses to [`MessageSummary`] rows.

use petrel_imap::types::fetch::{Address, FetchItem};
use petrel_imap::types::flag::Flag;

use super::mime::{decode_header, Charsets};
use super::MessageSummary;

/// Builds a row from a FETCH of `UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE`; `None` when
/// the response lacks the UID or the envelope (an unsolicited flag update, say).
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
