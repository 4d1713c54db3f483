//! partnergraph-zuora: billing (and, when configured, the catalog) over Zuora's REST API.
//!
//! Reads are batch-first: a DataLoader hands over the keys of a whole page and each becomes one
//! Object Query with `filter[]=field.IN:[…]` (split every 50 ids, every page followed), so a
//! 50-customer page costs one request per record type, not one per customer. Links Object Query
//! does not expose (which invoice a payment paid) come from one ZOQL query per batch.
//!
//! Ids are Zuora's: a billing account id is the Zuora account id, a subscription id the
//! subscription's id, and an offer id the id of the product rate plan it sells. The catalog
//! (products, product rate plans, their charges and price tiers, with the portal's offer code,
//! sales channel and eligible partners in the custom fields `OfferCode__c`, `SalesChannel__c`,
//! `EligiblePartners__c`, its label in the plan's `description`) is small and changes rarely:
//! it is read whole and kept for [`CATALOG_TTL`], and dropped when the connector publishes an
//! offer.
//!
//! Writes carry an `Idempotency-Key` derived from the journal's step key, so a resumed or
//! retried step gets Zuora's first answer instead of a second account, subscription or payment.
//! Updates that set fields to values (an account's `crmId`, the link to its Salesforce Account,
//! through `PUT /v1/accounts/{key}`; an offer's custom fields and description through CRUD's
//! `PUT /v1/object/product-rate-plan/{id}`) are idempotent by themselves.
//!
//! This file holds the connector and its [`Billing`] implementation (the writes as orders);
//! the batch reads it builds on are in `reads`, the catalog in `catalog`, the HTTP client in
//! `client` and Zuora's record shapes in `wire`.

mod catalog;
mod client;
mod reads;
mod wire;

pub use client::{ZuoraClient, ZuoraConfig, ZuoraError};

use async_trait::async_trait;
use chrono::NaiveDate;
use partnergraph_core::filter::{
    InvoiceFilter, InvoiceOrderField, SubscriptionFilter, SubscriptionOrderField,
};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::paging::{select, Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Billing};
use partnergraph_core::Result;
use reads::SUBSCRIPTION_EXPAND;
use serde_json::{json, Value};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long a read of the product catalog is kept.
pub const CATALOG_TTL: Duration = Duration::from_secs(300);
/// The Object Query field of a record's account.
pub(crate) const ACCOUNT_ID: &str = "accountid";

/// Zuora as partnergraph's billing system and, optionally, its catalog.
pub struct ZuoraBilling {
    client: ZuoraClient,
    catalog: moka::future::Cache<(), Arc<catalog::CatalogSnapshot>>,
}

impl ZuoraBilling {
    /// A connector over `client`.
    pub fn new(client: ZuoraClient) -> Self {
        Self {
            client,
            catalog: moka::future::Cache::builder()
                .max_capacity(1)
                .time_to_live(CATALOG_TTL)
                .build(),
        }
    }

    /// Places an order; returns the ids of the subscriptions it touched.
    async fn order(&self, key: &str, order: &Value) -> Result<Vec<String>> {
        let created: wire::OrderCreated =
            self.create("/v1/orders?returnIds=true", key, order).await?;
        Ok(created.subscription_ids)
    }

    /// Sends a delete (`method` being the one Zuora takes for the resource): `false` when the
    /// record was already gone, which is no failure, so that deleting is idempotent.
    async fn delete(&self, method: reqwest::Method, path: &str) -> Result<bool> {
        match self.client.write::<Value>(method, path, None, None).await {
            Ok(_) => Ok(true),
            Err(ZuoraError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// POSTs a create to `path` under the `Idempotency-Key` of `key`, so that a resumed or
    /// retried journal step gets Zuora's first answer instead of creating the record again.
    async fn create<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        body: &Value,
    ) -> Result<T> {
        Ok(self
            .client
            .write(
                reqwest::Method::POST,
                path,
                Some(body),
                Some(&idempotency_key(key)),
            )
            .await?)
    }
}

/// A journal step key as an `Idempotency-Key` (at most 255 characters): itself when it fits,
/// else its hash.
fn idempotency_key(key: &str) -> String {
    if key.len() <= 255 && key.is_ascii() {
        key.to_owned()
    } else {
        partnergraph_core::write::derived_id("pg", key)
    }
}

/// A record key (Zuora's id or number) as one URL path segment, percent-encoded so that a key
/// holding `/`, `?` or `%` names no other resource than the record; `None` for a key no record
/// has and a URL would not keep as a segment (empty, or dots only: "here", "the parent").
pub(crate) fn segment(key: &str) -> Option<String> {
    if key.bytes().all(|b| b == b'.') {
        return None;
    }
    Some(
        key.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect(),
    )
}

fn strs<T: AsRef<str>>(ids: &[T]) -> Vec<&str> {
    ids.iter().map(AsRef::as_ref).collect()
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn page_of<T: partnergraph_core::paging::Listable>(
    rows: Vec<T>,
    filter: &T::Filter,
    order: Order<T::Field>,
    page: &PageRequest,
) -> Page<T> {
    select(rows, filter, order, page, today())
}

/// The ids of the accounts a root list covers, as reads take them: `None` for every account.
/// Zuora cannot filter or order as core's paging does, so a list is one read of these
/// accounts' records, paged in memory ([`page_of`]).
fn account_ids(accounts: &AccountSet<BillingAccountId>) -> Option<Vec<&str>> {
    match accounts {
        AccountSet::All => None,
        AccountSet::Only(ids) => Some(strs(ids)),
    }
}

#[async_trait]
impl Billing for ZuoraBilling {
    async fn list_subscriptions(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &SubscriptionFilter,
        order: Order<SubscriptionOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Subscription>> {
        let ids = account_ids(accounts);
        let rows = self.read_subscriptions(ids.as_deref().map(|ids| (ACCOUNT_ID, ids)));
        Ok(page_of(rows.await?, filter, order, page))
    }

    async fn list_invoices(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &InvoiceFilter,
        order: Order<InvoiceOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Invoice>> {
        let ids = account_ids(accounts);
        let rows = self.read_invoices(ids.as_deref().map(|ids| (ACCOUNT_ID, ids)));
        Ok(page_of(rows.await?, filter, order, page))
    }

    async fn accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<BillingAccount>> {
        Ok(self
            .read_accounts(&strs(ids))
            .await?
            .into_iter()
            .map(wire::Account::into_core)
            .collect())
    }

    async fn account_by_number(&self, number: &str) -> Result<Option<BillingAccount>> {
        let rows: Vec<wire::Account> = self
            .client
            .object_query(
                "accounts",
                &[format!("accountnumber.EQ:{number}")],
                &[],
                &[],
            )
            .await?;
        // Object Query compares case-insensitively; an account number is exact.
        Ok(rows
            .into_iter()
            .find(|a| a.account_number == number)
            .map(wire::Account::into_core))
    }

    async fn subscriptions(&self, ids: &[SubscriptionId]) -> Result<Vec<Subscription>> {
        self.read_subscriptions(Some(("id", &strs(ids)))).await
    }

    async fn subscriptions_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<Subscription>> {
        self.read_subscriptions(Some((ACCOUNT_ID, &strs(ids))))
            .await
    }

    async fn invoices(&self, ids: &[InvoiceId]) -> Result<Vec<Invoice>> {
        self.read_invoices(Some(("id", &strs(ids)))).await
    }

    async fn invoices_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Invoice>> {
        self.read_invoices(Some((ACCOUNT_ID, &strs(ids)))).await
    }

    async fn payments(&self, ids: &[PaymentId]) -> Result<Vec<Payment>> {
        self.read_payments("id", &strs(ids)).await
    }

    async fn payments_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Payment>> {
        self.read_payments(ACCOUNT_ID, &strs(ids)).await
    }

    async fn payment_methods(&self, ids: &[PaymentMethodId]) -> Result<Vec<PaymentMethod>> {
        self.read_payment_methods("id", &strs(ids)).await
    }

    async fn payment_methods_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<PaymentMethod>> {
        self.read_payment_methods(ACCOUNT_ID, &strs(ids)).await
    }

    async fn create_billing_account(
        &self,
        key: &str,
        account: &NewBillingAccount,
    ) -> Result<BillingAccount> {
        let contact = json!({ "firstName": account.name, "lastName": account.name });
        let mut body = json!({
            "name": account.name,
            "currency": account.currency,
            // 0: Zuora sets the bill cycle day from the first subscription.
            "billCycleDay": 0,
            "autoPay": false,
            "billToContact": contact,
            "soldToContact": contact,
        });
        if let Some(parent) = &account.parent_id {
            body["parentId"] = json!(parent.as_str());
        }
        let created: wire::AccountCreated = self.create("/v1/accounts", key, &body).await?;
        Ok(BillingAccount {
            id: BillingAccountId(created.account_id),
            account_number: created.account_number,
            name: account.name.clone(),
            balance: Money::new(rust_decimal::Decimal::ZERO, account.currency.clone()),
            parent_id: account.parent_id.clone(),
            crm_id: None,
        })
    }

    async fn link_crm_account(&self, id: &BillingAccountId, crm: &CrmAccountId) -> Result<()> {
        // A PUT sets the field to a value, so sending it again changes nothing: it needs no
        // `Idempotency-Key` (which Zuora takes on POST and PATCH only), and a caller unsure
        // whether it went through may simply repeat it.
        let key = segment(id.as_str()).ok_or(partnergraph_core::Error::NotFound)?;
        let path = format!("/v1/accounts/{key}");
        let body = json!({ "crmId": crm.as_str() });
        self.client
            .write::<serde::de::IgnoredAny>(reqwest::Method::PUT, &path, Some(&body), None)
            .await?;
        Ok(())
    }

    async fn delete_billing_account(&self, id: &BillingAccountId) -> Result<Removed> {
        let ids = std::slice::from_ref(id);
        let key = [id.as_str()];
        let (subscriptions, invoices, payments, methods) = futures::try_join!(
            self.subscriptions_for_accounts(ids),
            async {
                Ok(self
                    .client
                    .object_query_in::<wire::Invoice>("invoices", ACCOUNT_ID, &key, &[])
                    .await?)
            },
            async {
                Ok(self
                    .client
                    .object_query_in::<wire::Payment>("payments", ACCOUNT_ID, &key, &[])
                    .await?)
            },
            async {
                Ok(self
                    .client
                    .object_query_in::<wire::PaymentMethod>(
                        "payment-methods",
                        ACCOUNT_ID,
                        &key,
                        &[],
                    )
                    .await?)
            },
        )?;
        let Some(key) = segment(id.as_str()) else {
            return Ok(Removed::default());
        };
        let path = format!("/v1/accounts/{key}");
        if !self.delete(reqwest::Method::DELETE, &path).await? {
            return Ok(Removed::default());
        }
        Ok(Removed {
            subscriptions: subscriptions.len() as u64,
            invoices: invoices.len() as u64,
            payments: payments.len() as u64,
            payment_methods: methods.len() as u64,
            ..Removed::default()
        })
    }

    async fn create_subscription(&self, key: &str, new: &NewSubscription) -> Result<Subscription> {
        let owner = self.account(new.account_id.as_str()).await?;
        // Consolidated billing: the partner (the parent account) places the order and is the
        // invoice owner; the customer's account owns the subscription.
        let invoice_owner_id = match (new.invoice_owner, &owner.parent_id) {
            (InvoiceOwner::Partner, Some(parent)) => parent.clone(),
            _ => owner.id.clone(),
        };
        let catalog = self.snapshot().await?;
        let plan = new.offer.id.as_str();
        let charge = catalog.seat_charge.get(plan).cloned().ok_or_else(|| {
            partnergraph_core::Error::bad_input("offerId", "the offer is not in Zuora's catalog")
        })?;
        let months = match new.offer.billing_period {
            BillingPeriod::Monthly | BillingPeriod::Annual => 12,
        };
        let order = json!({
            "orderDate": new.start_date.to_string(),
            "existingAccountId": invoice_owner_id,
            "subscriptions": [{ "orderActions": [{
                "type": "CreateSubscription",
                "triggerDates": trigger_dates(&new.start_date.to_string()),
                "createSubscription": {
                    "subscriptionOwnerAccountNumber": owner.account_number,
                    "terms": {
                        "initialTerm": { "period": months, "periodType": "Month", "termType": "TERMED" },
                        "renewalSetting": "RENEW_WITH_SPECIFIC_TERM",
                        "renewalTerms": [{ "period": months, "periodType": "Month" }],
                        "autoRenew": true,
                    },
                    "subscribeToRatePlans": [{
                        "productRatePlanId": plan,
                        "chargeOverrides": [{
                            "productRatePlanChargeId": charge,
                            "pricing": { "recurringPerUnit": { "quantity": new.quantity } },
                        }],
                    }],
                },
            }] }],
        });
        let ids = self.order(key, &order).await?;
        let id = ids
            .first()
            .ok_or_else(|| ZuoraError::Decode("/v1/orders: subscriptionIds".to_owned()))?;
        // The order is placed: whatever reading it back answers, it is no refusal of the order
        // (which would tell the caller's undo that nothing was created).
        self.subscription(id).await.map_err(|e| {
            tracing::warn!(error = %e, "reading a placed order's subscription back failed");
            ZuoraError::Unavailable("order read-back".to_owned()).into()
        })
    }

    async fn update_subscription(&self, key: &str, desired: &Subscription) -> Result<Subscription> {
        let current = self
            .client
            .object_query_in::<wire::Subscription>(
                "subscriptions",
                "id",
                &[desired.id.as_str()],
                SUBSCRIPTION_EXPAND,
            )
            .await?
            .pop()
            .ok_or(partnergraph_core::Error::from(ZuoraError::NotFound))?;
        let today = today().to_string();
        let mut actions = Vec::new();
        let plan = current.plan();
        let current_offer = plan.and_then(|p| p.product_rate_plan_id.as_deref());
        let desired_offer = desired.offer_id.as_ref().map(OfferId::as_str);
        if desired_offer.is_some() && desired_offer != current_offer {
            let new_plan = desired_offer.unwrap_or_default();
            let catalog = self.snapshot().await?;
            let charge = catalog.seat_charge.get(new_plan).cloned().ok_or_else(|| {
                partnergraph_core::Error::bad_input(
                    "offerId",
                    "the offer is not in Zuora's catalog",
                )
            })?;
            if let Some(old) = plan {
                actions.push(json!({ "type": "RemoveProduct",
                    "triggerDates": trigger_dates(&today),
                    "removeProduct": { "ratePlanId": old.id } }));
            }
            actions.push(json!({ "type": "AddProduct",
                "triggerDates": trigger_dates(&today),
                "addProduct": { "productRatePlanId": new_plan, "chargeOverrides": [{
                    "productRatePlanChargeId": charge,
                    "pricing": { "recurringPerUnit": { "quantity": desired.quantity } } }] } }));
        } else if let Some(plan) = plan {
            let quantity: i64 = plan
                .rate_plan_charges
                .iter()
                .filter_map(|c| c.quantity)
                .sum();
            if quantity != desired.quantity {
                let charge = plan
                    .rate_plan_charges
                    .first()
                    .and_then(|c| c.charge_number.clone())
                    .unwrap_or_default();
                actions.push(json!({ "type": "UpdateProduct",
                    "triggerDates": trigger_dates(&today),
                    "updateProduct": { "ratePlanId": plan.id, "chargeUpdates": [{
                        "chargeNumber": charge,
                        "pricing": { "recurringPerUnit": { "quantity": desired.quantity } } }] } }));
            }
        }
        if desired.status == SubscriptionStatus::Cancelled
            && !matches!(current.status.as_str(), "Cancelled")
        {
            let on = desired
                .term_end_date
                .unwrap_or_else(crate::today)
                .to_string();
            actions.push(json!({ "type": "CancelSubscription",
                "triggerDates": trigger_dates(&on),
                "cancelSubscription": { "cancellationPolicy": "SpecificDate",
                                        "cancellationEffectiveDate": on } }));
        } else if desired.auto_renew != current.auto_renew {
            actions.push(json!({ "type": "TermsAndConditions",
                "triggerDates": trigger_dates(&today),
                "termsAndConditions": { "autoRenew": desired.auto_renew } }));
        }
        if actions.is_empty() {
            return self.subscription(desired.id.as_str()).await;
        }
        let order = json!({
            "orderDate": today,
            "existingAccountId": current.invoice_owner_id.as_deref().unwrap_or(&current.account_id),
            "subscriptions": [{ "subscriptionNumber": current.name, "orderActions": actions }],
        });
        let ids = self.order(key, &order).await?;
        // An amendment may give the subscription a new version (and id); read the latest.
        let latest = ids.first().map_or(desired.id.as_str(), String::as_str);
        let mut updated = self.subscription(latest).await?;
        if desired.status == SubscriptionStatus::Cancelled {
            // Cancelled "on" a date: Zuora reports it cancelled from that date on.
            updated.term_end_date = updated.term_end_date.or(desired.term_end_date);
        }
        Ok(updated)
    }

    async fn delete_subscription(&self, id: &SubscriptionId) -> Result<()> {
        // Zuora takes a subscription's id or number as its key.
        let Some(key) = segment(id.as_str()) else {
            return Ok(());
        };
        let path = format!("/v1/subscriptions/{key}/delete");
        self.delete(reqwest::Method::PUT, &path).await.map(|_| ())
    }

    async fn apply_payment(&self, key: &str, new: &NewPayment) -> Result<Payment> {
        let invoice = self
            .client
            .object_query_in::<wire::Invoice>("invoices", "id", &[new.invoice_id.as_str()], &[])
            .await?
            .pop()
            .ok_or(partnergraph_core::Error::from(ZuoraError::NotFound))?;
        let body = json!({
            "accountId": invoice.account_id,
            "amount": amount(new.amount.amount),
            "currency": new.amount.currency,
            "effectiveDate": new.effective_date.to_string(),
            "paymentMethodId": new.payment_method_id.as_str(),
            "type": "Electronic",
            "invoices": [{ "invoiceId": invoice.id, "amount": amount(new.amount.amount) }],
        });
        let created: wire::Payment = self.create("/v1/payments", key, &body).await?;
        Ok(created.into_core(
            Some(new.invoice_id.as_str().to_owned()),
            new.amount.currency.clone(),
        ))
    }
}

/// An amount as the JSON number Zuora expects, written from the decimal's own digits.
fn amount(d: rust_decimal::Decimal) -> Value {
    // serde_json prints a number's shortest round-trip form, so an amount of up to 15
    // significant digits (every amount in cents) goes out exactly as the decimal reads.
    serde_json::Number::from_str(&d.normalize().to_string())
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// The dates an order action takes effect: all three on `on`.
fn trigger_dates(on: &str) -> Value {
    json!([
        { "name": "ContractEffective", "triggerDate": on },
        { "name": "ServiceActivation", "triggerDate": on },
        { "name": "CustomerAcceptance", "triggerDate": on },
    ])
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn a_key_stays_one_path_segment() {
        let id = "8ad09be48db5aba7018db604776d4854";
        assert_eq!(segment(id).as_deref(), Some(id));
        assert_eq!(segment("A-S00000001").as_deref(), Some("A-S00000001"));
        assert_eq!(
            segment("../orders?x=1%").as_deref(),
            Some("..%2Forders%3Fx%3D1%25")
        );
        assert_eq!(segment(".."), None);
        assert_eq!(segment(""), None);
    }
}
