//! Argon2id password hashing, always off the async runtime, with at most one hash per core
//! at a time and a bounded queue of requests waiting for one (API.md "Password hashing is
//! bounded").
//!
//! The permit that bounds the hashes is moved into the blocking task that hashes, so a hash
//! that has started holds it until it finishes, whether or not the request that asked is
//! still waiting for the answer: the number of hashes in progress never exceeds the permits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::settings::HashParams;

/// Why a hash did not happen.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every worker is hashing and the queue is full: answer 503 at once.
    #[error("every password hashing worker is busy and the queue is full")]
    Busy,
    #[error("argon2 failed: {0}")]
    Argon2(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The outcome of checking a password.
#[derive(Debug)]
pub struct Verified {
    /// The password matches (always false for an unknown account).
    pub ok: bool,
    /// A new hash of the matching password with the configured parameters, when the stored
    /// one was made with others (re-hashed in the same permit).
    pub rehash: Option<String>,
}

#[derive(Clone)]
pub struct Hasher {
    argon2: Argon2<'static>,
    params: HashParams,
    permits: Arc<Semaphore>,
    workers: usize,
    /// Requests waiting for a permit, and how many may.
    waiting: Arc<AtomicUsize>,
    queue: usize,
    /// A real hash of a random password, verified against when the account does not
    /// exist, so that the answer takes as long as for a real account.
    dummy: Arc<str>,
}

/// Takes one place in the queue; gives it back when dropped.
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Hasher {
    /// `workers` hashes at a time (at least one), `queue` requests waiting at most.
    pub fn new(p: HashParams, workers: usize, queue: usize) -> anyhow::Result<Self> {
        let argon2 = argon2_for(p)?;
        let dummy_pw = crate::settings::random_key();
        let dummy = argon2
            .hash_password(dummy_pw.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot compute the dummy hash: {e}"))?
            .to_string();
        Ok(Self {
            argon2,
            params: p,
            permits: Arc::new(Semaphore::new(workers.max(1))),
            workers: workers.max(1),
            waiting: Arc::default(),
            queue,
            dummy: dummy.into(),
        })
    }

    /// Hashes running now (for tests and measurements).
    pub fn running(&self) -> usize {
        self.workers
            .saturating_sub(self.permits.available_permits())
    }

    /// Requests waiting for a worker now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// A permit: at once when a worker is free, else after waiting in the bounded queue.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, HashError> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(p);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        let _place = Waiting(self.waiting.clone());
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Busy)
    }

    /// Runs `job` on a blocking thread holding a permit until it returns.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = self.permit().await?;
        let argon2 = self.argon2.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let out = job(&argon2);
            drop(permit);
            out
        })
        .await?)
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move |a| {
            a.hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| HashError::Argon2(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `hash`; with no hash (unknown account), checks the dummy
    /// hash and answers false, taking the same time. A match against a hash made with other
    /// parameters comes with a new hash.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<Verified, HashError> {
        let password = password.to_owned();
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.to_string(), str::to_owned);
        let params = self.params;
        self.run(move |a| {
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return Ok(Verified {
                    ok: false,
                    rehash: None,
                });
            };
            let ok = a.verify_password(password.as_bytes(), &parsed).is_ok() && known;
            let rehash = if ok && !made_with(&parsed, params) {
                Some(
                    a.hash_password(password.as_bytes())
                        .map_err(|e| HashError::Argon2(e.to_string()))?
                        .to_string(),
                )
            } else {
                None
            };
            Ok(Verified { ok, rehash })
        })
        .await?
    }
}

fn argon2_for(p: HashParams) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Whether a stored hash is argon2id with exactly these parameters.
fn made_with(h: &PasswordHash, p: HashParams) -> bool {
    h.algorithm.as_str() == "argon2id"
        && Params::try_from(h).is_ok_and(|got| {
            got.m_cost() == p.memory_kib
                && got.t_cost() == p.iterations
                && got.p_cost() == p.parallelism
        })
}
