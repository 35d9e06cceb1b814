//! Counters for `/metrics`, rendered in the Prometheus text format.
//!
//! A handful of atomics is all the proxy needs; a metrics crate would add a registry and
//! macros for the same output.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Why a connection or upgrade was refused, one counter each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `max_connections` reached.
    Connections,
    /// `max_sessions_per_address` reached.
    SessionsPerAddress,
    /// `upgrades_per_minute` exceeded.
    UpgradeRate,
    /// Request head larger than `max_header_bytes`.
    HeaderSize,
    /// Request head (or TLS handshake) not finished within the handshake timeout.
    HandshakeTimeout,
    /// A WebSocket frame or message larger than `max_message_bytes`.
    MessageSize,
    /// The Origin header was missing or not allowed.
    Origin,
}

impl Refusal {
    const ALL: [Refusal; 7] = [
        Refusal::Connections,
        Refusal::SessionsPerAddress,
        Refusal::UpgradeRate,
        Refusal::HeaderSize,
        Refusal::HandshakeTimeout,
        Refusal::MessageSize,
        Refusal::Origin,
    ];

    fn label(self) -> &'static str {
        match self {
            Refusal::Connections => "connections",
            Refusal::SessionsPerAddress => "sessions_per_address",
            Refusal::UpgradeRate => "upgrade_rate",
            Refusal::HeaderSize => "header_size",
            Refusal::HandshakeTimeout => "handshake_timeout",
            Refusal::MessageSize => "message_size",
            Refusal::Origin => "origin",
        }
    }
}

/// Upper bounds (seconds) of the upstream handshake time histogram.
const HANDSHAKE_BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// All counters of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Sessions open now.
    pub sessions_open: AtomicU64,
    /// Sessions started since the start.
    pub sessions_total: AtomicU64,
    /// Payload bytes from browsers to upstreams.
    pub bytes_to_upstream: AtomicU64,
    /// Payload bytes from upstreams to browsers.
    pub bytes_to_browser: AtomicU64,
    /// Upstream connections that failed (unreachable, TLS refused, timed out).
    pub upstream_errors: AtomicU64,
    refusals: [AtomicU64; Refusal::ALL.len()],
    handshake_buckets: [AtomicU64; HANDSHAKE_BUCKETS.len()],
    handshake_count: AtomicU64,
    handshake_micros: AtomicU64,
}

impl Metrics {
    /// Counts one refusal.
    pub fn refused(&self, why: Refusal) {
        self.refusals[why as usize].fetch_add(1, Relaxed);
    }

    /// How many refusals of this kind there were.
    pub fn refusals(&self, why: Refusal) -> u64 {
        self.refusals[why as usize].load(Relaxed)
    }

    /// Records how long a successful upstream connect and TLS handshake took.
    pub fn upstream_handshake(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (bucket, bound) in self.handshake_buckets.iter().zip(HANDSHAKE_BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.handshake_count.fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.handshake_micros.fetch_add(micros, Relaxed);
    }

    /// The Prometheus text exposition of all counters, plus the number of open TCP
    /// connections (which the connection limit keeps).
    pub fn render(&self, connections_open: usize) -> String {
        let mut out = String::with_capacity(2048);
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = write!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            );
        };
        metric(
            "petrel_proxy_connections_open",
            "gauge",
            "TCP connections open now (HTTP and WebSocket).",
            connections_open as u64,
        );
        metric(
            "petrel_proxy_sessions_open",
            "gauge",
            "WebSocket sessions open now.",
            self.sessions_open.load(Relaxed),
        );
        metric(
            "petrel_proxy_sessions_total",
            "counter",
            "WebSocket sessions started.",
            self.sessions_total.load(Relaxed),
        );
        metric(
            "petrel_proxy_bytes_to_upstream_total",
            "counter",
            "Payload bytes relayed from browsers to mail servers.",
            self.bytes_to_upstream.load(Relaxed),
        );
        metric(
            "petrel_proxy_bytes_to_browser_total",
            "counter",
            "Payload bytes relayed from mail servers to browsers.",
            self.bytes_to_browser.load(Relaxed),
        );
        metric(
            "petrel_proxy_upstream_errors_total",
            "counter",
            "Mail server connections that failed.",
            self.upstream_errors.load(Relaxed),
        );
        out.push_str("# HELP petrel_proxy_refusals_total Connections or sessions refused or closed by a limit.\n");
        out.push_str("# TYPE petrel_proxy_refusals_total counter\n");
        for why in Refusal::ALL {
            let _ = writeln!(
                out,
                "petrel_proxy_refusals_total{{limit=\"{}\"}} {}",
                why.label(),
                self.refusals(why)
            );
        }
        let name = "petrel_proxy_upstream_handshake_seconds";
        let _ = write!(
            out,
            "# HELP {name} Time to connect to a mail server and finish TLS.\n# TYPE {name} histogram\n"
        );
        for (bucket, bound) in self.handshake_buckets.iter().zip(HANDSHAKE_BUCKETS) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.handshake_count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.handshake_micros.load(Relaxed) as f64 / 1e6;
        let _ = write!(out, "{name}_sum {sum}\n{name}_count {count}\n");
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.upstream_handshake(Duration::from_millis(20));
        m.upstream_handshake(Duration::from_secs(2));
        let text = m.render(0);
        assert!(
            text.contains("petrel_proxy_upstream_handshake_seconds_bucket{le=\"0.01\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("petrel_proxy_upstream_handshake_seconds_bucket{le=\"0.025\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("petrel_proxy_upstream_handshake_seconds_bucket{le=\"5\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("petrel_proxy_upstream_handshake_seconds_count 2\n"),
            "{text}"
        );
        m.refused(Refusal::Origin);
        assert!(m
            .render(0)
            .contains("petrel_proxy_refusals_total{limit=\"origin\"} 1\n"));
    }
}
