//! `comanda`'s commands end to end: a real server on a random port (temp SQLite, demo data),
//! each command run as a fresh process would (a new `ApiClient` over one mock keyring),
//! asserting stdout, stderr and the exit status of CLI.md.

use std::sync::Arc;
use std::time::Duration;

use comanda_common::{MenuList, Order, OrderList, OrderStatus, UserList, UserPublic};
use comanda_server::{Application, Settings};
use comanda_tui::api::ApiClient;
use comanda_tui::commands::{Capture, ExitStatus, Io, run_args};
use comanda_tui::store::{KeyringStore, TokenStore};
use tokio::sync::oneshot;

const WAIT: Duration = Duration::from_secs(10);

struct Server {
    url: String,
    /// `GET /metrics` of the server, when the settings asked for it.
    metrics_url: Option<String>,
    keyring: Arc<keyring_core::CredentialStore>,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

async fn server(tweak: impl FnOnce(&mut Settings)) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let mut settings = Settings::for_tests(&database_url);
    settings.demo = true;
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("server builds");
    let url = app.base_url();
    let metrics_url = app.metrics_url();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = rx.await;
    }));
    Server {
        url,
        metrics_url,
        keyring: keyring_core::mock::Store::new().expect("mock keyring"),
        _dir: dir,
        _stop: tx,
    }
}

/// What one run of `comanda ARGS` printed and its exit status.
#[derive(Debug)]
struct Run {
    out: String,
    err: String,
    status: ExitStatus,
}

impl Server {
    fn store(&self) -> Arc<dyn TokenStore> {
        Arc::new(KeyringStore::new(
            self.keyring.clone(),
            "mock keyring",
            &self.url,
        ))
    }

    /// A fresh client over the shared keyring: what a new `comanda` process sees.
    fn client(&self) -> ApiClient {
        ApiClient::new(&self.url, self.store())
    }

    async fn run_with(&self, args: &[&str], stdin: &str) -> Run {
        let (mut io, out, err) = Io::capture(stdin, false);
        let status = run_args(args, &self.client(), &mut io).await;
        Run {
            out: out.text(),
            err: err.text(),
            status,
        }
    }

    async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, "").await
    }

    /// `comanda login --username U --password-stdin` with the demo password of `user`.
    async fn login(&self, user: &str) {
        let password = match user {
            "admin" => "admin-demo-1\n",
            _ => "maria-demo-1\n",
        };
        let r = self
            .run_with(&["login", "--username", user, "--password-stdin"], password)
            .await;
        assert_eq!(r.status, ExitStatus::Done, "{r:?}");
    }
}

fn ok(r: &Run) -> &str {
    assert_eq!(r.status, ExitStatus::Done, "{r:?}");
    assert_eq!(r.err, "", "nothing on stderr: {r:?}");
    &r.out
}

fn failed(r: &Run, status: ExitStatus, line: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.err, format!("{line}\n"), "one line on stderr: {r:?}");
    assert_eq!(r.out, "", "nothing on stdout: {r:?}");
}

fn json<T: serde::de::DeserializeOwned>(r: &Run) -> T {
    let text = ok(r);
    assert_eq!(text.lines().count(), 1, "one JSON document: {text}");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not the common type ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_whoami_logout_and_not_signed_in() {
    let srv = server(|_| {}).await;
    failed(
        &srv.run(&["whoami"]).await,
        ExitStatus::NotSignedIn,
        "not signed in: run comanda login",
    );
    let r = srv
        .run_with(
            &["login", "--username", "maria", "--password-stdin"],
            "wrong-password\n",
        )
        .await;
    failed(&r, ExitStatus::NotSignedIn, "Incorrect email or password");

    let r = srv
        .run_with(
            &["login", "--username", "maria", "--password-stdin"],
            "maria-demo-1\n",
        )
        .await;
    assert_eq!(
        ok(&r),
        format!("Signed in as maria (customer) on {}\n", srv.url)
    );
    assert!(
        srv.store().load().is_some(),
        "the session is in the keyring"
    );

    let text = srv.run(&["whoami"]).await;
    let lines: Vec<&str> = ok(&text).lines().collect();
    assert_eq!(lines.len(), 2, "{text:?}");
    assert!(lines[0].starts_with("ID  USERNAME  EMAIL"), "{text:?}");
    assert!(
        lines[1].contains("maria") && lines[1].contains("customer"),
        "{text:?}"
    );
    let me: UserPublic = json(&srv.run(&["whoami", "--json"]).await);
    assert_eq!(me.username, "maria");

    assert_eq!(ok(&srv.run(&["logout"]).await), "Logged out\n");
    assert!(srv.store().load().is_none(), "forgotten");
    failed(
        &srv.run(&["whoami"]).await,
        ExitStatus::NotSignedIn,
        "not signed in: run comanda login",
    );
    failed(
        &srv.run(&["logout"]).await,
        ExitStatus::NotSignedIn,
        "not signed in: run comanda login",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_from_new_to_finished() {
    let srv = server(|_| {}).await;
    srv.login("maria").await;

    let order: Order = json(
        &srv.run(&["order", "new", "margherita:LARGE:2", "--json"])
            .await,
    );
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.items.len(), 1);
    assert_eq!(
        (order.items[0].flavor.as_str(), order.items[0].quantity),
        ("Margherita", 2),
        "the flavor takes the menu's spelling"
    );
    assert_eq!(order.total_cents, 2 * 5200);
    let id = order.id.to_string();

    let shown = srv.run(&["order", "show", &id]).await;
    let text = ok(&shown);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(&format!("Order {id} · pending · total 104.00 · created ")),
        "{text}"
    );
    assert_eq!(lines[1], "");
    assert_eq!(
        lines[2], "ITEM  FLAVOR      SIZE   QTY   UNIT  SUBTOTAL",
        "{text}"
    );
    assert!(
        lines[3].ends_with("Margherita  large    2  52.00    104.00"),
        "{text}"
    );

    let added: Order = json(
        &srv.run(&["order", "add", &id, "Calabresa:small", "--json"])
            .await,
    );
    assert_eq!(added.items.len(), 2);
    let line = added
        .items
        .iter()
        .find(|i| i.flavor == "Calabresa")
        .expect("added");

    let set: Order = json(
        &srv.run(&["order", "set", &id, &line.id.to_string(), "3", "--json"])
            .await,
    );
    let changed = set
        .items
        .iter()
        .find(|i| i.id == line.id)
        .expect("the line");
    assert_eq!(changed.quantity, 3);
    assert_eq!(set.total_cents, 2 * 5200 + 3 * changed.unit_price_cents);
    failed(
        &srv.run(&["order", "set", &id, &line.id.to_string(), "100"])
            .await,
        ExitStatus::Refused,
        "quantity: Quantity must be between 1 and 99",
    );

    let removed: Order = json(
        &srv.run(&["order", "remove", &id, &line.id.to_string(), "--json"])
            .await,
    );
    assert_eq!(removed.items.len(), 1);

    let finished: Order = json(&srv.run(&["order", "finish", &id, "--json"]).await);
    assert_eq!(finished.status, OrderStatus::Finished);
    // Finishing again is harmless; cancelling or changing a finished order is refused (1).
    ok(&srv.run(&["order", "finish", &id]).await);
    failed(
        &srv.run(&["order", "cancel", &id]).await,
        ExitStatus::Refused,
        "Finished orders cannot be cancelled",
    );
    failed(
        &srv.run(&["order", "add", &id, "Margherita:small"]).await,
        ExitStatus::Refused,
        "Order is not pending",
    );
    let cancelled: Order = json(&srv.run(&["order", "new", "--json"]).await);
    let c: Order = json(
        &srv.run(&["order", "cancel", &cancelled.id.to_string(), "--json"])
            .await,
    );
    assert_eq!(c.status, OrderStatus::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_usage_errors_have_their_exit_status() {
    let srv = server(|_| {}).await;
    srv.login("maria").await;
    failed(
        &srv.run(&["order", "new", "Nope:large"]).await,
        ExitStatus::Refused,
        "Item not on the menu",
    );
    failed(
        &srv.run(&["order", "new", "Margherita:large:0"]).await,
        ExitStatus::Refused,
        "quantity: Quantity must be between 1 and 99",
    );
    failed(
        &srv.run(&["order", "show", "999999"]).await,
        ExitStatus::Refused,
        "Order not found",
    );
    failed(
        &srv.run(&["order", "new", "Margherita:huge"]).await,
        ExitStatus::Usage,
        "invalid ITEM \"Margherita:huge\": the size must be small, medium or large (expected FLAVOR:SIZE[:QTY], e.g. \"Margherita:large:2\")",
    );
    for args in [
        &["order", "set", "1"][..],
        &["orders", "--user", "3"],
        &["orders", "--status", "done"],
        &["frobnicate"],
        &["order", "add", "1"],
    ] {
        let r = srv.run(args).await;
        assert_eq!(r.status, ExitStatus::Usage, "{args:?}: {r:?}");
        assert!(r.err.starts_with("error: "), "{args:?}: {r:?}");
        assert_eq!(r.out, "");
    }
    failed(
        &srv.run(&["orders", "--all"]).await,
        ExitStatus::Refused,
        "Not enough permissions",
    );
    failed(
        &srv.run(&["users"]).await,
        ExitStatus::Refused,
        "Not enough permissions",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn menu_orders_and_users_as_tables_and_json() {
    let srv = server(|_| {}).await;
    // The menu needs no session.
    let menu: MenuList = json(&srv.run(&["menu", "--json"]).await);
    assert_eq!(menu, srv.client().menu(false).await.expect("menu"));
    let table = srv.run(&["menu"]).await;
    let lines: Vec<&str> = ok(&table).lines().collect();
    assert!(lines[0].starts_with("ID  FLAVOR"), "{lines:?}");
    assert!(lines[0].ends_with("SIZE    PRICE"), "{lines:?}");
    assert_eq!(lines.len(), menu.items.len() + 1);
    let m = lines
        .iter()
        .find(|l| l.contains("Margherita") && l.contains("large"))
        .expect("a row");
    assert!(m.ends_with("large   52.00"), "{m}");

    srv.login("maria").await;
    let first: Order = json(
        &srv.run(&["order", "new", "Margherita:small", "--json"])
            .await,
    );
    let second: Order = json(
        &srv.run(&["order", "new", "Margherita:small:3", "--json"])
            .await,
    );
    ok(&srv.run(&["order", "finish", &second.id.to_string()]).await);

    let list: OrderList = json(&srv.run(&["orders", "--json"]).await);
    let ids: Vec<i64> = list.orders.iter().map(|o| o.id).collect();
    assert!(
        ids.starts_with(&[second.id, first.id]),
        "newest first: {ids:?}"
    );
    let finished: OrderList = json(&srv.run(&["orders", "--status", "finished", "--json"]).await);
    assert!(
        finished
            .orders
            .iter()
            .all(|o| o.status == OrderStatus::Finished)
    );
    assert!(finished.orders.iter().any(|o| o.id == second.id));
    let one: OrderList = json(&srv.run(&["orders", "--limit", "1", "--json"]).await);
    assert_eq!(one.orders.len(), 1);

    let table = srv.run(&["orders"]).await;
    let lines: Vec<&str> = ok(&table).lines().collect();
    assert_eq!(
        // The demo data gives maria a cancelled order of 140.00: the columns fit both.
        lines[0],
        "ID  STATUS     PIZZAS   TOTAL  CREATED",
        "{lines:?}"
    );
    assert!(
        lines[1].contains("finished") && lines[1].contains("  3  "),
        "{lines:?}"
    );
    assert!(lines[1].contains("96.00"), "{lines:?}");

    srv.login("admin").await;
    let users: UserList = json(&srv.run(&["users", "--search", "MAR", "--json"]).await);
    assert_eq!(
        users
            .users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["maria"]
    );
    let all: OrderList = json(
        &srv.run(&[
            "orders",
            "--all",
            "--user",
            &first.user_id.to_string(),
            "--json",
        ])
        .await,
    );
    assert!(all.orders.iter().all(|o| o.user_id == first.user_id));
    assert!(all.orders.len() >= 2);
    let table = srv.run(&["users"]).await;
    let text = ok(&table);
    assert!(text.starts_with("ID  USERNAME  EMAIL"), "{text}");
    assert!(text.contains("admin") && text.contains("maria"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_down_is_exit_3() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let url = format!("http://{closed}");
    let keyring = keyring_core::mock::Store::new().expect("mock keyring");
    let api = ApiClient::new(&url, Arc::new(KeyringStore::new(keyring, "mock", &url)));
    let (mut io, out, err) = Io::capture("", false);
    let status = run_args(&["menu"], &api, &mut io).await;
    assert_eq!(status, ExitStatus::Unreachable);
    assert_eq!(err.text(), format!("cannot reach {url}\n"));
    assert_eq!(out.text(), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_elsewhere_is_exit_4_and_forgotten() {
    let srv = server(|_| {}).await;
    srv.login("maria").await;
    // Elsewhere, every session of the user ends.
    let other = ApiClient::with_memory(&srv.url);
    other.login("maria", "maria-demo-1").await.expect("login");
    other.logout(true).await.expect("logout everywhere");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    failed(
        &srv.run(&["orders"]).await,
        ExitStatus::NotSignedIn,
        "not signed in: run comanda login (the session has ended)",
    );
    assert!(
        srv.store().load().is_none(),
        "the dead session is forgotten"
    );
}

/// Reads `out` until it holds `lines` lines, or panics after `WAIT`.
async fn wait_lines(out: &Capture, lines: usize, poke: impl AsyncFn()) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let text = out.text();
        if text.lines().count() >= lines {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited for {lines} lines: {text:?}"
        );
        poke().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_an_order_another_client_changed() {
    let srv = server(|_| {}).await;
    srv.login("maria").await;
    let order: Order = json(
        &srv.run(&["order", "new", "Margherita:small", "--json"])
            .await,
    );

    // People: the header when connected, then one row per event.
    let (mut io, out, err) = Io::capture("", false);
    let api = srv.client();
    let watch = tokio::spawn(async move { run_args(&["watch"], &api, &mut io).await });
    wait_lines(&out, 1, async || {}).await;
    let admin = ApiClient::with_memory(&srv.url);
    admin.login("admin", "admin-demo-1").await.expect("admin");
    admin
        .cancel_order(order.id)
        .await
        .expect("cancelled by the admin");
    let text = wait_lines(&out, 2, async || {}).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "UPDATED            ORDER   USER  STATUS     PIZZAS      TOTAL"
    );
    assert!(
        lines[1].contains(&format!("{:>6}", order.id)) && lines[1].contains("cancelled"),
        "{text}"
    );
    assert!(lines[1].ends_with("     1      32.00"), "{text}");
    watch.abort();
    assert_eq!(err.text(), "");

    // Scripts: JSON Lines, `{"id": <event id>, "order": Order}`.
    let (mut io, out, _err) = Io::capture("", false);
    let api = srv.client();
    let watch = tokio::spawn(async move { run_args(&["watch", "--json"], &api, &mut io).await });
    let customer = srv.client();
    customer.restore_session().await;
    let text = wait_lines(&out, 1, async || {
        customer
            .create_order(&Default::default(), None)
            .await
            .expect("a new order");
    })
    .await;
    watch.abort();
    let first = text.lines().next().expect("a line");
    let event: serde_json::Value = serde_json::from_str(first).expect("JSON");
    assert!(event["id"].as_u64().is_some_and(|id| id > 0), "{first}");
    let order: Order = serde_json::from_value(event["order"].clone()).expect("an Order");
    assert_eq!(order.status, OrderStatus::Pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_listed_and_ended() {
    let srv = server(|_| {}).await;
    srv.login("maria").await;
    let other = ApiClient::with_memory(&srv.url);
    other
        .login("maria", "maria-demo-1")
        .await
        .expect("a second session");

    let list: comanda_common::SessionList = json(&srv.run(&["sessions", "--json"]).await);
    assert_eq!(list.sessions.len(), 2, "{list:?}");
    let mine = list.sessions.iter().find(|s| s.current).expect("this one");
    let theirs = list
        .sessions
        .iter()
        .find(|s| !s.current)
        .expect("the other");
    let table = srv.run(&["sessions"]).await;
    let lines: Vec<&str> = ok(&table).lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("ID  THIS  STARTED"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with(&format!("{}  *", mine.id))),
        "{lines:?}"
    );

    assert_eq!(
        ok(&srv.run(&["sessions", "end", &theirs.id.to_string()]).await),
        "Session ended\n"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(other.me().await.is_err(), "the other session has ended");
    failed(
        &srv.run(&["sessions", "end", "999999"]).await,
        ExitStatus::Refused,
        "Session not found",
    );
    // Ending this very session is a logout: it is forgotten here too.
    ok(&srv.run(&["sessions", "end", &mine.id.to_string()]).await);
    assert!(srv.store().load().is_none());
    failed(
        &srv.run(&["whoami"]).await,
        ExitStatus::NotSignedIn,
        "not signed in: run comanda login",
    );
}

/// `http_requests_total` of `GET /menu` answered `status`, from the server's metrics.
async fn menu_answers(s: &Server, status: u16) -> u64 {
    let url = s.metrics_url.as_deref().expect("metrics on");
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let series = format!(r#"http_requests_total{{method="GET",route="/menu",status="{status}"}} "#);
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .map_or(0, |v| v.parse().unwrap())
}

/// The app reloads the menu each time its picker opens: an unchanged menu is revalidated
/// (304, no body) and the kept answer reused; a change comes at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_menu_is_revalidated_not_sent_again() {
    let s = server(|s| s.metrics_bind = Some("127.0.0.1:0".into())).await;
    let api = s.client();
    let first = api.menu(false).await.unwrap();
    assert!(!first.items.is_empty());
    assert_eq!(api.menu(false).await.unwrap(), first);
    assert_eq!(
        (menu_answers(&s, 200).await, menu_answers(&s, 304).await),
        (1, 1)
    );

    // Signed in as the admin: every item, kept apart from the available ones.
    api.login("admin", comanda_server::demo::ADMIN_PASSWORD)
        .await
        .unwrap();
    let all = api.menu(true).await.unwrap();
    assert_eq!(api.menu(true).await.unwrap(), all);
    assert_eq!(api.menu(false).await.unwrap(), first);
    assert_eq!(
        (menu_answers(&s, 200).await, menu_answers(&s, 304).await),
        (2, 3)
    );

    let item = &first.items[0];
    let patch = comanda_common::MenuItemPatch {
        price_cents: Some(item.price_cents + 100),
        available: None,
    };
    api.patch_menu_item(item.id, &patch).await.unwrap();
    let changed = api.menu(false).await.unwrap();
    assert_eq!(changed.items[0].price_cents, item.price_cents + 100);
    assert_eq!(menu_answers(&s, 200).await, 3, "the change was sent whole");
}
