//! The `petrel-proxy` command: settings from flags, environment and `--config`, logs to
//! stderr, serves until SIGTERM or SIGINT.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use petrel_proxy::Settings;
use tokio::signal::unix::{signal, SignalKind};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not for journald.
        .with_ansi(std::io::stderr().is_terminal())
        .finish();
    // Deliberately no bridge from the `log` crate (`init()` would install one): tungstenite
    // logs frame payloads, passwords included, at trace level.
    if let Err(error) = tracing::subscriber::set_global_default(subscriber) {
        eprintln!("petrel-proxy: cannot set up logging: {error}");
    }
    let settings = match Settings::parse().with_file() {
        Ok(settings) => settings,
        Err(error) => return fail(&error),
    };
    let listen = settings.listen_address().to_owned();
    let config = match settings.into_config() {
        Ok(config) => config,
        Err(error) => return fail(&error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
        let shutdown = async move {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("SIGTERM received"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
            }
        };
        petrel_proxy::run(config, listener, shutdown)
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn fail(error: &dyn std::fmt::Display) -> ExitCode {
    tracing::error!("{error}");
    ExitCode::FAILURE
}
