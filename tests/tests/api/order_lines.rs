//! `PATCH /orders/{order_id}/items/{item_id}` (v1.1): changing a line's quantity in place,
//! every status it answers with, and the event it records.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

const MEDIUM: i64 = 3500;
const SMALL: i64 = 2990;

/// A shop: an admin, a menu (Margherita medium, Calabresa small), ana and bob.
pub struct Shop {
    pub app: TestApp,
    pub admin: String,
    pub ana: String,
    pub bob: String,
}

pub async fn shop(b: Backend) -> Shop {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Margherita", "medium", MEDIUM).await;
    app.menu_item(&admin, "Calabresa", "small", SMALL).await;
    let (_, ana) = app.customer("ana").await;
    let (_, bob) = app.customer("bob").await;
    Shop {
        app,
        admin,
        ana,
        bob,
    }
}

pub fn line(flavor: &str, size: &str, quantity: i64) -> Value {
    json!({"flavor": flavor, "size": size, "quantity": quantity})
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The number of events recorded for `order` (what `GET /orders/events` replays).
pub async fn events_of(app: &TestApp, order: i64) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM order_events WHERE order_id = $1",
        order,
    )
    .await
}

/// Runs `sql` (a `SELECT COUNT(*)` with one bound id) on the server's database.
pub async fn count(app: &TestApp, sql: &'static str, bind: i64) -> i64 {
    use sqlx::Connection;
    match app.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql)
                .bind(bind)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
        Backend::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query_scalar(sql)
                .bind(bind)
                .fetch_one(&mut c)
                .await
                .unwrap()
        }
    }
}

async fn change_quantity_keeps_the_unit_price(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(
            &s.ana,
            json!([
                line("Margherita", "medium", 2),
                line("Calabresa", "small", 1)
            ]),
        )
        .await;
    let o = id(&order);
    let item = order["items"][0]["id"].as_i64().unwrap();
    // The menu price goes up; the line keeps the price it was added at.
    let menu = app.get("/menu/", None).await;
    let margherita = menu.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["flavor"] == "Margherita")
        .map(id)
        .unwrap();
    let r = app
        .patch(
            &format!("/menu/{margherita}"),
            Some(&s.admin),
            json!({"price_cents": 9999}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = events_of(app, o).await;

    let r = app
        .patch(
            &format!("/orders/{o}/items/{item}"),
            Some(&s.ana),
            json!({"quantity": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["items"][0]["id"], item,
        "the same line, not a new one"
    );
    assert_eq!(r.body["items"][0]["quantity"], 5);
    assert_eq!(r.body["items"][0]["unit_price_cents"], MEDIUM);
    assert_eq!(r.body["items"][0]["subtotal_cents"], 5 * MEDIUM);
    assert_eq!(
        r.body["items"][1], order["items"][1],
        "the other line is untouched"
    );
    assert_eq!(r.body["total_cents"], 5 * MEDIUM + SMALL);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(
        events_of(app, o).await,
        before + 1,
        "one event for the change"
    );
    assert_eq!(
        app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body,
        r.body
    );

    // The bounds, with and without a trailing slash; an admin may change anyone's line.
    for (q, token) in [(1, &s.ana), (99, &s.admin)] {
        let r = app
            .patch(
                &format!("/orders/{o}/items/{item}/"),
                Some(token),
                json!({"quantity": q}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["items"][0]["quantity"], q);
        assert_eq!(r.body["total_cents"], q * MEDIUM + SMALL);
    }
}

async fn change_quantity_errors(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(&s.ana, json!([line("Margherita", "medium", 2)]))
        .await;
    let o = id(&order);
    let item = order["items"][0]["id"].as_i64().unwrap();
    let other = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let other_item = other["items"][0]["id"].as_i64().unwrap();
    let path = format!("/orders/{o}/items/{item}");
    let q = |n: i64| json!({ "quantity": n });

    assert_401(&app.patch(&path, None, q(3)).await, "Not authenticated");
    assert_401(
        &app.patch(&path, Some("garbage"), q(3)).await,
        "Could not validate credentials",
    );
    app.patch(&format!("/orders/999999/items/{item}"), Some(&s.ana), q(3))
        .await
        .assert(404, "Order not found");
    app.patch(&path, Some(&s.bob), q(3))
        .await
        .assert(404, "Order not found");
    app.patch(&format!("/orders/{o}/items/999999"), Some(&s.ana), q(3))
        .await
        .assert(404, "Item not found");
    app.patch(
        &format!("/orders/{o}/items/{other_item}"),
        Some(&s.ana),
        q(3),
    )
    .await
    .assert(404, "Item not found");
    for bad in [0, -1, 100] {
        app.patch(&path, Some(&s.ana), q(bad))
            .await
            .assert_422_at(json!(["body", "quantity"]));
    }
    for bad in [
        json!({}),
        json!({"quantity": "3"}),
        json!({"quantity": 2.5}),
        json!([]),
    ] {
        let r = app.patch(&path, Some(&s.ana), bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
    }
    app.patch("/orders/0/items/1", Some(&s.ana), q(3))
        .await
        .assert_422_at(json!(["path", "order_id"]));
    app.patch(&format!("/orders/{o}/items/abc"), Some(&s.ana), q(3))
        .await
        .assert_422_at(json!(["path", "item_id"]));
    let r = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&s.ana)
        .body("{\"quantity\": 3")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(decode(r).await.status, 422);
    assert_eq!(
        app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body,
        order,
        "no failed request changed the order"
    );

    // A closed order cannot change, whoever asks.
    let r = app
        .post_empty(&format!("/orders/{o}/cancel"), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    for token in [&s.ana, &s.admin] {
        app.patch(&path, Some(token), q(3))
            .await
            .assert(409, "Order is not pending");
    }
    let r = app
        .post_empty(&format!("/orders/{}/finish", id(&other)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    app.patch(
        &format!("/orders/{}/items/{other_item}", id(&other)),
        Some(&s.ana),
        q(3),
    )
    .await
    .assert(409, "Order is not pending");
    assert_eq!(
        app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body["items"],
        order["items"]
    );
}

both!(change_quantity_keeps_the_unit_price, change_quantity_errors);
