//! Sending one message: a sans-IO driver around a `petrel_smtp` session.
//!
//! A [`Sender`] owns one submission connection from its greeting to its end: it signs in
//! with the person's credentials, writes the message with the MIME writer once the server's
//! extensions are known (8BITMIME and SMTPUTF8 decide how it is written), submits it, and
//! says `QUIT`. The caller (the browser's connection task, or a native test) opens a
//! connection to the proxy's `/smtp`, writes what [`Sender::transmit`] returns, feeds what
//! arrives with [`Sender::receive`], tells it when the connection ended with
//! [`Sender::closed`], and reads the [`Sent`] result once [`Sender::result`] has one.
//!
//! The result is said in plain words. A connection lost after the whole message was written
//! but before the server confirmed it is [`Sent::MayHaveBeenSent`]: nothing here ever sends a
//! message twice by itself, since the person is the only one who can check whether it went.

use petrel_smtp::{
    explain, Address, Body, ClientName, Credentials, Event, Limits, Outcome, Report, Session,
    Submission,
};

use crate::compose::{self, Outgoing, Stamp, Transport};
use crate::engine::Password;

/// The name Petrel greets the server with. The browser cannot know its own host name, and
/// submission servers take any syntactically valid name from an authenticated client.
const CLIENT_NAME: &str = "petrel.invalid";

/// How a send ended, for the person and for what happens next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The server took the message for every recipient (`refused` empty) or for some of
    /// them. `message` is the bytes that were sent, for the copy in Sent.
    Delivered {
        message: Vec<u8>,
        /// One sentence per refused recipient: who and why.
        refused: Vec<String>,
    },
    /// Nothing was sent; why, in words.
    NotSent(String),
    /// The connection ended after the whole message was written but before the server
    /// confirmed it. It may have gone: the person must check before sending it again.
    MayHaveBeenSent,
}

impl Sent {
    /// The result in one or two sentences a person understands.
    pub fn words(&self) -> String {
        match self {
            Sent::Delivered { refused, .. } if refused.is_empty() => "Message sent.".to_owned(),
            Sent::Delivered { refused, .. } => {
                format!(
                    "Message sent, except to some recipients: {}.",
                    refused.join("; ")
                )
            }
            Sent::NotSent(reason) => format!("The message was not sent: {reason}."),
            Sent::MayHaveBeenSent => "The connection was lost just after the message was \
                 handed over: it may have been sent. Check the recipient's reply or your Sent \
                 folder before sending it again."
                .to_owned(),
        }
    }
}

/// One submission (see the module docs).
#[derive(Debug)]
pub struct Sender {
    session: Session,
    /// Held until the server's extensions are known and AUTH goes out.
    credentials: Option<Credentials>,
    /// Held until signed in, when it is written for the server's extensions.
    outgoing: Option<(Outgoing, Stamp)>,
    /// The written message, kept for the copy in Sent.
    written: Option<Vec<u8>>,
    result: Option<Sent>,
}

impl Sender {
    /// A sender for a connection just opened, that signs in as `user` and sends `message`
    /// dated and made unique by `stamp`; refused, with the reason in words, when the user
    /// name cannot be sent.
    pub fn new(
        user: &str,
        password: &Password,
        message: Outgoing,
        stamp: Stamp,
    ) -> Result<Sender, String> {
        let credentials = Credentials::new(user, petrel_smtp::Password::new(password.expose()))
            .map_err(|e| format!("the user name cannot be used: {e}"))?;
        let client = ClientName::try_from(CLIENT_NAME).map_err(|e| e.to_string())?;
        Ok(Sender {
            session: Session::new(client, Limits::default()),
            credentials: Some(credentials),
            outgoing: Some((message, stamp)),
            written: None,
            result: None,
        })
    }

    /// Bytes received from the server, in any chunking.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.session.feed(bytes);
        self.drain();
    }

    /// The connection ended (closed by either side, or broken).
    pub fn closed(&mut self) {
        self.session.connection_closed();
        self.drain();
        if self.result.is_none() {
            self.result = Some(Sent::NotSent(
                "the connection to the mail server ended before the message was sent".into(),
            ));
        }
    }

    /// The next bytes to write to the connection.
    pub fn transmit(&mut self) -> Option<Vec<u8>> {
        self.session.transmit()
    }

    /// How the send ended, once it has.
    pub fn result(&self) -> Option<&Sent> {
        self.result.as_ref()
    }

    /// Whether the connection may be closed: the result is known and the session is over
    /// (`QUIT` answered, or the server gone).
    pub fn is_done(&self) -> bool {
        self.result.is_some() && self.session.is_closed()
    }

    fn drain(&mut self) {
        while let Some(event) = self.session.poll_event() {
            self.event(event);
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Ready(_) => {
                let Some(credentials) = self.credentials.take() else {
                    return;
                };
                if let Err(e) = self.session.authenticate(credentials) {
                    self.fail(e.to_string());
                }
            }
            Event::Authenticated => self.submit(),
            Event::AuthenticationFailed(reply) => {
                self.fail(format!(
                    "the mail server refused to sign in: {}",
                    explain::reason(&reply)
                ));
            }
            Event::Submitted(report) => {
                self.report(report);
                self.quit();
            }
            Event::Rejected(reply) => self.fail(format!(
                "the mail server refused the connection: {}",
                explain::reason(&reply)
            )),
            Event::Closing(reply) => {
                if self.result.is_none() {
                    self.result = Some(Sent::NotSent(format!(
                        "the mail server closed the connection: {}",
                        explain::reason(&reply)
                    )));
                }
            }
            Event::ProtocolError(e) => {
                if self.result.is_none() {
                    self.result = Some(Sent::NotSent(e.to_string()));
                }
            }
        }
    }

    /// Writes the message for what the server offers and starts the submission.
    fn submit(&mut self) {
        let Some((outgoing, stamp)) = self.outgoing.take() else {
            return;
        };
        let offered = self.session.extensions();
        let transport = Transport {
            eight_bit_mime: offered.is_some_and(|e| e.eight_bit_mime),
            smtputf8: offered.is_some_and(|e| e.smtputf8),
        };
        let written = match compose::write(&outgoing, &stamp, transport) {
            Ok(written) => written,
            Err(e) => return self.fail(e.to_string()),
        };
        let from = match Address::try_from(written.envelope.from.as_str()) {
            Ok(from) => from,
            Err(e) => return self.fail(e.to_string()),
        };
        let mut recipients = Vec::with_capacity(written.envelope.recipients.len());
        for recipient in &written.envelope.recipients {
            match Address::try_from(recipient.as_str()) {
                Ok(address) => recipients.push(address),
                Err(e) => return self.fail(e.to_string()),
            }
        }
        let submission = Submission {
            from,
            recipients,
            message: written.bytes.clone(),
            body: if written.seven_bit {
                Body::SevenBit
            } else {
                Body::EightBitMime
            },
            utf8: written.smtputf8,
        };
        self.written = Some(written.bytes);
        if let Err(e) = self.session.send(submission) {
            self.fail(e.to_string());
        }
    }

    fn report(&mut self, report: Report) {
        let refused: Vec<String> = report
            .recipients
            .iter()
            .filter(|r| !r.accepted())
            .map(|r| r.to_string())
            .collect();
        self.result = Some(match report.outcome {
            Outcome::Sent { .. } => Sent::Delivered {
                message: self.written.take().unwrap_or_default(),
                refused,
            },
            Outcome::MayHaveBeenSent => Sent::MayHaveBeenSent,
            Outcome::NoRecipientAccepted => Sent::NotSent(format!(
                "the mail server refused every recipient: {}",
                refused.join("; ")
            )),
            _ => {
                // The report's own sentence starts "the message was not sent: ".
                let words = report.to_string();
                let reason = words
                    .strip_prefix("the message was not sent: ")
                    .unwrap_or(&words)
                    .to_owned();
                Sent::NotSent(reason)
            }
        });
    }

    /// Nothing will be sent: says why and ends the session politely.
    fn fail(&mut self, reason: String) {
        if self.result.is_none() {
            self.result = Some(Sent::NotSent(reason));
        }
        self.quit();
    }

    fn quit(&mut self) {
        if self.session.is_ready() {
            let _ = self.session.quit();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
