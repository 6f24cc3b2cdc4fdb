//! Drawing the board: one row per pending order, oldest first: mark, number, age (coloured
//! by the thresholds), customer and lines (`2 × Margherita large, 1 × Calabresa small`).

use chrono::{DateTime, Utc};
use comanda_common::Order;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Padding, Paragraph, Wrap};

use super::{Board, HIGHLIGHT_SECS};
use crate::app::Ctx;
use crate::config::BoardSettings;
use crate::theme::Theme;
use crate::widgets::table::{At, fixed, flex, num, placeholder, table, titled};

/// How late an order is, by its age and the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    OnTime,
    Warn,
    Late,
}

pub fn lateness(settings: &BoardSettings, created: DateTime<Utc>, now: DateTime<Utc>) -> Lateness {
    let minutes = (now - created).num_minutes();
    if minutes >= i64::from(settings.late_after_minutes) {
        Lateness::Late
    } else if minutes >= i64::from(settings.warn_after_minutes) {
        Lateness::Warn
    } else {
        Lateness::OnTime
    }
}

fn age_style(t: Theme, l: Lateness) -> Style {
    match l {
        Lateness::OnTime => Style::new(),
        Lateness::Warn => t.warn(),
        Lateness::Late => t.error(),
    }
}

/// The order's lines in one text: `2 × Margherita large, 1 × Calabresa small`.
pub fn lines_text(order: &Order) -> String {
    if order.items.is_empty() {
        return "no items yet".into();
    }
    order
        .items
        .iter()
        .map(|i| format!("{} × {} {}", i.quantity, i.flavor, i.size.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The list and, under it, the selected order in full (a row cuts long lines with `…`; the
/// kitchen must see every line of the order it is about to finish).
pub fn split(b: &Board, area: Rect) -> (Rect, Option<Rect>) {
    let Some(card) = b.cards.get(b.selected_row()) else {
        return (area, None);
    };
    let inner = area.width.saturating_sub(4).max(1) as usize;
    // Word wrapping can need a little more than the characters: one spare column a line.
    let text = lines_text(&card.order).chars().count() * (inner + 1) / inner;
    let height = (text.div_ceil(inner) as u16 + 2).min(5);
    // The list keeps at least three rows.
    if area.height < height + 6 {
        return (area, None);
    }
    let [list, pane] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(height)]).areas(area);
    (list, Some(pane))
}

pub fn render(b: &Board, ctx: &Ctx, frame: &mut Frame, area: Rect) {
    let (area, pane) = split(b, area);
    render_list(b, ctx, frame, area);
    if let (Some(pane), Some(card)) = (pane, b.cards.get(b.selected_row())) {
        let o = &card.order;
        let title = format!(
            " #{} · {} · {} ",
            o.id,
            ctx.name_of(o.user_id),
            ctx.clock.age(o.created_at)
        );
        let block = titled(ctx.theme, title, None).padding(Padding::horizontal(1));
        let text = Paragraph::new(lines_text(o))
            .wrap(Wrap { trim: false })
            .block(block);
        frame.render_widget(text, pane);
    }
}

fn render_list(b: &Board, ctx: &Ctx, frame: &mut Frame, area: Rect) {
    let t = ctx.theme;
    let title = if b.load == super::Load::Loaded {
        format!(" Board · {} pending ", b.cards.len())
    } else {
        " Board ".to_owned()
    };
    let block = titled(t, title, Some(crate::ui::live_marker(ctx)));
    if b.cards.is_empty() {
        placeholder(
            t,
            frame,
            area,
            block,
            &b.load,
            "No pending orders. New ones appear here by themselves.",
            "the pending orders",
        );
        return;
    }
    let now = ctx.clock.now();
    let cols = [
        fixed("", 1),
        num("#", 6),
        num("Age", 4),
        fixed("Customer", if area.width >= 70 { 14 } else { 10 }),
        flex("Lines"),
    ];
    let rows = b.cards.iter().map(|c| {
        let o = &c.order;
        let fresh = c
            .arrived
            .is_some_and(|at| (now - at).num_seconds() < HIGHLIGHT_SECS);
        let base = if fresh { t.fresh() } else { Style::new() };
        let mark = if b.busy.contains(&o.id) {
            "…"
        } else if b.marked.contains(&o.id) {
            "✓"
        } else {
            " "
        };
        let late = lateness(&b.settings, o.created_at, now);
        vec![
            (mark.to_owned(), t.key()),
            (o.id.to_string(), base),
            (ctx.clock.age(o.created_at), base.patch(age_style(t, late))),
            (ctx.name_of(o.user_id), base),
            (lines_text(o), base),
        ]
    });
    let len = b.cards.len();
    let mut bottom = format!(" {} of {len} ", b.selected_row() + 1);
    if !b.marked.is_empty() {
        bottom = format!(" {} marked ·{bottom}", b.marked.len());
    }
    let block = block.title_bottom(Line::from(Span::styled(bottom, t.dim())));
    table(
        t,
        frame,
        area,
        block,
        &cols,
        rows,
        At {
            len,
            selected: b.selected_row(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages_are_coloured_by_the_thresholds() {
        let s = BoardSettings::default();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        let ago = |m: i64| now - chrono::Duration::seconds(m);
        assert_eq!(lateness(&s, ago(9 * 60 + 59), now), Lateness::OnTime);
        assert_eq!(lateness(&s, ago(10 * 60), now), Lateness::Warn);
        assert_eq!(lateness(&s, ago(19 * 60 + 59), now), Lateness::Warn);
        assert_eq!(lateness(&s, ago(20 * 60), now), Lateness::Late);
        let custom = BoardSettings {
            warn_after_minutes: 2,
            late_after_minutes: 5,
            bell: true,
        };
        assert_eq!(lateness(&custom, ago(3 * 60), now), Lateness::Warn);
        assert_eq!(lateness(&custom, ago(5 * 60), now), Lateness::Late);
    }
}
