//! The client side of one submission connection (RFC 5321, RFC 6409): greeting, `EHLO`,
//! `AUTH`, mail transactions, `QUIT`.
//!
//! The caller feeds received bytes with [`Session::feed`], writes whatever
//! [`Session::transmit`] returns, drains [`Session::poll_event`], and tells the session when
//! the connection has ended ([`Session::connection_closed`]). Nothing here does IO or keeps
//! time: a caller that gives up waiting closes the connection and calls `connection_closed`.
//!
//! The connection is an enum of states, each holding only its own fields, so that for example
//! credentials exist only while authenticating and a transaction's results only while it
//! runs. A transaction (a [`Submission`]) keeps the replies it still expects in order: with
//! PIPELINING (RFC 2920) `MAIL`, every `RCPT` and `DATA` go out in one write and their replies
//! are matched in turn; without it each command waits for the previous reply. With CHUNKING
//! (RFC 3030) the message goes as `BDAT` chunks, once the envelope's replies are in, so that
//! no message byte is sent to a server that refused every recipient.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;

use crate::data::{self, Stuffer};
use crate::{
    Address, ClientName, Credentials, Extensions, Limits, Mechanism, Reply, ReplyCode, ReplyError,
    ReplyParser,
};

/// The largest `BDAT` chunk. Servers read a chunk as it arrives, so the size matters
/// little; a bound keeps each command's byte count readable in a trace.
const BDAT_CHUNK: usize = 1 << 20;

/// What the message's body holds (RFC 6152).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// US-ASCII lines only (quoted-printable or base64 where needed).
    SevenBit,
    /// 8-bit bytes in lines: sent with `BODY=8BITMIME`, which the server must offer.
    EightBitMime,
}

/// One message to send: its envelope and its bytes, as the MIME writer built them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub from: Address,
    pub recipients: Vec<Address>,
    /// The whole message, headers and body. Line ends are normalised to CRLF when sent.
    pub message: Vec<u8>,
    pub body: Body,
    /// Header fields hold UTF-8 (RFC 6532): the server must offer SMTPUTF8. Non-ASCII
    /// addresses need it too, whatever this says.
    pub utf8: bool,
}

/// The server's answer to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    pub address: Address,
    pub reply: Reply,
}

impl RecipientStatus {
    pub fn accepted(&self) -> bool {
        self.reply.code.is_positive()
    }
}

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server took the message for every accepted recipient (the others are in
    /// [`Report::recipients`]).
    Sent { reply: Reply },
    /// `MAIL FROM` was refused; nothing was sent.
    SenderRefused { reply: Reply },
    /// Every `RCPT TO` was refused; nothing was sent.
    NoRecipientAccepted,
    /// `DATA`, a `BDAT` chunk or the message itself was refused; it was not sent.
    Refused { reply: Reply },
    /// The connection ended after the whole message (the final dot, or the last `BDAT`
    /// chunk) was written, before the server's reply: it may have been sent. Sending it
    /// again could deliver it twice, so it must not be resent automatically.
    MayHaveBeenSent,
    /// The connection ended before the whole message was written: it was not sent.
    NotSent,
}

/// The result of one [`Submission`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every recipient whose `RCPT TO` was answered, in the submission's order.
    pub recipients: Vec<RecipientStatus>,
    pub outcome: Outcome,
}

/// Why a protocol exchange broke; the connection should be dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// A reply could not be read.
    BadReply(ReplyError),
    /// A reply came when no command was waiting for one, or one that makes no sense for
    /// the command (a `354` to `MAIL FROM`).
    Unexpected(Reply),
}

/// What the session tells its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Greeting and `EHLO` are done: [`Session::authenticate`] and [`Session::send`] may
    /// be called.
    Ready(Extensions),
    Authenticated,
    /// The server refused the credentials (or the mechanism); the session is ready again.
    AuthenticationFailed(Reply),
    /// A submission ended.
    Submitted(Report),
    /// The server refused the connection: its greeting or its reply to `EHLO` was
    /// negative. The session has sent `QUIT` where that is still polite.
    Rejected(Reply),
    /// The server is closing the connection: `221` to `QUIT`, or `421` at any time.
    Closing(Reply),
    /// The exchange broke (see [`ProtocolError`]); the session is closed.
    ProtocolError(ProtocolError),
}

/// Why a call cannot be carried out now; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The session is not idle: still greeting, authenticating, sending, or closed.
    NotReady,
    /// The server offers neither PLAIN nor LOGIN.
    NoMechanism {
        offered: Vec<Mechanism>,
    },
    NoRecipients,
    /// The message is larger than the server's `SIZE` limit.
    TooBig {
        size: u64,
        limit: u64,
    },
    /// An address is not ASCII and the server does not offer SMTPUTF8.
    AddressNeedsSmtpUtf8 {
        address: Address,
    },
    /// The message's header fields hold UTF-8 and the server does not offer SMTPUTF8.
    MessageNeedsSmtpUtf8,
    /// The message is 8-bit and the server does not offer 8BITMIME.
    MessageNeeds8BitMime,
}

/// One step of AUTH: what the next reply answers.
#[derive(Debug)]
enum Auth {
    /// `AUTH PLAIN` with its initial response was sent.
    Plain(Credentials),
    /// `AUTH LOGIN` was sent; the server asks for the user name next.
    LoginUser(Credentials),
    /// The user name was sent; the server asks for the password next.
    LoginPassword(Credentials),
    /// The password was sent.
    LoginDone,
}

/// A reply a transaction waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Mail,
    Rcpt(Address),
    Data,
    /// The reply to the final dot or the last `BDAT` chunk.
    Final,
    /// The reply to a `BDAT` chunk before the last.
    Chunk,
    Rset,
}

/// How the message goes to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Data,
    Bdat,
}

#[derive(Debug)]
struct Transaction {
    /// The message, CRLF-normalised (and for `DATA` stuffed) when it is sent.
    message: Vec<u8>,
    method: Method,
    pipelined: bool,
    /// Recipients whose `RCPT TO` has not been written yet (without PIPELINING).
    unsent: VecDeque<Address>,
    /// Replies still due, in the order of the commands written.
    expect: VecDeque<Expect>,
    /// `BDAT` chunks not written yet (without PIPELINING, one per reply).
    chunks: VecDeque<Vec<u8>>,
    sender_accepted: bool,
    recipients: Vec<RecipientStatus>,
    /// The final dot or last chunk is in the transmit buffer: from here on, a lost
    /// connection means the message may have been sent.
    end_written: bool,
    /// Known once the transaction's fate is decided; `None` while it may still go either way.
    outcome: Option<Outcome>,
}

#[derive(Debug)]
enum State {
    Greeting,
    Ehlo,
    Ready,
    Auth(Auth),
    Mail(Box<Transaction>),
    Quit,
    Closed,
}

/// The client session (see the module docs).
#[derive(Debug)]
pub struct Session {
    parser: ReplyParser,
    client: ClientName,
    state: State,
    extensions: Option<Extensions>,
    allow_chunking: bool,
    out: Vec<u8>,
    events: VecDeque<Event>,
}

impl Session {
    /// A session for a connection just opened; `client` is the name sent with `EHLO`.
    pub fn new(client: ClientName, limits: Limits) -> Self {
        Self {
            parser: ReplyParser::new(limits),
            client,
            state: State::Greeting,
            extensions: None,
            allow_chunking: true,
            out: Vec::new(),
            events: VecDeque::new(),
        }
    }

    /// Whether to use `BDAT` when the server offers CHUNKING (the default), or always
    /// `DATA`.
    pub fn allow_chunking(&mut self, allow: bool) {
        self.allow_chunking = allow;
    }

    /// What the server offered in its `EHLO` reply, once it has arrived.
    pub fn extensions(&self) -> Option<&Extensions> {
        self.extensions.as_ref()
    }

    /// Whether [`Session::authenticate`], [`Session::send`] and [`Session::quit`] may be
    /// called.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Bytes to write to the connection, if any.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        (!self.out.is_empty()).then(|| core::mem::take(&mut self.out))
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Authenticates with PLAIN if the server offers it, else LOGIN.
    pub fn authenticate(&mut self, credentials: Credentials) -> Result<(), SessionError> {
        let State::Ready = self.state else {
            return Err(SessionError::NotReady);
        };
        let offered = self
            .extensions
            .as_ref()
            .map(|e| e.auth.clone())
            .unwrap_or_default();
        if offered.contains(&Mechanism::Plain) {
            self.out.extend_from_slice(&credentials.plain_command());
            self.state = State::Auth(Auth::Plain(credentials));
        } else if offered.contains(&Mechanism::Login) {
            self.out.extend_from_slice(b"AUTH LOGIN\r\n");
            self.state = State::Auth(Auth::LoginUser(credentials));
        } else {
            return Err(SessionError::NoMechanism { offered });
        }
        Ok(())
    }

    /// Starts sending a message. Checks first what the server must offer for it (SIZE,
    /// SMTPUTF8, 8BITMIME), so that a message it cannot take is refused before a byte is
    /// written; the result comes as [`Event::Submitted`].
    pub fn send(&mut self, submission: Submission) -> Result<(), SessionError> {
        let (State::Ready, Some(ext)) = (&self.state, &self.extensions) else {
            return Err(SessionError::NotReady);
        };
        if submission.recipients.is_empty() {
            return Err(SessionError::NoRecipients);
        }
        let method = if ext.chunking && self.allow_chunking {
            Method::Bdat
        } else {
            Method::Data
        };
        // The size the server will store: CRLF line ends, no stuffing (RFC 1870 §3).
        let normalised = data::normalise(&submission.message);
        let size = normalised.len() as u64;
        if let Some(limit) = ext.max_size().filter(|&limit| size > limit) {
            return Err(SessionError::TooBig { size, limit });
        }
        if !ext.smtputf8 {
            let addresses = core::iter::once(&submission.from).chain(&submission.recipients);
            if let Some(address) = addresses.into_iter().find(|a| a.needs_smtputf8()) {
                return Err(SessionError::AddressNeedsSmtpUtf8 {
                    address: address.clone(),
                });
            }
            if submission.utf8 {
                return Err(SessionError::MessageNeedsSmtpUtf8);
            }
        }
        let eight_bit = submission.body == Body::EightBitMime;
        if eight_bit && !ext.eight_bit_mime {
            return Err(SessionError::MessageNeeds8BitMime);
        }
        let utf8 = submission.utf8
            || submission.from.needs_smtputf8()
            || submission.recipients.iter().any(Address::needs_smtputf8);

        let mut mail = format!("MAIL FROM:<{}>", submission.from);
        if ext.size.is_some() {
            mail.push_str(&format!(" SIZE={size}"));
        }
        if eight_bit {
            mail.push_str(" BODY=8BITMIME");
        }
        if utf8 {
            mail.push_str(" SMTPUTF8");
        }
        mail.push_str("\r\n");
        self.out.extend_from_slice(mail.as_bytes());

        let pipelined = ext.pipelining;
        let mut tx = Transaction {
            message: match method {
                Method::Bdat => normalised,
                Method::Data => submission.message,
            },
            method,
            pipelined,
            unsent: submission.recipients.into(),
            expect: VecDeque::from([Expect::Mail]),
            chunks: VecDeque::new(),
            sender_accepted: false,
            recipients: Vec::new(),
            end_written: false,
            outcome: None,
        };
        if pipelined {
            while let Some(rcpt) = tx.unsent.pop_front() {
                write_rcpt(&mut self.out, &rcpt);
                tx.expect.push_back(Expect::Rcpt(rcpt));
            }
            if method == Method::Data {
                self.out.extend_from_slice(b"DATA\r\n");
                tx.expect.push_back(Expect::Data);
            }
        }
        self.state = State::Mail(Box::new(tx));
        Ok(())
    }

    /// Ends the session politely with `QUIT`.
    pub fn quit(&mut self) -> Result<(), SessionError> {
        let State::Ready = self.state else {
            return Err(SessionError::NotReady);
        };
        self.out.extend_from_slice(b"QUIT\r\n");
        self.state = State::Quit;
        Ok(())
    }

    /// The connection has ended (closed by the server, broken, or dropped by the caller
    /// after waiting too long). A submission in progress is reported: not sent, or, if the
    /// whole message had been written, may have been sent.
    pub fn connection_closed(&mut self) {
        self.close();
        self.out.clear();
    }

    /// Closes the session, reporting a transaction in progress as a lost connection would.
    /// Bytes not yet transmitted stay: whether the caller took them before this point
    /// depends only on how the server's bytes were chunked, so dropping them here would make
    /// the session's output depend on it too.
    fn close(&mut self) {
        if let State::Mail(tx) = core::mem::replace(&mut self.state, State::Closed) {
            let outcome = tx.outcome.clone().unwrap_or(if tx.end_written {
                Outcome::MayHaveBeenSent
            } else {
                Outcome::NotSent
            });
            self.events.push_back(Event::Submitted(Report {
                recipients: tx.recipients,
                outcome,
            }));
        }
    }

    /// Bytes received from the server.
    pub fn feed(&mut self, bytes: &[u8]) {
        if let State::Closed = self.state {
            return;
        }
        self.parser.feed(bytes);
        while let Some(result) = self.parser.next() {
            match result {
                Ok(reply) => self.handle(reply),
                Err(e) => self.fail(ProtocolError::BadReply(e)),
            }
            if let State::Closed = self.state {
                return;
            }
        }
    }

    fn handle(&mut self, reply: Reply) {
        // 421 may come at any time, as the reply to any command or unasked (RFC 5321
        // §3.8): the server is going away.
        if reply.code == ReplyCode::SERVICE_NOT_AVAILABLE {
            if let State::Mail(tx) = core::mem::replace(&mut self.state, State::Closed) {
                let outcome = tx.outcome.clone().unwrap_or(Outcome::Refused {
                    reply: reply.clone(),
                });
                self.events.push_back(Event::Submitted(Report {
                    recipients: tx.recipients,
                    outcome,
                }));
            }
            self.events.push_back(Event::Closing(reply));
            return;
        }
        match core::mem::replace(&mut self.state, State::Closed) {
            State::Greeting if reply.code == ReplyCode::SERVICE_READY => {
                self.out
                    .extend_from_slice(format!("EHLO {}\r\n", self.client.as_str()).as_bytes());
                self.state = State::Ehlo;
            }
            State::Greeting => self.reject(reply),
            State::Ehlo => {
                if reply.code.is_positive() {
                    let ext = Extensions::from_ehlo(&reply);
                    self.extensions = Some(ext.clone());
                    self.state = State::Ready;
                    self.events.push_back(Event::Ready(ext));
                } else {
                    self.reject(reply);
                }
            }
            State::Auth(auth) => self.handle_auth(auth, reply),
            State::Mail(tx) => self.handle_mail(tx, reply),
            State::Quit => self.events.push_back(Event::Closing(reply)),
            State::Ready | State::Closed => {
                self.events
                    .push_back(Event::ProtocolError(ProtocolError::Unexpected(reply)));
            }
        }
    }

    /// The server does not want this session: RFC 5321 §3.1 asks the client to QUIT even
    /// after a 554 greeting, and to wait for the reply.
    fn reject(&mut self, reply: Reply) {
        self.out.extend_from_slice(b"QUIT\r\n");
        self.state = State::Quit;
        self.events.push_back(Event::Rejected(reply));
    }

    fn handle_auth(&mut self, auth: Auth, reply: Reply) {
        let code = reply.code;
        if code == ReplyCode::AUTH_SUCCEEDED {
            self.state = State::Ready;
            self.events.push_back(Event::Authenticated);
            return;
        }
        if code == ReplyCode::AUTH_CONTINUE {
            let next = match auth {
                // Asked again despite the initial response (RFC 4954 §4 lets a server
                // send an empty challenge): the same response.
                Auth::Plain(c) => {
                    self.out.extend_from_slice(&c.plain_response());
                    self.out.extend_from_slice(b"\r\n");
                    Auth::Plain(c)
                }
                Auth::LoginUser(c) => {
                    self.out.extend_from_slice(&c.login_user_line());
                    Auth::LoginPassword(c)
                }
                Auth::LoginPassword(c) => {
                    self.out.extend_from_slice(&c.login_password_line());
                    Auth::LoginDone
                }
                Auth::LoginDone => {
                    // Nothing more to give: cancel the exchange (RFC 4954 §4); the server
                    // answers 501, which ends it as a failure.
                    self.out.extend_from_slice(b"*\r\n");
                    Auth::LoginDone
                }
            };
            self.state = State::Auth(next);
            return;
        }
        self.state = State::Ready;
        if code.is_positive() || code.is_intermediate() {
            self.fail(ProtocolError::Unexpected(reply));
        } else {
            self.events.push_back(Event::AuthenticationFailed(reply));
        }
    }

    fn handle_mail(&mut self, mut tx: Box<Transaction>, reply: Reply) {
        let Some(expect) = tx.expect.pop_front() else {
            self.state = State::Mail(tx);
            self.fail(ProtocolError::Unexpected(reply));
            return;
        };
        let positive = reply.code.is_positive();
        match expect {
            Expect::Mail => {
                tx.sender_accepted = positive;
                if !positive {
                    tx.outcome = Some(Outcome::SenderRefused { reply });
                } else if !tx.pipelined {
                    if let Some(rcpt) = tx.unsent.pop_front() {
                        write_rcpt(&mut self.out, &rcpt);
                        tx.expect.push_back(Expect::Rcpt(rcpt));
                    }
                }
            }
            Expect::Rcpt(address) => {
                tx.recipients.push(RecipientStatus { address, reply });
                if !tx.pipelined {
                    if let Some(rcpt) = tx.unsent.pop_front() {
                        write_rcpt(&mut self.out, &rcpt);
                        tx.expect.push_back(Expect::Rcpt(rcpt));
                    }
                }
                if tx.expect.is_empty() && tx.outcome.is_none() {
                    if !tx.recipients.iter().any(RecipientStatus::accepted) {
                        tx.outcome = Some(Outcome::NoRecipientAccepted);
                    } else {
                        match tx.method {
                            Method::Data => {
                                self.out.extend_from_slice(b"DATA\r\n");
                                tx.expect.push_back(Expect::Data);
                            }
                            Method::Bdat => self.start_bdat(&mut tx),
                        }
                    }
                }
            }
            Expect::Data => {
                if reply.code == ReplyCode::START_MAIL_INPUT {
                    if tx.outcome.is_none() && !tx.recipients.iter().any(RecipientStatus::accepted)
                    {
                        tx.outcome = Some(Outcome::NoRecipientAccepted);
                    }
                    let mut stuffer = Stuffer::data();
                    if tx.outcome.is_none() {
                        // Written in one piece: the message is in memory already.
                        stuffer.push(&tx.message, &mut self.out);
                        tx.end_written = true;
                    }
                    // With nothing to send (pipelined DATA after every RCPT was refused,
                    // which a server should not accept), an empty message ends the data
                    // phase: it has no recipient to go to (RFC 2920 §3.1).
                    stuffer.finish(&mut self.out);
                    tx.expect.push_back(Expect::Final);
                } else if positive {
                    self.state = State::Mail(tx);
                    self.fail(ProtocolError::Unexpected(reply));
                    return;
                } else if tx.outcome.is_none() {
                    tx.outcome = Some(if tx.recipients.iter().any(RecipientStatus::accepted) {
                        Outcome::Refused { reply }
                    } else {
                        Outcome::NoRecipientAccepted
                    });
                }
            }
            Expect::Chunk => {
                if !positive && tx.outcome.is_none() {
                    tx.outcome = Some(Outcome::Refused { reply });
                    tx.chunks.clear();
                } else if !tx.pipelined {
                    self.write_next_chunk(&mut tx);
                }
            }
            Expect::Final => {
                if tx.outcome.is_none() {
                    tx.outcome = Some(if positive {
                        Outcome::Sent { reply }
                    } else {
                        Outcome::Refused { reply }
                    });
                }
            }
            Expect::Rset => {}
        }
        if !tx.expect.is_empty() {
            self.state = State::Mail(tx);
            return;
        }
        // Every reply is in. A transaction that did not end in a sent message is reset
        // before the next may start, when the server accepted its MAIL: it may still hold
        // it open (all RCPTs refused, a BDAT chunk refused, RFC 3030 §4.2), and RSET is
        // harmless where it does not.
        if tx.sender_accepted && !matches!(tx.outcome, Some(Outcome::Sent { .. })) {
            tx.sender_accepted = false;
            self.out.extend_from_slice(b"RSET\r\n");
            tx.expect.push_back(Expect::Rset);
            self.state = State::Mail(tx);
            return;
        }
        let outcome = tx.outcome.unwrap_or(Outcome::NotSent);
        self.state = State::Ready;
        self.events.push_back(Event::Submitted(Report {
            recipients: tx.recipients,
            outcome,
        }));
    }

    /// Splits the message into `BDAT` chunks and writes all of them (with PIPELINING,
    /// RFC 3030 §4.2) or the first.
    fn start_bdat(&mut self, tx: &mut Transaction) {
        let message = core::mem::take(&mut tx.message);
        let mut chunks: VecDeque<Vec<u8>> =
            message.chunks(BDAT_CHUNK).map(<[u8]>::to_vec).collect();
        if chunks.is_empty() {
            chunks.push_back(Vec::new());
        }
        tx.chunks = chunks;
        if tx.pipelined {
            while !tx.chunks.is_empty() {
                self.write_next_chunk(tx);
            }
        } else {
            self.write_next_chunk(tx);
        }
    }

    fn write_next_chunk(&mut self, tx: &mut Transaction) {
        let Some(chunk) = tx.chunks.pop_front() else {
            return;
        };
        let last = tx.chunks.is_empty();
        let command = if last {
            format!("BDAT {} LAST\r\n", chunk.len())
        } else {
            format!("BDAT {}\r\n", chunk.len())
        };
        self.out.extend_from_slice(command.as_bytes());
        self.out.extend_from_slice(&chunk);
        if last {
            tx.end_written = true;
            tx.expect.push_back(Expect::Final);
        } else {
            tx.expect.push_back(Expect::Chunk);
        }
    }

    /// The exchange broke: a transaction in progress is reported as the connection's end
    /// would report it, then the error; the session is closed.
    fn fail(&mut self, error: ProtocolError) {
        self.close();
        self.events.push_back(Event::ProtocolError(error));
    }
}

fn write_rcpt(out: &mut Vec<u8>, rcpt: &Address) {
    out.extend_from_slice(format!("RCPT TO:<{rcpt}>\r\n").as_bytes());
}
