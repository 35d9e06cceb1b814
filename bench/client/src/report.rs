//! The results: medians per measure, a table with ratios and the goals for people,
//! JSON rows for tools.

use serde_json::{json, Map, Value};

/// What Petrel should reach on one measure (issue 10, "Benchmark").
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// Petrel at most this fraction of Roundcube's figure in the same run.
    Ratio(f64),
    /// Petrel at most this value, in the measure's unit.
    AtMost(f64),
    None,
}

/// One measure of the table: the key the browser script reports it under, and its goal.
#[derive(Debug)]
pub struct Measure {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// Divides the raw samples (milliseconds, bytes, seconds...) into the unit shown.
    pub scale: f64,
    pub goal: Goal,
}

pub const MEASURES: &[Measure] = &[
    Measure {
        key: "signin_cold",
        label: "sign-in click → first rows painted, cold",
        unit: "ms",
        scale: 1.0,
        goal: Goal::Ratio(0.35),
    },
    Measure {
        key: "bytes_cold",
        label: "bytes over the wire until then (HTTP + WebSocket)",
        unit: "KB",
        scale: 1000.0,
        goal: Goal::Ratio(0.6),
    },
    Measure {
        key: "requests_cold",
        label: "HTTP requests until then",
        unit: "requests",
        scale: 1.0,
        goal: Goal::None,
    },
    Measure {
        key: "signin_warm",
        label: "sign-in click → first rows painted, warm",
        unit: "ms",
        scale: 1.0,
        goal: Goal::None,
    },
    Measure {
        key: "reload",
        label: "reload, signed in → INBOX rows painted",
        unit: "ms",
        scale: 1.0,
        goal: Goal::AtMost(100.0),
    },
    Measure {
        key: "open_message",
        label: "click → message body painted, not cached",
        unit: "ms",
        scale: 1.0,
        goal: Goal::Ratio(0.3),
    },
    Measure {
        key: "open_again",
        label: "click → message body painted, opened before",
        unit: "ms",
        scale: 1.0,
        goal: Goal::AtMost(20.0),
    },
    Measure {
        key: "big_folder",
        label: "click the big folder → first rows",
        unit: "ms",
        scale: 1.0,
        goal: Goal::Ratio(0.3),
    },
    Measure {
        key: "oldest",
        label: "reach its oldest message",
        unit: "ms",
        scale: 1.0,
        goal: Goal::Ratio(0.5),
    },
    Measure {
        key: "append",
        label: "append by another client → row on screen",
        unit: "ms",
        scale: 1.0,
        goal: Goal::AtMost(1000.0),
    },
    Measure {
        key: "proxy_restart",
        label: "proxy restarted → live again, change shown",
        unit: "ms",
        scale: 1.0,
        goal: Goal::AtMost(3000.0),
    },
    Measure {
        key: "long_tasks",
        label: "long tasks > 50 ms scrolling the big folder",
        unit: "tasks",
        scale: 1.0,
        goal: Goal::AtMost(0.0),
    },
    Measure {
        key: "heap",
        label: "JS heap after that scroll",
        unit: "MB",
        scale: 1_000_000.0,
        goal: Goal::AtMost(60.0),
    },
    Measure {
        key: "cpu_web",
        label: "CPU of the web tier, one journey (proxy / Apache+PHP)",
        unit: "s",
        scale: 1.0,
        goal: Goal::Ratio(0.1),
    },
    Measure {
        key: "cpu_dovecot",
        label: "CPU of Dovecot, one journey",
        unit: "s",
        scale: 1.0,
        goal: Goal::Ratio(0.15),
    },
    Measure {
        key: "cpu_dovecot_scroll",
        label: "CPU of Dovecot, scrolling the big folder (Petrel only)",
        unit: "s",
        scale: 1.0,
        goal: Goal::None,
    },
];

/// One measure's medians.
#[derive(Debug)]
pub struct Row {
    pub measure: &'static Measure,
    pub petrel: Option<f64>,
    pub roundcube: Option<f64>,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        match (self.petrel, self.roundcube) {
            (Some(p), Some(r)) if r > 0.0 => Some(p / r),
            _ => None,
        }
    }

    /// "met", "missed", or why it cannot be told.
    pub fn verdict(&self) -> String {
        match self.measure.goal {
            Goal::None => String::new(),
            Goal::Ratio(max) => match (self.petrel, self.ratio()) {
                (None, _) => format!("≤ {max}×: not measured"),
                (Some(_), None) => format!("≤ {max}×: no Roundcube figure"),
                (Some(_), Some(r)) => format!("≤ {max}×: {}", met(r <= max)),
            },
            Goal::AtMost(max) => match self.petrel {
                None => format!("≤ {max} {}: not measured", self.measure.unit),
                Some(p) => format!("≤ {max} {}: {}", self.measure.unit, met(p <= max)),
            },
        }
    }
}

fn met(yes: bool) -> &'static str {
    if yes {
        "met"
    } else {
        "missed"
    }
}

/// The median of each measure's samples, per app; `None` where no run produced a value.
pub fn rows(results: &Value) -> Vec<Row> {
    let median_of = |app: &str, key: &str, scale: f64| -> Option<f64> {
        let mut samples: Vec<f64> = results
            .pointer(&format!("/samples/{app}/{key}"))?
            .as_array()?
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        median(&mut samples).map(|m| m / scale)
    };
    MEASURES
        .iter()
        .map(|measure| Row {
            measure,
            petrel: median_of("petrel", measure.key, measure.scale),
            roundcube: median_of("roundcube", measure.key, measure.scale),
        })
        .collect()
}

fn median(samples: &mut [f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    Some(if samples.len() % 2 == 0 {
        (samples[mid - 1] + samples[mid]) / 2.0
    } else {
        samples[mid]
    })
}

/// Rows `{"measure", "unit", "petrel", "roundcube"}`; a value not measured is `null`.
pub fn json(rows: &[Row]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut object = Map::new();
                object.insert("measure".into(), json!(row.measure.label));
                object.insert("unit".into(), json!(row.measure.unit));
                for (name, value) in [("petrel", row.petrel), ("roundcube", row.roundcube)] {
                    object.insert(name.into(), json!(value.map(round)));
                }
                Value::Object(object)
            })
            .collect(),
    )
}

fn round(value: f64) -> f64 {
    if value.abs() >= 100.0 {
        value.round()
    } else {
        (value * 100.0).round() / 100.0
    }
}

pub fn table(rows: &[Row], heading: &str) -> String {
    let show = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{}", round(v)));
    let mut out = format!("{heading}\n");
    out.push_str(&format!(
        "{:<52} {:<9} {:>10} {:>10} {:>7}  goal for Petrel\n",
        "measure", "unit", "petrel", "roundcube", "ratio"
    ));
    for row in rows {
        let ratio = row
            .ratio()
            .map_or_else(|| "-".to_string(), |r| format!("{r:.2}"));
        out.push_str(&format!(
            "{:<52} {:<9} {:>10} {:>10} {:>7}  {}\n",
            row.measure.label,
            row.measure.unit,
            show(row.petrel),
            show(row.roundcube),
            ratio,
            row.verdict()
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn medians_scale_and_verdicts() {
        let results = json!({"samples": {
            "petrel": {"signin_cold": [300.0, 250.0, 200.0], "bytes_cold": [500_000.0, 700_000.0],
                       "reload": [null, null], "long_tasks": [0, 2, 0]},
            "roundcube": {"signin_cold": [700.0, 500.0, 600.0], "bytes_cold": [1_000_000.0]},
        }});
        let rows = rows(&results);
        let row = |key: &str| rows.iter().find(|r| r.measure.key == key).unwrap();
        assert_eq!(row("signin_cold").petrel, Some(250.0));
        assert_eq!(row("signin_cold").verdict(), "≤ 0.35×: missed");
        assert_eq!(row("bytes_cold").petrel, Some(600.0));
        assert_eq!(row("bytes_cold").roundcube, Some(1000.0));
        assert_eq!(row("bytes_cold").verdict(), "≤ 0.6×: met");
        assert_eq!(row("reload").petrel, None);
        assert_eq!(row("reload").verdict(), "≤ 100 ms: not measured");
        assert_eq!(row("long_tasks").verdict(), "≤ 0 tasks: met");
        let json = json(&rows);
        assert_eq!(
            json[0]["measure"],
            "sign-in click → first rows painted, cold"
        );
        assert_eq!(json[0]["petrel"], 250.0);
        assert_eq!(json[4]["petrel"], Value::Null);
    }
}
