//! The read cache shared by every upstream: one weight budget for all records, a freshness
//! TTL per entity type, and a staleness allowance beyond it for when the upstream fails.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The read cache: how long records count as fresh, how long they may stand in for an upstream
/// that fails, and how much memory they may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Cache upstream reads at all (off to measure what it saves, or to debug).
    pub enabled: bool,
    /// Memory budget for every cached record together, in megabytes (records are weighed by
    /// the memory they take decoded, with the cache's own cost per entry); the least used go
    /// first.
    pub max_size_mb: u64,
    /// How long after its freshness ends a record may still be served, marked stale, when its
    /// upstream fails, in seconds.
    pub max_stale_secs: u64,
    /// How long records of each type count as fresh, in seconds.
    pub ttl_secs: TtlConfig,
}

impl CacheConfig {
    /// The shortest freshness of any record type: what may be built from cached records is
    /// reused no longer than this.
    pub fn shortest_ttl(&self) -> Duration {
        Kind::ttls(&self.ttl_secs).min().unwrap_or_default()
    }
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_size_mb: 64,
            max_stale_secs: 3600,
            ttl_secs: TtlConfig::default(),
        }
    }
}

/// Freshness per entity type, in seconds. Money moves more often than contacts do; the
/// gateway's own writes invalidate what they touch at once whatever the TTL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TtlConfig {
    /// Billing accounts (balances).
    pub accounts: u64,
    /// Subscriptions.
    pub subscriptions: u64,
    /// Invoices.
    pub invoices: u64,
    /// Payments.
    pub payments: u64,
    /// Payment methods.
    pub payment_methods: u64,
    /// CRM contacts.
    pub contacts: u64,
    /// Support cases.
    pub cases: u64,
    /// Catalog offers.
    pub offers: u64,
}

impl Default for TtlConfig {
    fn default() -> Self {
        Self {
            accounts: 60,
            subscriptions: 120,
            invoices: 120,
            payments: 120,
            payment_methods: 600,
            contacts: 600,
            cases: 30,
            offers: 900,
        }
    }
}

/// What a cache entry holds: records by id, or the records of one parent account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Account,
    Subscription,
    SubscriptionsOf,
    Invoice,
    InvoicesOf,
    Payment,
    PaymentsOf,
    PaymentMethod,
    PaymentMethodsOf,
    ContactsOf,
    Case,
    CasesOf,
    Offer,
    AllOffers,
}

impl Kind {
    /// The entity type, as metrics and staleness markers name it.
    pub fn entity(self) -> &'static str {
        match self {
            Kind::Account => "accounts",
            Kind::Subscription | Kind::SubscriptionsOf => "subscriptions",
            Kind::Invoice | Kind::InvoicesOf => "invoices",
            Kind::Payment | Kind::PaymentsOf => "payments",
            Kind::PaymentMethod | Kind::PaymentMethodsOf => "payment_methods",
            Kind::ContactsOf => "contacts",
            Kind::Case | Kind::CasesOf => "cases",
            Kind::Offer | Kind::AllOffers => "offers",
        }
    }

    fn ttl(self, ttl: &TtlConfig) -> Duration {
        Duration::from_secs(match self {
            Kind::Account => ttl.accounts,
            Kind::Subscription | Kind::SubscriptionsOf => ttl.subscriptions,
            Kind::Invoice | Kind::InvoicesOf => ttl.invoices,
            Kind::Payment | Kind::PaymentsOf => ttl.payments,
            Kind::PaymentMethod | Kind::PaymentMethodsOf => ttl.payment_methods,
            Kind::ContactsOf => ttl.contacts,
            Kind::Case | Kind::CasesOf => ttl.cases,
            Kind::Offer | Kind::AllOffers => ttl.offers,
        })
    }

    fn ttls(ttl: &TtlConfig) -> impl Iterator<Item = Duration> + '_ {
        [
            Kind::Account,
            Kind::Subscription,
            Kind::Invoice,
            Kind::Payment,
            Kind::PaymentMethod,
            Kind::ContactsOf,
            Kind::Case,
            Kind::Offer,
        ]
        .into_iter()
        .map(|kind| kind.ttl(ttl))
    }
}

pub(crate) type Key = (Kind, String);
pub(crate) type Value = Arc<dyn Any + Send + Sync>;
/// What one upstream read returned: records by cache key, type-erased so that readers of every
/// kind can share one in-flight table.
pub(crate) type Values = Arc<HashMap<String, Value>>;
pub(crate) type Flight = futures::future::Shared<
    futures::future::BoxFuture<'static, Result<Values, partnergraph_core::Error>>,
>;

/// A cached record (or list of records).
pub(crate) struct Entry {
    pub value: Value,
    pub fetched: Instant,
    /// The upstream account it belongs to, for invalidation by account.
    pub account: Option<String>,
    weight: u32,
}

/// A record as read from the upstream, ready to be cached.
pub(crate) struct Fetched {
    pub value: Value,
    /// The upstream account it belongs to.
    pub account: Option<String>,
    /// What the value weighs ([`weigh`]); the entry adds its own cost when it lands.
    pub weight: u32,
}

/// A cache lookup's verdict.
pub(crate) enum Lookup {
    Fresh(Value),
    Missing,
}

/// The cache every guarded connector of a gateway shares.
pub struct Cache {
    entries: moka::sync::Cache<Key, Arc<Entry>>,
    /// Reads on their way, by key, so that concurrent misses of one key wait for one call.
    inflight: Mutex<HashMap<Key, (u64, Flight)>>,
    /// Bumped by every invalidation: a read that started before a write must not store what it
    /// read after the write has invalidated it.
    epoch: AtomicU64,
    next_flight: AtomicU64,
    ttl: TtlConfig,
    max_stale: Duration,
}

impl Cache {
    /// A cache as configured (whether it is used at all is the caller's decision).
    pub fn new(config: &CacheConfig) -> Arc<Self> {
        let max_stale = Duration::from_secs(config.max_stale_secs);
        let longest = Kind::ttls(&config.ttl_secs).max().unwrap_or_default();
        Arc::new(Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(config.max_size_mb.saturating_mul(1024 * 1024))
                .weigher(|_, entry: &Arc<Entry>| entry.weight)
                .time_to_live(longest + max_stale)
                .support_invalidation_closures()
                .build(),
            inflight: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            next_flight: AtomicU64::new(0),
            ttl: config.ttl_secs.clone(),
            max_stale,
        })
    }

    fn flights(&self) -> MutexGuard<'_, HashMap<Key, (u64, Flight)>> {
        // Inserts and removals are single map operations; a panic cannot leave it torn.
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A number that moves on with every invalidation (a write through the gateway, or
    /// [`Cache::clear`]): what was derived from cached records while it stood may be reused
    /// while it still stands.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Forgets everything (benchmarks start cold with it; operators may too).
    pub fn clear(&self) {
        self.invalidating();
        self.invalidating();
        self.entries.invalidate_all();
    }

    /// What every entry weighs together, in bytes as entries are weighed, once pending
    /// insertions and evictions are applied (benchmarks check that the cache is full).
    pub fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }

    pub(crate) fn lookup(&self, key: &Key) -> Lookup {
        match self.entries.get(key) {
            Some(entry) if entry.fetched.elapsed() < key.0.ttl(&self.ttl) => {
                Lookup::Fresh(entry.value.clone())
            }
            _ => Lookup::Missing,
        }
    }

    /// A record past its freshness but within the staleness allowance, and its age.
    pub(crate) fn stale(&self, key: &Key) -> Option<(Value, Duration)> {
        let entry = self.entries.get(key)?;
        let age = entry.fetched.elapsed();
        (age < key.0.ttl(&self.ttl) + self.max_stale).then(|| (entry.value.clone(), age))
    }

    /// The flight already reading `key`, if any.
    pub(crate) fn joining(&self, key: &Key) -> Option<Flight> {
        self.flights().get(key).map(|(_, flight)| flight.clone())
    }

    /// Registers `flight` (number `id`) as the read of `keys`.
    pub(crate) fn take_off(&self, keys: &[Key], flight: &Flight, id: u64) {
        let mut flights = self.flights();
        for key in keys {
            flights.insert(key.clone(), (id, flight.clone()));
        }
    }

    /// A number for a new flight, and the epoch it reads in.
    pub(crate) fn flight_id(&self) -> (u64, u64) {
        (
            self.next_flight.fetch_add(1, Ordering::Relaxed),
            self.epoch.load(Ordering::Acquire),
        )
    }

    /// Stores what flight `id`, started in `epoch`, read, unless a write invalidated since;
    /// keys it did not find are dropped (the record is gone upstream).
    pub(crate) fn land(
        &self,
        id: u64,
        epoch: u64,
        keys: &[Key],
        read: &Result<HashMap<String, Fetched>, partnergraph_core::Error>,
    ) {
        if let Ok(found) = read {
            if self.epoch.load(Ordering::Acquire) == epoch {
                let now = Instant::now();
                for key in keys {
                    match found.get(&key.1) {
                        Some(record) => self.entries.insert(
                            key.clone(),
                            Arc::new(Entry {
                                value: record.value.clone(),
                                fetched: now,
                                account: record.account.clone(),
                                weight: record
                                    .weight
                                    .saturating_add(entry_bytes(&key.1, record.account.as_deref())),
                            }),
                        ),
                        None => self.entries.invalidate(key),
                    }
                }
                // moka's count as of its last maintenance: close enough for a gauge, and
                // forcing maintenance here would put it on every miss.
                metrics::gauge!("partnergraph_cache_size_bytes")
                    .set(self.entries.weighted_size() as f64);
            }
        }
        let mut flights = self.flights();
        for key in keys {
            if flights.get(key).is_some_and(|(flight, _)| *flight == id) {
                flights.remove(key);
            }
        }
    }

    /// Forgets everything of `account`: its own record and every record or list under it.
    pub(crate) fn invalidate_account(&self, account: &str) {
        self.invalidating();
        self.forget_account(account);
    }

    fn forget_account(&self, account: &str) {
        let account = account.to_owned();
        self.forget(move |_, entry| entry.account.as_deref() == Some(account.as_str()));
    }

    /// Forgets one record and everything of the account it belonged to; when the cache does not
    /// know that account, every list of the record's type goes instead.
    pub(crate) fn invalidate_record(&self, key: &Key, list: Kind) {
        self.invalidating();
        match self
            .entries
            .get(key)
            .and_then(|entry| entry.account.clone())
        {
            Some(account) => self.forget_account(&account),
            None => self.forget(move |cached, _| cached.0 == list),
        }
        self.entries.invalidate(key);
    }

    fn invalidating(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        // Reads already on their way may have missed the write: later readers start their own.
        self.flights().clear();
    }

    fn forget(&self, predicate: impl Fn(&Key, &Arc<Entry>) -> bool + Send + Sync + 'static) {
        if let Err(error) = self.entries.invalidate_entries_if(predicate) {
            // Only possible when the cache was built without closures, which `new` never does;
            // fall back to forgetting everything rather than serving what a write changed.
            tracing::error!(%error, "cache invalidation by predicate failed; clearing the cache");
            self.entries.invalidate_all();
        }
    }
}

/// What a cache entry costs besides its value and the text of its key and account: the entry,
/// moka's node, hash-table slot and the access-order and expiry bookkeeping that go with it.
/// Measured with moka 0.12 as what the allocator holds for an entry of an empty list, less the
/// list and the two ids (`tests/weight.rs` checks it); most entries hold a few small records,
/// so this is a large share of what they weigh.
const ENTRY_OVERHEAD: usize = 384;

/// What an entry costs besides its value: [`ENTRY_OVERHEAD`] and the text of its key and
/// account (ids are as long as the upstream makes them, so they are counted, not folded in).
fn entry_bytes(key: &str, account: Option<&str>) -> u32 {
    u32::try_from(ENTRY_OVERHEAD + key.len() + account.map_or(0, str::len)).unwrap_or(u32::MAX)
}

/// What a value weighs in the cache: the memory it takes once decoded (inline and on the
/// heap), so that `max_size_mb` bounds memory, not wire bytes. Its entry adds
/// [`entry_bytes`] when it lands.
pub(crate) fn weigh<V: Serialize>(value: &V) -> u32 {
    let bytes = std::mem::size_of::<V>() + crate::heap::heap_bytes(value);
    u32::try_from(bytes).unwrap_or(u32::MAX)
}
