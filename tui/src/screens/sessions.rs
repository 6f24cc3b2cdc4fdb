//! The user's sessions (in the Profile tab, `s` there): where each is signed in from (client
//! and address), when it started and was last used, this one marked with `●`. `d` ends the
//! selected session after `y`/`n`; ending this one is a logout.

use comanda_common::{Message, SessionInfo, SessionList};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Handled, Help, Load, Screen};
use crate::api::{ApiError, ApiResult};
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Nav, key, move_selection};
use crate::popups::Confirm;
use crate::popups::confirm::Answer;
use crate::widgets::table::{At, fixed, flex, num, placeholder, row_at, rows_in, table, titled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Back,
    End,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(
        &[K::Char('q'), K::Code(KeyCode::Esc)],
        "q",
        Cmd::Back,
        "back to the profile",
    )
    .hint("back"),
    key(&[K::Char('d')], "d", Cmd::End, "end the selected session").hint("end"),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload").hint("reload"),
];

/// What a `y` ends: another session, or this one (a logout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yes {
    End(i64),
    Logout,
}

/// Answers of the sessions screen's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        result: ApiResult<SessionList>,
    },
    Ended {
        id: i64,
        result: ApiResult<Message>,
    },
}

#[derive(Debug, Default)]
pub struct Sessions {
    pub sessions: Vec<SessionInfo>,
    pub load: Load,
    pub selected: usize,
    pub generation: u64,
    pub popup: Option<Confirm<Yes>>,
}

impl Sessions {
    pub fn new(_options: &Options) -> Sessions {
        Sessions::default()
    }

    pub fn selected_row(&self) -> usize {
        self.selected.min(self.sessions.len().saturating_sub(1))
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.generation = ctx.fresh_generation();
        self.load = Load::Loading;
        let generation = self.generation;
        let api = ctx.api.clone();
        ctx.spawn("loading the sessions", async move {
            Msg::Loaded {
                generation,
                result: api.sessions().await,
            }
        });
    }

    fn ask_end(&mut self) {
        let Some(s) = self.sessions.get(self.selected_row()) else {
            return;
        };
        self.popup = Some(if s.current {
            Confirm::new("End this session? You are logged out here.", Yes::Logout)
        } else {
            Confirm::new(format!("End the session of {}?", client(s)), Yes::End(s.id))
        });
    }
}

/// The client's name as the session list shows it.
pub fn client(s: &SessionInfo) -> String {
    match s.user_agent.as_deref().map(str::trim) {
        Some(ua) if !ua.is_empty() => ua.to_owned(),
        _ => "unknown client".to_owned(),
    }
}

impl Screen for Sessions {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Sessions";
    const IN_TAB: u8 = 3;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        cmd != Cmd::End || !self.sessions.is_empty()
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        match cmd {
            Cmd::Back => ctx.emit(Event::Back),
            Cmd::End => self.ask_end(),
            Cmd::Reload => self.reload(ctx),
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let page = rows_in(ctx.body.get());
        self.selected = move_selection(self.selected_row(), self.sessions.len(), nav, page);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        self.popup.as_ref()?;
        match Confirm::key(&mut self.popup, &key) {
            Answer::Yes(Yes::Logout) => ctx.emit(Event::Logout { all: false }),
            Answer::Yes(Yes::End(id)) => {
                let api = ctx.api.clone();
                ctx.spawn("ending the session", async move {
                    Msg::Ended {
                        id,
                        result: api.end_session(id).await,
                    }
                });
            }
            Answer::Help => return Some(Handled::Help),
            Answer::No | Answer::Open => {}
        }
        Some(Handled::Yes)
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        self.popup.as_ref().map(|_| Confirm::<Yes>::help())
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded { generation, result } if generation == self.generation => match result {
                Ok(list) => {
                    self.sessions = list.sessions;
                    self.load = Load::Loaded;
                    self.selected = self.selected_row();
                }
                Err(e) => {
                    self.load = Load::Failed(e.to_string());
                    ctx.fail(e);
                }
            },
            Msg::Loaded { .. } => {}
            Msg::Ended { id, result } => match result {
                Ok(_) => {
                    self.sessions.retain(|s| s.id != id);
                    self.selected = self.selected_row();
                    ctx.set_info("Session ended: that client is signed out");
                }
                Err(e @ ApiError::SessionEnded) => ctx.fail(e),
                Err(e) => {
                    ctx.set_error(e.to_string());
                    // Whatever happened to it, show the list as it is now.
                    self.reload(ctx);
                }
            },
        }
    }

    fn on_event(&mut self, ev: &Event, _ctx: &mut Ctx) {
        if matches!(ev, Event::SessionEnded(_) | Event::SignedIn(_)) {
            *self = Sessions::default();
        }
    }

    /// Sessions come and go elsewhere: the list is read again each time it is shown.
    fn enter(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, _double: bool, _ctx: &mut Ctx) {
        if self.popup.is_none()
            && let Some(i) = row_at(y, self.selected_row(), self.sessions.len(), area)
        {
            self.selected = i;
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let title = if self.load == Load::Loaded {
            format!(" Sessions · {} ", self.sessions.len())
        } else {
            " Sessions ".to_owned()
        };
        let block = titled(t, title, None);
        if self.sessions.is_empty() {
            placeholder(
                t,
                frame,
                area,
                block,
                &self.load,
                "No sessions.",
                "the sessions",
            );
        } else {
            let wide = area.width >= 70;
            let cols = [
                fixed("", 1),
                flex("Client"),
                fixed("Address", if wide { 15 } else { 13 }),
                fixed("Started", if wide { 16 } else { 7 }),
                num("Last used", 9),
            ];
            let rows = self.sessions.iter().map(|s| {
                let ago = |t| match ctx.clock.age(t) {
                    now if now == "now" => now,
                    age => format!("{age} ago"),
                };
                let started = if wide {
                    ctx.clock.local(s.created_at)
                } else {
                    ago(s.created_at)
                };
                vec![
                    (if s.current { "●" } else { " " }.to_owned(), t.live(true)),
                    (client(s), Style::new()),
                    (
                        s.address.clone().unwrap_or_else(|| "–".into()),
                        Style::new(),
                    ),
                    (started, Style::new()),
                    (ago(s.last_used_at), Style::new()),
                ]
            });
            let len = self.sessions.len();
            let block = block.title_bottom(Line::from(Span::styled(
                format!(" ● this session · {} of {len} ", self.selected_row() + 1),
                t.dim(),
            )));
            table(
                t,
                frame,
                area,
                block,
                &cols,
                rows,
                At {
                    len,
                    selected: self.selected_row(),
                },
            );
        }
        if let Some(c) = &self.popup {
            c.render(t, frame, area);
        }
    }
}
