//! The silent refresh against a scripted server: however many requests fail together with an
//! expired access token, exactly one refresh is made; a rejected refresh ends the session.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use comanda_common::Token;
use comanda_tui::api::{ApiClient, ApiError};
use comanda_tui::store::{KeyringStore, MemoryStore, TokenStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ME: &str = r#"{"id":1,"username":"ana","email":"ana@example.com","is_admin":false,"is_active":true,"created_at":"2026-11-21T10:00:00Z"}"#;
const NEW_PAIR: &str =
    r#"{"access_token":"new","token_type":"bearer","expires_in":1800,"refresh_token":"r2"}"#;
const BAD: &str = r#"{"detail":"Could not validate credentials"}"#;

fn answer(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// `/users/me` accepts only the access token `new`; `/auth/refresh_token` answers a new pair
/// (slowly, so that concurrent requests overlap) or 401 when `refresh_ok` is false.
async fn scripted_server(refresh_ok: bool, refreshes: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let refreshes = refreshes.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&req).to_lowercase();
                let reply = if head.starts_with("post /auth/refresh_token") {
                    refreshes.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if refresh_ok {
                        answer("200 OK", NEW_PAIR)
                    } else {
                        answer("401 Unauthorized", BAD)
                    }
                } else if head.starts_with("get /users/me")
                    && head.contains("authorization: bearer new")
                {
                    answer("200 OK", ME)
                } else {
                    answer("401 Unauthorized", BAD)
                };
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

async fn client_with_expired_token(url: &str) -> (ApiClient, Arc<dyn TokenStore>) {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store
        .save(&Token {
            access_token: "expired".into(),
            token_type: "bearer".into(),
            expires_in: 1800,
            refresh_token: "r1".into(),
        })
        .expect("saved");
    let api = ApiClient::new(url, store.clone());
    assert!(api.restore_session().await);
    (api, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_requests_failing_together_make_one_refresh() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let url = scripted_server(true, refreshes.clone()).await;
    let (api, store) = client_with_expired_token(&url).await;
    let calls = (0..8).map(|_| {
        let api = api.clone();
        tokio::spawn(async move { api.me().await })
    });
    for r in futures::future::join_all(calls).await {
        let me = r
            .expect("task")
            .expect("every call succeeds after the refresh");
        assert_eq!(me.username, "ana");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "exactly one refresh");
    let saved = store.load().expect("the new pair is saved");
    assert_eq!(
        (saved.access_token.as_str(), saved.refresh_token.as_str()),
        ("new", "r2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_refresh_ends_the_session_and_forgets_it() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let url = scripted_server(false, refreshes.clone()).await;
    let (api, store) = client_with_expired_token(&url).await;
    let calls = (0..4).map(|_| {
        let api = api.clone();
        tokio::spawn(async move { api.me().await })
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.expect("task"), Err(ApiError::SessionEnded));
    }
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh, not one per request"
    );
    assert!(store.load().is_none(), "the session is forgotten");
    assert!(!api.has_session().await);
    assert_eq!(
        ApiError::SessionEnded.to_string(),
        "Your session has ended, please sign in again"
    );
}

/// Two clients (two copies of the app, or the app and a `comanda` command) on one keyring.
fn pair(access: &str, refresh: &str) -> Token {
    Token {
        access_token: access.into(),
        token_type: "bearer".into(),
        expires_in: 1800,
        refresh_token: refresh.into(),
    }
}

fn shared_keyring(url: &str) -> impl Fn() -> Arc<dyn TokenStore> {
    let keyring = keyring_core::mock::Store::new().expect("mock keyring");
    let url = url.to_owned();
    move || -> Arc<dyn TokenStore> {
        Arc::new(KeyringStore::new(keyring.clone(), "mock keyring", &url))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_adopts_the_pair_another_client_saved_instead_of_refreshing() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    // Any refresh would be rejected: the old refresh token was rotated away by the other copy.
    let url = scripted_server(false, refreshes.clone()).await;
    let store = shared_keyring(&url);
    store().save(&pair("expired", "r1")).expect("saved");
    let stale = ApiClient::new(&url, store());
    assert!(stale.restore_session().await);

    // The other copy refreshed and saved its new pair in the keyring.
    store().save(&pair("new", "r2")).expect("saved");

    let me = stale
        .me()
        .await
        .expect("the stale copy adopts the saved pair");
    assert_eq!(me.username, "ana");
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        0,
        "no refresh with a rotated token"
    );
    assert_eq!(
        store().load(),
        Some(pair("new", "r2")),
        "the keyring keeps the pair"
    );
}

/// A keyring where the other copy saves its new pair between our read and our refresh:
/// the first read answers the old pair, every later one the new pair.
struct RacingStore {
    reads: AtomicUsize,
}

impl TokenStore for RacingStore {
    fn try_load(&self) -> Result<Option<Token>, String> {
        Ok(Some(if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            pair("expired", "r1")
        } else {
            pair("new", "r2")
        }))
    }
    fn save(&self, _: &Token) -> Result<(), String> {
        Ok(())
    }
    fn clear(&self) -> Result<(), String> {
        Err("must not be cleared: the session is alive".into())
    }
    fn describe(&self) -> String {
        "racing".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_rejected_because_another_client_rotated_first_rereads_the_keyring() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let url = scripted_server(false, refreshes.clone()).await;
    let store = Arc::new(RacingStore {
        reads: AtomicUsize::new(0),
    });
    let api = ApiClient::new(&url, store.clone());
    // Read 1: the session at start.
    assert!(api.restore_session().await);
    // Read 2 (before refreshing) still sees r1; the refresh is rejected; read 3 sees r2.
    let me = api.me().await.expect("the pair saved meanwhile is adopted");
    assert_eq!(me.username, "ana");
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one rejected refresh");
    assert!(api.has_session().await, "not logged out");
    assert_eq!(
        store.reads.load(Ordering::SeqCst),
        3,
        "re-read once after the rejection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_made_by_one_client_is_written_back_for_the_others() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let url = scripted_server(true, refreshes.clone()).await;
    let store = shared_keyring(&url);
    store().save(&pair("expired", "r1")).expect("saved");
    let first = ApiClient::new(&url, store());
    let second = ApiClient::new(&url, store());
    assert!(first.restore_session().await && second.restore_session().await);

    first.me().await.expect("refreshed");
    assert_eq!(
        store().load(),
        Some(pair("new", "r2")),
        "written back to the keyring"
    );
    // The second client's token is just as expired: it takes the saved pair, no refresh.
    second.me().await.expect("adopted");
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh for both clients"
    );
}
