//! `comanda`, the terminal app of Comanda: customers place and follow their orders, admins
//! run the menu, every order and the accounts. The typed API client in [`api`] is the one
//! Rust client of the server.
//!
//! Where things are: [`screens`] (one module per screen, and the router listing them),
//! [`popups`] (help, confirmations, prompts, the picker), [`keys`] (key tables), [`app`]
//! (routing, the session, the shared context), [`ui`] (the frame around the screens),
//! [`widgets`] (forms, the `/` filter line, tables).

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod keys;
pub mod logging;
pub mod measure;
pub mod popups;
pub mod runtime;
pub mod screens;
pub mod store;
pub mod testing;
pub mod theme;
pub mod ui;
pub mod widgets;
