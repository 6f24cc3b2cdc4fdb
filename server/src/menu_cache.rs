//! The rendered answers of `GET /menu/` held in memory: the menu is read by every client
//! and changes rarely, so it is read from the database once per change, not per request.
//!
//! Two views are kept: the available items (what anyone sees) and every item (an admin's
//! `include_unavailable=true`). Each is the JSON body, serialised once, and its strong
//! `ETag`: a hash of the body, prefixed by the view, so the two views never share a tag
//! and every process of one database gives the same menu the same tag.
//!
//! A change made through this process drops both views when it commits. On PostgreSQL a
//! change also announces itself (`NOTIFY`, see [`crate::listen`]), and every other process
//! drops its views when the announcement arrives, well within a second. While that listener is
//! not connected nothing is kept (a change announced then would be missed), and when it
//! reconnects the views are dropped again. Views also expire after
//! [`defaults::MENU_CACHE_MAX_AGE`], a bound on any staleness that nothing else detects (a
//! connection that died silently).
//!
//! A request that read the database before a change, and finishes after it, must not store
//! what it read: every drop bumps a generation, and a view is only stored if the generation
//! it was read under is still the current one.
//!
//! [`defaults::MENU_CACHE_MAX_AGE`]: crate::settings::defaults::MENU_CACHE_MAX_AGE

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderValue;
use sha2::{Digest, Sha256};

/// Which answer of `GET /menu/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Available items only.
    Available,
    /// Every item (admins asking with `include_unavailable=true`).
    All,
}

impl View {
    fn index(self) -> usize {
        match self {
            View::Available => 0,
            View::All => 1,
        }
    }

    fn tag_prefix(self) -> &'static str {
        match self {
            View::Available => "menu",
            View::All => "menu-all",
        }
    }
}

/// One view: its JSON body and its `ETag`.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub etag: HeaderValue,
    made: Instant,
}

impl Rendered {
    /// The body of `view` and its tag: `"<view>-<first 128 bits of the body's SHA-256>"`.
    pub fn new(view: View, body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{}-{hex}\"", view.tag_prefix()))
            .expect("quotes, letters, digits and dashes are a valid header value");
        Self {
            body: body.into(),
            etag,
            made: Instant::now(),
        }
    }
}

impl Rendered {
    /// Whether the `If-None-Match` header values name this answer: `*`, or a list of tags
    /// one of which is this one (compared weakly, as RFC 9110 has it for If-None-Match).
    pub fn matches<'a>(&self, if_none_match: impl IntoIterator<Item = &'a HeaderValue>) -> bool {
        let ours = self.etag.as_bytes();
        if_none_match
            .into_iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == ours)
    }
}

/// The cache. Cheap to clone.
#[derive(Clone)]
pub struct MenuCache(Arc<Inner>);

struct Inner {
    /// This process's name in its announcements, so that it skips its own (it dropped the
    /// menu when it committed).
    origin: String,
    /// Bumped by every drop.
    generation: AtomicU64,
    /// False while changes of other processes could go unnoticed (PostgreSQL, listener
    /// down): nothing is stored or served from memory then.
    trusted: AtomicBool,
    max_age: Duration,
    views: [RwLock<Option<Arc<Rendered>>>; 2],
}

impl MenuCache {
    /// `trusted`: whether every change is seen from the start (SQLite: one process); on
    /// PostgreSQL the cache is trusted once the listener listens.
    pub fn new(trusted: bool, max_age: Duration) -> Self {
        Self(Arc::new(Inner {
            origin: uuid::Uuid::new_v4().simple().to_string(),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(trusted),
            max_age,
            views: Default::default(),
        }))
    }

    /// The kept answer of `view`, if there is one and it may be served.
    pub fn get(&self, view: View) -> Option<Arc<Rendered>> {
        if !self.0.trusted.load(Ordering::Acquire) {
            return None;
        }
        let slot = self.0.views[view.index()]
            .read()
            .unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|r| r.made.elapsed() < self.0.max_age)
            .cloned()
    }

    /// What this process's announcements of a change carry.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// A change was announced with `origin`: dropped unless this process made it.
    pub fn announced(&self, origin: &str) {
        if origin != self.0.origin {
            self.invalidate();
        }
    }

    /// Read before reading the database; given back to [`MenuCache::store`].
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Keeps `rendered` as `view`, unless the menu changed since `generation` was read
    /// (the answer may predate the change) or the cache is not trusted now.
    pub fn store(&self, view: View, generation: u64, rendered: Arc<Rendered>) {
        let mut slot = self.0.views[view.index()]
            .write()
            .unwrap_or_else(|e| e.into_inner());
        // Checked under the slot's lock: a drop bumps the generation, then takes this lock
        // to empty the slot, so either this sees the bump or the drop empties it after.
        if self.0.trusted.load(Ordering::Acquire) && self.generation() == generation {
            *slot = Some(rendered);
        }
    }

    /// Drops both views: the menu changed (or may have).
    pub fn invalidate(&self) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        for slot in &self.0.views {
            *slot.write().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// The listener of changes of other processes is down (false) or listening again
    /// (true). Either way the views are dropped.
    pub fn set_listening(&self, listening: bool) {
        if !listening {
            self.0.trusted.store(false, Ordering::Release);
        }
        self.invalidate();
        if listening {
            self.0.trusted.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(view: View, body: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new(view, body.as_bytes().to_vec()))
    }

    #[test]
    fn a_view_read_before_a_change_is_not_kept() {
        let cache = MenuCache::new(true, Duration::from_secs(60));
        let before = cache.generation();
        cache.invalidate();
        cache.store(View::Available, before, rendered(View::Available, "old"));
        assert!(cache.get(View::Available).is_none());

        let now = cache.generation();
        cache.store(View::Available, now, rendered(View::Available, "new"));
        assert_eq!(&cache.get(View::Available).unwrap().body[..], b"new");
        assert!(cache.get(View::All).is_none());
        cache.invalidate();
        assert!(cache.get(View::Available).is_none());
    }

    #[test]
    fn nothing_is_kept_while_the_listener_is_down() {
        let cache = MenuCache::new(false, Duration::from_secs(60));
        let g = cache.generation();
        cache.store(View::All, g, rendered(View::All, "x"));
        assert!(cache.get(View::All).is_none());

        cache.set_listening(true);
        let g = cache.generation();
        cache.store(View::All, g, rendered(View::All, "x"));
        assert!(cache.get(View::All).is_some());

        cache.set_listening(false);
        assert!(cache.get(View::All).is_none());
        let g = cache.generation();
        cache.store(View::All, g, rendered(View::All, "x"));
        assert!(cache.get(View::All).is_none());
    }

    #[test]
    fn views_expire_and_tags_differ_by_view_and_content() {
        let cache = MenuCache::new(true, Duration::ZERO);
        let g = cache.generation();
        cache.store(View::All, g, rendered(View::All, "x"));
        assert!(cache.get(View::All).is_none(), "expired at once");

        let a = Rendered::new(View::Available, b"{}".to_vec());
        let b = Rendered::new(View::All, b"{}".to_vec());
        let c = Rendered::new(View::Available, b"{ }".to_vec());
        assert_ne!(a.etag, b.etag);
        assert_ne!(a.etag, c.etag);
        assert_eq!(a.etag, Rendered::new(View::Available, b"{}".to_vec()).etag);
        let tag = a.etag.to_str().unwrap();
        assert!(
            tag.starts_with("\"menu-") && tag.ends_with('"') && tag.len() == 39,
            "{tag}"
        );
    }

    #[test]
    fn if_none_match_takes_a_list_weak_tags_and_a_star() {
        let r = Rendered::new(View::Available, b"{}".to_vec());
        let ours = r.etag.to_str().unwrap().to_owned();
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(r.matches([&h(&ours)]));
        assert!(r.matches([&h(&format!("\"x\", W/{ours}"))]));
        assert!(r.matches([&h("\"other\""), &h(&ours)]));
        assert!(r.matches([&h("*")]));
        assert!(!r.matches([&h("\"other\"")]));
        assert!(!r.matches([&h(ours.trim_matches('"'))]), "a tag is quoted");
        assert!(!r.matches([]));
    }
}
