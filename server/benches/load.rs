//! The load benchmark: the release server under `wrk`, against a baseline measured in the
//! same run. Run with `cargo bench -p comanda-server --bench load`; BENCHMARKS.md says
//! what it measures and the latest figures.
//!
//! The server (and the baseline) run pinned to core 0 and the load generator to core 1
//! when `taskset` exists. The baseline is a minimal axum handler in this file that verifies
//! the same kind of JWT and answers a JSON body of the same size, with no database.
//!
//! Environment: `COMANDA_BENCH_SERVER` (a server binary to measure instead of building the
//! release one), `COMANDA_BENCH_SECONDS` (per run, default 10), `COMANDA_BENCH_POSTGRES_URL`
//! (else `COMANDA_TEST_POSTGRES_URL`) for the PostgreSQL runs, `COMANDA_BENCH_BIG` (orders
//! in the big list run, default 1,000,000), `COMANDA_BENCH_SOAK_SECONDS` (the mixed-load
//! soak, default 60; 0 skips it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use comanda_server::HashParams;
use comanda_server::auth::password::Hasher;
use comanda_server::auth::tokens::TokenKeys;
use serde_json::{Value, json};
use sqlx::Connection;

/// The server's allocator, so that a hash timed here costs what it costs in the server
/// (with glibc's, each hash also page-faults in a fresh 19 MiB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "benchmark-key-benchmark-key-benchmark-key-0123456789";
const PASSWORD: &str = "bench-password-1";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() >= 5 && args[1] == "--baseline" {
        return baseline(&args[2], &args[3], &args[4]);
    }
    if args.iter().any(|a| a == "--help") {
        println!("cargo bench -p comanda-server --bench load");
        return Ok(());
    }
    // `cargo bench` passes `--bench`; nothing else is expected.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

/// One wrk run's figures.
#[derive(Debug, Clone, Default)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    requests: u64,
    errors: u64,
    /// CPU seconds the measured process (server or baseline) used during the run.
    cpu_s: f64,
}

impl Load {
    /// Requests per CPU-second of the server: its capacity on one core, whether or not
    /// the load generator kept it busy.
    fn per_core_s(&self) -> f64 {
        self.requests as f64 / self.cpu_s
    }
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests, {} errors, {:.0} req per server CPU-second)",
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.requests,
            self.errors,
            self.per_core_s()
        )
    }
}

struct Bench {
    /// The process whose CPU time each run measures.
    measured: std::sync::atomic::AtomicU32,
    /// The server binary.
    server: PathBuf,
    seconds: u64,
    pin: bool,
    scratch: tempfile::TempDir,
}

async fn run() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("workspace root")?
        .to_path_buf();
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed (Debian: apt-get install wrk)");
    }
    let pin = Command::new("taskset").arg("-V").output().is_ok();
    let seconds = std::env::var("COMANDA_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    // COMANDA_BENCH_SERVER names a server binary to measure instead of building one (e.g.
    // a copy of the release build of another commit, for a before/after in one run).
    let server = match std::env::var_os("COMANDA_BENCH_SERVER") {
        Some(path) => PathBuf::from(path),
        None => {
            println!("building the release server…");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let ok = Command::new(cargo)
                .current_dir(&root)
                .args([
                    "build",
                    "--release",
                    "-p",
                    "comanda-server",
                    "--bin",
                    "comanda-server",
                ])
                .status()?
                .success();
            anyhow::ensure!(ok, "the release build failed");
            root.join("target/release/comanda-server")
        }
    };
    let bench = Bench {
        measured: Default::default(),
        server,
        seconds,
        pin,
        scratch: tempfile::tempdir()?,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cores} cores, {}; server and baseline pinned to core 0, wrk to core 1: {}",
        cpu_model(),
        if pin { "yes" } else { "no (no taskset)" }
    );

    let hash = hash_time().await?;
    println!(
        "one argon2id hash (m=19 MiB, t=2, p=1): {:.1} ms",
        hash.as_secs_f64() * 1e3
    );

    let sqlite_url = format!(
        "sqlite://{}",
        bench.scratch.path().join("bench.db").display()
    );
    let sqlite = bench.scenario("SQLite", &sqlite_url, true, hash).await?;

    let pg_base = std::env::var("COMANDA_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("COMANDA_TEST_POSTGRES_URL"))
        .ok();
    let pg = match pg_base {
        Some(base) => {
            let url = fresh_pg(&base).await?;
            Some(bench.scenario("PostgreSQL", &url, false, hash).await?)
        }
        None => {
            println!(
                "\nno COMANDA_BENCH_POSTGRES_URL / COMANDA_TEST_POSTGRES_URL: PostgreSQL skipped"
            );
            None
        }
    };

    println!("\n== targets ==");
    let ratio = sqlite.order.rps / sqlite.baseline.rps;
    println!("GET /orders/{{id}} SQLite / baseline: {ratio:.3} (target >= 0.25, aim 0.3)");
    println!(
        "  per server CPU-second: {:.3} ({:.0} vs {:.0})",
        sqlite.order.per_core_s() / sqlite.baseline.per_core_s(),
        sqlite.order.per_core_s(),
        sqlite.baseline.per_core_s()
    );
    if let Some(pg) = &pg {
        let r = pg.order.rps / pg.baseline.rps;
        println!("GET /orders/{{id}} PostgreSQL / baseline: {r:.3} (target >= 0.1)");
        println!(
            "  per server CPU-second: {:.3}",
            pg.order.per_core_s() / pg.baseline.per_core_s()
        );
    }
    for (name, r) in [("SQLite", Some(&sqlite)), ("PostgreSQL", pg.as_ref())] {
        let Some(r) = r else { continue };
        println!(
            "{name}: GET /orders/?limit=20 / GET /orders/{{id}}: {:.3} (target >= 0.5 on SQLite); POST /orders/ / GET /orders/{{id}}: {:.3} (target >= 0.3 on SQLite)",
            r.list.rps / r.order.rps,
            r.create.rps / r.order.rps
        );
        println!(
            "{name}: GET /menu/ / baseline GET /json: {:.3}",
            r.menu.rps / r.json_base.rps
        );
        if let Some(m) = &r.metrics {
            println!(
                "{name}: GET /orders/{{id}} with metrics / without: {:.3} (target >= 0.95)",
                m.rps / r.order.rps
            );
        }
        if !r.soak.is_empty() {
            let worst = |names: &[&str]| {
                r.soak
                    .iter()
                    .filter(|(n, _)| names.contains(n))
                    .map(|(_, l)| l.p99_ms)
                    .fold(0.0, f64::max)
            };
            let errors: u64 = r.soak.iter().map(|(_, l)| l.errors).sum();
            println!(
                "{name} soak: database reads p99 {:.1} ms (target <= 50), writes p99 {:.1} ms (target <= 150), errors {errors} (target 0), resident memory {:.1} MiB (target <= 64)",
                worst(&["GET /orders/{id}", "GET /orders/?limit=20"]),
                worst(&["POST /orders/"]),
                r.rss_soak_mib
            );
        }
    }
    if let Some((alone, _, me)) = &sqlite.logins32 {
        let ideal = 1.0 / hash.as_secs_f64();
        println!(
            "logins/s at c32 {:.1} / (1 core / hash time = {ideal:.1}): {:.2} (target >= 0.9); GET /users/me p99 beside c32 sign-ins {:.2} ms (target < 20)",
            alone.rps,
            alone.rps / ideal,
            me.p99_ms
        );
    }
    if let Some(l) = &sqlite.logins {
        let ideal = 1.0 / hash.as_secs_f64();
        println!(
            "logins/s {:.1} / (1 core / hash time = {ideal:.1}): {:.2} (target >= 0.9); GET /users/me p99 meanwhile {:.2} ms (target < 20)",
            l.0.rps,
            l.0.rps / ideal,
            l.1.p99_ms
        );
    }
    if let (Some(small), Some(big)) = (&sqlite.list_small, &sqlite.list_big) {
        println!(
            "list p50 at {} orders / at 1,000: {:.2} (target <= 1.5)",
            big_orders(),
            big.p50_ms / small.p50_ms
        );
    }
    let errors: u64 = [&sqlite]
        .into_iter()
        .chain(pg.as_ref())
        .map(Results::errors)
        .sum();
    println!("errors or non-2xx in all runs: {errors} (target 0)");
    println!(
        "resident memory: idle {:.1} MiB, after 256 connections {:.1} MiB (target < 64)",
        sqlite.rss_idle_mib, sqlite.rss_256_mib
    );
    Ok(())
}

/// What the soak needs to know of the seeded data.
struct Mix<'a> {
    base: &'a str,
    order_id: i64,
    reader: &'a str,
    writer: &'a str,
}

#[derive(Default)]
struct Results {
    baseline: Load,
    /// The baseline's `GET /json`: the menu's body, from memory, no token.
    json_base: Load,
    order: Load,
    /// The one-order read on a server with metrics on.
    metrics: Option<Load>,
    menu: Load,
    /// Sign-ins at 32 connections: alone, beside `/users/me`, and `/users/me` meanwhile.
    logins32: Option<(Load, Load, Load)>,
    /// Per route of the mixed-load soak.
    soak: Vec<(&'static str, Load)>,
    rss_soak_mib: f64,
    me: Load,
    list: Load,
    create: Load,
    logins: Option<(Load, Load)>,
    list_small: Option<Load>,
    list_big: Option<Load>,
    conn256: Load,
    rss_idle_mib: f64,
    rss_256_mib: f64,
}

impl Results {
    fn errors(&self) -> u64 {
        let mut all = vec![
            &self.baseline,
            &self.json_base,
            &self.menu,
            &self.order,
            &self.me,
            &self.list,
            &self.create,
            &self.conn256,
        ];
        if let Some((a, b)) = &self.logins {
            all.push(a);
            all.push(b);
        }
        if let Some((a, b, c)) = &self.logins32 {
            all.extend([a, b, c]);
        }
        all.extend(self.metrics.iter());
        all.extend(self.soak.iter().map(|(_, l)| l));
        all.extend(self.list_small.iter());
        all.extend(self.list_big.iter());
        all.iter().map(|l| l.errors).sum()
    }
}

fn soak_seconds() -> u64 {
    std::env::var("COMANDA_BENCH_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// Threads of a process now.
fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

fn big_orders() -> i64 {
    std::env::var("COMANDA_BENCH_BIG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// A process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Bench {
    fn measure(&self, pid: u32) {
        self.measured
            .store(pid, std::sync::atomic::Ordering::Relaxed);
    }

    fn pinned(&self, core: &str, program: &Path) -> Command {
        if self.pin {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(core).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn start_server(&self, url: &str, port: u16) -> anyhow::Result<Proc> {
        let bin = &self.server;
        let child = self
            .pinned("0", bin)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                url,
            ])
            .env("COMANDA_SECRET_KEY", KEY)
            // Benchmarks sign in many times from one address.
            .env("COMANDA_LOGIN_MAX_PER_ACCOUNT", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start the server")?;
        Ok(Proc(child))
    }

    /// Runs wrk against `url` for the configured time; `lua` sets method, body and headers.
    fn wrk(&self, url: &str, connections: u32, lua: &str) -> anyhow::Result<Load> {
        self.wrk_for(url, connections, lua, self.seconds)
    }

    /// [`Bench::wrk`] for `seconds`.
    fn wrk_for(
        &self,
        url: &str,
        connections: u32,
        lua: &str,
        seconds: u64,
    ) -> anyhow::Result<Load> {
        let script = self
            .scratch
            .path()
            .join(format!("s{}.lua", rand::random::<u32>()));
        std::fs::write(&script, lua)?;
        let pid = self.measured.load(std::sync::atomic::Ordering::Relaxed);
        let cpu_before = cpu_seconds(pid);
        let out = self
            .pinned("1", Path::new("wrk"))
            .args(["-t1", "--latency", "--timeout", "10s"])
            .arg(format!("-c{connections}"))
            .arg(format!("-d{seconds}s"))
            .arg("-s")
            .arg(&script)
            .arg(url)
            .output()
            .context("wrk failed to run")?;
        let cpu_s = cpu_seconds(pid) - cpu_before;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let load =
            parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
        Ok(Load { cpu_s, ..load })
    }

    async fn scenario(
        &self,
        name: &str,
        url: &str,
        full: bool,
        hash: Duration,
    ) -> anyhow::Result<Results> {
        println!("\n== {name} ==");
        let port = free_port()?;
        let _server = self.start_server(url, port)?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        wait_ready(&http, &base).await?;
        let pid = _server.0.id();

        comanda_server::create_admin_with(
            url,
            "benchadmin",
            "benchadmin@example.com",
            PASSWORD,
            HashParams::TESTING,
        )
        .await?;
        let admin = login(&http, &base, "benchadmin").await?;
        for flavor in ["Margherita", "Calabresa", "Funghi"] {
            let r = http
                .post(format!("{base}/menu/"))
                .bearer_auth(&admin)
                .json(&json!({"flavor": flavor, "size": "large", "price_cents": 5000}))
                .send()
                .await?;
            anyhow::ensure!(r.status() == 201, "menu: {}", r.text().await?);
        }
        let reader = customer(&http, &base, "reader").await?;
        let writer = customer(&http, &base, "writer").await?;
        let three = json!({"items": [
            {"flavor": "Margherita", "size": "large", "quantity": 1},
            {"flavor": "Calabresa", "size": "large", "quantity": 2},
            {"flavor": "Funghi", "size": "large", "quantity": 1},
        ]});
        let mut order_id = 0;
        let mut order_body = String::new();
        for _ in 0..200 {
            let r = http
                .post(format!("{base}/orders/"))
                .bearer_auth(&reader)
                .json(&three)
                .send()
                .await?;
            anyhow::ensure!(r.status() == 201);
            order_body = r.text().await?;
            let v: Value = serde_json::from_str(&order_body)?;
            order_id = v["id"].as_i64().context("order id")?;
        }
        let rss_idle_mib = rss_mib(pid);
        let mut res = Results {
            rss_idle_mib,
            ..Default::default()
        };
        let menu_body = http
            .get(format!("{base}/menu/"))
            .send()
            .await?
            .text()
            .await?;

        // The baseline: same kind of JWT, same body size, no database; and `GET /json`,
        // the menu's body from memory without a token.
        let body_file = self.scratch.path().join("body.json");
        std::fs::write(&body_file, &order_body)?;
        let menu_file = self.scratch.path().join("menu.json");
        std::fs::write(&menu_file, &menu_body)?;
        let bport = free_port()?;
        let me = std::env::current_exe()?;
        let _baseline = Proc(
            self.pinned("0", &me)
                .args(["--baseline", &bport.to_string()])
                .arg(&body_file)
                .arg(&menu_file)
                .stdout(Stdio::null())
                .spawn()?,
        );
        wait_ready(&http, &format!("http://127.0.0.1:{bport}")).await?;
        self.measure(_baseline.0.id());
        let get = |token: &str| format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n");
        res.baseline = self.wrk(
            &format!("http://127.0.0.1:{bport}/orders/{order_id}"),
            32,
            &get(&reader),
        )?;
        println!("baseline GET /orders/{{id}}       c32: {}", res.baseline);
        res.json_base = self.wrk(&format!("http://127.0.0.1:{bport}/json"), 32, "")?;
        println!("baseline GET /json (menu body)   c32: {}", res.json_base);
        drop(_baseline);
        self.measure(pid);

        res.order = self.wrk(&format!("{base}/orders/{order_id}"), 32, &get(&reader))?;
        println!("GET /orders/{{id}} (3 items)      c32: {}", res.order);
        if let Some(on) = self
            .metrics_run(url, &format!("/orders/{order_id}"), &get(&reader))
            .await?
        {
            println!("GET /orders/{{id}}, metrics on    c32: {on}");
            res.metrics = Some(on);
        }
        res.menu = self.wrk(&format!("{base}/menu/"), 32, "")?;
        println!("GET /menu/ (no token)            c32: {}", res.menu);
        res.me = self.wrk(&format!("{base}/users/me"), 32, &get(&reader))?;
        println!("GET /users/me                    c32: {}", res.me);
        res.list = self.wrk(&format!("{base}/orders/?limit=20"), 32, &get(&reader))?;
        println!("GET /orders/?limit=20 (200)      c32: {}", res.list);
        let post = format!(
            "wrk.method = \"POST\"\nwrk.body = '{}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n{}",
            json!({"items": [{"flavor": "Margherita", "size": "large", "quantity": 1}]}),
            get(&writer)
        );
        res.create = self.wrk(&format!("{base}/orders/"), 32, &post)?;
        println!("POST /orders/ (1 item)           c32: {}", res.create);

        if full {
            // Logins alone: bound by hashing, one hash at a time on the server's one core.
            let form = format!(
                "wrk.method = \"POST\"\nwrk.body = \"username=writer&password={PASSWORD}\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
            );
            let login_url = format!("{base}/auth/token");
            let logins = self.wrk(&login_url, 4, &form)?;
            println!("POST /auth/token                  c4: {logins}");
            println!(
                "  logins/s vs 1 core / hash time: {:.2}",
                logins.rps * hash.as_secs_f64()
            );
            // Then again, with /users/me from a second load running beside them.
            let me_url = format!("{base}/users/me");
            let me_lua = get(&reader);
            let (during, me) = std::thread::scope(|s| {
                let a = s.spawn(|| self.wrk(&login_url, 4, &form));
                let b = s.spawn(|| self.wrk(&me_url, 4, &me_lua));
                (a.join(), b.join())
            });
            let during = during.map_err(|_| anyhow::anyhow!("wrk thread"))??;
            let me = me.map_err(|_| anyhow::anyhow!("wrk thread"))??;
            println!("POST /auth/token beside /users/me c4: {during}");
            println!("  GET /users/me meanwhile         c4: {me}");
            res.logins = Some((logins, me));

            // 32 sign-ins at once: the queue for the hash worker is never empty.
            let logins32 = self.wrk(&login_url, 32, &form)?;
            println!("POST /auth/token                 c32: {logins32}");
            println!(
                "  logins/s vs 1 core / hash time: {:.2}; threads {}",
                logins32.rps * hash.as_secs_f64(),
                threads(pid)
            );
            let (during, me) = std::thread::scope(|s| {
                let a = s.spawn(|| self.wrk(&login_url, 32, &form));
                let b = s.spawn(|| self.wrk(&me_url, 32, &me_lua));
                (a.join(), b.join())
            });
            let during = during.map_err(|_| anyhow::anyhow!("wrk thread"))??;
            let me = me.map_err(|_| anyhow::anyhow!("wrk thread"))??;
            println!("POST /auth/token beside /users/me c32: {during}");
            println!("  GET /users/me meanwhile         c32: {me}");
            res.logins32 = Some((logins32, during, me));

            // The list query with 1,000 and with many orders in the database.
            seed_orders(url, 1_000).await?;
            let small = self.wrk(&format!("{base}/orders/?limit=20"), 1, &get(&reader))?;
            println!("GET /orders/?limit=20 at 1,000 orders   c1: {small}");
            let t = Instant::now();
            seed_orders(url, big_orders()).await?;
            println!(
                "(seeded {} orders in {:.1} s)",
                big_orders(),
                t.elapsed().as_secs_f64()
            );
            let big = self.wrk(&format!("{base}/orders/?limit=20"), 1, &get(&reader))?;
            println!("GET /orders/?limit=20 at {} orders c1: {big}", big_orders());
            res.list_small = Some(small);
            res.list_big = Some(big);
        }

        res.conn256 = self.wrk(&format!("{base}/orders/{order_id}"), 256, &get(&reader))?;
        res.rss_256_mib = rss_mib(pid);
        println!("GET /orders/{{id}}               c256: {}", res.conn256);
        println!(
            "resident memory: idle {:.1} MiB, after the 256-connection run {:.1} MiB",
            res.rss_idle_mib, res.rss_256_mib
        );

        let soak = soak_seconds();
        if soak > 0 {
            let mix = Mix {
                base: &base,
                order_id,
                reader: &reader,
                writer: &writer,
            };
            res.soak = self.soak(&mix, soak)?;
            res.rss_soak_mib = rss_mib(pid);
            println!(
                "resident memory at the end of the soak: {:.1} MiB",
                res.rss_soak_mib
            );
        }
        Ok(res)
    }

    /// The one-order read again on a second server started with `--metrics-bind` on the
    /// same database (None when the server has no such option).
    async fn metrics_run(&self, url: &str, path: &str, lua: &str) -> anyhow::Result<Option<Load>> {
        let bin = &self.server;
        let help = Command::new(bin).args(["serve", "--help"]).output()?;
        if !String::from_utf8_lossy(&help.stdout).contains("--metrics-bind") {
            println!("(the server has no --metrics-bind: no metrics run)");
            return Ok(None);
        }
        let port = free_port()?;
        let mport = free_port()?;
        let child = self
            .pinned("0", bin)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                url,
                "--metrics-bind",
                &format!("127.0.0.1:{mport}"),
            ])
            .env("COMANDA_SECRET_KEY", KEY)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start the server with metrics")?;
        let server = Proc(child);
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&reqwest::Client::new(), &base).await?;
        let previous = self.measured.load(std::sync::atomic::Ordering::Relaxed);
        self.measure(server.0.id());
        let load = self.wrk(&format!("{base}{path}"), 32, lua);
        self.measure(previous);
        Ok(Some(load?))
    }

    /// A shop's mixed load at 256 connections: one wrk per route, all at once, so that each
    /// route's p50 and p99 are its own; and a sign-in a second beside them.
    fn soak(&self, m: &Mix, seconds: u64) -> anyhow::Result<Vec<(&'static str, Load)>> {
        let auth = |token: &str| format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n");
        let post = format!(
            "wrk.method = \"POST\"\nwrk.body = '{}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n{}",
            json!({"items": [{"flavor": "Margherita", "size": "large", "quantity": 1}]}),
            auth(m.writer)
        );
        let login = format!(
            "wrk.method = \"POST\"\nwrk.body = \"username=writer&password={PASSWORD}\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nfunction delay() return 1000 end\n"
        );
        let base = m.base;
        let runs: Vec<(&'static str, String, u32, String)> = vec![
            (
                "GET /orders/{id}",
                format!("{base}/orders/{}", m.order_id),
                64,
                auth(m.reader),
            ),
            (
                "GET /orders/?limit=20",
                format!("{base}/orders/?limit=20"),
                48,
                auth(m.reader),
            ),
            ("GET /menu/", format!("{base}/menu/"), 48, String::new()),
            ("POST /orders/", format!("{base}/orders/"), 48, post),
            (
                "GET /users/me",
                format!("{base}/users/me"),
                48,
                auth(m.reader),
            ),
            (
                "POST /auth/token (1/s)",
                format!("{base}/auth/token"),
                1,
                login,
            ),
        ];
        println!("soak: {seconds} s, 256 connections over five routes, and a sign-in a second");
        let out: Vec<anyhow::Result<Load>> = std::thread::scope(|s| {
            let handles: Vec<_> = runs
                .iter()
                .map(|(_, url, c, lua)| s.spawn(move || self.wrk_for(url, *c, lua, seconds)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("wrk thread")))
                })
                .collect()
        });
        let mut res = Vec::new();
        for ((name, _, c, _), load) in runs.iter().zip(out) {
            let load = load?;
            println!(
                "  {name:<24} c{c:<3} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} requests, {} errors)",
                load.rps, load.p50_ms, load.p99_ms, load.requests, load.errors
            );
            res.push((*name, load));
        }
        Ok(res)
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("{base} did not come up")
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/auth/token"))
        .form(&[("username", user), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 200, "login: {}", r.text().await?);
    let v: Value = r.json().await?;
    Ok(v["access_token"].as_str().context("token")?.to_owned())
}

async fn customer(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/users/"))
        .json(&json!({"username": user, "email": format!("{user}@example.com"), "password": PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(r.status() == 201, "sign-up: {}", r.text().await?);
    login(http, base, user).await
}

/// Adds orders of another user straight through SQL until the table holds `total` rows.
async fn seed_orders(url: &str, total: i64) -> anyhow::Result<()> {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(&mut c)
            .await?;
        let missing = total - have;
        if missing <= 0 {
            return Ok(());
        }
        sqlx::query(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $1) \
             INSERT INTO orders (user_id, status, total_cents, created_at, updated_at) \
             SELECT (SELECT id FROM users WHERE username = 'benchadmin'), 'finished', 5000, 0, 0 FROM n",
        )
        .bind(missing)
        .execute(&mut c)
        .await?;
    } else {
        let mut c = sqlx::PgConnection::connect(url).await?;
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(&mut c)
            .await?;
        let missing = total - have;
        if missing <= 0 {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO orders (user_id, status, total_cents, created_at, updated_at) \
             SELECT (SELECT id FROM users WHERE username = 'benchadmin'), 'finished', 5000, 0, 0 \
             FROM generate_series(1, $1)",
        )
        .bind(missing)
        .execute(&mut c)
        .await?;
    }
    Ok(())
}

async fn fresh_pg(base: &str) -> anyhow::Result<String> {
    let name = format!("comanda_bench_{}", rand::random::<u32>());
    let mut c = sqlx::PgConnection::connect(base).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await?;
    let (head, _) = base
        .rsplit_once('/')
        .context("a PostgreSQL URL with a database")?;
    Ok(format!("{head}/{name}"))
}

/// The mean time of one hash with the default parameters.
async fn hash_time() -> anyhow::Result<Duration> {
    let hasher = Hasher::new(HashParams::OWASP, 1, 0)?;
    hasher.hash("warm-up-password").await?;
    let n = 10;
    let t = Instant::now();
    for _ in 0..n {
        hasher.hash("a-password-to-hash").await?;
    }
    Ok(t.elapsed() / n)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// User + system CPU seconds of a process so far (0 when unknown).
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Milliseconds of a wrk duration such as `812.00us`, `1.23ms`, `2.01s`.
fn millis(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, factor) = if let Some(n) = s.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1e3)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|v| v * factor)
}

fn parse_wrk(out: &str) -> Option<Load> {
    let mut load = Load::default();
    for line in out.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Requests/sec:") {
            load.rps = v.trim().parse().ok()?;
        } else if let Some(v) = t.strip_prefix("50%") {
            load.p50_ms = millis(v)?;
        } else if let Some(v) = t.strip_prefix("99%") {
            load.p99_ms = millis(v)?;
        } else if t.contains("requests in") {
            load.requests = t.split_whitespace().next()?.parse().ok()?;
        } else if let Some(v) = t.strip_prefix("Non-2xx or 3xx responses:") {
            load.errors += v.trim().parse::<u64>().ok()?;
        } else if let Some(v) = t.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            load.errors += v
                .split(',')
                .filter_map(|p| p.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    (load.rps > 0.0).then_some(load)
}

/// The baseline server: verifies the bearer JWT like the real server and answers a body
/// of the same size, from memory.
fn baseline(port: &str, body_file: &str, menu_file: &str) -> anyhow::Result<()> {
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::IntoResponse;

    let body: &'static str = Box::leak(std::fs::read_to_string(body_file)?.into_boxed_str());
    let keys: &'static TokenKeys =
        Box::leak(Box::new(TokenKeys::new(&secrecy::SecretString::from(KEY))));
    let handler = move |headers: HeaderMap| async move {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match token.and_then(|t| keys.verify(t)) {
            Some(_) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            None => StatusCode::UNAUTHORIZED.into_response(),
        }
    };
    let menu: &'static str = Box::leak(std::fs::read_to_string(menu_file)?.into_boxed_str());
    let json = move || async move { ([(header::CONTENT_TYPE, "application/json")], menu) };
    let app = axum::Router::new()
        .route("/orders/{id}", axum::routing::get(handler))
        .route("/json", axum::routing::get(json))
        .route("/health", axum::routing::get(|| async { "ok" }));
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
            axum::serve(listener, app).await?;
            Ok(())
        })
}
