//! The cache's budget is memory: what the cache says its entries weigh is what they take.
//!
//! One test in its own binary, so that the allocator's counts are this test's alone.

// A test that cannot unwrap has failed; nothing to recover.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use partnergraph_core::filter::{CaseFilter, CaseOrderField};
use partnergraph_core::ids::{CaseId, CrmAccountId};
use partnergraph_core::model::*;
use partnergraph_core::paging::{Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Crm};
use partnergraph_core::{Error, Result};
use partnergraph_upstream::{guarded, Cache, CacheConfig, ResilienceConfig, Upstream};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A CRM that answers case reads from a fixed set; nothing else is read here.
struct Cases(Vec<Case>);

impl Cases {
    /// Copies of the cases `keep` keeps.
    fn matching(&self, keep: impl Fn(&Case) -> bool) -> Vec<Case> {
        self.0.iter().filter(|c| keep(c)).cloned().collect()
    }
}

#[async_trait]
impl Crm for Cases {
    async fn contacts_for_accounts(&self, _: &[CrmAccountId]) -> Result<Vec<Contact>> {
        Ok(Vec::new())
    }
    async fn cases(&self, ids: &[CaseId]) -> Result<Vec<Case>> {
        Ok(self.matching(|c| ids.contains(&c.id)))
    }
    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Case>> {
        Ok(self.matching(|c| ids.contains(&c.account_id)))
    }
    async fn list_cases(
        &self,
        _: &AccountSet<CrmAccountId>,
        _: &CaseFilter,
        _: Order<CaseOrderField>,
        _: &PageRequest,
    ) -> Result<Page<Case>> {
        Err(Error::internal("not read here"))
    }
    async fn create_crm_account(&self, _: &str, _: &NewCrmAccount) -> Result<CrmAccount> {
        Err(Error::internal("not written here"))
    }
    async fn save_contact(&self, _: &Contact) -> Result<()> {
        Err(Error::internal("not written here"))
    }
    async fn delete_crm_account(&self, _: &CrmAccountId) -> Result<Removed> {
        Err(Error::internal("not written here"))
    }
    async fn update_case(&self, _: &Case) -> Result<Case> {
        Err(Error::internal("not written here"))
    }
    async fn create_case(&self, _: &str, _: &NewCase) -> Result<Case> {
        Err(Error::internal("not written here"))
    }
}

/// What the cache weighs and what the allocator holds for what `read` caches, in bytes.
async fn weighed_and_held<F: std::future::Future<Output = ()>>(
    cache: &Cache,
    read: F,
) -> (u64, i64) {
    let weighed_before = cache.weighted_size();
    let region = Region::new(ALLOCATOR);
    read.await;
    let weighed = cache.weighted_size() - weighed_before;
    let change = region.change();
    // A reallocation counts as allocating its new size and freeing its old one.
    (
        weighed,
        change.bytes_allocated as i64 - change.bytes_deallocated as i64,
    )
}

// One test: two in this binary would run at once and count each other's allocations.
#[tokio::test(flavor = "current_thread")]
async fn the_cache_weighs_records_and_empty_lists_within_a_fifth_of_the_memory_they_take() {
    let world = partnergraph_demo::generate_with_load(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        2_000,
    );
    let mut accounts: Vec<CrmAccountId> =
        world.cases.iter().map(|c| c.account_id.clone()).collect();
    accounts.sort();
    accounts.dedup();
    let crm: Arc<dyn Crm> = Arc::new(Cases(world.cases));
    let cache = Cache::new(&CacheConfig::default());
    let upstream = Upstream::new("fake", &ResilienceConfig::default(), Some(cache.clone()));
    let crm = guarded::crm(crm, &upstream);
    // The first read sets up what every later read reuses (pools, maps): not entries.
    crm.cases_for_accounts(&accounts[..1]).await.unwrap();

    let (weighed, held) = weighed_and_held(&cache, async {
        for chunk in accounts[1..].chunks(100) {
            drop(crm.cases_for_accounts(chunk).await.unwrap());
        }
    })
    .await;
    assert!(accounts.len() > 1_000, "enough entries to measure");
    let ratio = weighed as f64 / held as f64;
    assert!(
        (0.8..=1.25).contains(&ratio),
        "{} entries weigh {weighed} bytes and take {held}",
        accounts.len() - 1
    );

    // Accounts without cases: each entry is the cache's own cost, an empty list and two ids
    // as long as Salesforce's.
    let empty: Vec<CrmAccountId> = (0..10_000)
        .map(|i| CrmAccountId(format!("001Hs0000{i:09}")))
        .collect();
    let (weighed, held) = weighed_and_held(&cache, async {
        for chunk in empty.chunks(100) {
            drop(crm.cases_for_accounts(chunk).await.unwrap());
        }
    })
    .await;
    let ratio = weighed as f64 / held as f64;
    assert!(
        (0.8..=1.25).contains(&ratio),
        "{} empty entries weigh {weighed} bytes and take {held}",
        empty.len()
    );
}
