//! Certificates made at test time: a private CA and a server certificate for `localhost`
//! and `127.0.0.1` signed by it, written as PEM files.
//!
//! Generating them per run (rather than committing a key pair) means nothing expires and no
//! private key lives in the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::error::{Context, Result};

/// PEM files of a fresh CA and a server certificate it signed.
#[derive(Debug, Clone)]
pub struct Certs {
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

        let mut server_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .context(|| "server params".into())?;
        let mut server_name = DistinguishedName::new();
        server_name.push(DnType::CommonName, "localhost");
        server_params.distinguished_name = server_name;
        let server_key = KeyPair::generate().context(|| "generating the server key".into())?;
        let server = server_params
            .signed_by(&server_key, &ca)
            .context(|| "signing the server certificate".into())?;

        let certs = Self {
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

    /// A TLS client configuration that trusts only this CA, for the harness's own checks
    /// of the servers it starts.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.ca_der.clone())
            .context(|| "adding the test CA".into())?;
        let config = ClientConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context(|| "tls versions".into())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).context(|| format!("writing {}", path.display()))
}
