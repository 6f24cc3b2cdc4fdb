//! Deletes the `Idempotency-Key` answers older than 24 hours: once at start-up, then every
//! hour, until the server shuts down. (A small task of its own until the server's general
//! cleanup task takes this statement over: `db::idempotency::delete_expired`.)

use std::time::Duration;

use tokio::sync::watch;

use crate::db::{self, Db};

/// How often expired answers are deleted.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts the task; it ends when `stop` turns true or its sender is dropped.
pub fn spawn(db: Db, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = run_once(&db).await {
                        tracing::warn!(error = %e, "cannot delete expired idempotency keys");
                    }
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
            }
        }
    });
}

/// Deletes the expired answers now; how many.
pub async fn run_once(db: &Db) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = db::idempotency::delete_expired(tx.ex(), db::now_ms()).await?;
    tx.commit().await?;
    Ok(n)
}
