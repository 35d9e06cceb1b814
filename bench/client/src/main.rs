//! `cargo xtask bench client`: Petrel beside Roundcube in headless Chromium, against the
//! same private Dovecot and the same seeded mailbox, in one run (issue 10, "Benchmark").
//!
//! This side prepares and tidies up; the browser work is `tests/browser/bench-client.mjs`
//! (playwright-core and Debian's Chromium). Here: seed [`Mailbox::big`] (an INBOX of about
//! fifty messages and a folder of `--messages` small ones) and start Dovecot on it, warm
//! Dovecot's index of the big folder, start Roundcube behind a private Apache
//! ([`roundcube`]), hand the script a configuration (the apps' addresses, the release
//! proxy's command line, which it starts and restarts itself, and the process ids whose CPU
//! time it reads), then turn its samples into medians: a table with ratios and the issue's
//! goals, and `target/bench/client.json`.
//!
//! Usage: `petrel-bench-client --proxy BIN --www DIR [--runs N] [--messages N]
//! [--timeout SECS] [--append-timeout SECS]`.

mod report;
mod roundcube;

use std::path::{Path, PathBuf};
use std::process::{ExitCode, ExitStatus};
use std::time::{Duration, Instant};

use petrel_tests::dovecot::free_port;
use petrel_tests::seed::BIG_FOLDER;
use petrel_tests::{Dovecot, Mailbox, User};
use serde_json::{json, Value};

use roundcube::Roundcube;

const USER: &str = "alice";
const PASSWORD: &str = "correct horse";
/// The browser script, beside the npm packages it imports.
const SCRIPT: &str = "tests/browser/bench-client.mjs";

#[derive(Debug)]
struct Args {
    proxy: PathBuf,
    www: PathBuf,
    runs: u32,
    messages: usize,
    timeout: u64,
    append_timeout: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        proxy: PathBuf::new(),
        www: PathBuf::new(),
        runs: 5,
        messages: 100_000,
        // A measure that takes longer failed (for Petrel today: the oldest message of the
        // big folder, which the list cannot reach yet).
        timeout: 20,
        // Roundcube shows new mail at its next refresh, every 60 seconds by default.
        append_timeout: 70,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || given.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--proxy" => args.proxy = PathBuf::from(value()?),
            "--www" => args.www = PathBuf::from(value()?),
            "--runs" => args.runs = number(&arg, &value()?)?,
            "--messages" => args.messages = number(&arg, &value()?)?,
            "--timeout" => args.timeout = number(&arg, &value()?)?,
            "--append-timeout" => args.append_timeout = number(&arg, &value()?)?,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if args.proxy.as_os_str().is_empty() || args.www.as_os_str().is_empty() {
        return Err("--proxy and --www are required".into());
    }
    if args.runs == 0 || args.messages == 0 {
        return Err("--runs and --messages must be at least 1".into());
    }
    Ok(args)
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} wants a whole number, not {value:?}"))
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let workspace = workspace_root();
    let mailbox = Mailbox::big(args.messages);
    let big = mailbox
        .folder(BIG_FOLDER)
        .ok_or("the benchmark mailbox has no big folder")?;
    let (oldest, newest) = match (big.messages.first(), big.messages.last()) {
        (Some(o), Some(n)) => (o.subject.clone(), n.subject.clone()),
        _ => return Err("the big folder is empty".into()),
    };
    let inbox = mailbox.inbox().subjects_newest_first();
    let folders: Vec<String> = mailbox.folders.iter().map(|f| f.wire_name()).collect();

    let started = Instant::now();
    let dovecot = Dovecot::start(&[User::new(USER, PASSWORD, Some(mailbox))])
        .map_err(|e| format!("starting Dovecot: {e}"))?;
    eprintln!(
        "seeded {} + {} messages and started Dovecot in {:.1} s",
        inbox.len(),
        args.messages,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    // Subscribed, for Roundcube, which lists only subscribed folders; and both folders
    // indexed, so that neither app is timed while Dovecot builds the big folder's index.
    dovecot
        .warm(USER, PASSWORD, &folders, &[BIG_FOLDER, "INBOX"])
        .map_err(|e| e.to_string())?;
    eprintln!(
        "warmed Dovecot's index of {BIG_FOLDER} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let roundcube = Roundcube::start(&dovecot)?;
    eprintln!("Roundcube at {}", roundcube.url());

    let port = free_port().map_err(|e| e.to_string())?;
    let out_dir = workspace.join("target").join("bench");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("creating {}: {e}", out_dir.display()))?;
    let samples_path = out_dir.join("client-samples.json");
    let config = json!({
        "runs": args.runs,
        "timeoutMs": args.timeout * 1000,
        "appendTimeoutMs": args.append_timeout * 1000,
        "user": USER,
        "password": PASSWORD,
        "bigFolder": BIG_FOLDER,
        "bigCount": args.messages,
        "oldestSubject": oldest,
        "newestSubject": newest,
        "inboxNewest": inbox.first(),
        "imaps": { "host": "127.0.0.1", "port": dovecot.imaps().port(),
                   "ca": dovecot.certs().ca_pem },
        "dovecotPid": dovecot.pid(),
        "petrel": {
            "url": format!("http://127.0.0.1:{port}/"),
            "port": port,
            "command": [
                args.proxy, "--listen", format!("127.0.0.1:{port}"),
                "--imap", dovecot.imaps().to_string(),
                "--ca-file", dovecot.certs().ca_pem, "--www", args.www,
            ],
        },
        "roundcube": { "url": roundcube.url(), "pid": roundcube.pid() },
        "out": samples_path,
    });
    let config_path = out_dir.join("client-config.json");
    std::fs::write(&config_path, config.to_string())
        .map_err(|e| format!("writing {}: {e}", config_path.display()))?;

    let script = workspace.join(SCRIPT);
    let status = run_node(&script, &config_path, &workspace)?;
    if !status.success() {
        return Err(format!(
            "node {} exited with {status}\n{}",
            script.display(),
            roundcube.logs()
        ));
    }
    let samples: Value = std::fs::read_to_string(&samples_path)
        .map_err(|e| format!("reading {}: {e}", samples_path.display()))
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))?;
    for note in samples["notes"].as_array().into_iter().flatten() {
        eprintln!("note: {}", note.as_str().unwrap_or_default());
    }

    let rows = report::rows(&samples);
    let heading = format!(
        "client bench: medians of {} runs; INBOX {} messages, {BIG_FOLDER} {} messages; \
         Roundcube {}",
        args.runs,
        inbox.len(),
        args.messages,
        roundcube::version()
    );
    println!("{}", report::table(&rows, &heading));
    let path = out_dir.join("client.json");
    let json = serde_json::to_string_pretty(&report::json(&rows)).map_err(|e| e.to_string())?;
    std::fs::write(&path, json + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Runs the browser script until it exits or Ctrl-C. On Ctrl-C (which the script, in the
/// same process group, gets too and stops the proxy on) this returns an error, so that
/// Roundcube and Dovecot are stopped on the way out: Apache runs in a process group of its
/// own and would otherwise outlive the run.
fn run_node(script: &Path, config: &Path, workspace: &Path) -> Result<ExitStatus, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    runtime.block_on(async {
        let mut child = tokio::process::Command::new("node")
            .arg(script)
            .arg(config)
            .current_dir(workspace)
            .spawn()
            .map_err(|e| format!("running node {}: {e}", script.display()))?;
        tokio::select! {
            status = child.wait() => status.map_err(|e| format!("waiting for node: {e}")),
            _ = tokio::signal::ctrl_c() => {
                // Let the script stop the proxy it started before everything else goes.
                let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                Err("interrupted".into())
            }
        }
    })
}

/// The workspace root: bench/client/ sits two levels down.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    root.canonicalize().unwrap_or(root)
}
