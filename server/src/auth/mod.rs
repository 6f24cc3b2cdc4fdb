//! Authentication: password hashing, tokens, the session cache and sign-in limits.

pub mod cache;
pub mod limiter;
pub mod password;
pub mod tokens;
