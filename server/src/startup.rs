//! Building and running the server: the database, the state, the router with its layers,
//! the listener, and graceful shutdown.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower::{Layer, ServiceBuilder};
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth::{
    cache::SessionCache, limiter::LoginLimiter, password::Hasher, tokens::TokenKeys,
};
use crate::db::Db;
use crate::error::detail_response;
use crate::events::EventBus;
use crate::extract::client_ip;
use crate::menu_cache::MenuCache;
use crate::metrics::{self, Metrics};
use crate::order_writer::OrderWriter;
use crate::settings::Settings;
use crate::state::{AppState, Inner};
use crate::{cleanup, demo, listen, routes, serve};

/// Request bodies over this size are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Requests that take longer are cut off with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A server bound to its port, ready to run.
pub struct Application {
    listener: TcpListener,
    /// `--metrics-bind`: the listener of `GET /metrics`.
    metrics_listener: Option<TcpListener>,
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
        // On SQLite (one process) every change is seen; on PostgreSQL once listening.
        let menu = MenuCache::new(!db.is_postgres(), settings.menu_cache_max_age);
        listen::start(&db, events.clone(), menu.clone())
            .await
            .context("cannot listen for order events and menu changes")?;
        let state = AppState::new(Inner {
            keys: TokenKeys::new(&settings.secret_key),
            hasher,
            limiter: LoginLimiter::new(settings.login_limits, &db),
            sessions: SessionCache::new(settings.session_cache_ttl),
            orders: OrderWriter::start(db.clone(), events.clone()),
            events,
            menu,
            db,
            shutdown: tokio::sync::watch::channel(false).0,
            settings: settings.clone(),
            metrics: settings.metrics_bind.is_some().then(Metrics::new),
        });
        let listener = TcpListener::bind(&settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = match &settings.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen for metrics on {addr}"))?,
            ),
            None => None,
        };
        Ok(Application {
            listener,
            metrics_listener,
            port,
            app: app(state.clone()),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        url_of(&self.listener)
    }

    /// `http://host:port/metrics` when `--metrics-bind` is set.
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics_listener
            .as_ref()
            .map(|l| format!("{}/metrics", url_of(l)))
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
        if let Some(listener) = self.metrics_listener {
            tokio::spawn(metrics::serve(listener, self.state.clone()));
        }
        serve::serve(self.listener, self.app, limits, signal).await;
        self.state.db.close().await;
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }
}

/// `http://host:port` of a listener (an unspecified address as 127.0.0.1).
fn url_of(listener: &TcpListener) -> String {
    let (ip, port) = listener
        .local_addr()
        .map(|a| (a.ip(), a.port()))
        .unwrap_or((std::net::Ipv4Addr::LOCALHOST.into(), 0));
    let host = if ip.is_unspecified() {
        "127.0.0.1".to_owned()
    } else if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        ip.to_string()
    };
    format!("http://{host}:{port}")
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
///
/// The layers are applied per route (`Router::layer`), so they see the matched route
/// template: the request's log span carries it, and the metrics count by it.
pub fn app(state: AppState) -> NormalizePath<Router> {
    let (api, doc) = routes::api().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    let trusted = std::sync::Arc::new(state.settings.trusted_proxies.clone());
    let metrics = state.metrics.clone();
    let router = api
        .merge(routes::docs::router(doc))
        .fallback(|| async { detail_response(StatusCode::NOT_FOUND, "Not Found") })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(move |req: &Request<Body>| request_span(req, &trusted))
                        // One line per request at INFO, with its status and duration.
                        .on_response(
                            DefaultOnResponse::new()
                                .level(tracing::Level::INFO)
                                .latency_unit(LatencyUnit::Micros),
                        ),
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
    // Outermost, so that the duration covers every other layer.
    let router = match metrics {
        Some(m) => router.layer(middleware::from_fn_with_state(m, metrics::track)),
        None => router,
    };
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// The span of one request: every log line of the request carries its id, method, route
/// template (`unmatched` for an unknown path), path and client address. The path only: a
/// query string may hold an access token.
fn request_span(req: &Request<Body>, trusted: &[ipnet::IpNet]) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(metrics::UNMATCHED, MatchedPath::as_str);
    let client = client_ip(req.headers(), req.extensions(), trusted);
    tracing::info_span!("request", id, method = %req.method(), route, path = req.uri().path(), %client)
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

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use axum::extract::ConnectInfo;
    use tower::ServiceExt;

    use super::*;

    /// The log output, shared with the subscriber.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The request's log line (JSON): id, method, route template, status, duration and the
    /// client address (through a trusted proxy, the forwarded one); no token, no query.
    #[tokio::test]
    async fn the_request_log_line_has_route_status_duration_and_client() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let mut settings = Settings::for_tests(&url);
        settings.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let application = Application::build(settings).await.unwrap();

        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let mut req = Request::builder()
            .uri("/orders/42?access_token=secret-token-value")
            .header("authorization", "Bearer another-secret")
            .header("x-forwarded-for", "203.0.113.9")
            .body(Body::empty())
            .unwrap();
        let peer: SocketAddr = "10.1.2.3:5555".parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        let res = application.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();

        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .find(|l: &serde_json::Value| l["fields"]["message"] == "finished processing request")
            .unwrap_or_else(|| panic!("no request line in {text}"));
        let span = &line["span"];
        assert_eq!(span["id"], id.as_str(), "{line}");
        assert_eq!(span["method"], "GET", "{line}");
        assert_eq!(span["route"], "/orders/{order_id}", "{line}");
        assert_eq!(span["client"], "203.0.113.9", "{line}");
        assert_eq!(line["fields"]["status"], 401, "{line}");
        assert!(
            line["fields"]["latency"].as_str().unwrap().ends_with("μs"),
            "{line}"
        );
        assert_eq!(line["level"], "INFO");
        for secret in ["secret-token-value", "access_token", "another-secret"] {
            assert!(!text.contains(secret), "{secret} logged: {text}");
        }

        // An unknown path is logged under one fixed route.
        let req = Request::builder()
            .uri("/no/such/7")
            .body(Body::empty())
            .unwrap();
        let res = application.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains(r#""route":"unmatched""#), "{text}");
    }
}
