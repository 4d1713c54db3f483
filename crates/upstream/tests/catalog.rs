//! The guard around a catalog, proved against a fake catalog that counts its reads: offers are
//! cached, and publishing one drops them, so the next read shows what was published.

// A test that cannot unwrap has failed; nothing to recover.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use partnergraph_core::ids::OfferId;
use partnergraph_core::model::Offer;
use partnergraph_core::traits::Catalog;
use partnergraph_core::{Error, Result};
use partnergraph_upstream::{guarded, Cache, CacheConfig, ResilienceConfig, Upstream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A catalog of the demo's offers that counts the reads reaching it.
struct FakeCatalog {
    offers: Mutex<Vec<Offer>>,
    reads: AtomicUsize,
}

impl FakeCatalog {
    fn new() -> Arc<Self> {
        let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
        Arc::new(Self {
            offers: Mutex::new(demo.offers),
            reads: AtomicUsize::new(0),
        })
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Catalog for FakeCatalog {
    async fn offers(&self, ids: &[OfferId]) -> Result<Vec<Offer>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let offers = self.offers.lock().unwrap();
        Ok(offers
            .iter()
            .filter(|o| ids.contains(&o.id))
            .cloned()
            .collect())
    }

    async fn all_offers(&self) -> Result<Vec<Offer>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.offers.lock().unwrap().clone())
    }

    async fn publish_offer(&self, desired: &Offer) -> Result<Offer> {
        let mut offers = self.offers.lock().unwrap();
        let offer = offers
            .iter_mut()
            .find(|o| o.id == desired.id)
            .ok_or(Error::NotFound)?;
        offer.label = desired.label.clone();
        offer.sales_channel = desired.sales_channel.clone();
        offer.eligible_partner_ids = desired.eligible_partner_ids.clone();
        Ok(offer.clone())
    }
}

#[tokio::test]
async fn publishing_an_offer_drops_the_cached_offers_so_the_next_read_shows_it() {
    let fake = FakeCatalog::new();
    let upstream = Upstream::new(
        "fake",
        &ResilienceConfig::default(),
        Some(Cache::new(&CacheConfig::default())),
    );
    let catalog = guarded::catalog(fake.clone(), &upstream);
    let first = catalog.all_offers().await.unwrap()[0].clone();
    let one = std::slice::from_ref(&first.id);
    catalog.offers(one).await.unwrap();
    catalog.all_offers().await.unwrap();
    catalog.offers(one).await.unwrap();
    assert_eq!(fake.reads(), 2, "both reads cached");

    let desired = Offer {
        label: Some("Published".to_owned()),
        sales_channel: "elsewhere".to_owned(),
        ..first.clone()
    };
    let published = catalog.publish_offer(&desired).await.unwrap();
    assert_eq!(published.label.as_deref(), Some("Published"));
    let all = catalog.all_offers().await.unwrap();
    let listed = all.iter().find(|o| o.id == first.id).unwrap();
    assert_eq!(listed.label.as_deref(), Some("Published"));
    assert_eq!(listed.sales_channel, "elsewhere");
    assert_eq!(
        catalog.offers(one).await.unwrap()[0].label.as_deref(),
        Some("Published")
    );
    assert_eq!(fake.reads(), 4, "both read again after the write");

    let unknown = Offer {
        id: OfferId::from("no-such-offer"),
        ..first
    };
    assert!(matches!(
        catalog.publish_offer(&unknown).await,
        Err(Error::NotFound)
    ));
}
