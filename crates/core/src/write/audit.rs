//! The audit log's entries for writes: who did what to which record, for which organization
//! and customer, and how it ended. Every write reports here, successful or refused, so that the
//! log an organization reads shows both the changes made to its records and its own users'
//! attempts; a login-as session is recorded under the real actor, on behalf of the user.

use super::{Actor, Writes};
use crate::error::{Error, Result};
use crate::ids::{AuditEventId, CustomerId, OrgId};
use crate::model::{AccountHolder, AuditEvent, AuditOutcome, Customer, User};
use crate::principal::{Principal, Tenant};
use crate::GlobalId;
use chrono::Utc;

impl Writes {
    /// Records a successful write to `customer`.
    pub(super) async fn audit(&self, actor: Actor<'_>, action: &str, customer: &Customer) {
        self.audit_target(
            actor,
            action,
            customer.id.global(),
            &AccountHolder::Customer(customer.clone()),
        )
        .await;
    }

    /// Records a successful write to `target`, a record of `holder`'s, in `holder`'s log.
    pub(super) async fn audit_target(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: GlobalId,
        holder: &AccountHolder,
    ) {
        let (org_id, customer_id) = match holder {
            AccountHolder::Organization(o) => (Some(o.id.clone()), None),
            AccountHolder::Customer(c) => (Some(c.partner_id.clone()), Some(c.id.clone())),
        };
        self.record(
            actor,
            action,
            target.encode(),
            AuditOutcome::Success,
            org_id,
            customer_id,
        )
        .await;
    }

    /// Records a refused or failed write in the caller's own organization's log (the target
    /// may be out of the caller's reach, so it is neither named nor told of).
    pub(super) async fn audit_failure(&self, actor: Actor<'_>, action: &str, error: &Error) {
        let outcome = match error {
            Error::Forbidden(_) | Error::NotFound => AuditOutcome::Denied,
            _ => AuditOutcome::Failed,
        };
        let org_id = self.actor_org(actor);
        self.record(actor, action, String::new(), outcome, org_id, None)
            .await;
    }

    /// Records a successful action of the caller's on `target`, which belongs to no account
    /// holder the write loaded (a profile, a platform user, the caller itself), in the caller's
    /// own organization's log.
    pub(super) async fn audit_own(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: GlobalId,
        customer: Option<CustomerId>,
    ) {
        let org = self.actor_org(actor);
        let target = target.encode();
        self.record(actor, action, target, AuditOutcome::Success, org, customer)
            .await;
    }

    /// Records a successful write to `user`, in the log of the organization or customer the
    /// user belongs to (`holder`; the caller's own for platform users).
    pub(super) async fn audit_user(
        &self,
        actor: Actor<'_>,
        action: &str,
        user: &User,
        holder: Option<AccountHolder>,
    ) {
        let target = user.id.global();
        match holder {
            Some(holder) => self.audit_target(actor, action, target, &holder).await,
            None => self.audit_own(actor, action, target, None).await,
        }
    }

    /// Audits what `user` did for themself, outside any session (a launch, an activation, a
    /// sign-up): the actor is the user as the directory has them now.
    pub(super) async fn audit_as(
        &self,
        user: &User,
        request_id: &str,
        action: &str,
        customer: Option<CustomerId>,
    ) -> Result<()> {
        let principal = Principal::of_user(self.c.directory.as_ref(), user.clone()).await?;
        let actor = Actor {
            principal: &principal,
            request_id,
        };
        self.audit_own(actor, action, user.id.global(), customer)
            .await;
        Ok(())
    }

    /// The organization whose audit log shows the caller's own actions.
    pub(super) fn actor_org(&self, actor: Actor<'_>) -> Option<OrgId> {
        match &actor.principal.tenant {
            Tenant::Organization { id, .. } => Some(id.clone()),
            Tenant::Customer { partner_id, .. } => Some(partner_id.clone()),
            Tenant::Platform => None,
        }
    }

    /// Appends to the audit log. An audit failure is logged, not returned: the write it
    /// describes has already happened and must not be reported as failed.
    pub(super) async fn record(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: String,
        outcome: AuditOutcome,
        org_id: Option<OrgId>,
        customer_id: Option<CustomerId>,
    ) {
        let p = actor.principal;
        let (actor_id, actor_email, on_behalf_of) = match &p.impersonator {
            Some(real) => (
                real.user_id.clone(),
                real.email.clone(),
                Some(p.user_id.clone()),
            ),
            None => (p.user_id.clone(), p.email.clone(), None),
        };
        let event = AuditEvent {
            id: AuditEventId::from(format!("audit-{}", uuid::Uuid::now_v7().simple())),
            at: Utc::now(),
            actor_id: Some(actor_id),
            actor_email,
            on_behalf_of,
            action: action.to_owned(),
            target,
            outcome,
            request_id: actor.request_id.to_owned(),
            org_id,
            customer_id,
        };
        if let Err(e) = self.c.directory.record_audit(&event).await {
            tracing::error!(error = %e, action, "could not record an audit event");
        }
    }
}

/// The audit log's name for a mutation (`customer.update` for `updateCustomer`).
pub(super) fn audit_action(mutation: &str) -> &str {
    match mutation {
        "createCustomer" => "customer.create",
        "updateCustomer" => "customer.update",
        "deactivateCustomer" => "customer.deactivate",
        "reactivateCustomer" => "customer.reactivate",
        "deleteCustomer" => "customer.delete",
        "placeOrder" => "order.place",
        "payInvoice" => "invoice.pay",
        "createCase" => "case.create",
        "updateCase" => "case.update",
        "addCaseComment" => "case.comment",
        "inviteCustomerUser" => "user.invite",
        "removeCustomerUser" => "user.remove",
        "changeSubscription" => "subscription.change",
        "activateUser" => "user.activate",
        "changeUserProfile" => "user.profile",
        "suspendUser" => "user.suspend",
        "removeUser" => "user.remove",
        "saveProfile" => "profile.save",
        "sendActivationLink" => "user.activation_link",
        "cancelSubscription" => "subscription.cancel",
        "createOrganization" => "organization.create",
        "updateOrganization" => "organization.update",
        "deactivateOrganization" => "organization.deactivate",
        "reactivateOrganization" => "organization.reactivate",
        "updateOffer" => "offer.publish",
        other => other,
    }
}
