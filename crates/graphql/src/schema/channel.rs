//! The sales channel: distributors and partners (with their partners, customers, operators,
//! offers, billing and cases, and the figures a distributor's pages show per partner) and the
//! catalog's offers, with their queries and the writes that onboard, edit, deactivate and
//! reactivate organizations and publish offers.

use super::access::users_page;
use super::crm::contact_of;
use super::customers::ContactInput;
use super::holder::holder_object;
use super::{page_of, public_url, run_write, Contact, Customer, ExternalIds, Money, User};
use crate::inputs::*;
use crate::loaders::{CustomersOf, PartnersOf, UsersOfOrganization};
use crate::paging::{connection, object, Conn};
use crate::req::{req, OrFail, R};
use async_graphql::{Context, Description, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model;
use partnergraph_core::policy::read::ReadArea;
use partnergraph_core::write::{
    ContactChange, FirstAdmin, NewOrganization, OfferPublication, OrganizationChanges,
};
use partnergraph_core::NodeKind;

/// A distributor or a partner (reseller) organization of the channel.
#[derive(Description)]
pub struct Organization(pub model::Organization);

holder_object! {
impl Organization as AccountRef::Organization {
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Distributor or partner.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// The sales channel the organization sells through; offers are published per channel.
    async fn sales_channel(&self) -> &str {
        &self.0.sales_channel
    }
    /// Who is invoiced for subscriptions this organization sells.
    async fn invoice_owner(&self) -> InvoiceOwner {
        self.0.invoice_owner.into()
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Active, or deactivated (its operators refused, its customers unaffected).
    async fn status(&self) -> OrganizationStatus {
        self.0.status.into()
    }
    /// The main contact email the portal was given (null for organizations onboarded
    /// upstream without one).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The main contact in the CRM.
    async fn contact(&self, ctx: &Context<'_>) -> R<Option<Contact>> {
        contact_of(ctx, &self.0.external).await
    }
    /// Active customers this organization sells to (for a distributor: all its partners'),
    /// among those the caller may see. Read from the directory's summary of each customer,
    /// with every organization of the page in one batch.
    async fn customer_count(&self, ctx: &Context<'_>) -> R<i64> {
        Ok(self.active_customers(ctx).await?.len() as i64)
    }
    /// Seats over the active subscriptions of those customers.
    async fn active_seats(&self, ctx: &Context<'_>) -> R<i64> {
        let customers = self.active_customers(ctx).await?;
        Ok(customers.iter().map(|c| c.seats).sum())
    }
    /// How many of those customers have a subscription term ending within `withinDays` days
    /// of today (30, 60 and 90 are what renewal planning asks).
    async fn expiring_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Days from today, 1 to 366.", default = 30)] within_days: i32,
    ) -> R<i64> {
        let r = req(ctx);
        if !(1..=366).contains(&within_days) {
            return Err(r.fail(partnergraph_core::Error::bad_input(
                "withinDays",
                "`withinDays` must be between 1 and 366",
            )));
        }
        let today = super::today();
        let until = today + chrono::Days::new(within_days as u64);
        let customers = self.active_customers(ctx).await?;
        let expiring = customers
            .iter()
            .filter(|c| c.expires_on.is_some_and(|d| d >= today && d <= until))
            .count();
        Ok(expiring as i64)
    }
    /// The SKUs those customers subscribe to, sorted, without duplicates.
    async fn skus_sold(&self, ctx: &Context<'_>) -> R<Vec<String>> {
        let customers = self.active_customers(ctx).await?;
        let mut skus: Vec<String> = customers.iter().flat_map(|c| c.skus.clone()).collect();
        skus.sort();
        skus.dedup();
        Ok(skus)
    }
    /// The distributor a partner sells under (null for distributors, or when not visible).
    async fn parent(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        match &self.0.parent_id {
            Some(id) => Ok(req(ctx).organization(id).await?.map(Organization)),
            None => Ok(None),
        }
    }
    /// The partners of a distributor (empty for partners).
    async fn partners(&self, ctx: &Context<'_>) -> R<Conn<Organization>>
    where list(cost, args, filter: OrganizationFilter, order_by: OrganizationOrderField)
    {
        let r = req(ctx);
        let criteria = args.decode(r)?;
        let mut partners = r.children(PartnersOf(self.0.id.clone())).await?;
        partners.retain(|p| r.scope.permits_organization(p));
        Ok(page_of(partners, criteria, Organization))
    }
    /// The end customers this organization sells to (for a distributor: all of its partners').
    async fn customers(&self, ctx: &Context<'_>) -> R<Conn<Customer>>
    where list(cost, args, filter: CustomerFilter, order_by: CustomerOrderField)
    {
        let r = req(ctx);
        let criteria = args.decode(r)?;
        let mut customers = r.children(CustomersOf(self.0.id.clone())).await?;
        customers.retain(|c| r.scope.permits_customer(c));
        Ok(page_of(customers, criteria, Customer))
    }
    /// The organization's operators (needs VIEW_USERS).
    async fn users(&self, ctx: &Context<'_>) -> R<Conn<User>>
    where list(cost, args, filter: UserFilter, order_by: UserOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Users)?;
        let users = r.children(UsersOfOrganization(self.0.id.clone())).await?;
        users_page(r, users, args)
    }
    /// The offers this organization may sell (for a distributor: those any of its partners may).
    async fn eligible_offers(&self, ctx: &Context<'_>) -> R<Conn<Offer>>
    where list(cost, args, filter: OfferFilter, order_by: OfferOrderField)
    {
        let r = req(ctx);
        let criteria = args.decode(r)?;
        let sellers = match self.0.kind {
            model::OrgKind::Partner => vec![self.0.clone()],
            model::OrgKind::Distributor => r.children(PartnersOf(self.0.id.clone())).await?,
        };
        let mut offers = r.visible_offers().await?;
        offers.retain(|o| sellers.iter().any(|s| o.is_eligible_for(s)));
        Ok(page_of(offers, criteria, Offer))
    }
    /// The organization's accounts in billing and CRM.
    async fn external_ids(&self) -> ExternalIds {
        (&self.0.external).into()
    }
}
accounts {
    /// The open balance of the organization's own billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    balance,
    /// Subscriptions on the organization's own billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    subscriptions,
    /// Invoices billed to the organization itself, e.g. for customers whose invoice owner is
    /// the partner (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    invoices,
    /// Payments made by the organization (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    payments,
    /// Payment methods stored for the organization (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    payment_methods,
    /// Support cases of the organization's own account (needs VIEW_CASES; null, with an error, while the CRM is unreachable).
    cases,
}
}

impl Organization {
    /// The active customers of this organization the caller may see, through the request's
    /// batch of every organization's customers.
    async fn active_customers(&self, ctx: &Context<'_>) -> R<Vec<model::Customer>> {
        let r = req(ctx);
        let mut customers = r.children(CustomersOf(self.0.id.clone())).await?;
        customers
            .retain(|c| c.status == model::CustomerStatus::Active && r.scope.permits_customer(c));
        Ok(customers)
    }
}

/// What a sales channel offers partners to order for their customers.
#[derive(Description)]
pub struct Offer(pub model::Offer);

object! {
node impl Offer {
    /// Stable offer code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A short marketing label.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    /// The sales channel the offer is published to.
    async fn sales_channel(&self) -> &str {
        &self.0.sales_channel
    }
    /// The SKU a subscription to this offer carries.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// Price per seat and billing period.
    async fn price(&self) -> Money {
        self.0.price.clone().into()
    }
    /// How often the offer is billed.
    async fn billing_period(&self) -> BillingPeriod {
        self.0.billing_period.into()
    }
    /// Smallest quantity that may be ordered.
    async fn min_seats(&self) -> i64 {
        self.0.min_seats
    }
    /// Largest quantity that may be ordered, if bounded.
    async fn max_seats(&self) -> Option<i64> {
        self.0.max_seats
    }
    /// The partners the offer is restricted to, among those the caller can see; empty when
    /// every partner of the channel may sell it.
    async fn eligible_partners(&self, ctx: &Context<'_>) -> R<Vec<Organization>> {
        let r = req(ctx);
        let mut out = Vec::new();
        for id in &self.0.eligible_partner_ids {
            if let Some(org) = r.organization(id).await? {
                out.push(Organization(org));
            }
        }
        Ok(out)
    }
}
}

/// Organizations by id and as a list.
#[derive(Default, Description)]
pub(crate) struct OrganizationsQuery;

object! {
impl OrganizationsQuery {
    /// An organization by id; null when it does not exist or the caller may not see it.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's global id.")] id: ID,
    ) -> R<Option<Organization>> {
        let r = req(ctx);
        let local: OrgId = decode(&id, NodeKind::Organization, "id").or_fail(r)?;
        Ok(r.organization(&local).await?.map(Organization))
    }

    /// Distributors and partners the caller may see.
    async fn organizations(&self, ctx: &Context<'_>) -> R<Conn<Organization>>
    where list(root_cost, args, filter: OrganizationFilter, order_by: OrganizationOrderField)
    {
        let r = req(ctx);
        let c = args.decode(r)?;
        let directory = &r.connectors.directory;
        let page = directory.list_organizations(&r.scope, &c.filter, c.order, &c.page);
        Ok(connection(page.await.or_fail(r)?, Organization))
    }
}
}

/// The catalog as the caller may see it.
#[derive(Default, Description)]
pub(crate) struct OffersQuery;

object! {
impl OffersQuery {
    /// Offers the caller may see: those whose sales channel and eligible partners include the
    /// caller's partner (for distributors: any of their partners).
    async fn offers(&self, ctx: &Context<'_>) -> R<Conn<Offer>>
    where list(cost, args, filter: OfferFilter, order_by: OfferOrderField)
    {
        let r = req(ctx);
        let criteria = args.decode(r)?;
        Ok(page_of(r.visible_offers().await?, criteria, Offer))
    }
}
}

/// A new distributor or partner, as part of `createOrganization`.
#[derive(InputObject)]
pub struct NewOrganizationInput {
    /// Distributor (platform administrators only) or partner.
    pub kind: OrganizationKind,
    /// For a partner, the distributor it sells under: required for platform administrators,
    /// implied for distributors' (who onboard partners under themselves only).
    pub parent_id: Option<ID>,
    /// Display name (at most 200 characters).
    pub name: String,
    /// Main contact email.
    pub email: String,
    /// Main contact's first name.
    pub first_name: Option<String>,
    /// Main contact's last name.
    pub last_name: Option<String>,
    /// The sales channel: a partner's is its distributor's (only the platform may name
    /// another); a distributor's is required.
    pub sales_channel: Option<String>,
    /// Who is invoiced for what the organization sells; PARTNER when absent.
    pub invoice_owner: Option<InvoiceOwner>,
    /// ISO 4217 code of its billing account's currency: a partner's is its distributor's;
    /// USD for a distributor when absent.
    pub currency: Option<String>,
    /// A first administrator to invite: created PENDING and sent an activation link.
    pub admin: Option<FirstAdminInput>,
}

/// The first administrator of a new organization.
#[derive(InputObject)]
pub struct FirstAdminInput {
    /// Login email; must not be in use.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

write_input! {
/// Input of `createOrganization`.
pub struct CreateOrganizationInput {
    /// The organization.
    pub organization: NewOrganizationInput,
}
}

write_input! {
/// Input of `updateOrganization`; absent fields stay as they are.
pub struct UpdateOrganizationInput {
    /// The organization.
    pub organization_id: ID,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New sales channel (a partner's may only be its distributor's, unless the platform
    /// sets it).
    pub sales_channel: Option<String>,
    /// Who is invoiced for subscriptions sold from now on; existing subscriptions keep theirs.
    pub invoice_owner: Option<InvoiceOwner>,
    /// New details of the main contact person, in the CRM.
    pub contact: Option<ContactInput>,
}
}

write_input! {
/// Input of the mutations that act on one organization as a whole.
pub struct OrganizationActionInput {
    /// The organization.
    pub organization_id: ID,
}
}

write_input! {
/// Input of `updateOffer`; absent fields stay as they are.
pub struct UpdateOfferInput {
    /// The offer.
    pub offer_id: ID,
    /// The sales channel it is published to (a distributor publishes to its own only).
    pub sales_channel: Option<String>,
    /// The partners it is restricted to (at most 100), each selling through its channel; an
    /// empty list opens it to every partner of the channel.
    pub eligible_partner_ids: Option<Vec<ID>>,
    /// Its marketing label; an empty string removes it.
    pub label: Option<String>,
}
}

/// What an organization mutation touched.
#[derive(SimpleObject)]
pub struct OrganizationPayload {
    /// The organization as it is now.
    pub organization: Organization,
}

/// What `updateOffer` touched.
#[derive(SimpleObject)]
pub struct OfferPayload {
    /// The offer as the catalog now has it.
    pub offer: Offer,
}

fn organization_id(id: &ID, field: &str) -> partnergraph_core::Result<OrgId> {
    decode(id, NodeKind::Organization, field)
}

impl NewOrganizationInput {
    fn into_core(self) -> partnergraph_core::Result<NewOrganization> {
        Ok(NewOrganization {
            kind: self.kind.into(),
            parent_id: self
                .parent_id
                .map(|id| organization_id(&id, "parentId"))
                .transpose()?,
            name: self.name,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            sales_channel: self.sales_channel,
            invoice_owner: self.invoice_owner.map(Into::into),
            currency: self.currency,
            admin: self.admin.map(|a| FirstAdmin {
                email: a.email,
                first_name: a.first_name,
                last_name: a.last_name,
            }),
        })
    }
}

async fn set_active(
    ctx: &Context<'_>,
    input: OrganizationActionInput,
    active: bool,
) -> R<OrganizationPayload> {
    let key = input.idempotency_key.as_deref();
    let id = organization_id(&input.organization_id, "organizationId");
    let (_, org) = run_write(ctx, key, id, |w, call| {
        w.set_organization_active(call, active)
    })
    .await?;
    Ok(OrganizationPayload {
        organization: Organization(org),
    })
}

/// Onboarding and administering the channel's organizations, and publishing offers.
#[derive(Default, Description)]
pub(crate) struct ChannelMutation;

object! {
impl ChannelMutation {
    /// Onboards a distributor (platform administrators) or a partner (under the caller's own
    /// distributor, or for the platform under the one named): its billing account under the
    /// parent's, its CRM account under the parent's, each recording the other's id, its
    /// directory record, and optionally a first administrator sent an activation link. All
    /// or nothing (needs MANAGE_PARTNERS).
    async fn create_organization(&self, ctx: &Context<'_>) -> R<OrganizationPayload>
    where write(input: CreateOrganizationInput)
    {
        let key = input.idempotency_key.as_deref();
        let new = input.organization.into_core();
        let base = public_url(ctx)?;
        let (_, org) = run_write(ctx, key, new, |w, call| w.create_organization(call, base)).await?;
        Ok(OrganizationPayload {
            organization: Organization(org),
        })
    }

    /// Changes an organization's name, contact, sales channel or invoice owner (needs
    /// MANAGE_PARTNERS; distributors administer their own partners, the platform any
    /// organization).
    async fn update_organization(&self, ctx: &Context<'_>) -> R<OrganizationPayload>
    where write(input: UpdateOrganizationInput)
    {
        let key = input.idempotency_key.as_deref();
        let changes = organization_id(&input.organization_id, "organizationId").map(|id| {
            OrganizationChanges {
                organization_id: id,
                name: input.name,
                email: input.email,
                sales_channel: input.sales_channel,
                invoice_owner: input.invoice_owner.map(Into::into),
                contact: input.contact.map(|c| ContactChange {
                    first_name: c.first_name,
                    last_name: c.last_name,
                    phone: c.phone,
                }),
            }
        });
        let (_, org) = run_write(ctx, key, changes, |w, call| w.update_organization(call)).await?;
        Ok(OrganizationPayload {
            organization: Organization(org),
        })
    }

    /// Deactivates an organization: its operators are refused from their next request; its
    /// customers keep their own access; nothing is deleted (needs MANAGE_PARTNERS).
    async fn deactivate_organization(&self, ctx: &Context<'_>) -> R<OrganizationPayload>
    where write(input: OrganizationActionInput)
    {
        set_active(ctx, input, false).await
    }

    /// Reactivates a deactivated organization (needs MANAGE_PARTNERS).
    async fn reactivate_organization(&self, ctx: &Context<'_>) -> R<OrganizationPayload>
    where write(input: OrganizationActionInput)
    {
        set_active(ctx, input, true).await
    }

    /// Publishes an offer: the sales channel it is sold through, the partners it is
    /// restricted to and its label, in the catalog (Zuora's product rate plan when the catalog
    /// is Zuora). A partner that loses eligibility stops seeing the offer, and cannot order
    /// it, from the next request (needs MANAGE_OFFERS; distributors publish the offers of
    /// their own channel).
    async fn update_offer(&self, ctx: &Context<'_>) -> R<OfferPayload>
    where write(input: UpdateOfferInput)
    {
        let key = input.idempotency_key.as_deref();
        let publication = (|| {
            Ok(OfferPublication {
                offer_id: decode(&input.offer_id, NodeKind::Offer, "offerId")?,
                sales_channel: input.sales_channel,
                eligible_partner_ids: input
                    .eligible_partner_ids
                    .map(|ids| {
                        ids.iter()
                            .map(|id| organization_id(id, "eligiblePartnerIds"))
                            .collect::<partnergraph_core::Result<Vec<_>>>()
                    })
                    .transpose()?,
                label: input.label,
            })
        })();
        let (_, offer) = run_write(ctx, key, publication, |w, call| w.update_offer(call)).await?;
        Ok(OfferPayload { offer: Offer(offer) })
    }
}
}
