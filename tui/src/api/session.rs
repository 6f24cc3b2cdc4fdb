//! The session held by an [`ApiClient`]: the token pair, kept in step with the store (the OS
//! keyring) that other copies of the app and `comanda` commands share.
//!
//! The rules that let several clients share one session without logging each other out
//! (TUI.md v1.1, CLI.md):
//! - an expired access token is refreshed once, however many requests fail together;
//! - before refreshing, the client re-reads the store and adopts a newer pair saved there by
//!   another copy (presenting a refresh token another copy already rotated away would make
//!   the server end the whole session);
//! - a refresh rejected because another copy rotated first (between our read and our
//!   refresh) re-reads the store once more before giving up;
//! - every new pair is written back to the store.

use comanda_common::{RefreshRequest, Token, paths};
use reqwest::RequestBuilder;
use serde::de::DeserializeOwned;

use super::{Answer, ApiClient, ApiError, ApiResult};

/// The `detail` of a 401 for a bad or expired token.
const BAD_CREDENTIALS: &str = "Could not validate credentials";
/// Refreshes one authenticated call may make: one after adopting another copy's pair whose
/// access token had expired too, and the real one.
const MAX_REFRESHES: usize = 2;

/// The token pair and a counter bumped at every change, so that requests which failed with
/// the same (old) token trigger only one refresh.
#[derive(Default)]
pub(super) struct Session {
    token: Option<Token>,
    generation: u64,
}

impl ApiClient {
    /// Loads the saved session from the store (blocking I/O is moved off this thread).
    /// Returns true if there was one.
    pub async fn restore_session(&self) -> bool {
        let token = self.load_saved().await;
        let found = token.is_some();
        let mut s = self.inner.session.lock().await;
        s.token = token;
        s.generation += 1;
        found
    }

    /// True if a token pair is held.
    pub async fn has_session(&self) -> bool {
        self.inner.session.lock().await.token.is_some()
    }

    /// Forgets the local session without telling the server (and clears the store).
    pub async fn forget_session(&self) {
        self.set_session(None).await;
    }

    pub(super) async fn set_session(&self, token: Option<Token>) {
        {
            let mut s = self.inner.session.lock().await;
            s.token = token.clone();
            s.generation += 1;
        }
        self.persist(token).await;
    }

    /// The pair in the store now (another copy may have saved a newer one).
    async fn load_saved(&self) -> Option<Token> {
        let store = self.store();
        tokio::task::spawn_blocking(move || store.load())
            .await
            .ok()
            .flatten()
    }

    async fn persist(&self, token: Option<Token>) {
        let store = self.store();
        let res = tokio::task::spawn_blocking(move || match token {
            Some(t) => store.save(&t),
            None => store.clear(),
        })
        .await;
        match res {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not update the saved session"),
            Err(e) => tracing::warn!(error = %e, "session store task failed"),
        }
    }

    /// An authenticated call; on "Could not validate credentials" the session is refreshed
    /// (see the module's rules) and the call retried.
    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        build: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> ApiResult<T> {
        Self::decode(&self.call_bytes(build).await?)
    }

    pub(super) async fn call_bytes(
        &self,
        build: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> ApiResult<Vec<u8>> {
        self.call_answer(build).await.map(|a| a.body)
    }

    /// [`Self::call_bytes`] with the answer's status and `ETag`.
    pub(super) async fn call_answer(
        &self,
        build: &(dyn Fn() -> RequestBuilder + Sync),
    ) -> ApiResult<Answer> {
        let (mut access, mut generation) = self.current_access().await?;
        let mut refreshes = 0;
        loop {
            match self.send_answer(&|| build().bearer_auth(&access)).await {
                Err(ApiError::Api {
                    status: 401,
                    ref detail,
                    ..
                }) if detail == BAD_CREDENTIALS && refreshes < MAX_REFRESHES => {
                    refreshes += 1;
                    (access, generation) = self.refresh(generation).await?;
                }
                other => return other,
            }
        }
    }

    pub(super) async fn current_access(&self) -> ApiResult<(String, u64)> {
        let s = self.inner.session.lock().await;
        match &s.token {
            Some(t) => Ok((t.access_token.clone(), s.generation)),
            None => Err(ApiError::NotSignedIn),
        }
    }

    /// Refreshes the session whose access token failed at `generation`, unless another
    /// request (or another copy, through the store) already did; returns the access token to
    /// retry with and its generation.
    pub(super) async fn refresh(&self, generation: u64) -> ApiResult<(String, u64)> {
        let mut s = self.inner.session.lock().await;
        if s.generation != generation {
            return match &s.token {
                Some(t) => Ok((t.access_token.clone(), s.generation)),
                None => Err(ApiError::SessionEnded),
            };
        }
        let Some(ours) = s.token.clone() else {
            return Err(ApiError::SessionEnded);
        };
        // Another copy may have rotated the pair already: its new pair is in the store.
        if let Some(saved) = self.load_saved().await
            && saved.refresh_token != ours.refresh_token
        {
            tracing::info!("adopted the session pair saved by another client");
            return Ok(Self::adopt(&mut s, saved));
        }
        let url = self.url(paths::AUTH_REFRESH);
        let body = RefreshRequest {
            refresh_token: ours.refresh_token.clone(),
        };
        let http = self.http().clone();
        let answer = self.send_raw(&|| http.post(&url).json(&body)).await;
        match answer {
            Ok(bytes) => {
                let token: Token = Self::decode(&bytes)?;
                tracing::info!("access token refreshed");
                let next = Self::adopt(&mut s, token.clone());
                drop(s);
                self.persist(Some(token)).await;
                Ok(next)
            }
            Err(ApiError::Api { status: 401, .. }) => {
                // Another copy may have rotated first, between our read and our refresh.
                if let Some(saved) = self.load_saved().await
                    && saved.refresh_token != ours.refresh_token
                {
                    tracing::info!("refresh rejected; adopted the pair another client saved");
                    return Ok(Self::adopt(&mut s, saved));
                }
                tracing::info!("refresh rejected: the session has ended");
                s.token = None;
                s.generation += 1;
                drop(s);
                self.persist(None).await;
                Err(ApiError::SessionEnded)
            }
            Err(e) => Err(e),
        }
    }

    fn adopt(s: &mut Session, token: Token) -> (String, u64) {
        let access = token.access_token.clone();
        s.token = Some(token);
        s.generation += 1;
        (access, s.generation)
    }

    /// Replaces the access token with a bogus one (tests: simulate an expired token).
    pub async fn spoil_access_token_for_tests(&self, access: &str) {
        let mut s = self.inner.session.lock().await;
        if let Some(t) = s.token.as_mut() {
            t.access_token = access.to_owned();
        }
    }
}
