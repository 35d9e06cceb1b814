//! How a mail server's certificate is judged, and what to tell people when it fails.
//!
//! The normal path is rustls's own [`WebPkiServerVerifier`]: a chain to a trusted root, the
//! validity dates, the host name. Around it sits one addition, pinning: a certificate in
//! `--ca-file` that is byte for byte the one the server presents is trusted for that server,
//! whatever its names and its CA flag. The usual recipe for a private server,
//! `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=mail ...`, makes a certificate
//! marked `CA:TRUE` with the name only in its CN; WebPKI refuses both as a server
//! certificate (`CaUsedAsEndEntity`, and no subjectAltName), while OpenSSL-based clients
//! such as Roundcube accept the same file. The alternative of loosening the chain rules for
//! every certificate was rejected: pinning trusts exactly one key and nothing it could sign.
//! A pin still needs valid dates, and the handshake signature still proves the server holds
//! the certificate's key, so a copy of the (public) certificate is worth nothing.
//!
//! Every refusal is sorted into a [`Problem`], whose [`Problem::reason`] is the short text
//! the person sees on the page and whose [`Problem::advice`] goes into the log line.

use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::{
    self, CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// What is wrong with a mail server's certificate, in the terms of what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Past its `notAfter` date.
    Expired,
    /// Before its `notBefore` date (or the proxy's clock is wrong).
    NotYetValid,
    /// Valid, but not for the host name the proxy connects to.
    WrongName,
    /// Signed by itself and not the certificate in `--ca-file`.
    SelfSigned,
    /// Marked `CA:TRUE`, issued by someone else, and not the certificate in `--ca-file`.
    MarkedCa,
    /// Issued by a CA that is not trusted (not in the system roots or `--ca-file`).
    UnknownIssuer,
    /// Anything else: revoked, badly encoded, the wrong key usage, a bad signature.
    Other,
}

impl Problem {
    /// Every problem, for tests that check all of their texts.
    #[cfg(test)]
    pub const ALL: [Problem; 7] = [
        Problem::Expired,
        Problem::NotYetValid,
        Problem::WrongName,
        Problem::SelfSigned,
        Problem::MarkedCa,
        Problem::UnknownIssuer,
        Problem::Other,
    ];

    /// Sorts a verification failure as rustls reports it.
    pub fn of(error: &rustls::Error) -> Self {
        let rustls::Error::InvalidCertificate(error) = error else {
            return Problem::Other;
        };
        match error {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Problem::Expired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                Problem::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Problem::WrongName
            }
            CertificateError::UnknownIssuer => Problem::UnknownIssuer,
            CertificateError::Other(OtherError(inner)) => inner
                .downcast_ref::<Untrusted>()
                .map_or(Problem::Other, |untrusted| untrusted.problem),
            _ => Problem::Other,
        }
    }

    /// What the page shows: what is wrong and what to do, within a WebSocket close reason
    /// (at most 123 bytes).
    pub fn reason(self) -> &'static str {
        match self {
            Problem::Expired => "mail server certificate expired: renew it on the mail server",
            Problem::NotYetValid => {
                "mail server certificate not valid yet: check the clocks of the proxy and the mail server"
            }
            Problem::WrongName => {
                "mail server certificate is for another name: connect by a name it lists (see the proxy log)"
            }
            Problem::SelfSigned => {
                "mail server certificate is self-signed: give that certificate with --ca-file"
            }
            Problem::MarkedCa => {
                "mail server certificate is marked as a CA: give that certificate with --ca-file"
            }
            Problem::UnknownIssuer => {
                "mail server certificate issuer unknown: give its CA certificate with --ca-file"
            }
            Problem::Other => "mail server certificate not trusted (see the proxy log)",
        }
    }

    /// What the log line advises the administrator to do.
    pub fn advice(self) -> &'static str {
        match self {
            Problem::Expired => {
                "renew the mail server's certificate; if it is pinned in --ca-file, put the new \
                 one there too"
            }
            Problem::NotYetValid => {
                "check the clocks of the proxy and the mail server, or wait until the \
                 certificate's start date"
            }
            Problem::WrongName => {
                "configure the upstream by a name the certificate lists, or reissue the \
                 certificate with the configured name in its subjectAltName"
            }
            Problem::SelfSigned | Problem::MarkedCa => {
                "put exactly the certificate the mail server presents (its PEM file) in \
                 --ca-file to pin it"
            }
            Problem::UnknownIssuer => {
                "give the proxy the certificate of the CA that issued it with --ca-file, or the \
                 server's own certificate to pin it"
            }
            Problem::Other => "see the error above; the certificate cannot be trusted as it is",
        }
    }
}

/// A refusal that rustls has no variant for: the problem, with the names that explain it.
/// Carried inside [`CertificateError::Other`] so that [`Problem::of`] can find it again.
#[derive(Debug)]
struct Untrusted {
    problem: Problem,
    subject: String,
    issuer: String,
    /// A trusted CA has the issuer's name, but did not sign the certificate.
    namesake: bool,
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Untrusted {
            subject,
            issuer,
            namesake,
            ..
        } = self;
        match self.problem {
            Problem::SelfSigned => write!(
                f,
                "self-signed certificate \"{subject}\", which is not in the CA file"
            ),
            Problem::MarkedCa => write!(
                f,
                "certificate \"{subject}\" (issued by \"{issuer}\") is marked CA:TRUE, which \
                 a server certificate must not be unless it is pinned"
            ),
            _ if *namesake => write!(
                f,
                "certificate \"{subject}\" is issued by \"{issuer}\", but not signed by the \
                 trusted CA of that name (is the CA file out of date?)"
            ),
            _ => write!(
                f,
                "certificate \"{subject}\" is issued by \"{issuer}\", which is not a trusted CA"
            ),
        }
    }
}

impl StdError for Untrusted {}

/// The text of a certificate failure for the log: the [`Untrusted`] details where there
/// are some (rustls would print them with `Debug`), rustls's own words otherwise.
pub fn describe(error: &rustls::Error) -> String {
    if let rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) = error {
        if let Some(untrusted) = inner.downcast_ref::<Untrusted>() {
            return untrusted.to_string();
        }
    }
    error.to_string()
}

/// A certificate from `--ca-file`, trusted as itself.
#[derive(Debug)]
struct Pin {
    der: CertificateDer<'static>,
    subject: String,
    not_before: UnixTime,
    not_after: UnixTime,
    /// Set once the pin has let a server in and that was logged.
    logged: AtomicBool,
}

impl Pin {
    fn new(der: CertificateDer<'static>) -> Result<Self, String> {
        let (_, cert) =
            X509Certificate::from_der(der.as_ref()).map_err(|e| format!("cannot parse: {e}"))?;
        let validity = cert.validity();
        let not_before = unix_time(validity.not_before.timestamp());
        let not_after = unix_time(validity.not_after.timestamp());
        let subject = cert.subject().to_string();
        Ok(Self {
            der,
            subject,
            not_before,
            not_after,
            logged: AtomicBool::new(false),
        })
    }

    /// The same checks of the dates that WebPKI makes, with the same errors.
    fn check_dates(&self, now: UnixTime) -> Result<(), rustls::Error> {
        if now < self.not_before {
            return Err(CertificateError::NotValidYetContext {
                time: now,
                not_before: self.not_before,
            }
            .into());
        }
        if now > self.not_after {
            return Err(CertificateError::ExpiredContext {
                time: now,
                not_after: self.not_after,
            }
            .into());
        }
        Ok(())
    }
}

/// Dates before 1970 (which a certificate may hold) are all "long ago" to a clock.
fn unix_time(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

/// WebPKI verification, plus the certificates of the CA file as pins.
#[derive(Debug)]
pub struct Verifier {
    webpki: Arc<WebPkiServerVerifier>,
    pins: Vec<Pin>,
}

impl Verifier {
    /// Trusts `roots` as CAs, as for the system's roots. The handshake signatures are
    /// checked with `provider`'s algorithms.
    pub fn with_roots(roots: RootCertStore, provider: Arc<CryptoProvider>) -> Result<Self, String> {
        Self::new(roots, Vec::new(), provider)
    }

    /// Trusts the certificates of a CA file both as CAs and each as itself: an
    /// administrator who gives the server's own certificate means "trust this one".
    pub fn with_ca_file(
        certs: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, String> {
        let mut roots = RootCertStore::empty();
        for (i, cert) in certs.iter().enumerate() {
            roots
                .add(cert.clone())
                .map_err(|e| format!("certificate {}: {e}", i + 1))?;
        }
        if roots.is_empty() {
            return Err("no certificates".into());
        }
        Self::new(roots, certs, provider)
    }

    fn new(
        roots: RootCertStore,
        pins: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, String> {
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| e.to_string())?;
        let pins = pins
            .into_iter()
            .enumerate()
            .map(|(i, der)| Pin::new(der).map_err(|e| format!("certificate {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        Ok(Self { webpki, pins })
    }

    /// Why WebPKI's refusal happened, where it says less than the certificate shows: a
    /// self-signed certificate and one marked as a CA come out of WebPKI as an unknown
    /// issuer or as `CaUsedAsEndEntity`, and the fix for both is to pin them; a certificate
    /// whose issuer's name is trusted but whose signature is not that CA's comes out as a
    /// bad signature.
    fn explain(error: rustls::Error, end_entity: &CertificateDer<'_>) -> rustls::Error {
        let namesake = match &error {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => false,
            // Only the chain is checked here (the handshake signature comes later), so this
            // is a certificate not signed by the trusted CA that bears its issuer's name.
            rustls::Error::InvalidCertificate(CertificateError::BadSignature) => true,
            rustls::Error::InvalidCertificate(CertificateError::Other(_)) => false,
            _ => return error,
        };
        // The bytes come from the network: a certificate that does not parse keeps WebPKI's
        // error.
        let Ok((_, cert)) = X509Certificate::from_der(end_entity.as_ref()) else {
            return error;
        };
        // Self-signed: its own issuer by name, and signed by its own key (a CA and the
        // certificates it issued can share a name).
        let self_signed = cert.subject().as_raw() == cert.issuer().as_raw()
            && cert.verify_signature(None).is_ok();
        let problem = if self_signed {
            Problem::SelfSigned
        } else if cert.is_ca() {
            Problem::MarkedCa
        } else if matches!(
            error,
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature
            )
        ) {
            Problem::UnknownIssuer
        } else {
            return error;
        };
        CertificateError::Other(OtherError(Arc::new(Untrusted {
            problem,
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            namesake,
        })))
        .into()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(pin) = self.pins.iter().find(|pin| pin.der == *end_entity) {
            pin.check_dates(now)?;
            if !pin.logged.swap(true, Ordering::Relaxed) {
                tracing::info!(
                    server = %server_name.to_str(),
                    certificate = %pin.subject,
                    "mail server trusted by pinning: it presents a certificate that is in the CA file"
                );
            }
            return Ok(ServerCertVerified::assertion());
        }
        self.webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|error| Self::explain(error, end_entity))
    }

    // A pinned certificate's handshake is checked like any other: WebPKI's signature checks
    // look only at the certificate's key, never at its CA flag or names.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! Each test runs a real handshake between a rustls client with the [`Verifier`] and a
    //! rustls server, in memory (both sides are sans-IO), so the signature checks run too.

    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa,
        Issuer, KeyPair, SerialNumber,
    };
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::sign::{CertifiedKey, SingleCertAndKey};
    use tokio_rustls::rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// A certificate and the key it was made for.
    struct Made {
        der: CertificateDer<'static>,
        key: KeyPair,
    }

    fn named(cn: &str, names: &[&str]) -> CertificateParams {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        params.distinguished_name = dn;
        params
    }

    /// What `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=<cn>` makes: self-signed,
    /// `CA:TRUE`, the name only in the CN (ECDSA here: ring cannot make RSA keys).
    fn openssl_style(cn: &str) -> CertificateParams {
        let mut params = named(cn, &[]);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
    }

    fn self_signed(params: &CertificateParams) -> Made {
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().clone();
        Made { der, key }
    }

    /// A CA, and a function issuing certificates under it.
    struct Ca {
        der: CertificateDer<'static>,
        issuer: Issuer<'static, KeyPair>,
    }

    impl Ca {
        fn new(cn: &str) -> Self {
            let params = openssl_style(cn);
            let key = KeyPair::generate().unwrap();
            let der = params.self_signed(&key).unwrap().der().clone();
            Self {
                der,
                issuer: Issuer::new(params, key),
            }
        }

        fn issue(&self, params: &CertificateParams) -> Made {
            let key = KeyPair::generate().unwrap();
            let der = params.signed_by(&key, &self.issuer).unwrap().der().clone();
            Made { der, key }
        }
    }

    fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
        PrivatePkcs8KeyDer::from(key.serialize_der()).into()
    }

    /// A handshake of a client trusting `ca_file` (the way `--ca-file` does) with a server
    /// presenting `chain` and signing with `key`, for `server_name`. Returns the client's
    /// error, if any.
    fn handshake(
        ca_file: &[&CertificateDer<'static>],
        server_name: &str,
        chain: &[&CertificateDer<'static>],
        key: &KeyPair,
        tls12_only: bool,
    ) -> Result<(), rustls::Error> {
        let verifier = Arc::new(trusting(ca_file));
        handshake_with(verifier, server_name, chain, key, tls12_only)
    }

    fn trusting(ca_file: &[&CertificateDer<'static>]) -> Verifier {
        let certs = ca_file.iter().map(|c| (*c).clone()).collect();
        Verifier::with_ca_file(certs, provider()).unwrap()
    }

    /// Handshakes run one at a time while [`logged`] captures. Regression (a flaky
    /// `trust_by_pinning_is_logged_once`): a handshake on another test thread registered the
    /// log line's callsite while the capture was being set up, and tracing-core cached its
    /// interest as "never", so the line was dropped.
    static CAPTURING: std::sync::RwLock<()> = std::sync::RwLock::new(());

    fn handshake_with(
        verifier: Arc<Verifier>,
        server_name: &str,
        chain: &[&CertificateDer<'static>],
        key: &KeyPair,
        tls12_only: bool,
    ) -> Result<(), rustls::Error> {
        let _shared = (!CAPTURE_HELD.with(std::cell::Cell::get))
            .then(|| CAPTURING.read().unwrap_or_else(|e| e.into_inner()));
        let client_config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        // `CertifiedKey::new` does not check that the key belongs to the certificate, so a
        // server can present a certificate it does not hold the key of.
        let signing_key = provider()
            .key_provider
            .load_private_key(key_der(key))
            .unwrap();
        let chain = chain.iter().map(|c| (*c).clone()).collect();
        let resolver = SingleCertAndKey::from(CertifiedKey::new(chain, signing_key));
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
            &[&rustls::version::TLS12]
        } else {
            rustls::DEFAULT_VERSIONS
        };
        let server_config = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver));
        let mut client = ClientConnection::new(
            Arc::new(client_config),
            ServerName::try_from(server_name.to_owned()).unwrap(),
        )
        .unwrap();
        let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
        for _ in 0..10 {
            let mut wire = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut wire).unwrap();
            }
            server.read_tls(&mut wire.as_slice()).unwrap();
            // The server's own errors follow the client's refusal (an alert); the client's
            // error is the one under test.
            let _ = server.process_new_packets();
            let mut wire = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut wire).unwrap();
            }
            client.read_tls(&mut wire.as_slice()).unwrap();
            client.process_new_packets()?;
            if !client.is_handshaking() {
                return Ok(());
            }
        }
        panic!("the handshake did not finish in 10 rounds");
    }

    fn problem(result: Result<(), rustls::Error>) -> Problem {
        Problem::of(&result.expect_err("the handshake should have been refused"))
    }

    #[test]
    fn an_openssl_style_certificate_is_trusted_when_it_is_in_the_ca_file() {
        let cert = self_signed(&openssl_style("mail.example.org"));
        for tls12_only in [false, true] {
            handshake(
                &[&cert.der],
                "mail.example.org",
                &[&cert.der],
                &cert.key,
                tls12_only,
            )
            .unwrap();
        }
    }

    thread_local! {
        /// This thread holds [`CAPTURING`] for writing (inside [`logged`]).
        static CAPTURE_HELD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Everything logged while `f` runs on this thread, with no handshake running on
    /// another.
    fn logged(f: impl FnOnce()) -> String {
        let _alone = CAPTURING.write().unwrap_or_else(|e| e.into_inner());
        CAPTURE_HELD.with(|held| held.set(true));
        #[derive(Clone, Default)]
        struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            // Another test thread can register a callsite while this subscriber is being
            // set up, leaving it cached as "never" (tracing-core computes a callsite's
            // interest once, from the dispatchers alive when it registers): ask again.
            tracing::callsite::rebuild_interest_cache();
            f()
        });
        CAPTURE_HELD.with(|held| held.set(false));
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn trust_by_pinning_is_logged_once() {
        let cert = self_signed(&openssl_style("mail.example.org"));
        let verifier = Arc::new(trusting(&[&cert.der]));
        let log = logged(|| {
            for _ in 0..3 {
                handshake_with(
                    Arc::clone(&verifier),
                    "mail.example.org",
                    &[&cert.der],
                    &cert.key,
                    false,
                )
                .unwrap();
            }
        });
        assert_eq!(log.matches("trusted by pinning").count(), 1, "{log}");
        assert!(
            log.contains("server=mail.example.org certificate=CN=mail.example.org"),
            "{log}"
        );
    }

    #[test]
    fn a_pin_does_not_depend_on_the_name() {
        // The openssl recipe puts the name in the CN only, which WebPKI never reads, and
        // servers are often reached by an address the certificate does not list.
        let cert = self_signed(&openssl_style("mail"));
        handshake(&[&cert.der], "192.0.2.7", &[&cert.der], &cert.key, false).unwrap();
        handshake(
            &[&cert.der],
            "imap.example.org",
            &[&cert.der],
            &cert.key,
            false,
        )
        .unwrap();
    }

    #[test]
    fn a_pin_is_among_other_certificates_of_the_file() {
        let ca = Ca::new("Some CA");
        let cert = self_signed(&openssl_style("mail.example.org"));
        let other = self_signed(&openssl_style("other.example.org"));
        handshake(
            &[&ca.der, &other.der, &cert.der],
            "mail.example.org",
            &[&cert.der],
            &cert.key,
            false,
        )
        .unwrap();
    }

    #[test]
    fn a_pinned_certificate_without_its_key_is_refused() {
        // The certificate is public; only its key proves the server is the one pinned.
        let cert = self_signed(&openssl_style("mail.example.org"));
        let impostor = KeyPair::generate().unwrap();
        for tls12_only in [false, true] {
            let error = handshake(
                &[&cert.der],
                "mail.example.org",
                &[&cert.der],
                &impostor,
                tls12_only,
            )
            .expect_err("a signature by another key must fail");
            assert_eq!(
                error,
                rustls::Error::InvalidCertificate(CertificateError::BadSignature)
            );
            assert_eq!(Problem::of(&error), Problem::Other);
        }
    }

    #[test]
    fn a_pinned_certificate_must_be_within_its_dates() {
        let mut params = openssl_style("mail.example.org");
        params.not_before = date_time_ymd(2019, 1, 1);
        params.not_after = date_time_ymd(2020, 1, 1);
        let expired = self_signed(&params);
        let result = handshake(
            &[&expired.der],
            "mail.example.org",
            &[&expired.der],
            &expired.key,
            false,
        );
        assert_eq!(problem(result), Problem::Expired);

        params.not_before = date_time_ymd(2999, 1, 1);
        params.not_after = date_time_ymd(3000, 1, 1);
        let early = self_signed(&params);
        let result = handshake(
            &[&early.der],
            "mail.example.org",
            &[&early.der],
            &early.key,
            false,
        );
        assert_eq!(problem(result), Problem::NotYetValid);
    }

    #[test]
    fn another_self_signed_certificate_is_refused_as_self_signed() {
        let served = self_signed(&openssl_style("mail.example.org"));
        let in_file = self_signed(&openssl_style("mail.example.org"));
        let error = handshake(
            &[&in_file.der],
            "mail.example.org",
            &[&served.der],
            &served.key,
            false,
        )
        .unwrap_err();
        assert_eq!(Problem::of(&error), Problem::SelfSigned);
        assert_eq!(
            describe(&error),
            "self-signed certificate \"CN=mail.example.org\", which is not in the CA file"
        );
    }

    #[test]
    fn a_pin_compares_every_byte() {
        // Same key, same name, another serial number: another certificate.
        let mut params = openssl_style("mail.example.org");
        params.serial_number = Some(SerialNumber::from(1u64));
        let pinned = self_signed(&params);
        params.serial_number = Some(SerialNumber::from(2u64));
        let reissued = params.self_signed(&pinned.key).unwrap().der().clone();
        let result = handshake(
            &[&pinned.der],
            "mail.example.org",
            &[&reissued],
            &pinned.key,
            false,
        );
        assert_eq!(problem(result), Problem::SelfSigned);
    }

    #[test]
    fn a_self_signed_leaf_without_the_ca_flag_is_refused_as_self_signed() {
        let served = self_signed(&named("mail.example.org", &["mail.example.org"]));
        let ca = Ca::new("Some CA");
        let result = handshake(
            &[&ca.der],
            "mail.example.org",
            &[&served.der],
            &served.key,
            false,
        );
        assert_eq!(problem(result), Problem::SelfSigned);
    }

    #[test]
    fn a_certificate_from_a_ca_in_the_file_is_trusted() {
        let ca = Ca::new("Private CA");
        let leaf = ca.issue(&named("mail.example.org", &["mail.example.org"]));
        for tls12_only in [false, true] {
            handshake(
                &[&ca.der],
                "mail.example.org",
                &[&leaf.der],
                &leaf.key,
                tls12_only,
            )
            .unwrap();
        }
    }

    #[test]
    fn a_certificate_from_an_unknown_ca_is_refused_naming_its_issuer() {
        let ca = Ca::new("Private CA");
        let other = Ca::new("Other CA");
        let leaf = ca.issue(&named("mail.example.org", &["mail.example.org"]));
        let error = handshake(
            &[&other.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        )
        .unwrap_err();
        assert_eq!(Problem::of(&error), Problem::UnknownIssuer);
        assert!(describe(&error).contains("\"CN=Private CA\""), "{error}");
    }

    #[test]
    fn a_certificate_named_like_its_unknown_ca_is_not_self_signed() {
        // rcgen's default name is the same for a CA and what it issues: the proxy's own
        // integration tests first met this.
        let ca = Ca::new("mail.example.org");
        let other = Ca::new("Other CA");
        let leaf = ca.issue(&named("mail.example.org", &["mail.example.org"]));
        let result = handshake(
            &[&other.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        );
        assert_eq!(problem(result), Problem::UnknownIssuer);
    }

    #[test]
    fn a_certificate_from_another_ca_of_a_trusted_name_is_refused_as_unknown_issuer() {
        // A CA made again under the same name, and a CA file that still holds the old one.
        let old = Ca::new("Private CA");
        let new = Ca::new("Private CA");
        let leaf = new.issue(&named("mail.example.org", &["mail.example.org"]));
        let error = handshake(
            &[&old.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        )
        .unwrap_err();
        assert_eq!(Problem::of(&error), Problem::UnknownIssuer);
        assert!(
            describe(&error).contains("not signed by the trusted CA of that name"),
            "{error}"
        );
    }

    #[test]
    fn a_certificate_for_another_name_is_refused_as_such() {
        let ca = Ca::new("Private CA");
        let leaf = ca.issue(&named("mail.example.org", &["mail.example.org"]));
        let error = handshake(
            &[&ca.der],
            "imap.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        )
        .unwrap_err();
        assert_eq!(Problem::of(&error), Problem::WrongName);
        // rustls's own words name both sides, for the log.
        let text = describe(&error);
        assert!(
            text.contains("imap.example.org") && text.contains("mail.example.org"),
            "{text}"
        );
    }

    #[test]
    fn an_expired_certificate_from_a_known_ca_is_refused_as_expired() {
        let ca = Ca::new("Private CA");
        let mut params = named("mail.example.org", &["mail.example.org"]);
        params.not_before = date_time_ymd(2019, 1, 1);
        params.not_after = date_time_ymd(2020, 1, 1);
        let leaf = ca.issue(&params);
        let result = handshake(
            &[&ca.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        );
        assert_eq!(problem(result), Problem::Expired);
    }

    #[test]
    fn a_server_certificate_marked_as_a_ca_is_refused_unless_pinned() {
        let ca = Ca::new("Private CA");
        let mut params = named("mail.example.org", &["mail.example.org"]);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let leaf = ca.issue(&params);
        let result = handshake(
            &[&ca.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        );
        assert_eq!(problem(result), Problem::MarkedCa);
        handshake(
            &[&ca.der, &leaf.der],
            "mail.example.org",
            &[&leaf.der],
            &leaf.key,
            false,
        )
        .unwrap();
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_at_start() {
        assert_eq!(
            Verifier::with_ca_file(Vec::new(), provider()).unwrap_err(),
            "no certificates"
        );
    }

    #[test]
    fn page_texts_fit_a_close_frame_and_say_what_to_do() {
        for problem in Problem::ALL {
            let reason = problem.reason();
            assert!(reason.len() <= 123, "{problem:?}: {} bytes", reason.len());
            assert!(reason.starts_with("mail server certificate"), "{reason}");
        }
        for problem in [
            Problem::SelfSigned,
            Problem::MarkedCa,
            Problem::UnknownIssuer,
        ] {
            assert!(problem.reason().contains("--ca-file"), "{problem:?}");
            assert!(problem.advice().contains("--ca-file"), "{problem:?}");
        }
    }

    #[test]
    fn errors_that_are_not_about_the_certificate_are_other() {
        assert_eq!(
            Problem::of(&rustls::Error::HandshakeNotComplete),
            Problem::Other
        );
        assert_eq!(
            Problem::of(&CertificateError::Revoked.into()),
            Problem::Other
        );
    }
}
