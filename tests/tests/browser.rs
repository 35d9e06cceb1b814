//! The web app in a real headless Chromium: the release build in `dist/`, served by the
//! proxy, signing in to a real Dovecot.
//!
//! The browser side is `tests/browser/signin.mjs` (playwright-core driving Debian's
//! Chromium); this file starts the servers and judges the outcome. The app must already be
//! built: `cargo xtask test` builds it and sets `PETREL_DIST`; by hand, run
//! `trunk build --release` and `PETREL_DIST=$PWD/dist cargo test -p petrel-tests --test browser`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use petrel_tests::{Dovecot, Mailbox, Proxy, ProxyOptions, User};

fn dist() -> PathBuf {
    let Some(dist) = std::env::var_os("PETREL_DIST") else {
        panic!(
            "PETREL_DIST is not set: the browser test needs the release build of the web app.\n\
             Run `cargo xtask test`, or `trunk build --release` and then\n\
             `PETREL_DIST=$PWD/dist cargo test -p petrel-tests --test browser`."
        );
    };
    let dist = PathBuf::from(dist);
    assert!(
        dist.join("index.html").is_file(),
        "PETREL_DIST={} has no index.html: build the app with `trunk build --release`",
        dist.display()
    );
    dist
}

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Where failure screenshots go: the cargo target directory.
fn screenshot(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    std::fs::create_dir_all(&target).unwrap();
    target.join(format!("browser-{name}.png"))
}

/// Runs signin.mjs against a fresh Dovecot and proxy; panics with its output on failure.
fn run_scenario(name: &str, password: &str, expect: &str, subjects: &[String]) {
    let dist = dist();
    let node_modules = browser_dir().join("node_modules/playwright-core");
    assert!(
        node_modules.is_dir(),
        "{} is missing: run `npm ci` in tests/browser (cargo xtask test does)",
        node_modules.display()
    );
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let proxy = Proxy::start(ProxyOptions::for_dovecot(&dovecot).www(dist)).unwrap();
    let shot = screenshot(name);
    let _ = std::fs::remove_file(&shot);
    let subjects_json = format!(
        "[{}]",
        subjects
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let output = Command::new("node")
        .arg("signin.mjs")
        .current_dir(browser_dir())
        .env("PETREL_URL", format!("{}/", proxy.origin()))
        .env("PETREL_USER", "alice")
        .env("PETREL_PASSWORD", password)
        .env("PETREL_EXPECT", expect)
        .env("PETREL_SUBJECTS", subjects_json)
        .env("PETREL_SCREENSHOT", &shot)
        .env("PETREL_TRACKER", petrel_tests::seed::TRACKER_HOST)
        .output()
        .expect("running node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser did not see what it should ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

#[test]
fn signing_in_shows_the_newest_messages() {
    let subjects = Mailbox::fixture().inbox().subjects_newest_first();
    run_scenario("signin", "correct horse", "messages", &subjects);
}

#[test]
fn reading_messages_shows_them_and_isolates_hostile_html() {
    let subjects = Mailbox::fixture().inbox().subjects_newest_first();
    run_scenario("reading", "correct horse", "reading", &subjects);
}

#[test]
fn a_wrong_password_shows_an_alert() {
    run_scenario("wrong-password", "not the password", "alert", &[]);
}

/// Sends from the app as alice and reads the message as bob (`tests/browser/send.mjs`),
/// through a real Postfix; root only, like every Postfix test.
#[test]
fn a_message_sent_from_the_app_arrives_and_can_be_read() {
    let dist = dist();
    let dovecot = Dovecot::start(&User::fixture()).unwrap();
    let postfix = match petrel_tests::Postfix::start(&dovecot) {
        Ok(postfix) => postfix,
        Err(petrel_tests::PostfixError::NeedsRoot) => {
            eprintln!(
                "\n!!! SKIPPED a_message_sent_from_the_app_arrives_and_can_be_read: sending \
                 needs root (postfix must start as root); run the tests as root, as CI does.\n"
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let proxy = Proxy::start(
        ProxyOptions::for_dovecot(&dovecot)
            .smtp(postfix.submissions())
            .www(dist),
    )
    .unwrap();
    let shot = screenshot("send");
    let _ = std::fs::remove_file(&shot);
    let output = Command::new("node")
        .arg("send.mjs")
        .current_dir(browser_dir())
        .env("PETREL_URL", format!("{}/", proxy.origin()))
        .env("PETREL_SCREENSHOT", &shot)
        .output()
        .expect("running node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "sending from the browser failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
