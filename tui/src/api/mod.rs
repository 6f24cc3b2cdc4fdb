//! The typed client of the Comanda API: one reused `reqwest::Client`, the `common` types,
//! errors as one readable line, and a session that refreshes itself when the access token
//! expires (one refresh at a time, however many requests fail together).

mod error;
pub mod events;
mod session;

use std::sync::Arc;
use std::time::Duration;

use comanda_common::orders::IDEMPOTENCY_KEY;
use comanda_common::{
    LogoutRequest, MenuItem, MenuItemCreate, MenuItemPatch, MenuList, Message, Order, OrderCreate,
    OrderItemCreate, OrderItemPatch, OrderList, OrderQuery, SessionList, Status, Token,
    TokenRequest, UserCreate, UserList, UserListQuery, UserPatch, UserPublic, paths,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

pub use error::{ApiError, SESSION_ENDED};

use self::session::Session;
use crate::store::{MemoryStore, TokenStore};

/// How long any ordinary request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub type ApiResult<T> = Result<T, ApiError>;

struct Inner {
    /// Built on first use: loading the TLS roots must not delay the first frame.
    http: std::sync::OnceLock<reqwest::Client>,
    base_url: String,
    session: Mutex<Session>,
    store: std::sync::RwLock<Arc<dyn TokenStore>>,
    /// The last menu answers, with and without `include_unavailable`.
    menus: std::sync::Mutex<[Option<KeptMenu>; 2]>,
}

/// A successful answer, or 304 Not Modified.
struct Answer {
    not_modified: bool,
    etag: Option<String>,
    body: Vec<u8>,
}

/// The last menu answer of one view, kept to be revalidated with `If-None-Match`.
#[derive(Clone)]
struct KeptMenu {
    etag: String,
    menu: MenuList,
}

/// The `Retry-After` header in seconds (the form the server sends).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A fresh `Idempotency-Key` (a random UUID) for one logical change.
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A cheap, cloneable handle on the API of one server.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.inner.base_url)
            .finish()
    }
}

impl ApiClient {
    /// A client of the server at `base_url` keeping its session in `store`.
    pub fn new(base_url: &str, store: Arc<dyn TokenStore>) -> ApiClient {
        ApiClient {
            inner: Arc::new(Inner {
                http: std::sync::OnceLock::new(),
                base_url: base_url.trim_end_matches('/').to_owned(),
                session: Mutex::new(Session::default()),
                store: std::sync::RwLock::new(store),
                menus: std::sync::Mutex::default(),
            }),
        }
    }

    /// A client with an in-memory session (tests, or before the keyring is known).
    pub fn with_memory(base_url: &str) -> ApiClient {
        ApiClient::new(base_url, Arc::new(MemoryStore::new()))
    }

    /// The one HTTP client, shared by every call.
    fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(TIMEOUT)
                // The event stream has no overall timeout, but it must see a heartbeat (every 15 s).
                .read_timeout(Duration::from_secs(45))
                .user_agent(user_agent())
                .build()
                .unwrap_or_else(|_| reqwest::Client::new())
        })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Where the session is kept.
    pub fn store(&self) -> Arc<dyn TokenStore> {
        match self.inner.store.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Keeps the session in `store` from now on (the OS keyring, once it has answered).
    pub fn set_store(&self, store: Arc<dyn TokenStore>) {
        match self.inner.store.write() {
            Ok(mut s) => *s = store,
            Err(poisoned) => *poisoned.into_inner() = store,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.base_url, path)
    }

    /// Sends one request built by `build`, decoding a JSON answer or an error body.
    async fn send_raw(&self, build: &(dyn Fn() -> RequestBuilder + Sync)) -> ApiResult<Vec<u8>> {
        self.send_answer(build).await.map(|a| a.body)
    }

    /// The answer of a request: a success or 304 Not Modified (only ever answered to a
    /// request that sent `If-None-Match`), else the error.
    async fn send_answer(&self, build: &(dyn Fn() -> RequestBuilder + Sync)) -> ApiResult<Answer> {
        let resp = build()
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|e| ApiError::from_transport(&e, &self.inner.base_url))?;
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        let etag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .bytes()
            .await
            .map_err(|e| ApiError::from_transport(&e, &self.inner.base_url))?;
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            Ok(Answer {
                not_modified: status == StatusCode::NOT_MODIFIED,
                etag,
                body: body.to_vec(),
            })
        } else {
            Err(ApiError::from_answer(status, &body).with_retry_after(retry_after))
        }
    }

    fn decode<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
        serde_json::from_slice(body).map_err(|_| ApiError::BadBody(200))
    }

    /// An authenticated call carrying `key` as its `Idempotency-Key`: a call that timed out
    /// or lost its connection is sent once more with the same key (the server answers the
    /// repeat without doing the work twice). Without a key it is an ordinary call.
    async fn call_idempotent<T: DeserializeOwned>(
        &self,
        key: Option<&str>,
        build: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> ApiResult<T> {
        let Some(key) = key else {
            return self.call(build).await;
        };
        let with_key = || build().header(IDEMPOTENCY_KEY, key);
        match self.call_bytes(&with_key).await {
            Err(e) if e.is_unreachable() => {
                tracing::info!(error = %e, "retrying with the same Idempotency-Key");
                Self::decode(&self.call_bytes(&with_key).await?)
            }
            other => Self::decode(&other?),
        }
    }

    /// An unauthenticated call.
    async fn call_anon<T: DeserializeOwned>(
        &self,
        build: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> ApiResult<T> {
        Self::decode(&self.send_raw(build).await?)
    }

    // ---- health ----

    pub async fn health(&self) -> ApiResult<Status> {
        let url = self.url(paths::HEALTH);
        self.call_anon(&|| self.http().get(&url)).await
    }

    // ---- auth ----

    /// Signs in with an email or username and keeps the session.
    pub async fn login(&self, identifier: &str, password: &str) -> ApiResult<UserPublic> {
        let url = self.url(paths::AUTH_TOKEN);
        let form = TokenRequest {
            username: identifier.to_owned(),
            password: password.to_owned(),
        };
        let token: Token = self
            .call_anon(&|| self.http().post(&url).form(&form))
            .await?;
        self.set_session(Some(token)).await;
        self.me().await
    }

    /// Creates an account (it does not sign in).
    pub async fn sign_up(&self, body: &UserCreate) -> ApiResult<UserPublic> {
        let url = self.url(paths::USERS);
        self.call_anon(&|| self.http().post(&url).json(body)).await
    }

    /// Ends the session on the server (or all of them) and forgets it locally, even when
    /// the server cannot be reached.
    pub async fn logout(&self, all: bool) -> ApiResult<()> {
        let url = self.url(paths::AUTH_LOGOUT);
        let body = LogoutRequest { all };
        let result = if self.has_session().await {
            self.call::<Message>(&|| self.http().post(&url).json(&body))
                .await
                .map(|_| ())
        } else {
            Ok(())
        };
        self.set_session(None).await;
        match result {
            Err(ApiError::SessionEnded) => Ok(()),
            other => other,
        }
    }

    /// The caller's live sessions, newest first.
    pub async fn sessions(&self) -> ApiResult<SessionList> {
        let url = self.url(paths::AUTH_SESSIONS);
        self.call(&|| self.http().get(&url)).await
    }

    /// Ends one of the caller's sessions. Ending the current one is a logout on the server;
    /// the caller then forgets it locally ([`ApiClient::forget_session`]).
    pub async fn end_session(&self, id: i64) -> ApiResult<Message> {
        let url = self.url(&paths::auth_session(id));
        self.call(&|| self.http().delete(&url)).await
    }

    // ---- users ----

    pub async fn me(&self) -> ApiResult<UserPublic> {
        let url = self.url(paths::USERS_ME);
        self.call(&|| self.http().get(&url)).await
    }

    pub async fn list_users(&self, query: &UserListQuery) -> ApiResult<UserList> {
        let url = self.url(paths::USERS);
        self.call(&|| self.http().get(&url).query(query)).await
    }

    pub async fn get_user(&self, id: i64) -> ApiResult<UserPublic> {
        let url = self.url(&paths::user(id));
        self.call(&|| self.http().get(&url)).await
    }

    pub async fn patch_user(&self, id: i64, patch: &UserPatch) -> ApiResult<UserPublic> {
        let url = self.url(&paths::user(id));
        self.call(&|| self.http().patch(&url).json(patch)).await
    }

    pub async fn delete_user(&self, id: i64) -> ApiResult<Message> {
        let url = self.url(&paths::user(id));
        self.call(&|| self.http().delete(&url)).await
    }

    // ---- menu ----

    /// The menu. The last answer is kept with its `ETag` and revalidated: while the menu is
    /// unchanged the server answers 304 with no body (the picker reloads it each time it
    /// opens). The tag names the view the server gave, so a kept answer is only reused when
    /// the server says it is the current one for this caller.
    pub async fn menu(&self, include_unavailable: bool) -> ApiResult<MenuList> {
        let url = self.url(paths::MENU);
        let q = [("include_unavailable", include_unavailable)];
        let slot = usize::from(include_unavailable);
        let kept = self.kept_menus()[slot].clone();
        let conditional = |rb: RequestBuilder| match &kept {
            Some(k) => rb.header(reqwest::header::IF_NONE_MATCH, &k.etag),
            None => rb,
        };
        let answer = if self.has_session().await {
            self.call_answer(&|| conditional(self.http().get(&url).query(&q)))
                .await?
        } else {
            self.send_answer(&|| conditional(self.http().get(&url)))
                .await?
        };
        if answer.not_modified {
            return kept.map(|k| k.menu).ok_or(ApiError::BadBody(304));
        }
        let menu: MenuList = Self::decode(&answer.body)?;
        self.kept_menus()[slot] = answer.etag.map(|etag| KeptMenu {
            etag,
            menu: menu.clone(),
        });
        Ok(menu)
    }

    fn kept_menus(&self) -> std::sync::MutexGuard<'_, [Option<KeptMenu>; 2]> {
        self.inner
            .menus
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub async fn create_menu_item(&self, body: &MenuItemCreate) -> ApiResult<MenuItem> {
        let url = self.url(paths::MENU);
        self.call(&|| self.http().post(&url).json(body)).await
    }

    pub async fn patch_menu_item(&self, id: i64, patch: &MenuItemPatch) -> ApiResult<MenuItem> {
        let url = self.url(&paths::menu_item(id));
        self.call(&|| self.http().patch(&url).json(patch)).await
    }

    // ---- orders ----

    pub async fn list_orders(&self, query: &OrderQuery) -> ApiResult<OrderList> {
        let url = self.url(paths::ORDERS);
        self.call(&|| self.http().get(&url).query(query)).await
    }

    /// Creates an order; with `key`, an `Idempotency-Key` makes a retry safe.
    pub async fn create_order(&self, body: &OrderCreate, key: Option<&str>) -> ApiResult<Order> {
        let url = self.url(paths::ORDERS);
        self.call_idempotent(key, &|| self.http().post(&url).json(body))
            .await
    }

    pub async fn order(&self, id: i64) -> ApiResult<Order> {
        let url = self.url(&paths::order(id));
        self.call(&|| self.http().get(&url)).await
    }

    /// Adds an item to a pending order; with `key`, an `Idempotency-Key`.
    pub async fn add_item(
        &self,
        order_id: i64,
        item: &OrderItemCreate,
        key: Option<&str>,
    ) -> ApiResult<Order> {
        let url = self.url(&paths::order_items(order_id));
        self.call_idempotent(key, &|| self.http().post(&url).json(item))
            .await
    }

    /// Changes a line's quantity (`PATCH /orders/{id}/items/{item_id}`); with `key`, an
    /// `Idempotency-Key`.
    pub async fn set_item_quantity(
        &self,
        order_id: i64,
        item_id: i64,
        quantity: i64,
        key: Option<&str>,
    ) -> ApiResult<Order> {
        let url = self.url(&paths::order_item(order_id, item_id));
        let body = OrderItemPatch { quantity };
        self.call_idempotent(key, &|| self.http().patch(&url).json(&body))
            .await
    }

    pub async fn remove_item(&self, order_id: i64, item_id: i64) -> ApiResult<Order> {
        let url = self.url(&paths::order_item(order_id, item_id));
        self.call(&|| self.http().delete(&url)).await
    }

    pub async fn cancel_order(&self, id: i64) -> ApiResult<Order> {
        let url = self.url(&paths::order_cancel(id));
        self.call(&|| self.http().post(&url)).await
    }

    pub async fn finish_order(&self, id: i64) -> ApiResult<Order> {
        let url = self.url(&paths::order_finish(id));
        self.call(&|| self.http().post(&url)).await
    }

    /// Opens the live order events (no overall timeout; the heartbeat keeps it alive).
    pub(crate) async fn open_events(
        &self,
        last_event_id: Option<u64>,
    ) -> ApiResult<reqwest::Response> {
        let url = self.url(paths::ORDER_EVENTS);
        let build = |access: &str| {
            let mut rb = self
                .http()
                .request(Method::GET, &url)
                .bearer_auth(access)
                .header(reqwest::header::ACCEPT, "text/event-stream");
            if let Some(id) = last_event_id {
                rb = rb.header("Last-Event-ID", id.to_string());
            }
            rb
        };
        let (access, generation) = self.current_access().await?;
        let resp = self.open_stream(build(&access)).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            let (access, _) = self.refresh(generation).await?;
            let resp = self.open_stream(build(&access)).await?;
            return Self::check_stream(resp).await;
        }
        Self::check_stream(resp).await
    }

    async fn open_stream(&self, rb: RequestBuilder) -> ApiResult<reqwest::Response> {
        // The connection itself must come up quickly; the body then streams for ever.
        match tokio::time::timeout(TIMEOUT, rb.send()).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => Err(ApiError::from_transport(&e, &self.inner.base_url)),
            Err(_) => Err(ApiError::Timeout(self.inner.base_url.clone())),
        }
    }

    async fn check_stream(resp: reqwest::Response) -> ApiResult<reqwest::Response> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.bytes().await.unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED {
            return Err(ApiError::SessionEnded);
        }
        Err(ApiError::from_answer(status, &body))
    }
}

/// The `User-Agent` of every request: `comanda/<version> (<hostname>)`, so that the
/// sessions list (`GET /auth/sessions`) says which machine each session is on. Without a
/// readable hostname it is `comanda/<version>`.
pub fn user_agent() -> String {
    let version = env!("CARGO_PKG_VERSION");
    match whoami::hostname() {
        Ok(host) if !host.trim().is_empty() => {
            // A header value is visible ASCII: anything else in a hostname becomes `?`.
            let host: String = host
                .trim()
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '?'
                    }
                })
                .collect();
            format!("comanda/{version} ({host})")
        }
        _ => format!("comanda/{version}"),
    }
}
