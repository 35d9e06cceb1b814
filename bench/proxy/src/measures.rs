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

/// Each target's MiB/s fetching `bulk_messages` whole bodies in one FETCH: the median of
/// `bulk_runs`, the targets taking turns so that a busy moment of the machine hits them all.
pub async fn bulk(
    targets: &[&Target],
    account: &Account,
    sizes: &Sizes,
) -> Vec<Result<f64, String>> {
    let command = format!("FETCH 1:{} BODY.PEEK[]", sizes.bulk_messages);
    let mut sessions = Vec::new();
    for target in targets {
        let mut opened = account.open(target).await;
        // One untimed fetch warms Dovecot's page cache and the bridge's buffers.
        if let Ok(imap) = opened.as_mut() {
            if let Err(e) = imap.ok(&command).await {
                opened = Err(e);
            }
        }
        sessions.push(opened.map_err(|e| e.to_string()));
    }
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
    for _ in 0..sizes.bulk_runs {
        for (session, rates) in sessions.iter_mut().zip(&mut rates) {
            let Ok(imap) = session else { continue };
            let started = Instant::now();
            match imap.ok(&command).await {
                Ok(reply) => rates.push(
                    reply.literal_bytes as f64
                        / (1024.0 * 1024.0)
                        / started.elapsed().as_secs_f64(),
                ),
                Err(e) => *session = Err(e.to_string()),
            }
        }
    }
    let mut results = Vec::new();
    for (session, mut rates) in sessions.into_iter().zip(rates) {
        results.push(match session {
            Ok(imap) => imap
                .logout()
                .await
                .map(|()| median(&mut rates))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        });
    }
    results
}

/// Each target's p50 and p99 NOOP round trip in microseconds, over `round_trips` NOOPs taken
/// in turns of a tenth.
pub async fn round_trip(
    targets: &[&Target],
    account: &Account,
    sizes: &Sizes,
) -> Vec<Result<(f64, f64), String>> {
    let turn = (sizes.round_trips / 10).max(1);
    let mut sessions = Vec::new();
    for target in targets {
        let mut opened = account.open(target).await;
        if let Ok(imap) = opened.as_mut() {
            // Untimed: the first commands fault in code and buffers on both sides.
            for _ in 0..turn {
                if let Err(e) = imap.ok("NOOP").await {
                    opened = Err(e);
                    break;
                }
            }
        }
        sessions.push(opened.map_err(|e| e.to_string()));
    }
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(sizes.round_trips); targets.len()];
    for _ in 0..sizes.round_trips.div_ceil(turn) {
        for (session, micros) in sessions.iter_mut().zip(&mut samples) {
            let Ok(imap) = session else { continue };
            for _ in 0..turn.min(sizes.round_trips - micros.len()) {
                let started = Instant::now();
                if let Err(e) = imap.ok("NOOP").await {
                    *session = Err(e.to_string());
                    break;
                }
                micros.push(started.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    let mut results = Vec::new();
    for (session, mut micros) in sessions.into_iter().zip(samples) {
        results.push(match session {
            Ok(imap) => imap.logout().await.map_err(|e| e.to_string()).map(|()| {
                micros.sort_by(f64::total_cmp);
                (percentile(&micros, 0.50), percentile(&micros, 0.99))
            }),
            Err(e) => Err(e),
        });
    }
    results
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

/// Each target's connect, LOGIN, LOGOUT sessions completed per second by `churn_workers`
/// clients in a loop, for `churn_for` in all, the targets taking one-second turns.
pub async fn churn(
    targets: &[&Target],
    account: &Account,
    sizes: &Sizes,
) -> Vec<Result<f64, String>> {
    let turns = sizes.churn_for.as_secs().max(1);
    let mut totals: Vec<Result<(u64, f64), String>> = vec![Ok((0, 0.0)); targets.len()];
    for _ in 0..turns {
        for (target, total) in targets.iter().zip(&mut totals) {
            let Ok((done, seconds)) = total else { continue };
            match churn_for(target, account, sizes.churn_workers, Duration::from_secs(1)).await {
                Ok((n, s)) => {
                    *done += n;
                    *seconds += s;
                }
                Err(e) => *total = Err(e.to_string()),
            }
        }
    }
    totals
        .into_iter()
        .map(|t| t.map(|(done, seconds)| done as f64 / seconds))
        .collect()
}

/// Sessions completed by `workers` clients in a loop for `duration`, and the seconds it took
/// (a little over `duration`: sessions under way at the end are finished and counted).
async fn churn_for(
    target: &Target,
    account: &Account,
    workers: usize,
    duration: Duration,
) -> io::Result<(u64, f64)> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + duration;
    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        let (target, account, done) = (target.clone(), account.clone(), done.clone());
        tasks.spawn(async move {
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
    while let Some(result) = tasks.join_next().await {
        result.map_err(io::Error::other)??;
    }
    Ok((
        done.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    ))
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
