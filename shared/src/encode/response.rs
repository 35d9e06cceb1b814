//! The response encoder: [`Response`] to bytes, as a server would send it. The client never
//! needs it; it exists for round-trip tests (encode, decode, compare), test servers and
//! fuzzing, and writes the canonical form the decoder reads back to an equal value.

use alloc::vec::Vec;

use super::write_nstring;
use crate::types::capability::Capability;
use crate::types::extensions::list_extended::{ListExtendedItem, TaggedExtComp, TaggedExtValue};
use crate::types::extensions::thread::Thread;
use crate::types::fetch::{BodyKind, BodyRef, DateTime, Envelope, FetchItem};
use crate::types::flag::{Flag, FlagPerm, ListAttribute};
use crate::types::response::{Code, Data, Response, StatusItem, StatusKind, StatusResponse};

struct Out(Vec<u8>);

impl Out {
    fn raw(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn num(&mut self, n: impl core::fmt::Display) {
        self.raw(alloc::format!("{n}").as_bytes());
    }
    fn nstring(&mut self, s: Option<&[u8]>) {
        write_nstring(&mut self.0, s);
    }
    fn string(&mut self, s: &[u8]) {
        write_nstring(&mut self.0, Some(s));
    }
    /// `astring`: bare when every byte is an ASTRING-CHAR, else a string.
    fn astring(&mut self, s: &[u8]) {
        if !s.is_empty()
            && s.iter().all(|&b| crate::types::core::is_astring_char(b))
            && !s.eq_ignore_ascii_case(b"NIL")
        {
            self.raw(s);
        } else {
            self.string(s);
        }
    }
    fn sep(&mut self, k: usize) {
        if k > 0 {
            self.raw(b" ");
        }
    }
}

/// Encodes one response, CRLF included.
pub fn encode_response(response: &Response<'_>) -> Vec<u8> {
    let mut o = Out(Vec::with_capacity(64));
    match response {
        Response::Continue(c) => {
            o.raw(b"+ ");
            if let Some(code) = &c.code {
                o.raw(b"[");
                code_(&mut o, code);
                o.raw(b"] ");
            }
            o.raw(c.text.as_bytes());
        }
        Response::Status(s) => status(&mut o, s),
        Response::Data(d) => {
            o.raw(b"* ");
            data(&mut o, d);
        }
    }
    o.raw(b"\r\n");
    o.0
}

fn status(o: &mut Out, s: &StatusResponse<'_>) {
    match &s.tag {
        Some(t) => o.raw(t.as_str().as_bytes()),
        None => o.raw(b"*"),
    }
    o.raw(match s.kind {
        StatusKind::Ok => b" OK",
        StatusKind::No => b" NO",
        StatusKind::Bad => b" BAD",
        StatusKind::PreAuth => b" PREAUTH",
        StatusKind::Bye => b" BYE",
    });
    if let Some(code) = &s.code {
        o.raw(b" [");
        code_(o, code);
        o.raw(b"]");
    }
    if !s.text.is_empty() {
        o.raw(b" ");
        o.raw(s.text.as_bytes());
    }
}

fn capabilities(o: &mut Out, caps: &[Capability<'_>]) {
    for c in caps {
        o.raw(b" ");
        o.raw(c.name().as_bytes());
    }
}

fn flag(o: &mut Out, f: &Flag<'_>) {
    super::write_flag(&mut o.0, f);
}

fn flags(o: &mut Out, fs: &[Flag<'_>]) {
    o.raw(b"(");
    for (k, f) in fs.iter().enumerate() {
        o.sep(k);
        flag(o, f);
    }
    o.raw(b")");
}

fn code_(o: &mut Out, c: &Code<'_>) {
    let simple: Option<&[u8]> = match c {
        Code::Alert => Some(b"ALERT"),
        Code::Parse => Some(b"PARSE"),
        Code::ReadOnly => Some(b"READ-ONLY"),
        Code::ReadWrite => Some(b"READ-WRITE"),
        Code::TryCreate => Some(b"TRYCREATE"),
        Code::UidNotSticky => Some(b"UIDNOTSTICKY"),
        Code::NoModSeq => Some(b"NOMODSEQ"),
        Code::Closed => Some(b"CLOSED"),
        Code::Unavailable => Some(b"UNAVAILABLE"),
        Code::AuthenticationFailed => Some(b"AUTHENTICATIONFAILED"),
        Code::AuthorizationFailed => Some(b"AUTHORIZATIONFAILED"),
        Code::Expired => Some(b"EXPIRED"),
        Code::PrivacyRequired => Some(b"PRIVACYREQUIRED"),
        Code::ContactAdmin => Some(b"CONTACTADMIN"),
        Code::NoPerm => Some(b"NOPERM"),
        Code::InUse => Some(b"INUSE"),
        Code::ExpungeIssued => Some(b"EXPUNGEISSUED"),
        Code::Corruption => Some(b"CORRUPTION"),
        Code::ServerBug => Some(b"SERVERBUG"),
        Code::ClientBug => Some(b"CLIENTBUG"),
        Code::CannotNot => Some(b"CANNOT"),
        Code::Limit => Some(b"LIMIT"),
        Code::OverQuota => Some(b"OVERQUOTA"),
        Code::AlreadyExists => Some(b"ALREADYEXISTS"),
        Code::NonExistent => Some(b"NONEXISTENT"),
        Code::NotificationOverflow => Some(b"NOTIFICATIONOVERFLOW"),
        Code::NotSaved => Some(b"NOTSAVED"),
        Code::HasChildren => Some(b"HASCHILDREN"),
        Code::UnknownCte => Some(b"UNKNOWN-CTE"),
        Code::UseAttr => Some(b"USEATTR"),
        Code::CompressionActive => Some(b"COMPRESSIONACTIVE"),
        Code::TooBig => Some(b"TOOBIG"),
        _ => None,
    };
    if let Some(name) = simple {
        return o.raw(name);
    }
    match c {
        Code::BadCharset(cs) => {
            o.raw(b"BADCHARSET");
            if !cs.is_empty() {
                o.raw(b" (");
                for (k, c) in cs.iter().enumerate() {
                    o.sep(k);
                    o.astring(c);
                }
                o.raw(b")");
            }
        }
        Code::BadEvent(events) => {
            o.raw(b"BADEVENT (");
            for (k, e) in events.iter().enumerate() {
                o.sep(k);
                o.raw(e.as_str().as_bytes());
            }
            o.raw(b")");
        }
        Code::Capability(caps) => {
            o.raw(b"CAPABILITY");
            capabilities(o, caps);
        }
        Code::PermanentFlags(fs) => {
            o.raw(b"PERMANENTFLAGS (");
            for (k, f) in fs.iter().enumerate() {
                o.sep(k);
                match f {
                    FlagPerm::Flag(f) => flag(o, f),
                    FlagPerm::Wildcard => o.raw(b"\\*"),
                }
            }
            o.raw(b")");
        }
        Code::UidNext(n) => {
            o.raw(b"UIDNEXT ");
            o.num(n);
        }
        Code::UidValidity(n) => {
            o.raw(b"UIDVALIDITY ");
            o.num(n);
        }
        Code::Unseen(n) => {
            o.raw(b"UNSEEN ");
            o.num(n);
        }
        Code::AppendUid { uid_validity, uids } => {
            o.raw(b"APPENDUID ");
            o.num(uid_validity);
            o.raw(b" ");
            o.num(uids);
        }
        Code::CopyUid {
            uid_validity,
            source,
            destination,
        } => {
            o.raw(b"COPYUID ");
            o.num(uid_validity);
            o.raw(b" ");
            o.num(source);
            o.raw(b" ");
            o.num(destination);
        }
        Code::HighestModSeq(n) => {
            o.raw(b"HIGHESTMODSEQ ");
            o.num(n);
        }
        Code::Modified(set) => {
            o.raw(b"MODIFIED ");
            o.num(set);
        }
        Code::MailboxId(id) => {
            o.raw(b"MAILBOXID (");
            o.raw(id.as_str().as_bytes());
            o.raw(b")");
        }
        Code::Other { name, data } => {
            o.raw(name.as_str().as_bytes());
            if let Some(d) = data {
                o.raw(b" ");
                o.raw(d);
            }
        }
        _ => {}
    }
}

fn list_attribute(o: &mut Out, a: &ListAttribute<'_>) {
    use ListAttribute::*;
    let name: &[u8] = match a {
        NoInferiors => b"\\Noinferiors",
        NoSelect => b"\\Noselect",
        Marked => b"\\Marked",
        Unmarked => b"\\Unmarked",
        NonExistent => b"\\NonExistent",
        Subscribed => b"\\Subscribed",
        Remote => b"\\Remote",
        HasChildren => b"\\HasChildren",
        HasNoChildren => b"\\HasNoChildren",
        All => b"\\All",
        Archive => b"\\Archive",
        Drafts => b"\\Drafts",
        Flagged => b"\\Flagged",
        Junk => b"\\Junk",
        Sent => b"\\Sent",
        Trash => b"\\Trash",
        Important => b"\\Important",
        Other(n) => {
            o.raw(b"\\");
            return o.raw(n.as_str().as_bytes());
        }
    };
    o.raw(name);
}

fn delimiter(o: &mut Out, d: Option<char>) {
    match d {
        None => o.raw(b"NIL"),
        Some(c) => {
            let mut buf = [0u8; 4];
            o.string(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn numbers(o: &mut Out, ns: &[u32], modseq: Option<u64>) {
    for n in ns {
        o.raw(b" ");
        o.num(n);
    }
    if let Some(m) = modseq {
        o.raw(b" (MODSEQ ");
        o.num(m);
        o.raw(b")");
    }
}

fn thread(o: &mut Out, t: &Thread) {
    o.raw(b"(");
    for (k, m) in t.messages.iter().enumerate() {
        o.sep(k);
        o.num(m);
    }
    if !t.messages.is_empty() && !t.children.is_empty() {
        o.raw(b" ");
    }
    for c in &t.children {
        thread(o, c);
    }
    o.raw(b")");
}

fn data(o: &mut Out, d: &Data<'_>) {
    match d {
        Data::Capability(caps) => {
            o.raw(b"CAPABILITY");
            capabilities(o, caps);
        }
        Data::Enabled(caps) => {
            o.raw(b"ENABLED");
            capabilities(o, caps);
        }
        Data::List(l) | Data::Lsub(l) => {
            o.raw(if matches!(d, Data::List(_)) {
                b"LIST ("
            } else {
                b"LSUB ("
            });
            for (k, a) in l.attributes.iter().enumerate() {
                o.sep(k);
                list_attribute(o, a);
            }
            o.raw(b") ");
            delimiter(o, l.delimiter);
            o.raw(b" ");
            // A bare name followed by bytes other than `(` would read back as one name
            // with spaces (a quirk the decoder forgives), so then the name is quoted.
            if matches!(l.extended.as_slice(), [ListExtendedItem::Unparsed(_)]) {
                o.string(l.mailbox.as_bytes());
            } else {
                o.astring(l.mailbox.as_bytes());
            }
            list_extended(o, &l.extended);
        }
        Data::Flags(fs) => {
            o.raw(b"FLAGS ");
            flags(o, fs);
        }
        Data::Exists(n) => {
            o.num(n);
            o.raw(b" EXISTS");
        }
        Data::Recent(n) => {
            o.num(n);
            o.raw(b" RECENT");
        }
        Data::Expunge(n) => {
            o.num(n);
            o.raw(b" EXPUNGE");
        }
        Data::Search {
            numbers: ns,
            modseq,
        } => {
            o.raw(b"SEARCH");
            numbers(o, ns, *modseq);
        }
        Data::Sort {
            numbers: ns,
            modseq,
        } => {
            o.raw(b"SORT");
            numbers(o, ns, *modseq);
        }
        Data::Thread(ts) => {
            o.raw(b"THREAD");
            if !ts.is_empty() {
                o.raw(b" ");
            }
            for t in ts {
                thread(o, t);
            }
        }
        Data::ESearch(e) => {
            o.raw(b"ESEARCH");
            if let Some(t) = &e.tag {
                o.raw(b" (TAG ");
                o.string(t);
                o.raw(b")");
            }
            if e.uid {
                o.raw(b" UID");
            }
            for (name, v) in [("MIN", e.min), ("MAX", e.max), ("COUNT", e.count)] {
                if let Some(v) = v {
                    o.raw(b" ");
                    o.raw(name.as_bytes());
                    o.raw(b" ");
                    o.num(v);
                }
            }
            if let Some(all) = &e.all {
                o.raw(b" ALL ");
                o.num(all);
            }
            if let Some(m) = e.modseq {
                o.raw(b" MODSEQ ");
                o.num(m);
            }
            for (name, v) in &e.other {
                o.raw(b" ");
                o.raw(name.as_str().as_bytes());
                o.raw(b" ");
                o.raw(v);
            }
        }
        Data::Status { mailbox, items } => {
            o.raw(b"STATUS ");
            o.astring(mailbox.as_bytes());
            o.raw(b" (");
            for (k, item) in items.iter().enumerate() {
                o.sep(k);
                match item {
                    StatusItem::Messages(n) => {
                        o.raw(b"MESSAGES ");
                        o.num(n)
                    }
                    StatusItem::Recent(n) => {
                        o.raw(b"RECENT ");
                        o.num(n)
                    }
                    StatusItem::UidNext(n) => {
                        o.raw(b"UIDNEXT ");
                        o.num(n)
                    }
                    StatusItem::UidValidity(n) => {
                        o.raw(b"UIDVALIDITY ");
                        o.num(n)
                    }
                    StatusItem::Unseen(n) => {
                        o.raw(b"UNSEEN ");
                        o.num(n)
                    }
                    StatusItem::Deleted(n) => {
                        o.raw(b"DELETED ");
                        o.num(n)
                    }
                    StatusItem::Size(n) => {
                        o.raw(b"SIZE ");
                        o.num(n)
                    }
                    StatusItem::HighestModSeq(n) => {
                        o.raw(b"HIGHESTMODSEQ ");
                        o.num(n)
                    }
                    StatusItem::MailboxId(id) => {
                        o.raw(b"MAILBOXID (");
                        o.raw(id.as_str().as_bytes());
                        o.raw(b")");
                    }
                    StatusItem::AppendLimit(None) => o.raw(b"APPENDLIMIT NIL"),
                    StatusItem::AppendLimit(Some(n)) => {
                        o.raw(b"APPENDLIMIT ");
                        o.num(n)
                    }
                }
            }
            o.raw(b")");
        }
        Data::Namespace(n) => {
            o.raw(b"NAMESPACE");
            for list in [&n.personal, &n.other, &n.shared] {
                o.raw(b" ");
                if list.is_empty() {
                    o.raw(b"NIL");
                    continue;
                }
                o.raw(b"(");
                for d in list {
                    o.raw(b"(");
                    o.string(&d.prefix);
                    o.raw(b" ");
                    delimiter(o, d.delimiter);
                    if !d.extensions.is_empty() {
                        o.raw(b" ");
                        o.raw(&d.extensions);
                    }
                    o.raw(b")");
                }
                o.raw(b")");
            }
        }
        Data::Quota(q) => {
            o.raw(b"QUOTA ");
            o.astring_or_empty(&q.root);
            o.raw(b" (");
            for (k, r) in q.resources.iter().enumerate() {
                o.sep(k);
                o.raw(r.name.as_str().as_bytes());
                o.raw(b" ");
                o.num(r.usage);
                o.raw(b" ");
                o.num(r.limit);
            }
            o.raw(b")");
        }
        Data::QuotaRoot(q) => {
            o.raw(b"QUOTAROOT ");
            o.astring(q.mailbox.as_bytes());
            for r in &q.roots {
                o.raw(b" ");
                o.astring_or_empty(r);
            }
        }
        Data::Id(id) => match &id.0 {
            None => o.raw(b"ID NIL"),
            Some(fields) => {
                o.raw(b"ID (");
                for (k, (name, value)) in fields.iter().enumerate() {
                    o.sep(k);
                    o.string(name);
                    o.raw(b" ");
                    o.nstring(value.as_deref());
                }
                o.raw(b")");
            }
        },
        Data::Vanished { earlier, uids } => {
            o.raw(if *earlier {
                b"VANISHED (EARLIER) "
            } else {
                b"VANISHED "
            });
            o.num(uids);
        }
        Data::Fetch { seq, items } => {
            o.num(seq);
            o.raw(b" FETCH (");
            for (k, item) in items.iter().enumerate() {
                o.sep(k);
                fetch_item(o, item);
            }
            o.raw(b")");
        }
        Data::Other { name, rest } => {
            o.raw(name.as_str().as_bytes());
            if !rest.is_empty() {
                o.raw(b" ");
                o.raw(rest);
            }
        }
    }
}

impl Out {
    fn astring_or_empty(&mut self, s: &[u8]) {
        if s.is_empty() {
            self.raw(b"\"\"");
        } else {
            self.astring(s);
        }
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn date_time(o: &mut Out, d: &DateTime) {
    let month = MONTHS
        .get(usize::from(d.month.saturating_sub(1)))
        .copied()
        .unwrap_or(b"Jan");
    let sign = if d.zone_minutes < 0 { '-' } else { '+' };
    let z = d.zone_minutes.unsigned_abs();
    o.raw(
        alloc::format!(
            "\"{:2}-{}-{:04} {:02}:{:02}:{:02} {sign}{:02}{:02}\"",
            d.day,
            core::str::from_utf8(month).unwrap_or("Jan"),
            d.year,
            d.hour,
            d.minute,
            d.second,
            z / 60,
            z % 60
        )
        .as_bytes(),
    );
}

fn envelope(o: &mut Out, e: &Envelope<'_>) {
    o.raw(b"(");
    o.nstring(e.date.as_deref());
    o.raw(b" ");
    o.nstring(e.subject.as_deref());
    for list in [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc] {
        o.raw(b" ");
        if list.is_empty() {
            o.raw(b"NIL");
        } else {
            o.raw(list.as_bytes());
        }
    }
    o.raw(b" ");
    o.nstring(e.in_reply_to.as_deref());
    o.raw(b" ");
    o.nstring(e.message_id.as_deref());
    o.raw(b")");
}

fn body(o: &mut Out, b: BodyRef<'_, '_>) {
    o.raw(b"(");
    match b.kind() {
        Some(BodyKind::Multipart { subtype, extension }) => {
            let mut children = b.children().peekable();
            // A multipart without parts is written the way Exchange sends one, `NIL` where
            // the parts go: with nothing there, the subtype would read as a single part's
            // media type.
            if children.peek().is_none() {
                o.raw(b"NIL");
            }
            for child in children {
                body(o, child);
            }
            o.raw(b" ");
            o.string(subtype);
            if !extension.is_empty() {
                o.raw(b" ");
                o.raw(extension);
            }
        }
        Some(BodyKind::Single(p)) => {
            o.string(&p.media_type);
            o.raw(b" ");
            o.string(&p.subtype);
            o.raw(b" ");
            if p.params.is_empty() {
                o.raw(b"NIL");
            } else {
                o.raw(b"(");
                for (k, (name, value)) in p.params.iter().enumerate() {
                    o.sep(k);
                    o.string(&name);
                    o.raw(b" ");
                    o.string(&value);
                }
                o.raw(b")");
            }
            o.raw(b" ");
            o.nstring(p.id.as_deref());
            o.raw(b" ");
            o.nstring(p.description.as_deref());
            o.raw(b" ");
            o.string(&p.encoding);
            o.raw(b" ");
            o.num(p.size);
            if let Some(env) = &p.envelope {
                o.raw(b" ");
                envelope(o, env);
                for child in b.children() {
                    o.raw(b" ");
                    body(o, child);
                }
            }
            if let Some(lines) = p.lines {
                o.raw(b" ");
                o.num(lines);
            }
            if !p.extension.is_empty() {
                o.raw(b" ");
                o.raw(&p.extension);
            }
        }
        None => {}
    }
    o.raw(b")");
}

fn fetch_item(o: &mut Out, item: &FetchItem<'_>) {
    match item {
        FetchItem::Uid(n) => {
            o.raw(b"UID ");
            o.num(n)
        }
        FetchItem::Flags(fs) => {
            o.raw(b"FLAGS ");
            // A default (empty) list has no wire text of its own.
            if fs.as_bytes().is_empty() {
                o.raw(b"()");
            } else {
                o.raw(fs.as_bytes());
            }
        }
        FetchItem::Envelope(e) => {
            o.raw(b"ENVELOPE ");
            envelope(o, e)
        }
        FetchItem::Rfc822Size(n) => {
            o.raw(b"RFC822.SIZE ");
            o.num(n)
        }
        FetchItem::InternalDate(d) => {
            o.raw(b"INTERNALDATE ");
            date_time(o, d)
        }
        FetchItem::BodyStructure(b) => {
            o.raw(b"BODYSTRUCTURE ");
            body(o, b.root())
        }
        FetchItem::Body(b) => {
            o.raw(b"BODY ");
            body(o, b.root())
        }
        FetchItem::BodySection {
            binary,
            section,
            origin,
            data,
        } => {
            o.raw(if *binary { b"BINARY[" } else { b"BODY[" });
            o.raw(section);
            o.raw(b"]");
            if let Some(origin) = origin {
                o.raw(b"<");
                o.num(origin);
                o.raw(b">");
            }
            o.raw(b" ");
            match data {
                Some(d) if *binary && d.contains(&0) => {
                    o.raw(alloc::format!("~{{{}}}\r\n", d.len()).as_bytes());
                    o.raw(d);
                }
                _ => o.nstring(data.as_deref()),
            }
        }
        FetchItem::BinarySize { section, size } => {
            o.raw(b"BINARY.SIZE[");
            o.raw(section);
            o.raw(b"] ");
            o.num(size);
        }
        FetchItem::Rfc822(d) => {
            o.raw(b"RFC822 ");
            o.nstring(d.as_deref())
        }
        FetchItem::Rfc822Header(d) => {
            o.raw(b"RFC822.HEADER ");
            o.nstring(d.as_deref())
        }
        FetchItem::Rfc822Text(d) => {
            o.raw(b"RFC822.TEXT ");
            o.nstring(d.as_deref())
        }
        FetchItem::ModSeq(n) => {
            o.raw(b"MODSEQ (");
            o.num(n);
            o.raw(b")")
        }
        FetchItem::EmailId(id) => {
            o.raw(b"EMAILID (");
            o.raw(id.as_str().as_bytes());
            o.raw(b")");
        }
        FetchItem::ThreadId(None) => o.raw(b"THREADID NIL"),
        FetchItem::ThreadId(Some(id)) => {
            o.raw(b"THREADID (");
            o.raw(id.as_str().as_bytes());
            o.raw(b")");
        }
        FetchItem::SaveDate(None) => o.raw(b"SAVEDATE NIL"),
        FetchItem::SaveDate(Some(d)) => {
            o.raw(b"SAVEDATE ");
            date_time(o, d)
        }
        FetchItem::Preview(p) => {
            o.raw(b"PREVIEW ");
            o.nstring(p.as_deref())
        }
        FetchItem::GmailMessageId(n) => {
            o.raw(b"X-GM-MSGID ");
            o.num(n)
        }
        FetchItem::GmailThreadId(n) => {
            o.raw(b"X-GM-THRID ");
            o.num(n)
        }
        FetchItem::GmailLabels(ls) => {
            o.raw(b"X-GM-LABELS (");
            for (k, l) in ls.iter().enumerate() {
                o.sep(k);
                // A system label is `\` and an atom; a user label that merely starts with
                // `\` (`\a b`) is a string, or it would not read back.
                let system = l.len() > 1
                    && l[0] == b'\\'
                    && l[1..]
                        .iter()
                        .all(|&b| crate::types::core::is_astring_char(b));
                if system {
                    o.raw(l);
                } else {
                    o.astring(l);
                }
            }
            o.raw(b")");
        }
        FetchItem::Other { name, value } => {
            o.raw(name.as_str().as_bytes());
            if !value.starts_with(b"[") {
                o.raw(b" ");
            }
            o.raw(value);
        }
    }
}

/// `[SP mbox-list-extended]` (RFC 5258), nothing when there are no items.
fn list_extended(o: &mut Out, items: &[ListExtendedItem<'_>]) {
    if items.is_empty() {
        return;
    }
    if let [ListExtendedItem::Unparsed(raw)] = items {
        o.raw(b" ");
        return o.raw(raw);
    }
    o.raw(b" (");
    for (k, item) in items.iter().enumerate() {
        o.sep(k);
        match item {
            ListExtendedItem::ChildInfo(criteria) => {
                o.raw(b"CHILDINFO (");
                for (k, c) in criteria.iter().enumerate() {
                    o.sep(k);
                    o.string(c);
                }
                o.raw(b")");
            }
            ListExtendedItem::OldName(m) => {
                o.raw(b"OLDNAME (");
                o.astring(m.as_bytes());
                o.raw(b")");
            }
            ListExtendedItem::Other { tag, value } => {
                o.astring(tag);
                o.raw(b" ");
                tagged_ext_val(o, value);
            }
            ListExtendedItem::Unparsed(raw) => o.raw(raw),
        }
    }
    o.raw(b")");
}

/// `tagged-ext-val` (RFC 4466 §2.1).
fn tagged_ext_val(o: &mut Out, v: &TaggedExtValue<'_>) {
    match v {
        TaggedExtValue::Number(n) => o.num(n),
        TaggedExtValue::SequenceSet(set) => o.num(set),
        TaggedExtValue::List(comps) => tagged_ext_comps(o, comps),
    }
}

fn tagged_ext_comps(o: &mut Out, comps: &[TaggedExtComp<'_>]) {
    o.raw(b"(");
    for (k, c) in comps.iter().enumerate() {
        o.sep(k);
        match c {
            TaggedExtComp::String(s) => o.astring(s),
            TaggedExtComp::List(l) => tagged_ext_comps(o, l),
        }
    }
    o.raw(b")");
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{decode_response, Limits};

    fn reencodes(wire: &[u8]) {
        let first = decode_response(wire, &Limits::default()).unwrap();
        let again = encode_response(&first);
        assert_eq!(decode_response(&again, &Limits::default()).unwrap(), first);
    }

    #[test]
    fn list_with_unparsed_extended_data_keeps_its_name() {
        // Found by the reencode fuzz target: written bare, `Sent` and the unparsed bytes
        // after it read back as one name with a space.
        reencodes(b"* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"Items\"\r\r\n");
        reencodes(b"* LIST () \"/\" Sent (CHILDINFO (\"SUBSCRIBED\") X-N 1:3,5)\r\n");
    }

    #[test]
    fn gmail_label_starting_with_a_backslash_is_quoted() {
        // Found by the round-trip tests: `\"` and `\a b` were written bare.
        let wire = b"* 1 FETCH (X-GM-LABELS (\\Inbox \"\\\\\\\"\" \"\\\\a b\" \"\\\\\"))\r\n";
        let r = decode_response(wire, &Limits::default()).unwrap();
        let Response::Data(Data::Fetch { items, .. }) = &r else {
            panic!("{r:?}")
        };
        assert_eq!(
            items[0],
            FetchItem::GmailLabels(alloc::vec![
                alloc::borrow::Cow::Borrowed(&b"\\Inbox"[..]),
                alloc::borrow::Cow::Borrowed(&b"\\\""[..]),
                alloc::borrow::Cow::Borrowed(&b"\\a b"[..]),
                alloc::borrow::Cow::Borrowed(&b"\\"[..]),
            ])
        );
        assert_eq!(encode_response(&r), wire);
    }

    #[test]
    fn default_flag_list_is_written_empty() {
        // Found by the round-trip tests: `FLAGS ` with nothing after it did not decode.
        let r = Response::Data(Data::Fetch {
            seq: 1,
            items: alloc::vec![FetchItem::Flags(crate::types::fetch::FlagList::default())],
        });
        assert_eq!(encode_response(&r), b"* 1 FETCH (FLAGS ())\r\n");
    }

    #[test]
    fn multipart_without_parts_keeps_its_nil() {
        // Found by the round-trip tests: written `( "mixed")`, it read back as a single part
        // with a missing field.
        let wire = b"* 1 FETCH (BODYSTRUCTURE (NIL \"mixed\"))\r\n";
        let r = decode_response(wire, &Limits::default()).unwrap();
        assert_eq!(encode_response(&r), wire);
    }
}
