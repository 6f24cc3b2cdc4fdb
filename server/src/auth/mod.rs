//! Authentication: password hashing, tokens, the session cache, attempt limits, and the
//! extractors that authenticate a request.

pub mod cache;
pub mod limiter;
pub mod password;
pub mod tokens;
pub mod user;

pub use user::{AuthUser, MaybeAuthUser, StreamUser, authenticate, bearer, check_session};
