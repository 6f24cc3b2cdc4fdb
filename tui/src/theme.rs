//! Colours from the terminal's own palette (named ANSI colours only), or none with `NO_COLOR`.

use comanda_common::OrderStatus;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// Colours unless `NO_COLOR` is set to a non-empty value (https://no-color.org).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    /// An order getting late (the board's ages).
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// Something that just arrived (the board's new orders).
    pub fn fresh(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }
    pub fn info(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new()
        }
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    pub fn live(&self, live: bool) -> Style {
        if live {
            self.fg(Color::Green)
        } else {
            self.fg(Color::Yellow)
        }
    }
    pub fn status(&self, s: OrderStatus) -> Style {
        match s {
            OrderStatus::Pending => self.fg(Color::Yellow),
            OrderStatus::Finished => self.fg(Color::Green),
            OrderStatus::Cancelled => self.fg(Color::Red),
        }
    }
    pub fn tab(&self, active: bool) -> Style {
        if active {
            self.fg(Color::Cyan)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new()
        }
    }
}

/// Cuts `s` to `width` columns, ending with `…` when cut. Never wraps.
pub fn ellipsize(s: &str, width: usize) -> String {
    let count = s.chars().count();
    if count <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ellipsis() {
        assert_eq!(super::ellipsize("Margherita", 20), "Margherita");
        assert_eq!(super::ellipsize("Margherita", 6), "Margh…");
        assert_eq!(super::ellipsize("abc", 0), "");
    }
}
