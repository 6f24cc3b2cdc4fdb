//! The session's life: start-up (health, keyring, saved session), the answers that belong
//! to the app rather than a screen, and the live order events.

use comanda_common::{Status, UserPublic};

use super::{Action, App, Event, Live};
use crate::api::events::{LiveEvent, run_live};
use crate::api::{ApiError, ApiResult};

/// Answers of the app's own background work.
#[derive(Debug)]
pub enum AppMsg {
    Health(ApiResult<Status>),
    StoreOpened {
        note: Option<String>,
        had_session: bool,
    },
    SessionChecked(ApiResult<UserPublic>),
    CustomerName(ApiResult<UserPublic>),
    LoggedOut(ApiResult<()>),
}

impl App {
    /// The first background work, started right after the first frame is painted:
    /// the health check, the keyring, and the saved session.
    pub fn start(&mut self) {
        let api = self.ctx.api.clone();
        self.ctx.spawn("checking the server", async move {
            AppMsg::Health(api.health().await)
        });
        let api = self.ctx.api.clone();
        let os = self.ctx.options.os_keyring;
        self.screens.login.restoring = true;
        self.ctx.spawn("opening the keyring", async move {
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
            AppMsg::StoreOpened { note, had_session }
        });
    }

    pub(super) fn start_live(&mut self) {
        self.stop_live();
        self.ctx.live = Live::Connecting;
        let Some(tx) = self.ctx.sender() else { return };
        let api = self.ctx.api.clone();
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
        self.ctx.live = Live::Off;
    }

    pub(super) fn on_live(&mut self, ev: LiveEvent) {
        if self.ctx.me.is_none() {
            return;
        }
        match ev {
            LiveEvent::Connected => self.ctx.live = Live::Live,
            LiveEvent::Reconnecting(why) => {
                if self.ctx.live != Live::Reconnecting {
                    tracing::info!(%why, "live updates reconnecting");
                }
                self.ctx.live = Live::Reconnecting;
            }
            LiveEvent::Order(order) => self.ctx.emit(Event::OrderChanged(order)),
            LiveEvent::Reset => self.ctx.emit(Event::Reset),
            LiveEvent::SessionEnded => self
                .ctx
                .emit(Event::SessionEnded(Some(crate::api::SESSION_ENDED.into()))),
        }
    }
}

pub(super) fn on_app_msg(app: &mut App, m: AppMsg) {
    match m {
        AppMsg::Health(r) => app.on_health(r),
        AppMsg::StoreOpened { note, had_session } => {
            if let Some(note) = note {
                app.ctx.set_info(note);
            }
            if had_session {
                let api = app.ctx.api.clone();
                app.ctx.spawn("restoring the session", async move {
                    AppMsg::SessionChecked(api.me().await)
                });
            } else {
                app.screens.login.restoring = false;
            }
        }
        AppMsg::SessionChecked(result) => {
            app.screens.login.restoring = false;
            match result {
                Ok(me) => app.ctx.emit(Event::SignedIn(me)),
                Err(e) => app.ctx.fail(e),
            }
        }
        AppMsg::CustomerName(Ok(u)) => {
            app.ctx.names.insert(u.id, u.username);
        }
        AppMsg::CustomerName(Err(e)) => {
            if e == ApiError::SessionEnded {
                app.ctx.fail(e);
            }
        }
        AppMsg::LoggedOut(r) => {
            if let Err(e) = r {
                tracing::info!(error = %e, "logout did not reach the server");
            }
        }
    }
}
