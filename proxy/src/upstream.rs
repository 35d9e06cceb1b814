//! Connections to the configured mail servers: TCP, the optional PROXY protocol v2 header,
//! then TLS verified against the system roots or a CA file, with the host as server name
//! (how a certificate is judged, pinning included, is in `verify`).

mod verify;

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{
    self, client::danger, ClientConfig, DigitallySignedStruct, RootCertStore,
};
use tokio_rustls::TlsConnector;

use crate::config::{Upstream, UpstreamTls};

pub use verify::Problem;

/// A configured upstream, ready to connect to.
#[derive(Clone)]
pub struct Connector {
    upstream: Upstream,
    server_name: ServerName<'static>,
    tls: TlsConnector,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("upstream", &self.upstream)
            .finish_non_exhaustive()
    }
}

/// Why the upstream could not be reached; each maps to a close reason a person can read.
#[derive(Debug)]
pub enum UpstreamError {
    /// Name resolution or TCP connect failed.
    Unreachable(io::Error),
    /// Connect and TLS handshake took longer than the upstream timeout.
    Timeout,
    /// The server's certificate did not verify; [`Problem::of`] says why.
    Certificate(rustls::Error),
    /// The TLS handshake failed otherwise (not TLS at all, protocol mismatch, reset).
    Tls(io::Error),
}

impl UpstreamError {
    /// The WebSocket close reason shown to the person using the browser.
    pub fn reason(&self) -> &'static str {
        match self {
            UpstreamError::Unreachable(_) => "mail server unreachable",
            UpstreamError::Timeout => "mail server did not answer in time",
            UpstreamError::Certificate(e) => Problem::of(e).reason(),
            UpstreamError::Tls(_) => "TLS handshake with mail server failed",
        }
    }
}

impl fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamError::Unreachable(e) => write!(f, "unreachable: {e}"),
            UpstreamError::Timeout => f.write_str("timed out"),
            UpstreamError::Certificate(e) => write!(
                f,
                "certificate: {}; to fix: {}",
                verify::describe(e),
                Problem::of(e).advice()
            ),
            UpstreamError::Tls(e) => write!(f, "tls: {e}"),
        }
    }
}

/// A problem with the TLS settings found at start.
#[derive(Debug)]
pub struct TlsSetupError(pub String);

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsSetupError {}

/// Builds the client TLS configuration shared by all upstreams.
pub fn client_config(tls: &UpstreamTls) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError(format!("tls protocol versions: {e}")))?;
    let verifier = match tls {
        UpstreamTls::SystemRoots => {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::warn!(%error, "skipping a system root certificate");
            }
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(TlsSetupError(
                    "no system root certificates found (install ca-certificates or use --ca-file)"
                        .into(),
                ));
            }
            verify::Verifier::with_roots(roots, Arc::clone(&provider))
                .map_err(|e| TlsSetupError(format!("system root certificates: {e}")))?
        }
        UpstreamTls::CaFile(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    TlsSetupError(format!("cannot read CA file {}: {e}", path.display()))
                })?;
            verify::Verifier::with_ca_file(certs, Arc::clone(&provider))
                .map_err(|e| TlsSetupError(format!("in CA file {}: {e}", path.display())))?
        }
        UpstreamTls::InsecureNoVerify => {
            let config = builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                .with_no_client_auth();
            return Ok(Arc::new(config));
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl Connector {
    /// A connector for `upstream` using the shared client TLS configuration.
    pub fn new(upstream: Upstream, tls: Arc<ClientConfig>) -> Result<Self, TlsSetupError> {
        let host = upstream.address.host();
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| TlsSetupError(format!("{host:?} is not a valid TLS server name")))?;
        Ok(Self {
            upstream,
            server_name,
            tls: TlsConnector::from(tls),
        })
    }

    /// The configured upstream.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// Connects, sends the PROXY header if configured (`client` is the browser, `local` the
    /// address it connected to), and completes TLS, all within `timeout`.
    pub async fn connect(
        &self,
        client: SocketAddr,
        local: SocketAddr,
        timeout: Duration,
    ) -> Result<(TlsStream<TcpStream>, Duration), UpstreamError> {
        let start = Instant::now();
        let stream = tokio::time::timeout(timeout, self.connect_inner(client, local))
            .await
            .map_err(|_| UpstreamError::Timeout)??;
        Ok((stream, start.elapsed()))
    }

    async fn connect_inner(
        &self,
        client: SocketAddr,
        local: SocketAddr,
    ) -> Result<TlsStream<TcpStream>, UpstreamError> {
        let address = &self.upstream.address;
        let mut tcp = TcpStream::connect((address.host(), address.port()))
            .await
            .map_err(UpstreamError::Unreachable)?;
        // IMAP is chatty with small writes; Nagle would delay each command by a round trip.
        let _ = tcp.set_nodelay(true);
        if self.upstream.proxy_protocol {
            tcp.write_all(&proxy_v2_header(client, local))
                .await
                .map_err(UpstreamError::Unreachable)?;
        }
        self.tls
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| {
                match e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                {
                    Some(tls @ rustls::Error::InvalidCertificate(_)) => {
                        UpstreamError::Certificate(tls.clone())
                    }
                    _ => UpstreamError::Tls(e),
                }
            })
    }
}

/// The PROXY protocol v2 signature that starts every header.
const PROXY_V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// A PROXY protocol v2 `PROXY` header for a TCP connection from `source` to `destination`.
/// Mixed families are sent as IPv6, with the IPv4 side mapped.
pub fn proxy_v2_header(source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 36);
    out.extend_from_slice(&PROXY_V2_SIGNATURE);
    // Version 2, command PROXY.
    out.push(0x21);
    match (source.ip(), destination.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            // AF_INET, STREAM; 4 + 4 address bytes and two ports.
            out.push(0x11);
            out.extend_from_slice(&12u16.to_be_bytes());
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
        }
        (s, d) => {
            // AF_INET6, STREAM; 16 + 16 address bytes and two ports.
            out.push(0x21);
            out.extend_from_slice(&36u16.to_be_bytes());
            out.extend_from_slice(&to_v6(s).octets());
            out.extend_from_slice(&to_v6(d).octets());
        }
    }
    out.extend_from_slice(&source.port().to_be_bytes());
    out.extend_from_slice(&destination.port().to_be_bytes());
    out
}

fn to_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// Accepts any certificate: `--insecure-no-verify-upstream`, for testing only.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<danger::ServerCertVerified, rustls::Error> {
        Ok(danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_failure_says_what_is_wrong_and_what_to_do() {
        let expired = rustls::CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_600_000_000)),
        };
        let error = UpstreamError::Certificate(expired.into());
        assert_eq!(
            error.reason(),
            "mail server certificate expired: renew it on the mail server"
        );
        assert_eq!(
            error.to_string(),
            "certificate: invalid peer certificate: certificate expired: verification time \
             1700000000 (UNIX), but certificate is not valid after 1600000000 (100000000 seconds \
             ago); to fix: renew the mail server's certificate; if it is pinned in --ca-file, put \
             the new one there too"
        );
    }

    /// Known answer from the PROXY protocol specification's layout (section 2.2): an IPv4
    /// connection from 192.0.2.1:51000 to 198.51.100.2:443.
    #[test]
    fn proxy_v2_ipv4() {
        let header = proxy_v2_header(
            "192.0.2.1:51000".parse().unwrap(),
            "198.51.100.2:443".parse().unwrap(),
        );
        let expected: &[u8] = &[
            0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54,
            0x0a, // signature
            0x21, 0x11, 0x00, 0x0c, // v2 PROXY, TCP4, 12 bytes
            192, 0, 2, 1, 198, 51, 100, 2, // addresses
            0xc7, 0x38, 0x01, 0xbb, // ports 51000, 443
        ];
        assert_eq!(header, expected);
    }

    #[test]
    fn proxy_v2_mixed_families_use_ipv6() {
        let header = proxy_v2_header(
            "192.0.2.1:1".parse().unwrap(),
            "[2001:db8::1]:2".parse().unwrap(),
        );
        assert_eq!(&header[12..16], &[0x21, 0x21, 0x00, 36]);
        assert_eq!(
            &header[16..32],
            &"::ffff:192.0.2.1"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()
        );
        assert_eq!(header.len(), 16 + 36);
    }
}
