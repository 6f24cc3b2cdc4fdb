//! Authentication of a request: the `AuthUser` extractor (a valid access token is
//! required), `MaybeAuthUser` (a token is optional), and [`authenticate`] behind both.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use comanda_common::UserPublic;

use crate::auth::cache::CachedAuth;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// An authenticated request: the user and the session its token names.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: UserPublic,
    pub session_id: i64,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.user.is_admin
    }

    /// Ok for admins, else 403.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.user.is_admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::NotAuthenticated)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(ApiError::NotAuthenticated)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::NotAuthenticated);
    }
    Ok(token)
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers)?;
        authenticate(state, token).await
    }
}

/// The user of a request whose token is optional: `None` without an `Authorization`
/// header, or with one that does not authenticate (such routes answer anyone, and only
/// a valid token unlocks more).
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(token) = bearer(&parts.headers) else {
            return Ok(MaybeAuthUser(None));
        };
        Ok(MaybeAuthUser(authenticate(state, token).await.ok()))
    }
}

/// Checks an access token: signature, expiry, type, then the session and the user.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let (user_id, claims) = state
        .keys
        .verify(token)
        .ok_or(ApiError::InvalidCredentials)?;
    check_session(state, user_id, claims.sid).await
}

/// The user of session `sid` as it is now (from the session cache or with one query), if
/// the session is live and belongs to the active user `user_id`; else 401.
pub async fn check_session(state: &AppState, user_id: i64, sid: i64) -> Result<AuthUser, ApiError> {
    let now_ms = db::now_ms();
    let auth = match state.sessions.get(sid) {
        Some(a) => a,
        None => {
            let mut conn = state.db.conn().await?;
            let row = db::sessions::auth_lookup(conn.ex(), sid)
                .await?
                .ok_or(ApiError::InvalidCredentials)?;
            if row.revoked_at_ms.is_some() {
                return Err(ApiError::InvalidCredentials);
            }
            let a = CachedAuth {
                user: row.user.public(),
                session_expires_at_ms: row.expires_at_ms,
            };
            state.sessions.put(sid, a.clone());
            a
        }
    };
    if auth.user.id != user_id || !auth.user.is_active || auth.session_expires_at_ms <= now_ms {
        return Err(ApiError::InvalidCredentials);
    }
    Ok(AuthUser {
        user: auth.user,
        session_id: sid,
    })
}

/// The user of an event stream: the `Authorization` header, or for clients that cannot
/// set one (browsers' `EventSource`) the `access_token` query parameter.
#[derive(Debug, Clone)]
pub struct StreamUser(pub AuthUser);

impl FromRequestParts<AppState> for StreamUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = match bearer(&parts.headers) {
            Ok(t) => t.to_owned(),
            Err(e) => form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .find(|(k, v)| k == "access_token" && !v.is_empty())
                .map(|(_, v)| v.into_owned())
                .ok_or(e)?,
        };
        authenticate(state, &token).await.map(StreamUser)
    }
}
