//! Users (tab 4, admins only): every account, searched on the server as you type and paged;
//! promote/demote, activate/deactivate, delete.

use comanda_common::{Message, UserList, UserListQuery, UserPatch, UserPublic};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Handled, Help, Load, Screen, Tab};
use crate::api::ApiResult;
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Nav, Who, key, move_selection};
use crate::popups::Confirm;
use crate::popups::confirm::Answer;
use crate::theme::ellipsize;
use crate::widgets::filter::{self, Filter, FilterKey};
use crate::widgets::table::{At, fixed, flex, num, placeholder, row_at, rows_in, table, titled};

/// Rows per page of `GET /users/`.
pub const PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Search,
    ClearSearch,
    ToggleAdmin,
    ToggleActive,
    Delete,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Char('/')], "/", Cmd::Search, "search, as you type")
        .hint("search")
        .admin(),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::ClearSearch,
        "clear the search",
    )
    .admin(),
    key(&[K::Char('p')], "p", Cmd::ToggleAdmin, "promote / demote")
        .hint("admin")
        .admin(),
    key(&[K::Char('t')], "t", Cmd::ToggleActive, "(de)activate")
        .hint("active")
        .admin(),
    key(&[K::Char('d')], "d", Cmd::Delete, "delete the user")
        .hint("delete")
        .admin(),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload")
        .hint("reload")
        .admin(),
];

/// What a `y` does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yes {
    SetAdmin { id: i64, to: bool },
    SetActive { id: i64, to: bool },
    Delete(i64),
}

/// Answers of the users tab's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        offset: i64,
        result: ApiResult<UserList>,
    },
    Changed {
        verb: &'static str,
        result: ApiResult<UserPublic>,
    },
    Deleted {
        id: i64,
        result: ApiResult<Message>,
    },
}

#[derive(Debug, Default)]
pub struct Users {
    pub users: Vec<UserPublic>,
    pub load: Load,
    pub selected: usize,
    /// `/`: searched on the server.
    pub search: Filter,
    pub has_more: bool,
    pub loading_more: bool,
    pub generation: u64,
    pub popup: Option<Confirm<Yes>>,
}

impl Users {
    pub fn new(_options: &Options) -> Users {
        Users::default()
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.generation = ctx.fresh_generation();
        self.load = Load::Loading;
        self.loading_more = false;
        self.fetch(0, ctx);
    }

    fn fetch(&mut self, offset: i64, ctx: &mut Ctx) {
        let generation = self.generation;
        let q = self.search.text();
        let query = UserListQuery {
            offset: Some(offset),
            limit: Some(PAGE),
            q: (!q.is_empty()).then(|| q.to_owned()),
        };
        let api = ctx.api.clone();
        ctx.spawn("loading users", async move {
            Msg::Loaded {
                generation,
                offset,
                result: api.list_users(&query).await,
            }
        });
    }

    fn maybe_load_more(&mut self, ctx: &mut Ctx) {
        if self.has_more
            && !self.loading_more
            && self.load == Load::Loaded
            && self.selected + 10 >= self.users.len()
        {
            self.loading_more = true;
            let offset = self.users.len() as i64;
            self.fetch(offset, ctx);
        }
    }

    fn selected_row(&self) -> usize {
        self.selected.min(self.users.len().saturating_sub(1))
    }

    fn confirmed(&mut self, yes: Yes, ctx: &mut Ctx) {
        let (id, patch, verb) = match yes {
            Yes::Delete(id) => {
                let api = ctx.api.clone();
                ctx.spawn("deleting the user", async move {
                    Msg::Deleted {
                        id,
                        result: api.delete_user(id).await,
                    }
                });
                return;
            }
            Yes::SetAdmin { id, to } => (
                id,
                UserPatch {
                    is_admin: Some(to),
                    ..UserPatch::default()
                },
                if to {
                    "Promoted to admin"
                } else {
                    "No longer an admin"
                },
            ),
            Yes::SetActive { id, to } => (
                id,
                UserPatch {
                    is_active: Some(to),
                    ..UserPatch::default()
                },
                if to {
                    "Account activated"
                } else {
                    "Account deactivated"
                },
            ),
        };
        let api = ctx.api.clone();
        ctx.spawn("saving the user", async move {
            Msg::Changed {
                verb,
                result: api.patch_user(id, &patch).await,
            }
        });
    }
}

impl Screen for Users {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Users";
    const TAB: Option<Tab> = Some(Tab {
        n: 4,
        name: "Users",
        help: "Users tab",
        who: Who::Admin,
    });
    const IN_TAB: u8 = 4;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        cmd != Cmd::ClearSearch || !self.search.is_empty()
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        let selected = self.users.get(self.selected_row()).cloned();
        match cmd {
            Cmd::Search => self.search.start(),
            Cmd::ClearSearch => {
                self.search.clear();
                self.selected = 0;
                self.reload(ctx);
            }
            Cmd::Reload => self.reload(ctx),
            Cmd::ToggleAdmin => {
                if let Some(u) = selected {
                    let q = if u.is_admin {
                        format!("Remove admin rights from {}?", u.username)
                    } else {
                        format!("Make {} an admin?", u.username)
                    };
                    let to = !u.is_admin;
                    self.popup = Some(Confirm::new(q, Yes::SetAdmin { id: u.id, to }));
                }
            }
            Cmd::ToggleActive => {
                if let Some(u) = selected {
                    let q = if u.is_active {
                        format!("Deactivate {}? They are signed out at once.", u.username)
                    } else {
                        format!("Activate {}?", u.username)
                    };
                    let to = !u.is_active;
                    self.popup = Some(Confirm::new(q, Yes::SetActive { id: u.id, to }));
                }
            }
            Cmd::Delete => {
                if let Some(u) = selected {
                    self.popup = Some(Confirm::new(
                        format!("Delete {} and all their orders?", u.username),
                        Yes::Delete(u.id),
                    ));
                }
            }
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let page = rows_in(filter::split(ctx.body.get(), &self.search).0);
        self.selected = move_selection(self.selected, self.users.len(), nav, page);
        self.maybe_load_more(ctx);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        if self.popup.is_some() {
            match Confirm::key(&mut self.popup, &key) {
                Answer::Yes(yes) => self.confirmed(yes, ctx),
                Answer::Help => return Some(Handled::Help),
                Answer::No | Answer::Open => {}
            }
            return Some(Handled::Yes);
        }
        if self.search.editing {
            match self.search.key(&key) {
                FilterKey::Help => return Some(Handled::Help),
                FilterKey::Changed | FilterKey::Cleared => {
                    self.selected = 0;
                    self.reload(ctx);
                }
                FilterKey::Kept | FilterKey::Ignored => {}
            }
            return Some(Handled::Yes);
        }
        None
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        if self.popup.is_some() {
            return Some(Confirm::<Yes>::help());
        }
        self.search.editing.then(|| Filter::help("users"))
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded {
                generation,
                offset,
                result,
            } => {
                if generation != self.generation {
                    return;
                }
                self.loading_more = false;
                match result {
                    Ok(list) => {
                        self.has_more = list.users.len() as i64 == PAGE;
                        for u in &list.users {
                            ctx.names.insert(u.id, u.username.clone());
                        }
                        if offset == 0 {
                            self.users = list.users;
                        } else {
                            self.users.extend(list.users);
                        }
                        self.load = Load::Loaded;
                        if !self.has_more {
                            self.selected = self.selected_row();
                        }
                        self.maybe_load_more(ctx);
                    }
                    Err(e) => {
                        if offset == 0 {
                            self.load = Load::Failed(e.to_string());
                        }
                        ctx.fail(e);
                    }
                }
            }
            Msg::Changed { verb, result } => match result {
                Ok(u) => {
                    if ctx.my_id() == Some(u.id) {
                        ctx.me = Some(u.clone());
                    }
                    if let Some(slot) = self.users.iter_mut().find(|x| x.id == u.id) {
                        *slot = u;
                    }
                    ctx.set_info(verb);
                }
                Err(e) => ctx.fail(e),
            },
            Msg::Deleted { id, result } => match result {
                Ok(_) => {
                    self.users.retain(|u| u.id != id);
                    self.selected = self.selected_row();
                    ctx.set_info("User deleted");
                    ctx.emit(Event::UserDeleted(id));
                    if ctx.my_id() == Some(id) {
                        ctx.emit(Event::SessionEnded(Some("Account deleted".into())));
                    }
                }
                Err(e) => ctx.fail(e),
            },
        }
    }

    fn on_event(&mut self, ev: &Event, _ctx: &mut Ctx) {
        if matches!(ev, Event::SessionEnded(_) | Event::SignedIn(_)) {
            *self = Users::default();
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        if self.load == Load::Idle {
            self.reload(ctx);
        }
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, _double: bool, ctx: &mut Ctx) {
        let (list, _) = filter::split(area, &self.search);
        if let Some(i) = row_at(y, self.selected, self.users.len(), list) {
            self.selected = i;
            self.maybe_load_more(ctx);
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let full = area;
        let (area, filter_line) = filter::split(area, &self.search);
        if let Some(line) = filter_line {
            self.search
                .render(ctx.theme, frame, line, "username, email · every account");
        }
        let t = ctx.theme;
        let mut title = " Users".to_owned();
        if !self.search.is_empty() {
            title.push_str(&format!(" · “{}”", ellipsize(self.search.text(), 12)));
        }
        title.push(' ');
        let block = titled(t, title, None);
        // While a reload (a new search) is on its way, the rows there are stay shown.
        if self.users.is_empty() {
            placeholder(
                t,
                frame,
                area,
                block,
                &self.load,
                "No users match. Esc clears the search.",
                "users",
            );
        } else {
            let cols = [
                num("#", 4),
                flex("Username"),
                flex("Email"),
                fixed("Role", 5),
                fixed("Active", 6),
            ];
            let rows = self.users.iter().map(|x| {
                let dim = if x.is_active { Style::new() } else { t.dim() };
                vec![
                    (x.id.to_string(), dim),
                    (x.username.clone(), dim),
                    (x.email.clone(), dim),
                    (if x.is_admin { "admin" } else { "" }.to_owned(), dim),
                    (if x.is_active { "yes" } else { "no" }.to_owned(), dim),
                ]
            });
            let more = if self.loading_more {
                " loading more…"
            } else {
                ""
            };
            let plus = if self.has_more { "+" } else { "" };
            let len = self.users.len();
            let block = block.title_bottom(Line::from(Span::styled(
                format!(" {} of {len}{plus}{more} ", self.selected_row() + 1),
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
            c.render(t, frame, full);
        }
    }
}
