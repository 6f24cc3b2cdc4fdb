//! Access tokens (HS256 JWTs naming their session) and refresh tokens.
//!
//! A refresh token names its session, the session's start and a generation, authenticated
//! with HMAC-SHA-256 under the server key. The session row keeps only its current
//! generation: a refresh moves it on by one, so no row is kept per token, two refreshes of
//! one token within the grace window get the same next token (it is derived, never stored),
//! and any older generation presented later is a token rotated away: reuse.
//!
//! Refresh tokens made before v1.1 are 32 random bytes whose SHA-256 is a row of
//! `refresh_tokens`; they are still accepted once, and move their session to generations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string.
    pub sub: String,
    /// The session id.
    pub sid: i64,
    pub iat: i64,
    pub exp: i64,
    /// Always "access".
    pub typ: String,
}

/// The keys, built once at start-up.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    hmac_key: SecretString,
}

impl TokenKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            hmac_key: secret.clone(),
        }
    }

    /// Signs an access token for a session.
    pub fn access_token(
        &self,
        user_id: i64,
        sid: i64,
        iat: i64,
        ttl_secs: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            sid,
            iat,
            exp: iat + ttl_secs,
            typ: "access".into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("cannot sign a token: {e}"))
    }

    /// The claims of a valid, unexpired access token; None for anything else.
    pub fn verify(&self, token: &str) -> Option<(i64, Claims)> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        if data.claims.typ != "access" {
            return None;
        }
        let user_id = data.claims.sub.parse().ok()?;
        Some((user_id, data.claims))
    }

    fn refresh_mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(self.hmac_key.expose_secret().as_bytes())
                .expect("HMAC takes keys of any length");
        mac.update(b"comanda refresh token v2\0");
        mac.update(body);
        mac
    }

    /// The refresh token of generation `generation` of a session.
    pub fn refresh_token(&self, r: RefreshClaims) -> String {
        let mut bytes = Vec::with_capacity(REFRESH_LEN);
        bytes.extend_from_slice(&r.sid.to_be_bytes());
        bytes.extend_from_slice(&r.created_at_ms.to_be_bytes());
        bytes.extend_from_slice(&r.generation.to_be_bytes());
        let tag = self.refresh_mac(&bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What a refresh token made by [`TokenKeys::refresh_token`] names; None for anything
    /// else (a forged or damaged token, or a token from before v1.1).
    pub fn parse_refresh(&self, token: &str) -> Option<RefreshClaims> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() != REFRESH_LEN {
            return None;
        }
        let (body, tag) = bytes.split_at(24);
        self.refresh_mac(body).verify_slice(tag).ok()?;
        let int = |i: usize| i64::from_be_bytes(body[i..i + 8].try_into().unwrap_or_default());
        Some(RefreshClaims {
            sid: int(0),
            created_at_ms: int(8),
            generation: int(16),
        })
    }
}

/// Session id, session start (ms) and generation, then a 32-byte tag.
const REFRESH_LEN: usize = 24 + 32;

/// What a refresh token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshClaims {
    pub sid: i64,
    /// The session's `created_at_ms`: a token never fits another session with its id.
    pub created_at_ms: i64,
    pub generation: i64,
}

/// The stored form of a refresh token: SHA-256, hex.
pub fn refresh_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &str) -> TokenKeys {
        TokenKeys::new(&SecretString::from(k.repeat(40)))
    }

    #[test]
    fn a_refresh_token_names_its_session_and_generation() {
        let k = keys("a");
        let claims = RefreshClaims {
            sid: 42,
            created_at_ms: 1_700_000_000_123,
            generation: 7,
        };
        let token = k.refresh_token(claims);
        assert_eq!(k.parse_refresh(&token), Some(claims));
        // Another key, or one changed character, and it names nothing.
        assert_eq!(keys("b").parse_refresh(&token), None);
        let mut forged = token.into_bytes();
        forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(k.parse_refresh(&String::from_utf8(forged).unwrap()), None);
        assert_eq!(k.parse_refresh(&new_legacy_token()), None);
    }

    /// A token of the form made before v1.1: 32 random bytes.
    fn new_legacy_token() -> String {
        let bytes: [u8; 32] = rand::random();
        URL_SAFE_NO_PAD.encode(bytes)
    }
}
