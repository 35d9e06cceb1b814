//! Known answers for the row's attachment mark, parts and preview. The BODYSTRUCTUREs and
//! PREVIEWs are Dovecot 2.3.19's answers for real-world mail (the reading pane's corpus in
//! `engine/message/corpus/`, and the shapes Gmail, Apple Mail, Outlook and Google Calendar
//! send), decoded by the codec as the engine decodes them.

use petrel_imap::types::response::{Data, Response};
use petrel_imap::{decode_response, Limits};

use super::*;
use crate::engine::BuiltInOnly;

/// The row for a FETCH response carrying `items` (besides a UID and an envelope).
fn fetched(items: &str) -> MessageSummary {
    let wire = format!(
        "* 1 FETCH (UID 1 ENVELOPE (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) {items})\r\n"
    );
    match decode_response(wire.as_bytes(), &Limits::default()) {
        Ok(Response::Data(Data::Fetch { items, .. })) => summary(&items, &BuiltInOnly).unwrap(),
        other => panic!("not a FETCH: {other:?}"),
    }
}

/// `(section, media type, file name, attachment)` of each part.
type Want<'a> = (&'a str, &'a str, Option<&'a str>, bool);

fn parts_of(row: &MessageSummary) -> Vec<Want<'_>> {
    row.parts
        .iter()
        .map(|p| {
            (
                p.section.as_str(),
                p.media_type.as_str(),
                p.filename.as_deref(),
                p.attachment,
            )
        })
        .collect()
}

macro_rules! structures {
    ($($name:ident: $wire:expr => $mark:expr, [$($part:expr),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let row = fetched(concat!("BODYSTRUCTURE ", $wire));
            let want: Vec<Want<'_>> = vec![$($part),*];
            assert_eq!(parts_of(&row), want);
            assert_eq!(row.attachment, $mark);
        }
    )*};
}

structures! {
    // Gmail: the text in two renderings, a PDF attached.
    gmail_pdf_attached:
        r#"((("text" "plain" ("charset" "UTF-8") NIL NIL "7bit" 36 1 NIL NIL NIL NIL)("text" "html" ("charset" "UTF-8") NIL NIL "7bit" 57 1 NIL NIL NIL NIL) "alternative" ("boundary" "000000000000a1b2c1") NIL NIL NIL)("application" "pdf" ("name" "invoice-03.pdf") "<f_lt1@gmail>" NIL "base64" 12 NIL ("attachment" ("filename" "invoice-03.pdf")) NIL NIL) "mixed" ("boundary" "000000000000a1b2c3") NIL NIL NIL)"#
        => true, [
            ("1.1", "text/plain", None, false),
            ("1.2", "text/html", None, false),
            ("2", "application/pdf", Some("invoice-03.pdf"), true),
        ];
    // Apple Mail: a photo shown in the HTML, `inline` with a file name: not a file.
    apple_mail_inline_photo:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 1 NIL NIL NIL NIL)(("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 71 0 NIL NIL NIL NIL)("image" "jpeg" ("x-unix-mode" "0644" "name" "roses.jpg") "<ABC-1@apple>" NIL "base64" 8 NIL ("inline" ("filename" "roses.jpg")) NIL NIL) "related" ("type" "text/html" "boundary" "Apple-Mail=_2") NIL NIL NIL) "alternative" ("boundary" "Apple-Mail=_1") NIL NIL NIL)"#
        => false, [
            ("1", "text/plain", None, false),
            ("2.1", "text/html", None, false),
            ("2.2", "image/jpeg", Some("roses.jpg"), false),
        ];
    // Outlook: the logo of a signature, related around the alternative.
    outlook_signature_logo:
        r#"((("text" "plain" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 13 1 NIL NIL NIL NIL)("text" "html" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 81 1 NIL NIL NIL NIL) "alternative" ("boundary" "_000_DB7PR") NIL NIL NIL)("image" "png" ("name" "image001.png") "<image001.png@01DA>" "image001.png" "base64" 10 NIL ("inline" ("filename" "image001.png" "size" "4" "creation-date" "Tue, 05 Mar 2024 12:00:00 GMT")) NIL NIL) "related" ("boundary" "_004_DB7PR" "type" "multipart/alternative") NIL NIL NIL)"#
        => false, [
            ("1.1", "text/plain", None, false),
            ("1.2", "text/html", None, false),
            ("2", "image/png", Some("image001.png"), false),
        ];
    // Google Calendar: the invitation as a rendering and as an attached file.
    calendar_invitation:
        r#"((("text" "plain" ("charset" "UTF-8" "format" "flowed" "delsp" "yes") NIL NIL "7bit" 35 1 NIL NIL NIL NIL)("text" "html" ("charset" "UTF-8") NIL NIL "7bit" 42 1 NIL NIL NIL NIL)("text" "calendar" ("charset" "UTF-8" "method" "REQUEST") NIL NIL "7bit" 32 2 NIL NIL NIL NIL) "alternative" ("boundary" "0000alt") NIL NIL NIL)("application" "ics" ("name" "invite.ics") NIL NIL "base64" 24 NIL ("attachment" ("filename" "invite.ics")) NIL NIL) "mixed" ("boundary" "0000inv") NIL NIL NIL)"#
        => true, [
            ("1.1", "text/plain", None, false),
            ("1.2", "text/html", None, false),
            ("1.3", "text/calendar", None, true),
            ("2", "application/ics", Some("invite.ics"), true),
        ];
    // corpus/alternative_with_calendar: the pane lists the calendar as `part-3.ics`.
    calendar_as_a_rendering_only:
        r#"(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 42 0 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 56 0 NIL NIL NIL NIL)("text" "calendar" ("charset" "utf-8" "method" "REQUEST") NIL NIL "7bit" 46 2 NIL NIL NIL NIL) "alternative" ("boundary" "alt") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "text/html", None, false),
            ("3", "text/calendar", None, true),
        ];
    // corpus/bounce_delivery_status: the status is shown, the returned message is a file.
    bounce_with_the_returned_message:
        r#"(("text" "plain" ("charset" "us-ascii") NIL "Notification" "7bit" 174 3 NIL NIL NIL NIL)("message" "delivery-status" NIL NIL "Delivery report" "7bit" 347 NIL NIL NIL NIL)("message" "rfc822" NIL NIL "Undelivered Message" "7bit" 90 (NIL "Hello?" (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) ((NIL NIL "nobody" "example.net")) NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL) 4 NIL NIL NIL NIL) "report" ("report-type" "delivery-status" "boundary" "B0A1C2") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "message/delivery-status", None, false),
            ("3", "message/rfc822", None, true),
            ("3.1", "text/plain", None, false),
        ];
    // corpus/bounce_returned_headers: only the headers come back, shown as text.
    bounce_with_the_returned_headers:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 80 2 NIL NIL NIL NIL)("message" "delivery-status" NIL NIL NIL "7bit" 113 NIL NIL NIL NIL)("text" "rfc822-headers" ("charset" "us-ascii") NIL NIL "7bit" 103 3 NIL NIL NIL NIL) "report" ("report-type" "delivery-status" "boundary" "rep") NIL NIL NIL)"#
        => false, [
            ("1", "text/plain", None, false),
            ("2", "message/delivery-status", None, false),
            ("3", "text/rfc822-headers", None, false),
        ];
    // corpus/forwarded_message: the pane lists `2.2 menu.png` and `2 Lunch.eml`.
    forwarded_message_with_its_own_attachment:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 467 ("Mon, 04 Mar 2024 11:00:00 +0000" "Lunch" (("Carol" NIL "carol" "example.net")) (("Carol" NIL "carol" "example.net")) (("Carol" NIL "carol" "example.net")) (("Bob" NIL "bob" "example.com")) NIL NIL NIL NIL) ((("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 28 0 NIL NIL NIL NIL) "alternative" ("boundary" "alt") NIL NIL NIL)("image" "png" ("name" "menu.png") NIL NIL "base64" 12 NIL NIL NIL NIL) "mixed" ("boundary" "inner") NIL NIL NIL) 24 NIL ("attachment" NIL) NIL NIL) "mixed" ("boundary" "fwd") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "message/rfc822", None, true),
            ("2.1.1", "text/plain", None, false),
            ("2.1.2", "text/html", None, false),
            ("2.2", "image/png", Some("menu.png"), true),
        ];
    // corpus/message_as_whole_body: a message that is only another message.
    message_as_the_whole_body:
        r#"("message" "rfc822" NIL NIL NIL "7bit" 70 (NIL "The inner one" (("Dave" NIL "dave" "example.com")) (("Dave" NIL "dave" "example.com")) (("Dave" NIL "dave" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)"#
        => true, [
            ("1", "message/rfc822", None, true),
            ("1.1", "text/plain", None, false),
        ];
    // corpus/digest: each message of the digest is one.
    digest_of_messages:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 23 0 NIL NIL NIL NIL)(("message" "rfc822" NIL NIL NIL "7bit" 65 (NIL "First post" (("Erin" NIL "erin" "example.com")) (("Erin" NIL "erin" "example.com")) (("Erin" NIL "erin" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 145 (NIL "Re: First post" (("Frank" NIL "frank" "example.com")) (("Frank" NIL "frank" "example.com")) (("Frank" NIL "frank" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "utf-8" "format" "flowed") NIL NIL "7bit" 29 1 NIL NIL NIL NIL) 5 NIL NIL NIL NIL) "digest" ("boundary" "dig") NIL NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2.1", "message/rfc822", None, true),
            ("2.1.1", "text/plain", None, false),
            ("2.2", "message/rfc822", None, true),
            ("2.2.1", "text/plain", None, false),
        ];
    // corpus/name_param_text: an old mailer names its text parts; the PDF is the file.
    named_text_parts_are_text:
        r#"(("text" "plain" ("charset" "iso-8859-1" "name" "body.txt") NIL NIL "quoted-printable" 65 2 NIL NIL NIL NIL)("text" "plain" ("charset" "us-ascii" "name" "minutes.txt") NIL NIL "7bit" 46 1 NIL NIL NIL NIL)("application" "pdf" ("name" "agenda.pdf") NIL NIL "base64" 12 NIL NIL NIL NIL) "mixed" ("boundary" "----=_NextPart_000_0001") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", Some("body.txt"), false),
            ("2", "text/plain", Some("minutes.txt"), false),
            ("3", "application/pdf", Some("agenda.pdf"), true),
        ];
    // corpus/name_param_single_part.
    named_single_text_part:
        r#"("text" "plain" ("charset" "windows-1252" "name" "note.txt") NIL NIL "quoted-printable" 34 1 NIL NIL NIL NIL)"#
        => false, [("1", "text/plain", Some("note.txt"), false)];
    // corpus/other_text_types: a diff marked inline is text; a CSV is a file, and so is an
    // image outside a related multipart, inline or not.
    other_text_types:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 42 0 NIL NIL NIL NIL)("text" "x-diff" ("charset" "utf-8" "name" "fix.diff") NIL NIL "7bit" 65 4 NIL ("inline" ("filename" "fix.diff")) NIL NIL)("text" "csv" ("charset" "utf-8") NIL NIL "7bit" 8 1 NIL NIL NIL NIL)("image" "png" NIL NIL NIL "base64" 12 NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "zz") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "text/x-diff", Some("fix.diff"), false),
            ("3", "text/csv", None, true),
            ("4", "image/png", None, true),
        ];
    // corpus/related_with_start: an image the HTML does not use is still taken as shown
    // (the pane, which reads the HTML, lists it; BODYSTRUCTURE cannot tell).
    related_images:
        r#"(("image" "gif" NIL "<logo@example.com>" NIL "base64" 8 NIL NIL NIL NIL)("text" "html" ("charset" "us-ascii") "<root@example.com>" NIL "7bit" 44 0 NIL NIL NIL NIL)("image" "png" NIL "<unused@example.com>" NIL "base64" 12 NIL NIL NIL NIL) "related" ("boundary" "rel" "type" "text/html" "start" "<root@example.com>") NIL NIL NIL)"#
        => false, [
            ("1", "image/gif", None, false),
            ("2", "text/html", None, false),
            ("3", "image/png", None, false),
        ];
    // corpus/text_marked_attachment: a log file is text, but marked a file.
    text_marked_attachment:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL)("text" "plain" ("name" "server.log" "charset" "us-ascii") NIL NIL "7bit" 16 0 NIL ("attachment" ("filename" "server.log")) NIL NIL) "mixed" ("boundary" "q") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "text/plain", Some("server.log"), true),
        ];
    // corpus/type_without_subtype: Dovecot could not parse the header, so `"" ""`.
    part_without_a_type_is_text:
        r#"("" "" NIL NIL NIL "7bit" 248 NIL NIL NIL NIL)"#
        => false, [("1", "text/plain", None, false)];
    // RFC 2231 names (Dovecot joins the continuations), RFC 2047 names, a path.
    file_names_are_decoded_and_lose_their_path:
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 0 NIL NIL NIL NIL)("application" "pdf" ("name" "=?UTF-8?Q?Gr=C3=BC=C3=9Fe.pdf?=") NIL NIL "base64" 4 NIL ("attachment" ("filename*" "UTF-8''Gr%C3%BC%C3%9Fe.pdf")) NIL NIL)("application" "pdf" NIL NIL NIL "base64" 4 NIL ("attachment" ("filename*" "ISO-8859-1''K%F6ln.pdf")) NIL NIL)("application" "octet-stream" ("name" "=?UTF-8?Q?caf=C3=A9.bin?=") NIL NIL "base64" 4 NIL NIL NIL NIL)("application" "x-sh" NIL NIL NIL "base64" 4 NIL ("attachment" ("filename" "../../etc/profile")) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)"#
        => true, [
            ("1", "text/plain", None, false),
            ("2", "application/pdf", Some("Grüße.pdf"), true),
            ("3", "application/pdf", Some("Köln.pdf"), true),
            ("4", "application/octet-stream", Some("café.bin"), true),
            ("5", "application/x-sh", Some("profile"), true),
        ];
}

#[test]
fn the_rule_known_answers() {
    let none = Place::default();
    let related = Place { in_related: true };
    let cases: &[(&str, &str, Option<&str>, Place, bool)] = &[
        ("TEXT", "PLAIN", None, none, false),
        ("text", "html", Some("INLINE"), none, false),
        ("text", "plain", Some("Attachment"), none, true),
        ("text", "calendar", None, none, true),
        ("text", "calendar", Some("inline"), none, false),
        ("application", "pdf", None, none, true),
        ("application", "pdf", Some("inline"), none, true),
        ("audio", "mpeg", None, none, true),
        ("video", "mp4", None, none, true),
        ("model", "gltf-binary", None, none, true),
        ("image", "png", None, none, true),
        ("image", "png", Some("inline"), related, false),
        ("image", "png", Some("attachment"), related, true),
        ("application", "pdf", None, related, true),
        ("message", "rfc822", None, none, true),
        ("message", "global", None, none, true),
        ("message", "delivery-status", None, none, false),
        ("message", "delivery-status", Some("attachment"), none, true),
    ];
    for &(media, sub, disposition, place, want) in cases {
        assert_eq!(
            is_attachment(
                media.as_bytes(),
                sub.as_bytes(),
                disposition.map(str::as_bytes),
                place
            ),
            want,
            "{media}/{sub} {disposition:?} {place:?}"
        );
    }
}

#[test]
fn many_parts_keep_the_mark_and_a_bounded_list() {
    let text = r#"("text" "plain" NIL NIL NIL "7bit" 1 0 NIL NIL NIL NIL)"#;
    let wire = format!(
        "BODYSTRUCTURE ({}(\"application\" \"zip\" NIL NIL NIL \"base64\" 4 NIL NIL NIL NIL) \"mixed\")",
        text.repeat(1000)
    );
    let row = fetched(&wire);
    assert!(row.attachment);
    assert_eq!(row.parts.len(), MAX_PARTS);
}

#[test]
fn previews_as_dovecot_sends_them() {
    let row = fetched(r#"PREVIEW "Hi Alice, the invoice is attached.""#);
    assert_eq!(
        row.preview.as_deref(),
        Some("Hi Alice, the invoice is attached.")
    );
    // Non-ASCII comes as a literal.
    let row = fetched("PREVIEW {31}\r\nCafé at ten – see you there.");
    assert_eq!(row.preview.as_deref(), Some("Café at ten – see you there."));
    // A message without text: an empty string.
    assert_eq!(fetched(r#"PREVIEW """#).preview, None);
    assert_eq!(fetched("PREVIEW NIL").preview, None);
    // No PREVIEW at all (the server does not offer it).
    assert_eq!(fetched("RFC822.SIZE 9").preview, None);
}

#[test]
fn hostile_previews() {
    // Dovecot's own answer for a text with a bell, a tab, an escape sequence and a
    // right-to-left override: it passes them through.
    let row = fetched(
        "PREVIEW {204}\r\nBell\x07 tab and\x1b[31m escape \u{202e} evil \u{202c} done Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet Lorem ipsum dolor sit amet Lorem ipsum dolor sit ame",
    );
    let line = row.preview.unwrap();
    assert!(
        line.starts_with("Bell tab and [31m escape evil done Lorem ipsum dolor"),
        "{line:?}"
    );
    assert!(!line.chars().any(|c| c.is_control() || invisible(c)));
    assert!(line.chars().count() <= PREVIEW_CHARS);
    assert!(!line.ends_with(' '));

    // A megabyte of two-byte characters is cut after 200 of them, on a character.
    let huge = "é".repeat(500_000);
    let row = fetched(&format!("PREVIEW {{{}}}\r\n{huge}", huge.len()));
    assert_eq!(row.preview, Some("é".repeat(PREVIEW_CHARS)));

    // Bytes that are not UTF-8, white space of every kind, marketing mail's padding.
    assert_eq!(
        preview(b"caf\xe9 \xff"),
        Some("caf\u{fffd} \u{fffd}".into())
    );
    assert_eq!(preview(b" \r\n\t\x0b\x0c \x00 "), None);
    assert_eq!(
        preview("Sale\u{a0}today \u{34f}\u{200c} \u{34f}\u{200c} \u{feff}".as_bytes()),
        Some("Sale today".into())
    );
    // The cut never leaves a trailing space: 199 characters and a word after a space.
    let text = format!("{} next", "a".repeat(PREVIEW_CHARS - 1));
    assert_eq!(
        preview(text.as_bytes()),
        Some("a".repeat(PREVIEW_CHARS - 1))
    );
}
