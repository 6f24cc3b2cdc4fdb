//! Where the session (the token pair) is kept between runs: the OS keyring, one entry per
//! server (service `comanda`, user = the server URL), the token as JSON. Nothing else ever
//! holds a token: no file, no log line.

mod os;

use std::sync::{Arc, Mutex};

use comanda_common::Token;
use keyring_core::{CredentialStore, Entry, Error as KeyringError};

pub use os::{OsStore, open_os_store};

/// The keyring service name of every entry.
pub const SERVICE: &str = "comanda";

/// Keeps the session of one server. Calls may block (D-Bus): call them off the UI thread.
pub trait TokenStore: Send + Sync {
    /// The saved session, if any. Errors are treated as "no session".
    fn load(&self) -> Option<Token> {
        self.try_load().unwrap_or_else(|e| {
            tracing::warn!(store = %self.describe(), error = %e, "could not read the session");
            None
        })
    }
    /// The saved session, or why the store could not be read.
    fn try_load(&self) -> Result<Option<Token>, String>;
    /// Saves (or replaces) the session.
    fn save(&self, token: &Token) -> Result<(), String>;
    /// Forgets the session. Forgetting a missing one is fine.
    fn clear(&self) -> Result<(), String>;
    /// A short description for logs ("keyring (Secret Service)", "memory").
    fn describe(&self) -> String;
    /// One line for the screen when the store is not working as it should (a locked
    /// keyring, a session kept somewhere else than usual), if any.
    fn notice(&self) -> Option<String> {
        None
    }
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
    fn try_load(&self) -> Result<Option<Token>, String> {
        Ok(self.token.lock().ok().and_then(|t| t.clone()))
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
///
/// Dropping the Secret Service store inside a tokio runtime panics (its zbus proxy calls
/// `block_on` when dropped), so [`Drop`] hands the store to a plain thread there: the app may
/// drop its last client anywhere, on any exit path.
pub struct KeyringStore {
    store: Option<Arc<CredentialStore>>,
    name: String,
    server_url: String,
}

impl Drop for KeyringStore {
    fn drop(&mut self) {
        let Some(store) = self.store.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            let _ = std::thread::spawn(move || drop(store)).join();
        }
    }
}

impl KeyringStore {
    /// A store over `store` for the server at `server_url`.
    pub fn new(store: Arc<CredentialStore>, name: &str, server_url: &str) -> Self {
        Self {
            store: Some(store),
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
        match &self.store {
            Some(store) => store.build(SERVICE, &self.server_url, None),
            None => Err(KeyringError::NoDefaultStore),
        }
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
    fn try_load(&self) -> Result<Option<Token>, String> {
        let json = match self.entry().and_then(|e| e.get_password()) {
            Ok(json) => json,
            Err(KeyringError::NoEntry) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        match serde_json::from_str(&json) {
            Ok(token) => Ok(Some(token)),
            Err(_) => {
                tracing::warn!("the keyring entry is not a session; ignoring it");
                Ok(None)
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
