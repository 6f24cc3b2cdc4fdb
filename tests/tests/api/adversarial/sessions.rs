//! `GET /auth/sessions` and `DELETE /auth/sessions/{session_id}`, every status.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// Signs `username` in with a `User-Agent`; returns the token pair's JSON.
async fn sign_in_as(app: &TestApp, username: &str, agent: &str) -> Value {
    let r = decode(
        app.client
            .post(app.url("/auth/token"))
            .header("user-agent", agent)
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn access(pair: &Value) -> String {
    pair["access_token"].as_str().unwrap().to_owned()
}

/// The `sid` claim of an access token.
fn sid(pair: &Value) -> i64 {
    use base64::Engine;
    let payload = access(pair).split('.').nth(1).unwrap().to_owned();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["sid"]
        .as_i64()
        .unwrap()
}

both!(
    sessions_are_listed_newest_first,
    ending_a_session_works_like_a_logout,
    sessions_of_others_and_ended_ones_are_not_found
);

async fn sessions_are_listed_newest_first(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let long_agent = "x".repeat(300);
    let phone = sign_in_as(&app, "ana", &long_agent).await;
    let laptop = sign_in_as(&app, "ana", "comanda-tui/0.1").await;
    let r = app.get("/auth/sessions", Some(&access(&laptop))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body["sessions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{}", r.body);
    assert_eq!(list[0]["id"], sid(&laptop));
    assert_eq!(list[0]["current"], true);
    assert_eq!(list[0]["user_agent"], "comanda-tui/0.1");
    assert_eq!(list[0]["address"], "127.0.0.1");
    assert_eq!(list[1]["id"], sid(&phone));
    assert_eq!(list[1]["current"], false);
    assert_eq!(
        list[1]["user_agent"],
        "x".repeat(200),
        "cut to 200 characters"
    );
    for s in &list {
        let keys: Vec<_> = s.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys.len(),
            6,
            "id, created_at, last_used_at, user_agent, address, current: {s}"
        );
        assert!(s["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(s["last_used_at"].as_str().unwrap().ends_with('Z'));
    }
    // A refresh is a use: last_used_at moves on (to the second), created_at does not.
    let before = list[1].clone();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app
        .post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": phone["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = app.get("/auth/sessions", Some(&access(&laptop))).await;
    let phone_now = after.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == sid(&phone))
        .unwrap()
        .clone();
    assert_eq!(phone_now["created_at"], before["created_at"]);
    assert!(
        phone_now["last_used_at"].as_str().unwrap() > before["last_used_at"].as_str().unwrap(),
        "{before} then {phone_now}"
    );
    // Without a token: 401.
    assert_401(&app.get("/auth/sessions", None).await, "Not authenticated");
    assert_401(
        &app.get("/auth/sessions", Some("garbage")).await,
        "Could not validate credentials",
    );
}

async fn ending_a_session_works_like_a_logout(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let other = sign_in_as(&app, "ana", "phone").await;
    let mine = sign_in_as(&app, "ana", "laptop").await;
    let r = app
        .delete(
            &format!("/auth/sessions/{}", sid(&other)),
            Some(&access(&mine)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "Session ended"}));
    // Its access token and refresh token stop working; this one still works.
    assert_401(
        &app.get("/users/me", Some(&access(&other))).await,
        "Could not validate credentials",
    );
    let refresh = app
        .post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_401(&refresh, "Could not validate credentials");
    assert_eq!(app.get("/users/me", Some(&access(&mine))).await.status, 200);
    let list = app.get("/auth/sessions", Some(&access(&mine))).await;
    assert_eq!(list.body["sessions"].as_array().unwrap().len(), 1);
    // Ending the current session is a logout.
    let r = app
        .delete(
            &format!("/auth/sessions/{}", sid(&mine)),
            Some(&access(&mine)),
        )
        .await;
    assert_eq!(r.body, json!({"message": "Session ended"}));
    assert_401(
        &app.get("/users/me", Some(&access(&mine))).await,
        "Could not validate credentials",
    );
}

async fn sessions_of_others_and_ended_ones_are_not_found(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.signup("ana").await;
    let ana = sign_in_as(&app, "ana", "phone").await;
    let bob = {
        app.signup("bob").await;
        sign_in_as(&app, "bob", "laptop").await
    };
    let ana_sid = sid(&ana);
    let path = format!("/auth/sessions/{ana_sid}");
    // Another user's session, even for an admin: 404, and it keeps working.
    app.delete(&path, Some(&access(&bob)))
        .await
        .assert(404, "Session not found");
    app.delete(&path, Some(&admin))
        .await
        .assert(404, "Session not found");
    assert_eq!(app.get("/users/me", Some(&access(&ana))).await.status, 200);
    // A session that does not exist, and one already ended.
    app.delete("/auth/sessions/999999", Some(&access(&ana)))
        .await
        .assert(404, "Session not found");
    app.post_empty("/auth/logout", Some(&access(&bob))).await;
    app.delete(
        &format!("/auth/sessions/{}", sid(&bob)),
        Some(&access(&ana)),
    )
    .await
    .assert(404, "Session not found");
    // Not signed in: 401; a bad id: 422.
    assert_401(&app.delete(&path, None).await, "Not authenticated");
    app.delete("/auth/sessions/abc", Some(&access(&ana)))
        .await
        .assert_422_at(json!(["path", "session_id"]));
    app.delete("/auth/sessions/0", Some(&access(&ana)))
        .await
        .assert_422_at(json!(["path", "session_id"]));
}
