//! The four measures, each run the same way against every target.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::imap::Imap;
use crate::transport::Target;

/// How much work each measure does; `--quick` shrinks everything for a smoke run.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Messages fetched by bulk (each [`crate::MESSAGE_BYTES`] of body).
    pub bulk_messages: usize,
    pub bulk_runs: usize,
    pub round_trips: usize,
    pub idle_sessions: usize,
    pub churn_for: Duration,
    pub churn_workers: usize,
}

impl Sizes {
    pub fn full() -> Self {
        Self {
            bulk_messages: 100,
            bulk_runs: 3,
            round_trips: 5_000,
            idle_sessions: 2_000,
            churn_for: Duration::from_secs(5),
            churn_workers: 8,
        }
    }

    pub fn quick() -> Self {
        Self {
            bulk_messages: 10,
            bulk_runs: 1,
            round_trips: 500,
            idle_sessions: 100,
            churn_for: Duration::from_secs(1),
            churn_workers: 4,
        }
    }
}

/// The account every session signs in as.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: String,
    pub password: String,
    pub mailbox: String,
}

impl Account {
    async fn open(&self, target: &Target) -> io::Result<Imap> {
        Imap::open(target, &self.user, &self.password, &self.mailbox).await
    }
}

/// MiB/s fetching `messages` whole bodies in one FETCH: the median of `runs`.
pub async fn bulk(target: &Target, account: &Account, sizes: &Sizes) -> io::Result<f64> {
    let mut imap = account.open(target).await?;
    let command = format!("FETCH 1:{} BODY.PEEK[]", sizes.bulk_messages);
    // One untimed run warms Dovecot's page cache and the bridge's buffers.
    imap.ok(&command).await?;
    let mut rates = Vec::new();
    for _ in 0..sizes.bulk_runs {
        let started = Instant::now();
        let reply = imap.ok(&command).await?;
        let seconds = started.elapsed().as_secs_f64();
        rates.push(reply.literal_bytes as f64 / (1024.0 * 1024.0) / seconds);
    }
    imap.logout().await?;
    Ok(median(&mut rates))
}

/// p50 and p99 of NOOP round trips, in microseconds.
pub async fn round_trip(
    target: &Target,
    account: &Account,
    sizes: &Sizes,
) -> io::Result<(f64, f64)> {
    let mut imap = account.open(target).await?;
    for _ in 0..sizes.round_trips / 10 {
        imap.ok("NOOP").await?;
    }
    let mut micros = Vec::with_capacity(sizes.round_trips);
    for _ in 0..sizes.round_trips {
        let started = Instant::now();
        imap.ok("NOOP").await?;
        micros.push(started.elapsed().as_secs_f64() * 1e6);
    }
    imap.logout().await?;
    micros.sort_by(f64::total_cmp);
    Ok((percentile(&micros, 0.50), percentile(&micros, 0.99)))
}

/// Opens `sessions` sessions (signed in, INBOX selected, in IDLE) and returns them, so
/// that the caller can read the bridge's memory while they are open.
pub async fn open_idle(
    target: &Target,
    account: &Account,
    sessions: usize,
) -> io::Result<Vec<Imap>> {
    // Enough in flight to keep both cores busy with handshakes, few enough not to trip
    // listen backlogs.
    const IN_FLIGHT: usize = 32;
    let mut open = Vec::with_capacity(sessions);
    let mut pending = JoinSet::new();
    let mut started = 0;
    while open.len() < sessions {
        while started < sessions && pending.len() < IN_FLIGHT {
            let (target, account) = (target.clone(), account.clone());
            pending.spawn(async move {
                let mut imap = account.open(&target).await?;
                imap.idle().await?;
                Ok::<_, io::Error>(imap)
            });
            started += 1;
        }
        match pending.join_next().await {
            Some(Ok(Ok(imap))) => open.push(imap),
            Some(Ok(Err(e))) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("idle session {}: {e}", open.len() + 1),
                ))
            }
            Some(Err(e)) => return Err(io::Error::other(e)),
            None => break,
        }
    }
    Ok(open)
}

/// Connect, LOGIN, LOGOUT sessions completed per second by `workers` clients in a loop.
pub async fn churn(target: &Target, account: &Account, sizes: &Sizes) -> io::Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + sizes.churn_for;
    let mut workers = JoinSet::new();
    for _ in 0..sizes.churn_workers {
        let (target, account, done) = (target.clone(), account.clone(), done.clone());
        workers.spawn(async move {
            while Instant::now() < until {
                let mut imap = Imap::connect(&target).await?;
                imap.ok(&format!(
                    "LOGIN \"{}\" \"{}\"",
                    account.user, account.password
                ))
                .await?;
                imap.logout().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, io::Error>(())
        });
    }
    while let Some(result) = workers.join_next().await {
        result.map_err(io::Error::other)??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(values, 0.5)
}

/// Nearest-rank percentile of sorted `values`.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
    }
}
