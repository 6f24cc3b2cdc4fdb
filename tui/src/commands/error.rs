//! What a command can fail with, the one line it prints on stderr, and the exit status of
//! CLI.md's table.

use std::process::ExitCode;

use crate::api::ApiError;

/// The exit status of a command (CLI.md "Exit status").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done.
    Done = 0,
    /// 1: the server refused (any 4xx but 401), or the keyring could not be changed.
    Refused = 1,
    /// 2: the command line itself is wrong.
    Usage = 2,
    /// 3: the server cannot be reached, answered 5xx, or did not answer in time.
    Unreachable = 3,
    /// 4: not signed in, or the session has ended.
    NotSignedIn = 4,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// The line printed when there is no session.
pub const NOT_SIGNED_IN: &str = "not signed in: run comanda login";

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{}", api_line(.0))]
    Api(#[from] ApiError),
    /// An argument the command line's grammar accepts but the command cannot use (an ITEM
    /// that is not `FLAVOR:SIZE[:QTY]`, an empty password).
    #[error("{0}")]
    Usage(String),
    /// The keyring refused to change.
    #[error("{0}")]
    Keyring(String),
    /// stdout or stderr could not be written, or the terminal could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn api_line(e: &ApiError) -> String {
    match e {
        ApiError::NotSignedIn => NOT_SIGNED_IN.to_owned(),
        ApiError::SessionEnded => format!("{NOT_SIGNED_IN} (the session has ended)"),
        other => other.full_line(),
    }
}

impl CommandError {
    /// The exit status for this failure.
    pub fn status(&self) -> ExitStatus {
        match self {
            CommandError::Api(e) => match e {
                ApiError::NotSignedIn | ApiError::SessionEnded => ExitStatus::NotSignedIn,
                ApiError::Unreachable(_) | ApiError::Timeout(_) | ApiError::Server(_) => {
                    ExitStatus::Unreachable
                }
                ApiError::Api { status: 401, .. } => ExitStatus::NotSignedIn,
                ApiError::Api { status, .. } | ApiError::BadBody(status)
                    if (400..500).contains(status) =>
                {
                    ExitStatus::Refused
                }
                ApiError::Api { .. } | ApiError::BadBody(_) => ExitStatus::Unreachable,
            },
            CommandError::Usage(_) => ExitStatus::Usage,
            CommandError::Keyring(_) | CommandError::Io(_) => ExitStatus::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, detail: &str) -> CommandError {
        CommandError::Api(ApiError::Api {
            status,
            detail: detail.into(),
            problems: Vec::new(),
            retry_after: None,
        })
    }

    #[test]
    fn statuses_follow_the_table() {
        assert_eq!(
            api(409, "Order is not pending").status(),
            ExitStatus::Refused
        );
        assert_eq!(api(404, "Order not found").status(), ExitStatus::Refused);
        assert_eq!(
            api(401, "Incorrect email or password").status(),
            ExitStatus::NotSignedIn
        );
        assert_eq!(api(503, "Server busy").status(), ExitStatus::Unreachable);
        let down = CommandError::Api(ApiError::Unreachable("http://127.0.0.1:1".into()));
        assert_eq!(down.status(), ExitStatus::Unreachable);
        assert_eq!(down.to_string(), "cannot reach http://127.0.0.1:1");
        let none = CommandError::Api(ApiError::NotSignedIn);
        assert_eq!(none.status(), ExitStatus::NotSignedIn);
        assert_eq!(none.to_string(), "not signed in: run comanda login");
        assert_eq!(
            CommandError::Api(ApiError::SessionEnded).status(),
            ExitStatus::NotSignedIn
        );
        assert_eq!(CommandError::Usage("x".into()).status(), ExitStatus::Usage);
    }
}
