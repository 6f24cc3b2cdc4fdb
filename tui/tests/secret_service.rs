//! The session in a real Secret Service (GNOME Keyring on a private D-Bus, Debian's `dbus`
//! and `gnome-keyring` under `dbus-launch`): the app and the commands sign in, quit, start
//! again signed in, log out and leave no entry behind, never panicking (the zbus proxy must
//! not be dropped on a runtime thread) and always exiting 0.
//!
//! CI (`CI=true`, `.ci/run` installs the packages) fails without the daemon; elsewhere the
//! test says it is skipped.

use std::process::{Command, Stdio};

use comanda_server::{Application, Settings};

/// The steps, in one shell inside one private bus; each prints `step=<exit status>`.
const SCRIPT: &str = r#"
# Not --exit-with-session: that ends the bus as soon as stdin is not a terminal.
eval "$(dbus-launch --sh-syntax)"
trap 'kill "$DBUS_SESSION_BUS_PID"' EXIT
# A fresh HOME: --unlock creates the "login" collection with this password, unlocked.
printf 'keyring-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
KEYRING=$!
sleep 1
app() { # keys… : runs the app on an 100x30 pseudo-terminal, typing the keys with pauses
  ( for k in "$@"; do sleep 1.5; printf "$k"; done ) |
    timeout 20 script -qfec "stty cols 100 rows 30; \"$COMANDA\"" /dev/null
}
printf 'maria-demo-1\n' | "$COMANDA" login --username maria --password-stdin >/dev/null
echo "login=$?"
app '' '\003' > "$OUT/restart.txt" 2>&1; echo "app-restart=$?"
"$COMANDA" whoami > /dev/null; echo "whoami=$?"
app '' '' '' 'q' > "$OUT/quit.txt" 2>&1; echo "app-quit=$?"
app '' 'L' 'y' '\003' > "$OUT/logout.txt" 2>&1; echo "app-logout=$?"
"$COMANDA" whoami > /dev/null 2>&1; echo "whoami-after-logout=$?"
"$COMANDA" forget; echo "forget=$?"
app 'maria\tmaria-demo-1\r' '' '\003' > "$OUT/signin.txt" 2>&1; echo "app-signin=$?"
"$COMANDA" whoami > /dev/null; echo "whoami-after-app-signin=$?"
"$COMANDA" logout; echo "logout=$?"
kill "$KEYRING"
"#;

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_lives_in_a_real_secret_service_and_every_exit_is_clean() {
    let missing: Vec<&str> = ["dbus-launch", "gnome-keyring-daemon", "script"]
        .into_iter()
        .filter(|p| !have(p))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs {missing:?} (Debian: dbus-x11 gnome-keyring util-linux; .ci/run installs them)"
        );
        eprintln!("skipped: {missing:?} not installed (apt-get install dbus-x11 gnome-keyring)");
        return;
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}/comanda.db", dir.path().display());
    let mut settings = Settings::for_tests(&database_url);
    settings.demo = true;
    let app = Application::build(settings).await.expect("server builds");
    let url = app.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));

    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("out dir");
    let script = SCRIPT.to_owned();
    let run = tokio::task::spawn_blocking({
        let (url, out, home) = (url.clone(), out.clone(), dir.path().to_owned());
        move || {
            Command::new("timeout")
                .args(["100", "sh", "-c", &script])
                .env("COMANDA", env!("CARGO_BIN_EXE_comanda"))
                .env("COMANDA_SERVER", &url)
                .env("OUT", &out)
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join("config"))
                .env("XDG_STATE_HOME", home.join("state"))
                .env("XDG_DATA_HOME", home.join("data"))
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env_remove("NO_COLOR")
                .output()
                .expect("the script runs")
        }
    })
    .await
    .expect("joined");
    let _ = stop.send(());
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let status = |step: &str| -> Option<i32> {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{step}=")))
            .and_then(|v| v.trim().parse().ok())
    };
    let expect = [
        ("login", 0),
        ("app-restart", 0),
        ("whoami", 0),
        ("app-quit", 0),
        ("app-logout", 0),
        ("whoami-after-logout", 4),
        ("forget", 0),
        ("app-signin", 0),
        ("whoami-after-app-signin", 0),
        ("logout", 0),
    ];
    for (step, code) in expect {
        assert_eq!(
            status(step),
            Some(code),
            "{step}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    }
    assert!(
        stdout.contains(&format!("No session was saved for {url}")),
        "logging out in the app removed the entry: {stdout}"
    );
    for name in ["restart.txt", "quit.txt", "logout.txt", "signin.txt"] {
        let screen = std::fs::read_to_string(out.join(name)).expect("screen capture");
        assert!(!screen.contains("panicked"), "{name}: {screen}");
        assert!(!screen.contains("Cannot start a runtime"), "{name}");
        assert!(
            screen.contains("My orders"),
            "{name}: signed in without typing a password"
        );
    }
}
