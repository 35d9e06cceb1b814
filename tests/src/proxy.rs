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

/// A running proxy; stopped on drop.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts the proxy and returns once it is listening.
    pub fn start(options: ProxyOptions) -> Result<Self> {
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

        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr>>();
        let (stop, stopped) = oneshot::channel::<()>();
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
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(listener) => listener,
                        Err(e) => {
                            let _ =
                                ready_tx.send(Err(Error::new(format!("binding 127.0.0.1:0: {e}"))));
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
                            let _ =
                                ready_tx.send(Err(Error::new(format!("listener address: {e}"))));
                            return;
                        }
                    }
                    if let Err(e) = served.await {
                        eprintln!("petrel-proxy stopped with an error: {e}");
                    }
                });
            })
            .context(|| "spawning the proxy thread".into())?;
        let addr = ready_rx
            .recv()
            .map_err(|_| Error::new("the proxy thread ended before listening"))??;
        let mut proxy = Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        };
        proxy.wait_serving()?;
        Ok(proxy)
    }

    /// `run` can still refuse the configuration after the listener is bound; a refused
    /// configuration ends the thread, which shows up here rather than as a confusing
    /// connection error later.
    fn wait_serving(&mut self) -> Result<()> {
        for _ in 0..100 {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return Ok(());
            }
            if self.thread.as_ref().is_some_and(|t| t.is_finished()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(Error::new(format!(
            "petrel-proxy did not start serving on {} (see its error above)",
            self.addr
        )))
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
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
