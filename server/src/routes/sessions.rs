//! `/auth/sessions` (v1.1): the caller's sessions, and ending one of them.

use axum::extract::State;
use comanda_common::{ErrorBody, Message, SessionInfo, SessionList, ValidationErrorBody};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db;
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, Id};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sessions))
        .routes(routes!(end_session))
}

/// The caller's sessions that have not ended or expired, newest first.
#[utoipa::path(get, path = "/auth/sessions", tag = "auth", security(("oauth2" = [])),
    responses(
        (status = 200, description = "The caller's live sessions, newest first; `current` marks the one that asked", body = SessionList),
        (status = 401, description = "Not authenticated / Could not validate credentials", body = ErrorBody),
    ))]
async fn list_sessions(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<axum::Json<SessionList>> {
    let mut conn = state.db.conn().await?;
    let rows = db::sessions::list_live(conn.ex(), auth.user.id, db::now_ms()).await?;
    let sessions = rows
        .into_iter()
        .map(|r| SessionInfo {
            id: r.id,
            created_at: db::ms_to_time(r.created_at_ms),
            last_used_at: db::ms_to_time(r.last_used_at_ms.unwrap_or(r.created_at_ms)),
            user_agent: r.user_agent,
            address: r.address,
            current: r.id == auth.session_id,
        })
        .collect();
    Ok(axum::Json(SessionList { sessions }))
}

/// End one of the caller's sessions (the current one: a logout). Its tokens stop working
/// and its event streams close.
#[utoipa::path(delete, path = "/auth/sessions/{session_id}", tag = "auth", security(("oauth2" = [])),
    params(("session_id" = i64, Path, description = "The session id (the access token's `sid`)")),
    responses(
        (status = 200, description = "Session ended", body = Message),
        (status = 401, description = "Not authenticated / Could not validate credentials", body = ErrorBody),
        (status = 404, description = "Session not found (also another user's, or one already ended)", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn end_session(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(sid): Id,
) -> Result<axum::Json<Message>> {
    let mut tx = state.db.begin().await?;
    if !db::sessions::end_own(tx.ex(), auth.user.id, sid, db::now_ms()).await? {
        return Err(ApiError::NotFound("Session not found"));
    }
    tx.commit().await?;
    state.sessions.forget_session(sid);
    Ok(axum::Json(Message::new("Session ended")))
}
