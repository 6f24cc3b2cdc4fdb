//! Render time of one frame of a 1000-order list (`cargo bench -p comanda-tui --bench render`).

use std::hint::black_box;
use std::time::Instant;

use comanda_tui::api::ApiClient;
use comanda_tui::app::{Live, Options};
use comanda_tui::clock::Clock;
use comanda_tui::measure::{fixed_now, orders, user};
use comanda_tui::screens::{Load, Route};
use comanda_tui::testing::Harness;

fn bench(width: u16, height: u16, all: bool) {
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        Options::default(),
        width,
        height,
    );
    h.app.ctx.clock = Clock::fixed(fixed_now());
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.route = Route::Orders;
    h.app.ctx.live = Live::Live;
    h.app.screens.orders.all = all;
    h.app.screens.orders.orders = orders(1000, |id| id % 50 + 1);
    for id in 1..=50 {
        h.app.ctx.names.insert(id, format!("customer{id}"));
    }
    h.app.screens.orders.load = Load::Loaded;
    h.app.screens.orders.selected = 500;
    for _ in 0..50 {
        black_box(h.screen());
    }
    let n = 2000;
    let start = Instant::now();
    for _ in 0..n {
        black_box(h.screen());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    let view = if all { "all orders" } else { "my orders" };
    println!("render 1000-order list ({view}) at {width}x{height}: {per:.1} µs per frame");
}

fn main() {
    bench(80, 24, false);
    bench(80, 24, true);
    bench(200, 60, true);
}
