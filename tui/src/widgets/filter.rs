//! The `/` filter of a list: a one-line field under the list that filters as you type.
//! Enter keeps the filter and gives the keys back to the list; Esc clears it.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::keys::{self, Binding, K, key};
use crate::screens::Help;
use crate::theme::{Theme, ellipsize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Keep,
    Clear,
    Erase,
    Help,
    Type,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[], "a-z…", Cmd::Type, "type: the list follows as you type"),
    key(
        &[K::Code(KeyCode::Enter)],
        "Enter",
        Cmd::Keep,
        "keep the filter, back to the list",
    )
    .hint("keep"),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::Clear,
        "clear the filter",
    )
    .hint("clear"),
    key(&[K::Ctrl('u')], "Ctrl-U", Cmd::Erase, "erase the typing"),
    key(
        &[K::Code(KeyCode::F(1))],
        "F1",
        Cmd::Help,
        "help (this list)",
    )
    .hint("help"),
];

/// What a key did to the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    /// The text changed: filter again.
    Changed,
    /// Enter: done typing, filter kept.
    Kept,
    /// Esc: the filter is gone (it may have been empty already).
    Cleared,
    Help,
    /// A key with no effect.
    Ignored,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    input: Input,
    /// Typing goes to the filter.
    pub editing: bool,
}

impl Filter {
    /// The filter as sent or matched: trimmed.
    pub fn text(&self) -> &str {
        self.input.value().trim()
    }

    pub fn is_empty(&self) -> bool {
        self.text().is_empty()
    }

    /// Shown: being typed, or kept.
    pub fn is_shown(&self) -> bool {
        self.editing || !self.is_empty()
    }

    pub fn start(&mut self) {
        self.editing = true;
    }

    /// Sets the text (tests, and a filter restored from elsewhere).
    pub fn set(&mut self, text: &str) {
        self.input = Input::new(text.to_owned());
    }

    pub fn clear(&mut self) {
        self.input.reset();
        self.editing = false;
    }

    pub fn key(&mut self, ev: &KeyEvent) -> FilterKey {
        match keys::lookup(KEYS, ev, false) {
            Some(Cmd::Keep) => {
                self.editing = false;
                FilterKey::Kept
            }
            Some(Cmd::Clear) => {
                self.clear();
                FilterKey::Cleared
            }
            Some(Cmd::Help) => FilterKey::Help,
            Some(Cmd::Erase) => {
                self.input.reset();
                FilterKey::Changed
            }
            Some(Cmd::Type) | None => {
                if !matches!(
                    ev.code,
                    KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Delete
                ) && !matches!(
                    ev.code,
                    KeyCode::Left | KeyCode::Right | KeyCode::Home | KeyCode::End
                ) {
                    return FilterKey::Ignored;
                }
                let before = self.input.value().to_owned();
                self.input.handle_event(&Event::Key(*ev));
                if self.input.value() == before {
                    FilterKey::Ignored
                } else {
                    FilterKey::Changed
                }
            }
        }
    }

    pub fn help(list: &str) -> Help {
        Help::new(
            format!("Filter {list}"),
            KEYS.iter().map(Binding::help).collect(),
            false,
        )
    }

    /// The filter line: `/ text` and, dimmed, what it looks at (`scope`).
    pub fn render(&self, theme: Theme, frame: &mut Frame, area: Rect, scope: &str) {
        let w = area.width as usize;
        let text = self.input.value();
        let shown = ellipsize(text, w.saturating_sub(4).min(24));
        let used = 3 + shown.chars().count();
        let scope = format!("  {scope}");
        let line = Line::from(vec![
            Span::styled(" / ", theme.key()),
            Span::raw(shown.clone()),
            Span::styled(ellipsize(&scope, w.saturating_sub(used)), theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        if self.editing {
            let x = area.x + used as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}

/// Splits `area` into the list and, when the filter is shown, its line under the list.
pub fn split(area: Rect, filter: &Filter) -> (Rect, Option<Rect>) {
    if !filter.is_shown() || area.height < 4 {
        return (area, None);
    }
    let list = Rect {
        height: area.height - 1,
        ..area
    };
    let line = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    (list, Some(line))
}
