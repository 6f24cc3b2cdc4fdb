//! `GET /menu/` from memory: `ETag`, `If-None-Match` → 304, and a change seen at once,
//! through this server and (PostgreSQL) through another on the same database.

use std::time::{Duration, Instant};

use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::adversarial::{execute, scalar};
use crate::both;
use crate::helpers::*;

both!(
    menu_answers_have_an_etag_and_a_matching_one_is_304,
    a_change_shows_at_once_with_a_new_etag,
    the_two_views_never_share_a_tag,
    a_change_the_server_did_not_see_shows_after_the_max_age,
);

/// A raw `GET` of `path` with optional token and `If-None-Match`: status, ETag, body.
async fn get_menu(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    tag: Option<&str>,
) -> (u16, String, String) {
    let mut rb = app.client.get(app.url(path));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(t) = tag {
        rb = rb.header(IF_NONE_MATCH, t);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    assert_eq!(
        r.headers().get(CACHE_CONTROL).map(|v| v.to_str().unwrap()),
        Some("no-cache"),
        "{status}"
    );
    let etag = r
        .headers()
        .get(ETAG)
        .unwrap_or_else(|| panic!("no ETag ({status})"))
        .to_str()
        .unwrap()
        .to_owned();
    (status, etag, r.text().await.expect("body"))
}

/// The `price_cents` of each item of a menu body, in order.
fn prices(body: &str) -> Vec<i64> {
    let v: Value = serde_json::from_str(body).expect("JSON");
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["price_cents"].as_i64().unwrap())
        .collect()
}

async fn menu_answers_have_an_etag_and_a_matching_one_is_304(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Calabresa", "large", 4500).await;

    let (status, tag, body) = get_menu(&app, "/menu/", None, None).await;
    assert_eq!(status, 200);
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "{tag}"
    );
    assert_eq!(prices(&body), [4500]);
    // The same answer again (from memory), with the same tag, with or without the slash.
    assert_eq!(
        get_menu(&app, "/menu", None, None).await,
        (200, tag.clone(), body)
    );

    for held in [
        tag.clone(),
        format!("\"something-else\", {tag}"),
        format!("W/{tag}"),
        "*".to_owned(),
    ] {
        let (status, again, body) = get_menu(&app, "/menu/", None, Some(&held)).await;
        assert_eq!(
            (status, again.as_str(), body.as_str()),
            (304, tag.as_str(), ""),
            "{held}"
        );
    }
    // A customer's token changes nothing.
    let (_, ana) = app.customer("ana").await;
    assert_eq!(
        get_menu(&app, "/menu/", Some(&ana), Some(&tag)).await.0,
        304
    );
    // Another tag, or an unquoted one: the whole answer.
    for held in ["\"menu-0\"", tag.trim_matches('"')] {
        let (status, again, body) = get_menu(&app, "/menu/", None, Some(held)).await;
        assert_eq!((status, again.as_str()), (200, tag.as_str()), "{held}");
        assert_eq!(prices(&body), [4500]);
    }
}

async fn a_change_shows_at_once_with_a_new_etag(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let id = app.menu_item(&admin, "Calabresa", "large", 4500).await;
    let (_, first, _) = get_menu(&app, "/menu/", None, None).await;

    app.menu_item(&admin, "Atum", "small", 2000).await;
    let (status, second, body) = get_menu(&app, "/menu/", None, Some(&first)).await;
    assert_eq!(status, 200, "the old tag no longer matches");
    assert_ne!(second, first);
    assert_eq!(prices(&body), [2000, 4500], "the new item at once");

    let r = app
        .patch(
            &format!("/menu/{id}"),
            Some(&admin),
            json!({"price_cents": 4700}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, third, body) = get_menu(&app, "/menu/", None, Some(&second)).await;
    assert_eq!(status, 200);
    assert_ne!(third, second);
    assert_eq!(prices(&body), [2000, 4700], "the new price at once");

    let r = app
        .patch(
            &format!("/menu/{id}"),
            Some(&admin),
            json!({"available": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, fourth, body) = get_menu(&app, "/menu/", None, None).await;
    assert_ne!(fourth, third);
    assert_eq!(
        prices(&body),
        [2000],
        "an unavailable item leaves the menu at once"
    );

    // A refused change changes nothing.
    let r = app
        .patch("/menu/999", Some(&admin), json!({"price_cents": 1}))
        .await;
    r.assert(404, "Menu item not found");
    assert_eq!(get_menu(&app, "/menu/", None, Some(&fourth)).await.0, 304);
}

async fn the_two_views_never_share_a_tag(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let (_, ana) = app.customer("ana").await;
    let id = app.menu_item(&admin, "Calabresa", "large", 4500).await;
    let all = "/menu/?include_unavailable=true";

    // Every item is available: the same items, still two tags.
    let (_, public, public_body) = get_menu(&app, "/menu/", None, None).await;
    let (_, admins, admin_body) = get_menu(&app, all, Some(&admin), None).await;
    assert_eq!(public_body, admin_body);
    assert_ne!(public, admins);

    app.patch(
        &format!("/menu/{id}"),
        Some(&admin),
        json!({"available": false}),
    )
    .await;
    let (_, public, body) = get_menu(&app, all, Some(&ana), None).await;
    assert_eq!(prices(&body), Vec::<i64>::new(), "ignored for a customer");
    let (status, admins, body) = get_menu(&app, all, Some(&admin), Some(&public)).await;
    assert_eq!(status, 200, "the customer's tag is not the admin's answer");
    assert_ne!(admins, public);
    assert_eq!(prices(&body), [4500]);
    assert_eq!(
        get_menu(&app, all, Some(&admin), Some(&admins)).await.0,
        304
    );
    // The admin without asking, and anyone with a bad token, get the public view.
    assert_eq!(get_menu(&app, "/menu/", Some(&admin), None).await.1, public);
    assert_eq!(get_menu(&app, all, Some("garbage"), None).await.1, public);
}

/// A change made behind the server's back (no announcement) is served from memory until
/// the menu's maximum age has passed, never longer.
async fn a_change_the_server_did_not_see_shows_after_the_max_age(b: Backend) {
    let max_age = Duration::from_millis(700);
    let app = spawn_app_with(b, |s| s.menu_cache_max_age = max_age).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Calabresa", "large", 4500).await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    let read = Instant::now();
    assert_eq!(prices(&body), [4500]);

    execute(&app, "UPDATE menu_items SET price_cents = 4800").await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    if read.elapsed() < max_age {
        assert_eq!(prices(&body), [4500], "served from memory");
    }
    tokio::time::sleep(max_age).await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    assert_eq!(prices(&body), [4800]);
}

/// Polls `GET /menu/` on `app` until its prices are `want`; how long that took.
async fn until_prices(app: &TestApp, want: &[i64], within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (_, _, body) = get_menu(app, "/menu/", None, None).await;
        if prices(&body) == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "still {:?} after {within:?}",
            prices(&body)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two server processes on one PostgreSQL database: a menu change through one is served
/// by the other within a second (it drops the menu it holds when the change is announced).
#[tokio::test(flavor = "multi_thread")]
async fn a_change_through_one_process_is_seen_through_another_within_a_second() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let a = spawn_app(backend).await;
    let b = spawn_peer(&a).await;
    let (_, admin) = a.admin("boss").await;
    let id = a.menu_item(&admin, "Calabresa", "large", 4500).await;
    // B holds the menu in memory.
    let (_, held, _) = get_menu(&b, "/menu/", None, None).await;
    assert_eq!(get_menu(&b, "/menu/", None, Some(&held)).await.0, 304);

    a.menu_item(&admin, "Atum", "small", 2000).await;
    until_prices(&b, &[2000, 4500], Duration::from_secs(1)).await;
    a.patch(
        &format!("/menu/{id}"),
        Some(&admin),
        json!({"price_cents": 4900}),
    )
    .await;
    until_prices(&b, &[2000, 4900], Duration::from_secs(1)).await;
    // And the other way round.
    b.patch(
        &format!("/menu/{id}"),
        Some(&admin),
        json!({"available": false}),
    )
    .await;
    until_prices(&a, &[2000], Duration::from_secs(1)).await;
    // Both give the same menu the same tag.
    assert_eq!(
        get_menu(&a, "/menu/", None, None).await.1,
        get_menu(&b, "/menu/", None, None).await.1
    );
}

/// When the connection that hears the announcements is lost, the menu held in memory is
/// dropped: an announcement missed meanwhile never leaves a stale menu.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_listener_connection_drops_the_menu() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let app = spawn_app(backend).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Calabresa", "large", 4500).await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    assert_eq!(prices(&body), [4500]);

    // A change nobody announces is not seen: the menu comes from memory ...
    execute(&app, "UPDATE menu_items SET price_cents = 4800").await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    assert_eq!(prices(&body), [4500], "served from memory");
    // ... until the listening connection goes.
    let ended = scalar(
        &app,
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%') AS t",
    )
    .await;
    assert_eq!(ended, 1, "one listening connection");
    until_prices(&app, &[4800], Duration::from_secs(2)).await;

    // Listening again: the menu is held in memory again, and an announcement (as another
    // process makes) drops it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listening = scalar(
            &app,
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .await;
        if listening == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the listener did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    get_menu(&app, "/menu/", None, None).await;
    execute(&app, "UPDATE menu_items SET price_cents = 5100").await;
    let (_, _, body) = get_menu(&app, "/menu/", None, None).await;
    assert_eq!(prices(&body), [4800], "served from memory again");
    execute(&app, "SELECT pg_notify('comanda_menu', '')").await;
    until_prices(&app, &[5100], Duration::from_secs(1)).await;
}
