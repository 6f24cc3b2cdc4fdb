//! Tests of the auth routes: sign-in, sign-in limits, access tokens, refresh-token rotation
//! and logout (API.md "Authentication").

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comanda_common::Token;
use comanda_server::settings::LoginLimits;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

const BAD_TOKEN: &str = "Could not validate credentials";
const BAD_LOGIN: &str = "Incorrect email or password";

/// The JSON of one base64url part of a JWT.
fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT has three parts");
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

/// `GET /users/me` with `token`: the status.
async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/users/me", Some(token)).await.status.as_u16()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> Res {
    app.post(
        "/auth/refresh_token",
        None,
        json!({ "refresh_token": refresh_token }),
    )
    .await
}

/// `POST /auth/token` with an arbitrary form.
async fn token_form(app: &TestApp, form: &[(&str, &str)]) -> Res {
    decode(
        app.client
            .post(app.url("/auth/token"))
            .form(form)
            .send()
            .await
            .expect("request"),
    )
    .await
}

#[track_caller]
fn assert_token_shape(r: &Res, expires_in: i64) -> Token {
    assert_eq!(r.status, 200, "{}", r.body);
    let mut keys: Vec<&String> = r.body.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    let t: Token = r.json();
    assert_eq!(t.token_type, "bearer");
    assert_eq!(t.expires_in, expires_in);
    assert_eq!(t.access_token.split('.').count(), 3, "a JWT");
    assert!(t.refresh_token.len() >= 32, "a long random refresh token");
    assert_ne!(t.refresh_token, t.access_token);
    t
}

/// Settings with small sign-in limits.
fn limits(per_account: u32, per_address: u32, window: Duration) -> LoginLimits {
    LoginLimits {
        per_account,
        per_address,
        window,
        ..LoginLimits::default()
    }
}

#[track_caller]
fn assert_429(r: &Res, max_secs: u64) {
    r.assert(429, "Too many login attempts");
    let retry: u64 = r
        .headers
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("Retry-After is a number of seconds");
    assert!((1..=max_secs).contains(&retry), "Retry-After {retry}");
}

async fn sign_in_by_username_or_email(b: Backend) {
    let app = spawn_app(b).await;
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": "Ana", "email": "Ana@Example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201);
    let mut sids = Vec::new();
    for login in [
        "Ana",
        "ana",
        "ANA",
        "ana@example.com",
        "ANA@EXAMPLE.COM",
        "Ana@Example.com",
    ] {
        let t = assert_token_shape(&app.token(login, PASSWORD).await, 1800);
        let me = app.get("/users/me", Some(&t.access_token)).await;
        assert_eq!(me.status, 200, "{login}");
        assert_eq!(me.body["username"], "Ana");
        sids.push(jwt_part(&t.access_token, 1)["sid"].clone());
    }
    sids.sort_by_key(|v| v.as_i64());
    sids.dedup();
    assert_eq!(sids.len(), 6, "each sign-in is its own session");
    // Without the trailing slash too.
    let r = decode(
        app.client
            .post(app.url("/auth/token/"))
            .form(&[("username", "ana"), ("password", PASSWORD)])
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200);
}

async fn wrong_password_or_unknown_account_is_401(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    for (login, pw) in [
        ("ana", "wrong-password"),
        ("ana", &PASSWORD.to_uppercase()),
        ("ana", ""),
        ("ana@example.com", "wrong-password"),
        ("nobody", PASSWORD),
        ("nobody@example.com", PASSWORD),
        ("", PASSWORD),
    ] {
        let r = app.token(login, pw).await;
        r.assert(401, BAD_LOGIN);
        assert!(!r.body.to_string().contains("argon2"));
    }
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
}

async fn unknown_accounts_take_as_long_as_known_ones(b: Backend) {
    // With the real hashing cost, an unknown account is answered after checking a dummy
    // hash, so its 401 is not measurably faster than a wrong password's.
    let app = spawn_app_with(b, |s| s.hash_params = comanda_server::HashParams::OWASP).await;
    app.signup("ana").await;
    let mut known = Duration::MAX;
    let mut unknown = Duration::MAX;
    for _ in 0..4 {
        let start = Instant::now();
        app.token("ana", "wrong-password")
            .await
            .assert(401, BAD_LOGIN);
        known = known.min(start.elapsed());
        let start = Instant::now();
        app.token("nobody", "wrong-password")
            .await
            .assert(401, BAD_LOGIN);
        unknown = unknown.min(start.elapsed());
    }
    assert!(
        unknown * 3 >= known,
        "unknown account {unknown:?} vs wrong password {known:?}"
    );
}

async fn token_form_problems_are_422(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    token_form(&app, &[("username", "ana")])
        .await
        .assert_422_at(json!(["body", "password"]));
    token_form(&app, &[("password", PASSWORD)])
        .await
        .assert_422_at(json!(["body", "username"]));
    token_form(&app, &[])
        .await
        .assert_422_at(json!(["body", "username"]));
    // JSON is not the form.
    app.post(
        "/auth/token",
        None,
        json!({"username": "ana", "password": PASSWORD}),
    )
    .await
    .assert_422_at(json!(["body"]));
    let r = app.post_empty("/auth/token", None).await;
    r.assert_422_at(json!(["body"]));
}

async fn authorize_button_fields_are_accepted(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let r = token_form(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "ana"),
            ("password", PASSWORD),
            ("scope", ""),
            ("client_id", "x"),
            ("client_secret", ""),
        ],
    )
    .await;
    let t = assert_token_shape(&r, 1800);
    assert_eq!(me_status(&app, &t.access_token).await, 200);
}

async fn access_token_claims(b: Backend) {
    let app = spawn_app(b).await;
    let ana = app.signup("ana").await;
    let before = chrono::Utc::now().timestamp();
    let t = app.login("ana").await;
    let after = chrono::Utc::now().timestamp();
    let header = jwt_part(&t.access_token, 0);
    assert_eq!(header["alg"], "HS256");
    let claims = jwt_part(&t.access_token, 1);
    assert_eq!(
        claims["sub"],
        json!(ana.id.to_string()),
        "sub is the id as a string"
    );
    assert!(claims["sid"].as_i64().expect("sid is an integer") > 0);
    assert_eq!(claims["typ"], "access");
    let iat = claims["iat"].as_i64().expect("iat");
    let exp = claims["exp"].as_i64().expect("exp");
    assert!((before - 1..=after + 1).contains(&iat), "iat {iat} is now");
    assert_eq!(exp - iat, 1800);
    assert!(
        !claims.to_string().contains("ana@example.com"),
        "no email in the token"
    );

    // Changing the email keeps the session (the subject is the id).
    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&t.access_token),
            json!({"email": "new@example.com"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(me_status(&app, &t.access_token).await, 200);

    // The lifetime is a setting.
    let app = spawn_app_with(app.backend.clone(), |s| {
        s.access_token_ttl = Duration::from_secs(60)
    })
    .await;
    app.signup("ana").await;
    let t = assert_token_shape(&app.token("ana", PASSWORD).await, 60);
    let claims = jwt_part(&t.access_token, 1);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
}

async fn expired_access_token_is_rejected(b: Backend) {
    let app = spawn_app_with(b, |s| s.access_token_ttl = Duration::from_secs(1)).await;
    app.signup("ana").await;
    let t = assert_token_shape(&app.token("ana", PASSWORD).await, 1);
    assert_eq!(me_status(&app, &t.access_token).await, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_401(
        &app.get("/users/me", Some(&t.access_token)).await,
        BAD_TOKEN,
    );
    // The session itself goes on: a refresh gives a working token.
    let r = refresh(&app, &t.refresh_token).await;
    let t2 = assert_token_shape(&r, 1);
    assert_eq!(me_status(&app, &t2.access_token).await, 200);
}

async fn forged_tokens_are_rejected(b: Backend) {
    let app = spawn_app(b).await;
    let (boss, _) = app.admin("boss").await;
    app.signup("ana").await;
    let t = app.login("ana").await;
    let header = jwt_part(&t.access_token, 0);
    let claims = jwt_part(&t.access_token, 1);
    let signature = t.access_token.split('.').nth(2).expect("signature");

    // The same claims signed with another key.
    let other_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"another-key-another-key-another-key!"),
    )
    .expect("sign");
    // `alg: none`, with and without the trailing dot.
    let none_header = json!({"alg": "none", "typ": "JWT"});
    let alg_none = format!("{}.{}.", b64(&none_header), b64(&claims));
    let alg_none_nodot = format!("{}.{}", b64(&none_header), b64(&claims));
    let mut admin_claims = claims.clone();
    admin_claims["sub"] = json!(boss.id.to_string());
    let alg_none_admin = format!("{}.{}.", b64(&none_header), b64(&admin_claims));
    // The real signature on changed claims: someone else's id, a later expiry.
    let tampered_sub = format!("{}.{}.{signature}", b64(&header), b64(&admin_claims));
    let mut later = claims.clone();
    later["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    let tampered_exp = format!("{}.{}.{signature}", b64(&header), b64(&later));
    // Another algorithm named in the header with the real signature.
    let hs512 = format!(
        "{}.{}.{signature}",
        b64(&json!({"alg": "HS512", "typ": "JWT"})),
        b64(&claims)
    );

    for (what, token) in [
        ("another key", other_key.as_str()),
        ("alg none", &alg_none),
        ("alg none without the dot", &alg_none_nodot),
        ("alg none as the admin", &alg_none_admin),
        ("tampered sub", &tampered_sub),
        ("tampered exp", &tampered_exp),
        ("HS512 header", &hs512),
        ("the refresh token", &t.refresh_token),
        ("garbage", "not-a-token"),
    ] {
        let r = app.get("/users/me", Some(token)).await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_401(&r, BAD_TOKEN);
        let r = app.get("/users/", Some(token)).await;
        assert_401(&r, BAD_TOKEN);
    }
    // The genuine token works.
    assert_eq!(me_status(&app, &t.access_token).await, 200);
}

async fn refresh_returns_a_new_pair_in_the_same_session(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let t0 = app.login("ana").await;
    let r = refresh(&app, &t0.refresh_token).await;
    let t1 = assert_token_shape(&r, 1800);
    assert_ne!(
        t1.refresh_token, t0.refresh_token,
        "the refresh token rotates"
    );
    let sid = jwt_part(&t0.access_token, 1)["sid"].clone();
    assert_eq!(jwt_part(&t1.access_token, 1)["sid"], sid);
    assert_eq!(jwt_part(&t1.access_token, 1)["typ"], "access");
    // Both access tokens work: the old one until its own expiry.
    assert_eq!(me_status(&app, &t1.access_token).await, 200);
    assert_eq!(me_status(&app, &t0.access_token).await, 200);
    // And the new refresh token refreshes again, in the same session.
    let t2 = assert_token_shape(&refresh(&app, &t1.refresh_token).await, 1800);
    assert_eq!(jwt_part(&t2.access_token, 1)["sid"], sid);
    assert_ne!(t2.refresh_token, t1.refresh_token);
    assert_eq!(me_status(&app, &t2.access_token).await, 200);
    // Refreshing later gives a later expiry.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t3 = assert_token_shape(&refresh(&app, &t2.refresh_token).await, 1800);
    assert!(
        jwt_part(&t3.access_token, 1)["exp"].as_i64()
            > jwt_part(&t2.access_token, 1)["exp"].as_i64()
    );
}

async fn refresh_retry_within_grace_gets_the_same_pair(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let t0 = app.login("ana").await;
    let first = refresh(&app, &t0.refresh_token).await;
    let t1 = assert_token_shape(&first, 1800);
    let again = refresh(&app, &t0.refresh_token).await;
    let t1b = assert_token_shape(&again, 1800);
    assert_eq!(t1b.refresh_token, t1.refresh_token);
    assert_eq!(t1b.access_token, t1.access_token);
    assert_eq!(again.body, first.body);
    // The session goes on with that pair.
    assert_eq!(me_status(&app, &t1.access_token).await, 200);
    let t2 = assert_token_shape(&refresh(&app, &t1.refresh_token).await, 1800);
    assert_eq!(me_status(&app, &t2.access_token).await, 200);

    // Concurrent refreshes of one token all get the same pair.
    let t0 = app.login("ana").await;
    let all = futures::future::join_all((0..4).map(|_| refresh(&app, &t0.refresh_token))).await;
    for r in &all {
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body, all[0].body);
    }
}

async fn replay_after_the_new_token_was_used_ends_the_session(b: Backend) {
    // Design decision: the grace window is for a client retrying after a lost answer; once
    // the new refresh token has itself been used, the old one coming back is a replay.
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let t0 = app.login("ana").await;
    let t1 = assert_token_shape(&refresh(&app, &t0.refresh_token).await, 1800);
    let t2 = assert_token_shape(&refresh(&app, &t1.refresh_token).await, 1800);
    assert_401(&refresh(&app, &t0.refresh_token).await, BAD_TOKEN);
    assert_401(&refresh(&app, &t2.refresh_token).await, BAD_TOKEN);
    assert_401(
        &app.get("/users/me", Some(&t2.access_token)).await,
        BAD_TOKEN,
    );
}

async fn replay_after_grace_ends_the_whole_session(b: Backend) {
    let app = spawn_app_with(b, |s| s.refresh_grace = Duration::from_secs(1)).await;
    app.signup("ana").await;
    let other_session = app.login("ana").await;
    let t0 = app.login("ana").await;
    let t1 = assert_token_shape(&refresh(&app, &t0.refresh_token).await, 1800);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_401(&refresh(&app, &t0.refresh_token).await, BAD_TOKEN);
    // The whole session ended: the newest refresh token and every access token of it.
    assert_401(&refresh(&app, &t1.refresh_token).await, BAD_TOKEN);
    assert_401(
        &app.get("/users/me", Some(&t1.access_token)).await,
        BAD_TOKEN,
    );
    assert_401(
        &app.get("/users/me", Some(&t0.access_token)).await,
        BAD_TOKEN,
    );
    // Not the user's other sessions.
    assert_eq!(me_status(&app, &other_session.access_token).await, 200);
    assert_token_shape(&refresh(&app, &other_session.refresh_token).await, 1800);
}

async fn refresh_rejects_bad_tokens(b: Backend) {
    let app = spawn_app_with(b, |s| s.refresh_token_ttl = Duration::from_secs(1)).await;
    app.signup("ana").await;
    // The refresh token's lifetime is a setting (here 1 s, renewed by each refresh).
    let t = app.login("ana").await;
    let t2 = assert_token_shape(&refresh(&app, &t.refresh_token).await, 1800);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_401(&refresh(&app, &t2.refresh_token).await, BAD_TOKEN);

    let t = app.login("ana").await;
    let long = "r".repeat(5000);
    for bad in [
        "garbage",
        "",
        long.as_str(),
        &t.access_token,
        &format!("{}x", t.refresh_token),
    ] {
        assert_401(&refresh(&app, bad).await, BAD_TOKEN);
    }
    app.post("/auth/refresh_token", None, json!({}))
        .await
        .assert_422_at(json!(["body", "refresh_token"]));
    app.post("/auth/refresh_token", None, json!({"refresh_token": 5}))
        .await
        .assert_422_at(json!(["body", "refresh_token"]));
    let r = decode(
        app.client
            .post(app.url("/auth/refresh_token"))
            .form(&[("refresh_token", t.refresh_token.as_str())])
            .send()
            .await
            .expect("request"),
    )
    .await;
    r.assert_422_at(json!(["body"]));
}

async fn logout_ends_this_session(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let s1 = app.login("ana").await;
    let s2 = app.login("ana").await;
    let s3 = app.login("ana").await;
    assert_eq!(me_status(&app, &s1.access_token).await, 200);

    // No body at all.
    let r = app.post_empty("/auth/logout", Some(&s1.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "Logged out"}));
    assert_401(
        &app.get("/users/me", Some(&s1.access_token)).await,
        BAD_TOKEN,
    );
    assert_401(&refresh(&app, &s1.refresh_token).await, BAD_TOKEN);
    assert_401(
        &app.post_empty("/auth/logout", Some(&s1.access_token)).await,
        BAD_TOKEN,
    );
    // The other sessions go on.
    assert_eq!(me_status(&app, &s2.access_token).await, 200);

    // `{}` and `{"all": false}` end only this session, too.
    let r = app
        .post("/auth/logout/", Some(&s2.access_token), json!({}))
        .await;
    assert_eq!(r.body, json!({"message": "Logged out"}));
    assert_401(
        &app.get("/users/me", Some(&s2.access_token)).await,
        BAD_TOKEN,
    );
    let r = app
        .post(
            "/auth/logout",
            Some(&s3.access_token),
            json!({"all": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_401(
        &app.get("/users/me", Some(&s3.access_token)).await,
        BAD_TOKEN,
    );

    // Without a token.
    assert_401(
        &app.post_empty("/auth/logout", None).await,
        "Not authenticated",
    );
    assert_401(
        &app.post("/auth/logout", None, json!({"all": true})).await,
        "Not authenticated",
    );
    // A malformed body is 422, and ends nothing.
    let s4 = app.login("ana").await;
    app.post(
        "/auth/logout",
        Some(&s4.access_token),
        json!({"all": "yes"}),
    )
    .await
    .assert_422_at(json!(["body", "all"]));
    assert_eq!(me_status(&app, &s4.access_token).await, 200);
    // Signing in again works.
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
}

async fn logout_all_ends_every_session(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    let sessions: Vec<Token> = vec![
        app.login("ana").await,
        app.login("ana").await,
        app.login("ana@example.com").await,
    ];
    let (_, bob) = app.customer("bob").await;
    let r = app
        .post(
            "/auth/logout",
            Some(&sessions[1].access_token),
            json!({"all": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "Logged out"}));
    for s in &sessions {
        assert_401(
            &app.get("/users/me", Some(&s.access_token)).await,
            BAD_TOKEN,
        );
        assert_401(&refresh(&app, &s.refresh_token).await, BAD_TOKEN);
    }
    assert_eq!(
        me_status(&app, &bob).await,
        200,
        "other users stay signed in"
    );
    let again = app.login("ana").await;
    assert_eq!(me_status(&app, &again.access_token).await, 200);
}

async fn logout_reaches_other_processes_within_a_second(b: Backend) {
    let app = spawn_app(b).await;
    let peer = spawn_peer(&app).await;
    app.signup("ana").await;
    let t = app.login("ana").await;
    // The peer knows the session (and keeps it in its short cache).
    assert_eq!(me_status(&peer, &t.access_token).await, 200);
    assert_eq!(me_status(&peer, &t.access_token).await, 200);
    let r = app.post_empty("/auth/logout", Some(&t.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_401(
        &app.get("/users/me", Some(&t.access_token)).await,
        BAD_TOKEN,
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_401(
        &peer.get("/users/me", Some(&t.access_token)).await,
        BAD_TOKEN,
    );
    assert_401(&refresh(&peer, &t.refresh_token).await, BAD_TOKEN);

    // And the other way round, for a logout of every session.
    let t = app.login("ana").await;
    assert_eq!(me_status(&app, &t.access_token).await, 200);
    let r = peer
        .post("/auth/logout", Some(&t.access_token), json!({"all": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_401(
        &app.get("/users/me", Some(&t.access_token)).await,
        BAD_TOKEN,
    );
}

async fn sign_in_failures_are_limited_per_account(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.login_limits = limits(3, 5, Duration::from_secs(60))
    })
    .await;
    app.signup("ana").await;
    app.signup("bob").await;
    // Whichever of the email or the username is typed, in any case, it is one account.
    app.token("ana", "wrong-1").await.assert(401, BAD_LOGIN);
    app.token("ANA@example.com", "wrong-2")
        .await
        .assert(401, BAD_LOGIN);
    app.token("Ana", "wrong-3").await.assert(401, BAD_LOGIN);
    for (login, pw) in [
        ("ana", PASSWORD),
        ("ana@example.com", PASSWORD),
        ("ana", "wrong-4"),
    ] {
        assert_429(&app.token(login, pw).await, 60);
    }
    // Other accounts are not affected.
    app.token("bob", "wrong").await.assert(401, BAD_LOGIN);
    assert_eq!(app.token("bob", PASSWORD).await.status, 200);
    app.token("ghost", PASSWORD).await.assert(401, BAD_LOGIN);
}

async fn limit_window_passes_and_429s_are_not_failures(b: Backend) {
    let window = Duration::from_secs(3);
    let app = spawn_app_with(b, |s| s.login_limits = limits(3, 50, window)).await;
    app.signup("ana").await;
    for _ in 0..3 {
        app.token("ana", "wrong").await.assert(401, BAD_LOGIN);
    }
    let last_failure = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let first_429 = Instant::now();
    for _ in 0..3 {
        assert_429(&app.token("ana", PASSWORD).await, 3);
    }
    // Once the failures leave the window the right password works: the 429 answers in
    // between did not count as failures (they would still be in the window).
    let until = last_failure + window + Duration::from_millis(300);
    tokio::time::sleep(until.saturating_duration_since(Instant::now())).await;
    assert!(
        first_429.elapsed() < window,
        "the test ran too slowly to tell"
    );
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
}

async fn a_success_resets_the_account_count(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.login_limits = limits(3, 50, Duration::from_secs(60))
    })
    .await;
    app.signup("ana").await;
    for _ in 0..2 {
        app.token("ana", "wrong").await.assert(401, BAD_LOGIN);
    }
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
    for _ in 0..2 {
        app.token("ana", "wrong").await.assert(401, BAD_LOGIN);
    }
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
    for _ in 0..3 {
        app.token("ana", "wrong").await.assert(401, BAD_LOGIN);
    }
    assert_429(&app.token("ana", PASSWORD).await, 60);
}

async fn per_address_limit_counts_unknown_accounts_only(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.login_limits = limits(3, 5, Duration::from_secs(60))
    })
    .await;
    app.signup("ana").await;
    app.signup("bob").await;
    // Failures for known accounts do not count against the address.
    for login in ["ana", "ana", "bob", "bob", "bob@example.com"] {
        app.token(login, "wrong").await.assert(401, BAD_LOGIN);
    }
    for i in 0..4 {
        app.token(&format!("ghost{i}"), "wrong")
            .await
            .assert(401, BAD_LOGIN);
    }
    // A success resets the account's count, not the address's.
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
    app.token("ghost@example.com", "wrong")
        .await
        .assert(401, BAD_LOGIN);
    // Five unknown-account failures: every further attempt from here is refused.
    assert_429(&app.token("ghost9", "wrong").await, 60);
    assert_429(&app.token("ana", PASSWORD).await, 60);
}

/// Malformed input of every kind against the auth routes: never a 5xx.
async fn auth_routes_never_answer_5xx(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.login_limits = limits(1000, 1000, Duration::from_secs(60))
    })
    .await;
    app.signup("ana").await;
    let t = app.login("ana").await;
    let mut checked = 0;
    let mut check = |r: &Res, what: &str| {
        assert!(r.status.as_u16() < 500, "{what}: {} {}", r.status, r.body);
        checked += 1;
    };
    let long = "y".repeat(60_000);
    let emoji = "😀".repeat(100);
    let strings = [
        "",
        " ",
        "\u{0}",
        "ana\u{0}",
        "%",
        "_",
        "\\",
        "' OR '1'='1",
        "ana@example.com\u{0}",
        "joão",
        emoji.as_str(),
        long.as_str(),
        "\r\n",
    ];
    for s in strings {
        check(&app.token(s, PASSWORD).await, &format!("username {s:.40}"));
        check(&app.token("ana", s).await, &format!("password {s:.40}"));
        check(&refresh(&app, s).await, &format!("refresh {s:.40}"));
    }
    for raw in [
        "username=%00&password=%00",
        "username=%ZZ&password=%",
        "username=%FF%FE&password=x",
        "username=a&username=b&password=x",
        "username&password",
        "&&&===",
        "username=ana&password=correct-horse-1&password=x",
    ] {
        let r = decode(
            app.client
                .post(app.url("/auth/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(raw)
                .send()
                .await
                .expect("request"),
        )
        .await;
        check(&r, raw);
    }
    let values = [
        Value::Null,
        json!(true),
        json!(0),
        json!(1e308),
        json!(u64::MAX),
        json!(""),
        json!("\u{0}"),
        json!([]),
        json!({}),
        json!({"refresh_token": null}),
    ];
    for v in &values {
        // A fresh session each round: some of these bodies are valid logouts.
        let t = app.login("ana").await;
        check(
            &app.post("/auth/refresh_token", None, json!({ "refresh_token": v }))
                .await,
            &format!("refresh {v}"),
        );
        check(
            &app.post("/auth/refresh_token", None, v.clone()).await,
            &format!("refresh body {v}"),
        );
        check(
            &app.post("/auth/logout", Some(&t.access_token), json!({ "all": v }))
                .await,
            &format!("logout all={v}"),
        );
        check(
            &app.post("/auth/logout", Some(&t.access_token), v.clone())
                .await,
            &format!("logout body {v}"),
        );
    }
    // Odd Authorization headers and tokens.
    let claims = jwt_part(&t.access_token, 1);
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let mut odd_tokens = vec![
        "a.b.c".to_owned(),
        "....".to_owned(),
        ".".to_owned(),
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none"})),
            b64(&json!({"sub": "1"}))
        ),
        format!("{}.{}.x", b64(&header), b64(&json!("just a string"))),
        format!("{}.{}.x", b64(&json!([1, 2])), b64(&claims)),
        format!(
            "{}.{}.x",
            b64(&header),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00])
        ),
    ];
    for (k, v) in [
        ("sub", json!("99999999999999999999999")),
        ("sub", json!(-1)),
        ("sid", json!(u64::MAX)),
        ("sid", json!("1")),
        ("exp", json!(1e300)),
        ("typ", json!("refresh")),
    ] {
        let mut c = claims.clone();
        c[k] = v;
        odd_tokens.push(format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&c)));
    }
    for tok in &odd_tokens {
        check(&app.get("/users/me", Some(tok)).await, tok);
        check(&app.post_empty("/auth/logout", Some(tok)).await, tok);
    }
    for raw_header in [
        b"Bearer \xff\xfe".to_vec(),
        b"Bearer a b c".to_vec(),
        b"Bearer\t".to_vec(),
        "Bearer ".repeat(1000).into_bytes(),
        b"bearer  x".to_vec(),
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(&raw_header).expect("header");
        let r = decode(
            app.client
                .get(app.url("/users/me"))
                .header("authorization", value)
                .send()
                .await
                .expect("request"),
        )
        .await;
        check(&r, &String::from_utf8_lossy(&raw_header));
    }
    assert!(checked > 90, "{checked}");
    // The server still serves, and the session that was fuzzed with is intact unless a
    // logout above ended it.
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);
}

both!(
    sign_in_by_username_or_email,
    wrong_password_or_unknown_account_is_401,
    unknown_accounts_take_as_long_as_known_ones,
    token_form_problems_are_422,
    authorize_button_fields_are_accepted,
    access_token_claims,
    expired_access_token_is_rejected,
    forged_tokens_are_rejected,
    refresh_returns_a_new_pair_in_the_same_session,
    refresh_retry_within_grace_gets_the_same_pair,
    replay_after_the_new_token_was_used_ends_the_session,
    replay_after_grace_ends_the_whole_session,
    refresh_rejects_bad_tokens,
    logout_ends_this_session,
    logout_all_ends_every_session,
    logout_reaches_other_processes_within_a_second,
    sign_in_failures_are_limited_per_account,
    limit_window_passes_and_429s_are_not_failures,
    a_success_resets_the_account_count,
    per_address_limit_counts_unknown_accounts_only,
    auth_routes_never_answer_5xx,
);
