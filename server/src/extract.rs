//! Extractors that turn every malformed input into the API's own 422 shape, and the
//! client's address. (Authentication is in [`crate::auth::user`].)

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::{header, request::Parts};
use comanda_common::{LocItem, ValidationErrorItem};
use serde::de::DeserializeOwned;

pub use crate::auth::user::{AuthUser, MaybeAuthUser};
use crate::error::ApiError;
use crate::state::AppState;

/// Turns a serde error at `path` into a 422 entry under `root` ("body" or "query").
fn serde_problem<E: std::fmt::Display>(
    root: &str,
    err: serde_path_to_error::Error<E>,
) -> ValidationErrorItem {
    let mut loc: Vec<LocItem> = vec![root.into()];
    for seg in err.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => loc.push((*index).into()),
            serde_path_to_error::Segment::Map { key } => loc.push(key.as_str().into()),
            serde_path_to_error::Segment::Enum { variant } => loc.push(variant.as_str().into()),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let raw = err.inner().to_string();
    // serde_json appends " at line L column C"; the location is already in `loc`.
    let msg = match raw.find(" at line ") {
        Some(i) => raw[..i].to_owned(),
        None => raw,
    };
    if let Some(field) = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        loc.push(field.into());
        return ValidationErrorItem {
            loc,
            msg: "Field required".into(),
            kind: "missing".into(),
        };
    }
    ValidationErrorItem {
        loc,
        msg,
        kind: "value_error".into(),
    }
}

fn has_content_type(parts: &axum::http::HeaderMap, expected: &str) -> bool {
    parts
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == expected || (expected == "application/json" && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rej| {
        let status = rej.status();
        if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Status(status, "Request body too large")
        } else {
            ApiError::invalid(&["body"], "cannot read the request body")
        }
    })
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is a JSON object; serde would also read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::Validation(vec![ValidationErrorItem {
            loc: vec!["body".into()],
            msg: "Input should be a valid dictionary or object".into(),
            kind: "model_attributes_type".into(),
        }]));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut *de) {
        Ok(v) => {
            // Trailing characters after the value are malformed JSON too.
            if de.end().is_err() {
                return Err(json_invalid());
            }
            Ok(v)
        }
        Err(e) if e.inner().is_syntax() || e.inner().is_eof() => Err(json_invalid()),
        Err(e) => Err(ApiError::Validation(vec![serde_problem("body", e)])),
    }
}

fn json_invalid() -> ApiError {
    ApiError::Validation(vec![ValidationErrorItem {
        loc: vec!["body".into()],
        msg: "JSON decode error".into(),
        kind: "json_invalid".into(),
    }])
}

fn wrong_content_type(expected: &str) -> ApiError {
    ApiError::Validation(vec![ValidationErrorItem {
        loc: vec!["body".into()],
        msg: format!("Content-Type must be {expected}"),
        kind: "content_type".into(),
    }])
}

/// A JSON body; anything malformed is 422 in the API's shape, an oversized body 413.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        if !has_content_type(req.headers(), "application/json") {
            return Err(wrong_content_type("application/json"));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

/// A JSON body that may be absent (empty): then `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let typed = has_content_type(req.headers(), "application/json");
        let bytes = body_bytes(req, state).await?;
        // No body, and a JSON `null`, both mean "no body".
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(OptionalJson(T::default()));
        }
        if !typed {
            return Err(wrong_content_type("application/json"));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// An `application/x-www-form-urlencoded` body.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        if !has_content_type(req.headers(), "application/x-www-form-urlencoded") {
            return Err(wrong_content_type("application/x-www-form-urlencoded"));
        }
        let bytes = body_bytes(req, state).await?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize(de)
            .map(Form)
            .map_err(|e| ApiError::Validation(vec![serde_problem("body", e)]))
    }
}

/// The query string.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| ApiError::Validation(vec![serde_problem("query", e)]))
    }
}

/// The path's ids, in order: each must be a positive 64-bit integer.
pub struct Ids(pub Vec<i64>);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::invalid(&["path"], "invalid path"))?;
        let mut ids = Vec::new();
        let mut problems = Vec::new();
        for (name, value) in &params {
            match value.parse::<i64>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => problems.push(ValidationErrorItem {
                    loc: vec!["path".into(), name.into()],
                    msg: "Input should be a positive 64-bit integer".into(),
                    kind: "int_parsing".into(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(Ids(ids))
        } else {
            Err(ApiError::Validation(problems))
        }
    }
}

/// The id of a one-id path.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Ids(ids) = Ids::from_request_parts(parts, state).await?;
        ids.first()
            .copied()
            .map(Id)
            .ok_or(ApiError::invalid(&["path"], "missing id"))
    }
}

/// The client's address (API.md "Client address"): the TCP peer, or, when the peer is a
/// trusted proxy, the right-most `X-Forwarded-For` entry that is not itself one.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            &parts.headers,
            &parts.extensions,
            &state.settings.trusted_proxies,
        )))
    }
}

/// See [`ClientIp`]; also used by the request log.
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Every X-Forwarded-For header, in order, as one list; read from the right, the first
    // entry that is not a trusted proxy is the client. Anything unparsable stops the walk:
    // what is left of it was written by someone we do not trust.
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else {
            return peer;
        };
        hops.extend(value.split(',').map(str::trim));
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !is_trusted(&client) {
                    return client;
                }
            }
            Err(_) => return client,
        }
    }
    client
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}
