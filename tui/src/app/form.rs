//! A small form of text fields (tui-input), shared by the login screen and the popups:
//! Tab / Shift-Tab / Up / Down move, Ctrl-U clears the focused field, Enter submits.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    pub masked: bool,
    pub error: Option<String>,
}

impl Field {
    pub fn new(label: &'static str) -> Field {
        Field {
            label,
            input: Input::default(),
            masked: false,
            error: None,
        }
    }
    pub fn masked(label: &'static str) -> Field {
        Field {
            masked: true,
            ..Field::new(label)
        }
    }
    pub fn with_value(mut self, v: &str) -> Field {
        self.input = Input::new(v.to_owned());
        self
    }
    pub fn value(&self) -> &str {
        self.input.value()
    }
    /// What the field shows: dots for a password.
    pub fn shown(&self) -> String {
        if self.masked {
            "•".repeat(self.input.value().chars().count())
        } else {
            self.input.value().to_owned()
        }
    }
}

/// What a key did to a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Submit,
    Cancel,
    Changed,
    Ignored,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form { fields, focus: 0 }
    }

    pub fn value(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", |f| f.value())
    }

    pub fn set_error(&mut self, i: usize, e: Option<String>) {
        if let Some(f) = self.fields.get_mut(i) {
            f.error = e;
        }
    }

    pub fn clear_errors(&mut self) {
        for f in &mut self.fields {
            f.error = None;
        }
    }

    pub fn clear(&mut self, i: usize) {
        if let Some(f) = self.fields.get_mut(i) {
            f.input.reset();
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormKey {
        let n = self.fields.len().max(1);
        match key.code {
            KeyCode::Enter => FormKey::Submit,
            KeyCode::Esc => FormKey::Cancel,
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                FormKey::Changed
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                FormKey::Changed
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.clear(self.focus);
                FormKey::Changed
            }
            _ => match self.fields.get_mut(self.focus) {
                Some(f) => {
                    f.input.handle_event(&Event::Key(key));
                    f.error = None;
                    FormKey::Changed
                }
                None => FormKey::Ignored,
            },
        }
    }
}
