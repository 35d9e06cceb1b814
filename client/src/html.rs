//! The one way a message's HTML reaches the screen: as the `srcdoc` of a sandboxed iframe.
//!
//! Mail HTML is hostile until proven otherwise: scripts, event handlers, forms, tracking
//! pixels, CSS that fetches. Rather than sanitise it (an arms race), Petrel never lets it
//! into the app's document. The reading pane puts it in an `<iframe sandbox srcdoc>`:
//!
//! - [`SANDBOX`] grants neither `allow-scripts` nor `allow-same-origin`: no script runs (not
//!   `<script>`, not `onerror=`, not `javascript:` links), and the frame's origin is opaque,
//!   so it cannot reach the app, its storage or its WebSocket. No `allow-forms`, no
//!   `allow-top-navigation`. Links open in a new tab (`allow-popups`, with the popup out of
//!   the sandbox so the linked site works, and `<base target=_blank>`).
//! - [`document`] puts [`POLICY`] in a CSP `<meta>` before any of the mail's markup, so the
//!   frame loads nothing from the network: no remote images (tracking pixels), fonts or
//!   styles; `data:` images and inline styles only. A `srcdoc` frame also inherits the app's
//!   own CSP (served by the proxy), which keeps `frame-src` and `connect-src` to the app's
//!   origin even if the meta were lost.
//!
//! Plain Rust, so that the document is tested natively.

/// The iframe's `sandbox` attribute. Never add `allow-scripts` or `allow-same-origin`:
/// together they would let the mail remove its own sandbox.
pub const SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

/// The frame's own Content-Security-Policy: nothing from the network.
pub const POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'";

/// Defaults a mail's own styles override: the app's font rather than the browser's serif,
/// and images no wider than the pane (phones).
const BASE_STYLE: &str =
    "body{margin:0.75rem;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
     overflow-wrap:anywhere}img{max-width:100%;height:auto}";

/// The `srcdoc` for a message's HTML body: the policy first, then the mail's markup.
pub fn document(html: &str) -> String {
    format!(
        "<!doctype html><html><head>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\
         <meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"color-scheme\" content=\"light\">\
         <base target=\"_blank\">\
         <style>{BASE_STYLE}</style>\
         </head><body>{html}</body></html>"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_comes_before_the_mail() {
        let doc = document("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\"><img src=\"http://tracker.example/p.gif\">");
        let policy = doc.find(POLICY).unwrap();
        let mail = doc.find("tracker.example").unwrap();
        assert!(policy < mail);
        assert!(doc.starts_with(
            "<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\""
        ));
    }

    #[test]
    fn the_policy_loads_nothing_remote() {
        assert!(POLICY.starts_with("default-src 'none';"));
        for directive in POLICY.split(';') {
            assert!(!directive.contains("http"), "{directive}");
            assert!(!directive.contains('*'), "{directive}");
            assert!(!directive.contains("'self'"), "{directive}");
        }
    }

    #[test]
    fn the_sandbox_never_allows_scripts_or_the_app_origin() {
        let flags: Vec<&str> = SANDBOX.split_whitespace().collect();
        assert!(!flags.contains(&"allow-scripts"));
        assert!(!flags.contains(&"allow-same-origin"));
        assert!(!flags.contains(&"allow-top-navigation"));
        assert!(!flags.contains(&"allow-forms"));
    }
}
