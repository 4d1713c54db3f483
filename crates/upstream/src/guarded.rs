//! The core traits, implemented by wrapping a connector: reads go through the [`Upstream`]'s
//! cache and breaker, writes through its breaker and then invalidate what they touched.

use crate::cache::{self, Kind};
use crate::{Fetch, Upstream};
use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt};
use partnergraph_core::filter::*;
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::paging::{Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Billing, Catalog, Crm, Lists};
use partnergraph_core::Result;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A connector behind its upstream's guard.
pub struct Guarded<T: ?Sized> {
    inner: Arc<T>,
    upstream: Arc<Upstream>,
}

/// `billing` behind `upstream`'s guard.
pub fn billing(billing: Arc<dyn Billing>, upstream: &Arc<Upstream>) -> Arc<dyn Billing> {
    Arc::new(Guarded {
        inner: billing,
        upstream: upstream.clone(),
    })
}

/// `crm` behind `upstream`'s guard.
pub fn crm(crm: Arc<dyn Crm>, upstream: &Arc<Upstream>) -> Arc<dyn Crm> {
    Arc::new(Guarded {
        inner: crm,
        upstream: upstream.clone(),
    })
}

/// `catalog` behind `upstream`'s guard.
pub fn catalog(catalog: Arc<dyn Catalog>, upstream: &Arc<Upstream>) -> Arc<dyn Catalog> {
    Arc::new(Guarded {
        inner: catalog,
        upstream: upstream.clone(),
    })
}

/// A record read by id; `account` is the upstream account it belongs to, if any.
trait Identified: Clone + Serialize + Send + Sync + 'static {
    fn key(&self) -> &str;
    fn account(&self) -> Option<&str>;
}

/// A record read by the account that owns it.
trait Owned: Clone + Serialize + Send + Sync + 'static {
    fn owner(&self) -> &str;
}

macro_rules! records {
    ($($type:ty => $account:ident);+ $(;)?) => {$(
        impl Identified for $type {
            fn key(&self) -> &str {
                self.id.as_str()
            }
            fn account(&self) -> Option<&str> {
                Some(self.$account.as_str())
            }
        }
        impl Owned for $type {
            fn owner(&self) -> &str {
                self.$account.as_str()
            }
        }
    )+};
}

records! {
    BillingAccount => id;
    Subscription => account_id;
    Invoice => account_id;
    Payment => account_id;
    PaymentMethod => account_id;
    Case => account_id;
}

impl Owned for Contact {
    fn owner(&self) -> &str {
        self.account_id.as_str()
    }
}

impl Identified for Offer {
    fn key(&self) -> &str {
        self.id.as_str()
    }
    fn account(&self) -> Option<&str> {
        None
    }
}

/// One read of the wrapped connector, for owned keys.
type Call<T, Id, V> = fn(Arc<T>, Vec<Id>) -> BoxFuture<'static, Result<Vec<V>>>;

fn keys<Id: AsRef<str>>(ids: &[Id]) -> Vec<String> {
    ids.iter().map(|id| id.as_ref().to_owned()).collect()
}

/// Every record of `lists`, copied out of them: the `*_for_accounts` reads return records
/// callers own.
fn flatten<Id, V: Clone>(lists: Lists<Id, V>) -> Vec<V> {
    lists
        .values()
        .flat_map(|list| list.iter().cloned())
        .collect()
}

impl<T: ?Sized + Send + Sync + 'static> Guarded<T> {
    /// Records by id.
    async fn by_id<Id: Send + 'static, V: Identified>(
        &self,
        kind: Kind,
        ids: Vec<String>,
        wrap: fn(String) -> Id,
        call: Call<T, Id, V>,
    ) -> Result<Vec<V>> {
        let inner = self.inner.clone();
        let fetch: Fetch<V> = Arc::new(move |keys| {
            let ids = keys.into_iter().map(wrap).collect();
            call(inner.clone(), ids)
                .map(|read| Ok(read?.into_iter().map(|v| (v.key().to_owned(), v)).collect()))
                .boxed()
        });
        let found = self
            .upstream
            .read(
                kind,
                ids,
                |_, v: &V| v.account().map(str::to_owned),
                cache::weigh,
                fetch,
            )
            .await?;
        Ok(found.into_values().collect())
    }

    /// The records of many accounts, cached per account as one shared list (an account
    /// without any is cached too: "none" is an answer worth keeping), so that a hit hands out
    /// the list without copying it.
    async fn by_owner<Id: Eq + std::hash::Hash + Send + 'static, V: Owned>(
        &self,
        kind: Kind,
        owners: Vec<String>,
        wrap: fn(String) -> Id,
        call: Call<T, Id, V>,
    ) -> Result<Lists<Id, V>> {
        let inner = self.inner.clone();
        let fetch: Fetch<Arc<[V]>> = Arc::new(move |keys: Vec<String>| {
            let mut grouped: HashMap<String, Vec<V>> =
                keys.iter().map(|k| (k.clone(), Vec::new())).collect();
            let ids = keys.into_iter().map(wrap).collect();
            call(inner.clone(), ids)
                .map(move |read| {
                    for record in read? {
                        if let Some(list) = grouped.get_mut(record.owner()) {
                            list.push(record);
                        }
                    }
                    // A shared slice is allocated to fit: no slack from pushing is cached.
                    Ok(grouped
                        .into_iter()
                        .map(|(owner, list)| (owner, list.into()))
                        .collect())
                })
                .boxed()
        });
        // Weighed as the slice it holds: its slots and what each record points to.
        let found = self
            .upstream
            .read(
                kind,
                owners,
                |owner, _| Some(owner.to_owned()),
                |list: &Arc<[V]>| cache::weigh(&&**list),
                fetch,
            )
            .await?;
        Ok(found
            .into_iter()
            .map(|(owner, list)| (wrap(owner), list))
            .collect())
    }
}

#[async_trait]
impl Billing for Guarded<dyn Billing> {
    async fn accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<BillingAccount>> {
        self.by_id(Kind::Account, keys(ids), BillingAccountId, |b, ids| {
            async move { b.accounts(&ids).await }.boxed()
        })
        .await
    }

    async fn account_by_number(&self, number: &str) -> Result<Option<BillingAccount>> {
        self.upstream
            .call(self.inner.account_by_number(number))
            .await
    }

    async fn subscriptions(&self, ids: &[SubscriptionId]) -> Result<Vec<Subscription>> {
        self.by_id(Kind::Subscription, keys(ids), SubscriptionId, |b, ids| {
            async move { b.subscriptions(&ids).await }.boxed()
        })
        .await
    }

    async fn subscriptions_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<Subscription>> {
        Ok(flatten(self.subscriptions_by_account(ids).await?))
    }

    async fn subscriptions_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Subscription>> {
        self.by_owner(
            Kind::SubscriptionsOf,
            keys(ids),
            BillingAccountId,
            |u, ids| async move { u.subscriptions_for_accounts(&ids).await }.boxed(),
        )
        .await
    }

    async fn list_subscriptions(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &SubscriptionFilter,
        order: Order<SubscriptionOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Subscription>> {
        self.upstream
            .call(self.inner.list_subscriptions(accounts, filter, order, page))
            .await
    }

    async fn invoices(&self, ids: &[InvoiceId]) -> Result<Vec<Invoice>> {
        self.by_id(Kind::Invoice, keys(ids), InvoiceId, |b, ids| {
            async move { b.invoices(&ids).await }.boxed()
        })
        .await
    }

    async fn invoices_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Invoice>> {
        Ok(flatten(self.invoices_by_account(ids).await?))
    }

    async fn invoices_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Invoice>> {
        self.by_owner(Kind::InvoicesOf, keys(ids), BillingAccountId, |u, ids| {
            async move { u.invoices_for_accounts(&ids).await }.boxed()
        })
        .await
    }

    async fn list_invoices(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &InvoiceFilter,
        order: Order<InvoiceOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Invoice>> {
        self.upstream
            .call(self.inner.list_invoices(accounts, filter, order, page))
            .await
    }

    async fn payments(&self, ids: &[PaymentId]) -> Result<Vec<Payment>> {
        self.by_id(Kind::Payment, keys(ids), PaymentId, |b, ids| {
            async move { b.payments(&ids).await }.boxed()
        })
        .await
    }

    async fn payments_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Payment>> {
        Ok(flatten(self.payments_by_account(ids).await?))
    }

    async fn payments_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Payment>> {
        self.by_owner(Kind::PaymentsOf, keys(ids), BillingAccountId, |u, ids| {
            async move { u.payments_for_accounts(&ids).await }.boxed()
        })
        .await
    }

    async fn payment_methods(&self, ids: &[PaymentMethodId]) -> Result<Vec<PaymentMethod>> {
        self.by_id(Kind::PaymentMethod, keys(ids), PaymentMethodId, |b, ids| {
            async move { b.payment_methods(&ids).await }.boxed()
        })
        .await
    }

    async fn payment_methods_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<PaymentMethod>> {
        Ok(flatten(self.payment_methods_by_account(ids).await?))
    }

    async fn payment_methods_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, PaymentMethod>> {
        self.by_owner(
            Kind::PaymentMethodsOf,
            keys(ids),
            BillingAccountId,
            |u, ids| async move { u.payment_methods_for_accounts(&ids).await }.boxed(),
        )
        .await
    }

    async fn create_billing_account(
        &self,
        key: &str,
        account: &NewBillingAccount,
    ) -> Result<BillingAccount> {
        let created = self
            .upstream
            .call(self.inner.create_billing_account(key, account))
            .await?;
        self.upstream.invalidate_account(created.id.as_str());
        Ok(created)
    }

    async fn delete_billing_account(&self, id: &BillingAccountId) -> Result<Removed> {
        let deleted = self
            .upstream
            .call(self.inner.delete_billing_account(id))
            .await;
        self.upstream.invalidate_account(id.as_str());
        deleted
    }

    async fn create_subscription(&self, key: &str, new: &NewSubscription) -> Result<Subscription> {
        let created = self
            .upstream
            .call(self.inner.create_subscription(key, new))
            .await;
        self.upstream.invalidate_account(new.account_id.as_str());
        created
    }

    async fn update_subscription(&self, key: &str, desired: &Subscription) -> Result<Subscription> {
        let updated = self
            .upstream
            .call(self.inner.update_subscription(key, desired))
            .await;
        self.upstream
            .invalidate_account(desired.account_id.as_str());
        updated
    }

    async fn delete_subscription(&self, id: &SubscriptionId) -> Result<()> {
        let deleted = self.upstream.call(self.inner.delete_subscription(id)).await;
        self.upstream
            .invalidate_record(Kind::Subscription, id.as_str(), Kind::SubscriptionsOf);
        deleted
    }

    async fn apply_payment(&self, key: &str, new: &NewPayment) -> Result<Payment> {
        let applied = self.upstream.call(self.inner.apply_payment(key, new)).await;
        match &applied {
            // The payment lowers its account's balance and its invoice's.
            Ok(payment) => self
                .upstream
                .invalidate_account(payment.account_id.as_str()),
            Err(_) => self.upstream.invalidate_record(
                Kind::Invoice,
                new.invoice_id.as_str(),
                Kind::InvoicesOf,
            ),
        }
        applied
    }
}

#[async_trait]
impl Crm for Guarded<dyn Crm> {
    async fn contacts_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Contact>> {
        Ok(flatten(self.contacts_by_account(ids).await?))
    }

    async fn contacts_by_account(
        &self,
        ids: &[CrmAccountId],
    ) -> Result<Lists<CrmAccountId, Contact>> {
        self.by_owner(Kind::ContactsOf, keys(ids), CrmAccountId, |u, ids| {
            async move { u.contacts_for_accounts(&ids).await }.boxed()
        })
        .await
    }

    async fn cases(&self, ids: &[CaseId]) -> Result<Vec<Case>> {
        self.by_id(Kind::Case, keys(ids), CaseId, |c, ids| {
            async move { c.cases(&ids).await }.boxed()
        })
        .await
    }

    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Case>> {
        Ok(flatten(self.cases_by_account(ids).await?))
    }

    async fn cases_by_account(&self, ids: &[CrmAccountId]) -> Result<Lists<CrmAccountId, Case>> {
        self.by_owner(Kind::CasesOf, keys(ids), CrmAccountId, |u, ids| {
            async move { u.cases_for_accounts(&ids).await }.boxed()
        })
        .await
    }

    async fn list_cases(
        &self,
        accounts: &AccountSet<CrmAccountId>,
        filter: &CaseFilter,
        order: Order<CaseOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Case>> {
        self.upstream
            .call(self.inner.list_cases(accounts, filter, order, page))
            .await
    }

    async fn create_crm_account(&self, key: &str, account: &NewCrmAccount) -> Result<CrmAccount> {
        let created = self
            .upstream
            .call(self.inner.create_crm_account(key, account))
            .await?;
        self.upstream.invalidate_account(created.id.as_str());
        Ok(created)
    }

    async fn save_contact(&self, contact: &Contact) -> Result<()> {
        let saved = self.upstream.call(self.inner.save_contact(contact)).await;
        self.upstream
            .invalidate_account(contact.account_id.as_str());
        saved
    }

    async fn delete_crm_account(&self, id: &CrmAccountId) -> Result<Removed> {
        let deleted = self.upstream.call(self.inner.delete_crm_account(id)).await;
        self.upstream.invalidate_account(id.as_str());
        deleted
    }

    async fn update_case(&self, desired: &Case) -> Result<Case> {
        let updated = self.upstream.call(self.inner.update_case(desired)).await;
        self.upstream
            .invalidate_account(desired.account_id.as_str());
        updated
    }

    async fn create_case(&self, key: &str, new: &NewCase) -> Result<Case> {
        let created = self.upstream.call(self.inner.create_case(key, new)).await;
        self.upstream.invalidate_account(new.account_id.as_str());
        created
    }
}

#[async_trait]
impl Catalog for Guarded<dyn Catalog> {
    async fn offers(&self, ids: &[OfferId]) -> Result<Vec<Offer>> {
        self.by_id(Kind::Offer, keys(ids), OfferId, |c, ids| {
            async move { c.offers(&ids).await }.boxed()
        })
        .await
    }

    async fn all_offers(&self) -> Result<Vec<Offer>> {
        let inner = self.inner.clone();
        let fetch: Fetch<Vec<Offer>> = Arc::new(move |_| {
            let inner = inner.clone();
            async move { Ok(HashMap::from([(String::new(), inner.all_offers().await?)])) }.boxed()
        });
        let mut found = self
            .upstream
            .read(
                Kind::AllOffers,
                vec![String::new()],
                |_, _| None,
                cache::weigh,
                fetch,
            )
            .await?;
        Ok(found.remove("").unwrap_or_default())
    }
}
