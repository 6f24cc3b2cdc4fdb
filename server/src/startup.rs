//! Building and running the server: the database, the state, the router with its layers,
//! the listener, and graceful shutdown.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower::{Layer, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{
    cache::SessionCache, limiter::LoginLimiter, password::Hasher, tokens::TokenKeys,
};
use crate::db::Db;
use crate::error::detail_response;
use crate::events::EventBus;
use crate::extract::client_ip;
use crate::settings::Settings;
use crate::state::{AppState, Inner};
use crate::{cleanup, demo, routes, serve};

/// Request bodies over this size are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Requests that take longer are cut off with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    port: u16,
    app: NormalizePath<Router>,
    state: AppState,
}

impl Application {
    /// Opens and migrates the database, seeds the demo data when asked, and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.check()?;
        let db = Db::connect(&settings.database_url, settings.pool_size).await?;
        db.migrate().await?;
        let hasher = Hasher::new(
            settings.hash_params,
            settings.hash_workers,
            settings.hash_queue,
        )?;
        if settings.demo {
            demo::seed(&db, &hasher)
                .await
                .context("cannot add the demo data")?;
        }
        let events = EventBus::new(&db);
        events
            .start_listener(&db)
            .await
            .context("cannot listen for order events")?;
        let state = AppState::new(Inner {
            keys: TokenKeys::new(&settings.secret_key),
            hasher,
            limiter: LoginLimiter::new(settings.login_limits, &db),
            sessions: SessionCache::new(settings.session_cache_ttl),
            events,
            db,
            shutdown: tokio::sync::watch::channel(false).0,
            settings: settings.clone(),
        });
        let listener = TcpListener::bind(&settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            port,
            app: app(state.clone()),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        let ip = self
            .listener
            .local_addr()
            .map(|a| a.ip())
            .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
        let host = if ip.is_unspecified() {
            "127.0.0.1".to_owned()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("http://{host}:{}", self.port)
    }

    /// Serves until `shutdown` completes, then drains in-flight requests and returns.
    pub async fn run_with_shutdown(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
            let _ = state.shutdown.send(true);
        };
        let s = &self.state.settings;
        let limits = serve::Limits {
            header_read_timeout: s.header_read_timeout,
            idle_timeout: s.idle_timeout,
            max_connections: s.max_connections,
            drain: REQUEST_TIMEOUT,
        };
        cleanup::spawn(self.state.clone());
        serve::serve(self.listener, self.app, limits, signal).await;
        self.state.db.close().await;
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }
}

/// Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The whole HTTP application: routes, docs, and the layers every request passes.
pub fn app(state: AppState) -> NormalizePath<Router> {
    let (api, doc) = routes::api().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    let trusted = std::sync::Arc::new(state.settings.trusted_proxies.clone());
    let router = api
        .merge(routes::docs::router(doc))
        .fallback(|| async { detail_response(StatusCode::NOT_FOUND, "Not Found") })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(move |req: &Request<Body>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        let client = client_ip(req.headers(), req.extensions(), &trusted);
                        // The path only: a query string may hold an access token.
                        tracing::info_span!("request", id, method = %req.method(), path = req.uri().path(), %client)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(middleware::from_fn(json_errors))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    REQUEST_TIMEOUT,
                ))
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        );
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// Gives every error answer without a JSON body (405 from the router, 503 from the
/// timeout, …) the API's `{"detail": …}` shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let detail = match status {
        StatusCode::NOT_FOUND => "Not Found",
        StatusCode::METHOD_NOT_ALLOWED => "Method Not Allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
        StatusCode::SERVICE_UNAVAILABLE => "Request timed out",
        s => s.canonical_reason().unwrap_or("Error"),
    };
    let mut new = detail_response(status, detail);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = res.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    new
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    detail_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
}
