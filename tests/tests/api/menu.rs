//! The menu routes: who may read and change it, ordering, uniqueness and validation.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// The (flavor, size) pairs of a `GET /menu/` answer, in order.
fn pairs(r: &Res) -> Vec<(String, String)> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items list: {}", r.body))
        .iter()
        .map(|i| {
            (
                i["flavor"].as_str().expect("flavor").to_owned(),
                i["size"].as_str().expect("size").to_owned(),
            )
        })
        .collect()
}

fn p(flavor: &str, size: &str) -> (String, String) {
    (flavor.to_owned(), size.to_owned())
}

async fn menu_is_public_and_ordered(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    // Inserted out of order: by id, by byte order and by size name the order would differ.
    let ids = [
        app.menu_item(&admin, "banana", "large", 4000).await,
        app.menu_item(&admin, "Calabresa", "medium", 3500).await,
        app.menu_item(&admin, "atum", "medium", 3000).await,
        app.menu_item(&admin, "banana", "small", 2000).await,
        app.menu_item(&admin, "Calabresa", "large", 4500).await,
        app.menu_item(&admin, "banana", "medium", 3000).await,
        app.menu_item(&admin, "Calabresa", "small", 2500).await,
    ];
    let expected = vec![
        p("atum", "medium"),
        p("banana", "small"),
        p("banana", "medium"),
        p("banana", "large"),
        p("Calabresa", "small"),
        p("Calabresa", "medium"),
        p("Calabresa", "large"),
    ];
    let (_, customer) = app.customer("ana").await;
    for (path, token) in [
        ("/menu/", None),
        ("/menu", None),
        ("/menu/", Some(customer.as_str())),
        ("/menu/", Some(admin.as_str())),
    ] {
        let r = app.get(path, token).await;
        assert_eq!(pairs(&r), expected, "{path} {token:?}");
    }
    // Each entry is a full MenuItem.
    let r = app.get("/menu/", None).await;
    assert_eq!(
        r.body["items"][0],
        json!({"id": ids[2], "flavor": "atum", "size": "medium", "price_cents": 3000, "available": true})
    );
}

async fn empty_menu_is_an_empty_list(b: Backend) {
    let app = spawn_app(b).await;
    let r = app.get("/menu/", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"items": []}));
}

async fn unavailable_items_only_for_admins_who_ask(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let (_, customer) = app.customer("ana").await;
    app.menu_item(&admin, "Margherita", "medium", 3500).await;
    let hidden = app.menu_item(&admin, "Atum", "large", 4200).await;
    let r = app
        .patch(
            &format!("/menu/{hidden}"),
            Some(&admin),
            json!({"available": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let only_available = vec![p("Margherita", "medium")];
    for (path, token) in [
        ("/menu/", None),
        ("/menu/?include_unavailable=true", None),
        ("/menu/", Some(customer.as_str())),
        ("/menu/?include_unavailable=true", Some(customer.as_str())),
        ("/menu/", Some(admin.as_str())),
        ("/menu/?include_unavailable=false", Some(admin.as_str())),
        // A bad token is treated as no token, not as an admin.
        ("/menu/?include_unavailable=true", Some("garbage")),
    ] {
        let r = app.get(path, token).await;
        assert_eq!(pairs(&r), only_available, "{path} {token:?}");
    }
    let r = app
        .get("/menu/?include_unavailable=true", Some(&admin))
        .await;
    assert_eq!(
        pairs(&r),
        vec![p("Atum", "large"), p("Margherita", "medium")]
    );
    assert_eq!(r.body["items"][0]["available"], false);
    assert_eq!(r.body["items"][1]["available"], true);
}

async fn creating_needs_an_admin(b: Backend) {
    let app = spawn_app(b).await;
    let (_, customer) = app.customer("ana").await;
    let body = json!({"flavor": "Margherita", "size": "medium", "price_cents": 3500});
    let r = app.post("/menu/", None, body.clone()).await;
    r.assert(401, "Not authenticated");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    app.post("/menu/", Some("garbage"), body.clone())
        .await
        .assert(401, "Could not validate credentials");
    app.post("/menu/", Some(&customer), body.clone())
        .await
        .assert(403, "Not enough permissions");
    let (_, admin) = app.admin("boss").await;
    let r = app
        .get("/menu/?include_unavailable=true", Some(&admin))
        .await;
    assert_eq!(r.body, json!({"items": []}), "nothing was added");
}

async fn create_answers_201_with_the_item(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let r = app
        .post(
            "/menu",
            Some(&admin),
            json!({"flavor": "Quatro Queijos", "size": "large", "price_cents": 5290}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_i64().expect("integer id");
    assert!(id > 0);
    assert_eq!(
        r.body,
        json!({"id": id, "flavor": "Quatro Queijos", "size": "large", "price_cents": 5290, "available": true})
    );
    // Boundaries that are allowed: 64 characters (not bytes), 1 and 1,000,000 cents.
    let long = "ç".repeat(64);
    let r = app
        .post(
            "/menu/",
            Some(&admin),
            json!({"flavor": long, "size": "small", "price_cents": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["flavor"], long);
    let r = app
        .post(
            "/menu/",
            Some(&admin),
            json!({"flavor": "A", "size": "medium", "price_cents": 1_000_000}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["price_cents"], 1_000_000);
    let r = app.get("/menu/", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
}

async fn same_flavor_and_size_is_409(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Margherita", "medium", 3500).await;
    for flavor in ["Margherita", "MARGHERITA", "margherita"] {
        app.post(
            "/menu/",
            Some(&admin),
            json!({"flavor": flavor, "size": "medium", "price_cents": 100}),
        )
        .await
        .assert(409, "Menu item already exists");
    }
    // Another size of the same flavor is a different item.
    let r = app
        .post(
            "/menu/",
            Some(&admin),
            json!({"flavor": "margherita", "size": "large", "price_cents": 4500}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.get("/menu/", None).await;
    assert_eq!(
        pairs(&r),
        vec![p("Margherita", "medium"), p("margherita", "large")]
    );
    assert_eq!(
        r.body["items"][0]["price_cents"], 3500,
        "the conflict changed nothing"
    );
}

async fn create_validation_is_422(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let ok = json!({"flavor": "Margherita", "size": "medium", "price_cents": 3500});
    let with = |field: &str, value: Value| {
        let mut body = ok.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("flavor", json!("")), "flavor"),
        (with("flavor", json!("x".repeat(65))), "flavor"),
        (with("flavor", json!("ç".repeat(65))), "flavor"),
        (with("flavor", json!("Mar\ngherita")), "flavor"),
        (with("flavor", json!("Mar\u{7}gherita")), "flavor"),
        (with("flavor", json!("Mar\tgherita")), "flavor"),
        (with("flavor", json!(5)), "flavor"),
        (with("size", json!("huge")), "size"),
        (with("size", json!("Small")), "size"),
        (with("size", json!("")), "size"),
        (with("price_cents", json!(0)), "price_cents"),
        (with("price_cents", json!(-100)), "price_cents"),
        (with("price_cents", json!(1_000_001)), "price_cents"),
        (with("price_cents", json!(35.5)), "price_cents"),
        (with("price_cents", json!("3500")), "price_cents"),
        (with("price_cents", Value::Null), "price_cents"),
    ];
    for (body, field) in cases {
        let r = app.post("/menu/", Some(&admin), body).await;
        r.assert_422_at(json!(["body", field]));
    }
    for field in ["flavor", "size", "price_cents"] {
        let mut body = ok.clone();
        body.as_object_mut().unwrap().remove(field);
        app.post("/menu/", Some(&admin), body)
            .await
            .assert_422_at(json!(["body", field]));
    }
    let r = app
        .get("/menu/?include_unavailable=true", Some(&admin))
        .await;
    assert_eq!(r.body, json!({"items": []}), "nothing invalid was stored");
}

async fn patch_price_and_availability(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let id = app.menu_item(&admin, "Margherita", "medium", 3500).await;
    let path = format!("/menu/{id}");

    let r = app
        .patch(&path, Some(&admin), json!({"price_cents": 3900}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"id": id, "flavor": "Margherita", "size": "medium", "price_cents": 3900, "available": true})
    );
    let r = app
        .patch(&path, Some(&admin), json!({"available": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["available"], false);
    assert_eq!(
        r.body["price_cents"], 3900,
        "a PATCH keeps the fields it does not name"
    );
    assert_eq!(app.get("/menu/", None).await.body, json!({"items": []}));

    let r = app
        .patch(
            &format!("/menu/{id}/"),
            Some(&admin),
            json!({"available": true, "price_cents": 4100}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let menu = app.get("/menu/", None).await;
    assert_eq!(
        menu.body["items"],
        json!([{"id": id, "flavor": "Margherita", "size": "medium", "price_cents": 4100, "available": true}])
    );
}

async fn patch_errors(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let (_, customer) = app.customer("ana").await;
    let id = app.menu_item(&admin, "Margherita", "medium", 3500).await;
    let path = format!("/menu/{id}");

    app.patch("/menu/999999", Some(&admin), json!({"price_cents": 100}))
        .await
        .assert(404, "Menu item not found");
    let r = app.patch(&path, None, json!({"price_cents": 1})).await;
    r.assert(401, "Not authenticated");
    app.patch(&path, Some(&customer), json!({"price_cents": 1}))
        .await
        .assert(403, "Not enough permissions");
    app.patch(&path, Some(&customer), json!({"available": false}))
        .await
        .assert(403, "Not enough permissions");
    for (body, field) in [
        (json!({"price_cents": 0}), "price_cents"),
        (json!({"price_cents": 1_000_001}), "price_cents"),
        (json!({"price_cents": 12.5}), "price_cents"),
        (json!({"price_cents": "100"}), "price_cents"),
        (json!({"available": "no"}), "available"),
    ] {
        app.patch(&path, Some(&admin), body)
            .await
            .assert_422_at(json!(["body", field]));
    }
    app.patch("/menu/0", Some(&admin), json!({"price_cents": 100}))
        .await
        .assert_422_at(json!(["path", "item_id"]));
    let r = app.get("/menu/", None).await;
    assert_eq!(
        r.body["items"],
        json!([{"id": id, "flavor": "Margherita", "size": "medium", "price_cents": 3500, "available": true}]),
        "no rejected PATCH changed the item"
    );
}

both!(
    menu_is_public_and_ordered,
    empty_menu_is_an_empty_list,
    unavailable_items_only_for_admins_who_ask,
    creating_needs_an_admin,
    create_answers_201_with_the_item,
    same_flavor_and_size_is_409,
    create_validation_is_422,
    patch_price_and_availability,
    patch_errors,
);
