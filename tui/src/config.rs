//! The config file (`config.json` in the user's config directory): it remembers the server
//! and holds the board's settings, e.g.
//!
//! ```json
//! { "server": "http://127.0.0.1:8000",
//!   "board": { "warn_after_minutes": 10, "late_after_minutes": 20, "bell": true } }
//! ```
//!
//! Every key may be left out (its default applies); a file that is not valid JSON is
//! ignored as a whole, with a warning in the log.

use std::path::PathBuf;

use directories::ProjectDirs;
use serde::{Deserialize, Serialize};

/// The server used when nothing else says which.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8000";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Config {
    /// The last server used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The board (tab 5).
    #[serde(default)]
    pub board: BoardSettings,
}

/// The board's settings: when an order's age turns yellow and red, and whether a new order
/// rings the terminal bell (`--quiet` turns the bell off for one run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoardSettings {
    pub warn_after_minutes: u32,
    pub late_after_minutes: u32,
    pub bell: bool,
}

impl Default for BoardSettings {
    fn default() -> BoardSettings {
        BoardSettings {
            warn_after_minutes: 10,
            late_after_minutes: 20,
            bell: true,
        }
    }
}

pub fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "comanda")
}

pub fn config_path() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().join("config.json"))
}

impl Config {
    /// Reads the config file; a missing or broken file is an empty config.
    pub fn load() -> Config {
        let Some(path) = config_path() else {
            return Config::default();
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "ignoring a broken config file");
                Config::default()
            }),
            Err(_) => Config::default(),
        }
    }

    /// Writes the config file, creating its directory.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = config_path() else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }
}

/// Why a `--server` value is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid server URL {given:?}: {why} (expected e.g. http://127.0.0.1:8000)")]
pub struct BadServerUrl {
    given: String,
    why: String,
}

/// Checks that `text` is an `http` or `https` URL with a host: a typo must not be tried, nor
/// remembered in the config file.
pub fn parse_server_url(text: &str) -> Result<reqwest::Url, BadServerUrl> {
    let bad = |why: &str| BadServerUrl {
        given: text.to_owned(),
        why: why.to_owned(),
    };
    let url = reqwest::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(url)
}

/// The server: the flag, else `COMANDA_SERVER` (clap fills both into `flag`), else the
/// config file, else the default.
pub fn choose_server(flag: Option<&str>, config: &Config) -> String {
    flag.map(str::to_owned)
        .or_else(|| config.server.clone())
        .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_precedence() {
        let cfg = Config {
            server: Some("http://saved:1".into()),
            ..Config::default()
        };
        assert_eq!(choose_server(Some("http://flag:2/"), &cfg), "http://flag:2");
        assert_eq!(choose_server(None, &cfg), "http://saved:1");
        assert_eq!(choose_server(None, &Config::default()), DEFAULT_SERVER);
    }

    #[test]
    fn board_settings_default_and_partial() {
        let cfg: Config = serde_json::from_str(r#"{"server": "http://s:1"}"#).unwrap();
        assert_eq!(cfg.board, BoardSettings::default());
        assert_eq!(
            (
                cfg.board.warn_after_minutes,
                cfg.board.late_after_minutes,
                cfg.board.bell
            ),
            (10, 20, true)
        );
        let cfg: Config =
            serde_json::from_str(r#"{"board": {"late_after_minutes": 45, "bell": false}}"#)
                .unwrap();
        assert_eq!(
            cfg.board,
            BoardSettings {
                warn_after_minutes: 10,
                late_after_minutes: 45,
                bell: false
            }
        );
    }

    #[test]
    fn a_server_must_be_an_http_url() {
        assert!(parse_server_url("http://127.0.0.1:8000").is_ok());
        assert!(parse_server_url("https://comanda.example.com/").is_ok());
        let e = parse_server_url("notaurl").expect_err("not a URL");
        assert_eq!(
            e.to_string(),
            "invalid server URL \"notaurl\": relative URL without a base (expected e.g. http://127.0.0.1:8000)"
        );
        assert!(parse_server_url("ftp://host").is_err());
        assert!(parse_server_url("localhost:8000").is_err());
    }
}
