//! Mailbox addresses for `MAIL FROM` / `RCPT TO`, and the client's name for `EHLO`: values
//! that cannot break the command line they are written into.
//!
//! ```text
//! Path      = "<" Mailbox ">"                        ; RFC 5321 §4.1.2
//! Mailbox   = Local-part "@" ( Domain / address-literal )
//! ```
//!
//! Only what would corrupt the command or what a server cannot accept is refused here (line
//! breaks and other control characters, angle brackets, spaces outside a quoted local part,
//! the RFC 5321 §4.5.3.1 lengths); the rest of the grammar is the server's to judge, and its
//! refusal comes back as a reply that names the address. Non-ASCII is allowed: such an
//! address needs the server's SMTPUTF8 (RFC 6531), which the session checks before sending.

use alloc::string::{String, ToString};
use core::fmt;

/// Longest local part (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;
/// Longest path is 256 octets with its angle brackets (RFC 5321 §4.5.3.1.3).
const MAX_ADDRESS: usize = 254;
/// Longest domain (RFC 5321 §4.5.3.1.2).
const MAX_DOMAIN: usize = 255;

/// Why a string is not an address (or a client name). Each names the bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    Empty,
    /// A CR, LF, NUL or other control character, which would end or corrupt the command.
    Control {
        address: String,
        byte: u8,
    },
    /// `<` or `>`: the session writes the brackets itself.
    AngleBracket {
        address: String,
    },
    /// A space outside a quoted local part.
    Space {
        address: String,
    },
    MissingAt {
        address: String,
    },
    EmptyLocalPart {
        address: String,
    },
    EmptyDomain {
        address: String,
    },
    LocalPartTooLong {
        address: String,
        len: usize,
    },
    TooLong {
        address: String,
        len: usize,
    },
    /// Not a domain or address literal for `EHLO`: empty, too long, or holding a byte that
    /// is not printable ASCII.
    ClientName {
        name: String,
    },
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressError::Empty => write!(f, "the address is empty"),
            AddressError::Control { address, byte } => write!(
                f,
                "the address {address:?} contains a control character (0x{byte:02x})"
            ),
            AddressError::AngleBracket { address } => {
                write!(f, "the address {address:?} contains an angle bracket")
            }
            AddressError::Space { address } => write!(f, "the address {address:?} contains a space"),
            AddressError::MissingAt { address } => write!(f, "the address {address:?} has no @"),
            AddressError::EmptyLocalPart { address } => {
                write!(f, "the address {address:?} has nothing before the @")
            }
            AddressError::EmptyDomain { address } => {
                write!(f, "the address {address:?} has no domain after the @")
            }
            AddressError::LocalPartTooLong { address, len } => write!(
                f,
                "the part before the @ of {address:?} is {len} bytes long; at most {MAX_LOCAL_PART} are allowed"
            ),
            AddressError::TooLong { address, len } => write!(
                f,
                "the address {address:?} is {len} bytes long; at most {MAX_ADDRESS} are allowed"
            ),
            AddressError::ClientName { name } => write!(
                f,
                "{name:?} is not a domain name or address literal to greet the server with"
            ),
        }
    }
}

/// A mailbox address, `local@domain`, without angle brackets (see the module docs).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Address(String);

impl Address {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the server must offer SMTPUTF8 to take this address.
    pub fn needs_smtputf8(&self) -> bool {
        !self.0.is_ascii()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({:?})", self.0)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for Address {
    type Error = AddressError;

    fn try_from(s: &str) -> Result<Self, AddressError> {
        let address = || s.to_string();
        if s.is_empty() {
            return Err(AddressError::Empty);
        }
        if let Some(byte) = s.bytes().find(|b| b.is_ascii_control()) {
            return Err(AddressError::Control {
                address: address(),
                byte,
            });
        }
        if s.contains(['<', '>']) {
            return Err(AddressError::AngleBracket { address: address() });
        }
        if s.len() > MAX_ADDRESS {
            return Err(AddressError::TooLong {
                address: address(),
                len: s.len(),
            });
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(AddressError::MissingAt { address: address() });
        };
        if local.is_empty() {
            return Err(AddressError::EmptyLocalPart { address: address() });
        }
        if domain.is_empty() {
            return Err(AddressError::EmptyDomain { address: address() });
        }
        if local.len() > MAX_LOCAL_PART {
            return Err(AddressError::LocalPartTooLong {
                address: address(),
                len: local.len(),
            });
        }
        let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
        if domain.contains(' ') || (!quoted && local.contains(' ')) {
            return Err(AddressError::Space { address: address() });
        }
        Ok(Self(s.to_string()))
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;

    fn try_from(s: String) -> Result<Self, AddressError> {
        Address::try_from(s.as_str())
    }
}

/// The name the client greets with in `EHLO`: a domain or an address literal such as
/// `[192.0.2.1]` (RFC 5321 §4.1.1.1). Printable ASCII without spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName(String);

impl ClientName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for ClientName {
    type Error = AddressError;

    fn try_from(s: &str) -> Result<Self, AddressError> {
        if s.is_empty() || s.len() > MAX_DOMAIN || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AddressError::ClientName {
                name: s.to_string(),
            });
        }
        Ok(Self(s.to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use alloc::format;

    use super::*;

    #[test]
    fn good_addresses() {
        for s in [
            "bob@example.org",
            "Smith@bar.com",
            "\"john smith\"@example.org",
            "user+tag@[192.0.2.1]",
            "josé@exemple.fr",
        ] {
            assert_eq!(Address::try_from(s).unwrap().as_str(), s);
        }
        assert!(Address::try_from("josé@exemple.fr")
            .unwrap()
            .needs_smtputf8());
        assert!(!Address::try_from("bob@example.org")
            .unwrap()
            .needs_smtputf8());
    }

    #[test]
    fn bad_addresses_name_the_value() {
        let cases: &[(&str, &str)] = &[
            ("", "the address is empty"),
            (
                "bob@example.org\r\nRCPT TO:<eve@evil>",
                "the address \"bob@example.org\\r\\nRCPT TO:<eve@evil>\" contains a control character (0x0d)",
            ),
            ("<bob@example.org>", "the address \"<bob@example.org>\" contains an angle bracket"),
            ("bob smith@example.org", "the address \"bob smith@example.org\" contains a space"),
            ("bob", "the address \"bob\" has no @"),
            ("@example.org", "the address \"@example.org\" has nothing before the @"),
            ("bob@", "the address \"bob@\" has no domain after the @"),
        ];
        for (input, message) in cases {
            let e = Address::try_from(*input).unwrap_err();
            assert_eq!(format!("{e}"), *message, "{input:?}");
        }
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert!(matches!(
            Address::try_from(long_local.as_str()),
            Err(AddressError::LocalPartTooLong { len: 65, .. })
        ));
        let long = format!("bob@{}", "a".repeat(251));
        assert!(matches!(
            Address::try_from(long.as_str()),
            Err(AddressError::TooLong { len: 255, .. })
        ));
    }

    #[test]
    fn client_names() {
        assert!(ClientName::try_from("[127.0.0.1]").is_ok());
        assert!(ClientName::try_from("petrel.example.org").is_ok());
        for bad in ["", "a b", "a\r\n", "é.example"] {
            assert!(ClientName::try_from(bad).is_err(), "{bad:?}");
        }
    }
}
