//! The terminal app end to end: a real server on a random port (temp SQLite, demo data),
//! the real `ApiClient`, and the app driven by key events and drawn to a `TestBackend`.

use std::sync::Arc;
use std::time::Duration;

use comanda_common::{OrderCreate, OrderItemCreate, UserCreate};
use comanda_server::{Application, HashParams, Settings};
use comanda_tui::api::{ApiClient, SESSION_ENDED};
use comanda_tui::app::Options;
use comanda_tui::screens::Route;
use comanda_tui::store::{KeyringStore, TokenStore};
use comanda_tui::testing::Harness;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

struct TestServer {
    base_url: String,
    database_url: String,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

async fn server(tweak: impl FnOnce(&mut Settings)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let mut settings = Settings::for_tests(&database_url);
    settings.demo = true;
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("server builds");
    let base_url = app.base_url();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = rx.await;
    }));
    TestServer {
        base_url,
        database_url,
        _dir: dir,
        _stop: tx,
    }
}

async fn signed_in_api(srv: &TestServer, name: &str) -> ApiClient {
    let api = ApiClient::with_memory(&srv.base_url);
    api.sign_up(&UserCreate {
        username: name.into(),
        email: format!("{name}@example.com"),
        password: format!("{name}-password"),
    })
    .await
    .expect("sign up");
    api.login(name, &format!("{name}-password"))
        .await
        .expect("log in");
    api
}

/// An app started on `api`'s server with `api`'s session (restored from its store).
async fn app_for(api: ApiClient, expect: &str) -> Harness {
    let mut h = Harness::live(api, Options::default(), 80, 24);
    h.app.start();
    h.wait_for(expect, WAIT)
        .await
        .unwrap_or_else(|s| panic!("never showed {expect:?}:\n{s}"));
    h
}

fn assert_shows(screen: Result<String, String>, what: &str) -> String {
    screen.unwrap_or_else(|s| panic!("the screen never showed {what}:\n{s}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_log_in_order_two_pizzas_and_finish() {
    let srv = server(|_| {}).await;
    let mut h = Harness::live(
        ApiClient::with_memory(&srv.base_url),
        Options::default(),
        80,
        24,
    );
    h.app.start();
    assert_shows(h.wait_for("Sign in", WAIT).await, "the login screen");
    h.idle(WAIT).await.expect("start-up settles");

    // Create an account (F2), which also signs in.
    h.key(KeyCode::F(2));
    assert_shows(h.wait_for("Create account", WAIT).await, "the sign-up form");
    h.chars("ana_e2e");
    h.key(KeyCode::Tab);
    h.chars("ana@example.com");
    h.key(KeyCode::Tab);
    h.chars("ana-password-1");
    h.key(KeyCode::Tab);
    h.chars("ana-password-1");
    h.key(KeyCode::Enter);
    assert_shows(
        h.wait_for("My orders", WAIT).await,
        "the orders after sign-up",
    );

    // Log out (L, y) and sign in again with the username.
    h.key(KeyCode::Char('L'));
    h.key(KeyCode::Char('y'));
    assert_shows(
        h.wait_for("Sign in", WAIT).await,
        "the login screen after logout",
    );
    h.idle(WAIT).await.expect("logout settles");
    h.chars("ana_e2e");
    h.key(KeyCode::Tab);
    h.chars("ana-password-1");
    h.key(KeyCode::Enter);
    assert_shows(
        h.wait_for("My orders", WAIT).await,
        "the orders after login",
    );
    assert_shows(h.wait_for("No orders yet", WAIT).await, "an empty list");

    // n: a new empty order, opened at once.
    h.key(KeyCode::Char('n'));
    assert_shows(h.wait_for("No items yet", WAIT).await, "the new order");
    assert_eq!(h.app.route, Route::Detail);

    // a: the menu picker, then the quantity.
    h.key(KeyCode::Char('a'));
    let picker = assert_shows(
        h.wait_until(|s| s.contains("Add an item") && s.contains("small"), WAIT)
            .await,
        "the menu picker",
    );
    assert!(picker.contains("Enter choose"), "{picker}");
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("How many", WAIT).await, "the quantity prompt");
    h.ctrl('u');
    h.chars("2");
    h.key(KeyCode::Enter);
    let s = assert_shows(h.wait_for("Item added", WAIT).await, "the added item");
    let order = h.app.screens.detail.order.clone().expect("order shown");
    assert_eq!(order.items.len(), 1);
    assert_eq!(order.items[0].quantity, 2, "{s}");

    // f, y: finished.
    h.key(KeyCode::Char('f'));
    assert_shows(h.wait_for("Finish order", WAIT).await, "the confirmation");
    h.key(KeyCode::Char('y'));
    assert_shows(
        h.wait_for("Order finished", WAIT).await,
        "the finished order",
    );
    let d = h.app.screens.detail.order.clone().expect("order shown");
    assert_eq!(d.status, comanda_common::OrderStatus::Finished);

    // Back to the list: the order is there, finished.
    h.key(KeyCode::Char('q'));
    let list = assert_shows(
        h.wait_for("finished", WAIT).await,
        "the finished order in the list",
    );
    assert!(list.contains(&format!("{:>6}", d.id)), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cancel_reaches_the_customer_without_a_key_press() {
    let srv = server(|_| {}).await;
    let customer = signed_in_api(&srv, "carla").await;
    let menu = customer.menu(false).await.expect("menu");
    let first = menu.items.first().expect("a demo menu");
    let order = customer
        .create_order(
            &OrderCreate {
                items: vec![OrderItemCreate {
                    flavor: first.flavor.clone(),
                    size: first.size,
                    quantity: 1,
                }],
            },
            None,
        )
        .await
        .expect("order");

    let mut h = app_for(customer, "My orders").await;
    assert_shows(
        h.wait_until(|s| s.contains("● live") && s.contains("pending"), WAIT)
            .await,
        "the live pending order",
    );

    comanda_server::create_admin_with(
        &srv.database_url,
        "boss",
        "boss@example.com",
        "boss-password",
        HashParams::TESTING,
    )
    .await
    .expect("admin");
    let admin = ApiClient::with_memory(&srv.base_url);
    admin
        .login("boss", "boss-password")
        .await
        .expect("admin login");
    admin.cancel_order(order.id).await.expect("admin cancels");

    // No key is pressed from here on: only background actions and ticks are applied.
    let s = assert_shows(h.wait_for("cancelled", WAIT).await, "the cancelled order");
    assert!(!s.contains("pending"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_restored_from_the_keyring_at_start() {
    let srv = server(|_| {}).await;
    let keyring = keyring_core::mock::Store::new().expect("mock keyring");
    let store = || -> Arc<dyn TokenStore> {
        Arc::new(KeyringStore::new(
            keyring.clone(),
            "mock keyring",
            &srv.base_url,
        ))
    };

    let first = ApiClient::new(&srv.base_url, store());
    first
        .sign_up(&UserCreate {
            username: "rita".into(),
            email: "rita@example.com".into(),
            password: "rita-password".into(),
        })
        .await
        .expect("sign up");
    first.login("rita", "rita-password").await.expect("login");
    assert!(store().load().is_some(), "the session is in the keyring");

    // A new process: a fresh client over the same keyring; no key is pressed.
    let mut h = Harness::live(
        ApiClient::new(&srv.base_url, store()),
        Options::default(),
        80,
        24,
    );
    h.app.start();
    let s = assert_shows(
        h.wait_for("My orders", WAIT).await,
        "the orders, straight away",
    );
    assert!(s.contains("rita"), "{s}");

    // Logging out forgets it.
    h.key(KeyCode::Char('L'));
    h.key(KeyCode::Char('y'));
    h.idle(WAIT).await.expect("logout settles");
    assert!(store().load().is_none(), "logout clears the keyring");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_silently() {
    let srv = server(|s| s.access_token_ttl = Duration::from_secs(1)).await;
    let keyring = keyring_core::mock::Store::new().expect("mock keyring");
    let store: Arc<dyn TokenStore> =
        Arc::new(KeyringStore::new(keyring, "mock keyring", &srv.base_url));
    let api = ApiClient::new(&srv.base_url, store.clone());
    api.sign_up(&UserCreate {
        username: "tess".into(),
        email: "tess@example.com".into(),
        password: "tess-password".into(),
    })
    .await
    .expect("sign up");
    api.login("tess", "tess-password").await.expect("login");
    let before = store.load().expect("saved");

    let mut h = app_for(api.clone(), "My orders").await;
    h.idle(WAIT).await.expect("settles");
    tokio::time::sleep(Duration::from_millis(2100)).await;

    // The access token has expired: creating an order must just work.
    h.key(KeyCode::Char('n'));
    let s = assert_shows(h.wait_for("No items yet", WAIT).await, "the new order");
    assert!(!s.contains("Sign in") && !s.contains(SESSION_ENDED), "{s}");
    assert_eq!(h.app.route, Route::Detail);
    assert!(
        h.app.ctx.status.as_ref().is_none_or(|s| !s.error),
        "no error shown: {:?}",
        h.app.ctx.status
    );
    let after = store.load().expect("still saved");
    assert_ne!(
        before.refresh_token, after.refresh_token,
        "the rotated pair is saved"
    );

    // Several requests failing together: every one succeeds.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let calls = (0..5).map(|_| api.me());
    for r in futures::future::join_all(calls).await {
        assert!(r.is_ok(), "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_refresh_sends_the_user_to_the_login_screen() {
    let srv = server(|_| {}).await;
    let api = signed_in_api(&srv, "uma").await;
    let mut h = app_for(api, "My orders").await;
    h.idle(WAIT).await.expect("settles");

    // Elsewhere, the user ends every session: this one's refresh token stops working.
    let other = ApiClient::with_memory(&srv.base_url);
    other
        .login("uma", "uma-password")
        .await
        .expect("second login");
    other.logout(true).await.expect("logout everywhere");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    h.key(KeyCode::Char('r'));
    let s = assert_shows(
        h.wait_for(SESSION_ENDED, WAIT).await,
        "the session-ended message",
    );
    assert_eq!(h.app.route, Route::Login, "{s}");
    assert!(s.contains("Sign in"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_runs_the_menu_and_the_accounts() {
    let srv = server(|_| {}).await;
    comanda_server::create_admin_with(
        &srv.database_url,
        "chef",
        "chef@example.com",
        "chef-password",
        HashParams::TESTING,
    )
    .await
    .expect("admin");
    let target = signed_in_api(&srv, "vera").await;
    let admin = ApiClient::with_memory(&srv.base_url);
    admin
        .login("chef", "chef-password")
        .await
        .expect("admin login");
    let mut h = app_for(admin.clone(), "My orders").await;
    assert!(h.app.is_admin(), "signed in as an admin");

    // Menu: toggle the first item's availability, then change its price.
    h.key(KeyCode::Char('2'));
    assert_shows(h.wait_for("Available", WAIT).await, "the admin menu");
    h.idle(WAIT).await.expect("menu loaded");
    let first = h
        .app
        .screens
        .menu
        .visible()
        .first()
        .map(|i| (*i).clone())
        .expect("a menu item");
    h.key(KeyCode::Char('t'));
    assert_shows(
        h.wait_for("Marked unavailable", WAIT).await,
        "the availability change",
    );
    h.key(KeyCode::Char('e'));
    assert_shows(h.wait_for("Price of", WAIT).await, "the price prompt");
    h.ctrl('u');
    h.chars("12.50");
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("Price changed", WAIT).await, "the new price");
    let menu = admin.menu(true).await.expect("menu");
    let now = menu
        .items
        .iter()
        .find(|i| i.id == first.id)
        .expect("still there");
    assert_eq!((now.price_cents, now.available), (1250, false));

    // A new item.
    h.key(KeyCode::Char('n'));
    h.chars("Diavola Picante");
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.chars("large");
    h.key(KeyCode::Tab);
    h.chars("41.90");
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("Menu item added", WAIT).await, "the new item");
    assert!(
        admin
            .menu(true)
            .await
            .expect("menu")
            .items
            .iter()
            .any(|i| i.flavor == "Diavola Picante" && i.price_cents == 4190)
    );

    // Users: search, promote, deactivate, delete.
    h.key(KeyCode::Char('4'));
    assert_shows(h.wait_for("Users", WAIT).await, "the users tab");
    h.key(KeyCode::Char('/'));
    h.chars("vera");
    h.key(KeyCode::Enter);
    assert_shows(
        h.wait_until(
            |s| s.contains("vera@example.com") && !s.contains("chef@example.com"),
            WAIT,
        )
        .await,
        "the search",
    );
    h.key(KeyCode::Char('p'));
    h.key(KeyCode::Char('y'));
    assert_shows(h.wait_for("Promoted to admin", WAIT).await, "the promotion");
    h.key(KeyCode::Char('t'));
    h.key(KeyCode::Char('y'));
    assert_shows(
        h.wait_for("Account deactivated", WAIT).await,
        "the deactivation",
    );
    assert!(
        target.me().await.is_err(),
        "a deactivated user's session stops working"
    );
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char('y'));
    assert_shows(h.wait_for("User deleted", WAIT).await, "the deletion");
    assert!(
        admin
            .list_users(&Default::default())
            .await
            .expect("users")
            .users
            .iter()
            .all(|u| u.username != "vera")
    );

    // Profile: a new email.
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('e'));
    h.ctrl('u');
    h.chars("head.chef@example.com");
    h.key(KeyCode::Enter);
    // The prompt stays open (showing the typing) until the server agrees.
    let s = assert_shows(h.wait_for("Profile saved", WAIT).await, "the saved email");
    assert!(!s.contains("Change email"), "the prompt closed: {s}");
    assert!(s.contains("head.chef@example.com"), "{s}");
    assert_eq!(admin.me().await.expect("me").email, "head.chef@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_say_reconnecting_and_come_back_after_a_server_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let start = |bind: String| {
        let database_url = database_url.clone();
        async move {
            let mut settings = Settings::for_tests(&database_url);
            settings.demo = true;
            settings.bind = bind;
            // The same key across the restart, so the session survives it.
            settings.secret_key = "a-fixed-test-key-that-is-long-enough-0123456789"
                .to_owned()
                .into();
            let app = Application::build(settings).await.expect("server builds");
            let base_url = app.base_url();
            let (tx, rx) = oneshot::channel::<()>();
            let task = tokio::spawn(app.run_with_shutdown(async move {
                let _ = rx.await;
            }));
            (base_url, tx, task)
        }
    };
    let (base_url, stop, task) = start("127.0.0.1:0".into()).await;
    let srv = TestServer {
        base_url: base_url.clone(),
        database_url: database_url.clone(),
        _dir: dir,
        _stop: oneshot::channel().0,
    };
    let customer = signed_in_api(&srv, "nina").await;
    let mut h = app_for(customer.clone(), "● live").await;

    let _ = stop.send(());
    let _ = task.await;
    assert_shows(
        h.wait_for("○ reconnecting…", WAIT).await,
        "the reconnecting marker",
    );

    let bind = base_url.trim_start_matches("http://").to_owned();
    let (_, _stop2, _task2) = start(bind).await;
    assert_shows(
        h.wait_for("● live", Duration::from_secs(20)).await,
        "the live marker again",
    );

    // An order made after the restart appears by itself.
    let menu = customer.menu(false).await.expect("menu");
    let first = menu.items.first().expect("a demo menu");
    let order = customer
        .create_order(
            &OrderCreate {
                items: vec![OrderItemCreate {
                    flavor: first.flavor.clone(),
                    size: first.size,
                    quantity: 3,
                }],
            },
            None,
        )
        .await
        .expect("order");
    assert_shows(
        h.wait_until(
            |s| s.contains("pending") && s.contains(&format!("{:>6}", order.id)),
            WAIT,
        )
        .await,
        "the new order",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_changes_the_password_logs_out_everywhere_and_deletes_the_account() {
    let srv = server(|_| {}).await;
    let api = signed_in_api(&srv, "otto").await;
    let mut h = app_for(api, "My orders").await;
    h.idle(WAIT).await.expect("settles");

    // A new password (typed twice); the session goes on.
    h.key(KeyCode::Char('3'));
    assert_shows(h.wait_for("otto@example.com", WAIT).await, "the profile");
    h.key(KeyCode::Char('p'));
    h.chars("otto-new-password");
    h.key(KeyCode::Tab);
    h.chars("otto-new-password");
    h.key(KeyCode::Enter);
    assert_shows(
        h.wait_for("Profile saved", WAIT).await,
        "the saved password",
    );
    let check = ApiClient::with_memory(&srv.base_url);
    check
        .login("otto", "otto-new-password")
        .await
        .expect("the new password works");

    // Log out everywhere: this app and the other session both end.
    h.key(KeyCode::Char('O'));
    h.key(KeyCode::Char('y'));
    assert_shows(
        h.wait_for("Logged out of every session", WAIT).await,
        "the logout",
    );
    h.idle(WAIT).await.expect("settles");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(check.me().await.is_err(), "the other session has ended too");

    // Sign in again and delete the account with the typed confirmation.
    h.chars("otto");
    h.key(KeyCode::Tab);
    h.chars("otto-new-password");
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("My orders", WAIT).await, "the orders");
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('d'));
    h.chars("otto");
    h.key(KeyCode::Enter);
    let s = assert_shows(h.wait_for("Account deleted", WAIT).await, "the deletion");
    assert_eq!(h.app.route, Route::Login, "{s}");
    let gone = ApiClient::with_memory(&srv.base_url)
        .login("otto", "otto-new-password")
        .await;
    assert!(gone.is_err(), "the account is gone");
}

/// An admin in the same server, signed in.
async fn admin_api(srv: &TestServer, name: &str) -> ApiClient {
    comanda_server::create_admin_with(
        &srv.database_url,
        name,
        &format!("{name}@example.com"),
        &format!("{name}-password"),
        HashParams::TESTING,
    )
    .await
    .expect("admin");
    let admin = ApiClient::with_memory(&srv.base_url);
    admin
        .login(name, &format!("{name}-password"))
        .await
        .expect("admin login");
    admin
}

/// Bug 1 of the trial: the picker showed old prices and unavailable items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_offers_the_menu_as_it_is_now_and_that_price_is_charged() {
    let srv = server(|_| {}).await;
    let admin = admin_api(&srv, "chef").await;
    let customer = signed_in_api(&srv, "lia").await;
    let mut h = app_for(customer, "My orders").await;
    h.idle(WAIT).await.expect("settles");
    h.key(KeyCode::Char('n'));
    assert_shows(h.wait_for("No items yet", WAIT).await, "the new order");
    h.key(KeyCode::Char('a'));
    assert_shows(
        h.wait_until(|s| s.contains("Calabresa") && s.contains("34.00"), WAIT)
            .await,
        "the picker with today's prices",
    );
    h.key(KeyCode::Esc);

    // The admin raises Calabresa small and takes Calabresa medium off the menu.
    let menu = admin.menu(true).await.expect("menu").items;
    let find = |size: comanda_common::Size| {
        menu.iter()
            .find(|i| i.flavor == "Calabresa" && i.size == size)
            .map(|i| i.id)
            .expect("on the demo menu")
    };
    let patch = |price: Option<i64>, available: Option<bool>| comanda_common::MenuItemPatch {
        price_cents: price,
        available,
    };
    admin
        .patch_menu_item(find(comanda_common::Size::Small), &patch(Some(3999), None))
        .await
        .expect("new price");
    admin
        .patch_menu_item(
            find(comanda_common::Size::Medium),
            &patch(None, Some(false)),
        )
        .await
        .expect("unavailable");

    // Opened again at once: the menu as it is now, filtered by typing.
    h.key(KeyCode::Char('a'));
    h.chars("calab");
    let s = assert_shows(
        h.wait_until(|s| s.contains("39.99"), WAIT).await,
        "the new price",
    );
    assert!(!s.contains("34.00"), "{s}");
    assert!(!s.contains("Calabresa                medium"), "{s}");
    h.key(KeyCode::Enter);
    assert_shows(
        h.wait_for("How many Calabresa (small)", WAIT).await,
        "the quantity",
    );
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("Item added", WAIT).await, "the item");
    let order = h.app.screens.detail.order.clone().expect("order shown");
    assert_eq!(order.items[0].unit_price_cents, 3999, "charged as shown");
}

/// Bug 2 of the trial: `/` searched only the rows already loaded, and not the total.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_searches_every_page_on_the_server_as_you_type() {
    let srv = server(|_| {}).await;
    let customer = signed_in_api(&srv, "ivo").await;
    let line = |flavor: &str, quantity| OrderItemCreate {
        flavor: flavor.into(),
        size: comanda_common::Size::Small,
        quantity,
    };
    // The oldest orders: two cancelled, then one of Margherita + Calabresa (66.00 on the
    // demo menu), then 63 empty ones, so all three are past the first page of 50.
    let mut cancelled = Vec::new();
    for _ in 0..2 {
        let o = customer
            .create_order(
                &OrderCreate {
                    items: vec![line("Margherita", 1)],
                },
                None,
            )
            .await
            .expect("order");
        customer.cancel_order(o.id).await.expect("cancel");
        cancelled.push(o.id);
    }
    let big = customer
        .create_order(
            &OrderCreate {
                items: vec![line("Margherita", 1), line("Calabresa", 1)],
            },
            None,
        )
        .await
        .expect("order");
    for _ in 0..63 {
        customer
            .create_order(&OrderCreate::default(), None)
            .await
            .expect("order");
    }
    let total = comanda_common::validate::format_cents(big.total_cents);

    let mut h = app_for(customer, "My orders").await;
    assert_shows(h.wait_for("of 50+", WAIT).await, "the first page");
    h.key(KeyCode::Char('/'));
    h.chars("cancel");
    let s = assert_shows(
        h.wait_until(|s| s.contains("1 of 2 ") && s.contains("all pages"), WAIT)
            .await,
        "both cancelled orders",
    );
    for id in &cancelled {
        assert!(s.contains(&format!("{id:>6} cancelled")), "{s}");
    }
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('/'));
    for _ in 0.."cancel".len() {
        h.key(KeyCode::Backspace);
    }
    h.chars(&total);
    let s = assert_shows(
        h.wait_until(
            |s| s.contains("1 of 1 ") && s.contains(&format!("{:>6}", big.id)),
            WAIT,
        )
        .await,
        "the order by its total",
    );
    assert!(s.contains(&format!("“{total}”")), "{s}");
    // Esc clears the search: every order again.
    h.key(KeyCode::Esc);
    assert_shows(h.wait_for("of 50+", WAIT).await, "the whole list again");
}

/// `+`, `-` and `e` change the selected line through `PATCH /orders/{id}/items/{item_id}`;
/// a refused quantity stays in the prompt with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plus_minus_and_e_change_a_line_on_the_server() {
    let srv = server(|_| {}).await;
    let customer = signed_in_api(&srv, "rui").await;
    let order = customer
        .create_order(
            &OrderCreate {
                items: vec![OrderItemCreate {
                    flavor: "Margherita".into(),
                    size: comanda_common::Size::Small,
                    quantity: 2,
                }],
            },
            None,
        )
        .await
        .expect("order");
    let mut h = app_for(customer.clone(), "My orders").await;
    h.idle(WAIT).await.expect("settles");
    h.key(KeyCode::Enter);
    assert_shows(h.wait_for("Margherita", WAIT).await, "the order");
    h.idle(WAIT).await.expect("loaded");

    h.key(KeyCode::Char('+'));
    assert_shows(h.wait_for("Quantity changed", WAIT).await, "one more");
    h.idle(WAIT).await.expect("settles");
    let now = customer.order(order.id).await.expect("order");
    assert_eq!(now.items[0].quantity, 3);
    assert_eq!(now.total_cents, 3 * now.items[0].unit_price_cents);

    h.key(KeyCode::Char('-'));
    h.idle(WAIT).await.expect("settles");
    assert_eq!(
        customer.order(order.id).await.expect("order").items[0].quantity,
        2
    );

    h.key(KeyCode::Char('e'));
    assert_shows(h.wait_for("How many Margherita", WAIT).await, "the prompt");
    h.chars("120");
    h.key(KeyCode::Enter);
    let s = assert_shows(
        h.wait_until(|s| s.contains("99") && s.contains("How many"), WAIT)
            .await,
        "the refusal in the prompt",
    );
    assert!(s.contains("120"), "the typing kept: {s}");
    h.ctrl('u');
    h.chars("5");
    h.key(KeyCode::Enter);
    let s = assert_shows(
        h.wait_until(|s| !s.contains("How many"), WAIT).await,
        "the prompt closed",
    );
    assert!(s.contains("Quantity changed"), "{s}");
    assert_eq!(
        customer.order(order.id).await.expect("order").items[0].quantity,
        5
    );

    // `n` on the orders: a new order, also sent with a key.
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('n'));
    assert_shows(h.wait_for("No items yet", WAIT).await, "the new order");
    h.idle(WAIT).await.expect("settles");
    // Each change went with its own Idempotency-Key: the server keeps each answer under its
    // key, per user (+, -, e 5: three 200s; n: one 201).
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(&srv.database_url)
        .await
        .expect("the server's database");
    let kept: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT k.status, COUNT(DISTINCT k.idem_key) FROM idempotency_keys k \
         JOIN users u ON u.id = k.user_id WHERE u.username = 'rui' AND k.status < 300 \
         GROUP BY k.status ORDER BY k.status",
    )
    .fetch_all(&mut db)
    .await
    .expect("the kept answers");
    assert_eq!(
        kept,
        vec![(200, 3), (201, 1)],
        "the app sends an Idempotency-Key"
    );
}

/// Issue 11: a customer's new order reaches an admin's board within a second, by itself and
/// with the bell; marking it and an empty order and pressing `f` `y` finishes the one and
/// reports why the other was not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_order_reaches_the_admins_board_within_a_second_and_f_finishes_the_marked() {
    let srv = server(|_| {}).await;
    let admin = admin_api(&srv, "cook").await;
    let customer = signed_in_api(&srv, "nina").await;
    let mut h = app_for(admin, "My orders").await;
    h.key(KeyCode::Char('5'));
    assert_shows(
        h.wait_until(|s| s.contains("Board ·") && s.contains("● live"), WAIT)
            .await,
        "the live board",
    );
    h.idle(WAIT).await.expect("the board loads");
    let bells = h.app.ctx.bells;

    let menu = customer.menu(false).await.expect("menu");
    let first = menu.items.first().expect("a demo menu").clone();
    let sent = std::time::Instant::now();
    let order = customer
        .create_order(
            &OrderCreate {
                items: vec![OrderItemCreate {
                    flavor: first.flavor.clone(),
                    size: first.size,
                    quantity: 2,
                }],
            },
            None,
        )
        .await
        .expect("order");
    let line = format!("2 × {} {}", first.flavor, first.size.as_str());
    let on_board =
        |h: &Harness, id: i64| h.app.screens.board.cards.iter().any(|c| c.order.id == id);
    // No key is pressed: only the live stream's events and ticks are applied.
    let s = assert_shows(
        h.wait_until(|s| s.contains(&line), Duration::from_secs(5))
            .await,
        "the new order on the board",
    );
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}:\n{s}");
    assert!(on_board(&h, order.id));
    assert_eq!(h.app.ctx.bells, bells + 1, "the bell rang for it");
    assert_shows(h.wait_for("nina", WAIT).await, "the customer's name");

    let empty = customer
        .create_order(&OrderCreate::default(), None)
        .await
        .expect("an empty order");
    let end = std::time::Instant::now() + WAIT;
    while !on_board(&h, empty.id) && std::time::Instant::now() < end {
        h.settle(Duration::from_millis(50)).await;
    }
    assert!(on_board(&h, empty.id), "{}", h.screen());
    // The two newest are the last rows: mark both, then finish.
    h.key(KeyCode::Char('G'));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('f'));
    assert_shows(
        h.wait_for(
            &format!("Finish 2 orders (#{}, #{})?", order.id, empty.id),
            WAIT,
        )
        .await,
        "the question",
    );
    h.key(KeyCode::Char('y'));
    let s = assert_shows(
        h.wait_for("not finished", WAIT).await,
        "the report of each order",
    );
    let status = h.app.ctx.status.clone().expect("a status line");
    assert_eq!(
        status.text,
        format!(
            "Finished #{} · not finished: #{} Order has no items",
            order.id, empty.id
        ),
        "{s}"
    );
    assert!(!on_board(&h, order.id), "the finished order left");
    assert!(on_board(&h, empty.id), "the empty one stays");
    assert_eq!(
        h.app
            .screens
            .board
            .marked
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![empty.id],
        "and stays marked"
    );
    let finished = customer.order(order.id).await.expect("the order");
    assert_eq!(finished.status, comanda_common::OrderStatus::Finished);
}

/// Issue 11: the sessions list (Profile, `s`) shows where the user is signed in, named by
/// the app's `User-Agent`; ending another session there logs that other client out, and
/// ending this one is a logout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_session_from_the_list_logs_that_other_client_out() {
    let srv = server(|_| {}).await;
    let here = signed_in_api(&srv, "olga").await;
    let there = ApiClient::with_memory(&srv.base_url);
    there
        .login("olga", "olga-password")
        .await
        .expect("a second session");
    let mut elsewhere = app_for(there, "My orders").await;
    assert_shows(
        elsewhere.wait_for("● live", WAIT).await,
        "the other app, live",
    );

    let mut h = app_for(here, "My orders").await;
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('s'));
    let s = assert_shows(h.wait_for("Sessions · 2", WAIT).await, "the sessions");
    assert!(s.contains("127.0.0.1") && s.contains("comanda/"), "{s}");
    let agent = comanda_tui::api::user_agent();
    assert!(agent.starts_with(&format!("comanda/{} (", env!("CARGO_PKG_VERSION"))));
    assert!(
        h.app
            .screens
            .sessions
            .sessions
            .iter()
            .all(|x| x.user_agent.as_deref() == Some(agent.as_str())),
        "each session is named by the app's User-Agent"
    );
    while h.app.screens.sessions.sessions[h.app.screens.sessions.selected_row()].current {
        h.key(KeyCode::Down);
    }
    h.key(KeyCode::Char('d'));
    assert_shows(
        h.wait_for("End the session of comanda/", WAIT).await,
        "the question",
    );
    h.key(KeyCode::Char('y'));
    assert_shows(h.wait_for("Sessions · 1", WAIT).await, "one session left");

    // The other app, with no key pressed, is sent to the login screen.
    let s = assert_shows(
        elsewhere.wait_for("Sign in", WAIT).await,
        "the other client logged out",
    );
    assert!(s.contains(SESSION_ENDED), "{s}");

    // Ending this one is a logout.
    h.key(KeyCode::Char('d'));
    assert_shows(
        h.wait_for("End this session? You are logged out here.", WAIT)
            .await,
        "the question",
    );
    h.key(KeyCode::Char('y'));
    assert_shows(h.wait_for("Sign in", WAIT).await, "logged out here");
    h.idle(WAIT).await.expect("the logout settles");
    let gone = h.app.ctx.api.me().await;
    assert!(gone.is_err(), "this session ended on the server");
}
