//! Token, OAuth client and grant look-ups cached per node: a hit costs a
//! map read instead of one or two queries. Every write that can change what a look-up
//! returns (revocation, rotation, deletion, scope or user changes, client
//! secret rotation, app and account changes, expiry clean-up) calls
//! [`Caches::invalidate`]; on PostgreSQL it also notifies the other nodes
//! (`LISTEN/NOTIFY`), and a time-to-live well under SPEC S3's one second
//! bounds what a lost notification or another process could leave.

use crate::background::Background;
use moka::sync::Cache;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::oauth::{Grant, OAuthApp};
use switchboard_core::store::TokenLookup;

/// The safety net: no entry outlives this, whatever happens elsewhere.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_millis(500);
const TOKEN_CACHE_CAPACITY: u64 = 100_000;

/// The PostgreSQL channel on which nodes announce token and client changes.
pub const TOKENS_CHANNEL: &str = "switchboard_tokens";

/// By token hash.
pub type TokenCache = LookupCache<TokenLookup>;

/// By client id: the app and its owner's name, or that there is none. An app
/// created on another node is found once that node's notification arrives
/// (its creation invalidates too), at the latest after the TTL.
pub type ClientCache = LookupCache<Option<(OAuthApp, String)>>;

/// By app and subject: the live grant, or that there is none. Its
/// `last_used_at` may lag the database's by up to the TTL (issuing a token
/// moves it without an invalidation; see `grant_tokens::insert`).
pub type GrantCache = LookupCache<Option<Grant>>;

/// Every cached look-up of a node: one invalidation drops them all.
#[derive(Clone, Default)]
pub struct Caches {
    pub tokens: TokenCache,
    pub clients: ClientCache,
    pub grants: GrantCache,
}

impl Caches {
    pub fn invalidate(&self) {
        self.tokens.invalidate();
        self.clients.invalidate();
        self.grants.invalidate();
    }
}

#[derive(Clone)]
pub struct LookupCache<V> {
    /// By key (a token hash, a client id).
    entries: Cache<String, V>,
    /// Token id → key, to forget one token (its use was recorded).
    hashes: Cache<String, String>,
    /// Bumped by every invalidation, so that a look-up that raced a write
    /// does not put what it read before the write back into the cache.
    generation: Arc<AtomicU64>,
}

impl<V: Clone + Send + Sync + 'static> Default for LookupCache<V> {
    fn default() -> Self {
        LookupCache {
            entries: Cache::builder()
                .max_capacity(TOKEN_CACHE_CAPACITY)
                .time_to_live(TOKEN_CACHE_TTL)
                .build(),
            hashes: Cache::builder()
                .max_capacity(TOKEN_CACHE_CAPACITY)
                .time_to_live(TOKEN_CACHE_TTL)
                .build(),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// Where a look-up started, to hand back to [`LookupCache::put`].
pub struct Ticket(u64);

impl<V: Clone + Send + Sync + 'static> LookupCache<V> {
    pub fn get(&self, key: &str) -> Result<V, Ticket> {
        let ticket = Ticket(self.generation.load(Ordering::Acquire));
        self.entries.get(key).ok_or(ticket)
    }

    /// Keep what a look-up read, unless something changed since it began;
    /// `id`, if given, is what [`LookupCache::forget`] will know it by.
    pub fn put(&self, key: &str, id: Option<&str>, found: &V, ticket: Ticket) {
        if self.generation.load(Ordering::Acquire) == ticket.0 {
            if let Some(id) = id {
                self.hashes.insert(id.to_owned(), key.to_owned());
            }
            self.entries.insert(key.to_owned(), found.clone());
            // An invalidation between the check and the insert: drop it again.
            if self.generation.load(Ordering::Acquire) != ticket.0 {
                self.entries.invalidate(key);
            }
        }
    }

    /// Forget one token (by id), e.g. after its last use was recorded.
    pub fn forget(&self, id: &str) {
        if let Some(hash) = self.hashes.remove(id) {
            self.entries.invalidate(&hash);
        }
    }

    /// Forget everything. Writes are rare next to reads, so one coarse
    /// invalidation is simpler and safer than tracking which tokens changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}

impl Caches {
    /// Invalidate on every notification on [`TOKENS_CHANNEL`] (PostgreSQL);
    /// and whenever the listening connection is lost, since notifications
    /// sent meanwhile are gone.
    pub(crate) fn listen(&self, url: &str) -> Background {
        let cache = self.clone();
        let url = url.to_owned();
        Background::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(TOKENS_CHANNEL).await {
                            tracing::warn!(error = %e, "cannot listen for token changes");
                        } else {
                            cache.invalidate();
                            while let Ok(Some(_)) = listener.try_recv().await {
                                cache.invalidate();
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot connect to listen for token changes")
                    }
                }
                cache.invalidate();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_that_raced_an_invalidation_is_not_kept() {
        let cache = LookupCache::<String>::default();
        let hash = "h";
        let ticket = cache.get(hash).unwrap_err();
        cache.invalidate();
        cache.put(hash, Some("t1"), &"found".to_owned(), ticket);
        assert!(cache.get(hash).is_err());

        let ticket = cache.get(hash).unwrap_err();
        cache.put(hash, Some("t1"), &"found".to_owned(), ticket);
        assert!(cache.get(hash).is_ok());
        cache.invalidate();
        assert!(cache.get(hash).is_err());

        let ticket = cache.get(hash).unwrap_err();
        cache.put(hash, Some("t1"), &"found".to_owned(), ticket);
        cache.forget("t2");
        assert!(cache.get(hash).is_ok());
        cache.forget("t1");
        assert!(cache.get(hash).is_err());
    }

    /// One invalidation (a local write, or a notification) drops every kind
    /// of look-up, a cached "no such client" or "no grant" included.
    #[test]
    fn invalidating_the_caches_drops_tokens_clients_and_grants() {
        let caches = Caches::default();
        let ticket = caches.grants.get("app\nsubject").unwrap_err();
        caches.grants.put("app\nsubject", None, &None, ticket);
        assert!(matches!(caches.grants.get("app\nsubject"), Ok(None)));
        caches.invalidate();
        assert!(caches.grants.get("app\nsubject").is_err());
        let ticket = caches.clients.get("client").unwrap_err();
        caches.clients.put("client", None, &None, ticket);
        assert!(matches!(caches.clients.get("client"), Ok(None)));
        let stale = caches.clients.get("other").unwrap_err();
        caches.invalidate();
        assert!(caches.clients.get("client").is_err());
        caches.clients.put("other", None, &None, stale);
        assert!(
            caches.clients.get("other").is_err(),
            "raced the invalidation"
        );
    }
}
