//! `/auth`: sign-in, refresh-token rotation and logout. (The sessions list is in
//! [`super::sessions`].)

use axum::extract::State;
use axum::http::{HeaderMap, header};
use comanda_common::{
    ErrorBody, LogoutRequest, Message, RefreshRequest, Token, TokenRequest, ValidationErrorBody,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::tokens::{self, RefreshClaims};
use crate::db;
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, ClientIp, Form, Json, OptionalJson};
use crate::metrics::SignIn;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(refresh_token))
        .routes(routes!(logout))
}

const BAD_LOGIN: &str = "Incorrect email or password";

/// A token pair for session `sid`: an access token issued at `iat` and the refresh token
/// of generation `generation`.
fn pair(
    state: &AppState,
    user_id: i64,
    refresh: RefreshClaims,
    iat: i64,
) -> Result<axum::Json<Token>> {
    let ttl = state.settings.access_token_ttl.as_secs() as i64;
    Ok(axum::Json(Token {
        access_token: state.keys.access_token(user_id, refresh.sid, iat, ttl)?,
        token_type: "bearer".into(),
        expires_in: ttl,
        refresh_token: state.keys.refresh_token(refresh),
    }))
}

/// The `User-Agent` header, cut to 200 characters (None when absent or empty).
fn user_agent(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::USER_AGENT)?;
    let text = String::from_utf8_lossy(raw.as_bytes());
    let cut: String = text
        .chars()
        .take(comanda_common::auth::USER_AGENT_MAX_CHARS)
        .collect();
    (!cut.trim().is_empty()).then_some(cut)
}

/// Sign in with the email or the username and the password (OAuth2 password form).
#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = Token),
        (status = 401, description = "Incorrect email or password", body = ErrorBody),
        (status = 403, description = "Inactive user", body = ErrorBody),
        (status = 413, description = "Request body too large", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
        (status = 429, description = "Too many login attempts (with Retry-After)", body = ErrorBody),
        (status = 503, description = "Server busy (with Retry-After: 1): every password hash worker is busy and the queue is full", body = ErrorBody),
    ))]
async fn token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<TokenRequest>,
) -> Result<axum::Json<Token>> {
    let agent = user_agent(&headers);
    // Once accepted, an attempt runs to its end even if the client goes away, so that it
    // is counted (API.md "An attempt whose client disconnects still counts").
    let task = tokio::spawn(counted_sign_in(state, ip, agent, form));
    task.await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("the sign-in task failed: {e}")))?
}

/// [`sign_in`], counted by outcome in the metrics (when they are on). An attempt that was
/// not checked (server busy, database error) is none of the outcomes.
async fn counted_sign_in(
    state: AppState,
    ip: std::net::IpAddr,
    agent: Option<String>,
    form: TokenRequest,
) -> Result<axum::Json<Token>> {
    let metrics = state.metrics.clone();
    let answer = sign_in(state, ip, agent, form).await;
    if let Some(m) = metrics {
        let outcome = match &answer {
            Ok(_) => Some(SignIn::Success),
            Err(ApiError::Unauthorized(_) | ApiError::ForbiddenMsg(_)) => Some(SignIn::Failure),
            Err(ApiError::TooManyAttempts { .. }) => Some(SignIn::Limited),
            Err(_) => None,
        };
        if let Some(o) = outcome {
            m.sign_in(o);
        }
    }
    answer
}

async fn sign_in(
    state: AppState,
    ip: std::net::IpAddr,
    agent: Option<String>,
    form: TokenRequest,
) -> Result<axum::Json<Token>> {
    let user = {
        let mut conn = state.db.conn().await?;
        db::users::by_login(conn.ex(), &form.username).await?
    };
    let account = user.as_ref().map(|u| u.id);
    // Counted before the hash: however many attempts arrive at once, no more than the
    // limit are checked. Unknown accounts take the same path (the dummy hash).
    let reservation = match state.limiter.reserve_login(account, ip).await? {
        Ok(r) => r,
        Err(wait) => {
            return Err(ApiError::TooManyAttempts {
                retry_after_secs: wait.0,
            });
        }
    };
    let checked = state
        .hasher
        .verify(
            &form.password,
            user.as_ref().map(|u| u.password_hash.as_str()),
        )
        .await;
    let verified = match checked {
        Ok(v) => v,
        Err(e) => {
            // Not checked (the server is busy): not a failure either.
            state.limiter.release(reservation).await?;
            return Err(e.into());
        }
    };
    let user = match user {
        Some(u) if verified.ok => u,
        _ => return Err(ApiError::Unauthorized(BAD_LOGIN)),
    };
    if !user.is_active {
        state.limiter.release(reservation).await?;
        return Err(ApiError::ForbiddenMsg("Inactive user"));
    }
    state.limiter.reset_account(user.id).await?;

    let now_ms = db::now_ms();
    let iat = now_ms / 1000;
    let address = ip.to_string();
    let mut tx = state.db.begin().await?;
    if let Some(new_hash) = &verified.rehash {
        // Made with other parameters than the server's: upgraded, unless the password
        // changed meanwhile.
        db::users::replace_hash(tx.ex(), user.id, &user.password_hash, new_hash).await?;
    }
    let sid = db::sessions::create(
        tx.ex(),
        &db::sessions::NewSession {
            user_id: user.id,
            now_ms,
            expires_at_ms: now_ms + state.settings.refresh_token_ttl.as_millis() as i64,
            access_iat: iat,
            user_agent: agent.as_deref(),
            address: Some(&address),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, sid, "signed in");
    let refresh = RefreshClaims {
        sid,
        created_at_ms: now_ms,
        generation: 1,
    };
    pair(&state, user.id, refresh, iat)
}

/// Trade a refresh token for a new pair (rotation with reuse detection).
#[utoipa::path(post, path = "/auth/refresh_token", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = Token),
        (status = 401, description = "Could not validate credentials", body = ErrorBody),
        (status = 413, description = "Request body too large", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn refresh_token(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<axum::Json<Token>> {
    let Some(presented) = state.keys.parse_refresh(&body.refresh_token) else {
        return legacy_refresh(&state, &body.refresh_token).await;
    };
    let grace = state.settings.refresh_grace.as_millis() as i64;
    // Two rounds at most: a concurrent refresh of the same token may win the rotation,
    // and then this one is answered from the grace window.
    for _ in 0..2 {
        let now_ms = db::now_ms();
        let mut tx = state.db.begin().await?;
        let Some(s) = db::sessions::refresh_state(tx.ex(), presented.sid).await? else {
            return Err(ApiError::InvalidCredentials);
        };
        if s.created_at_ms != presented.created_at_ms
            || s.revoked_at_ms.is_some()
            || !s.is_active
            || s.expires_at_ms <= now_ms
        {
            return Err(ApiError::InvalidCredentials);
        }
        let current = s.refresh_gen;
        let next = RefreshClaims {
            generation: current + 1,
            ..presented
        };
        if presented.generation == current {
            let iat = now_ms / 1000;
            let expires = now_ms + state.settings.refresh_token_ttl.as_millis() as i64;
            let sid = presented.sid;
            if !db::sessions::advance(tx.ex(), sid, current, now_ms, expires, iat).await? {
                continue;
            }
            tx.commit().await?;
            return pair(&state, s.user_id, next, iat);
        }
        let in_grace = presented.generation == current - 1
            && s.rotated_at_ms.is_some_and(|at| now_ms - at <= grace);
        if in_grace {
            // The same new pair as the refresh that won (the access token re-signed
            // from the session's stored issue time).
            let same = RefreshClaims {
                generation: current,
                ..presented
            };
            return pair(&state, s.user_id, same, s.access_iat);
        }
        if presented.generation < current {
            // A token rotated away came back: it was stolen or replayed.
            db::sessions::revoke(tx.ex(), presented.sid, now_ms).await?;
            tx.commit().await?;
            state.sessions.forget_session(presented.sid);
            tracing::warn!(sid = presented.sid, "refresh token reused; session ended");
        }
        return Err(ApiError::InvalidCredentials);
    }
    Err(ApiError::InvalidCredentials)
}

/// A refresh token made before v1.1 (a row of `refresh_tokens`). Its first refresh moves
/// the session to generation 1 and marks the row rotated away (kept for reuse detection
/// until the session goes); presented again within the grace window it gets the same pair,
/// later it is reuse.
async fn legacy_refresh(state: &AppState, token: &str) -> Result<axum::Json<Token>> {
    let hash = tokens::refresh_hash(token);
    let now_ms = db::now_ms();
    let mut tx = state.db.begin().await?;
    let Some(row) = db::sessions::find_refresh(tx.ex(), &hash).await? else {
        return Err(ApiError::InvalidCredentials);
    };
    let Some(s) = db::sessions::refresh_state(tx.ex(), row.session_id).await? else {
        return Err(ApiError::InvalidCredentials);
    };
    if s.revoked_at_ms.is_some() || !s.is_active || s.expires_at_ms <= now_ms {
        return Err(ApiError::InvalidCredentials);
    }
    let first = RefreshClaims {
        sid: row.session_id,
        created_at_ms: s.created_at_ms,
        generation: 1,
    };
    let grace = state.settings.refresh_grace.as_millis() as i64;
    match row.replaced_at_ms {
        None => {
            let iat = now_ms / 1000;
            let expires = now_ms + state.settings.refresh_token_ttl.as_millis() as i64;
            let moved =
                db::sessions::retire_legacy(tx.ex(), row.session_id, &hash, now_ms, expires, iat)
                    .await?;
            if !moved {
                return Err(ApiError::InvalidCredentials);
            }
            tx.commit().await?;
            pair(state, s.user_id, first, iat)
        }
        Some(at) if now_ms - at <= grace && s.refresh_gen == 1 => {
            pair(state, s.user_id, first, s.access_iat)
        }
        Some(_) => {
            db::sessions::revoke(tx.ex(), row.session_id, now_ms).await?;
            tx.commit().await?;
            state.sessions.forget_session(row.session_id);
            tracing::warn!(sid = row.session_id, "refresh token reused; session ended");
            Err(ApiError::InvalidCredentials)
        }
    }
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
