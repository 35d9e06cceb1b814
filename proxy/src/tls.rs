//! The proxy's own certificate for HTTPS/WSS, swapped in place on reload so that a renewed
//! certificate is used without a restart and without dropping open sessions.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::ListenerTls;
use crate::upstream::TlsSetupError;

/// The current certificate, replaced by [`ReloadingCert::reload`].
pub struct ReloadingCert {
    paths: ListenerTls,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for ReloadingCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadingCert")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl ReloadingCert {
    /// Loads the certificate and key; fails if either is unusable.
    pub fn load(paths: ListenerTls) -> Result<Arc<Self>, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = RwLock::new(load_key(&paths, &provider)?);
        Ok(Arc::new(Self {
            paths,
            provider,
            current,
        }))
    }

    /// Reads the files again. On failure the old certificate stays in use.
    pub fn reload(&self) -> Result<(), TlsSetupError> {
        let fresh = load_key(&self.paths, &self.provider)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// A TLS acceptor that always uses the current certificate.
    pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, TlsSetupError> {
        let mut config = ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError(format!("tls protocol versions: {e}")))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

fn load_key(
    paths: &ListenerTls,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, TlsSetupError> {
    let cert_error =
        |e: &dyn fmt::Display| TlsSetupError(format!("certificate {}: {e}", paths.cert.display()));
    let certs = CertificateDer::pem_file_iter(&paths.cert)
        .map_err(|e| cert_error(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(&e))?;
    if certs.is_empty() {
        return Err(cert_error(&"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(&paths.key)
        .map_err(|e| TlsSetupError(format!("private key {}: {e}", paths.key.display())))?;
    let key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsSetupError(format!("private key {}: {e}", paths.key.display())))?;
    let certified = CertifiedKey::new(certs, key);
    certified.keys_match().map_err(|e| {
        TlsSetupError(format!(
            "{} does not match {}: {e}",
            paths.key.display(),
            paths.cert.display()
        ))
    })?;
    Ok(Arc::new(certified))
}
