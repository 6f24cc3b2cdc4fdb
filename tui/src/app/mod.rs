//! The app in the Elm style: one state, one `Action` enum, one `update`. The app itself only
//! routes (keys to the screen in front, then to the global keys; answers to the screen that
//! asked; events to every screen), holds the session and draws the frame around the screens.
//! Everything a screen does is in its module under `screens/`.

mod ctx;
mod session;

use std::time::{Duration, Instant};

use comanda_common::{Status, UserPublic};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

pub use ctx::{Ctx, Event, Live, STATUS_TTL, StatusLine};
pub use session::AppMsg;

use crate::api::ApiClient;
use crate::api::events::LiveEvent;
use crate::keys::{self, Global, KeyHelp, Nav};
use crate::popups::confirm::Answer;
use crate::popups::{Confirm, HelpView};
use crate::screens::{Handled, Help, Msg, Route, Screens};

pub use crate::screens::login::DemoAccounts;

/// Two clicks on one row within this time are a double click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Spinner, status expiry, and the screens' timers.
    Tick,
    Live(LiveEvent),
    /// A background request finished.
    Done {
        task: u64,
        msg: Box<Msg>,
    },
}

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Open the OS keyring (else keep the store the client was built with: tests).
    pub os_keyring: bool,
    /// Demo accounts to show on the login screen (`comanda demo`).
    pub demo: Option<DemoAccounts>,
    /// The board's settings (config file; `--quiet` clears `bell`).
    pub board: crate::config::BoardSettings,
}

/// What a `y` on the app's own questions does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppYes {
    Logout,
    /// Leave `comanda demo` (its data goes with it).
    QuitDemo,
}

pub struct App {
    pub ctx: Ctx,
    pub screens: Screens,
    pub route: Route,
    /// The help popup, over everything.
    pub help: Option<HelpView>,
    /// The app's own question (log out, leave the demo).
    pub confirm: Option<Confirm<AppYes>>,
    pub quit: bool,
    /// Ctrl-Z: the terminal loop suspends the process, then repaints.
    pub suspend: bool,
    live_task: Option<JoinHandle<()>>,
    last_click: Option<(Instant, u16, u16)>,
}

impl App {
    /// A new app on the login screen. With `tx` set, background work is spawned on the
    /// current tokio runtime and its results are sent there; without it (snapshot tests)
    /// requests are only recorded as pending.
    pub fn new(api: ApiClient, tx: Option<UnboundedSender<Action>>, options: Options) -> App {
        App {
            screens: Screens::new(&options),
            ctx: Ctx::new(api, tx, options),
            route: Route::Login,
            help: None,
            confirm: None,
            quit: false,
            suspend: false,
            live_task: None,
            last_click: None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.ctx.is_admin()
    }

    /// The one place the app changes state.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(key) => {
                if key.kind == KeyEventKind::Press || key.kind == KeyEventKind::Repeat {
                    self.on_key(key);
                }
            }
            Action::Mouse(m) => self.on_mouse(m),
            Action::Tick => {
                if !self.ctx.pending.is_empty() {
                    self.ctx.spinner = self.ctx.spinner.wrapping_add(1);
                }
                if self
                    .ctx
                    .status
                    .as_ref()
                    .is_some_and(|s| s.at.elapsed() > STATUS_TTL)
                {
                    self.ctx.status = None;
                }
                self.screens.tick(self.route, &mut self.ctx);
            }
            Action::Live(ev) => self.on_live(ev),
            Action::Done { task, msg } => {
                self.ctx.pending.retain(|(t, _)| *t != task);
                match *msg {
                    Msg::App(m) => self.on_app_msg(m),
                    other => self.screens.update(other, &mut self.ctx),
                }
            }
        }
        self.run_events();
    }

    /// Raises an app event and acts on it at once (tests, and the terminal loop).
    pub fn raise(&mut self, ev: Event) {
        self.ctx.emit(ev);
        self.run_events();
    }

    /// Acts on the events raised while handling an action: the app's own first, then
    /// every screen sees each one.
    fn run_events(&mut self) {
        // Bounded: a screen answering an event with an event cannot loop for ever.
        for _ in 0..64 {
            let Some(ev) = self.ctx.next_event() else {
                return;
            };
            match &ev {
                Event::SignedIn(me) => self.begin_session(me.clone()),
                Event::SessionEnded(_) => self.end_session(),
                Event::Logout { all } => self.logout(*all),
                Event::Show(route) => self.show(*route),
                Event::Back => self.back(),
                _ => {}
            }
            self.screens.on_event(&ev, &mut self.ctx);
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        // Ctrl-C quits from anywhere, at once.
        if keys::is_ctrl_c(&key) {
            self.quit = true;
            return;
        }
        if let Some(help) = self.help.as_mut() {
            if !help.key(&key) {
                self.help = None;
            }
            return;
        }
        if self.confirm.is_some() {
            match Confirm::key(&mut self.confirm, &key) {
                Answer::Yes(AppYes::Logout) => self.ctx.emit(Event::Logout { all: false }),
                Answer::Yes(AppYes::QuitDemo) => self.quit = true,
                Answer::Help => self.open_help(Confirm::<AppYes>::help()),
                Answer::No | Answer::Open => {}
            }
            return;
        }
        match self.screens.key(self.route, key, &mut self.ctx) {
            Handled::Yes => {}
            Handled::Help => self.open_help(self.screens.help(self.route, &self.ctx)),
            Handled::No if self.route.global_keys() => self.global_key(key),
            Handled::No => {}
        }
    }

    fn global_key(&mut self, key: KeyEvent) {
        if let Some(cmd) = keys::lookup(keys::GLOBAL, &key, self.is_admin()) {
            match cmd {
                Global::Help => self.open_help(self.screens.help(self.route, &self.ctx)),
                Global::Back => self.back(),
                Global::Logout => {
                    self.confirm = Some(Confirm::new("Log out of this session?", AppYes::Logout))
                }
                Global::Suspend => self.suspend = true,
            }
            return;
        }
        if let KeyCode::Char(c) = key.code
            && let Some(n) = c.to_digit(10)
        {
            self.open_tab(n as u8);
        }
    }

    /// The tabs this user has, with the screen each opens.
    pub fn tabs(&self) -> Vec<(crate::screens::Tab, Route)> {
        if self.ctx.me.is_none() {
            return Vec::new();
        }
        Route::tabs()
            .into_iter()
            .filter(|(t, _)| t.who.admits(self.is_admin()))
            .collect()
    }

    pub fn open_tab(&mut self, n: u8) {
        if let Some((_, route)) = self.tabs().into_iter().find(|(t, _)| t.n == n) {
            self.show(route);
        }
    }

    /// Shows `route`, which loads what it has not loaded yet.
    pub fn show(&mut self, route: Route) {
        self.route = route;
        self.screens.enter(route, &mut self.ctx);
    }

    /// `q`: back to the tab's list from a screen inside it; else quit (the demo asks first).
    fn back(&mut self) {
        let tab_screen = self
            .tabs()
            .into_iter()
            .find(|(t, _)| t.n == self.route.in_tab())
            .map(|(_, r)| r);
        match tab_screen {
            Some(r) if r != self.route => self.show(r),
            _ if self.ctx.options.demo.is_some() => {
                self.confirm = Some(Confirm::new(
                    "Leave the demo? Its data is deleted.",
                    AppYes::QuitDemo,
                ))
            }
            _ => self.quit = true,
        }
    }

    /// Help for what is in front, with the keys that work everywhere when they apply.
    fn open_help(&mut self, help: Help) {
        let mut entries = help.keys;
        if help.global {
            entries.push(KeyHelp::section("Everywhere"));
            let shown: Vec<&str> = entries.iter().map(|k| k.label).collect();
            let mut more: Vec<KeyHelp> = keys::GLOBAL
                .iter()
                .filter(|b| b.who.admits(self.is_admin()))
                .map(|b| b.help())
                .filter(|k| !shown.contains(&k.label))
                .collect();
            // The tab keys come from the router, the tabs this user has.
            let tabs: Vec<KeyHelp> = self
                .tabs()
                .into_iter()
                .map(|(t, _)| KeyHelp {
                    label: TAB_LABELS.get(t.n as usize).copied().unwrap_or("?"),
                    desc: t.help,
                    hint: None,
                })
                .collect();
            more.splice(1..1, tabs);
            more.push(keys::QUIT_HELP);
            entries.extend(more);
        }
        self.help = Some(HelpView {
            title: help.title,
            entries,
            scroll: 0,
        });
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        if self.help.is_some() {
            if let Some(help) = self.help.as_mut() {
                match m.kind {
                    MouseEventKind::ScrollDown => help.scroll_by(Nav::Down, 1),
                    MouseEventKind::ScrollUp => help.scroll_by(Nav::Up, 1),
                    _ => {}
                }
            }
            return;
        }
        if self.confirm.is_some() || self.screens.modal_open(self.route, &self.ctx) {
            return;
        }
        let body = self.ctx.body.get();
        match m.kind {
            MouseEventKind::ScrollDown => self.screens.nav(self.route, Nav::Down, &mut self.ctx),
            MouseEventKind::ScrollUp => self.screens.nav(self.route, Nav::Up, &mut self.ctx),
            MouseEventKind::Down(MouseButton::Left) => {
                if m.row + 1 == body.y {
                    let hit = crate::ui::tab_at(self, m.column);
                    if let Some(n) = hit {
                        self.open_tab(n);
                    }
                    return;
                }
                if m.row < body.y || m.row >= body.bottom() {
                    return;
                }
                let now = Instant::now();
                let double = self.last_click.is_some_and(|(at, x, y)| {
                    now.duration_since(at) < DOUBLE_CLICK && y == m.row && x.abs_diff(m.column) < 3
                });
                self.last_click = if double {
                    None
                } else {
                    Some((now, m.column, m.row))
                };
                self.screens
                    .click(self.route, body, m.column, m.row, double, &mut self.ctx);
            }
            _ => {}
        }
        self.run_events();
    }

    fn on_app_msg(&mut self, m: AppMsg) {
        session::on_app_msg(self, m);
    }

    /// Signed in: keep who, show the orders and start the live updates.
    fn begin_session(&mut self, me: UserPublic) {
        tracing::info!(user_id = me.id, "signed in");
        self.ctx.names.insert(me.id, me.username.clone());
        self.ctx.me = Some(me);
        self.help = None;
        self.confirm = None;
        self.route = Route::Orders;
        self.start_live();
        // A keyring that refused the session (locked, failing) is said, not only logged.
        if let Some(notice) = self.ctx.api.store().notice() {
            self.ctx.set_info(notice);
        }
    }

    /// Back to the login screen (the screens clear themselves on the same event).
    fn end_session(&mut self) {
        self.stop_live();
        self.ctx.sign_out();
        self.help = None;
        self.confirm = None;
        self.route = Route::Login;
    }

    /// Ends this session on the server (all of them with `all`) and forgets it here.
    fn logout(&mut self, all: bool) {
        let api = self.ctx.api.clone();
        self.ctx.spawn("logging out", async move {
            AppMsg::LoggedOut(api.logout(all).await)
        });
        self.ctx.emit(Event::SessionEnded(None));
        self.ctx.set_info(if all {
            "Logged out of every session"
        } else {
            "Logged out"
        });
    }

    /// The health check's answer, for the status bar.
    fn on_health(&mut self, r: crate::api::ApiResult<Status>) {
        if let Err(e) = r {
            self.ctx.set_error(e.to_string());
        }
    }
}

/// How the tab keys are written, by tab number.
const TAB_LABELS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

impl Drop for App {
    // The live stream is a detached task: end it with the app.
    fn drop(&mut self) {
        self.stop_live();
    }
}
