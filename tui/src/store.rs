//! Where the session (the token pair) is kept between runs: the OS keyring, one entry per
//! server (service `comanda`, user = the server URL), the token as JSON. Nothing else ever
//! holds a token: no file, no log line.

use std::sync::{Arc, Mutex};

use comanda_common::Token;
use keyring_core::{CredentialStore, Entry, Error as KeyringError};

/// The keyring service name of every entry.
pub const SERVICE: &str = "comanda";

/// Keeps the session of one server. Calls may block (D-Bus): call them off the UI thread.
pub trait TokenStore: Send + Sync {
    /// The saved session, if any. Errors are treated as "no session".
    fn load(&self) -> Option<Token>;
    /// Saves (or replaces) the session.
    fn save(&self, token: &Token) -> Result<(), String>;
    /// Forgets the session. Forgetting a missing one is fine.
    fn clear(&self) -> Result<(), String>;
    /// A short description for logs ("keyring (Secret Service)", "memory").
    fn describe(&self) -> String;
}

/// A session kept only while the process runs.
#[derive(Default)]
pub struct MemoryStore {
    token: Mutex<Option<Token>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Option<Token> {
        self.token.lock().ok().and_then(|t| t.clone())
    }
    fn save(&self, token: &Token) -> Result<(), String> {
        if let Ok(mut t) = self.token.lock() {
            *t = Some(token.clone());
        }
        Ok(())
    }
    fn clear(&self) -> Result<(), String> {
        if let Ok(mut t) = self.token.lock() {
            *t = None;
        }
        Ok(())
    }
    fn describe(&self) -> String {
        "memory".into()
    }
}

/// A keyring-core credential store (Secret Service, keyutils, the mock), one entry per server.
pub struct KeyringStore {
    store: Arc<CredentialStore>,
    name: String,
    server_url: String,
}

impl KeyringStore {
    /// A store over `store` for the server at `server_url`.
    pub fn new(store: Arc<CredentialStore>, name: &str, server_url: &str) -> Self {
        Self {
            store,
            name: name.to_owned(),
            server_url: server_url.to_owned(),
        }
    }

    /// A store over a fresh keyring-core mock store (tests).
    pub fn mock(server_url: &str) -> Result<Self, String> {
        let store = keyring_core::mock::Store::new().map_err(|e| e.to_string())?;
        Ok(Self::new(store, "mock keyring", server_url))
    }

    fn entry(&self) -> Result<Entry, KeyringError> {
        self.store.build(SERVICE, &self.server_url, None)
    }

    /// True if the store answers (a missing entry counts as an answer).
    pub fn probe(&self) -> bool {
        match self.entry().and_then(|e| e.get_password()) {
            Ok(_) | Err(KeyringError::NoEntry) => true,
            Err(e) => {
                tracing::info!(store = %self.name, error = %e, "keyring not usable");
                false
            }
        }
    }
}

impl TokenStore for KeyringStore {
    fn load(&self) -> Option<Token> {
        let json = match self.entry().and_then(|e| e.get_password()) {
            Ok(json) => json,
            Err(KeyringError::NoEntry) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the keyring");
                return None;
            }
        };
        match serde_json::from_str(&json) {
            Ok(token) => Some(token),
            Err(_) => {
                tracing::warn!("the keyring entry is not a session; ignoring it");
                None
            }
        }
    }
    fn save(&self, token: &Token) -> Result<(), String> {
        let json = serde_json::to_string(token).map_err(|e| e.to_string())?;
        self.entry()
            .and_then(|e| e.set_password(&json))
            .map_err(|e| e.to_string())
    }
    fn clear(&self) -> Result<(), String> {
        match self.entry().and_then(|e| e.delete_credential()) {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// The session store for `server_url`: the OS keyring if one answers, else memory.
/// The second value is the line to show when falling back to memory.
/// Blocking (D-Bus): call it from `spawn_blocking`.
pub fn open_os_store(server_url: &str) -> (Arc<dyn TokenStore>, Option<String>) {
    for (name, store) in platform_stores() {
        let ks = KeyringStore::new(store, &name, server_url);
        if ks.probe() {
            tracing::info!(store = %name, "session kept in the OS keyring");
            return (Arc::new(ks), None);
        }
    }
    (
        Arc::new(MemoryStore::new()),
        Some("No OS keyring found: this session is kept in memory only".into()),
    )
}

#[cfg(target_os = "linux")]
fn platform_stores() -> Vec<(String, Arc<CredentialStore>)> {
    let mut stores: Vec<(String, Arc<CredentialStore>)> = Vec::new();
    // Secret Service first (it persists); it needs a D-Bus session, absent on headless boxes.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(s) => stores.push(("keyring (Secret Service)".into(), s)),
            Err(e) => tracing::info!(error = %e, "no Secret Service"),
        }
    }
    let empty: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    match linux_keyutils_keyring_store::Store::new_with_configuration(&empty) {
        Ok(s) => stores.push(("keyring (kernel keyutils)".into(), s)),
        Err(e) => tracing::info!(error = %e, "no keyutils"),
    }
    stores
}

#[cfg(target_os = "macos")]
fn platform_stores() -> Vec<(String, Arc<CredentialStore>)> {
    match apple_native_keyring_store::keychain::Store::new() {
        Ok(s) => vec![("keyring (macOS Keychain)".into(), s)],
        Err(e) => {
            tracing::info!(error = %e, "no Keychain");
            Vec::new()
        }
    }
}

#[cfg(windows)]
fn platform_stores() -> Vec<(String, Arc<CredentialStore>)> {
    match windows_native_keyring_store::Store::new() {
        Ok(s) => vec![("keyring (Windows Credential Manager)".into(), s)],
        Err(e) => {
            tracing::info!(error = %e, "no Credential Manager");
            Vec::new()
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_stores() -> Vec<(String, Arc<CredentialStore>)> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            access_token: "a".into(),
            token_type: "bearer".into(),
            expires_in: 1800,
            refresh_token: "r".into(),
        }
    }

    #[test]
    fn mock_keyring_round_trip() {
        let s = KeyringStore::mock("http://x").unwrap();
        assert!(s.probe());
        assert!(s.load().is_none());
        s.save(&token()).unwrap();
        assert_eq!(s.load(), Some(token()));
        s.clear().unwrap();
        assert!(s.load().is_none());
        s.clear().unwrap();
    }

    #[test]
    fn memory_round_trip() {
        let s = MemoryStore::new();
        s.save(&token()).unwrap();
        assert_eq!(s.load(), Some(token()));
        s.clear().unwrap();
        assert!(s.load().is_none());
    }
}
