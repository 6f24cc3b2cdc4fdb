//! Storage: one pool set per backend, chosen from the URL scheme, and the repository
//! functions that hold every SQL statement.
//!
//! The repositories are written once and compiled for each backend: a repository function
//! takes an [`Ex`] (a connection of either backend) and the [`on!`] macro expands its body
//! once per variant, so each statement is type-checked against SQLite and PostgreSQL
//! separately. This is the "one code path, generic over the database" of ARCHITECTURE.md
//! without sqlx's higher-ranked trait bounds on every function, and without the `Any`
//! driver. Timestamps are stored as integers (Unix seconds, or milliseconds where the name
//! says `_ms`), which both dialects read and compare the same way.
//!
//! Writes on SQLite go through a pool of exactly one connection (`BEGIN IMMEDIATE`), so
//! writers queue in the process instead of failing with "database is locked"; reads use
//! their own few connections ([`Readers`]) and never wait for writes (WAL).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::ConnectOptions;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{
    Connection, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub mod events;
pub mod idempotency;
pub mod menu;
pub mod orders;
pub mod sessions;
pub mod users;

/// Runs `$body` with `$c` bound to the `&mut` connection of whichever backend `$ex` holds.
macro_rules! on {
    ($ex:expr, $c:ident => $body:expr) => {
        match $ex {
            $crate::db::Ex::Sqlite($c) => $body,
            $crate::db::Ex::Postgres($c) => $body,
        }
    };
}
pub(crate) use on;

/// A borrowed connection of either backend, what every repository function takes.
pub enum Ex<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Ex<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Ex::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Ex<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Ex::Postgres(c)
    }
}

/// A connection for the reads of one request.
pub enum Conn {
    Sqlite(OwnedMutexGuard<SqliteConnection>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Postgres(c) => Ex::Postgres(c),
        }
    }
}

/// SQLite's read connections, handed out without sqlx's pool. The pool pings every
/// connection it takes back (a round trip to the connection's thread) and spawns a task
/// to do it, which on this request path cost more than the query itself (BENCHMARKS.md).
/// A reader has no transaction state to clean up, so it needs neither.
#[derive(Clone)]
pub struct Readers {
    conns: Arc<[Arc<Mutex<SqliteConnection>>]>,
    next: Arc<AtomicUsize>,
}

impl Readers {
    async fn open(opts: &SqliteConnectOptions, n: u32) -> Result<Readers, sqlx::Error> {
        let mut conns = Vec::with_capacity(n as usize);
        for _ in 0..n.max(1) {
            conns.push(Arc::new(Mutex::new(
                SqliteConnection::connect_with(opts).await?,
            )));
        }
        Ok(Readers {
            conns: conns.into(),
            next: Arc::default(),
        })
    }

    /// A free reader if there is one, else the next in turn as soon as it is free.
    async fn acquire(&self) -> OwnedMutexGuard<SqliteConnection> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(guard) = self.conns[(start + i) % n].clone().try_lock_owned() {
                return guard;
            }
        }
        self.conns[start % n].clone().lock_owned().await
    }

    /// Readers lent out now (each one is tried without waiting).
    fn in_use(&self) -> usize {
        self.conns.iter().filter(|c| c.try_lock().is_err()).count()
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Readers({})", self.conns.len())
    }
}

/// A write transaction.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(t) => Ex::Sqlite(t),
            Tx::Postgres(t) => Ex::Postgres(t),
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

/// The database: SQLite (a read pool and a one-connection write pool) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: Readers, write: SqlitePool },
    Postgres(PgPool),
}

impl Db {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`). A SQLite
    /// file that does not exist yet is created.
    pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .with_context(|| "invalid SQLite database URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Statements are not logged: the request span says what happened.
                .disable_statement_logging();
            let path = opts.get_filename();
            if path != std::path::Path::new(":memory:") {
                crate::settings::create_private_file(path).with_context(|| {
                    format!("cannot create the database file {}", path.display())
                })?;
            }
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone())
                .await
                .context("cannot open the SQLite database")?;
            let read = Readers::open(&opts, pool_size)
                .await
                .context("cannot open the SQLite database")?;
            Ok(Db::Sqlite { read, write })
        } else {
            let opts = PgConnectOptions::from_str(url)
                .context("invalid PostgreSQL URL")?
                .disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(pool_size.max(2))
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Db::Postgres(pool))
        }
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("../migrations/sqlite")
                .run(write)
                .await
                .context("SQLite migrations failed")?,
            Db::Postgres(pool) => sqlx::migrate!("../migrations/postgres")
                .run(pool)
                .await
                .context("PostgreSQL migrations failed")?,
        }
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    pub fn pg_pool(&self) -> Option<&PgPool> {
        match self {
            Db::Postgres(p) => Some(p),
            Db::Sqlite { .. } => None,
        }
    }

    /// Connections lent out now (for the metrics): on SQLite the readers and the writer.
    pub fn connections_in_use(&self) -> usize {
        fn busy<D: sqlx::Database>(p: &sqlx::Pool<D>) -> usize {
            (p.size() as usize).saturating_sub(p.num_idle())
        }
        match self {
            Db::Sqlite { read, write } => read.in_use() + busy(write),
            Db::Postgres(p) => busy(p),
        }
    }

    /// A connection for reads.
    pub async fn conn(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Db::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await),
            Db::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A write transaction (on SQLite, on the single writer connection).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        let fut = async {
            match self {
                Db::Sqlite { read, .. } => {
                    let mut c = read.acquire().await;
                    sqlx::query("SELECT 1").execute(&mut *c).await.is_ok()
                }
                Db::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.is_ok(),
            }
        };
        tokio::time::timeout(Duration::from_secs(2), fut)
            .await
            .unwrap_or(false)
    }

    pub async fn close(&self) {
        match self {
            // The readers close when the last handle to them is dropped.
            Db::Sqlite { write, .. } => write.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// A unique constraint of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// `users.username_key` (usernames, case-insensitively).
    Username,
    /// `users.email`.
    Email,
    /// `menu_items (flavor_key, size)`.
    MenuItem,
    /// A unique constraint not named here.
    Other,
}

/// Each constraint as PostgreSQL names it (the index name) and as SQLite's message lists
/// its columns ("UNIQUE constraint failed: <columns>").
const UNIQUES: &[(Unique, &str, &str)] = &[
    (Unique::Username, "users_username_key", "users.username_key"),
    (Unique::Email, "users_email_key", "users.email"),
    (
        Unique::MenuItem,
        "menu_items_flavor_size_key",
        "menu_items.flavor_key, menu_items.size",
    ),
];

/// Which unique constraint `e` violated, on either backend; None for any other error.
pub fn unique_violation(e: &sqlx::Error) -> Option<Unique> {
    let db = e.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    let sqlite_columns = db
        .message()
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or("");
    let found = UNIQUES
        .iter()
        .find(|(_, pg, sqlite)| db.constraint() == Some(*pg) || sqlite_columns == *sqlite);
    Some(found.map_or(Unique::Other, |(u, _, _)| *u))
}

/// Now, in Unix seconds.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A text column that holds one of an enum's names (`status`, `size`), decoded strictly: a value
/// the code does not know is a decode error (a 500 that is logged), never a silent default.
pub fn decode_name<T>(
    column: &'static str,
    value: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    parse(value).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unknown value {value:?}").into(),
    })
}

/// Unix seconds as the API's UTC time.
pub fn to_time(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// Unix milliseconds as the API's UTC time (to the second).
pub fn ms_to_time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    to_time(ms.div_euclid(1000))
}
