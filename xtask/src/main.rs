//! `cargo xtask <command>`: Petrel's build, demo, test and bench automation.
//!
//! Every command first runs [`ensure`], which installs whatever is missing (the wasm32
//! target, trunk, the matching wasm-bindgen, the npm tools, Debian packages) and skips what
//! is present, saying which. Its only dependencies are `brotli` and `flate2` (pure Rust, for
//! [`compress`]), so that it still builds in seconds on a fresh machine before anything else
//! is there, and compressing the app needs no system tool.

mod compress;

use std::env;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The trunk release the build is checked with (Trunk.toml pins the same).
const TRUNK_VERSION: &str = "0.21.14";
/// Debian packages the harness and the build need: Dovecot for the end-to-end tests,
/// Postfix and Dovecot's LMTP server for the sending tests, Chromium for the browser test,
/// clang for C code compiled to wasm32, HAProxy for the test of proxies behind a load
/// balancer, and Roundcube with the Apache and PHP it runs on, which `bench client`
/// measures Petrel against.
const APT_PACKAGES: &[&str] = &[
    "dovecot-imapd",
    "dovecot-lmtpd",
    "postfix",
    "chromium",
    "clang",
    "haproxy",
    "roundcube",
    "roundcube-sqlite3",
    "apache2",
    "libapache2-mod-php",
];
/// Answers Postfix's install question before apt asks it: the harness writes its own
/// configuration per test, so the package must not make a system mail server out of this
/// machine (and without the answer a non-interactive install picks "Internet Site").
const POSTFIX_PRESEED: &str = "postfix postfix/main_mailer_type select No configuration\n";
/// Answers Roundcube's install questions before apt asks them: no database set up by
/// dbconfig-common (which would otherwise want MySQL); the benchmark gives Roundcube its own
/// SQLite file per run.
const ROUNDCUBE_PRESEED: &str = "roundcube-core roundcube/dbconfig-install boolean false\n\
                                 roundcube-core roundcube/database-type select sqlite3\n";
/// The folder with the committed package.json and package-lock.json (binaryen's wasm-opt
/// for trunk, playwright-core for the browser test).
const NODE_DIR: &str = "tests/browser";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ensure                 install what the build and tests need (skips what is present)
  build                  the web app (trunk build --release into dist/, with .br and .gz
                         copies) and the release proxy
  compress               only the .br and .gz copies of dist/ (after a plain trunk build)
  demo [--listen ADDR] [--fresh]
                         run Petrel on http://127.0.0.1:8080 with a seeded Dovecot;
                         mail persists in .petrel/demo unless --fresh
  test                   fmt, clippy (host and wasm32), the web app build, every test
  bench codec|proxy [ARGS...]
                         run a benchmark in release mode
  bench client [--runs N] [--messages N] [--timeout S] [--append-timeout S]
                         Petrel beside Roundcube in headless Chromium (medians of
                         --runs, default 5; a big folder of --messages, default 100000)";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("ensure") => ensure(&root),
        Some("build") => ensure(&root).and_then(|()| build(&root)),
        Some("compress") => precompress(&root),
        Some("demo") => demo(&root, &args[1..]),
        Some("test") => return test(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn repo_root() -> PathBuf {
    // xtask/ sits at the root of the repository.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        }
        None => root.join("target"),
    }
}

fn dist_dir(root: &Path) -> PathBuf {
    root.join("dist")
}

// ---------------------------------------------------------------------------------------
// ensure

/// Installs what is missing. Each step says what it found or did.
fn ensure(root: &Path) -> Result {
    // Children (trunk, cargo, node) must find cargo-installed tools and wasm-opt. Setting
    // the variable here is safe: xtask is single-threaded at this point.
    let cargo_bin = home()?.join(".cargo/bin");
    let node_bin = root.join(NODE_DIR).join("node_modules/.bin");
    prepend_path(&[&node_bin, &cargo_bin]);

    ensure_apt()?;
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_node_modules(root)?;
    Ok(())
}

fn home() -> Result<PathBuf> {
    env::var_os("HOME")
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set".to_string())
}

fn prepend_path(dirs: &[&Path]) {
    let mut parts: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    if let Some(path) = env::var_os("PATH") {
        parts.extend(env::split_paths(&path).filter(|p| !dirs.contains(&p.as_path())));
    }
    if let Ok(joined) = env::join_paths(parts) {
        env::set_var("PATH", joined);
    }
}

fn say(message: &str) {
    println!("xtask: {message}");
}

fn is_root() -> bool {
    // The owner of /proc/self is our effective uid (std has no getuid without unsafe).
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn ensure_apt() -> Result {
    let mut missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|pkg| !dpkg_installed(pkg))
        .collect();
    if !have("node") {
        missing.extend(["nodejs", "npm"]);
    }
    if missing.is_empty() {
        say(&format!(
            "apt packages present: {}",
            APT_PACKAGES.join(", ")
        ));
        return Ok(());
    }
    let dovecot_was_missing = missing.contains(&"dovecot-imapd");
    let postfix_was_missing = missing.contains(&"postfix");
    let haproxy_was_missing = missing.contains(&"haproxy");
    let apache_was_missing = missing.contains(&"apache2");
    say(&format!("installing apt packages: {}", missing.join(" ")));
    let apt = |args: &[&str]| -> Result {
        let mut cmd = as_root("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    if postfix_was_missing {
        say("preseeding postfix: \"No configuration\" (the tests write their own)");
        preseed_debconf(POSTFIX_PRESEED)?;
    }
    if missing.contains(&"roundcube") {
        say("preseeding roundcube: no dbconfig database (the benchmark uses its own SQLite)");
        preseed_debconf(ROUNDCUBE_PRESEED)?;
    }
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)?;
    // The packages may start and enable system-wide servers where an init system runs
    // (Dovecot on 143/993; Postfix is not started with "No configuration", but its unit is
    // enabled; HAProxy starts with a configuration that listens nowhere). Ours never use those ports or configs, so this is tidiness, not
    // correctness; failures (no init system, no sudo rights) are fine. Only what this run
    // installed is touched: a mail server the machine already had is left alone.
    if dovecot_was_missing {
        say("stopping the system Dovecot the package may have started (ours is private)");
        quietly(as_root("service").args(["dovecot", "stop"]));
    }
    if postfix_was_missing {
        say("stopping and disabling the system Postfix the package installed (ours is private)");
        quietly(as_root("service").args(["postfix", "stop"]));
        quietly(as_root("systemctl").args(["disable", "postfix"]));
    }
    if haproxy_was_missing {
        say("stopping and disabling the system HAProxy the package installed (ours is private)");
        quietly(as_root("service").args(["haproxy", "stop"]));
        quietly(as_root("systemctl").args(["disable", "haproxy"]));
    }
    if apache_was_missing {
        say("stopping and disabling the system Apache the package installed (the bench runs its own)");
        quietly(as_root("service").args(["apache2", "stop"]));
        quietly(as_root("systemctl").args(["disable", "apache2"]));
    }
    Ok(())
}

/// `program` run as root: directly when we are root, through `sudo` otherwise.
fn as_root(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut cmd = Command::new("sudo");
        cmd.arg(program);
        cmd
    }
}

/// Runs `cmd` for its effect only: its output and its failure do not matter.
fn quietly(cmd: &mut Command) {
    let _ = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// Feeds `selections` to `debconf-set-selections`, so that installing asks nothing.
fn preseed_debconf(selections: &str) -> Result {
    use std::io::Write as _;
    let mut child = as_root("debconf-set-selections")
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting debconf-set-selections: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(selections.as_bytes())
            .map_err(|e| format!("writing to debconf-set-selections: {e}"))?;
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for debconf-set-selections: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "debconf-set-selections {selections:?} failed with {status}"
        ))
    }
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn ensure_wasm_target() -> Result {
    let sysroot = capture(Command::new("rustc").args(["--print", "sysroot"]))?;
    let installed = Path::new(sysroot.trim())
        .join("lib/rustlib/wasm32-unknown-unknown")
        .is_dir();
    if installed {
        say("rust target wasm32-unknown-unknown present");
        Ok(())
    } else {
        say("adding rust target wasm32-unknown-unknown");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
    }
}

fn ensure_trunk() -> Result {
    match version_of("trunk") {
        Some(v) if v.split_whitespace().any(|w| w == TRUNK_VERSION) => {
            say(&format!("trunk {TRUNK_VERSION} present"));
            Ok(())
        }
        found => {
            say(&format!(
                "installing trunk {TRUNK_VERSION} (found: {}); this takes several minutes once",
                found.as_deref().unwrap_or("none")
            ));
            run(Command::new("cargo").args([
                "install",
                "--locked",
                "trunk",
                "--version",
                TRUNK_VERSION,
                "--force",
            ]))
        }
    }
}

/// The wasm-bindgen CLI must be exactly the library's version, or the generated JS glue does
/// not match the wasm and trunk fails.
fn ensure_wasm_bindgen(root: &Path) -> Result {
    let version = locked_version(root, "wasm-bindgen")?;
    match version_of("wasm-bindgen") {
        Some(v) if v.split_whitespace().any(|w| w == version) => {
            say(&format!("wasm-bindgen-cli {version} present"));
            Ok(())
        }
        found => {
            say(&format!(
                "installing wasm-bindgen-cli {version} to match Cargo.lock (found: {})",
                found.as_deref().unwrap_or("none")
            ));
            // Not --locked: the CLI's own lockfile pins crates that no longer build on
            // current Rust for some versions; the version itself is what must match.
            run(Command::new("cargo").args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
                "--force",
            ]))
        }
    }
}

/// The version of `package` in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = root.join("Cargo.lock");
    let text = fs::read_to_string(&lock).map_err(|e| format!("reading {}: {e}", lock.display()))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
            {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(format!("{package} is not in {}", lock.display()))
}

fn ensure_node_modules(root: &Path) -> Result {
    let dir = root.join(NODE_DIR);
    let lock = dir.join("package-lock.json");
    // npm writes node_modules/.package-lock.json on every install: newer than the committed
    // lock means the install matches it.
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (modified(&stamp), modified(&lock)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    };
    if fresh && dir.join("node_modules/.bin/wasm-opt").exists() {
        say(&format!("npm packages present in {NODE_DIR}"));
        return Ok(());
    }
    say(&format!("installing npm packages in {NODE_DIR} (npm ci)"));
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

// ---------------------------------------------------------------------------------------
// build, demo, bench

fn build(root: &Path) -> Result {
    trunk_build(root)?;
    say("building the release proxy");
    run(Command::new("cargo")
        .args(["build", "--release", "-p", "petrel-proxy"])
        .current_dir(root))
}

/// `trunk build --release`, then the Brotli and gzip copies the proxy serves (see
/// [`compress`]): every build of `dist/` goes through here, so none ships uncompressed.
fn trunk_build(root: &Path) -> Result {
    say("building the web app: trunk build --release (into dist/)");
    run(Command::new("trunk")
        .args(["build", "--release"])
        .current_dir(root))?;
    precompress(root)
}

fn precompress(root: &Path) -> Result {
    let dist = dist_dir(root);
    let started = Instant::now();
    let summary = compress::precompress(&dist)?;
    say(&format!(
        "precompressed {} files in {}: {} KB, {} KB as Brotli, {} KB as gzip ({:.1} s)",
        summary.files,
        dist.display(),
        summary.bytes / 1000,
        summary.brotli / 1000,
        summary.gzip / 1000,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn demo(root: &Path, args: &[String]) -> Result {
    let mut listen = "127.0.0.1:8080".to_string();
    let mut fresh = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--listen" => listen = rest.next().ok_or("--listen needs an address")?.clone(),
            "--fresh" => fresh = true,
            other => return Err(format!("unknown demo option {other:?}\n\n{USAGE}")),
        }
    }
    ensure(root)?;
    build(root)?;
    say("building the demo runner");
    run(Command::new("cargo")
        .args(["build", "-p", "petrel-tests", "--bin", "petrel-demo"])
        .current_dir(root))?;
    let target = target_dir(root);
    let mut cmd = Command::new(target.join("debug/petrel-demo"));
    cmd.arg("--proxy")
        .arg(target.join("release/petrel-proxy"))
        .arg("--www")
        .arg(dist_dir(root))
        .arg("--listen")
        .arg(&listen);
    if !fresh {
        cmd.arg("--dir").arg(root.join(".petrel/demo"));
    }
    // The demo runner owns Dovecot and the proxy and cleans both up on Ctrl-C; replacing
    // this process with it means Ctrl-C reaches exactly that one cleanup.
    let error = cmd.current_dir(root).exec();
    Err(format!("starting the demo runner: {error}"))
}

fn bench(root: &Path, args: &[String]) -> Result {
    let package = match args.first().map(String::as_str) {
        Some("codec") => "petrel-bench-codec",
        Some("proxy") => "petrel-bench-proxy",
        Some("client") => return bench_client(root, &args[1..]),
        _ => {
            return Err(format!(
                "bench needs `codec`, `proxy` or `client`\n\n{USAGE}"
            ))
        }
    };
    ensure(root)?;
    let mut cmd = Command::new("cargo");
    cmd.args(["run", "--release", "-p", package, "--"])
        .args(&args[1..])
        .current_dir(root);
    run(&mut cmd)
}

/// Petrel beside Roundcube in Chromium (`bench/client`): the release build of the app and
/// the proxy, as `demo` serves them, then the runner. The runner itself is a debug build:
/// it only seeds the mailbox and starts and stops servers, nothing it does is measured, and
/// a release build of the harness (the proxy, the client, rustls with LTO) costs minutes.
fn bench_client(root: &Path, args: &[String]) -> Result {
    ensure(root)?;
    build(root)?;
    let target = target_dir(root);
    let mut cmd = Command::new("cargo");
    cmd.args(["run", "-p", "petrel-bench-client", "--"])
        .arg("--proxy")
        .arg(target.join("release/petrel-proxy"))
        .arg("--www")
        .arg(dist_dir(root))
        .args(args)
        .current_dir(root);
    run(&mut cmd)
}

/// Each cargo-fuzz target for a few seconds, so that a target that no longer builds, or
/// crashes on its seeds, fails CI; the long runs are done by hand (fuzz/README.md).
fn fuzz_smoke(root: &Path) -> Result {
    const SECONDS_PER_TARGET: &str = "10";
    let nightly = Command::new("cargo")
        .args(["+nightly", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !nightly {
        // rustup cannot fetch a toolchain on machines without its servers; the fuzz
        // targets need a nightly one, so this step can only say it did not run.
        say("SKIPPED fuzz smoke: no nightly toolchain (`cargo +nightly` fails)");
        return Ok(());
    }
    let installed = capture(Command::new("cargo").args(["install", "--list"]))?;
    if installed.lines().any(|l| l.starts_with("cargo-fuzz ")) {
        say("cargo-fuzz present");
    } else {
        say("installing cargo-fuzz");
        run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz"]))?;
    }
    run(Command::new("sh")
        .args(["fuzz/smoke.sh", SECONDS_PER_TARGET])
        .current_dir(root))
}

// ---------------------------------------------------------------------------------------
// test

/// One step of `cargo xtask test` and how it went.
struct Step {
    name: &'static str,
    outcome: Result,
    took: Duration,
}

fn test(root: &Path) -> ExitCode {
    let started = Instant::now();
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result| -> bool {
        println!("\nxtask: ==== {name} ====");
        let t = Instant::now();
        let outcome = f();
        if let Err(e) = &outcome {
            eprintln!("xtask: {name} FAILED: {e}");
        }
        let ok = outcome.is_ok();
        steps.push(Step {
            name,
            outcome,
            took: t.elapsed(),
        });
        ok
    };

    // Without the tools nothing else can run; after that, every step runs even if an
    // earlier one failed, so that one run shows every problem.
    let ensured = step("ensure tools", &mut || ensure(root));
    let mut counts = TestCounts::default();
    if ensured {
        let cargo = |args: &[&str]| {
            let mut cmd = Command::new("cargo");
            cmd.args(args).current_dir(root);
            cmd
        };
        step("cargo fmt --check", &mut || {
            run(&mut cargo(&["fmt", "--all", "--check"]))
        });
        step("clippy (host)", &mut || {
            run(&mut cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        });
        step("clippy (wasm32 app, store, worker)", &mut || {
            run(&mut cargo(&[
                "clippy",
                "-p",
                "petrel-client",
                "-p",
                "petrel-store",
                "-p",
                "petrel-store-worker",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]))
        });
        step("trunk build --release", &mut || trunk_build(root));
        step("cargo test --workspace", &mut || {
            // --no-fail-fast: one failing test binary must not hide the results of the rest.
            let mut cmd = cargo(&["test", "--workspace", "--no-fail-fast"]);
            cmd.env("PETREL_DIST", dist_dir(root));
            run_counting(&mut cmd, &mut counts)
        });
        step("fuzz smoke (nightly)", &mut || fuzz_smoke(root));
    }

    let mut summary = String::from("\nxtask: ==== summary ====\n");
    for s in &steps {
        let status = if s.outcome.is_ok() {
            "ok    "
        } else {
            "FAILED"
        };
        let _ = writeln!(
            summary,
            "xtask: {status} {:<26} {:>6.1} s",
            s.name,
            s.took.as_secs_f64()
        );
    }
    let failed = steps.iter().filter(|s| s.outcome.is_err()).count();
    let _ = writeln!(
        summary,
        "xtask: {} of {} steps failed; wall time {:.0} s",
        failed,
        steps.len(),
        started.elapsed().as_secs_f64()
    );
    // The closing line in the common `N passed, N failed` form, counting the tests that
    // cargo test ran across every test binary.
    let _ = write!(
        summary,
        "tests: {} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.ignored
    );
    // CI shows only the tail of the output: name the failing tests there.
    for name in &counts.failures {
        let _ = write!(summary, "\ntests: FAILED {name}");
    }
    println!("{summary}");
    if failed == 0 && ensured {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[derive(Debug, Default)]
struct TestCounts {
    passed: u64,
    failed: u64,
    ignored: u64,
    failures: Vec<String>,
}

impl TestCounts {
    /// Adds one libtest line: a `test result: ok. 5 passed; 0 failed; 1 ignored; ...`
    /// total, or a `test name ... FAILED` verdict whose name is kept.
    fn add(&mut self, line: &str) {
        if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
        {
            self.failures.push(name.to_owned());
            return;
        }
        let Some(rest) = line.strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(kind), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match kind {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// Runs `cmd`, echoing its stdout and adding up libtest's result lines.
fn run_counting(cmd: &mut Command, counts: &mut TestCounts) -> Result {
    let shown = show(cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown}: {e}"))?;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("{line}");
            counts.add(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

// ---------------------------------------------------------------------------------------
// processes

fn show(cmd: &Command) -> String {
    let mut shown = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args().map(OsStr::to_string_lossy) {
        shown.push(' ');
        shown.push_str(&arg);
    }
    shown
}

/// Runs `cmd` with inherited output; an error names the command and its exit status.
fn run(cmd: &mut Command) -> Result {
    let shown = show(cmd);
    println!("xtask: $ {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

fn capture(cmd: &mut Command) -> Result<String> {
    let shown = show(cmd);
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{shown} exited with {}", out.status))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_result_lines() {
        let mut counts = TestCounts::default();
        counts.add("test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        counts
            .add("test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out");
        counts.add("running 5 tests");
        counts.add("test browser::login_works ... FAILED");
        counts.add("test decode::ok ... ok");
        assert_eq!((counts.passed, counts.failed, counts.ignored), (7, 3, 1));
        assert_eq!(counts.failures, ["browser::login_works"]);
    }

    #[test]
    fn reads_the_locked_wasm_bindgen_version() {
        let version = locked_version(&repo_root(), "wasm-bindgen").unwrap();
        assert!(version.starts_with("0.2."), "{version}");
    }
}
