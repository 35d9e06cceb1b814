//! Test mail, written straight into a Maildir++ tree that Dovecot then serves.
//!
//! Writing files (rather than APPENDing over IMAP) keeps seeding independent of the code
//! under test and lets each message carry a fixed date: the file name starts with the
//! delivery time, which is how Dovecot orders new messages when it assigns UIDs, and the
//! file's mtime is what Dovecot reports as INTERNALDATE. So UID order, INTERNALDATE order and
//! `Date:` order all agree, and "newest first" has one answer.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::error::{Context, Result};

/// Friday 2024-03-01 09:00:00 UTC: the first seeded message's date.
pub const EPOCH: i64 = 1_709_283_600;

const HOUR: i64 = 3600;

/// A folder's special use (RFC 6154), as Dovecot's configuration names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialUse {
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

impl SpecialUse {
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Sent => "\\Sent",
            Self::Drafts => "\\Drafts",
            Self::Trash => "\\Trash",
            Self::Junk => "\\Junk",
            Self::Archive => "\\Archive",
        }
    }
}

/// The body shapes a mail client meets most.
#[derive(Debug, Clone)]
pub enum Body {
    /// A single `text/plain; charset=utf-8` part.
    Plain(String),
    /// `multipart/alternative` with a text and an HTML part.
    Alternative { text: String, html: String },
    /// `multipart/mixed`: a text part and a base64 attachment.
    Attachment {
        text: String,
        filename: String,
        content_type: String,
        data: Vec<u8>,
    },
    /// A single part with the given `Content-Type` and `Content-Transfer-Encoding`, the body
    /// written as is (already encoded, 7-bit).
    Single {
        content_type: String,
        encoding: String,
        body: String,
    },
    /// A single `text/plain` part whose text is written in `charset` (a WHATWG label, which
    /// is what the browser decodes it by) with the Content-Transfer-Encoding `transfer`
    /// (`7bit`, `8bit`, `quoted-printable` or `base64`). The sender's name is written in that
    /// charset too, as RFC 2047 encoded words (B or Q as `words` says); so should the subject
    /// be (see [`encoded_words`]).
    Charset {
        charset: String,
        words: Words,
        transfer: String,
        text: String,
    },
}

/// An RFC 2047 encoding (§4): base64 or the "Q" encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    B,
    Q,
}

/// The hostile HTML message's markup: a script, an event handler and a remote image, each of
/// which would set `window.__pwned` in the app or fetch from [`TRACKER_HOST`] if it ran.
pub const HOSTILE_HTML: &str =
    "<html><head><script>parent.__pwned = 'script'; top.__pwned = 'script';</script></head>\n\
<body><p id=\"hostile\">Nothing to see here.</p>\n\
<img src=\"x\" onerror=\"parent.__pwned = 'onerror'\">\n\
<img src=\"http://tracker.petrel.invalid/pixel.gif\" alt=\"\">\n\
<p style=\"color: rgb(1, 2, 3)\">Styled inline.</p>\n\
<a href=\"javascript:parent.__pwned='link'\">click</a></body></html>\n";

/// The host of the hostile message's remote image: no request may go there.
pub const TRACKER_HOST: &str = "tracker.petrel.invalid";

/// One seeded message.
#[derive(Debug, Clone)]
pub struct Message {
    pub from_name: String,
    pub from_addr: String,
    /// The `Subject:` header as written on the wire (possibly RFC 2047 encoded words).
    pub subject_header: String,
    /// The subject a client should display after decoding.
    pub subject: String,
    /// Seconds since the Unix epoch: the `Date:` header and the INTERNALDATE.
    pub date: i64,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub body: Body,
}

/// One folder and its messages, oldest first.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The display name (UTF-8); `/` separates hierarchy levels. `INBOX` is the inbox.
    pub name: String,
    pub special_use: Option<SpecialUse>,
    pub messages: Vec<Message>,
}

impl Folder {
    /// The mailbox name on the wire: modified UTF-7 (RFC 3501 section 5.1.3).
    pub fn wire_name(&self) -> String {
        modified_utf7(&self.name)
    }

    /// Subjects (decoded), newest first: what a client's message list should show.
    pub fn subjects_newest_first(&self) -> Vec<String> {
        let mut messages: Vec<&Message> = self.messages.iter().collect();
        messages.sort_by_key(|m| std::cmp::Reverse(m.date));
        messages.into_iter().map(|m| m.subject.clone()).collect()
    }

    pub fn unseen(&self) -> usize {
        self.messages.iter().filter(|m| !m.seen).count()
    }
}

/// A user's whole mailbox.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub folders: Vec<Folder>,
}

impl Mailbox {
    /// A small mailbox for tests: every body shape, encoded-word subjects, seen and unseen
    /// and flagged messages, the special-use folders and a folder with a non-ASCII name.
    pub fn fixture() -> Self {
        let mut t = Clock::new(EPOCH);
        let inbox = vec![
            plain(
                &mut t,
                "Ada Lovelace",
                "ada@example.org",
                "Welcome to Petrel",
                true,
                "Hello Alice,\n\nyour mailbox is ready.\n\nAda\n",
            ),
            alternative(
                &mut t,
                "Grace Hopper",
                "grace@example.org",
                "Quarterly report",
                false,
                "Numbers are up.",
                "<p>Numbers are <b>up</b>.</p>",
            ),
            attachment(
                &mut t,
                "Linus Torvalds",
                "linus@example.org",
                "Photos from the trip",
                true,
                "Three photos attached.",
                "trip.png",
                "image/png",
                &PNG_1X1,
            ),
            encoded(
                &mut t,
                "Jürgen Müller",
                "juergen@example.de",
                "=?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=",
                "Grüße aus München",
                false,
                "Viele Grüße!\n",
            ),
            single(
                &mut t,
                "Mallory",
                "mallory@example.net",
                "Hostile HTML",
                "text/html; charset=utf-8",
                "7bit",
                HOSTILE_HTML,
            ),
            single(
                &mut t,
                "Jürgen Müller",
                "juergen@example.de",
                "Latin-1 quoted-printable",
                "text/plain; charset=ISO-8859-1",
                "quoted-printable",
                "Gr=FC=DFe aus K=F6ln, dies ist ein langer Absatz, der mit einem weichen =\n\
                 Zeilenumbruch fortgesetzt wird.\n",
            ),
            Message {
                flagged: true,
                ..encoded(
                    &mut t,
                    "Chloé Dubois",
                    "chloe@example.fr",
                    "=?UTF-8?B?Q2Fmw6kgYXUgbGFpdCDimJU=?=",
                    "Café au lait ☕",
                    false,
                    "On se retrouve à 10h ?\n",
                )
            },
        ];
        let sent = vec![plain(
            &mut t,
            "Alice",
            "alice@localhost",
            "Re: Quarterly report",
            true,
            "Great news!\n",
        )];
        let drafts = vec![plain(
            &mut t,
            "Alice",
            "alice@localhost",
            "Unfinished thoughts",
            true,
            "Dear diary,\n",
        )];
        let trash = vec![plain(
            &mut t,
            "Spammy Spam",
            "offers@example.net",
            "You have won",
            true,
            "Not really.\n",
        )];
        let archive = vec![plain(
            &mut t,
            "Ada Lovelace",
            "ada@example.org",
            "Notes on the engine",
            true,
            "Archived notes.\n",
        )];
        let recus = vec![plain(
            &mut t,
            "Élodie Martin",
            "elodie@example.fr",
            "Facture de mars",
            false,
            "Veuillez trouver la facture.\n",
        )];
        let real_mail = real_mail(&mut t);
        Self {
            folders: vec![
                folder("INBOX", None, inbox),
                folder("Sent", Some(SpecialUse::Sent), sent),
                folder("Drafts", Some(SpecialUse::Drafts), drafts),
                folder("Trash", Some(SpecialUse::Trash), trash),
                folder("Archive", Some(SpecialUse::Archive), archive),
                folder("Reçus", None, recus),
                folder("Charsets", None, charsets()),
                folder("Real mail", None, real_mail),
            ],
        }
    }

    /// A lived-in mailbox for `cargo xtask demo`: about thirty messages over two weeks.
    pub fn demo() -> Self {
        let mut mailbox = Self::fixture();
        let mut t = Clock::new(EPOCH + 24 * HOUR);
        let people = [
            ("Ada Lovelace", "ada@example.org"),
            ("Grace Hopper", "grace@example.org"),
            ("Alan Turing", "alan@example.org"),
            ("Katherine Johnson", "katherine@example.org"),
            ("Edsger Dijkstra", "edsger@example.nl"),
            ("Barbara Liskov", "barbara@example.org"),
        ];
        let topics = [
            "Lunch on Thursday?",
            "Build is green again",
            "Minutes of the design review",
            "Your invoice #4711",
            "Re: Conference travel",
            "Weekly newsletter",
            "Fwd: Interesting paper on sans-IO protocols",
            "Holiday plans",
            "Server maintenance tonight",
            "Re: Re: Naming things",
            "Welcome aboard, Katherine",
            "Benchmarks for the new parser",
            "Question about IMAP IDLE",
            "Reminder: dentist appointment",
            "Release notes draft",
            "Coffee machine is fixed",
            "Team photo",
            "Thanks!",
            "Security advisory",
            "Kaffee & Kuchen",
        ];
        let inbox = &mut mailbox.folders[0].messages;
        for (i, topic) in topics.iter().enumerate() {
            let (name, addr) = people[i % people.len()];
            let seen = i < topics.len() - 6 && i % 4 != 1;
            let mut m = match i % 5 {
                0 => alternative(
                    &mut t,
                    name,
                    addr,
                    topic,
                    seen,
                    &format!("{topic}\n\nSee the HTML part for the pretty version."),
                    &format!("<h1>{topic}</h1><p>Best, {name}</p>"),
                ),
                3 => attachment(
                    &mut t,
                    name,
                    addr,
                    topic,
                    seen,
                    "Attached.",
                    "notes.txt",
                    "text/plain",
                    format!("Notes about {topic}\n").as_bytes(),
                ),
                _ => plain(
                    &mut t,
                    name,
                    addr,
                    topic,
                    seen,
                    &format!("Hi Alice,\n\n{topic}.\n\nCheers,\n{name}\n"),
                ),
            };
            m.flagged = i % 7 == 2;
            m.answered = i % 6 == 0 && seen;
            inbox.push(m);
        }
        // Mail from abroad, as a real inbox gets it.
        for sample in [&CHARSET_SAMPLES[0], &CHARSET_SAMPLES[9]] {
            inbox.push(sample.message(&mut t));
        }
        mailbox
    }

    /// The demo mailbox with `extra` more plain messages in INBOX, newer than the rest: with
    /// 30 or more, the first page of the message list is full (the browser's performance
    /// tests render it).
    pub fn crowded(extra: usize) -> Self {
        let mut mailbox = Self::demo();
        let inbox = &mut mailbox.folders[0].messages;
        let newest = inbox.iter().map(|m| m.date).max().unwrap_or(EPOCH);
        let mut t = Clock::new(newest + HOUR);
        for i in 0..extra {
            let subject = format!("Status update #{}", i + 1);
            let m = plain(
                &mut t,
                "Alan Turing",
                "alan@example.org",
                &subject,
                i % 3 != 0,
                &format!("Hi Alice,\n\n{subject}.\n\nAlan\n"),
            );
            inbox.push(m);
        }
        mailbox
    }

    /// The benchmark's mailbox (`cargo xtask bench client`, and browser tests of big
    /// folders): an INBOX of about fifty real-world messages (the demo's, the "Real mail"
    /// structures and some status mail, newest last) and a folder [`BIG_FOLDER`] of
    /// `messages` small ones from [`big_folder`].
    pub fn big(messages: usize) -> Self {
        let mut mailbox = Self::crowded(BIG_INBOX_EXTRA);
        let newest = mailbox.inbox().messages.iter().map(|m| m.date).max();
        let mut t = Clock::new(newest.unwrap_or(EPOCH) + HOUR);
        let inbox = &mut mailbox.folders[0].messages;
        // The same structures again, dated after the rest, so that INBOX holds what real
        // mail looks like and not only what tests need.
        inbox.extend(real_mail(&mut t));
        mailbox
            .folders
            .push(folder(BIG_FOLDER, None, big_folder(messages)));
        mailbox
    }

    pub fn folder(&self, name: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.name == name)
    }

    pub fn inbox(&self) -> &Folder {
        // `fixture` and `demo` both put INBOX first; a hand-built mailbox without one is a
        // bug in the test that built it.
        &self.folders[0]
    }

    /// Writes the mailbox as Maildir++ under `maildir` (which must not exist yet or be
    /// empty): INBOX in `cur/`, other folders as `.Name` directories.
    pub fn write_maildir(&self, maildir: &Path) -> Result<()> {
        let mut sequence = 0u32;
        for folder in &self.folders {
            let dir = if folder.name == "INBOX" {
                maildir.to_path_buf()
            } else {
                // Maildir++ keeps every folder one level down, named by its full wire
                // name with `.` as the on-disk hierarchy separator.
                let dir = maildir.join(format!(".{}", folder.wire_name().replace('/', ".")));
                create_dir(&dir)?;
                fs::write(dir.join("maildirfolder"), b"")
                    .context(|| format!("writing maildirfolder in {}", dir.display()))?;
                dir
            };
            for sub in ["cur", "new", "tmp"] {
                create_dir(&dir.join(sub))?;
            }
            for message in &folder.messages {
                sequence += 1;
                let bytes = message.to_rfc5322();
                let mut flags = String::new();
                for (set, letter) in [
                    (message.flagged, 'F'),
                    (message.answered, 'R'),
                    (message.seen, 'S'),
                ] {
                    if set {
                        flags.push(letter);
                    }
                }
                let name = format!(
                    "{}.M{sequence}P1.petrel,S={}:2,{flags}",
                    message.date,
                    bytes.len()
                );
                let path = dir.join("cur").join(name);
                let mtime =
                    SystemTime::UNIX_EPOCH + Duration::from_secs(message.date.unsigned_abs());
                // One open per file: the benchmark's folder has a hundred thousand.
                fs::File::create(&path)
                    .and_then(|mut f| {
                        f.write_all(&bytes)?;
                        f.set_modified(mtime)
                    })
                    .context(|| format!("writing {}", path.display()))?;
            }
        }
        Ok(())
    }
}

impl Message {
    /// The message as RFC 5322 bytes with CRLF line ends.
    pub fn to_rfc5322(&self) -> Vec<u8> {
        let from = if let Body::Charset { charset, words, .. } = &self.body {
            format!(
                "{} <{}>",
                encoded_words(&self.from_name, charset, *words),
                self.from_addr
            )
        } else if self.from_name.is_ascii() {
            format!("\"{}\" <{}>", self.from_name, self.from_addr)
        } else {
            format!(
                "=?UTF-8?B?{}?= <{}>",
                base64(self.from_name.as_bytes()),
                self.from_addr
            )
        };
        let mut text = format!(
            "Return-Path: <{addr}>\n\
             From: {from}\n\
             To: Alice <alice@localhost>\n\
             Subject: {subject}\n\
             Date: {date}\n\
             Message-ID: <{stamp}.{local}@petrel.test>\n\
             MIME-Version: 1.0\n",
            addr = self.from_addr,
            subject = self.subject_header,
            date = rfc5322_date(self.date),
            stamp = self.date,
            local = self.from_addr.split('@').next().unwrap_or("x"),
        );
        let boundary = format!("=_petrel_{}", self.date);
        // A body in another charset is bytes, not a string: appended after the CRLF pass.
        let mut encoded_body = Vec::new();
        match &self.body {
            Body::Plain(body) => {
                text.push_str("Content-Type: text/plain; charset=utf-8\n");
                text.push_str("Content-Transfer-Encoding: 8bit\n\n");
                text.push_str(body);
            }
            Body::Alternative { text: plain, html } => {
                text.push_str(&format!(
                    "Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n\
                     This is a multi-part message in MIME format.\n\
                     --{boundary}\n\
                     Content-Type: text/plain; charset=utf-8\n\n\
                     {plain}\n\
                     --{boundary}\n\
                     Content-Type: text/html; charset=utf-8\n\n\
                     <html><body>{html}</body></html>\n\
                     --{boundary}--\n"
                ));
            }
            Body::Attachment {
                text: plain,
                filename,
                content_type,
                data,
            } => {
                text.push_str(&format!(
                    "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n\
                     --{boundary}\n\
                     Content-Type: text/plain; charset=utf-8\n\n\
                     {plain}\n\
                     --{boundary}\n\
                     Content-Type: {content_type}; name=\"{filename}\"\n\
                     Content-Disposition: attachment; filename=\"{filename}\"\n\
                     Content-Transfer-Encoding: base64\n\n\
                     {encoded}\n\
                     --{boundary}--\n",
                    encoded = wrap76(&base64(data)),
                ));
            }
            Body::Single {
                content_type,
                encoding,
                body,
            } => {
                text.push_str(&format!(
                    "Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n{body}"
                ));
            }
            Body::Charset {
                charset,
                transfer,
                text: body,
                ..
            } => {
                text.push_str(&format!(
                    "Content-Type: text/plain; charset={charset}\n\
                     Content-Transfer-Encoding: {transfer}\n\n"
                ));
                let bytes = encode(&body.replace('\n', "\r\n"), charset);
                encoded_body = match transfer.as_str() {
                    "base64" => (wrap76(&base64(&bytes)) + "\n")
                        .replace('\n', "\r\n")
                        .into_bytes(),
                    "quoted-printable" => quoted_printable(&bytes).into_bytes(),
                    _ => bytes,
                };
            }
        }
        let mut bytes = text.replace('\n', "\r\n").into_bytes();
        bytes.extend_from_slice(&encoded_body);
        bytes
    }
}

/// The name of [`Mailbox::big`]'s big folder.
pub const BIG_FOLDER: &str = "Big";

/// Status mail added to the demo INBOX by [`Mailbox::big`]: with the four "Real mail"
/// messages, fifty in all.
const BIG_INBOX_EXTRA: usize = 17;

/// How many years [`big_folder`]'s messages span, ending at [`EPOCH`].
const BIG_YEARS: i64 = 8;

/// `count` small plain-text messages, oldest first, spread evenly over [`BIG_YEARS`] years
/// before [`EPOCH`] (a few seconds off the even step): forty senders, subjects from a few hundred
/// combinations numbered `#1` (the oldest) to `#count`, one in nine unread, one in
/// thirty-seven flagged, one in thirteen answered. Deterministic, and cheap enough to make
/// and write a hundred thousand of in seconds.
pub fn big_folder(count: usize) -> Vec<Message> {
    const FIRST: [&str; 8] = [
        "Ada",
        "Grace",
        "Alan",
        "Katherine",
        "Edsger",
        "Barbara",
        "Donald",
        "Frances",
    ];
    const LAST: [&str; 5] = ["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra"];
    const TOPICS: [&str; 16] = [
        "Weekly report",
        "Invoice",
        "Re: Meeting notes",
        "Build failed on main",
        "Your order has shipped",
        "Newsletter",
        "Fwd: Travel plans",
        "Question about the API",
        "Re: Re: Lunch",
        "Security notice",
        "Pull request review",
        "Minutes",
        "Reminder",
        "Photos",
        "Welcome",
        "Release candidate",
    ];
    const DETAILS: [&str; 12] = [
        "for March",
        "and next steps",
        "(updated)",
        "from the team",
        "— please read",
        "for the Berlin office",
        "on Thursday",
        "v2",
        "with attachments listed",
        "about the database",
        "for Q3",
        "before Friday",
    ];
    let span = BIG_YEARS * 365 * 24 * HOUR;
    let count_i64 = i64::try_from(count.max(1)).unwrap_or(i64::MAX);
    let step = (span / count_i64).max(1);
    let start = EPOCH - span;
    (0..count)
        .map(|i| {
            let n = i64::try_from(i).unwrap_or(i64::MAX);
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let topic = TOPICS[(i * 7) % TOPICS.len()];
            let detail = DETAILS[(i * 5 / 3) % DETAILS.len()];
            let subject = format!("{topic} {detail} #{}", i + 1);
            Message {
                from_name: format!("{first} {last}"),
                from_addr: format!(
                    "{}.{}@example.org",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                subject_header: subject.clone(),
                body: Body::Plain(format!(
                    "Hello Alice,\n\n{subject}.\n\nBest regards,\n{first}\n"
                )),
                subject,
                // Strictly increasing (the step is at least a second and the offset below
                // it), so file names, UIDs and dates agree.
                date: start + n * step + (n * 37) % step.min(60),
                seen: i % 9 != 4,
                flagged: i % 37 == 5,
                answered: i % 13 == 2,
            }
        })
        .collect()
}

/// Hands out strictly increasing dates, a few hours apart, so every message is distinct.
struct Clock(i64);

impl Clock {
    fn new(start: i64) -> Self {
        Self(start)
    }
    fn tick(&mut self) -> i64 {
        let now = self.0;
        // Uneven steps (7h, then 3h) give varied times of day in the list.
        self.0 += if (now / HOUR) % 2 == 0 {
            7 * HOUR
        } else {
            3 * HOUR
        };
        now
    }
}

fn folder(name: &str, special_use: Option<SpecialUse>, messages: Vec<Message>) -> Folder {
    Folder {
        name: name.to_string(),
        special_use,
        messages,
    }
}

fn message(
    t: &mut Clock,
    name: &str,
    addr: &str,
    header: &str,
    subject: &str,
    seen: bool,
    body: Body,
) -> Message {
    Message {
        from_name: name.to_string(),
        from_addr: addr.to_string(),
        subject_header: header.to_string(),
        subject: subject.to_string(),
        date: t.tick(),
        seen,
        flagged: false,
        answered: false,
        body,
    }
}

fn plain(t: &mut Clock, name: &str, addr: &str, subject: &str, seen: bool, body: &str) -> Message {
    message(
        t,
        name,
        addr,
        subject,
        subject,
        seen,
        Body::Plain(body.to_string()),
    )
}

fn encoded(
    t: &mut Clock,
    name: &str,
    addr: &str,
    header: &str,
    subject: &str,
    seen: bool,
    body: &str,
) -> Message {
    message(
        t,
        name,
        addr,
        header,
        subject,
        seen,
        Body::Plain(body.to_string()),
    )
}

fn alternative(
    t: &mut Clock,
    name: &str,
    addr: &str,
    subject: &str,
    seen: bool,
    text: &str,
    html: &str,
) -> Message {
    let body = Body::Alternative {
        text: text.to_string(),
        html: html.to_string(),
    };
    message(t, name, addr, subject, subject, seen, body)
}

/// The "Real mail" folder: MIME structures that real mail carries and that once showed
/// less than they hold (the client's MIME corpus has these and more, each with its expected
/// view): text parts named but without a disposition, a mixed message of plain and HTML
/// parts, a forwarded message, and a bounce report.
fn real_mail(t: &mut Clock) -> Vec<Message> {
    vec![
        single(
            t,
            "Old Mailer",
            "old@example.net",
            "Minutes of the meeting",
            "multipart/mixed; boundary=\"----=_NextPart_000_0001\"",
            "7bit",
            "This is a multi-part message in MIME format.\n\n\
             ------=_NextPart_000_0001\n\
             Content-Type: text/plain; charset=\"us-ascii\"; name=\"body.txt\"\n\n\
             Hello Alice, the minutes are below.\n\
             ------=_NextPart_000_0001\n\
             Content-Type: text/plain; charset=\"us-ascii\"; name=\"minutes.txt\"\n\n\
             1. Budget approved.\n\
             ------=_NextPart_000_0001--\n",
        ),
        single(
            t,
            "List Robot",
            "robot@lists.example.com",
            "[dev] Release notes",
            "multipart/mixed; boundary=mix",
            "7bit",
            "--mix\n\
             Content-Type: text/plain; charset=utf-8\n\n\
             Before the notes: the freeze starts Friday.\n\
             --mix\n\
             Content-Type: text/html; charset=utf-8\n\n\
             <p>Release <b>2.0</b> is out.</p>\n\
             --mix\n\
             Content-Type: text/plain; charset=utf-8\n\n\
             dev mailing list footer\n\
             --mix--\n",
        ),
        single(
            t,
            "Bob",
            "bob@example.com",
            "Fwd: Lunch",
            "multipart/mixed; boundary=fwd",
            "7bit",
            "--fwd\n\
             Content-Type: text/plain\n\n\
             See below.\n\
             --fwd\n\
             Content-Type: message/rfc822\n\n\
             From: Carol <carol@example.net>\n\
             To: Bob <bob@example.com>\n\
             Subject: Lunch\n\
             Date: Mon, 04 Mar 2024 11:00:00 +0000\n\n\
             Lunch at noon?\n\
             --fwd--\n",
        ),
        single(
            t,
            "Mail Delivery System",
            "mailer-daemon@example.org",
            "Undelivered Mail Returned to Sender",
            "multipart/report; report-type=delivery-status; boundary=rep",
            "7bit",
            "--rep\n\
             Content-Type: text/plain\n\n\
             Your message could not be delivered to nobody@example.net.\n\
             --rep\n\
             Content-Type: message/delivery-status\n\n\
             Reporting-MTA: dns; mx.example.org\n\n\
             Final-Recipient: rfc822; nobody@example.net\n\
             Action: failed\n\
             Status: 5.1.1\n\
             Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\
             --rep\n\
             Content-Type: message/rfc822\n\n\
             From: Alice <alice@localhost>\n\
             To: nobody@example.net\n\
             Subject: Hello?\n\n\
             Are you there?\n\
             --rep--\n",
        ),
    ]
}

/// An unread single-part message whose body is written as is.
fn single(
    t: &mut Clock,
    name: &str,
    addr: &str,
    subject: &str,
    content_type: &str,
    encoding: &str,
    body: &str,
) -> Message {
    let body = Body::Single {
        content_type: content_type.to_string(),
        encoding: encoding.to_string(),
        body: body.to_string(),
    };
    message(t, name, addr, subject, subject, false, body)
}

#[allow(clippy::too_many_arguments)]
fn attachment(
    t: &mut Clock,
    name: &str,
    addr: &str,
    subject: &str,
    seen: bool,
    text: &str,
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Message {
    let body = Body::Attachment {
        text: text.to_string(),
        filename: filename.to_string(),
        content_type: content_type.to_string(),
        data: data.to_vec(),
    };
    message(t, name, addr, subject, subject, seen, body)
}

/// A valid 1x1 transparent PNG: a real attachment, small enough to read in a test log.
const PNG_1X1: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// One message of the `Charsets` folder: a sender's name, a subject and a text, written in
/// `charset` (a WHATWG label) with the RFC 2047 encoding `words` for the headers and the
/// Content-Transfer-Encoding `transfer` for the body.
#[derive(Debug, Clone, Copy)]
pub struct CharsetSample {
    pub charset: &'static str,
    pub words: Words,
    pub transfer: &'static str,
    pub name: &'static str,
    pub addr: &'static str,
    pub subject: &'static str,
    pub text: &'static str,
}

impl CharsetSample {
    fn message(&self, t: &mut Clock) -> Message {
        let body = Body::Charset {
            charset: self.charset.to_owned(),
            words: self.words,
            transfer: self.transfer.to_owned(),
            text: self.text.to_owned(),
        };
        let header = encoded_words(self.subject, self.charset, self.words);
        message(t, self.name, self.addr, &header, self.subject, false, body)
    }
}

/// The charsets mail still arrives in, each with text only it (among these) can write.
/// ISO-2022-JP, the most common charset of Japanese mail, opens every word and every line
/// with an escape sequence; its first subject is long enough to take two encoded words. The
/// Shift_JIS and Big5 texts hold characters whose second byte is `\`; the GB18030 one a
/// character of four bytes.
pub const CHARSET_SAMPLES: [CharsetSample; 19] = [
    CharsetSample {
        charset: "ISO-2022-JP",
        words: Words::B,
        transfer: "7bit",
        name: "山田太郎",
        addr: "taro@example.jp",
        subject: "会議の議事録について（第三回定例会議のご案内と資料送付）",
        text: "山田です。\n先日の会議の議事録をお送りします。\nご確認ください。\n",
    },
    CharsetSample {
        charset: "iso-2022-jp",
        words: Words::Q,
        transfer: "base64",
        name: "鈴木花子",
        addr: "hanako@example.jp",
        subject: "お疲れさまです",
        text: "鈴木です。\nよろしくお願いします。\n",
    },
    CharsetSample {
        charset: "Shift_JIS",
        words: Words::B,
        transfer: "base64",
        name: "佐藤健",
        addr: "ken@example.jp",
        subject: "ソフトウェア表示の件",
        text: "佐藤です。\n見積書（ソフト表示）を添付いたします。\n",
    },
    CharsetSample {
        charset: "EUC-JP",
        words: Words::Q,
        transfer: "8bit",
        name: "高橋一郎",
        addr: "ichiro@example.jp",
        subject: "来週の予定",
        text: "高橋です。\n来週の予定を共有します。\n",
    },
    CharsetSample {
        charset: "GB2312",
        words: Words::B,
        transfer: "base64",
        name: "张伟",
        addr: "zhangwei@example.cn",
        subject: "项目进度报告",
        text: "各位好，\n附件是本周的项目进度报告。\n",
    },
    CharsetSample {
        charset: "GB18030",
        words: Words::Q,
        transfer: "quoted-printable",
        name: "王芳",
        addr: "wangfang@example.cn",
        subject: "新年快乐",
        text: "祝大家新年快乐！\n罕见字：𠀀\n",
    },
    CharsetSample {
        charset: "Big5",
        words: Words::B,
        transfer: "8bit",
        name: "陳大文",
        addr: "taiman@example.tw",
        subject: "週末聚餐",
        text: "大家好：\n週末一起吃飯吧！許功蓋\n",
    },
    CharsetSample {
        charset: "EUC-KR",
        words: Words::B,
        transfer: "base64",
        name: "김민준",
        addr: "minjun@example.kr",
        subject: "회의 일정 안내",
        text: "안녕하세요.\n다음 주 회의 일정을 알려 드립니다.\n",
    },
    CharsetSample {
        charset: "KOI8-R",
        words: Words::Q,
        transfer: "8bit",
        name: "Иван Петров",
        addr: "ivan@example.ru",
        subject: "Привет из Москвы",
        text: "Здравствуйте!\nВсё готово.\n",
    },
    CharsetSample {
        charset: "windows-1250",
        words: Words::Q,
        transfer: "quoted-printable",
        name: "Paweł Wójcik",
        addr: "pawel@example.pl",
        subject: "Zażółć gęślą jaźń",
        text: "Dzień dobry,\nzałączam raport.\n",
    },
    CharsetSample {
        charset: "windows-1251",
        words: Words::B,
        transfer: "base64",
        name: "Олена Шевченко",
        addr: "olena@example.ua",
        subject: "Щотижневий звіт",
        text: "Добрий день!\nЄ питання щодо звіту.\n",
    },
    CharsetSample {
        charset: "windows-1256",
        words: Words::B,
        transfer: "quoted-printable",
        name: "أحمد علي",
        addr: "ahmed@example.eg",
        subject: "مرحبا بالعالم",
        text: "السلام عليكم\nشكرا جزيلا\n",
    },
    CharsetSample {
        charset: "ISO-8859-2",
        words: Words::Q,
        transfer: "quoted-printable",
        name: "Jiří Dvořák",
        addr: "jiri@example.cz",
        subject: "Příliš žluťoučký kůň",
        text: "Dobrý den,\npěl ďábelské ódy.\n",
    },
    CharsetSample {
        charset: "ISO-8859-7",
        words: Words::B,
        transfer: "8bit",
        name: "Γιώργος Παπαδόπουλος",
        addr: "giorgos@example.gr",
        subject: "Καλημέρα κόσμε",
        text: "Γεια σας,\nτα λέμε αύριο.\n",
    },
    CharsetSample {
        charset: "ISO-8859-8",
        words: Words::B,
        transfer: "base64",
        name: "דוד כהן",
        addr: "david@example.il",
        subject: "שלום עולם",
        text: "שלום,\nנתראה מחר.\n",
    },
    CharsetSample {
        // WHATWG reads ISO-8859-9 as windows-1254, its superset.
        charset: "ISO-8859-9",
        words: Words::Q,
        transfer: "quoted-printable",
        name: "Ayşe Yılmaz",
        addr: "ayse@example.tr",
        subject: "Günaydın İstanbul",
        text: "Merhaba,\nşimdi görüşürüz.\n",
    },
    CharsetSample {
        charset: "ISO-8859-15",
        words: Words::Q,
        transfer: "8bit",
        name: "François Lefèvre",
        addr: "francois@example.fr",
        subject: "Prix : 50 € pour l'œuvre",
        text: "Bonjour,\nl'œuvre coûte 50 €.\n",
    },
    CharsetSample {
        // WHATWG reads TIS-620 as windows-874, its superset.
        charset: "TIS-620",
        words: Words::B,
        transfer: "base64",
        name: "สมชาย ใจดี",
        addr: "somchai@example.th",
        subject: "สวัสดีครับ",
        text: "สวัสดีครับ\nขอบคุณมาก\n",
    },
    CharsetSample {
        charset: "UTF-8",
        words: Words::Q,
        transfer: "quoted-printable",
        name: "Zoë Ångström",
        addr: "zoe@example.se",
        subject: "Ünïcödé ✓ 日本語 🐦",
        text: "Hello 👋\nÜnïcödé ✓\n",
    },
];

/// The `Charsets` folder: one message per [`CHARSET_SAMPLES`] entry, oldest first, after
/// every other fixture message.
fn charsets() -> Vec<Message> {
    let mut t = Clock::new(EPOCH + 10 * 24 * HOUR);
    CHARSET_SAMPLES.iter().map(|s| s.message(&mut t)).collect()
}

/// `text` in `charset`, by the WHATWG encoder for that label (what the browser decodes by),
/// or as UTF-8 for a label WHATWG does not know. A character the charset cannot hold
/// becomes an HTML numeric reference; the samples have none (a test checks).
fn encode(text: &str, charset: &str) -> Vec<u8> {
    match encoding_rs::Encoding::for_label(charset.as_bytes()) {
        Some(encoding) => encoding.encode(text).0.into_owned(),
        None => text.as_bytes().to_vec(),
    }
}

/// `text` as RFC 2047 encoded words in `charset`, each at most 75 characters long (§2) and
/// holding whole characters (§5), separated by folding white space. In ISO-2022-JP each
/// word opens with its own escape to JIS X 0208 and closes with one back to ASCII, as
/// RFC 1468 asks.
pub fn encoded_words(text: &str, charset: &str, words: Words) -> String {
    let word = |chunk: &str| {
        let bytes = encode(chunk, charset);
        match words {
            Words::B => format!("=?{charset}?B?{}?=", base64(&bytes)),
            Words::Q => format!("=?{charset}?Q?{}?=", q_encode(&bytes)),
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        let longer = format!("{chunk}{c}");
        if !chunk.is_empty() && word(&longer).len() > 75 {
            out.push(word(&chunk));
            chunk = c.to_string();
        } else {
            chunk = longer;
        }
    }
    out.push(word(&chunk));
    out.join("\n ")
}

/// The "Q" encoding (RFC 2047 §4.2) in its strictest form, which a display name needs
/// (§5 (3)): letters and digits as they are, `_` for a space, `=XX` for every other byte.
fn q_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b' ' => "_".to_owned(),
            _ if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            _ => format!("={b:02X}"),
        })
        .collect()
}

/// Quoted-printable (RFC 2045 §6.7) of CRLF-separated lines: printable ASCII but `=` as is,
/// a space or tab as is unless it ends a line, every other byte as `=XX`, and soft line
/// breaks keep lines within 76 characters.
fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut lines = bytes.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let token = match b {
                b' ' | b'\t' if !last => char::from(b).to_string(),
                b'!'..=b'~' if b != b'=' => char::from(b).to_string(),
                _ => format!("={b:02X}"),
            };
            if width + token.len() > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            width += token.len();
            out.push_str(&token);
        }
        if lines.peek().is_some() {
            out.push_str("\r\n");
        }
    }
    out
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648) with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = base64_unpadded(data, BASE64);
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

fn base64_unpadded(data: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        let sextets = chunk.len() + 1;
        for i in 0..sextets {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn wrap76(text: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    lines.join("\n")
}

/// Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): printable ASCII stands for
/// itself (`&` becomes `&-`), everything else is UTF-16BE in base64 with `,` for `/`,
/// between `&` and `-`.
pub fn modified_utf7(name: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    fn flush(out: &mut String, pending: &mut Vec<u8>) {
        if !pending.is_empty() {
            out.push('&');
            out.push_str(&base64_unpadded(pending, ALPHABET));
            out.push('-');
            pending.clear();
        }
    }
    let mut out = String::new();
    let mut pending = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                pending.extend_from_slice(&unit.to_be_bytes());
            }
        }
    }
    flush(&mut out, &mut pending);
    out
}

/// An RFC 5322 `Date:` value in UTC, such as `Fri, 01 Mar 2024 09:00:00 +0000`.
pub fn rfc5322_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[(days + 4).rem_euclid(7) as usize];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day): Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_known_answers() {
        assert_eq!(modified_utf7("INBOX"), "INBOX");
        assert_eq!(modified_utf7("Reçus"), "Re&AOc-us");
        assert_eq!(modified_utf7("Été"), "&AMk-t&AOk-");
        assert_eq!(modified_utf7("R&D"), "R&-D");
        // RFC 3501's own example.
        assert_eq!(
            modified_utf7("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
    }

    #[test]
    fn base64_known_answers() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(
            base64("Café au lait ☕".as_bytes()),
            "Q2Fmw6kgYXUgbGFpdCDimJU="
        );
    }

    #[test]
    fn dates_known_answers() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(EPOCH), "Fri, 01 Mar 2024 09:00:00 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    }

    #[test]
    fn fixture_dates_are_distinct_and_increasing() {
        let mailbox = Mailbox::demo();
        let mut dates: Vec<i64> = mailbox
            .folders
            .iter()
            .flat_map(|f| f.messages.iter().map(|m| m.date))
            .collect();
        let count = dates.len();
        dates.sort_unstable();
        dates.dedup();
        assert_eq!(dates.len(), count);
        assert!(count >= 30, "the demo mailbox has {count} messages");
    }

    #[test]
    fn messages_are_crlf_and_seven_bit_headers() {
        for folder in &Mailbox::demo().folders {
            for message in &folder.messages {
                // Bodies in other charsets are not UTF-8: look at bytes.
                let bytes = message.to_rfc5322();
                let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
                let headers = String::from_utf8_lossy(&bytes[..end]);
                assert!(headers.is_ascii(), "non-ASCII header in {headers}");
                let bare_lf = bytes
                    .iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'));
                assert!(!bare_lf, "bare LF in {headers}");
            }
        }
    }

    #[test]
    fn charset_samples_are_representable_and_round_trip() {
        for sample in CHARSET_SAMPLES {
            let encoding = encoding_rs::Encoding::for_label(sample.charset.as_bytes()).unwrap();
            for text in [sample.name, sample.subject, sample.text] {
                let (bytes, _, unmappable) = encoding.encode(text);
                assert!(!unmappable, "{} cannot write {text}", sample.charset);
                let (back, malformed) = encoding.decode_without_bom_handling(&bytes);
                assert!(!malformed && back == text, "{}: {back}", sample.charset);
            }
        }
    }

    #[test]
    fn encoded_words_known_answers() {
        assert_eq!(
            encoded_words("こんにちは", "ISO-2022-JP", Words::B),
            "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?="
        );
        assert_eq!(
            encoded_words("Grüße aus", "ISO-8859-1", Words::Q),
            "=?ISO-8859-1?Q?Gr=FC=DFe_aus?="
        );
        // Too long for one word: split between characters, every word whole ISO-2022-JP.
        let long = encoded_words(CHARSET_SAMPLES[0].subject, "ISO-2022-JP", Words::B);
        let words: Vec<&str> = long.split("\n ").collect();
        assert_eq!(words.len(), 2, "{long}");
        assert!(words.iter().all(|w| w.len() <= 75 && w.contains("?B?GyRC")));
    }

    #[test]
    fn quoted_printable_known_answers() {
        assert_eq!(quoted_printable(b"a=b \r\nc\td\t"), "a=3Db=20\r\nc\td=09");
        assert_eq!(quoted_printable(b"\x1b$B\r\n"), "=1B$B\r\n");
        let long = quoted_printable(&[0xe9; 40]);
        assert!(long.split("\r\n").all(|l| l.len() <= 76), "{long}");
        assert_eq!(long.replace("=\r\n", ""), "=E9".repeat(40));
    }
}
