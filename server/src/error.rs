//! The one error type of the HTTP layer. Every variant renders as `{"detail": …}`; 5xx
//! causes are logged inside the request span and never shown to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_common::{ErrorBody, ValidationErrorBody, ValidationErrorItem};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401 "Not authenticated": no or malformed `Authorization` header.
    #[error("Not authenticated")]
    NotAuthenticated,
    /// 401 "Could not validate credentials": any bad token.
    #[error("Could not validate credentials")]
    InvalidCredentials,
    /// 401 with a route's own text (e.g. "Incorrect email or password").
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 "Not enough permissions".
    #[error("Not enough permissions")]
    Forbidden,
    /// 403 with its own text ("Inactive user").
    #[error("{0}")]
    ForbiddenMsg(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    /// 422 with a plain `detail` string (e.g. "Item not on the menu").
    #[error("{0}")]
    Unprocessable(&'static str),
    /// 422 in the list form.
    #[error("validation failed")]
    Validation(Vec<ValidationErrorItem>),
    /// 429 with `Retry-After` seconds.
    #[error("Too many login attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// 429 with `Retry-After` seconds: the sign-ups of one address.
    #[error("Too many sign-ups")]
    TooManySignups { retry_after_secs: u64 },
    /// 503 with `Retry-After: 1`: every password hash worker is busy and the queue is full.
    #[error("Server busy")]
    Busy,
    #[error("{1}")]
    Status(StatusCode, &'static str),
    #[error("database unavailable")]
    Unavailable,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotAuthenticated
            | ApiError::InvalidCredentials
            | ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::ForbiddenMsg(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) | ApiError::Validation(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyAttempts { .. } | ApiError::TooManySignups { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Status(s, _) => *s,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A unique violation (on either backend) as 409 with the text `detail` gives for the
    /// constraint; any other error as it is.
    pub fn unique(e: sqlx::Error, detail: impl FnOnce(crate::db::Unique) -> &'static str) -> Self {
        match crate::db::unique_violation(&e) {
            Some(which) => ApiError::Conflict(detail(which)),
            None => ApiError::Database(e),
        }
    }

    /// A 422 with one entry.
    pub fn invalid(loc: &[&str], msg: impl Into<String>) -> Self {
        ApiError::Validation(vec![ValidationErrorItem::value_error(loc, msg)])
    }
}

impl From<crate::auth::password::HashError> for ApiError {
    fn from(e: crate::auth::password::HashError) -> Self {
        match e {
            crate::auth::password::HashError::Busy => ApiError::Busy,
            other => ApiError::Internal(other.into()),
        }
    }
}

/// `{"detail": msg}` with a status.
pub fn detail_response(status: StatusCode, msg: &str) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            detail: msg.to_owned(),
        }),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::Validation(items) => {
                (status, axum::Json(ValidationErrorBody { detail: items })).into_response()
            }
            ApiError::NotAuthenticated | ApiError::InvalidCredentials => {
                let mut res = detail_response(status, &self.to_string());
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                res
            }
            ApiError::TooManyAttempts { retry_after_secs }
            | ApiError::TooManySignups { retry_after_secs } => {
                let mut res = detail_response(status, &self.to_string());
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
                res
            }
            ApiError::Busy => {
                let mut res = detail_response(status, "Server busy");
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                res
            }
            ApiError::Unavailable => detail_response(status, "Database unavailable"),
            ApiError::Database(ref e) => {
                if is_unavailable(e) {
                    tracing::error!(error = %e, "database unavailable");
                    return detail_response(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "Database unavailable",
                    );
                }
                tracing::error!(error = %e, "database error");
                detail_response(status, "Internal Server Error")
            }
            ApiError::Internal(ref e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                detail_response(status, "Internal Server Error")
            }
            other => detail_response(status, &other.to_string()),
        }
    }
}

/// Errors that mean "the database cannot be reached now", answered 503, not 500.
pub(crate) fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}
