//! Failed-login and sign-up limits under concurrent attempts, dropped connections, a full
//! hash queue, and two server processes.

use std::time::Duration;

use futures::future::join_all;
use serde_json::json;

use super::{raw_login, send_and_drop};
use crate::both;
use crate::helpers::*;

/// Hash parameters that make one hash take a noticeable time (tens of milliseconds).
const SLOW_HASH: comanda_server::HashParams = comanda_server::HashParams {
    memory_kib: 16 * 1024,
    iterations: 4,
    parallelism: 1,
};

/// Counts the statuses of `answers`: (401, 429, other).
fn tally(answers: &[Res]) -> (usize, usize, Vec<String>) {
    let mut n401 = 0;
    let mut n429 = 0;
    let mut other = Vec::new();
    for r in answers {
        match r.status.as_u16() {
            401 => {
                r.assert(401, "Incorrect email or password");
                n401 += 1;
            }
            429 => {
                assert_eq!(r.detail(), "Too many login attempts");
                let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
                n429 += 1;
            }
            s => other.push(format!("{s}: {}", r.body)),
        }
    }
    (n401, n429, other)
}

both!(
    concurrent_wrong_passwords_are_checked_at_most_five_times,
    dropped_connections_still_count,
    two_processes_share_one_limit,
    signups_are_limited_per_address,
);

async fn concurrent_wrong_passwords_are_checked_at_most_five_times(b: Backend) {
    let app = spawn_app(b).await;
    app.signup("victim").await;
    let guesses: Vec<String> = (0..200).map(|i| format!("guess-{i:04}")).collect();
    let answers = join_all(guesses.iter().map(|g| app.token("victim", g))).await;
    let (n401, n429, other) = tally(&answers);
    assert!(other.is_empty(), "{other:?}");
    assert!(n401 <= 5, "{n401} of 200 simultaneous guesses were checked");
    assert!(n401 >= 1, "at least one guess is checked");
    assert_eq!(n401 + n429, 200);
    // The limit holds for the right password too, until the window passes.
    app.token("victim", PASSWORD)
        .await
        .assert(429, "Too many login attempts");
}

async fn dropped_connections_still_count(b: Backend) {
    // A hash of a few hundred milliseconds, so that the clients leave in the middle of it.
    let params = comanda_server::HashParams {
        memory_kib: 32 * 1024,
        iterations: 10,
        parallelism: 1,
    };
    let app = spawn_app_with(b, |s| s.hash_params = params).await;
    app.signup("victim").await;
    // Five attempts whose clients hang up while their password is being hashed.
    let request = raw_login("victim", "wrong-password", "");
    join_all((0..5).map(|_| send_and_drop(&app, &request, Duration::from_millis(150)))).await;
    // Each hash finishes (and is counted) although nobody waits for it.
    tokio::time::sleep(Duration::from_secs(4)).await;
    app.token("victim", PASSWORD)
        .await
        .assert(429, "Too many login attempts");
}

async fn two_processes_share_one_limit(b: Backend) {
    if matches!(b, Backend::Sqlite) {
        // One SQLite database serves one process: its limits live in that process.
        return;
    }
    let one = spawn_app(b).await;
    let two = spawn_peer(&one).await;
    one.signup("victim").await;
    let guesses = (0..40).map(|i| {
        let app = if i % 2 == 0 { &one } else { &two };
        app.token("victim", "not-the-password")
    });
    let answers = join_all(guesses).await;
    let (n401, n429, other) = tally(&answers);
    assert!(other.is_empty(), "{other:?}");
    assert!(n401 <= 5, "two processes checked {n401} guesses together");
    assert_eq!(n401 + n429, 40);
    two.token("victim", PASSWORD)
        .await
        .assert(429, "Too many login attempts");
}

async fn signups_are_limited_per_address(b: Backend) {
    let app = spawn_app_with(b, |s| s.login_limits.signups_per_address = 3).await;
    app.signup("first").await;
    // Failed sign-ups count too.
    let dup = json!({"username": "first", "email": "x@example.com", "password": PASSWORD});
    app.post("/users/", None, dup)
        .await
        .assert(409, "Username already exists");
    app.signup("third").await;
    let r = app
        .post(
            "/users/",
            None,
            json!({"username": "fourth", "email": "fourth@example.com", "password": PASSWORD}),
        )
        .await;
    r.assert(429, "Too many sign-ups");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
    // Sign-ins are not sign-ups.
    app.login("third").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hash_queue_answers_503_at_once() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.hash_params = SLOW_HASH;
        s.hash_workers = 1;
        s.hash_queue = 1;
    })
    .await;
    let signups = (0..12).map(|i| {
        let body = json!({"username": format!("user{i}"), "email": format!("user{i}@example.com"), "password": PASSWORD});
        app.post("/users/", None, body)
    });
    let answers = join_all(signups).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let busy: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert_eq!(created + busy.len(), 12, "{answers:?}");
    assert!(created >= 2, "the running hash and the queued one finish");
    assert!(
        !busy.is_empty(),
        "with one worker and one place in the queue, some answer 503"
    );
    for r in busy {
        r.assert(503, "Server busy");
        assert_eq!(r.headers["retry-after"], "1");
    }
}
