//! `/`, `/health` and `/ready`.

use axum::extract::State;
use comanda_common::{ErrorBody, Message, Status};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{ApiError, Result};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(root))
        .routes(routes!(health))
        .routes(routes!(ready))
}

/// The greeting kept from the course.
#[utoipa::path(get, path = "/", tag = "health",
    responses((status = 200, body = Message)))]
async fn root() -> axum::Json<Message> {
    axum::Json(Message::new("Olá Mundo!"))
}

/// 200 while the process runs.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, body = Status)))]
async fn health() -> axum::Json<Status> {
    axum::Json(Status {
        status: "ok".into(),
    })
}

/// 200 when the database answers, else 503.
#[utoipa::path(get, path = "/ready", tag = "health",
    responses(
        (status = 200, body = Status),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
async fn ready(State(state): State<AppState>) -> Result<axum::Json<Status>> {
    if state.db.ping().await {
        Ok(axum::Json(Status {
            status: "ok".into(),
        }))
    } else {
        Err(ApiError::Unavailable)
    }
}
