//! Time to first frame and resident memory of the app holding a 1000-order list:
//! `cargo run --release -p comanda-tui --example measure`.
//! (For the real terminal binary: `comanda --report-first-frame`.)

use std::time::Instant;

use comanda_tui::api::ApiClient;
use comanda_tui::app::{Live, Options};
use comanda_tui::measure::{orders, rss_text, user};
use comanda_tui::screens::{Load, Route};
use comanda_tui::testing::Harness;

fn main() {
    let started = Instant::now();
    let mut h = Harness::offline(
        ApiClient::with_memory("http://127.0.0.1:8000"),
        Options::default(),
        80,
        24,
    );
    let first = h.screen();
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("first frame (login screen, before any I/O): {first_ms:.2} ms after start");
    println!("resident memory before the list: {}", rss_text());
    h.app.ctx.me = Some(user(1, "admin", true));
    h.app.route = Route::Orders;
    h.app.ctx.live = Live::Live;
    h.app.screens.orders.all = true;
    h.app.screens.orders.orders = orders(1000, |id| id % 50 + 1);
    h.app.screens.orders.load = Load::Loaded;
    let t = Instant::now();
    let frame = h.screen();
    println!(
        "first frame of the 1000-order list: {:.2} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("resident memory with 1000 orders on screen: {}", rss_text());
    assert!(first.contains("Sign in") && frame.contains("1 of 1000"));
}
