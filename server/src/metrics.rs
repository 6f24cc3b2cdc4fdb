//! Prometheus metrics (API.md "Operations"), served by `--metrics-bind` on a listener of
//! their own, never on the API's port.
//!
//! | Name | Type | Labels | What |
//! |---|---|---|---|
//! | `http_requests_total` | counter | `method`, `route`, `status` | answered requests |
//! | `http_request_duration_seconds` | histogram | `method`, `route` | time to the answer's head |
//! | `comanda_event_streams_open` | gauge | – | open `GET /orders/events` streams |
//! | `comanda_signins_total` | counter | `outcome` = `success`, `failure`, `limited` | `POST /auth/token` attempts (a 503 "Server busy" is none of them) |
//! | `comanda_password_hashes_running` | gauge | – | password hashes in progress |
//! | `comanda_password_hashes_waiting` | gauge | – | requests waiting for a hash worker |
//! | `comanda_db_connections_in_use` | gauge | – | database connections lent out now |
//! | `comanda_build_info` | gauge (1) | `version` | the server's version |
//!
//! `route` is the route template (`/orders/{order_id}`), never a raw path, so ids never
//! become labels; a path no route matches is `unmatched`. Methods other than the usual
//! ones are `other`. The gauges of hashes and connections are sampled at each scrape.
//!
//! Each server has its own recorder (not the process-wide one of the `metrics` macros), so
//! several servers in one process (tests) count apart. A request's counter and histogram
//! handles are looked up once per route, method and status and then reused, so recording
//! allocates nothing.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Counter, Gauge, Histogram, Key, Label, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::state::AppState;

pub const HTTP_REQUESTS: &str = "http_requests_total";
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
pub const EVENT_STREAMS_OPEN: &str = "comanda_event_streams_open";
pub const SIGNINS: &str = "comanda_signins_total";
pub const HASHES_RUNNING: &str = "comanda_password_hashes_running";
pub const HASHES_WAITING: &str = "comanda_password_hashes_waiting";
pub const DB_CONNECTIONS_IN_USE: &str = "comanda_db_connections_in_use";
pub const BUILD_INFO: &str = "comanda_build_info";

/// The `route` label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the request duration buckets, in seconds.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets between scrapes, so that
/// they do not pile up when nobody scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

const METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// A token pair was issued.
    Success,
    /// Wrong password, unknown account or inactive user.
    Failure,
    /// Refused by the failed sign-in limits (429).
    Limited,
}

impl SignIn {
    const ALL: [SignIn; 3] = [SignIn::Success, SignIn::Failure, SignIn::Limited];

    fn label(self) -> &'static str {
        match self {
            SignIn::Success => "success",
            SignIn::Failure => "failure",
            SignIn::Limited => "limited",
        }
    }
}

/// A request's counter (by method, route and status) and histogram (by method and route).
#[derive(Clone)]
struct RequestHandles {
    count: Counter,
    duration: Histogram,
}

type ByMethodAndStatus = HashMap<(&'static str, u16), RequestHandles>;

/// The metrics of one server. Cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Per route template, per (method, status).
    requests: RwLock<HashMap<Box<str>, ByMethodAndStatus>>,
    signins: [Counter; 3],
    streams_open: Gauge,
    hashes_running: Gauge,
    hashes_waiting: Gauge,
    db_in_use: Gauge,
}

impl Metrics {
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), DURATION_BUCKETS)
            .expect("the duration buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        let r = &recorder;
        let describe = |name: &'static str, unit: Option<Unit>, help: &'static str| {
            r.describe_counter(name.into(), unit, help.into());
        };
        describe(
            HTTP_REQUESTS,
            None,
            "Answered requests by method, route template and status.",
        );
        describe(
            HTTP_DURATION,
            Some(Unit::Seconds),
            "Time to the answer's head by method and route template.",
        );
        describe(EVENT_STREAMS_OPEN, None, "Open order event streams.");
        describe(
            SIGNINS,
            None,
            "Sign-in attempts by outcome (success, failure, limited).",
        );
        describe(HASHES_RUNNING, None, "Password hashes in progress.");
        describe(
            HASHES_WAITING,
            None,
            "Requests waiting for a password hash worker.",
        );
        describe(DB_CONNECTIONS_IN_USE, None, "Database connections in use.");
        describe(
            BUILD_INFO,
            None,
            "The server's build; the value is always 1.",
        );

        let gauge = |name: &'static str| r.register_gauge(&Key::from_static_name(name), &METADATA);
        let signins = SignIn::ALL.map(|o| {
            r.register_counter(
                &Key::from_parts(SIGNINS, vec![Label::new("outcome", o.label())]),
                &METADATA,
            )
        });
        r.register_gauge(
            &Key::from_parts(
                BUILD_INFO,
                vec![Label::new("version", env!("CARGO_PKG_VERSION"))],
            ),
            &METADATA,
        )
        .set(1.0);
        let inner = Inner {
            signins,
            streams_open: gauge(EVENT_STREAMS_OPEN),
            hashes_running: gauge(HASHES_RUNNING),
            hashes_waiting: gauge(HASHES_WAITING),
            db_in_use: gauge(DB_CONNECTIONS_IN_USE),
            requests: RwLock::default(),
            recorder,
            handle,
        };
        inner.streams_open.set(0.0);
        Metrics(Arc::new(inner))
    }

    /// Counts an answered request and its duration.
    pub fn request(
        &self,
        method: &Method,
        route: Option<&str>,
        status: StatusCode,
        took: Duration,
    ) {
        let route = route.unwrap_or(UNMATCHED);
        let key = (method_label(method), status.as_u16());
        let found = {
            let map = self.0.requests.read().unwrap_or_else(|e| e.into_inner());
            map.get(route).and_then(|m| m.get(&key)).cloned()
        };
        let handles = match found {
            Some(h) => h,
            None => self.register_request(route, key),
        };
        handles.count.increment(1);
        handles.duration.record(took.as_secs_f64());
    }

    #[cold]
    fn register_request(
        &self,
        route: &str,
        (method, status): (&'static str, u16),
    ) -> RequestHandles {
        let r = &self.0.recorder;
        let route_label = metrics::SharedString::from(route.to_owned());
        let handles = RequestHandles {
            count: r.register_counter(
                &Key::from_parts(
                    HTTP_REQUESTS,
                    vec![
                        Label::new("method", method),
                        Label::new("route", route_label.clone()),
                        Label::new("status", status.to_string()),
                    ],
                ),
                &METADATA,
            ),
            duration: r.register_histogram(
                &Key::from_parts(
                    HTTP_DURATION,
                    vec![
                        Label::new("method", method),
                        Label::new("route", route_label),
                    ],
                ),
                &METADATA,
            ),
        };
        let mut map = self.0.requests.write().unwrap_or_else(|e| e.into_inner());
        map.entry(route.into())
            .or_default()
            .entry((method, status))
            .or_insert(handles)
            .clone()
    }

    /// Counts a sign-in attempt.
    pub fn sign_in(&self, outcome: SignIn) {
        self.0.signins[outcome as usize].increment(1);
    }

    /// Counts an event stream as open until the guard is dropped.
    pub fn stream_opened(&self) -> OpenStream {
        self.0.streams_open.increment(1.0);
        OpenStream(self.0.streams_open.clone())
    }

    /// The Prometheus text of every metric, with the sampled gauges read now.
    pub fn render(&self, state: &AppState) -> String {
        self.0.hashes_running.set(state.hasher.running() as f64);
        self.0.hashes_waiting.set(state.hasher.waiting() as f64);
        self.0.db_in_use.set(state.db.connections_in_use() as f64);
        self.0.handle.render()
    }

    /// Folds recorded histogram samples into their buckets.
    fn upkeep(&self) {
        self.0.handle.run_upkeep();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// An open event stream, counted until dropped.
pub struct OpenStream(Gauge);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// The `method` label: the method's name for the standard ones, else `other` (any token is
/// a valid method, and labels must not grow without bound).
fn method_label(m: &Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PATCH" => "PATCH",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

/// The middleware that records every request of the API (applied per route, so the
/// matched route template is known).
pub async fn track(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    metrics.request(
        &method,
        route.as_ref().map(MatchedPath::as_str),
        res.status(),
        start.elapsed(),
    );
    res
}

/// The metrics listener's application: `GET /metrics`, and 404 for anything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    let Some(metrics) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(&state),
    )
        .into_response()
}

/// Serves `router` on `listener` until the server shuts down, running the recorder's
/// upkeep meanwhile.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) {
    let Some(metrics) = state.metrics.clone() else {
        return;
    };
    let mut stopping = state.shutdown.subscribe();
    let stopped = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let server = axum::serve(listener, router(state)).with_graceful_shutdown(stopped);
    let upkeep = async {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            metrics.upkeep();
        }
    };
    tokio::select! {
        r = server => if let Err(e) = r {
            tracing::warn!(error = %e, "the metrics listener failed");
        },
        () = upkeep => {}
    }
}
