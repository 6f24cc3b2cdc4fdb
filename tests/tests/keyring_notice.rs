//! A keyring that refuses the session is said on screen in one line, and the session is kept
//! in the next store (issue: "with the keyring locked … saving fails with only a log line").

use std::sync::Arc;
use std::time::Duration;

use comanda_common::Token;
use comanda_server::{Application, Settings};
use comanda_tui::api::ApiClient;
use comanda_tui::app::Options;
use comanda_tui::store::{KeyringStore, OsStore, TokenStore};
use comanda_tui::testing::Harness;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::oneshot;

/// A Secret Service whose collection is locked: every call fails.
struct Locked;
impl TokenStore for Locked {
    fn try_load(&self) -> Result<Option<Token>, String> {
        Err("locked".into())
    }
    fn save(&self, _: &Token) -> Result<(), String> {
        Err("locked".into())
    }
    fn clear(&self) -> Result<(), String> {
        Err("locked".into())
    }
    fn describe(&self) -> String {
        "keyring (Secret Service)".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_keyring_is_said_on_screen_and_the_next_store_keeps_the_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let mut settings = Settings::for_tests(&database_url);
    settings.demo = true;
    let app = Application::build(settings).await.expect("server builds");
    let url = app.base_url();
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));

    let next: Arc<dyn TokenStore> = Arc::new(KeyringStore::mock(&url).expect("mock"));
    let store = Arc::new(OsStore::new(vec![Arc::new(Locked), next.clone()]));
    let mut h = Harness::live(ApiClient::new(&url, store), Options::default(), 120, 24);
    h.app.start();
    h.wait_for("Sign in", Duration::from_secs(10))
        .await
        .expect("login screen");
    h.chars("maria");
    h.key(KeyCode::Tab);
    h.chars("maria-demo-1");
    h.key(KeyCode::Enter);
    let screen = h
        .wait_for(
            "The keyring (Secret Service) is locked or not answering: this session is kept in the mock keyring",
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_else(|s| panic!("the locked keyring is not said:\n{s}"));
    assert!(screen.contains("My orders"), "{screen}");
    assert!(next.load().is_some(), "the session is in the next store");
}
