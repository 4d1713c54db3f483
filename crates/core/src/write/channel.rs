//! Writes to the channel itself: onboarding organizations (a saga like an order: billing
//! account under the parent's, CRM account under the parent's, each linked to the other, the
//! directory record, and optionally a first administrator invited with an activation link),
//! editing, deactivating and reactivating them, and publishing offers to a sales channel and
//! its eligible partners. Who may do which to what is the write policy's
//! ([`crate::policy::write`]).

use super::journal::Journal;
use super::{
    derived_id, email_address, text, Actor, Call, ContactChange, Writes, DEFAULT_CURRENCY, MAX_TEXT,
};
use crate::error::{Error, Result};
use crate::filter::{OrganizationFilter, OrganizationOrderField};
use crate::ids::{OfferId, OrgId, UserId};
use crate::model::{
    AccountHolder, AuditOutcome, Contact, CrmAccountKind, ExternalIds, InvoiceOwner, Membership,
    NewBillingAccount, NewContact, NewCrmAccount, Offer, OrgKind, OrgStatus, Organization, User,
    UserStatus,
};
use crate::paging::{Direction, Order, PageRequest, MAX_PAGE_SIZE};
use crate::permission::BuiltInProfile;
use crate::policy::write::{self as policy, Write};
use crate::traits::one;
use crate::Scope;
use serde::{Deserialize, Serialize};

/// A new distributor or partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganization {
    /// Distributor or partner.
    pub kind: OrgKind,
    /// For a partner, the distributor it sells under (implied for a distributor's callers).
    pub parent_id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Main contact email.
    pub email: String,
    /// Main contact's first name.
    pub first_name: Option<String>,
    /// Main contact's last name.
    pub last_name: Option<String>,
    /// The sales channel; a partner's defaults to its distributor's.
    pub sales_channel: Option<String>,
    /// Who is invoiced for what the organization sells; `PARTNER` by default.
    pub invoice_owner: Option<InvoiceOwner>,
    /// Currency of its billing account: a partner's is its distributor's (billing systems keep
    /// a hierarchy in one currency).
    pub currency: Option<String>,
    /// A first administrator to invite, sent an activation link.
    pub admin: Option<FirstAdmin>,
}

/// The first administrator of a new organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstAdmin {
    /// Login email; must not be in use.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

/// Changes to an organization; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationChanges {
    /// The organization.
    pub organization_id: OrgId,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New sales channel.
    pub sales_channel: Option<String>,
    /// Who is invoiced for subscriptions sold from now on (existing ones keep theirs).
    pub invoice_owner: Option<InvoiceOwner>,
    /// New details of the main contact person, in the CRM.
    pub contact: Option<ContactChange>,
}

/// How an offer is published; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferPublication {
    /// The offer.
    pub offer_id: OfferId,
    /// The sales channel it is sold through.
    pub sales_channel: Option<String>,
    /// The partners it is restricted to; empty for every partner of the channel.
    pub eligible_partner_ids: Option<Vec<OrgId>>,
    /// Its marketing label; empty to remove it.
    pub label: Option<String>,
}

/// A new organization checked and ready to create.
struct OrganizationPlan {
    org: Organization,
    parent: Option<Organization>,
    contact: NewContact,
    currency: String,
    admin: Option<User>,
}

impl Writes {
    /// Onboards a distributor or partner: its billing and CRM accounts (under its parent's),
    /// its directory record and, when asked, a first administrator sent an activation link
    /// to `portal_url`.
    pub async fn create_organization(
        &self,
        call: Call<'_, NewOrganization>,
        portal_url: &str,
    ) -> Result<Organization> {
        let actor = call.actor;
        let id: OrgId = self
            .journaled("createOrganization", &call, async |j| {
                let org = self.run_organization(actor, &call.input, j).await?;
                if call.input.admin.is_some() {
                    // Mailed once, by the call that onboarded (a replay answers from the
                    // journal); `sendActivationLink` sends another.
                    let admin = UserId::from(derived_id("user", &j.op.key));
                    let admin = self.load_user(&admin).await.unwrap_or_else(|e| {
                        // The onboarding stands whatever this read says.
                        tracing::warn!(error = %e, "first administrator not read back");
                        None
                    });
                    if let Some(admin) = admin {
                        let intro = format!(
                            "you are the first administrator of {} in the portal; open this \
                             link to activate your account:",
                            org.name
                        );
                        if let Err(e) = self.mail_activation_link(&admin, portal_url, &intro).await
                        {
                            tracing::warn!(error = %e, user = %admin.id, "activation link not sent");
                        }
                    }
                }
                Ok(org.id)
            })
            .await?;
        self.load_org(&id).await?.ok_or(Error::NotFound)
    }

    /// Validates and runs an onboarding's steps; on a step failure undoes the completed ones.
    pub(super) async fn run_organization(
        &self,
        actor: Actor<'_>,
        new: &NewOrganization,
        journal: &mut Journal,
    ) -> Result<Organization> {
        let plan = self.plan_organization(actor, new, journal).await?;
        let org = self
            .saga(journal, async |j| self.organization_steps(&plan, j).await)
            .await?;
        let holder = AccountHolder::Organization(org.clone());
        self.audit_target(actor, "organization.create", org.id.global(), &holder)
            .await;
        Ok(org)
    }

    /// Checks an onboarding against the caller's permissions and reach before anything is
    /// written.
    async fn plan_organization(
        &self,
        actor: Actor<'_>,
        new: &NewOrganization,
        journal: &Journal,
    ) -> Result<OrganizationPlan> {
        let p = actor.principal;
        policy::permit(p, Write::ManageOrganizations)?;
        let parent_id = policy::new_organization_parent(p, new.kind, new.parent_id.as_ref())?;
        let parent = match parent_id {
            Some(id) => Some(policy::parent_distributor(p, self.load_org(&id).await?)?),
            None => None,
        };
        let name = text("name", &new.name, MAX_TEXT)?;
        let email = email_address("email", &new.email)?;
        let requested = optional_text("salesChannel", new.sales_channel.as_deref())?;
        let sales_channel = policy::sales_channel(p, parent.as_ref(), requested.as_deref())?;
        let currency = self.organization_currency(parent.as_ref(), new).await?;
        let key = &journal.op.key;
        let id = OrgId::from(derived_id("org", key));
        let admin = match &new.admin {
            Some(admin) => Some(self.new_admin(admin, &id, new.kind, journal).await?),
            None => None,
        };
        let org = Organization {
            id,
            kind: new.kind,
            name: name.clone(),
            parent_id: parent.as_ref().map(|o| o.id.clone()),
            sales_channel,
            invoice_owner: new.invoice_owner.unwrap_or(InvoiceOwner::Partner),
            external: ExternalIds::default(),
            created_at: journal.op.created_at,
            status: OrgStatus::Active,
            email: Some(email.clone()),
        };
        let contact = NewContact {
            first_name: optional_text("firstName", new.first_name.as_deref())?.unwrap_or_default(),
            last_name: optional_text("lastName", new.last_name.as_deref())?.unwrap_or(name),
            email,
            phone: None,
        };
        Ok(OrganizationPlan {
            org,
            parent,
            contact,
            currency,
            admin,
        })
    }

    /// The currency of a new organization's billing account: its distributor's, when it has
    /// one (a different one named is refused: a billing hierarchy has one currency), else the
    /// one named, else [`DEFAULT_CURRENCY`].
    async fn organization_currency(
        &self,
        parent: Option<&Organization>,
        new: &NewOrganization,
    ) -> Result<String> {
        let named =
            optional_text("currency", new.currency.as_deref())?.map(|c| c.to_ascii_uppercase());
        if let Some(c) = &named {
            if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(Error::bad_input(
                    "currency",
                    "a currency is a three-letter ISO 4217 code",
                ));
            }
        }
        let parent_account = match parent.and_then(|o| o.external.billing.as_ref()) {
            Some(id) => one(id, |ids| self.c.billing.accounts(ids)).await?,
            None => None,
        };
        match (parent_account, named) {
            (Some(account), Some(c)) if account.balance.currency != c => Err(Error::bad_input(
                "currency",
                format!(
                    "a partner is billed in its distributor's currency, {}",
                    account.balance.currency
                ),
            )),
            (Some(account), _) => Ok(account.balance.currency),
            (None, named) => Ok(named.unwrap_or_else(|| DEFAULT_CURRENCY.to_owned())),
        }
    }

    /// The first administrator of the organization `org`, pending until activated, with the
    /// administrator profile of its kind; its email must not be in use.
    async fn new_admin(
        &self,
        admin: &FirstAdmin,
        org: &OrgId,
        kind: OrgKind,
        journal: &Journal,
    ) -> Result<User> {
        let email = email_address("admin.email", &admin.email)?;
        let id = UserId::from(derived_id("user", &journal.op.key));
        self.email_unused(&email, &id).await?;
        let profile = match kind {
            OrgKind::Distributor => BuiltInProfile::DistributorAdmin,
            OrgKind::Partner => BuiltInProfile::Admin,
        };
        Ok(User {
            id,
            email,
            first_name: text("admin.firstName", &admin.first_name, MAX_TEXT)?,
            last_name: text("admin.lastName", &admin.last_name, MAX_TEXT)?,
            profile_id: profile.id(),
            status: UserStatus::Pending,
            membership: Membership::Organization(org.clone()),
            created_at: journal.op.created_at,
        })
    }

    /// The onboarding's steps, each journaled before it runs and idempotent under its key.
    async fn organization_steps(
        &self,
        plan: &OrganizationPlan,
        journal: &mut Journal,
    ) -> Result<Organization> {
        let parent = plan.parent.as_ref().map(|o| &o.external);
        let org = &plan.org;
        let billing_request = NewBillingAccount {
            name: org.name.clone(),
            currency: plan.currency.clone(),
            parent_id: parent.and_then(|e| e.billing.clone()),
        };
        let crm_request = NewCrmAccount {
            name: org.name.clone(),
            parent_id: parent.and_then(|e| e.crm.clone()),
            kind: match org.kind {
                OrgKind::Distributor => CrmAccountKind::Distributor,
                OrgKind::Partner => CrmAccountKind::Partner,
            },
            billing: None,
            contact: Some(plan.contact.clone()),
        };
        let (billing, crm) = self
            .account_steps(journal, &billing_request, crm_request)
            .await?;
        let org = Organization {
            external: ExternalIds {
                billing: Some(billing.id),
                crm: Some(crm.id),
            },
            ..org.clone()
        };
        let org: Organization = self
            .step(journal, "directory.organization", &org, async |o| {
                self.c
                    .directory
                    .save_organization(o)
                    .await
                    .map(|()| o.clone())
            })
            .await?;
        if let Some(admin) = &plan.admin {
            let _: User = self
                .step(journal, "directory.user", admin, async |u| {
                    self.c.directory.save_user(u).await.map(|()| u.clone())
                })
                .await?;
        }
        Ok(org)
    }

    /// Changes an organization's name, contact, sales channel or invoice owner. A new invoice
    /// owner applies to subscriptions sold from now on: existing ones keep theirs.
    pub async fn update_organization(
        &self,
        call: Call<'_, OrganizationChanges>,
    ) -> Result<Organization> {
        let input = &call.input;
        let id = &input.organization_id;
        self.edit_organization("updateOrganization", &call, id, async |org, p| {
            if let Some(name) = &input.name {
                org.name = text("name", name, MAX_TEXT)?;
            }
            if let Some(email) = &input.email {
                org.email = Some(email_address("email", email)?);
            }
            if let Some(requested) = optional_text("salesChannel", input.sales_channel.as_deref())?
            {
                let parent = match &org.parent_id {
                    Some(parent) => self.load_org(parent).await?,
                    None => None,
                };
                org.sales_channel = policy::sales_channel(p, parent.as_ref(), Some(&requested))?;
            }
            if let Some(owner) = input.invoice_owner {
                org.invoice_owner = owner;
            }
            if let Some(change) = &input.contact {
                let crm = org.external.crm.clone().ok_or_else(|| {
                    Error::Conflict(
                        "the organization has no CRM account to keep a contact in".to_owned(),
                    )
                })?;
                let fallback = Contact {
                    account_id: crm.clone(),
                    first_name: String::new(),
                    last_name: org.name.clone(),
                    email: org.email.clone().unwrap_or_default(),
                    phone: None,
                };
                self.update_contact(&crm, &fallback, change).await?;
            }
            Ok(())
        })
        .await
    }

    /// Deactivates (`active = false`) or reactivates an organization. A deactivated
    /// organization's operators are refused from their next request; its customers keep their
    /// own access, and nothing is deleted.
    pub async fn set_organization_active(
        &self,
        call: Call<'_, OrgId>,
        active: bool,
    ) -> Result<Organization> {
        let (mutation, status) = if active {
            ("reactivateOrganization", OrgStatus::Active)
        } else {
            ("deactivateOrganization", OrgStatus::Inactive)
        };
        self.edit_organization(mutation, &call, &call.input, async |org, _| {
            org.status = status;
            Ok(())
        })
        .await
    }

    /// Runs `mutation` as a journaled edit of the organization `id`, which the caller must
    /// administer ([`policy::manageable_organization`]); `change` edits the record, which is
    /// then saved and audited.
    async fn edit_organization<I: Serialize>(
        &self,
        mutation: &str,
        call: &Call<'_, I>,
        id: &OrgId,
        change: impl AsyncFnOnce(&mut Organization, &crate::Principal) -> Result<()>,
    ) -> Result<Organization> {
        let actor = call.actor;
        let id: OrgId = self
            .journaled(mutation, call, async |_| {
                policy::permit(actor.principal, Write::ManageOrganizations)?;
                let found = self.load_org(id).await?;
                let mut org = policy::manageable_organization(actor.principal, found)?;
                change(&mut org, actor.principal).await?;
                self.c.directory.save_organization(&org).await?;
                let holder = AccountHolder::Organization(org.clone());
                let action = super::audit::audit_action(mutation);
                self.audit_target(actor, action, org.id.global(), &holder)
                    .await;
                Ok(org.id)
            })
            .await?;
        self.load_org(&id).await?.ok_or(Error::NotFound)
    }

    /// Publishes an offer: its sales channel, the partners it is restricted to, its label. A
    /// partner that loses eligibility stops seeing the offer, and cannot order it, from the
    /// next request.
    pub async fn update_offer(&self, call: Call<'_, OfferPublication>) -> Result<Offer> {
        let (actor, input) = (call.actor, &call.input);
        let p = actor.principal;
        self.journaled("updateOffer", &call, async |_| {
            policy::permit(p, Write::PublishOffers)?;
            let own = match &p.tenant {
                crate::Tenant::Organization { id, .. } => self.load_org(id).await?,
                _ => None,
            };
            let own_channel = own.as_ref().map(|o| o.sales_channel.as_str());
            let found = one(&input.offer_id, |ids| self.c.catalog.offers(ids)).await?;
            let mut offer = policy::publishable_offer(p, own_channel, found)?;
            if !matches!(p.tenant, crate::Tenant::Platform) {
                let sellers = self.partners_selling_through(&offer.sales_channel).await?;
                policy::restrictable_offer(p, &sellers)?;
            }
            if let Some(channel) = optional_text("salesChannel", input.sales_channel.as_deref())? {
                if own_channel.is_some_and(|own| own != channel) {
                    return Err(Error::Forbidden(
                        "a distributor publishes offers to its own sales channel".to_owned(),
                    ));
                }
                offer.sales_channel = channel;
            }
            if let Some(named) = &input.eligible_partner_ids {
                if named.len() > MAX_ELIGIBLE {
                    return Err(Error::bad_input(
                        "eligiblePartnerIds",
                        format!("an offer is restricted to at most {MAX_ELIGIBLE} partners"),
                    ));
                }
                let found = self.c.directory.organizations(named).await?;
                offer.eligible_partner_ids =
                    policy::eligible_partners(p, &offer.sales_channel, named, &found)?;
            } else if input.sales_channel.is_some() && !offer.eligible_partner_ids.is_empty() {
                // Partners of the old channel are no partners of the new one; a restricted
                // offer left with none would be open to the whole new channel, which nobody
                // asked for.
                let found = self
                    .c
                    .directory
                    .organizations(&offer.eligible_partner_ids)
                    .await?;
                offer.eligible_partner_ids.retain(|id| {
                    found
                        .iter()
                        .any(|o| &o.id == id && o.sales_channel == offer.sales_channel)
                });
                if offer.eligible_partner_ids.is_empty() {
                    return Err(Error::bad_input(
                        "eligiblePartnerIds",
                        "none of the partners the offer is restricted to sells through the new \
                         channel: name those that may sell it there (an empty list opens it to \
                         all of them)",
                    ));
                }
            }
            if let Some(label) = &input.label {
                offer.label = optional_text("label", Some(label))?;
            }
            let published = self.c.catalog.publish_offer(&offer).await?;
            let target = published.id.global().encode();
            let org = self.actor_org(actor);
            self.record(
                actor,
                "offer.publish",
                target,
                AuditOutcome::Success,
                org,
                None,
            )
            .await;
            Ok(published)
        })
        .await
    }
}

impl Writes {
    /// Every partner that sells through `channel`, whoever administers it: a channel may be
    /// shared by distributors, or the platform may have put a partner into it. Read a page at a
    /// time; writes to offers are rare beside reads.
    async fn partners_selling_through(&self, channel: &str) -> Result<Vec<Organization>> {
        let filter = OrganizationFilter {
            kind: Some(OrgKind::Partner),
            ..OrganizationFilter::default()
        };
        let order = Order {
            field: OrganizationOrderField::CreatedAt,
            direction: Direction::Asc,
        };
        let mut sellers = Vec::new();
        let mut after = None;
        loop {
            let page = PageRequest::new(Some(MAX_PAGE_SIZE as i64), after, None, None)?;
            let page = self
                .c
                .directory
                .list_organizations(&Scope::All, &filter, order, &page)
                .await?;
            let more = page.has_next();
            after = (page.offset + page.items.len() as u64).checked_sub(1);
            sellers.extend(
                page.items
                    .into_iter()
                    .filter(|o| o.sales_channel == channel),
            );
            if !more {
                return Ok(sellers);
            }
        }
    }
}

/// Most partners an offer may be restricted to by name: a channel's partner list, not a
/// way to make one write load the whole directory.
const MAX_ELIGIBLE: usize = 100;

/// An optional single-line text, trimmed; empty is the same as absent.
fn optional_text(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, MAX_TEXT).map(Some),
    }
}
