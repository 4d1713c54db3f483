//! The product catalog: Zuora's products, product rate plans, their charges and price tiers,
//! read whole (four Object Queries side by side) as the portal's offers and kept for
//! [`CATALOG_TTL`](crate::CATALOG_TTL), with the per-seat charge of each plan that orders name.
//! Publishing an offer updates its plan's portal fields through CRUD
//! (`PUT /v1/object/product-rate-plan/{id}`: `SalesChannel__c`, `EligiblePartners__c`,
//! `Description` for the label) and drops the kept catalog, so the next read sees the change.

use crate::{segment, wire, ZuoraBilling, ZuoraError};
use async_trait::async_trait;
use partnergraph_core::ids::OfferId;
use partnergraph_core::model::Offer;
use partnergraph_core::traits::Catalog;
use partnergraph_core::{Error, Result};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The most characters a Zuora text custom field holds (`EligiblePartners__c`).
const CUSTOM_TEXT_LIMIT: usize = 255;

/// The product catalog as offers, with the ids an order needs.
pub(crate) struct CatalogSnapshot {
    /// The active plans, as offers.
    pub(crate) offers: Vec<Offer>,
    /// Product rate plan id → its per-seat product rate plan charge id.
    pub(crate) seat_charge: HashMap<String, String>,
}

impl ZuoraBilling {
    /// The catalog, read once per [`CATALOG_TTL`] (concurrent callers share one read).
    pub(crate) async fn snapshot(&self) -> Result<Arc<CatalogSnapshot>> {
        self.catalog
            .try_get_with((), self.read_catalog())
            .await
            .map_err(|e| (*e).clone())
    }

    /// Whether `id` is an offer of the catalog: the kept catalog says so, or else the catalog
    /// read afresh (an offer made since the kept one was read is no less there).
    async fn has_offer(&self, id: &OfferId) -> Result<bool> {
        let has = |catalog: &CatalogSnapshot| catalog.offers.iter().any(|o| &o.id == id);
        if has(&*self.snapshot().await?) {
            return Ok(true);
        }
        self.catalog.invalidate(&()).await;
        Ok(has(&*self.snapshot().await?))
    }

    async fn read_catalog(&self) -> Result<Arc<CatalogSnapshot>> {
        let (products, plans, charges, tiers) = futures::try_join!(
            self.client
                .object_query::<wire::Product>("products", &[], &[], &[]),
            self.client
                .object_query::<wire::ProductRatePlan>("product-rate-plans", &[], &[], &[]),
            self.client.object_query::<wire::ProductRatePlanCharge>(
                "product-rate-plan-charges",
                &[],
                &[],
                &[]
            ),
            self.client.object_query::<wire::ChargeTier>(
                "product-rate-plan-charge-tiers",
                &[],
                &[],
                &[]
            ),
        )?;
        let sku: HashMap<String, String> = products.into_iter().map(|p| (p.id, p.sku)).collect();
        let mut seat_charge = HashMap::new();
        let offers = plans
            .into_iter()
            .filter(|p| p.state.as_deref().is_none_or(|s| s == "Active"))
            .map(|plan| {
                let charge = charges.iter().find(|c| c.product_rate_plan_id == plan.id);
                let tier = charge
                    .and_then(|c| tiers.iter().find(|t| t.product_rate_plan_charge_id == c.id));
                if let Some(c) = charge {
                    seat_charge.insert(plan.id.clone(), c.id.clone());
                }
                let sku = sku.get(&plan.product_id).cloned().unwrap_or_default();
                plan.into_offer(sku, charge, tier)
            })
            .collect();
        Ok(Arc::new(CatalogSnapshot {
            offers,
            seat_charge,
        }))
    }
}

#[async_trait]
impl Catalog for ZuoraBilling {
    async fn offers(&self, ids: &[OfferId]) -> Result<Vec<Offer>> {
        let catalog = self.snapshot().await?;
        Ok(catalog
            .offers
            .iter()
            .filter(|o| ids.contains(&o.id))
            .cloned()
            .collect())
    }

    async fn all_offers(&self) -> Result<Vec<Offer>> {
        Ok(self.snapshot().await?.offers.clone())
    }

    async fn publish_offer(&self, desired: &Offer) -> Result<Offer> {
        // Only an offer of the catalog is published: an inactive plan is no offer, and is not
        // made one by writing its fields.
        if !self.has_offer(&desired.id).await? {
            return Err(Error::NotFound);
        }
        let id = segment(desired.id.as_str()).ok_or(Error::NotFound)?;
        let partners: Vec<&str> = desired
            .eligible_partner_ids
            .iter()
            .map(|p| p.as_str())
            .collect();
        let partners = partners.join(",");
        if partners.len() > CUSTOM_TEXT_LIMIT {
            // Zuora would refuse the write as a whole; the caller can name fewer partners.
            return Err(Error::bad_input(
                "eligiblePartnerIds",
                format!(
                    "the billing system keeps at most {CUSTOM_TEXT_LIMIT} characters of \
                     eligible partner ids; restrict the offer to fewer partners"
                ),
            ));
        }
        // Every field is set to a value, so sending the update again changes nothing: it needs
        // no `Idempotency-Key` (Zuora takes none on PUT). An empty description is no label, as
        // `into_offer` reads it.
        let body = json!({
            "SalesChannel__c": desired.sales_channel,
            "EligiblePartners__c": partners,
            "Description": desired.label.as_deref().unwrap_or_default(),
        });
        let written = self
            .client
            .write::<serde::de::IgnoredAny>(
                reqwest::Method::PUT,
                &format!("/v1/object/product-rate-plan/{id}"),
                Some(&body),
                None,
            )
            .await;
        // Dropped whatever the answer: a failed write may still have changed the plan.
        self.catalog.invalidate(&()).await;
        match written {
            Ok(_) => {}
            Err(ZuoraError::NotFound) => return Err(Error::NotFound),
            Err(e) => return Err(e.into()),
        }
        self.offers(std::slice::from_ref(&desired.id))
            .await?
            .pop()
            .ok_or(Error::NotFound)
    }
}
