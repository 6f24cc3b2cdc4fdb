//! `spawn_app` and typed helpers: a real server on port 0 with a fresh database per test.

#![allow(dead_code)]

use std::time::Duration;

use comanda_common::{Token, UserPublic};
use comanda_server::{Application, Settings};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::Connection;

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The server URL of a PostgreSQL cluster; each test gets its own database on it.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `COMANDA_TEST_POSTGRES_URL` is set. Without it the PostgreSQL half
    /// of a test is skipped on a developer's machine, and fails in CI (`CI` set), so a
    /// missing database can never pass silently there.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("COMANDA_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ if std::env::var_os("CI").is_some() => {
                panic!(
                    "COMANDA_TEST_POSTGRES_URL must be set in CI: the PostgreSQL tests cannot run"
                )
            }
            _ => {
                eprintln!("COMANDA_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
                None
            }
        }
    }
}

/// Runs the async test `fn name(Backend)` once per backend: `name::sqlite`, `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(b) = $crate::helpers::Backend::postgres() {
                    super::$name(b).await
                }
            }
        }
    )+};
}

/// A fresh database URL for one test.
pub async fn fresh_database(backend: &Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, Some(dir))
        }
        Backend::Postgres(base) => {
            let name = format!("comanda_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(base)
                .await
                .expect("cannot connect to COMANDA_TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("cannot create a test database");
            conn.close().await.ok();
            (with_database(base, &name), None)
        }
    }
}

/// `base` with its database name replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (base, None),
    };
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let path_start = without_query[scheme_end..]
        .find('/')
        .map_or(without_query.len(), |i| scheme_end + i);
    let mut url = format!("{}/{}", &without_query[..path_start], name);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// `http://…/metrics` when the settings had `metrics_bind`.
    pub metrics_url: Option<String>,
    pub client: reqwest::Client,
    pub database_url: String,
    pub backend: Backend,
    /// The settings this server runs with (a peer reuses them, key included).
    pub settings: Settings,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

pub const PASSWORD: &str = "correct-horse-1";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// A server with settings adjusted by `tweak` (short token lifetimes, low limits, …).
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, dir) = fresh_database(&backend).await;
    let mut settings = Settings::for_tests(&url);
    tweak(&mut settings);
    spawn_on(backend, url, dir, settings).await
}

/// A second server on the database of `other` with the same settings and secret key, as
/// behind a load balancer (for cross-process tests).
pub async fn spawn_peer(other: &TestApp) -> TestApp {
    let settings = other.settings.clone();
    spawn_on(
        other.backend.clone(),
        other.database_url.clone(),
        None,
        settings,
    )
    .await
}

async fn spawn_on(
    backend: Backend,
    url: String,
    dir: Option<tempfile::TempDir>,
    settings: Settings,
) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("the server builds");
    let port = app.port();
    let address = app.base_url();
    let metrics_url = app.metrics_url();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        port,
        metrics_url,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        database_url: url,
        backend,
        settings,
        shutdown: Some(tx),
        _dir: dir,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A decoded answer.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Res {
    /// The `detail` string of an error body.
    pub fn detail(&self) -> &str {
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail string in {}", self.body))
    }

    #[track_caller]
    pub fn assert(&self, status: u16, detail: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.detail(), detail);
    }

    /// Asserts a 422 in the list form whose first entry is at `loc`.
    #[track_caller]
    pub fn assert_422_at(&self, loc: Value) {
        assert_eq!(self.status.as_u16(), 422, "body: {}", self.body);
        let list = self.body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {}", self.body));
        assert!(!list.is_empty());
        for item in list {
            assert!(
                item["msg"].is_string() && item["type"].is_string(),
                "{item}"
            );
        }
        assert!(
            list.iter().any(|i| i["loc"] == loc),
            "no problem at {loc} in {}",
            self.body
        );
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn decode(r: reqwest::Response) -> Res {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    Res {
        status,
        headers,
        body,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    fn authed(&self, rb: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        decode(
            self.authed(self.client.get(self.url(path)), token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Res {
        decode(
            self.authed(self.client.delete(self.url(path)), token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        decode(
            self.authed(self.client.post(self.url(path)), token)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// A POST without a body.
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Res {
        decode(
            self.authed(self.client.post(self.url(path)), token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        decode(
            self.authed(self.client.put(self.url(path)), token)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        decode(
            self.authed(self.client.patch(self.url(path)), token)
                .json(&body)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// `POST /auth/token` with the form.
    pub async fn token(&self, username: &str, password: &str) -> Res {
        decode(
            self.client
                .post(self.url("/auth/token"))
                .form(&[("username", username), ("password", password)])
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// Signs up `username` (email `<username>@example.com`, password [`PASSWORD`]).
    pub async fn signup(&self, username: &str) -> UserPublic {
        let r = self
            .post(
                "/users/",
                None,
                json!({"username": username, "email": format!("{username}@example.com"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()
    }

    pub async fn login(&self, username: &str) -> Token {
        let r = self.token(username, PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }

    /// A signed-up, signed-in customer: the user and an access token.
    pub async fn customer(&self, username: &str) -> (UserPublic, String) {
        let u = self.signup(username).await;
        let t = self.login(username).await;
        (u, t.access_token)
    }

    /// An admin made with `create_admin` (as the command line does), signed in.
    pub async fn admin(&self, username: &str) -> (UserPublic, String) {
        let u = comanda_server::create_admin_with(
            &self.database_url,
            username,
            &format!("{username}@example.com"),
            PASSWORD,
            comanda_server::HashParams::TESTING,
        )
        .await
        .expect("create admin");
        let t = self.login(username).await;
        (u, t.access_token)
    }

    /// Adds a menu item as `admin`; returns its id.
    pub async fn menu_item(&self, admin: &str, flavor: &str, size: &str, price: i64) -> i64 {
        let r = self
            .post(
                "/menu/",
                Some(admin),
                json!({"flavor": flavor, "size": size, "price_cents": price}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_i64().expect("id")
    }

    /// Creates an order as `token` with the given lines; returns the order JSON.
    pub async fn order(&self, token: &str, items: Value) -> Value {
        let r = self
            .post("/orders/", Some(token), json!({ "items": items }))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }
}

/// Asserts a 401 with `detail` and the `WWW-Authenticate: Bearer` header.
#[track_caller]
pub fn assert_401(r: &Res, detail: &str) {
    r.assert(401, detail);
    assert_eq!(
        r.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer"),
        "a 401 carries WWW-Authenticate: Bearer"
    );
}
