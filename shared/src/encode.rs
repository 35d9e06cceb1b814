//! The command encoder: [`Command`] to bytes.
//!
//! A command is encoded as one or more parts. The first part can be written at once; each
//! further part must wait for the server's continuation request (`+`), because it follows a
//! synchronising literal (RFC 9051 §4.3) or is a SASL response (§6.2.2). With LITERAL+ or
//! LITERAL- (RFC 7888) literals are non-synchronising and the command stays in one part.

use alloc::vec::Vec;

use crate::types::command::{Command, CommandBody, FetchAttribute, StatusAttribute};
use crate::types::core::{is_astring_char, is_atom_char, Mailbox, SeqBound, SequenceSet};

/// What the server allows, as learned from its capabilities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// RFC 7888 LITERAL+: every literal may be non-synchronising.
    pub literal_plus: bool,
    /// RFC 7888 LITERAL-: literals up to 4096 bytes may be non-synchronising.
    pub literal_minus: bool,
    /// RFC 4959 SASL-IR: the initial response goes on the AUTHENTICATE line.
    pub sasl_ir: bool,
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
        let quotable = s.len() <= 1024
            && s.iter()
                .all(|&b| (1..0x80).contains(&b) && b != b'\r' && b != b'\n');
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
            w.astring(username);
            w.raw(b" ");
            w.astring(password.expose());
        }
        CommandBody::Authenticate {
            mechanism,
            initial_response,
        } => {
            w.raw(b"AUTHENTICATE ");
            w.raw(mechanism.as_str().as_bytes());
            if let Some(ir) = initial_response {
                // RFC 4959: an empty initial response is sent as "=".
                let b64 = crate::base64::encode(ir.expose());
                let b64: &[u8] = if b64.is_empty() { b"=" } else { &b64 };
                if opts.sasl_ir {
                    w.raw(b" ");
                    w.raw(b64);
                } else {
                    w.raw(b"\r\n");
                    w.parts.push(core::mem::take(&mut w.cur));
                    w.raw(b64);
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
            w.list_mailbox(pattern);
            if *return_special_use {
                w.raw(b" RETURN (SPECIAL-USE)");
            }
        }
        CommandBody::Status { mailbox, items } => {
            w.raw(b"STATUS ");
            w.mailbox(mailbox);
            w.raw(b" (");
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    w.raw(b" ");
                }
                w.raw(match item {
                    StatusAttribute::Messages => b"MESSAGES",
                    StatusAttribute::Recent => b"RECENT",
                    StatusAttribute::UidNext => b"UIDNEXT",
                    StatusAttribute::UidValidity => b"UIDVALIDITY",
                    StatusAttribute::Unseen => b"UNSEEN",
                    StatusAttribute::Deleted => b"DELETED",
                    StatusAttribute::Size => b"SIZE",
                    StatusAttribute::HighestModSeq => b"HIGHESTMODSEQ",
                });
            }
            w.raw(b")");
        }
        CommandBody::Fetch { set, items, uid } => {
            w.raw(if *uid { b"UID FETCH " } else { b"FETCH " });
            w.sequence_set(set);
            w.raw(b" (");
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    w.raw(b" ");
                }
                fetch_attribute(&mut w, item);
            }
            w.raw(b")");
        }
    }
    w.finish()
}

impl Writer {
    /// The LIST reference: `""` when empty, else a mailbox.
    fn string_or_atom_mailbox(&mut self, m: &Mailbox<'_>) {
        if m.as_bytes().is_empty() {
            self.raw(b"\"\"");
        } else {
            self.mailbox(m);
        }
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
        FetchAttribute::ModSeq => w.raw(b"MODSEQ"),
        FetchAttribute::BodySection {
            peek,
            section,
            partial,
        } => {
            w.raw(if *peek { b"BODY.PEEK[" } else { b"BODY[" });
            w.raw(section.as_str().as_bytes());
            w.raw(b"]");
            if let Some((origin, len)) = partial {
                w.raw(b"<");
                w.number(*origin);
                w.raw(b".");
                w.number(*len);
                w.raw(b">");
            }
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

/// Whether `s` can be sent as an atom.
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::types::core::{Atom, Secret, Tag};
    use alloc::borrow::Cow;
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
            username: Cow::Borrowed(b"alice"),
            password: Secret::new(Cow::Borrowed(b"p \"w\"")),
        };
        assert_eq!(
            enc(body, EncodeOptions::default()),
            vec![b"a1 LOGIN alice \"p \\\"w\\\"\"\r\n".to_vec()]
        );
        let body = CommandBody::Login {
            username: Cow::Borrowed("jörg".as_bytes()),
            password: Secret::new(Cow::Borrowed(b"pw")),
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

    #[test]
    fn list_select_fetch() {
        let list = CommandBody::List {
            reference: Mailbox::new(&b""[..]).unwrap(),
            pattern: Cow::Borrowed(b"*"),
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
}
