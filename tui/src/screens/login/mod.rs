//! The login screen: sign in with email or username, or create an account. Its fields take
//! every printable key, so its commands are on other keys and the global keys do not apply.

use comanda_common::{Email, Password, UserCreate, UserPublic, Username};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::{Handled, Screen};
use crate::api::{ApiError, ApiResult};
use crate::app::{Ctx, Event, Options};
use crate::keys::{self, Binding, K, key};
use crate::widgets::form::{Field, Form, FormKey};

mod view;

/// Demo credentials shown on the login screen of `comanda demo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccounts {
    pub admin: (String, String),
    pub customer: (String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMode {
    SignIn,
    SignUp,
}

pub struct Login {
    pub mode: LoginMode,
    pub form: Form,
    /// A server error, shown under the form.
    pub error: Option<String>,
    pub busy: bool,
    /// Checking a saved session at start.
    pub restoring: bool,
    pub demo: Option<DemoAccounts>,
}

const ID: usize = 0;
const PASSWORD: usize = 1;

// Sign-up fields.
const USERNAME: usize = 0;
const EMAIL: usize = 1;
const NEW_PASSWORD: usize = 2;
const CONFIRM: usize = 3;

fn sign_in_form() -> Form {
    Form::new(vec![
        Field::new("Email or username"),
        Field::masked("Password"),
    ])
}

fn sign_up_form() -> Form {
    Form::new(vec![
        Field::new("Username"),
        Field::new("Email"),
        Field::masked("Password"),
        Field::masked("Confirm password"),
    ])
}

impl Login {
    pub fn new(options: &Options) -> Login {
        let demo = options.demo.clone();
        Login {
            mode: LoginMode::SignIn,
            form: sign_in_form(),
            error: None,
            busy: false,
            restoring: false,
            demo,
        }
    }

    pub fn reset_after_sign_in(&mut self) {
        self.mode = LoginMode::SignIn;
        self.form = sign_in_form();
        self.error = None;
        self.busy = false;
    }

    /// After a failed sign-in (or an ended session): keep the identifier, clear and focus
    /// the password; with no identifier yet, focus it.
    pub fn focus_password_or_identifier(&mut self) {
        self.busy = false;
        if self.mode != LoginMode::SignIn {
            self.mode = LoginMode::SignIn;
            self.form = sign_in_form();
        }
        self.form.clear(PASSWORD);
        self.form.focus = if self.form.value(ID).is_empty() {
            ID
        } else {
            PASSWORD
        };
    }

    fn switch(&mut self) {
        self.error = None;
        match self.mode {
            LoginMode::SignIn => {
                self.mode = LoginMode::SignUp;
                self.form = sign_up_form();
            }
            LoginMode::SignUp => {
                self.mode = LoginMode::SignIn;
                self.form = sign_in_form();
            }
        }
    }
}

/// What the login screen's keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Submit,
    NextField,
    PrevField,
    ClearField,
    SwitchForm,
    Cancel,
    Help,
    Quit,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(
        &[K::Code(KeyCode::Enter)],
        "Enter",
        Cmd::Submit,
        "sign in / sign up",
    )
    .hint("submit"),
    key(
        &[K::Code(KeyCode::Tab), K::Code(KeyCode::Down)],
        "Tab/↓",
        Cmd::NextField,
        "next field",
    )
    .hint("next"),
    key(
        &[K::Code(KeyCode::BackTab), K::Code(KeyCode::Up)],
        "S-Tab/↑",
        Cmd::PrevField,
        "previous field",
    ),
    key(
        &[K::Ctrl('u')],
        "Ctrl-U",
        Cmd::ClearField,
        "clear the field",
    ),
    key(
        &[K::Code(KeyCode::F(2))],
        "F2",
        Cmd::SwitchForm,
        "sign in ⇄ create account",
    )
    .hint("sign in/up"),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::Cancel,
        "cancel the form",
    ),
    key(&[K::Code(KeyCode::F(1))], "F1", Cmd::Help, "help").hint("help"),
    key(&[K::Ctrl('c')], "Ctrl-C", Cmd::Quit, "quit").hint("quit"),
];

/// Answers of the login screen's requests.
#[derive(Debug)]
pub enum Msg {
    LoggedIn(ApiResult<UserPublic>),
    SignedUp(ApiResult<UserPublic>),
}

impl Screen for Login {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Sign in";
    const IN_TAB: u8 = 0;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const GLOBAL_KEYS: bool = false;

    fn on_cmd(&mut self, _cmd: Cmd, _ctx: &mut Ctx) {}

    /// Every key is the login screen's: its fields take the printable ones.
    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        if self.busy {
            return Some(Handled::Yes);
        }
        match keys::lookup(KEYS, &key, false) {
            Some(Cmd::Help) => return Some(Handled::Help),
            Some(Cmd::SwitchForm) => self.switch(),
            Some(Cmd::Submit) => self.submit(ctx),
            Some(Cmd::Cancel) => {
                if self.mode == LoginMode::SignUp {
                    self.switch();
                } else {
                    self.form.clear(ID);
                    self.form.clear(PASSWORD);
                    self.form.focus = ID;
                    self.error = None;
                }
            }
            // Field moves, Ctrl-U and text all go to the form.
            _ => {
                if self.form.handle_key(key) == FormKey::Submit {
                    self.submit(ctx);
                }
            }
        }
        Some(Handled::Yes)
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::LoggedIn(r) => self.on_logged_in(r, ctx),
            Msg::SignedUp(r) => self.on_signed_up(r, ctx),
        }
    }

    fn on_event(&mut self, ev: &Event, _ctx: &mut Ctx) {
        match ev {
            Event::SignedIn(_) => {
                self.restoring = false;
                self.reset_after_sign_in();
            }
            Event::SessionEnded(message) => {
                self.restoring = false;
                self.error = message.clone();
                self.focus_password_or_identifier();
            }
            _ => {}
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        self.draw(ctx, frame, area);
    }
}

impl Login {
    fn submit(&mut self, ctx: &mut Ctx) {
        self.error = None;
        self.form.clear_errors();
        match self.mode {
            LoginMode::SignIn => {
                let id = self.form.value(ID).trim().to_owned();
                let pw = self.form.value(PASSWORD).to_owned();
                if id.is_empty() {
                    self.form.set_error(ID, Some("required".into()));
                    self.form.focus = ID;
                    return;
                }
                if pw.is_empty() {
                    self.form.set_error(PASSWORD, Some("required".into()));
                    self.form.focus = PASSWORD;
                    return;
                }
                self.busy = true;
                let api = ctx.api.clone();
                ctx.spawn("signing in", async move {
                    Msg::LoggedIn(api.login(&id, &pw).await)
                });
            }
            LoginMode::SignUp => {
                let f = &mut self.form;
                let username = Username::parse(f.value(USERNAME).trim());
                let email = Email::parse(f.value(EMAIL));
                let password = Password::parse(f.value(NEW_PASSWORD));
                let same = f.value(NEW_PASSWORD) == f.value(CONFIRM);
                let mut first_bad = None;
                if let Err(m) = &username {
                    f.set_error(USERNAME, Some(short_rule(m)));
                    first_bad.get_or_insert(USERNAME);
                }
                if let Err(m) = &email {
                    f.set_error(EMAIL, Some(short_rule(m)));
                    first_bad.get_or_insert(EMAIL);
                }
                if let Err(m) = &password {
                    f.set_error(NEW_PASSWORD, Some(short_rule(m)));
                    first_bad.get_or_insert(NEW_PASSWORD);
                }
                if !same {
                    f.set_error(CONFIRM, Some("does not match".into()));
                    first_bad.get_or_insert(CONFIRM);
                }
                let (Ok(username), Ok(email), Ok(password), None) =
                    (username, email, password, first_bad)
                else {
                    f.focus = first_bad.unwrap_or(0);
                    return;
                };
                let body = UserCreate {
                    username: username.into_inner(),
                    email: email.into_inner(),
                    password: password.expose().to_owned(),
                };
                self.busy = true;
                let api = ctx.api.clone();
                ctx.spawn("creating the account", async move {
                    match api.sign_up(&body).await {
                        Ok(_) => Msg::SignedUp(api.login(&body.username, &body.password).await),
                        Err(e) => Msg::SignedUp(Err(e)),
                    }
                });
            }
        }
    }

    fn on_logged_in(&mut self, r: ApiResult<UserPublic>, ctx: &mut Ctx) {
        self.busy = false;
        match r {
            Ok(me) => ctx.emit(Event::SignedIn(me)),
            // The server was not reached: nothing was wrong with the typing, keep it all.
            Err(e) if e.is_unreachable() => ctx.set_error(e.to_string()),
            Err(e) => {
                self.error = Some(match e.retry_after() {
                    // "Too many login attempts": say how long.
                    Some(secs) => format!("{e}; try again in {}", wait_text(secs)),
                    None => e.to_string(),
                });
                self.focus_password_or_identifier();
            }
        }
    }

    fn on_signed_up(&mut self, r: ApiResult<UserPublic>, ctx: &mut Ctx) {
        self.busy = false;
        match r {
            Ok(me) => ctx.emit(Event::SignedIn(me)),
            Err(e) => {
                let text = e.to_string();
                // "email: value is not …" goes beside the field; anything else under the form.
                let field = match &e {
                    ApiError::Api { .. } => ["username", "email", "password"]
                        .iter()
                        .position(|f| text.starts_with(&format!("{f}:"))),
                    _ => None,
                };
                match field {
                    Some(i) => {
                        let msg = text
                            .split_once(": ")
                            .map_or(text.clone(), |(_, m)| m.to_owned());
                        self.form.set_error(i, Some(msg));
                        self.form.focus = i;
                    }
                    None => {
                        if e.is_unreachable() {
                            ctx.set_error(text.clone());
                        }
                        if text.starts_with("Username") {
                            self.form.focus = USERNAME;
                        } else if text.starts_with("Email") {
                            self.form.focus = EMAIL;
                        }
                        self.error = Some(text);
                    }
                }
            }
        }
    }
}
/// A wait as a person says it: `40 s`, `15 min`, `2 h`.
pub fn wait_text(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h", secs.div_ceil(3600)),
    }
}

/// The field rules, short enough to sit beside a field.
fn short_rule(msg: &str) -> String {
    match msg {
        m if m == Username::MSG => "3–32 of a-z 0-9 _ . -".into(),
        m if m == Email::MSG => "not a valid email address".into(),
        m if m == Password::MSG => "8 to 128 characters".into(),
        m => m.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(super::wait_text(40), "40 s");
        assert_eq!(super::wait_text(840), "14 min");
        assert_eq!(super::wait_text(841), "15 min");
        assert_eq!(super::wait_text(7200), "2 h");
    }
}
