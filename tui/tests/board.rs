//! The board (tab 5) without a server: loading every page, marking, a bulk finish with
//! one failure, new orders arriving with a highlight and a bell, ages ticking without a
//! request, and the sessions list's keys.

use comanda_common::{Order, OrderList, OrderStatus, SessionInfo, SessionList};
use comanda_tui::api::{ApiClient, ApiError};
use comanda_tui::app::{Action, Event, Options};
use comanda_tui::clock::Clock;
use comanda_tui::config::BoardSettings;
use comanda_tui::measure::{fixed_now, orders, user};
use comanda_tui::screens::board::{Card, PAGE};
use comanda_tui::screens::{Load, Msg, Route, board, sessions};
use comanda_tui::testing::Harness;
use comanda_tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

fn admin_with(options: Options) -> Harness {
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        options,
        80,
        24,
    );
    h.app.ctx.clock = Clock::fixed(fixed_now());
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.ctx.names.insert(2, "maria".into());
    h.app.ctx.names.insert(3, "joao".into());
    h.app.route = Route::Orders;
    h
}

fn admin() -> Harness {
    admin_with(Options::default())
}

/// `n` pending orders, oldest first, `minutes` apart, the newest `minutes` old.
fn pending(n: i64, minutes: i64) -> Vec<Order> {
    let mut out: Vec<Order> = orders(n, |id| 2 + id % 2);
    out.reverse();
    for (k, o) in out.iter_mut().enumerate() {
        o.status = OrderStatus::Pending;
        o.created_at = fixed_now() - chrono::Duration::minutes(minutes * (n - k as i64));
    }
    out
}

fn on_board(h: &mut Harness, list: Vec<Order>) {
    h.app.screens.board.cards = list
        .into_iter()
        .map(|order| Card {
            order,
            arrived: None,
        })
        .collect();
    h.app.screens.board.load = Load::Loaded;
    h.app.route = Route::Board;
}

fn answer(h: &mut Harness, msg: board::Msg) {
    let task = h.app.ctx.pending.last().expect("a request in flight").0;
    h.app.update(Action::Done {
        task,
        msg: Box::new(Msg::Board(msg)),
    });
}

fn refused(detail: &str) -> ApiError {
    ApiError::Api {
        status: 409,
        detail: detail.into(),
        problems: Vec::new(),
        retry_after: None,
    }
}

#[test]
fn tab_5_is_for_admins_and_loads_every_page_of_pending_orders() {
    let mut customer = admin();
    customer.app.ctx.me = Some(user(2, "maria", false));
    customer.key(KeyCode::Char('5'));
    assert_eq!(customer.app.route, Route::Orders, "no board for customers");

    let mut h = admin();
    h.key(KeyCode::Char('5'));
    assert_eq!(h.app.route, Route::Board);
    assert_eq!(h.app.ctx.busy_label(), Some("loading the board"));
    assert!(h.screen().contains("Loading the pending orders…"));
    // A full page asks for the next one; the names come with the pages.
    let generation = h.app.screens.board.generation;
    let mut first: Vec<Order> = pending(PAGE + 3, 1);
    first.reverse(); // the API answers newest first
    for o in &mut first {
        o.user_id = 40 + o.id % 5;
        o.username = Some(format!("cust{}", o.user_id));
    }
    let rest = first.split_off(PAGE as usize);
    answer(
        &mut h,
        board::Msg::Loaded {
            generation,
            offset: 0,
            result: Ok(OrderList { orders: first }),
        },
    );
    assert_eq!(h.app.screens.board.load, Load::Loading);
    assert_eq!(h.app.ctx.pending.len(), 1, "the second page is asked for");
    answer(
        &mut h,
        board::Msg::Loaded {
            generation,
            offset: PAGE,
            result: Ok(OrderList { orders: rest }),
        },
    );
    let b = &h.app.screens.board;
    assert_eq!(b.load, Load::Loaded);
    assert_eq!(b.cards.len(), PAGE as usize + 3);
    let ids: Vec<i64> = b.cards.iter().map(|c| c.order.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "oldest first");
    assert!(h.app.ctx.pending.is_empty(), "no request per customer");
    let s = h.screen();
    assert!(s.contains(&format!("Board · {} pending", PAGE + 3)), "{s}");
    assert!(s.contains("cust41") || s.contains("cust42"), "{s}");
}

#[test]
fn space_marks_and_f_finishes_each_marked_order_reporting_the_one_that_failed() {
    let mut h = admin();
    on_board(&mut h, pending(4, 3));
    let ids: Vec<i64> = h
        .app
        .screens
        .board
        .cards
        .iter()
        .map(|c| c.order.id)
        .collect();
    // Space marks and moves on: three presses mark the first three.
    for _ in 0..3 {
        h.key(KeyCode::Char(' '));
    }
    assert_eq!(
        h.app
            .screens
            .board
            .marked
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    let s = h.screen();
    assert!(s.contains("3 marked"), "{s}");
    assert_eq!(s.matches('✓').count(), 3, "{s}");
    // Space again on a marked order unmarks it.
    h.key(KeyCode::Up);
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.screens.board.marked.len(), 2);
    h.key(KeyCode::Up);
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.screens.board.marked.len(), 3);

    h.key(KeyCode::Char('f'));
    let question = format!("Finish 3 orders (#{}, #{}, #{})?", ids[0], ids[1], ids[2]);
    assert!(h.screen().contains(&question), "{}", h.screen());
    // Any other key is swallowed by the question.
    h.key(KeyCode::Char('c'));
    assert!(h.app.ctx.pending.is_empty());
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.ctx.busy_label(), Some("finishing orders"));
    assert!(h.screen().contains('…'), "orders on their way are shown");

    let finished = |i: usize| {
        let mut o = h.app.screens.board.cards[i].order.clone();
        o.status = OrderStatus::Finished;
        o
    };
    let results = vec![
        (ids[0], Ok(finished(0))),
        (ids[1], Err(refused("Order has no items"))),
        (ids[2], Ok(finished(2))),
    ];
    answer(
        &mut h,
        board::Msg::Done {
            bulk: board::Bulk::Finish,
            results,
        },
    );
    let b = &h.app.screens.board;
    let left: Vec<i64> = b.cards.iter().map(|c| c.order.id).collect();
    assert_eq!(
        left,
        vec![ids[1], ids[3]],
        "the finished ones left the board"
    );
    assert_eq!(b.marked.iter().copied().collect::<Vec<_>>(), vec![ids[1]]);
    let status = h.app.ctx.status.clone().expect("a report");
    assert!(status.error);
    assert_eq!(
        status.text,
        format!(
            "Finished #{}, #{} · not finished: #{} Order has no items",
            ids[0], ids[2], ids[1]
        )
    );
    assert!(h.screen().contains("not finished"));
}

#[test]
fn c_without_marks_cancels_the_selected_order_and_n_keeps_it() {
    let mut h = admin();
    on_board(&mut h, pending(3, 2));
    h.key(KeyCode::Down);
    let id = h.app.screens.board.cards[1].order.id;
    h.key(KeyCode::Char('c'));
    assert!(h.screen().contains(&format!("Cancel order #{id}?")));
    h.key(KeyCode::Char('n'));
    assert!(h.app.screens.board.popup.is_none());
    assert!(h.app.ctx.pending.is_empty(), "n sends nothing");
    h.key(KeyCode::Char('c'));
    h.key(KeyCode::Char('y'));
    let mut o = h.app.screens.board.cards[1].order.clone();
    o.status = OrderStatus::Cancelled;
    answer(
        &mut h,
        board::Msg::Done {
            bulk: board::Bulk::Cancel,
            results: vec![(id, Ok(o))],
        },
    );
    assert_eq!(h.app.screens.board.cards.len(), 2);
    let status = h.app.ctx.status.clone().expect("a report");
    assert!(!status.error);
    assert_eq!(status.text, format!("Cancelled #{id}"));
}

#[test]
fn a_new_order_arrives_highlighted_with_a_bell_and_leaves_when_finished() {
    let mut h = admin();
    h.app.ctx.theme = Theme::new(true);
    on_board(&mut h, pending(2, 5));
    let mut new = pending(3, 1).pop().expect("an order");
    new.id = 99;
    new.created_at = fixed_now();
    h.app.raise(Event::OrderChanged(Box::new(new.clone())));
    assert_eq!(h.app.ctx.bells, 1, "the bell rang once");
    assert_eq!(
        h.app.screens.board.cards.last().map(|c| c.order.id),
        Some(99)
    );
    // Highlighted (green) now, and no longer a few seconds later.
    let green = |h: &mut Harness| {
        h.screen();
        let buf = h.terminal.backend().buffer().clone();
        (0..buf.area.height).any(|y| {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            row.contains("99") && (0..buf.area.width).any(|x| buf[(x, y)].fg == Color::Green)
        })
    };
    assert!(green(&mut h), "a new order is highlighted");
    h.app.ctx.clock = Clock::fixed(fixed_now() + chrono::Duration::seconds(5));
    h.app.update(Action::Tick);
    assert!(!green(&mut h), "the highlight is short");
    // The same order changing again rings nothing.
    new.items.clear();
    h.app.raise(Event::OrderChanged(Box::new(new.clone())));
    assert_eq!(h.app.ctx.bells, 1);
    new.status = OrderStatus::Finished;
    h.app.raise(Event::OrderChanged(Box::new(new)));
    assert!(h.app.screens.board.cards.iter().all(|c| c.order.id != 99));

    // --quiet (or "bell": false in the config): no bell.
    let mut quiet = admin_with(Options {
        board: BoardSettings {
            bell: false,
            ..BoardSettings::default()
        },
        ..Options::default()
    });
    on_board(&mut quiet, Vec::new());
    let mut o = pending(1, 1).pop().expect("an order");
    o.id = 7;
    quiet.app.raise(Event::OrderChanged(Box::new(o)));
    assert_eq!(quiet.app.screens.board.cards.len(), 1);
    assert_eq!(quiet.app.ctx.bells, 0);
}

#[test]
fn ages_tick_and_change_colour_without_a_request() {
    let mut h = admin();
    h.app.ctx.theme = Theme::new(true);
    let mut one = pending(1, 1);
    one[0].id = 5;
    one[0].created_at = fixed_now() - chrono::Duration::minutes(9);
    on_board(&mut h, one);
    let age_cell = |h: &mut Harness| {
        let screen = h.screen();
        let buf = h.terminal.backend().buffer().clone();
        let y = screen
            .lines()
            .position(|l| l.contains("    5 "))
            .expect("the order's row") as u16;
        // The age column: the cell that ends in `m` after a digit.
        let cells: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let m = (1..cells.len())
            .find(|&x| cells[x] == "m" && cells[x - 1].chars().all(|c| c.is_ascii_digit()))
            .expect("an age in minutes");
        let x = (m - 2) as u16;
        let text: String = cells[m - 2..=m].concat();
        (text.trim().to_owned(), buf[(x + 2, y)].fg)
    };
    assert_eq!(age_cell(&mut h), ("9m".to_owned(), Color::Reset));
    for (minutes, text, colour) in [(10, "10m", Color::Yellow), (25, "25m", Color::Red)] {
        h.app.ctx.clock = Clock::fixed(fixed_now() + chrono::Duration::minutes(minutes - 9));
        for _ in 0..10 {
            h.app.update(Action::Tick);
        }
        assert_eq!(age_cell(&mut h), (text.to_owned(), colour));
    }
    assert!(
        h.app.ctx.pending.is_empty(),
        "ticking asks the server nothing"
    );
}

#[test]
fn a_reset_of_the_live_stream_reloads_the_board_keeping_marks_of_orders_still_there() {
    let mut h = admin();
    on_board(&mut h, pending(3, 2));
    let ids: Vec<i64> = h
        .app
        .screens
        .board
        .cards
        .iter()
        .map(|c| c.order.id)
        .collect();
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    h.app.raise(Event::Reset);
    assert_eq!(h.app.ctx.busy_label(), Some("loading the board"));
    let generation = h.app.screens.board.generation;
    let mut still = pending(3, 2);
    still.remove(0); // the first one was finished elsewhere meanwhile
    answer(
        &mut h,
        board::Msg::Loaded {
            generation,
            offset: 0,
            result: Ok(OrderList { orders: still }),
        },
    );
    let b = &h.app.screens.board;
    assert_eq!(b.cards.len(), 2);
    assert_eq!(b.marked.iter().copied().collect::<Vec<_>>(), vec![ids[1]]);
}

fn session(id: i64, current: bool, agent: Option<&str>) -> SessionInfo {
    SessionInfo {
        id,
        created_at: fixed_now() - chrono::Duration::hours(id),
        last_used_at: fixed_now() - chrono::Duration::minutes(id),
        user_agent: agent.map(str::to_owned),
        address: Some(format!("10.0.0.{id}")),
        current,
    }
}

#[test]
fn sessions_open_from_the_profile_and_d_ends_one_after_y() {
    let mut h = admin();
    h.app.ctx.me = Some(user(2, "maria", false));
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.route, Route::Sessions);
    assert_eq!(h.app.ctx.busy_label(), Some("loading the sessions"));
    let generation = h.app.screens.sessions.generation;
    let task = h.app.ctx.pending[0].0;
    h.app.update(Action::Done {
        task,
        msg: Box::new(Msg::Sessions(sessions::Msg::Loaded {
            generation,
            result: Ok(SessionList {
                sessions: vec![
                    session(3, true, Some("comanda/0.1.0 (till-1)")),
                    session(2, false, Some("curl/8.5.0")),
                    session(1, false, None),
                ],
            }),
        })),
    });
    let s = h.screen();
    assert!(s.contains("Sessions · 3"), "{s}");
    assert!(
        s.contains("comanda/0.1.0 (till-1)") && s.contains("unknown client"),
        "{s}"
    );
    h.key(KeyCode::Down);
    h.key(KeyCode::Char('d'));
    assert!(h.screen().contains("End the session of curl/8.5.0?"));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.ctx.busy_label(), Some("ending the session"));
    let task = h.app.ctx.pending[0].0;
    h.app.update(Action::Done {
        task,
        msg: Box::new(Msg::Sessions(sessions::Msg::Ended {
            id: 2,
            result: Ok(comanda_common::Message {
                message: "Session ended".into(),
            }),
        })),
    });
    assert_eq!(h.app.screens.sessions.sessions.len(), 2);
    assert!(!h.screen().contains("curl"));
    // `d` on this session asks, then logs out.
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('d'));
    assert!(
        h.screen()
            .contains("End this session? You are logged out here.")
    );
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.route, Route::Login);
    // q from the sessions goes back to the profile.
    let mut h = admin();
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.route, Route::Profile);
}
