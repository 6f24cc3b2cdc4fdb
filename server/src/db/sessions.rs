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

/// What is recorded of a sign-in.
pub struct NewSession<'a> {
    pub user_id: i64,
    pub now_ms: i64,
    pub expires_at_ms: i64,
    pub access_iat: i64,
    pub user_agent: Option<&'a str>,
    pub address: Option<&'a str>,
}

/// Starts a session at refresh generation 1; returns the session id. Its refresh tokens
/// are not stored: they name the session and generation (see `auth::tokens`).
pub async fn create(ex: Ex<'_>, s: &NewSession<'_>) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO sessions (user_id, created_at_ms, expires_at_ms, access_iat, \
         user_agent, address, last_used_at_ms, refresh_gen) \
         VALUES ($1, $2, $3, $4, $5, $6, $2, 1) RETURNING id";
    on!(ex, c => sqlx::query_scalar(SQL)
        .bind(s.user_id)
        .bind(s.now_ms)
        .bind(s.expires_at_ms)
        .bind(s.access_iat)
        .bind(s.user_agent)
        .bind(s.address)
        .fetch_one(c)
        .await)
}

/// A session as a refresh sees it.
#[derive(sqlx::FromRow, Debug)]
pub struct RefreshState {
    pub user_id: i64,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    pub expires_at_ms: i64,
    pub access_iat: i64,
    pub refresh_gen: i64,
    pub rotated_at_ms: Option<i64>,
    pub is_active: bool,
}

pub async fn refresh_state(ex: Ex<'_>, sid: i64) -> Result<Option<RefreshState>, sqlx::Error> {
    const SQL: &str = "SELECT s.user_id, s.created_at_ms, s.revoked_at_ms, s.expires_at_ms, \
         s.access_iat, s.refresh_gen, s.rotated_at_ms, u.is_active \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(sid).fetch_optional(c).await)
}

/// Moves a session from refresh generation `from` to `from + 1` (only if it still is at
/// `from`); false when a concurrent refresh moved it first.
pub async fn advance(
    ex: Ex<'_>,
    sid: i64,
    from: i64,
    now_ms: i64,
    expires_at_ms: i64,
    access_iat: i64,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE sessions SET refresh_gen = refresh_gen + 1, rotated_at_ms = $3, \
         last_used_at_ms = $3, expires_at_ms = $4, access_iat = $5 \
         WHERE id = $1 AND refresh_gen = $2 AND revoked_at_ms IS NULL";
    on!(ex, c => sqlx::query(SQL)
        .bind(sid)
        .bind(from)
        .bind(now_ms)
        .bind(expires_at_ms)
        .bind(access_iat)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// One session as `GET /auth/sessions` lists it.
#[derive(sqlx::FromRow, Debug)]
pub struct SessionRow {
    pub id: i64,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub user_agent: Option<String>,
    pub address: Option<String>,
}

/// The user's sessions that have not ended or expired, newest first.
pub async fn list_live(
    ex: Ex<'_>,
    user_id: i64,
    now_ms: i64,
) -> Result<Vec<SessionRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, created_at_ms, last_used_at_ms, user_agent, address FROM sessions \
         WHERE user_id = $1 AND revoked_at_ms IS NULL AND expires_at_ms > $2 \
         ORDER BY created_at_ms DESC, id DESC";
    on!(ex, c => sqlx::query_as(SQL).bind(user_id).bind(now_ms).fetch_all(c).await)
}

/// Ends session `sid` if it is a live session of `user_id`; false otherwise.
pub async fn end_own(ex: Ex<'_>, user_id: i64, sid: i64, now_ms: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE sessions SET revoked_at_ms = $3 \
         WHERE id = $1 AND user_id = $2 AND revoked_at_ms IS NULL AND expires_at_ms > $3";
    on!(ex, c => sqlx::query(SQL)
        .bind(sid)
        .bind(user_id)
        .bind(now_ms)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// A refresh token with its session, as found by the token's hash.
#[derive(sqlx::FromRow, Debug)]
pub struct RefreshRow {
    pub session_id: i64,
    pub replaced_at_ms: Option<i64>,
}

/// A refresh token made before v1.1 (a row of `refresh_tokens`), by its hash.
pub async fn find_refresh(ex: Ex<'_>, token_hash: &str) -> Result<Option<RefreshRow>, sqlx::Error> {
    const SQL: &str = "SELECT s.id AS session_id, r.replaced_at_ms \
         FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id \
         WHERE r.token_hash = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(token_hash).fetch_optional(c).await)
}

/// Moves a session whose refresh token is still a row of `refresh_tokens` (made before
/// v1.1) to refresh generation 1: marks the row rotated away (only if it still is current;
/// false when a concurrent refresh did it first). The row stays for reuse detection.
pub async fn retire_legacy(
    ex: Ex<'_>,
    sid: i64,
    old_hash: &str,
    now_ms: i64,
    expires_at_ms: i64,
    access_iat: i64,
) -> Result<bool, sqlx::Error> {
    const MARK: &str = "UPDATE refresh_tokens SET replaced_at_ms = $2 WHERE token_hash = $1 AND replaced_at_ms IS NULL";
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
        advance(Ex::from(&mut *c), sid, 0, now_ms, expires_at_ms, access_iat).await
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
