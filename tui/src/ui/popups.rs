//! Popups drawn over the screen: help, confirmations, the menu picker and small forms.

use comanda_common::validate::format_cents;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};

use super::login::form_lines;
use crate::app::keys::{self, Binding};
use crate::app::{App, Load, Popup, Route};
use crate::theme::ellipsize;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(h),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, r, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(w),
        Constraint::Fill(1),
    ])
    .areas(mid);
    r
}

fn boxed(app: &App, title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, app.theme.title()))
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(popup) = &app.popup else { return };
    match popup {
        Popup::Help => help(app, frame, area),
        Popup::Confirm { question, .. } => {
            let width = (question.chars().count() as u16 + 4).clamp(30, area.width);
            let r = centered(area, width, 5);
            frame.render_widget(Clear, r);
            let inner_w = r.width.saturating_sub(2) as usize;
            let lines = vec![
                Line::from(format!(
                    " {}",
                    ellipsize(question, inner_w.saturating_sub(1))
                )),
                Line::default(),
                Line::from(vec![
                    Span::styled(" y", app.theme.key()),
                    Span::raw(" yes   "),
                    Span::styled("n", app.theme.key()),
                    Span::raw(" no"),
                ]),
            ];
            frame.render_widget(
                Paragraph::new(lines).block(boxed(app, " Confirm ".into())),
                r,
            );
        }
        Popup::Picker { selected } => {
            let items = app.orderable();
            let r = centered(area, 46, (items.len() as u16 + 4).clamp(6, area.height));
            frame.render_widget(Clear, r);
            let block = boxed(app, " Add an item ".into()).title_bottom(Line::from(Span::styled(
                " Enter choose · Esc cancel ",
                app.theme.dim(),
            )));
            if items.is_empty() {
                let text = match &app.menu.load {
                    Load::Loaded => "Nothing on the menu is available.".to_owned(),
                    Load::Failed(e) => format!("Could not load the menu: {e}"),
                    _ => "Loading the menu…".to_owned(),
                };
                frame.render_widget(Paragraph::new(format!(" {text}")).block(block), r);
                return;
            }
            let w = r.width.saturating_sub(4) as usize;
            let flavor_w = w.saturating_sub(18);
            let list: Vec<ListItem> = items
                .iter()
                .map(|i| {
                    ListItem::new(format!(
                        "{:<fw$} {:<7}{:>9}",
                        ellipsize(&i.flavor, flavor_w),
                        i.size.as_str(),
                        format_cents(i.price_cents),
                        fw = flavor_w
                    ))
                })
                .collect();
            let mut state = ListState::default();
            state.select(Some((*selected).min(items.len() - 1)));
            frame.render_stateful_widget(
                List::new(list)
                    .block(block)
                    .highlight_style(app.theme.selected())
                    .highlight_symbol("▌ "),
                r,
                &mut state,
            );
        }
        Popup::Prompt { kind, form, error } => {
            let title = Popup::title(kind);
            let width = (title.chars().count() as u16 + 6).clamp(44, area.width);
            let height = form.fields.len() as u16 + 4;
            let r = centered(area, width, height);
            frame.render_widget(Clear, r);
            let block = boxed(
                app,
                format!(
                    " {} ",
                    ellipsize(&title, r.width.saturating_sub(4) as usize)
                ),
            )
            .title_bottom(Line::from(Span::styled(
                " Enter ok · Esc cancel ",
                app.theme.dim(),
            )));
            let inner = block.inner(r);
            let (mut lines, cursor) = form_lines(app, form, inner.width as usize);
            lines.push(Line::default());
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(
                    format!(" {}", ellipsize(e, inner.width.saturating_sub(1) as usize)),
                    app.theme.error(),
                )));
            }
            frame.render_widget(Paragraph::new(lines).block(block), r);
            if let Some((x, y)) = cursor {
                let x = (inner.x + x).min(inner.right().saturating_sub(1));
                frame.set_cursor_position(Position::new(x, inner.y + y));
            }
        }
    }
}

/// One row of help: a key and what it does, or a section title.
fn help_entries(app: &App) -> Vec<(&'static str, &'static str)> {
    let admin = app.is_admin();
    let mut out: Vec<(&'static str, &'static str)> = keys::visible(app.key_table(), admin)
        .map(|b: &Binding| (b.label, b.desc))
        .collect();
    if app.route != Route::Login {
        out.push(("", "Everywhere"));
        let screen: Vec<&str> = out.iter().map(|(label, _)| *label).collect();
        out.extend(
            keys::visible(keys::GLOBAL, admin)
                .filter(|b| !screen.contains(&b.label))
                .map(|b| (b.label, b.desc)),
        );
    }
    out
}

fn help(app: &App, frame: &mut Frame, area: Rect) {
    let screen = match app.route {
        Route::Login => "Sign in",
        Route::Orders => "Orders",
        Route::Detail => "Order",
        Route::Menu => "Menu",
        Route::Profile => "Profile",
        Route::Users => "Users",
    };
    let entries = help_entries(app);
    let rows_room = area.height.saturating_sub(2) as usize;
    // One column when it fits, else two side by side.
    let columns = if entries.len() <= rows_room { 1 } else { 2 };
    let per_col = entries.len().div_ceil(columns);
    let width = if columns == 1 { 48 } else { 78 };
    let r = centered(area, width, per_col as u16 + 2);
    frame.render_widget(Clear, r);
    let block = boxed(app, format!(" Help: {screen} "))
        .title_bottom(Line::from(Span::styled(" Esc close ", app.theme.dim())));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let col_w = inner.width as usize / columns;
    let mut lines: Vec<Line> = Vec::new();
    for row in 0..per_col {
        let mut spans = Vec::new();
        for c in 0..columns {
            let Some((key, desc)) = entries.get(c * per_col + row) else {
                continue;
            };
            let text_w = col_w.saturating_sub(10);
            if key.is_empty() {
                spans.push(Span::styled(
                    format!(
                        " {:<w$}",
                        ellipsize(desc, col_w.saturating_sub(1)),
                        w = col_w.saturating_sub(1)
                    ),
                    app.theme.dim(),
                ));
            } else {
                spans.push(Span::styled(format!(" {key:<8} "), app.theme.key()));
                spans.push(Span::raw(format!("{:<text_w$}", ellipsize(desc, text_w))));
            }
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
