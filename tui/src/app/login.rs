//! The login screen: sign in with email or username, or create an account.

use comanda_common::{Email, Password, UserCreate, UserPublic, Username};
use ratatui::crossterm::event::KeyEvent;

use super::form::{Field, Form, FormKey};
use super::keys::Cmd;
use super::{App, Outcome};
use crate::api::{ApiError, ApiResult};

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

pub struct LoginState {
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

impl LoginState {
    pub fn new(demo: Option<DemoAccounts>) -> LoginState {
        LoginState {
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

impl App {
    pub(super) fn login_key(&mut self, key: KeyEvent) {
        if self.login.busy {
            return;
        }
        match super::keys::lookup(super::keys::LOGIN, &key, false) {
            Some(Cmd::Help) => self.popup = Some(super::Popup::Help),
            Some(Cmd::SwitchForm) => self.login.switch(),
            Some(Cmd::Submit) => self.submit_login(),
            Some(Cmd::Back) => {
                if self.login.mode == LoginMode::SignUp {
                    self.login.switch();
                } else {
                    self.login.form.clear(ID);
                    self.login.form.clear(PASSWORD);
                    self.login.form.focus = ID;
                    self.login.error = None;
                }
            }
            // Field moves, Ctrl-U and text all go to the form.
            _ => {
                if self.login.form.handle_key(key) == FormKey::Submit {
                    self.submit_login();
                }
            }
        }
    }

    fn submit_login(&mut self) {
        self.login.error = None;
        self.login.form.clear_errors();
        match self.login.mode {
            LoginMode::SignIn => {
                let id = self.login.form.value(ID).trim().to_owned();
                let pw = self.login.form.value(PASSWORD).to_owned();
                if id.is_empty() {
                    self.login.form.set_error(ID, Some("required".into()));
                    self.login.form.focus = ID;
                    return;
                }
                if pw.is_empty() {
                    self.login.form.set_error(PASSWORD, Some("required".into()));
                    self.login.form.focus = PASSWORD;
                    return;
                }
                self.login.busy = true;
                let api = self.api.clone();
                self.spawn("signing in", async move {
                    Outcome::LoggedIn(api.login(&id, &pw).await)
                });
            }
            LoginMode::SignUp => {
                let f = &mut self.login.form;
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
                self.login.busy = true;
                let api = self.api.clone();
                self.spawn("creating the account", async move {
                    match api.sign_up(&body).await {
                        Ok(_) => Outcome::SignedUp(api.login(&body.username, &body.password).await),
                        Err(e) => Outcome::SignedUp(Err(e)),
                    }
                });
            }
        }
    }

    pub(super) fn on_logged_in(&mut self, r: ApiResult<UserPublic>) {
        self.login.busy = false;
        match r {
            Ok(me) => self.begin_session(me),
            Err(e) => {
                // "cannot reach …" belongs in the status bar; the server's answers under the form.
                if e.is_unreachable() {
                    self.set_error(e.to_string());
                } else {
                    self.login.error = Some(e.to_string());
                }
                self.login.focus_password_or_identifier();
            }
        }
    }

    pub(super) fn on_signed_up(&mut self, r: ApiResult<UserPublic>) {
        self.login.busy = false;
        match r {
            Ok(me) => self.begin_session(me),
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
                        self.login.form.set_error(i, Some(msg));
                        self.login.form.focus = i;
                    }
                    None => {
                        if e.is_unreachable() {
                            self.set_error(text.clone());
                        }
                        if text.starts_with("Username") {
                            self.login.form.focus = USERNAME;
                        } else if text.starts_with("Email") {
                            self.login.form.focus = EMAIL;
                        }
                        self.login.error = Some(text);
                    }
                }
            }
        }
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
