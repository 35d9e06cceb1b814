//! Signing in: `CAPABILITY` when the server has not said what it offers, then
//! `AUTHENTICATE PLAIN` (with SASL-IR where offered) or `LOGIN`.

use petrel_imap::types::capability::Capability as Cap;
use petrel_imap::types::command::CommandBody;
use petrel_imap::types::core::{AString, Atom, Secret, Tag};
use petrel_imap::types::response::{Code, StatusKind, StatusResponse};
use petrel_imap::Session;

use super::{Cx, FollowUp};
use crate::engine::{Event, Password, SignInError};

/// `CAPABILITY`, before signing in (the greeting listed none) or after (the OK listed none).
#[derive(Debug)]
pub(crate) struct Capability {
    /// The credentials to sign in with once the capabilities are known.
    then_sign_in: Option<(String, Password)>,
}

impl Capability {
    pub(crate) fn start(
        session: &mut Session,
        then_sign_in: Option<(String, Password)>,
    ) -> (Tag<'static>, Self) {
        (session.send(CommandBody::Capability), Self { then_sign_in })
    }

    pub(crate) fn complete(self, cx: &mut Cx<'_>) {
        if let Some((user, password)) = self.then_sign_in {
            cx.follow_ups
                .push(FollowUp::Authenticate { user, password });
        }
    }
}

/// `AUTHENTICATE PLAIN` or `LOGIN`.
#[derive(Debug)]
pub(crate) struct SignIn;

impl SignIn {
    /// Sends the sign-in the server supports; an error when it supports none, or the
    /// credentials cannot be sent.
    pub(crate) fn start(
        session: &mut Session,
        user: &str,
        password: &Password,
    ) -> Result<(Tag<'static>, Self), SignInError> {
        if session.has_auth("PLAIN") {
            // RFC 4616: authzid NUL authcid NUL passwd.
            let mut ir = Vec::with_capacity(user.len() + password.expose().len() + 2);
            ir.push(0);
            ir.extend_from_slice(user.as_bytes());
            ir.push(0);
            ir.extend_from_slice(password.expose().as_bytes());
            let mechanism = Atom::try_from("PLAIN")
                .map_err(|_| SignInError::Refused("PLAIN is not an atom".into()))?;
            let body = CommandBody::Authenticate {
                mechanism,
                initial_response: Some(Secret::new(ir)),
            };
            return Ok((session.send(body), SignIn));
        }
        if session.has_capability(&Cap::LoginDisabled) {
            return Err(SignInError::Refused(
                "the server offers no sign-in method Petrel supports".into(),
            ));
        }
        let (Ok(username), Ok(secret)) = (
            AString::try_from(user.to_owned()),
            AString::try_from(password.expose().to_owned()),
        ) else {
            return Err(SignInError::Refused(
                "the user name or password holds a NUL character".into(),
            ));
        };
        let body = CommandBody::Login {
            username,
            password: Secret::new(secret),
        };
        Ok((session.send(body), SignIn))
    }

    pub(crate) fn complete(self, status: StatusResponse<'static>, cx: &mut Cx<'_>) {
        if status.kind == StatusKind::Ok {
            let listed_capabilities = matches!(status.code, Some(Code::Capability(_)));
            cx.follow_ups.push(FollowUp::SignedIn {
                refresh_capabilities: !listed_capabilities,
            });
            return;
        }
        let error = match (status.kind, &status.code) {
            (StatusKind::No, None | Some(Code::AuthenticationFailed)) => {
                SignInError::WrongCredentials
            }
            _ => SignInError::Refused(status.text.into_owned()),
        };
        cx.out.push_back(Event::SignInFailed(error));
    }
}
