//! The core traits, implemented by wrapping a connector: reads go through the [`Upstream`]'s
//! cache and breaker, writes through its breaker and then invalidate what they touched.

use crate::cache::{self, Kind};
use crate::{Fetch, Upstream};
use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::paging::{Listable, Order, Page, PageRequest};
use partnergraph_core::traits::{AccountSet, Billing, Catalog, Crm, Lists};
use partnergraph_core::Result;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
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

impl<T: ?Sized + Send + Sync + 'static> Guarded<T> {
    /// Runs `write` through the breaker, then drops what the cache holds of `account`, whether
    /// the write succeeded or not: a failed write may still have changed the upstream.
    async fn write<R>(&self, account: &str, write: impl Future<Output = Result<R>>) -> Result<R> {
        let written = self.upstream.call(write).await;
        self.upstream.invalidate_account(account);
        written
    }
}

/// Implements `$trait` for its [`Guarded`] connector. The reads every record kind has are
/// listed, not written out: `by_id` reads through the cache per record
/// (`method(&[Id]) -> Record as Kind`), `by_owner` per owning account, one shared list each
/// (`by_account_method / for_accounts_method(&[AccountId]) -> Record as Kind`, the latter
/// flattening the former), and `lists` pass through the breaker uncached (a page depends on
/// its filter; `method(AccountId) -> Page<Record>`, with the record's [`Listable`] filter and
/// order). The writes follow: `creates` make an upstream account and drop what the cache
/// holds of it (`method(arg: Type, …) -> Account;`), `account_writes` touch one account and go
/// through [`Guarded::write`] (`method(arg: Type, …) -> Output by arg.field;`, the account's id
/// being `arg.field`), and the rest are written out, since each invalidates what it touched in
/// its own way.
macro_rules! guarded_impl {
    (
        impl $trait:ident {
            by_id { $($read:ident(&[$id:ident]) -> $record:ty as $kind:ident;)* }
            by_owner {
                $($by_owner:ident / $for_owners:ident(&[$owner:ident]) -> $owned:ty
                    as $owned_kind:ident;)*
            }
            lists { $($list:ident($account:ident) -> Page<$listed:ident>;)* }
            creates { $($create:ident($($create_arg:ident: $create_ty:ty),*) -> $created:ty;)* }
            account_writes {
                $($write:ident($($write_arg:ident: $write_ty:ty),*) -> $written:tt
                    by $($touched:ident).+;)*
            }
            $($method:tt)*
        }
    ) => {
        #[async_trait]
        impl $trait for Guarded<dyn $trait> {
            $(
                async fn $read(&self, ids: &[$id]) -> Result<Vec<$record>> {
                    self.by_id(Kind::$kind, keys(ids), $id, |inner, ids| {
                        async move { inner.$read(&ids).await }.boxed()
                    })
                    .await
                }
            )*
            $(
                async fn $for_owners(&self, ids: &[$owner]) -> Result<Vec<$owned>> {
                    Ok(flatten(self.$by_owner(ids).await?))
                }

                async fn $by_owner(&self, ids: &[$owner]) -> Result<Lists<$owner, $owned>> {
                    self.by_owner(Kind::$owned_kind, keys(ids), $owner, |inner, ids| {
                        async move { inner.$for_owners(&ids).await }.boxed()
                    })
                    .await
                }
            )*
            $(
                async fn $list(
                    &self,
                    accounts: &AccountSet<$account>,
                    filter: &<$listed as Listable>::Filter,
                    order: Order<<$listed as Listable>::Field>,
                    page: &PageRequest,
                ) -> Result<Page<$listed>> {
                    self.upstream
                        .call(self.inner.$list(accounts, filter, order, page))
                        .await
                }
            )*
            $(
                async fn $create(&self, $($create_arg: $create_ty),*) -> Result<$created> {
                    let created = self
                        .upstream
                        .call(self.inner.$create($($create_arg),*))
                        .await?;
                    self.upstream.invalidate_account(created.id.as_str());
                    Ok(created)
                }
            )*
            $(
                async fn $write(&self, $($write_arg: $write_ty),*) -> Result<$written> {
                    self.write($($touched).+.as_str(), self.inner.$write($($write_arg),*))
                        .await
                }
            )*
            $($method)*
        }
    };
}

guarded_impl! {
    impl Billing {
        by_id {
            accounts(&[BillingAccountId]) -> BillingAccount as Account;
            subscriptions(&[SubscriptionId]) -> Subscription as Subscription;
            invoices(&[InvoiceId]) -> Invoice as Invoice;
            payments(&[PaymentId]) -> Payment as Payment;
            payment_methods(&[PaymentMethodId]) -> PaymentMethod as PaymentMethod;
        }
        by_owner {
            subscriptions_by_account / subscriptions_for_accounts(&[BillingAccountId])
                -> Subscription as SubscriptionsOf;
            invoices_by_account / invoices_for_accounts(&[BillingAccountId])
                -> Invoice as InvoicesOf;
            payments_by_account / payments_for_accounts(&[BillingAccountId])
                -> Payment as PaymentsOf;
            payment_methods_by_account / payment_methods_for_accounts(&[BillingAccountId])
                -> PaymentMethod as PaymentMethodsOf;
        }
        lists {
            list_subscriptions(BillingAccountId) -> Page<Subscription>;
            list_invoices(BillingAccountId) -> Page<Invoice>;
        }
        creates {
            create_billing_account(key: &str, account: &NewBillingAccount) -> BillingAccount;
        }
        account_writes {
            link_crm_account(id: &BillingAccountId, crm: &CrmAccountId) -> () by id;
            delete_billing_account(id: &BillingAccountId) -> Removed by id;
            create_subscription(key: &str, new: &NewSubscription) -> Subscription
                by new.account_id;
            update_subscription(key: &str, desired: &Subscription) -> Subscription
                by desired.account_id;
        }

        async fn account_by_number(&self, number: &str) -> Result<Option<BillingAccount>> {
            self.upstream
                .call(self.inner.account_by_number(number))
                .await
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
}

guarded_impl! {
    impl Crm {
        by_id {
            cases(&[CaseId]) -> Case as Case;
        }
        by_owner {
            contacts_by_account / contacts_for_accounts(&[CrmAccountId]) -> Contact as ContactsOf;
            cases_by_account / cases_for_accounts(&[CrmAccountId]) -> Case as CasesOf;
        }
        lists {
            list_cases(CrmAccountId) -> Page<Case>;
        }
        creates {
            create_crm_account(key: &str, account: &NewCrmAccount) -> CrmAccount;
        }
        account_writes {
            save_contact(contact: &Contact) -> () by contact.account_id;
            delete_crm_account(id: &CrmAccountId) -> Removed by id;
            update_case(desired: &Case) -> Case by desired.account_id;
            create_case(key: &str, new: &NewCase) -> Case by new.account_id;
        }
    }
}

guarded_impl! {
    impl Catalog {
        by_id {
            offers(&[OfferId]) -> Offer as Offer;
        }
        by_owner {}
        lists {}
        creates {}
        account_writes {}

        async fn publish_offer(&self, desired: &Offer) -> Result<Offer> {
            let published = self.upstream.call(self.inner.publish_offer(desired)).await;
            // Whatever the answer (a failed write may still have changed the catalog): the
            // offer, and every cached list of all offers, which holds it too.
            self.upstream
                .invalidate_record(Kind::Offer, desired.id.as_str(), Kind::AllOffers);
            published
        }

        async fn all_offers(&self) -> Result<Vec<Offer>> {
            let inner = self.inner.clone();
            let fetch: Fetch<Vec<Offer>> = Arc::new(move |_| {
                let inner = inner.clone();
                async move {
                    let offers = inner.all_offers().await?;
                    Ok(HashMap::from([(String::new(), offers)]))
                }
                .boxed()
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
}
