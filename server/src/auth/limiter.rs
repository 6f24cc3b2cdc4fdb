//! Attempt limits over a sliding window: failed sign-ins per account and per client address,
//! and sign-ups per address (API.md "Authentication" and "Under abuse").
//!
//! An attempt is *reserved* before its password is hashed, atomically with the check of the
//! limit, so however many attempts arrive at once no more than the limit are checked; a
//! sign-in that succeeds gives its reservation back (and resets the account's count), any
//! other outcome (a wrong password, a client gone mid-hash) leaves it counted.
//!
//! On SQLite (one process) the counts live in this process's memory. On PostgreSQL they are
//! rows of `login_attempts`, reserved under a transaction-level advisory lock on the scope,
//! so every server process on the database enforces one limit together.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::PgPool;

use crate::db::{self, Db};
use crate::settings::LoginLimits;

/// What an attempt is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Failed sign-ins of one account (whichever of its email or username was typed).
    Account(i64),
    /// Failed sign-ins of unknown accounts from one client address.
    Address(IpAddr),
    /// Sign-ups (successful or not) from one client address.
    Signup(IpAddr),
}

impl Scope {
    fn key(&self) -> String {
        match self {
            Scope::Account(id) => format!("account:{id}"),
            Scope::Address(ip) => format!("address:{ip}"),
            Scope::Signup(ip) => format!("signup:{ip}"),
        }
    }

    fn limit(&self, l: &LoginLimits) -> u32 {
        match self {
            Scope::Account(_) => l.per_account,
            Scope::Address(_) => l.per_address,
            Scope::Signup(_) => l.signups_per_address,
        }
    }
}

/// A counted attempt; [`LoginLimiter::release`] gives it back.
#[derive(Debug)]
pub struct Reservation {
    key: String,
    id: i64,
}

/// The attempt is refused: retry after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

pub struct LoginLimiter {
    limits: LoginLimits,
    store: Store,
}

enum Store {
    Memory(Memory),
    Postgres(PgPool),
}

/// Seconds until an attempt made at `oldest_ms` leaves the window, rounded up, at least 1 and
/// never more than the window: with several processes, `oldest_ms` can be a few ms after this
/// process's `now_ms` (another process reserved after our clock was read).
fn retry_after(oldest_ms: i64, window: Duration, now_ms: i64) -> RetryAfter {
    let window_ms = window.as_millis() as i64;
    let left_ms = (oldest_ms + window_ms - now_ms).clamp(0, window_ms);
    RetryAfter(((left_ms + 999) / 1000).max(1) as u64)
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits, db: &Db) -> Self {
        let store = match db.pg_pool() {
            Some(pool) => Store::Postgres(pool.clone()),
            None => Store::Memory(Memory::default()),
        };
        Self { limits, store }
    }

    /// Reserves a sign-in attempt before its password is checked: against the account when
    /// it exists (refused too while the address is over its limit), else against the
    /// address.
    pub async fn reserve_login(
        &self,
        account: Option<i64>,
        addr: IpAddr,
    ) -> Result<Result<Reservation, RetryAfter>, sqlx::Error> {
        match account {
            Some(id) => {
                self.reserve(Scope::Account(id), Some(Scope::Address(addr)))
                    .await
            }
            None => self.reserve(Scope::Address(addr), None).await,
        }
    }

    /// Counts a sign-up from `addr` (never given back).
    pub async fn reserve_signup(
        &self,
        addr: IpAddr,
    ) -> Result<Result<(), RetryAfter>, sqlx::Error> {
        Ok(self.reserve(Scope::Signup(addr), None).await?.map(|_| ()))
    }

    /// Counts an attempt against `scope` unless it (or `also_check`) is at its limit.
    async fn reserve(
        &self,
        scope: Scope,
        also_check: Option<Scope>,
    ) -> Result<Result<Reservation, RetryAfter>, sqlx::Error> {
        let now_ms = db::now_ms();
        let window = self.limits.window;
        let since = now_ms - window.as_millis() as i64;
        let key = scope.key();
        let limit = i64::from(scope.limit(&self.limits));
        let other = also_check.map(|s| (s.key(), i64::from(s.limit(&self.limits))));
        match &self.store {
            Store::Memory(m) => Ok(m.reserve(key, limit, other, since, now_ms, window)),
            Store::Postgres(pool) => {
                const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext($1))";
                const COUNT: &str = "SELECT COUNT(*), MIN(at_ms) FROM login_attempts WHERE scope = $1 AND at_ms > $2";
                const INSERT: &str =
                    "INSERT INTO login_attempts (scope, at_ms) VALUES ($1, $2) RETURNING id";
                let mut tx = pool.begin().await?;
                if let Some((other_key, other_limit)) = &other {
                    let (n, oldest): (i64, Option<i64>) = sqlx::query_as(COUNT)
                        .bind(other_key)
                        .bind(since)
                        .fetch_one(&mut *tx)
                        .await?;
                    if n >= *other_limit {
                        return Ok(Err(retry_after(oldest.unwrap_or(now_ms), window, now_ms)));
                    }
                }
                sqlx::query(LOCK).bind(&key).execute(&mut *tx).await?;
                let (n, oldest): (i64, Option<i64>) = sqlx::query_as(COUNT)
                    .bind(&key)
                    .bind(since)
                    .fetch_one(&mut *tx)
                    .await?;
                if n >= limit {
                    return Ok(Err(retry_after(oldest.unwrap_or(now_ms), window, now_ms)));
                }
                let id: i64 = sqlx::query_scalar(INSERT)
                    .bind(&key)
                    .bind(now_ms)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Ok(Reservation { key, id }))
            }
        }
    }

    /// Gives a reservation back: the attempt turned out not to be a failure.
    pub async fn release(&self, r: Reservation) -> Result<(), sqlx::Error> {
        match &self.store {
            Store::Memory(m) => {
                m.remove(&r.key, Some(r.id));
                Ok(())
            }
            Store::Postgres(pool) => sqlx::query("DELETE FROM login_attempts WHERE id = $1")
                .bind(r.id)
                .execute(pool)
                .await
                .map(|_| ()),
        }
    }

    /// A successful sign-in resets its account's count (not the address's).
    pub async fn reset_account(&self, account: i64) -> Result<(), sqlx::Error> {
        let key = Scope::Account(account).key();
        match &self.store {
            Store::Memory(m) => {
                m.remove(&key, None);
                Ok(())
            }
            Store::Postgres(pool) => sqlx::query("DELETE FROM login_attempts WHERE scope = $1")
                .bind(&key)
                .execute(pool)
                .await
                .map(|_| ()),
        }
    }

    /// Forgets the in-memory attempts of passed windows (the cleanup task; on PostgreSQL
    /// a rule of [`crate::cleanup::RULES`] deletes the rows).
    pub fn sweep(&self) {
        if let Store::Memory(m) = &self.store {
            m.sweep(db::now_ms() - self.limits.window.as_millis() as i64);
        }
    }
}

/// The in-memory store: per scope, the times (ms) and ids of its attempts, oldest first.
#[derive(Default)]
struct Memory {
    scopes: Mutex<HashMap<String, VecDeque<(i64, i64)>>>,
    next_id: AtomicI64,
}

impl Memory {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<(i64, i64)>>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.scopes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Count and oldest attempt of `key` after `since`, dropping older ones.
    fn live(map: &mut HashMap<String, VecDeque<(i64, i64)>>, key: &str, since: i64) -> (i64, i64) {
        let Some(q) = map.get_mut(key) else {
            return (0, 0);
        };
        while q.front().is_some_and(|(at, _)| *at <= since) {
            q.pop_front();
        }
        (q.len() as i64, q.front().map_or(0, |(at, _)| *at))
    }

    fn reserve(
        &self,
        key: String,
        limit: i64,
        other: Option<(String, i64)>,
        since: i64,
        now_ms: i64,
        window: Duration,
    ) -> Result<Reservation, RetryAfter> {
        let mut map = self.lock();
        if let Some((other_key, other_limit)) = other {
            let (n, oldest) = Self::live(&mut map, &other_key, since);
            if n >= other_limit {
                return Err(retry_after(oldest, window, now_ms));
            }
        }
        let (n, oldest) = Self::live(&mut map, &key, since);
        if n >= limit {
            return Err(retry_after(oldest, window, now_ms));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        map.entry(key.clone()).or_default().push_back((now_ms, id));
        Ok(Reservation { key, id })
    }

    /// Removes one attempt of `key` (by id), or all of them.
    fn remove(&self, key: &str, id: Option<i64>) {
        let mut map = self.lock();
        match id {
            None => {
                map.remove(key);
            }
            Some(id) => {
                if let Some(q) = map.get_mut(key) {
                    q.retain(|(_, i)| *i != id);
                    if q.is_empty() {
                        map.remove(key);
                    }
                }
            }
        }
    }

    fn sweep(&self, since: i64) {
        self.lock().retain(|_, q| {
            while q.front().is_some_and(|(at, _)| *at <= since) {
                q.pop_front();
            }
            !q.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_reserves_up_to_the_limit_and_release_gives_one_back() {
        let m = Memory::default();
        let w = Duration::from_secs(60);
        let r: Vec<_> = (0..3)
            .map(|_| m.reserve("k".into(), 3, None, 0, 1000, w))
            .collect();
        assert!(r.iter().all(Result::is_ok));
        assert_eq!(
            m.reserve("k".into(), 3, None, 0, 1000, w).unwrap_err(),
            RetryAfter(60)
        );
        let first = r.into_iter().next().unwrap().unwrap();
        m.remove(&first.key, Some(first.id));
        assert!(m.reserve("k".into(), 3, None, 0, 1000, w).is_ok());
    }

    #[test]
    fn retry_after_never_exceeds_the_window() {
        let w = Duration::from_secs(900);
        // Another process's attempt, stamped 1 ms after this process read its clock.
        assert_eq!(retry_after(1_001, w, 1_000), RetryAfter(900));
        assert_eq!(retry_after(1_000, w, 1_000), RetryAfter(900));
        assert_eq!(retry_after(1_000, w, 1_000 + 899_500), RetryAfter(1));
        assert_eq!(retry_after(0, w, 10_000_000), RetryAfter(1));
    }

    #[test]
    fn memory_refuses_while_the_other_scope_is_full() {
        let m = Memory::default();
        let w = Duration::from_secs(10);
        assert!(m.reserve("addr".into(), 1, None, 0, 1000, w).is_ok());
        let other = Some(("addr".to_owned(), 1));
        assert_eq!(
            m.reserve("acct".into(), 5, other, 0, 5500, w).unwrap_err(),
            RetryAfter(6)
        );
    }
}
