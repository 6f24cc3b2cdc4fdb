//! The OS session store: every keyring the platform offers, in order of preference (on Linux
//! the Secret Service, then the kernel keyutils *persistent* keyring), then memory.
//!
//! - Reading takes the session from the first store that holds one; a store that fails to
//!   answer (a locked Secret Service) is skipped.
//! - Saving goes to the first store that accepts it; the session is then removed from every
//!   other store, so exactly one holds it.
//! - Forgetting clears every store the session could be in, and says which one could not be
//!   cleared.
//! - When the preferred store fails, [`TokenStore::notice`] says so in one line, for the screen.

use std::sync::{Arc, Mutex};

use comanda_common::Token;

use super::{KeyringStore, MemoryStore, TokenStore};

/// The line shown when no keyring answers at all.
pub const MEMORY_ONLY: &str = "No OS keyring found: this session is kept in memory only";

/// The platform's keyrings, then memory (see the module's rules).
pub struct OsStore {
    layers: Vec<Arc<dyn TokenStore>>,
    memory: MemoryStore,
    notice: Mutex<Option<String>>,
}

impl OsStore {
    /// A store over `layers`, most preferred first.
    pub fn new(layers: Vec<Arc<dyn TokenStore>>) -> OsStore {
        OsStore {
            layers,
            memory: MemoryStore::new(),
            notice: Mutex::new(None),
        }
    }

    fn set_notice(&self, text: String) {
        tracing::info!(notice = %text, "session store");
        if let Ok(mut n) = self.notice.lock() {
            *n = Some(text);
        }
    }

    /// Where a failed store's session went, for the notice.
    fn fell_back(&self, failed: &str, kept_in: &str) {
        self.set_notice(format!(
            "The {failed} is locked or not answering: this session is kept in the {kept_in}"
        ));
    }

    /// Probes each store (a read); sets the notice if the preferred one fails. Returns false
    /// when none answers.
    fn probe(&self) -> bool {
        let mut failed: Option<String> = None;
        for layer in &self.layers {
            match layer.try_load() {
                Ok(_) => {
                    if let Some(f) = failed {
                        self.fell_back(&f, &layer.describe());
                    }
                    return true;
                }
                Err(e) => {
                    tracing::info!(store = %layer.describe(), error = %e, "keyring not usable");
                    failed.get_or_insert_with(|| layer.describe());
                }
            }
        }
        false
    }
}

impl TokenStore for OsStore {
    fn try_load(&self) -> Result<Option<Token>, String> {
        for layer in &self.layers {
            match layer.try_load() {
                Ok(Some(token)) => return Ok(Some(token)),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(store = %layer.describe(), error = %e, "could not read the session")
                }
            }
        }
        self.memory.try_load()
    }

    fn save(&self, token: &Token) -> Result<(), String> {
        let mut failed: Option<String> = None;
        let mut kept: Option<usize> = None;
        for (i, layer) in self.layers.iter().enumerate() {
            match layer.save(token) {
                Ok(()) => {
                    kept = Some(i);
                    break;
                }
                Err(e) => {
                    tracing::warn!(store = %layer.describe(), error = %e, "could not save the session");
                    failed.get_or_insert_with(|| layer.describe());
                }
            }
        }
        let kept_in = match kept {
            Some(i) => self.layers[i].describe(),
            None => {
                self.memory.save(token)?;
                self.memory.describe()
            }
        };
        // Exactly one store holds the session: no live refresh token is left behind.
        for (i, layer) in self.layers.iter().enumerate() {
            if Some(i) != kept
                && let Err(e) = layer.clear()
            {
                tracing::debug!(store = %layer.describe(), error = %e, "could not clear");
            }
        }
        if kept.is_some() {
            self.memory.clear()?;
        }
        if let Some(failed) = failed {
            self.fell_back(&failed, &kept_in);
        }
        Ok(())
    }

    fn clear(&self) -> Result<(), String> {
        let mut failed = Vec::new();
        for layer in &self.layers {
            if let Err(e) = layer.clear() {
                tracing::warn!(store = %layer.describe(), error = %e, "could not clear the session");
                failed.push(layer.describe());
            }
        }
        self.memory.clear()?;
        if failed.is_empty() {
            Ok(())
        } else {
            let text = format!(
                "Could not forget the session in the {} (locked or not answering)",
                failed.join(", ")
            );
            self.set_notice(text.clone());
            Err(text)
        }
    }

    fn describe(&self) -> String {
        for layer in &self.layers {
            if let Ok(Some(_)) = layer.try_load() {
                return layer.describe();
            }
        }
        match self.layers.first() {
            Some(l) if !matches!(self.memory.try_load(), Ok(Some(_))) => l.describe(),
            _ => self.memory.describe(),
        }
    }

    fn notice(&self) -> Option<String> {
        self.notice.lock().ok().and_then(|n| n.clone())
    }
}

/// The session store for `server_url`: the OS keyrings, else memory. The second value is the
/// line to show at start (memory only, or a locked preferred keyring).
/// Blocking (D-Bus): call it from `spawn_blocking` or outside the runtime.
pub fn open_os_store(server_url: &str) -> (Arc<dyn TokenStore>, Option<String>) {
    let layers: Vec<Arc<dyn TokenStore>> = platform_stores()
        .into_iter()
        .map(|(name, store)| {
            Arc::new(KeyringStore::new(store, &name, server_url)) as Arc<dyn TokenStore>
        })
        .collect();
    let os = OsStore::new(layers);
    let note = if os.probe() {
        os.notice()
    } else {
        Some(MEMORY_ONLY.to_owned())
    };
    (Arc::new(os), note)
}

#[cfg(target_os = "linux")]
fn platform_stores() -> Vec<(String, Arc<keyring_core::CredentialStore>)> {
    let mut stores: Vec<(String, Arc<keyring_core::CredentialStore>)> = Vec::new();
    // Secret Service first (it persists); it needs a D-Bus session, absent on headless boxes.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        match zbus_secret_service_keyring_store::Store::new() {
            Ok(s) => stores.push(("keyring (Secret Service)".into(), s)),
            Err(e) => tracing::info!(error = %e, "no Secret Service"),
        }
    }
    let empty: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    match linux_keyutils_keyring_store::Store::new_with_configuration(&empty) {
        Ok(s) => stores.push(("kernel persistent keyring (keyutils)".into(), s)),
        Err(e) => tracing::info!(error = %e, "no keyutils"),
    }
    stores
}

#[cfg(target_os = "macos")]
fn platform_stores() -> Vec<(String, Arc<keyring_core::CredentialStore>)> {
    match apple_native_keyring_store::keychain::Store::new() {
        Ok(s) => vec![("keyring (macOS Keychain)".into(), s)],
        Err(e) => {
            tracing::info!(error = %e, "no Keychain");
            Vec::new()
        }
    }
}

#[cfg(windows)]
fn platform_stores() -> Vec<(String, Arc<keyring_core::CredentialStore>)> {
    match windows_native_keyring_store::Store::new() {
        Ok(s) => vec![("keyring (Windows Credential Manager)".into(), s)],
        Err(e) => {
            tracing::info!(error = %e, "no Credential Manager");
            Vec::new()
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn platform_stores() -> Vec<(String, Arc<keyring_core::CredentialStore>)> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(r: &str) -> Token {
        Token {
            access_token: "a".into(),
            token_type: "bearer".into(),
            expires_in: 1800,
            refresh_token: r.into(),
        }
    }

    /// A keyring that is locked: every call fails.
    struct Locked;
    impl TokenStore for Locked {
        fn try_load(&self) -> Result<Option<Token>, String> {
            Err("locked".into())
        }
        fn save(&self, _: &Token) -> Result<(), String> {
            Err("locked".into())
        }
        fn clear(&self) -> Result<(), String> {
            Err("locked".into())
        }
        fn describe(&self) -> String {
            "keyring (Secret Service)".into()
        }
    }

    fn named_memory() -> Arc<dyn TokenStore> {
        Arc::new(KeyringStore::mock("http://x").expect("mock"))
    }

    #[test]
    fn a_locked_first_keyring_is_said_and_the_next_one_keeps_the_session() {
        let second = named_memory();
        let os = OsStore::new(vec![Arc::new(Locked), second.clone()]);
        assert!(os.probe());
        assert_eq!(
            os.notice().as_deref(),
            Some(
                "The keyring (Secret Service) is locked or not answering: this session is kept in the mock keyring"
            )
        );
        os.save(&token("r1")).expect("saved in the second store");
        assert_eq!(second.load(), Some(token("r1")));
        assert_eq!(os.load(), Some(token("r1")));
        // Forgetting clears what can be cleared and says what could not.
        let err = os.clear().expect_err("the locked store cannot be cleared");
        assert!(err.contains("keyring (Secret Service)"), "{err}");
        assert_eq!(second.load(), None);
    }

    #[test]
    fn saving_moves_the_session_so_only_one_store_holds_it() {
        let first = named_memory();
        let second = named_memory();
        second.save(&token("old")).expect("saved");
        let os = OsStore::new(vec![first.clone(), second.clone()]);
        assert_eq!(os.load(), Some(token("old")), "found in the second store");
        os.save(&token("new")).expect("saved");
        assert_eq!(first.load(), Some(token("new")));
        assert_eq!(
            second.load(),
            None,
            "the old pair is gone from the other store"
        );
        assert_eq!(os.notice(), None);
        os.clear().expect("cleared");
        assert_eq!(os.load(), None);
    }

    #[test]
    fn with_no_keyring_the_session_lives_in_memory() {
        let os = OsStore::new(vec![Arc::new(Locked)]);
        assert!(!os.probe());
        os.save(&token("r")).expect("memory");
        assert_eq!(os.load(), Some(token("r")));
        assert_eq!(os.describe(), "memory");
    }
}
