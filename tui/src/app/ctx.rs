//! What every screen shares: the API client, who is signed in, the clock and theme, the
//! status line, the requests in flight, and the queue of app events (gitui's "queue").

use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::time::{Duration, Instant};

use comanda_common::{Order, UserPublic};
use ratatui::layout::Rect;
use tokio::sync::mpsc::UnboundedSender;

use super::{Action, Options};
use crate::api::{ApiClient, ApiError};
use crate::clock::Clock;
use crate::screens::{Msg, Route};
use crate::theme::Theme;

/// How long a status line stays.
pub const STATUS_TTL: Duration = Duration::from_secs(5);

/// The state of the live updates stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What a screen asks of the app, or tells every screen. Handled after the key or result
/// that raised it: the app acts on the ones that are its own, then every screen sees each.
#[derive(Debug, Clone)]
pub enum Event {
    /// Signed in as this user: open the orders, start the live updates.
    SignedIn(UserPublic),
    /// Back to the login screen, this line under the form.
    SessionEnded(Option<String>),
    /// Log out (of every session with `all`), after the user confirmed.
    Logout { all: bool },
    /// Show this screen.
    Show(Route),
    /// Back one screen (quit on a tab).
    Back,
    /// Open this order in the order screen (with what is known of it already).
    OpenOrder { id: i64, known: Option<Box<Order>> },
    /// An order changed (a request's answer, or the live stream).
    OrderChanged(Box<Order>),
    /// The live stream lost events: reload what is shown.
    Reset,
    /// This account was deleted by an admin: its orders go.
    UserDeleted(i64),
}

pub struct Ctx {
    pub api: ApiClient,
    tx: Option<UnboundedSender<Action>>,
    pub clock: Clock,
    pub theme: Theme,
    pub options: Options,
    pub me: Option<UserPublic>,
    /// Customer names for the admins' "all orders" view.
    pub names: HashMap<i64, String>,
    names_asked: HashSet<i64>,
    pub status: Option<StatusLine>,
    /// Requests in flight: (task, what it does).
    pub pending: Vec<(u64, &'static str)>,
    next_task: u64,
    next_generation: u64,
    pub spinner: usize,
    pub live: Live,
    /// The body area of the last frame: a "screen" for PgDn, and where mouse clicks land.
    pub body: Cell<Rect>,
    events: VecDeque<Event>,
    /// Terminal bells asked for since the terminal loop last rang them.
    pub bells: u32,
}

impl Ctx {
    pub fn new(api: ApiClient, tx: Option<UnboundedSender<Action>>, options: Options) -> Ctx {
        Ctx {
            api,
            tx,
            clock: Clock::system(),
            theme: Theme::from_env(),
            options,
            me: None,
            names: HashMap::new(),
            names_asked: HashSet::new(),
            status: None,
            pending: Vec::new(),
            next_task: 1,
            next_generation: 1,
            spinner: 0,
            live: Live::Off,
            body: Cell::new(Rect::new(0, 1, 80, 21)),
            events: VecDeque::new(),
            bells: 0,
        }
    }

    pub fn server_url(&self) -> &str {
        self.api.base_url()
    }

    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|u| u.is_admin)
    }

    pub fn my_id(&self) -> Option<i64> {
        self.me.as_ref().map(|m| m.id)
    }

    /// A number no earlier request was tagged with: answers tagged otherwise are stale.
    pub fn fresh_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Runs `fut` in the background; its message comes back to the screen it belongs to.
    /// Without a channel (snapshot tests) the request is only recorded as pending.
    pub fn spawn<F>(&mut self, label: &'static str, fut: F)
    where
        F: Future + Send + 'static,
        F::Output: Into<Msg>,
    {
        let task = self.next_task;
        self.next_task += 1;
        self.pending.push((task, label));
        if let Some(tx) = self.tx.clone() {
            tokio::spawn(async move {
                let msg = fut.await.into();
                let _ = tx.send(Action::Done {
                    task,
                    msg: Box::new(msg),
                });
            });
        }
    }

    pub(super) fn sender(&self) -> Option<UnboundedSender<Action>> {
        self.tx.clone()
    }

    /// Raises an app event (handled once the current key or result is done).
    pub fn emit(&mut self, ev: Event) {
        self.events.push_back(ev);
    }

    pub(super) fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
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

    /// Shows an error in the status bar; a rejected refresh ends the session.
    pub fn fail(&mut self, e: ApiError) {
        if e == ApiError::SessionEnded {
            self.emit(Event::SessionEnded(Some(e.to_string())));
        } else {
            self.set_error(e.to_string());
        }
    }

    /// Asks the terminal loop to ring the terminal bell.
    pub fn ring_bell(&mut self) {
        self.bells = self.bells.saturating_add(1);
    }

    /// Looks up one customer's name (admins), once.
    pub fn ask_name(&mut self, id: i64) {
        if self.is_admin() && !self.names.contains_key(&id) && self.names_asked.insert(id) {
            let api = self.api.clone();
            self.spawn("loading names", async move {
                super::AppMsg::CustomerName(api.get_user(id).await)
            });
        }
    }

    /// Keeps the customers' names that came with a page of orders (`scope=all` pages name
    /// them), so that no request per customer is needed for those.
    pub fn learn_names(&mut self, orders: &[Order]) {
        for o in orders {
            if let Some(name) = &o.username
                && self.names.get(&o.user_id) != Some(name)
            {
                self.names.insert(o.user_id, name.clone());
            }
        }
    }

    /// A customer's name, or `user 7` while it is not known.
    pub fn name_of(&self, id: i64) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    }

    /// Forgets the signed-in user and everything learnt for them; answers in flight for
    /// the old session are dropped.
    pub(super) fn sign_out(&mut self) {
        self.me = None;
        self.names.clear();
        self.names_asked.clear();
        self.next_generation += 1;
    }

    /// A short line for the spinner: what is in flight.
    pub fn busy_label(&self) -> Option<&'static str> {
        self.pending.last().map(|(_, l)| *l)
    }

    /// One screen of rows of a bordered table in the body: what PgUp/PgDn move.
    pub fn page_rows(&self) -> usize {
        crate::widgets::table::rows_in(self.body.get())
    }
}

/// A status line is one line: control characters (a newline in a server's message) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
