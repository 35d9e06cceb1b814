//! The built web app, served from one directory: GET and HEAD only, no directory listing, no
//! way out of the directory, precompressed variants when the browser takes them, and cache
//! headers that let hashed assets live forever while `index.html` and the service worker are
//! always revalidated.

use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use futures_util::TryStreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};
use tokio_util::io::ReaderStream;

use super::{empty, text, Body};

/// A directory of static files.
#[derive(Debug, Clone)]
pub struct Site {
    /// Canonical, so that a resolved file can be checked to lie inside it after symlinks.
    root: PathBuf,
}

/// Encodings we look for beside a file, as (content coding, suffix of the file), best first:
/// `name.br`, then `name.gz`. `cargo xtask build` writes them.
const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

fn suffix_of(encoding: &str) -> &'static str {
    ENCODINGS
        .iter()
        .find(|(name, _)| *name == encoding)
        .map_or("", |(_, suffix)| suffix)
}

impl Site {
    /// The site in `root`, which must be a directory.
    pub fn new(root: &Path) -> io::Result<Self> {
        let root = root.canonicalize()?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(Self { root })
    }

    /// Answers a request for `path` (the URL path, still percent-encoded).
    pub async fn serve(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response<Body> {
        if method != Method::GET && method != Method::HEAD {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let Some(relative) = resolve(path) else {
            return text(StatusCode::NOT_FOUND, "not found\n");
        };
        let full = self.root.join(&relative);
        let Some(name) = relative.file_name().and_then(|n| n.to_str()) else {
            return text(StatusCode::NOT_FOUND, "not found\n");
        };
        let content_type = content_type(name);

        let mut chosen = None;
        for encoding in accepted_encodings(headers) {
            let suffix = suffix_of(encoding);
            let mut variant = full.clone().into_os_string();
            variant.push(suffix);
            if let Some(file) = self.open(Path::new(&variant)).await {
                chosen = Some((file, Some(encoding)));
                break;
            }
        }
        let (file, metadata, encoding) = match chosen {
            Some(((file, metadata), encoding)) => (file, metadata, encoding),
            None => match self.open(&full).await {
                Some((file, metadata)) => (file, metadata, None),
                None => return text(StatusCode::NOT_FOUND, "not found\n"),
            },
        };

        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let etag = format!(
            "\"{:x}-{:x}{}\"",
            metadata.len(),
            modified,
            encoding.map_or("", |e| &e[..1])
        );
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CACHE_CONTROL, cache_control(name))
            .header(header::ETAG, &etag)
            .header(header::VARY, "Accept-Encoding");
        if let Some(encoding) = encoding {
            response = response.header(header::CONTENT_ENCODING, encoding);
        }
        let not_modified = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|tag| tag.trim().trim_start_matches("W/") == etag)
            });
        let (status, body) = if not_modified {
            (StatusCode::NOT_MODIFIED, empty())
        } else if method == Method::HEAD {
            response = response.header(header::CONTENT_LENGTH, metadata.len());
            (StatusCode::OK, empty())
        } else {
            response = response.header(header::CONTENT_LENGTH, metadata.len());
            let stream = ReaderStream::new(file).map_ok(Frame::data);
            (
                StatusCode::OK,
                BodyExt::boxed_unsync(StreamBody::new(stream)),
            )
        };
        response
            .status(status)
            .body(body)
            .unwrap_or_else(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"))
    }

    /// Opens `path` if it is a regular file inside the root (after resolving symlinks).
    async fn open(&self, path: &Path) -> Option<(tokio::fs::File, std::fs::Metadata)> {
        let real = tokio::fs::canonicalize(path).await.ok()?;
        if !real.starts_with(&self.root) {
            return None;
        }
        let file = tokio::fs::File::open(&real).await.ok()?;
        let metadata = file.metadata().await.ok()?;
        metadata.is_file().then_some((file, metadata))
    }
}

/// Maps a URL path to a path relative to the root, or `None` if it could name anything
/// outside it or anything hidden. Each segment is percent-decoded on its own, so an encoded
/// `/` or `\` (`%2f`, `%5c`) can never join or split segments; `.`, `..`, empty segments,
/// dot files and NUL are refused rather than normalised.
pub fn resolve(path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(PathBuf::from("index.html"));
    }
    let mut relative = PathBuf::new();
    for raw in rest.split('/') {
        let segment = percent_decode(raw)?;
        if segment.is_empty()
            || segment.starts_with('.')
            || segment.contains(['/', '\\', '\0', ':'])
        {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The encodings of [`ENCODINGS`] that the request accepts, the one it prefers first: by
/// its quality values (RFC 9110 §12.5.3), ties going to our order (Brotli first: smaller).
/// A coding the request does not name takes the quality of `*` if it names that; `q=0`
/// refuses, and an item with a malformed quality is ignored.
fn accepted_encodings(headers: &HeaderMap) -> Vec<&'static str> {
    let mut named: [Option<u16>; ENCODINGS.len()] = [None; ENCODINGS.len()];
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let q = parts
                .find_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| quality(value.trim()))
                })
                .unwrap_or(Some(1000));
            let Some(q) = q else { continue };
            if coding == "*" {
                any = Some(q);
            } else if let Some(i) = ENCODINGS
                .iter()
                .position(|(name, _)| coding.eq_ignore_ascii_case(name))
            {
                named[i] = Some(q);
            }
        }
    }
    let mut ranked: Vec<(u16, usize)> = named
        .iter()
        .enumerate()
        .filter_map(|(i, q)| q.or(any).filter(|&q| q > 0).map(|q| (q, i)))
        .collect();
    ranked.sort_by_key(|&(q, i)| (std::cmp::Reverse(q), i));
    ranked.into_iter().map(|(_, i)| ENCODINGS[i].0).collect()
}

/// A quality value (`0`, `0.5`, `1.000`) in thousandths; `None` if it is not one.
fn quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The media type for a file name, by extension.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Hashed asset names (trunk's `app-1a2b3c4d5e6f7a8b_bg.wasm`) never change content and can
/// be cached for a year; everything else, notably `index.html` and the service worker, must
/// be revalidated so that a new release is picked up.
fn cache_control(name: &str) -> &'static str {
    // Trunk prints a u64 in hex without leading zeros, so one hash in sixteen has 15 digits
    // and one in 256 has 14; 12 or more hex digits is still no English word.
    const MIN_HASH_DIGITS: usize = 12;
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let hashed = stem
        .split(['-', '_'])
        .any(|part| part.len() >= MIN_HASH_DIGITS && part.bytes().all(|b| b.is_ascii_hexdigit()));
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn resolve_refuses_escapes() {
        assert_eq!(resolve("/"), Some(PathBuf::from("index.html")));
        assert_eq!(resolve("/app-1.wasm"), Some(PathBuf::from("app-1.wasm")));
        assert_eq!(
            resolve("/icons/a%20b.png"),
            Some(PathBuf::from("icons/a b.png"))
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/x",
            "/icons/..",
            "/icons/%2e%2e%2fx",
            "/..%2fetc%2fpasswd",
            "/..%5cx",
            "/a//b",
            "/.git/config",
            "/icons/",
            "/%00",
            "/%zz",
            "/%e9",
            "relative",
        ] {
            assert_eq!(resolve(bad), None, "{bad}");
        }
    }

    #[test]
    fn types_and_caching() {
        assert_eq!(
            content_type("petrel-client-0123456789abcdef_bg.wasm"),
            "application/wasm"
        );
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("manifest.webmanifest"),
            "application/manifest+json"
        );
        assert_eq!(content_type("README"), "application/octet-stream");
        assert_eq!(
            cache_control("petrel-client-0123456789abcdef_bg.wasm"),
            "public, max-age=31536000, immutable"
        );
        // Regression: trunk's hashes have no leading zeros, so 15 digits happen.
        assert_eq!(
            cache_control("petrel-client-123456789abcdef_bg.wasm"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_control("styles-0123456789abcdef.css"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert_eq!(cache_control("petrel-client.js"), "no-cache");
        assert_eq!(cache_control("sw.js"), "no-cache");
        // The store worker's files are named without a hash by trunk: revalidated, never
        // frozen for a year (the service worker's HASHED pattern skips them too).
        for worker in [
            "petrel-store-worker_bg.wasm",
            "petrel-store-worker.js",
            "petrel-store-worker_loader.js",
        ] {
            assert_eq!(cache_control(worker), "no-cache", "{worker}");
        }
    }

    #[test]
    fn encodings_respect_q_zero() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        assert_eq!(accepted_encodings(&h), vec!["gzip"]);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=0.5, gzip;q=0.0"),
        );
        assert_eq!(accepted_encodings(&h), vec!["br"]);
    }

    fn accepted(value: &'static str) -> Vec<&'static str> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        accepted_encodings(&h)
    }

    #[test]
    fn encodings_follow_the_request_preference() {
        // What Chromium sends: ours, Brotli first.
        assert_eq!(accepted("gzip, deflate, br, zstd"), ["br", "gzip"]);
        // Regression: `serve` took Brotli whenever it was accepted, even when gzip was
        // preferred (tests/integration/files.rs checks the response too).
        assert_eq!(accepted("gzip;q=1.0, br;q=0.5"), ["gzip", "br"]);
        assert_eq!(accepted("br;q=0.001, gzip;q=0.002"), ["gzip", "br"]);
        // Regression: `*` stands for every coding not named, and `Q` is `q`.
        assert_eq!(accepted("*"), ["br", "gzip"]);
        assert_eq!(accepted("gzip, *;q=0.1"), ["gzip", "br"]);
        assert_eq!(accepted("*, br;Q=0"), ["gzip"]);
        // Malformed quality values are ignored, not read as 1.
        assert_eq!(accepted("br;q=2, gzip;q=0.5x"), Vec::<&str>::new());
        assert_eq!(accepted("identity"), Vec::<&str>::new());
        assert_eq!(accepted(""), Vec::<&str>::new());
    }

    #[test]
    fn quality_values() {
        assert_eq!(quality("0"), Some(0));
        assert_eq!(quality("0.000"), Some(0));
        assert_eq!(quality("0.5"), Some(500));
        assert_eq!(quality("0.125"), Some(125));
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        for bad in ["", "1.5", "0.1234", "2", ".5", "0.-1", "-0"] {
            assert_eq!(quality(bad), None, "{bad:?}");
        }
    }
}
