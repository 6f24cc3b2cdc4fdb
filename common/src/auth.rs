//! Bodies of the authentication routes.

use serde::{Deserialize, Serialize};

/// A token pair, answered by `POST /auth/token` and `POST /auth/refresh_token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Token {
    pub access_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// The access token's lifetime in seconds.
    pub expires_in: i64,
    pub refresh_token: String,
}

impl std::fmt::Debug for Token {
    // Tokens are secrets: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// The OAuth2 password form of `POST /auth/token`
/// (`application/x-www-form-urlencoded`). `username` is the email or the username.
/// OAuth2 clients also send `grant_type`, `scope`, `client_id` and `client_secret`;
/// they are accepted and ignored.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "ana", "password": "pizza-lover-1"})))]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Body of `POST /auth/refresh_token`. Unknown fields are ignored.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"refresh_token": "the refresh_token of POST /auth/token"})))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest { refresh_token: <redacted> }")
    }
}

/// Optional body of `POST /auth/logout`: `{"all": true}` ends every session of the user.
/// Unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"all": false})))]
pub struct LogoutRequest {
    #[serde(default)]
    pub all: bool,
}

/// One session of the caller, as `GET /auth/sessions` lists it (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The session id: the `sid` of its access tokens.
    pub id: i64,
    /// When the session signed in.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The last sign-in or refresh of the session (not every request).
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    /// The `User-Agent` sent at sign-in, cut to 200 characters.
    pub user_agent: Option<String>,
    /// The client address at sign-in.
    pub address: Option<String>,
    /// True for the session of the token that asked.
    pub current: bool,
}

/// Body of `GET /auth/sessions`: the caller's sessions that have not ended or expired,
/// newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// At most this many characters of the `User-Agent` header are kept with a session.
pub const USER_AGENT_MAX_CHARS: usize = 200;
