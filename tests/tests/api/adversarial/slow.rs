//! Slow and stalled clients: a half-sent request head is answered 408 and closed, an idle
//! keep-alive connection lives until the idle timeout, connections are capped, and none of
//! it delays anyone else.

use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::io::AsyncWriteExt;

use super::{connect, read_to_close};
use crate::helpers::*;

/// Short timeouts, so that the tests take seconds (the defaults are 10 s and 60 s).
fn short(s: &mut comanda_server::Settings) {
    s.header_read_timeout = Duration::from_secs(1);
    s.idle_timeout = Duration::from_secs(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_head_is_answered_408_and_closed() {
    let app = spawn_app_with(Backend::Sqlite, short).await;
    let mut s = connect(&app).await;
    let started = Instant::now();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1")
        .await
        .unwrap();
    let answer = read_to_close(&mut s, Duration::from_secs(5))
        .await
        .expect("the server closes the connection");
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    assert!(
        answer.ends_with(r#"{"detail":"Request Timeout"}"#),
        "{answer:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "closed after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_too() {
    let app = spawn_app_with(Backend::Sqlite, short).await;
    let mut s = connect(&app).await;
    let answer = read_to_close(&mut s, Duration::from_secs(5))
        .await
        .expect("the server closes a connection that sends nothing");
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_lives_until_the_idle_timeout() {
    let app = spawn_app_with(Backend::Sqlite, short).await;
    let mut s = connect(&app).await;
    let request = b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    s.write_all(request).await.unwrap();
    // Longer than the header-read timeout: a kept-alive connection is not owing a head.
    let first = read_until_quiet(&mut s).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first:?}");
    tokio::time::sleep(Duration::from_millis(2000)).await;
    s.write_all(request).await.unwrap();
    let second = read_until_quiet(&mut s).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second:?}");
    let idle_from = Instant::now();
    let rest = read_to_close(&mut s, Duration::from_secs(8))
        .await
        .expect("the idle connection is closed");
    assert!(
        rest.is_empty(),
        "nothing is sent to an idle connection: {rest:?}"
    );
    let idle = idle_from.elapsed();
    assert!(
        idle >= Duration::from_millis(3500) && idle < Duration::from_secs(6),
        "closed after {idle:?} idle"
    );
}

/// What arrives on `s` until nothing more comes for 300 ms.
async fn read_until_quiet(s: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_never_delay_other_requests() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..100 {
        let mut s = connect(&app).await;
        s.write_all(b"POST /auth/token HTTP/1.1\r\nHost: localhost\r\nContent-")
            .await
            .unwrap();
        stalled.push(s);
    }
    let started = Instant::now();
    let answers = join_all((0..20).map(|_| app.get("/health", None))).await;
    assert!(answers.iter().all(|r| r.status == 200));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?} beside 100 stalled clients",
        started.elapsed()
    );
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_to_be_accepted() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.max_connections = 2;
        s.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let first = connect(&app).await;
    let second = connect(&app).await;
    // Both slots are taken: a third client is not served...
    let client = reqwest::Client::new();
    let url = app.url("/health");
    let blocked = client
        .get(&url)
        .timeout(Duration::from_millis(1500))
        .send()
        .await;
    assert!(
        blocked.is_err(),
        "a third connection was served: {blocked:?}"
    );
    // ...until one of them goes.
    drop(first);
    let r = client
        .get(&url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("served once a slot is free");
    assert_eq!(r.status(), 200);
    drop(second);
}
