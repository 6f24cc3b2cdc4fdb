//! `Idempotency-Key` on the order writes (API.md v1.1, "safe retries").
//!
//! The rules, and what this server decided where API.md is silent (README.md says the same):
//! - The key is 1–255 visible ASCII characters (`!` to `~`); anything else, or the header
//!   given twice, is 422 at `["header", "Idempotency-Key"]`.
//! - A request is the method, the path (without a trailing slash) and the body as parsed:
//!   two bodies are the same when they decode to the same request, so JSON whitespace and key
//!   order do not matter, and an absent body of `POST /orders/` equals `{}` and
//!   `{"items": []}`.
//! - Stored: the answer of every request that was carried out, success or refusal (201,
//!   200, 404, 409, 422 "Item not on the menu", …), for 24 hours. Not stored: answers given
//!   before the request was carried out (401, 413, a malformed body or header: 422 in the
//!   list form) and server errors (5xx), so a retry after them runs again.
//! - A repeat gets the stored status and body byte for byte, plus the header
//!   `Idempotent-Replayed: true`.

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use comanda_common::ValidationErrorItem;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{self, Tx, idempotency::Claim};
use crate::error::{ApiError, Result};
use crate::events::OrderEvent;
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = comanda_common::orders::IDEMPOTENCY_KEY;
/// The answer header of a replayed answer.
pub const REPLAYED: &str = "Idempotent-Replayed";
/// The longest key.
pub const MAX_LEN: usize = 255;

const REUSED: ApiError = ApiError::Unprocessable("Idempotency-Key reused with a different request");
const IN_PROGRESS: ApiError =
    ApiError::Conflict("Request with this Idempotency-Key is in progress");

/// True for a valid key: 1–255 visible ASCII characters.
pub fn valid_key(key: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&key.len()) && key.iter().all(|b| b.is_ascii_graphic())
}

/// The key of a request (if it has one), with what identifies the request besides its body.
pub struct Idempotency {
    key: Option<String>,
    method: Method,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(HEADER).iter();
        let key = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(v), None) if valid_key(v.as_bytes()) => {
                Some(String::from_utf8_lossy(v.as_bytes()).into_owned())
            }
            _ => {
                return Err(ApiError::Validation(vec![
                    ValidationErrorItem::value_error(
                        &["header", HEADER],
                        "Idempotency-Key must be one header of 1 to 255 visible ASCII characters",
                    ),
                ]));
            }
        };
        let path = parts.uri.path();
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        Ok(Idempotency {
            key,
            method: parts.method.clone(),
            path: path.to_owned(),
        })
    }
}

impl Idempotency {
    /// True when the request carries a key.
    pub fn has_key(&self) -> bool {
        self.key.is_some()
    }

    /// SHA-256 (hex) of the method, the path and the parsed body.
    fn fingerprint(&self, body: &impl Serialize) -> Result<String> {
        let mut h = Sha256::new();
        h.update(self.method.as_str().as_bytes());
        h.update(b" ");
        h.update(self.path.as_bytes());
        h.update(b"\n");
        h.update(serde_json::to_vec(body).map_err(anyhow::Error::from)?);
        let mut out = String::with_capacity(64);
        for b in h.finalize() {
            let _ = write!(out, "{b:02x}");
        }
        Ok(out)
    }
}

/// A change carried out in a transaction, not yet committed: the answer and its event.
pub struct Done {
    pub status: StatusCode,
    /// The answer's JSON body.
    pub body: String,
    pub event: OrderEvent,
}

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut res = Response::new(body.into());
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Carries out `op` in a new transaction, once per key: the first request with a key runs
/// `op` and keeps its answer in the same transaction; a repeat gets that answer back and
/// changes nothing. Without a key, `op` simply runs.
pub async fn carry_out(
    state: &AppState,
    user_id: i64,
    idem: &Idempotency,
    request: &impl Serialize,
    op: impl AsyncFnOnce(&mut Tx) -> Result<Done>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let Some(key) = idem.key.as_deref() else {
        let done = op(&mut tx).await?;
        state.events.commit(tx, done.event).await?;
        return Ok(json_response(done.status, done.body));
    };
    let fingerprint = idem.fingerprint(request)?;
    match db::idempotency::claim(tx.ex(), user_id, key, &fingerprint, db::now_ms()).await? {
        Claim::Claimed => {}
        Claim::Answered { fingerprint: f, .. } if f != fingerprint => return Err(REUSED),
        Claim::Answered { answer: None, .. } => return Err(IN_PROGRESS),
        Claim::Answered {
            answer: Some((status, body)),
            ..
        } => {
            drop(tx);
            let status = StatusCode::from_u16(status).map_err(anyhow::Error::from)?;
            let mut res = json_response(status, body);
            res.headers_mut()
                .insert(REPLAYED, HeaderValue::from_static("true"));
            return Ok(res);
        }
    }
    db::idempotency::savepoint(tx.ex()).await?;
    match op(&mut tx).await {
        Ok(done) => {
            db::idempotency::answer(tx.ex(), user_id, key, done.status.as_u16(), &done.body)
                .await?;
            state.events.commit(tx, done.event).await?;
            Ok(json_response(done.status, done.body))
        }
        // A refusal is an answer too: undo the work, keep the answer.
        Err(e) if e.status().is_client_error() => {
            db::idempotency::rollback_to_savepoint(tx.ex()).await?;
            let res = e.into_response();
            let status = res.status();
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .map_err(anyhow::Error::from)?;
            let body = String::from_utf8_lossy(&bytes).into_owned();
            db::idempotency::answer(tx.ex(), user_id, key, status.as_u16(), &body).await?;
            tx.commit().await?;
            Ok(json_response(status, body))
        }
        Err(e) => Err(e),
    }
}
