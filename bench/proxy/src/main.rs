//! `cargo xtask bench proxy`: petrel-proxy beside a direct TLS connection, websockify and
//! websocat, all bridging to the same private Dovecot on loopback.
//!
//! Measures: bulk (MiB/s fetching message bodies), round trip (NOOP p50 and p99), idle
//! (memory per open IDLE session, read from /proc) and churn (connect, LOGIN, LOGOUT
//! sessions per second). Prints a table and writes `target/bench/proxy.json`.
//! `--quick` is a smoke run with small sizes.

mod imap;
mod measures;
mod memory;
mod peers;
mod report;
mod transport;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use petrel_tests::seed::{Body, Folder, Mailbox, Message, EPOCH};
use petrel_tests::{Dovecot, User};

use measures::{Account, Sizes};
use peers::{Bridge, Upstream};
use report::Column;
use transport::Target;

/// Body size of each seeded message: 100 of them make the 100 MiB of the bulk measure.
pub const MESSAGE_BYTES: usize = 1024 * 1024;
const MESSAGES: usize = 100;

const USER: &str = "bench";
const PASSWORD: &str = "bench-password";

/// Dovecot's defaults allow 100 processes per service and 100 sessions per user and address,
/// and its login processes default to one process per connection. The idle measure holds
/// 2,000 sessions from one user on 127.0.0.1, so: login processes that each serve many
/// clients, imap processes that each hold many idle sessions, and no per-user cap.
const DOVECOT_LIMITS: &str = r#"
default_client_limit = 10000
default_process_limit = 200
default_vsz_limit = 1G
mail_max_userip_connections = 100000
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 5000
}
service imap {
  service_count = 0
  client_limit = 100
  process_limit = 100
}
service anvil {
  client_limit = 10000
}
service auth {
  client_limit = 10000
}
"#;

/// Starts one bridge process in front of Dovecot.
type StartBridge = fn(&Upstream<'_>) -> Result<Bridge, String>;

fn main() -> ExitCode {
    let quick = std::env::args().skip(1).any(|a| a == "--quick");
    match run(quick) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench proxy: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(quick: bool) -> Result<(), String> {
    let sizes = if quick { Sizes::quick() } else { Sizes::full() };
    raise_fd_limit()?;

    // Under the workspace's target/ rather than ~/.cache: Dovecot's mail and auth processes
    // run as the `dovecot` user when started as root, and cannot enter a 0700 home.
    let cache = target_dir().join("dovecot");
    eprintln!(
        "starting Dovecot (maildirs kept in {}) ...",
        cache.display()
    );
    let dovecot = Dovecot::start_in_with(
        &cache,
        &[User::new(USER, PASSWORD, Some(bench_mailbox()))],
        DOVECOT_LIMITS,
    )
    .map_err(|e| format!("starting Dovecot: {e}"))?;
    let upstream = Upstream {
        imaps: dovecot.imaps(),
        ca_pem: &dovecot.certs().ca_pem,
    };
    let account = Account {
        user: USER.into(),
        password: PASSWORD.into(),
        mailbox: "INBOX".into(),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;

    let direct = Target::direct(dovecot.imaps(), dovecot.certs().ca_der.clone())?;
    let starters: [(&'static str, StartBridge); 3] = [
        ("petrel", peers::petrel),
        ("websockify", peers::websockify),
        ("websocat", peers::websocat),
    ];
    let mut columns = vec![Column::new("direct")];
    let mut bridges = Vec::new();
    for (name, start) in starters {
        eprintln!("starting {name} ...");
        columns.push(Column::new(name));
        match start(&upstream) {
            Ok(bridge) => bridges.push((columns.len() - 1, bridge)),
            Err(e) => eprintln!("{name}: not measured: {e}"),
        }
    }
    runtime.block_on(measure_all(
        &mut columns,
        &direct,
        &bridges,
        &account,
        &sizes,
    ));

    let rows = report::rows(&columns);
    println!("{}", report::table(&rows, &sizes));
    for line in report::goals(&rows) {
        println!("{line}");
    }
    let path = output_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(&report::json(&rows)).map_err(|e| e.to_string())?;
    std::fs::write(&path, json + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Runs every measure against every target that started. A failing measure is reported
/// and left empty; the others still run.
async fn measure_all(
    columns: &mut [Column],
    direct: &Target,
    bridges: &[(usize, Bridge)],
    account: &Account,
    sizes: &Sizes,
) {
    // Idle first, while each bridge process is fresh: its memory then grows only by what the
    // sessions hold. One bridge at a time, each with its sessions closed before the next.
    for (column, bridge) in bridges {
        let name = columns[*column].name;
        let sessions = sizes.idle_sessions.min(bridge.max_idle_sessions);
        eprintln!("{name}: idle ({sessions} sessions) ...");
        let target = Target::WebSocket {
            url: bridge.url.clone(),
        };
        columns[*column].idle_kib =
            note(name, "idle", idle(&target, bridge, account, sessions).await);
        // Let Dovecot close the sessions before the next measure.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // The rest take turns between the targets (see each measure).
    let mut indices = vec![0];
    let mut targets = vec![direct.clone()];
    for (column, bridge) in bridges {
        indices.push(*column);
        targets.push(Target::WebSocket {
            url: bridge.url.clone(),
        });
    }
    let targets: Vec<&Target> = targets.iter().collect();

    eprintln!("churn ...");
    for (i, result) in indices
        .iter()
        .zip(measures::churn(&targets, account, sizes).await)
    {
        columns[*i].churn = note(columns[*i].name, "churn", result);
    }
    eprintln!("round trip ...");
    for (i, result) in indices
        .iter()
        .zip(measures::round_trip(&targets, account, sizes).await)
    {
        if let Some((p50, p99)) = note(columns[*i].name, "round trip", result) {
            columns[*i].p50 = Some(p50);
            columns[*i].p99 = Some(p99);
        }
    }
    eprintln!("bulk ...");
    for (i, result) in indices
        .iter()
        .zip(measures::bulk(&targets, account, sizes).await)
    {
        columns[*i].bulk = note(columns[*i].name, "bulk", result);
    }
}

/// KiB of bridge memory per open IDLE session.
async fn idle(
    target: &Target,
    bridge: &Bridge,
    account: &Account,
    count: usize,
) -> Result<f64, String> {
    let pid = bridge.child.id();
    // One session first, so that one-time costs (TLS configuration, buffers, thread-local
    // caches) are in the baseline rather than spread over the sessions.
    let warm = measures::open_idle(target, account, 1)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = memory::tree_pss_kib(pid)?;
    let sessions = measures::open_idle(target, account, count)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = memory::tree_pss_kib(pid)?;
    drop(sessions);
    drop(warm);
    Ok(after.saturating_sub(before) as f64 / count as f64)
}

fn note<T>(name: &str, measure: &str, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            eprintln!("{name}: {measure} failed: {e}");
            None
        }
    }
}

/// 100 messages of 1 MiB of text each in the INBOX.
fn bench_mailbox() -> Mailbox {
    let line = "The quick brown fox jumps over the lazy dog, again and again and again.\n";
    let body: String = line.repeat(MESSAGE_BYTES / line.len() + 1)[..MESSAGE_BYTES].to_string();
    let messages = (0..MESSAGES)
        .map(|i| Message {
            from_name: "Bench".into(),
            from_addr: "bench@example.org".into(),
            subject_header: format!("Bulk message {i}"),
            subject: format!("Bulk message {i}"),
            date: EPOCH + i as i64 * 60,
            seen: true,
            flagged: false,
            answered: false,
            body: Body::Plain(body.clone()),
        })
        .collect();
    Mailbox {
        folders: vec![Folder {
            name: "INBOX".into(),
            special_use: None,
            messages,
        }],
    }
}

/// Each session holds a descriptor here, one or two in the bridge and one in Dovecot.
fn raise_fd_limit() -> Result<(), String> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    limit.current = limit.maximum;
    setrlimit(Resource::Nofile, limit).map_err(|e| format!("raising the open file limit: {e}"))
}

/// `target/bench` at the workspace root, wherever cargo puts its build output.
fn target_dir() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    workspace
        .canonicalize()
        .unwrap_or(workspace)
        .join("target")
        .join("bench")
}

fn output_path() -> PathBuf {
    target_dir().join("proxy.json")
}
