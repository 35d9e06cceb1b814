//! Admission control: total connections, sessions per client address, and the upgrade rate
//! per client address. Each check hands out a guard that gives the slot back when dropped,
//! so a slot can never leak on an early return.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Limits as LimitConfig;

/// The shared state behind the limits of one server.
#[derive(Debug)]
pub struct Limits {
    connections: Arc<Semaphore>,
    max_connections: usize,
    sessions: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_sessions_per_address: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
    upgrades_per_minute: f64,
}

/// A token bucket: holds up to `upgrades_per_minute` tokens, refilled evenly over a minute.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The rate buckets are pruned when the table grows past this many addresses, so that a
/// scan over many source addresses cannot grow it without bound.
const BUCKET_PRUNE_AT: usize = 4096;

/// Holds one connection slot.
pub type ConnectionSlot = OwnedSemaphorePermit;

/// Holds one session slot of one client address.
#[derive(Debug)]
pub struct SessionSlot {
    sessions: Arc<Mutex<HashMap<IpAddr, usize>>>,
    address: IpAddr,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = sessions.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                sessions.remove(&self.address);
            }
        }
    }
}

impl Limits {
    /// Limits as configured.
    pub fn new(config: &LimitConfig) -> Self {
        Self {
            connections: Arc::new(Semaphore::new(config.max_connections)),
            max_connections: config.max_connections,
            sessions: Arc::default(),
            max_sessions_per_address: config.max_sessions_per_address,
            buckets: Mutex::default(),
            upgrades_per_minute: f64::from(config.upgrades_per_minute),
        }
    }

    /// A connection slot, or `None` when all are taken.
    pub fn connection(&self) -> Option<ConnectionSlot> {
        Arc::clone(&self.connections).try_acquire_owned().ok()
    }

    /// How many connection slots are taken.
    pub fn open_connections(&self) -> usize {
        self.max_connections
            .saturating_sub(self.connections.available_permits())
    }

    /// A session slot for `address`, or `None` when it has as many sessions as allowed.
    pub fn session(&self, address: IpAddr) -> Option<SessionSlot> {
        let address = key(address);
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let count = sessions.entry(address).or_insert(0);
        if *count >= self.max_sessions_per_address {
            return None;
        }
        *count += 1;
        Some(SessionSlot {
            sessions: Arc::clone(&self.sessions),
            address,
        })
    }

    /// Takes one upgrade token for `address`; `false` when its bucket is empty.
    pub fn upgrade(&self, address: IpAddr, now: Instant) -> bool {
        let address = key(address);
        let capacity = self.upgrades_per_minute;
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= BUCKET_PRUNE_AT {
            // A bucket that has refilled completely carries no information.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * per_sec < capacity
            });
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * per_sec;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        if bucket.tokens < 1.0 {
            return false;
        }
        bucket.tokens -= 1.0;
        true
    }
}

/// The unit the per-address limits count: an IPv4 address, or an IPv6 /64, because one
/// host usually has a whole /64 to pick addresses from.
fn key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(max_connections: usize, per_address: usize, per_minute: u32) -> Limits {
        Limits::new(&LimitConfig {
            max_connections,
            max_sessions_per_address: per_address,
            upgrades_per_minute: per_minute,
            ..LimitConfig::default()
        })
    }

    #[test]
    fn connection_slots_come_back() {
        let l = limits(1, 1, 1);
        let slot = l.connection().unwrap();
        assert!(l.connection().is_none());
        assert_eq!(l.open_connections(), 1);
        drop(slot);
        assert_eq!(l.open_connections(), 0);
        assert!(l.connection().is_some());
    }

    #[test]
    fn sessions_are_per_address() {
        let l = limits(10, 2, 1);
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        let s1 = l.session(a).unwrap();
        let _s2 = l.session(a).unwrap();
        assert!(l.session(a).is_none());
        assert!(l.session(b).is_some());
        drop(s1);
        assert!(l.session(a).is_some());
    }

    #[test]
    fn ipv6_hosts_count_by_slash_64() {
        let l = limits(10, 1, 10);
        let _held = l.session("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(l.session("2001:db8:1:2:ffff::9".parse().unwrap()).is_none());
        assert!(l.session("2001:db8:1:3::1".parse().unwrap()).is_some());
        let _v4 = l.session("192.0.2.1".parse().unwrap()).unwrap();
        assert!(l.session("::ffff:192.0.2.1".parse().unwrap()).is_none());
    }

    #[test]
    fn upgrade_bucket_refills_over_a_minute() {
        let l = limits(10, 10, 6);
        let a = IpAddr::from([10, 0, 0, 1]);
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(l.upgrade(a, t0));
        }
        assert!(!l.upgrade(a, t0));
        assert!(!l.upgrade(a, t0 + Duration::from_secs(9)));
        assert!(l.upgrade(a, t0 + Duration::from_secs(11)));
        assert!(l.upgrade(IpAddr::from([10, 0, 0, 2]), t0));
    }
}
