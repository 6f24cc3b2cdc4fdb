//! `comanda`: a thin shell over the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    let cli = comanda_tui::cli::Cli::parse();
    match comanda_tui::cli::main_with(cli, started) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("comanda: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
