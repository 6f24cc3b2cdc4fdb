//! The key tables: one per screen, `(keys, command, description)`. The same table dispatches
//! the keys, draws the footer hints and the `?` help, so they can never drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for; each screen interprets the ones in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Help,
    Quit,
    Back,
    Tab(u8),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    New,
    Add,
    Delete,
    CancelOrder,
    FinishOrder,
    Reload,
    Filter,
    ClearFilter,
    Logout,
    LogoutAll,
    CycleStatus,
    ToggleScope,
    EditPrice,
    ToggleAvailable,
    EditUsername,
    EditEmail,
    EditPassword,
    DeleteAccount,
    ToggleAdmin,
    ToggleActive,
    SwitchForm,
    Submit,
    NextField,
    PrevField,
    ClearField,
}

/// One key as written in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

impl K {
    pub fn matches(self, ev: &KeyEvent) -> bool {
        match self {
            K::Char(c) => {
                ev.code == KeyCode::Char(c)
                    && !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            }
            K::Ctrl(c) => {
                ev.code == KeyCode::Char(c) && ev.modifiers.contains(KeyModifiers::CONTROL)
            }
            K::Code(code) => ev.code == code,
        }
    }
}

/// Who may use a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anyone,
    Admin,
}

#[derive(Clone, Copy)]
pub struct Binding {
    pub keys: &'static [K],
    /// How the key is written in hints and help.
    pub label: &'static str,
    pub cmd: Cmd,
    pub desc: &'static str,
    /// Shown in the footer hint bar.
    pub hint: bool,
    pub who: Who,
}

const fn b(
    keys: &'static [K],
    label: &'static str,
    cmd: Cmd,
    desc: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        label,
        cmd,
        desc,
        hint,
        who: Who::Anyone,
    }
}
const fn admin(
    keys: &'static [K],
    label: &'static str,
    cmd: Cmd,
    desc: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        label,
        cmd,
        desc,
        hint,
        who: Who::Admin,
    }
}

use KeyCode::{Down, End, Enter, Esc, F, Home, PageDown, PageUp, Up};

const MOVE: [Binding; 4] = [
    b(
        &[K::Code(Up), K::Char('k')],
        "↑/k",
        Cmd::Up,
        "move up",
        false,
    ),
    b(
        &[K::Code(Down), K::Char('j')],
        "↓/j",
        Cmd::Down,
        "move down",
        false,
    ),
    b(&[K::Code(PageUp)], "PgUp", Cmd::PageUp, "page up", false),
    b(
        &[K::Code(PageDown)],
        "PgDn",
        Cmd::PageDown,
        "page down",
        false,
    ),
];
const ENDS: [Binding; 2] = [
    b(
        &[K::Char('g'), K::Code(Home)],
        "g",
        Cmd::Top,
        "first row",
        false,
    ),
    b(
        &[K::Char('G'), K::Code(End)],
        "G",
        Cmd::Bottom,
        "last row",
        false,
    ),
];

/// The login screen: its fields take every printable key, so its commands are on other keys.
pub const LOGIN: &[Binding] = &[
    b(
        &[K::Code(Enter)],
        "Enter",
        Cmd::Submit,
        "sign in / sign up",
        true,
    ),
    b(
        &[K::Code(KeyCode::Tab), K::Code(Down)],
        "Tab/↓",
        Cmd::NextField,
        "next field",
        true,
    ),
    b(
        &[K::Code(KeyCode::BackTab), K::Code(Up)],
        "S-Tab/↑",
        Cmd::PrevField,
        "previous field",
        false,
    ),
    b(
        &[K::Ctrl('u')],
        "Ctrl-U",
        Cmd::ClearField,
        "clear the field",
        false,
    ),
    b(
        &[K::Code(F(2))],
        "F2",
        Cmd::SwitchForm,
        "sign in ⇄ create account",
        true,
    ),
    b(&[K::Code(Esc)], "Esc", Cmd::Back, "cancel the form", false),
    b(&[K::Code(F(1))], "F1", Cmd::Help, "help", true),
    b(&[K::Ctrl('c')], "Ctrl-C", Cmd::Quit, "quit", true),
];

/// Keys that work on every signed-in screen (outside text fields).
pub const GLOBAL: &[Binding] = &[
    b(
        &[K::Char('?'), K::Code(F(1))],
        "?",
        Cmd::Help,
        "help (this list)",
        true,
    ),
    b(&[K::Char('1')], "1", Cmd::Tab(1), "Orders tab", false),
    b(&[K::Char('2')], "2", Cmd::Tab(2), "Menu tab", false),
    b(&[K::Char('3')], "3", Cmd::Tab(3), "Profile tab", false),
    admin(&[K::Char('4')], "4", Cmd::Tab(4), "Users tab", false),
    b(&[K::Char('L')], "L", Cmd::Logout, "log out", true),
    b(&[K::Char('q')], "q", Cmd::Back, "back; quit on a tab", true),
    b(&[K::Ctrl('c')], "Ctrl-C", Cmd::Quit, "quit at once", false),
];

pub const ORDERS: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    ENDS[0],
    ENDS[1],
    b(
        &[K::Code(Enter)],
        "Enter",
        Cmd::Open,
        "open the order",
        true,
    ),
    b(&[K::Char('n')], "n", Cmd::New, "new order", true),
    b(
        &[K::Char('s')],
        "s",
        Cmd::CycleStatus,
        "filter by status",
        true,
    ),
    admin(
        &[K::Char('m')],
        "m",
        Cmd::ToggleScope,
        "mine / all orders",
        true,
    ),
    b(&[K::Char('/')], "/", Cmd::Filter, "filter the list", true),
    b(
        &[K::Code(Esc)],
        "Esc",
        Cmd::ClearFilter,
        "clear the filter",
        false,
    ),
    b(&[K::Char('r')], "r", Cmd::Reload, "reload", true),
];

pub const DETAIL: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    ENDS[0],
    ENDS[1],
    b(&[K::Char('a')], "a", Cmd::Add, "add an item", true),
    b(&[K::Char('d')], "d", Cmd::Delete, "remove the item", true),
    b(
        &[K::Char('c')],
        "c",
        Cmd::CancelOrder,
        "cancel the order",
        true,
    ),
    b(
        &[K::Char('f')],
        "f",
        Cmd::FinishOrder,
        "finish the order",
        true,
    ),
    b(&[K::Char('r')], "r", Cmd::Reload, "reload", true),
    b(
        &[K::Code(Esc)],
        "Esc",
        Cmd::Back,
        "back to the orders",
        false,
    ),
];

pub const MENU: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    ENDS[0],
    ENDS[1],
    admin(&[K::Char('n')], "n", Cmd::New, "new menu item", true),
    admin(
        &[K::Char('e'), K::Code(Enter)],
        "e",
        Cmd::EditPrice,
        "change the price",
        true,
    ),
    admin(
        &[K::Char('t')],
        "t",
        Cmd::ToggleAvailable,
        "toggle available",
        true,
    ),
    b(&[K::Char('/')], "/", Cmd::Filter, "filter the list", true),
    b(
        &[K::Code(Esc)],
        "Esc",
        Cmd::ClearFilter,
        "clear the filter",
        false,
    ),
    b(&[K::Char('r')], "r", Cmd::Reload, "reload", true),
];

pub const PROFILE: &[Binding] = &[
    b(&[K::Char('L')], "L", Cmd::Logout, "log out", true),
    b(
        &[K::Char('u')],
        "u",
        Cmd::EditUsername,
        "change username",
        true,
    ),
    b(&[K::Char('e')], "e", Cmd::EditEmail, "change email", true),
    b(
        &[K::Char('p')],
        "p",
        Cmd::EditPassword,
        "change password",
        true,
    ),
    b(
        &[K::Char('O')],
        "O",
        Cmd::LogoutAll,
        "log out everywhere",
        true,
    ),
    b(
        &[K::Char('d')],
        "d",
        Cmd::DeleteAccount,
        "delete the account",
        true,
    ),
    b(&[K::Char('r')], "r", Cmd::Reload, "reload", false),
];

pub const USERS: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    ENDS[0],
    ENDS[1],
    admin(&[K::Char('/')], "/", Cmd::Filter, "search", true),
    admin(
        &[K::Code(Esc)],
        "Esc",
        Cmd::ClearFilter,
        "clear the search",
        false,
    ),
    admin(
        &[K::Char('p')],
        "p",
        Cmd::ToggleAdmin,
        "promote / demote",
        true,
    ),
    admin(
        &[K::Char('t')],
        "t",
        Cmd::ToggleActive,
        "(de)activate",
        true,
    ),
    admin(&[K::Char('d')], "d", Cmd::Delete, "delete the user", true),
    admin(&[K::Char('r')], "r", Cmd::Reload, "reload", true),
];

/// The command bound to `ev` in `table`, for a user who is (or is not) an admin.
pub fn lookup(table: &[Binding], ev: &KeyEvent, is_admin: bool) -> Option<Cmd> {
    table
        .iter()
        .filter(|b| is_admin || b.who == Who::Anyone)
        .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        .map(|b| b.cmd)
}

/// The bindings of `table` visible to this user.
pub fn visible(table: &[Binding], is_admin: bool) -> impl Iterator<Item = &Binding> {
    table
        .iter()
        .filter(move |b| is_admin || b.who == Who::Anyone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_keys_are_bound() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(lookup(GLOBAL, &key('?'), false), Some(Cmd::Help));
        assert_eq!(lookup(GLOBAL, &key('4'), false), None);
        assert_eq!(lookup(GLOBAL, &key('4'), true), Some(Cmd::Tab(4)));
        assert_eq!(lookup(ORDERS, &key('n'), false), Some(Cmd::New));
        assert_eq!(lookup(DETAIL, &key('c'), false), Some(Cmd::CancelOrder));
        assert_eq!(lookup(DETAIL, &key('f'), false), Some(Cmd::FinishOrder));
        assert_eq!(lookup(MENU, &key('n'), false), None);
        assert_eq!(lookup(MENU, &key('n'), true), Some(Cmd::New));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(GLOBAL, &ctrl_c, false), Some(Cmd::Quit));
        assert_eq!(lookup(DETAIL, &ctrl_c, false), None);
    }
}
