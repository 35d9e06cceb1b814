//! The web app's files: types, caching, precompression, security headers, no escapes.

use crate::common::*;

fn site() -> std::path::PathBuf {
    let dir = temp_dir("www");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Petrel</title>",
    )
    .unwrap();
    std::fs::write(
        dir.join("petrel-client-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(
        dir.join("petrel-client-0123456789abcdef.js"),
        "export default 1;",
    )
    .unwrap();
    std::fs::write(dir.join("petrel-client-0123456789abcdef.js.br"), "BROTLI").unwrap();
    std::fs::write(dir.join("petrel-client-0123456789abcdef.js.gz"), "GZIP").unwrap();
    std::fs::write(dir.join("sw.js"), "self.x = 1;").unwrap();
    std::fs::write(dir.join("manifest.webmanifest"), "{}").unwrap();
    std::fs::create_dir_all(dir.join("icons")).unwrap();
    std::fs::write(dir.join("icons/icon.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join(".secret"), "hidden").unwrap();
    // Something outside the web root that escapes must not reach.
    std::fs::write(
        dir.parent().unwrap().join("petrel-proxy-outside.txt"),
        "outside",
    )
    .unwrap();
    dir
}

async fn proxy_with_site() -> Proxy {
    let pki = pki(&["127.0.0.1"]);
    let mut config = config("127.0.0.1:9".parse().unwrap(), &pki);
    config.www = Some(site());
    Proxy::start(config).await
}

#[tokio::test]
async fn index_and_content_types() {
    let proxy = proxy_with_site().await;
    let index = get(proxy.address, "/", &[]).await;
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    assert!(index.body_text().contains("Petrel"));
    let csp = index.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(
        csp.contains(&format!(
            "connect-src 'self' ws://{0} wss://{0}",
            proxy.address
        )),
        "{csp}"
    );
    // No inline script, ever. Inline styles are allowed on purpose: the sandboxed srcdoc
    // frame that shows a mail's HTML inherits this policy (see `security_headers`).
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap();
    assert_eq!(script_src, "script-src 'self' 'wasm-unsafe-eval'", "{csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
    assert!(csp.contains("style-src 'self' 'unsafe-inline';"), "{csp}");
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(index.header("referrer-policy"), Some("no-referrer"));

    let wasm = get(
        proxy.address,
        "/petrel-client-0123456789abcdef_bg.wasm",
        &[],
    )
    .await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    let sw = get(proxy.address, "/sw.js", &[]).await;
    assert_eq!(
        sw.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(sw.header("cache-control"), Some("no-cache"));
    let manifest = get(proxy.address, "/manifest.webmanifest", &[]).await;
    assert_eq!(
        manifest.header("content-type"),
        Some("application/manifest+json")
    );
    let icon = get(proxy.address, "/icons/icon.svg", &[]).await;
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
}

#[tokio::test]
async fn precompressed_variants_and_revalidation() {
    let proxy = proxy_with_site().await;
    let path = "/petrel-client-0123456789abcdef.js";
    let br = get(proxy.address, path, &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, b"BROTLI");
    assert_eq!(
        br.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(br.header("vary"), Some("Accept-Encoding"));
    assert_eq!(br.header("content-length"), Some("6"));
    let gzip = get(proxy.address, path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.body, b"GZIP");
    assert_eq!(gzip.header("content-length"), Some("4"));
    assert_ne!(gzip.header("etag"), br.header("etag"));
    // Regression: Brotli was sent whenever accepted, even when the request preferred gzip.
    let preferred = get(
        proxy.address,
        path,
        &[("accept-encoding", "br;q=0.5, gzip;q=1")],
    )
    .await;
    assert_eq!(preferred.header("content-encoding"), Some("gzip"));
    let plain = get(proxy.address, path, &[("accept-encoding", "deflate")]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, b"export default 1;");
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));

    let etag = plain.header("etag").unwrap().to_owned();
    let again = get(proxy.address, path, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    let head = request(proxy.address, "HEAD", "/", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = request(proxy.address, "POST", "/", &[("content-length", "0")]).await;
    assert_eq!(post.status, 405);
}

#[tokio::test]
async fn no_escape_no_listing_no_hidden_files() {
    let proxy = proxy_with_site().await;
    for path in [
        "/../petrel-proxy-outside.txt",
        "/%2e%2e/petrel-proxy-outside.txt",
        "/%2E%2E%2Fpetrel-proxy-outside.txt",
        "/icons/..%2f..%2fpetrel-proxy-outside.txt",
        "/icons/%2e%2e/%2e%2e/petrel-proxy-outside.txt",
        "/..%5cpetrel-proxy-outside.txt",
        "/icons/",
        "/icons",
        "/.secret",
        "/%2esecret",
        "//etc/passwd",
        "/index.html%00.png",
    ] {
        let response = get(proxy.address, path, &[]).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body_text());
        assert!(!response.body_text().contains("outside"), "{path}");
        assert!(!response.body_text().contains("hidden"), "{path}");
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let proxy = proxy_with_site().await;
    let health = get(proxy.address, "/healthz", &[]).await;
    assert_eq!((health.status, health.body_text().as_str()), (200, "ok\n"));
    let metrics = get(proxy.address, "/metrics", &[]).await;
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    // This request's own connection is open.
    assert!(metrics
        .body_text()
        .contains("petrel_proxy_connections_open 1\n"));
    for name in [
        "petrel_proxy_sessions_open",
        "petrel_proxy_sessions_total",
        "petrel_proxy_bytes_to_upstream_total",
        "petrel_proxy_bytes_to_browser_total",
        "petrel_proxy_upstream_errors_total",
        "petrel_proxy_refusals_total{limit=\"origin\"}",
        "petrel_proxy_upstream_handshake_seconds_bucket",
    ] {
        assert!(metrics.body_text().contains(name), "{name}");
    }
}
