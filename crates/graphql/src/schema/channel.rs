//! The sales channel: distributors and partners (with their partners, customers, operators,
//! offers, billing and cases) and the catalog's offers, with their queries.

use super::access::users_page;
use super::holder::holder_object;
use super::{page_of, Customer, ExternalIds, Money, User};
use crate::inputs::*;
use crate::loaders::{CustomersOf, PartnersOf, UsersOfOrganization};
use crate::paging::{connection, object, Conn};
use crate::req::{req, OrFail, R};
use async_graphql::{Context, Description, ID};
use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model;
use partnergraph_core::policy::read::ReadArea;
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
