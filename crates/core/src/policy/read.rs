//! Read policy: which records a caller may see, and which reads need which permission.
//!
//! The rules themselves sit on [`Scope`] and [`Principal`]; this module is what an API layer
//! asks. Some answers need other records (a user's organization, a distributor's partners), so
//! the policy looks them up through [`Lookup`], which the GraphQL layer implements over its
//! per-request DataLoader: the policy decides *what* to load, the caller decides *how* (batched,
//! cached), and the number of upstream calls stays a function of the page's shape.
//!
//! Unknown and forbidden look the same to callers: a record out of reach reads as null, a filter
//! naming one answers as if the id did not exist.

use crate::error::Result;
use crate::ids::{CustomerId, NodeKind, OrgId};
use crate::model::{AccountHolder, Customer, Membership, Offer, Organization, Profile, User};
use crate::permission::Permission;
use crate::principal::{OfferAudience, Principal, Scope};
use std::future::Future;

/// The records the read policy looks up to decide, as stored (whatever the caller may see).
/// The GraphQL layer implements it over its request's DataLoader; tests over a few maps.
pub trait Lookup: Sync {
    /// How a failed lookup is reported; the policy passes it through untouched.
    type Error;

    /// An organization by id.
    fn organization(
        &self,
        id: &OrgId,
    ) -> impl Future<Output = Result<Option<Organization>, Self::Error>> + Send;

    /// A customer by id.
    fn customer(
        &self,
        id: &CustomerId,
    ) -> impl Future<Output = Result<Option<Customer>, Self::Error>> + Send;

    /// The partners of a distributor (empty for a partner or an unknown id).
    fn partners_of(
        &self,
        distributor: &OrgId,
    ) -> impl Future<Output = Result<Vec<Organization>, Self::Error>> + Send;
}

/// A family of records that needs a permission to read, beyond being in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadArea {
    /// Balances, subscriptions, invoices, payments and payment methods (VIEW_BILLING).
    Billing,
    /// Support cases (VIEW_CASES).
    Cases,
    /// Other users than oneself (VIEW_USERS).
    Users,
    /// The audit log (VIEW_AUDIT_LOG).
    AuditLog,
}

impl ReadArea {
    /// The permission that opens this area.
    pub fn permission(self) -> Permission {
        match self {
            ReadArea::Billing => Permission::ViewBilling,
            ReadArea::Cases => Permission::ViewCases,
            ReadArea::Users => Permission::ViewUsers,
            ReadArea::AuditLog => Permission::ViewAuditLog,
        }
    }
}

/// The read policy of one caller: its principal and the scope derived from it, asked with a
/// [`Lookup`] for the records a decision needs.
#[derive(Debug, Clone, Copy)]
pub struct ReadPolicy<'a, L> {
    principal: &'a Principal,
    scope: &'a Scope,
    lookup: &'a L,
}

impl<'a, L: Lookup> ReadPolicy<'a, L> {
    /// The policy of `principal`, whose scope is `scope` (computed once per request by
    /// [`Principal::scope`]).
    pub fn new(principal: &'a Principal, scope: &'a Scope, lookup: &'a L) -> Self {
        Self {
            principal,
            scope,
            lookup,
        }
    }

    /// Fails with [`Error::Forbidden`] unless the caller may read `area` at all.
    pub fn require(&self, area: ReadArea) -> Result<()> {
        self.principal.require(area.permission())
    }

    /// Whether `node(id:)` may resolve an id of this kind at all, before anything is loaded:
    /// billing records need VIEW_BILLING, cases VIEW_CASES; audit events and accounts are not
    /// fetched by id.
    /// Users need no permission here (a caller always sees itself; see [`Self::user`]).
    pub fn node_kind_readable(&self, kind: NodeKind) -> bool {
        match kind {
            NodeKind::Subscription
            | NodeKind::Invoice
            | NodeKind::Payment
            | NodeKind::PaymentMethod => self.principal.has(Permission::ViewBilling),
            NodeKind::Case => self.principal.has(Permission::ViewCases),
            NodeKind::AuditEvent | NodeKind::BillingAccount | NodeKind::CrmAccount => false,
            NodeKind::Organization
            | NodeKind::Customer
            | NodeKind::User
            | NodeKind::Profile
            | NodeKind::Offer => true,
        }
    }

    /// An organization, if the caller may see it.
    pub async fn organization(&self, id: &OrgId) -> Result<Option<Organization>, L::Error> {
        let org = self.lookup.organization(id).await?;
        Ok(org.filter(|o| self.scope.permits_organization(o)))
    }

    /// A customer, if the caller may see it.
    pub async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, L::Error> {
        let customer = self.lookup.customer(id).await?;
        Ok(customer.filter(|c| self.scope.permits_customer(c)))
    }

    /// The holder of an account (its invoices, cases, ...), if the caller may see it.
    pub fn holder(&self, holder: Option<AccountHolder>) -> Option<AccountHolder> {
        holder.filter(|h| self.scope.permits_holder(h))
    }

    /// Whether the caller may see `profile` ([`Principal::sees_profile`]).
    pub fn profile(&self, profile: &Profile) -> bool {
        self.principal.sees_profile(profile)
    }

    /// Whether the caller may see this user: itself always, others by scope and VIEW_USERS.
    pub async fn user(&self, user: &User) -> Result<bool, L::Error> {
        if user.id == self.principal.user_id {
            return Ok(true);
        }
        if !self.principal.has(Permission::ViewUsers) {
            return Ok(false);
        }
        let owner = match &user.membership {
            Membership::Platform => None,
            Membership::Organization(o) => self
                .lookup
                .organization(o)
                .await?
                .map(AccountHolder::Organization),
            Membership::Customer(c) => self.lookup.customer(c).await?.map(AccountHolder::Customer),
        };
        Ok(self.scope.permits_user(user, owner.as_ref()))
    }

    /// The partner organizations whose eligibility decides which offers the caller sees; `None`
    /// when the answer needs none (everything, or nothing).
    async fn offer_audience(&self) -> Result<Option<Vec<Organization>>, L::Error> {
        Ok(match self.scope.offer_audience() {
            OfferAudience::All | OfferAudience::Nothing => None,
            OfferAudience::Partner(p) => {
                Some(self.lookup.organization(&p).await?.into_iter().collect())
            }
            OfferAudience::PartnersOf(d) => Some(self.lookup.partners_of(&d).await?),
        })
    }

    /// Whether the caller may see this offer.
    pub async fn offer(&self, offer: &Offer) -> Result<bool, L::Error> {
        let audience = self.offer_audience().await?.unwrap_or_default();
        Ok(self.scope.permits_offer(offer, &audience))
    }

    /// The offers of `catalog` the caller may see, in catalog order.
    pub async fn offers(&self, mut catalog: Vec<Offer>) -> Result<Vec<Offer>, L::Error> {
        // An empty catalog needs no audience: nothing is looked up for it.
        if catalog.is_empty() {
            return Ok(catalog);
        }
        let audience = self.offer_audience().await?.unwrap_or_default();
        catalog.retain(|o| self.scope.permits_offer(o, &audience));
        Ok(catalog)
    }

    /// The scope a list runs in when its filter names the organization `org`: the caller's, or
    /// [`Scope::Nothing`] when the caller may not see that organization. A filter on a hidden id
    /// must count exactly like one on an id that does not exist; otherwise a customer user who
    /// may not see its partner could still learn which partner it has from the count.
    pub async fn scope_naming(&self, org: Option<&OrgId>) -> Result<Scope, L::Error> {
        Ok(match org {
            Some(id) if self.organization(id).await?.is_none() => Scope::Nothing,
            _ => self.scope.clone(),
        })
    }

    /// The caller's scope.
    pub fn scope(&self) -> &'a Scope {
        self.scope
    }
}
