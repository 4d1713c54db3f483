//! Writes: authorization, validation, idempotency, audit, and the saga behind writes that span
//! capabilities.
//!
//! Every write runs through [`Writes`], which knows connectors only as core's traits, and asks
//! [`crate::policy::write`] whether the caller may make it. A write is journaled through
//! [`Directory::begin_operation`](crate::traits::Directory::begin_operation) before anything
//! else happens (`journal.rs`), so concurrent and retried calls with one idempotency key get the
//! first call's answer. Writes that span capabilities (a new customer: billing account, CRM
//! account and contact, subscription, directory record) run as a saga (`saga.rs`): each step is
//! journaled before it runs and idempotent by a key derived from the operation, so a step can be
//! re-run after a crash without creating twice; a failing step undoes the completed ones in
//! reverse, and a process that stops mid-way resumes the operation on its next start
//! ([`Writes::resume_unfinished`]).
//!
//! This root holds what every write shares: [`Writes`] and [`Actor`], the input checks and the
//! re-exports. The writes themselves live by domain, each beside the input types it takes:
//! `channel` (organizations and offers), `customers`, `orders` (and subscriptions), `billing`, `cases`, `operators` (users,
//! activation links, login-as, logout), `profiles` and `signup`; `audit` writes the audit
//! log for all of them.

mod audit;
mod billing;
mod cases;
mod channel;
mod customers;
mod journal;
mod operators;
mod orders;
mod profiles;
mod saga;
mod signup;

pub use billing::{InvoicePayment, PaymentResult};
pub use cases::{CaseChange, CaseRequest};
pub use channel::{FirstAdmin, NewOrganization, OfferPublication, OrganizationChanges};
pub use customers::{ContactChange, CustomerChanges, Deletion, NewCustomer};
pub use operators::{sha256_hex, UserInvite};
pub use orders::{Order, OrderFor, OrderResult, SubscriptionChange};
pub use profiles::ProfileInput;
pub use saga::{NoHook, StepHook, StepPhase};
pub use signup::{normalize_account_number, IdentityProvider, SignUp};

use crate::error::{Error, Result};
use crate::ids::{CustomerId, OrgId, ProfileId, UserId};
use crate::model::{Customer, Organization, Profile, User};
use crate::principal::Principal;
use crate::traits::{one, Connectors};
use chrono::Utc;
use std::sync::Arc;

/// Currency of a new billing account when nothing decides another: no offer ordered, no
/// parent account to share one with, none named.
const DEFAULT_CURRENCY: &str = "USD";

/// Longest accepted name, subject or email.
const MAX_TEXT: usize = 200;
/// Longest accepted case description.
const MAX_DESCRIPTION: usize = 10_000;

/// Mints the gateway's own session tokens; the server implements it with its token issuer,
/// so that core decides who may log in as whom without knowing token formats.
pub trait Sessions: Send + Sync {
    /// A short-lived token acting as `user` on behalf of `actor` for `reason`, and its expiry.
    fn impersonation_token(
        &self,
        user: &User,
        actor: &Principal,
        reason: &str,
    ) -> Result<(String, chrono::DateTime<Utc>)>;
}

/// Who is writing, for authorization and audit.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// The request, echoed in the audit log.
    pub request_id: &'a str,
}

/// One write as its caller asked for it: who asks, what for, and under which idempotency key.
/// A write is journaled, authorized and audited by exactly these three, so every journaled
/// write takes them together.
#[derive(Debug, Clone)]
pub struct Call<'a, I> {
    /// Who is writing.
    pub actor: Actor<'a>,
    /// What the caller asks for; journaled as the write's input, so a retry under the same
    /// key must ask for the same.
    pub input: I,
    /// The caller's idempotency key; without one the write runs under a fresh key.
    pub key: Option<&'a str>,
}

impl<'a, I> Call<'a, I> {
    /// The same caller and key asking for `f(input)`: for a write journaled under another
    /// shape of input than its callers give (a new customer is journaled as the order that
    /// creates it, so that a resumed saga finds an order).
    pub fn map<J>(self, f: impl FnOnce(I) -> J) -> Call<'a, J> {
        Call {
            actor: self.actor,
            input: f(self.input),
            key: self.key,
        }
    }
}

/// The write side of the portal model.
#[derive(Clone)]
pub struct Writes {
    c: Connectors,
    identities: Arc<dyn IdentityProvider>,
    mailer: Arc<dyn crate::traits::Mailer>,
    hook: Arc<dyn StepHook>,
    sign_ups: signup::SignUpLimits,
}

impl Writes {
    /// Writes through `connectors`, with sign-in identities in `identities`, mail sent through
    /// `mailer` and `hook` around saga steps.
    pub fn new(
        connectors: Connectors,
        identities: Arc<dyn IdentityProvider>,
        mailer: Arc<dyn crate::traits::Mailer>,
        hook: Arc<dyn StepHook>,
    ) -> Self {
        Self {
            c: connectors,
            identities,
            mailer,
            hook,
            sign_ups: signup::SignUpLimits::new(),
        }
    }

    // One record by id, `None` when there is none: whether the caller may reach it is the
    // write policy's to say, which answers a record out of reach like one that is absent.

    /// The user with `id`, if there is one.
    async fn load_user(&self, id: &UserId) -> Result<Option<User>> {
        one(id, |ids| self.c.directory.users(ids)).await
    }

    /// The organization with `id`, if there is one.
    async fn load_org(&self, id: &OrgId) -> Result<Option<Organization>> {
        one(id, |ids| self.c.directory.organizations(ids)).await
    }

    /// The customer with `id`, if there is one.
    async fn load_customer(&self, id: &CustomerId) -> Result<Option<Customer>> {
        one(id, |ids| self.c.directory.customers(ids)).await
    }

    /// The profile with `id`, if there is one.
    async fn load_profile(&self, id: &ProfileId) -> Result<Option<Profile>> {
        one(id, |ids| self.c.directory.profiles(ids)).await
    }
}

/// A stable id for the record a write step creates under `key`: retries of the step compute the
/// same id, which is what makes steps idempotent in the local store.
pub fn derived_id(prefix: &str, key: &str) -> String {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes());
    format!("{prefix}-{}", id.simple())
}

/// A required single-line text of at most `max` characters, trimmed.
fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    if value.chars().count() > max || value.contains(['\n', '\r']) {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be one line of at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A free text of at most [`MAX_DESCRIPTION`] characters, trimmed; it may be empty.
fn long_text(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > MAX_DESCRIPTION {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A plausible email address, trimmed: one `@`, a dot in the domain, no spaces.
fn email_address(field: &str, value: &str) -> Result<String> {
    let value = text(field, value, MAX_TEXT)?;
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(value)
    } else {
        Err(Error::bad_input(
            field,
            format!("`{value}` is not an email address"),
        ))
    }
}
