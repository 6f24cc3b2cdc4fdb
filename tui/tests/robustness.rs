//! A server that is down, fails, answers garbage or never answers: the app never crashes
//! and says what is wrong in one clear line.

use std::time::Duration;

use comanda_tui::api::{ApiClient, ApiError};
use comanda_tui::app::Options;
use comanda_tui::testing::Harness;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A local server that answers every request with `answer` (or never, when `None`).
async fn fake_server(answer: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                match answer {
                    Some(a) => {
                        let _ = sock.write_all(a.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A port with nothing listening.
async fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

fn status_line(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().trim().to_owned()
}

#[tokio::test]
async fn server_down_says_cannot_reach() {
    let url = closed_port().await;
    let api = ApiClient::with_memory(&url);
    assert_eq!(api.health().await, Err(ApiError::Unreachable(url.clone())));
    let mut h = Harness::live(api, Options::default(), 80, 24);
    h.app.start();
    let s = h
        .wait_for("cannot reach", Duration::from_secs(5))
        .await
        .expect("status line");
    assert_eq!(status_line(&s), format!("cannot reach {url}"));
    // Signing in while it is down: the same line, and no crash.
    h.chars("maria");
    h.key(ratatui::crossterm::event::KeyCode::Tab);
    h.chars("whatever-pw");
    h.key(ratatui::crossterm::event::KeyCode::Enter);
    h.idle(Duration::from_secs(5)).await.expect("settles");
    assert!(h.screen().contains(&format!("cannot reach {url}")));
    // Nothing was wrong with the typing: the password is kept for the next Enter.
    assert_eq!(h.app.screens.login.form.value(1), "whatever-pw");
    assert!(h.screen().contains("•••••••••••"));
}

#[tokio::test]
async fn too_many_login_attempts_says_how_long() {
    let body = r#"{"detail":"Too many login attempts"}"#;
    let answer: &'static str = Box::leak(
        format!("HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 840\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
            .into_boxed_str(),
    );
    let url = fake_server(Some(answer)).await;
    let mut h = Harness::live(ApiClient::with_memory(&url), Options::default(), 80, 24);
    h.chars("maria");
    h.key(ratatui::crossterm::event::KeyCode::Tab);
    h.chars("maria-password");
    h.key(ratatui::crossterm::event::KeyCode::Enter);
    let s = h
        .wait_for("Too many login attempts", Duration::from_secs(5))
        .await
        .expect("the refusal");
    assert!(
        s.contains("Too many login attempts; try again in 14 min"),
        "{s}"
    );
}

#[tokio::test]
async fn a_500_is_one_clear_line() {
    let url = fake_server(Some("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 21\r\nconnection: close\r\n\r\nInternal Server Error")).await;
    let api = ApiClient::with_memory(&url);
    let e = api.health().await.expect_err("fails");
    assert_eq!(e.to_string(), "the server failed (500); try again later");
    let mut h = Harness::live(api, Options::default(), 60, 16);
    h.app.start();
    let s = h
        .wait_for("server failed", Duration::from_secs(5))
        .await
        .expect("status line");
    assert!(
        status_line(&s).starts_with("the server failed (500)"),
        "{s}"
    );
}

#[tokio::test]
async fn a_json_error_detail_is_shown_as_is() {
    let body = r#"{"detail":"Database unavailable"}"#;
    let answer: &'static str = Box::leak(
        format!("HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
            .into_boxed_str(),
    );
    let api = ApiClient::with_memory(&fake_server(Some(answer)).await);
    assert_eq!(
        api.health().await.expect_err("fails").to_string(),
        "Database unavailable"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_one_clear_line() {
    let url = fake_server(Some("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\nconnection: close\r\n\r\n<html></html>")).await;
    let api = ApiClient::with_memory(&url);
    let e = api.health().await.expect_err("fails");
    assert_eq!(e, ApiError::BadBody(200));
    assert!(!e.to_string().contains('{'), "{e}");
    // Garbage that is not even HTTP.
    let url = fake_server(Some("garbage garbage\r\n\r\n")).await;
    let e = ApiClient::with_memory(&url)
        .health()
        .await
        .expect_err("fails");
    assert!(
        e.is_unreachable() || matches!(e, ApiError::BadBody(_)),
        "{e:?}"
    );
}

#[tokio::test]
async fn no_answer_within_ten_seconds_is_a_timeout() {
    let url = fake_server(None).await;
    let api = ApiClient::with_memory(&url);
    let started = std::time::Instant::now();
    let e = api.health().await.expect_err("times out");
    let took = started.elapsed();
    assert_eq!(e.to_string(), format!("no answer from {url} within 10 s"));
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(15),
        "{took:?}"
    );
}

#[tokio::test]
async fn the_ui_keeps_answering_while_a_request_hangs() {
    let url = fake_server(None).await;
    let mut h = Harness::live(ApiClient::with_memory(&url), Options::default(), 80, 24);
    h.app.start();
    h.settle(Duration::from_millis(200)).await;
    // The health check hangs; keys are still handled at once.
    h.chars("someone");
    assert!(h.screen().contains("someone"));
    assert!(
        h.screen().contains("checking the server") || h.screen().contains("opening the keyring")
    );
}

#[tokio::test]
async fn logout_forgets_the_session_even_when_the_server_is_down() {
    use comanda_tui::store::{KeyringStore, TokenStore};
    use std::sync::Arc;
    let url = closed_port().await;
    let keyring = keyring_core::mock::Store::new().expect("mock");
    let store: Arc<dyn TokenStore> = Arc::new(KeyringStore::new(keyring, "mock keyring", &url));
    store
        .save(&comanda_common::Token {
            access_token: "a".into(),
            token_type: "bearer".into(),
            expires_in: 1800,
            refresh_token: "r".into(),
        })
        .expect("saved");
    let api = ApiClient::new(&url, store.clone());
    assert!(api.restore_session().await);
    let r = api.logout(false).await;
    assert_eq!(r, Err(ApiError::Unreachable(url)));
    assert!(store.load().is_none(), "forgotten anyway");
    assert!(!api.has_session().await);
}
