//! The app in the Elm style: one state (`App`), one `Action` enum, one `update`. Keys and
//! background results are actions; requests run on tasks and come back as `Action::Done`,
//! tagged so that results for a screen the user has left are dropped.

mod detail;
pub mod form;
pub mod keys;
mod login;
mod menu;
mod orders;
mod popup;
mod profile;
mod session;
mod users;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use comanda_common::{MenuItem, Message, Order, OrderList, Status, UserList, UserPublic};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::api::events::LiveEvent;
use crate::api::{ApiClient, ApiError, ApiResult};
use crate::clock::Clock;
use crate::theme::Theme;

pub use detail::DetailState;
pub use login::{DemoAccounts, LoginMode, LoginState};
pub use menu::MenuState;
pub use orders::{OrdersState, StatusFilter};
pub use popup::{Confirmed, Popup, PromptKind};
pub use users::UsersState;

use keys::Cmd;

/// How long a status line stays.
pub const STATUS_TTL: Duration = Duration::from_secs(5);

/// Where the user is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Login,
    Orders,
    Detail,
    Menu,
    Profile,
    Users,
}

impl Route {
    /// The tab (1–4) the route belongs to.
    pub fn tab(self) -> u8 {
        match self {
            Route::Login | Route::Orders | Route::Detail => 1,
            Route::Menu => 2,
            Route::Profile => 3,
            Route::Users => 4,
        }
    }
}

/// Whether the list's data is there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load {
    #[default]
    Idle,
    Loading,
    Loaded,
    Failed(String),
}

/// The state of the live updates stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    Off,
    Connecting,
    Live,
    Reconnecting,
}

#[derive(Debug, Clone)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
    pub at: Instant,
}

/// Everything that can happen to the app.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    /// Spinner and status expiry.
    Tick,
    Live(LiveEvent),
    /// A background request finished.
    Done {
        task: u64,
        outcome: Box<Outcome>,
    },
}

/// The results of background work.
#[derive(Debug)]
pub enum Outcome {
    Health(ApiResult<Status>),
    StoreOpened {
        note: Option<String>,
        had_session: bool,
    },
    SessionChecked(ApiResult<UserPublic>),
    LoggedIn(ApiResult<UserPublic>),
    SignedUp(ApiResult<UserPublic>),
    OrdersLoaded {
        generation: u64,
        offset: i64,
        result: ApiResult<OrderList>,
    },
    OrderCreated(ApiResult<Order>),
    OrderLoaded {
        generation: u64,
        result: ApiResult<Order>,
    },
    OrderChanged {
        generation: u64,
        verb: &'static str,
        result: ApiResult<Order>,
    },
    MenuLoaded {
        generation: u64,
        result: ApiResult<Vec<MenuItem>>,
    },
    MenuChanged {
        verb: &'static str,
        result: ApiResult<MenuItem>,
    },
    UsersLoaded {
        generation: u64,
        offset: i64,
        result: ApiResult<UserList>,
    },
    UserChanged {
        verb: &'static str,
        result: ApiResult<UserPublic>,
    },
    UserDeleted {
        id: i64,
        result: ApiResult<Message>,
    },
    CustomerName(ApiResult<UserPublic>),
    ProfileSaved(ApiResult<UserPublic>),
    AccountDeleted(ApiResult<Message>),
    LoggedOut(ApiResult<()>),
}

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Open the OS keyring (else keep the store the client was built with: tests).
    pub os_keyring: bool,
    /// Demo accounts to show on the login screen.
    pub demo: Option<DemoAccounts>,
}

pub struct App {
    pub api: ApiClient,
    tx: Option<UnboundedSender<Action>>,
    pub clock: Clock,
    pub theme: Theme,
    pub options: Options,
    pub route: Route,
    pub me: Option<UserPublic>,
    pub login: LoginState,
    pub orders: OrdersState,
    pub detail: Option<DetailState>,
    pub menu: MenuState,
    pub users: UsersState,
    /// Customer names for the admins' "all orders" view.
    pub names: HashMap<i64, String>,
    names_asked: HashSet<i64>,
    pub popup: Option<Popup>,
    pub status: Option<StatusLine>,
    /// Requests in flight: (task, what it does).
    pub pending: Vec<(u64, &'static str)>,
    next_task: u64,
    next_generation: u64,
    pub spinner: usize,
    pub live: Live,
    live_task: Option<JoinHandle<()>>,
    pub quit: bool,
}

impl App {
    /// A new app on the login screen. With `tx` set, background work is spawned on the
    /// current tokio runtime and its results are sent there; without it (snapshot tests)
    /// requests are only recorded as pending.
    pub fn new(api: ApiClient, tx: Option<UnboundedSender<Action>>, options: Options) -> App {
        App {
            login: LoginState::new(options.demo.clone()),
            api,
            tx,
            clock: Clock::system(),
            theme: Theme::from_env(),
            options,
            route: Route::Login,
            me: None,
            orders: OrdersState::default(),
            detail: None,
            menu: MenuState::default(),
            users: UsersState::default(),
            names: HashMap::new(),
            names_asked: HashSet::new(),
            popup: None,
            status: None,
            pending: Vec::new(),
            next_task: 1,
            next_generation: 1,
            spinner: 0,
            live: Live::Off,
            live_task: None,
            quit: false,
        }
    }

    pub fn server_url(&self) -> &str {
        self.api.base_url()
    }

    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|u| u.is_admin)
    }

    fn fresh_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Runs `fut` in the background; its outcome comes back as `Action::Done`.
    pub fn spawn<F>(&mut self, label: &'static str, fut: F)
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let task = self.next_task;
        self.next_task += 1;
        self.pending.push((task, label));
        if let Some(tx) = self.tx.clone() {
            tokio::spawn(async move {
                let outcome = fut.await;
                let _ = tx.send(Action::Done {
                    task,
                    outcome: Box::new(outcome),
                });
            });
        }
    }

    pub fn set_error(&mut self, text: impl Into<String>) {
        let text = one_line(&text.into());
        tracing::info!(%text, "status error");
        self.status = Some(StatusLine {
            text,
            error: true,
            at: Instant::now(),
        });
    }

    pub fn set_info(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: one_line(&text.into()),
            error: false,
            at: Instant::now(),
        });
    }

    /// Shows an error; a rejected refresh ends the session.
    fn fail(&mut self, e: ApiError) {
        if e == ApiError::SessionEnded {
            self.end_session(Some(e.to_string()));
        } else {
            self.set_error(e.to_string());
        }
    }

    /// The one place the app changes state.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(key) => {
                if key.kind == KeyEventKind::Press || key.kind == KeyEventKind::Repeat {
                    self.on_key(key);
                }
            }
            Action::Tick => {
                if !self.pending.is_empty() {
                    self.spinner = self.spinner.wrapping_add(1);
                }
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.at.elapsed() > STATUS_TTL)
                {
                    self.status = None;
                }
            }
            Action::Live(ev) => self.on_live(ev),
            Action::Done { task, outcome } => {
                self.pending.retain(|(t, _)| *t != task);
                self.on_outcome(*outcome);
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        // Ctrl-C quits from anywhere, at once.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if self.popup.is_some() {
            self.popup_key(key);
            return;
        }
        if self.route == Route::Login {
            self.login_key(key);
            return;
        }
        let admin = self.is_admin();
        let table = self.key_table();
        if let Some(cmd) = keys::lookup(table, &key, admin) {
            self.screen_cmd(cmd);
        } else if let Some(cmd) = keys::lookup(keys::GLOBAL, &key, admin) {
            self.global_cmd(cmd);
        }
    }

    /// The key table of the current screen.
    pub fn key_table(&self) -> &'static [keys::Binding] {
        match self.route {
            Route::Login => keys::LOGIN,
            Route::Orders => keys::ORDERS,
            Route::Detail => keys::DETAIL,
            Route::Menu => keys::MENU,
            Route::Profile => keys::PROFILE,
            Route::Users => keys::USERS,
        }
    }

    pub(super) fn global_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Help => self.popup = Some(Popup::Help),
            Cmd::Quit => self.quit = true,
            Cmd::Back => self.back(),
            Cmd::Tab(n) => self.open_tab(n),
            Cmd::Logout => {
                self.popup = Some(Popup::Confirm {
                    question: "Log out of this session?".into(),
                    on_yes: Confirmed::Logout { all: false },
                })
            }
            _ => {}
        }
    }

    fn back(&mut self) {
        match self.route {
            Route::Detail => {
                self.detail = None;
                self.route = Route::Orders;
            }
            _ => self.quit = true,
        }
    }

    fn open_tab(&mut self, n: u8) {
        match n {
            1 => {
                self.detail = None;
                self.route = Route::Orders;
                if self.orders.load == Load::Idle {
                    self.reload_orders();
                }
            }
            2 => {
                self.detail = None;
                self.route = Route::Menu;
                if self.menu.load == Load::Idle {
                    self.reload_menu();
                }
            }
            3 => {
                self.detail = None;
                self.route = Route::Profile;
            }
            4 if self.is_admin() => {
                self.detail = None;
                self.route = Route::Users;
                if self.users.load == Load::Idle {
                    self.reload_users();
                }
            }
            _ => {}
        }
    }

    fn screen_cmd(&mut self, cmd: Cmd) {
        match self.route {
            Route::Login => {}
            Route::Orders => self.orders_cmd(cmd),
            Route::Detail => self.detail_cmd(cmd),
            Route::Menu => self.menu_cmd(cmd),
            Route::Profile => self.profile_cmd(cmd),
            Route::Users => self.users_cmd(cmd),
        }
    }

    /// A short line for the spinner: what is in flight.
    pub fn busy_label(&self) -> Option<&'static str> {
        self.pending.last().map(|(_, l)| *l)
    }
}

impl Drop for App {
    // The live stream is a detached task: end it with the app.
    fn drop(&mut self) {
        self.stop_live();
    }
}

/// A status line is one line: control characters (a newline in a server's message) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Moves a selection in a list of `len` rows.
pub fn move_selection(selected: usize, len: usize, cmd: Cmd, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match cmd {
        Cmd::Up => selected.saturating_sub(1),
        Cmd::Down => (selected + 1).min(last),
        Cmd::PageUp => selected.saturating_sub(page),
        Cmd::PageDown => (selected + page).min(last),
        Cmd::Top => 0,
        Cmd::Bottom => last,
        _ => selected.min(last),
    }
}
