//! The guard around an upstream, proved against a fake CRM that counts what reaches it: how many
//! calls a read costs, what writes invalidate, single-flight, stale-on-error and the breaker.

// A test that cannot unwrap has failed; nothing to recover.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use partnergraph_core::context::observing_staleness;
use partnergraph_core::filter::CaseFilter;
use partnergraph_core::ids::{CaseId, CrmAccountId};
use partnergraph_core::model::*;
use partnergraph_core::paging::{Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Crm};
use partnergraph_core::{Error, Result, UpstreamError};
use partnergraph_upstream::{
    guarded, BreakerConfig, Cache, CacheConfig, CircuitState, ResilienceConfig, TtlConfig, Upstream,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A CRM whose every read is logged (the keys it was asked for) and can be made to fail.
#[derive(Default)]
struct FakeCrm {
    cases: Mutex<Vec<Case>>,
    reads: Mutex<Vec<Vec<String>>>,
    down: AtomicBool,
    delay: Duration,
}

impl FakeCrm {
    fn with_delay(delay: Duration) -> Arc<Self> {
        let crm = FakeCrm {
            delay,
            ..FakeCrm::default()
        };
        for (id, account) in [
            ("c1", "A"),
            ("c2", "A"),
            ("c3", "B"),
            ("c4", "C"),
            ("c5", "D"),
        ] {
            crm.cases.lock().unwrap().push(case(id, account, "open"));
        }
        Arc::new(crm)
    }

    fn reads(&self) -> Vec<Vec<String>> {
        self.reads.lock().unwrap().clone()
    }

    async fn read(&self, keys: Vec<String>) -> Result<()> {
        self.reads.lock().unwrap().push(keys);
        tokio::time::sleep(self.delay).await;
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::Upstream(UpstreamError::Unavailable("503".into())));
        }
        Ok(())
    }

    fn cases_where(&self, keep: impl Fn(&Case) -> bool) -> Vec<Case> {
        self.cases
            .lock()
            .unwrap()
            .iter()
            .filter(|c| keep(c))
            .cloned()
            .collect()
    }
}

fn case(id: &str, account: &str, subject: &str) -> Case {
    Case {
        id: CaseId(id.into()),
        number: id.into(),
        account_id: CrmAccountId(account.into()),
        subject: subject.into(),
        description: String::new(),
        status: CaseStatus::New,
        priority: CasePriority::Medium,
        created_at: chrono::DateTime::UNIX_EPOCH,
        comments: Vec::new(),
    }
}

#[async_trait]
impl Crm for FakeCrm {
    async fn contacts_for_accounts(&self, _: &[CrmAccountId]) -> Result<Vec<Contact>> {
        Ok(Vec::new())
    }
    async fn cases(&self, ids: &[CaseId]) -> Result<Vec<Case>> {
        self.read(ids.iter().map(|i| i.0.clone()).collect()).await?;
        Ok(self.cases_where(|c| ids.contains(&c.id)))
    }
    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Case>> {
        self.read(ids.iter().map(|i| i.0.clone()).collect()).await?;
        Ok(self.cases_where(|c| ids.contains(&c.account_id)))
    }
    async fn list_cases(
        &self,
        _: &AccountSet<CrmAccountId>,
        _: &CaseFilter,
        _: Order<partnergraph_core::filter::CaseOrderField>,
        _: &PageRequest,
    ) -> Result<Page<Case>> {
        Err(Error::internal("not used"))
    }
    async fn create_crm_account(&self, _: &str, _: &NewCrmAccount) -> Result<CrmAccount> {
        Err(Error::internal("not used"))
    }
    async fn save_contact(&self, _: &Contact) -> Result<()> {
        Ok(())
    }
    async fn delete_crm_account(&self, _: &CrmAccountId) -> Result<Removed> {
        Err(Error::internal("not used"))
    }
    async fn update_case(&self, desired: &Case) -> Result<Case> {
        tokio::time::sleep(self.delay / 2).await;
        let mut cases = self.cases.lock().unwrap();
        for case in cases.iter_mut().filter(|c| c.id == desired.id) {
            *case = desired.clone();
        }
        Ok(desired.clone())
    }
    async fn create_case(&self, _: &str, _: &NewCase) -> Result<Case> {
        Err(Error::internal("not used"))
    }
}

fn config(ttl: u64, max_stale: u64) -> CacheConfig {
    CacheConfig {
        max_stale_secs: max_stale,
        ttl_secs: TtlConfig {
            cases: ttl,
            ..TtlConfig::default()
        },
        ..CacheConfig::default()
    }
}

/// The fake behind a guard with a cache of `config` (none when `None`).
fn guarded(
    fake: &Arc<FakeCrm>,
    cache: Option<CacheConfig>,
    resilience: ResilienceConfig,
) -> (Arc<dyn Crm>, Arc<Upstream>) {
    let upstream = Upstream::new("fake", &resilience, cache.as_ref().map(Cache::new));
    (guarded::crm(fake.clone(), &upstream), upstream)
}

/// The fake behind a guard whose cache keeps cases for a minute, and a minute past that on
/// errors.
fn cached(fake: &Arc<FakeCrm>) -> Arc<dyn Crm> {
    guarded(fake, Some(config(60, 60)), ResilienceConfig::default()).0
}

/// A fake behind [`cached`] whose guard has read accounts A and B already: where the tests of
/// what a later read or write does to cached entries start.
async fn cached_after_reading_a_and_b() -> (Arc<FakeCrm>, Arc<dyn Crm>) {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    let crm = cached(&fake);
    crm.cases_for_accounts(&accounts(&["A", "B"]))
        .await
        .unwrap();
    (fake, crm)
}

fn accounts(ids: &[&str]) -> Vec<CrmAccountId> {
    ids.iter().map(|id| CrmAccountId((*id).into())).collect()
}

fn subjects(mut cases: Vec<Case>) -> Vec<String> {
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    cases
        .into_iter()
        .map(|c| format!("{}:{}", c.id, c.subject))
        .collect()
}

#[tokio::test]
async fn cached_keys_are_not_read_again_and_only_the_missing_ones_are() {
    let (fake, crm) = cached_after_reading_a_and_b().await;
    let cases = crm
        .cases_for_accounts(&accounts(&["A", "B", "C", "E"]))
        .await
        .unwrap();
    assert_eq!(
        subjects(cases),
        ["c1:open", "c2:open", "c3:open", "c4:open"]
    );
    // An account without cases ("E") is an answer too: asked once.
    crm.cases_for_accounts(&accounts(&["E", "C"]))
        .await
        .unwrap();
    assert_eq!(fake.reads(), vec![vec!["A", "B"], vec!["C", "E"]]);
}

#[tokio::test]
async fn concurrent_misses_for_the_same_keys_cost_one_upstream_call() {
    let fake = FakeCrm::with_delay(Duration::from_millis(50));
    let crm = cached(&fake);
    let reads = (0..20).map(|i| {
        let crm = crm.clone();
        // Half ask for A and B, half for B and C: B is read once, by whoever came first.
        let ids = if i % 2 == 0 { ["A", "B"] } else { ["B", "C"] };
        tokio::spawn(async move { crm.cases_for_accounts(&accounts(&ids)).await })
    });
    for read in futures::future::join_all(reads).await {
        assert!(!read.unwrap().unwrap().is_empty());
    }
    let mut asked: Vec<String> = fake.reads().into_iter().flatten().collect();
    asked.sort();
    assert_eq!(asked, ["A", "B", "C"], "each key reached the upstream once");
    assert!(fake.reads().len() <= 2);
}

#[tokio::test]
async fn a_write_invalidates_its_account_and_nothing_else() {
    let (fake, crm) = cached_after_reading_a_and_b().await;
    crm.cases(&[CaseId("c1".into()), CaseId("c3".into())])
        .await
        .unwrap();
    assert_eq!(fake.reads().len(), 2);

    crm.update_case(&case("c1", "A", "escalated"))
        .await
        .unwrap();

    // A's list and A's case are read again and show the write; B's are still cached.
    let listed = crm
        .cases_for_accounts(&accounts(&["A", "B"]))
        .await
        .unwrap();
    assert_eq!(subjects(listed), ["c1:escalated", "c2:open", "c3:open"]);
    let by_id = crm
        .cases(&[CaseId("c1".into()), CaseId("c3".into())])
        .await
        .unwrap();
    assert_eq!(subjects(by_id), ["c1:escalated", "c3:open"]);
    assert_eq!(&fake.reads()[2..], [vec!["A"], vec!["c1"]]);
}

#[tokio::test]
async fn a_read_that_overlaps_a_write_does_not_cache_what_it_read_before_the_write() {
    let fake = FakeCrm::with_delay(Duration::from_millis(60));
    let crm = cached(&fake);
    let reader = {
        let crm = crm.clone();
        tokio::spawn(async move { crm.cases_for_accounts(&accounts(&["A"])).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    crm.update_case(&case("c1", "A", "escalated"))
        .await
        .unwrap();
    reader.await.unwrap().unwrap();
    let after = crm.cases_for_accounts(&accounts(&["A"])).await.unwrap();
    assert_eq!(subjects(after), ["c1:escalated", "c2:open"]);
    assert_eq!(
        fake.reads().len(),
        2,
        "the read after the write went upstream"
    );
}

#[tokio::test]
async fn a_failing_upstream_is_answered_from_stale_entries_and_the_response_says_so() {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    // Entries are never fresh, but may stand in for an hour.
    let (crm, _) = guarded(&fake, Some(config(0, 3600)), ResilienceConfig::default());
    crm.cases_for_accounts(&accounts(&["A"])).await.unwrap();
    fake.down.store(true, Ordering::SeqCst);

    let (stale, marks) = observing_staleness(crm.cases_for_accounts(&accounts(&["A"]))).await;
    assert_eq!(subjects(stale.unwrap()), ["c1:open", "c2:open"]);
    assert_eq!(marks.len(), 1);
    assert_eq!((marks[0].upstream, marks[0].entity), ("fake", "cases"));
    assert_eq!(fake.reads().len(), 2, "the upstream was asked first");

    // What was never read has nothing to stand in for it.
    let (cold, marks) = observing_staleness(crm.cases_for_accounts(&accounts(&["B"]))).await;
    assert!(matches!(
        cold,
        Err(Error::Upstream(UpstreamError::Unavailable(_)))
    ));
    assert!(marks.is_empty());
}

#[tokio::test(start_paused = true)]
async fn stale_entries_stand_in_only_within_the_staleness_allowance() {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    let (crm, _) = guarded(&fake, Some(config(10, 20)), ResilienceConfig::default());
    crm.cases_for_accounts(&accounts(&["A"])).await.unwrap();
    fake.down.store(true, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(25)).await;
    assert!(crm.cases_for_accounts(&accounts(&["A"])).await.is_ok());
    tokio::time::advance(Duration::from_secs(10)).await;
    assert!(crm.cases_for_accounts(&accounts(&["A"])).await.is_err());
}

fn tripping() -> ResilienceConfig {
    ResilienceConfig {
        breaker: BreakerConfig {
            failure_ratio: 0.5,
            min_calls: 3,
            window_secs: 60,
            open_secs: 30,
        },
        ..ResilienceConfig::default()
    }
}

#[tokio::test(start_paused = true)]
async fn an_open_circuit_fails_calls_without_reaching_the_upstream_until_a_probe_succeeds() {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    let (crm, upstream) = guarded(&fake, None, tripping());
    fake.down.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        assert!(crm.cases_for_accounts(&accounts(&["A"])).await.is_err());
    }
    assert_eq!(upstream.circuit(), CircuitState::Open);
    for _ in 0..100 {
        let refused = crm.cases_for_accounts(&accounts(&["A"])).await;
        assert!(matches!(
            refused,
            Err(Error::Upstream(UpstreamError::Unavailable(_)))
        ));
    }
    assert_eq!(
        fake.reads().len(),
        3,
        "nothing reached the upstream while open"
    );

    // After the pause one probe goes through; the upstream is still down: open again.
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(crm.cases_for_accounts(&accounts(&["A"])).await.is_err());
    assert_eq!(fake.reads().len(), 4);
    assert_eq!(upstream.circuit(), CircuitState::Open);

    // The next probe finds it back: closed, and calls flow again.
    fake.down.store(false, Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(crm.cases_for_accounts(&accounts(&["A"])).await.is_ok());
    assert_eq!(upstream.circuit(), CircuitState::Closed);
    assert!(crm.cases_for_accounts(&accounts(&["B"])).await.is_ok());
    assert_eq!(fake.reads().len(), 6);
}

#[tokio::test(start_paused = true)]
async fn with_the_circuit_open_cached_records_are_still_served_stale() {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    let (crm, upstream) = guarded(&fake, Some(config(0, 3600)), tripping());
    crm.cases_for_accounts(&accounts(&["A"])).await.unwrap();
    fake.down.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        let _ = crm.cases_for_accounts(&accounts(&["B"])).await;
    }
    assert_eq!(upstream.circuit(), CircuitState::Open);
    let reads = fake.reads().len();
    let (stale, marks) = observing_staleness(crm.cases_for_accounts(&accounts(&["A"]))).await;
    assert_eq!(subjects(stale.unwrap()), ["c1:open", "c2:open"]);
    assert_eq!(marks.len(), 1);
    assert_eq!(
        fake.reads().len(),
        reads,
        "answered without asking the upstream"
    );
}

#[tokio::test]
async fn a_batch_larger_than_the_limit_is_split_into_concurrent_reads() {
    let fake = FakeCrm::with_delay(Duration::from_millis(20));
    let limited = ResilienceConfig {
        max_batch_size: 2,
        ..ResilienceConfig::default()
    };
    let (crm, _) = guarded(&fake, None, limited);
    let cases = crm
        .cases_for_accounts(&accounts(&["A", "B", "C", "D", "E"]))
        .await
        .unwrap();
    assert_eq!(cases.len(), 5);
    assert_eq!(
        fake.reads(),
        vec![vec!["A", "B"], vec!["C", "D"], vec!["E"]]
    );
}

#[tokio::test]
async fn without_a_cache_every_read_reaches_the_upstream() {
    let fake = FakeCrm::with_delay(Duration::ZERO);
    let (crm, _) = guarded(&fake, None, ResilienceConfig::default());
    for _ in 0..3 {
        crm.cases_for_accounts(&accounts(&["A"])).await.unwrap();
    }
    assert_eq!(fake.reads().len(), 3);
}
