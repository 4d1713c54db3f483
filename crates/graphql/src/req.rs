//! What every resolver holds for its request: loads through the request's DataLoader, and the
//! read policy of core asked with that loader as its [`Lookup`]. Resolvers decide no visibility
//! or permission themselves; they ask [`Req::policy`] and map its answers to GraphQL.

use crate::error::to_graphql;
use crate::loaders::{Batch, BillingHolder, CrmHolder, LoadError, PartnersOf};
use crate::schema::{
    Case, Customer, Invoice, Node, Offer, Organization, Payment, PaymentMethod, Profile,
    Subscription, User,
};
use crate::Req;
use async_graphql::dataloader::Loader;
use partnergraph_core::ids::*;
use partnergraph_core::model::{self, AccountHolder};
use partnergraph_core::policy::read::{Lookup, ReadArea, ReadPolicy};
use partnergraph_core::{Error, GlobalId, NodeKind};
use std::hash::Hash;
use std::sync::Arc;

/// Resolver results.
pub(crate) type R<T> = async_graphql::Result<T>;

/// The request's context.
pub(crate) fn req<'a>(ctx: &async_graphql::Context<'a>) -> &'a Req {
    ctx.data_unchecked::<Req>()
}

/// Core results as resolver results, formatted once by [`to_graphql`] with the request id.
pub(crate) trait OrFail<T> {
    /// The value, or the error as the client sees it.
    fn or_fail(self, r: &Req) -> R<T>;
}

impl<T, E: Into<Error>> OrFail<T> for Result<T, E> {
    fn or_fail(self, r: &Req) -> R<T> {
        self.map_err(|e| r.fail(e))
    }
}

/// The policy looks records up through the request's loader: batched with every other load of
/// the wave and cached for the rest of the request, so asking it costs no extra upstream call.
impl Lookup for Req {
    type Error = async_graphql::Error;

    async fn organization(&self, id: &OrgId) -> R<Option<model::Organization>> {
        self.load(id.clone()).await
    }

    async fn customer(&self, id: &CustomerId) -> R<Option<model::Customer>> {
        self.load(id.clone()).await
    }

    async fn partners_of(&self, distributor: &OrgId) -> R<Vec<model::Organization>> {
        self.children(PartnersOf(distributor.clone())).await
    }
}

impl Req {
    /// A core error as a client error.
    pub fn fail(&self, err: impl Into<Error>) -> async_graphql::Error {
        to_graphql(&err.into(), &self.request_id)
    }

    /// The caller's read policy.
    pub fn policy(&self) -> ReadPolicy<'_, Req> {
        ReadPolicy::new(&self.principal, &self.scope, self)
    }

    /// Fails with FORBIDDEN unless the caller may read `area`.
    pub fn require(&self, area: ReadArea) -> R<()> {
        self.policy().require(area).or_fail(self)
    }

    /// One record or relationship, batched with every other load of this tick.
    pub async fn load<K>(&self, key: K) -> R<Option<<Batch as Loader<K>>::Value>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Batch: Loader<K, Error = LoadError>,
    {
        self.loader
            .load_one(key)
            .await
            .map_err(|e| to_graphql(&e, &self.request_id))
    }

    /// The records of a parent (empty when it has none).
    pub async fn children<K, V>(&self, key: K) -> R<Vec<V>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
        Batch: Loader<K, Value = Vec<V>, Error = LoadError>,
    {
        Ok(self.load(key).await?.unwrap_or_default())
    }

    /// The records of a parent as the request's loader shares them (empty when it has none).
    pub async fn shared_children<K, V>(&self, key: K) -> R<Arc<[V]>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + 'static,
        Batch: Loader<K, Value = Arc<[V]>, Error = LoadError>,
    {
        Ok(self.load(key).await?.unwrap_or_else(|| Arc::new([])))
    }

    /// The holder of a billing account, if the caller may see it.
    pub async fn billing_holder(&self, account: &BillingAccountId) -> R<Option<AccountHolder>> {
        let holder = self.load(BillingHolder(account.clone())).await?;
        Ok(self.policy().holder(holder))
    }

    /// The holder of a CRM account, if the caller may see it.
    pub async fn crm_holder(&self, account: &CrmAccountId) -> R<Option<AccountHolder>> {
        let holder = self.load(CrmHolder(account.clone())).await?;
        Ok(self.policy().holder(holder))
    }

    /// An organization, if the caller may see it.
    pub async fn organization(&self, id: &OrgId) -> R<Option<model::Organization>> {
        self.policy().organization(id).await
    }

    /// A customer, if the caller may see it.
    pub async fn customer(&self, id: &CustomerId) -> R<Option<model::Customer>> {
        self.policy().customer(id).await
    }

    /// A profile, if the caller may see it.
    pub async fn profile(&self, id: &ProfileId) -> R<Option<model::Profile>> {
        let profile = self.load(id.clone()).await?;
        Ok(profile.filter(|p| self.policy().profile(p)))
    }

    /// A user, if the caller may see it.
    pub async fn user(&self, id: &UserId) -> R<Option<model::User>> {
        match self.load(id.clone()).await? {
            Some(u) if self.policy().user(&u).await? => Ok(Some(u)),
            _ => Ok(None),
        }
    }

    /// The offers the caller may see, in catalog order.
    pub async fn visible_offers(&self) -> R<Vec<model::Offer>> {
        let catalog = self.children(crate::loaders::AllOffers).await?;
        self.policy().offers(catalog).await
    }

    /// A billing or CRM record, if the caller may see the holder of its account.
    async fn held<K, V>(&self, key: K) -> R<Option<V>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Held + Send + Sync + Clone + 'static,
        Batch: Loader<K, Value = V, Error = LoadError>,
    {
        match self.load(key).await? {
            Some(record) if record.holder(self).await?.is_some() => Ok(Some(record)),
            _ => Ok(None),
        }
    }

    /// A record by global id, if the caller may see it: kinds the caller may not read at all
    /// are not even loaded.
    pub async fn node(&self, id: &GlobalId) -> R<Option<Node>> {
        if !self.policy().node_kind_readable(id.kind) {
            return Ok(None);
        }
        let local = id.local.as_str();
        Ok(match id.kind {
            NodeKind::Organization => self
                .organization(&local.into())
                .await?
                .map(|o| Node::Organization(Organization(o))),
            NodeKind::Customer => self
                .customer(&local.into())
                .await?
                .map(|c| Node::Customer(Customer(c))),
            NodeKind::User => self.user(&local.into()).await?.map(|u| Node::User(User(u))),
            NodeKind::Profile => self
                .profile(&local.into())
                .await?
                .map(|p| Node::Profile(Profile(p))),
            NodeKind::Offer => match self.load(OfferId::from(local)).await? {
                Some(o) if self.policy().offer(&o).await? => Some(Node::Offer(Offer(o))),
                _ => None,
            },
            NodeKind::Subscription => self
                .held(SubscriptionId::from(local))
                .await?
                .map(|s| Node::Subscription(Subscription(s))),
            NodeKind::Invoice => self
                .held(InvoiceId::from(local))
                .await?
                .map(|i| Node::Invoice(Invoice(i))),
            NodeKind::Payment => self
                .held(PaymentId::from(local))
                .await?
                .map(|p| Node::Payment(Payment(p))),
            NodeKind::PaymentMethod => self
                .held(PaymentMethodId::from(local))
                .await?
                .map(|m| Node::PaymentMethod(PaymentMethod(m))),
            NodeKind::Case => self
                .held(CaseId::from(local))
                .await?
                .map(|c| Node::Case(Case(c))),
            NodeKind::AuditEvent | NodeKind::BillingAccount | NodeKind::CrmAccount => None,
        })
    }
}

/// A billing or CRM record, reached through the holder of the account it is on: the caller
/// sees the record when it sees that holder.
trait Held {
    /// The holder of the record's account, if the caller may see it.
    async fn holder(&self, r: &Req) -> R<Option<AccountHolder>>;
}

/// Billing records, each on one billing account.
macro_rules! held_in_billing {
    ($($record:ident),+) => {$(
        impl Held for model::$record {
            async fn holder(&self, r: &Req) -> R<Option<AccountHolder>> {
                r.billing_holder(&self.account_id).await
            }
        }
    )+};
}

held_in_billing!(Subscription, Invoice, Payment, PaymentMethod);

impl Held for model::Case {
    async fn holder(&self, r: &Req) -> R<Option<AccountHolder>> {
        r.crm_holder(&self.account_id).await
    }
}
