//! A `y`/`n` question; `y` hands the opener back the `T` it was opened with.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{boxed, centered};
use crate::keys::{self, Binding, K, key};
use crate::screens::Help;
use crate::theme::{Theme, ellipsize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Yes,
    No,
    Help,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Char('y'), K::Char('Y')], "y", Cmd::Yes, "yes, do it").hint("yes"),
    key(
        &[
            K::Char('n'),
            K::Char('N'),
            K::Code(KeyCode::Esc),
            K::Char('q'),
        ],
        "n",
        Cmd::No,
        "no (also Esc, q)",
    )
    .hint("no"),
    key(
        &[K::Char('?'), K::Code(KeyCode::F(1))],
        "?",
        Cmd::Help,
        "help (this list)",
    ),
];

/// What a key did to the question.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer<T> {
    Yes(T),
    No,
    Help,
    /// Still asking (every other key is swallowed).
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm<T> {
    pub question: String,
    pub on_yes: T,
}

impl<T> Confirm<T> {
    pub fn new(question: impl Into<String>, on_yes: T) -> Confirm<T> {
        Confirm {
            question: question.into(),
            on_yes,
        }
    }

    /// Handles a key on the popup in `slot`: `y` and `n` close it.
    pub fn key(slot: &mut Option<Confirm<T>>, ev: &KeyEvent) -> Answer<T> {
        match keys::lookup(KEYS, ev, false) {
            Some(Cmd::Yes) => match slot.take() {
                Some(c) => Answer::Yes(c.on_yes),
                None => Answer::Open,
            },
            Some(Cmd::No) => {
                *slot = None;
                Answer::No
            }
            Some(Cmd::Help) => Answer::Help,
            None => Answer::Open,
        }
    }

    pub fn help() -> Help {
        Help::new("Confirm", KEYS.iter().map(Binding::help).collect(), false)
    }

    pub fn render(&self, theme: Theme, frame: &mut Frame, area: Rect) {
        let width = (self.question.chars().count() as u16 + 4)
            .max(30)
            .min(area.width);
        let r = centered(area, width, 5);
        frame.render_widget(Clear, r);
        let inner_w = r.width.saturating_sub(2) as usize;
        let lines = vec![
            Line::from(format!(
                " {}",
                ellipsize(&self.question, inner_w.saturating_sub(1))
            )),
            Line::default(),
            Line::from(vec![
                Span::styled(" y", theme.key()),
                Span::raw(" yes   "),
                Span::styled("n", theme.key()),
                Span::raw(" no"),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(lines).block(boxed(theme, " Confirm ".into())),
            r,
        );
    }
}
