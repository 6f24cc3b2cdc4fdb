//! Argon2id password hashing, always off the async runtime and with at most one hash per
//! core at a time, so sign-ins cannot starve the other requests.

use std::sync::Arc;

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::settings::HashParams;

#[derive(Clone)]
pub struct Hasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the account does not
    /// exist, so that the answer takes as long as for a real account.
    dummy: Arc<str>,
}

impl Hasher {
    pub fn new(p: HashParams) -> anyhow::Result<Self> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let dummy_pw = crate::settings::random_key();
        let dummy = argon2
            .hash_password(dummy_pw.as_bytes())
            .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
            .context("cannot compute the dummy hash")?
            .to_string();
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(cores)),
            dummy: dummy.into(),
        })
    }

    /// The PHC string of a new hash of `password`.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("argon2 failed: {e}"))
        })
        .await
        .context("hashing task failed")?
    }

    /// Whether `password` matches `hash`; with no hash (unknown account), checks the dummy
    /// hash and answers false, taking the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let argon2 = self.argon2.clone();
        let password = password.to_owned();
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.to_string(), str::to_owned);
        let ok = tokio::task::spawn_blocking(move || {
            argon2
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
        .context("verification task failed")?;
        Ok(ok && known)
    }
}
