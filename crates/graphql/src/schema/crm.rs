//! The CRM: support cases and contacts as the CRM has them, the CRM side of an organization or
//! customer, the root case list, and the writes that open, change and comment on cases.

use super::billing::{accounts_in_reach, Accounts};
use super::customers::customer_id;
use super::{page_of, run_write, AccountHolderUnion, Customer};
use crate::inputs::*;
use crate::loaders::{CasesOf, ContactsOf};
use crate::paging::{connection, object, Conn, ListArgs};
use crate::req::{req, OrFail, R};
use crate::Req;
use async_graphql::{Context, Description, SimpleObject, ID};
use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model::{self, AccountHolder};
use partnergraph_core::policy::read::ReadArea;
use partnergraph_core::write::{CaseChange, CaseRequest};
use partnergraph_core::NodeKind;
use std::sync::Arc;

impl Accounts<'_> {
    /// The holder's support cases.
    pub async fn cases(
        &self,
        ctx: &Context<'_>,
        args: ListArgs<CaseFilter, OrderBy<CaseOrderField>>,
    ) -> R<Option<Conn<Case>>> {
        let r = req(ctx);
        let (criteria, account) = args.decode(r)?.split();
        r.require(ReadArea::Cases)?;
        let mut items = match &self.external.crm {
            Some(id) => r.shared_children(CasesOf(id.clone())).await?,
            None => Arc::new([]),
        };
        if self.excluded(&account) {
            items = Arc::new([]);
        }
        Ok(Some(page_of(&items[..], criteria, Case)))
    }
}

/// The main contact person of an account, from the CRM.
#[derive(SimpleObject)]
pub struct Contact {
    /// First name.
    first_name: String,
    /// Last name.
    last_name: String,
    /// Email.
    email: String,
    /// Phone number.
    phone: Option<String>,
}

/// The first contact of the holder's CRM account, if it has one.
pub(crate) async fn contact_of(
    ctx: &Context<'_>,
    external: &model::ExternalIds,
) -> R<Option<Contact>> {
    let Some(crm) = &external.crm else {
        return Ok(None);
    };
    let contacts = req(ctx).shared_children(ContactsOf(crm.clone())).await?;
    Ok(contacts.first().map(|c| Contact {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
    }))
}

/// A support case from the CRM.
#[derive(Description)]
pub struct Case(pub model::Case);

object! {
node impl Case {
    /// Case number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// One-line subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Full description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Lifecycle state.
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    /// Urgency.
    async fn priority(&self) -> CasePriority {
        self.0.priority.into()
    }
    /// When the case was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The organization or customer the case is about (null when not visible).
    async fn account(&self, ctx: &Context<'_>) -> R<Option<AccountHolderUnion>> {
        Ok(req(ctx)
            .crm_holder(&self.0.account_id)
            .await?
            .map(Into::into))
    }
    /// The customer the case is about, when it is a customer's.
    async fn customer(&self, ctx: &Context<'_>) -> R<Option<Customer>> {
        Ok(match req(ctx).crm_holder(&self.0.account_id).await? {
            Some(AccountHolder::Customer(c)) => Some(Customer(c)),
            _ => None,
        })
    }
    /// Comments on the case, oldest first.
    async fn comments(&self) -> Vec<CaseComment> {
        self.0
            .comments
            .iter()
            .map(|c| CaseComment {
                at: c.at,
                author_email: c.author_email.clone(),
                body: c.body.clone(),
            })
            .collect()
    }
}
}

/// A comment on a support case.
#[derive(SimpleObject)]
pub struct CaseComment {
    /// When it was added.
    at: DateTime<Utc>,
    /// Who wrote it.
    author_email: String,
    /// The text.
    body: String,
}

/// The case list over every account the caller may see.
#[derive(Default, Description)]
pub(crate) struct CasesQuery;

object! {
impl CasesQuery {
    /// Support cases of every account the caller may see (needs VIEW_CASES).
    async fn cases(&self, ctx: &Context<'_>) -> R<Conn<Case>>
    where list(root_cost, args, filter: CaseFilter, order_by: CaseOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Cases)?;
        let (c, account) = args.decode(r)?.split();
        let accounts = accounts_in_reach(r, account, |s| s.crm, |e| e.crm).await?;
        let cases = r.connectors.crm.list_cases(&accounts, &c.filter, c.order, &c.page);
        Ok(connection(cases.await.or_fail(r)?, Case))
    }
}
}

write_input! {
/// Input of `createCase`.
pub struct CreateCaseInput {
    /// The customer the case is about; the caller's own account when absent.
    pub customer_id: Option<ID>,
    /// One-line summary (at most 200 characters).
    pub subject: String,
    /// Details (at most 10,000 characters).
    #[graphql(default)]
    pub description: String,
    /// Urgency.
    #[graphql(default_with = "CasePriority::Medium")]
    pub priority: CasePriority,
}
}

write_input! {
/// Input of `updateCase`; absent fields stay as they are.
pub struct UpdateCaseInput {
    /// The case.
    pub case_id: ID,
    /// New status.
    pub status: Option<CaseStatus>,
    /// New priority.
    pub priority: Option<CasePriority>,
    /// New description (at most 10,000 characters).
    pub description: Option<String>,
}
}

write_input! {
/// Input of `addCaseComment`.
pub struct AddCaseCommentInput {
    /// The case.
    pub case_id: ID,
    /// The comment (at most 10,000 characters).
    pub body: String,
}
}

/// What a case mutation touched.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case as the CRM now has it.
    pub case: Option<Case>,
}

fn case_id(id: &ID) -> partnergraph_core::Result<CaseId> {
    decode(id, NodeKind::Case, "caseId")
}

/// The case as the CRM has it after a write (past the request's loader cache).
async fn case_payload(r: &Req, id: CaseId) -> R<CasePayload> {
    let found = r.connectors.crm.cases(&[id]).await.or_fail(r)?;
    Ok(CasePayload {
        case: found.into_iter().next().map(Case),
    })
}

/// Opening a case.
#[derive(Default, Description)]
pub(crate) struct OpenCaseMutation;

object! {
impl OpenCaseMutation {
    /// Opens a support case on a customer's account, or on the caller's own (needs
    /// MANAGE_CASES).
    async fn create_case(&self, ctx: &Context<'_>) -> R<CasePayload>
    where write(input: CreateCaseInput)
    {
        let key = input.idempotency_key.as_deref();
        let customer = input.customer_id.as_ref().map(customer_id).transpose();
        let request = customer.map(|customer_id| CaseRequest {
            customer_id,
            subject: input.subject,
            description: input.description,
            priority: input.priority.into(),
        });
        let (r, id) = run_write(ctx, key, request, |w, call| w.create_case(call)).await?;
        Ok(CasePayload {
            case: r.load(id).await?.map(Case),
        })
    }
}
}

/// Working on an open case.
#[derive(Default, Description)]
pub(crate) struct CaseUpdatesMutation;

object! {
impl CaseUpdatesMutation {
    /// Changes a case's status, priority or description (needs MANAGE_CASES).
    async fn update_case(&self, ctx: &Context<'_>) -> R<CasePayload>
    where write(input: UpdateCaseInput)
    {
        let key = input.idempotency_key.as_deref();
        let change = case_id(&input.case_id).map(|case_id| CaseChange {
            case_id,
            status: input.status.map(Into::into),
            priority: input.priority.map(Into::into),
            description: input.description,
        });
        let (r, id) = run_write(ctx, key, change, |w, call| w.update_case(call)).await?;
        case_payload(r, id).await
    }

    /// Adds a comment to a case (needs MANAGE_CASES).
    async fn add_case_comment(&self, ctx: &Context<'_>) -> R<CasePayload>
    where write(input: AddCaseCommentInput)
    {
        let key = input.idempotency_key.as_deref();
        let comment = case_id(&input.case_id).map(|id| (id, input.body));
        let (r, id) = run_write(ctx, key, comment, |w, call| w.add_case_comment(call)).await?;
        case_payload(r, id).await
    }
}
}
