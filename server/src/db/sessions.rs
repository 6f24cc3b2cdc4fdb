//! Sessions and their refresh tokens. A session is one sign-in; each access token names it
//! (`sid`), and every request checks it, so ending a session is immediate.

use super::users::UserRow;
use super::{Ex, on};

/// The user of a session with the session's state.
#[derive(sqlx::FromRow, Clone)]
pub struct AuthRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub revoked_at_ms: Option<i64>,
    pub expires_at_ms: i64,
}

/// The user and session state needed to authenticate a request, in one query.
pub async fn auth_lookup(ex: Ex<'_>, sid: i64) -> Result<Option<AuthRow>, sqlx::Error> {
    const SQL: &str = "SELECT u.id, u.username, u.email, u.password_hash, u.is_admin, u.is_active, u.created_at, \
         s.revoked_at_ms, s.expires_at_ms \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(sid).fetch_optional(c).await)
}

/// Starts a session with its first refresh token; returns the session id.
pub async fn create(
    ex: Ex<'_>,
    user_id: i64,
    token_hash: &str,
    now_ms: i64,
    expires_at_ms: i64,
    access_iat: i64,
) -> Result<i64, sqlx::Error> {
    const SESSION: &str = "INSERT INTO sessions (user_id, created_at_ms, expires_at_ms, access_iat) \
         VALUES ($1, $2, $3, $4) RETURNING id";
    const TOKEN: &str =
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at_ms) VALUES ($1, $2, $3)";
    on!(ex, c => {
        let sid: i64 = sqlx::query_scalar(SESSION)
            .bind(user_id)
            .bind(now_ms)
            .bind(expires_at_ms)
            .bind(access_iat)
            .fetch_one(&mut *c)
            .await?;
        sqlx::query(TOKEN)
            .bind(token_hash)
            .bind(sid)
            .bind(now_ms)
            .execute(&mut *c)
            .await?;
        Ok(sid)
    })
}

/// A refresh token with its session, as found by the token's hash.
#[derive(sqlx::FromRow, Debug)]
pub struct RefreshRow {
    pub session_id: i64,
    pub user_id: i64,
    pub replaced_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
    pub expires_at_ms: i64,
    pub access_iat: i64,
    pub is_active: bool,
}

pub async fn find_refresh(ex: Ex<'_>, token_hash: &str) -> Result<Option<RefreshRow>, sqlx::Error> {
    const SQL: &str = "SELECT s.id AS session_id, s.user_id, r.replaced_at_ms, s.revoked_at_ms, \
         s.expires_at_ms, s.access_iat, u.is_active \
         FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id \
         WHERE r.token_hash = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await)
}

/// Whether `token_hash` is the session's current (not rotated away) refresh token.
pub async fn is_current(ex: Ex<'_>, token_hash: &str) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = $1 AND replaced_at_ms IS NULL)";
    on!(ex, c => sqlx::query_scalar(SQL).bind(token_hash).fetch_one(c).await)
}

/// Rotates: marks `old_hash` replaced (only if it still is current) and stores `new_hash`.
/// Returns false when another request rotated it first.
pub async fn rotate(
    ex: Ex<'_>,
    session_id: i64,
    old_hash: &str,
    new_hash: &str,
    now_ms: i64,
    expires_at_ms: i64,
    access_iat: i64,
) -> Result<bool, sqlx::Error> {
    const MARK: &str = "UPDATE refresh_tokens SET replaced_at_ms = $2 WHERE token_hash = $1 AND replaced_at_ms IS NULL";
    const TOKEN: &str =
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at_ms) VALUES ($1, $2, $3)";
    const SESSION: &str = "UPDATE sessions SET expires_at_ms = $2, access_iat = $3 WHERE id = $1";
    on!(ex, c => {
        let marked = sqlx::query(MARK)
            .bind(old_hash)
            .bind(now_ms)
            .execute(&mut *c)
            .await?
            .rows_affected();
        if marked == 0 {
            return Ok(false);
        }
        sqlx::query(TOKEN)
            .bind(new_hash)
            .bind(session_id)
            .bind(now_ms)
            .execute(&mut *c)
            .await?;
        sqlx::query(SESSION)
            .bind(session_id)
            .bind(expires_at_ms)
            .bind(access_iat)
            .execute(&mut *c)
            .await?;
        Ok(true)
    })
}

/// Ends one session.
pub async fn revoke(ex: Ex<'_>, session_id: i64, now_ms: i64) -> Result<(), sqlx::Error> {
    const SQL: &str =
        "UPDATE sessions SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL";
    on!(ex, c => sqlx::query(SQL).bind(session_id).bind(now_ms).execute(c).await.map(|_| ()))
}

/// Ends every session of a user except `keep` (if given).
pub async fn revoke_all(
    ex: Ex<'_>,
    user_id: i64,
    keep: Option<i64>,
    now_ms: i64,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE sessions SET revoked_at_ms = $2 \
         WHERE user_id = $1 AND revoked_at_ms IS NULL AND id <> $3";
    on!(ex, c => sqlx::query(SQL)
        .bind(user_id)
        .bind(now_ms)
        .bind(keep.unwrap_or(0))
        .execute(c)
        .await
        .map(|_| ()))
}
