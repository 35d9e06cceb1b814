//! The results table: rows of (workload, metric) with one value per decoder, derived ratio
//! rows, the goal checks, and the JSON written to `target/bench/codec.json`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use petrel_bench_codec::workload::Workload;
use petrel_bench_codec::{Decoder, DECODERS};

use crate::{Measurement, W5Outcome};

pub fn mib_per_s(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / t.as_secs_f64().max(1e-12)
}

/// Set when the binary (and with it the peers) was built below opt-level 3 while the
/// workspace builds `petrel-imap` at 3: the comparison would flatter Petrel.
pub fn profile_warning() -> Option<String> {
    let level = env!("BENCH_OPT_LEVEL");
    (level != "3").then(|| {
        format!(
            "warning: the peers are built at opt-level {level:?} while petrel-imap is at 3; \
             run with CARGO_PROFILE_RELEASE_OPT_LEVEL=3 for a fair comparison"
        )
    })
}

#[derive(Debug, Clone)]
struct Row {
    workload: String,
    metric: String,
    values: [Option<f64>; 4],
    notes: Vec<(&'static str, String)>,
}

#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
}

fn index(d: Decoder) -> usize {
    DECODERS.iter().position(|x| *x == d).unwrap_or_default()
}

impl Table {
    fn row(&mut self, workload: &str, metric: &str) -> &mut Row {
        let pos = match self
            .rows
            .iter()
            .position(|r| r.workload == workload && r.metric == metric)
        {
            Some(pos) => pos,
            None => {
                self.rows.push(Row {
                    workload: workload.to_string(),
                    metric: metric.to_string(),
                    values: [None; 4],
                    notes: Vec::new(),
                });
                self.rows.len() - 1
            }
        };
        &mut self.rows[pos]
    }

    fn set(&mut self, workload: &str, metric: &str, d: Decoder, v: Option<f64>) {
        self.row(workload, metric).values[index(d)] = v;
    }

    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    pub fn add(&mut self, label: &str, w: &Workload, d: Decoder, m: Result<Measurement, String>) {
        match m {
            Ok(m) => {
                self.set(label, "MiB/s", d, Some(mib_per_s(w.bytes.len(), m.median)));
                self.set(
                    label,
                    "allocs/response",
                    d,
                    Some(m.allocations as f64 / w.responses.max(1) as f64),
                );
                self.set(
                    label,
                    "peak heap KiB",
                    d,
                    Some(m.peak_bytes as f64 / 1024.0),
                );
                if label.starts_with("W2") {
                    let drift = m.chunk_cost_drift;
                    self.set(
                        label,
                        "chunk cost last/first tenth, mean",
                        d,
                        drift.map(|d| d.0),
                    );
                    self.set(
                        label,
                        "chunk cost last/first tenth, median",
                        d,
                        drift.map(|d| d.1),
                    );
                }
            }
            Err(e) => {
                for metric in ["MiB/s", "allocs/response", "peak heap KiB"] {
                    self.set(label, metric, d, None);
                }
                self.row(label, "MiB/s").notes.push((d.name(), e));
            }
        }
    }

    pub fn add_w5(&mut self, label: &str, d: Decoder, o: W5Outcome) {
        self.set(
            label,
            "peak heap KiB",
            d,
            o.peak_bytes.map(|b| b as f64 / 1024.0),
        );
        self.set(label, "seconds", d, o.secs);
        self.row(label, "peak heap KiB")
            .notes
            .push((d.name(), o.detail));
    }

    pub fn add_wasm(&mut self, rows: Vec<WasmResult>) {
        for (label, d, r) in rows {
            match r {
                Ok(v) => self.set(&label, "MiB/s", d, Some(v)),
                Err(e) => {
                    self.set(&label, "MiB/s", d, None);
                    self.row(&label, "MiB/s").notes.push((d.name(), e));
                }
            }
        }
    }

    /// Adds the rows computed from the measured ones: Petrel's speed over each peer's, and
    /// how much slower each decoder is chunked than whole on W3.
    fn derive(&self) -> Vec<Row> {
        let mut out = Vec::new();
        for r in self.rows.iter().filter(|r| r.metric == "MiB/s") {
            let mut ratio = r.clone();
            ratio.metric = String::from("petrel speedup (x)");
            ratio.notes.clear();
            let petrel = r.values[0];
            for (i, v) in ratio.values.iter_mut().enumerate() {
                *v = match (petrel, r.values[i]) {
                    (Some(p), Some(x)) if x > 0.0 => Some(p / x),
                    _ => None,
                };
            }
            out.push(ratio);
        }
        let whole = self
            .rows
            .iter()
            .find(|r| r.workload == "W3 whole" && r.metric == "MiB/s");
        let chunked = self
            .rows
            .iter()
            .find(|r| r.workload == "W3 chunked" && r.metric == "MiB/s");
        if let (Some(w), Some(c)) = (whole, chunked) {
            let mut values = [None; 4];
            for (i, v) in values.iter_mut().enumerate() {
                if let (Some(w), Some(c)) = (w.values[i], c.values[i]) {
                    *v = Some(w / c);
                }
            }
            out.push(Row {
                workload: String::from("W3"),
                metric: String::from("chunked time / whole time"),
                values,
                notes: Vec::new(),
            });
        }
        out
    }

    fn all_rows(&self) -> Vec<Row> {
        let mut rows = self.rows.clone();
        let derived = self.derive();
        // Each speedup row goes right under its throughput row.
        for d in derived {
            let at = rows
                .iter()
                .rposition(|r| r.workload == d.workload)
                .map_or(rows.len(), |p| p + 1);
            rows.insert(at, d);
        }
        rows
    }

    fn value(&self, workload: &str, metric: &str, i: usize) -> Option<f64> {
        self.all_rows()
            .into_iter()
            .find(|r| r.workload == workload && r.metric == metric)?
            .values[i]
    }

    fn goals(&self) -> Vec<String> {
        let mut out = Vec::new();
        let check = |ok: bool| if ok { "PASS" } else { "FAIL" };
        for label in ["W1 whole", "W1 chunked"] {
            let speedup = (1..4)
                .filter_map(|i| self.value(label, "petrel speedup (x)", i))
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
            match speedup {
                Some(s) => out.push(format!(
                    "{} {label}: {s:.2}x the fastest peer (goal >= 1.5x)",
                    check(s >= 1.5)
                )),
                None => out.push(format!("FAIL {label}: no speedup measured")),
            }
            match self.value(label, "allocs/response", 0) {
                Some(a) => out.push(format!(
                    "{} {label}: {a:.2} allocations per message (goal <= 4)",
                    check(a <= 4.0)
                )),
                None => out.push(format!("FAIL {label}: petrel allocations not measured")),
            }
        }
        match self.value("W3", "chunked time / whole time", 0) {
            Some(r) => out.push(format!(
                "{} W3: chunked takes {r:.2}x the whole time (goal <= 1.3x)",
                check(r <= 1.3)
            )),
            None => out.push(String::from("FAIL W3: chunked/whole not measured")),
        }
        let mean = self.value("W2 chunked", "chunk cost last/first tenth, mean", 0);
        match (
            mean,
            self.value("W2 chunked", "chunk cost last/first tenth, median", 0),
        ) {
            (Some(mean), Some(r)) => out.push(format!(
                "{} W2: a typical chunk in the last tenth costs {r:.2}x one in the first \
                 ({mean:.2}x on average) (goal: flat, median <= 1.5x)",
                check(r <= 1.5)
            )),
            _ => out.push(String::from("FAIL W2: per-chunk cost not measured")),
        }
        for r in self
            .rows
            .iter()
            .filter(|r| r.workload.starts_with("W5") && r.metric == "peak heap KiB")
        {
            let detail = r
                .notes
                .iter()
                .find(|(n, _)| *n == "petrel")
                .map_or("", |(_, d)| d.as_str());
            let peak = r.values[0].map_or(String::from("?"), |k| format!("{k:.0} KiB"));
            // Bounded: less than the 16 MiB the 4 GiB case sends, so nothing is kept whole.
            let bounded = r.values[0].is_some_and(|k| k < 16.0 * 1024.0);
            out.push(format!(
                "{} {}: petrel peak {peak} (goal < 16 MiB, no crash), {detail}",
                check(bounded && !detail.starts_with("crashed")),
                r.workload
            ));
        }
        out
    }

    pub fn any_petrel_failure(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.metric == "MiB/s" && r.values[0].is_none())
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = write!(s, "\n{:<44} {:<28}", "workload", "metric");
        for d in DECODERS {
            let _ = write!(s, " {:>17}", d.name());
        }
        s.push('\n');
        for r in self.all_rows() {
            let _ = write!(s, "{:<44} {:<28}", r.workload, r.metric);
            for v in r.values {
                match v {
                    Some(v) if v.abs() >= 100.0 => {
                        let _ = write!(s, " {v:>17.0}");
                    }
                    Some(v) => {
                        let _ = write!(s, " {v:>17.2}");
                    }
                    None => {
                        let _ = write!(s, " {:>17}", "null");
                    }
                }
            }
            s.push('\n');
            for (who, note) in &r.notes {
                let _ = writeln!(s, "    {who}: {note}");
            }
        }
        s.push_str(
            "\nchunked: petrel feeds its decoder; imap-codec uses its Fragmentizer (as imap-next \
             does); imap-proto appends to a buffer and re-parses the pending response from its \
             start (as async-imap does). Allocations count reallocations too.\n",
        );
        s.push_str("\ngoals:\n");
        for g in self.goals() {
            let _ = writeln!(s, "  {g}");
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        if let Some(w) = profile_warning() {
            let _ = writeln!(s, "{w}");
        }
        s
    }

    pub fn json(&self) -> String {
        let mut s = String::from("[\n");
        let rows = self.all_rows();
        for (n, r) in rows.iter().enumerate() {
            let _ = write!(
                s,
                "  {{\"workload\": {}, \"metric\": {}",
                json_str(&r.workload),
                json_str(&r.metric)
            );
            for (i, d) in DECODERS.iter().enumerate() {
                match r.values[i] {
                    Some(v) if v.is_finite() => {
                        let _ = write!(s, ", {}: {v:.3}", json_str(d.name()));
                    }
                    _ => {
                        let _ = write!(s, ", {}: null", json_str(d.name()));
                    }
                }
            }
            if !r.notes.is_empty() {
                s.push_str(", \"notes\": {");
                for (k, (who, note)) in r.notes.iter().enumerate() {
                    let _ = write!(
                        s,
                        "{}{}: {}",
                        if k > 0 { ", " } else { "" },
                        json_str(who),
                        json_str(note)
                    );
                }
                s.push('}');
            }
            s.push('}');
            s.push_str(if n + 1 < rows.len() { ",\n" } else { "\n" });
        }
        s.push_str("]\n");
        s
    }
}

/// One decoder's W1 figure from Node: the row label, and MiB/s or why there is none.
pub type WasmResult = (String, Decoder, Result<f64, String>);

fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Builds the wasm32 module with every decoder at opt-level 3 (so Petrel and the peers are
/// compiled the same way) in a target directory of its own, then times W1 under Node.
pub fn wasm_w1(quick: bool) -> Result<Vec<WasmResult>, String> {
    let root = crate::workspace_root();
    let target_dir = root.join("target/bench/wasm-build");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "petrel-bench-codec",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("wasm32 build failed ({status}); is the target installed (rustup target add wasm32-unknown-unknown)?"));
    }
    let wasm = target_dir.join("wasm32-unknown-unknown/release/petrel_bench_codec.wasm");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wasm/run.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(&wasm)
        .arg(if quick { "--quick" } else { "--full" })
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "node failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // Each line: `<decoder> <whole|chunked> <MiB/s or error text>`.
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.splitn(3, ' ');
        let (Some(name), Some(mode), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(d) = DECODERS.into_iter().find(|d| d.name() == name) else {
            continue;
        };
        let label = format!("W1 {mode} (wasm32, Node {})", node_version());
        rows.push((
            label,
            d,
            value.parse::<f64>().map_err(|_| value.to_string()),
        ));
    }
    if rows.is_empty() {
        return Err(String::from("node printed no results"));
    }
    Ok(rows)
}

fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
