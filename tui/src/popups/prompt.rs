//! A small form in a popup. Enter hands the opener its `T` with the form; the opener checks
//! the values and, when it sends them, marks the prompt as waiting: the prompt stays open
//! until the server agrees, and a refusal is shown inside it with the typing kept.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{boxed, centered};
use crate::keys::{self, Binding, K, key};
use crate::screens::Help;
use crate::theme::{Theme, ellipsize};
use crate::widgets::form::{FieldKind, Form, FormKey, wrap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Submit,
    Cancel,
    Help,
    Field,
}

/// The prompt's keys. `Field` keys are handled by the form; they are listed for help.
pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Code(KeyCode::Enter)], "Enter", Cmd::Submit, "ok").hint("ok"),
    key(&[K::Code(KeyCode::Esc)], "Esc", Cmd::Cancel, "cancel").hint("cancel"),
    key(&[K::Code(KeyCode::Tab)], "Tab/↓", Cmd::Field, "next field"),
    key(
        &[K::Code(KeyCode::BackTab)],
        "S-Tab/↑",
        Cmd::Field,
        "previous field",
    ),
    key(&[], "←/→", Cmd::Field, "change a choice (also Space)"),
    key(&[K::Ctrl('u')], "Ctrl-U", Cmd::Field, "clear the field"),
    key(
        &[K::Code(KeyCode::F(1))],
        "F1",
        Cmd::Help,
        "help (this list)",
    ),
];

/// What a key did to the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKey {
    /// Enter: the opener checks and sends the values.
    Submit,
    /// Esc: closed.
    Cancel,
    Help,
    /// Typing, or a key it ignores: nothing for the opener to do.
    Kept,
}

#[derive(Debug, Clone)]
pub struct Prompt<T> {
    pub ask: T,
    pub title: String,
    pub form: Form,
    /// Why the last Enter was refused (by the opener's check, or by the server).
    pub error: Option<String>,
    /// Sent: waiting for the server's answer.
    pub waiting: bool,
}

impl<T> Prompt<T> {
    pub fn new(ask: T, title: impl Into<String>, form: Form) -> Prompt<T> {
        Prompt {
            ask,
            title: title.into(),
            form,
            error: None,
            waiting: false,
        }
    }

    pub fn key(&mut self, ev: &KeyEvent) -> PromptKey {
        match keys::lookup(KEYS, ev, false) {
            Some(Cmd::Cancel) => return PromptKey::Cancel,
            Some(Cmd::Help) => return PromptKey::Help,
            _ => {}
        }
        if self.waiting {
            // Sent: the typing stays as it was sent until the answer comes.
            return PromptKey::Kept;
        }
        match self.form.handle_key(*ev) {
            FormKey::Submit => PromptKey::Submit,
            FormKey::Cancel => PromptKey::Cancel,
            FormKey::Changed => {
                self.error = None;
                PromptKey::Kept
            }
            FormKey::Ignored => PromptKey::Kept,
        }
    }

    /// The opener refused the values, or the server did: shown in the prompt, typing kept.
    pub fn refuse(&mut self, why: impl Into<String>) {
        self.waiting = false;
        self.error = Some(why.into());
    }

    pub fn help(&self) -> Help {
        let choice = self
            .form
            .fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Choice(_)));
        Help::new(
            self.title.clone(),
            KEYS.iter()
                .filter(|b| choice || b.label != "←/→")
                .map(Binding::help)
                .collect(),
            false,
        )
    }

    pub fn render(&self, theme: Theme, frame: &mut Frame, area: Rect) {
        let width = (self.title.chars().count() as u16 + 6)
            .max(44)
            .min(area.width);
        let inner_w = width.saturating_sub(2) as usize;
        let status: Vec<(String, bool)> = if self.waiting {
            vec![("Sending…".to_owned(), false)]
        } else if let Some(e) = &self.error {
            wrap(e, inner_w.saturating_sub(1))
                .into_iter()
                .map(|l| (l, true))
                .collect()
        } else {
            Vec::new()
        };
        let height = self.form.fields.len() as u16 + 3 + status.len().max(1) as u16;
        let r = centered(area, width, height);
        frame.render_widget(Clear, r);
        let block = boxed(
            theme,
            format!(
                " {} ",
                ellipsize(&self.title, r.width.saturating_sub(4) as usize)
            ),
        )
        .title_bottom(Line::from(Span::styled(
            " Enter ok · Esc cancel ",
            theme.dim(),
        )));
        let inner = block.inner(r);
        let (mut lines, cursor) = self.form.lines(theme, inner.width as usize);
        lines.push(Line::default());
        for (text, error) in status {
            let style = if error { theme.error() } else { theme.dim() };
            lines.push(Line::from(Span::styled(format!(" {text}"), style)));
        }
        frame.render_widget(Paragraph::new(lines).block(block), r);
        if let Some((x, y)) = cursor {
            let x = (inner.x + x).min(inner.right().saturating_sub(1));
            frame.set_cursor_position(Position::new(x, inner.y + y));
        }
    }
}
