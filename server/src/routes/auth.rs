//! `/auth`: sign-in, refresh-token rotation and logout.

use axum::extract::State;
use comanda_common::{
    ErrorBody, LogoutRequest, Message, RefreshRequest, Token, TokenRequest, ValidationErrorBody,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::tokens::{self, TokenKeys};
use crate::db;
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, ClientIp, Form, Json, OptionalJson};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(refresh_token))
        .routes(routes!(logout))
}

const BAD_LOGIN: &str = "Incorrect email or password";

fn pair(
    keys: &TokenKeys,
    state: &AppState,
    user_id: i64,
    sid: i64,
    iat: i64,
    refresh: String,
) -> Result<Token> {
    let ttl = state.settings.access_token_ttl.as_secs() as i64;
    Ok(Token {
        access_token: keys.access_token(user_id, sid, iat, ttl)?,
        token_type: "bearer".into(),
        expires_in: ttl,
        refresh_token: refresh,
    })
}

/// Sign in with the email or the username and the password (OAuth2 password form).
#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = Token),
        (status = 401, description = "Incorrect email or password", body = ErrorBody),
        (status = 403, description = "Inactive user", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
        (status = 429, description = "Too many login attempts (with Retry-After)", body = ErrorBody),
    ))]
async fn token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Form(form): Form<TokenRequest>,
) -> Result<axum::Json<Token>> {
    let user = {
        let mut conn = state.db.conn().await?;
        db::users::by_login(conn.ex(), &form.username).await?
    };
    let account = user.as_ref().map(|u| u.id);
    if let Some(retry_after_secs) = state.limiter.check(account, ip) {
        return Err(ApiError::TooManyAttempts { retry_after_secs });
    }
    let ok = state
        .hasher
        .verify(
            &form.password,
            user.as_ref().map(|u| u.password_hash.as_str()),
        )
        .await?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            state.limiter.fail(account, ip);
            return Err(ApiError::Unauthorized(BAD_LOGIN));
        }
    };
    if !user.is_active {
        return Err(ApiError::ForbiddenMsg("Inactive user"));
    }
    state.limiter.succeed(user.id);

    let refresh = tokens::new_refresh();
    let now_ms = db::now_ms();
    let iat = now_ms / 1000;
    let expires = now_ms + state.settings.refresh_token_ttl.as_millis() as i64;
    let mut tx = state.db.begin().await?;
    let sid = db::sessions::create(
        tx.ex(),
        user.id,
        &tokens::refresh_hash(&refresh),
        now_ms,
        expires,
        iat,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, sid, "signed in");
    Ok(axum::Json(pair(
        &state.keys,
        &state,
        user.id,
        sid,
        iat,
        refresh,
    )?))
}

/// Trade a refresh token for a new pair (rotation with reuse detection).
#[utoipa::path(post, path = "/auth/refresh_token", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = Token),
        (status = 401, description = "Could not validate credentials", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn refresh_token(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Token>> {
    let presented = body.refresh_token;
    let hash = tokens::refresh_hash(&presented);
    let next = state.keys.next_refresh(&presented);
    let next_hash = tokens::refresh_hash(&next);
    let grace = state.settings.refresh_grace.as_millis() as i64;
    // Two rounds at most: a concurrent refresh of the same token may win the rotation,
    // and then this one is answered from the grace window.
    for _ in 0..2 {
        let now_ms = db::now_ms();
        let mut tx = state.db.begin().await?;
        let Some(row) = db::sessions::find_refresh(tx.ex(), &hash).await? else {
            return Err(ApiError::InvalidCredentials);
        };
        if row.revoked_at_ms.is_some() || !row.is_active || row.expires_at_ms <= now_ms {
            return Err(ApiError::InvalidCredentials);
        }
        match row.replaced_at_ms {
            None => {
                let iat = now_ms / 1000;
                let expires = now_ms + state.settings.refresh_token_ttl.as_millis() as i64;
                let rotated = db::sessions::rotate(
                    tx.ex(),
                    row.session_id,
                    &hash,
                    &next_hash,
                    now_ms,
                    expires,
                    iat,
                )
                .await?;
                if !rotated {
                    continue;
                }
                tx.commit().await?;
                return Ok(axum::Json(pair(
                    &state.keys,
                    &state,
                    row.user_id,
                    row.session_id,
                    iat,
                    next,
                )?));
            }
            Some(replaced) => {
                let in_grace = now_ms - replaced <= grace
                    && db::sessions::is_current(tx.ex(), &next_hash).await?;
                if in_grace {
                    return Ok(axum::Json(pair(
                        &state.keys,
                        &state,
                        row.user_id,
                        row.session_id,
                        row.access_iat,
                        next,
                    )?));
                }
                // A token rotated away long ago came back: it was stolen or replayed.
                db::sessions::revoke(tx.ex(), row.session_id, now_ms).await?;
                tx.commit().await?;
                state.sessions.forget_session(row.session_id);
                tracing::warn!(sid = row.session_id, "refresh token reused; session ended");
                return Err(ApiError::InvalidCredentials);
            }
        }
    }
    Err(ApiError::InvalidCredentials)
}

/// End this session, or with `{"all": true}` every session of the user.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("oauth2" = [])),
    request_body(content = Option<LogoutRequest>, description = "optional"),
    responses(
        (status = 200, body = Message),
        (status = 401, description = "Not authenticated / Could not validate credentials", body = ErrorBody),
        (status = 413, description = "Request body too large", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn logout(
    State(state): State<AppState>,
    auth: AuthUser,
    OptionalJson(body): OptionalJson<LogoutRequest>,
) -> Result<axum::Json<Message>> {
    let now_ms = db::now_ms();
    let mut tx = state.db.begin().await?;
    if body.all {
        db::sessions::revoke_all(tx.ex(), auth.user.id, None, now_ms).await?;
    } else {
        db::sessions::revoke(tx.ex(), auth.session_id, now_ms).await?;
    }
    tx.commit().await?;
    if body.all {
        state.sessions.forget_user(auth.user.id);
    } else {
        state.sessions.forget_session(auth.session_id);
    }
    Ok(axum::Json(Message::new("Logged out")))
}
