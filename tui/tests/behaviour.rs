//! Behaviour without a server: paging, stale answers, colours.

use comanda_common::OrderList;
use comanda_tui::api::ApiClient;
use comanda_tui::app::{Action, Options};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, orders, user};
use comanda_tui::screens::{Load, Msg, Route, detail, orders as list};
use comanda_tui::testing::Harness;
use comanda_tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

fn signed_in() -> Harness {
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        Options::default(),
        80,
        24,
    );
    h.app.ctx.clock = Clock::fixed(fixed_now());
    h.app.ctx.me = Some(user(2, "maria", false));
    h.app.route = Route::Orders;
    h
}

#[test]
fn the_next_page_loads_when_the_selection_nears_the_end() {
    let mut h = signed_in();
    h.app.screens.orders.orders = orders(50, |_| 2);
    h.app.screens.orders.load = Load::Loaded;
    h.app.screens.orders.has_more = true;
    h.key(KeyCode::Char('j'));
    assert!(
        !h.app.screens.orders.loading_more,
        "far from the end: nothing to load"
    );
    h.key(KeyCode::Char('G'));
    assert!(h.app.screens.orders.loading_more);
    assert_eq!(h.app.ctx.busy_label(), Some("loading orders"));
    assert!(h.screen().contains("loading more"));
    // The page arrives: appended, no duplicates.
    let generation = h.app.screens.orders.generation;
    let mut page = orders(60, |_| 2);
    page.retain(|o| o.id <= 10 || o.id > 55);
    let task = h.app.ctx.pending[0].0;
    h.app.update(Action::Done {
        task,
        msg: Box::new(Msg::Orders(list::Msg::Loaded {
            generation,
            offset: 50,
            result: Ok(OrderList { orders: page }),
        })),
    });
    assert_eq!(h.app.screens.orders.orders.len(), 55);
    assert!(!h.app.screens.orders.has_more);
    assert!(h.app.ctx.pending.is_empty());
}

#[test]
fn answers_for_a_screen_the_user_left_are_dropped() {
    let mut h = signed_in();
    h.app.screens.orders.orders = orders(5, |_| 2);
    h.app.screens.orders.load = Load::Loaded;
    h.key(KeyCode::Enter);
    assert_eq!(h.app.route, Route::Detail);
    let generation = h.app.screens.detail.generation;
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.route, Route::Orders);
    let late = orders(5, |_| 2).remove(0);
    h.app.update(Action::Done {
        task: 999,
        msg: Box::new(Msg::Detail(detail::Msg::Loaded {
            generation,
            result: Ok(late),
        })),
    });
    assert!(
        h.app.screens.detail.order.is_none(),
        "the late answer did not reopen the order"
    );
    assert_eq!(h.app.route, Route::Orders);

    // A reload answered after a newer reload: the older one is ignored.
    h.key(KeyCode::Char('r'));
    let old = h.app.screens.orders.generation;
    h.key(KeyCode::Char('r'));
    h.app.update(Action::Done {
        task: 998,
        msg: Box::new(Msg::Orders(list::Msg::Loaded {
            generation: old,
            offset: 0,
            result: Ok(OrderList { orders: vec![] }),
        })),
    });
    assert_eq!(h.app.screens.orders.orders.len(), 5);
    assert_eq!(h.app.screens.orders.load, Load::Loading);
}

#[test]
fn no_color_means_no_colour() {
    let mut h = signed_in();
    h.app.ctx.theme = Theme::new(false);
    h.app.screens.orders.orders = orders(12, |_| 2);
    h.app.screens.orders.load = Load::Loaded;
    h.app.ctx.set_error("cannot reach http://127.0.0.1:8000");
    h.screen();
    let buf = h.terminal.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "{:?}", cell);
        assert_eq!(cell.bg, Color::Reset, "{:?}", cell);
    }
    // With colours: the error is red and statuses are coloured.
    let mut h = signed_in();
    h.app.ctx.theme = Theme::new(true);
    h.app.ctx.set_error("boom");
    h.screen();
    assert!(
        h.terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == Color::Red)
    );
}
