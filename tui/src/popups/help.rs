//! The help popup (`?`): the keys of what is in front, from its own key table, and the
//! keys that work everywhere. It scrolls when the terminal is too small to show it whole.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{boxed, centered};
use crate::keys::{self, Binding, K, KeyHelp, Nav, key, move_selection};
use crate::theme::{Theme, ellipsize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Close,
}

pub const KEYS: &[Binding<Cmd>] = &[key(
    &[
        K::Code(KeyCode::Esc),
        K::Char('q'),
        K::Char('?'),
        K::Code(KeyCode::Enter),
        K::Code(KeyCode::F(1)),
    ],
    "Esc",
    Cmd::Close,
    "close help",
)];

#[derive(Debug, Clone)]
pub struct HelpView {
    pub title: String,
    pub entries: Vec<KeyHelp>,
    pub scroll: usize,
}

impl HelpView {
    /// Handles a key; false when help is closed by it.
    pub fn key(&mut self, ev: &KeyEvent) -> bool {
        if keys::lookup(KEYS, ev, false).is_some() {
            return false;
        }
        if let Some(nav) = keys::lookup(keys::NAV, ev, false) {
            self.scroll_by(nav, 5);
        }
        true
    }

    /// Scrolls (clamped when drawn).
    pub fn scroll_by(&mut self, nav: Nav, page: usize) {
        self.scroll = move_selection(self.scroll, self.entries.len(), nav, page);
    }

    pub fn render(&self, theme: Theme, frame: &mut Frame, area: Rect) {
        let entries = &self.entries;
        let rows_room = area.height.saturating_sub(2).max(1) as usize;
        // One column when it fits (or the terminal is narrow), else two side by side.
        let columns = if entries.len() <= rows_room || area.width < 56 {
            1
        } else {
            2
        };
        let per_col = entries.len().div_ceil(columns);
        let shown = per_col.min(rows_room);
        let max_scroll = per_col - shown;
        let scroll = self.scroll.min(max_scroll);
        let width = if columns == 1 { 48 } else { 78 };
        let r = centered(area, width, shown as u16 + 2);
        frame.render_widget(Clear, r);
        let bottom = if max_scroll > 0 {
            format!(" ↑↓ more ({}/{per_col}) · Esc close ", scroll + shown)
        } else {
            " Esc close ".to_owned()
        };
        let block = boxed(theme, format!(" Help: {} ", self.title))
            .title_bottom(Line::from(Span::styled(bottom, theme.dim())));
        let inner = block.inner(r);
        frame.render_widget(block, r);
        let col_w = inner.width as usize / columns;
        let mut lines: Vec<Line> = Vec::new();
        for row in scroll..scroll + shown {
            let mut spans = Vec::new();
            for c in 0..columns {
                let Some(k) = entries.get(c * per_col + row) else {
                    continue;
                };
                let text_w = col_w.saturating_sub(10);
                if k.label.is_empty() {
                    spans.push(Span::styled(
                        format!(
                            " {:<w$}",
                            ellipsize(k.desc, col_w.saturating_sub(1)),
                            w = col_w.saturating_sub(1)
                        ),
                        theme.dim(),
                    ));
                } else {
                    spans.push(Span::styled(format!(" {:<8} ", k.label), theme.key()));
                    spans.push(Span::raw(format!("{:<text_w$}", ellipsize(k.desc, text_w))));
                }
            }
            lines.push(Line::from(spans));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
