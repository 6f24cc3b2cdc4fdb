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
    /// A suggested value that the first typed character replaces (like a selected
    /// default), so typing `2` in a quantity prefilled with `1` gives 2, not 12.
    pub suggested: bool,
}

impl Field {
    pub fn new(label: &'static str) -> Field {
        Field {
            label,
            input: Input::default(),
            masked: false,
            error: None,
            suggested: false,
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
    /// `v` as a suggestion: kept if the user just presses Enter, replaced by the first
    /// character typed.
    pub fn with_suggestion(mut self, v: &str) -> Field {
        self.input = Input::new(v.to_owned());
        self.suggested = true;
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
                    if std::mem::take(&mut f.suggested)
                        && matches!(key.code, KeyCode::Char(_))
                        && !key.modifiers.contains(KeyModifiers::CONTROL)
                    {
                        f.input.reset();
                    }
                    f.input.handle_event(&Event::Key(key));
                    f.error = None;
                    FormKey::Changed
                }
                None => FormKey::Ignored,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn a_suggested_value_is_replaced_by_the_first_character_typed() {
        let mut form = Form::new(vec![Field::new("Quantity").with_suggestion("1")]);
        form.handle_key(key(KeyCode::Char('2')));
        assert_eq!(form.value(0), "2");
        form.handle_key(key(KeyCode::Char('0')));
        assert_eq!(form.value(0), "20");
    }

    #[test]
    fn a_suggested_value_is_kept_when_not_typed_over() {
        let mut form = Form::new(vec![Field::new("Quantity").with_suggestion("1")]);
        assert_eq!(form.handle_key(key(KeyCode::Enter)), FormKey::Submit);
        assert_eq!(form.value(0), "1");
        // Editing keys keep it too: Backspace edits the suggestion instead of replacing it.
        let mut form = Form::new(vec![Field::new("Quantity").with_suggestion("12")]);
        form.handle_key(key(KeyCode::Backspace));
        assert_eq!(form.value(0), "1");
    }

    #[test]
    fn an_ordinary_value_is_edited_in_place() {
        let mut form = Form::new(vec![Field::new("Username").with_value("ana")]);
        form.handle_key(key(KeyCode::Char('x')));
        assert_eq!(form.value(0), "anax");
    }
}
