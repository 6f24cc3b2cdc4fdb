//! What can go wrong talking to the server, as one line a person can read.

use comanda_common::error::AnyErrorBody;
use reqwest::StatusCode;

/// The message shown when a refresh is rejected (TUI.md).
pub const SESSION_ENDED: &str = "Your session has ended, please sign in again";

/// An error from one API call. `Display` is the status-bar line: never JSON, never a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Connection refused, DNS failure, TLS failure: the server is not there.
    #[error("cannot reach {0}")]
    Unreachable(String),
    /// No complete answer within the client's timeout.
    #[error("no answer from {0} within 10 s")]
    Timeout(String),
    /// The server answered with an error body: its `detail`, summarised (the first problem
    /// of a validation error); `problems` lists every problem of a 422 as `field: message`.
    #[error("{detail}")]
    Api {
        status: u16,
        detail: String,
        problems: Vec<String>,
        /// The `Retry-After` of a 429 or 503, in seconds.
        retry_after: Option<u64>,
    },
    /// A 5xx without a usable body.
    #[error("the server failed ({0}); try again later")]
    Server(u16),
    /// An answer that is not the JSON we expect.
    #[error("unexpected answer from the server (HTTP {0}, not the expected JSON)")]
    BadBody(u16),
    /// The refresh token was rejected: the user must sign in again.
    #[error("{SESSION_ENDED}")]
    SessionEnded,
    /// A call that needs a session was made without one.
    #[error("not signed in")]
    NotSignedIn,
}

impl ApiError {
    /// Builds the error for a non-success answer from its status and raw body.
    pub fn from_answer(status: StatusCode, body: &[u8]) -> ApiError {
        // One line, whatever the server sent.
        let one_line = |s: String| -> String {
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        };
        match serde_json::from_slice::<AnyErrorBody>(body) {
            Ok(parsed) => ApiError::Api {
                status: status.as_u16(),
                detail: one_line(parsed.summary()),
                problems: parsed.problems().into_iter().map(one_line).collect(),
                retry_after: None,
            },
            Err(_) if status.is_server_error() => ApiError::Server(status.as_u16()),
            Err(_) => ApiError::BadBody(status.as_u16()),
        }
    }

    /// Keeps the answer's `Retry-After` (seconds) with the error.
    pub fn with_retry_after(mut self, secs: Option<u64>) -> ApiError {
        if let ApiError::Api { retry_after, .. } = &mut self {
            *retry_after = secs;
        }
        self
    }

    /// How long the server asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Turns a transport error into the line for the user.
    pub fn from_transport(err: &reqwest::Error, base_url: &str) -> ApiError {
        if err.is_timeout() {
            ApiError::Timeout(base_url.to_owned())
        } else if err.is_decode() {
            ApiError::BadBody(err.status().map_or(200, |s| s.as_u16()))
        } else {
            ApiError::Unreachable(base_url.to_owned())
        }
    }

    /// The whole error as one line: every problem of a validation error, `; `-separated
    /// (the command line prints this; the app shows the shorter `Display`).
    pub fn full_line(&self) -> String {
        match self {
            ApiError::Api { problems, .. } if problems.len() > 1 => problems.join("; "),
            other => other.to_string(),
        }
    }

    /// The HTTP status of an answer, if the server gave one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } => Some(*status),
            ApiError::Server(s) | ApiError::BadBody(s) => Some(*s),
            _ => None,
        }
    }

    /// True when the server could not be reached at all (or did not answer).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Unreachable(_) | ApiError::Timeout(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_is_the_line() {
        let e = ApiError::from_answer(
            StatusCode::CONFLICT,
            br#"{"detail":"Order is not pending"}"#,
        );
        assert_eq!(e.to_string(), "Order is not pending");
        let e = ApiError::from_answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"detail":[{"loc":["body","email"],"msg":"value is not a valid email address","type":"value_error"}]}"#,
        );
        assert_eq!(e.to_string(), "email: value is not a valid email address");
    }

    #[test]
    fn every_validation_problem_is_in_the_full_line() {
        let e = ApiError::from_answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"detail":[{"loc":["body","email"],"msg":"bad email","type":"value_error"},{"loc":["body","password"],"msg":"too short","type":"value_error"}]}"#,
        );
        assert_eq!(e.to_string(), "email: bad email");
        assert_eq!(e.full_line(), "email: bad email; password: too short");
    }

    #[test]
    fn a_detail_is_one_line() {
        let e = ApiError::from_answer(StatusCode::CONFLICT, br#"{"detail":"two\nlines"}"#);
        assert_eq!(e.to_string(), "two lines");
    }

    #[test]
    fn garbage_bodies_are_one_clear_line() {
        let e = ApiError::from_answer(StatusCode::INTERNAL_SERVER_ERROR, b"<html>oops</html>");
        assert_eq!(e.to_string(), "the server failed (500); try again later");
        let e = ApiError::from_answer(StatusCode::BAD_REQUEST, b"nope");
        assert!(e.to_string().contains("not the expected JSON"));
    }
}
