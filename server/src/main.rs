//! The `comanda-server` command line: serve (default), migrate, create-admin, openapi.

use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use comanda_server::settings::{self, defaults};
use comanda_server::{Application, HashParams, Settings};
use secrecy::SecretString;

/// mimalloc returns freed memory to the system: with glibc's allocator every thread that
/// ever hashed a password kept its 19 MiB of argon2 memory (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "comanda-server", version, about = "The Comanda API server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
    /// Log format on stderr.
    #[arg(long, global = true, env = "COMANDA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API (the default).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(DbArgs),
    /// Create an admin account; the password comes from COMANDA_ADMIN_PASSWORD or the terminal.
    CreateAdmin(CreateAdminArgs),
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// sqlite://PATH or postgres://…; default: comanda.db in the user's data directory.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

/// Argon2id parameters, for the server and for `create-admin` (so that the admin's hash
/// is made with the parameters the server signs in with).
#[derive(Args, Clone)]
struct HashArgs {
    /// Argon2id memory in KiB.
    #[arg(long, env = "COMANDA_ARGON2_MEMORY_KIB", default_value_t = HashParams::OWASP.memory_kib)]
    argon2_memory_kib: u32,
    /// Argon2id passes.
    #[arg(long, env = "COMANDA_ARGON2_ITERATIONS", default_value_t = HashParams::OWASP.iterations)]
    argon2_iterations: u32,
}

impl HashArgs {
    fn params(&self) -> HashParams {
        HashParams {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: HashParams::OWASP.parallelism,
        }
    }
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COMANDA_BIND", default_value = defaults::BIND)]
    bind: String,
    /// Serve Prometheus metrics at GET /metrics on this address (e.g. 127.0.0.1:9100), a
    /// listener of their own; default: off.
    ///
    /// The metrics: http_requests_total{method,route,status},
    /// http_request_duration_seconds{method,route} (histogram), comanda_event_streams_open,
    /// comanda_signins_total{outcome="success"|"failure"|"limited"},
    /// comanda_password_hashes_running, comanda_password_hashes_waiting,
    /// comanda_db_connections_in_use and comanda_build_info{version}. route is the route
    /// template (/orders/{order_id}), or "unmatched".
    #[arg(long, env = "COMANDA_METRICS_BIND")]
    metrics_bind: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    /// The HS256 key (at least 32 bytes); default: generated once, kept 0600 in the data
    /// directory. Prefer --secret-key-file: a command line is visible to other users.
    #[arg(
        long,
        env = "COMANDA_SECRET_KEY",
        hide_env_values = true,
        conflicts_with = "secret_key_file"
    )]
    secret_key: Option<String>,
    /// A file holding the HS256 key (at least 32 bytes; surrounding whitespace ignored).
    #[arg(long, env = "COMANDA_SECRET_KEY_FILE")]
    secret_key_file: Option<std::path::PathBuf>,
    /// Access token lifetime in minutes.
    #[arg(long, env = "COMANDA_ACCESS_TOKEN_MINUTES", default_value_t = defaults::ACCESS_TOKEN_MINUTES, value_parser = clap::value_parser!(u64).range(1..))]
    access_token_minutes: u64,
    /// Refresh token lifetime in days.
    #[arg(long, env = "COMANDA_REFRESH_TOKEN_DAYS", default_value_t = defaults::REFRESH_TOKEN_DAYS, value_parser = clap::value_parser!(u64).range(1..))]
    refresh_token_days: u64,
    /// On an empty database, add a demo menu and demo accounts.
    #[arg(long, env = "COMANDA_DEMO")]
    demo: bool,
    #[command(flatten)]
    hash: HashArgs,
    /// Failed sign-ins allowed per account within the window.
    #[arg(long, env = "COMANDA_LOGIN_MAX_PER_ACCOUNT", default_value_t = defaults::LOGIN_MAX_PER_ACCOUNT)]
    login_max_per_account: u32,
    /// Failed sign-ins of unknown accounts allowed per client address within the window.
    #[arg(long, env = "COMANDA_LOGIN_MAX_PER_ADDRESS", default_value_t = defaults::LOGIN_MAX_PER_ADDRESS)]
    login_max_per_address: u32,
    /// The failed sign-in (and sign-up) window in minutes.
    #[arg(long, env = "COMANDA_LOGIN_WINDOW_MINUTES", default_value_t = defaults::LOGIN_WINDOW_MINUTES)]
    login_window_minutes: u64,
    /// Sign-ups (successful or not) allowed per client address within the window.
    #[arg(long, env = "COMANDA_SIGNUP_MAX_PER_ADDRESS", default_value_t = defaults::SIGNUP_MAX_PER_ADDRESS)]
    signup_max_per_address: u32,
    /// Requests that may wait for a password hash worker (one per core); beyond, 503.
    #[arg(long, env = "COMANDA_HASH_QUEUE", default_value_t = defaults::HASH_QUEUE)]
    hash_queue: usize,
    /// Connections open at once; more wait to be accepted.
    #[arg(long, env = "COMANDA_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Proxies whose X-Forwarded-For is believed (CIDR[,CIDR…], e.g. 10.0.0.0/8); default: none.
    #[arg(long, env = "COMANDA_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Database connections (SQLite: readers; writes use one more).
    #[arg(long, env = "COMANDA_POOL_SIZE", default_value_t = defaults::POOL_SIZE)]
    pool_size: u32,
}

/// A CIDR range, or a single address (as its /32 or /128).
fn parse_cidr(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("not a CIDR range or an address: {s:?}"))
}

#[derive(Args)]
struct CreateAdminArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long)]
    username: String,
    #[arg(long)]
    email: String,
    #[command(flatten)]
    hash: HashArgs,
}

fn database_url(db: &DbArgs) -> anyhow::Result<String> {
    match &db.database_url {
        Some(url) => Ok(url.clone()),
        None => settings::default_database_url(),
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("comanda-server: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Migrate(db)) => {
            let url = database_url(&db)?;
            let db = comanda_server::db::Db::connect(&url, 1).await?;
            db.migrate().await?;
            db.close().await;
            eprintln!("migrations applied");
            Ok(())
        }
        Some(Command::CreateAdmin(args)) => {
            let url = database_url(&args.db)?;
            let password = match std::env::var("COMANDA_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    let p = rpassword::prompt_password("Password for the new admin: ")
                        .context("cannot read the password (set COMANDA_ADMIN_PASSWORD)")?;
                    let again = rpassword::prompt_password("Again: ")
                        .context("cannot read the password")?;
                    anyhow::ensure!(p == again, "the passwords differ");
                    p
                }
            };
            let user = comanda_server::create_admin_with(
                &url,
                &args.username,
                &args.email,
                &password,
                args.hash.params(),
            )
            .await?;
            eprintln!("created admin {} (id {})", user.username, user.id);
            Ok(())
        }
        Some(Command::Openapi) => {
            let doc = comanda_server::openapi::document();
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).context("cannot render the document")?
            );
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let url = database_url(&args.db)?;
    let key = match (args.secret_key, &args.secret_key_file) {
        (Some(k), _) => SecretString::from(k),
        (None, Some(path)) => settings::secret_key_from_file(path)?,
        (None, None) => settings::stored_secret_key()?,
    };
    let mut s = Settings::new(url, key);
    s.bind = args.bind;
    s.metrics_bind = args.metrics_bind;
    s.access_token_ttl = Duration::from_secs(args.access_token_minutes * 60);
    s.refresh_token_ttl = Duration::from_secs(args.refresh_token_days * 86400);
    s.demo = args.demo;
    s.hash_params = args.hash.params();
    s.login_limits = comanda_server::LoginLimits {
        per_account: args.login_max_per_account,
        per_address: args.login_max_per_address,
        signups_per_address: args.signup_max_per_address,
        window: Duration::from_secs(args.login_window_minutes * 60),
    };
    s.pool_size = args.pool_size;
    s.hash_queue = args.hash_queue;
    s.max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    s.trusted_proxies = args.trusted_proxies;
    let demo = s.demo;
    let app = Application::build(s).await?;
    tracing::info!(url = %app.base_url(), "serving the Comanda API; docs at /docs");
    if let Some(url) = app.metrics_url() {
        tracing::info!(%url, "serving metrics");
    }
    if demo {
        eprintln!(
            "demo accounts: admin {} / {}, customer {} / {}",
            comanda_server::demo::ADMIN_USERNAME,
            comanda_server::demo::ADMIN_PASSWORD,
            comanda_server::demo::CUSTOMER_USERNAME,
            comanda_server::demo::CUSTOMER_PASSWORD
        );
    }
    app.run_until_stopped().await
}
