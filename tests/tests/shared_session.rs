//! A script and an open app on one session through several token lifetimes: neither logs
//! the other out (TUI.md v1.1, CLI.md "Exit status"). Access tokens live 1 s and the
//! server's grace window for a reused refresh token is off, so a client that refreshed with
//! a pair another client had already rotated would end the session at once.

use std::sync::Arc;
use std::time::Duration;

use comanda_server::{Application, Settings};
use comanda_tui::api::ApiClient;
use comanda_tui::commands::{ExitStatus, Io, run_args};
use comanda_tui::store::{KeyringStore, TokenStore};
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_and_an_app_share_one_session_through_many_token_lifetimes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let mut settings = Settings::for_tests(&database_url);
    settings.demo = true;
    settings.access_token_ttl = Duration::from_secs(1);
    settings.refresh_grace = Duration::ZERO;
    let app = Application::build(settings).await.expect("server builds");
    let url = app.base_url();
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    let keyring = keyring_core::mock::Store::new().expect("mock keyring");
    let store = || -> Arc<dyn TokenStore> {
        Arc::new(KeyringStore::new(keyring.clone(), "mock keyring", &url))
    };

    // The app: one long-lived client.
    let app = ApiClient::new(&url, store());
    app.login("maria", "maria-demo-1").await.expect("login");
    let first = store().load().expect("saved");

    // Six rounds of 2.1 s (token times are whole seconds): each access token has expired by
    // the next round, and the app and the script (a new process each time: a fresh client
    // over the keyring) take turns, so each refreshes a pair the other rotated.
    let mut pairs = std::collections::HashSet::new();
    for round in 0..6 {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        if round % 2 == 0 {
            let (mut io, out, err) = Io::capture("", false);
            let status = run_args(
                &["orders", "--json"],
                &ApiClient::new(&url, store()),
                &mut io,
            )
            .await;
            assert_eq!(status, ExitStatus::Done, "round {round}: {}", err.text());
            serde_json::from_str::<comanda_common::OrderList>(&out.text()).expect("orders");
        } else {
            app.me()
                .await
                .unwrap_or_else(|e| panic!("round {round}: the app: {e}"));
        }
        pairs.insert(store().load().expect("still saved").refresh_token);
    }
    // Both went on working, and the pair in the keyring kept being rotated and written back.
    app.me().await.expect("the app is still signed in");
    let (mut io, _out, err) = Io::capture("", false);
    let status = run_args(&["whoami"], &ApiClient::new(&url, store()), &mut io).await;
    assert_eq!(status, ExitStatus::Done, "{}", err.text());
    assert!(!pairs.contains(&first.refresh_token));
    assert_eq!(pairs.len(), 6, "a new pair every round");
}
