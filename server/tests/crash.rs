//! Crash safety of the write path (issue 13's group commit): the real server process is
//! killed (SIGKILL) while hundreds of new orders are on their way. Restarted on the same
//! SQLite database, every order it answered 201 is there exactly as answered, and every
//! order there is whole: its line, an exact total, and one event, event ids in commit order.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;

const KEY: &str = "crash-test-key-crash-test-key-crash-test-key-0123456789";
const PASSWORD: &str = "crash-password-1";
const ORDERS: usize = 600;
const PRICE: i64 = 2990;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn server(db: &str, port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_comanda-server"));
    c.args(args)
        .env("DATABASE_URL", db)
        .env("COMANDA_SECRET_KEY", KEY)
        .env("COMANDA_BIND", format!("127.0.0.1:{port}"))
        .env("COMANDA_ARGON2_MEMORY_KIB", "256")
        .env("COMANDA_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

async fn start(db: &str, port: u16) -> Child {
    let mut child = server(db, port, &[]).spawn().expect("the server starts");
    let url = format!("http://127.0.0.1:{port}/health");
    let end = Instant::now() + Duration::from_secs(30);
    while Instant::now() < end {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not come up on port {port}");
}

async fn token(base: &str, user: &str) -> String {
    let r: Value = reqwest::Client::new()
        .post(format!("{base}/auth/token"))
        .form(&[("username", user), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("a token");
    r["access_token"].as_str().expect("access_token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_answered_before_a_kill_survive_it_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}/crash.db", dir.path().display());
    let status = server(
        &db,
        0,
        &[
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@example.com",
        ],
    )
    .env("COMANDA_ADMIN_PASSWORD", PASSWORD)
    .status()
    .expect("create-admin runs");
    assert!(status.success());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&db, port).await;
    let http = reqwest::Client::new();
    let admin = token(&base, "boss").await;
    let r = http
        .post(format!("{base}/menu/"))
        .bearer_auth(&admin)
        .json(&json!({"flavor": "Calabresa", "size": "small", "price_cents": PRICE}))
        .send()
        .await
        .expect("menu item");
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/users/"))
        .json(&json!({"username": "ana", "email": "ana@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("sign up");
    assert_eq!(r.status(), 201);
    let ana = token(&base, "ana").await;

    // Hundreds of new orders at once (64 in flight at a time); the server is killed after
    // the first 100 answers.
    let answered = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let tasks: Vec<_> = (0..ORDERS)
        .map(|_| {
            let (http, url, ana) = (http.clone(), format!("{base}/orders/"), ana.clone());
            let (answered, gate) = (answered.clone(), gate.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.ok()?;
                let r = http
                    .post(url)
                    .bearer_auth(ana)
                    .json(&json!({"items": [{"flavor": "Calabresa", "size": "small", "quantity": 2}]}))
                    .send()
                    .await
                    .ok()?;
                let status = r.status().as_u16();
                let body: Value = r.json().await.ok()?;
                answered.fetch_add(1, Ordering::SeqCst);
                Some((status, body))
            })
        })
        .collect();
    let end = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 100 && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("the server is gone");
    let mut created = Vec::new();
    for t in tasks {
        if let Ok(Some((status, body))) = t.await {
            assert_eq!(status, 201, "{body}");
            created.push(body);
        }
    }
    assert!(created.len() >= 100, "{} answered", created.len());
    assert!(
        created.len() < ORDERS,
        "the kill came while orders were on their way"
    );

    // Restarted on the same database: every answered order is there, as answered.
    let mut child = start(&db, port).await;
    for order in &created {
        let id = order["id"].as_i64().expect("id");
        let stored: Value = http
            .get(format!("{base}/orders/{id}"))
            .bearer_auth(&ana)
            .send()
            .await
            .expect("the order")
            .json()
            .await
            .expect("JSON");
        assert_eq!(&stored, order, "order {id} as answered");
    }
    // Every order there is whole: one line of 2, the exact total, one event; event ids follow
    // the orders' ids (commit order).
    let mut c = sqlx::SqliteConnection::connect(&db)
        .await
        .expect("the database");
    let broken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM orders o WHERE o.total_cents != 2 * $1 \
           OR (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id AND i.quantity = 2) != 1 \
           OR (SELECT COUNT(*) FROM order_events e WHERE e.order_id = o.id) != 1",
    )
    .bind(PRICE)
    .fetch_one(&mut c)
    .await
    .expect("count");
    assert_eq!(broken, 0, "orders missing a line, a total or an event");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&mut c)
        .await
        .expect("count");
    assert!(stored as usize >= created.len());
    let order_of_events: Vec<i64> =
        sqlx::query_scalar("SELECT order_id FROM order_events ORDER BY id")
            .fetch_all(&mut c)
            .await
            .expect("events");
    assert!(
        order_of_events.windows(2).all(|w| w[0] < w[1]),
        "event ids in commit order"
    );
    println!(
        "killed after {} answers of {ORDERS}: {stored} orders stored, every one whole",
        created.len()
    );
    child.kill().expect("stop");
    let _ = child.wait();
}
