//! An open event stream follows its caller's account: a demotion applies within 2 s, and
//! the stream closes within 2 s when its session ends, whichever process ended it.

use std::time::Duration;

use serde_json::json;

use crate::both;
use crate::events::subscribe;
use crate::helpers::*;

/// The API's bound, with a little room for a loaded test machine.
const WITHIN: Duration = Duration::from_millis(2500);

both!(
    a_demoted_admin_stops_seeing_other_orders,
    deactivation_closes_the_stream,
    logout_on_another_process_closes_the_stream,
    ending_the_session_closes_the_stream,
    a_password_change_by_an_admin_closes_the_stream,
    deleting_the_account_closes_the_stream,
);

async fn a_demoted_admin_stops_seeing_other_orders(b: Backend) {
    let app = spawn_app(b).await;
    let (_, boss) = app.admin("boss").await;
    let (deputy, deputy_token) = app.admin("deputy").await;
    let (_, ana) = app.customer("ana").await;
    let mut stream = subscribe(&app, &deputy_token).await;
    // As an admin, the deputy sees a customer's order.
    let first = app.order(&ana, json!([])).await;
    let (_, seen) = stream.order().await;
    assert_eq!(seen["id"], first["id"]);

    let r = app
        .patch(
            &format!("/users/{}", deputy.id),
            Some(&boss),
            json!({"is_admin": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(WITHIN).await;
    // Another customer's order no longer reaches the demoted admin...
    app.order(&ana, json!([])).await;
    stream.quiet().await;
    // ...while the stream stays open for the deputy's own orders.
    let own = app.order(&deputy_token, json!([])).await;
    let (_, seen) = stream.order().await;
    assert_eq!(seen["id"], own["id"]);
}

async fn deactivation_closes_the_stream(b: Backend) {
    let app = spawn_app(b).await;
    let (_, boss) = app.admin("boss").await;
    let (ana, ana_token) = app.customer("ana").await;
    let mut stream = subscribe(&app, &ana_token).await;
    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&boss),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(stream.ends_within(WITHIN).await, "the stream stays open");
}

async fn logout_on_another_process_closes_the_stream(b: Backend) {
    let one = spawn_app(b).await;
    let two = spawn_peer(&one).await;
    let (_, ana) = one.customer("ana").await;
    let mut stream = subscribe(&one, &ana).await;
    // Let the first process cache the session as valid.
    assert_eq!(one.get("/users/me", Some(&ana)).await.status, 200);
    let r = two.post_empty("/auth/logout", Some(&ana)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(stream.ends_within(WITHIN).await, "the stream stays open");
}

async fn ending_the_session_closes_the_stream(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let phone = app.login("ana").await;
    let laptop = app.login("ana").await;
    let mut stream = subscribe(&app, &phone.access_token).await;
    let list = app.get("/auth/sessions", Some(&laptop.access_token)).await;
    let phone_sid = list.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .delete(
            &format!("/auth/sessions/{phone_sid}"),
            Some(&laptop.access_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(stream.ends_within(WITHIN).await, "the stream stays open");
}

async fn a_password_change_by_an_admin_closes_the_stream(b: Backend) {
    let app = spawn_app(b).await;
    let (_, boss) = app.admin("boss").await;
    let (ana, ana_token) = app.customer("ana").await;
    let mut stream = subscribe(&app, &ana_token).await;
    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&boss),
            json!({"password": "another-password-1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(stream.ends_within(WITHIN).await, "the stream stays open");
}

async fn deleting_the_account_closes_the_stream(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, ana_token) = app.customer("ana").await;
    let mut stream = subscribe(&app, &ana_token).await;
    let r = app
        .delete(&format!("/users/{}", ana.id), Some(&ana_token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(stream.ends_within(WITHIN).await, "the stream stays open");
}
