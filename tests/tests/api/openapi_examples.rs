//! The OpenAPI document's own examples, sent to a real server: every operation, with the
//! example of each parameter and body, as a signed-in customer (admin operations as an
//! admin), gets the documented success. The examples form one story on a new server: ana
//! signs up and signs in, the admin sets up the menu, ana orders, changes and finishes, and
//! at the end signs out and deletes her account.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::both;
use crate::helpers::*;

/// The password of the sign-up example.
const EXAMPLE_PASSWORD: &str = "pizza-lover-1";

/// Operations that only admins may call.
const ADMIN_ONLY: &[(&str, &str)] = &[
    ("post", "/menu"),
    ("patch", "/menu/{item_id}"),
    ("get", "/users"),
];

/// The story's order: these first, in this order ...
const FIRST: &[(&str, &str)] = &[
    ("post", "/users"),
    ("post", "/auth/token"),
    // Right after the sign-in that made session 1: a password change (PUT) would end it.
    ("delete", "/auth/sessions/{session_id}"),
    ("post", "/menu"),
    ("patch", "/menu/{item_id}"),
    ("post", "/orders"),
    ("post", "/orders/{order_id}/items"),
    ("patch", "/orders/{order_id}/items/{item_id}"),
];
/// ... and these last, in this order (they end things).
const LAST: &[(&str, &str)] = &[
    ("delete", "/orders/{order_id}/items/{item_id}"),
    ("post", "/orders/{order_id}/finish"),
    ("post", "/orders/{order_id}/cancel"),
    ("post", "/auth/logout"),
    ("delete", "/users/{user_id}"),
];

/// Follows `$ref`s (and the `oneOf` of an optional body) to a schema with an example.
fn example_of(doc: &Value, schema: &Value) -> Option<Value> {
    if let Some(e) = schema.get("example") {
        return Some(e.clone());
    }
    if let Some(e) = schema.get("examples").and_then(|e| e.get(0)) {
        return Some(e.clone());
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next()?;
        return example_of(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array)
            && let Some(e) = list.iter().find_map(|s| example_of(doc, s))
        {
            return Some(e);
        }
    }
    None
}

struct Story {
    app: TestApp,
    doc: Value,
    customer: String,
    customer_refresh: String,
    admin: String,
}

impl Story {
    /// Sends `method path` with the document's examples; the answer.
    async fn send(&mut self, method: &str, path: &str) -> (u16, Option<String>, String) {
        let doc = self.doc.clone();
        let op = &doc["paths"][path][method];
        let mut url = path.to_owned();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            let example = p
                .get("example")
                .cloned()
                .or_else(|| example_of(&doc, &p["schema"]))
                .unwrap_or_else(|| panic!("{method} {path}: parameter {name} has no example"));
            let text = match &example {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match p["in"].as_str().unwrap() {
                "path" => url = url.replace(&format!("{{{name}}}"), &text),
                // A token in the query string cannot be a fixed example: the request
                // carries the header instead.
                "query" if name == "access_token" => {}
                "query" => query.push((name.to_owned(), text)),
                "header" => headers.push((name.to_owned(), text)),
                other => panic!("parameter in {other}"),
            }
        }
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut rb = self.app.client.request(m, self.app.url(&url)).query(&query);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        let secured = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("oauth2").is_some()));
        if secured {
            let admin = ADMIN_ONLY.contains(&(method, path));
            rb = rb.bearer_auth(if admin { &self.admin } else { &self.customer });
        }
        if let Some(content) = op["requestBody"]["content"].as_object() {
            let (mime, media) = content.iter().next().unwrap();
            let mut body = example_of(&doc, &media["schema"])
                .unwrap_or_else(|| panic!("{method} {path}: the body has no example"));
            // A refresh token cannot be a fixed example: the one of this story's sign-in.
            if let Some(t) = body.get_mut("refresh_token") {
                *t = json!(self.customer_refresh);
            }
            rb = if mime == "application/x-www-form-urlencoded" {
                let form: Map<String, Value> = body.as_object().unwrap().clone();
                let pairs: Vec<(String, String)> = form
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap().to_owned()))
                    .collect();
                rb.form(&pairs)
            } else {
                rb.json(&body)
            };
        }
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if ctype.as_deref() == Some("text/event-stream") {
            return (status, ctype, String::new());
        }
        (status, ctype, r.text().await.unwrap_or_default())
    }
}

async fn every_example_of_the_document_succeeds(b: Backend) {
    let app = spawn_app(b).await;
    let doc = app.get("/openapi.json", None).await.body;
    let mut ops: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.clone(), path.clone()));
        }
    }
    let rank = |(m, p): &(String, String)| {
        let key = (m.as_str(), p.as_str());
        if let Some(i) = FIRST.iter().position(|k| *k == key) {
            (0, i)
        } else if let Some(i) = LAST.iter().position(|k| *k == key) {
            (2, i)
        } else {
            (1, 0)
        }
    };
    ops.sort_by_key(|op| rank(op));

    let mut story = Story {
        app,
        doc: doc.clone(),
        customer: String::new(),
        customer_refresh: String::new(),
        admin: String::new(),
    };
    for (method, path) in &ops {
        let op = &doc["paths"][path][method];
        let success: u16 = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|s| s.parse().ok())
            .filter(|s: &u16| (200..300).contains(s))
            .min()
            .unwrap_or_else(|| panic!("{method} {path} documents no success"));
        match (method.as_str(), path.as_str()) {
            // Set the scene around the story's steps.
            ("post", "/auth/token") => {
                // An earlier sign-in of ana (session 1), which the example of
                // DELETE /auth/sessions/{session_id} ends.
                let r = story.app.token("ana", EXAMPLE_PASSWORD).await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
            ("post", "/orders/{order_id}/items") => {
                // The item the example adds, and order 2, which the example of cancel ends.
                story
                    .app
                    .menu_item(&story.admin, "Calabresa", "small", 2990)
                    .await;
                story.app.order(&story.customer, json!([])).await;
            }
            ("delete", "/users/{user_id}") => {
                // The logout before it ended the example's session: sign in again.
                let r = story.app.token("ana", EXAMPLE_PASSWORD).await;
                assert_eq!(r.status, 200, "{}", r.body);
                story.customer = r.body["access_token"].as_str().unwrap().to_owned();
            }
            _ => {}
        }
        let (status, ctype, text) = story.send(method, path).await;
        assert_eq!(
            status,
            success,
            "{} {path} with the document's examples: {text}",
            method.to_uppercase()
        );
        let documented = op["responses"][success.to_string()]["content"]
            .as_object()
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        if let Some(ct) = &ctype {
            assert!(
                documented.iter().any(|d| ct.starts_with(d.as_str())),
                "{method} {path}: {ct} is not among {documented:?}"
            );
        }
        if (method.as_str(), path.as_str()) == ("post", "/auth/token") {
            let t: Value = serde_json::from_str(&text).unwrap();
            story.customer = t["access_token"].as_str().unwrap().to_owned();
            story.customer_refresh = t["refresh_token"].as_str().unwrap().to_owned();
            story.admin = story.app.admin("boss").await.1;
        }
    }
    let ran: Vec<_> = ops.iter().map(|(m, p)| format!("{m} {p}")).collect();
    assert!(ran.len() >= 20, "every operation ran: {ran:?}");
}

both!(every_example_of_the_document_succeeds);
