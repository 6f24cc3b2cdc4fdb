//! `--metrics-bind` (API.md "Operations"): a scrape of the metrics listener after known
//! requests has the right counts and labels; the API's own port has no `/metrics`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use comanda_server::LoginLimits;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with};

both!(
    a_scrape_counts_requests_by_route_template_and_sign_ins_by_outcome,
    open_event_streams_are_a_gauge,
);

/// One sample of the Prometheus text: its name, its labels and its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a scrape (comment lines skipped). Label values here have no `,` or `"`.
fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.strip_suffix('}').expect("closing brace")),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').expect("label=value");
                    (k.to_owned(), v.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().expect("a number"),
            }
        })
        .collect()
}

/// The value of the sample `name` with exactly `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let want: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .iter()
        .find(|s| s.name == name && s.labels == want)
        .map(|s| s.value)
}

async fn scrape(app: &TestApp) -> String {
    let url = app.metrics_url.as_deref().expect("the metrics listener");
    let r = app.client.get(url).send().await.expect("scrape");
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    r.text().await.expect("body")
}

async fn metrics_app(b: Backend) -> TestApp {
    spawn_app_with(b, |s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.login_limits = LoginLimits {
            per_account: 1,
            ..LoginLimits::default()
        };
    })
    .await
}

async fn a_scrape_counts_requests_by_route_template_and_sign_ins_by_outcome(b: Backend) {
    let app = metrics_app(b).await;
    // Two successful sign-ins, one menu item, two orders.
    let (_, admin) = app.admin("boss").await;
    app.menu_item(&admin, "Calabresa", "large", 4500).await;
    let (_, ana) = app.customer("ana").await;
    let line = json!([{"flavor": "Calabresa", "size": "large", "quantity": 1}]);
    let first = app.order(&ana, line.clone()).await["id"].as_i64().unwrap();
    let second = app.order(&ana, line).await["id"].as_i64().unwrap();
    app.signup("eve").await;

    // The API's port has no /metrics: it is an unknown path there.
    app.get("/metrics", None).await.assert(404, "Not Found");
    for path in ["/menu/", "/menu", "/menu/?include_unavailable=true"] {
        assert_eq!(app.get(path, None).await.status, 200);
    }
    for id in [first, second] {
        assert_eq!(
            app.get(&format!("/orders/{id}"), Some(&ana)).await.status,
            200
        );
    }
    app.get("/no/such/path/123", None)
        .await
        .assert(404, "Not Found");
    assert_eq!(app.token("eve", "wrong-password").await.status, 401);
    assert_eq!(app.token("eve", PASSWORD).await.status, 429);
    assert_eq!(app.token("ana", PASSWORD).await.status, 200);

    let text = scrape(&app).await;
    let samples = parse(&text);
    let requests = |method, route, status| {
        value(
            &samples,
            "http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("GET", "/menu", "200"), Some(3.0), "{text}");
    assert_eq!(
        requests("GET", "/orders/{order_id}", "200"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(requests("POST", "/orders", "201"), Some(2.0), "{text}");
    assert_eq!(requests("POST", "/menu", "201"), Some(1.0), "{text}");
    assert_eq!(requests("GET", "unmatched", "404"), Some(2.0), "{text}");
    assert_eq!(requests("POST", "/auth/token", "200"), Some(3.0), "{text}");
    assert_eq!(requests("POST", "/auth/token", "401"), Some(1.0), "{text}");
    assert_eq!(requests("POST", "/auth/token", "429"), Some(1.0), "{text}");
    // The duration is a histogram by method and route, counting the same requests.
    assert!(
        text.contains("# TYPE http_request_duration_seconds histogram"),
        "{text}"
    );
    let durations = |suffix: &str| {
        value(
            &samples,
            &format!("http_request_duration_seconds{suffix}"),
            &[("method", "GET"), ("route", "/orders/{order_id}")],
        )
    };
    assert_eq!(durations("_count"), Some(2.0), "{text}");
    assert!(durations("_sum").unwrap() > 0.0);
    assert!(
        samples
            .iter()
            .any(|s| s.name == "http_request_duration_seconds_bucket"
                && s.labels.get("le").map(String::as_str) == Some("+Inf")
                && s.labels.get("route").map(String::as_str) == Some("/menu")
                && s.value == 3.0),
        "{text}"
    );
    // Route templates only: no id, no raw path, no query string.
    for raw in [
        format!("/orders/{first}"),
        format!("/orders/{second}"),
        "/no/such".into(),
        "include_unavailable".into(),
    ] {
        assert!(!text.contains(&raw), "{raw} in {text}");
    }

    let signins = |outcome| value(&samples, "comanda_signins_total", &[("outcome", outcome)]);
    assert_eq!(signins("success"), Some(3.0), "{text}");
    assert_eq!(signins("failure"), Some(1.0), "{text}");
    assert_eq!(signins("limited"), Some(1.0), "{text}");

    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        value(&samples, "comanda_build_info", &[("version", version)]),
        Some(1.0),
        "{text}"
    );
    for gauge in [
        "comanda_password_hashes_running",
        "comanda_password_hashes_waiting",
    ] {
        assert_eq!(value(&samples, gauge, &[]), Some(0.0), "{gauge}: {text}");
    }
    assert!(
        value(&samples, "comanda_db_connections_in_use", &[]).is_some(),
        "{text}"
    );
    assert_eq!(
        value(&samples, "comanda_event_streams_open", &[]),
        Some(0.0),
        "{text}"
    );

    // Only GET /metrics is served there.
    let other = app
        .metrics_url
        .as_deref()
        .unwrap()
        .replace("/metrics", "/menu");
    assert_eq!(app.client.get(other).send().await.unwrap().status(), 404);
}

async fn open_event_streams_are_a_gauge(b: Backend) {
    let app = metrics_app(b).await;
    let (_, ana) = app.customer("ana").await;
    let streams = async |app: &TestApp| {
        value(
            &parse(&scrape(app).await),
            "comanda_event_streams_open",
            &[],
        )
    };
    assert_eq!(streams(&app).await, Some(0.0));
    let open = |_| {
        app.client
            .get(app.url("/orders/events"))
            .bearer_auth(&ana)
            .send()
    };
    let (one, two) = (open(()).await.unwrap(), open(()).await.unwrap());
    assert_eq!((one.status().as_u16(), two.status().as_u16()), (200, 200));
    assert_eq!(streams(&app).await, Some(2.0));

    drop(one);
    let deadline = Instant::now() + Duration::from_secs(5);
    while streams(&app).await != Some(1.0) {
        assert!(
            Instant::now() < deadline,
            "a closed stream is still counted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(two);
}
