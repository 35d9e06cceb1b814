//! `cargo xtask demo`'s runner: a seeded Dovecot and the release proxy serving the web app,
//! until Ctrl-C. As root it also starts a private Postfix delivering into that Dovecot and
//! offers it at the proxy's `/smtp`; otherwise it says that sending is off (Postfix must
//! start as root).
//!
//! Usage: `petrel-demo --proxy BIN --www DIR [--listen ADDR] [--dir DIR]`. With `--dir` the
//! mail persists there between runs (seeded on the first); without it, a fresh mailbox is
//! made in a temporary directory and removed at the end.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use petrel_tests::{Dovecot, Mailbox, Postfix, PostfixError, User};

struct Args {
    proxy: PathBuf,
    www: PathBuf,
    listen: String,
    dir: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut proxy = None;
    let mut www = None;
    let mut listen = "127.0.0.1:8080".to_string();
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--proxy" => proxy = Some(PathBuf::from(value()?)),
            "--www" => www = Some(PathBuf::from(value()?)),
            "--listen" => listen = value()?,
            "--dir" => dir = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(Args {
        proxy: proxy.ok_or("--proxy is required")?,
        www: www.ok_or("--www is required")?,
        listen,
        dir,
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("petrel-demo: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let users = [
        User::new("alice", "correct horse", Some(Mailbox::demo())),
        User::new("bob", "battery staple", None),
    ];
    let dir = args.dir.as_ref().map(|dir| {
        // Made first, so that the check below sees its real permissions.
        let _ = std::fs::create_dir_all(dir);
        if Dovecot::can_use(dir) {
            dir.clone()
        } else {
            // As root, Dovecot reads mail as its `dovecot` user, which cannot enter a closed
            // home directory such as /root: keep the demo's mail where it can.
            let fallback = PathBuf::from("/var/tmp/petrel-demo");
            println!(
                "petrel-demo: Dovecot (as user `dovecot`) cannot reach {}; using {} instead",
                dir.display(),
                fallback.display()
            );
            fallback
        }
    });
    let dovecot = match &dir {
        Some(dir) => {
            println!(
                "petrel-demo: mail is kept in {} (delete it to start over)",
                dir.display()
            );
            Dovecot::start_in(dir, &users)
        }
        None => {
            println!("petrel-demo: fresh mailbox in a temporary directory");
            Dovecot::start(&users)
        }
    }
    .map_err(|e| e.to_string())?;

    let postfix = match Postfix::start(&dovecot) {
        Ok(postfix) => Some(postfix),
        Err(PostfixError::NeedsRoot) => None,
        Err(e) => return Err(e.to_string()),
    };

    let mut proxy = Command::new(&args.proxy);
    if let Some(postfix) = &postfix {
        proxy.arg("--smtp").arg(postfix.submissions().to_string());
    }
    let mut proxy = proxy
        .arg("--listen")
        .arg(&args.listen)
        .arg("--imap")
        .arg(dovecot.imaps().to_string())
        .arg("--ca-file")
        .arg(&dovecot.certs().ca_pem)
        .arg("--www")
        .arg(&args.www)
        // `trunk serve` (port 8081, see Trunk.toml) forwards the app's WebSocket here.
        .arg("--allow-origin")
        .arg("http://127.0.0.1:8081")
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", args.proxy.display()))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let outcome = runtime.block_on(async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        println!();
        println!("  Petrel is running at  http://{}/", args.listen);
        println!("  sign in as            alice / correct horse   (about 30 messages)");
        println!("                        bob / battery staple    (empty)");
        println!("  Dovecot (IMAPS)       {}", dovecot.imaps());
        match &postfix {
            Some(postfix) => {
                println!("  Postfix (submissions) {}", postfix.submissions());
                println!("  sending               on: alice@example.test and bob@example.test");
                println!("                        write to each other");
            }
            None => {
                println!("  sending               OFF: {}", PostfixError::NeedsRoot);
                println!("                        (run the demo as root to send mail)");
            }
        }
        println!();
        println!("  Press Ctrl-C to stop.");
        // A service manager or `kill` stops it with SIGTERM: the same clean-up as Ctrl-C
        // (regression: Dovecot and Postfix were left running).
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| format!("listening for SIGTERM: {e}"))?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = terminate.recv() => return Ok(()),
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if let Ok(Some(status)) = proxy.try_wait() {
                        return Err(format!("the proxy exited with {status}"));
                    }
                }
            }
        }
    });
    println!("\npetrel-demo: stopping");
    // The proxy got the same Ctrl-C from the terminal; this covers the other ways out.
    if proxy.try_wait().ok().flatten().is_none() {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(proxy.id().to_string())
            .status();
        let _ = proxy.wait();
    }
    drop(postfix);
    drop(dovecot);
    outcome
}
