//! `--trusted-proxies`: `X-Forwarded-For` is believed only from a trusted peer, and then
//! its right-most entry that is not itself a trusted proxy is the client.

use crate::helpers::*;

/// A failed sign-in of an unknown account (counted against the client address), sent with
/// `X-Forwarded-For: forwarded`.
async fn guess_from(app: &TestApp, forwarded: &str) -> Res {
    decode(
        app.client
            .post(app.url("/auth/token"))
            .header("x-forwarded-for", forwarded)
            .form(&[("username", "nobody"), ("password", "wrong-password")])
            .send()
            .await
            .expect("request"),
    )
    .await
}

fn two_per_address(s: &mut comanda_server::Settings) {
    s.login_limits.per_address = 2;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app = spawn_app_with(Backend::Sqlite, two_per_address).await;
    guess_from(&app, "198.51.100.1")
        .await
        .assert(401, "Incorrect email or password");
    guess_from(&app, "198.51.100.2")
        .await
        .assert(401, "Incorrect email or password");
    // Both counted against the real peer (127.0.0.1), whatever the header said.
    guess_from(&app, "198.51.100.3")
        .await
        .assert(429, "Too many login attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_names_the_client_behind_a_trusted_proxy() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        two_per_address(s);
        s.trusted_proxies = vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
    })
    .await;
    guess_from(&app, "198.51.100.1")
        .await
        .assert(401, "Incorrect email or password");
    // The right-most entry that is not a trusted proxy: 10.1.2.3 is one, so skipped.
    guess_from(&app, "198.51.100.1, 10.1.2.3")
        .await
        .assert(401, "Incorrect email or password");
    guess_from(&app, "198.51.100.1")
        .await
        .assert(429, "Too many login attempts");
    // A client cannot escape by prepending an address: the right-most untrusted one counts.
    guess_from(&app, "203.0.113.9, 198.51.100.1")
        .await
        .assert(429, "Too many login attempts");
    // Another client behind the same proxy is not locked out.
    guess_from(&app, "198.51.100.2")
        .await
        .assert(401, "Incorrect email or password");
}

/// The `address` of the caller's newest session after signing in with `forwarded`.
async fn session_address(app: &TestApp, forwarded: &str) -> serde_json::Value {
    let r = decode(
        app.client
            .post(app.url("/auth/token"))
            .header("x-forwarded-for", forwarded)
            .form(&[("username", "ana"), ("password", PASSWORD)])
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["access_token"].as_str().unwrap().to_owned();
    let list = app.get("/auth/sessions", Some(&token)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    list.body["sessions"][0]["address"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_record_the_client_address() {
    let untrusted = spawn_app(Backend::Sqlite).await;
    untrusted.signup("ana").await;
    assert_eq!(
        session_address(&untrusted, "203.0.113.7").await,
        "127.0.0.1"
    );

    let trusted = spawn_app_with(Backend::Sqlite, |s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    trusted.signup("ana").await;
    assert_eq!(
        session_address(&trusted, "203.0.113.7").await,
        "203.0.113.7"
    );
}
