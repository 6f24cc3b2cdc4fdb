//! The command line: `comanda [--server URL]` and `comanda demo`.

use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::app::Options;
use crate::config::{Config, choose_server};
use crate::runtime::{RunFlags, Server, run};

#[derive(Debug, Parser)]
#[command(
    name = "comanda",
    version,
    about = "The Comanda terminal app: order pizzas, follow orders, run the shop."
)]
pub struct Cli {
    /// The server's URL (remembered for next time).
    #[arg(long, env = "COMANDA_SERVER", global = true)]
    pub server: Option<String>,

    /// Paint the first frame, restore the terminal and print its timing and memory.
    #[arg(long, hide = true, global = true)]
    pub report_first_frame: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start an embedded server with a throw-away database and demo data, and open the app on it.
    Demo,
    /// Forget the saved session of the server (the keyring entry) and exit.
    Forget,
}

/// Runs the command line; returns the process exit code.
pub fn main_with(cli: Cli, started: Instant) -> anyhow::Result<()> {
    let log = crate::logging::init();
    tracing::info!(log = ?log, "comanda starting");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let flags = RunFlags {
        report_first_frame: cli.report_first_frame,
    };
    match cli.command {
        None => {
            let mut config = Config::load();
            let server = choose_server(cli.server.as_deref(), &config);
            if config.server.as_deref() != Some(server.as_str()) {
                config.server = Some(server.clone());
                if let Err(e) = config.save() {
                    tracing::warn!(error = %e, "could not save the config file");
                }
            }
            let options = Options {
                os_keyring: true,
                demo: None,
            };
            rt.block_on(run(Server::Url(server), options, started, flags))
        }
        Some(Command::Forget) => {
            let server = choose_server(cli.server.as_deref(), &Config::load());
            let (store, note) = crate::store::open_os_store(&server);
            if let Some(note) = note {
                println!("{note}");
            }
            store.clear().map_err(anyhow::Error::msg)?;
            println!("Forgot the session for {server}");
            Ok(())
        }
        Some(Command::Demo) => demo(rt, started, flags),
    }
}

#[cfg(feature = "demo")]
fn demo(rt: tokio::runtime::Runtime, started: Instant, flags: RunFlags) -> anyhow::Result<()> {
    let options = Options {
        os_keyring: false,
        demo: None,
    };
    rt.block_on(run(Server::Demo, options, started, flags))
}

#[cfg(not(feature = "demo"))]
fn demo(_rt: tokio::runtime::Runtime, _started: Instant, _flags: RunFlags) -> anyhow::Result<()> {
    anyhow::bail!("this build of comanda has no embedded server (feature `demo`)")
}
