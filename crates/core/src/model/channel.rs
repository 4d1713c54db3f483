//! The channel: distributors and partners, their end customers, and the offers they sell.

use super::*;

/// Where an organization sits in the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgKind {
    /// Sells through partners; has no customers of its own.
    Distributor,
    /// A reseller: has end customers, may sit under a distributor.
    Partner,
}

/// Who receives the invoices of a subscription sold by a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceOwner {
    /// The partner is invoiced (the end customer's billing account has the partner as parent).
    Partner,
    /// The end customer is invoiced directly.
    Customer,
}

/// Whether an organization sells through the portal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgStatus {
    /// Selling: its operators work in the portal.
    #[default]
    Active,
    /// Deactivated: its operators are refused; its customers keep their own access and
    /// nothing is deleted.
    Inactive,
}

/// A distributor or partner organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Directory id.
    pub id: OrgId,
    /// Distributor or partner.
    pub kind: OrgKind,
    /// Display name.
    pub name: String,
    /// For a partner, the distributor it sells under.
    pub parent_id: Option<OrgId>,
    /// The sales channel the organization sells through; offers are published per channel.
    pub sales_channel: String,
    /// Who is invoiced for subscriptions this organization sells.
    pub invoice_owner: InvoiceOwner,
    /// Links to the organization's own billing and CRM accounts.
    pub external: ExternalIds,
    /// When the directory record was created.
    pub created_at: DateTime<Utc>,
    /// Active or deactivated (records kept before deactivation existed read as active).
    #[serde(default)]
    pub status: OrgStatus,
    /// The main contact email, where the portal was told one.
    #[serde(default)]
    pub email: Option<String>,
}

/// Whether an end customer account is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerStatus {
    /// In use.
    Active,
    /// Deactivated: data kept, users refused.
    Inactive,
}

/// An end customer account, sold to by a partner.
///
/// `seats`, `skus` and `expires_on` are the directory's summary of the customer's active
/// subscriptions. They are kept beside the record so that customer lists can be filtered and
/// sorted by them in one query instead of fanning out to billing for every candidate row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Directory id.
    pub id: CustomerId,
    /// The partner that sells to this customer.
    pub partner_id: OrgId,
    /// The partner's distributor, if any (denormalised so scope checks need no second lookup).
    pub distributor_id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Main contact email of the account.
    pub email: String,
    /// The billing account number (e.g. `A00001234`).
    pub account_number: String,
    /// Active or inactive.
    pub status: CustomerStatus,
    /// Seats over all active subscriptions.
    pub seats: i64,
    /// SKUs of active subscriptions, sorted, without duplicates.
    pub skus: Vec<String>,
    /// The latest term end over active subscriptions.
    pub expires_on: Option<NaiveDate>,
    /// Links to the customer's billing and CRM accounts.
    pub external: ExternalIds,
    /// When the directory record was created.
    pub created_at: DateTime<Utc>,
}

/// Whose account an upstream record (an invoice, a case) belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountHolder {
    /// An organization's own account.
    Organization(Organization),
    /// An end customer's account.
    Customer(Customer),
}

impl AccountHolder {
    /// The holder's external ids.
    pub fn external(&self) -> &ExternalIds {
        match self {
            AccountHolder::Organization(o) => &o.external,
            AccountHolder::Customer(c) => &c.external,
        }
    }
}

/// A sales channel's offer of a product: what partners may order for customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// Catalog id.
    pub id: OfferId,
    /// Stable code (e.g. `M365-BP-MONTHLY`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// A short marketing label (e.g. `Most popular`).
    pub label: Option<String>,
    /// The sales channel the offer is published to.
    pub sales_channel: String,
    /// Partners the offer is restricted to; empty means every partner of the channel.
    pub eligible_partner_ids: Vec<OrgId>,
    /// The SKU a subscription to this offer carries.
    pub sku: String,
    /// Price per seat and billing period.
    pub price: Money,
    /// How often the offer is billed.
    pub billing_period: BillingPeriod,
    /// Smallest quantity that may be ordered.
    pub min_seats: i64,
    /// Largest quantity that may be ordered, if bounded.
    pub max_seats: Option<i64>,
}

impl Offer {
    /// Whether `partner` may order this offer: it sells through the offer's channel and, when the
    /// offer is restricted, is one of its eligible partners.
    pub fn is_eligible_for(&self, partner: &Organization) -> bool {
        partner.kind == OrgKind::Partner
            && partner.sales_channel == self.sales_channel
            && (self.eligible_partner_ids.is_empty()
                || self.eligible_partner_ids.contains(&partner.id))
    }
}

/// How often an offer is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BillingPeriod {
    /// Every month.
    Monthly,
    /// Every year.
    Annual,
}
