//! The command line: `comanda [--server URL]` opens the app; the subcommands of CLI.md answer
//! one thing and exit (see [`crate::commands`]); `comanda demo` and `comanda forget`.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use comanda_common::OrderStatus;

use crate::app::Options;
use crate::commands::{self, ExitStatus};
use crate::config::{Config, choose_server, parse_server_url};
use crate::runtime::{RunFlags, Server, run};

#[derive(Debug, Parser)]
#[command(
    name = "comanda",
    version,
    about = "The Comanda terminal app: order pizzas, follow orders, run the shop.",
    long_about = "The Comanda terminal app: order pizzas, follow orders, run the shop.\n\n\
        With no command it opens the app; with a command it answers once and exits \
        (exit status 0 done, 1 the server refused, 2 usage error, 3 server unreachable \
        or failing, 4 not signed in or session ended)."
)]
pub struct Cli {
    /// The server's URL (else COMANDA_SERVER, else the remembered one, else http://127.0.0.1:8000).
    #[arg(long, env = "COMANDA_SERVER", global = true, value_name = "URL")]
    pub server: Option<String>,

    /// Print the server's JSON answer (one document; JSON Lines for `watch`).
    #[arg(long, global = true)]
    pub json: bool,

    /// The app: no terminal bell when a new order reaches the board (also `"bell": false`
    /// under `"board"` in the config file).
    #[arg(long, global = true)]
    pub quiet: bool,

    /// Paint the first frame, restore the terminal and print its timing and memory.
    #[arg(long, hide = true, global = true)]
    pub report_first_frame: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and keep the session in the keyring (asks on the terminal for what is missing).
    Login {
        /// The email or username.
        #[arg(long, value_name = "U")]
        username: Option<String>,
        /// Read the password as one line from stdin (then --username is needed).
        #[arg(long, requires = "username")]
        password_stdin: bool,
    },
    /// End this session on the server and forget it (--all: every session).
    Logout {
        /// End every session of the user.
        #[arg(long)]
        all: bool,
    },
    /// The signed-in user.
    Whoami,
    /// The menu.
    Menu {
        /// With unavailable items (admins).
        #[arg(long)]
        all: bool,
    },
    /// The caller's orders, newest first.
    Orders(OrdersArgs),
    /// One order: show, create, change.
    #[command(subcommand)]
    Order(OrderCommand),
    /// Every account (admins).
    Users {
        /// Only accounts whose username or email contains this.
        #[arg(long, value_name = "Q")]
        search: Option<String>,
    },
    /// The caller's sessions; `sessions end ID` ends one.
    Sessions {
        #[command(subcommand)]
        command: Option<SessionsCommand>,
    },
    /// Print each live order event as it arrives, until Ctrl-C.
    Watch,
    /// Shell completions on stdout.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout: `comanda man | man -l -`.
    Man,
    /// Start an embedded server with a throw-away database and demo data, and open the app on it.
    Demo,
    /// Forget the saved session of the server (the keyring entry) and exit.
    Forget,
}

#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// Only orders in this status.
    #[arg(long, value_name = "S")]
    pub status: Option<StatusArg>,
    /// Every customer's orders (admins).
    #[arg(long)]
    pub all: bool,
    /// With --all: only this user's orders.
    #[arg(long, value_name = "ID", requires = "all")]
    pub user: Option<i64>,
    /// At most this many orders (default 100).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(i64).range(1..=10_000))]
    pub limit: i64,
}

/// An order status on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Pending,
    Cancelled,
    Finished,
}

impl From<StatusArg> for OrderStatus {
    fn from(s: StatusArg) -> OrderStatus {
        match s {
            StatusArg::Pending => OrderStatus::Pending,
            StatusArg::Cancelled => OrderStatus::Cancelled,
            StatusArg::Finished => OrderStatus::Finished,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// One order with its items.
    Show { id: i64 },
    /// Create an order, optionally with items (FLAVOR:SIZE[:QTY]); prints the new order.
    New {
        #[arg(value_name = "ITEM")]
        items: Vec<String>,
    },
    /// Add items (FLAVOR:SIZE[:QTY]) to a pending order.
    Add {
        id: i64,
        #[arg(value_name = "ITEM", required = true)]
        items: Vec<String>,
    },
    /// Change a line's quantity.
    Set {
        id: i64,
        item_id: i64,
        #[arg(value_name = "QTY")]
        quantity: i64,
    },
    /// Remove a line.
    Remove { id: i64, item_id: i64 },
    /// Cancel a pending order.
    Cancel { id: i64 },
    /// Finish a pending order.
    Finish { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// End one session (ending this one is a logout).
    End { id: i64 },
}

/// Runs the command line; returns the process exit status.
pub fn main_with(cli: Cli, started: Instant) -> ExitCode {
    let log = crate::logging::init();
    tracing::info!(log = ?log, "comanda starting");
    // The server named on the command line must be a URL before anything runs or is saved.
    if let Some(flag) = cli.server.as_deref()
        && let Err(e) = parse_server_url(flag)
    {
        eprintln!("comanda: {e}");
        return ExitStatus::Usage.into();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("comanda: {e}");
            return ExitCode::FAILURE;
        }
    };
    let flags = RunFlags {
        report_first_frame: cli.report_first_frame,
    };
    let config = Config::load();
    let server = choose_server(cli.server.as_deref(), &config);
    let result = match cli.command {
        None => {
            let options = Options {
                os_keyring: true,
                demo: None,
                board: board_settings(&config, cli.quiet),
            };
            let result = rt.block_on(run(Server::Url(server.clone()), options, started, flags));
            // Remembered only after a run that worked (TUI.md: the config remembers the server).
            if result.is_ok() {
                remember(config, &server);
            }
            result
        }
        Some(Command::Demo) => demo(&rt, started, flags, board_settings(&config, cli.quiet)),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "comanda",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Man) => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map_err(anyhow::Error::from),
        Some(command) => {
            let status = commands::main(&rt, command, &server, cli.json);
            // As with the app: a server that worked is remembered for next time.
            if status == ExitStatus::Done {
                remember(config, &server);
            }
            return status.into();
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("comanda: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Saves `server` as the remembered one if it is new.
fn remember(mut config: Config, server: &str) {
    if config.server.as_deref() != Some(server) {
        config.server = Some(server.to_owned());
        if let Err(e) = config.save() {
            tracing::warn!(error = %e, "could not save the config file");
        }
    }
}

/// The board's settings: the config file's, without the bell under `--quiet`.
fn board_settings(config: &Config, quiet: bool) -> crate::config::BoardSettings {
    let mut board = config.board;
    board.bell &= !quiet;
    board
}

#[cfg(feature = "demo")]
fn demo(
    rt: &tokio::runtime::Runtime,
    started: Instant,
    flags: RunFlags,
    board: crate::config::BoardSettings,
) -> anyhow::Result<()> {
    let options = Options {
        os_keyring: false,
        demo: None,
        board,
    };
    rt.block_on(run(Server::Demo, options, started, flags))
}

#[cfg(not(feature = "demo"))]
fn demo(
    _rt: &tokio::runtime::Runtime,
    _started: Instant,
    _flags: RunFlags,
    _board: crate::config::BoardSettings,
) -> anyhow::Result<()> {
    anyhow::bail!("this build of comanda has no embedded server (feature `demo`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
