//! What the CRM holds (Salesforce, or the local store): accounts, contacts and support cases,
//! and the records a write creates there.

use super::*;

/// An account in the CRM (a Salesforce Account), mirroring an organization or customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmAccount {
    /// CRM id.
    pub id: CrmAccountId,
    /// Account name.
    pub name: String,
    /// Parent account (the partner's, for an end customer).
    pub parent_id: Option<CrmAccountId>,
    /// The billing account of the same holder, where the CRM records it.
    #[serde(default)]
    pub billing: Option<BillingLink>,
}

/// A person at an account in the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// CRM account the contact belongs to.
    pub account_id: CrmAccountId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
}

/// Lifecycle of a support case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseStatus {
    /// Opened, untouched.
    New,
    /// Being worked on.
    Working,
    /// Escalated.
    Escalated,
    /// Done.
    Closed,
}

/// Urgency of a support case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CasePriority {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// A support case in the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// CRM id.
    pub id: CaseId,
    /// Case number (e.g. `00001026`).
    pub number: String,
    /// The CRM account the case is about.
    pub account_id: CrmAccountId,
    /// One-line subject.
    pub subject: String,
    /// Full description.
    pub description: String,
    /// Lifecycle state.
    pub status: CaseStatus,
    /// Urgency.
    pub priority: CasePriority,
    /// When the case was opened.
    pub created_at: DateTime<Utc>,
    /// Comments, oldest first.
    #[serde(default)]
    pub comments: Vec<CaseComment>,
}

/// A comment on a support case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseComment {
    /// Unique within the case; derived from the write that added it, so a retry adds nothing.
    pub id: String,
    /// When it was added.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author_email: String,
    /// The text.
    pub body: String,
}

/// What a CRM account stands for in the channel (Salesforce's `Account.Type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrmAccountKind {
    /// An end customer.
    #[default]
    Customer,
    /// A partner (reseller).
    Partner,
    /// A distributor.
    Distributor,
}

/// The billing account a CRM account is linked to, as integrations between the two expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingLink {
    /// The billing account's id.
    pub id: BillingAccountId,
    /// The billing account's number.
    pub number: String,
}

/// A CRM account to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCrmAccount {
    /// Account name.
    pub name: String,
    /// The parent account (the partner's for a customer, the distributor's for a partner).
    pub parent_id: Option<CrmAccountId>,
    /// What the account stands for.
    #[serde(default)]
    pub kind: CrmAccountKind,
    /// The billing account of the same customer or organization, recorded on the CRM account
    /// so that either system leads to the other.
    #[serde(default)]
    pub billing: Option<BillingLink>,
    /// Its first contact, created with it in one transaction: a CRM never holds a new end
    /// customer without the person to talk to.
    #[serde(default)]
    pub contact: Option<NewContact>,
}

/// A person to record at a new CRM account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
}

impl NewContact {
    /// The contact once its account exists.
    pub fn at(&self, account_id: &CrmAccountId) -> Contact {
        Contact {
            account_id: account_id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }
}

/// A support case to open; the CRM numbers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The CRM account the case is about.
    pub account_id: CrmAccountId,
    /// One-line summary.
    pub subject: String,
    /// Details.
    pub description: String,
    /// Urgency.
    pub priority: CasePriority,
}
