//! Users: accounts and their password hashes.

use comanda_common::UserPublic;

use super::{Ex, on, to_time};

/// A user row, hash included. Never serialised.
#[derive(sqlx::FromRow, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub is_active: bool,
    pub created_at: i64,
}

impl UserRow {
    pub fn public(&self) -> UserPublic {
        UserPublic {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            is_admin: self.is_admin,
            is_active: self.is_active,
            created_at: to_time(self.created_at),
        }
    }
}

/// A new account.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
}

pub async fn insert(ex: Ex<'_>, u: &NewUser<'_>, now: i64) -> Result<UserRow, sqlx::Error> {
    const SQL: &str = "INSERT INTO users (username, username_key, email, password_hash, is_admin, is_active, created_at) \
         VALUES ($1, $2, $3, $4, $5, TRUE, $6) \
         RETURNING id, username, email, password_hash, is_admin, is_active, created_at";
    on!(ex, c => sqlx::query_as(SQL)
        .bind(u.username)
        .bind(u.username.to_lowercase())
        .bind(u.email)
        .bind(u.password_hash)
        .bind(u.is_admin)
        .bind(now)
        .fetch_one(c)
        .await)
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users WHERE id = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}

/// [`by_id`], locking the row until the transaction ends (PostgreSQL; SQLite's single
/// writer already excludes concurrent changes).
pub async fn by_id_for_update(ex: Ex<'_>, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users WHERE id = $1";
    const LOCKING: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users WHERE id = $1 FOR UPDATE";
    match ex {
        Ex::Sqlite(c) => sqlx::query_as(SQL).bind(id).fetch_optional(c).await,
        Ex::Postgres(c) => sqlx::query_as(LOCKING).bind(id).fetch_optional(c).await,
    }
}

/// Replaces a password hash by an upgraded one, unless it changed meanwhile.
pub async fn replace_hash(ex: Ex<'_>, id: i64, old: &str, new: &str) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
    on!(ex, c => sqlx::query(SQL).bind(id).bind(old).bind(new).execute(c).await.map(|_| ()))
}

/// The account whose email or username (case-insensitively) is `login`.
pub async fn by_login(ex: Ex<'_>, login: &str) -> Result<Option<UserRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users \
         WHERE email = $1 OR username_key = $1 ORDER BY id LIMIT 1";
    let key = login.trim().to_lowercase();
    if key.contains('\0') {
        // No username or email holds NUL (both are validated), and PostgreSQL refuses it
        // in a text parameter.
        return Ok(None);
    }
    on!(ex, c => sqlx::query_as(SQL).bind(&key).fetch_optional(c).await)
}

/// Whether another account than `except` has this username (case-insensitively) or email.
pub async fn taken(
    ex: Ex<'_>,
    username: Option<&str>,
    email: Option<&str>,
    except: i64,
) -> Result<(bool, bool), sqlx::Error> {
    const SQL: &str = "SELECT \
         EXISTS (SELECT 1 FROM users WHERE username_key = $1 AND id <> $3), \
         EXISTS (SELECT 1 FROM users WHERE email = $2 AND id <> $3)";
    let ukey = username.map(str::to_lowercase).unwrap_or_default();
    let email = email.unwrap_or_default();
    on!(ex, c => sqlx::query_as::<_, (bool, bool)>(SQL)
        .bind(&ukey)
        .bind(email)
        .bind(except)
        .fetch_one(c)
        .await)
}

/// A page of users by id, optionally only those whose username or email contains `q`.
pub async fn list(
    ex: Ex<'_>,
    q: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    const ALL: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users \
         ORDER BY id LIMIT $1 OFFSET $2";
    const FILTERED: &str = "SELECT id, username, email, password_hash, is_admin, is_active, created_at FROM users \
         WHERE username_key LIKE $3 ESCAPE '\\' OR email LIKE $3 ESCAPE '\\' \
         ORDER BY id LIMIT $1 OFFSET $2";
    match q.filter(|q| !q.is_empty()) {
        None => on!(ex, c => sqlx::query_as(ALL).bind(limit).bind(offset).fetch_all(c).await),
        // No username or email holds NUL, and PostgreSQL refuses it in a text parameter.
        Some(q) if q.contains('\0') => Ok(Vec::new()),
        Some(q) => {
            let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
            on!(ex, c => sqlx::query_as(FILTERED)
                .bind(limit)
                .bind(offset)
                .bind(&pattern)
                .fetch_all(c)
                .await)
        }
    }
}

/// `%`, `_` and `\` match themselves.
pub(super) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Writes every field of `u` back (username, email, hash, flags).
pub async fn update(ex: Ex<'_>, u: &UserRow) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE users SET username = $2, username_key = $3, email = $4, password_hash = $5, \
         is_admin = $6, is_active = $7 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL)
        .bind(u.id)
        .bind(&u.username)
        .bind(u.username.to_lowercase())
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(u.is_admin)
        .bind(u.is_active)
        .execute(c)
        .await
        .map(|_| ()))
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on!(ex, c => sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// How many active admins there are. On PostgreSQL their rows stay locked until the
/// transaction ends, so two concurrent removals (two admins demoting themselves at once)
/// cannot both see another admin left; SQLite's writers are already serialised by
/// `BEGIN IMMEDIATE`.
pub async fn active_admins(ex: Ex<'_>) -> Result<i64, sqlx::Error> {
    const COUNT: &str = "SELECT COUNT(*) FROM users WHERE is_admin = TRUE AND is_active = TRUE";
    const LOCK: &str =
        "SELECT id FROM users WHERE is_admin = TRUE AND is_active = TRUE ORDER BY id FOR UPDATE";
    match ex {
        Ex::Sqlite(c) => sqlx::query_scalar(COUNT).fetch_one(c).await,
        Ex::Postgres(c) => {
            let ids: Vec<i64> = sqlx::query_scalar(LOCK).fetch_all(c).await?;
            Ok(ids.len() as i64)
        }
    }
}

/// Whether there are any users at all.
pub async fn any(ex: Ex<'_>) -> Result<bool, sqlx::Error> {
    on!(ex, c => sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)").fetch_one(c).await)
}
