//! Autobahn|Testsuite's fuzzingclient against petrel-proxy's `/imap`, with a TLS echo server
//! as the upstream so that what the proxy relays comes back, as Autobahn expects of a server.
//!
//! The results must equal `tests/autobahn/expected.txt` case for case; see
//! `tests/autobahn/README.md` for why some cases are expected to fail (the proxy is a
//! binary-only byte relay). Set `PETREL_AUTOBAHN_RECORD=1` to write the actual results to
//! `tests/autobahn/actual.txt` for review instead of failing.
//!
//! Autobahn runs on Python 2.7 only; `tests/autobahn/setup.sh` builds a cached virtualenv.
//! Without any Python 2.7 the test is skipped with a loud message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use petrel_proxy::{Config, Upstream, UpstreamTls};
use petrel_tests::tls::Certs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// The whole suite (without the 9.x performance cases) takes under a minute; this bounds a hang.
const SUITE_TIMEOUT: Duration = Duration::from_secs(170);

fn autobahn_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("autobahn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autobahn_results_match_the_recorded_ones() {
    let dir = autobahn_dir();
    let setup = Command::new("sh")
        .arg(dir.join("setup.sh"))
        .output()
        .await
        .expect("running setup.sh");
    if setup.status.code() == Some(3) {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED: Autobahn needs Python 2.7 and none was found.\n\
             !!! {}\
             !!! Install it (e.g. pyenv install 2.7.18) or set PYTHON27.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            String::from_utf8_lossy(&setup.stderr)
        );
        return;
    }
    assert!(
        setup.status.success(),
        "setup.sh failed:\n{}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let wstest = String::from_utf8(setup.stdout).unwrap().trim().to_string();

    let work = tempfile::tempdir().unwrap();
    let certs = Certs::generate(work.path()).unwrap();
    let echo = echo_server(&certs).await;

    let mut config = Config::new(Upstream::new(echo.to_string().parse().unwrap()));
    config.upstream_tls = UpstreamTls::CaFile(certs.ca_pem.clone());
    // Autobahn opens one session per case, about 500 in a minute, all from 127.0.0.1.
    config.limits.upgrades_per_minute = 1_000_000;
    config.limits.max_sessions_per_address = 1_000;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(petrel_proxy::run(config, listener, async {
        let _ = stopped.await;
    }));

    let out = work.path().join("autobahn");
    let run = Command::new("sh")
        .arg(dir.join("run.sh"))
        .arg(&wstest)
        .arg(format!("ws://{proxy}/imap"))
        .arg(format!("http://{proxy}"))
        .arg(&out)
        .kill_on_drop(true)
        .output();
    let run = tokio::time::timeout(SUITE_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("Autobahn did not finish within {SUITE_TIMEOUT:?}"))
        .expect("running run.sh");
    let _ = stop.send(());
    let _ = server.await;
    if !run.status.success() {
        let log = std::fs::read_to_string(out.join("wstest.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        panic!(
            "Autobahn failed to run ({}):\n{}\n--- last lines of wstest.log ---\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let actual = String::from_utf8(run.stdout).unwrap();

    if std::env::var_os("PETREL_AUTOBAHN_RECORD").is_some() {
        std::fs::write(dir.join("actual.txt"), &actual).unwrap();
        eprintln!("wrote {}", dir.join("actual.txt").display());
        return;
    }
    let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let differences = compare(&expected, &actual);
    assert!(
        differences.is_empty(),
        "{} Autobahn case(s) differ from tests/autobahn/expected.txt \
         (CASE BEHAVIOR BEHAVIOR_CLOSE REMOTE_CLOSE_CODE; per-case reports were in {}):\n{}",
        differences.len(),
        out.join("report").display(),
        differences.join("\n")
    );
}

/// The expected file's lines (comments and blank lines aside) against the actual ones, case
/// by case: one line per difference.
fn compare(expected: &str, actual: &str) -> Vec<String> {
    let parse = |text: &str| -> Vec<(String, String)> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (case, rest) = l.split_once(' ').unwrap_or((l, ""));
                (case.to_string(), rest.to_string())
            })
            .collect()
    };
    let (expected, actual) = (parse(expected), parse(actual));
    let mut differences = Vec::new();
    for (case, want) in &expected {
        match actual.iter().find(|(c, _)| c == case) {
            None => differences.push(format!("{case}: expected {want}, but the case did not run")),
            Some((_, got)) if got != want => {
                differences.push(format!("{case}: expected {want}, got {got}"))
            }
            Some(_) => {}
        }
    }
    for (case, got) in &actual {
        if !expected.iter().any(|(c, _)| c == case) {
            differences.push(format!("{case}: not in expected.txt, got {got}"));
        }
    }
    differences
}

/// A TLS server on 127.0.0.1 that writes back whatever it reads, as it reads it.
async fn echo_server(certs: &Certs) -> SocketAddr {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certs.cert_pem)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&certs.key_pem).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0
                        || tls.write_all(&buf[..n]).await.is_err()
                        || tls.flush().await.is_err()
                    {
                        break;
                    }
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    address
}

#[test]
fn compare_names_each_difference() {
    let expected = "# comment\n1.1.1 OK OK 1000\n1.1.2 OK OK 1000\n";
    let actual = "1.1.1 OK OK 1000\n1.1.2 FAILED OK 1000\n1.1.3 OK OK 1000\n";
    assert_eq!(
        compare(expected, actual),
        vec![
            "1.1.2: expected OK OK 1000, got FAILED OK 1000",
            "1.1.3: not in expected.txt, got OK OK 1000"
        ]
    );
}
