//! A list to choose one row from, filtered by typing (the "add an item" menu picker).
//! The opener owns the rows; the picker owns the typed filter and the selection.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{boxed, centered};
use crate::keys::{self, Binding, K, Nav, key, move_selection};
use crate::screens::Help;
use crate::theme::{Theme, ellipsize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Choose,
    Cancel,
    Help,
    ClearFilter,
    Type,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Code(KeyCode::Enter)], "Enter", Cmd::Choose, "choose").hint("choose"),
    key(&[K::Code(KeyCode::Esc)], "Esc", Cmd::Cancel, "cancel").hint("cancel"),
    key(&[], "a-z…", Cmd::Type, "type to filter (flavor, size)").hint("filter"),
    key(
        &[K::Ctrl('u')],
        "Ctrl-U",
        Cmd::ClearFilter,
        "clear the filter",
    ),
    key(
        &[K::Char('?'), K::Code(KeyCode::F(1))],
        "?",
        Cmd::Help,
        "help (this list)",
    )
    .hint("help"),
];

/// What a key did to the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Enter on this row (an index into the rows that match the filter).
    Chosen(usize),
    Cancel,
    Help,
    /// Moved, or the filter changed: nothing for the opener to do.
    Kept,
}

#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub filter: Input,
    pub selected: usize,
}

impl Picker {
    pub fn filter_text(&self) -> String {
        self.filter.value().trim().to_lowercase()
    }

    /// Handles a key; `len` rows match the filter, `page` fit on a screen.
    pub fn key(&mut self, ev: &KeyEvent, len: usize, page: usize) -> Pick {
        if let Some(nav) = keys::lookup(keys::NAV_ARROWS, ev, false) {
            self.selected = move_selection(self.selected, len, nav, page);
            return Pick::Kept;
        }
        match keys::lookup(KEYS, ev, false) {
            Some(Cmd::Choose) if len > 0 => Pick::Chosen(self.selected.min(len - 1)),
            Some(Cmd::Choose) => Pick::Kept,
            Some(Cmd::Cancel) => Pick::Cancel,
            Some(Cmd::Help) => Pick::Help,
            Some(Cmd::ClearFilter) => {
                self.filter.reset();
                self.selected = 0;
                Pick::Kept
            }
            Some(Cmd::Type) | None => {
                if matches!(
                    ev.code,
                    KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Delete
                ) {
                    self.filter.handle_event(&Event::Key(*ev));
                    self.selected = 0;
                }
                Pick::Kept
            }
        }
    }

    /// Moves the selection by one (the mouse wheel).
    pub fn scroll(&mut self, nav: Nav, len: usize) {
        self.selected = move_selection(self.selected, len, nav, 1);
    }

    pub fn help(title: &str) -> Help {
        let mut keys: Vec<_> = keys::NAV_ARROWS.iter().map(Binding::help).collect();
        keys.extend(KEYS.iter().map(Binding::help));
        Help::new(title, keys, false)
    }

    /// Draws the picker: the filter line, then `rows` (or `empty` when there are none).
    pub fn render(
        &self,
        theme: Theme,
        frame: &mut Frame,
        area: Rect,
        title: &str,
        rows: &[String],
        empty: &str,
    ) {
        let r = centered(area, 46, (rows.len() as u16 + 5).max(7));
        frame.render_widget(Clear, r);
        let block = boxed(theme, format!(" {title} ")).title_bottom(Line::from(Span::styled(
            " Enter choose · Esc cancel ",
            theme.dim(),
        )));
        let inner = block.inner(r);
        frame.render_widget(block, r);
        if inner.height == 0 {
            return;
        }
        let filter = self.filter.value();
        let line = if filter.is_empty() {
            Line::from(Span::styled(" / type to filter", theme.dim()))
        } else {
            Line::from(vec![
                Span::styled(" / ", theme.key()),
                Span::raw(ellipsize(filter, inner.width.saturating_sub(4) as usize)),
            ])
        };
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..inner });
        if !filter.is_empty() {
            let x = inner.x + 3 + filter.chars().count().min(inner.width as usize) as u16;
            frame.set_cursor_position(Position::new(
                x.min(inner.right().saturating_sub(1)),
                inner.y,
            ));
        }
        let list_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        if rows.is_empty() {
            frame.render_widget(Paragraph::new(format!(" {empty}")), list_area);
            return;
        }
        let list: Vec<ListItem> = rows.iter().map(|t| ListItem::new(t.clone())).collect();
        let mut state = ListState::default();
        state.select(Some(self.selected.min(rows.len() - 1)));
        frame.render_stateful_widget(
            List::new(list)
                .highlight_style(theme.selected())
                .highlight_symbol("▌ "),
            list_area,
            &mut state,
        );
    }
}
