//! `login`, `logout`, `whoami` and `forget`: the session in the keyring.

use std::io::Write;

use comanda_common::{Message, UserPublic};

use super::output::{Cell, local, table};
use super::{CommandError, CommandResult, Io};
use crate::api::{ApiClient, ApiError};

/// Signs in (asking on the terminal for what is missing) and keeps the session in the store.
pub async fn login(
    api: &ApiClient,
    io: &mut Io,
    username: Option<String>,
    password_stdin: bool,
) -> CommandResult {
    let identifier = match username {
        Some(u) => u,
        None => prompt_line(io, "Email or username: ")?,
    };
    let password = if password_stdin {
        let mut line = String::new();
        io.stdin.read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        rpassword::prompt_password("Password: ")?
    };
    if identifier.trim().is_empty() || password.is_empty() {
        return Err(CommandError::Usage(
            "an email or username and a password are needed".into(),
        ));
    }
    let me = api.login(identifier.trim(), &password).await?;
    if let Some(notice) = api.store().notice() {
        writeln!(io.err, "{notice}")?;
    }
    io.show(&me, |_| {
        format!(
            "Signed in as {} ({}) on {}",
            me.username,
            role(&me),
            api.base_url()
        )
    })?;
    Ok(())
}

/// Ends this session on the server (or every one) and forgets it, even when the server
/// cannot be reached.
pub async fn logout(api: &ApiClient, io: &mut Io, all: bool) -> CommandResult {
    if !api.has_session().await {
        return Err(ApiError::NotSignedIn.into());
    }
    api.logout(all).await?;
    let answer = Message {
        message: "Logged out".into(),
    };
    io.show(&answer, |_| {
        if all {
            "Logged out of every session".into()
        } else {
            "Logged out".into()
        }
    })?;
    Ok(())
}

/// The signed-in user.
pub async fn whoami(api: &ApiClient, io: &mut Io) -> CommandResult {
    let me = api.me().await?;
    io.show(&me, |color| users_table(std::slice::from_ref(&me), color))?;
    Ok(())
}

/// Forgets the saved session of this server in every store it could be in, without telling
/// the server. Says whether there was one.
pub async fn forget(api: &ApiClient, io: &mut Io) -> CommandResult {
    let had = api.has_session().await;
    let store = api.store();
    tokio::task::spawn_blocking(move || store.clear())
        .await
        .map_err(|e| CommandError::Keyring(e.to_string()))?
        .map_err(CommandError::Keyring)?;
    api.forget_session().await;
    let line = if had {
        format!("Forgot the session for {}", api.base_url())
    } else {
        format!("No session was saved for {}", api.base_url())
    };
    io.text(&line)?;
    Ok(())
}

/// Users as a table (also `comanda users`).
pub fn users_table(users: &[UserPublic], color: bool) -> String {
    let rows = users
        .iter()
        .map(|u| {
            vec![
                Cell::right(u.id.to_string()),
                Cell::left(u.username.clone()),
                Cell::left(u.email.clone()),
                Cell::left(role(u)),
                Cell::left(if u.is_active { "active" } else { "inactive" }),
                Cell::left(local(u.created_at)),
            ]
        })
        .collect();
    table(
        &["ID", "USERNAME", "EMAIL", "ROLE", "STATE", "CREATED"],
        rows,
        color,
    )
}

fn role(u: &UserPublic) -> &'static str {
    if u.is_admin { "admin" } else { "customer" }
}

/// Asks for one line on stderr (stdout carries only the answer) and reads it.
fn prompt_line(io: &mut Io, prompt: &str) -> Result<String, CommandError> {
    write!(io.err, "{prompt}")?;
    io.err.flush()?;
    let mut line = String::new();
    io.stdin.read_line(&mut line)?;
    Ok(line.trim().to_owned())
}
