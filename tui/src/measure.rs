//! Figures for the README: resident memory, and fixed data for a 1000-order list.

use chrono::{DateTime, TimeZone, Utc};
use comanda_common::{MenuItem, Order, OrderItem, OrderStatus, Size, UserPublic};

/// The resident set size from `/proc/self/status` (Linux), as text.
pub fn rss_text() -> String {
    match std::fs::read_to_string("/proc/self/status") {
        Ok(s) => s
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
            .unwrap_or_else(|| "unknown".into()),
        Err(_) => "unknown".into(),
    }
}

/// The resident set size in KiB (Linux), if it can be read.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// A fixed "now" for frames that must not change: 2026-11-21 12:00 UTC.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn user(id: i64, name: &str, admin: bool) -> UserPublic {
    UserPublic {
        id,
        username: name.into(),
        email: format!("{name}@example.com"),
        is_admin: admin,
        is_active: true,
        created_at: fixed_now() - chrono::Duration::days(30),
    }
}

const FLAVORS: [&str; 6] = [
    "Margherita",
    "Calabresa",
    "Quatro Queijos",
    "Portuguesa",
    "Frango com Catupiry",
    "Napolitana",
];

pub fn menu() -> Vec<MenuItem> {
    let mut out = Vec::new();
    let mut id = 1;
    for (i, f) in FLAVORS.iter().enumerate() {
        for (j, s) in Size::ALL.iter().enumerate() {
            out.push(MenuItem {
                id,
                flavor: (*f).into(),
                size: *s,
                price_cents: 2500 + 500 * i as i64 + 1000 * j as i64,
                available: !(i == 5 && j == 2),
            });
            id += 1;
        }
    }
    out
}

/// `n` orders of `user_id`, newest first, statuses and sizes varied, fixed times.
pub fn orders(n: i64, user_id: impl Fn(i64) -> i64) -> Vec<Order> {
    (1..=n)
        .rev()
        .map(|id| {
            let items: Vec<OrderItem> = (0..(id % 3 + 1))
                .map(|k| {
                    let q = (id + k) % 3 + 1;
                    let unit = 2500 + 500 * k;
                    OrderItem {
                        id: id * 10 + k,
                        flavor: FLAVORS[((id + k) % 6) as usize].into(),
                        size: Size::ALL[(k % 3) as usize],
                        quantity: q,
                        unit_price_cents: unit,
                        subtotal_cents: unit * q,
                    }
                })
                .collect();
            let created = fixed_now() - chrono::Duration::minutes(7 * (n - id + 1));
            Order {
                id,
                user_id: user_id(id),
                status: match id % 4 {
                    0 => OrderStatus::Cancelled,
                    1 | 2 => OrderStatus::Finished,
                    _ => OrderStatus::Pending,
                },
                total_cents: items.iter().map(|i| i.subtotal_cents).sum(),
                items,
                created_at: created,
                updated_at: created,
                username: None,
            }
        })
        .collect()
}
