//! Users (tab 4, admins only): every account, searchable and paged; promote/demote,
//! activate/deactivate, delete.

use comanda_common::{Message, UserList, UserListQuery, UserPatch, UserPublic};

use super::keys::Cmd;
use super::{App, Confirmed, Load, Outcome, Popup, PromptKind, move_selection};
use crate::api::ApiResult;

/// Rows per page of `GET /users/`.
pub const PAGE: i64 = 50;

#[derive(Debug, Default)]
pub struct UsersState {
    pub users: Vec<UserPublic>,
    pub load: Load,
    pub selected: usize,
    pub q: String,
    pub has_more: bool,
    pub loading_more: bool,
    pub generation: u64,
}

impl App {
    pub(super) fn reload_users(&mut self) {
        self.users.generation = self.fresh_generation();
        self.users.load = Load::Loading;
        self.users.loading_more = false;
        self.fetch_users(0);
    }

    fn fetch_users(&mut self, offset: i64) {
        let generation = self.users.generation;
        let q = self.users.q.clone();
        let query = UserListQuery {
            offset: Some(offset),
            limit: Some(PAGE),
            q: if q.is_empty() { None } else { Some(q) },
        };
        let api = self.api.clone();
        self.spawn("loading users", async move {
            Outcome::UsersLoaded {
                generation,
                offset,
                result: api.list_users(&query).await,
            }
        });
    }

    pub(super) fn on_users_loaded(&mut self, generation: u64, offset: i64, r: ApiResult<UserList>) {
        if generation != self.users.generation {
            return;
        }
        self.users.loading_more = false;
        match r {
            Ok(list) => {
                self.users.has_more = list.users.len() as i64 == PAGE;
                for u in &list.users {
                    self.names.insert(u.id, u.username.clone());
                }
                if offset == 0 {
                    self.users.users = list.users;
                } else {
                    self.users.users.extend(list.users);
                }
                self.users.load = Load::Loaded;
                self.users.selected = self
                    .users
                    .selected
                    .min(self.users.users.len().saturating_sub(1));
            }
            Err(e) => {
                if offset == 0 {
                    self.users.load = Load::Failed(e.to_string());
                }
                self.fail(e);
            }
        }
    }

    pub(super) fn users_cmd(&mut self, cmd: Cmd) {
        let selected = self.users.users.get(self.users.selected).cloned();
        match cmd {
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                self.users.selected =
                    move_selection(self.users.selected, self.users.users.len(), cmd, 10);
                if self.users.has_more
                    && !self.users.loading_more
                    && self.users.selected + 10 >= self.users.users.len()
                {
                    self.users.loading_more = true;
                    let offset = self.users.users.len() as i64;
                    self.fetch_users(offset);
                }
            }
            Cmd::Filter => self.popup = Some(Popup::prompt(PromptKind::SearchUsers, &self.users.q)),
            Cmd::ClearFilter if !self.users.q.is_empty() => {
                self.users.q.clear();
                self.users.selected = 0;
                self.reload_users();
            }
            Cmd::Reload => self.reload_users(),
            Cmd::ToggleAdmin => {
                if let Some(u) = selected {
                    let q = if u.is_admin {
                        format!("Remove admin rights from {}?", u.username)
                    } else {
                        format!("Make {} an admin?", u.username)
                    };
                    self.popup = Some(Popup::Confirm {
                        question: q,
                        on_yes: Confirmed::SetAdmin {
                            id: u.id,
                            to: !u.is_admin,
                        },
                    });
                }
            }
            Cmd::ToggleActive => {
                if let Some(u) = selected {
                    let q = if u.is_active {
                        format!("Deactivate {}? They are signed out at once.", u.username)
                    } else {
                        format!("Activate {}?", u.username)
                    };
                    self.popup = Some(Popup::Confirm {
                        question: q,
                        on_yes: Confirmed::SetActive {
                            id: u.id,
                            to: !u.is_active,
                        },
                    });
                }
            }
            Cmd::Delete => {
                if let Some(u) = selected {
                    self.popup = Some(Popup::Confirm {
                        question: format!("Delete {} and all their orders?", u.username),
                        on_yes: Confirmed::DeleteUser(u.id),
                    });
                }
            }
            _ => {}
        }
    }

    pub(super) fn patch_user(&mut self, id: i64, patch: UserPatch, verb: &'static str) {
        let api = self.api.clone();
        self.spawn("saving the user", async move {
            Outcome::UserChanged {
                verb,
                result: api.patch_user(id, &patch).await,
            }
        });
    }

    pub(super) fn delete_user(&mut self, id: i64) {
        let api = self.api.clone();
        self.spawn("deleting the user", async move {
            Outcome::UserDeleted {
                id,
                result: api.delete_user(id).await,
            }
        });
    }

    pub(super) fn on_user_changed(&mut self, verb: &'static str, r: ApiResult<UserPublic>) {
        match r {
            Ok(u) => {
                if self.me.as_ref().is_some_and(|m| m.id == u.id) {
                    self.me = Some(u.clone());
                }
                if let Some(slot) = self.users.users.iter_mut().find(|x| x.id == u.id) {
                    *slot = u;
                }
                self.set_info(verb);
            }
            Err(e) => self.fail(e),
        }
    }

    pub(super) fn on_user_deleted(&mut self, id: i64, r: ApiResult<Message>) {
        match r {
            Ok(_) => {
                self.users.users.retain(|u| u.id != id);
                self.users.selected = self
                    .users
                    .selected
                    .min(self.users.users.len().saturating_sub(1));
                self.set_info("User deleted");
                if self.me.as_ref().is_some_and(|m| m.id == id) {
                    self.end_session(Some("Account deleted".into()));
                }
            }
            Err(e) => self.fail(e),
        }
    }
}
