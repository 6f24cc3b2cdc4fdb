//! Logs go to a file in the user's state (or cache) directory, never to the screen.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// The log file: `<state dir>/comanda.log`, or the cache dir where there is no state dir.
pub fn log_path() -> Option<PathBuf> {
    let dirs = crate::config::dirs()?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.cache_dir())
        .to_path_buf();
    Some(dir.join("comanda.log"))
}

/// Starts logging to the file (level from `COMANDA_LOG`, default `info`). Returns the path,
/// or `None` if no file could be opened (then nothing is logged).
pub fn init() -> Option<PathBuf> {
    let path = log_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_env("COMANDA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
