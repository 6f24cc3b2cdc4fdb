//! `/users`: sign-up, profiles, and account administration.

use axum::extract::State;
use axum::http::StatusCode;
use comanda_common::{
    Email, ErrorBody, Message, Password, UserCreate, UserList, UserListQuery, UserPatch,
    UserPublic, UserUpdate, Username, ValidationErrorBody,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Problems, paging};
use crate::db::{self, users::UserRow};
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, ClientIp, Id, Json, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(me))
        .routes(routes!(get_user, put_user, patch_user, delete_user))
}

/// Sign up. Never makes an admin.
#[utoipa::path(post, path = "/users", tag = "users", request_body = UserCreate,
    responses(
        (status = 201, body = UserPublic),
        (status = 409, description = "Username already exists / Email already exists", body = ErrorBody),
        (status = 413, description = "Request body too large", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
        (status = 429, description = "Too many sign-ups (with Retry-After): from this address within the window", body = ErrorBody),
        (status = 503, description = "Server busy (with Retry-After: 1): every password hash worker is busy and the queue is full", body = ErrorBody),
    ))]
async fn create_user(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<UserCreate>,
) -> Result<(StatusCode, axum::Json<UserPublic>)> {
    // Every sign-up that reaches here counts, whatever its outcome.
    if let Err(wait) = state.limiter.reserve_signup(ip).await? {
        return Err(ApiError::TooManySignups {
            retry_after_secs: wait.0,
        });
    }
    let mut p = Problems::default();
    let username = p.check("username", Username::parse(&body.username));
    let email = p.check("email", Email::parse(&body.email));
    let password = p.check("password", Password::parse(&body.password));
    p.finish()?;
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        unreachable!("finish() returns early when a field failed");
    };
    {
        let mut conn = state.db.conn().await?;
        let (u_taken, e_taken) =
            db::users::taken(conn.ex(), Some(username.as_str()), Some(email.as_str()), 0).await?;
        if u_taken {
            return Err(ApiError::Conflict("Username already exists"));
        }
        if e_taken {
            return Err(ApiError::Conflict("Email already exists"));
        }
    }
    let hash = state.hasher.hash(password.expose()).await?;
    let mut tx = state.db.begin().await?;
    let new = db::users::NewUser {
        username: username.as_str(),
        email: email.as_str(),
        password_hash: &hash,
        is_admin: false,
    };
    let row = db::users::insert(tx.ex(), &new, db::now_secs())
        .await
        .map_err(|e| {
            ApiError::unique(e, |which| match which {
                db::Unique::Username => "Username already exists",
                _ => "Email already exists",
            })
        })?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row.public())))
}

/// The signed-in user.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("oauth2" = [])),
    responses(
        (status = 200, body = UserPublic),
        (status = 401, description = "Not authenticated / Could not validate credentials", body = ErrorBody),
    ))]
async fn me(auth: AuthUser) -> axum::Json<UserPublic> {
    axum::Json(auth.user)
}

/// Every account (admins).
#[utoipa::path(get, path = "/users", tag = "users", security(("oauth2" = [])),
    params(UserListQuery),
    responses(
        (status = 200, body = UserList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_users(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<UserListQuery>,
) -> Result<axum::Json<UserList>> {
    auth.require_admin()?;
    let (offset, limit) = paging(q.offset, q.limit)?;
    let mut conn = state.db.conn().await?;
    let rows = db::users::list(conn.ex(), q.q.as_deref(), offset, limit).await?;
    Ok(axum::Json(UserList {
        users: rows.iter().map(UserRow::public).collect(),
    }))
}

/// The user the caller may act on: themselves, or anyone for an admin (404 if missing).
async fn target(auth: &AuthUser, id: i64, ex: db::Ex<'_>) -> Result<UserRow> {
    if !auth.is_admin() && auth.user.id != id {
        return Err(ApiError::Forbidden);
    }
    found(auth, db::users::by_id(ex, id).await?)
}

/// [`target`] for a change: the row stays locked until the transaction ends (PostgreSQL;
/// SQLite's writers are serialised already), so no concurrent change is written over.
async fn target_for_update(auth: &AuthUser, id: i64, ex: db::Ex<'_>) -> Result<UserRow> {
    if !auth.is_admin() && auth.user.id != id {
        return Err(ApiError::Forbidden);
    }
    found(auth, db::users::by_id_for_update(ex, id).await?)
}

fn found(auth: &AuthUser, row: Option<UserRow>) -> Result<UserRow> {
    match row {
        Some(u) => Ok(u),
        // A non-admin's own account vanished between the token check and now.
        None if !auth.is_admin() => Err(ApiError::Forbidden),
        None => Err(ApiError::NotFound("User not found")),
    }
}

/// One account (the user themselves, or an admin).
#[utoipa::path(get, path = "/users/{user_id}", tag = "users", security(("oauth2" = [])),
    params(("user_id" = i64, Path, description = "A positive user id")),
    responses(
        (status = 200, body = UserPublic),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn get_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
) -> Result<axum::Json<UserPublic>> {
    let mut conn = state.db.conn().await?;
    let user = target(&auth, id, conn.ex()).await?;
    Ok(axum::Json(user.public()))
}

/// The changes of a PUT or PATCH, validated.
struct Changes {
    username: Option<Username>,
    email: Option<Email>,
    password: Option<Password>,
    is_admin: Option<bool>,
    is_active: Option<bool>,
}

/// Applies validated changes to `user` in one transaction, with the last-admin rule,
/// conflicts, and ending sessions on a password change.
async fn apply(
    state: &AppState,
    auth: &AuthUser,
    id: i64,
    ch: Changes,
    conflict: &'static str,
) -> Result<UserPublic> {
    let hash = match &ch.password {
        Some(p) => Some(state.hasher.hash(p.expose()).await?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    // A change of the flags locks the active admins first (in id order, as every such
    // change does), then the target row: no two changes can wait on each other.
    let admins = if ch.is_admin.is_some() || ch.is_active.is_some() {
        Some(db::users::active_admins(tx.ex()).await?)
    } else {
        None
    };
    let mut user = target_for_update(auth, id, tx.ex()).await?;
    let removes_admin = user.is_admin
        && user.is_active
        && (ch.is_admin == Some(false) || ch.is_active == Some(false));
    if removes_admin && admins.is_some_and(|n| n <= 1) {
        return Err(ApiError::Conflict("Cannot remove the last admin"));
    }
    let (u_taken, e_taken) = db::users::taken(
        tx.ex(),
        ch.username.as_ref().map(Username::as_str),
        ch.email.as_ref().map(Email::as_str),
        id,
    )
    .await?;
    if (u_taken && ch.username.is_some()) || (e_taken && ch.email.is_some()) {
        return Err(ApiError::Conflict(conflict));
    }
    if let Some(u) = ch.username {
        user.username = u.into_inner();
    }
    if let Some(e) = ch.email {
        user.email = e.into_inner();
    }
    if let Some(h) = &hash {
        user.password_hash = h.clone();
    }
    if let Some(a) = ch.is_admin {
        user.is_admin = a;
    }
    if let Some(a) = ch.is_active {
        user.is_active = a;
    }
    db::users::update(tx.ex(), &user)
        .await
        .map_err(|e| ApiError::unique(e, |_| conflict))?;
    if ch.is_active == Some(false) {
        // Deactivation ends every session, so reactivating an account never revives
        // sessions that were open before: the user signs in again.
        db::sessions::revoke_all(tx.ex(), id, None, db::now_ms()).await?;
    } else if hash.is_some() {
        // The user's own change keeps the session that made it; an admin's ends them all.
        let keep = (auth.user.id == id).then_some(auth.session_id);
        db::sessions::revoke_all(tx.ex(), id, keep, db::now_ms()).await?;
    }
    tx.commit().await?;
    state.sessions.forget_user(id);
    Ok(user.public())
}

/// Replace username, email and password (the user themselves, or an admin).
#[utoipa::path(put, path = "/users/{user_id}", tag = "users", security(("oauth2" = [])),
    params(("user_id" = i64, Path, description = "A positive user id")),
    request_body = UserUpdate,
    responses(
        (status = 200, body = UserPublic),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 409, description = "Username or Email already exists", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn put_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
    Json(body): Json<UserUpdate>,
) -> Result<axum::Json<UserPublic>> {
    let mut p = Problems::default();
    let username = p.check("username", Username::parse(&body.username));
    let email = p.check("email", Email::parse(&body.email));
    let password = p.check("password", Password::parse(&body.password));
    p.finish()?;
    let ch = Changes {
        username,
        email,
        password,
        is_admin: None,
        is_active: None,
    };
    let user = apply(&state, &auth, id, ch, "Username or Email already exists").await?;
    Ok(axum::Json(user))
}

/// Change some fields; admins may also set `is_admin` and `is_active`.
#[utoipa::path(patch, path = "/users/{user_id}", tag = "users", security(("oauth2" = [])),
    params(("user_id" = i64, Path, description = "A positive user id")),
    request_body = UserPatch,
    responses(
        (status = 200, body = UserPublic),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 409, description = "Username or Email already exists / Cannot remove the last admin", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn patch_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
    Json(body): Json<UserPatch>,
) -> Result<axum::Json<UserPublic>> {
    if !auth.is_admin() && (body.is_admin.is_some() || body.is_active.is_some()) {
        return Err(ApiError::Forbidden);
    }
    if !auth.is_admin() && auth.user.id != id {
        return Err(ApiError::Forbidden);
    }
    let mut p = Problems::default();
    let username = body
        .username
        .as_deref()
        .and_then(|u| p.check("username", Username::parse(u)));
    let email = body
        .email
        .as_deref()
        .and_then(|e| p.check("email", Email::parse(e)));
    let password = body
        .password
        .as_deref()
        .and_then(|pw| p.check("password", Password::parse(pw)));
    p.finish()?;
    let ch = Changes {
        username,
        email,
        password,
        is_admin: body.is_admin,
        is_active: body.is_active,
    };
    let user = apply(&state, &auth, id, ch, "Username or Email already exists").await?;
    Ok(axum::Json(user))
}

/// Delete an account with its orders and sessions.
#[utoipa::path(delete, path = "/users/{user_id}", tag = "users", security(("oauth2" = [])),
    params(("user_id" = i64, Path, description = "A positive user id")),
    responses(
        (status = 200, body = Message),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 404, description = "User not found", body = ErrorBody),
        (status = 409, description = "Cannot remove the last admin", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn delete_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
) -> Result<axum::Json<Message>> {
    let mut tx = state.db.begin().await?;
    let user = target(&auth, id, tx.ex()).await?;
    if user.is_admin && user.is_active && db::users::active_admins(tx.ex()).await? <= 1 {
        return Err(ApiError::Conflict("Cannot remove the last admin"));
    }
    db::users::delete(tx.ex(), id).await?;
    db::events::delete_of_user(tx.ex(), id).await?;
    tx.commit().await?;
    state.sessions.forget_user(id);
    Ok(axum::Json(Message::new("User deleted")))
}
