//! Popups over a screen. Each is typed by what its answer means to the screen that opened
//! it (`Confirm<T>` hands back its `T` on `y`, `Prompt<T>` its `T` and the typed values),
//! has its own key table (so help and the footer cover it), and takes every key while open.

pub mod confirm;
pub mod help;
pub mod picker;
pub mod prompt;

pub use confirm::Confirm;
pub use help::HelpView;
pub use picker::Picker;
pub use prompt::Prompt;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::theme::Theme;

/// A `width`×`height` box in the middle of `area` (cut to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
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

pub fn boxed(theme: Theme, title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.title()))
}
