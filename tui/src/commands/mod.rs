//! The one-shot commands of CLI.md (`comanda login`, `comanda order new …`, `comanda watch`):
//! the same server choice, keyring session, [`ApiClient`] and `common` types as the app.
//! Each command writes people's tables or the server's JSON to stdout, one line to stderr
//! when it fails, and returns the exit status of CLI.md's table.

mod auth;
mod error;
pub mod item;
mod menu;
mod order;
mod orders;
pub mod output;
mod sessions;
mod users;
mod watch;

use std::io::Write;

use clap::Parser;

pub use error::{CommandError, ExitStatus, NOT_SIGNED_IN};
pub use output::{Capture, Io};

use crate::api::ApiClient;
use crate::cli::{Cli, Command};

/// The result of a command's body.
pub type CommandResult = Result<(), CommandError>;

/// Runs `command` from the process: the OS keyring is opened (and finally dropped) outside
/// the runtime, the command runs on `rt`, stdout and stderr are the process's.
pub fn main(
    rt: &tokio::runtime::Runtime,
    command: Command,
    server: &str,
    json: bool,
) -> ExitStatus {
    let (store, note) = crate::store::open_os_store(server);
    if let Some(note) = note
        && matches!(command, Command::Login { .. } | Command::Forget)
    {
        eprintln!("{note}");
    }
    let api = ApiClient::new(server, store);
    let mut io = Io::std(json);
    let status = rt.block_on(async {
        tokio::select! {
            status = run(command, &api, &mut io) => status,
            // Ctrl-C ends `watch` (and anything else) quietly: the user asked for it.
            _ = tokio::signal::ctrl_c() => ExitStatus::Done,
        }
    });
    drop(api);
    status
}

/// Runs one command with `api` (whose store holds the session) and `io`; prints the error
/// line on failure and returns the exit status.
pub async fn run(command: Command, api: &ApiClient, io: &mut Io) -> ExitStatus {
    api.restore_session().await;
    let result = dispatch(command, api, io).await;
    match result {
        Ok(()) => ExitStatus::Done,
        Err(e) => {
            tracing::info!(error = %e, "command failed");
            let _ = writeln!(io.err, "{e}");
            let _ = io.err.flush();
            e.status()
        }
    }
}

/// Parses `args` (without the program name) as the command line would and runs the command
/// (tests): a usage error prints clap's message on stderr and is exit status 2.
pub async fn run_args(args: &[&str], api: &ApiClient, io: &mut Io) -> ExitStatus {
    let cli = match Cli::try_parse_from(std::iter::once("comanda").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = write!(io.err, "{}", e.render());
            return if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Done
            };
        }
    };
    io.json = cli.json;
    match cli.command {
        Some(command) => run(command, api, io).await,
        None => {
            let _ = writeln!(io.err, "no command given");
            ExitStatus::Usage
        }
    }
}

async fn dispatch(command: Command, api: &ApiClient, io: &mut Io) -> CommandResult {
    match command {
        Command::Login {
            username,
            password_stdin,
        } => auth::login(api, io, username, password_stdin).await,
        Command::Logout { all } => auth::logout(api, io, all).await,
        Command::Whoami => auth::whoami(api, io).await,
        Command::Forget => auth::forget(api, io).await,
        Command::Menu { all } => menu::menu(api, io, all).await,
        Command::Orders(args) => orders::orders(api, io, args).await,
        Command::Order(cmd) => order::order(api, io, cmd).await,
        Command::Users { search } => users::users(api, io, search).await,
        Command::Sessions { command } => sessions::sessions(api, io, command).await,
        Command::Watch => watch::watch(api, io).await,
        // Answered by `cli` without a session.
        Command::Completions { .. } | Command::Man | Command::Demo => Ok(()),
    }
}
