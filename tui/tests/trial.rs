//! What a new user's trial found (TUI.md v1.1, "Fixed from a new user's trial"), each as
//! the behaviour a user notices, driven by keys and mouse without a server: the answers of
//! the server are handed to the app as they would arrive.

use std::time::Instant;

use comanda_common::{MenuItem, Order, OrderList, Size};
use comanda_tui::api::{ApiClient, ApiError};
use comanda_tui::app::{Action, DemoAccounts, Options};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, menu, orders, user};
use comanda_tui::screens::detail::Popup;
use comanda_tui::screens::{Load, Msg, Route, detail, orders as list, profile, users};
use comanda_tui::testing::Harness;
use comanda_tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

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

fn customer(w: u16, hgt: u16) -> Harness {
    let mut h = harness(w, hgt, Options::default());
    h.app.ctx.me = Some(user(2, "maria", false));
    h.app.route = Route::Orders;
    h
}

fn deliver(h: &mut Harness, msg: Msg) {
    h.app.update(Action::Done {
        task: 0,
        msg: Box::new(msg),
    });
}

fn with_orders(h: &mut Harness, n: i64) {
    h.app.screens.orders.orders = orders(n, |_| 2);
    h.app.screens.orders.load = Load::Loaded;
}

/// Order 11 (pending, three lines) on the order screen.
fn open_order_11(h: &mut Harness) {
    with_orders(h, 12);
    let order = h
        .app
        .screens
        .orders
        .orders
        .iter()
        .find(|o| o.id == 11)
        .cloned();
    h.app.screens.detail.open(11, order, &mut h.app.ctx);
    h.app.route = Route::Detail;
    h.app.ctx.pending.clear();
}

fn pending(h: &Harness) -> Vec<&'static str> {
    h.app.ctx.pending.iter().map(|(_, l)| *l).collect()
}

fn api_error(status: u16, detail: &str) -> ApiError {
    ApiError::Api {
        status,
        detail: detail.into(),
        problems: Vec::new(),
        retry_after: None,
    }
}

/// Bug 1: the picker showed the menu of when the Menu tab was loaded.
#[test]
fn the_picker_shows_the_menu_as_it_is_now() {
    let mut h = customer(80, 24);
    open_order_11(&mut h);
    // A menu loaded a moment ago: Calabresa small at 30.00, medium available.
    h.app.screens.detail.menu.set(menu());
    h.key(KeyCode::Char('a'));
    assert_eq!(pending(&h), ["loading the menu"], "asked again when opened");
    let s = h.screen();
    assert!(s.contains("Loading the menu…"), "{s}");
    assert!(
        !s.contains("small      30.00"),
        "the old prices are not offered: {s}"
    );

    // The answer: Calabresa small now 39.99, medium unavailable.
    let mut now: Vec<MenuItem> = menu();
    for i in &mut now {
        if i.flavor == "Calabresa" && i.size == Size::Small {
            i.price_cents = 3999;
        }
        if i.flavor == "Calabresa" && i.size == Size::Medium {
            i.available = false;
        }
    }
    let generation = h.app.screens.detail.menu.generation;
    deliver(
        &mut h,
        Msg::Detail(detail::Msg::Menu {
            generation,
            result: Ok(now),
        }),
    );
    // Typing filters the picker.
    h.chars("cala");
    let s = h.screen();
    assert!(
        s.contains("Calabresa                small      39.99"),
        "{s}"
    );
    assert!(
        !s.contains("Calabresa                medium"),
        "the unavailable medium is gone: {s}"
    );
    assert!(s.contains("Calabresa                large"), "{s}");
    assert!(
        !s.contains("Margherita               small"),
        "filtered: {s}"
    );
    assert!(s.contains("/ cala"), "{s}");

    // An open picker is asked again once its menu is older than a few seconds.
    h.app.ctx.pending.clear();
    h.app.update(Action::Tick);
    assert!(pending(&h).is_empty(), "fresh: not asked again");
    h.app.screens.detail.menu.at = Some(Instant::now() - detail::MENU_FRESH);
    h.app.update(Action::Tick);
    assert_eq!(pending(&h), ["loading the menu"]);
}

/// Bug 6: `?` did nothing in the picker; its keys were in no table.
#[test]
fn help_works_in_the_picker_and_lists_its_keys() {
    let mut h = customer(80, 24);
    open_order_11(&mut h);
    h.key(KeyCode::Char('a'));
    let generation = h.app.screens.detail.menu.generation;
    deliver(
        &mut h,
        Msg::Detail(detail::Msg::Menu {
            generation,
            result: Ok(menu()),
        }),
    );
    h.key(KeyCode::Char('?'));
    let s = h.screen();
    assert!(s.contains("Help: Add an item"), "{s}");
    assert!(s.contains("type to filter"), "{s}");
    assert!(s.contains("choose"), "{s}");
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.screens.detail.popup, Some(Popup::Picker(_))));
    // The footer shows the picker's keys, not the order's.
    let footer = h.screen().lines().nth(22).unwrap_or_default().to_owned();
    assert!(footer.contains("Enter choose"), "{footer}");
    assert!(!footer.contains("f finish"), "{footer}");
}

/// Bug 6: the quantity field took `abc`.
#[test]
fn the_quantity_field_takes_digits_only() {
    let mut h = customer(80, 24);
    open_order_11(&mut h);
    h.key(KeyCode::Char('a'));
    h.app.screens.detail.menu.set(menu());
    h.key(KeyCode::Enter);
    h.chars("abc");
    h.chars("3x");
    match &h.app.screens.detail.popup {
        Some(Popup::Prompt(p)) => assert_eq!(p.form.value(0), "3"),
        other => panic!("no quantity prompt: {other:?}"),
    }
    h.key(KeyCode::Enter);
    assert!(pending(&h).contains(&"adding the item"));
    assert!(h.screen().contains("Sending…"));
}

/// Bug 5: a refused prompt closed and lost the typing; later keys fell through.
#[test]
fn a_refused_prompt_stays_open_and_keys_never_fall_through() {
    let mut h = customer(80, 24);
    h.app.route = Route::Profile;
    h.key(KeyCode::Char('e'));
    h.ctrl('u');
    h.chars("taken@example.com");
    h.key(KeyCode::Enter);
    assert_eq!(pending(&h), ["saving the profile"]);
    // Keys while it is on its way do nothing behind the prompt.
    h.chars("qL1");
    assert!(!h.app.quit);
    assert_eq!(h.app.route, Route::Profile);
    deliver(
        &mut h,
        Msg::Profile(profile::Msg::Saved(Err(api_error(
            409,
            "Username or Email already exists",
        )))),
    );
    let s = h.screen();
    assert!(s.contains("Change email"), "still open: {s}");
    assert!(s.contains("taken@example.com"), "the typing kept: {s}");
    assert!(s.contains("Username or Email already exists"), "{s}");
    // Typing goes on in the field: `q` is a letter here, not "quit".
    h.ctrl('u');
    h.chars("maria.q@example.com");
    assert!(!h.app.quit);
    match &h.app.screens.profile.popup {
        Some(profile::Popup::Prompt(p)) => assert_eq!(p.form.value(0), "maria.q@example.com"),
        other => panic!("the prompt closed: {other:?}"),
    }
}

/// Bug 6: deleted users' orders stayed listed until `r`.
#[test]
fn a_deleted_users_orders_leave_the_list() {
    let mut h = harness(80, 24, Options::default());
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.route = Route::Orders;
    h.app.screens.orders.all = true;
    h.app.screens.orders.orders = orders(12, |id| id % 3 + 1);
    h.app.screens.orders.load = Load::Loaded;
    assert!(h.app.screens.orders.orders.iter().any(|o| o.user_id == 3));
    deliver(
        &mut h,
        Msg::Users(users::Msg::Deleted {
            id: 3,
            result: Ok(comanda_common::Message {
                message: "User deleted".into(),
            }),
        }),
    );
    assert!(h.app.screens.orders.orders.iter().all(|o| o.user_id != 3));
    assert_eq!(h.app.screens.orders.orders.len(), 8);
}

fn page(from: i64, n: i64) -> Vec<Order> {
    let mut all = orders(200, |_| 2);
    all.retain(|o| o.id <= 200 - from && o.id > 200 - from - n);
    all
}

/// Bug 6: after `r` far down a long list, "50 of 50" and no next page until a key.
#[test]
fn after_r_far_down_the_pages_load_until_the_selection() {
    let mut h = customer(80, 24);
    h.app.screens.orders.orders = page(0, 150);
    h.app.screens.orders.load = Load::Loaded;
    h.app.screens.orders.has_more = true;
    h.app.screens.orders.selected = 120;
    h.key(KeyCode::Char('r'));
    for (offset, expect_more) in [(0, true), (50, true), (100, false)] {
        let generation = h.app.screens.orders.generation;
        h.app.ctx.pending.clear();
        deliver(
            &mut h,
            Msg::Orders(list::Msg::Loaded {
                generation,
                offset,
                result: Ok(OrderList {
                    orders: page(offset, 50),
                }),
            }),
        );
        assert_eq!(
            pending(&h).contains(&"loading orders"),
            expect_more,
            "after the page at {offset}"
        );
        if offset == 0 {
            let s = h.screen();
            assert!(s.contains("50 of 50+ loading more"), "{s}");
        }
    }
    assert_eq!(h.app.screens.orders.orders.len(), 150);
    assert!(h.screen().contains("121 of 150+"));
}

/// Bug 6: PgDn moved 10 rows, not a screen.
#[test]
fn page_down_moves_a_screen() {
    let mut h = customer(80, 24);
    with_orders(&mut h, 100);
    h.screen();
    h.key(KeyCode::PageDown);
    // 24 lines: header, footer and status leave 21; borders and the column titles 18.
    assert_eq!(h.app.screens.orders.selected, 18);
    let s = h.screen();
    assert!(s.contains("19 of 100"), "{s}");
    h.key(KeyCode::PageUp);
    assert_eq!(h.app.screens.orders.selected, 0);
}

/// Bug 6: help did not scroll at 40×10.
#[test]
fn help_scrolls_on_a_small_terminal() {
    let mut h = customer(40, 10);
    with_orders(&mut h, 5);
    h.key(KeyCode::Char('?'));
    let first = h.screen();
    assert!(first.contains("move up"), "{first}");
    assert!(first.contains("↑↓ more"), "{first}");
    for _ in 0..30 {
        h.key(KeyCode::Down);
    }
    let last = h.screen();
    assert!(last.contains("quit at once"), "scrolled to the end: {last}");
    assert!(!last.contains("move up"), "{last}");
    h.key(KeyCode::Esc);
    assert!(h.app.help.is_none());
}

/// Bug 6: `q` in the demo quit and deleted the demo data without asking.
#[test]
fn leaving_the_demo_with_q_asks_first() {
    let demo = Options {
        os_keyring: false,
        demo: Some(DemoAccounts {
            admin: ("admin".into(), "admin-demo-1".into()),
            customer: ("maria".into(), "maria-demo-1".into()),
        }),
        ..Options::default()
    };
    let mut h = harness(80, 24, demo);
    h.app.ctx.me = Some(user(2, "maria", false));
    h.app.route = Route::Orders;
    h.key(KeyCode::Char('q'));
    assert!(!h.app.quit);
    assert!(h.screen().contains("Leave the demo? Its data is deleted."));
    h.key(KeyCode::Char('n'));
    assert!(!h.app.quit);
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.quit);
    // Outside the demo `q` quits at once, and Ctrl-C always does.
    let mut h = customer(80, 24);
    h.key(KeyCode::Char('q'));
    assert!(h.app.quit);
}

/// Bug 6: Ctrl-Z did nothing.
#[test]
fn ctrl_z_asks_the_terminal_loop_to_suspend() {
    let mut h = customer(80, 24);
    h.ctrl('z');
    assert!(h.app.suspend);
    assert!(!h.app.quit);
}

/// `+`/`-`/`e` change the selected line's quantity.
#[test]
fn plus_minus_and_e_change_the_selected_line() {
    let mut h = customer(80, 24);
    open_order_11(&mut h);
    h.key(KeyCode::Char('+'));
    assert_eq!(pending(&h), ["changing the quantity"]);
    h.app.ctx.pending.clear();
    h.key(KeyCode::Char('-'));
    assert_eq!(pending(&h), ["changing the quantity"]);
    h.app.ctx.pending.clear();
    h.key(KeyCode::Char('e'));
    h.chars("x7");
    match &h.app.screens.detail.popup {
        Some(Popup::Prompt(p)) => assert_eq!(p.form.value(0), "7"),
        other => panic!("no prompt: {other:?}"),
    }
    h.key(KeyCode::Enter);
    assert_eq!(pending(&h), ["changing the quantity"]);
    // The server refuses: the prompt stays with its reason.
    let generation = h.app.screens.detail.generation;
    deliver(
        &mut h,
        Msg::Detail(detail::Msg::Changed {
            generation,
            verb: "Quantity changed",
            result: Err(api_error(409, "Order is not pending")),
        }),
    );
    let s = h.screen();
    assert!(
        s.contains("Order is not pending") && s.contains("How many"),
        "{s}"
    );
    h.key(KeyCode::Esc);
    // A line of one: `-` asks to remove it.
    let one = h
        .app
        .screens
        .detail
        .order
        .as_ref()
        .and_then(|o| o.items.iter().position(|i| i.quantity == 1));
    if let Some(i) = one {
        h.app.screens.detail.selected = i;
        h.key(KeyCode::Char('-'));
        assert!(h.screen().contains("Remove 1 ×"));
    }
    // On a finished order the keys say why they do nothing.
    let mut h = customer(80, 24);
    with_orders(&mut h, 12);
    let order = h
        .app
        .screens
        .orders
        .orders
        .iter()
        .find(|o| o.id == 10)
        .cloned();
    h.app.screens.detail.open(10, order, &mut h.app.ctx);
    h.app.route = Route::Detail;
    h.app.ctx.pending.clear();
    h.key(KeyCode::Char('+'));
    assert!(pending(&h).is_empty());
    assert!(h.screen().contains("only pending orders change"));
}

/// Mouse: click a tab, click a row, double-click to open, wheel to scroll.
#[test]
fn the_mouse_clicks_tabs_and_rows_and_scrolls() {
    let mut h = customer(80, 24);
    with_orders(&mut h, 30);
    h.screen();
    // " comanda  1 Orders 2 Menu …": "2 Menu" starts at column 19.
    h.click(20, 0);
    assert_eq!(h.app.route, Route::Menu);
    h.click(11, 0);
    assert_eq!(h.app.route, Route::Orders);
    h.screen();
    // Rows start under the border (line 2) and the column titles (line 3): line 6 is row 3.
    h.click(10, 6);
    assert_eq!(h.app.screens.orders.selected, 3);
    h.wheel(true, 10, 6);
    h.wheel(true, 10, 6);
    assert_eq!(h.app.screens.orders.selected, 5);
    h.wheel(false, 10, 6);
    assert_eq!(h.app.screens.orders.selected, 4);
    // A double click opens the row.
    h.click(10, 4);
    h.click(10, 4);
    assert_eq!(h.app.route, Route::Detail);
    assert_eq!(h.app.screens.detail.id, 29);
}

/// A popup on a terminal narrower or shorter than the popup's minimum size panicked
/// (`clamp` with a minimum over the maximum) instead of drawing what fits.
#[test]
fn popups_draw_on_terminals_smaller_than_themselves() {
    let sizes = [(80, 24), (40, 10), (29, 6), (20, 5), (1, 1), (0, 0)];
    // The picker, then its quantity prompt.
    let mut h = customer(80, 24);
    open_order_11(&mut h);
    h.key(KeyCode::Char('a'));
    h.app.screens.detail.menu.set(menu());
    for (w, hgt) in sizes {
        h.resize(w, hgt);
        h.screen();
    }
    h.resize(80, 24);
    h.key(KeyCode::Enter);
    assert!(matches!(h.app.screens.detail.popup, Some(Popup::Prompt(_))));
    for (w, hgt) in sizes {
        h.resize(w, hgt);
        h.screen();
    }
    // A y/n confirmation (cancel the order).
    h.resize(80, 24);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('c'));
    assert!(matches!(
        h.app.screens.detail.popup,
        Some(Popup::Confirm(_))
    ));
    for (w, hgt) in sizes {
        h.resize(w, hgt);
        h.screen();
    }
    h.resize(80, 24);
    assert!(h.screen().contains("y yes"), "{}", h.screen());
    // Help over the order screen.
    h.key(KeyCode::Char('n'));
    h.key(KeyCode::Char('?'));
    for (w, hgt) in sizes {
        h.resize(w, hgt);
        h.screen();
    }
    h.resize(80, 24);
    assert!(h.screen().contains("Help"), "{}", h.screen());
}
