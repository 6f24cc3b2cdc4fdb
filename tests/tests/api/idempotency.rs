//! `Idempotency-Key` on `POST /orders/`, `POST /orders/{id}/items` and
//! `PATCH /orders/{id}/items/{item_id}` (API.md v1.1): one request carried out per key,
//! the same answer byte for byte to a repeat, 422 for a key reused with another request,
//! concurrent duplicates carried out once, on one server or two.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;
use crate::order_lines::{Shop, count, events_of, id, shop};

/// An answer kept as its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Raw {
    status: u16,
    replayed: bool,
    text: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    #[track_caller]
    fn assert(&self, status: u16, detail: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json()["detail"], detail, "{}", self.text);
    }
}

/// Sends `method path` as `token` with an optional key and a JSON body (raw text).
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Raw {
    let mut rb = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(k) = key {
        rb = rb.header("Idempotency-Key", k);
    }
    if let Some(b) = body {
        rb = rb
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    Raw {
        status,
        replayed,
        text: r.text().await.expect("body"),
    }
}

async fn post(app: &TestApp, path: &str, token: &str, key: &str, body: &str) -> Raw {
    send(
        app,
        reqwest::Method::POST,
        path,
        token,
        Some(key),
        Some(body),
    )
    .await
}

async fn patch(app: &TestApp, path: &str, token: &str, key: &str, body: &str) -> Raw {
    send(
        app,
        reqwest::Method::PATCH,
        path,
        token,
        Some(key),
        Some(body),
    )
    .await
}

/// The ids of the caller's orders.
async fn my_orders(app: &TestApp, token: &str) -> Vec<i64> {
    let r = app.get("/orders/?limit=100", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect()
}

const ONE_MARGHERITA: &str =
    r#"{"items": [{"flavor": "Margherita", "size": "medium", "quantity": 1}]}"#;

async fn a_repeat_gets_the_same_answer_and_changes_nothing(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;

    // POST /orders/
    let first = post(app, "/orders/", &s.ana, "order-1", ONE_MARGHERITA).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(!first.replayed);
    let o = id(&first.json());
    // The same request again, also with other whitespace, key order and a trailing slash.
    let same = [
        ("/orders/", ONE_MARGHERITA),
        (
            "/orders",
            r#"{ "items" : [ {"quantity":1, "size":"medium", "flavor":"Margherita"} ] }"#,
        ),
    ];
    for (path, body) in same {
        let again = post(app, path, &s.ana, "order-1", body).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.text, first.text, "byte for byte");
        assert!(again.replayed, "a replay says so");
    }
    assert_eq!(my_orders(app, &s.ana).await, vec![o], "one order made");
    assert_eq!(events_of(app, o).await, 1, "one event");

    // POST /orders/{id}/items
    let path = format!("/orders/{o}/items");
    let body = r#"{"flavor": "Calabresa", "size": "small", "quantity": 2}"#;
    let first = post(app, &path, &s.ana, "add-1", body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = post(app, &path, &s.ana, "add-1", body).await;
    assert_eq!((again.status, &again.text), (201, &first.text));
    assert!(again.replayed);
    let order = app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body;
    assert_eq!(order["items"][1]["quantity"], 2, "added once: {order}");
    assert_eq!(events_of(app, o).await, 2);

    // PATCH /orders/{id}/items/{item_id}
    let item = order["items"][1]["id"].as_i64().unwrap();
    let path = format!("/orders/{o}/items/{item}");
    let first = patch(app, &path, &s.ana, "patch-1", r#"{"quantity": 7}"#).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json()["items"][1]["quantity"], 7);
    // Another change in between: the repeat still answers what the first request did.
    let r = app.patch(&path, Some(&s.ana), json!({"quantity": 3})).await;
    assert_eq!(r.status, 200);
    let again = patch(app, &path, &s.ana, "patch-1", r#"{"quantity": 7}"#).await;
    assert_eq!((again.status, &again.text), (200, &first.text));
    assert!(again.replayed);
    let order = app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body;
    assert_eq!(
        order["items"][1]["quantity"], 3,
        "the repeat changed nothing"
    );
    assert_eq!(events_of(app, o).await, 4);

    // An empty POST /orders/ is the same request as `{}` and `{"items": []}`.
    let empty = send(
        app,
        reqwest::Method::POST,
        "/orders/",
        &s.ana,
        Some("empty"),
        None,
    )
    .await;
    assert_eq!(empty.status, 201, "{}", empty.text);
    for body in ["{}", r#"{"items": []}"#] {
        let again = post(app, "/orders/", &s.ana, "empty", body).await;
        assert_eq!((again.status, &again.text), (201, &empty.text));
    }
    assert_eq!(my_orders(app, &s.ana).await.len(), 2);
}

async fn a_key_reused_with_another_request_is_refused(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let first = post(app, "/orders/", &s.ana, "k", ONE_MARGHERITA).await;
    assert_eq!(first.status, 201);
    let o = id(&first.json());
    let item = first.json()["items"][0]["id"].as_i64().unwrap();
    const REUSED: &str = "Idempotency-Key reused with a different request";

    // Another body, another path, another method: all refused, nothing changed.
    post(
        app,
        "/orders/",
        &s.ana,
        "k",
        r#"{"items": [{"flavor": "Margherita", "size": "medium", "quantity": 2}]}"#,
    )
    .await
    .assert(422, REUSED);
    post(app, "/orders/", &s.ana, "k", "{}")
        .await
        .assert(422, REUSED);
    post(
        app,
        &format!("/orders/{o}/items"),
        &s.ana,
        "k",
        r#"{"flavor": "Margherita", "size": "medium", "quantity": 1}"#,
    )
    .await
    .assert(422, REUSED);
    patch(
        app,
        &format!("/orders/{o}/items/{item}"),
        &s.ana,
        "k",
        r#"{"quantity": 1}"#,
    )
    .await
    .assert(422, REUSED);
    assert_eq!(my_orders(app, &s.ana).await, vec![o]);
    let order = app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body;
    assert_eq!(order, first.json(), "nothing changed");
    assert_eq!(events_of(app, o).await, 1);

    // The first request still gets its answer.
    let again = post(app, "/orders/", &s.ana, "k", ONE_MARGHERITA).await;
    assert_eq!(again.text, first.text);
}

async fn keys_must_be_visible_ascii(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let long_ok = "k".repeat(255);
    for key in ["", " ", "with space", "tab\tkey", &"k".repeat(256)] {
        let r = post(app, "/orders/", &s.ana, key, "{}").await;
        assert_eq!(r.status, 422, "{key:?}: {}", r.text);
        assert_eq!(
            r.json()["detail"][0]["loc"],
            json!(["header", "Idempotency-Key"]),
            "{}",
            r.text
        );
    }
    // Not ASCII (the header's raw bytes).
    let r = app
        .client
        .post(app.url("/orders/"))
        .bearer_auth(&s.ana)
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes("pedido-ç".as_bytes()).unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Twice.
    let r = app
        .client
        .post(app.url("/orders/"))
        .bearer_auth(&s.ana)
        .header("Idempotency-Key", "a")
        .header("Idempotency-Key", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(my_orders(app, &s.ana).await.is_empty(), "nothing was made");

    for key in ["x", "!~{}[]\"'", long_ok.as_str()] {
        let r = post(app, "/orders/", &s.ana, key, "{}").await;
        assert_eq!(r.status, 201, "{key:?}: {}", r.text);
    }
    // A 401 comes first, with or without a valid key.
    let r = app
        .client
        .post(app.url("/orders/"))
        .header("Idempotency-Key", "")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn keys_of_different_users_never_meet(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let ana = post(app, "/orders/", &s.ana, "same-key", ONE_MARGHERITA).await;
    let bob = post(app, "/orders/", &s.bob, "same-key", ONE_MARGHERITA).await;
    assert_eq!((ana.status, bob.status), (201, 201));
    assert!(!bob.replayed);
    assert_ne!(id(&ana.json()), id(&bob.json()));
    assert_eq!(
        bob.json()["user_id"],
        app.get("/users/me", Some(&s.bob)).await.body["id"]
    );
    // Another body under bob's key is bob's business only; the admin's too.
    let r = post(app, "/orders/", &s.admin, "same-key", "{}").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(my_orders(app, &s.ana).await.len(), 1);
    assert_eq!(my_orders(app, &s.bob).await.len(), 1);
}

async fn refusals_are_kept_and_malformed_requests_are_not(b: Backend) {
    let Shop {
        app, admin, ana, ..
    } = shop(b).await;
    let app = &app;
    let o = id(&app.order(&ana, json!([])).await);
    let path = format!("/orders/{o}/items");
    let pepperoni = r#"{"flavor": "Pepperoni", "size": "large", "quantity": 1}"#;
    let first = post(app, &path, &ana, "add-pepperoni", pepperoni).await;
    first.assert(422, "Item not on the menu");
    // Pepperoni arrives on the menu; the repeat is the same refusal and adds nothing.
    app.menu_item(&admin, "Pepperoni", "large", 5000).await;
    let again = post(app, &path, &ana, "add-pepperoni", pepperoni).await;
    assert_eq!(again.text, first.text);
    assert_eq!(again.status, 422);
    assert!(again.replayed);
    let order = app.get(&format!("/orders/{o}"), Some(&ana)).await.body;
    assert_eq!(order["items"], json!([]));
    assert_eq!(events_of(app, o).await, 1, "only the creation");
    // A new key carries it out.
    assert_eq!(
        post(app, &path, &ana, "add-pepperoni-2", pepperoni)
            .await
            .status,
        201
    );

    // 404 and 409 are kept too.
    post(app, "/orders/999999/items", &ana, "missing", pepperoni)
        .await
        .assert(404, "Order not found");
    let r = post(app, "/orders/999999/items", &ana, "missing", pepperoni).await;
    assert!(r.replayed);
    r.assert(404, "Order not found");
    let item = app.get(&format!("/orders/{o}"), Some(&ana)).await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_empty(&format!("/orders/{o}/cancel"), Some(&ana))
        .await;
    assert_eq!(r.status, 200);
    let item_path = format!("/orders/{o}/items/{item}");
    patch(app, &item_path, &ana, "late", r#"{"quantity": 2}"#)
        .await
        .assert(409, "Order is not pending");
    assert!(
        patch(app, &item_path, &ana, "late", r#"{"quantity": 2}"#)
            .await
            .replayed
    );

    // A malformed request was never carried out: its key stays free.
    let r = post(
        app,
        "/orders/",
        &ana,
        "fixed-later",
        r#"{"items": [{"flavor": "Margherita", "size": "medium", "quantity": 0}]}"#,
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["detail"].is_array(), "{}", r.text);
    let r = post(app, "/orders/", &ana, "fixed-later", "{not json").await;
    assert_eq!(r.status, 422);
    let r = post(app, "/orders/", &ana, "fixed-later", ONE_MARGHERITA).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(!r.replayed);
}

async fn answers_are_kept_for_24_hours(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let first = post(app, "/orders/", &s.ana, "yesterday", ONE_MARGHERITA).await;
    assert_eq!(first.status, 201);
    let again = post(app, "/orders/", &s.ana, "yesterday", ONE_MARGHERITA).await;
    assert!(again.replayed);
    // 23 hours later the answer is still there; 25 hours later the key is free again.
    let hour = 3_600_000;
    age_keys(app, 23 * hour).await;
    assert!(
        post(app, "/orders/", &s.ana, "yesterday", ONE_MARGHERITA)
            .await
            .replayed
    );
    age_keys(app, 2 * hour).await;
    let later = post(app, "/orders/", &s.ana, "yesterday", ONE_MARGHERITA).await;
    assert_eq!(later.status, 201);
    assert!(!later.replayed);
    assert_ne!(id(&later.json()), id(&first.json()), "a new order");
    assert_eq!(my_orders(app, &s.ana).await.len(), 2);
}

async fn expired_answers_are_deleted(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    post(app, "/orders/", &s.ana, "old", ONE_MARGHERITA).await;
    age_keys(app, 25 * 3_600_000).await;
    post(app, "/orders/", &s.ana, "new", ONE_MARGHERITA).await;
    const ALL: &str = "SELECT COUNT(*) FROM idempotency_keys WHERE created_at_ms > $1";
    assert_eq!(count(app, ALL, 0).await, 2);
    // The cleanup runs when a server starts (then periodically): a second server on the same
    // database deletes the old answer and keeps the new one.
    let _peer = spawn_peer(app).await;
    let mut left = 2;
    for _ in 0..50 {
        left = count(app, ALL, 0).await;
        if left == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 1, "the expired answer is deleted");
    assert!(
        post(app, "/orders/", &s.ana, "new", ONE_MARGHERITA)
            .await
            .replayed
    );
}

/// Moves every stored answer `ms` into the past.
async fn age_keys(app: &TestApp, ms: i64) {
    use sqlx::Connection;
    const SQL: &str = "UPDATE idempotency_keys SET created_at_ms = created_at_ms - $1";
    match app.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query(SQL).bind(ms).execute(&mut c).await.unwrap();
        }
        Backend::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query(SQL).bind(ms).execute(&mut c).await.unwrap();
        }
    }
}

/// Ten identical requests with one key at the same time.
async fn ten_at_once(app: &TestApp, token: &str, key: &str) -> Vec<Raw> {
    let requests = (0..10).map(|_| post(app, "/orders/", token, key, ONE_MARGHERITA));
    futures::future::join_all(requests).await
}

async fn concurrent_duplicates_are_carried_out_once(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let ana_id = app.get("/users/me", Some(&s.ana)).await.body["id"]
        .as_i64()
        .unwrap();
    let answers = ten_at_once(app, &s.ana, "once").await;
    let first = answers
        .iter()
        .find(|a| !a.replayed)
        .expect("one request was carried out")
        .clone();
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(
        answers.iter().filter(|a| !a.replayed).count(),
        1,
        "{answers:?}"
    );
    for a in &answers {
        assert_eq!(a.status, 201, "{}", a.text);
        assert_eq!(a.text, first.text, "every answer is the same");
    }
    assert_eq!(my_orders(app, &s.ana).await, vec![id(&first.json())]);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM order_events WHERE user_id = $1",
            ana_id
        )
        .await,
        1,
        "one event"
    );
}

both!(
    a_repeat_gets_the_same_answer_and_changes_nothing,
    a_key_reused_with_another_request_is_refused,
    keys_must_be_visible_ascii,
    keys_of_different_users_never_meet,
    refusals_are_kept_and_malformed_requests_are_not,
    answers_are_kept_for_24_hours,
    expired_answers_are_deleted,
    concurrent_duplicates_are_carried_out_once,
);

/// Two server processes on one PostgreSQL database: ten requests with one key, spread over
/// both, make one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_across_processes() {
    let Some(b) = Backend::postgres() else {
        return;
    };
    let s = shop(b).await;
    let peer = spawn_peer(&s.app).await;
    let requests = (0..10).map(|i| {
        let app = if i % 2 == 0 { &s.app } else { &peer };
        post(app, "/orders/", &s.ana, "across", ONE_MARGHERITA)
    });
    let answers = futures::future::join_all(requests).await;
    assert_eq!(
        answers.iter().filter(|a| !a.replayed).count(),
        1,
        "{answers:?}"
    );
    for a in &answers {
        assert_eq!((a.status, &a.text), (201, &answers[0].text));
    }
    assert_eq!(my_orders(&s.app, &s.ana).await.len(), 1);
}
