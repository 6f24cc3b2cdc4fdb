//! Access tokens (HS256 JWTs naming their session) and opaque refresh tokens.
//!
//! A refresh token is 32 random bytes; the database keeps only its SHA-256. The token that
//! replaces it at rotation is derived from it with HMAC-SHA-256 under the server key, so two
//! refreshes of the same token inside the grace window get the same new token without the
//! server ever keeping a token in clear.

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

    /// The refresh token that replaces `old` at rotation.
    pub fn next_refresh(&self, old: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(self.hmac_key.expose_secret().as_bytes())
                .expect("HMAC takes keys of any length");
        mac.update(b"comanda refresh rotation\0");
        mac.update(old.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// A fresh random refresh token.
pub fn new_refresh() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
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
