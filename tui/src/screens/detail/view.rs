//! Drawing the order screen: the order, its lines and total, and the popup over it.

use comanda_common::OrderStatus;
use comanda_common::validate::format_cents;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Detail, Popup};
use crate::app::Ctx;
use crate::screens::Load;
use crate::theme::ellipsize;
use crate::widgets::table::{At, fixed, flex, num, placeholder, table, titled};

impl Detail {
    pub(super) fn draw(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        self.render_order(ctx, frame, area);
        match &self.popup {
            Some(Popup::Confirm(c)) => c.render(ctx.theme, frame, area),
            Some(Popup::Prompt(p)) => p.render(ctx.theme, frame, area),
            Some(Popup::Picker(p)) => {
                let items = self.orderable();
                let flavor_w = 42usize.saturating_sub(18);
                let rows: Vec<String> = items
                    .iter()
                    .map(|i| {
                        format!(
                            "{:<fw$} {:<7}{:>9}",
                            ellipsize(&i.flavor, flavor_w),
                            i.size.as_str(),
                            format_cents(i.price_cents),
                            fw = flavor_w
                        )
                    })
                    .collect();
                let empty = match &self.menu.load {
                    Load::Failed(e) => format!("Could not load the menu: {e}"),
                    Load::Loaded if !p.filter_text().is_empty() => "Nothing matches.".to_owned(),
                    Load::Loaded => "Nothing on the menu is available.".to_owned(),
                    _ => "Loading the menu…".to_owned(),
                };
                p.render(ctx.theme, frame, area, "Add an item", &rows, &empty);
            }
            None => {}
        }
    }
    fn render_order(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let Some(order) = &self.order else {
            let block = titled(t, format!(" Order #{} ", self.id), None);
            placeholder(t, frame, area, block, &self.load, "", "the order");
            return;
        };
        let [info, items] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let who = if ctx.is_admin() && ctx.my_id() != Some(order.user_id) {
            format!(" · {}", ctx.name_of(order.user_id))
        } else {
            String::new()
        };
        let w = info.width.saturating_sub(3) as usize;
        let line = Line::from(vec![
            Span::raw(" "),
            Span::styled(order.status.to_string(), t.status(order.status)),
            Span::raw(ellipsize(
                &format!(" · {}{}", ctx.clock.local(order.created_at), who),
                w.saturating_sub(order.status.as_str().len()),
            )),
        ]);
        frame.render_widget(
            Paragraph::new(line).block(titled(t, format!(" Order #{} ", order.id), None)),
            info,
        );
        let block = titled(t, " Items ".into(), None);
        if order.items.is_empty() {
            let msg = if order.status == OrderStatus::Pending {
                "No items yet. Press a to add one."
            } else {
                "No items."
            };
            placeholder(t, frame, items, block, &Load::Loaded, msg, "");
            return;
        }
        let cols = [
            flex("Flavor"),
            fixed("Size", 6),
            num("Qty", 3),
            num("Unit", 8),
            num("Subtotal", 9),
        ];
        let rows = order.items.iter().map(|i| {
            vec![
                (i.flavor.clone(), Style::new()),
                (i.size.to_string(), Style::new()),
                (i.quantity.to_string(), Style::new()),
                (format_cents(i.unit_price_cents), Style::new()),
                (format_cents(i.subtotal_cents), Style::new()),
            ]
        });
        let block = block.title_bottom(
            Line::from(Span::styled(
                format!(" Total {} ", format_cents(order.total_cents)),
                t.title(),
            ))
            .right_aligned(),
        );
        table(
            t,
            frame,
            items,
            block,
            &cols,
            rows,
            At {
                len: order.items.len(),
                selected: self.selected,
            },
        );
    }
}
