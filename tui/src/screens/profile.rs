//! The profile (tab 3): the user's own account: change username, email, password; log out
//! (here or everywhere); delete the account after typing the username; `s` opens the
//! sessions list ([`super::sessions`]).

use comanda_common::{Email, Message, Password, UserPatch, UserPublic, Username};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Handled, Help, Screen, Tab};
use crate::api::ApiResult;
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Who, key};
use crate::popups::confirm::Answer;
use crate::popups::prompt::PromptKey;
use crate::popups::{Confirm, Prompt};
use crate::theme::ellipsize;
use crate::widgets::form::{Field, Form};
use crate::widgets::table::titled;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Logout,
    EditUsername,
    EditEmail,
    EditPassword,
    LogoutAll,
    DeleteAccount,
    Sessions,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Char('L')], "L", Cmd::Logout, "log out").hint("log out"),
    key(&[K::Char('u')], "u", Cmd::EditUsername, "change username").hint("username"),
    key(&[K::Char('e')], "e", Cmd::EditEmail, "change email").hint("email"),
    key(&[K::Char('p')], "p", Cmd::EditPassword, "change password").hint("password"),
    key(&[K::Char('O')], "O", Cmd::LogoutAll, "log out everywhere").hint("log out all"),
    key(
        &[K::Char('d')],
        "d",
        Cmd::DeleteAccount,
        "delete the account",
    )
    .hint("delete"),
    key(
        &[K::Char('s')],
        "s",
        Cmd::Sessions,
        "your sessions (where you are signed in)",
    )
    .hint("sessions"),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload"),
];

/// What a prompt here asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Username,
    Email,
    Password,
    DeleteAccount,
}

/// What a `y` does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yes {
    Logout { all: bool },
}

#[derive(Debug, Clone)]
pub enum Popup {
    Prompt(Prompt<Ask>),
    Confirm(Confirm<Yes>),
}

/// Answers of the profile's requests.
#[derive(Debug)]
pub enum Msg {
    Saved(ApiResult<UserPublic>),
    Deleted(ApiResult<Message>),
    Forgotten,
}

#[derive(Debug, Default)]
pub struct Profile {
    pub popup: Option<Popup>,
}

impl Profile {
    pub fn new(_options: &Options) -> Profile {
        Profile::default()
    }

    fn prompt(&mut self, ask: Ask, ctx: &Ctx) {
        let me = ctx.me.clone();
        let value = |f: fn(&UserPublic) -> &str| me.as_ref().map_or("", f).to_owned();
        let (title, fields) = match ask {
            Ask::Username => (
                "Change username",
                vec![Field::new("Username").with_value(&value(|m| &m.username))],
            ),
            Ask::Email => (
                "Change email",
                vec![Field::new("Email").with_value(&value(|m| &m.email))],
            ),
            Ask::Password => (
                "Change password",
                vec![Field::masked("New password"), Field::masked("Confirm")],
            ),
            Ask::DeleteAccount => (
                "Delete your account — this cannot be undone",
                vec![Field::new("Type your username")],
            ),
        };
        self.popup = Some(Popup::Prompt(Prompt::new(ask, title, Form::new(fields))));
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(Popup::Prompt(p)) = self.popup.as_mut() else {
            return;
        };
        let Some(id) = ctx.my_id() else { return };
        let v0 = p.form.value(0).to_owned();
        let patch = match p.ask {
            Ask::Username => match Username::parse(v0.trim()) {
                Ok(u) => UserPatch {
                    username: Some(u.into_inner()),
                    ..UserPatch::default()
                },
                Err(m) => return p.refuse(m),
            },
            Ask::Email => match Email::parse(&v0) {
                Ok(e) => UserPatch {
                    email: Some(e.into_inner()),
                    ..UserPatch::default()
                },
                Err(m) => return p.refuse(m),
            },
            Ask::Password => {
                if p.form.value(0) != p.form.value(1) {
                    return p.refuse("the passwords do not match");
                }
                match Password::parse(&v0) {
                    Ok(pw) => UserPatch {
                        password: Some(pw.expose().to_owned()),
                        ..UserPatch::default()
                    },
                    Err(m) => return p.refuse(m),
                }
            }
            Ask::DeleteAccount => {
                let name = ctx
                    .me
                    .as_ref()
                    .map(|m| m.username.clone())
                    .unwrap_or_default();
                if v0.trim() != name || name.is_empty() {
                    return p.refuse("that is not your username; nothing was deleted");
                }
                p.waiting = true;
                let api = ctx.api.clone();
                ctx.spawn("deleting the account", async move {
                    Msg::Deleted(api.delete_user(id).await)
                });
                return;
            }
        };
        p.waiting = true;
        let api = ctx.api.clone();
        ctx.spawn("saving the profile", async move {
            Msg::Saved(api.patch_user(id, &patch).await)
        });
    }

    /// A refusal goes into the prompt that sent the request; anything else to the status bar.
    fn refuse(&mut self, e: crate::api::ApiError, ctx: &mut Ctx) {
        match self.popup.as_mut() {
            Some(Popup::Prompt(p)) if p.waiting && e != crate::api::ApiError::SessionEnded => {
                p.refuse(e.to_string())
            }
            _ => ctx.fail(e),
        }
    }
}

impl Screen for Profile {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Profile";
    const TAB: Option<Tab> = Some(Tab {
        n: 3,
        name: "Profile",
        help: "Profile tab",
        who: Who::Anyone,
    });
    const IN_TAB: u8 = 3;
    const KEYS: &'static [Binding<Cmd>] = KEYS;

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        match cmd {
            Cmd::EditUsername => self.prompt(Ask::Username, ctx),
            Cmd::EditEmail => self.prompt(Ask::Email, ctx),
            Cmd::EditPassword => self.prompt(Ask::Password, ctx),
            Cmd::DeleteAccount => self.prompt(Ask::DeleteAccount, ctx),
            Cmd::Logout => {
                self.popup = Some(Popup::Confirm(Confirm::new(
                    "Log out of this session?",
                    Yes::Logout { all: false },
                )))
            }
            Cmd::LogoutAll => {
                self.popup = Some(Popup::Confirm(Confirm::new(
                    "Log out of every session, on every device?",
                    Yes::Logout { all: true },
                )))
            }
            Cmd::Sessions => ctx.emit(Event::Show(super::Route::Sessions)),
            Cmd::Reload => {
                let api = ctx.api.clone();
                ctx.spawn(
                    "loading the profile",
                    async move { Msg::Saved(api.me().await) },
                );
            }
        }
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        match self.popup.as_mut()? {
            Popup::Prompt(p) => match p.key(&key) {
                PromptKey::Submit => self.submit(ctx),
                PromptKey::Cancel => self.popup = None,
                PromptKey::Help => return Some(Handled::Help),
                PromptKey::Kept => {}
            },
            Popup::Confirm(_) => {
                let mut slot = match self.popup.take() {
                    Some(Popup::Confirm(c)) => Some(c),
                    _ => None,
                };
                let answer = Confirm::key(&mut slot, &key);
                self.popup = slot.map(Popup::Confirm);
                match answer {
                    Answer::Yes(Yes::Logout { all }) => ctx.emit(Event::Logout { all }),
                    Answer::Help => return Some(Handled::Help),
                    Answer::No | Answer::Open => {}
                }
            }
        }
        Some(Handled::Yes)
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        Some(match self.popup.as_ref()? {
            Popup::Prompt(p) => p.help(),
            Popup::Confirm(_) => Confirm::<Yes>::help(),
        })
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Saved(Ok(me)) => {
                if ctx.my_id() == Some(me.id) {
                    ctx.me = Some(me);
                    ctx.set_info("Profile saved");
                    if matches!(&self.popup, Some(Popup::Prompt(p)) if p.waiting) {
                        self.popup = None;
                    }
                }
            }
            Msg::Saved(Err(e)) => self.refuse(e, ctx),
            Msg::Deleted(Ok(_)) => {
                self.popup = None;
                let api = ctx.api.clone();
                ctx.spawn("forgetting the session", async move {
                    api.forget_session().await;
                    Msg::Forgotten
                });
                ctx.emit(Event::SessionEnded(Some("Account deleted".into())));
            }
            Msg::Deleted(Err(e)) => self.refuse(e, ctx),
            Msg::Forgotten => {}
        }
    }

    fn on_event(&mut self, ev: &Event, _ctx: &mut Ctx) {
        if matches!(ev, Event::SessionEnded(_) | Event::SignedIn(_)) {
            self.popup = None;
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let t = ctx.theme;
        let block = titled(t, " Profile ".into(), None);
        let Some(me) = &ctx.me else { return };
        let w = block.inner(area).width.saturating_sub(18) as usize;
        let row = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), t.dim()),
                Span::raw(ellipsize(&v, w)),
            ])
        };
        let lines = vec![
            Line::default(),
            row("Username", me.username.clone()),
            row("Email", me.email.clone()),
            row(
                "Role",
                if me.is_admin {
                    "admin".into()
                } else {
                    "customer".into()
                },
            ),
            row("Member since", ctx.clock.local(me.created_at)),
            row("Server", ctx.server_url().to_owned()),
            row("Session kept in", ctx.api.store().describe()),
        ];
        frame.render_widget(Paragraph::new(lines).block(block), area);
        match &self.popup {
            Some(Popup::Prompt(p)) => p.render(t, frame, area),
            Some(Popup::Confirm(c)) => c.render(t, frame, area),
            None => {}
        }
    }
}
