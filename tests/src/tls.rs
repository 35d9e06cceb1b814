//! Certificates made at test time: a private CA and a server certificate for `localhost`
//! and `127.0.0.1` signed by it, or (`CertKind::SelfSignedCa`) one self-signed certificate
//! the way `openssl req -x509` makes it, written as PEM files.
//!
//! Generating them per run (rather than committing a key pair) means nothing expires and no
//! private key lives in the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{
    self, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::error::{Context, Result};

/// The names every server certificate is for: what the harness's clients connect to.
const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// Which server certificate to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertKind {
    /// A private CA, and a server certificate it signed.
    #[default]
    CaSigned,
    /// The most common recipe for a private mail server,
    /// `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost`: one certificate,
    /// signed by its own key and marked `CA:TRUE` (an ECDSA key here: ring cannot make RSA
    /// keys). It is its own CA: `ca_pem` is the server certificate, which WebPKI refuses as
    /// a server certificate and the proxy trusts only as a pin.
    SelfSignedCa,
}

/// PEM files of a fresh CA and a server certificate it signed (or of one self-signed
/// certificate, which is then both).
#[derive(Debug, Clone)]
pub struct Certs {
    /// How the server certificate was made.
    pub kind: CertKind,
    /// The CA certificate (PEM): what the proxy trusts for its upstream.
    pub ca_pem: PathBuf,
    /// The server certificate (PEM), for `localhost` and `127.0.0.1`.
    pub cert_pem: PathBuf,
    /// The server's private key (PEM).
    pub key_pem: PathBuf,
    /// The CA certificate in DER, for in-process TLS clients.
    pub ca_der: CertificateDer<'static>,
}

impl Certs {
    /// Generates the CA and server certificate and writes `ca.pem`, `server.pem` and
    /// `server.key` into `dir`.
    pub fn generate(dir: &Path) -> Result<Self> {
        Self::generate_kind(dir, CertKind::CaSigned)
    }

    /// Generates certificates of `kind` and writes `ca.pem`, `server.pem` and `server.key`
    /// into `dir` (for [`CertKind::SelfSignedCa`], `ca.pem` is a copy of `server.pem`).
    pub fn generate_kind(dir: &Path, kind: CertKind) -> Result<Self> {
        match kind {
            CertKind::CaSigned => Self::ca_signed(dir),
            CertKind::SelfSignedCa => Self::self_signed_ca(dir),
        }
    }

    fn ca_signed(dir: &Path) -> Result<Self> {
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).context(|| "ca params".into())?;
        let mut ca_name = DistinguishedName::new();
        ca_name.push(DnType::CommonName, "Petrel test CA");
        ca_params.distinguished_name = ca_name;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().context(|| "generating the ca key".into())?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key)
            .context(|| "self-signing the ca".into())?;

        let mut server_params = CertificateParams::new(SERVER_NAMES.map(String::from).to_vec())
            .context(|| "server params".into())?;
        let mut server_name = DistinguishedName::new();
        server_name.push(DnType::CommonName, "localhost");
        server_params.distinguished_name = server_name;
        let server_key = KeyPair::generate().context(|| "generating the server key".into())?;
        let server = server_params
            .signed_by(&server_key, &ca)
            .context(|| "signing the server certificate".into())?;

        let certs = Self {
            kind: CertKind::CaSigned,
            ca_pem: dir.join("ca.pem"),
            cert_pem: dir.join("server.pem"),
            key_pem: dir.join("server.key"),
            ca_der: ca.der().clone(),
        };
        write(&certs.ca_pem, &ca.pem())?;
        write(&certs.cert_pem, &server.pem())?;
        write(&certs.key_pem, &server_key.serialize_pem())?;
        Ok(certs)
    }

    fn self_signed_ca(dir: &Path) -> Result<Self> {
        // openssl puts the name in the CN only; the names also go into subjectAltName here
        // so that the certificate's CA flag is the one thing that sets it apart.
        let mut params = CertificateParams::new(SERVER_NAMES.map(String::from).to_vec())
            .context(|| "self-signed params".into())?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "localhost");
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().context(|| "generating the server key".into())?;
        let cert = params
            .self_signed(&key)
            .context(|| "self-signing the server certificate".into())?;
        let certs = Self {
            kind: CertKind::SelfSignedCa,
            ca_pem: dir.join("ca.pem"),
            cert_pem: dir.join("server.pem"),
            key_pem: dir.join("server.key"),
            ca_der: cert.der().clone(),
        };
        write(&certs.ca_pem, &cert.pem())?;
        write(&certs.cert_pem, &cert.pem())?;
        write(&certs.key_pem, &key.serialize_pem())?;
        Ok(certs)
    }

    /// A TLS client configuration that trusts this server: the CA as a root, or, for a
    /// [`CertKind::SelfSignedCa`] (which WebPKI refuses as a server certificate), exactly
    /// that certificate.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        let provider = Arc::new(crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .context(|| "tls versions".into())?;
        let config = match self.kind {
            CertKind::CaSigned => {
                let mut roots = RootCertStore::empty();
                roots
                    .add(self.ca_der.clone())
                    .context(|| "adding the test CA".into())?;
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            CertKind::SelfSignedCa => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Exactly {
                    cert: self.ca_der.clone(),
                    provider,
                }))
                .with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

/// Trusts one certificate, compared byte for byte, whose key must sign the handshake: the
/// harness's own check that Dovecot is up, independent of the proxy's pinning under test.
#[derive(Debug)]
struct Exactly {
    cert: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Exactly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if *end_entity == self.cert {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(CertificateError::UnknownIssuer.into())
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).context(|| format!("writing {}", path.display()))
}
