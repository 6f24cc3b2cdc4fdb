//! The OpenAPI document: its base (title, tags, the OAuth2 password scheme that lets the
//! docs page's "Authorize" button sign in through `/auth/token`), and [`finish`], which
//! adds to every operation what holds for all of them, from the rules in one place:
//! the `401`/`413`/`422`/`503` answers every route can give, the `WWW-Authenticate` and
//! `Retry-After` headers, the id and `Idempotency-Key` parameter schemas, default response
//! descriptions, plain-text summaries, and the links the stateful fuzzer follows.
//!
//! The bodies' schemas come from the `common` types (`comanda_common::schema` builds the
//! field rules from the validators' own constants), so the document and the server share
//! every rule.

use serde_json::{Map, Value, json};
use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

use crate::idempotency;

pub fn base() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Comanda API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Accounts, menu and orders of a small order-taking business. \
                     Errors are `{\"detail\": \"…\"}`; validation errors (422) carry a list \
                     of `{\"loc\", \"msg\", \"type\"}`. Every path also answers with a \
                     trailing slash. Request bodies over 64 KiB get 413; a request that \
                     takes over 30 s is cut off with 503. Sign in with **Authorize** \
                     (the OAuth2 password flow of `POST /auth/token`).",
                ))
                .build(),
        )
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    // Referenced only from query parameters, which do not register their schemas.
    components.schemas.insert(
        "OrderScope".into(),
        <comanda_common::OrderScope as utoipa::PartialSchema>::schema(),
    );
    components.schemas.insert(
        "OrderStatus".into(),
        <comanda_common::OrderStatus as utoipa::PartialSchema>::schema(),
    );
    components.add_security_scheme(
        "oauth2",
        SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
            "/auth/token",
            Scopes::new(),
        ))])),
    );
    doc
}

/// The tags and their one line of text.
const TAGS: &[(&str, &str)] = &[
    ("health", "Liveness, readiness and the greeting."),
    ("users", "Sign-up, profiles and account administration."),
    ("auth", "Signing in and out, token refresh and sessions."),
    (
        "menu",
        "What can be ordered, at which price (admins change it).",
    ),
    (
        "orders",
        "Placing, changing and following orders, and their live updates.",
    ),
];

/// The finished document, as served at `/openapi.json`.
pub fn document() -> Value {
    let (_, doc) = crate::routes::api().split_for_parts();
    finish(doc)
}

const ERROR: &str = "#/components/schemas/ErrorBody";
const VALIDATION: &str = "#/components/schemas/ValidationErrorBody";

fn json_body(schema_ref: &str) -> Value {
    json!({"application/json": {"schema": {"$ref": schema_ref}}})
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": json_body(ERROR)})
}

fn retry_after(required: bool) -> Value {
    json!({
        "description": "Seconds to wait before trying again.",
        "required": required,
        "schema": {"type": "integer", "minimum": 1}
    })
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "Success.",
        "201" => "Created.",
        "401" => {
            "\"Not authenticated\" (no or malformed Authorization header) or \"Could not \
             validate credentials\" (a bad, expired or revoked token)."
        }
        "403" => "\"Not enough permissions\".",
        "404" => "Not found.",
        "409" => "Conflict.",
        "413" => "\"Request body too large\" (over 64 KiB).",
        "422" => {
            "Validation error: one entry per problem, with its location (`body`, `query`, \
             `path` or `header`, then the field)."
        }
        "429" => "Too many attempts; Retry-After says for how long.",
        "503" => {
            "\"Database unavailable\", \"Server busy\" (with Retry-After), or the request \
             took over 30 s."
        }
        _ => "See the operation's description.",
    }
}

/// One server-sent event of `GET /orders/events` (each event is checked against it).
fn event_schema() -> Value {
    json!({
        "type": "object",
        "description": "One event of the stream.",
        "properties": {
            "event": {"type": "string", "enum": ["order", "reset"]},
            "id": {"type": "string", "pattern": "^[0-9]+$", "description": "Increasing; send the last one back as Last-Event-ID after a reconnect."},
            "data": {"type": "string", "description": "event: order → the Order as JSON; event: reset → {}."},
        },
        "required": ["event", "data"]
    })
}

/// The schema of an id path parameter: a positive 64-bit integer.
fn id_schema() -> Value {
    serde_json::to_value(comanda_common::schema::id()).unwrap_or(Value::Null)
}

fn idempotency_key_schema() -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency::MAX_LEN,
        "pattern": "^[!-~]+$",
    })
}

const IDEMPOTENCY_DESCRIPTION: &str = "Optional: 1 to 255 visible ASCII characters chosen by \
    the client (a UUID, say). The first request with a key is carried out and its answer \
    kept for 24 hours; a repeat with the same key, path and body gets that answer again \
    (with `Idempotent-Replayed: true`) and changes nothing; the same key with another \
    request answers 422 \"Idempotency-Key reused with a different request\"; a duplicate \
    sent while the first is running waits for its answer. Keys are per user.";

/// Completes every operation of the generated document (see the module comment).
pub fn finish(doc: OpenApi) -> Value {
    let mut v = serde_json::to_value(&doc).unwrap_or(Value::Null);
    let used_tags = finish_paths(&mut v);
    let tags: Vec<Value> = TAGS
        .iter()
        .filter(|(name, _)| used_tags.iter().any(|t| t == name))
        .map(|(name, text)| json!({"name": name, "description": text}))
        .collect();
    v["tags"] = Value::Array(tags);
    add_links(&mut v);
    open_request_schemas(&mut v);
    v
}

/// The server ignores unknown fields of every request body (a v1 client that still sends,
/// say, a unit price gets its order, at the menu's price): every object schema a request
/// body uses says so with `additionalProperties: true`.
fn open_request_schemas(v: &mut Value) {
    fn refs(schema: &Value, out: &mut Vec<String>) {
        match schema {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str)
                    && let Some(name) = r.strip_prefix("#/components/schemas/")
                    && !out.iter().any(|n| n == name)
                {
                    out.push(name.to_owned());
                }
                o.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    if let Some(paths) = v["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                refs(&op["requestBody"], &mut names);
            }
        }
    }
    // Follow the references inside those schemas too (OrderCreate → OrderItemCreate).
    let mut i = 0;
    while i < names.len() {
        let schema = v["components"]["schemas"][&names[i]].clone();
        refs(&schema, &mut names);
        i += 1;
    }
    for name in names {
        let s = &mut v["components"]["schemas"][&name];
        if s["type"] == "object" && s.get("additionalProperties").is_none() {
            s["additionalProperties"] = json!(true);
        }
    }
}

/// Applies the per-operation rules; the tags the operations use.
fn finish_paths(v: &mut Value) -> Vec<String> {
    let mut used_tags = Vec::new();
    let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) else {
        return used_tags;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (_method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if let Some(tags) = op.get("tags").and_then(Value::as_array) {
                for t in tags.iter().filter_map(Value::as_str) {
                    if !used_tags.iter().any(|u| u == t) {
                        used_tags.push(t.to_owned());
                    }
                }
            }
            finish_operation(path, op);
        }
    }
    used_tags
}

fn finish_operation(path: &str, op: &mut Map<String, Value>) {
    // Plain-text summaries; a description for every operation.
    let summary = op
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .replace('`', "");
    let description = op
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| summary.clone());
    op.insert("summary".into(), summary.into());
    op.insert("description".into(), description.into());

    let security = op.get("security").and_then(Value::as_array);
    let needs_token = security.is_some_and(|s| {
        !s.is_empty()
            && s.iter()
                .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
    });
    let has_body = op.contains_key("requestBody");
    let mut has_params = false;
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut() {
            has_params = true;
            let name = p["name"].as_str().unwrap_or_default().to_owned();
            if p["in"] == "path" && name.ends_with("_id") {
                p["schema"] = id_schema();
                if p.get("example").is_none() {
                    p["example"] = json!(1);
                }
                if p.get("description").is_none() {
                    p["description"] = json!("A positive id.");
                }
            }
            if p["in"] == "header" && name.eq_ignore_ascii_case(idempotency::HEADER) {
                p["schema"] = idempotency_key_schema();
                p["description"] = json!(IDEMPOTENCY_DESCRIPTION);
            }
        }
    }

    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else {
        return;
    };
    if needs_token && !responses.contains_key("401") {
        responses.insert("401".into(), error_response(default_description("401")));
    }
    if has_body && !responses.contains_key("413") {
        responses.insert("413".into(), error_response(default_description("413")));
    }
    if (has_body || has_params) && !responses.contains_key("422") {
        responses.insert(
            "422".into(),
            json!({"description": default_description("422"), "content": json_body(VALIDATION)}),
        );
    }
    if !matches!(path, "/" | "/health") && !responses.contains_key("503") {
        responses.insert("503".into(), error_response(default_description("503")));
    }
    for r in responses.values_mut() {
        for (mime, content) in r
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if mime == "text/event-stream" {
                content["schema"] = event_schema();
            }
        }
    }
    for (status, r) in responses.iter_mut() {
        if r.get("description")
            .and_then(Value::as_str)
            .is_none_or(|d| d.trim().is_empty())
        {
            r["description"] = json!(default_description(status));
        }
        match status.as_str() {
            // The sign-in form's 401 is about the password, not a bearer token.
            "401" if path != "/auth/token" => {
                r["headers"]["WWW-Authenticate"] = json!({
                    "description": "Always `Bearer`.",
                    "required": true,
                    "schema": {"type": "string", "const": "Bearer"}
                });
            }
            "429" => r["headers"]["Retry-After"] = retry_after(true),
            "503" => r["headers"]["Retry-After"] = retry_after(false),
            _ => {}
        }
    }
}

/// OpenAPI links from the answers that create something to the operations on it, so that
/// a client (and the stateful fuzzer) can follow them.
fn add_links(v: &mut Value) {
    let mut ops = Vec::new();
    if let Some(paths) = v["paths"].as_object() {
        for item in paths.values() {
            if let Some(item) = item.as_object() {
                for op in item.values() {
                    if let Some(id) = op["operationId"].as_str() {
                        ops.push(id.to_owned());
                    }
                }
            }
        }
    }
    let order = json!({"order_id": "$response.body#/id"});
    // The answer of an item added has at least one line.
    let line = json!({"order_id": "$response.body#/id", "item_id": "$response.body#/items/0/id"});
    let user = json!({"user_id": "$response.body#/id"});
    let menu = json!({"item_id": "$response.body#/id"});
    /// (path, method, status) of a creating answer, and the operations it links to.
    type Plan<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a Value)]);
    let plan: [Plan; 4] = [
        (
            "/orders",
            "post",
            "201",
            &[
                ("get_order", &order),
                ("add_item", &order),
                ("cancel_order", &order),
                ("finish_order", &order),
            ],
        ),
        (
            "/orders/{order_id}/items",
            "post",
            "201",
            &[("update_item", &line), ("remove_item", &line)],
        ),
        (
            "/users",
            "post",
            "201",
            &[
                ("get_user", &user),
                ("put_user", &user),
                ("patch_user", &user),
                ("delete_user", &user),
            ],
        ),
        ("/menu", "post", "201", &[("patch_item", &menu)]),
    ];
    for (path, method, status, links) in plan {
        let r = &mut v["paths"][path][method]["responses"][status];
        if !r.is_object() {
            continue;
        }
        for (op, params) in links {
            if ops.iter().any(|o| o == op) {
                r["links"][*op] = json!({"operationId": op, "parameters": params});
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_has_a_line_of_text() {
        let v = document();
        let tags = v["tags"].as_array().unwrap();
        let mut used = Vec::new();
        for item in v["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for t in op["tags"].as_array().unwrap() {
                    used.push(t.as_str().unwrap().to_owned());
                }
            }
        }
        for t in used {
            assert!(
                tags.iter().any(|d| d["name"] == t.as_str()
                    && d["description"].as_str().is_some_and(|s| !s.is_empty())),
                "tag {t} has no description"
            );
        }
    }
}
