//! Support cases: opening one on a customer's account or the caller's own organization's,
//! changing its status, priority or description, and commenting on it. Cases live in the CRM;
//! the caller reaches a case through the account holder of its CRM account.

use super::{derived_id, long_text, text, Actor, Call, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::{CaseId, CustomerId};
use crate::model::{
    AccountHolder, Case, CaseComment, CasePriority, CaseStatus, NewCase, Operation,
};
use crate::policy::write::{self as policy, Write};
use crate::principal::Tenant;
use crate::traits::one;
use serde::{Deserialize, Serialize};

/// A support case to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The customer the case is about; the caller's own organization when absent.
    pub customer_id: Option<CustomerId>,
    /// One-line summary.
    pub subject: String,
    /// Details.
    pub description: String,
    /// Urgency.
    pub priority: CasePriority,
}

/// Changes to a case; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    /// The case.
    pub case_id: CaseId,
    /// New status.
    pub status: Option<CaseStatus>,
    /// New priority.
    pub priority: Option<CasePriority>,
    /// New description.
    pub description: Option<String>,
}

impl Writes {
    /// Opens a support case on a customer's account or the caller's organization's.
    pub async fn create_case(&self, call: Call<'_, CaseRequest>) -> Result<CaseId> {
        let (actor, input) = (call.actor, &call.input);
        self.journaled("createCase", &call, async |j| {
            let op_key = j.op.key.clone();
            policy::permit(actor.principal, Write::ManageCases)?;
            let subject = text("subject", &input.subject, MAX_TEXT)?;
            let description = long_text("description", &input.description)?;
            let holder = match &input.customer_id {
                Some(id) => AccountHolder::Customer(self.visible_customer(actor, id).await?),
                None => self.own_account(actor).await?,
            };
            let account_id = holder.external().crm.clone().ok_or_else(|| {
                Error::Conflict("the account has no CRM account to open cases on".to_owned())
            })?;
            let case = self
                .c
                .crm
                .create_case(
                    &format!("{op_key}/case"),
                    &NewCase {
                        account_id,
                        subject,
                        description,
                        priority: input.priority,
                    },
                )
                .await?;
            self.audit_target(actor, "case.create", case.id.global(), &holder)
                .await;
            Ok(case.id)
        })
        .await
    }

    /// Changes a case's status, priority or description.
    pub async fn update_case(&self, call: Call<'_, CaseChange>) -> Result<CaseId> {
        let input = &call.input;
        let change = async |case: &mut Case, _: &Operation| {
            if let Some(status) = input.status {
                case.status = status;
            }
            if let Some(priority) = input.priority {
                case.priority = priority;
            }
            if let Some(description) = &input.description {
                case.description = long_text("description", description)?;
            }
            Ok(())
        };
        self.edit_case("updateCase", &call, &input.case_id, change)
            .await
    }

    /// Adds a comment (the input's body) to a case (the input's case id).
    pub async fn add_case_comment(&self, call: Call<'_, (CaseId, String)>) -> Result<CaseId> {
        let (actor, (case_id, body)) = (call.actor, &call.input);
        let change = async |case: &mut Case, op: &Operation| {
            let body = long_text("body", body)?;
            if body.is_empty() {
                return Err(Error::bad_input("body", "`body` must not be empty"));
            }
            // The id comes from the operation: however often the write runs, one comment.
            let id = derived_id("comment", &op.key);
            if !case.comments.iter().any(|c| c.id == id) {
                case.comments.push(CaseComment {
                    id,
                    at: op.created_at,
                    author_email: actor.principal.email.clone(),
                    body,
                });
            }
            Ok(())
        };
        self.edit_case("addCaseComment", &call, case_id, change)
            .await
    }

    /// Runs `mutation` as a journaled edit of the case `id`: the caller needs the permission to
    /// manage cases and must reach the case's account holder; `change` edits the record (given
    /// the operation), which the CRM then keeps; the change is audited.
    async fn edit_case<I: serde::Serialize>(
        &self,
        mutation: &str,
        call: &Call<'_, I>,
        id: &CaseId,
        change: impl AsyncFnOnce(&mut Case, &Operation) -> Result<()>,
    ) -> Result<CaseId> {
        let actor = call.actor;
        self.journaled(mutation, call, async |j| {
            policy::permit(actor.principal, Write::ManageCases)?;
            let (mut case, holder) = self.visible_case(actor, id).await?;
            change(&mut case, &j.op).await?;
            let case = self.c.crm.update_case(&case).await?;
            let action = super::audit::audit_action(mutation);
            self.audit_target(actor, action, case.id.global(), &holder)
                .await;
            Ok(case.id)
        })
        .await
    }

    /// A case whose account holder the caller may see, with that holder.
    async fn visible_case(&self, actor: Actor<'_>, id: &CaseId) -> Result<(Case, AccountHolder)> {
        let case = one(id, |ids| self.c.crm.cases(ids)).await?;
        let case = case.ok_or(Error::NotFound)?;
        let account = &case.account_id;
        let found = one(account, |ids| self.c.directory.holders_by_crm_account(ids)).await?;
        let holder = policy::reachable_holder(actor.principal, found)?;
        Ok((case, holder))
    }

    /// The caller's own account: its organization's or its customer's.
    async fn own_account(&self, actor: Actor<'_>) -> Result<AccountHolder> {
        match &actor.principal.tenant {
            Tenant::Organization { id, .. } => self
                .load_org(id)
                .await?
                .map(AccountHolder::Organization)
                .ok_or(Error::NotFound),
            Tenant::Customer { id, .. } => Ok(AccountHolder::Customer(self.customer(id).await?)),
            Tenant::Platform => Err(Error::bad_input(
                "customerId",
                "name the customer the case is about",
            )),
        }
    }
}
