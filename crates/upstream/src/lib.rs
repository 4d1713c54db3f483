//! partnergraph-upstream: what stands between the gateway and each upstream connector.
//!
//! The server wraps every remote connector (Zuora, Salesforce) in the decorators of
//! [`guarded`], which implement the same core traits, so neither GraphQL nor the connectors know
//! they are there. Per upstream they add a circuit breaker ([`BreakerConfig`]) and a batch size
//! limit; across upstreams, one read [`Cache`] with a TTL per entity type, a weight budget,
//! single-flight for concurrent misses of a key, invalidation by the writes that pass through,
//! and stale records served (and reported with `core::context::served_stale`) when an upstream
//! fails. The local store is never wrapped: it is the source of truth every replica shares.

mod breaker;
mod cache;
pub mod guarded;
mod heap;

pub use breaker::{BreakerConfig, CircuitState};
pub use cache::{Cache, CacheConfig, TtlConfig};

use breaker::Breaker;
use cache::{Fetched, Key, Kind, Lookup};
use futures::future::{BoxFuture, FutureExt};
use partnergraph_core::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// How the gateway treats one upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResilienceConfig {
    /// Most requests the gateway has open at this upstream at once (Zuora caps concurrent
    /// requests per tenant; Salesforce caps long-running ones); further requests queue.
    pub max_concurrent_requests: usize,
    /// Most records one read asks for; a larger batch is split into reads sent concurrently.
    pub max_batch_size: usize,
    /// When to stop calling an upstream that fails.
    pub breaker: BreakerConfig,
}

impl Default for ResilienceConfig {
    fn default() -> Self {
        Self {
            max_concurrent_requests: 16,
            max_batch_size: 200,
            breaker: BreakerConfig::default(),
        }
    }
}

/// One upstream as the gateway guards it.
pub struct Upstream {
    name: &'static str,
    breaker: Breaker,
    cache: Option<Arc<Cache>>,
    max_batch: usize,
}

/// Reads records for cache keys (ids or parent ids) from the upstream.
type Fetch<V> =
    Arc<dyn Fn(Vec<String>) -> BoxFuture<'static, Result<HashMap<String, V>>> + Send + Sync>;

impl Upstream {
    /// Guards the upstream `name` as `config` says, reading through `cache` when there is one.
    pub fn new(
        name: &'static str,
        config: &ResilienceConfig,
        cache: Option<Arc<Cache>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            name,
            breaker: Breaker::new(name, config.breaker.clone()),
            cache,
            max_batch: config.max_batch_size.max(1),
        })
    }

    /// Where this upstream's circuit stands.
    pub fn circuit(&self) -> CircuitState {
        self.breaker.state()
    }

    /// Runs one upstream call through the circuit breaker.
    async fn call<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        let permit = self.breaker.admit()?;
        let outcome = work.await;
        self.breaker.record(permit, &outcome);
        outcome
    }

    /// Reads `keys` of `kind`: fresh cache entries as they are, keys another read is already
    /// fetching from that read, the rest in one fetch (split by the batch limit). When a fetch
    /// fails, entries within the staleness allowance stand in for it and are reported; without
    /// one the error is returned. `tag` names the account an entry belongs to, `weigh` what it
    /// takes of the cache's budget. Hits are clones of what the cache holds: a `V` that is
    /// shared (an `Arc`) costs a reference count, however many records it holds.
    async fn read<V>(
        self: &Arc<Self>,
        kind: Kind,
        keys: Vec<String>,
        tag: fn(&str, &V) -> Option<String>,
        weigh: fn(&V) -> u32,
        fetch: Fetch<V>,
    ) -> Result<HashMap<String, V>>
    where
        V: Clone + Send + Sync + 'static,
    {
        let mut keys = keys;
        keys.sort_unstable();
        keys.dedup();
        let Some(cache) = &self.cache else {
            return self.fetch(keys, &fetch).await;
        };
        let mut found = HashMap::new();
        let mut waits = Vec::new();
        let mut misses = Vec::new();
        for id in keys {
            let key = (kind, id);
            if let Lookup::Fresh(value) = cache.lookup(&key) {
                if let Some(value) = value.downcast_ref::<V>() {
                    found.insert(key.1, value.clone());
                    continue;
                }
            }
            match cache.joining(&key) {
                Some(flight) => waits.push((key.1, flight)),
                None => misses.push(key),
            }
        }
        self.count(kind, "hit", found.len());
        self.count(kind, "coalesced", waits.len());
        self.count(kind, "miss", misses.len());
        if !misses.is_empty() {
            let (id, epoch) = cache.flight_id();
            let this = self.clone();
            let landing = cache.clone();
            let keys = misses.clone();
            let flight = async move {
                let ids = keys.iter().map(|(_, id)| id.clone()).collect();
                let read = this.fetch(ids, &fetch).await.map(|records| {
                    records
                        .into_iter()
                        .map(|(id, record)| {
                            let fetched = Fetched {
                                account: tag(&id, &record),
                                weight: weigh(&record),
                                value: Arc::new(record),
                            };
                            (id, fetched)
                        })
                        .collect::<HashMap<_, _>>()
                });
                landing.land(id, epoch, &keys, &read);
                read.map(|records| {
                    Arc::new(
                        records
                            .into_iter()
                            .map(|(id, fetched)| (id, fetched.value))
                            .collect(),
                    )
                })
            }
            .boxed()
            .shared();
            cache.take_off(&misses, &flight, id);
            waits.extend(misses.into_iter().map(|(_, id)| (id, flight.clone())));
        }
        let landed = futures::future::join_all(
            waits
                .into_iter()
                .map(|(id, flight)| async move { (id, flight.await) }),
        )
        .await;
        let mut stale = None;
        let mut stale_keys = 0;
        for (id, read) in landed {
            match read {
                Ok(records) => {
                    if let Some(value) = records.get(&id).and_then(|v| v.downcast_ref::<V>()) {
                        found.insert(id, value.clone());
                    }
                }
                Err(error) => {
                    let key: Key = (kind, id);
                    let Some((value, age)) = cache.stale(&key) else {
                        return Err(error);
                    };
                    let Some(value) = value.downcast_ref::<V>() else {
                        return Err(error);
                    };
                    found.insert(key.1, value.clone());
                    stale = stale.max(Some(age));
                    stale_keys += 1;
                }
            }
        }
        if let Some(age) = stale {
            self.count(kind, "stale", stale_keys);
            partnergraph_core::context::served_stale(self.name, kind.entity(), age);
        }
        Ok(found)
    }

    /// Fetches `keys` in parts of at most the batch limit, concurrently, each through the
    /// breaker.
    async fn fetch<V>(&self, keys: Vec<String>, fetch: &Fetch<V>) -> Result<HashMap<String, V>> {
        let parts = keys
            .chunks(self.max_batch)
            .map(|part| self.call(fetch(part.to_vec())));
        let found = futures::future::try_join_all(parts).await?;
        Ok(found.into_iter().flatten().collect())
    }

    fn count(&self, kind: Kind, result: &'static str, n: usize) {
        if n > 0 {
            metrics::counter!(
                "partnergraph_cache_requests_total",
                "upstream" => self.name,
                "entity" => kind.entity(),
                "result" => result,
            )
            .increment(n as u64);
        }
    }

    fn invalidate_account(&self, account: &str) {
        if let Some(cache) = &self.cache {
            cache.invalidate_account(account);
        }
    }

    fn invalidate_record(&self, kind: Kind, id: &str, list: Kind) {
        if let Some(cache) = &self.cache {
            cache.invalidate_record(&(kind, id.to_owned()), list);
        }
    }
}
