//! The session's life and the answers of background work: start-up (health, keyring, saved
//! session), signing in and out, the live order events, and the dispatch of every outcome.

use comanda_common::UserPublic;

use super::{Action, App, Live, MenuState, OrdersState, Outcome, Route, UsersState};
use crate::api::ApiError;
use crate::api::events::{LiveEvent, run_live};

impl App {
    /// The first background work, started right after the first frame is painted:
    /// the health check, the keyring, and the saved session.
    pub fn start(&mut self) {
        let api = self.api.clone();
        self.spawn("checking the server", async move {
            Outcome::Health(api.health().await)
        });
        let api = self.api.clone();
        let os = self.options.os_keyring;
        self.login.restoring = true;
        self.spawn("opening the keyring", async move {
            let mut note = None;
            if os {
                let url = api.base_url().to_owned();
                match tokio::task::spawn_blocking(move || crate::store::open_os_store(&url)).await {
                    Ok((store, n)) => {
                        api.set_store(store);
                        note = n;
                    }
                    Err(_) => {
                        note =
                            Some("No OS keyring found: this session is kept in memory only".into())
                    }
                }
            }
            let had_session = api.restore_session().await;
            Outcome::StoreOpened { note, had_session }
        });
    }

    pub(super) fn on_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Health(Ok(_)) => {}
            Outcome::Health(Err(e)) => self.set_error(e.to_string()),
            Outcome::StoreOpened { note, had_session } => {
                if let Some(note) = note {
                    self.set_info(note);
                }
                if had_session {
                    let api = self.api.clone();
                    self.spawn("restoring the session", async move {
                        Outcome::SessionChecked(api.me().await)
                    });
                } else {
                    self.login.restoring = false;
                }
            }
            Outcome::SessionChecked(result) => {
                self.login.restoring = false;
                match result {
                    Ok(me) => self.begin_session(me),
                    Err(e) => self.fail(e),
                }
            }
            Outcome::LoggedIn(r) => self.on_logged_in(r),
            Outcome::SignedUp(r) => self.on_signed_up(r),
            Outcome::OrdersLoaded {
                generation,
                offset,
                result,
            } => self.on_orders_loaded(generation, offset, result),
            Outcome::OrderCreated(r) => self.on_order_created(r),
            Outcome::OrderLoaded { generation, result } => self.on_order_loaded(generation, result),
            Outcome::OrderChanged {
                generation,
                verb,
                result,
            } => self.on_order_changed(generation, verb, result),
            Outcome::MenuLoaded { generation, result } => self.on_menu_loaded(generation, result),
            Outcome::MenuChanged { verb, result } => self.on_menu_changed(verb, result),
            Outcome::UsersLoaded {
                generation,
                offset,
                result,
            } => self.on_users_loaded(generation, offset, result),
            Outcome::UserChanged { verb, result } => self.on_user_changed(verb, result),
            Outcome::UserDeleted { id, result } => self.on_user_deleted(id, result),
            Outcome::CustomerName(Ok(u)) => {
                self.names.insert(u.id, u.username);
            }
            Outcome::CustomerName(Err(e)) => {
                if e == ApiError::SessionEnded {
                    self.fail(e);
                }
            }
            Outcome::ProfileSaved(r) => self.on_profile_saved(r),
            Outcome::AccountDeleted(r) => match r {
                Ok(_) => {
                    let api = self.api.clone();
                    self.spawn("forgetting the session", async move {
                        api.forget_session().await;
                        Outcome::LoggedOut(Ok(()))
                    });
                    self.end_session(Some("Account deleted".into()));
                }
                Err(e) => self.fail(e),
            },
            Outcome::LoggedOut(r) => {
                if let Err(e) = r {
                    tracing::info!(error = %e, "logout did not reach the server");
                }
            }
        }
    }

    /// Signed in as `me`: open the orders and start the live updates.
    pub(super) fn begin_session(&mut self, me: UserPublic) {
        tracing::info!(user_id = me.id, "signed in");
        self.names.insert(me.id, me.username.clone());
        self.me = Some(me);
        self.login.reset_after_sign_in();
        self.route = Route::Orders;
        self.orders = OrdersState::default();
        self.menu = MenuState::default();
        self.users = UsersState::default();
        self.detail = None;
        self.popup = None;
        self.reload_orders();
        self.start_live();
    }

    /// Back to the login screen, `message` under the form.
    pub fn end_session(&mut self, message: Option<String>) {
        self.stop_live();
        self.me = None;
        self.detail = None;
        self.popup = None;
        self.orders = OrdersState::default();
        self.menu = MenuState::default();
        self.users = UsersState::default();
        self.names.clear();
        self.names_asked.clear();
        self.route = Route::Login;
        self.login.restoring = false;
        self.login.error = message;
        self.login.focus_password_or_identifier();
        // Drop every answer still in flight for the old session.
        self.next_generation += 1;
    }

    pub(super) fn start_live(&mut self) {
        self.stop_live();
        self.live = Live::Connecting;
        let Some(tx) = self.tx.clone() else { return };
        let api = self.api.clone();
        let (ltx, mut lrx) = tokio::sync::mpsc::unbounded_channel();
        let forward = tokio::spawn(async move {
            while let Some(ev) = lrx.recv().await {
                if tx.send(Action::Live(ev)).is_err() {
                    break;
                }
            }
        });
        let handle = tokio::spawn(async move {
            run_live(api, ltx).await;
            let _ = forward.await;
        });
        self.live_task = Some(handle);
    }

    pub(super) fn stop_live(&mut self) {
        if let Some(h) = self.live_task.take() {
            h.abort();
        }
        self.live = Live::Off;
    }

    pub(super) fn on_live(&mut self, ev: LiveEvent) {
        if self.me.is_none() {
            return;
        }
        match ev {
            LiveEvent::Connected => self.live = Live::Live,
            LiveEvent::Reconnecting(why) => {
                if self.live != Live::Reconnecting {
                    tracing::info!(%why, "live updates reconnecting");
                }
                self.live = Live::Reconnecting;
            }
            LiveEvent::Order(order) => self.on_order_event(*order),
            LiveEvent::Reset => {
                self.reload_orders();
                if let Some(id) = self.detail.as_ref().map(|d| d.id) {
                    self.load_order(id);
                }
            }
            LiveEvent::SessionEnded => self.end_session(Some(crate::api::SESSION_ENDED.into())),
        }
    }
}
