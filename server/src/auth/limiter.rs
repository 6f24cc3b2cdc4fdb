//! Failed sign-in limits, per account and per client address, over a sliding window.
//!
//! Kept in the memory of each server process: with several processes behind a load
//! balancer, each counts on its own (documented in the README).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::settings::LoginLimits;

#[derive(Default)]
struct Counts {
    accounts: HashMap<i64, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

pub struct LoginLimiter {
    limits: LoginLimits,
    counts: Mutex<Counts>,
}

fn prune(q: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
}

/// Seconds until the oldest failure in `q` leaves the window, if `q` is at the limit.
fn blocked(
    q: Option<&mut VecDeque<Instant>>,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Option<u64> {
    let q = q?;
    prune(q, window, now);
    if q.len() < limit as usize {
        return None;
    }
    let oldest = *q.front()?;
    let left = window.saturating_sub(now.duration_since(oldest));
    Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            counts: Mutex::new(Counts::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Some(seconds to wait) when this attempt must be refused.
    pub fn check(&self, account: Option<i64>, addr: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let l = self.limits;
        let mut c = self.lock();
        let by_account =
            account.and_then(|id| blocked(c.accounts.get_mut(&id), l.per_account, l.window, now));
        let by_address = blocked(c.addresses.get_mut(&addr), l.per_address, l.window, now);
        by_account.into_iter().chain(by_address).max()
    }

    /// Counts a failure: against the account when it exists, else against the address.
    pub fn fail(&self, account: Option<i64>, addr: IpAddr) {
        let now = Instant::now();
        let mut c = self.lock();
        let q = match account {
            Some(id) => c.accounts.entry(id).or_default(),
            None => c.addresses.entry(addr).or_default(),
        };
        q.push_back(now);
        if c.accounts.len() + c.addresses.len() > 100_000 {
            let w = self.limits.window;
            c.accounts.retain(|_, q| {
                prune(q, w, now);
                !q.is_empty()
            });
            c.addresses.retain(|_, q| {
                prune(q, w, now);
                !q.is_empty()
            });
        }
    }

    /// A successful sign-in resets the account's count (not the address's).
    pub fn succeed(&self, account: i64) {
        self.lock().accounts.remove(&account);
    }
}
