//! Password hashes follow the server's parameters, and the database is private.

use crate::both;
use crate::helpers::*;

use super::scalar;

both!(a_sign_in_rehashes_a_password_made_with_other_parameters);

async fn a_sign_in_rehashes_a_password_made_with_other_parameters(b: Backend) {
    let params = comanda_server::HashParams {
        memory_kib: 512,
        iterations: 2,
        parallelism: 1,
    };
    let app = spawn_app_with(b, |s| s.hash_params = params).await;
    // Made with the cheap test parameters, not the server's.
    let (admin, _) = app.admin("boss").await;
    let m512 = format!(
        "SELECT COUNT(*) FROM users WHERE id = {} AND password_hash LIKE '%m=512,t=2,p=1%'",
        admin.id
    );
    // The sign-in in `admin()` upgraded it.
    assert_eq!(scalar(&app, &m512).await, 1);
    // And the upgraded hash still signs in.
    app.login("boss").await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(Backend::Sqlite).await;
    let path = app.database_url.strip_prefix("sqlite://").unwrap();
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{path}: {mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_use_tls_when_the_url_asks() {
    let Some(Backend::Postgres(base)) = Backend::postgres() else {
        return;
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}sslmode=require");
    let db = comanda_server::db::Db::connect(&url, 1)
        .await
        .expect("sslmode=require connects (the test server has TLS on)");
    let pool = db.pg_pool().expect("a PostgreSQL pool");
    let tls: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(pool)
        .await
        .expect("query");
    assert!(tls, "the server's connection is not encrypted");
    db.close().await;
}
