//! Four hours of a busy kitchen on the board, on a fake clock: 2,000 orders arrive through
//! the live stream and leave again (finished or cancelled) 5 to 25 minutes later, the stream
//! reconnects every half hour and is reset every hour (a reload of the board). The board must
//! end as it started: no cards, marks or requests left over, no request per tick, and the
//! process's memory where it was. Its own binary, so the resident memory measured is the
//! board's alone. Prints the figures (`cargo test -p comanda-tui --test board_soak -- --nocapture`).

use std::collections::BTreeMap;

use comanda_common::{Order, OrderItem, OrderList, OrderStatus, Size};
use comanda_tui::api::ApiClient;
use comanda_tui::api::events::LiveEvent;
use comanda_tui::app::{Action, Event, Live, Options};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, rss_kib, user};
use comanda_tui::screens::{Msg, Route, board};
use comanda_tui::testing::Harness;

const ORDERS: i64 = 2_000;
const HOURS: i64 = 4;
const CUSTOMERS: i64 = 150;

fn order(id: i64, at: chrono::DateTime<chrono::Utc>) -> Order {
    let items: Vec<OrderItem> = (0..(id % 4))
        .map(|k| OrderItem {
            id: id * 10 + k,
            flavor: ["Margherita", "Calabresa", "Quatro Queijos"][(k % 3) as usize].into(),
            size: Size::ALL[((id + k) % 3) as usize],
            quantity: 1 + (id + k) % 3,
            unit_price_cents: 3000,
            subtotal_cents: 3000 * (1 + (id + k) % 3),
        })
        .collect();
    Order {
        id,
        user_id: 10 + id % CUSTOMERS,
        status: OrderStatus::Pending,
        total_cents: items.iter().map(|i| i.subtotal_cents).sum(),
        items,
        created_at: at,
        updated_at: at,
        username: None,
    }
}

/// Answers the board's reload with the orders pending at that moment.
fn answer_reload(h: &mut Harness, pending: &BTreeMap<i64, Order>) {
    let task = h.app.ctx.pending.last().expect("the reload's request").0;
    let generation = h.app.screens.board.generation;
    let mut page: Vec<Order> = pending.values().rev().cloned().collect();
    for o in &mut page {
        o.username = Some(format!("customer{}", o.user_id));
    }
    h.app.update(Action::Done {
        task,
        msg: Box::new(Msg::Board(board::Msg::Loaded {
            generation,
            offset: 0,
            result: Ok(OrderList { orders: page }),
        })),
    });
}

#[test]
fn four_hours_of_orders_leave_nothing_behind() {
    let start = fixed_now();
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        Options::default(),
        80,
        24,
    );
    h.app.ctx.clock = Clock::fixed(start);
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.ctx.live = Live::Live;
    h.app.route = Route::Orders;
    h.key(ratatui::crossterm::event::KeyCode::Char('5'));
    let pending: BTreeMap<i64, Order> = BTreeMap::new();
    answer_reload(&mut h, &pending);
    // Every customer's name is known from the first hour on (the pages name them); the
    // board then asks the server nothing more.
    for c in 0..CUSTOMERS {
        h.app
            .ctx
            .names
            .insert(10 + c, format!("customer{}", 10 + c));
    }
    h.screen();

    let total_secs = HOURS * 3600;
    let every = total_secs / ORDERS; // 7 s
    let mut pending: BTreeMap<i64, Order> = BTreeMap::new();
    // When each order leaves: (second, id).
    let mut leaving: BTreeMap<(i64, i64), ()> = BTreeMap::new();
    let mut next_id = 1;
    let mut requests = 0;
    let mut frames = 0;
    let mut max_cards = 0;
    let mut rss_first_hour = None;
    let rss_start = rss_kib();
    for sec in 0..=(total_secs + 30 * 60) {
        let now = start + chrono::Duration::seconds(sec);
        h.app.ctx.clock = Clock::fixed(now);
        if sec % every == 0 && next_id <= ORDERS {
            let o = order(next_id, now);
            let stay = 5 * 60 + (next_id * 7919) % (20 * 60);
            leaving.insert((sec + stay, next_id), ());
            pending.insert(next_id, o.clone());
            h.app.update(Action::Live(LiveEvent::Order(Box::new(o))));
            next_id += 1;
        }
        while let Some((&(at, id), _)) = leaving.iter().next() {
            if at > sec {
                break;
            }
            leaving.remove(&(at, id));
            if let Some(mut o) = pending.remove(&id) {
                o.status = if id % 10 == 0 {
                    OrderStatus::Cancelled
                } else {
                    OrderStatus::Finished
                };
                o.updated_at = now;
                h.app.update(Action::Live(LiveEvent::Order(Box::new(o))));
            }
        }
        // Ten ticks a second in the app; one a second here is the same work per tick.
        h.app.update(Action::Tick);
        if sec % 1800 == 900 {
            h.app
                .update(Action::Live(LiveEvent::Reconnecting("dropped".into())));
            h.app.update(Action::Live(LiveEvent::Connected));
        }
        if sec % 3600 == 1800 {
            h.app.raise(Event::Reset);
            requests += 1;
            answer_reload(&mut h, &pending);
        }
        if sec % 5 == 0 {
            h.screen();
            frames += 1;
        }
        assert!(h.app.ctx.pending.is_empty(), "a request at second {sec}");
        let cards = h.app.screens.board.cards.len();
        assert_eq!(
            cards,
            pending.len(),
            "the board is what is pending at {sec}"
        );
        max_cards = max_cards.max(cards);
        if sec == 3600 {
            rss_first_hour = rss_kib();
        }
    }
    let b = &h.app.screens.board;
    assert!(b.cards.is_empty() && b.marked.is_empty() && b.busy.is_empty());
    assert_eq!(
        h.app.ctx.names.len() as i64,
        CUSTOMERS,
        "one name per customer"
    );
    assert_eq!(h.app.ctx.bells as i64, ORDERS, "one bell per new order");
    let rss_end = rss_kib();
    println!(
        "board soak: {ORDERS} orders over {HOURS} h (fake clock), {frames} frames, at most \
         {max_cards} on the board, {requests} requests (the hourly resets); resident memory \
         {} KiB at the start, {} KiB after the first hour, {} KiB at the end",
        rss_start.unwrap_or(0),
        rss_first_hour.unwrap_or(0),
        rss_end.unwrap_or(0),
    );
    // The memory of the first hour (allocator pools, the frame buffers) is what the board
    // needs; the next three hours must not add to it beyond noise.
    if let (Some(hour), Some(end)) = (rss_first_hour, rss_end) {
        assert!(
            end <= hour + 1024,
            "memory grew from {hour} KiB after the first hour to {end} KiB"
        );
    }
}
