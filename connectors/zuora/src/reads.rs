//! The batch reads of billing records: each a handful of Object Queries whatever the number of
//! keys (split every 50 ids, every page followed), plus the links Object Query does not expose
//! (which invoice a payment paid) from one ZOQL query per 200 payments.

use crate::{wire, ZuoraBilling, ZuoraError, ACCOUNT_ID};
use partnergraph_core::model::*;
use partnergraph_core::Result;
use std::collections::HashMap;

/// Conditions per ZOQL `where` clause (Zuora allows 200).
const ZOQL_CONDITIONS: usize = 200;
/// What a subscription read expands: its rate plans and their charges.
pub(crate) const SUBSCRIPTION_EXPAND: &[&str] = &["rateplans", "rateplans.rateplancharges"];

impl ZuoraBilling {
    /// The accounts of `ids`.
    pub(crate) async fn read_accounts(&self, ids: &[&str]) -> Result<Vec<wire::Account>> {
        Ok(self
            .client
            .object_query_in("accounts", "id", ids, &[])
            .await?)
    }

    /// The account `id`; not found when Zuora has none.
    pub(crate) async fn account(&self, id: &str) -> Result<wire::Account> {
        self.read_accounts(&[id])
            .await?
            .pop()
            .ok_or(partnergraph_core::Error::from(ZuoraError::NotFound))
    }

    /// The records of `object` whose field is one of the ids of `by` (`None`: all of them);
    /// by account, as the accounts' expansion.
    async fn rows<T: serde::de::DeserializeOwned>(
        &self,
        object: &str,
        by: Option<(&str, &[&str])>,
        expand: &[&str],
    ) -> Result<Vec<T>> {
        Ok(match by {
            Some((ACCOUNT_ID, ids)) => {
                self.client
                    .children_of_accounts(object, ids, expand)
                    .await?
            }
            Some((field, ids)) => {
                self.client
                    .object_query_in(object, field, ids, expand)
                    .await?
            }
            None => self.client.object_query(object, &[], &[], expand).await?,
        })
    }

    /// Subscriptions matched by `by` (`None`: all of them).
    pub(crate) async fn read_subscriptions(
        &self,
        by: Option<(&str, &[&str])>,
    ) -> Result<Vec<Subscription>> {
        let rows: Vec<wire::Subscription> =
            self.rows("subscriptions", by, SUBSCRIPTION_EXPAND).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let catalog = self.snapshot().await?;
        let sku_of = |plan: &str| {
            catalog
                .offers
                .iter()
                .find(|o| o.id.as_str() == plan)
                .map(|o| o.sku.clone())
        };
        Ok(rows
            .into_iter()
            .filter(wire::Subscription::is_current)
            .map(|s| s.into_core(sku_of))
            .collect())
    }

    /// Invoices matched by `by` (`None`: all of them).
    pub(crate) async fn read_invoices(&self, by: Option<(&str, &[&str])>) -> Result<Vec<Invoice>> {
        let rows: Vec<wire::Invoice> = self.rows("invoices", by, &[]).await?;
        let currencies = self.currencies_of(&rows).await?;
        Ok(rows
            .into_iter()
            .zip(currencies)
            .map(|(i, currency)| i.into_core(currency))
            .collect())
    }

    /// The currency of each of `rows`: its own, else its account's, read in one query for all
    /// rows without one.
    async fn currencies_of<T: Priced>(&self, rows: &[T]) -> Result<Vec<String>> {
        let missing: Vec<&str> = rows
            .iter()
            .filter(|row| row.currency().is_none())
            .map(Priced::account)
            .collect();
        let of_accounts = self.currencies(&missing).await?;
        Ok(rows
            .iter()
            .map(|row| {
                row.currency()
                    .map(str::to_owned)
                    .or_else(|| of_accounts.get(row.account()).cloned())
                    .unwrap_or_default()
            })
            .collect())
    }

    /// The currencies of these accounts (one query; none for no accounts).
    async fn currencies(&self, accounts: &[&str]) -> Result<HashMap<String, String>> {
        if accounts.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .read_accounts(accounts)
            .await?
            .into_iter()
            .map(|a| (a.id, a.currency))
            .collect())
    }

    /// Payments whose `field` is one of `ids`, with the invoice each paid most of.
    pub(crate) async fn read_payments(&self, field: &str, ids: &[&str]) -> Result<Vec<Payment>> {
        let rows: Vec<wire::Payment> = self.rows("payments", Some((field, ids)), &[]).await?;
        let payment_ids: Vec<&str> = rows.iter().map(|p| p.id.as_str()).collect();
        let applied = self.invoices_paid_by(&payment_ids).await?;
        let currencies = self.currencies_of(&rows).await?;
        Ok(rows
            .into_iter()
            .zip(currencies)
            .map(|(p, currency)| {
                let invoice = applied.get(&p.id).cloned();
                p.into_core(invoice, currency)
            })
            .collect())
    }

    /// The invoice each payment paid the most of, from ZOQL's `InvoicePayment` (Object Query
    /// has no such link): one query per 200 payments.
    async fn invoices_paid_by(&self, payments: &[&str]) -> Result<HashMap<String, String>> {
        let mut best: HashMap<String, (String, rust_decimal::Decimal)> = HashMap::new();
        for chunk in payments.chunks(ZOQL_CONDITIONS) {
            let conditions: Vec<String> = chunk
                .iter()
                .map(|id| format!("PaymentId = '{}'", zoql_escape(id)))
                .collect();
            let query = format!(
                "select InvoiceId, PaymentId, Amount from InvoicePayment where {}",
                conditions.join(" or ")
            );
            for row in self.client.zoql::<wire::InvoicePayment>(&query).await? {
                let entry = best
                    .entry(row.payment_id)
                    .or_insert_with(|| (row.invoice_id.clone(), row.amount));
                if row.amount > entry.1 {
                    *entry = (row.invoice_id, row.amount);
                }
            }
        }
        Ok(best.into_iter().map(|(p, (i, _))| (p, i)).collect())
    }

    /// Payment methods whose `field` is one of `ids`.
    pub(crate) async fn read_payment_methods(
        &self,
        field: &str,
        ids: &[&str],
    ) -> Result<Vec<PaymentMethod>> {
        let rows: Vec<wire::PaymentMethod> = self
            .rows("payment-methods", Some((field, ids)), &[])
            .await?;
        Ok(rows
            .into_iter()
            .map(wire::PaymentMethod::into_core)
            .collect())
    }

    /// The current version of subscription `id`; not found when Zuora has none.
    pub(crate) async fn subscription(&self, id: &str) -> Result<Subscription> {
        self.read_subscriptions(Some(("id", &[id])))
            .await?
            .pop()
            .ok_or(partnergraph_core::Error::from(ZuoraError::NotFound))
    }
}

/// A value inside a single-quoted ZOQL string.
fn zoql_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

/// A record Object Query may return without its currency (some tenants leave it out), which is
/// then its account's.
trait Priced {
    /// Its own currency, if Zuora returned one.
    fn currency(&self) -> Option<&str>;
    /// Its account's id.
    fn account(&self) -> &str;
}

/// Both priced records carry `currency` and `account_id` alike.
macro_rules! priced {
    ($($record:ty),*) => {$(
        impl Priced for $record {
            fn currency(&self) -> Option<&str> {
                self.currency.as_deref()
            }
            fn account(&self) -> &str {
                &self.account_id
            }
        }
    )*};
}

priced!(wire::Invoice, wire::Payment);
