//! The orders routes: placing orders, prices from the menu, merging lines, listing, the
//! status machine, who may see what, and concurrent changes to one order.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

const MEDIUM: i64 = 3500;
const LARGE: i64 = 4500;
const SMALL: i64 = 2990;

/// A server with a menu (Margherita medium/large, Calabresa small), an admin and two
/// customers.
struct Shop {
    app: TestApp,
    admin: String,
    ana: String,
    ana_id: i64,
    bob: String,
    bob_id: i64,
    /// The menu id of Margherita medium.
    margherita_medium: i64,
}

async fn shop(b: Backend) -> Shop {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let margherita_medium = app.menu_item(&admin, "Margherita", "medium", MEDIUM).await;
    app.menu_item(&admin, "Margherita", "large", LARGE).await;
    app.menu_item(&admin, "Calabresa", "small", SMALL).await;
    let (ana_user, ana) = app.customer("ana").await;
    let (bob_user, bob) = app.customer("bob").await;
    Shop {
        app,
        admin,
        ana,
        ana_id: ana_user.id,
        bob,
        bob_id: bob_user.id,
        margherita_medium,
    }
}

fn line(flavor: &str, size: &str, quantity: i64) -> Value {
    json!({"flavor": flavor, "size": size, "quantity": quantity})
}

fn id(order: &Value) -> i64 {
    order["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {order}"))
}

/// The ids of a `GET /orders/` answer, in order.
fn ids(r: &Res) -> Vec<i64> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(id)
        .collect()
}

/// The ids listed by `GET path` as `token`.
async fn listed(app: &TestApp, path: &str, token: &str) -> Vec<i64> {
    ids(&app.get(path, Some(token)).await)
}

/// (flavor, size, quantity, unit price) of each line.
fn lines(order: &Value) -> Vec<(String, String, i64, i64)> {
    order["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {order}"))
        .iter()
        .map(|i| {
            (
                i["flavor"].as_str().unwrap().to_owned(),
                i["size"].as_str().unwrap().to_owned(),
                i["quantity"].as_i64().unwrap(),
                i["unit_price_cents"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn l(flavor: &str, size: &str, quantity: i64, unit: i64) -> (String, String, i64, i64) {
    (flavor.to_owned(), size.to_owned(), quantity, unit)
}

/// Every subtotal is quantity × unit price and the total is their sum.
#[track_caller]
fn assert_consistent(order: &Value) {
    let mut sum = 0;
    for i in order["items"].as_array().expect("items") {
        let sub = i["quantity"].as_i64().unwrap() * i["unit_price_cents"].as_i64().unwrap();
        assert_eq!(i["subtotal_cents"].as_i64().unwrap(), sub, "{i}");
        sum += sub;
    }
    assert_eq!(order["total_cents"].as_i64().unwrap(), sum, "{order}");
}

async fn create_without_items(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let answers = [
        app.post_empty("/orders/", Some(&s.ana)).await,
        app.post("/orders/", Some(&s.ana), json!({})).await,
        app.post("/orders", Some(&s.ana), json!({"items": []}))
            .await,
    ];
    let mut seen = Vec::new();
    for r in answers {
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["status"], "pending");
        assert_eq!(r.body["user_id"], s.ana_id);
        assert_eq!(r.body["items"], json!([]));
        assert_eq!(r.body["total_cents"], 0);
        for field in ["created_at", "updated_at"] {
            let t = r.body[field].as_str().expect("a time string");
            chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert!(t.ends_with('Z'), "UTC: {t}");
        }
        seen.push(id(&r.body));
    }
    assert!(
        seen[0] < seen[1] && seen[1] < seen[2],
        "three distinct orders: {seen:?}"
    );
    app.post_empty("/orders/", None)
        .await
        .assert(401, "Not authenticated");
}

async fn create_with_items_takes_prices_from_the_menu(b: Backend) {
    let s = shop(b).await;
    // A price sent by the client is not a field of the request and is ignored.
    let r = s
        .app
        .post(
            "/orders/",
            Some(&s.ana),
            json!({"items": [
                {"flavor": "Margherita", "size": "medium", "quantity": 2, "unit_price_cents": 1, "price_cents": 1},
                {"flavor": "calabresa", "size": "small", "quantity": 1},
            ], "total_cents": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let order = r.body;
    assert_eq!(order["status"], "pending");
    assert_eq!(
        lines(&order),
        vec![
            l("Margherita", "medium", 2, MEDIUM),
            l("Calabresa", "small", 1, SMALL)
        ],
        "prices and the flavor's spelling come from the menu"
    );
    assert_eq!(order["items"][0]["subtotal_cents"], 2 * MEDIUM);
    assert_eq!(order["total_cents"], 2 * MEDIUM + SMALL);
    assert_consistent(&order);
    let item_ids: Vec<i64> = order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(item_ids[0] > 0 && item_ids[1] > 0 && item_ids[0] != item_ids[1]);
    // The stored order is what was answered.
    let r = s
        .app
        .get(&format!("/orders/{}", id(&order)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, order);
}

async fn create_with_items_not_on_the_menu(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let r = app
        .patch(
            &format!("/menu/{}", s.margherita_medium),
            Some(&s.admin),
            json!({"available": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    for items in [
        json!([line("Portuguesa", "medium", 1)]),
        json!([line("Calabresa", "large", 1)]),
        json!([line("Margherita", "medium", 1)]),
        json!([line("Margherita", "large", 1), line("Nope", "small", 1)]),
    ] {
        app.post("/orders/", Some(&s.ana), json!({ "items": items }))
            .await
            .assert(422, "Item not on the menu");
    }
    let r = app.get("/orders/", Some(&s.ana)).await;
    assert_eq!(
        ids(&r),
        Vec::<i64>::new(),
        "a refused order leaves nothing behind"
    );
}

async fn create_with_invalid_items(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    for q in [json!(0), json!(100), json!(-1), json!(1.5), json!("2")] {
        let r = app
            .post(
                "/orders/",
                Some(&s.ana),
                json!({"items": [{"flavor": "Margherita", "size": "medium", "quantity": q}]}),
            )
            .await;
        r.assert_422_at(json!(["body", "items", 0, "quantity"]));
    }
    let r = app
        .post(
            "/orders/",
            Some(&s.ana),
            json!({"items": [line("Margherita", "large", 1), line("Calabresa", "small", 100)]}),
        )
        .await;
    r.assert_422_at(json!(["body", "items", 1, "quantity"]));
    let r = app
        .post(
            "/orders/",
            Some(&s.ana),
            json!({"items": [{"flavor": "Margherita", "size": "giant", "quantity": 1}]}),
        )
        .await;
    r.assert_422_at(json!(["body", "items", 0, "size"]));
    let r = app
        .post(
            "/orders/",
            Some(&s.ana),
            json!({"items": [{"flavor": "Margherita", "quantity": 1}]}),
        )
        .await;
    r.assert_422_at(json!(["body", "items", 0, "size"]));
    let r = app
        .post(
            "/orders/",
            Some(&s.ana),
            json!({"items": [{"flavor": "", "size": "small", "quantity": 1}]}),
        )
        .await;
    r.assert_422_at(json!(["body", "items", 0, "flavor"]));
    let r = app
        .post("/orders/", Some(&s.ana), json!({"items": "Calabresa"}))
        .await;
    r.assert_422_at(json!(["body", "items"]));
    let r = decode(
        app.client
            .post(app.url("/orders/"))
            .bearer_auth(&s.ana)
            .header("content-type", "application/json")
            .body("{\"items\": [")
            .send()
            .await
            .expect("request"),
    )
    .await;
    r.assert_422_at(json!(["body"]));
    assert_eq!(
        ids(&app.get("/orders/", Some(&s.ana)).await),
        Vec::<i64>::new()
    );

    let order = app
        .order(&s.ana, json!([line("Margherita", "large", 99)]))
        .await;
    assert_eq!(lines(&order), vec![l("Margherita", "large", 99, LARGE)]);
    assert_eq!(order["total_cents"], 99 * LARGE);
}

async fn repeats_inside_one_post_merge(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(
            &s.ana,
            json!([
                line("Margherita", "medium", 2),
                line("Calabresa", "small", 1),
                line("margherita", "medium", 3),
                line("Margherita", "large", 1),
            ]),
        )
        .await;
    assert_eq!(
        lines(&order),
        vec![
            l("Margherita", "medium", 5, MEDIUM),
            l("Calabresa", "small", 1, SMALL),
            l("Margherita", "large", 1, LARGE),
        ]
    );
    assert_eq!(order["total_cents"], 5 * MEDIUM + SMALL + LARGE);
    assert_consistent(&order);

    let order = app
        .order(
            &s.ana,
            json!([
                line("Calabresa", "small", 50),
                line("Calabresa", "small", 49)
            ]),
        )
        .await;
    assert_eq!(lines(&order), vec![l("Calabresa", "small", 99, SMALL)]);

    app.post(
        "/orders/",
        Some(&s.ana),
        json!({"items": [line("Calabresa", "small", 50), line("Calabresa", "small", 50)]}),
    )
    .await
    .assert(422, "Quantity must be between 1 and 99");
    let r = app.get("/orders/", Some(&s.ana)).await;
    assert_eq!(ids(&r).len(), 2, "the refused order was not stored");
}

async fn list_is_mine_newest_first_with_paging(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let mut mine = Vec::new();
    for i in 0..5 {
        let o = if i == 2 {
            app.order(&s.ana, json!([line("Calabresa", "small", 3)]))
                .await
        } else {
            app.order(&s.ana, json!([])).await
        };
        mine.push(id(&o));
        // Bob's orders interleave with Ana's.
        app.order(&s.bob, json!([])).await;
    }
    mine.reverse();
    for path in ["/orders/", "/orders", "/orders/?scope=mine"] {
        assert_eq!(ids(&app.get(path, Some(&s.ana)).await), mine, "{path}");
    }
    // Orders come with their items.
    let r = app.get("/orders/", Some(&s.ana)).await;
    let listed = &r.body["orders"][2];
    assert_eq!(lines(listed), vec![l("Calabresa", "small", 3, SMALL)]);
    assert_eq!(listed["total_cents"], 3 * SMALL);
    assert_eq!(listed["user_id"], s.ana_id);

    assert_eq!(
        ids(&app.get("/orders/?limit=2", Some(&s.ana)).await),
        mine[0..2]
    );
    assert_eq!(
        ids(&app.get("/orders/?offset=2&limit=2", Some(&s.ana)).await),
        mine[2..4]
    );
    assert_eq!(
        ids(&app.get("/orders/?offset=4&limit=2", Some(&s.ana)).await),
        mine[4..]
    );
    assert_eq!(
        ids(&app.get("/orders/?offset=5", Some(&s.ana)).await),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&app.get("/orders/?offset=1", Some(&s.ana)).await),
        mine[1..]
    );

    let r = app.get("/orders/", None).await;
    r.assert(401, "Not authenticated");
}

async fn list_filters_by_status(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let pending = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let cancelled = id(&app.order(&s.ana, json!([])).await);
    let finished = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let pending2 = id(&app.order(&s.ana, json!([])).await);
    assert_eq!(
        app.post_empty(&format!("/orders/{cancelled}/cancel"), Some(&s.ana))
            .await
            .status,
        200
    );
    assert_eq!(
        app.post_empty(&format!("/orders/{finished}/finish"), Some(&s.ana))
            .await
            .status,
        200
    );
    app.order(&s.bob, json!([])).await;

    let list = |q| listed(app, q, &s.ana);
    assert_eq!(
        list("/orders/?status=pending").await,
        vec![pending2, pending]
    );
    assert_eq!(list("/orders/?status=cancelled").await, vec![cancelled]);
    assert_eq!(list("/orders/?status=finished").await, vec![finished]);
    assert_eq!(
        list("/orders/?status=pending&limit=1&offset=1").await,
        vec![pending]
    );
    let r = app.get("/orders/?status=finished", Some(&s.ana)).await;
    assert_eq!(r.body["orders"][0]["status"], "finished");
}

async fn scope_all_is_for_admins(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let a1 = id(&app.order(&s.ana, json!([])).await);
    let b1 = id(&app
        .order(&s.bob, json!([line("Calabresa", "small", 1)]))
        .await);
    let a2 = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let own = id(&app.order(&s.admin, json!([])).await);
    let b2 = id(&app.order(&s.bob, json!([])).await);
    assert_eq!(
        app.post_empty(&format!("/orders/{b1}/finish"), Some(&s.bob))
            .await
            .status,
        200
    );

    for path in [
        "/orders/?scope=all",
        &format!("/orders/?scope=all&user_id={}", s.bob_id),
    ] {
        app.get(path, Some(&s.ana))
            .await
            .assert(403, "Not enough permissions");
    }
    // Without scope=all, user_id is ignored: everyone sees only their own orders.
    let r = app
        .get(&format!("/orders/?user_id={}", s.bob_id), Some(&s.ana))
        .await;
    assert_eq!(ids(&r), vec![a2, a1]);
    let r = app
        .get(&format!("/orders/?user_id={}", s.ana_id), Some(&s.admin))
        .await;
    assert_eq!(ids(&r), vec![own]);
    assert_eq!(ids(&app.get("/orders/", Some(&s.admin)).await), vec![own]);

    let admin_token = s.admin.as_str();
    let admin = |q: String| async move { listed(app, &q, admin_token).await };
    assert_eq!(
        admin("/orders/?scope=all".into()).await,
        vec![b2, own, a2, b1, a1]
    );
    let bob = format!("/orders/?scope=all&user_id={}", s.bob_id);
    assert_eq!(admin(bob).await, vec![b2, b1]);
    let ana = format!("/orders/?scope=all&user_id={}", s.ana_id);
    assert_eq!(admin(ana).await, vec![a2, a1]);
    let bob_finished = format!("/orders/?scope=all&user_id={}&status=finished", s.bob_id);
    assert_eq!(admin(bob_finished).await, vec![b1]);
    assert_eq!(
        admin("/orders/?scope=all&status=pending&limit=2".into()).await,
        vec![b2, own]
    );
    assert_eq!(
        admin("/orders/?scope=all&user_id=999999".into()).await,
        Vec::<i64>::new()
    );
    let r = app.get("/orders/?scope=everything", Some(&s.admin)).await;
    r.assert_422_at(json!(["query", "scope"]));
}

/// (v1.1) An admin's `scope=all` page names each order's customer, so a page needs no
/// request per customer; nowhere else does an order carry a username.
async fn scope_all_pages_name_the_customers(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let a = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 2)]))
        .await);
    let bo = id(&app.order(&s.bob, json!([])).await);
    let r = app.get("/orders/?scope=all", Some(&s.admin)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names: Vec<(i64, String)> = r.body["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| {
            (
                o["id"].as_i64().unwrap(),
                o["username"].as_str().unwrap_or("<none>").to_owned(),
            )
        })
        .collect();
    assert_eq!(names, vec![(bo, "bob".to_owned()), (a, "ana".to_owned())]);
    // Also with a user, a status and a search.
    let r = app
        .get(
            &format!(
                "/orders/?scope=all&user_id={}&status=pending&q=calab",
                s.ana_id
            ),
            Some(&s.admin),
        )
        .await;
    assert_eq!(r.body["orders"][0]["username"], "ana", "{}", r.body);
    // The customer's own list, the single order and the write answers carry none.
    let r = app.get("/orders/", Some(&s.ana)).await;
    assert!(r.body["orders"][0].get("username").is_none(), "{}", r.body);
    let r = app.get(&format!("/orders/{a}"), Some(&s.admin)).await;
    assert!(r.body.get("username").is_none(), "{}", r.body);
}

async fn get_one_order(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(&s.ana, json!([line("Margherita", "medium", 1)]))
        .await;
    let path = format!("/orders/{}", id(&order));
    for token in [&s.ana, &s.admin] {
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, order);
    }
    assert_eq!(app.get(&format!("{path}/"), Some(&s.ana)).await.body, order);
    app.get(&path, Some(&s.bob))
        .await
        .assert(404, "Order not found");
    app.get("/orders/999999", Some(&s.ana))
        .await
        .assert(404, "Order not found");
    app.get("/orders/999999", Some(&s.admin))
        .await
        .assert(404, "Order not found");
    app.get(&path, None).await.assert(401, "Not authenticated");
}

async fn add_items_merges_lines(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(&s.ana, json!([line("Margherita", "medium", 2)]))
        .await;
    let first_line = order["items"][0]["id"].clone();
    let path = format!("/orders/{}/items", id(&order));

    let r = app
        .post(&path, Some(&s.ana), line("Margherita", "medium", 3))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(lines(&r.body), vec![l("Margherita", "medium", 5, MEDIUM)]);
    assert_eq!(r.body["items"][0]["id"], first_line, "the same line grew");
    assert_eq!(r.body["total_cents"], 5 * MEDIUM);
    assert_eq!(r.body["status"], "pending");

    let r = app
        .post(
            &path,
            Some(&s.ana),
            json!({"flavor": "Calabresa", "size": "small", "quantity": 1, "unit_price_cents": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        lines(&r.body),
        vec![
            l("Margherita", "medium", 5, MEDIUM),
            l("Calabresa", "small", 1, SMALL)
        ]
    );
    assert_eq!(r.body["total_cents"], 5 * MEDIUM + SMALL);
    assert_consistent(&r.body);

    // An admin may add to anyone's order.
    let r = app
        .post(&path, Some(&s.admin), line("Margherita", "large", 1))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["total_cents"], 5 * MEDIUM + SMALL + LARGE);
    assert_eq!(r.body["user_id"], s.ana_id);
    let stored = app
        .get(&format!("/orders/{}", id(&order)), Some(&s.ana))
        .await;
    assert_eq!(stored.body, r.body);
}

async fn add_item_errors(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(&s.ana, json!([line("Margherita", "medium", 98)]))
        .await;
    let path = format!("/orders/{}/items", id(&order));

    app.post(&path, Some(&s.ana), line("Margherita", "medium", 2))
        .await
        .assert(422, "Quantity must be between 1 and 99");
    app.post(&path, Some(&s.ana), line("Portuguesa", "medium", 1))
        .await
        .assert(422, "Item not on the menu");
    app.post(&path, Some(&s.ana), line("Calabresa", "large", 1))
        .await
        .assert(422, "Item not on the menu");
    app.patch(
        &format!("/menu/{}", s.margherita_medium),
        Some(&s.admin),
        json!({"available": false}),
    )
    .await;
    app.post(&path, Some(&s.ana), line("Margherita", "medium", 1))
        .await
        .assert(422, "Item not on the menu");
    for q in [json!(0), json!(100), json!(-5), json!("1")] {
        app.post(
            &path,
            Some(&s.ana),
            json!({"flavor": "Calabresa", "size": "small", "quantity": q}),
        )
        .await
        .assert_422_at(json!(["body", "quantity"]));
    }
    app.post(
        &path,
        Some(&s.ana),
        json!({"flavor": "Calabresa", "size": "small"}),
    )
    .await
    .assert_422_at(json!(["body", "quantity"]));
    app.post(&path, Some(&s.bob), line("Calabresa", "small", 1))
        .await
        .assert(404, "Order not found");
    app.post(
        "/orders/999999/items",
        Some(&s.ana),
        line("Calabresa", "small", 1),
    )
    .await
    .assert(404, "Order not found");
    app.post(&path, None, line("Calabresa", "small", 1))
        .await
        .assert(401, "Not authenticated");

    let r = app
        .get(&format!("/orders/{}", id(&order)), Some(&s.ana))
        .await;
    assert_eq!(r.body, order, "no refused request changed the order");
    // 98 + 1 = 99 is still allowed once the item is back.
    app.patch(
        &format!("/menu/{}", s.margherita_medium),
        Some(&s.admin),
        json!({"available": true}),
    )
    .await;
    let r = app
        .post(&path, Some(&s.ana), line("Margherita", "medium", 1))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(lines(&r.body), vec![l("Margherita", "medium", 99, MEDIUM)]);
}

async fn menu_price_changes_never_alter_existing_lines(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let menu_path = format!("/menu/{}", s.margherita_medium);
    let order = app
        .order(&s.ana, json!([line("Margherita", "medium", 2)]))
        .await;
    let path = format!("/orders/{}", id(&order));

    let r = app
        .patch(&menu_path, Some(&s.admin), json!({"price_cents": 3900}))
        .await;
    assert_eq!(r.status, 200);
    let r = app.get(&path, Some(&s.ana)).await;
    assert_eq!(r.body, order, "the order keeps the price it was made at");

    // The same flavor and size at the new price is a new line.
    let r = app
        .post(
            &format!("{path}/items"),
            Some(&s.ana),
            line("Margherita", "medium", 1),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        lines(&r.body),
        vec![
            l("Margherita", "medium", 2, MEDIUM),
            l("Margherita", "medium", 1, 3900)
        ]
    );
    assert_eq!(r.body["total_cents"], 2 * MEDIUM + 3900);
    // …and later adds at that price merge into it.
    let r = app
        .post(
            &format!("{path}/items"),
            Some(&s.ana),
            line("Margherita", "medium", 2),
        )
        .await;
    assert_eq!(
        lines(&r.body),
        vec![
            l("Margherita", "medium", 2, MEDIUM),
            l("Margherita", "medium", 3, 3900)
        ]
    );
    // Back to the old price: adds merge into the line with that unit price.
    app.patch(&menu_path, Some(&s.admin), json!({"price_cents": MEDIUM}))
        .await;
    let r = app
        .post(
            &format!("{path}/items"),
            Some(&s.ana),
            line("Margherita", "medium", 4),
        )
        .await;
    assert_eq!(
        lines(&r.body),
        vec![
            l("Margherita", "medium", 6, MEDIUM),
            l("Margherita", "medium", 3, 3900)
        ]
    );
    assert_eq!(r.body["total_cents"], 6 * MEDIUM + 3 * 3900);
    assert_consistent(&r.body);
    // A new order gets the current price.
    let other = app
        .order(&s.bob, json!([line("Margherita", "medium", 1)]))
        .await;
    assert_eq!(other["total_cents"], MEDIUM);
}

async fn closed_orders_cannot_change(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let cancelled = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let finished = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let r = app
        .post_empty(&format!("/orders/{}/cancel", id(&cancelled)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    let cancelled = r.body;
    let r = app
        .post_empty(&format!("/orders/{}/finish", id(&finished)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    let finished = r.body;
    for order in [&cancelled, &finished] {
        let o = id(order);
        let item = order["items"][0]["id"].as_i64().unwrap();
        for token in [&s.ana, &s.admin] {
            app.post(
                &format!("/orders/{o}/items"),
                Some(token),
                line("Calabresa", "small", 1),
            )
            .await
            .assert(409, "Order is not pending");
            app.delete(&format!("/orders/{o}/items/{item}"), Some(token))
                .await
                .assert(409, "Order is not pending");
        }
        assert_eq!(
            app.get(&format!("/orders/{o}"), Some(&s.ana)).await.body,
            *order
        );
    }
}

async fn remove_items(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = app
        .order(
            &s.ana,
            json!([
                line("Margherita", "medium", 2),
                line("Calabresa", "small", 3),
                line("Margherita", "large", 1)
            ]),
        )
        .await;
    let o = id(&order);
    let item = |i: usize| order["items"][i]["id"].as_i64().unwrap();
    let other = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let other_item = other["items"][0]["id"].as_i64().unwrap();

    let r = app
        .delete(&format!("/orders/{o}/items/{}", item(1)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        lines(&r.body),
        vec![
            l("Margherita", "medium", 2, MEDIUM),
            l("Margherita", "large", 1, LARGE)
        ]
    );
    assert_eq!(r.body["total_cents"], 2 * MEDIUM + LARGE);
    assert_consistent(&r.body);

    app.delete(&format!("/orders/{o}/items/{}", item(1)), Some(&s.ana))
        .await
        .assert(404, "Item not found");
    app.delete(&format!("/orders/{o}/items/{other_item}"), Some(&s.ana))
        .await
        .assert(404, "Item not found");
    app.delete(&format!("/orders/{o}/items/999999"), Some(&s.ana))
        .await
        .assert(404, "Item not found");
    app.delete(&format!("/orders/999999/items/{}", item(0)), Some(&s.ana))
        .await
        .assert(404, "Order not found");
    app.delete(&format!("/orders/{o}/items/{}", item(0)), Some(&s.bob))
        .await
        .assert(404, "Order not found");
    app.delete(&format!("/orders/{o}/items/{}", item(0)), None)
        .await
        .assert(401, "Not authenticated");
    let r = app
        .get(&format!("/orders/{}", id(&other)), Some(&s.ana))
        .await;
    assert_eq!(r.body, other, "the other order kept its line");

    // An admin may remove from anyone's order; the last removal leaves a zero total.
    let r = app
        .delete(&format!("/orders/{o}/items/{}", item(0)), Some(&s.admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total_cents"], LARGE);
    let r = app
        .delete(&format!("/orders/{o}/items/{}/", item(2)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(r.body["total_cents"], 0);
    assert_eq!(r.body["status"], "pending");
}

async fn cancel_and_finish(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let to_cancel = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let to_finish = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 2)]))
        .await);

    let cancelled = app
        .post_empty(&format!("/orders/{to_cancel}/cancel"), Some(&s.ana))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(
        lines(&cancelled.body),
        vec![l("Calabresa", "small", 1, SMALL)]
    );
    let finished = app
        .post_empty(&format!("/orders/{to_finish}/finish"), Some(&s.ana))
        .await;
    assert_eq!(finished.status, 200, "{}", finished.body);
    assert_eq!(finished.body["status"], "finished");
    assert_eq!(finished.body["total_cents"], 2 * SMALL);

    // Times have one-second resolution: wait so that a touched updated_at would show.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for token in [&s.ana, &s.admin] {
        let r = app
            .post_empty(&format!("/orders/{to_cancel}/cancel"), Some(token))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, cancelled.body, "a repeated cancel changes nothing");
        let r = app
            .post_empty(&format!("/orders/{to_finish}/finish"), Some(token))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, finished.body, "a repeated finish changes nothing");

        app.post_empty(&format!("/orders/{to_finish}/cancel"), Some(token))
            .await
            .assert(409, "Finished orders cannot be cancelled");
        app.post_empty(&format!("/orders/{to_cancel}/finish"), Some(token))
            .await
            .assert(409, "Cancelled orders cannot be finished");
    }
    assert_eq!(
        app.get(&format!("/orders/{to_cancel}"), Some(&s.ana))
            .await
            .body,
        cancelled.body
    );
    assert_eq!(
        app.get(&format!("/orders/{to_finish}"), Some(&s.ana))
            .await
            .body,
        finished.body
    );
}

async fn finishing_needs_items(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let empty = id(&app.order(&s.ana, json!([])).await);
    app.post_empty(&format!("/orders/{empty}/finish"), Some(&s.ana))
        .await
        .assert(409, "Order has no items");
    // Emptied by removing its only line.
    let emptied = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let item = emptied["items"][0]["id"].as_i64().unwrap();
    let emptied = id(&emptied);
    let r = app
        .delete(&format!("/orders/{emptied}/items/{item}"), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    app.post_empty(&format!("/orders/{emptied}/finish"), Some(&s.admin))
        .await
        .assert(409, "Order has no items");
    for o in [empty, emptied] {
        let r = app.get(&format!("/orders/{o}"), Some(&s.ana)).await;
        assert_eq!(r.body["status"], "pending");
    }
    // An empty order can still be cancelled.
    let r = app
        .post_empty(&format!("/orders/{empty}/cancel"), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "cancelled");
}

async fn status_changes_of_others_orders(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let o1 = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let o2 = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    for action in ["cancel", "finish"] {
        app.post_empty(&format!("/orders/{o1}/{action}"), Some(&s.bob))
            .await
            .assert(404, "Order not found");
        app.post_empty(&format!("/orders/999999/{action}"), Some(&s.ana))
            .await
            .assert(404, "Order not found");
        app.post_empty(&format!("/orders/999999/{action}"), Some(&s.admin))
            .await
            .assert(404, "Order not found");
        app.post_empty(&format!("/orders/{o1}/{action}"), None)
            .await
            .assert(401, "Not authenticated");
    }
    assert_eq!(
        app.get(&format!("/orders/{o1}"), Some(&s.ana)).await.body["status"],
        "pending"
    );
    // Admins act on any order.
    let r = app
        .post_empty(&format!("/orders/{o1}/cancel"), Some(&s.admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    let r = app
        .post_empty(&format!("/orders/{o2}/finish"), Some(&s.admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "finished");
    assert_eq!(r.body["user_id"], s.ana_id);
}

async fn deleting_a_user_deletes_their_orders(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let gone = id(&app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await);
    let kept = id(&app.order(&s.bob, json!([])).await);
    assert_eq!(
        app.get(&format!("/orders/{gone}"), Some(&s.admin))
            .await
            .status,
        200
    );
    let r = app
        .delete(&format!("/users/{}", s.ana_id), Some(&s.admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.get(&format!("/orders/{gone}"), Some(&s.admin))
        .await
        .assert(404, "Order not found");
    let r = app.get("/orders/?scope=all", Some(&s.admin)).await;
    assert_eq!(ids(&r), vec![kept]);
}

async fn concurrent_adds_lose_nothing(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let order = id(&app.order(&s.ana, json!([])).await);
    let path = app.url(&format!("/orders/{order}/items"));
    let kinds = [
        ("Margherita", "medium", MEDIUM),
        ("Margherita", "large", LARGE),
        ("Calabresa", "small", SMALL),
    ];
    let requests = (0..50).map(|i| {
        let (flavor, size, _) = kinds[i % kinds.len()];
        app.client
            .post(&path)
            .bearer_auth(&s.ana)
            .json(&line(flavor, size, 1))
            .send()
    });
    let answers = futures::future::join_all(requests).await;
    for a in answers {
        let r = decode(a.expect("the request completes")).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(!r.body.to_string().contains("locked"), "{}", r.body);
    }
    let r = app.get(&format!("/orders/{order}"), Some(&s.ana)).await;
    let got = lines(&r.body);
    assert_eq!(got.len(), 3, "one line per flavor and size: {got:?}");
    let mut expected_total = 0;
    for (i, (flavor, size, price)) in kinds.iter().enumerate() {
        let count = (0..50).filter(|n| n % kinds.len() == i).count() as i64;
        let got_line = got
            .iter()
            .find(|g| g.0 == *flavor && g.1 == *size)
            .unwrap_or_else(|| panic!("no {flavor} {size} line: {got:?}"));
        assert_eq!(got_line.2, count, "{flavor} {size}");
        expected_total += count * price;
    }
    assert_eq!(got.iter().map(|g| g.2).sum::<i64>(), 50);
    assert_eq!(r.body["total_cents"], expected_total);
    assert_consistent(&r.body);
}

/// A listed order is exactly the order as `GET /orders/{id}` answers it (the list's JSON is
/// built by the database): lines in order with subtotals, totals, statuses, times, an empty
/// order's `[]`; for every filter and for the search.
async fn listed_orders_equal_the_orders_themselves(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let full = app
        .order(
            &s.ana,
            json!([
                line("Calabresa", "small", 3),
                line("Margherita", "large", 1),
                line("Margherita", "medium", 2)
            ]),
        )
        .await;
    app.order(&s.ana, json!([])).await;
    let finished = app
        .order(&s.ana, json!([line("Margherita", "medium", 1)]))
        .await;
    let r = app
        .post_empty(&format!("/orders/{}/finish", id(&finished)), Some(&s.ana))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.order(&s.bob, json!([line("Calabresa", "small", 1)]))
        .await;
    for (path, token) in [
        ("/orders/", &s.ana),
        ("/orders/?status=finished", &s.ana),
        ("/orders/?scope=all", &s.admin),
        ("/orders/?scope=all&status=pending", &s.admin),
        ("/orders/?scope=all&user_id={ana}", &s.admin),
        ("/orders/?q=margherita", &s.ana),
        ("/orders/?scope=all&q=calabresa", &s.admin),
    ] {
        let path = path.replace("{ana}", &s.ana_id.to_string());
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let listed = r.body["orders"].as_array().expect("orders");
        assert!(!listed.is_empty(), "{path}");
        for order in listed {
            let one = app
                .get(&format!("/orders/{}", id(order)), Some(token))
                .await;
            let mut listed = order.clone();
            // The admin's list names the customer; the order itself does not.
            if let Some(o) = listed.as_object_mut() {
                o.remove("username");
            }
            assert_eq!(listed, one.body, "{path}");
        }
    }
    let r = app.get("/orders/", Some(&s.ana)).await;
    assert_eq!(r.body["orders"][2], full);
    assert_eq!(r.body["orders"][1]["items"], json!([]));
    // An empty page is an empty list.
    let r = app.get("/orders/?offset=50", Some(&s.ana)).await;
    assert_eq!(r.body, json!({"orders": []}));
}

/// A size the code does not know, written behind the server's back, is an error in a list
/// as in one order, never passed on.
async fn a_list_holding_an_unknown_size_is_an_error(b: Backend) {
    let s = shop(b).await;
    let app = &s.app;
    let o = app
        .order(&s.ana, json!([line("Calabresa", "small", 1)]))
        .await;
    let sql = format!(
        "UPDATE order_items SET size = 'huge' WHERE order_id = {}",
        id(&o)
    );
    match &app.backend {
        Backend::Sqlite => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
        Backend::Postgres(_) => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
    let r = app.get("/orders/", Some(&s.ana)).await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(!r.body.to_string().contains("huge"), "{}", r.body);
}

both!(
    listed_orders_equal_the_orders_themselves,
    a_list_holding_an_unknown_size_is_an_error,
    create_without_items,
    create_with_items_takes_prices_from_the_menu,
    create_with_items_not_on_the_menu,
    create_with_invalid_items,
    repeats_inside_one_post_merge,
    list_is_mine_newest_first_with_paging,
    list_filters_by_status,
    scope_all_is_for_admins,
    scope_all_pages_name_the_customers,
    get_one_order,
    add_items_merges_lines,
    add_item_errors,
    menu_price_changes_never_alter_existing_lines,
    closed_orders_cannot_change,
    remove_items,
    cancel_and_finish,
    finishing_needs_items,
    status_changes_of_others_orders,
    deleting_a_user_deletes_their_orders,
    concurrent_adds_lose_nothing,
);
