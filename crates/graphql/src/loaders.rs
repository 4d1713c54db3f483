//! The batch loader behind every relationship: one connector call per key type per request tick.

use async_graphql::dataloader::Loader;
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::traits::Connectors;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// Loader errors are shared by every key of the failed batch.
pub(crate) type LoadError = Arc<partnergraph_core::Error>;

/// Loads through the configured connectors.
pub(crate) struct Batch {
    c: Connectors,
}

impl Batch {
    pub fn new(connectors: Connectors) -> Self {
        Self { c: connectors }
    }
}

/// The subscriptions of a billing account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SubscriptionsOf(pub BillingAccountId);
/// The invoices of a billing account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct InvoicesOf(pub BillingAccountId);
/// The payments of a billing account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PaymentsOf(pub BillingAccountId);
/// The payment methods of a billing account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PaymentMethodsOf(pub BillingAccountId);
/// The contacts of a CRM account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ContactsOf(pub CrmAccountId);
/// The cases of a CRM account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CasesOf(pub CrmAccountId);
/// The customers sold by an organization (a partner's own, or all under a distributor).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CustomersOf(pub OrgId);
/// The partners of a distributor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PartnersOf(pub OrgId);
/// The operators of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UsersOfOrganization(pub OrgId);
/// The users of a customer account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UsersOfCustomer(pub CustomerId);
/// The holder of a billing account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BillingHolder(pub BillingAccountId);
/// The holder of a CRM account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CrmHolder(pub CrmAccountId);
/// The whole catalog, loaded once per request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AllOffers;

fn index<K: Eq + Hash, V>(items: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, V> {
    items.into_iter().map(|v| (key(&v), v)).collect()
}

/// Implements `Loader<$key>` for records fetched by id.
macro_rules! by_id {
    ($($key:ty => $value:ty, $conn:ident . $method:ident);+ $(;)?) => {$(
        impl Loader<$key> for Batch {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, LoadError> {
                let items = self.c.$conn.$method(keys).await.map_err(Arc::new)?;
                Ok(index(items, |v| v.id.clone()))
            }
        }
    )+};
}

by_id! {
    OrgId => Organization, directory.organizations;
    CustomerId => Customer, directory.customers;
    UserId => User, directory.users;
    ProfileId => Profile, directory.profiles;
    OfferId => Offer, catalog.offers;
    BillingAccountId => BillingAccount, billing.accounts;
    SubscriptionId => Subscription, billing.subscriptions;
    InvoiceId => Invoice, billing.invoices;
    PaymentId => Payment, billing.payments;
    PaymentMethodId => PaymentMethod, billing.payment_methods;
    CaseId => Case, crm.cases;
}

/// Implements `Loader<$key>` for the records of many parents, a list per parent. The lists
/// are shared (`Arc`) as the connector hands them out (a cached upstream's, without a copy):
/// the loader's cache hands out the same list to every resolver.
macro_rules! by_parent {
    ($($key:ident => $value:ty, $conn:ident . $method:ident);+ $(;)?) => {$(
        impl Loader<$key> for Batch {
            type Value = Arc<[$value]>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Arc<[$value]>>, LoadError> {
                let ids: Vec<_> = keys.iter().map(|k| k.0.clone()).collect();
                let lists = self.c.$conn.$method(&ids).await.map_err(Arc::new)?;
                Ok(lists.into_iter().map(|(id, list)| ($key(id), list)).collect())
            }
        }
    )+};
}

by_parent! {
    SubscriptionsOf => Subscription, billing.subscriptions_by_account;
    InvoicesOf => Invoice, billing.invoices_by_account;
    PaymentsOf => Payment, billing.payments_by_account;
    PaymentMethodsOf => PaymentMethod, billing.payment_methods_by_account;
    ContactsOf => Contact, crm.contacts_by_account;
    CasesOf => Case, crm.cases_by_account;
}

impl Loader<PartnersOf> for Batch {
    type Value = Vec<Organization>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PartnersOf],
    ) -> Result<HashMap<PartnersOf, Vec<Organization>>, LoadError> {
        let ids: Vec<OrgId> = keys.iter().map(|k| k.0.clone()).collect();
        let partners = self.c.directory.partners_of(&ids).await.map_err(Arc::new)?;
        let mut out: HashMap<PartnersOf, Vec<Organization>> = HashMap::new();
        for partner in partners {
            if let Some(parent) = &partner.parent_id {
                out.entry(PartnersOf(parent.clone()))
                    .or_default()
                    .push(partner);
            }
        }
        Ok(out)
    }
}

impl Loader<CustomersOf> for Batch {
    type Value = Vec<Customer>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CustomersOf],
    ) -> Result<HashMap<CustomersOf, Vec<Customer>>, LoadError> {
        let ids: Vec<OrgId> = keys.iter().map(|k| k.0.clone()).collect();
        let customers = self
            .c
            .directory
            .customers_of(&ids)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<CustomersOf, Vec<Customer>> = HashMap::new();
        for customer in customers {
            // A customer belongs to its partner's list and to its distributor's.
            for org in std::iter::once(&customer.partner_id).chain(&customer.distributor_id) {
                if ids.contains(org) {
                    out.entry(CustomersOf(org.clone()))
                        .or_default()
                        .push(customer.clone());
                }
            }
        }
        Ok(out)
    }
}

impl Batch {
    /// The users of many organizations or customers in one call, grouped by `parent`.
    async fn users_of<K: Eq + Hash>(
        &self,
        memberships: Vec<Membership>,
        parent: impl Fn(Membership) -> Option<K>,
    ) -> Result<HashMap<K, Vec<User>>, LoadError> {
        let users = self
            .c
            .directory
            .users_by_membership(&memberships)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<K, Vec<User>> = HashMap::new();
        for user in users {
            if let Some(key) = parent(user.membership.clone()) {
                out.entry(key).or_default().push(user);
            }
        }
        Ok(out)
    }
}

/// Implements `Loader<$key>` for the users of one kind of member: `$key` wraps the id that
/// `Membership::$member` holds.
macro_rules! users_of {
    ($($key:ident => $member:ident);+ $(;)?) => {$(
        impl Loader<$key> for Batch {
            type Value = Vec<User>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Vec<User>>, LoadError> {
                let memberships = keys.iter().map(|k| Membership::$member(k.0.clone())).collect();
                self.users_of(memberships, |m| match m {
                    Membership::$member(id) => Some($key(id)),
                    _ => None,
                })
                .await
            }
        }
    )+};
}

users_of! {
    UsersOfOrganization => Organization;
    UsersOfCustomer => Customer;
}

/// Implements `Loader<$key>` for the holder of an upstream account: `$key` wraps the account
/// id, which the directory's `$method` resolves and the holder's external ids name as `$side`.
macro_rules! holder_of {
    ($($key:ident => $method:ident, $side:ident);+ $(;)?) => {$(
        impl Loader<$key> for Batch {
            type Value = AccountHolder;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, AccountHolder>, LoadError> {
                let ids: Vec<_> = keys.iter().map(|k| k.0.clone()).collect();
                let holders = self.c.directory.$method(&ids).await.map_err(Arc::new)?;
                Ok(holders
                    .into_iter()
                    .filter_map(|h| h.external().$side.clone().map(|a| ($key(a), h)))
                    .collect())
            }
        }
    )+};
}

holder_of! {
    BillingHolder => holders_by_billing_account, billing;
    CrmHolder => holders_by_crm_account, crm;
}

impl Loader<AllOffers> for Batch {
    type Value = Vec<Offer>;
    type Error = LoadError;

    async fn load(&self, _: &[AllOffers]) -> Result<HashMap<AllOffers, Vec<Offer>>, LoadError> {
        let offers = self.c.catalog.all_offers().await.map_err(Arc::new)?;
        Ok(HashMap::from([(AllOffers, offers)]))
    }
}
