//! Every screen in its main states, drawn at 80×24 and 60×16 from fixed data and a fixed
//! clock. Review changes with `cargo insta review`; CI (CI=true) fails on any changed frame.

use comanda_tui::api::ApiClient;
use comanda_tui::app::{DemoAccounts, Event, Live, Options};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, menu, orders, user};
use comanda_tui::screens::detail::{Popup, Yes};
use comanda_tui::screens::orders::StatusFilter;
use comanda_tui::screens::{Load, Route};
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
    h.app.ctx.clock = Clock::fixed(fixed_now());
    h.app.ctx.theme = Theme::new(false);
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
    h.app.ctx.me = Some(user(2, "maria", false));
    h.app.route = Route::Orders;
    h.app.ctx.live = Live::Live;
}

fn admin(h: &mut Harness) {
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.route = Route::Orders;
    h.app.ctx.live = Live::Live;
    h.app.ctx.names.insert(1, "admin".into());
    h.app.ctx.names.insert(2, "maria".into());
    h.app
        .ctx
        .names
        .insert(3, "a_customer_with_a_very_long_username".into());
}

fn with_orders(h: &mut Harness, n: i64) {
    h.app.screens.orders.orders = orders(n, |_| 2);
    h.app.screens.orders.load = Load::Loaded;
}

fn demo() -> Options {
    Options {
        os_keyring: false,
        demo: Some(DemoAccounts {
            admin: ("admin".into(), "admin-demo-1".into()),
            customer: ("maria".into(), "maria-demo-1".into()),
        }),
        ..Options::default()
    }
}

#[test]
fn login() {
    snap("login_empty", Options::default(), |_| {});
    snap("login_demo", demo(), |h| h.chars("maria"));
    snap("login_restoring", Options::default(), |h| {
        h.app.screens.login.restoring = true
    });
    snap("login_failed", Options::default(), |h| {
        h.chars("maria");
        h.key(KeyCode::Tab);
        h.chars("wrong-password");
        h.app.screens.login.error = Some("Incorrect email or password".into());
        h.app.screens.login.focus_password_or_identifier();
    });
    snap("login_session_ended", Options::default(), |h| {
        h.app.raise(Event::SessionEnded(Some(
            comanda_tui::api::SESSION_ENDED.into(),
        )));
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
        h.app.screens.orders.all = true;
        h.app.screens.orders.orders = orders(12, |id| id % 3 + 1);
        h.app.screens.orders.load = Load::Loaded;
    });
    snap("orders_empty", Options::default(), |h| {
        customer(h);
        h.app.screens.orders.load = Load::Loaded;
    });
    snap("orders_loading", Options::default(), |h| {
        customer(h);
        h.app.ctx.live = Live::Connecting;
        h.key(KeyCode::Char('r'));
    });
    snap("orders_error", Options::default(), |h| {
        customer(h);
        h.app.screens.orders.load = Load::Failed("cannot reach http://127.0.0.1:8000".into());
        h.app.ctx.set_error("cannot reach http://127.0.0.1:8000");
        h.app.ctx.live = Live::Reconnecting;
    });
    snap("orders_filtered_reconnecting", Options::default(), |h| {
        customer(h);
        with_orders(h, 30);
        h.app.screens.orders.status = StatusFilter::Only(comanda_common::OrderStatus::Pending);
        h.app
            .screens
            .orders
            .orders
            .retain(|o| o.status == comanda_common::OrderStatus::Pending);
        h.app.ctx.live = Live::Reconnecting;
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

/// Order `id` on the order screen, as if opened from the list (its reload not answered).
fn open_detail(h: &mut Harness, id: i64) {
    let order = h
        .app
        .screens
        .orders
        .orders
        .iter()
        .find(|o| o.id == id)
        .cloned();
    h.app.screens.detail.open(id, order, &mut h.app.ctx);
    h.app.route = Route::Detail;
    h.app.ctx.pending.clear();
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
        h.app.screens.orders.orders = orders(12, |id| id % 3 + 1);
        h.app.screens.orders.load = Load::Loaded;
        open_detail(h, 10); // finished, another customer
    });
    snap("detail_empty_pending", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        if let Some(o) = h.app.screens.orders.orders.iter_mut().find(|o| o.id == 7) {
            o.items.clear();
            o.total_cents = 0;
        }
        open_detail(h, 7);
    });
    snap("detail_loading", Options::default(), |h| {
        customer(h);
        h.app.screens.detail.open(42, None, &mut h.app.ctx);
        h.app.route = Route::Detail;
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
        open_detail(h, 11);
        h.key(KeyCode::Char('a'));
        // The menu asked for when the picker opened has arrived.
        h.app.screens.detail.menu.set(menu());
        h.key(KeyCode::Down);
    });
    snap("detail_quantity", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        open_detail(h, 11);
        h.key(KeyCode::Char('a'));
        h.app.screens.detail.menu.set(menu());
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
        h.app.screens.menu.items = menu().into_iter().filter(|i| i.available).collect();
        h.app.screens.menu.load = Load::Loaded;
    });
    snap("menu_admin", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Menu;
        h.app.screens.menu.items = menu();
        h.app.screens.menu.load = Load::Loaded;
        h.key(KeyCode::Char('G'));
    });
    snap("menu_admin_new_item", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Menu;
        h.app.screens.menu.items = menu();
        h.app.screens.menu.load = Load::Loaded;
        h.key(KeyCode::Char('n'));
        h.chars("Calabresa Especial da Casa com Borda Recheada");
        h.key(KeyCode::Tab);
        // The size is a choice: letters that start no size are refused.
        h.chars("huge");
        h.key(KeyCode::Right);
        h.key(KeyCode::Tab);
        h.chars("12.345");
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
        h.app.screens.users.users = users;
        h.app.screens.users.load = Load::Loaded;
        h.key(KeyCode::Down);
    });
    snap("users_promote_confirm", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Users;
        h.app.screens.users.users = vec![user(1, "admin", true), user(2, "maria", false)];
        h.app.screens.users.load = Load::Loaded;
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('p'));
    });
    snap("users_search_empty", Options::default(), |h| {
        admin(h);
        h.app.route = Route::Users;
        h.app.screens.users.search.set("nobody");
        h.app.screens.users.load = Load::Loaded;
    });
}

/// Pending orders for the board: oldest first, 25, 14 and 3 minutes old, and one that has
/// just arrived (highlighted), of three customers (one with a long name).
fn board_cards(h: &mut Harness) {
    use comanda_tui::screens::board::Card;
    let mut list: Vec<_> = orders(12, |id| 1 + id % 3);
    list.retain(|o| o.status == comanda_common::OrderStatus::Pending || o.id == 12);
    list.reverse();
    let ages = [25, 14, 3, 0];
    h.app.screens.board.cards = list
        .into_iter()
        .zip(ages)
        .map(|(mut order, minutes)| {
            order.status = comanda_common::OrderStatus::Pending;
            order.created_at = fixed_now() - chrono::Duration::minutes(minutes);
            Card {
                arrived: (minutes == 0).then(fixed_now),
                order,
            }
        })
        .collect();
    h.app.screens.board.load = Load::Loaded;
}

fn board(h: &mut Harness) {
    admin(h);
    h.app.route = Route::Board;
}

fn sessions_list() -> Vec<comanda_common::SessionInfo> {
    let s =
        |id: i64, current: bool, agent: Option<&str>, address: &str| comanda_common::SessionInfo {
            id,
            created_at: fixed_now() - chrono::Duration::hours(id * 5),
            last_used_at: fixed_now() - chrono::Duration::minutes(id * 3),
            user_agent: agent.map(str::to_owned),
            address: Some(address.into()),
            current,
        };
    vec![
        s(1, true, Some("comanda/0.1.0 (kitchen-till)"), "127.0.0.1"),
        s(
            2,
            false,
            Some("comanda/0.1.0 (marias-laptop.home.example.org)"),
            "192.168.10.23",
        ),
        s(3, false, Some("curl/8.5.0"), "2001:db8:1234:5678::42"),
        s(4, false, None, "10.0.0.9"),
    ]
}

#[test]
fn board_screen() {
    snap("board_loading", Options::default(), |h| {
        board(h);
        h.app.screens.board.load = Load::Loading;
    });
    snap("board_empty", Options::default(), |h| {
        board(h);
        h.app.screens.board.load = Load::Loaded;
    });
    snap("board_error", Options::default(), |h| {
        board(h);
        h.app.screens.board.load = Load::Failed("cannot reach http://127.0.0.1:8000".into());
    });
    snap("board_full", Options::default(), |h| {
        board(h);
        board_cards(h);
    });
    snap("board_marked", Options::default(), |h| {
        board(h);
        board_cards(h);
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char(' '));
    });
    snap("board_confirm_finish", Options::default(), |h| {
        board(h);
        board_cards(h);
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char(' '));
        h.key(KeyCode::Char('f'));
    });
    snap("board_help", Options::default(), |h| {
        board(h);
        board_cards(h);
        h.key(KeyCode::Char('?'));
    });
}

#[test]
fn sessions_screen() {
    let open = |h: &mut Harness| {
        customer(h);
        h.app.route = Route::Sessions;
    };
    snap("sessions_loading", Options::default(), |h| {
        open(h);
        h.app.screens.sessions.load = Load::Loading;
    });
    snap("sessions_error", Options::default(), |h| {
        open(h);
        h.app.screens.sessions.load = Load::Failed("Not authenticated".into());
    });
    snap("sessions_empty", Options::default(), |h| {
        open(h);
        h.app.screens.sessions.load = Load::Loaded;
    });
    snap("sessions_full", Options::default(), |h| {
        open(h);
        h.app.screens.sessions.sessions = sessions_list();
        h.app.screens.sessions.load = Load::Loaded;
        h.key(KeyCode::Down);
    });
    snap("sessions_confirm_end", Options::default(), |h| {
        open(h);
        h.app.screens.sessions.sessions = sessions_list();
        h.app.screens.sessions.load = Load::Loaded;
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('d'));
    });
}

#[test]
fn customers_have_no_users_tab() {
    let mut h = harness(80, 24, Options::default());
    customer(&mut h);
    h.key(KeyCode::Char('4'));
    assert_eq!(h.app.route, Route::Orders);
    h.key(KeyCode::Char('?'));
    assert!(h.app.help.is_some());
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
        &h.app.screens.detail.popup,
        Some(Popup::Confirm(c)) if c.on_yes == Yes::Cancel
    ));
    h.key(KeyCode::Char('n'));
    assert!(h.app.screens.detail.popup.is_none());
    assert!(h.app.ctx.pending.is_empty(), "n must not send anything");
    h.key(KeyCode::Char('c'));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.ctx.busy_label(), Some("cancelling"));
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.route, Route::Orders);
    assert!(!h.app.quit);
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit);
    let mut h = harness(80, 24, Options::default());
    h.ctrl('c');
    assert!(h.app.quit, "Ctrl-C quits even from a text field");
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
        h.app.screens.menu.load = Load::Failed("the server failed (500); try again later".into());
        h.app
            .ctx
            .set_error("the server failed (500); try again later");
    });
    snap("login_no_keyring", Options::default(), |h| {
        h.app
            .ctx
            .set_info("No OS keyring found: this session is kept in memory only");
    });
    snap("detail_error", Options::default(), |h| {
        customer(h);
        open_detail(h, 404);
        h.app.screens.detail.load = Load::Failed("Order not found".into());
        h.app.ctx.set_error("Order not found");
    });
    snap("orders_admin_help_then_esc", Options::default(), |h| {
        admin(h);
        with_orders(h, 3);
        h.key(KeyCode::Char('?'));
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('m'));
    });
}

#[test]
fn trial_states() {
    // Help on a 40×10 terminal scrolls (here after two lines down).
    let mut h = harness(40, 10, Options::default());
    customer(&mut h);
    with_orders(&mut h, 5);
    h.key(KeyCode::Char('?'));
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    insta::assert_snapshot!("orders_help_scrolled@40x10", h.screen());
    // `e` on a line: its quantity, typed.
    snap("detail_line_quantity", Options::default(), |h| {
        customer(h);
        with_orders(h, 12);
        open_detail(h, 11);
        h.key(KeyCode::Down);
        h.key(KeyCode::Char('e'));
        h.chars("4");
    });
    // The orders searched with `/`, typing done (Enter): the scope stays said.
    snap("orders_searched", Options::default(), |h| {
        customer(h);
        h.key(KeyCode::Char('/'));
        h.chars("8");
        h.key(KeyCode::Enter);
        h.app.screens.orders.orders = orders(12, |_| 2)
            .into_iter()
            .filter(|o| o.id == 8)
            .collect();
        h.app.screens.orders.load = Load::Loaded;
        h.app.ctx.pending.clear();
    });
}
