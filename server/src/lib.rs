//! comanda-server: the Comanda API over HTTP (axum), on SQLite or PostgreSQL (sqlx).
//!
//! `main.rs` is a thin command line over this library; tests and `comanda demo` build the
//! same [`Application`].

pub mod auth;
pub mod cleanup;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod extract;
pub mod idempotency;
pub mod listen;
pub mod menu_cache;
pub mod metrics;
pub mod openapi;
pub mod order_writer;
pub mod routes;
pub mod serve;
pub mod settings;
pub mod startup;
pub mod state;

use anyhow::Context;
use comanda_common::{Email, Password, Username};

pub use settings::{HashParams, LoginLimits, Settings};
pub use startup::Application;

/// Creates an admin account (the first admin comes from here: signing up never makes one),
/// its password hashed with `params` (the server's configured ones; cheap ones in tests).
/// Migrates the database first. Fails when the username or email is taken.
pub async fn create_admin_with(
    database_url: &str,
    username: &str,
    email: &str,
    password: &str,
    params: HashParams,
) -> anyhow::Result<comanda_common::UserPublic> {
    let username = Username::parse(username).map_err(anyhow::Error::msg)?;
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let password = Password::parse(password).map_err(anyhow::Error::msg)?;
    let db = db::Db::connect(database_url, 1).await?;
    db.migrate().await?;
    let hash = auth::password::Hasher::new(params, 1, 0)?
        .hash(password.expose())
        .await?;
    let mut tx = db.begin().await?;
    let (u_taken, e_taken) =
        db::users::taken(tx.ex(), Some(username.as_str()), Some(email.as_str()), 0).await?;
    anyhow::ensure!(!u_taken, "the username {} is taken", username.as_str());
    anyhow::ensure!(!e_taken, "the email {} is taken", email.as_str());
    let new = db::users::NewUser {
        username: username.as_str(),
        email: email.as_str(),
        password_hash: &hash,
        is_admin: true,
    };
    let user = db::users::insert(tx.ex(), &new, db::now_secs())
        .await
        .context("cannot create the admin")?;
    tx.commit().await?;
    db.close().await;
    Ok(user.public())
}
