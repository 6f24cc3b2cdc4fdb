//! Stored answers of requests made with an `Idempotency-Key` (API.md v1.1).
//!
//! A key is claimed by inserting its row in the transaction that carries the request out,
//! and its answer is written in that same transaction. So the row is never seen half-done
//! by anyone else: a concurrent duplicate's insert waits for the first transaction
//! (PostgreSQL's unique index; SQLite's single writer) and then finds the finished answer,
//! or, if the first rolled back, claims the key itself.

use super::{Ex, on};

/// How long an answer is kept: 24 hours (then `cleanup` deletes it).
pub const KEEP: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
const KEEP_MS: i64 = KEEP.as_millis() as i64;

/// What a key already holds for this user.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key was free and is now claimed by the caller's transaction.
    Claimed,
    /// The key holds the answer to a request with this fingerprint.
    Answered {
        fingerprint: String,
        /// None while that request is still being carried out.
        answer: Option<(u16, String)>,
    },
}

/// Claims `key` for `user_id` in the caller's transaction, or tells what it holds. An
/// answer older than [`KEEP_MS`] counts as gone.
pub async fn claim(
    ex: Ex<'_>,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    now_ms: i64,
) -> Result<Claim, sqlx::Error> {
    const EXPIRED: &str =
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND created_at_ms < $3";
    const INSERT: &str = "INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, created_at_ms) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, idem_key) DO NOTHING";
    const SELECT: &str = "SELECT fingerprint, status, body FROM idempotency_keys \
         WHERE user_id = $1 AND idem_key = $2";
    on!(ex, c => {
        sqlx::query(EXPIRED)
            .bind(user_id)
            .bind(key)
            .bind(now_ms - KEEP_MS)
            .execute(&mut *c)
            .await?;
        let inserted = sqlx::query(INSERT)
            .bind(user_id)
            .bind(key)
            .bind(fingerprint)
            .bind(now_ms)
            .execute(&mut *c)
            .await?
            .rows_affected();
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(SELECT)
            .bind(user_id)
            .bind(key)
            .fetch_optional(&mut *c)
            .await?;
        Ok(match row {
            Some((fingerprint, status, body)) => Claim::Answered {
                fingerprint,
                answer: status.zip(body).map(|(s, b)| (s as u16, b)),
            },
            // Deleted between the insert and the select (by the cleanup): as in progress.
            None => Claim::Answered {
                fingerprint: fingerprint.to_owned(),
                answer: None,
            },
        })
    })
}

/// Writes the answer of a claimed key.
pub async fn answer(
    ex: Ex<'_>,
    user_id: i64,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "UPDATE idempotency_keys SET status = $3, body = $4 WHERE user_id = $1 AND idem_key = $2";
    on!(ex, c => sqlx::query(SQL)
        .bind(user_id)
        .bind(key)
        .bind(i64::from(status))
        .bind(body)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Marks a point in the transaction that [`rollback_to_savepoint`] returns to, so that a
/// request that fails can undo its work and still keep its answer.
pub async fn savepoint(ex: Ex<'_>) -> Result<(), sqlx::Error> {
    on!(ex, c => sqlx::query("SAVEPOINT idempotent_request").execute(c).await.map(|_| ()))
}

pub async fn rollback_to_savepoint(ex: Ex<'_>) -> Result<(), sqlx::Error> {
    on!(ex, c => sqlx::query("ROLLBACK TO SAVEPOINT idempotent_request")
        .execute(c)
        .await
        .map(|_| ()))
}
