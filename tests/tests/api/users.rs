//! Tests of the users routes: sign-up, profiles, listing, and account administration
//! (API.md "Users").

use comanda_common::UserPublic;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// `POST /users/` with the three fields.
async fn signup_raw(app: &TestApp, username: &str, email: &str, password: &str) -> Res {
    app.post(
        "/users/",
        None,
        json!({"username": username, "email": email, "password": password}),
    )
    .await
}

/// The sorted keys of a JSON object.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

const USER_KEYS: [&str; 6] = [
    "created_at",
    "email",
    "id",
    "is_active",
    "is_admin",
    "username",
];

/// The usernames of `GET /users/` with the given query pairs.
async fn list_names(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Vec<String> {
    let r = decode(
        app.client
            .get(app.url("/users/"))
            .query(query)
            .bearer_auth(token)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200, "{query:?}: {}", r.body);
    assert_eq!(keys(&r.body), ["users"]);
    r.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["username"].as_str().expect("username").to_owned())
        .collect()
}

/// The usernames `GET /users/?q=<q>` lists.
async fn list_q(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    list_names(app, token, &[("q", q)]).await
}

async fn signup_returns_the_public_user(b: Backend) {
    let app = spawn_app(b).await;
    let before = chrono::Utc::now();
    let r = signup_raw(&app, "ana", "ana@example.com", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(keys(&r.body), USER_KEYS);
    assert!(r.body["id"].as_i64().expect("integer id") > 0);
    assert_eq!(r.body["username"], "ana");
    assert_eq!(r.body["email"], "ana@example.com");
    assert_eq!(r.body["is_admin"], false);
    assert_eq!(r.body["is_active"], true);
    let created: chrono::DateTime<chrono::Utc> = r.body["created_at"]
        .as_str()
        .expect("created_at string")
        .parse()
        .expect("RFC 3339");
    assert!(created.timestamp() >= before.timestamp() - 1);
    assert!(created <= chrono::Utc::now() + chrono::Duration::seconds(1));
    // No password, and no hash of it, anywhere.
    let text = r.body.to_string();
    assert!(!text.contains("password"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains("argon2"), "{text}");

    // The same answer from GET /users/me, and without the trailing slash too.
    let token = app.login("ana").await.access_token;
    let me = app.get("/users/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body, r.body);
    let r = app
        .post(
            "/users",
            None,
            json!({"username": "bea", "email": "bea@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn signup_never_makes_an_admin(b: Backend) {
    let app = spawn_app(b).await;
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": "eve", "email": "eve@example.com", "password": PASSWORD,
                   "is_admin": true, "is_active": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["is_admin"], false);
    assert_eq!(r.body["is_active"], true);
    let token = app.login("eve").await.access_token;
    app.get("/users/", Some(&token))
        .await
        .assert(403, "Not enough permissions");
}

async fn signup_conflicts(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("ana").await;
    // Username first, case-insensitively, even when the email is taken too.
    signup_raw(&app, "ana", "other@example.com", PASSWORD)
        .await
        .assert(409, "Username already exists");
    signup_raw(&app, "Ana", "other@example.com", PASSWORD)
        .await
        .assert(409, "Username already exists");
    signup_raw(&app, "ANA", "ana@example.com", PASSWORD)
        .await
        .assert(409, "Username already exists");
    // The email, stored lower-cased, so any case collides.
    signup_raw(&app, "bea", "ana@example.com", PASSWORD)
        .await
        .assert(409, "Email already exists");
    signup_raw(&app, "bea", "ANA@Example.COM", PASSWORD)
        .await
        .assert(409, "Email already exists");
    let r = signup_raw(&app, "Bea", "Bea.Smith@Example.COM", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["email"], "bea.smith@example.com");
    assert_eq!(r.body["username"], "Bea", "the username keeps its case");
    signup_raw(&app, "carl", "bea.smith@example.com", PASSWORD)
        .await
        .assert(409, "Email already exists");
}

async fn concurrent_signups_of_one_name(b: Backend) {
    let app = spawn_app(b).await;
    let attempts = (0..6).map(|i| {
        let app = &app;
        async move { signup_raw(app, "ana", &format!("ana{i}@example.com"), PASSWORD).await }
    });
    let results = futures::future::join_all(attempts).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "exactly one sign-up wins");
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert(409, "Username already exists");
    }
    // One email, several usernames.
    let attempts = (0..6).map(|i| {
        let app = &app;
        async move { signup_raw(app, &format!("bea{i}"), "bea@example.com", PASSWORD).await }
    });
    let results = futures::future::join_all(attempts).await;
    assert_eq!(results.iter().filter(|r| r.status == 201).count(), 1);
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert(409, "Email already exists");
    }
    // Two users renaming themselves to one name at once.
    let ana = app.login("ana").await.access_token;
    let me = app.get("/users/me", Some(&ana)).await.json::<UserPublic>();
    let (cid, cid_t) = app.customer("cid").await;
    let (ana_path, cid_path) = (format!("/users/{}", me.id), format!("/users/{}", cid.id));
    let (ra, rc) = tokio::join!(
        app.patch(&ana_path, Some(&ana), json!({"username": "same"})),
        app.patch(&cid_path, Some(&cid_t), json!({"username": "SAME"})),
    );
    let mut statuses = [ra.status.as_u16(), rc.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", ra.body, rc.body);
    let refused = if ra.status == 409 { &ra } else { &rc };
    refused.assert(409, "Username or Email already exists");
}

async fn signup_field_rules_are_422(b: Backend) {
    let app = spawn_app(b).await;
    let long_name = "a".repeat(33);
    for bad in [
        "ab",
        "",
        &long_name,
        "ana maria",
        "ana!",
        "joão",
        "ana@x",
        "ana/b",
    ] {
        signup_raw(&app, bad, "ok@example.com", PASSWORD)
            .await
            .assert_422_at(json!(["body", "username"]));
    }
    for bad in [
        "",
        "not-an-email",
        "ana@localhost",
        "@example.com",
        "ana@",
        "a b@example.com",
        "ana@@example.com",
        "ana@exa mple.com",
    ] {
        let r = signup_raw(&app, "ana", bad, PASSWORD).await;
        r.assert_422_at(json!(["body", "email"]));
        assert_eq!(
            r.body["detail"][0]["msg"], "value is not a valid email address",
            "{bad}"
        );
    }
    let long_pw = "p".repeat(129);
    // Characters, not bytes: seven two-byte characters are too short.
    for bad in ["", "1234567", &long_pw, "ééééééé"] {
        signup_raw(&app, "ana", "ana@example.com", bad)
            .await
            .assert_422_at(json!(["body", "password"]));
    }
    // Every problem is listed at once.
    let r = signup_raw(&app, "a", "nope", "short").await;
    assert_eq!(
        r.body["detail"].as_array().map(Vec::len),
        Some(3),
        "{}",
        r.body
    );
    for field in ["username", "email", "password"] {
        r.assert_422_at(json!(["body", field]));
    }
    // Nothing was created by the refused sign-ups.
    let r = signup_raw(&app, "ana", "ana@example.com", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // The edges that are allowed.
    let name32 = "b".repeat(32);
    let pw128 = "q".repeat(128);
    for (i, (name, pw)) in [
        ("abc", "12345678"),
        (name32.as_str(), pw128.as_str()),
        ("a_b.c-D9", "éééééééé"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = signup_raw(&app, name, &format!("edge{i}@example.com"), pw).await;
        assert_eq!(r.status, 201, "{name}: {}", r.body);
        let t = app.token(name, pw).await;
        assert_eq!(t.status, 200, "{name} signs in: {}", t.body);
    }
}

async fn me_requires_a_valid_token(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, token) = app.customer("ana").await;
    let r = app.get("/users/me", Some(&token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json::<UserPublic>(), ana);

    assert_401(&app.get("/users/me", None).await, "Not authenticated");
    for header in ["Basic YW5hOnB3", "Bearer", "Bearer ", "Token abc", &token] {
        let r = decode(
            app.client
                .get(app.url("/users/me"))
                .header("authorization", header)
                .send()
                .await
                .expect("request"),
        )
        .await;
        assert_401(&r, "Not authenticated");
    }
    for garbage in ["garbage", "a.b.c", "x.y", &format!("{token}x")] {
        assert_401(
            &app.get("/users/me", Some(garbage)).await,
            "Could not validate credentials",
        );
    }
    // The scheme is case-insensitive.
    let r = decode(
        app.client
            .get(app.url("/users/me"))
            .header("authorization", format!("bearer {token}"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 200);
}

async fn listing_users_is_for_admins(b: Backend) {
    let app = spawn_app(b).await;
    let (_, customer) = app.customer("ana").await;
    let (_, admin) = app.admin("boss").await;
    assert_401(&app.get("/users/", None).await, "Not authenticated");
    assert_401(
        &app.get("/users/", Some("nope")).await,
        "Could not validate credentials",
    );
    app.get("/users/", Some(&customer))
        .await
        .assert(403, "Not enough permissions");
    app.get("/users", Some(&customer))
        .await
        .assert(403, "Not enough permissions");
    let r = app.get("/users/", Some(&admin)).await;
    assert_eq!(r.status, 200);
    let users = r.body["users"].as_array().expect("list");
    assert_eq!(users.len(), 2);
    for u in users {
        assert_eq!(keys(u), USER_KEYS);
    }
    assert_eq!(users[0]["username"], "ana");
    assert_eq!(users[1]["username"], "boss");
    assert_eq!(users[1]["is_admin"], true);
    assert!(!r.body.to_string().contains("password"));
}

async fn listing_users_pages_by_id(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let mut names = vec!["boss".to_owned()];
    // Created in an order that differs from the alphabetical one.
    for n in ["zoe", "yan", "abe", "xia", "bob"] {
        app.signup(n).await;
        names.push(n.to_owned());
    }
    let r = app.get("/users/", Some(&admin)).await;
    let ids: Vec<i64> = r.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ordered by id: {ids:?}"
    );
    assert_eq!(list_names(&app, &admin, &[]).await, names);
    assert_eq!(
        list_names(&app, &admin, &[("limit", "2")]).await,
        &names[..2]
    );
    assert_eq!(
        list_names(&app, &admin, &[("offset", "2"), ("limit", "2")]).await,
        &names[2..4]
    );
    assert_eq!(
        list_names(&app, &admin, &[("offset", "4"), ("limit", "100")]).await,
        &names[4..]
    );
    assert!(
        list_names(&app, &admin, &[("offset", "6")])
            .await
            .is_empty()
    );
    assert!(
        list_names(&app, &admin, &[("offset", "9223372036854775807")])
            .await
            .is_empty()
    );
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-5", "limit"),
        ("limit=abc", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("offset=99999999999999999999", "offset"),
    ] {
        app.get(&format!("/users/?{query}"), Some(&admin))
            .await
            .assert_422_at(json!(["query", field]));
    }
}

async fn listing_users_filters_by_q(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    for (name, email) in [
        ("Anabel", "anabel@example.com"),
        ("bob", "bob@Ana-Mail.org"),
        ("a_b", "first@example.com"),
        ("axb", "second@example.com"),
        ("pct", "100%off@example.com"),
        ("slash", "back\\slash@example.com"),
        ("carl", "carl@example.com"),
    ] {
        let r = signup_raw(&app, name, email, PASSWORD).await;
        assert_eq!(r.status, 201, "{name}: {}", r.body);
    }
    let q = |s: &'static str| list_q(&app, &admin, s);
    // Case-insensitive, on the username or the email, in id order.
    assert_eq!(q("ANA").await, ["Anabel", "bob"]);
    assert_eq!(q("ana-mail").await, ["bob"]);
    assert_eq!(q("abel@EX").await, ["Anabel"]);
    // `_` and `%` (and `\`) are literal characters, not wildcards.
    assert_eq!(q("_").await, ["a_b"]);
    assert_eq!(q("a_b").await, ["a_b"]);
    assert_eq!(q("%").await, ["pct"]);
    assert_eq!(q("0%o").await, ["pct"]);
    assert_eq!(q("\\").await, ["slash"]);
    assert!(q("zzz").await.is_empty());
    assert!(q("a%b").await.is_empty());
    // An empty q filters nothing; q combines with paging.
    assert_eq!(q("").await.len(), 8);
    let page = list_names(
        &app,
        &admin,
        &[("q", "example"), ("offset", "1"), ("limit", "2")],
    )
    .await;
    assert_eq!(page, ["Anabel", "a_b"]);
}

async fn get_user_is_for_self_or_admin(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, ana_t) = app.customer("ana").await;
    let (bob, _) = app.customer("bob").await;
    let (_, admin) = app.admin("boss").await;

    let r = app.get(&format!("/users/{}", ana.id), Some(&ana_t)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json::<UserPublic>(), ana);
    app.get(&format!("/users/{}", bob.id), Some(&ana_t))
        .await
        .assert(403, "Not enough permissions");
    // A non-admin learns nothing about ids that do not exist.
    app.get("/users/9999", Some(&ana_t))
        .await
        .assert(403, "Not enough permissions");
    assert_401(
        &app.get(&format!("/users/{}", ana.id), None).await,
        "Not authenticated",
    );

    let r = app.get(&format!("/users/{}/", bob.id), Some(&admin)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json::<UserPublic>(), bob);
    app.get("/users/9999", Some(&admin))
        .await
        .assert(404, "User not found");
}

async fn put_replaces_the_account(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, ana_t) = app.customer("ana").await;
    let (bob, _) = app.customer("bob").await;
    let path = format!("/users/{}", ana.id);

    let r = app
        .put(
            &path,
            Some(&ana_t),
            json!({"username": "ana2", "email": "Ana2@Example.com", "password": "new-password-1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(keys(&r.body), USER_KEYS);
    assert_eq!(r.body["id"], ana.id);
    assert_eq!(r.body["username"], "ana2");
    assert_eq!(r.body["email"], "ana2@example.com");
    assert_eq!(r.body["is_admin"], false);
    assert!(!r.body.to_string().contains("password"));
    // The session that made the change goes on; the new credentials sign in.
    assert_eq!(app.get("/users/me", Some(&ana_t)).await.body, r.body);
    app.token("ana2", PASSWORD)
        .await
        .assert(401, "Incorrect email or password");
    app.token("ana", "new-password-1")
        .await
        .assert(401, "Incorrect email or password");
    assert_eq!(app.token("ana2", "new-password-1").await.status, 200);
    assert_eq!(
        app.token("ana2@example.com", "new-password-1").await.status,
        200
    );
    // The old name is free again.
    app.signup("ana").await;

    // Another user's username (any case) or email.
    for body in [
        json!({"username": "BOB", "email": "ana2@example.com", "password": PASSWORD}),
        json!({"username": "ana2", "email": "bob@example.com", "password": PASSWORD}),
        json!({"username": "ana2", "email": "BOB@example.com", "password": PASSWORD}),
    ] {
        app.put(&path, Some(&ana_t), body)
            .await
            .assert(409, "Username or Email already exists");
    }
    // Its own values, in another case, are not a conflict.
    let r = app
        .put(
            &path,
            Some(&ana_t),
            json!({"username": "ANA2", "email": "ana2@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["username"], "ANA2");

    // A full replace: every field is required and checked.
    app.put(
        &path,
        Some(&ana_t),
        json!({"username": "ana3", "email": "ana3@example.com"}),
    )
    .await
    .assert_422_at(json!(["body", "password"]));
    app.put(
        &path,
        Some(&ana_t),
        json!({"username": "a", "email": "ana3@example.com", "password": PASSWORD}),
    )
    .await
    .assert_422_at(json!(["body", "username"]));
    app.put(
        &path,
        Some(&ana_t),
        json!({"username": "ana3", "email": "nope", "password": PASSWORD}),
    )
    .await
    .assert_422_at(json!(["body", "email"]));
    app.put(
        &path,
        Some(&ana_t),
        json!({"username": "ana3", "email": "ana3@example.com", "password": "short"}),
    )
    .await
    .assert_422_at(json!(["body", "password"]));

    // Others' accounts.
    let other = json!({"username": "mallory", "email": "m@example.com", "password": PASSWORD});
    app.put(&format!("/users/{}", bob.id), Some(&ana_t), other.clone())
        .await
        .assert(403, "Not enough permissions");
    app.put("/users/9999", Some(&ana_t), other.clone())
        .await
        .assert(403, "Not enough permissions");
    assert_401(
        &app.put(&path, None, other.clone()).await,
        "Not authenticated",
    );
    let (_, admin) = app.admin("boss").await;
    app.put("/users/9999", Some(&admin), other.clone())
        .await
        .assert(404, "User not found");
    let r = app
        .put(&format!("/users/{}", bob.id), Some(&admin), other)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["username"], "mallory");
    assert_eq!(app.token("mallory", PASSWORD).await.status, 200);
}

async fn patch_changes_a_subset(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, ana_t) = app.customer("ana").await;
    let (bob, _) = app.customer("bob").await;
    let path = format!("/users/{}", ana.id);

    let r = app.patch(&path, Some(&ana_t), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json::<UserPublic>(), ana);

    let r = app
        .patch(&path, Some(&ana_t), json!({"username": "ana_m"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["username"], "ana_m");
    assert_eq!(r.body["email"], "ana@example.com");

    let r = app
        .patch(&path, Some(&ana_t), json!({"email": "Ana.M@Example.org"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["username"], "ana_m");
    assert_eq!(r.body["email"], "ana.m@example.org");
    assert_eq!(app.get("/users/me", Some(&ana_t)).await.body, r.body);

    let r = app
        .patch(&path, Some(&ana_t), json!({"password": "another-pass"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["email"], "ana.m@example.org");
    assert_eq!(app.token("ana_m", "another-pass").await.status, 200);
    app.token("ana_m", PASSWORD)
        .await
        .assert(401, "Incorrect email or password");

    // Conflicts and field rules, as for PUT.
    for body in [
        json!({"username": "Bob"}),
        json!({"email": "bob@example.com"}),
    ] {
        app.patch(&path, Some(&ana_t), body)
            .await
            .assert(409, "Username or Email already exists");
    }
    for (field, bad) in [
        ("username", json!("x")),
        ("email", json!("no-at-sign")),
        ("password", json!("short")),
        ("username", json!(42)),
    ] {
        app.patch(&path, Some(&ana_t), json!({ field: bad }))
            .await
            .assert_422_at(json!(["body", field]));
    }
    // A refused PATCH changes nothing.
    let me = app.get("/users/me", Some(&ana_t)).await;
    assert_eq!(me.body["username"], "ana_m");
    assert_eq!(me.body["email"], "ana.m@example.org");

    // A non-admin may not touch the flags, even to their current values.
    for body in [
        json!({"is_admin": true}),
        json!({"is_admin": false}),
        json!({"is_active": true}),
        json!({"username": "ana_x", "is_active": false}),
    ] {
        app.patch(&path, Some(&ana_t), body)
            .await
            .assert(403, "Not enough permissions");
    }
    let me = app.get("/users/me", Some(&ana_t)).await;
    assert_eq!(me.body["is_admin"], false);
    assert_eq!(me.body["username"], "ana_m");

    // Others' accounts.
    app.patch(
        &format!("/users/{}", bob.id),
        Some(&ana_t),
        json!({"username": "bobby"}),
    )
    .await
    .assert(403, "Not enough permissions");
    app.patch("/users/9999", Some(&ana_t), json!({"username": "bobby"}))
        .await
        .assert(403, "Not enough permissions");
    let (_, admin) = app.admin("boss").await;
    app.patch("/users/9999", Some(&admin), json!({"username": "bobby"}))
        .await
        .assert(404, "User not found");
    let r = app
        .patch(
            &format!("/users/{}", bob.id),
            Some(&admin),
            json!({"username": "bobby"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["username"], "bobby");
    assert_eq!(r.body["email"], "bob@example.com");
}

async fn admins_promote_demote_activate_deactivate(b: Backend) {
    let app = spawn_app(b).await;
    let (boss, boss_t) = app.admin("boss").await;
    let (ana, ana_t) = app.customer("ana").await;
    let ana_path = format!("/users/{}", ana.id);

    // Promotion takes effect on ana's existing token at once.
    let r = app
        .patch(&ana_path, Some(&boss_t), json!({"is_admin": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_admin"], true);
    assert_eq!(app.get("/users/", Some(&ana_t)).await.status, 200);

    // The new admin demotes the old one, who loses the rights at once.
    let r = app
        .patch(
            &format!("/users/{}", boss.id),
            Some(&ana_t),
            json!({"is_admin": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_admin"], false);
    app.get("/users/", Some(&boss_t))
        .await
        .assert(403, "Not enough permissions");
    app.patch(&ana_path, Some(&boss_t), json!({"is_admin": false}))
        .await
        .assert(403, "Not enough permissions");

    // Deactivate and reactivate.
    let r = app
        .patch(
            &format!("/users/{}", boss.id),
            Some(&ana_t),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_active"], false);
    assert_eq!(r.body["is_admin"], false);
    assert_401(
        &app.get("/users/me", Some(&boss_t)).await,
        "Could not validate credentials",
    );
    let listed = app.get("/users/?q=boss", Some(&ana_t)).await;
    assert_eq!(listed.body["users"][0]["is_active"], false);
    let r = app
        .patch(
            &format!("/users/{}", boss.id),
            Some(&ana_t),
            json!({"is_active": true, "is_admin": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_active"], true);
    assert_eq!(r.body["is_admin"], true);
    let boss_t = app.login("boss").await.access_token;
    assert_eq!(app.get("/users/", Some(&boss_t)).await.status, 200);
}

async fn last_admin_cannot_remove_themselves(b: Backend) {
    let app = spawn_app(b).await;
    let (boss, boss_t) = app.admin("boss").await;
    let path = format!("/users/{}", boss.id);
    for body in [
        json!({"is_admin": false}),
        json!({"is_active": false}),
        json!({"is_admin": false, "is_active": false}),
    ] {
        app.patch(&path, Some(&boss_t), body)
            .await
            .assert(409, "Cannot remove the last admin");
    }
    app.delete(&path, Some(&boss_t))
        .await
        .assert(409, "Cannot remove the last admin");
    let me = app.get("/users/me", Some(&boss_t)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["is_admin"], true);
    assert_eq!(me.body["is_active"], true);
    // Flags that keep the admin are fine.
    let r = app
        .patch(
            &path,
            Some(&boss_t),
            json!({"is_admin": true, "is_active": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // An inactive second admin does not count.
    let (ana, _) = app.customer("ana").await;
    let ana_path = format!("/users/{}", ana.id);
    let r = app
        .patch(
            &ana_path,
            Some(&boss_t),
            json!({"is_admin": true, "is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.delete(&path, Some(&boss_t))
        .await
        .assert(409, "Cannot remove the last admin");
    app.patch(&path, Some(&boss_t), json!({"is_active": false}))
        .await
        .assert(409, "Cannot remove the last admin");

    // With another active admin, each removal is allowed.
    let r = app
        .patch(&ana_path, Some(&boss_t), json!({"is_active": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .patch(&path, Some(&boss_t), json!({"is_admin": false}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_admin"], false);
    // Now ana is the last one.
    let ana_t = app.login("ana").await.access_token;
    app.delete(&ana_path, Some(&ana_t))
        .await
        .assert(409, "Cannot remove the last admin");
    let r = app
        .patch(&path, Some(&ana_t), json!({"is_admin": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.delete(&ana_path, Some(&ana_t)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "User deleted"}));
    let boss_t = app.login("boss").await.access_token;
    app.patch(&path, Some(&boss_t), json!({"is_admin": false}))
        .await
        .assert(409, "Cannot remove the last admin");
}

async fn two_admins_demoting_themselves_at_once_leave_one(b: Backend) {
    let app = spawn_app(b).await;
    let (a, a_t) = app.admin("ada").await;
    let (bea, bea_t) = app.admin("bea").await;
    let (a_path, bea_path) = (format!("/users/{}", a.id), format!("/users/{}", bea.id));
    for round in 0..8 {
        let (ra, rb) = tokio::join!(
            app.patch(&a_path, Some(&a_t), json!({"is_admin": false})),
            app.patch(&bea_path, Some(&bea_t), json!({"is_admin": false})),
        );
        let ok: Vec<&Res> = [&ra, &rb].into_iter().filter(|r| r.status == 200).collect();
        assert_eq!(ok.len(), 1, "round {round}: {} / {}", ra.body, rb.body);
        let refused = if ra.status == 200 { &rb } else { &ra };
        refused.assert(409, "Cannot remove the last admin");
        // The one left promotes the other back.
        let (left_t, demoted) = if ra.status == 200 {
            (&bea_t, a.id)
        } else {
            (&a_t, bea.id)
        };
        let r = app
            .patch(
                &format!("/users/{demoted}"),
                Some(left_t),
                json!({"is_admin": true}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

async fn deleting_a_user(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Margherita", "large", 4500).await;
    let (ana, ana_t) = app.customer("ana").await;
    let second = app.login("ana").await;
    let order = app
        .order(
            &ana_t,
            json!([{"flavor": "Margherita", "size": "large", "quantity": 2}]),
        )
        .await;
    let order_id = order["id"].as_i64().expect("order id");
    let (bob, bob_t) = app.customer("bob").await;
    let bob_order = app
        .order(
            &bob_t,
            json!([{"flavor": "Margherita", "size": "large", "quantity": 1}]),
        )
        .await;

    // Not someone else's account, and nothing about missing ids.
    app.delete(&format!("/users/{}", ana.id), Some(&bob_t))
        .await
        .assert(403, "Not enough permissions");
    app.delete("/users/9999", Some(&bob_t))
        .await
        .assert(403, "Not enough permissions");
    assert_401(
        &app.delete(&format!("/users/{}", ana.id), None).await,
        "Not authenticated",
    );
    app.delete("/users/9999", Some(&admin))
        .await
        .assert(404, "User not found");

    let r = app
        .delete(&format!("/users/{}", ana.id), Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "User deleted"}));
    // Sessions are gone: both access tokens and the refresh token.
    for t in [&ana_t, &second.access_token] {
        assert_401(
            &app.get("/users/me", Some(t)).await,
            "Could not validate credentials",
        );
    }
    assert_401(
        &app.post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": second.refresh_token}),
        )
        .await,
        "Could not validate credentials",
    );
    app.token("ana", PASSWORD)
        .await
        .assert(401, "Incorrect email or password");
    app.get(&format!("/users/{}", ana.id), Some(&admin))
        .await
        .assert(404, "User not found");
    app.delete(&format!("/users/{}", ana.id), Some(&admin))
        .await
        .assert(404, "User not found");
    // Orders are gone; bob's are not.
    app.get(&format!("/orders/{order_id}"), Some(&admin))
        .await
        .assert(404, "Order not found");
    let r = app
        .get(
            &format!("/orders/?scope=all&user_id={}", ana.id),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["orders"], json!([]));
    let r = app.get("/orders/?scope=all", Some(&admin)).await;
    let ids: Vec<&Value> = r.body["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, [&bob_order["id"]]);
    // The names are free again.
    app.signup("ana").await;

    // A user deletes their own account.
    let r = app
        .delete(&format!("/users/{}/", bob.id), Some(&bob_t))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"message": "User deleted"}));
    assert_401(
        &app.get("/users/me", Some(&bob_t)).await,
        "Could not validate credentials",
    );
    assert_eq!(
        list_names(&app, &admin, &[]).await,
        ["boss", "ana"],
        "only the remaining accounts are listed"
    );
}

async fn password_change_ends_the_other_sessions(b: Backend) {
    let app = spawn_app(b).await;
    let (ana, _) = app.customer("ana").await;
    let path = format!("/users/{}", ana.id);
    let current = app.login("ana").await;
    let other = app.login("ana").await;
    let (_, bob_t) = app.customer("bob").await;

    // A change without a password ends nothing.
    let r = app
        .patch(
            &path,
            Some(&current.access_token),
            json!({"username": "ana_b"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.get("/users/me", Some(&other.access_token)).await.status,
        200
    );

    let r = app
        .patch(
            &path,
            Some(&current.access_token),
            json!({"password": "a-new-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The session that changed it goes on, access and refresh.
    assert_eq!(
        app.get("/users/me", Some(&current.access_token))
            .await
            .status,
        200
    );
    let refreshed = app
        .post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": current.refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    // The other one ends, access and refresh.
    assert_401(
        &app.get("/users/me", Some(&other.access_token)).await,
        "Could not validate credentials",
    );
    assert_401(
        &app.post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": other.refresh_token}),
        )
        .await,
        "Could not validate credentials",
    );
    // Other users are untouched.
    assert_eq!(app.get("/users/me", Some(&bob_t)).await.status, 200);

    // A PUT always counts as a password change, even with the same password.
    let current = refreshed.json::<comanda_common::Token>();
    let third = app.token("ana_b", "a-new-password").await;
    assert_eq!(third.status, 200);
    let third: comanda_common::Token = third.json();
    let r = app
        .put(
            &path,
            Some(&current.access_token),
            json!({"username": "ana_b", "email": "ana@example.com", "password": "a-new-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.get("/users/me", Some(&current.access_token))
            .await
            .status,
        200
    );
    assert_401(
        &app.get("/users/me", Some(&third.access_token)).await,
        "Could not validate credentials",
    );
}

async fn admin_password_change_ends_every_session(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let (ana, first) = app.customer("ana").await;
    let second = app.login("ana").await;
    let path = format!("/users/{}", ana.id);

    // Without a password, nothing ends.
    let r = app
        .patch(&path, Some(&admin), json!({"email": "ana2@example.com"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.get("/users/me", Some(&first)).await.status, 200);

    let r = app
        .patch(&path, Some(&admin), json!({"password": "reset-by-admin"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for t in [&first, &second.access_token] {
        assert_401(
            &app.get("/users/me", Some(t)).await,
            "Could not validate credentials",
        );
    }
    assert_401(
        &app.post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": second.refresh_token}),
        )
        .await,
        "Could not validate credentials",
    );
    // The admin's own session is untouched; ana signs in with the new password.
    assert_eq!(app.get("/users/me", Some(&admin)).await.status, 200);
    assert_eq!(app.token("ana", "reset-by-admin").await.status, 200);

    // An admin changing their own password keeps the session that did it, like anyone.
    let boss_id = app.get("/users/me", Some(&admin)).await.body["id"].clone();
    let other_admin_session = app.login("boss").await;
    let r = app
        .patch(
            &format!("/users/{boss_id}"),
            Some(&admin),
            json!({"password": "boss-new-pass"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.get("/users/me", Some(&admin)).await.status, 200);
    assert_401(
        &app.get("/users/me", Some(&other_admin_session.access_token))
            .await,
        "Could not validate credentials",
    );

    // The same with PUT.
    let t = app
        .token("ana", "reset-by-admin")
        .await
        .json::<comanda_common::Token>();
    let r = app
        .put(
            &path,
            Some(&admin),
            json!({"username": "ana", "email": "ana@example.com", "password": "reset-again"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_401(
        &app.get("/users/me", Some(&t.access_token)).await,
        "Could not validate credentials",
    );
    assert_eq!(app.get("/users/me", Some(&admin)).await.status, 200);
}

async fn deactivated_users_cannot_sign_in(b: Backend) {
    let app = spawn_app(b).await;
    let (_, admin) = app.admin("boss").await;
    let (ana, _) = app.customer("ana").await;
    let session = app.login("ana").await;
    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&admin),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["is_active"], false);

    // Existing tokens stop at once.
    assert_401(
        &app.get("/users/me", Some(&session.access_token)).await,
        "Could not validate credentials",
    );
    assert_401(
        &app.post(
            "/auth/refresh_token",
            None,
            json!({"refresh_token": session.refresh_token}),
        )
        .await,
        "Could not validate credentials",
    );
    // Right password: 403; wrong: the usual 401.
    app.token("ana", PASSWORD)
        .await
        .assert(403, "Inactive user");
    app.token("ana@example.com", PASSWORD)
        .await
        .assert(403, "Inactive user");
    app.token("ana", "wrong-password")
        .await
        .assert(401, "Incorrect email or password");

    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&admin),
            json!({"is_active": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Deactivation ended the old session: reactivating does not revive it.
    assert_401(
        &app.get("/users/me", Some(&session.access_token)).await,
        "Could not validate credentials",
    );
    let t = app.login("ana").await;
    assert_eq!(
        app.get("/users/me", Some(&t.access_token)).await.status,
        200
    );
}

async fn account_changes_reach_other_processes_within_a_second(b: Backend) {
    let app = spawn_app(b).await;
    let peer = spawn_peer(&app).await;
    let (_, admin) = app.admin("boss").await;
    let (ana, ana_t) = app.customer("ana").await;
    let (bob, bob_t) = app.customer("bob").await;
    let (cid, cid_1) = app.customer("cid").await;
    let cid_2 = app.login("cid").await.access_token;
    // The peer has checked (and cached) every session.
    for t in [&ana_t, &bob_t, &cid_1, &cid_2] {
        assert_eq!(peer.get("/users/me", Some(t)).await.status, 200);
    }
    assert_eq!(peer.get("/users/", Some(&ana_t)).await.status, 403);

    let r = app
        .patch(
            &format!("/users/{}", ana.id),
            Some(&admin),
            json!({"is_admin": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .delete(&format!("/users/{}", bob.id), Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .patch(
            &format!("/users/{}", cid.id),
            Some(&cid_1),
            json!({"password": "cid-new-pass"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;

    assert_eq!(
        peer.get("/users/", Some(&ana_t)).await.status,
        200,
        "promoted"
    );
    assert_401(
        &peer.get("/users/me", Some(&bob_t)).await,
        "Could not validate credentials",
    );
    assert_401(
        &peer.get("/users/me", Some(&cid_2)).await,
        "Could not validate credentials",
    );
    assert_eq!(peer.get("/users/me", Some(&cid_1)).await.status, 200);

    // Deactivation, the other way round: made on the peer, seen here.
    assert_eq!(app.get("/users/me", Some(&cid_1)).await.status, 200);
    let r = peer
        .patch(
            &format!("/users/{}", cid.id),
            Some(&admin),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_401(
        &app.get("/users/me", Some(&cid_1)).await,
        "Could not validate credentials",
    );
}

/// Malformed input of every kind against the users routes: never a 5xx.
async fn users_routes_never_answer_5xx(b: Backend) {
    let app = spawn_app(b).await;
    let (boss, admin) = app.admin("boss").await;
    let (ana, ana_t) = app.customer("ana").await;
    let long = "x".repeat(10_000);
    let emoji = "😀".repeat(40);
    let values: Vec<Value> = vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!(" "),
        json!("\u{0}"),
        json!("ana\u{0}@example.com"),
        json!("joão@exämple.com"),
        json!(emoji),
        json!(long),
        json!("' OR 1=1 --"),
        json!("%"),
        json!("_"),
        json!("\\"),
        json!([]),
        json!({}),
        json!(["ana"]),
        json!({"$ne": null}),
    ];
    let mut checked = 0;
    let mut check = |r: &Res, what: &str| {
        assert!(r.status.as_u16() < 500, "{what}: {} {}", r.status, r.body);
        checked += 1;
    };
    for field in ["username", "email", "password"] {
        for v in &values {
            let mut body =
                json!({"username": "fuzzy", "email": "fuzzy@example.com", "password": PASSWORD});
            body[field] = v.clone();
            let r = app.post("/users/", None, body.clone()).await;
            check(&r, &format!("POST /users/ {body}"));
            let r = app
                .put(&format!("/users/{}", ana.id), Some(&ana_t), body.clone())
                .await;
            check(&r, &format!("PUT {body}"));
            let r = app
                .patch(
                    &format!("/users/{}", ana.id),
                    Some(&ana_t),
                    json!({ field: v }),
                )
                .await;
            check(&r, &format!("PATCH {field}={v}"));
        }
    }
    let (cid, _) = app.customer("cid").await;
    for field in ["is_admin", "is_active"] {
        for v in &values {
            let r = app
                .patch(
                    &format!("/users/{}", cid.id),
                    Some(&admin),
                    json!({ field: v }),
                )
                .await;
            check(&r, &format!("admin PATCH {field}={v}"));
        }
    }
    for v in &values {
        let r = app.post("/users/", None, v.clone()).await;
        check(&r, &format!("POST /users/ {v}"));
        let r = app
            .patch(&format!("/users/{}", boss.id), Some(&admin), v.clone())
            .await;
        check(&r, &format!("PATCH body {v}"));
    }
    for id in [
        "0",
        "-0",
        "+1",
        "01",
        "1e3",
        "0x10",
        "%00",
        "%20",
        "ü",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999999999",
        "1%2F2",
        "me%00",
    ] {
        for token in [&admin, &ana_t] {
            check(&app.get(&format!("/users/{id}"), Some(token)).await, id);
            check(
                &app.patch(
                    &format!("/users/{id}"),
                    Some(token),
                    json!({"username": "zed"}),
                )
                .await,
                id,
            );
        }
        check(&app.delete(&format!("/users/{id}"), Some(&ana_t)).await, id);
    }
    for query in [
        "q=%00",
        "q=%25%00%5C",
        "q=%FF%FE",
        "q=%F0%9F%98%80",
        "q=",
        "q",
        "q=a&q=b",
        "offset=9223372036854775807&limit=100",
        "offset=-9223372036854775808",
        "limit=9223372036854775807",
        "limit=1e2",
        "limit=",
        "offset=%00",
        "unknown=1",
    ] {
        let r = app.get(&format!("/users/?{query}"), Some(&admin)).await;
        check(&r, query);
    }
    for (ctype, body) in [
        ("application/json", b"\xff\xfe\x00".to_vec()),
        ("application/json", b"\xef\xbb\xbf{}".to_vec()),
        ("application/json", "[".repeat(5000).into_bytes()),
        (
            "application/json",
            b"{\"username\": \"a\", \"username\": \"b\"}".to_vec(),
        ),
        ("application/json; charset=utf-16", b"{}".to_vec()),
        ("text/plain", b"hello".to_vec()),
        ("application/x-www-form-urlencoded", b"username=a".to_vec()),
        ("", Vec::new()),
    ] {
        let mut rb = app.client.post(app.url("/users/")).body(body.clone());
        if !ctype.is_empty() {
            rb = rb.header("content-type", ctype);
        }
        let r = decode(rb.send().await.expect("request")).await;
        check(&r, &format!("{ctype} {}", String::from_utf8_lossy(&body)));
    }
    assert!(checked > 300);
    // The server is still fine afterwards, and so are both sessions.
    assert_eq!(app.get("/users/me", Some(&admin)).await.status, 200);
    assert_eq!(app.get("/users/me", Some(&ana_t)).await.status, 200);
}

both!(
    signup_returns_the_public_user,
    signup_never_makes_an_admin,
    signup_conflicts,
    concurrent_signups_of_one_name,
    signup_field_rules_are_422,
    me_requires_a_valid_token,
    listing_users_is_for_admins,
    listing_users_pages_by_id,
    listing_users_filters_by_q,
    get_user_is_for_self_or_admin,
    put_replaces_the_account,
    patch_changes_a_subset,
    admins_promote_demote_activate_deactivate,
    last_admin_cannot_remove_themselves,
    two_admins_demoting_themselves_at_once_leave_one,
    deleting_a_user,
    password_change_ends_the_other_sessions,
    admin_password_change_ends_every_session,
    deactivated_users_cannot_sign_in,
    account_changes_reach_other_processes_within_a_second,
    users_routes_never_answer_5xx,
);
