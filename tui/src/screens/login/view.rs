//! Drawing the login / create-account screen: the form, its errors, the demo accounts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Login, LoginMode};
use crate::app::Ctx;
use crate::theme::ellipsize;
use crate::widgets::form::tail;

impl Login {
    pub(super) fn draw(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let l = self;
        let title = match l.mode {
            LoginMode::SignIn => " Sign in ",
            LoginMode::SignUp => " Create account ",
        };
        let fields = l.form.fields.len() as u16;
        let demo_lines = if l.demo.is_some() { 3 } else { 0 };
        let height = (fields * 2 + 4 + demo_lines).min(area.height);
        let width = area.width.min(64);
        let [_, mid, _] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(height),
            Constraint::Fill(1),
        ])
        .areas(area);
        let [_, boxed, _] = Layout::horizontal([
            Constraint::Fill(1),
            Constraint::Length(width),
            Constraint::Fill(1),
        ])
        .areas(mid);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, t.title()));
        let inner = block.inner(boxed);
        frame.render_widget(block, boxed);

        let mut lines: Vec<Line> = Vec::new();
        let w = inner.width as usize;
        let label_w = l
            .form
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let mut cursor: Option<Position> = None;
        for (i, f) in l.form.fields.iter().enumerate() {
            let focused = i == l.form.focus;
            let marker = if focused { "›" } else { " " };
            let label = format!("{marker}{:<label_w$}", f.label);
            let room = w.saturating_sub(label.chars().count() + 1);
            let shown = f.shown();
            let value = tail(&shown, room);
            if focused {
                let x = inner.x + (label.chars().count() + value.chars().count()) as u16;
                cursor = Some(Position::new(
                    x.min(inner.right().saturating_sub(1)),
                    inner.y + lines.len() as u16,
                ));
            }
            let style = if focused {
                t.key()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(vec![
                Span::styled(label, style),
                Span::raw(value),
            ]));
            match &f.error {
                Some(e) => lines.push(Line::from(Span::styled(
                    format!(
                        " {:<label_w$}{}",
                        "",
                        ellipsize(e, w.saturating_sub(label_w + 1))
                    ),
                    t.error(),
                ))),
                None => lines.push(Line::default()),
            }
        }
        if l.restoring {
            lines.push(Line::from(Span::styled(
                " Checking the saved session…",
                t.dim(),
            )));
        } else if l.busy {
            lines.push(Line::from(Span::styled(" Please wait…", t.dim())));
        } else if let Some(e) = &l.error {
            lines.push(Line::from(Span::styled(
                format!(" {}", ellipsize(e, w.saturating_sub(1))),
                t.error(),
            )));
        } else {
            let other = match l.mode {
                LoginMode::SignIn => " F2: create an account",
                LoginMode::SignUp => " F2: back to sign in",
            };
            lines.push(Line::from(Span::styled(other, t.dim())));
        }
        if let Some(demo) = &l.demo {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                ellipsize(
                    &format!(" Demo admin:    {} / {}", demo.admin.0, demo.admin.1),
                    w,
                ),
                t.info(),
            )));
            lines.push(Line::from(Span::styled(
                ellipsize(
                    &format!(" Demo customer: {} / {}", demo.customer.0, demo.customer.1),
                    w,
                ),
                t.info(),
            )));
        }
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some(c) = cursor {
            frame.set_cursor_position(c);
        }
    }
}
