//! The server under abuse (API.md "Under abuse", "Sessions you can see and end", and the
//! v1.1 rules of "Live updates"), tried as an attacker would: truly concurrent requests,
//! connections dropped mid-request, slow and stalled clients, forged forwarding headers,
//! two server processes on one database.

mod cleanup;
mod hashing;
mod limits;
mod lost_update;
mod proxies;
mod sessions;
mod slow;
mod streams;

use std::time::Duration;

use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};

/// A raw `POST /auth/token` request (the form), with extra header lines.
pub fn raw_login(username: &str, password: &str, extra_headers: &str) -> String {
    let body = format!("username={username}&password={password}");
    format!(
        "POST /auth/token HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

/// Connects to the test server.
pub async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection (or `wait` passes: None).
pub async fn read_to_close(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(wait, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&out).into_owned())
}

/// Sends `request` on a new connection and closes it after `after`, before any answer.
pub async fn send_and_drop(app: &TestApp, request: &str, after: Duration) {
    let mut s = connect(app).await;
    s.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(after).await;
    drop(s);
}

/// `SELECT COUNT(*)` of a table of the test's database, read directly.
pub async fn rows(app: &TestApp, table: &str) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM {table}")).await
}

/// One integer computed by `sql` on the test's database.
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match app.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .expect("open the test database");
            sqlx::query_scalar(sql)
                .fetch_one(&mut c)
                .await
                .expect("query")
        }
        Backend::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .expect("open the test database");
            sqlx::query_scalar(sql)
                .fetch_one(&mut c)
                .await
                .expect("query")
        }
    }
}

/// Runs a statement on the test's database directly.
pub async fn execute(app: &TestApp, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match app.backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .expect("open the test database");
            sqlx::query(sql).execute(&mut c).await.expect("statement");
        }
        Backend::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .expect("open the test database");
            sqlx::query(sql).execute(&mut c).await.expect("statement");
        }
    }
}
