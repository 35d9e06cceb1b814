//! The results: a table with ratios for people, JSON rows for tools, and the goals.

use serde_json::{json, Map, Value};

use crate::measures::Sizes;

/// Everything measured for one target; `None` where a measure failed or does not apply
/// (a direct connection has no bridge whose memory could be read).
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub bulk: Option<f64>,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub idle_kib: Option<f64>,
    pub churn: Option<f64>,
}

impl Column {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            bulk: None,
            p50: None,
            p99: None,
            idle_kib: None,
            churn: None,
        }
    }
}

/// One measure across all targets, in column order.
#[derive(Debug)]
pub struct Row {
    pub measure: &'static str,
    pub metric: &'static str,
    pub values: Vec<(&'static str, Option<f64>)>,
}

impl Row {
    fn value(&self, name: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }
}

pub fn rows(columns: &[Column]) -> Vec<Row> {
    let row = |measure, metric, pick: fn(&Column) -> Option<f64>| Row {
        measure,
        metric,
        values: columns.iter().map(|c| (c.name, pick(c))).collect(),
    };
    vec![
        row("bulk", "MiB/s", |c| c.bulk),
        row("round trip p50", "µs", |c| c.p50),
        row("round trip p99", "µs", |c| c.p99),
        row("idle", "KiB/connection", |c| c.idle_kib),
        row("churn", "sessions/s", |c| c.churn),
    ]
}

/// Rows such as `{"measure": "bulk", "metric": "MiB/s", "direct": 900.0, ...}`; a value that
/// was not measured is `null`.
pub fn json(rows: &[Row]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut object = Map::new();
                object.insert("measure".into(), json!(row.measure));
                object.insert("metric".into(), json!(row.metric));
                for (name, value) in &row.values {
                    let rounded = value.map(|v| (v * 10.0).round() / 10.0);
                    object.insert((*name).into(), json!(rounded));
                }
                Value::Object(object)
            })
            .collect(),
    )
}

pub fn table(rows: &[Row], sizes: &Sizes) -> String {
    let mut out = format!(
        "proxy bench: bulk {} MiB x{}, {} round trips, {} idle sessions, churn {} s x{} clients\n",
        sizes.bulk_messages,
        sizes.bulk_runs,
        sizes.round_trips,
        sizes.idle_sessions,
        sizes.churn_for.as_secs(),
        sizes.churn_workers
    );
    let names: Vec<&str> = rows
        .first()
        .map(|r| r.values.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    out.push_str(&format!("{:<16} {:<16}", "measure", "metric"));
    for name in &names {
        out.push_str(&format!(" {name:>11}"));
    }
    for name in names.iter().filter(|n| **n != "petrel") {
        out.push_str(&format!(" {:>14}", format!("petrel/{name}")));
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("{:<16} {:<16}", row.measure, row.metric));
        for (_, value) in &row.values {
            out.push_str(&format!(
                " {:>11}",
                value.map_or("-".into(), |v| format!("{v:.1}"))
            ));
        }
        let petrel = row.value("petrel");
        for name in names.iter().filter(|n| **n != "petrel") {
            let ratio = match (petrel, row.value(name)) {
                (Some(p), Some(o)) if o > 0.0 => format!("{:.2}x", p / o),
                _ => "-".into(),
            };
            out.push_str(&format!(" {ratio:>14}"));
        }
        out.push('\n');
    }
    out.push_str("(ratios are petrel's value over the other's; for bulk and churn higher is better, for round trip and idle lower is)\n");
    out.push_str(&format!(
        "(idle is PSS growth of the bridge's process tree per session; websockify forks a process per connection and is measured with at most {} sessions)",
        crate::peers::WEBSOCKIFY_IDLE_SESSIONS
    ));
    out
}

/// The goals, each with the figures it was judged on.
pub fn goals(rows: &[Row]) -> Vec<String> {
    let find = |measure: &str| rows.iter().find(|r| r.measure == measure);
    let get = |measure: &str, name: &str| find(measure).and_then(|r| r.value(name));
    let verdict = |ok: Option<bool>| match ok {
        Some(true) => "PASS",
        Some(false) => "FAIL",
        None => "NOT MEASURED",
    };
    let bulk = (
        get("bulk", "petrel"),
        get("bulk", "direct"),
        get("bulk", "websockify"),
    );
    let p50 = (
        get("round trip p50", "petrel"),
        get("round trip p50", "direct"),
    );
    let idle = get("idle", "petrel");
    let churn = (get("churn", "petrel"), get("churn", "websockify"));
    let both = |a: Option<f64>, b: Option<f64>| a.zip(b);
    vec![
        format!(
            "goal bulk >= 90% of direct: {} ({})",
            verdict(both(bulk.0, bulk.1).map(|(p, d)| p >= 0.9 * d)),
            both(bulk.0, bulk.1).map_or("-".into(), |(p, d)| format!("{:.0}%", 100.0 * p / d))
        ),
        format!(
            "goal bulk >= 3x websockify: {} ({})",
            verdict(both(bulk.0, bulk.2).map(|(p, w)| p >= 3.0 * w)),
            both(bulk.0, bulk.2).map_or("-".into(), |(p, w)| format!("{:.2}x", p / w))
        ),
        format!(
            "goal added p50 round trip <= 50 µs: {} ({})",
            verdict(both(p50.0, p50.1).map(|(p, d)| p - d <= 50.0)),
            both(p50.0, p50.1).map_or("-".into(), |(p, d)| format!("{:+.1} µs", p - d))
        ),
        format!(
            "goal idle <= 48 KiB per connection: {} ({})",
            verdict(idle.map(|k| k <= 48.0)),
            idle.map_or("-".into(), |k| format!("{k:.1} KiB"))
        ),
        format!(
            "goal churn >= 10x websockify: {} ({})",
            verdict(both(churn.0, churn.1).map(|(p, w)| p >= 10.0 * w)),
            both(churn.0, churn.1).map_or("-".into(), |(p, w)| format!("{:.2}x", p / w))
        ),
    ]
}
