//! The server's settings: what the command line, the environment and the defaults decide.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

/// Every default of the server, in one place: [`Settings::new`] and the command line's
/// `--help` both read them from here.
pub mod defaults {
    use std::time::Duration;

    pub const BIND: &str = "127.0.0.1:8000";
    pub const ACCESS_TOKEN_MINUTES: u64 = 30;
    pub const REFRESH_TOKEN_DAYS: u64 = 7;
    /// Two refreshes of one token within this window both succeed (API.md).
    pub const REFRESH_GRACE: Duration = Duration::from_secs(10);
    /// How long another process may trust a checked session (a logout reaches it within).
    pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(1);
    pub const LOGIN_MAX_PER_ACCOUNT: u32 = 5;
    pub const LOGIN_MAX_PER_ADDRESS: u32 = 50;
    pub const LOGIN_WINDOW_MINUTES: u64 = 15;
    pub const SIGNUP_MAX_PER_ADDRESS: u32 = 100;
    pub const POOL_SIZE: u32 = 4;
    /// Requests that may wait for a password hash worker.
    pub const HASH_QUEUE: usize = 64;
    pub const MAX_CONNECTIONS: usize = 10_000;
    /// A connection that has not sent a whole request head within this is closed (408).
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// A keep-alive connection idle this long is closed.
    pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// How often the cleanup task runs.
    pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(10 * 60);
    /// How long an ended or expired session is kept before the cleanup deletes it.
    pub const ENDED_SESSION_KEEP: Duration = Duration::from_secs(60 * 60);
    /// How long the menu is served from memory at most. Changes drop it at once (on
    /// PostgreSQL, in every process); this bounds what could go unnoticed otherwise.
    pub const MENU_CACHE_MAX_AGE: Duration = Duration::from_secs(10);
    /// How often an open event stream re-checks its caller's account and session.
    pub const STREAM_RECHECK: Duration = Duration::from_secs(1);

    /// One password hash worker per core.
    pub fn hash_workers() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

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
    /// Sign-ups (successful or not) allowed from one client address within `window`.
    pub signups_per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: defaults::LOGIN_MAX_PER_ACCOUNT,
            per_address: defaults::LOGIN_MAX_PER_ADDRESS,
            signups_per_address: defaults::SIGNUP_MAX_PER_ADDRESS,
            window: Duration::from_secs(defaults::LOGIN_WINDOW_MINUTES * 60),
        }
    }
}

/// Everything the server needs to run. `Debug` never shows the secret key.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Where `GET /metrics` is served (a listener of its own); None: no metrics at all.
    pub metrics_bind: Option<String>,
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
    /// How long the rendered menu is kept at most (changes drop it at once).
    pub menu_cache_max_age: Duration,
    pub hash_params: HashParams,
    pub login_limits: LoginLimits,
    /// Seed a demo menu and demo accounts into an empty database.
    pub demo: bool,
    /// Connections of the read pool (SQLite) or of the pool (PostgreSQL).
    pub pool_size: u32,
    /// Password hashes running at once (one per core).
    pub hash_workers: usize,
    /// Requests that may wait for a hash worker; beyond, 503 "Server busy".
    pub hash_queue: usize,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub cleanup_interval: Duration,
    pub ended_session_keep: Duration,
    pub stream_recheck: Duration,
}

impl Settings {
    /// Settings with the documented defaults for the given database and key.
    pub fn new(database_url: impl Into<String>, secret_key: SecretString) -> Self {
        Self {
            bind: defaults::BIND.into(),
            metrics_bind: None,
            database_url: database_url.into(),
            secret_key,
            access_token_ttl: Duration::from_secs(defaults::ACCESS_TOKEN_MINUTES * 60),
            refresh_token_ttl: Duration::from_secs(defaults::REFRESH_TOKEN_DAYS * 24 * 3600),
            refresh_grace: defaults::REFRESH_GRACE,
            session_cache_ttl: defaults::SESSION_CACHE_TTL,
            menu_cache_max_age: defaults::MENU_CACHE_MAX_AGE,
            hash_params: HashParams::OWASP,
            login_limits: LoginLimits::default(),
            demo: false,
            pool_size: defaults::POOL_SIZE,
            hash_workers: defaults::hash_workers(),
            hash_queue: defaults::HASH_QUEUE,
            max_connections: defaults::MAX_CONNECTIONS,
            header_read_timeout: defaults::HEADER_READ_TIMEOUT,
            idle_timeout: defaults::IDLE_TIMEOUT,
            trusted_proxies: Vec::new(),
            cleanup_interval: defaults::CLEANUP_INTERVAL,
            ended_session_keep: defaults::ENDED_SESSION_KEEP,
            stream_recheck: defaults::STREAM_RECHECK,
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
        anyhow::ensure!(
            self.max_connections >= 1,
            "--max-connections must be at least 1"
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
    create_private_dir(&dir)
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

/// Creates `dir` (and missing parents) readable by this user only (0700); an existing
/// directory is left as it is.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates an empty file readable and writable by this user only (0600) unless it exists,
/// so that SQLite (which gives its -wal and -shm files the database file's mode) never
/// makes the database with the process umask.
pub fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The key in `path` (`--secret-key-file`), surrounding whitespace ignored.
pub fn secret_key_from_file(path: &std::path::Path) -> anyhow::Result<SecretString> {
    let key = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
    let key = key.trim();
    anyhow::ensure!(
        key.len() >= 32,
        "the secret key in {} is shorter than 32 bytes",
        path.display()
    );
    Ok(SecretString::from(key.to_owned()))
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

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::secret_key_from_file;

    #[test]
    fn the_secret_key_file_is_read_trimmed_and_a_short_key_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, format!("  {}\n", "k".repeat(40))).unwrap();
        let key = secret_key_from_file(&path).unwrap();
        assert_eq!(key.expose_secret(), "k".repeat(40));

        std::fs::write(&path, "short-key\n").unwrap();
        let e = secret_key_from_file(&path).unwrap_err().to_string();
        assert!(e.contains("shorter than 32 bytes"), "{e}");
        assert!(
            !e.contains("short-key"),
            "the key itself is never in an error: {e}"
        );

        let e = secret_key_from_file(&dir.path().join("missing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read the secret key file"), "{e}");
    }
}
