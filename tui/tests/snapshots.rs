//! Every screen in its main states, drawn at 80×24 and 60×16 from fixed data and a fixed
//! clock. Review changes with `cargo insta review`; CI (CI=true) fails on any changed frame.

use comanda_tui::api::ApiClient;
use comanda_tui::app::{
    Confirmed, DemoAccounts, Live, Load, Options, Popup, PromptKind, Route, StatusFilter,
};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, menu, orders, user};
use comanda_tui::testing::Harness;
use comanda_tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 2] = [(80, 24), (60, 16)];

fn harness(w: u16, h: u16, options: Options) -> Harness {
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        options,
        w,
        h,
    );
    h.app.clock = Clock::fixed(fixed_now());
    h.app.theme = Theme::new(false);
    h
}

/// Snapshots `setup`'s frame at both sizes, as `<name>@80x24` and `<name>@60x16`.
fn snap(name: &str, options: Options, setup: impl Fn(&mut Harness)) {
    for (w, hgt) in SIZES {
        let mut h = harness(w, hgt, options.clone());
        setup(&mut h);
        let screen = h.screen();
        insta::assert_snapshot!(format!("{name}@{w}x{hgt}"), screen);
    }
}

fn customer(h: &mut Harness) {
    h.app.me = Some(user(2, "maria", false));
    h.app.route = Route::Orders;
    h.app.live = Live::Live;
}

fn admin(h: &mut Harness) {
    h.app.me = Some(user(1, "admin", true));
    h.app.route = Route::Orders;
    h.app.live = Live::Live;
    h.app.names.insert(1, "admin".into());
    h.app.names.insert(2, "maria".into());
    h.app
        .names
        .insert(3, "a_customer_with_a_very_long_username".into());
}

fn with_orders(h: &mut Harness, n: i64) {
    h.app.orders.orders = orders(n, |_| 2);
    h.app.orders.load = Load::Loaded;
}

fn demo() -> Options {
    Options {
        os_keyring: false,
        demo: Some(DemoAccounts {
            admin: ("admin".into(), "admin-demo-1".into()),
            customer: ("maria".into(), "maria-demo-1".into()),
        }),
    }
}

#[test]
fn login() {
    snap("login_empty", Options::default(), |_| {});
    snap("login_demo", demo(), |h| h.chars("maria"));
    snap("login_restoring", Options::default(), |h| {
        h.app.login.restoring = true
    });
    snap("login_failed", Options::default(), |h| {
        h.chars("maria");
        h.key(KeyCode::Tab);
        h.chars("wrong-password");
        h.app.login.error = Some("Incorrect email or password".into());
        h.app.login.focus_password_or_identifier();
    });
    snap("login_session_ended", Options::default(), |h| {
        h.app
            .end_session(Some(comanda_tui::api::SESSION_ENDED.into()));
    });
    snap("signup_field_errors", Options::default(), |h| {
        h.key(KeyCode::F(2));
        h.chars("x");
        h.key(KeyCode::Tab);
        h.chars("not-an-email");
        h.key(KeyCode::Tab);
        h.chars("short");
        h.key(KeyCode::Tab);
        h.chars("other");
        h.key(KeyCode::Enter);
    });
    snap("login_help", Options::default(), |h| h.key(KeyCode::F(1)));
}

#[test]
fn orders_screen() {
    snap("orders_customer", Options::default(), |h| {
        customer(h);
        with_orders(h, 30);
        h.key(KeyCode::Down);
    });
    snap("orders_admin_all", Options::default(), |h| {
        admin(h);
        h.app.orders.all = true;
        h.app.orders.orders = orders(12, |id| id % 3 + 1);
        h.app.orders.load = Load::Loaded;
    });
    snap("orders_empty", Options::default(), |h| {
        customer(h);
        h.app.orders.load = Load::Loaded;
    });
    snap("orders_loading", Options::default(), |h| {
        customer(h);
        h.app.live = Live::Connecting;
        h.key(KeyCode::Char('r'));
    });
    snap("orders_error", Options::default(), |h| {
        customer(h);
        h.app.orders.load = Load::Failed("cannot reach http://127.0.0.1:8000".into());
        h.app.set_error("cannot reach http://127.0.0.1:8000");
        h.app.live = Live::Reconnecting;
    });
    snap("orders_filtered_reconnecting", Options::default(), |h| {
        customer(h);
        with_orders(h, 30);
        h.app.orders.status = StatusFilter::Only(comanda_common::OrderStatus::Pending);
        h.app
            .orders
            .orders
            .retain(|o| o.status == comanda_common::OrderStatus::Pending);
        h.app.live = Live::Reconnecting;
    });
    snap("orders_filter_prompt", Options::default(), |h| {
        customer(h);
        with_orders(h, 5);
        h.key(KeyCode::Char('/'));
        h.chars("pend");
    });
    snap("orders_help_customer", Options::default(), |h| {
        customer(h);
        with_orders(h, 5);
        h.key(KeyCode::Char('?'));
    });
    snap("orders_help_admin", Options::default(), |h| {
        admin(h);
        with_orders(h, 5);
        h.key(KeyCode::Char('?'));
    });
    snap("logout_confirm", Options::default(), |h| {
        customer(h);
        with_orders(h, 5);
        h.key(KeyCode::Char('L'));
    });
}

fn open_detail(h: &mut Harness, id: i64) {
    let order = h.app.orders.orders.iter().find(|o| o.id == id).cloned();
    h.app.route = Route::Detail;
    h.app.detail = Some(comanda_tui::app::DetailState::new(id, order, 1));
}

#[test]
fn order_detail() {
    snap("detail_pending", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        open_detail(h, 11); // pending, 3 lines
    });
    snap("detail_finished_admin", Options::default(), |h| {
        admin(h);
        h.app.orders.orders = orders(12, |id| id % 3 + 1);
        h.app.orders.load = Load::Loaded;
        open_detail(h, 10); // finished, another customer
    });
    snap("detail_empty_pending", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        if let Some(o) = h.app.orders.orders.iter_mut().find(|o| o.id == 7) {
            o.items.clear();
            o.total_cents = 0;
        }
        open_detail(h, 7);
    });
    snap("detail_loading", Options::default(), |h| {
        customer(h);
        open_detail(h, 42);
        h.app.pending.push((1, "loading the order"));
    });
    snap("detail_confirm_cancel", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        open_detail(h, 11);
        h.key(KeyCode::Char('c'));
    });
    snap("detail_picker", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        h.app.menu.items = menu();
        h.app.menu.load = Load::Loaded;
        open_detail(h, 11);
        h.key(KeyCode::Char('a'));
        h.key(KeyCode::Down);
    });
    snap("detail_quantity", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        h.app.menu.items = menu();
        h.app.menu.load = Load::Loaded;
        open_detail(h, 11);
        h.key(KeyCode::Char('a'));
        h.key(KeyCode::Enter);
        h.ctrl('u');
        h.chars("120");
        h.key(KeyCode::Enter);
    });
    snap("detail_not_pending_error", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        open_detail(h, 10);
        h.key(KeyCode::Char('f'));
    });
}

#[test]
fn menu_screen() {
    snap("menu_customer", Options::default(), |h| {
        customer(h);
        h.app.route = Route::Menu;
        h.app.menu.items = menu().into_iter().filter(|i| i.available).collect();
        h.app.menu.load = Load::Loaded;
    });
    snap("menu_admin", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Menu;
        h.app.menu.items = menu();
        h.app.menu.load = Load::Loaded;
        h.key(KeyCode::Char('G'));
    });
    snap("menu_admin_new_item", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Menu;
        h.app.menu.items = menu();
        h.app.menu.load = Load::Loaded;
        h.key(KeyCode::Char('n'));
        h.chars("Calabresa Especial da Casa com Borda Recheada");
        h.key(KeyCode::Tab);
        h.ctrl('u');
        h.chars("huge");
        h.key(KeyCode::Enter);
    });
    snap("menu_loading", Options::default(), |h| {
        customer(h);
        h.key(KeyCode::Char('2'));
    });
}

#[test]
fn profile_and_users() {
    snap("profile", Options::default(), |h| {
        customer(h);
        h.app.route = Route::Profile;
    });
    snap("profile_delete_account", Options::default(), |h| {
        customer(h);
        h.app.route = Route::Profile;
        h.key(KeyCode::Char('d'));
        h.chars("mari");
        h.key(KeyCode::Enter);
    });
    snap("profile_logout_everywhere", Options::default(), |h| {
        customer(h);
        h.app.route = Route::Profile;
        h.key(KeyCode::Char('O'));
    });
    snap("users_admin", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Users;
        let mut users = vec![user(1, "admin", true), user(2, "maria", false)];
        let mut long = user(3, "a_customer_with_a_very_long_username", false);
        long.email = "someone.with.a.really.long.address@restaurant-example.com".into();
        long.is_active = false;
        users.push(long);
        h.app.users.users = users;
        h.app.users.load = Load::Loaded;
        h.key(KeyCode::Down);
    });
    snap("users_promote_confirm", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Users;
        h.app.users.users = vec![user(1, "admin", true), user(2, "maria", false)];
        h.app.users.load = Load::Loaded;
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('p'));
    });
    snap("users_search_empty", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Users;
        h.app.users.q = "nobody".into();
        h.app.users.load = Load::Loaded;
    });
}

#[test]
fn customers_have_no_users_tab() {
    let mut h = harness(80, 24, Options::default());
    customer(&mut h);
    h.key(KeyCode::Char('4'));
    assert_eq!(h.app.route, Route::Orders);
    h.key(KeyCode::Char('?'));
    assert!(matches!(h.app.popup, Some(Popup::Help)));
    assert!(!h.screen().contains("Users tab"));
}

#[test]
fn keys_confirm_and_quit() {
    let mut h = harness(80, 24, Options::default());
    customer(&mut h);
    with_orders(&mut h, 12);
    open_detail(&mut h, 11);
    h.key(KeyCode::Char('c'));
    assert!(matches!(
        h.app.popup,
        Some(Popup::Confirm {
            on_yes: Confirmed::CancelOrder(11),
            ..
        })
    ));
    h.key(KeyCode::Char('n'));
    assert!(h.app.popup.is_none());
    assert!(h.app.pending.is_empty(), "n must not send anything");
    h.key(KeyCode::Char('c'));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.busy_label(), Some("cancelling"));
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.route, Route::Orders);
    assert!(!h.app.quit);
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit);
    let mut h = harness(80, 24, Options::default());
    h.ctrl('c');
    assert!(h.app.quit, "Ctrl-C quits even from a text field");
    let _ = PromptKind::FilterMenu;
}

#[test]
fn resize_redraws_without_panic() {
    let mut h = harness(80, 24, Options::default());
    customer(&mut h);
    with_orders(&mut h, 30);
    for (w, ht) in [(60, 16), (20, 5), (1, 1), (200, 60), (80, 24)] {
        h.resize(w, ht);
        let s = h.screen();
        assert_eq!(s.lines().count(), ht as usize);
    }
}

#[test]
fn more_states() {
    snap("menu_error", Options::default(), |h| {
        customer(h);
        h.app.route = Route::Menu;
        h.app.menu.load = Load::Failed("the server failed (500); try again later".into());
        h.app.set_error("the server failed (500); try again later");
    });
    snap("login_no_keyring", Options::default(), |h| {
        h.app
            .set_info("No OS keyring found: this session is kept in memory only");
    });
    snap("detail_error", Options::default(), |h| {
        customer(h);
        open_detail(h, 404);
        if let Some(d) = h.app.detail.as_mut() {
            d.load = Load::Failed("Order not found".into());
        }
        h.app.set_error("Order not found");
    });
    snap("orders_admin_help_then_esc", Options::default(), |h| {
        admin(h);
        with_orders(h, 3);
        h.key(KeyCode::Char('?'));
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('m'));
    });
}
