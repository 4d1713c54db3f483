//! Write policy: which writes a caller may make to which records.
//!
//! Every rule that decides whether a write may go ahead lives here, as a function of the caller
//! ([`Principal`]) and the records the write has already loaded. Nothing here does I/O, so each
//! rule can be unit tested per persona without a store (`crates/core/tests/write_policy/`);
//! the write methods of [`crate::write`] load, ask here, then write.
//!
//! Two kinds of refusal, kept apart on purpose:
//! - out of the caller's reach is [`Error::NotFound`], exactly like an id that does not exist,
//!   so that a caller learns nothing about other tenants' records. The rules that take an
//!   `Option` are given what the store found (`None` for nothing), so that absent and out of
//!   reach answer alike by construction;
//! - within reach but not allowed is [`Error::Forbidden`] (a missing permission, an escalation).
//!
//! What a caller may *see* is its [`Scope`](crate::Scope); these rules ask it and add what
//! writing needs on top: permissions, ownership of profiles, and the rules against escalation
//! (nobody grants a permission they do not hold, changes their own access, or chains a login-as).

use crate::error::{Error, Result};
use crate::ids::{CustomerId, OrgId, ProfileId};
use crate::model::{
    AccountHolder, Customer, CustomerStatus, Membership, Offer, OrgKind, OrgStatus, Organization,
    Profile, ProfileOwner, User, UserStatus,
};
use crate::permission::{BuiltInProfile, Permission};
use crate::principal::{Principal, Tenant};
use std::collections::BTreeSet;

/// A kind of write, for the permission it needs ([`Write::permission`], checked by [`permit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `createCustomer`, and the new customer of a `placeOrder`.
    CreateCustomer,
    /// `updateCustomer`, `deactivateCustomer`, `reactivateCustomer`.
    UpdateCustomer,
    /// `deleteCustomer`: all of a customer's data, for good.
    DeleteCustomer,
    /// `placeOrder`, `changeSubscription`, `cancelSubscription`.
    ManageSubscriptions,
    /// `payInvoice`.
    PayInvoice,
    /// `createCase`, `updateCase`, `addCaseComment`.
    ManageCases,
    /// Inviting and removing customer users; activating, suspending, re-profiling and removing
    /// operators; sending activation links.
    ManageUsers,
    /// `saveProfile`.
    SaveProfile,
    /// `impersonate` (login-as).
    Impersonate,
    /// `createOrganization`, `updateOrganization`, `deactivateOrganization`,
    /// `reactivateOrganization`.
    ManageOrganizations,
    /// `updateOffer`: an offer's sales channel, eligible partners and label.
    PublishOffers,
}

impl Write {
    /// The permission the caller's profile must grant for this write.
    pub fn permission(self) -> Permission {
        match self {
            Write::CreateCustomer | Write::UpdateCustomer => Permission::ManageCustomers,
            Write::DeleteCustomer => Permission::DeleteCustomers,
            Write::ManageSubscriptions => Permission::ManageSubscriptions,
            Write::PayInvoice => Permission::PayInvoices,
            Write::ManageCases => Permission::ManageCases,
            Write::ManageUsers => Permission::ManageUsers,
            Write::SaveProfile => Permission::ManageProfiles,
            Write::Impersonate => Permission::Impersonate,
            Write::ManageOrganizations => Permission::ManagePartners,
            Write::PublishOffers => Permission::ManageOffers,
        }
    }
}

/// Whether the caller may make this kind of write at all, before any record is looked at (so
/// that a caller without the permission is `FORBIDDEN` whatever the ids it names). A login-as
/// session never starts another, whatever its permissions: one real person behind one session.
pub fn permit(p: &Principal, write: Write) -> Result<()> {
    if write == Write::Impersonate && p.impersonator.is_some() {
        return Err(Error::Forbidden(
            "a login-as session cannot start another".to_owned(),
        ));
    }
    p.require(write.permission())
}

/// The customer, when the caller's scope covers it; `NOT_FOUND` otherwise.
pub fn reachable_customer(p: &Principal, found: Option<Customer>) -> Result<Customer> {
    found
        .filter(|c| p.scope().permits_customer(c))
        .ok_or(Error::NotFound)
}

/// The holder of an account (an invoice's, a subscription's, a case's), when the caller's scope
/// covers it; `NOT_FOUND` otherwise.
pub fn reachable_holder(p: &Principal, found: Option<AccountHolder>) -> Result<AccountHolder> {
    found
        .filter(|h| p.scope().permits_holder(h))
        .ok_or(Error::NotFound)
}

/// The user with the organization or customer it belongs to (none for platform users), when the
/// caller's scope covers it; `NOT_FOUND` otherwise.
pub fn reachable_user(
    p: &Principal,
    user: User,
    holder: Option<AccountHolder>,
) -> Result<(User, Option<AccountHolder>)> {
    if p.scope().permits_user(&user, holder.as_ref()) {
        Ok((user, holder))
    } else {
        Err(Error::NotFound)
    }
}

/// Whether the caller may change `user`'s access (activate, suspend, re-profile, remove, send a
/// link): never its own, or an admin could lift its own suspension or raise its own profile.
pub fn may_manage(p: &Principal, user: &User) -> Result<()> {
    if user.id == p.user_id {
        return Err(Error::Forbidden(
            "you cannot change your own access".to_owned(),
        ));
    }
    Ok(())
}

/// The customer a user removed by `removeCustomerUser` belongs to; operators are not customer
/// users, so for them that write answers `NOT_FOUND` (they have `removeUser`).
pub fn customer_of_user(user: &User) -> Result<&CustomerId> {
    match &user.membership {
        Membership::Customer(id) => Ok(id),
        Membership::Platform | Membership::Organization(_) => Err(Error::NotFound),
    }
}

/// Whether the caller may remove the customer user `user` (whose customer it reaches): not
/// itself, which would leave a customer admin locked out by a slip.
pub fn may_remove_customer_user(p: &Principal, user: &User) -> Result<()> {
    if user.id == p.user_id {
        return Err(Error::Conflict("you cannot remove yourself".to_owned()));
    }
    Ok(())
}

/// The error for a payment method that is not on the invoice's account, given the holder of the
/// account it is on: the wrong input when the caller reaches that holder, else `NOT_FOUND` like
/// an unknown id (so that a foreign method's existence is not confirmed).
pub fn payment_method_elsewhere(p: &Principal, method_holder: Option<&AccountHolder>) -> Error {
    if method_holder.is_some_and(|h| p.scope().permits_holder(h)) {
        Error::bad_input(
            "paymentMethodId",
            "the payment method is not on the invoice's account",
        )
    } else {
        Error::NotFound
    }
}

/// The partner a new customer is created under: the one named, or the caller's own
/// organization when a partner's operator names none. Whether the caller reaches it is
/// [`selling_partner`]'s to say once it is loaded.
pub fn new_customer_partner(p: &Principal, named: Option<&OrgId>) -> Result<OrgId> {
    match (&p.tenant, named) {
        (
            Tenant::Organization {
                id,
                kind: OrgKind::Partner,
                ..
            },
            None,
        ) => Ok(id.clone()),
        (_, Some(id)) => Ok(id.clone()),
        (_, None) => Err(Error::bad_input(
            "partnerId",
            "name the partner selling to the new customer",
        )),
    }
}

/// The organization a new customer is sold by, when it is a partner the caller reaches;
/// `NOT_FOUND` otherwise (a distributor sells through its partners, not itself).
pub fn selling_partner(p: &Principal, found: Option<Organization>) -> Result<Organization> {
    found
        .filter(|o| o.kind == OrgKind::Partner)
        .filter(|o| p.scope().permits_organization(o))
        .ok_or(Error::NotFound)
}

/// The offer, when `partner` may sell it. Any other is `NOT_FOUND`, like an offer that does not
/// exist: the caller reaches the partner, so an offer the partner may not sell is one the caller
/// may not order for it (and, for partner and customer callers, may not see).
pub fn orderable_offer(found: Option<Offer>, partner: &Organization) -> Result<Offer> {
    found
        .filter(|o| o.is_eligible_for(partner))
        .ok_or(Error::NotFound)
}

/// Who a profile the caller creates belongs to: its organization, or the platform for platform
/// users. Customer users manage no profiles.
pub fn profile_owner(p: &Principal) -> Result<ProfileOwner> {
    match &p.tenant {
        Tenant::Platform => Ok(ProfileOwner::Platform),
        Tenant::Organization { id, .. } => Ok(ProfileOwner::Organization(id.clone())),
        Tenant::Customer { .. } => Err(Error::Forbidden(
            "profiles are managed by operators".to_owned(),
        )),
    }
}

/// Fails unless the caller holds every permission in `permissions`: nobody hands out (or edits
/// a profile that holds) more than they may do themselves.
pub fn within_own_permissions(p: &Principal, permissions: &BTreeSet<Permission>) -> Result<()> {
    let missing: Vec<&str> = permissions
        .iter()
        .filter(|perm| !p.has(**perm))
        .map(|perm| perm.code())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "you cannot grant permissions you do not hold: {}",
            missing.join(", ")
        )))
    }
}

/// The profile, when within the caller's reach ([`crate::Scope::permits_profile`]); one out of
/// reach is `NOT_FOUND`, exactly like one that does not exist.
pub fn reachable_profile(p: &Principal, found: Option<Profile>) -> Result<Profile> {
    found
        .filter(|profile| p.scope().permits_profile(profile))
        .ok_or(Error::NotFound)
}

/// The custom profile the caller may edit: within reach (else `NOT_FOUND`), not built in (they
/// are fixed: the gateway restores them at start), and holding nothing the caller does not.
pub fn editable_profile(p: &Principal, found: Option<Profile>) -> Result<Profile> {
    let profile = reachable_profile(p, found)?;
    if profile.is_built_in() {
        return Err(Error::Conflict(
            "built-in profiles are fixed; create a profile of your own".to_owned(),
        ));
    }
    within_own_permissions(p, &profile.permissions)?;
    Ok(profile)
}

/// Whether a new profile of `owner` may not take `code`: codes are unique per owner and never a
/// built-in's. Other owners' codes do not count: they are out of reach, and a clash with them
/// must not reveal that they exist.
pub fn code_taken(owner: &ProfileOwner, code: &str, existing: &[Profile]) -> bool {
    existing
        .iter()
        .any(|p| p.code == code && (p.is_built_in() || &p.owner == owner))
}

/// The profile `user` (of `holder`) may be given by the caller: one within the caller's reach
/// (else `NOT_FOUND`, like a profile that does not exist), that grants nothing the caller does
/// not hold, and fits where the user sits. A custom profile fits only users of its owner: an
/// organization's profile its own operators and its customers' users, a platform profile any
/// organization or customer user.
pub fn grantable_profile(
    p: &Principal,
    user: &User,
    holder: Option<&AccountHolder>,
    found: Option<Profile>,
) -> Result<Profile> {
    let profile = reachable_profile(p, found)?;
    within_own_permissions(p, &profile.permissions)?;
    let kind = match holder {
        Some(AccountHolder::Organization(o)) => Some(o.kind),
        _ => None,
    };
    let fits = match &profile.owner {
        ProfileOwner::BuiltIn => match BuiltInProfile::ALL
            .iter()
            .find(|b| b.code() == profile.code)
        {
            Some(BuiltInProfile::PlatformAdmin) => user.membership == Membership::Platform,
            Some(BuiltInProfile::DistributorAdmin) => kind == Some(OrgKind::Distributor),
            Some(BuiltInProfile::CustomerAdmin | BuiltInProfile::CustomerUser) => {
                matches!(user.membership, Membership::Customer(_))
            }
            Some(_) => matches!(user.membership, Membership::Organization(_)),
            None => false,
        },
        ProfileOwner::Platform => !matches!(user.membership, Membership::Platform),
        ProfileOwner::Organization(owner) => match holder {
            Some(AccountHolder::Organization(o)) => &o.id == owner,
            Some(AccountHolder::Customer(c)) => &c.partner_id == owner,
            None => false,
        },
    };
    if fits {
        Ok(profile)
    } else {
        Err(Error::bad_input(
            "profileId",
            format!("the {} profile does not fit this user", profile.code),
        ))
    }
}

/// Whether the caller (allowed to log in as others, see [`permit`]) may log in as `user`, whom
/// it reaches: platform admins as any organization or customer user, organization users as the
/// users of their customers; never as oneself, never as a platform user (that would be a way
/// up, not across), and only as a user who is active, of an organization or customer account
/// (`holder`) that is active.
pub fn impersonation_target(
    p: &Principal,
    user: &User,
    holder: Option<&AccountHolder>,
) -> Result<()> {
    let allowed = match (&p.tenant, &user.membership) {
        (Tenant::Platform, Membership::Platform) => false,
        (Tenant::Platform, _) => true,
        (Tenant::Organization { .. }, Membership::Customer(_)) => true,
        _ => false,
    };
    if !allowed || user.id == p.user_id {
        return Err(Error::Forbidden(
            "you may not log in as this user".to_owned(),
        ));
    }
    if user.status != UserStatus::Active {
        return Err(Error::Conflict("the user is not active".to_owned()));
    }
    // Its token would be refused at once: say so now, not through a session that fails.
    let deactivated = match holder {
        Some(AccountHolder::Organization(o)) => o.status != OrgStatus::Active,
        Some(AccountHolder::Customer(c)) => c.status != CustomerStatus::Active,
        None => false,
    };
    if deactivated {
        return Err(Error::Conflict(
            "the user's organization or customer account is deactivated".to_owned(),
        ));
    }
    Ok(())
}

/// Whether the existing portal user with a launching Salesforce rep's email may be signed in as
/// that rep: only an active platform user with the read-only rep profile (`rep_profile`), so
/// that a launch can never sign in as an operator or a customer user.
pub fn salesforce_rep(user: &User, rep_profile: &ProfileId) -> Result<()> {
    let rep = user.membership == Membership::Platform && &user.profile_id == rep_profile;
    if !rep || user.status != UserStatus::Active {
        return Err(Error::Forbidden(
            "this email belongs to a portal user who is not a Salesforce rep".to_owned(),
        ));
    }
    Ok(())
}

/// Where a new organization of `kind` goes: the platform creates distributors (without a
/// parent) and partners under a distributor it names; a distributor creates partners under
/// itself only (naming another distributor is `NOT_FOUND`, as if it did not exist); nobody else
/// creates organizations. Returns the parent to load, checked by [`parent_distributor`].
pub fn new_organization_parent(
    p: &Principal,
    kind: OrgKind,
    named: Option<&OrgId>,
) -> Result<Option<OrgId>> {
    match (&p.tenant, kind, named) {
        (Tenant::Platform, OrgKind::Distributor, None) => Ok(None),
        (Tenant::Platform, OrgKind::Distributor, Some(_)) => Err(Error::bad_input(
            "parentId",
            "a distributor sits at the top of the channel: it has no parent",
        )),
        (Tenant::Platform, OrgKind::Partner, Some(id)) => Ok(Some(id.clone())),
        (Tenant::Platform, OrgKind::Partner, None) => Err(Error::bad_input(
            "parentId",
            "name the distributor the partner sells under",
        )),
        (
            Tenant::Organization {
                id,
                kind: OrgKind::Distributor,
                ..
            },
            OrgKind::Partner,
            named,
        ) => match named {
            Some(other) if other != id => Err(Error::NotFound),
            _ => Ok(Some(id.clone())),
        },
        (Tenant::Organization { .. }, OrgKind::Distributor, _) => Err(Error::Forbidden(
            "only the platform creates distributors".to_owned(),
        )),
        _ => Err(Error::Forbidden(
            "only distributors and the platform create organizations".to_owned(),
        )),
    }
}

/// The distributor a new partner sells under, when the caller reaches it; anything else
/// (another distributor's, a partner, nothing) is `NOT_FOUND`.
pub fn parent_distributor(p: &Principal, found: Option<Organization>) -> Result<Organization> {
    found
        .filter(|o| o.kind == OrgKind::Distributor)
        .filter(|o| p.scope().permits_organization(o))
        .ok_or(Error::NotFound)
}

/// The organization the caller may edit, deactivate or reactivate: any other organization
/// for the platform, a distributor's own partners for the distributor. Out of reach is
/// `NOT_FOUND`; within reach but not the caller's to administer (its own organization, whose
/// channel and status are its distributor's or the platform's to set) is `FORBIDDEN`.
pub fn manageable_organization(p: &Principal, found: Option<Organization>) -> Result<Organization> {
    let org = found
        .filter(|o| p.scope().permits_organization(o))
        .ok_or(Error::NotFound)?;
    let allowed = match &p.tenant {
        Tenant::Platform => true,
        Tenant::Organization {
            id,
            kind: OrgKind::Distributor,
            ..
        } => org.kind == OrgKind::Partner && org.parent_id.as_ref() == Some(id),
        _ => false,
    };
    if allowed {
        Ok(org)
    } else {
        Err(Error::Forbidden(
            "your organization is administered by its distributor or the platform".to_owned(),
        ))
    }
}

/// The sales channel an organization may sell through: a partner sells through its
/// distributor's channel unless the platform says otherwise (a distributor moving a partner
/// into another channel would hand it that channel's offers); a distributor's is the
/// platform's to name. `requested` is already trimmed and non-empty.
pub fn sales_channel(
    p: &Principal,
    parent: Option<&Organization>,
    requested: Option<&str>,
) -> Result<String> {
    match (&p.tenant, parent, requested) {
        (_, Some(parent), None) => Ok(parent.sales_channel.clone()),
        (Tenant::Platform, _, Some(channel)) => Ok(channel.to_owned()),
        (_, Some(parent), Some(channel)) if channel == parent.sales_channel => {
            Ok(channel.to_owned())
        }
        (_, Some(_), Some(_)) => Err(Error::Forbidden(
            "a partner sells through its distributor's sales channel".to_owned(),
        )),
        (_, None, _) => Err(Error::bad_input(
            "salesChannel",
            "name the sales channel the distributor sells through",
        )),
    }
}

/// The offer the caller may publish: the platform any offer; a distributor the offers of its
/// own sales channel (`own_channel`), anything else `NOT_FOUND` like an offer that does not
/// exist. Partners and customers publish nothing.
pub fn publishable_offer(
    p: &Principal,
    own_channel: Option<&str>,
    found: Option<Offer>,
) -> Result<Offer> {
    match &p.tenant {
        Tenant::Platform => found.ok_or(Error::NotFound),
        Tenant::Organization {
            kind: OrgKind::Distributor,
            ..
        } => found
            .filter(|o| own_channel == Some(o.sales_channel.as_str()))
            .ok_or(Error::NotFound),
        _ => Err(Error::Forbidden(
            "offers are published by distributors and the platform".to_owned(),
        )),
    }
}

/// Whether the caller may publish an offer of a channel through which `sellers` (every partner
/// of the channel, as found) sell: only when it reaches them all. A channel may be shared by
/// distributors, or hold a partner the platform put there, and one distributor must neither
/// take an offer from another's partners (by restricting it) nor hand it to them (by opening
/// it); the platform publishes the offers of a shared channel.
pub fn restrictable_offer(p: &Principal, sellers: &[Organization]) -> Result<()> {
    let scope = p.scope();
    if sellers.iter().all(|o| scope.permits_organization(o)) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "the offer's channel is shared with partners you do not administer; the platform \
             publishes its offers"
                .to_owned(),
        ))
    }
}

/// The partners an offer may be restricted to, given what the store found for the ids the
/// caller named (`named`): each must be a partner the caller reaches (else `NOT_FOUND`, as for
/// any id out of reach) that sells through the offer's `channel` (else the input is wrong).
pub fn eligible_partners(
    p: &Principal,
    channel: &str,
    named: &[OrgId],
    found: &[Organization],
) -> Result<Vec<OrgId>> {
    let mut ids = Vec::with_capacity(named.len());
    for id in named {
        let partner = found
            .iter()
            .find(|o| &o.id == id)
            .filter(|o| o.kind == OrgKind::Partner)
            .filter(|o| p.scope().permits_organization(o))
            .ok_or(Error::NotFound)?;
        if partner.sales_channel != channel {
            return Err(Error::bad_input(
                "eligiblePartnerIds",
                format!(
                    "{} does not sell through the {channel} channel",
                    partner.name
                ),
            ));
        }
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    Ok(ids)
}
