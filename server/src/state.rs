//! The shared state of every handler: cheap handles behind one `Arc`.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::cache::SessionCache;
use crate::auth::limiter::LoginLimiter;
use crate::auth::password::Hasher;
use crate::auth::tokens::TokenKeys;
use crate::db::Db;
use crate::events::EventBus;
use crate::menu_cache::MenuCache;
use crate::metrics::Metrics;
use crate::order_writer::OrderWriter;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub keys: TokenKeys,
    pub hasher: Hasher,
    pub limiter: LoginLimiter,
    pub sessions: SessionCache,
    pub events: EventBus,
    /// The group-commit writer of new orders.
    pub orders: OrderWriter,
    /// The rendered `GET /menu/` answers.
    pub menu: MenuCache,
    pub settings: Settings,
    /// Present when `--metrics-bind` is set; nothing is recorded otherwise.
    pub metrics: Option<Metrics>,
    /// Set to true when the server shuts down, so that open event streams end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
