//! `comanda`: a thin shell over the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    // A usage error is exit status 2 (clap's own), as CLI.md's table says.
    let cli = comanda_tui::cli::Cli::parse();
    comanda_tui::cli::main_with(cli, started)
}
