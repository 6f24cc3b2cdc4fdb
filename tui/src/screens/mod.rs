//! The screens. Each module owns one screen: its state, its key table, its messages (the
//! answers of its background requests), its update and its render. The router at the end
//! of this file is the one list of screens: adding a screen is one module and one line there.

pub mod board;
pub mod detail;
pub mod login;
pub mod menu;
pub mod orders;
pub mod profile;
pub mod sessions;
pub mod users;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::app::{AppMsg, Ctx, Event};
use crate::keys::{self, Binding, KeyHelp, Nav, Who};

/// Whether a screen's data is there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load {
    #[default]
    Idle,
    Loading,
    Loaded,
    Failed(String),
}

/// What a screen did with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Taken (a popup or a text field takes every key: nothing falls through).
    Yes,
    /// Not the screen's: the app's global keys get it.
    No,
    /// The user asked for help on what is in front (the screen, or its popup).
    Help,
}

/// A tab of the header: its number key and name, and who sees it.
#[derive(Debug, Clone, Copy)]
pub struct Tab {
    pub n: u8,
    pub name: &'static str,
    /// Its line in help, e.g. "Orders tab".
    pub help: &'static str,
    pub who: Who,
}

/// A screen or popup's help: its title and key lines.
#[derive(Debug, Clone)]
pub struct Help {
    pub title: String,
    pub keys: Vec<KeyHelp>,
    /// The footer's `(key, word)`: the keys with a footer word that can be used now.
    pub hints: Vec<(&'static str, &'static str)>,
    /// Also list the keys that work everywhere.
    pub global: bool,
}

impl Help {
    /// Help over `keys`, the footer showing every key that has a footer word.
    pub fn new(title: impl Into<String>, keys: Vec<KeyHelp>, global: bool) -> Help {
        let hints = keys
            .iter()
            .filter_map(|k| k.hint.map(|w| (k.label, w)))
            .collect();
        Help {
            title: title.into(),
            keys,
            hints,
            global,
        }
    }
}

/// One screen of the app.
pub trait Screen {
    /// Answers of this screen's background requests.
    type Msg;
    /// What its keys ask for.
    type Cmd: Copy + PartialEq + 'static;
    /// The name in help's title.
    const NAME: &'static str;
    /// The tab this screen opens with its number key, if it is a tab's own screen.
    const TAB: Option<Tab> = None;
    /// The tab highlighted in the header while it is shown.
    const IN_TAB: u8;
    /// Its key table.
    const KEYS: &'static [Binding<Self::Cmd>];
    /// A list: the shared move keys (`keys::NAV`) apply and are in its help.
    const LIST: bool = false;
    /// Outside text fields: the app's global keys (`q`, `L`, the tabs…) apply.
    const GLOBAL_KEYS: bool = true;

    /// Whether `cmd` can be used now (footer and help show only those).
    fn offers(&self, _cmd: Self::Cmd, _ctx: &Ctx) -> bool {
        true
    }
    fn on_cmd(&mut self, cmd: Self::Cmd, ctx: &mut Ctx);
    fn on_nav(&mut self, _nav: Nav, _ctx: &mut Ctx) {}
    /// Keys for an open popup or text field, before the key table. `None`: nothing is open.
    fn modal_key(&mut self, _key: KeyEvent, _ctx: &mut Ctx) -> Option<Handled> {
        None
    }
    /// The help (and footer) of the open popup, if one is open.
    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        None
    }
    fn update(&mut self, msg: Self::Msg, ctx: &mut Ctx);
    /// An app event (every screen sees every event).
    fn on_event(&mut self, _ev: &Event, _ctx: &mut Ctx) {}
    /// The screen is shown (its tab key, or after signing in).
    fn enter(&mut self, _ctx: &mut Ctx) {}
    /// Ten times a second while shown.
    fn tick(&mut self, _ctx: &mut Ctx) {}
    /// A click at terminal cell `(x, y)` of the body `area`; `double` for a double click.
    fn click(&mut self, _area: Rect, _x: u16, _y: u16, _double: bool, _ctx: &mut Ctx) {}
    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect);

    /// Keys for the screen: the popup's first, then the table, then the move keys.
    fn key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Handled {
        if let Some(h) = self.modal_key(key, ctx) {
            return h;
        }
        if let Some(cmd) = keys::lookup(Self::KEYS, &key, ctx.is_admin())
            && self.offers(cmd, ctx)
        {
            self.on_cmd(cmd, ctx);
            return Handled::Yes;
        }
        if Self::LIST
            && let Some(nav) = keys::lookup(keys::NAV, &key, false)
        {
            self.on_nav(nav, ctx);
            return Handled::Yes;
        }
        Handled::No
    }

    /// The screen's own help: its popup's keys when one is open.
    fn help(&self, ctx: &Ctx) -> Help {
        if let Some(h) = self.modal_help(ctx) {
            return h;
        }
        let admin = ctx.is_admin();
        let mut keys = Vec::new();
        if Self::LIST {
            keys.extend(keys::NAV.iter().map(Binding::help));
        }
        // Help lists every key of the table; the footer only those that work now.
        keys.extend(keys::help_of(Self::KEYS, admin, |_| true));
        let hints = keys::help_of(Self::KEYS, admin, |c| self.offers(c, ctx))
            .into_iter()
            .filter_map(|k| k.hint.map(|w| (k.label, w)))
            .collect();
        Help {
            title: Self::NAME.to_owned(),
            keys,
            hints,
            global: Self::GLOBAL_KEYS,
        }
    }
}

/// The router: every screen, once. Generates the `Route` enum, the `Screens` that hold
/// them, the `Msg` enum of every screen's answers, and the dispatch of keys, answers,
/// events, ticks, clicks and drawing to the screen concerned.
macro_rules! router {
    ($($field:ident: $route:ident($module:ident::$ty:ident),)+) => {
        /// Where the user is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Route { $($route,)+ }

        /// Every screen's state.
        pub struct Screens { $(pub $field: $module::$ty,)+ }

        /// An answer of background work, for the app or the screen that asked.
        #[derive(Debug)]
        pub enum Msg {
            App(AppMsg),
            $($route(<$module::$ty as Screen>::Msg),)+
        }

        impl From<AppMsg> for Msg {
            fn from(m: AppMsg) -> Msg { Msg::App(m) }
        }
        $(impl From<<$module::$ty as Screen>::Msg> for Msg {
            fn from(m: <$module::$ty as Screen>::Msg) -> Msg { Msg::$route(m) }
        })+

        impl Route {
            /// The tab highlighted in the header.
            pub fn in_tab(self) -> u8 {
                match self { $(Route::$route => <$module::$ty as Screen>::IN_TAB,)+ }
            }
            /// Whether the app's global keys apply on this screen.
            pub fn global_keys(self) -> bool {
                match self { $(Route::$route => <$module::$ty as Screen>::GLOBAL_KEYS,)+ }
            }
            /// The tabs of the header, in order, with the screen each opens.
            pub fn tabs() -> Vec<(Tab, Route)> {
                let mut out = Vec::new();
                $(if let Some(t) = <$module::$ty as Screen>::TAB { out.push((t, Route::$route)); })+
                out.sort_by_key(|(t, _)| t.n);
                out
            }
        }

        impl Screens {
            pub fn new(options: &crate::app::Options) -> Screens {
                Screens { $($field: $module::$ty::new(options),)+ }
            }
            pub fn key(&mut self, route: Route, key: KeyEvent, ctx: &mut Ctx) -> Handled {
                match route { $(Route::$route => self.$field.key(key, ctx),)+ }
            }
            pub fn help(&self, route: Route, ctx: &Ctx) -> Help {
                match route { $(Route::$route => self.$field.help(ctx),)+ }
            }
            /// The footer's hints of the screen (or of its open popup).
            pub fn modal_open(&self, route: Route, ctx: &Ctx) -> bool {
                match route { $(Route::$route => self.$field.modal_help(ctx).is_some(),)+ }
            }
            pub fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
                match msg {
                    Msg::App(_) => {}
                    $(Msg::$route(m) => self.$field.update(m, ctx),)+
                }
            }
            pub fn on_event(&mut self, ev: &Event, ctx: &mut Ctx) {
                $(self.$field.on_event(ev, ctx);)+
            }
            pub fn enter(&mut self, route: Route, ctx: &mut Ctx) {
                match route { $(Route::$route => self.$field.enter(ctx),)+ }
            }
            pub fn tick(&mut self, route: Route, ctx: &mut Ctx) {
                match route { $(Route::$route => self.$field.tick(ctx),)+ }
            }
            pub fn click(&mut self, route: Route, area: Rect, x: u16, y: u16, double: bool, ctx: &mut Ctx) {
                match route { $(Route::$route => self.$field.click(area, x, y, double, ctx),)+ }
            }
            pub fn nav(&mut self, route: Route, nav: Nav, ctx: &mut Ctx) {
                match route { $(Route::$route => self.$field.on_nav(nav, ctx),)+ }
            }
            pub fn render(&self, route: Route, ctx: &Ctx, frame: &mut Frame, area: Rect) {
                match route { $(Route::$route => self.$field.render(ctx, frame, area),)+ }
            }
        }
    };
}

router! {
    login: Login(login::Login),
    orders: Orders(orders::Orders),
    detail: Detail(detail::Detail),
    menu: Menu(menu::Menu),
    profile: Profile(profile::Profile),
    users: Users(users::Users),
    board: Board(board::Board),
    sessions: Sessions(sessions::Sessions),
}
