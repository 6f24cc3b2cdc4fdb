//! A small form of fields, shared by the login screen and the prompts: text (tui-input),
//! digits only, or a choice among a few words. Tab / Shift-Tab / Up / Down move, Ctrl-U
//! clears the focused field, ← → (or Space) change a choice, Enter submits.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::theme::Theme;

/// What a field accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Shown as dots.
    Masked,
    /// Digits only: any other character is refused as it is typed.
    Digits,
    /// One of a few words, changed with ← → or Space (or the word's first letter).
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    pub kind: FieldKind,
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
            kind: FieldKind::Text,
            error: None,
            suggested: false,
        }
    }
    pub fn masked(label: &'static str) -> Field {
        Field {
            kind: FieldKind::Masked,
            ..Field::new(label)
        }
    }
    pub fn digits(label: &'static str) -> Field {
        Field {
            kind: FieldKind::Digits,
            ..Field::new(label)
        }
    }
    /// A choice among `options`, `initial` chosen.
    pub fn choice(label: &'static str, options: &'static [&'static str], initial: &str) -> Field {
        let first = options.first().copied().unwrap_or_default();
        let value = options.iter().find(|o| **o == initial).unwrap_or(&first);
        Field {
            kind: FieldKind::Choice(options),
            ..Field::new(label).with_value(value)
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
    /// What the field shows: dots for a password, `‹ medium ›` for a choice.
    pub fn shown(&self) -> String {
        match self.kind {
            FieldKind::Masked => "•".repeat(self.input.value().chars().count()),
            FieldKind::Choice(_) => format!("‹ {} ›", self.input.value()),
            FieldKind::Text | FieldKind::Digits => self.input.value().to_owned(),
        }
    }

    /// Moves a choice by `step` (wrapping); false for other fields.
    fn turn(&mut self, step: isize) -> bool {
        let FieldKind::Choice(options) = self.kind else {
            return false;
        };
        let n = options.len() as isize;
        if n == 0 {
            return true;
        }
        let at = options
            .iter()
            .position(|o| *o == self.input.value())
            .unwrap_or(0) as isize;
        let next = options[((at + step) % n + n) as usize % n as usize];
        self.input = Input::new(next.to_owned());
        true
    }

    /// Handles a key typed into this field; false when it refuses the key.
    fn type_key(&mut self, key: KeyEvent) -> bool {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (&self.kind, key.code) {
            (FieldKind::Choice(_), KeyCode::Left) => self.turn(-1),
            (FieldKind::Choice(_), KeyCode::Right | KeyCode::Char(' ')) => self.turn(1),
            (FieldKind::Choice(options), KeyCode::Char(c)) if plain => {
                let c = c.to_ascii_lowercase();
                match options.iter().find(|o| o.starts_with(c)) {
                    Some(o) => {
                        self.input = Input::new((*o).to_owned());
                        true
                    }
                    None => false,
                }
            }
            (FieldKind::Choice(_), _) => false,
            (FieldKind::Digits, KeyCode::Char(c)) if plain && !c.is_ascii_digit() => false,
            _ => {
                if std::mem::take(&mut self.suggested)
                    && matches!(key.code, KeyCode::Char(_))
                    && plain
                {
                    self.input.reset();
                }
                self.input.handle_event(&Event::Key(key));
                true
            }
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
        if let Some(f) = self.fields.get_mut(i)
            && !matches!(f.kind, FieldKind::Choice(_))
        {
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
                    if f.type_key(key) {
                        f.error = None;
                        FormKey::Changed
                    } else {
                        FormKey::Ignored
                    }
                }
                None => FormKey::Ignored,
            },
        }
    }
}

/// The end of `s` that fits in `width` columns (the part being typed stays visible).
pub fn tail(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - width + 1));
    out
}

/// Cuts `text` into lines of at most `width` columns, at spaces where it can.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                out.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than a line: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            out.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

impl Form {
    /// The fields, one per line, label then value; and where the cursor goes (column,
    /// line) in a box `width` columns wide.
    pub fn lines(&self, theme: Theme, width: usize) -> (Vec<Line<'static>>, Option<(u16, u16)>) {
        let label_w = self
            .fields
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let mut lines = Vec::new();
        let mut cursor = None;
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let label = format!("{}{:<label_w$}", if focused { "›" } else { " " }, f.label);
            let room = width.saturating_sub(label.chars().count() + 1);
            let value = tail(&f.shown(), room);
            if focused && !matches!(f.kind, FieldKind::Choice(_)) {
                cursor = Some((
                    (label.chars().count() + value.chars().count()) as u16,
                    lines.len() as u16,
                ));
            }
            let style = if focused { theme.key() } else { Style::new() };
            lines.push(Line::from(vec![
                Span::styled(label, style),
                Span::raw(value),
            ]));
        }
        (lines, cursor)
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
    fn a_digits_field_refuses_anything_else() {
        let mut form = Form::new(vec![Field::digits("Quantity").with_suggestion("1")]);
        assert_eq!(form.handle_key(key(KeyCode::Char('a'))), FormKey::Ignored);
        assert_eq!(form.value(0), "1");
        form.handle_key(key(KeyCode::Char('3')));
        form.handle_key(key(KeyCode::Char('x')));
        form.handle_key(key(KeyCode::Char('-')));
        assert_eq!(form.value(0), "3");
    }

    #[test]
    fn a_choice_turns_and_takes_no_free_text() {
        const SIZES: &[&str] = &["small", "medium", "large"];
        let mut form = Form::new(vec![Field::choice("Size", SIZES, "medium")]);
        form.handle_key(key(KeyCode::Right));
        assert_eq!(form.value(0), "large");
        form.handle_key(key(KeyCode::Right));
        assert_eq!(form.value(0), "small");
        form.handle_key(key(KeyCode::Left));
        assert_eq!(form.value(0), "large");
        assert_eq!(form.handle_key(key(KeyCode::Char('h'))), FormKey::Ignored);
        form.handle_key(key(KeyCode::Char('m')));
        assert_eq!(form.value(0), "medium");
        assert_eq!(form.fields[0].shown(), "‹ medium ›");
    }

    #[test]
    fn long_messages_wrap_instead_of_being_cut() {
        let lines = wrap(
            "flavor must be 1 to 64 characters without control characters",
            20,
        );
        assert_eq!(
            lines,
            [
                "flavor must be 1 to",
                "64 characters",
                "without control",
                "characters"
            ]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    }

    #[test]
    fn an_ordinary_value_is_edited_in_place() {
        let mut form = Form::new(vec![Field::new("Username").with_value("ana")]);
        form.handle_key(key(KeyCode::Char('x')));
        assert_eq!(form.value(0), "anax");
    }
}
