//! The server's settings: what the command line, the environment and the defaults decide.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashParams {
    /// The OWASP minimum for argon2id: 19 MiB, 2 passes, 1 lane.
    pub const OWASP: HashParams = HashParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// Cheap parameters for tests only: the same algorithm, far less work.
    pub const TESTING: HashParams = HashParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
}

/// Limits on failed sign-ins.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures allowed for one account within `window`.
    pub per_account: u32,
    /// Failures allowed from one client address (unknown accounts) within `window`.
    pub per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Everything the server needs to run. `Debug` never shows the secret key.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// The HS256 key (at least 32 bytes).
    pub secret_key: SecretString,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long a rotated-away refresh token still answers with the same new pair.
    pub refresh_grace: Duration,
    /// How long a checked session is trusted without asking the database again. Other
    /// processes see a logout within this time; this process sees it at once.
    pub session_cache_ttl: Duration,
    pub hash_params: HashParams,
    pub login_limits: LoginLimits,
    /// Seed a demo menu and demo accounts into an empty database.
    pub demo: bool,
    /// Connections of the read pool (SQLite) or of the pool (PostgreSQL).
    pub pool_size: u32,
}

impl Settings {
    /// Settings with the documented defaults for the given database and key.
    pub fn new(database_url: impl Into<String>, secret_key: SecretString) -> Self {
        Self {
            bind: "127.0.0.1:8000".into(),
            database_url: database_url.into(),
            secret_key,
            access_token_ttl: Duration::from_secs(30 * 60),
            refresh_token_ttl: Duration::from_secs(7 * 24 * 3600),
            refresh_grace: Duration::from_secs(10),
            session_cache_ttl: Duration::from_secs(1),
            hash_params: HashParams::OWASP,
            login_limits: LoginLimits::default(),
            demo: false,
            pool_size: 4,
        }
    }

    /// 127.0.0.1:0, the given database, a random key, cheap argon2 parameters.
    pub fn for_tests(database_url: &str) -> Self {
        let mut s = Self::new(database_url, SecretString::from(random_key()));
        s.bind = "127.0.0.1:0".into();
        s.hash_params = HashParams::TESTING;
        s
    }

    /// Refuses settings that cannot work, before anything starts.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.secret_key.expose_secret().len() >= 32,
            "the secret key must be at least 32 bytes long"
        );
        anyhow::ensure!(
            self.access_token_ttl.as_secs() >= 1,
            "the access token lifetime must be at least one second"
        );
        anyhow::ensure!(
            self.database_url.starts_with("sqlite:")
                || self.database_url.starts_with("postgres:")
                || self.database_url.starts_with("postgresql:"),
            "the database URL must start with sqlite:// or postgres://"
        );
        Ok(())
    }
}

/// 64 random bytes, URL-safe base64: a fresh HS256 key.
pub fn random_key() -> String {
    use base64::Engine;
    let bytes: [u8; 48] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The user's data directory for Comanda (created if missing).
pub fn data_dir() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "comanda")
        .context("cannot find a home directory for the data directory")?;
    let dir = dirs.data_dir().to_path_buf();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    Ok(dir)
}

/// `sqlite://<data dir>/comanda.db`.
pub fn default_database_url() -> anyhow::Result<String> {
    Ok(format!(
        "sqlite://{}",
        data_dir()?.join("comanda.db").to_string_lossy()
    ))
}

/// The key kept in `<data dir>/secret.key`, generated with mode 0600 on first use.
pub fn stored_secret_key() -> anyhow::Result<SecretString> {
    let path = data_dir()?.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= 32 => Ok(SecretString::from(key.trim().to_owned())),
        Ok(_) => anyhow::bail!(
            "{} holds a key shorter than 32 bytes; remove it to generate a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = random_key();
            write_private(&path, &key)
                .with_context(|| format!("cannot write the secret key to {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new secret key");
            Ok(SecretString::from(key))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
