//! The HTTP routes, one module per section of API.md. Each exposes `router()`.

use comanda_common::ValidationErrorItem;
use comanda_common::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

pub mod auth;
pub mod docs;
pub mod events;
pub mod health;
pub mod menu;
pub mod orders;
pub mod sessions;
pub mod users;

/// Every documented route, with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::base())
        .merge(health::router())
        .merge(users::router())
        .merge(auth::router())
        .merge(sessions::router())
        .merge(menu::router())
        .merge(orders::router())
        .merge(events::router())
}

/// Checks `offset`/`limit` (API.md "Pagination"); returns them with the default applied.
pub fn paging(offset: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), ApiError> {
    let mut problems = Vec::new();
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if offset < 0 {
        problems.push(ValidationErrorItem {
            loc: vec!["query".into(), "offset".into()],
            msg: "Input should be greater than or equal to 0".into(),
            kind: "greater_than_equal".into(),
        });
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        problems.push(ValidationErrorItem {
            loc: vec!["query".into(), "limit".into()],
            msg: format!("Input should be between 1 and {MAX_LIMIT}"),
            kind: "value_error".into(),
        });
    }
    if problems.is_empty() {
        Ok((offset, limit))
    } else {
        Err(ApiError::Validation(problems))
    }
}

/// Collects validation problems of several fields, so one 422 lists them all.
#[derive(Default)]
pub struct Problems(Vec<ValidationErrorItem>);

impl Problems {
    /// The value of `r`, or None with the problem recorded at `body.<field>`.
    pub fn check<T>(&mut self, field: &str, r: Result<T, &'static str>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(msg) => {
                self.0
                    .push(ValidationErrorItem::value_error(&["body", field], msg));
                None
            }
        }
    }

    /// Ok when nothing was recorded.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}
