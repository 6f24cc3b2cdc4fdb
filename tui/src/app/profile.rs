//! The profile (tab 3): the user's own account.

use comanda_common::{UserPatch, UserPublic};

use super::keys::Cmd;
use super::{App, Confirmed, Outcome, Popup, PromptKind};
use crate::api::ApiResult;

impl App {
    pub(super) fn profile_cmd(&mut self, cmd: Cmd) {
        let Some(me) = self.me.clone() else { return };
        match cmd {
            Cmd::EditUsername => {
                self.popup = Some(Popup::prompt(PromptKind::EditUsername, &me.username))
            }
            Cmd::EditEmail => self.popup = Some(Popup::prompt(PromptKind::EditEmail, &me.email)),
            Cmd::EditPassword => self.popup = Some(Popup::prompt(PromptKind::EditPassword, "")),
            Cmd::Logout => self.global_cmd(Cmd::Logout),
            Cmd::LogoutAll => {
                self.popup = Some(Popup::Confirm {
                    question: "Log out of every session, on every device?".into(),
                    on_yes: Confirmed::Logout { all: true },
                })
            }
            Cmd::DeleteAccount => self.popup = Some(Popup::prompt(PromptKind::DeleteAccount, "")),
            Cmd::Reload => {
                let api = self.api.clone();
                self.spawn("loading the profile", async move {
                    Outcome::ProfileSaved(api.me().await)
                });
            }
            _ => {}
        }
    }

    pub(super) fn save_profile(&mut self, patch: UserPatch) {
        let Some(id) = self.me.as_ref().map(|m| m.id) else {
            return;
        };
        let api = self.api.clone();
        self.spawn("saving the profile", async move {
            Outcome::ProfileSaved(api.patch_user(id, &patch).await)
        });
    }

    pub(super) fn on_profile_saved(&mut self, r: ApiResult<UserPublic>) {
        match r {
            Ok(me) => {
                if self.me.as_ref().is_some_and(|m| m.id == me.id) {
                    self.me = Some(me);
                    self.set_info("Profile saved");
                }
            }
            Err(e) => self.fail(e),
        }
    }

    pub(super) fn delete_account(&mut self) {
        let Some(id) = self.me.as_ref().map(|m| m.id) else {
            return;
        };
        let api = self.api.clone();
        self.spawn("deleting the account", async move {
            Outcome::AccountDeleted(api.delete_user(id).await)
        });
    }
}
