//! The service extensions a server lists in its `EHLO` reply (RFC 5321 §4.1.1.1): one
//! keyword per line after the first, with parameters separated by spaces.
//!
//! ```text
//! ehlo-ok-rsp = "250" SP Domain [ SP ehlo-greet ] CRLF
//!             / "250-" Domain [ SP ehlo-greet ] CRLF
//!               *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF
//! ehlo-line   = ehlo-keyword *( SP ehlo-param )
//! ```
//!
//! Keywords are case-insensitive. An extension with a malformed parameter is kept as
//! offered without it (a `SIZE` whose limit is not a number is `SIZE` with no fixed limit),
//! since refusing the whole reply would refuse the server.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::{Mechanism, Reply};

/// The server's `SIZE` extension (RFC 1870).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeLimit {
    /// `SIZE` or `SIZE 0`: the server announces no fixed limit but takes `SIZE=`.
    Unlimited,
    /// The largest message, in bytes, the server accepts.
    Max(u64),
}

/// What a server offers (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// The server's name from the first line.
    pub domain: String,
    /// `AUTH` (RFC 4954), and the pre-standard `AUTH=` some servers list as well.
    pub auth: Vec<Mechanism>,
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `SIZE` (RFC 1870).
    pub size: Option<SizeLimit>,
    /// `8BITMIME` (RFC 6152).
    pub eight_bit_mime: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    pub enhanced_status_codes: bool,
    /// `CHUNKING` (RFC 3030): `BDAT`.
    pub chunking: bool,
    /// `BINARYMIME` (RFC 3030).
    pub binary_mime: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `STARTTLS` (RFC 3207). Petrel's transport is TLS from the start, so this is only
    /// reported.
    pub starttls: bool,
    /// Every other keyword line, as sent.
    pub other: Vec<String>,
}

impl Extensions {
    /// Reads a positive `EHLO` reply.
    pub fn from_ehlo(reply: &Reply) -> Self {
        let mut lines = reply.lines.iter();
        let mut ext = Extensions {
            domain: lines
                .next()
                .and_then(|l| l.split(' ').next())
                .unwrap_or_default()
                .to_string(),
            ..Extensions::default()
        };
        for line in lines {
            let mut words = line.split(' ').filter(|w| !w.is_empty());
            let Some(keyword) = words.next() else {
                continue;
            };
            let (keyword, first_param) = match keyword.split_once('=') {
                // `AUTH=LOGIN PLAIN`: old Outlook clients needed it; Postfix sends it with
                // `broken_sasl_auth_clients`.
                Some((k, p)) if k.eq_ignore_ascii_case("AUTH") => (k, Some(p)),
                _ => (keyword, None),
            };
            let params = first_param.into_iter().chain(words);
            match keyword.to_ascii_uppercase().as_str() {
                "AUTH" => {
                    for mechanism in params.filter(|p| !p.is_empty()).map(Mechanism::parse) {
                        if !ext.auth.contains(&mechanism) {
                            ext.auth.push(mechanism);
                        }
                    }
                }
                "PIPELINING" => ext.pipelining = true,
                "SIZE" => {
                    ext.size = Some(match params.into_iter().next().map(str::parse::<u64>) {
                        Some(Ok(n)) if n > 0 => SizeLimit::Max(n),
                        _ => SizeLimit::Unlimited,
                    })
                }
                "8BITMIME" => ext.eight_bit_mime = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "ENHANCEDSTATUSCODES" => ext.enhanced_status_codes = true,
                "CHUNKING" => ext.chunking = true,
                "BINARYMIME" => ext.binary_mime = true,
                "DSN" => ext.dsn = true,
                "STARTTLS" => ext.starttls = true,
                _ => ext.other.push(line.clone()),
            }
        }
        ext
    }

    /// The largest message the server accepts, if it says.
    pub fn max_size(&self) -> Option<u64> {
        match self.size {
            Some(SizeLimit::Max(n)) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloc::vec;

    use super::*;
    use crate::{Limits, ReplyParser};

    fn ehlo(wire: &[u8]) -> Extensions {
        let mut parser = ReplyParser::new(Limits::default());
        parser.feed(wire);
        Extensions::from_ehlo(&parser.next().unwrap().unwrap())
    }

    #[test]
    fn postfix_submission() {
        let ext = ehlo(
            b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n\
250-AUTH PLAIN LOGIN\r\n250-AUTH=PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n\
250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
        );
        assert_eq!(
            ext,
            Extensions {
                domain: "mail.example.org".into(),
                auth: vec![Mechanism::Plain, Mechanism::Login],
                pipelining: true,
                size: Some(SizeLimit::Max(10_240_000)),
                eight_bit_mime: true,
                smtputf8: true,
                enhanced_status_codes: true,
                chunking: true,
                binary_mime: false,
                dsn: true,
                starttls: false,
                other: vec!["VRFY".into()],
            }
        );
    }

    #[test]
    fn rfc_5321_d1_ehlo_and_odd_parameters() {
        let ext = ehlo(
            b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n",
        );
        assert_eq!(ext.domain, "foo.com");
        assert_eq!(ext.size, Some(SizeLimit::Unlimited));
        assert!(ext.eight_bit_mime && ext.dsn && !ext.pipelining);
        assert_eq!(ext.other, vec![String::from("HELP")]);
        let ext = ehlo(b"250-x\r\n250-size junk\r\n250 auth cram-md5 xoauth2\r\n");
        assert_eq!(ext.size, Some(SizeLimit::Unlimited));
        assert_eq!(
            ext.auth,
            vec![
                Mechanism::Other("CRAM-MD5".into()),
                Mechanism::Other("XOAUTH2".into())
            ]
        );
        // A one-line reply: no extensions at all.
        assert_eq!(ehlo(b"250 x.example\r\n").domain, "x.example");
    }
}
