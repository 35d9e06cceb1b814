//! The HTTP side: routing of one request to the app's files, `/healthz`, `/metrics`, or a
//! WebSocket upgrade at an upstream's name, and the admission checks an upgrade must pass
//! (Origin, rate, sessions per address).

pub mod files;

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use crate::bridge::{self, Session};
use crate::limits::ConnectionSlot;
use crate::metrics::Refusal;
use crate::server::Shared;
use crate::upstream::Connector;

/// Every response body: file streams, small texts, nothing.
pub type Body = UnsyncBoxBody<Bytes, io::Error>;

/// What the request handler knows about the connection a request came on.
#[derive(Debug)]
pub struct Connection {
    /// The TCP peer.
    pub peer: SocketAddr,
    /// Our address the peer connected to.
    pub local: SocketAddr,
    /// Whether the proxy itself terminated TLS.
    pub tls: bool,
    /// The connection's slot; a session keeps it after the HTTP connection hands over.
    pub slot: Arc<ConnectionSlot>,
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A short plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from_static(body.as_bytes()))
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Answers one request. Never fails: every problem is a status code.
pub async fn handle(
    mut request: Request<Incoming>,
    connection: Arc<Connection>,
    shared: Arc<Shared>,
) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().to_owned();
    let mut response = match path.as_str() {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/metrics" => {
            let mut response = Response::new(
                Full::new(Bytes::from(
                    shared.metrics.render(shared.limits.open_connections()),
                ))
                .map_err(|never| match never {})
                .boxed_unsync(),
            );
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        }
        "/imap" => upgrade(
            &mut request,
            "imap",
            shared.imap.clone(),
            &connection,
            &shared,
        ),
        "/smtp" => match shared.smtp.clone() {
            Some(smtp) => upgrade(&mut request, "smtp", smtp, &connection, &shared),
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        },
        _ => match &shared.site {
            Some(site) => site.serve(request.method(), &path, request.headers()).await,
            None => text(StatusCode::NOT_FOUND, "not found\n"),
        },
    };
    security_headers(response.headers_mut(), request.headers());
    Ok(response)
}

/// Headers for every response. The CSP allows the app's own scripts and WebAssembly
/// (`'wasm-unsafe-eval'`), no inline script, and connections only to this origin; `ws:` and
/// `wss:` to the same host are listed too because older browsers do not count them as `'self'`.
/// Workers (the store worker, the service worker) come from this origin only: `worker-src`
/// would fall back to `script-src` anyway, but said outright it survives a change there. A
/// worker's script response carries this same policy, which is what lets the store worker
/// compile its WebAssembly (`'wasm-unsafe-eval'`).
///
/// Inline styles are allowed (`style-src 'unsafe-inline'`) for one reason: the app shows a
/// message's HTML in a sandboxed `srcdoc` frame, and a `srcdoc` document inherits this
/// policy, so without it every `style=` and `<style>` of a mail would be dropped and most mail
/// would render unstyled. It cannot load anything (`img-src`, `font-src` and `connect-src`
/// stay on this origin, and the frame adds its own `default-src 'none'`), and the app itself
/// never renders markup it did not build (Yew escapes text), so the only cost is CSS
/// injection into a document nobody can inject into. Scripts stay `'self'` only.
fn security_headers(headers: &mut HeaderMap, request: &HeaderMap) {
    let host = request
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_plain_host(h));
    let connect = match host {
        Some(host) => format!("connect-src 'self' ws://{host} wss://{host}"),
        None => "connect-src 'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         {connect}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// A host[:port] made only of characters that cannot change the meaning of a CSP.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// Checks an upgrade request and, if it passes, answers `101` and starts the session in
/// the background once hyper hands over the connection.
fn upgrade(
    request: &mut Request<Incoming>,
    name: &'static str,
    connector: Connector,
    connection: &Arc<Connection>,
    shared: &Arc<Shared>,
) -> Response<Body> {
    let headers = request.headers();
    if request.method() != Method::GET {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "websocket upgrade needs GET\n",
        );
    }
    let is_upgrade = has_token(headers, header::CONNECTION, "upgrade")
        && has_token(headers, header::UPGRADE, "websocket");
    let Some(key) = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .filter(|_| is_upgrade)
    else {
        return text(
            StatusCode::UPGRADE_REQUIRED,
            "this address only takes websocket upgrades\n",
        );
    };
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        let mut response = text(
            StatusCode::UPGRADE_REQUIRED,
            "websocket version 13 required\n",
        );
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return response;
    }
    let trusted = shared
        .config
        .trusted_proxies
        .contains(&connection.peer.ip());
    let client = client_address(headers, connection.peer, trusted);
    if !origin_allowed(
        headers,
        connection.tls,
        trusted,
        &shared.config.allowed_origins,
    ) {
        shared.metrics.refused(Refusal::Origin);
        tracing::info!(%client, upstream = name, "upgrade refused: origin not allowed");
        return text(StatusCode::FORBIDDEN, "origin not allowed\n");
    }
    if !shared.limits.upgrade(client.ip(), Instant::now()) {
        shared.metrics.refused(Refusal::UpgradeRate);
        tracing::info!(%client, upstream = name, "upgrade refused: rate limit");
        return text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many connection attempts, try again in a minute\n",
        );
    }
    let Some(session_slot) = shared.limits.session(client.ip()) else {
        shared.metrics.refused(Refusal::SessionsPerAddress);
        tracing::info!(%client, upstream = name, "upgrade refused: sessions per address");
        return text(
            StatusCode::TOO_MANY_REQUESTS,
            "too many open sessions from this address\n",
        );
    };
    let accept = derive_accept_key(key.as_bytes());
    // A browser that asked for subprotocols fails the connection unless one is chosen;
    // the upstream's name is the only one we speak.
    let protocol = has_token(headers, header::SEC_WEBSOCKET_PROTOCOL, name);

    let on_upgrade = hyper::upgrade::on(request);
    let shared_task = Arc::clone(shared);
    // The session holds the connection's slot until it ends, although hyper is done with
    // the connection once it hands it over.
    let connection_slot = Arc::clone(&connection.slot);
    let local = connection.local;
    shared.tracker.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%client, %error, "upgrade did not complete");
                return;
            }
        };
        let config = bridge::websocket_config(shared_task.config.limits.max_message_bytes);
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let timeouts = &shared_task.config.timeouts;
        bridge::run(
            ws,
            Session {
                client,
                local,
                name,
                connector: &connector,
                upstream_timeout: timeouts.upstream,
                idle_timeout: timeouts.idle,
                ping_interval: timeouts.ping_interval,
                closing: &shared_task.closing,
                metrics: &shared_task.metrics,
            },
        )
        .await;
        drop(session_slot);
        drop(connection_slot);
    });

    let mut response = Response::new(empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    if protocol {
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(name),
        );
    }
    response
}

/// Whether a comma-separated header contains `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// The browser's address: the TCP peer, or the last `X-Forwarded-For` entry if the peer is
/// a trusted reverse proxy (the last one is the address that proxy saw; earlier entries
/// came from the client and prove nothing).
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trusted: bool) -> SocketAddr {
    if !trusted {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    match forwarded {
        Some(ip) => SocketAddr::new(ip, 0),
        None => peer,
    }
}

/// Cross-site WebSocket hijacking defence: the `Origin` must be present and be exactly the
/// proxy's own origin (scheme of the listener, or of the trusted reverse proxy's
/// `X-Forwarded-Proto`; host from the trusted reverse proxy's `X-Forwarded-Host`, or the
/// `Host` header) or one of the configured extra origins.
pub fn origin_allowed(headers: &HeaderMap, tls: bool, trusted: bool, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
        return true;
    }
    // Behind a trusted reverse proxy (nginx without `proxy_set_header Host`, `trunk serve`)
    // the host the browser used is in X-Forwarded-Host.
    let forwarded_host = trusted
        .then(|| {
            headers
                .get("x-forwarded-host")
                .and_then(|h| h.to_str().ok())
        })
        .flatten()
        .and_then(|h| h.rsplit(',').next())
        .map(str::trim);
    let Some(host) =
        forwarded_host.or_else(|| headers.get(header::HOST).and_then(|h| h.to_str().ok()))
    else {
        return false;
    };
    let forwarded_https = trusted
        && headers
            .get("x-forwarded-proto")
            .is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if tls || forwarded_https {
        "https"
    } else {
        "http"
    };
    origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
        .is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn own_origin_by_scheme_and_host() {
        let h = headers(&[
            ("host", "mail.example.org"),
            ("origin", "https://mail.example.org"),
        ]);
        assert!(origin_allowed(&h, true, false, &[]));
        assert!(!origin_allowed(&h, false, false, &[]));
        let h = headers(&[
            ("host", "mail.example.org"),
            ("origin", "https://mail.example.org"),
            ("x-forwarded-proto", "https"),
        ]);
        assert!(origin_allowed(&h, false, true, &[]));
        assert!(
            !origin_allowed(&h, false, false, &[]),
            "untrusted X-Forwarded-Proto ignored"
        );
        let h = headers(&[
            ("host", "mail.example.org"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!origin_allowed(&h, true, false, &[]));
        let h = headers(&[("host", "mail.example.org")]);
        assert!(!origin_allowed(&h, true, false, &[]), "missing origin");
        let h = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8081"),
        ]);
        assert!(origin_allowed(
            &h,
            false,
            false,
            &["http://127.0.0.1:8081".to_owned()]
        ));
        // `trunk serve` on 8081 forwarding to the proxy on 8080.
        let h = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8081"),
            ("x-forwarded-host", "127.0.0.1:8081"),
            ("x-forwarded-proto", "http"),
        ]);
        assert!(origin_allowed(&h, false, true, &[]));
        assert!(
            !origin_allowed(&h, false, false, &[]),
            "untrusted X-Forwarded-Host ignored"
        );
        let h = headers(&[("host", "a.example"), ("origin", "http://a.example.evil")]);
        assert!(!origin_allowed(&h, false, false, &[]));
    }

    #[test]
    fn forwarded_for_only_from_trusted_peers() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
        assert_eq!(
            client_address(&h, peer, true).ip(),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(&h, peer, false), peer);
        let h = headers(&[("x-forwarded-for", "garbage")]);
        assert_eq!(client_address(&h, peer, true), peer);
    }

    /// Mail HTML in the app's `srcdoc` frame inherits this policy: inline styles must pass,
    /// inline scripts and remote loads must not.
    #[test]
    fn csp_allows_inline_styles_but_no_inline_script_or_remote_loads() {
        let mut out = HeaderMap::new();
        security_headers(&mut out, &headers(&[("host", "mail.example.org")]));
        let csp = out[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.split_whitespace().next() == Some(name))
                .unwrap_or_else(|| panic!("no {name} in {csp}"))
        };
        assert_eq!(directive("style-src"), "style-src 'self' 'unsafe-inline'");
        assert_eq!(
            directive("script-src"),
            "script-src 'self' 'wasm-unsafe-eval'"
        );
        assert_eq!(directive("img-src"), "img-src 'self' data:");
        assert_eq!(directive("worker-src"), "worker-src 'self'");
        assert_eq!(directive("default-src"), "default-src 'self'");
        assert!(
            !csp.contains("frame-src") && !csp.contains("child-src"),
            "{csp}"
        );
    }

    #[test]
    fn csp_host_must_be_plain() {
        assert!(is_plain_host("mail.example.org:8443"));
        assert!(is_plain_host("[::1]:8080"));
        assert!(!is_plain_host("x; script-src *"));
        assert!(!is_plain_host(""));
    }
}
