//! The periodic cleanup: rows that served their purpose are deleted, so no table grows
//! without end (API.md "Rows do not grow without end").
//!
//! Every rule is one `DELETE` written once for both dialects, whose `$1` is a cutoff in Unix
//! milliseconds: now minus the rule's `keep`. To delete something new, add one [`Rule`] to
//! [`RULES`]; the task, its log line and the tests' `run_once` pick it up.

use std::time::Duration;

use crate::db::{self, Db, on};
use crate::settings::Settings;
use crate::state::AppState;

/// One kind of row the cleanup deletes.
pub struct Rule {
    /// What is deleted, for the log.
    pub what: &'static str,
    /// One `DELETE` for both dialects; `$1` is the cutoff in Unix milliseconds.
    pub sql: &'static str,
    /// How long a row is kept once it has served its purpose.
    pub keep: fn(&Settings) -> Duration,
}

/// Everything one pass deletes, in order.
pub const RULES: &[Rule] = &[
    // Their refresh tokens go with them (ON DELETE CASCADE). An ended session's tokens
    // answer 401 whether or not its row is still there.
    Rule {
        what: "ended or expired sessions",
        sql: "DELETE FROM sessions WHERE revoked_at_ms < $1 OR expires_at_ms < $1",
        keep: |s| s.ended_session_keep,
    },
    Rule {
        what: "login and sign-up attempts of a passed window",
        sql: "DELETE FROM login_attempts WHERE at_ms < $1",
        keep: |s| s.login_limits.window,
    },
    Rule {
        what: "order events of deleted users",
        sql: "DELETE FROM order_events WHERE created_at_ms < $1 \
              AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = order_events.user_id)",
        keep: |_| Duration::ZERO,
    },
    Rule {
        what: "Idempotency-Key answers older than 24 hours",
        sql: "DELETE FROM idempotency_keys WHERE created_at_ms < $1",
        keep: |_| db::idempotency::KEEP,
    },
];

/// How many rows one rule deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    pub what: &'static str,
    pub rows: u64,
}

/// One pass over [`RULES`], each in its own short transaction.
pub async fn run_once(db: &Db, settings: &Settings) -> Result<Vec<Deleted>, sqlx::Error> {
    let now_ms = db::now_ms();
    let mut out = Vec::with_capacity(RULES.len());
    for rule in RULES {
        let cutoff = now_ms.saturating_sub((rule.keep)(settings).as_millis() as i64);
        let mut tx = db.begin().await?;
        let rows = on!(tx.ex(), c => sqlx::query(rule.sql)
            .bind(cutoff)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        out.push(Deleted {
            what: rule.what,
            rows,
        });
    }
    Ok(out)
}

/// Runs a pass every `settings.cleanup_interval` until the server shuts down.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut stopping = state.shutdown.subscribe();
        let mut every = tokio::time::interval(state.settings.cleanup_interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.changed() => return,
            }
            state.limiter.sweep();
            match run_once(&state.db, &state.settings).await {
                Ok(done) => {
                    for d in done.iter().filter(|d| d.rows > 0) {
                        tracing::info!(rows = d.rows, "cleanup deleted {}", d.what);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cleanup pass failed; retrying later"),
            }
        }
    });
}
