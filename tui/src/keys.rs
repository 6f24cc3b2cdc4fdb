//! Key tables: each screen and popup has one, `(keys, label, command, description, footer
//! word)`. The same table dispatches the keys, draws the footer hints and the `?` help, so
//! the three can never drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key as written in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    /// A printable character without Ctrl or Alt.
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

impl Who {
    pub fn admits(self, is_admin: bool) -> bool {
        is_admin || self == Who::Anyone
    }
}

/// One binding of a table. `hint` is the short word of the footer; `None` keeps the key
/// out of the footer (it is still in help).
#[derive(Debug, Clone, Copy)]
pub struct Binding<C: 'static> {
    pub keys: &'static [K],
    /// How the key is written in hints and help.
    pub label: &'static str,
    pub cmd: C,
    pub desc: &'static str,
    pub hint: Option<&'static str>,
    pub who: Who,
}

/// A binding shown in help only.
pub const fn key<C: Copy>(
    keys: &'static [K],
    label: &'static str,
    cmd: C,
    desc: &'static str,
) -> Binding<C> {
    Binding {
        keys,
        label,
        cmd,
        desc,
        hint: None,
        who: Who::Anyone,
    }
}

impl<C: Copy> Binding<C> {
    /// Also shown in the footer, as `label word`.
    pub const fn hint(mut self, word: &'static str) -> Binding<C> {
        self.hint = Some(word);
        self
    }
    /// For admins only (dispatch, footer and help alike).
    pub const fn admin(mut self) -> Binding<C> {
        self.who = Who::Admin;
        self
    }
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        self.keys.iter().any(|k| k.matches(ev))
    }
    pub fn help(&self) -> KeyHelp {
        KeyHelp {
            label: self.label,
            desc: self.desc,
            hint: self.hint,
        }
    }
}

/// A binding without its command: what help and the footer draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    pub label: &'static str,
    pub desc: &'static str,
    pub hint: Option<&'static str>,
}

impl KeyHelp {
    /// A section title in help.
    pub const fn section(title: &'static str) -> KeyHelp {
        KeyHelp {
            label: "",
            desc: title,
            hint: None,
        }
    }
}

/// The command bound to `ev` in `table`, for a user who is (or is not) an admin.
pub fn lookup<C: Copy>(table: &[Binding<C>], ev: &KeyEvent, is_admin: bool) -> Option<C> {
    table
        .iter()
        .filter(|b| b.who.admits(is_admin))
        .find(|b| b.matches(ev))
        .map(|b| b.cmd)
}

/// The help lines of the bindings of `table` this user has and `offered` lets through.
pub fn help_of<C: Copy>(
    table: &[Binding<C>],
    is_admin: bool,
    offered: impl Fn(C) -> bool,
) -> Vec<KeyHelp> {
    table
        .iter()
        .filter(|b| b.who.admits(is_admin) && offered(b.cmd))
        .map(Binding::help)
        .collect()
}

/// Moves in a list, shared by every list screen and picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

use KeyCode::{Down, End, Home, PageDown, PageUp, Up};

/// The move keys of every list.
pub const NAV: &[Binding<Nav>] = &[
    key(&[K::Code(Up), K::Char('k')], "↑/k", Nav::Up, "move up"),
    key(
        &[K::Code(Down), K::Char('j')],
        "↓/j",
        Nav::Down,
        "move down",
    ),
    key(&[K::Code(PageUp)], "PgUp", Nav::PageUp, "a screen up"),
    key(&[K::Code(PageDown)], "PgDn", Nav::PageDown, "a screen down"),
    key(&[K::Char('g'), K::Code(Home)], "g", Nav::Top, "first row"),
    key(&[K::Char('G'), K::Code(End)], "G", Nav::Bottom, "last row"),
];

/// The move keys of a list where letters are typed (pickers): arrows only.
pub const NAV_ARROWS: &[Binding<Nav>] = &[
    key(&[K::Code(Up)], "↑", Nav::Up, "move up"),
    key(&[K::Code(Down)], "↓", Nav::Down, "move down"),
    key(&[K::Code(PageUp)], "PgUp", Nav::PageUp, "a screen up"),
    key(&[K::Code(PageDown)], "PgDn", Nav::PageDown, "a screen down"),
    key(&[K::Code(Home)], "Home", Nav::Top, "first row"),
    key(&[K::Code(End)], "End", Nav::Bottom, "last row"),
];

/// Moves a selection in a list of `len` rows, `page` rows to a screen.
pub fn move_selection(selected: usize, len: usize, nav: Nav, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    let page = page.max(1);
    match nav {
        Nav::Up => selected.min(last).saturating_sub(1),
        Nav::Down => (selected + 1).min(last),
        Nav::PageUp => selected.min(last).saturating_sub(page),
        Nav::PageDown => (selected + page).min(last),
        Nav::Top => 0,
        Nav::Bottom => last,
    }
}

/// What the app does everywhere (outside text fields), after the screen's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Help,
    Back,
    Logout,
    Suspend,
}

/// The keys that work on every signed-in screen. The tab keys (`1`…) come from the router.
pub const GLOBAL: &[Binding<Global>] = &[
    key(
        &[K::Char('?'), K::Code(KeyCode::F(1))],
        "?",
        Global::Help,
        "help (this list)",
    )
    .hint("help"),
    key(&[K::Char('L')], "L", Global::Logout, "log out").hint("log out"),
    key(&[K::Char('q')], "q", Global::Back, "back; quit on a tab").hint("quit"),
    key(
        &[K::Ctrl('z')],
        "Ctrl-Z",
        Global::Suspend,
        "suspend the app",
    ),
];

/// `Ctrl-C`: quit from anywhere, at once (checked before every table).
pub fn is_ctrl_c(ev: &KeyEvent) -> bool {
    K::Ctrl('c').matches(ev)
}

/// The help line of `Ctrl-C`, listed with the global keys.
pub const QUIT_HELP: KeyHelp = KeyHelp {
    label: "Ctrl-C",
    desc: "quit at once",
    hint: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_keys_are_bound() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(lookup(GLOBAL, &key('?'), false), Some(Global::Help));
        assert_eq!(lookup(GLOBAL, &key('q'), false), Some(Global::Back));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(is_ctrl_c(&ctrl_c));
        assert_eq!(lookup(GLOBAL, &ctrl_c, false), None);
        assert_eq!(lookup(NAV, &key('j'), false), Some(Nav::Down));
        assert_eq!(lookup(NAV_ARROWS, &key('j'), false), None);
    }

    #[test]
    fn a_page_is_a_screen() {
        assert_eq!(move_selection(0, 100, Nav::PageDown, 17), 17);
        assert_eq!(move_selection(95, 100, Nav::PageDown, 17), 99);
        assert_eq!(move_selection(20, 100, Nav::PageUp, 17), 3);
        assert_eq!(move_selection(5, 0, Nav::Down, 17), 0);
    }
}
