//! The capabilities a connector can provide, as object-safe traits used as `Arc<dyn Trait>`.
//!
//! Every read takes many keys at once and returns records in no particular order (callers key
//! them by id): the GraphQL layer's DataLoaders collect the keys of a whole page and make one call
//! per entity type, so a page costs a handful of upstream calls however many rows it has.
//! Unknown keys are simply absent from the result; they are not an error.

use crate::error::Result;
use crate::filter::*;
use crate::ids::*;
use crate::model::*;
use crate::paging::{Order, Page, PageRequest};
use crate::principal::Scope;
use async_trait::async_trait;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

/// The records of many parent accounts, one shared list per account: a caching connector hands
/// out the lists it holds with a reference count, not a copy, and every resolver of a page reads
/// the same list. Accounts without records may be absent.
pub type Lists<Id, V> = HashMap<Id, Arc<[V]>>;

/// Groups `records` into [`Lists`] by `parent`: what the `*_by_account` reads do by default, for
/// connectors that keep nothing and so have nothing to share.
pub fn lists<Id: Eq + Hash + Clone, V>(
    records: Vec<V>,
    parent: impl Fn(&V) -> &Id,
) -> Lists<Id, V> {
    let mut grouped: HashMap<Id, Vec<V>> = HashMap::new();
    for record in records {
        grouped
            .entry(parent(&record).clone())
            .or_default()
            .push(record);
    }
    grouped
        .into_iter()
        .map(|(id, list)| (id, list.into()))
        .collect()
}

/// The one record with `id`, read through a batch read (`|ids| directory.customers(ids)`); `None`
/// when there is none. Reads are batch-first, so single-record lookups (sign-in, the write side)
/// go through this instead of each building its one-key batch and picking the result.
pub async fn one<'a, K, V, F>(id: &'a K, read: impl FnOnce(&'a [K]) -> F) -> Result<Option<V>>
where
    F: Future<Output = Result<Vec<V>>>,
{
    Ok(read(std::slice::from_ref(id)).await?.pop())
}

/// Which accounts a root list of billing or CRM records covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSet<Id> {
    /// Every account (platform administrators).
    All,
    /// Only these accounts.
    Only(Vec<Id>),
}

impl<Id: PartialEq + Clone> AccountSet<Id> {
    /// Narrows the set to one account; a narrowing outside the set yields the empty set, so a
    /// client filter can never widen what the scope allows.
    pub fn narrow_to(&self, id: &Id) -> AccountSet<Id> {
        match self {
            AccountSet::All => AccountSet::Only(vec![id.clone()]),
            AccountSet::Only(ids) if ids.contains(id) => AccountSet::Only(vec![id.clone()]),
            AccountSet::Only(_) => AccountSet::Only(Vec::new()),
        }
    }
}

/// The upstream accounts whose records a scope may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedAccounts {
    /// Billing accounts.
    pub billing: AccountSet<BillingAccountId>,
    /// CRM accounts.
    pub crm: AccountSet<CrmAccountId>,
}

/// The portal's own records: organizations, customers, users, profiles, audit events.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Checks that the store answers (for readiness probes).
    async fn ping(&self) -> Result<()>;

    /// A number that moves on whenever a write to the directory completes, so that what is
    /// derived from its records (the principal a token stands for) may be remembered while
    /// the number stays the same; `None` when the directory cannot tell (another process may
    /// write to it unseen), and then nothing derived from it may be remembered.
    fn version(&self) -> Option<u64> {
        None
    }

    /// Organizations by id.
    async fn organizations(&self, ids: &[OrgId]) -> Result<Vec<Organization>>;
    /// A page of the organizations the scope may see.
    async fn list_organizations(
        &self,
        scope: &Scope,
        filter: &OrganizationFilter,
        order: Order<OrganizationOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Organization>>;
    /// The partners of each of these distributors.
    async fn partners_of(&self, distributor_ids: &[OrgId]) -> Result<Vec<Organization>>;

    /// Customers by id.
    async fn customers(&self, ids: &[CustomerId]) -> Result<Vec<Customer>>;
    /// The customers sold by these organizations: a partner's own, or all under a distributor.
    async fn customers_of(&self, org_ids: &[OrgId]) -> Result<Vec<Customer>>;
    /// A page of the customers the scope may see.
    async fn list_customers(
        &self,
        scope: &Scope,
        filter: &CustomerFilter,
        order: Order<CustomerOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Customer>>;

    /// The organizations and customers that own these billing accounts.
    async fn holders_by_billing_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<AccountHolder>>;
    /// The organizations and customers that own these CRM accounts.
    async fn holders_by_crm_account(&self, ids: &[CrmAccountId]) -> Result<Vec<AccountHolder>>;
    /// The upstream accounts whose records the scope may see.
    async fn accounts_in_scope(&self, scope: &Scope) -> Result<ScopedAccounts>;

    /// Users by id.
    async fn users(&self, ids: &[UserId]) -> Result<Vec<User>>;
    /// A user by login email (case-insensitive).
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    /// The users of these organizations and customers.
    async fn users_by_membership(&self, memberships: &[Membership]) -> Result<Vec<User>>;
    /// A page of the operators (platform and organization users) the scope may see.
    async fn list_operators(
        &self,
        scope: &Scope,
        filter: &UserFilter,
        order: Order<UserOrderField>,
        page: &PageRequest,
    ) -> Result<Page<User>>;

    /// Profiles by id.
    async fn profiles(&self, ids: &[ProfileId]) -> Result<Vec<Profile>>;
    /// Every profile.
    async fn all_profiles(&self) -> Result<Vec<Profile>>;

    /// A page of the audit events the scope may see, newest first.
    async fn list_audit_events(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>>;

    /// Creates or replaces an organization record.
    async fn save_organization(&self, organization: &Organization) -> Result<()>;
    /// Removes an organization record that nothing refers to yet (undoing a failed
    /// onboarding); idempotent. Organizations in use are deactivated, never removed.
    async fn delete_organization(&self, id: &OrgId) -> Result<()>;
    /// Creates or replaces a customer record.
    async fn save_customer(&self, customer: &Customer) -> Result<()>;
    /// Removes a customer record with its users; idempotent. Returns what went with it.
    async fn delete_customer(&self, id: &CustomerId) -> Result<Removed>;
    /// Creates or replaces a user.
    async fn save_user(&self, user: &User) -> Result<()>;
    /// Removes a user; idempotent.
    async fn delete_user(&self, id: &UserId) -> Result<()>;
    /// Appends an audit event.
    async fn record_audit(&self, event: &AuditEvent) -> Result<()>;
    /// Creates or replaces a profile.
    async fn save_profile(&self, profile: &Profile) -> Result<()>;
    /// Withdraws a token until it would have expired.
    async fn revoke_token(&self, token: &RevokedToken) -> Result<()>;
    /// Stores a new identity; `false` when its email is taken.
    async fn create_identity(&self, identity: &Identity) -> Result<bool>;
    /// The identity with this (lower-cased) email.
    async fn identity(&self, email: &str) -> Result<Option<Identity>>;
    /// Removes an identity; idempotent.
    async fn delete_identity(&self, email: &str) -> Result<()>;
    /// Stores an activation link's hash.
    async fn save_activation(&self, token: &ActivationToken) -> Result<()>;
    /// Removes and returns the activation link with this hash, atomically: a link is redeemed
    /// once even when clicked twice at the same moment.
    async fn take_activation(&self, token_hash: &str) -> Result<Option<ActivationToken>>;
    /// Records a single-use token as used; `false` when it already was (a replay). Atomic:
    /// of two concurrent uses exactly one gets `true`.
    async fn consume_once(&self, token: &RevokedToken) -> Result<bool>;
    /// Whether the token with this `jti` was withdrawn.
    async fn is_token_revoked(&self, jti: &str) -> Result<bool>;

    /// Journals `op` unless an operation with its key exists, atomically: of many concurrent
    /// callers with one key exactly one gets `None` (and runs the operation); the others get
    /// the journaled operation.
    async fn begin_operation(&self, op: &Operation) -> Result<Option<Operation>>;
    /// Stores an operation's progress.
    async fn save_operation(&self, op: &Operation) -> Result<()>;
    /// Operations still running or compensating (to resume after a restart).
    async fn unfinished_operations(&self) -> Result<Vec<Operation>>;
}

/// Money: billing accounts, subscriptions, invoices, payments, payment methods.
#[async_trait]
pub trait Billing: Send + Sync {
    /// Billing accounts by id.
    async fn accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<BillingAccount>>;
    /// A billing account by its number (exact match; callers normalise first).
    async fn account_by_number(&self, number: &str) -> Result<Option<BillingAccount>>;

    /// Subscriptions by id.
    async fn subscriptions(&self, ids: &[SubscriptionId]) -> Result<Vec<Subscription>>;
    /// All subscriptions owned by these accounts.
    async fn subscriptions_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<Subscription>>;
    /// [`Billing::subscriptions_for_accounts`] as a shared list per account.
    async fn subscriptions_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Subscription>> {
        Ok(lists(self.subscriptions_for_accounts(ids).await?, |s| {
            &s.account_id
        }))
    }
    /// A page of the subscriptions of these accounts.
    async fn list_subscriptions(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &SubscriptionFilter,
        order: Order<SubscriptionOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Subscription>>;

    /// Invoices by id.
    async fn invoices(&self, ids: &[InvoiceId]) -> Result<Vec<Invoice>>;
    /// All invoices billed to these accounts.
    async fn invoices_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Invoice>>;
    /// [`Billing::invoices_for_accounts`] as a shared list per account.
    async fn invoices_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Invoice>> {
        Ok(lists(self.invoices_for_accounts(ids).await?, |i| {
            &i.account_id
        }))
    }
    /// A page of the invoices of these accounts; "overdue" is judged against today (UTC).
    async fn list_invoices(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &InvoiceFilter,
        order: Order<InvoiceOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Invoice>>;

    /// Payments by id.
    async fn payments(&self, ids: &[PaymentId]) -> Result<Vec<Payment>>;
    /// All payments made by these accounts.
    async fn payments_for_accounts(&self, ids: &[BillingAccountId]) -> Result<Vec<Payment>>;
    /// [`Billing::payments_for_accounts`] as a shared list per account.
    async fn payments_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, Payment>> {
        Ok(lists(self.payments_for_accounts(ids).await?, |p| {
            &p.account_id
        }))
    }

    /// Payment methods by id.
    async fn payment_methods(&self, ids: &[PaymentMethodId]) -> Result<Vec<PaymentMethod>>;
    /// All payment methods stored for these accounts.
    async fn payment_methods_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Vec<PaymentMethod>>;
    /// [`Billing::payment_methods_for_accounts`] as a shared list per account.
    async fn payment_methods_by_account(
        &self,
        ids: &[BillingAccountId],
    ) -> Result<Lists<BillingAccountId, PaymentMethod>> {
        Ok(lists(self.payment_methods_for_accounts(ids).await?, |m| {
            &m.account_id
        }))
    }

    /// Creates a billing account for `key` unless one exists for it; returns it either way, so
    /// a retried or resumed step never creates a second one.
    async fn create_billing_account(
        &self,
        key: &str,
        account: &NewBillingAccount,
    ) -> Result<BillingAccount>;
    /// Records on a billing account the CRM account of the same holder (Zuora's `crmId`);
    /// idempotent.
    async fn link_crm_account(&self, id: &BillingAccountId, crm: &CrmAccountId) -> Result<()>;
    /// Deletes a billing account with its subscriptions, invoices, payments and payment
    /// methods; idempotent.
    async fn delete_billing_account(&self, id: &BillingAccountId) -> Result<Removed>;
    /// Creates a subscription for `key` unless one exists for it; returns it either way.
    async fn create_subscription(&self, key: &str, new: &NewSubscription) -> Result<Subscription>;
    /// Gives an existing subscription the quantity, offer, status, term and renewal of
    /// `desired` (an amendment, for `key` once); returns it as billing now has it.
    async fn update_subscription(&self, key: &str, desired: &Subscription) -> Result<Subscription>;
    /// Removes a subscription that never took effect (undoing a failed order); idempotent.
    async fn delete_subscription(&self, id: &SubscriptionId) -> Result<()>;
    /// Applies a payment for `key` unless one exists for it, lowering the invoice's balance in
    /// the same transaction; returns the payment either way.
    async fn apply_payment(&self, key: &str, new: &NewPayment) -> Result<Payment>;
}

/// The CRM: contacts and support cases.
#[async_trait]
pub trait Crm: Send + Sync {
    /// The contacts of these CRM accounts.
    async fn contacts_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Contact>>;
    /// [`Crm::contacts_for_accounts`] as a shared list per account.
    async fn contacts_by_account(
        &self,
        ids: &[CrmAccountId],
    ) -> Result<Lists<CrmAccountId, Contact>> {
        Ok(lists(self.contacts_for_accounts(ids).await?, |c| {
            &c.account_id
        }))
    }
    /// Cases by id.
    async fn cases(&self, ids: &[CaseId]) -> Result<Vec<Case>>;
    /// All cases of these CRM accounts.
    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> Result<Vec<Case>>;
    /// [`Crm::cases_for_accounts`] as a shared list per account.
    async fn cases_by_account(&self, ids: &[CrmAccountId]) -> Result<Lists<CrmAccountId, Case>> {
        Ok(lists(self.cases_for_accounts(ids).await?, |c| {
            &c.account_id
        }))
    }
    /// A page of the cases of these accounts.
    async fn list_cases(
        &self,
        accounts: &AccountSet<CrmAccountId>,
        filter: &CaseFilter,
        order: Order<CaseOrderField>,
        page: &PageRequest,
    ) -> Result<Page<Case>>;

    /// Creates a CRM account for `key` unless one exists for it; returns it either way.
    async fn create_crm_account(&self, key: &str, account: &NewCrmAccount) -> Result<CrmAccount>;
    /// Creates or replaces the contact with this account and email.
    async fn save_contact(&self, contact: &Contact) -> Result<()>;
    /// Deletes a CRM account with its contacts and cases; idempotent.
    async fn delete_crm_account(&self, id: &CrmAccountId) -> Result<Removed>;
    /// Gives an existing case the status, priority, description and comments of `desired`.
    async fn update_case(&self, desired: &Case) -> Result<Case>;
    /// Opens a case for `key` unless one exists for it; returns it either way.
    async fn create_case(&self, key: &str, new: &NewCase) -> Result<Case>;
}

/// The product catalog: what partners may sell.
#[async_trait]
pub trait Catalog: Send + Sync {
    /// Offers by id.
    async fn offers(&self, ids: &[OfferId]) -> Result<Vec<Offer>>;
    /// Every offer (catalogs are small; eligibility is decided by [`Scope::permits_offer`]).
    async fn all_offers(&self) -> Result<Vec<Offer>>;
    /// Publishes an existing offer as `desired` has it: its sales channel, eligible partners
    /// and label (the rest of an offer is the catalog's own); returns it as the catalog now
    /// has it. Idempotent.
    async fn publish_offer(&self, desired: &Offer) -> Result<Offer>;
}

/// Delivers email (activation links). The default writes each message to the data directory's
/// outbox and logs that it did; an SMTP mailer can take its place.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `email`.
    async fn send(&self, email: &Email) -> Result<()>;
}

/// The connector chosen for each capability, as configured.
#[derive(Clone)]
pub struct Connectors {
    /// Organizations, customers, users, profiles, audit.
    pub directory: Arc<dyn Directory>,
    /// Billing.
    pub billing: Arc<dyn Billing>,
    /// CRM.
    pub crm: Arc<dyn Crm>,
    /// Catalog.
    pub catalog: Arc<dyn Catalog>,
}
