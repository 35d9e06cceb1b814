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
    run_scenario_with(name, password, expect, subjects, &[]);
}

/// [`run_scenario`] with more variables for signin.mjs.
fn run_scenario_with(
    name: &str,
    password: &str,
    expect: &str,
    subjects: &[String],
    env: &[(&str, String)],
) {
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
        .envs(env.iter().map(|(k, v)| (k, v)))
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
fn real_mail_shows_every_part_in_order() {
    run_scenario("real-mail", "correct horse", "real-mail", &[]);
}

#[test]
fn a_wrong_password_shows_an_alert() {
    run_scenario("wrong-password", "not the password", "alert", &[]);
}

/// A JSON string literal: `"`, `\\` and control characters escaped, the rest as is.
fn json_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn mail_in_every_common_charset_reads_without_replacement_characters() {
    let mailbox = Mailbox::fixture();
    let folder = mailbox.folder("Charsets").unwrap();
    let mut messages: Vec<_> = folder.messages.iter().collect();
    messages.sort_by_key(|m| std::cmp::Reverse(m.date));
    let rows: Vec<String> = messages
        .iter()
        .map(|m| {
            let petrel_tests::seed::Body::Charset { charset, text, .. } = &m.body else {
                panic!("{} is not a charset sample", m.subject);
            };
            format!(
                "{{\"charset\":{},\"from\":{},\"addr\":{},\"subject\":{},\"text\":{}}}",
                json_string(charset),
                json_string(&m.from_name),
                json_string(&m.from_addr),
                json_string(&m.subject),
                json_string(text)
            )
        })
        .collect();
    run_scenario_with(
        "charsets",
        "correct horse",
        "charsets",
        &[],
        &[("PETREL_CHARSETS", format!("[{}]", rows.join(",")))],
    );
}
