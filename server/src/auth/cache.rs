//! Checked sessions kept in memory for a short time, so most requests authenticate without
//! a query. This process drops an entry at once when it ends a session or changes a user;
//! other processes sharing the database trust an entry for at most `ttl` (one second by
//! default), which is how a logout reaches them "within a second".

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use comanda_common::UserPublic;

#[derive(Clone, Debug)]
pub struct CachedAuth {
    pub user: UserPublic,
    pub session_expires_at_ms: i64,
}

pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<i64, (Instant, CachedAuth)>>,
}

/// Above this many entries, expired ones are swept on insert.
const SWEEP_AT: usize = 10_000;

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, CachedAuth)>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, sid: i64) -> Option<CachedAuth> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.lock();
        let (at, auth) = map.get(&sid)?;
        (at.elapsed() < self.ttl).then(|| auth.clone())
    }

    pub fn put(&self, sid: i64, auth: CachedAuth) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.lock();
        if map.len() >= SWEEP_AT {
            let ttl = self.ttl;
            map.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        map.insert(sid, (Instant::now(), auth));
    }

    /// Forgets one session.
    pub fn forget_session(&self, sid: i64) {
        self.lock().remove(&sid);
    }

    /// Forgets every session of a user (logout everywhere, password change, deactivation,
    /// deletion, promotion).
    pub fn forget_user(&self, user_id: i64) {
        self.lock().retain(|_, (_, a)| a.user.id != user_id);
    }
}
