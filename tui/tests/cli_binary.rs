//! The `comanda` binary itself: exit statuses and output that do not need a session.

use std::process::{Command, Output};

fn comanda(args: &[&str], config_home: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_comanda"))
        .args(args)
        .env("XDG_CONFIG_HOME", config_home)
        .env("XDG_STATE_HOME", config_home.join("state"))
        .env_remove("COMANDA_SERVER")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("comanda runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_server_that_is_not_a_url_is_a_usage_error_and_is_not_remembered() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--server", "notaurl"][..],
        &["--server", "notaurl", "menu"],
    ] {
        let out = comanda(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            text(&out.stderr),
            "comanda: invalid server URL \"notaurl\": relative URL without a base (expected e.g. http://127.0.0.1:8000)\n"
        );
        assert_eq!(text(&out.stdout), "");
    }
    assert!(
        !dir.path().join("comanda").join("config.json").exists(),
        "nothing was saved"
    );
}

#[test]
fn a_server_that_is_down_is_exit_3_and_is_not_remembered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let url = format!("http://{closed}");
    let out = comanda(&["--server", &url, "menu"], dir.path());
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stderr), format!("cannot reach {url}\n"));
    assert_eq!(text(&out.stdout), "");
    assert!(!dir.path().join("comanda").join("config.json").exists());
}

#[test]
fn usage_errors_are_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["order", "set", "1"][..],
        &["frobnicate"],
        &["login", "--password-stdin"],
    ] {
        let out = comanda(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definition() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bash = comanda(&["completions", "bash"], dir.path());
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    assert!(script.contains("_comanda()"), "{script}");
    for word in ["login", "orders", "watch", "sessions", "completions"] {
        assert!(script.contains(word), "{word}");
    }
    let zsh = comanda(&["completions", "zsh"], dir.path());
    assert!(text(&zsh.stdout).starts_with("#compdef comanda"));
    let man = comanda(&["man"], dir.path());
    assert_eq!(man.status.code(), Some(0));
    let page = text(&man.stdout);
    assert!(page.contains(".TH comanda"), "{page}");
    assert!(page.contains("watch"), "{page}");
}
