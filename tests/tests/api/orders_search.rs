//! `GET /orders/?q=`: the search of the orders list (the app's `/` on Orders) looks at the
//! order number, the status, a line's flavor and the total as money text, over every page
//! and status, combined with `status` and `scope`.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

fn id(order: &Value) -> i64 {
    order["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {order}"))
}

/// The ids listed by `GET path` as `token`, in order.
async fn listed(app: &TestApp, path: &str, token: &str) -> Vec<i64> {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(id)
        .collect()
}

async fn search_looks_at_number_status_flavor_and_total_on_every_page(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Margherita", "medium", 4300).await;
    app.menu_item(&admin, "Calabresa", "small", 3405).await;
    let (_, ana) = app.customer("ana").await;
    let (_, bob) = app.customer("bob").await;

    // The oldest of ana's orders: two Margheritas (86.00), then a cancelled Calabresa
    // (34.05); then enough empty orders that both are far past the first page.
    let pizza = id(&app
        .order(
            &ana,
            json!([{"flavor": "Margherita", "size": "medium", "quantity": 2}]),
        )
        .await);
    let cancelled = id(&app
        .order(
            &ana,
            json!([{"flavor": "Calabresa", "size": "small", "quantity": 1}]),
        )
        .await);
    let r = app
        .post_empty(&format!("/orders/{cancelled}/cancel"), Some(&ana))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for _ in 0..60 {
        app.order(&ana, json!([])).await;
    }
    let bobs = id(&app
        .order(
            &bob,
            json!([{"flavor": "Margherita", "size": "medium", "quantity": 2}]),
        )
        .await);

    let list = |q: &'static str| listed(&app, q, &ana);
    assert_eq!(list("/orders/?q=cancel&limit=50").await, vec![cancelled]);
    assert_eq!(list("/orders/?q=86&limit=50").await, vec![pizza]);
    assert_eq!(list("/orders/?q=86.00").await, vec![pizza]);
    assert_eq!(list("/orders/?q=34.05").await, vec![cancelled]);
    assert_eq!(list("/orders/?q=MARGH").await, vec![pizza]);
    assert_eq!(list("/orders/?q=%20calabresa%20").await, vec![cancelled]);
    // With the status filter: both must hold.
    assert_eq!(
        list("/orders/?q=cancel&status=pending").await,
        Vec::<i64>::new()
    );
    assert_eq!(
        list("/orders/?q=calabresa&status=cancelled").await,
        vec![cancelled]
    );
    // `%` and `_` are plain characters; an empty search is no search.
    assert_eq!(list("/orders/?q=%25").await, Vec::<i64>::new());
    assert_eq!(list("/orders/?q=_").await, Vec::<i64>::new());
    assert_eq!(list("/orders/?q=&limit=100").await.len(), 62);
    // A number matches the orders whose number contains it.
    let by_number = listed(&app, &format!("/orders/?q={pizza}"), &ana).await;
    assert!(by_number.contains(&pizza), "{by_number:?}");
    // Paging goes through the matches (the 60 empty orders and the Margheritas).
    let all_pending = listed(&app, "/orders/?q=pending&limit=100", &ana).await;
    assert_eq!(all_pending.len(), 61);
    assert_eq!(
        listed(&app, "/orders/?q=pending&limit=10&offset=55", &ana).await,
        all_pending[55..]
    );

    // Only the caller's orders, unless an admin asks for all; then the customer's name too.
    assert_eq!(
        listed(&app, "/orders/?q=margherita", &bob).await,
        vec![bobs]
    );
    assert_eq!(
        listed(&app, "/orders/?scope=all&q=margherita", &admin).await,
        vec![bobs, pizza]
    );
    assert_eq!(
        listed(&app, "/orders/?scope=all&q=bob", &admin).await,
        vec![bobs]
    );
    assert_eq!(
        listed(&app, "/orders/?q=bob", &bob).await,
        Vec::<i64>::new()
    );
    app.get("/orders/?q=x", None)
        .await
        .assert(401, "Not authenticated");
}

both!(search_looks_at_number_status_flavor_and_total_on_every_page);
