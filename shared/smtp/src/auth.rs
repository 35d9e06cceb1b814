//! SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms: the credentials,
//! and the base64 lines the session sends.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use petrel_imap::base64;

/// A SASL mechanism the server offers in its `AUTH` extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// RFC 4616; sent with an initial response, so it costs one round trip.
    Plain,
    /// The widespread, never standardised LOGIN: user name and password in two steps.
    Login,
    /// Any other, by its name in upper case (`CRAM-MD5`, `XOAUTH2`...).
    Other(String),
}

impl Mechanism {
    pub(crate) fn parse(name: &str) -> Self {
        if name.eq_ignore_ascii_case("PLAIN") {
            Mechanism::Plain
        } else if name.eq_ignore_ascii_case("LOGIN") {
            Mechanism::Login
        } else {
            Mechanism::Other(name.to_ascii_uppercase())
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mechanism::Plain => f.write_str("PLAIN"),
            Mechanism::Login => f.write_str("LOGIN"),
            Mechanism::Other(name) => f.write_str(name),
        }
    }
}

/// A password. Its `Debug` is redacted, so it never reaches a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Why credentials cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// PLAIN separates its fields with NUL, so neither may hold one (RFC 4616 §2).
    NulInUser { user: String },
    /// The password is not shown.
    NulInPassword,
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NulInUser { user } => {
                write!(f, "the user name {user:?} contains a NUL character")
            }
            CredentialsError::NulInPassword => f.write_str("the password contains a NUL character"),
        }
    }
}

/// A user name and password, checked to be sendable by both mechanisms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    password: Password,
}

impl Credentials {
    pub fn new(user: impl Into<String>, password: Password) -> Result<Self, CredentialsError> {
        let user = user.into();
        if user.contains('\0') {
            return Err(CredentialsError::NulInUser { user });
        }
        if password.0.contains('\0') {
            return Err(CredentialsError::NulInPassword);
        }
        Ok(Self { user, password })
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// `AUTH PLAIN <base64(NUL user NUL password)>` with the empty authorisation identity
    /// (act as the authenticated user), as RFC 4954 §4 allows the initial response.
    pub(crate) fn plain_command(&self) -> Vec<u8> {
        let mut command = b"AUTH PLAIN ".to_vec();
        command.extend_from_slice(&self.plain_response());
        command.extend_from_slice(b"\r\n");
        command
    }

    /// The PLAIN response alone, for a server that asks again with an empty `334`.
    pub(crate) fn plain_response(&self) -> Vec<u8> {
        let mut message = Vec::with_capacity(self.user.len() + self.password.0.len() + 2);
        message.push(0);
        message.extend_from_slice(self.user.as_bytes());
        message.push(0);
        message.extend_from_slice(self.password.0.as_bytes());
        base64::encode(&message)
    }

    pub(crate) fn login_user_line(&self) -> Vec<u8> {
        line(base64::encode(self.user.as_bytes()))
    }

    pub(crate) fn login_password_line(&self) -> Vec<u8> {
        line(base64::encode(self.password.0.as_bytes()))
    }
}

fn line(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.extend_from_slice(b"\r\n");
    bytes
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloc::format;

    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let c = Credentials::new("tim", Password::new("tanstaaftanstaaf")).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("tanstaaf"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn rfc_4616_and_4954_examples() {
        // RFC 4954 §4: "AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=" is authzid "test", user "test",
        // password "1234"; with the empty authzid Petrel sends, the same user and password:
        let c = Credentials::new("test", Password::new("1234")).unwrap();
        assert_eq!(c.plain_command(), b"AUTH PLAIN AHRlc3QAMTIzNA==\r\n");
        assert_eq!(
            base64::decode(b"AHRlc3QAMTIzNA==").unwrap(),
            b"\0test\x001234"
        );
        // RFC 4616 §4: user "tim", password "tanstaaftanstaaf".
        let c = Credentials::new("tim", Password::new("tanstaaftanstaaf")).unwrap();
        assert_eq!(c.plain_response(), b"AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
        // LOGIN: the user name and password each in a base64 line.
        assert_eq!(c.login_user_line(), b"dGlt\r\n");
        assert_eq!(c.login_password_line(), b"dGFuc3RhYWZ0YW5zdGFhZg==\r\n");
    }

    #[test]
    fn nul_is_refused_without_showing_the_password() {
        assert_eq!(
            Credentials::new("a\0b", Password::new("x")).unwrap_err(),
            CredentialsError::NulInUser {
                user: "a\0b".into()
            }
        );
        let e = Credentials::new("bob", Password::new("se\0cret")).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("se"));
    }
}
