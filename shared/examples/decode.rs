//! Decodes a server's byte stream from stdin and prints one JSON object per response per
//! line; a response that cannot be decoded prints `{"error": "..."}` and decoding goes on.
//! With `--commands`, stdin is a client's byte stream instead (literals inline, as the server
//! reads it) and each command prints as `{"tag", "command", "body"}`, the body in its Rust
//! `Debug` form (secrets redacted); after a bad command decoding goes on at the next line.
//!
//! `cargo run --release -q -p petrel-imap --example decode [-- --commands] < FILE`

use std::io::{Read, Write};

use petrel_imap::types::capability::Capability;
use petrel_imap::types::extensions::list_extended::{
    ListExtendedItem, TaggedExtComp, TaggedExtValue,
};
use petrel_imap::types::extensions::namespace::NamespaceDescription;
use petrel_imap::types::extensions::thread::Thread;
use petrel_imap::types::fetch::{
    Address, AddressList, BodyKind, BodyParams, BodyRef, BodyStructure, Envelope, FetchItem,
};
use petrel_imap::types::flag::{Flag, FlagPerm, ListAttribute};
use petrel_imap::types::response::{Code, Data, Response, StatusItem, StatusKind};
use petrel_imap::{decode_command, DecodeError, Limits, ResponseDecoder};
use serde_json::{json, Map, Value};

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--commands") {
        return commands();
    }
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut stdin = std::io::stdin().lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("decode: cannot read stdin: {e}");
                std::process::exit(1);
            }
        };
        decoder.feed(&buf[..n]);
        while let Some(result) = decoder.next() {
            let line = match result {
                Ok(r) => response(&r),
                Err(e) => json!({ "error": e.to_string() }),
            };
            if writeln!(out, "{line}").is_err() {
                return;
            }
        }
    }
    if decoder.buffered() > 0 {
        let _ = writeln!(
            out,
            "{}",
            json!({ "error": format!("incomplete response at end of input ({} bytes)", decoder.buffered()) })
        );
    }
    let _ = out.flush();
}

/// The `--commands` mode: the whole of stdin, one command after another.
fn commands() {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        eprintln!("decode: cannot read stdin: {e}");
        std::process::exit(1);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut rest = input.as_slice();
    while !rest.is_empty() {
        let line = match decode_command(rest, &Limits::default()) {
            Ok((after, c)) => {
                rest = after;
                json!({
                    "tag": c.tag.as_str(),
                    "command": c.body.name(),
                    "body": format!("{:?}", c.body),
                })
            }
            Err(DecodeError::Incomplete) => {
                let e = format!("incomplete command at end of input ({} bytes)", rest.len());
                rest = &[];
                json!({ "error": e })
            }
            Err(e) => {
                rest = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&[][..], |lf| &rest[lf + 1..]);
                json!({ "error": e.to_string() })
            }
        };
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn s(b: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(b).into_owned())
}

fn ns(b: &Option<std::borrow::Cow<'_, [u8]>>) -> Value {
    b.as_deref().map_or(Value::Null, s)
}

fn response(r: &Response<'_>) -> Value {
    match r {
        Response::Continue(c) => json!({
            "type": "continue",
            "code": c.code.as_ref().map_or(Value::Null, code),
            "text": c.text,
        }),
        Response::Status(st) => json!({
            "type": "status",
            "tag": st.tag.as_ref().map(|t| t.as_str()),
            "kind": kind(st.kind),
            "code": st.code.as_ref().map_or(Value::Null, code),
            "text": st.text,
        }),
        Response::Data(d) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("data"));
            data(d, &mut m);
            Value::Object(m)
        }
    }
}

fn kind(k: StatusKind) -> &'static str {
    match k {
        StatusKind::Ok => "OK",
        StatusKind::No => "NO",
        StatusKind::Bad => "BAD",
        StatusKind::PreAuth => "PREAUTH",
        StatusKind::Bye => "BYE",
    }
}

fn capability(c: &Capability<'_>) -> Value {
    json!(c.name())
}

fn flag(f: &Flag<'_>) -> Value {
    match f {
        Flag::Answered => json!("\\Answered"),
        Flag::Flagged => json!("\\Flagged"),
        Flag::Deleted => json!("\\Deleted"),
        Flag::Seen => json!("\\Seen"),
        Flag::Draft => json!("\\Draft"),
        Flag::Recent => json!("\\Recent"),
        Flag::Keyword(k) => json!(k.as_str()),
        Flag::Extension(k) => json!(format!("\\{}", k.as_str())),
    }
}

fn code(c: &Code<'_>) -> Value {
    match c {
        Code::Capability(caps) => {
            json!({ "CAPABILITY": caps.iter().map(capability).collect::<Vec<_>>() })
        }
        Code::PermanentFlags(flags) => json!({ "PERMANENTFLAGS": flags.iter().map(|f| match f {
            FlagPerm::Flag(f) => flag(f),
            FlagPerm::Wildcard => json!("\\*"),
        }).collect::<Vec<_>>() }),
        Code::UidNext(n) => json!({ "UIDNEXT": n }),
        Code::UidValidity(n) => json!({ "UIDVALIDITY": n }),
        Code::Unseen(n) => json!({ "UNSEEN": n }),
        Code::HighestModSeq(n) => json!({ "HIGHESTMODSEQ": n }),
        Code::BadCharset(c) => json!({ "BADCHARSET": c.iter().map(|c| s(c)).collect::<Vec<_>>() }),
        Code::AppendUid { uid_validity, uids } => {
            json!({ "APPENDUID": [json!(uid_validity), json!(uids.to_string())] })
        }
        Code::CopyUid {
            uid_validity,
            source,
            destination,
        } => {
            json!({ "COPYUID": [json!(uid_validity), json!(source.to_string()), json!(destination.to_string())] })
        }
        Code::Modified(set) => json!({ "MODIFIED": set.to_string() }),
        Code::MailboxId(id) => json!({ "MAILBOXID": id.as_str() }),
        Code::BadEvent(events) => {
            json!({ "BADEVENT": events.iter().map(|e| e.as_str()).collect::<Vec<_>>() })
        }
        Code::Other { name, data } => json!({ "other": name.as_str(), "data": ns(data) }),
        simple => json!(format!("{simple:?}")),
    }
}

fn list_extended_item(item: &ListExtendedItem<'_>) -> Value {
    match item {
        ListExtendedItem::ChildInfo(c) => {
            json!({ "CHILDINFO": c.iter().map(|c| s(c)).collect::<Vec<_>>() })
        }
        ListExtendedItem::OldName(m) => json!({ "OLDNAME": m.decoded() }),
        ListExtendedItem::Other { tag, value } => {
            json!({ "tag": s(tag), "value": tagged_ext(value) })
        }
        ListExtendedItem::Unparsed(raw) => json!({ "unparsed": s(raw) }),
    }
}

fn tagged_ext(v: &TaggedExtValue<'_>) -> Value {
    fn comps(l: &[TaggedExtComp<'_>]) -> Value {
        Value::Array(
            l.iter()
                .map(|c| match c {
                    TaggedExtComp::String(x) => s(x),
                    TaggedExtComp::List(l) => comps(l),
                })
                .collect(),
        )
    }
    match v {
        TaggedExtValue::Number(n) => json!(n),
        TaggedExtValue::SequenceSet(set) => json!(set.to_string()),
        TaggedExtValue::List(l) => comps(l),
    }
}

fn address(a: &Address<'_>) -> Value {
    json!({ "name": ns(&a.name), "adl": ns(&a.adl), "mailbox": ns(&a.mailbox), "host": ns(&a.host) })
}

fn addresses(list: &AddressList<'_>) -> Value {
    Value::Array(list.iter().map(|a| address(&a)).collect())
}

fn envelope(e: &Envelope<'_>) -> Value {
    json!({
        "date": ns(&e.date),
        "subject": ns(&e.subject),
        "from": addresses(&e.from),
        "sender": addresses(&e.sender),
        "reply_to": addresses(&e.reply_to),
        "to": addresses(&e.to),
        "cc": addresses(&e.cc),
        "bcc": addresses(&e.bcc),
        "in_reply_to": ns(&e.in_reply_to),
        "message_id": ns(&e.message_id),
    })
}

fn body(b: &BodyStructure<'_>) -> Value {
    node(b.root())
}

fn extension(kind: Option<&BodyKind<'_>>) -> Value {
    let Some(kind) = kind else {
        return Value::Null;
    };
    let e = kind.extension_fields();
    let params = |p: &BodyParams<'_>| {
        p.iter()
            .map(|(k, v)| json!([s(&k), s(&v)]))
            .collect::<Vec<_>>()
    };
    json!({
        "md5": ns(&e.md5),
        "params": params(&e.params),
        "disposition": e.disposition.as_ref().map(|d| json!({ "kind": s(&d.kind), "params": params(&d.params) })),
        "language": e.language.iter().map(|l| s(l)).collect::<Vec<_>>(),
        "location": ns(&e.location),
    })
}

fn node(b: BodyRef<'_, '_>) -> Value {
    let children: Vec<Value> = b.children().map(node).collect();
    match b.kind() {
        Some(BodyKind::Single(p)) => json!({
            "type": s(&p.media_type),
            "subtype": s(&p.subtype),
            "params": p.params.iter().map(|(k, v)| json!([s(&k), s(&v)])).collect::<Vec<_>>(),
            "id": ns(&p.id),
            "description": ns(&p.description),
            "encoding": s(&p.encoding),
            "size": p.size,
            "lines": p.lines,
            "message": p.envelope.as_ref().map(|e| json!({ "envelope": envelope(e), "body": children.first() })),
            "extension": extension(b.kind()),
        }),
        Some(BodyKind::Multipart { subtype, .. }) => json!({
            "parts": children,
            "subtype": s(subtype),
            "extension": extension(b.kind()),
        }),
        None => Value::Null,
    }
}

fn fetch_item(item: &FetchItem<'_>) -> (String, Value) {
    match item {
        FetchItem::Uid(n) => ("UID".into(), json!(n)),
        FetchItem::Flags(f) => (
            "FLAGS".into(),
            Value::Array(f.iter().map(|f| flag(&f)).collect()),
        ),
        FetchItem::Envelope(e) => ("ENVELOPE".into(), envelope(e)),
        FetchItem::Rfc822Size(n) => ("RFC822.SIZE".into(), json!(n)),
        FetchItem::InternalDate(d) => (
            "INTERNALDATE".into(),
            json!({ "unix": d.unix_time(), "zone_minutes": d.zone_minutes }),
        ),
        FetchItem::BodyStructure(b) => ("BODYSTRUCTURE".into(), body(b)),
        FetchItem::Body(b) => ("BODY".into(), body(b)),
        FetchItem::BodySection {
            binary,
            section,
            origin,
            data,
        } => {
            let mut name = format!(
                "{}[{}]",
                if *binary { "BINARY" } else { "BODY" },
                String::from_utf8_lossy(section)
            );
            if let Some(o) = origin {
                name.push_str(&format!("<{o}>"));
            }
            (name, ns(data))
        }
        FetchItem::BinarySize { section, size } => (
            format!("BINARY.SIZE[{}]", String::from_utf8_lossy(section)),
            json!(size),
        ),
        FetchItem::Rfc822(d) => ("RFC822".into(), ns(d)),
        FetchItem::Rfc822Header(d) => ("RFC822.HEADER".into(), ns(d)),
        FetchItem::Rfc822Text(d) => ("RFC822.TEXT".into(), ns(d)),
        FetchItem::ModSeq(n) => ("MODSEQ".into(), json!(n)),
        FetchItem::EmailId(id) => ("EMAILID".into(), json!(id.as_str())),
        FetchItem::ThreadId(id) => ("THREADID".into(), json!(id.as_ref().map(|i| i.as_str()))),
        FetchItem::SaveDate(d) => ("SAVEDATE".into(), json!(d.map(|d| d.unix_time()))),
        FetchItem::Preview(p) => ("PREVIEW".into(), ns(p)),
        FetchItem::GmailMessageId(n) => ("X-GM-MSGID".into(), json!(n)),
        FetchItem::GmailThreadId(n) => ("X-GM-THRID".into(), json!(n)),
        FetchItem::GmailLabels(l) => (
            "X-GM-LABELS".into(),
            Value::Array(l.iter().map(|l| s(l)).collect()),
        ),
        FetchItem::Other { name, value } => (name.as_str().into(), json!({ "raw": s(value) })),
    }
}

fn thread(t: &Thread) -> Value {
    json!({ "messages": t.messages, "children": t.children.iter().map(thread).collect::<Vec<_>>() })
}

fn list_attribute(a: &ListAttribute<'_>) -> Value {
    match a {
        ListAttribute::Other(n) => json!(n.as_str()),
        known => json!(format!("\\{known:?}")),
    }
}

fn data(d: &Data<'_>, m: &mut Map<String, Value>) {
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    match d {
        Data::Capability(c) => {
            put("data", json!("CAPABILITY"));
            put(
                "capabilities",
                Value::Array(c.iter().map(capability).collect()),
            );
        }
        Data::Enabled(c) => {
            put("data", json!("ENABLED"));
            put(
                "capabilities",
                Value::Array(c.iter().map(capability).collect()),
            );
        }
        Data::List(l) | Data::Lsub(l) => {
            put(
                "data",
                json!(if matches!(d, Data::List(_)) {
                    "LIST"
                } else {
                    "LSUB"
                }),
            );
            put(
                "attributes",
                Value::Array(l.attributes.iter().map(list_attribute).collect()),
            );
            put("delimiter", json!(l.delimiter.map(String::from)));
            put("mailbox", s(l.mailbox.as_bytes()));
            put("name", json!(l.mailbox.decoded()));
            if !l.extended.is_empty() {
                put(
                    "extended",
                    Value::Array(l.extended.iter().map(list_extended_item).collect()),
                );
            }
        }
        Data::Flags(f) => {
            put("data", json!("FLAGS"));
            put("flags", Value::Array(f.iter().map(flag).collect()));
        }
        Data::Exists(n) => {
            put("data", json!("EXISTS"));
            put("number", json!(n));
        }
        Data::Recent(n) => {
            put("data", json!("RECENT"));
            put("number", json!(n));
        }
        Data::Expunge(n) => {
            put("data", json!("EXPUNGE"));
            put("number", json!(n));
        }
        Data::Search { numbers, modseq } | Data::Sort { numbers, modseq } => {
            put(
                "data",
                json!(if matches!(d, Data::Search { .. }) {
                    "SEARCH"
                } else {
                    "SORT"
                }),
            );
            put("numbers", json!(numbers));
            put("modseq", json!(modseq));
        }
        Data::Thread(threads) => {
            put("data", json!("THREAD"));
            put(
                "threads",
                Value::Array(threads.iter().map(thread).collect()),
            );
        }
        Data::ESearch(e) => {
            put("data", json!("ESEARCH"));
            put("tag", e.tag.as_deref().map_or(Value::Null, s));
            put("uid", json!(e.uid));
            put("min", json!(e.min));
            put("max", json!(e.max));
            put("count", json!(e.count));
            put("all", json!(e.all.as_ref().map(ToString::to_string)));
            put("modseq", json!(e.modseq));
            put(
                "other",
                Value::Array(
                    e.other
                        .iter()
                        .map(|(n, v)| json!([n.as_str(), s(v)]))
                        .collect(),
                ),
            );
        }
        Data::Namespace(n) => {
            put("data", json!("NAMESPACE"));
            let list = |l: &[NamespaceDescription<'_>]| -> Value {
                Value::Array(
                    l.iter()
                        .map(|d| json!({ "prefix": s(&d.prefix), "delimiter": d.delimiter.map(String::from) }))
                        .collect(),
                )
            };
            put("personal", list(&n.personal));
            put("other", list(&n.other));
            put("shared", list(&n.shared));
        }
        Data::Quota(q) => {
            put("data", json!("QUOTA"));
            put("root", s(&q.root));
            put(
                "resources",
                Value::Array(
                    q.resources
                        .iter()
                        .map(|r| json!({ "name": r.name.as_str(), "usage": r.usage, "limit": r.limit }))
                        .collect(),
                ),
            );
        }
        Data::QuotaRoot(q) => {
            put("data", json!("QUOTAROOT"));
            put("mailbox", s(q.mailbox.as_bytes()));
            put(
                "roots",
                Value::Array(q.roots.iter().map(|r| s(r)).collect()),
            );
        }
        Data::Id(id) => {
            put("data", json!("ID"));
            put(
                "fields",
                id.0.as_ref().map_or(Value::Null, |f| {
                    Value::Array(f.iter().map(|(k, v)| json!([s(k), ns(v)])).collect())
                }),
            );
        }
        Data::Vanished { earlier, uids } => {
            put("data", json!("VANISHED"));
            put("earlier", json!(earlier));
            put("uids", json!(uids.to_string()));
        }
        Data::Status { mailbox, items } => {
            put("data", json!("STATUS"));
            put("mailbox", s(mailbox.as_bytes()));
            let mut o = Map::new();
            for item in items {
                let (k, v) = match item {
                    StatusItem::Messages(n) => ("MESSAGES", json!(n)),
                    StatusItem::Recent(n) => ("RECENT", json!(n)),
                    StatusItem::UidNext(n) => ("UIDNEXT", json!(n)),
                    StatusItem::UidValidity(n) => ("UIDVALIDITY", json!(n)),
                    StatusItem::Unseen(n) => ("UNSEEN", json!(n)),
                    StatusItem::Deleted(n) => ("DELETED", json!(n)),
                    StatusItem::Size(n) => ("SIZE", json!(n)),
                    StatusItem::HighestModSeq(n) => ("HIGHESTMODSEQ", json!(n)),
                    StatusItem::MailboxId(id) => ("MAILBOXID", json!(id.as_str())),
                    StatusItem::AppendLimit(n) => ("APPENDLIMIT", json!(n)),
                };
                o.insert(k.into(), v);
            }
            put("items", Value::Object(o));
        }
        Data::Fetch { seq, items } => {
            put("data", json!("FETCH"));
            put("seq", json!(seq));
            let mut o = Map::new();
            for item in items {
                let (k, v) = fetch_item(item);
                o.insert(k, v);
            }
            put("items", Value::Object(o));
        }
        Data::Other { name, rest } => {
            put("data", json!(name.as_str()));
            put("raw", s(rest));
        }
    }
}
