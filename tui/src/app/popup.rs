//! Popups over a screen: help, y/n confirmations, the menu picker and small forms.

use comanda_common::{
    Email, Flavor, MenuItemCreate, MenuItemPatch, OrderItemCreate, Password, PriceCents, Quantity,
    Size, UserPatch, Username,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::form::{Field, Form, FormKey};
use super::keys::Cmd;
use super::{App, Load, Outcome, move_selection};

/// What a `y` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    RemoveItem { order_id: i64, item_id: i64 },
    CancelOrder(i64),
    FinishOrder(i64),
    Logout { all: bool },
    DeleteUser(i64),
    SetAdmin { id: i64, to: bool },
    SetActive { id: i64, to: bool },
}

/// What a small form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    FilterOrders,
    FilterMenu,
    SearchUsers,
    Quantity { flavor: String, size: Size },
    NewMenuItem,
    EditPrice { id: i64, flavor: String, size: Size },
    EditUsername,
    EditEmail,
    EditPassword,
    DeleteAccount,
}

#[derive(Debug, Clone)]
pub enum Popup {
    Help,
    Confirm {
        question: String,
        on_yes: Confirmed,
    },
    /// The menu picker of "add item".
    Picker {
        selected: usize,
    },
    Prompt {
        kind: PromptKind,
        form: Form,
        error: Option<String>,
    },
}

impl Popup {
    /// A form for `kind`, its first field holding `initial`.
    pub fn prompt(kind: PromptKind, initial: &str) -> Popup {
        let fields = match &kind {
            PromptKind::FilterOrders | PromptKind::FilterMenu => {
                vec![Field::new("Filter").with_value(initial)]
            }
            PromptKind::SearchUsers => vec![Field::new("Search").with_value(initial)],
            PromptKind::Quantity { .. } => vec![Field::new("Quantity").with_suggestion("1")],
            PromptKind::NewMenuItem => vec![
                Field::new("Flavor"),
                Field::new("Size").with_value("medium"),
                Field::new("Price").with_value(initial),
            ],
            PromptKind::EditPrice { .. } => vec![Field::new("Price").with_value(initial)],
            PromptKind::EditUsername => vec![Field::new("Username").with_value(initial)],
            PromptKind::EditEmail => vec![Field::new("Email").with_value(initial)],
            PromptKind::EditPassword => {
                vec![Field::masked("New password"), Field::masked("Confirm")]
            }
            PromptKind::DeleteAccount => vec![Field::new("Type your username")],
        };
        Popup::Prompt {
            kind,
            form: Form::new(fields),
            error: None,
        }
    }

    pub fn title(kind: &PromptKind) -> String {
        match kind {
            PromptKind::FilterOrders | PromptKind::FilterMenu => "Filter".into(),
            PromptKind::SearchUsers => "Search users".into(),
            PromptKind::Quantity { flavor, size } => format!("How many {flavor} ({size})?"),
            PromptKind::NewMenuItem => "New menu item".into(),
            PromptKind::EditPrice { flavor, size, .. } => format!("Price of {flavor} ({size})"),
            PromptKind::EditUsername => "Change username".into(),
            PromptKind::EditEmail => "Change email".into(),
            PromptKind::EditPassword => "Change password".into(),
            PromptKind::DeleteAccount => "Delete your account — this cannot be undone".into(),
        }
    }
}

/// Parses `12.50`, `12,5` or `12` as cents.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w.to_owned(), f.to_owned()),
        None => (s.clone(), String::new()),
    };
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

impl App {
    pub(super) fn popup_key(&mut self, key: KeyEvent) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        match popup {
            Popup::Help => {
                // Any of these closes help; everything else keeps it open.
                if !matches!(
                    key.code,
                    KeyCode::Esc
                        | KeyCode::Char('q')
                        | KeyCode::Char('?')
                        | KeyCode::Enter
                        | KeyCode::F(1)
                ) {
                    self.popup = Some(Popup::Help);
                }
            }
            Popup::Confirm { question, on_yes } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.confirmed(on_yes),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {}
                _ => self.popup = Some(Popup::Confirm { question, on_yes }),
            },
            Popup::Picker { selected } => self.picker_key(key, selected),
            Popup::Prompt {
                kind,
                mut form,
                error,
            } => match form.handle_key(key) {
                FormKey::Cancel => {}
                FormKey::Submit => self.submit_prompt(kind, form),
                FormKey::Changed | FormKey::Ignored => {
                    let error = if key.code == KeyCode::Enter {
                        error
                    } else {
                        None
                    };
                    self.popup = Some(Popup::Prompt { kind, form, error });
                }
            },
        }
    }

    /// The menu items a customer can order now.
    pub fn orderable(&self) -> Vec<&comanda_common::MenuItem> {
        self.menu.items.iter().filter(|i| i.available).collect()
    }

    fn picker_key(&mut self, key: KeyEvent, selected: usize) {
        let len = self.orderable().len();
        let cmd = match key.code {
            KeyCode::Up | KeyCode::Char('k') => Some(Cmd::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Cmd::Down),
            KeyCode::PageUp => Some(Cmd::PageUp),
            KeyCode::PageDown => Some(Cmd::PageDown),
            KeyCode::Char('g') | KeyCode::Home => Some(Cmd::Top),
            KeyCode::Char('G') | KeyCode::End => Some(Cmd::Bottom),
            _ => None,
        };
        if let Some(cmd) = cmd {
            self.popup = Some(Popup::Picker {
                selected: move_selection(selected, len, cmd, 10),
            });
            return;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {}
            KeyCode::Enter => match self.orderable().get(selected) {
                Some(item) => {
                    let kind = PromptKind::Quantity {
                        flavor: item.flavor.clone(),
                        size: item.size,
                    };
                    self.popup = Some(Popup::prompt(kind, "1"));
                }
                None => self.popup = Some(Popup::Picker { selected }),
            },
            KeyCode::Char('r') => {
                self.reload_menu();
                self.popup = Some(Popup::Picker { selected });
            }
            _ => self.popup = Some(Popup::Picker { selected }),
        }
    }

    fn confirmed(&mut self, what: Confirmed) {
        match what {
            Confirmed::RemoveItem { item_id, .. } => self.remove_item(item_id),
            Confirmed::CancelOrder(_) => self.cancel_order(),
            Confirmed::FinishOrder(_) => self.finish_order(),
            Confirmed::Logout { all } => {
                let api = self.api.clone();
                self.spawn("logging out", async move {
                    Outcome::LoggedOut(api.logout(all).await)
                });
                let msg = if all {
                    "Logged out of every session"
                } else {
                    "Logged out"
                };
                self.end_session(None);
                self.set_info(msg);
            }
            Confirmed::DeleteUser(id) => self.delete_user(id),
            Confirmed::SetAdmin { id, to } => {
                let verb = if to {
                    "Promoted to admin"
                } else {
                    "No longer an admin"
                };
                self.patch_user(
                    id,
                    UserPatch {
                        is_admin: Some(to),
                        ..UserPatch::default()
                    },
                    verb,
                )
            }
            Confirmed::SetActive { id, to } => {
                let verb = if to {
                    "Account activated"
                } else {
                    "Account deactivated"
                };
                self.patch_user(
                    id,
                    UserPatch {
                        is_active: Some(to),
                        ..UserPatch::default()
                    },
                    verb,
                )
            }
        }
    }

    fn submit_prompt(&mut self, kind: PromptKind, form: Form) {
        let reopen = |app: &mut App, kind: PromptKind, form: Form, msg: &str| {
            app.popup = Some(Popup::Prompt {
                kind,
                form,
                error: Some(msg.to_owned()),
            });
        };
        let v0 = form.value(0).to_owned();
        match &kind {
            PromptKind::FilterOrders => {
                self.orders.filter = v0.trim().to_owned();
                self.orders.selected = 0;
            }
            PromptKind::FilterMenu => {
                self.menu.filter = v0.trim().to_owned();
                self.menu.selected = 0;
            }
            PromptKind::SearchUsers => {
                self.users.q = v0.trim().to_owned();
                self.users.selected = 0;
                self.reload_users();
            }
            PromptKind::Quantity { flavor, size } => {
                match v0.trim().parse::<i64>().ok().map(Quantity::parse) {
                    Some(Ok(q)) => self.add_item(OrderItemCreate {
                        flavor: flavor.clone(),
                        size: *size,
                        quantity: q.get(),
                    }),
                    _ => reopen(self, kind, form, Quantity::MSG),
                }
            }
            PromptKind::NewMenuItem => {
                let flavor = Flavor::parse(&v0);
                let size = Size::parse(form.value(1).trim());
                let price = parse_money(form.value(2)).map(PriceCents::parse);
                match (flavor, size, price) {
                    (Err(m), _, _) => reopen(self, kind, form, m),
                    (_, None, _) => reopen(self, kind, form, "size must be small, medium or large"),
                    (_, _, None) | (_, _, Some(Err(_))) => {
                        reopen(self, kind, form, "price like 12.50, from 0.01 to 10000.00")
                    }
                    (Ok(f), Some(size), Some(Ok(p))) => self.create_menu_item(MenuItemCreate {
                        flavor: f.into_inner(),
                        size,
                        price_cents: p.get(),
                    }),
                }
            }
            PromptKind::EditPrice { id, .. } => match parse_money(&v0).map(PriceCents::parse) {
                Some(Ok(p)) => self.patch_menu_item(
                    *id,
                    MenuItemPatch {
                        price_cents: Some(p.get()),
                        available: None,
                    },
                    "Price changed",
                ),
                _ => reopen(self, kind, form, "price like 12.50, from 0.01 to 10000.00"),
            },
            PromptKind::EditUsername => match Username::parse(v0.trim()) {
                Ok(u) => self.save_profile(UserPatch {
                    username: Some(u.into_inner()),
                    ..UserPatch::default()
                }),
                Err(m) => reopen(self, kind, form, m),
            },
            PromptKind::EditEmail => match Email::parse(&v0) {
                Ok(e) => self.save_profile(UserPatch {
                    email: Some(e.into_inner()),
                    ..UserPatch::default()
                }),
                Err(m) => reopen(self, kind, form, m),
            },
            PromptKind::EditPassword => {
                if form.value(0) != form.value(1) {
                    return reopen(self, kind, form, "the passwords do not match");
                }
                match Password::parse(&v0) {
                    Ok(p) => self.save_profile(UserPatch {
                        password: Some(p.expose().to_owned()),
                        ..UserPatch::default()
                    }),
                    Err(m) => reopen(self, kind, form, m),
                }
            }
            PromptKind::DeleteAccount => {
                let name = self
                    .me
                    .as_ref()
                    .map(|m| m.username.clone())
                    .unwrap_or_default();
                if v0.trim() == name && !name.is_empty() {
                    self.delete_account();
                } else {
                    reopen(
                        self,
                        kind,
                        form,
                        "that is not your username; nothing was deleted",
                    );
                }
            }
        }
        let _ = Load::Idle;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_money;

    #[test]
    fn money_input() {
        assert_eq!(parse_money("12.50"), Some(1250));
        assert_eq!(parse_money("12,5"), Some(1250));
        assert_eq!(parse_money("7"), Some(700));
        assert_eq!(parse_money(".05"), Some(5));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money(""), None);
    }
}
