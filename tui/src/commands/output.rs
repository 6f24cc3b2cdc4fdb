//! What the commands print: aligned tables with a header for people, or the server's JSON.
//! Colour only on a terminal and never with `NO_COLOR`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use comanda_common::validate::format_cents;
use comanda_common::{Order, OrderStatus};
use crossterm::style::{Color, Stylize};
use serde::Serialize;

use crate::clock::Clock;

/// Where a command writes, and how.
pub struct Io {
    /// Where `login` reads a missing username and `--password-stdin`'s line.
    pub stdin: Box<dyn BufRead + Send>,
    pub out: Box<dyn Write + Send>,
    pub err: Box<dyn Write + Send>,
    /// `--json`: the server's JSON instead of tables.
    pub json: bool,
    /// Colour the statuses (stdout is a terminal and `NO_COLOR` is not set).
    pub color: bool,
}

impl Io {
    /// The process's stdout and stderr.
    pub fn std(json: bool) -> Io {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Io {
            stdin: Box::new(std::io::BufReader::new(std::io::stdin())),
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            json,
            color,
        }
    }

    /// Writers that keep what is written (tests), and the buffers to read it back; `stdin`
    /// is what the command reads.
    pub fn capture(stdin: &str, json: bool) -> (Io, Capture, Capture) {
        let out = Capture::default();
        let err = Capture::default();
        let io = Io {
            stdin: Box::new(std::io::Cursor::new(stdin.as_bytes().to_vec())),
            out: Box::new(out.clone()),
            err: Box::new(err.clone()),
            json,
            color: false,
        };
        (io, out, err)
    }

    /// One JSON document on stdout.
    pub fn json<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    /// Lines for people on stdout.
    pub fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    /// `value` as JSON with `--json`, else `human()`.
    pub fn show<T: Serialize>(
        &mut self,
        value: &T,
        human: impl FnOnce(bool) -> String,
    ) -> std::io::Result<()> {
        if self.json {
            self.json(value)
        } else {
            let text = human(self.color);
            self.text(&text)
        }
    }
}

/// A shared, growable buffer that implements `Write` (what a test reads back).
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        match self.0.lock() {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(p) => String::from_utf8_lossy(&p.into_inner()).into_owned(),
        }
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut b) => b.extend_from_slice(buf),
            Err(p) => p.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One table cell: its text, right-aligned or not, and an optional colour.
pub struct Cell {
    text: String,
    right: bool,
    color: Option<Color>,
}

impl Cell {
    pub fn left(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            right: false,
            color: None,
        }
    }
    pub fn right(text: impl Into<String>) -> Cell {
        Cell {
            right: true,
            ..Cell::left(text)
        }
    }
    pub fn status(status: OrderStatus) -> Cell {
        Cell {
            color: Some(status_color(status)),
            ..Cell::left(status.as_str())
        }
    }
}

/// The colour of a status word (as in the app).
pub fn status_color(status: OrderStatus) -> Color {
    match status {
        OrderStatus::Pending => Color::Yellow,
        OrderStatus::Finished => Color::Green,
        OrderStatus::Cancelled => Color::Red,
    }
}

/// Columns aligned under a header, two spaces apart, no trailing spaces. Right-aligned
/// columns (numbers, money) align their header to the right too.
pub fn table(headers: &[&str], rows: Vec<Vec<Cell>>, color: bool) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(&cell.text));
            }
        }
    }
    let right: Vec<bool> = (0..headers.len())
        .map(|i| rows.first().and_then(|r| r.get(i)).is_some_and(|c| c.right))
        .collect();
    let pad = |text: &str, i: usize| -> String {
        let fill = " ".repeat(widths[i].saturating_sub(width(text)));
        if right[i] {
            format!("{fill}{text}")
        } else {
            format!("{text}{fill}")
        }
    };
    let mut out = String::new();
    let head: Vec<String> = headers.iter().enumerate().map(|(i, h)| pad(h, i)).collect();
    out.push_str(head.join("  ").trim_end());
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let padded = pad(&c.text, i);
                match c.color {
                    Some(col) if color => padded.with(col).to_string(),
                    _ => padded,
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Money as `12.50`.
pub fn money(cents: i64) -> String {
    format_cents(cents)
}

/// A time as `2026-11-21 10:05` in local time.
pub fn local(t: DateTime<Utc>) -> String {
    Clock::system().local(t)
}

/// The pizzas in an order (the sum of its lines' quantities).
pub fn pizzas(order: &Order) -> i64 {
    order.items.iter().map(|i| i.quantity).sum()
}

/// One order with its lines: a summary line, then the lines' table.
pub fn order_detail(order: &Order, color: bool) -> String {
    let status = if color {
        order
            .status
            .as_str()
            .with(status_color(order.status))
            .to_string()
    } else {
        order.status.as_str().to_owned()
    };
    let mut out = format!(
        "Order {} · {status} · total {} · created {} · updated {}\n",
        order.id,
        money(order.total_cents),
        local(order.created_at),
        local(order.updated_at),
    );
    if order.items.is_empty() {
        out.push_str("No items.\n");
        return out;
    }
    out.push('\n');
    let rows = order
        .items
        .iter()
        .map(|i| {
            vec![
                Cell::right(i.id.to_string()),
                Cell::left(i.flavor.clone()),
                Cell::left(i.size.as_str()),
                Cell::right(i.quantity.to_string()),
                Cell::right(money(i.unit_price_cents)),
                Cell::right(money(i.subtotal_cents)),
            ]
        })
        .collect();
    out.push_str(&table(
        &["ITEM", "FLAVOR", "SIZE", "QTY", "UNIT", "SUBTOTAL"],
        rows,
        color,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_under_their_header() {
        let t = table(
            &["ID", "FLAVOR", "PRICE"],
            vec![
                vec![
                    Cell::right("1"),
                    Cell::left("Margherita"),
                    Cell::right("25.00"),
                ],
                vec![Cell::right("12"), Cell::left("Frango"), Cell::right("9.50")],
            ],
            false,
        );
        assert_eq!(
            t,
            "ID  FLAVOR      PRICE\n 1  Margherita  25.00\n12  Frango       9.50\n"
        );
    }

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(1250), "12.50");
        assert_eq!(money(5), "0.05");
    }
}
