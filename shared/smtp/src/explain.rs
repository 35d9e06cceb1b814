//! Replies and outcomes in words a person understands: "the server refused the recipient
//! bob@example.org: no such user", "the message is 31 MB; this server accepts 25 MB".
//!
//! The phrase comes from the enhanced status code when the server sent one (RFC 3463 is
//! precise where basic codes are vague: 550 covers both "no such user" and "not allowed"),
//! else from the reply code; the server's own text follows in brackets, since it often says
//! more (a blocklist's name, a quota) and support staff ask for it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::{
    EnhancedCode, Event, Outcome, ProtocolError, RecipientStatus, Reply, Report, SessionError,
};

/// RFC 3463 §3 detail codes, said plainly; `None` for those without a phrase here.
fn enhanced_phrase(e: EnhancedCode) -> Option<&'static str> {
    Some(match (e.subject, e.detail) {
        (1, 1) => "no such user",
        (1, 2) => "the recipient's domain does not exist or takes no mail",
        (1, 3) => "the address is not valid",
        (1, 6) => "the mailbox has moved",
        (1, 7) | (1, 8) => "the sender address is not accepted",
        (1, 10) => "the recipient's domain takes no mail",
        (2, 1) => "the mailbox is disabled",
        (2, 2) => "the mailbox is full",
        (2, 3) => "the message is too big for the mailbox",
        (3, 4) => "the message is too big",
        (4, 7) => "delivery took too long",
        (5, 3) => "too many recipients",
        (6, 0) | (6, 1) => "the server does not accept the message's content",
        (7, 1) => "the server does not allow this sender or recipient",
        (7, 8) => "wrong user name or password",
        (7, 9) => "the sign-in method is too weak for this server",
        (7, 11) => "the server requires an encrypted connection",
        (7, 0) => "refused by the server's security policy",
        _ => return None,
    })
}

/// RFC 5321 §4.2.2-§4.2.3 reply codes, said plainly.
fn code_phrase(code: u16) -> &'static str {
    match code {
        421 => "the server is closing the connection",
        450 => "the mailbox is unavailable for now",
        451 => "the server had a local error",
        452 => "the server is out of storage or the message has too many recipients",
        454 => "the server cannot check the password now",
        455 => "the server cannot take the parameters now",
        500..=504 => "the server did not understand the command",
        530 => "the server requires signing in first",
        534 => "the sign-in method is too weak for this server",
        535 => "wrong user name or password",
        538 => "the server requires an encrypted connection to sign in",
        550 => "the mailbox is unavailable",
        551 => "the user is not local to this server",
        552 => "the message is too big or the mailbox is full",
        553 => "the mailbox name is not allowed",
        554 => "the transaction failed",
        555 => "the server does not accept the command's parameters",
        c if c / 100 == 4 => "a temporary failure",
        _ => "a permanent failure",
    }
}

/// Why the server said no, in words: `no such user (550 5.1.1 ...)`; a transient refusal
/// adds that trying later may help.
pub fn reason(reply: &Reply) -> String {
    let phrase = reply
        .enhanced
        .and_then(enhanced_phrase)
        .unwrap_or_else(|| code_phrase(reply.code.get()));
    let later = if reply.code.is_transient() {
        "; trying again later may work"
    } else {
        ""
    };
    format!("{phrase} ({reply}){later}")
}

/// A size for people: bytes, kB or MB (decimal, as SIZE counts), with exact bytes when two
/// sizes would otherwise read the same.
fn size(n: u64) -> String {
    if n < 1000 {
        format!("{n} bytes")
    } else if n < 1_000_000 {
        format!("{} kB", (n + 500) / 1000)
    } else if n < 10_000_000 {
        let tenths = (n + 50_000) / 100_000;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} MB", (n + 500_000) / 1_000_000)
    }
}

impl fmt::Display for RecipientStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.accepted() {
            write!(f, "the server accepted the recipient {}", self.address)
        } else {
            write!(
                f,
                "the server refused the recipient {}: {}",
                self.address,
                reason(&self.reply)
            )
        }
    }
}

impl fmt::Display for Report {
    /// One sentence for the outcome, then one per refused recipient.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accepted: Vec<String> = self
            .recipients
            .iter()
            .filter(|r| r.accepted())
            .map(|r| format!("{}", r.address))
            .collect();
        match &self.outcome {
            Outcome::Sent { .. } => write!(f, "the message was sent to {}", accepted.join(", "))?,
            Outcome::SenderRefused { reply } => write!(
                f,
                "the message was not sent: the server refused the sender address: {}",
                reason(reply)
            )?,
            Outcome::NoRecipientAccepted => write!(
                f,
                "the message was not sent: the server refused every recipient"
            )?,
            Outcome::Refused { reply } => write!(
                f,
                "the message was not sent: the server refused it: {}",
                reason(reply)
            )?,
            Outcome::MayHaveBeenSent => write!(
                f,
                "the connection ended after the whole message was sent but before the server \
                 confirmed it: the message may have been sent; check before sending it again"
            )?,
            Outcome::NotSent => write!(
                f,
                "the connection ended before the whole message was sent: it was not sent"
            )?,
        }
        // When the outcome is the sender's refusal, the recipients' replies only repeat it.
        if !matches!(self.outcome, Outcome::SenderRefused { .. }) {
            for r in self.recipients.iter().filter(|r| !r.accepted()) {
                write!(f, "; {r}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::NotReady => {
                f.write_str("the connection to the mail server is busy or closed")
            }
            SessionError::NoMechanism { offered } => {
                f.write_str("the server offers no sign-in method Petrel knows (PLAIN or LOGIN)")?;
                if !offered.is_empty() {
                    let names: Vec<String> = offered.iter().map(|m| format!("{m}")).collect();
                    write!(f, "; it offers {}", names.join(", "))?;
                }
                Ok(())
            }
            SessionError::NoRecipients => f.write_str("the message has no recipients"),
            SessionError::TooBig { size: s, limit } => {
                let (mut shown, mut max) = (size(*s), size(*limit));
                if shown == max {
                    (shown, max) = (format!("{s} bytes"), format!("{limit} bytes"));
                }
                write!(f, "the message is {shown}; this server accepts {max}")
            }
            SessionError::AddressNeedsSmtpUtf8 { address } => write!(
                f,
                "the address {address} has non-ASCII characters, which this server does not \
                 accept (it does not offer SMTPUTF8)"
            ),
            SessionError::MessageNeedsSmtpUtf8 => f.write_str(
                "the message has non-ASCII header fields, which this server does not accept \
                 (it does not offer SMTPUTF8)",
            ),
            SessionError::MessageNeeds8BitMime => f.write_str(
                "the message has 8-bit content, which this server does not accept (it does \
                 not offer 8BITMIME)",
            ),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::BadReply(e) => {
                write!(f, "the server sent a reply Petrel cannot read: {e}")
            }
            ProtocolError::Unexpected(reply) => {
                write!(f, "the server sent a reply Petrel did not expect ({reply})")
            }
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Ready(ext) => write!(f, "connected to {}", ext.domain),
            Event::Authenticated => f.write_str("signed in"),
            Event::AuthenticationFailed(reply) => {
                write!(f, "the server refused to sign in: {}", reason(reply))
            }
            Event::Submitted(report) => write!(f, "{report}"),
            Event::Rejected(reply) => {
                write!(f, "the server refused the connection: {}", reason(reply))
            }
            Event::Closing(reply) if reply.code.get() == 221 => {
                f.write_str("the server closed the connection")
            }
            Event::Closing(reply) => write!(f, "the server is closing the connection ({reply})"),
            Event::ProtocolError(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use super::*;
    use crate::{Address, ReplyCode};

    fn reply(code: u16, enhanced: Option<(u8, u16, u16)>, text: &str) -> Reply {
        Reply {
            code: ReplyCode::new(code).unwrap(),
            enhanced: enhanced.map(|(class, subject, detail)| EnhancedCode {
                class,
                subject,
                detail,
            }),
            lines: vec![text.to_string()],
        }
    }

    #[test]
    fn refused_recipient() {
        let r = RecipientStatus {
            address: Address::try_from("bob@example.org").unwrap(),
            reply: reply(
                550,
                Some((5, 1, 1)),
                "<bob@example.org>: Recipient address rejected: User unknown",
            ),
        };
        assert_eq!(
            r.to_string(),
            "the server refused the recipient bob@example.org: no such user (550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown)"
        );
        let r = RecipientStatus {
            reply: reply(450, None, "mailbox busy"),
            ..r
        };
        assert_eq!(
            r.to_string(),
            "the server refused the recipient bob@example.org: the mailbox is unavailable for now (450 mailbox busy); trying again later may work"
        );
    }

    #[test]
    fn sizes() {
        let e = SessionError::TooBig {
            size: 31_457_280,
            limit: 25_000_000,
        };
        assert_eq!(
            e.to_string(),
            "the message is 31 MB; this server accepts 25 MB"
        );
        let e = SessionError::TooBig {
            size: 10_240_001,
            limit: 10_240_000,
        };
        assert_eq!(
            e.to_string(),
            "the message is 10240001 bytes; this server accepts 10240000 bytes"
        );
        assert_eq!(size(2_560_000), "2.6 MB");
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(1_499), "1 kB");
    }

    #[test]
    fn authentication_failed() {
        let e = Event::AuthenticationFailed(reply(
            535,
            Some((5, 7, 8)),
            "Error: authentication failed: authentication failure",
        ));
        assert_eq!(
            e.to_string(),
            "the server refused to sign in: wrong user name or password (535 5.7.8 Error: authentication failed: authentication failure)"
        );
    }
}
