//! petrel-proxy, in-process, on 127.0.0.1 with a free port.
//!
//! The proxy runs on its own thread and tokio runtime, so a test can use it from plain
//! `#[test]` functions and from any runtime of its own, and dropping the handle stops it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::Duration;

use petrel_proxy::{Config, HostPort, Upstream, UpstreamTls};
use tokio::sync::oneshot;

use crate::error::{Context, Error, Result};
use crate::Dovecot;

/// Where the proxy sends its `/imap` (and `/smtp`) sessions and what it serves.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The IMAPS server.
    pub imap: SocketAddr,
    /// The SMTP submission server (implicit TLS) behind `/smtp`, if any; its certificate
    /// must chain to the same CA.
    pub smtp: Option<SocketAddr>,
    /// The PEM CA the upstream certificate must chain to.
    pub ca_pem: PathBuf,
    /// The built web app (`dist/`), if any.
    pub www: Option<PathBuf>,
}

impl ProxyOptions {
    /// Pointed at `dovecot`, trusting its CA.
    pub fn for_dovecot(dovecot: &Dovecot) -> Self {
        Self {
            imap: dovecot.imaps(),
            smtp: None,
            ca_pem: dovecot.certs().ca_pem.clone(),
            www: None,
        }
    }

    /// Offers `/smtp`, relayed to `addr` (a [`crate::Postfix`]'s submissions port).
    pub fn smtp(mut self, addr: SocketAddr) -> Self {
        self.smtp = Some(addr);
        self
    }

    pub fn www(mut self, dir: impl Into<PathBuf>) -> Self {
        self.www = Some(dir.into());
        self
    }
}

/// A proxy on a fixed address of 127.0.0.1, running or stopped; stopped on drop.
///
/// [`Proxy::stop`] and [`Proxy::restart`] take it down and bring it back on the same
/// address, as an admin restarting the service would: the app's URL and its WebSocket
/// address stay valid, and what a client sees in between is a refused connection.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    config: Config,
    running: Option<Running>,
}

/// The thread serving one run of the proxy.
#[derive(Debug)]
struct Running {
    /// Asks `petrel_proxy::run` to shut down gracefully.
    stop: oneshot::Sender<()>,
    /// Drops the runtime with every task in it: sockets close with no goodbye.
    kill: oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

impl Proxy {
    /// Starts the proxy on a free port and returns once it is listening.
    pub fn start(options: ProxyOptions) -> Result<Self> {
        Self::start_with(options, |_| {})
    }

    /// Like [`Proxy::start`], with the configuration changed by `adjust` first (a shorter
    /// `timeouts.ping_interval`, other limits).
    pub fn start_with(options: ProxyOptions, adjust: impl FnOnce(&mut Config)) -> Result<Self> {
        let mut config = config(options)?;
        adjust(&mut config);
        let (addr, running) = serve(config.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))?;
        Ok(Self {
            addr,
            config,
            running: Some(running),
        })
    }

    /// Stops the proxy as SIGTERM stops the service: it stops listening at once, and open
    /// sessions are closed after a short grace period (100 ms here) with close code 1001
    /// "proxy shutting down". Returns once everything is closed. Does nothing when stopped.
    pub fn stop(&mut self) {
        if let Some(Running { stop, kill, thread }) = self.running.take() {
            let _ = stop.send(());
            let _ = thread.join();
            // A dropped sender also ends the wait on it: `kill` must outlive the thread.
            drop(kill);
        }
    }

    /// Stops the proxy as a crash or a vanished machine would: every socket is closed at
    /// once, the WebSockets without a close frame. Does nothing when stopped.
    pub fn kill(&mut self) {
        if let Some(Running { stop, kill, thread }) = self.running.take() {
            let _ = kill.send(());
            let _ = thread.join();
            // A dropped sender also ends the wait on it: `stop` must outlive the thread.
            drop(stop);
        }
    }

    /// Starts the proxy again on the same address, with the same settings, stopping it first
    /// (as [`Proxy::stop`]) if it runs.
    pub fn restart(&mut self) -> Result<()> {
        self.stop();
        let (_, running) = serve(self.config.clone(), self.addr)?;
        self.running = Some(running);
        Ok(())
    }

    /// Whether it is serving (not stopped or killed).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the app's URL, and the Origin its pages send.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/imap`.
    pub fn imap_url(&self) -> String {
        format!("ws://{}/imap", self.addr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The proxy's configuration for `options`.
fn config(options: ProxyOptions) -> Result<Config> {
    let upstream: HostPort = options
        .imap
        .to_string()
        .parse()
        .context(|| format!("the upstream address {}", options.imap))?;
    let mut config = Config::new(Upstream::new(upstream));
    if let Some(smtp) = options.smtp {
        let smtp: HostPort = smtp
            .to_string()
            .parse()
            .context(|| format!("the smtp upstream address {smtp}"))?;
        config.smtp = Some(Upstream::new(smtp));
    }
    config.upstream_tls = UpstreamTls::CaFile(options.ca_pem);
    config.www = options.www;
    // Tests end with sessions open; there is nobody to be graceful to.
    config.timeouts.shutdown_grace = Duration::from_millis(100);
    Ok(config)
}

/// Runs the proxy with `config` on `bind` (port 0 for a free one) on a thread of its own,
/// and returns the address once it serves.
fn serve(config: Config, bind: SocketAddr) -> Result<(SocketAddr, Running)> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr>>();
    let (stop, stopped) = oneshot::channel::<()>();
    let (kill, killed) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("petrel-proxy".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(Error::new(format!("proxy runtime: {e}"))));
                    return;
                }
            };
            runtime.block_on(async move {
                // tokio sets SO_REUSEADDR, so a restart can bind the address again while the
                // connections of the previous run linger in TIME_WAIT.
                let listener = match tokio::net::TcpListener::bind(bind).await {
                    Ok(listener) => listener,
                    Err(e) => {
                        let _ = ready_tx.send(Err(Error::new(format!("binding {bind}: {e}"))));
                        return;
                    }
                };
                let addr = listener.local_addr();
                let served = petrel_proxy::run(config, listener, async {
                    let _ = stopped.await;
                });
                match addr {
                    Ok(addr) => {
                        let _ = ready_tx.send(Ok(addr));
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(Error::new(format!("listener address: {e}"))));
                        return;
                    }
                }
                tokio::select! {
                    served = served => {
                        if let Err(e) = served {
                            eprintln!("petrel-proxy stopped with an error: {e}");
                        }
                    }
                    // Returning drops the runtime below, and with it every session's task.
                    _ = killed => {}
                }
            });
        })
        .context(|| "spawning the proxy thread".into())?;
    let addr = ready_rx
        .recv()
        .map_err(|_| Error::new("the proxy thread ended before listening"))??;
    wait_serving(addr, &thread)?;
    Ok((addr, Running { stop, kill, thread }))
}

/// `run` can still refuse the configuration after the listener is bound; a refused
/// configuration ends the thread, which shows up here rather than as a confusing connection
/// error later.
fn wait_serving(addr: SocketAddr, thread: &JoinHandle<()>) -> Result<()> {
    for _ in 0..100 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if thread.is_finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(Error::new(format!(
        "petrel-proxy did not start serving on {addr} (see its error above)"
    )))
}
