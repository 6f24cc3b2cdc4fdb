//! Rows do not grow without end: refreshes add no rows, the cleanup deletes ended and
//! expired sessions, passed login-limit windows and events of deleted users, and reuse
//! detection still catches every token rotated away.

use std::time::Duration;

use serde_json::{Value, json};

use super::{execute, rows};
use crate::both;
use crate::helpers::*;

both!(
    refreshes_add_no_rows_and_reuse_is_still_caught,
    the_cleanup_deletes_what_has_served_its_purpose,
    a_refresh_token_from_before_v1_1_works_once,
);

async fn refresh(app: &TestApp, token: &Value) -> Res {
    app.post("/auth/refresh_token", None, json!({"refresh_token": token}))
        .await
}

async fn refreshes_add_no_rows_and_reuse_is_still_caught(b: Backend) {
    let app = spawn_app_with(b, |s| s.refresh_grace = Duration::ZERO).await;
    app.signup("ana").await;
    let first = app.login("ana").await;
    let mut current = json!(first.refresh_token);
    let mut rotated_away = Vec::new();
    for _ in 0..300 {
        let r = refresh(&app, &current).await;
        assert_eq!(r.status, 200, "{}", r.body);
        rotated_away.push(current);
        current = r.body["refresh_token"].clone();
    }
    assert_eq!(rows(&app, "sessions").await, 1);
    assert_eq!(rows(&app, "refresh_tokens").await, 0, "no row per refresh");
    // Any token ever rotated away ends the session...
    assert_401(
        &refresh(&app, &rotated_away[17]).await,
        "Could not validate credentials",
    );
    // ...so the thief's and the owner's current token stop working alike.
    assert_401(
        &refresh(&app, &current).await,
        "Could not validate credentials",
    );
    // A forged token (another generation with a made-up tag) is refused without harm.
    assert_401(
        &refresh(
            &app,
            &json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        )
        .await,
        "Could not validate credentials",
    );
}

async fn the_cleanup_deletes_what_has_served_its_purpose(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.ended_session_keep = Duration::ZERO;
        s.login_limits.window = Duration::from_secs(1);
    })
    .await;
    let (ana, ana_token) = app.customer("ana").await;
    let (_, bob) = app.customer("bob").await;
    let (_, carla) = app.customer("carla").await;
    // Ana's order leaves an event; then her account goes.
    app.order(&ana_token, json!([])).await;
    app.order(&bob, json!([])).await;
    app.post_empty("/auth/logout", Some(&carla)).await; // an ended session
    app.token("bob", "wrong-password").await; // a failed sign-in
    app.token("nobody", "wrong-password").await; // a failed sign-in of an unknown account
    assert_eq!(rows(&app, "sessions").await, 3);
    // An event of a user deleted before v1.1 (deletion now takes the events with it).
    execute(
        &app,
        "INSERT INTO order_events (order_id, user_id, data, created_at_ms) VALUES (999, 999, '{}', 0)",
    )
    .await;
    let r = app
        .delete(&format!("/users/{}", ana.id), Some(&ana_token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(rows(&app, "order_events").await, 2, "bob's and the orphan");

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let done = comanda_server::cleanup::run_once(&db(&app).await, &app.settings)
        .await
        .expect("cleanup");
    let deleted = |what: &str| done.iter().find(|d| d.what.contains(what)).unwrap().rows;
    assert_eq!(deleted("sessions"), 1, "carla's ended session: {done:?}");
    assert_eq!(deleted("events"), 1, "{done:?}");
    assert_eq!(rows(&app, "sessions").await, 1, "bob's live session stays");
    assert_eq!(rows(&app, "order_events").await, 1, "bob's event stays");
    assert_eq!(rows(&app, "login_attempts").await, 0);
    // The live session still works.
    assert_eq!(app.get("/users/me", Some(&bob)).await.status, 200);
}

/// The test server's database, opened as the server opens it.
async fn db(app: &TestApp) -> comanda_server::db::Db {
    comanda_server::db::Db::connect(&app.database_url, 1)
        .await
        .expect("open the database")
}

async fn a_refresh_token_from_before_v1_1_works_once(b: Backend) {
    let app = spawn_app_with(b, |s| s.refresh_grace = Duration::ZERO).await;
    app.signup("ana").await;
    let pair = app.login("ana").await;
    // Turn the session into one signed in before v1.1: generation 0, its refresh token a
    // row holding the token's hash.
    let legacy = "bGVnYWN5LXJlZnJlc2gtdG9rZW4tb2YtMzItYnl0ZXM";
    let hash = comanda_server::auth::tokens::refresh_hash(legacy);
    execute(&app, "UPDATE sessions SET refresh_gen = 0").await;
    execute(
        &app,
        &format!(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at_ms) \
             SELECT '{hash}', id, created_at_ms FROM sessions"
        ),
    )
    .await;
    let r = refresh(&app, &json!(legacy)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let next = r.body["refresh_token"].clone();
    assert_ne!(next, json!(legacy));
    // The new token works; the old one, presented again, is reuse and ends the session.
    let r = refresh(&app, &next).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_401(
        &refresh(&app, &json!(legacy)).await,
        "Could not validate credentials",
    );
    assert_401(
        &app.get("/users/me", Some(&pair.access_token)).await,
        "Could not validate credentials",
    );
}
