//! Who is calling ([`Principal`]) and what they may see ([`Scope`]).
//!
//! This module is the one place where visibility is decided. Connectors may push a scope down
//! into a query for efficiency, but every loaded record is checked again here before it reaches
//! a client, cache hits included, so a connector bug cannot widen what a caller sees.

use crate::error::{Error, Result};
use crate::ids::{CustomerId, OrgId, ProfileId, UserId};
use crate::model::{
    AccountHolder, AuditEvent, Customer, CustomerStatus, Membership, Offer, OrgKind, OrgStatus,
    Organization, Profile, ProfileOwner, User, UserStatus,
};
use crate::permission::Permission;
use crate::traits::one;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The part of the channel a principal belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tenant {
    /// The platform operator.
    Platform,
    /// An operator of a distributor or partner.
    Organization {
        /// The organization.
        id: OrgId,
        /// Distributor or partner.
        kind: OrgKind,
        /// Whether the organization is active.
        status: OrgStatus,
    },
    /// A user of one customer account.
    Customer {
        /// The customer.
        id: CustomerId,
        /// The customer's partner.
        partner_id: OrgId,
        /// Whether the customer account is active.
        status: CustomerStatus,
    },
}

/// The tenant of an organization's operators, as the directory has the organization now.
impl From<Organization> for Tenant {
    fn from(org: Organization) -> Self {
        Tenant::Organization {
            id: org.id,
            kind: org.kind,
            status: org.status,
        }
    }
}

/// The tenant of a customer account's users, as the directory has the customer now (an inactive
/// customer's users see nothing).
impl From<Customer> for Tenant {
    fn from(customer: Customer) -> Self {
        Tenant::Customer {
            id: customer.id,
            partner_id: customer.partner_id,
            status: customer.status,
        }
    }
}

/// The real actor behind an impersonated session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impersonator {
    /// The real actor.
    pub user_id: UserId,
    /// The real actor's email.
    pub email: String,
    /// Why they are impersonating.
    pub reason: String,
}

/// An authenticated caller, resolved from a token against the directory at request time, so that
/// profile changes and suspensions take effect on the next request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The user's email.
    pub email: String,
    /// The user's lifecycle state.
    pub status: UserStatus,
    /// What the user belongs to.
    pub tenant: Tenant,
    /// The user's profile.
    pub profile_id: ProfileId,
    /// The profile's code.
    pub profile_code: String,
    /// The profile's permissions.
    pub permissions: BTreeSet<Permission>,
    /// Set when this session is a login-as.
    pub impersonator: Option<Impersonator>,
}

/// The user id of [`Principal::anonymous`]; the gateway's own user ids never take this form.
const ANONYMOUS: &str = "anonymous";

impl Principal {
    /// The principal of `user`, from its profile and its organization or customer as the
    /// directory has them now. `NotFound` when one of those is missing.
    pub async fn of_user(
        directory: &dyn crate::traits::Directory,
        user: crate::model::User,
    ) -> Result<Principal> {
        // The profile and the tenant are read together: this runs on every request.
        let profile = async {
            one(&user.profile_id, |ids| directory.profiles(ids))
                .await?
                .ok_or(Error::NotFound)
        };
        let (profile, tenant) = futures::try_join!(profile, Self::tenant_of(directory, &user))?;
        Ok(Principal {
            user_id: user.id,
            email: user.email,
            status: user.status,
            tenant,
            profile_id: profile.id,
            profile_code: profile.code,
            permissions: profile.permissions,
            impersonator: None,
        })
    }

    /// Where `user` belongs: the platform, an organization or a customer account.
    async fn tenant_of(
        directory: &dyn crate::traits::Directory,
        user: &crate::model::User,
    ) -> Result<Tenant> {
        let tenant = match &user.membership {
            Membership::Platform => Some(Tenant::Platform),
            Membership::Organization(id) => one(id, |ids| directory.organizations(ids))
                .await?
                .map(Tenant::from),
            Membership::Customer(id) => one(id, |ids| directory.customers(ids))
                .await?
                .map(Tenant::from),
        };
        tenant.ok_or(Error::NotFound)
    }

    /// A caller without a token: sees nothing and holds no permission (it may only sign up).
    pub fn anonymous() -> Principal {
        Principal {
            user_id: UserId::from(ANONYMOUS),
            email: String::new(),
            status: UserStatus::Pending,
            tenant: Tenant::Platform,
            profile_id: ProfileId::from("none"),
            profile_code: String::new(),
            permissions: BTreeSet::new(),
            impersonator: None,
        }
    }

    /// Whether this is [`Principal::anonymous`], a caller without a token.
    pub fn is_anonymous(&self) -> bool {
        self.user_id.as_str() == ANONYMOUS && self.permissions.is_empty()
    }

    /// What this principal may see.
    pub fn scope(&self) -> Scope {
        if self.status != UserStatus::Active {
            return Scope::Nothing;
        }
        match &self.tenant {
            Tenant::Platform => Scope::All,
            Tenant::Organization { status, .. } if *status != OrgStatus::Active => Scope::Nothing,
            Tenant::Organization {
                id,
                kind: OrgKind::Distributor,
                ..
            } => Scope::Distributor(id.clone()),
            Tenant::Organization {
                id,
                kind: OrgKind::Partner,
                ..
            } => Scope::Partner(id.clone()),
            Tenant::Customer { status, .. } if *status != CustomerStatus::Active => Scope::Nothing,
            Tenant::Customer { id, partner_id, .. } => Scope::Customer {
                id: id.clone(),
                partner_id: partner_id.clone(),
            },
        }
    }

    /// Whether the principal's profile grants `permission`.
    pub fn has(&self, permission: Permission) -> bool {
        self.status == UserStatus::Active && self.permissions.contains(&permission)
    }

    /// Whether the principal may read `profile`: a built-in one always (it ships with the
    /// gateway: a sign-up's answer shows the new user's CUSTOMER_USER profile to a caller who
    /// sees nothing yet), the one it holds always (its own permissions are no secret to it,
    /// even when another organization owns the profile), any other only within its scope's
    /// reach ([`Scope::permits_profile`]).
    pub fn sees_profile(&self, profile: &Profile) -> bool {
        profile.is_built_in()
            || profile.id == self.profile_id
            || self.scope().permits_profile(profile)
    }

    /// Fails with [`Error::Forbidden`] unless the profile grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.has(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "the {} permission is required",
                permission.code()
            )))
        }
    }
}

/// What a principal may see. Unknown and forbidden look the same to callers: a record outside
/// the scope is reported as not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (platform administrators).
    All,
    /// A distributor, its partners and their customers.
    Distributor(OrgId),
    /// A partner and its customers.
    Partner(OrgId),
    /// One customer account.
    Customer {
        /// The customer.
        id: CustomerId,
        /// Its partner (whose offers the customer may see).
        partner_id: OrgId,
    },
    /// Nothing (pending or suspended users, inactive customers).
    Nothing,
}

/// Whose offers a scope may see; the caller loads these partner organizations and passes them to
/// [`Scope::permits_offer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferAudience {
    /// Every offer.
    All,
    /// Offers eligible for this partner.
    Partner(OrgId),
    /// Offers eligible for any partner of this distributor.
    PartnersOf(OrgId),
    /// No offer.
    Nothing,
}

impl Scope {
    /// Whether the organization is visible.
    pub fn permits_organization(&self, org: &Organization) -> bool {
        match self {
            Scope::All => true,
            Scope::Distributor(d) => &org.id == d || org.parent_id.as_ref() == Some(d),
            Scope::Partner(p) => &org.id == p,
            Scope::Customer { .. } | Scope::Nothing => false,
        }
    }

    /// Whether the customer is visible.
    pub fn permits_customer(&self, customer: &Customer) -> bool {
        match self {
            Scope::All => true,
            Scope::Distributor(d) => customer.distributor_id.as_ref() == Some(d),
            Scope::Partner(p) => &customer.partner_id == p,
            Scope::Customer { id, .. } => &customer.id == id,
            Scope::Nothing => false,
        }
    }

    /// Whether records of this account holder (its invoices, cases, ...) are visible.
    pub fn permits_holder(&self, holder: &AccountHolder) -> bool {
        match holder {
            AccountHolder::Organization(o) => self.permits_organization(o),
            AccountHolder::Customer(c) => self.permits_customer(c),
        }
    }

    /// Whether the user is visible; `owner` is the organization or customer the user belongs to,
    /// as loaded by the caller (platform users have none).
    pub fn permits_user(&self, user: &User, owner: Option<&AccountHolder>) -> bool {
        let owner_matches = match (&user.membership, owner) {
            (Membership::Platform, _) => return *self == Scope::All,
            (Membership::Organization(id), Some(AccountHolder::Organization(o))) => &o.id == id,
            (Membership::Customer(id), Some(AccountHolder::Customer(c))) => &c.id == id,
            _ => false,
        };
        owner_matches && owner.is_some_and(|o| self.permits_holder(o))
    }

    /// Whether an audit event is visible; `org` is the event's organization as loaded by the caller.
    pub fn permits_audit_event(&self, event: &AuditEvent, org: Option<&Organization>) -> bool {
        match self {
            Scope::All => true,
            Scope::Customer { id, .. } => event.customer_id.as_ref() == Some(id),
            Scope::Nothing => false,
            Scope::Distributor(_) | Scope::Partner(_) => {
                org.is_some_and(|o| event.org_id.as_ref() == Some(&o.id))
                    && org.is_some_and(|o| self.permits_organization(o))
            }
        }
    }

    /// Whether the profile is within reach: seen in lists, edited and given to users (with the
    /// permissions those writes need). Built-in profiles are within everyone's reach (nobody
    /// edits them). A custom profile is within reach of its owner only: the platform's of
    /// platform users, an organization's of that organization's own users. Deliberately
    /// strict: a distributor does not reach its partners' profiles, nor a partner its
    /// customers' users the profiles of others, and customer users reach no custom profile
    /// (but the one they hold, see [`Principal::sees_profile`]).
    pub fn permits_profile(&self, profile: &Profile) -> bool {
        match (&profile.owner, self) {
            (_, Scope::Nothing) => false,
            (ProfileOwner::BuiltIn, _) | (_, Scope::All) => true,
            (ProfileOwner::Organization(owner), Scope::Distributor(org) | Scope::Partner(org)) => {
                owner == org
            }
            (ProfileOwner::Platform, _)
            | (ProfileOwner::Organization(_), Scope::Customer { .. }) => false,
        }
    }

    /// Whose eligibility decides which offers this scope sees.
    pub fn offer_audience(&self) -> OfferAudience {
        match self {
            Scope::All => OfferAudience::All,
            Scope::Distributor(d) => OfferAudience::PartnersOf(d.clone()),
            Scope::Partner(p) => OfferAudience::Partner(p.clone()),
            Scope::Customer { partner_id, .. } => OfferAudience::Partner(partner_id.clone()),
            Scope::Nothing => OfferAudience::Nothing,
        }
    }

    /// Whether the offer is visible, given the partner organizations named by
    /// [`Scope::offer_audience`].
    pub fn permits_offer(&self, offer: &Offer, audience: &[Organization]) -> bool {
        match self.offer_audience() {
            OfferAudience::All => true,
            OfferAudience::Nothing => false,
            OfferAudience::Partner(p) => audience
                .iter()
                .any(|o| o.id == p && offer.is_eligible_for(o)),
            OfferAudience::PartnersOf(d) => audience
                .iter()
                .any(|o| o.parent_id.as_ref() == Some(&d) && offer.is_eligible_for(o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::BuiltInProfile;

    fn custom(owner: ProfileOwner) -> Profile {
        Profile {
            id: ProfileId::from("profile-custom"),
            code: "CUSTOM".to_owned(),
            name: "Custom".to_owned(),
            permissions: BTreeSet::new(),
            owner,
        }
    }

    #[test]
    fn a_custom_profile_is_within_reach_of_its_owner_and_the_platform_only() {
        let acme = OrgId::from("org-acme");
        let northwind = OrgId::from("org-northwind");
        let initech = Scope::Customer {
            id: CustomerId::from("cus-001"),
            partner_id: acme.clone(),
        };
        let scopes = [
            Scope::All,
            Scope::Partner(acme.clone()),
            Scope::Distributor(northwind.clone()),
            Scope::Partner(OrgId::from("org-globex")),
            initech,
            Scope::Nothing,
        ];
        // Per profile, whether each scope above reaches it.
        let table = [
            (
                BuiltInProfile::Viewer.profile(),
                [true, true, true, true, true, false],
            ),
            (
                custom(ProfileOwner::Platform),
                [true, false, false, false, false, false],
            ),
            (
                custom(ProfileOwner::Organization(acme)),
                [true, true, false, false, false, false],
            ),
            (
                custom(ProfileOwner::Organization(northwind)),
                [true, false, true, false, false, false],
            ),
        ];
        for (profile, reach) in &table {
            for (scope, expected) in scopes.iter().zip(reach) {
                assert_eq!(
                    scope.permits_profile(profile),
                    *expected,
                    "{scope:?} reaching {:?}",
                    profile.owner
                );
            }
        }
    }
}
