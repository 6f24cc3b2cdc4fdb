//! `comanda`, the terminal app of Comanda: customers place and follow their orders, admins
//! run the menu, every order and the accounts. The typed API client in [`api`] is the one
//! Rust client of the server.

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod logging;
pub mod measure;
pub mod runtime;
pub mod store;
pub mod testing;
pub mod theme;
pub mod ui;
