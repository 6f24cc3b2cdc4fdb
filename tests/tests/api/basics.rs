//! Health, documentation and the conventions every route shares: error shapes, trailing
//! slashes, body limits, path ids.

use serde_json::json;

use crate::both;
use crate::helpers::*;

async fn health_routes(b: Backend) {
    let app = spawn_app(b).await;
    let r = app.get("/", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"message": "Olá Mundo!"}));
    for path in ["/health", "/health/", "/ready", "/ready/"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.body, json!({"status": "ok"}), "{path}");
    }
}

async fn unknown_route_and_wrong_method(b: Backend) {
    let app = spawn_app(b).await;
    app.get("/nowhere", None).await.assert(404, "Not Found");
    app.get("/users/me/extra/deep", None)
        .await
        .assert(404, "Not Found");
    app.delete("/health", None)
        .await
        .assert(405, "Method Not Allowed");
    app.post("/orders/events", None, json!({}))
        .await
        .assert(405, "Method Not Allowed");
}

async fn paths_work_with_and_without_trailing_slash(b: Backend) {
    let app = spawn_app(b).await;
    let (_, token) = app.customer("ana").await;
    for path in [
        "/users/me",
        "/users/me/",
        "/orders",
        "/orders/",
        "/menu",
        "/menu/",
    ] {
        let r = app
            .client
            .get(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 200, "{path}: no redirect, same answer");
    }
}

async fn bad_path_ids_are_422(b: Backend) {
    let app = spawn_app(b).await;
    let (_, token) = app.customer("ana").await;
    for id in ["0", "-1", "abc", "9223372036854775808", "1.5"] {
        let r = app.get(&format!("/orders/{id}"), Some(&token)).await;
        r.assert_422_at(json!(["path", "order_id"]));
        let r = app.get(&format!("/users/{id}"), Some(&token)).await;
        r.assert_422_at(json!(["path", "user_id"]));
    }
    let r = app.delete("/orders/1/items/0", Some(&token)).await;
    r.assert_422_at(json!(["path", "item_id"]));
}

async fn malformed_bodies_are_422(b: Backend) {
    let app = spawn_app(b).await;
    // Malformed JSON.
    let r = decode(
        app.client
            .post(app.url("/users/"))
            .header("content-type", "application/json")
            .body("{\"username\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_422_at(json!(["body"]));
    // Missing content type.
    let r = decode(
        app.client
            .post(app.url("/users/"))
            .body(r#"{"username":"ana","email":"ana@example.com","password":"12345678"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_422_at(json!(["body"]));
    // A missing field names the field.
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": "ana", "email": "ana@example.com"}),
        )
        .await;
    r.assert_422_at(json!(["body", "password"]));
    assert_eq!(r.body["detail"][0]["type"], "missing");
    // A wrong type.
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": 5, "email": "ana@example.com", "password": "12345678"}),
        )
        .await;
    r.assert_422_at(json!(["body", "username"]));
    // Not an object at all.
    let r = app.post("/users/", None, json!([1, 2])).await;
    assert_eq!(r.status, 422);
}

async fn bodies_over_64_kib_are_413(b: Backend) {
    let app = spawn_app(b).await;
    let big = "x".repeat(70 * 1024);
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": big, "email": "a@example.com", "password": "12345678"}),
        )
        .await;
    r.assert(413, "Request body too large");
    let r = decode(
        app.client
            .post(app.url("/auth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username={big}&password=x"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 413);
}

async fn bad_query_parameters_are_422(b: Backend) {
    let app = spawn_app(b).await;
    let (_, token) = app.customer("ana").await;
    let r = app.get("/orders/?limit=0", Some(&token)).await;
    r.assert_422_at(json!(["query", "limit"]));
    let r = app.get("/orders/?limit=101", Some(&token)).await;
    r.assert_422_at(json!(["query", "limit"]));
    let r = app.get("/orders/?offset=-1", Some(&token)).await;
    r.assert_422_at(json!(["query", "offset"]));
    let r = app.get("/orders/?limit=abc", Some(&token)).await;
    r.assert_422_at(json!(["query", "limit"]));
    let r = app.get("/orders/?status=lost", Some(&token)).await;
    r.assert_422_at(json!(["query", "status"]));
    let r = app.get("/orders/?limit=100&offset=0", Some(&token)).await;
    assert_eq!(r.status, 200);
}

async fn openapi_and_docs(b: Backend) {
    let app = spawn_app(b).await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    let paths = r.body["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/", vec!["get"]),
        ("/health", vec!["get"]),
        ("/ready", vec!["get"]),
        ("/users", vec!["get", "post"]),
        ("/users/me", vec!["get"]),
        ("/users/{user_id}", vec!["get", "put", "patch", "delete"]),
        ("/auth/token", vec!["post"]),
        ("/auth/refresh_token", vec!["post"]),
        ("/auth/logout", vec!["post"]),
        ("/menu", vec!["get", "post"]),
        ("/menu/{item_id}", vec!["patch"]),
        ("/orders", vec!["get", "post"]),
        ("/orders/events", vec!["get"]),
        ("/orders/{order_id}", vec!["get"]),
        ("/orders/{order_id}/items", vec!["post"]),
        ("/orders/{order_id}/items/{item_id}", vec!["delete"]),
        ("/orders/{order_id}/cancel", vec!["post"]),
        ("/orders/{order_id}/finish", vec!["post"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is not documented");
        }
    }
    // Every status of a route is declared, e.g. sign-up's 409 and 422.
    let responses = &paths["/users"]["post"]["responses"];
    for code in ["201", "409", "422"] {
        assert!(responses[code].is_object(), "POST /users lacks {code}");
    }
    let responses = &paths["/orders/{order_id}/finish"]["post"]["responses"];
    for code in ["200", "401", "404", "409", "422"] {
        assert!(responses[code].is_object(), "finish lacks {code}");
    }
    // Every schema the document refers to is in it.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_owned());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&r.body, &mut all);
    assert!(!all.is_empty());
    for reference in all {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(
            r.body["components"]["schemas"][name].is_object(),
            "{reference} does not resolve"
        );
    }
    // The password flow of the Authorize button.
    let scheme = &r.body["components"]["securitySchemes"]["oauth2"];
    assert_eq!(scheme["flows"]["password"]["tokenUrl"], "/auth/token");

    for path in ["/docs", "/docs/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("swagger-ui"), "{path}");
    }
    let res = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("/openapi.json"));
    let res = app
        .client
        .get(app.url("/docs/swagger-ui.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn request_ids_are_returned(b: Backend) {
    let app = spawn_app(b).await;
    let r = app.get("/health", None).await;
    assert!(r.headers.get("x-request-id").is_some());
    let res = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

both!(
    health_routes,
    unknown_route_and_wrong_method,
    paths_work_with_and_without_trailing_slash,
    bad_path_ids_are_422,
    malformed_bodies_are_422,
    bodies_over_64_kib_are_413,
    bad_query_parameters_are_422,
    openapi_and_docs,
    request_ids_are_returned,
);
