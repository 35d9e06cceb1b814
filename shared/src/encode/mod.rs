//! The command encoder: [`Command`] to bytes.
//!
//! A command is encoded as one or more parts. The first part can be written at once; each
//! further part must wait for the server's continuation request (`+`), because it follows a
//! synchronising literal (RFC 9051 §4.3) or is a SASL response (§6.2.2). With LITERAL+ or
//! LITERAL- (RFC 7888) literals are non-synchronising and the command stays in one part.

mod response;

use alloc::vec::Vec;

use crate::types::command::{
    Command, CommandBody, FetchAttribute, ListReturn, ListSelection, NotifyEvent, NotifyMailboxes,
    SearchDate, SearchKey, SearchReturn, SortKey, StatusAttribute, StoreKind,
};
use crate::types::core::{is_astring_char, AString, Mailbox, SeqBound, SequenceSet};
use crate::types::fetch::DateTime;
use crate::types::flag::{Flag, ListAttribute};

pub use response::encode_response;

/// What the server allows, as learned from its capabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// RFC 7888 LITERAL+: every literal may be non-synchronising.
    pub literal_plus: bool,
    /// RFC 7888 LITERAL-: literals up to 4096 bytes may be non-synchronising.
    pub literal_minus: bool,
    /// RFC 4959 SASL-IR: the initial response goes on the AUTHENTICATE line.
    pub sasl_ir: bool,
    /// RFC 6855 UTF8=ACCEPT is enabled: quoted strings may hold UTF-8.
    pub utf8: bool,
    /// RFC 3516 BINARY: an `APPEND`ed message goes as a `~{n}` literal, so that a message
    /// with 8-bit content-transfer-encodings is stored as it is, whatever bytes it holds.
    pub binary: bool,
}

/// An encoded command: `parts[0]` now, each later part after a `+` from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub parts: Vec<Vec<u8>>,
}

struct Writer {
    parts: Vec<Vec<u8>>,
    cur: Vec<u8>,
    opts: EncodeOptions,
}

impl Writer {
    fn raw(&mut self, b: &[u8]) {
        self.cur.extend_from_slice(b);
    }

    fn number(&mut self, n: u32) {
        let mut buf = [0u8; 10];
        let mut k = buf.len();
        let mut n = n;
        loop {
            k -= 1;
            buf[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.cur.extend_from_slice(&buf[k..]);
    }

    /// `literal`, synchronising unless the server allows otherwise.
    fn literal(&mut self, data: &[u8]) {
        let nonsync = self.opts.literal_plus || (self.opts.literal_minus && data.len() <= 4096);
        self.cur.push(b'{');
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        self.number(len);
        if nonsync {
            self.cur.extend_from_slice(b"+}\r\n");
        } else {
            self.cur.extend_from_slice(b"}\r\n");
            self.parts.push(core::mem::take(&mut self.cur));
        }
        self.cur.extend_from_slice(data);
    }

    /// `string = quoted / literal`: quoted when every byte may be quoted, else a literal.
    fn string(&mut self, s: &[u8]) {
        let utf8_ok = self.opts.utf8 && core::str::from_utf8(s).is_ok();
        let quotable = s.len() <= 1024
            && s.iter()
                .all(|&b| b != 0 && b != b'\r' && b != b'\n' && (b < 0x80 || utf8_ok));
        if !quotable {
            return self.literal(s);
        }
        self.cur.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                self.cur.push(b'\\');
            }
            self.cur.push(b);
        }
        self.cur.push(b'"');
    }

    /// `astring`: bare when it is a valid atom-ish string, else [`Writer::string`].
    fn astring(&mut self, s: &[u8]) {
        if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    fn mailbox(&mut self, m: &Mailbox<'_>) {
        self.astring(m.as_bytes());
    }

    /// `list-mailbox = 1*list-char / string`: wildcards stay bare.
    fn list_mailbox(&mut self, s: &[u8]) {
        if !s.is_empty()
            && s.iter()
                .all(|&b| is_astring_char(b) || b == b'%' || b == b'*')
        {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    fn sequence_set(&mut self, set: &SequenceSet) {
        for (k, (from, to)) in set.ranges().iter().enumerate() {
            if k > 0 {
                self.raw(b",");
            }
            self.bound(*from);
            if from != to {
                self.raw(b":");
                self.bound(*to);
            }
        }
    }

    fn bound(&mut self, b: SeqBound) {
        match b {
            SeqBound::Value(n) => self.number(n.get()),
            SeqBound::Largest => self.raw(b"*"),
        }
    }

    fn finish(mut self) -> Encoded {
        self.cur.extend_from_slice(b"\r\n");
        self.parts.push(self.cur);
        Encoded { parts: self.parts }
    }
}

/// Encodes a command (RFC 9051 §9 `command`).
pub fn encode(command: &Command<'_>, opts: EncodeOptions) -> Encoded {
    let mut w = Writer {
        parts: Vec::new(),
        cur: Vec::with_capacity(64),
        opts,
    };
    w.raw(command.tag.as_str().as_bytes());
    w.raw(b" ");
    match &command.body {
        CommandBody::Capability => w.raw(b"CAPABILITY"),
        CommandBody::Noop => w.raw(b"NOOP"),
        CommandBody::Logout => w.raw(b"LOGOUT"),
        CommandBody::Close => w.raw(b"CLOSE"),
        CommandBody::Unselect => w.raw(b"UNSELECT"),
        CommandBody::Expunge => w.raw(b"EXPUNGE"),
        CommandBody::Idle => w.raw(b"IDLE"),
        CommandBody::Login { username, password } => {
            w.raw(b"LOGIN ");
            w.astring(username.as_bytes());
            w.raw(b" ");
            w.astring(password.expose().as_bytes());
        }
        CommandBody::Authenticate {
            mechanism,
            initial_response,
        } => {
            w.raw(b"AUTHENTICATE ");
            w.raw(mechanism.as_str().as_bytes());
            if let Some(ir) = initial_response {
                let b64 = crate::base64::encode(ir.expose());
                if opts.sasl_ir {
                    // RFC 4959: an empty initial response is sent as "=" on the command line.
                    w.raw(b" ");
                    w.raw(if b64.is_empty() { b"=" } else { &b64 });
                } else {
                    // After the server's `+`, an empty response is an empty line (RFC 9051
                    // §6.2.2): "=" is only the command line's marker, not base64.
                    w.raw(b"\r\n");
                    w.parts.push(core::mem::take(&mut w.cur));
                    w.raw(&b64);
                }
            }
        }
        CommandBody::Enable(caps) => {
            w.raw(b"ENABLE");
            for c in caps {
                w.raw(b" ");
                w.raw(c.as_str().as_bytes());
            }
        }
        CommandBody::Select { mailbox } => {
            w.raw(b"SELECT ");
            w.mailbox(mailbox);
        }
        CommandBody::Examine { mailbox } => {
            w.raw(b"EXAMINE ");
            w.mailbox(mailbox);
        }
        CommandBody::List {
            reference,
            pattern,
            return_special_use,
        } => {
            w.raw(b"LIST ");
            w.string_or_atom_mailbox(reference);
            w.raw(b" ");
            w.list_mailbox(pattern.as_bytes());
            if *return_special_use {
                w.raw(b" RETURN (SPECIAL-USE)");
            }
        }
        CommandBody::Status { mailbox, items } => {
            w.raw(b"STATUS ");
            w.mailbox(mailbox);
            w.raw(b" ");
            w.status_attributes(items);
        }
        CommandBody::Fetch { set, items, uid } => {
            fetch_head(&mut w, *uid, set, items);
            w.raw(b")");
        }
        CommandBody::Create {
            mailbox,
            special_use,
        } => {
            w.raw(b"CREATE ");
            w.mailbox(mailbox);
            if !special_use.is_empty() {
                w.raw(b" (USE (");
                for (k, a) in special_use.iter().enumerate() {
                    if k > 0 {
                        w.raw(b" ");
                    }
                    w.list_attribute(a);
                }
                w.raw(b"))");
            }
        }
        CommandBody::Delete { mailbox } => {
            w.raw(b"DELETE ");
            w.mailbox(mailbox);
        }
        CommandBody::Rename { from, to } => {
            w.raw(b"RENAME ");
            w.mailbox(from);
            w.raw(b" ");
            w.mailbox(to);
        }
        CommandBody::Subscribe { mailbox } => {
            w.raw(b"SUBSCRIBE ");
            w.mailbox(mailbox);
        }
        CommandBody::Unsubscribe { mailbox } => {
            w.raw(b"UNSUBSCRIBE ");
            w.mailbox(mailbox);
        }
        CommandBody::Lsub { reference, pattern } => {
            w.raw(b"LSUB ");
            w.string_or_atom_mailbox(reference);
            w.raw(b" ");
            w.list_mailbox(pattern.as_bytes());
        }
        CommandBody::Namespace => w.raw(b"NAMESPACE"),
        CommandBody::Append {
            mailbox,
            flags,
            date,
            message,
        } => {
            w.raw(b"APPEND ");
            w.mailbox(mailbox);
            if !flags.is_empty() {
                w.raw(b" ");
                w.flag_list(flags);
            }
            if let Some(d) = date {
                w.raw(b" ");
                w.date_time(d);
            }
            w.raw(b" ");
            if w.opts.binary || message.contains(&0) {
                w.raw(b"~");
            }
            w.literal(message);
        }
        CommandBody::Search {
            criteria,
            charset,
            esearch,
            uid,
        } => {
            w.raw(if *uid { b"UID SEARCH" } else { b"SEARCH" });
            if let Some(ret) = esearch {
                w.raw(b" RETURN (");
                for (k, r) in ret.iter().enumerate() {
                    if k > 0 {
                        w.raw(b" ");
                    }
                    w.raw(match r {
                        SearchReturn::Min => b"MIN",
                        SearchReturn::Max => b"MAX",
                        SearchReturn::All => b"ALL",
                        SearchReturn::Count => b"COUNT",
                        SearchReturn::Save => b"SAVE",
                    });
                }
                w.raw(b")");
            }
            if let Some(c) = charset {
                w.raw(b" CHARSET ");
                w.raw(c.as_str().as_bytes());
            }
            w.search_keys(criteria);
        }
        CommandBody::Store {
            set,
            kind,
            silent,
            flags,
            uid,
            unchanged_since,
        } => {
            w.raw(if *uid { b"UID STORE " } else { b"STORE " });
            w.sequence_set(set);
            if let Some(m) = unchanged_since {
                w.raw(b" (UNCHANGEDSINCE ");
                w.number64(*m);
                w.raw(b")");
            }
            w.raw(match kind {
                StoreKind::Replace => b" FLAGS",
                StoreKind::Add => b" +FLAGS",
                StoreKind::Remove => b" -FLAGS",
            });
            if *silent {
                w.raw(b".SILENT");
            }
            w.raw(b" ");
            w.flag_list(flags);
        }
        CommandBody::Copy { set, mailbox, uid } | CommandBody::Move { set, mailbox, uid } => {
            let verb: &[u8] = match (&command.body, uid) {
                (CommandBody::Copy { .. }, false) => b"COPY ",
                (CommandBody::Copy { .. }, true) => b"UID COPY ",
                (_, false) => b"MOVE ",
                (_, true) => b"UID MOVE ",
            };
            w.raw(verb);
            w.sequence_set(set);
            w.raw(b" ");
            w.mailbox(mailbox);
        }
        CommandBody::UidExpunge { set } => {
            w.raw(b"UID EXPUNGE ");
            w.sequence_set(set);
        }
        CommandBody::Id(None) => w.raw(b"ID NIL"),
        CommandBody::Id(Some(fields)) => {
            w.raw(b"ID (");
            for (k, (name, value)) in fields.iter().enumerate() {
                if k > 0 {
                    w.raw(b" ");
                }
                w.string(name.as_bytes());
                w.raw(b" ");
                match value {
                    Some(v) => w.string(v.as_bytes()),
                    None => w.raw(b"NIL"),
                }
            }
            w.raw(b")");
        }
        CommandBody::CompressDeflate => w.raw(b"COMPRESS DEFLATE"),
        CommandBody::GetQuota { root } => {
            w.raw(b"GETQUOTA ");
            w.astring_always_quoted_if_empty(root.as_bytes());
        }
        CommandBody::GetQuotaRoot { mailbox } => {
            w.raw(b"GETQUOTAROOT ");
            w.mailbox(mailbox);
        }
        CommandBody::Sort {
            keys,
            charset,
            criteria,
            uid,
        } => {
            w.raw(if *uid { b"UID SORT (" } else { b"SORT (" });
            for (k, (reverse, key)) in keys.iter().enumerate() {
                if k > 0 {
                    w.raw(b" ");
                }
                if *reverse {
                    w.raw(b"REVERSE ");
                }
                w.raw(match key {
                    SortKey::Arrival => b"ARRIVAL",
                    SortKey::Cc => b"CC",
                    SortKey::Date => b"DATE",
                    SortKey::From => b"FROM",
                    SortKey::Size => b"SIZE",
                    SortKey::Subject => b"SUBJECT",
                    SortKey::To => b"TO",
                    SortKey::DisplayFrom => b"DISPLAYFROM",
                    SortKey::DisplayTo => b"DISPLAYTO",
                });
            }
            w.raw(b") ");
            w.raw(charset.as_str().as_bytes());
            w.search_keys(criteria);
        }
        CommandBody::Thread {
            algorithm,
            charset,
            criteria,
            uid,
        } => {
            w.raw(if *uid { b"UID THREAD " } else { b"THREAD " });
            w.raw(algorithm.as_str().as_bytes());
            w.raw(b" ");
            w.raw(charset.as_str().as_bytes());
            w.search_keys(criteria);
        }
        CommandBody::StartTls => w.raw(b"STARTTLS"),
        CommandBody::Check => w.raw(b"CHECK"),
        CommandBody::ListExtended {
            selection,
            reference,
            patterns,
            return_options,
        } => {
            w.raw(b"LIST ");
            if !selection.is_empty() {
                w.raw(b"(");
                for (k, sel) in selection.iter().enumerate() {
                    if k > 0 {
                        w.raw(b" ");
                    }
                    w.raw(match sel {
                        ListSelection::Subscribed => b"SUBSCRIBED",
                        ListSelection::Remote => b"REMOTE",
                        ListSelection::RecursiveMatch => b"RECURSIVEMATCH",
                        ListSelection::SpecialUse => b"SPECIAL-USE",
                    });
                }
                w.raw(b") ");
            }
            w.string_or_atom_mailbox(reference);
            w.raw(b" ");
            if let [one] = patterns.as_slice() {
                w.list_mailbox(one.as_bytes());
            } else {
                w.raw(b"(");
                for (k, p) in patterns.iter().enumerate() {
                    if k > 0 {
                        w.raw(b" ");
                    }
                    w.list_mailbox(p.as_bytes());
                }
                w.raw(b")");
            }
            if !return_options.is_empty() {
                w.raw(b" RETURN (");
                for (k, r) in return_options.iter().enumerate() {
                    if k > 0 {
                        w.raw(b" ");
                    }
                    match r {
                        ListReturn::Subscribed => w.raw(b"SUBSCRIBED"),
                        ListReturn::Children => w.raw(b"CHILDREN"),
                        ListReturn::SpecialUse => w.raw(b"SPECIAL-USE"),
                        ListReturn::Status(items) => {
                            w.raw(b"STATUS ");
                            w.status_attributes(items);
                        }
                    }
                }
                w.raw(b")");
            }
        }
        CommandBody::Notify { status, groups } => match groups {
            None => w.raw(b"NOTIFY NONE"),
            Some(groups) => {
                w.raw(b"NOTIFY SET");
                if *status {
                    w.raw(b" STATUS");
                }
                for g in groups {
                    w.raw(b" (");
                    w.notify_mailboxes(&g.mailboxes);
                    w.raw(b" ");
                    if g.events.is_empty() {
                        w.raw(b"NONE");
                    } else {
                        w.raw(b"(");
                        for (k, e) in g.events.iter().enumerate() {
                            if k > 0 {
                                w.raw(b" ");
                            }
                            w.raw(match e {
                                NotifyEvent::MessageNew { .. } => b"MessageNew",
                                NotifyEvent::MessageExpunge => b"MessageExpunge",
                                NotifyEvent::FlagChange => b"FlagChange",
                                NotifyEvent::AnnotationChange => b"AnnotationChange",
                                NotifyEvent::MailboxName => b"MailboxName",
                                NotifyEvent::SubscriptionChange => b"SubscriptionChange",
                                NotifyEvent::MailboxMetadataChange => b"MailboxMetadataChange",
                                NotifyEvent::ServerMetadataChange => b"ServerMetadataChange",
                            });
                            if let NotifyEvent::MessageNew { fetch } = e {
                                if !fetch.is_empty() {
                                    w.raw(b" (");
                                    for (k, item) in fetch.iter().enumerate() {
                                        if k > 0 {
                                            w.raw(b" ");
                                        }
                                        fetch_attribute(&mut w, item);
                                    }
                                    w.raw(b")");
                                }
                            }
                        }
                        w.raw(b")");
                    }
                    w.raw(b")");
                }
            }
        },
        CommandBody::SelectModSeq {
            mailbox,
            read_only,
            qresync,
        } => {
            w.raw(if *read_only { b"EXAMINE " } else { b"SELECT " });
            w.mailbox(mailbox);
            match qresync {
                None => w.raw(b" (CONDSTORE)"),
                Some(q) => {
                    w.raw(b" (QRESYNC (");
                    w.number(q.uid_validity);
                    w.raw(b" ");
                    w.number64(q.modseq);
                    if let Some(known) = &q.known_uids {
                        w.raw(b" ");
                        w.sequence_set(known);
                    }
                    w.raw(b"))");
                }
            }
        }
        CommandBody::FetchChangedSince {
            set,
            items,
            uid,
            changed_since,
            vanished,
        } => {
            fetch_head(&mut w, *uid, set, items);
            w.raw(b") (CHANGEDSINCE ");
            w.number64(*changed_since);
            if *vanished {
                w.raw(b" VANISHED");
            }
            w.raw(b")");
        }
    }
    w.finish()
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

impl Writer {
    fn status_attributes(&mut self, items: &[StatusAttribute]) {
        self.raw(b"(");
        for (k, item) in items.iter().enumerate() {
            if k > 0 {
                self.raw(b" ");
            }
            self.raw(match item {
                StatusAttribute::Messages => b"MESSAGES",
                StatusAttribute::Recent => b"RECENT",
                StatusAttribute::UidNext => b"UIDNEXT",
                StatusAttribute::UidValidity => b"UIDVALIDITY",
                StatusAttribute::Unseen => b"UNSEEN",
                StatusAttribute::Deleted => b"DELETED",
                StatusAttribute::Size => b"SIZE",
                StatusAttribute::HighestModSeq => b"HIGHESTMODSEQ",
                StatusAttribute::MailboxId => b"MAILBOXID",
                StatusAttribute::AppendLimit => b"APPENDLIMIT",
            });
        }
        self.raw(b")");
    }

    fn notify_mailboxes(&mut self, m: &NotifyMailboxes<'_>) {
        let list = |w: &mut Self, name: &[u8], boxes: &[Mailbox<'_>]| {
            w.raw(name);
            w.raw(b" (");
            for (k, b) in boxes.iter().enumerate() {
                if k > 0 {
                    w.raw(b" ");
                }
                w.mailbox(b);
            }
            w.raw(b")");
        };
        match m {
            NotifyMailboxes::Selected => self.raw(b"selected"),
            NotifyMailboxes::SelectedDelayed => self.raw(b"selected-delayed"),
            NotifyMailboxes::Inboxes => self.raw(b"inboxes"),
            NotifyMailboxes::Personal => self.raw(b"personal"),
            NotifyMailboxes::Subscribed => self.raw(b"subscribed"),
            NotifyMailboxes::Subtree(b) => list(self, b"subtree", b),
            NotifyMailboxes::Mailboxes(b) => list(self, b"mailboxes", b),
        }
    }

    fn number64(&mut self, n: u64) {
        self.raw(alloc::format!("{n}").as_bytes());
    }

    fn two_digits(&mut self, n: u8) {
        self.cur.push(b'0' + n / 10 % 10);
        self.cur.push(b'0' + n % 10);
    }

    /// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`.
    fn date_time(&mut self, d: &DateTime) {
        self.raw(b"\"");
        if d.day < 10 {
            self.raw(b" ");
            self.number(u32::from(d.day));
        } else {
            self.two_digits(d.day);
        }
        self.raw(b"-");
        self.month(d.month);
        self.raw(b"-");
        self.number(u32::from(d.year));
        self.raw(b" ");
        self.two_digits(d.hour);
        self.raw(b":");
        self.two_digits(d.minute);
        self.raw(b":");
        self.two_digits(d.second);
        self.raw(if d.zone_minutes < 0 { b" -" } else { b" +" });
        let z = d.zone_minutes.unsigned_abs();
        self.two_digits(u8::try_from(z / 60).unwrap_or(99));
        self.two_digits(u8::try_from(z % 60).unwrap_or(0));
        self.raw(b"\"");
    }

    fn month(&mut self, month: u8) {
        let m = MONTHS
            .get(usize::from(month.saturating_sub(1)))
            .copied()
            .unwrap_or(b"Jan");
        self.raw(m);
    }

    /// `date = date-text / DQUOTE date-text DQUOTE`, `date-text = date-day "-" date-month "-" date-year`.
    fn search_date(&mut self, d: &SearchDate) {
        self.number(u32::from(d.day));
        self.raw(b"-");
        self.month(d.month);
        self.raw(b"-");
        self.number(u32::from(d.year));
    }

    fn flag(&mut self, f: &Flag<'_>) {
        write_flag(&mut self.cur, f);
    }

    fn flag_list(&mut self, flags: &[Flag<'_>]) {
        self.raw(b"(");
        for (k, f) in flags.iter().enumerate() {
            if k > 0 {
                self.raw(b" ");
            }
            self.flag(f);
        }
        self.raw(b")");
    }

    fn list_attribute(&mut self, a: &ListAttribute<'_>) {
        use ListAttribute::*;
        let name: &[u8] = match a {
            NoInferiors => b"Noinferiors",
            NoSelect => b"Noselect",
            Marked => b"Marked",
            Unmarked => b"Unmarked",
            NonExistent => b"NonExistent",
            Subscribed => b"Subscribed",
            Remote => b"Remote",
            HasChildren => b"HasChildren",
            HasNoChildren => b"HasNoChildren",
            All => b"All",
            Archive => b"Archive",
            Drafts => b"Drafts",
            Flagged => b"Flagged",
            Junk => b"Junk",
            Sent => b"Sent",
            Trash => b"Trash",
            Important => b"Important",
            Other(n) => {
                self.raw(b"\\");
                self.raw(n.as_str().as_bytes());
                return;
            }
        };
        self.raw(b"\\");
        self.raw(name);
    }

    /// `astring`, but `""` for the empty string (a quota root may be empty).
    fn astring_always_quoted_if_empty(&mut self, s: &[u8]) {
        if s.is_empty() {
            self.raw(b"\"\"");
        } else {
            self.astring(s);
        }
    }

    /// ` key key ...`: each search key preceded by a space.
    fn search_keys(&mut self, keys: &[SearchKey<'_>]) {
        if keys.is_empty() {
            self.raw(b" ALL");
        }
        for k in keys {
            self.raw(b" ");
            self.search_key(k);
        }
    }

    fn search_key(&mut self, key: &SearchKey<'_>) {
        use SearchKey as K;
        let word = |w: &mut Self, name: &[u8], s: &AString<'_>| {
            w.raw(name);
            w.raw(b" ");
            w.astring_always_quoted_if_empty(s.as_bytes());
        };
        let date = |w: &mut Self, name: &[u8], d: &SearchDate| {
            w.raw(name);
            w.raw(b" ");
            w.search_date(d);
        };
        match key {
            K::All => self.raw(b"ALL"),
            K::Answered => self.raw(b"ANSWERED"),
            K::Deleted => self.raw(b"DELETED"),
            K::Draft => self.raw(b"DRAFT"),
            K::Flagged => self.raw(b"FLAGGED"),
            K::Seen => self.raw(b"SEEN"),
            K::Unanswered => self.raw(b"UNANSWERED"),
            K::Undeleted => self.raw(b"UNDELETED"),
            K::Undraft => self.raw(b"UNDRAFT"),
            K::Unflagged => self.raw(b"UNFLAGGED"),
            K::Unseen => self.raw(b"UNSEEN"),
            K::New => self.raw(b"NEW"),
            K::Old => self.raw(b"OLD"),
            K::Recent => self.raw(b"RECENT"),
            K::Keyword(k) => {
                self.raw(b"KEYWORD ");
                self.raw(k.as_str().as_bytes());
            }
            K::Unkeyword(k) => {
                self.raw(b"UNKEYWORD ");
                self.raw(k.as_str().as_bytes());
            }
            K::Before(d) => date(self, b"BEFORE", d),
            K::On(d) => date(self, b"ON", d),
            K::Since(d) => date(self, b"SINCE", d),
            K::SentBefore(d) => date(self, b"SENTBEFORE", d),
            K::SentOn(d) => date(self, b"SENTON", d),
            K::SentSince(d) => date(self, b"SENTSINCE", d),
            K::Bcc(s) => word(self, b"BCC", s),
            K::Body(s) => word(self, b"BODY", s),
            K::Cc(s) => word(self, b"CC", s),
            K::From(s) => word(self, b"FROM", s),
            K::Subject(s) => word(self, b"SUBJECT", s),
            K::Text(s) => word(self, b"TEXT", s),
            K::To(s) => word(self, b"TO", s),
            K::GmailRaw(s) => word(self, b"X-GM-RAW", s),
            K::Header(name, value) => {
                word(self, b"HEADER", name);
                self.raw(b" ");
                self.astring_always_quoted_if_empty(value.as_bytes());
            }
            K::Larger(n) => {
                self.raw(b"LARGER ");
                self.number(*n);
            }
            K::Smaller(n) => {
                self.raw(b"SMALLER ");
                self.number(*n);
            }
            K::Uid(set) => {
                self.raw(b"UID ");
                self.sequence_set(set);
            }
            K::SequenceSet(set) => self.sequence_set(set),
            K::Not(k) => {
                self.raw(b"NOT ");
                self.search_key(k);
            }
            K::Or(a, b) => {
                self.raw(b"OR ");
                self.search_key(a);
                self.raw(b" ");
                self.search_key(b);
            }
            K::And(keys) => {
                self.raw(b"(");
                for (k, key) in keys.iter().enumerate() {
                    if k > 0 {
                        self.raw(b" ");
                    }
                    self.search_key(key);
                }
                self.raw(b")");
            }
            K::ModSeq(m) => {
                self.raw(b"MODSEQ ");
                self.number64(*m);
            }
        }
    }

    fn partial(&mut self, partial: Option<(u32, u32)>) {
        if let Some((origin, len)) = partial {
            self.raw(b"<");
            self.number(origin);
            self.raw(b".");
            self.number(len);
            self.raw(b">");
        }
    }

    /// The LIST reference: `""` when empty, else a mailbox.
    fn string_or_atom_mailbox(&mut self, m: &Mailbox<'_>) {
        if m.as_bytes().is_empty() {
            self.raw(b"\"\"");
        } else {
            self.mailbox(m);
        }
    }
}

/// `["UID "] "FETCH " sequence-set " (" fetch-att *(SP fetch-att)`, without the closing
/// parenthesis, which CHANGEDSINCE follows.
fn fetch_head(w: &mut Writer, uid: bool, set: &SequenceSet, items: &[FetchAttribute<'_>]) {
    w.raw(if uid { b"UID FETCH " } else { b"FETCH " });
    w.sequence_set(set);
    w.raw(b" (");
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            w.raw(b" ");
        }
        fetch_attribute(w, item);
    }
}

fn fetch_attribute(w: &mut Writer, item: &FetchAttribute<'_>) {
    match item {
        FetchAttribute::Uid => w.raw(b"UID"),
        FetchAttribute::Flags => w.raw(b"FLAGS"),
        FetchAttribute::Envelope => w.raw(b"ENVELOPE"),
        FetchAttribute::Rfc822Size => w.raw(b"RFC822.SIZE"),
        FetchAttribute::InternalDate => w.raw(b"INTERNALDATE"),
        FetchAttribute::BodyStructure => w.raw(b"BODYSTRUCTURE"),
        FetchAttribute::Body => w.raw(b"BODY"),
        FetchAttribute::ModSeq => w.raw(b"MODSEQ"),
        FetchAttribute::EmailId => w.raw(b"EMAILID"),
        FetchAttribute::ThreadId => w.raw(b"THREADID"),
        FetchAttribute::SaveDate => w.raw(b"SAVEDATE"),
        FetchAttribute::Preview { lazy: false } => w.raw(b"PREVIEW"),
        FetchAttribute::Preview { lazy: true } => w.raw(b"PREVIEW (LAZY)"),
        FetchAttribute::GmailMessageId => w.raw(b"X-GM-MSGID"),
        FetchAttribute::GmailThreadId => w.raw(b"X-GM-THRID"),
        FetchAttribute::GmailLabels => w.raw(b"X-GM-LABELS"),
        FetchAttribute::BinarySize { section } => {
            w.raw(b"BINARY.SIZE[");
            w.raw(section.as_str().as_bytes());
            w.raw(b"]");
        }
        FetchAttribute::Binary {
            peek,
            section,
            partial,
        } => {
            w.raw(if *peek { b"BINARY.PEEK[" } else { b"BINARY[" });
            w.raw(section.as_str().as_bytes());
            w.raw(b"]");
            w.partial(*partial);
        }
        FetchAttribute::BodySection {
            peek,
            section,
            partial,
        } => {
            w.raw(if *peek { b"BODY.PEEK[" } else { b"BODY[" });
            w.raw(section.as_str().as_bytes());
            w.raw(b"]");
            w.partial(*partial);
        }
    }
}

/// Writes `nstring` for a value inside a response-shaped text: `NIL`, a quoted string, or a
/// literal when quoting cannot hold it.
pub(crate) fn write_nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    let Some(s) = s else {
        out.extend_from_slice(b"NIL");
        return;
    };
    if s.iter().all(|&b| b != 0 && b != b'\r' && b != b'\n') {
        out.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.push(b'{');
        out.extend_from_slice(alloc::format!("{}", s.len()).as_bytes());
        out.extend_from_slice(b"}\r\n");
        out.extend_from_slice(s);
    }
}

/// Writes a flag (`\Seen`, a keyword...).
pub(crate) fn write_flag(out: &mut Vec<u8>, f: &Flag<'_>) {
    match f {
        Flag::Answered => out.extend_from_slice(b"\\Answered"),
        Flag::Flagged => out.extend_from_slice(b"\\Flagged"),
        Flag::Deleted => out.extend_from_slice(b"\\Deleted"),
        Flag::Seen => out.extend_from_slice(b"\\Seen"),
        Flag::Draft => out.extend_from_slice(b"\\Draft"),
        Flag::Recent => out.extend_from_slice(b"\\Recent"),
        Flag::Keyword(k) => out.extend_from_slice(k.as_str().as_bytes()),
        Flag::Extension(k) => {
            out.push(b'\\');
            out.extend_from_slice(k.as_str().as_bytes());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::types::core::{AString, Atom, Secret, Tag};
    use alloc::borrow::Cow;
    use alloc::boxed::Box;
    use alloc::vec;

    fn enc(body: CommandBody<'_>, opts: EncodeOptions) -> Vec<Vec<u8>> {
        encode(
            &Command {
                tag: Tag::try_from("a1").unwrap(),
                body,
            },
            opts,
        )
        .parts
    }

    #[test]
    fn login_quoted_and_literal() {
        let body = CommandBody::Login {
            username: AString::try_from("alice").unwrap(),
            password: Secret::new(AString::try_from("p \"w\"").unwrap()),
        };
        assert_eq!(
            enc(body, EncodeOptions::default()),
            vec![b"a1 LOGIN alice \"p \\\"w\\\"\"\r\n".to_vec()]
        );
        let body = CommandBody::Login {
            username: AString::try_from("jörg").unwrap(),
            password: Secret::new(AString::try_from("pw").unwrap()),
        };
        assert_eq!(
            enc(body.clone(), EncodeOptions::default()),
            vec![
                b"a1 LOGIN {5}\r\n".to_vec(),
                "jörg pw\r\n".as_bytes().to_vec()
            ]
        );
        let plus = EncodeOptions {
            literal_plus: true,
            ..EncodeOptions::default()
        };
        assert_eq!(
            enc(body, plus),
            vec!["a1 LOGIN {5+}\r\njörg pw\r\n".as_bytes().to_vec()]
        );
    }

    #[test]
    fn authenticate_plain_with_and_without_sasl_ir() {
        let body = CommandBody::Authenticate {
            mechanism: Atom::try_from("PLAIN").unwrap(),
            initial_response: Some(Secret::new(b"\0user\0pass".to_vec())),
        };
        let ir = EncodeOptions {
            sasl_ir: true,
            ..EncodeOptions::default()
        };
        assert_eq!(
            enc(body.clone(), ir),
            vec![b"a1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n".to_vec()]
        );
        assert_eq!(
            enc(body, EncodeOptions::default()),
            vec![
                b"a1 AUTHENTICATE PLAIN\r\n".to_vec(),
                b"AHVzZXIAcGFzcw==\r\n".to_vec()
            ]
        );
    }

    /// Regression: without SASL-IR, an empty initial response went after the `+` as "=",
    /// which is not base64; it is an empty line.
    #[test]
    fn empty_sasl_response_after_continuation_is_an_empty_line() {
        let body = CommandBody::Authenticate {
            mechanism: Atom::try_from("EXTERNAL").unwrap(),
            initial_response: Some(Secret::new(Vec::new())),
        };
        let ir = EncodeOptions {
            sasl_ir: true,
            ..EncodeOptions::default()
        };
        assert_eq!(
            enc(body.clone(), ir),
            vec![b"a1 AUTHENTICATE EXTERNAL =\r\n".to_vec()]
        );
        assert_eq!(
            enc(body, EncodeOptions::default()),
            vec![b"a1 AUTHENTICATE EXTERNAL\r\n".to_vec(), b"\r\n".to_vec()]
        );
    }

    #[test]
    fn list_select_fetch() {
        let list = CommandBody::List {
            reference: Mailbox::new(&b""[..]).unwrap(),
            pattern: AString::try_from("*").unwrap(),
            return_special_use: true,
        };
        assert_eq!(
            enc(list, EncodeOptions::default()),
            vec![b"a1 LIST \"\" * RETURN (SPECIAL-USE)\r\n".to_vec()]
        );
        let select = CommandBody::Select {
            mailbox: Mailbox::try_from("Sent Items").unwrap(),
        };
        assert_eq!(
            enc(select, EncodeOptions::default()),
            vec![b"a1 SELECT \"Sent Items\"\r\n".to_vec()]
        );
        let fetch = CommandBody::Fetch {
            set: SequenceSet::range(1, 50).unwrap(),
            items: vec![
                FetchAttribute::Uid,
                FetchAttribute::Flags,
                FetchAttribute::Envelope,
                FetchAttribute::Rfc822Size,
                FetchAttribute::InternalDate,
                FetchAttribute::BodySection {
                    peek: true,
                    section: "HEADER".try_into().unwrap(),
                    partial: Some((0, 100)),
                },
            ],
            uid: true,
        };
        assert_eq!(
            enc(fetch, EncodeOptions::default()),
            vec![b"a1 UID FETCH 1:50 (UID FLAGS ENVELOPE RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER]<0.100>)\r\n".to_vec()]
        );
    }

    #[test]
    fn rfc_command_examples() {
        use crate::types::command::{QResync, SearchDate, SearchKey, StoreKind};
        use crate::types::fetch::DateTime;
        use crate::types::flag::{Flag, FlagName};
        let o = EncodeOptions::default();
        let store = CommandBody::Store {
            set: SequenceSet::try_from("2:4").unwrap(),
            kind: StoreKind::Add,
            silent: false,
            flags: vec![Flag::Deleted],
            uid: false,
            unchanged_since: None,
        };
        assert_eq!(
            enc(store, o),
            vec![b"a1 STORE 2:4 +FLAGS (\\Deleted)\r\n".to_vec()]
        );
        let search = CommandBody::Search {
            criteria: vec![
                SearchKey::Flagged,
                SearchKey::Since(SearchDate {
                    year: 1994,
                    month: 2,
                    day: 1,
                }),
                SearchKey::Not(Box::new(SearchKey::From(
                    AString::try_from("Smith").unwrap(),
                ))),
                SearchKey::Or(
                    Box::new(SearchKey::Keyword(FlagName::try_from("$Junk").unwrap())),
                    Box::new(SearchKey::Subject(AString::try_from("a b").unwrap())),
                ),
            ],
            charset: None,
            esearch: Some(vec![SearchReturn::Min, SearchReturn::Count]),
            uid: true,
        };
        assert_eq!(
            enc(search, o),
            vec![b"a1 UID SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM Smith OR KEYWORD $Junk SUBJECT \"a b\"\r\n".to_vec()]
        );
        let append = CommandBody::Append {
            mailbox: Mailbox::try_from("saved-messages").unwrap(),
            flags: vec![Flag::Seen],
            date: Some(DateTime {
                year: 1994,
                month: 2,
                day: 7,
                hour: 21,
                minute: 52,
                second: 25,
                zone_minutes: -480,
            }),
            message: Cow::Borrowed(b"Subject: hi\r\n\r\nbody"),
        };
        assert_eq!(
            enc(append, o),
            vec![
                b"a1 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {19}\r\n"
                    .to_vec(),
                b"Subject: hi\r\n\r\nbody\r\n".to_vec()
            ]
        );
        let binary = EncodeOptions {
            binary: true,
            literal_plus: true,
            ..EncodeOptions::default()
        };
        let append8 = CommandBody::Append {
            mailbox: Mailbox::try_from("Sent").unwrap(),
            flags: vec![Flag::Seen],
            date: None,
            message: Cow::Borrowed("Subject: hé\r\n\r\nbody".as_bytes()),
        };
        assert_eq!(
            enc(append8, binary),
            vec![
                "a1 APPEND Sent (\\Seen) ~{20+}\r\nSubject: hé\r\n\r\nbody\r\n"
                    .as_bytes()
                    .to_vec()
            ]
        );
        let mv = CommandBody::Move {
            set: SequenceSet::try_from("42:69").unwrap(),
            mailbox: Mailbox::try_from("foo").unwrap(),
            uid: true,
        };
        assert_eq!(enc(mv, o), vec![b"a1 UID MOVE 42:69 foo\r\n".to_vec()]);
        let select = CommandBody::SelectModSeq {
            mailbox: Mailbox::inbox(),
            read_only: false,
            qresync: Some(QResync {
                uid_validity: 67890007,
                modseq: 20050715194045000,
                known_uids: SequenceSet::try_from("41,43:211").ok(),
            }),
        };
        assert_eq!(
            enc(select, o),
            vec![b"a1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211))\r\n".to_vec()]
        );
        let id = CommandBody::Id(Some(vec![(
            AString::try_from("name").unwrap(),
            Some(AString::try_from("Petrel").unwrap()),
        )]));
        assert_eq!(
            enc(id, o),
            vec![b"a1 ID (\"name\" \"Petrel\")\r\n".to_vec()]
        );
    }

    #[test]
    fn list_extended_and_notify() {
        use crate::types::command::{
            ListReturn, ListSelection, NotifyEvent, NotifyGroup, NotifyMailboxes,
        };
        let o = EncodeOptions::default();
        let list = CommandBody::ListExtended {
            selection: vec![ListSelection::Subscribed],
            reference: Mailbox::new(&b""[..]).unwrap(),
            patterns: vec![
                AString::try_from("INBOX").unwrap(),
                AString::try_from("Drafts/%").unwrap(),
            ],
            return_options: vec![
                ListReturn::Children,
                ListReturn::Status(vec![StatusAttribute::Messages, StatusAttribute::Unseen]),
            ],
        };
        assert_eq!(
            enc(list, o),
            vec![b"a1 LIST (SUBSCRIBED) \"\" (INBOX Drafts/%) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n".to_vec()]
        );
        let notify = CommandBody::Notify {
            status: true,
            groups: Some(vec![
                NotifyGroup {
                    mailboxes: NotifyMailboxes::Selected,
                    events: vec![
                        NotifyEvent::MessageNew { fetch: vec![] },
                        NotifyEvent::MessageExpunge,
                    ],
                },
                NotifyGroup {
                    mailboxes: NotifyMailboxes::Subtree(vec![Mailbox::inbox()]),
                    events: vec![],
                },
            ]),
        };
        assert_eq!(
            enc(notify, o),
            vec![b"a1 NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (subtree (INBOX) NONE)\r\n".to_vec()]
        );
        assert_eq!(
            enc(
                CommandBody::Notify {
                    status: false,
                    groups: None
                },
                o
            ),
            vec![b"a1 NOTIFY NONE\r\n".to_vec()]
        );
    }

    proptest::proptest! {
        /// Any NUL-free user name and password survive encoding (atom, quoted or literal, with
        /// or without LITERAL+) and read back through the decoder's string grammar; every
        /// part but the last ends in a synchronising literal announcement.
        #[test]
        fn login_strings_round_trip(
            user in proptest::collection::vec(1u8.., 0..40),
            pass in proptest::collection::vec(1u8.., 0..40),
            plus: bool,
        ) {
            let body = CommandBody::Login {
                username: AString::new(user.clone()).unwrap(),
                password: Secret::new(AString::new(pass.clone()).unwrap()),
            };
            let opts = EncodeOptions { literal_plus: plus, ..EncodeOptions::default() };
            let parts = enc(body, opts);
            for part in &parts[..parts.len() - 1] {
                let sync = part.ends_with(b"}\r\n") && !part.ends_with(b"+}\r\n");
                proptest::prop_assert!(sync, "part does not end in a literal: {:?}", part);
            }
            let wire = parts.concat();
            let rest = wire.strip_prefix(b"a1 LOGIN ").unwrap();
            let (rest, u) = crate::decode::core::astring(rest).unwrap();
            let (rest, ()) = crate::decode::core::sp(rest).unwrap();
            let (rest, p) = crate::decode::core::astring(rest).unwrap();
            proptest::prop_assert_eq!(rest, b"\r\n");
            proptest::prop_assert_eq!(u.as_ref(), &user[..]);
            proptest::prop_assert_eq!(p.as_ref(), &pass[..]);
        }
    }
}
