//! The saga engine behind writes that span capabilities: an order (billing account, CRM
//! account and contact, directory record, subscription) and an onboarding (billing and CRM
//! accounts under the parent's, directory record, first administrator) run as steps, each
//! journaled before it runs and idempotent under a key derived from the operation, so that it
//! can be re-run after a crash without creating twice. A failing step undoes the completed
//! ones, newest first ([`Writes::resume_unfinished`] finishes what a stopped process left).
//! [`StepHook`] lets fault-injection tests fail or stall any step.

use super::journal::Journal;
use super::orders::OrderPlan;
use super::{derived_id, Actor, Writes, DEFAULT_CURRENCY};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, UserId};
use crate::model::{
    BillingAccount, BillingLink, CrmAccount, CrmAccountKind, Customer, CustomerStatus, ExternalIds,
    NewBillingAccount, NewContact, NewCrmAccount, NewSubscription, OperationStatus, Organization,
    StepRecord, Subscription, User,
};
use crate::principal::Principal;
use crate::traits::one;
use crate::write::{Order, OrderResult};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// When a [`StepHook`] is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepPhase {
    /// Before the step's capability is called.
    Before,
    /// After the capability answered successfully.
    After,
}

/// Observes saga steps. Production uses [`NoHook`]; fault-injection tests fail or stall a step
/// here to prove that a failure or a crash at any point leaves all of an order or none of it.
#[async_trait]
pub trait StepHook: Send + Sync {
    /// Called around each step; an error fails the step at that point.
    async fn on_step(&self, step: &str, phase: StepPhase) -> Result<()>;
}

/// The hook that does nothing.
pub struct NoHook;

#[async_trait]
impl StepHook for NoHook {
    async fn on_step(&self, _: &str, _: StepPhase) -> Result<()> {
        Ok(())
    }
}

impl Writes {
    /// Resumes the journaled operations a stopped process left unfinished: sagas (orders,
    /// onboardings) run to the end (their steps are idempotent); other writes, single steps whose outcome is unknown,
    /// are marked failed so that a replay answers instead of waiting.
    pub async fn resume_unfinished(&self) -> Result<usize> {
        let ops = self.c.directory.unfinished_operations().await?;
        let count = ops.len();
        for op in ops {
            let mut journal = Journal::new(op, self.c.directory.clone());
            let outcome = match journal.op.action.as_str() {
                "placeOrder" | "createCustomer" | "createOrganization" => {
                    self.resume_or_undo(&mut journal).await
                }
                _ => Err(Error::Internal(
                    "the gateway stopped while this write ran; check its target".to_owned(),
                )),
            };
            journal.finish(outcome).await?;
        }
        Ok(count)
    }

    /// Runs a stopped saga to its end, or finishes undoing it if it was being undone.
    async fn resume_saga(&self, journal: &mut Journal) -> Result<serde_json::Value> {
        if journal.op.status == OperationStatus::Compensating {
            self.compensate(journal).await?;
            return Err(Error::Internal(
                "the write failed and was undone".to_owned(),
            ));
        }
        let actor_id = journal.op.actor_id.clone();
        let principal = self.principal_of(&actor_id).await?;
        let actor = Actor {
            principal: &principal,
            request_id: "resume",
        };
        let input = journal.op.input.clone();
        let result = match journal.op.action.as_str() {
            "createOrganization" => {
                let new = decode(&input)?;
                let org = self.run_organization(actor, &new, journal).await?;
                serde_json::to_value(org.id)
            }
            action => {
                let order: Order = decode(&input)?;
                let with_subscription = action == "placeOrder";
                let result = self
                    .run_order(actor, &order, with_subscription, journal)
                    .await?;
                serde_json::to_value(result)
            }
        };
        result.map_err(Error::internal)
    }

    /// [`Writes::resume_saga`], undoing what the saga had done when the resumed write cannot
    /// even be planned again (its caller lost a permission, its parent was deactivated, an
    /// upstream a check reads is down): a step that failed has been undone by [`Writes::saga`]
    /// already, but a failed plan leaves the steps the stopped process ran, and the write must
    /// end all or nothing.
    async fn resume_or_undo(&self, journal: &mut Journal) -> Result<serde_json::Value> {
        let resumed = self.resume_saga(journal).await;
        if resumed.is_err()
            && journal.op.status == OperationStatus::Running
            && !journal.op.steps.is_empty()
        {
            journal.op.status = OperationStatus::Compensating;
            journal.save().await?;
            self.compensate(journal).await?;
        }
        resumed
    }

    /// The principal an operation was started by, rebuilt from the directory for a resume.
    async fn principal_of(&self, user_id: &UserId) -> Result<Principal> {
        let user = self.load_user(user_id).await?.ok_or(Error::NotFound)?;
        Principal::of_user(self.c.directory.as_ref(), user).await
    }

    /// Validates and runs the order's steps; on a step failure undoes the completed ones.
    pub(super) async fn run_order(
        &self,
        actor: Actor<'_>,
        order: &Order,
        with_subscription: bool,
        journal: &mut Journal,
    ) -> Result<OrderResult> {
        let key = journal.op.key.clone();
        let plan = self.plan_order(actor, order, with_subscription).await?;
        let result = self
            .saga(journal, async |j| self.order_steps(&plan, &key, j).await)
            .await?;
        let action = if with_subscription {
            "order.place"
        } else {
            "customer.create"
        };
        // The order stands once its steps are done: nothing after them may fail it (a resumed
        // saga that fails is undone, see `resume_or_undo`).
        match self.customer(&result.customer_id).await {
            Ok(customer) => self.audit(actor, action, &customer).await,
            Err(e) => tracing::error!(error = %e, action, "order not audited"),
        }
        Ok(result)
    }

    /// Runs a saga's `steps`; when one fails, undoes the completed ones (newest first) and
    /// answers the failure, or what stopped the undo.
    pub(super) async fn saga<T>(
        &self,
        journal: &mut Journal,
        steps: impl AsyncFnOnce(&mut Journal) -> Result<T>,
    ) -> Result<T> {
        match steps(journal).await {
            Ok(done) => Ok(done),
            Err(e) => {
                journal.op.status = OperationStatus::Compensating;
                journal.save().await?;
                if let Err(undo) = self.compensate(journal).await {
                    // What the undo could not reach stays upstream; the journal's steps say what.
                    let key = &journal.op.key;
                    tracing::error!(error = %undo, cause = %e, key = %key, "saga undo incomplete");
                    return Err(undo);
                }
                Err(e)
            }
        }
    }

    /// The billing and CRM accounts of a new customer or organization, as saga steps: the
    /// billing account (under its parent), the CRM account (under its parent, holding the
    /// billing account's id and number, with its first contact), then the CRM account's id
    /// recorded on the billing account (Zuora's `crmId`), so that each system leads to the
    /// other as the integrations between them expect.
    pub(super) async fn account_steps(
        &self,
        journal: &mut Journal,
        billing_request: &NewBillingAccount,
        crm_request: NewCrmAccount,
    ) -> Result<(BillingAccount, CrmAccount)> {
        let key = journal.op.key.clone();
        let billing: BillingAccount = self
            .step(journal, "billing.account", billing_request, async |r| {
                let key = format!("{key}/billing");
                self.c.billing.create_billing_account(&key, r).await
            })
            .await?;
        let crm_request = NewCrmAccount {
            billing: Some(BillingLink {
                id: billing.id.clone(),
                number: billing.account_number.clone(),
            }),
            ..crm_request
        };
        let crm: CrmAccount = self
            .step(journal, "crm.account", &crm_request, async |r| {
                let key = format!("{key}/crm");
                self.c.crm.create_crm_account(&key, r).await
            })
            .await?;
        let link = (billing.id.clone(), crm.id.clone());
        self.step(journal, "billing.crm", &link, async |(account, crm)| {
            self.c.billing.link_crm_account(account, crm).await
        })
        .await?;
        Ok((billing, crm))
    }

    /// The steps, each journaled before it runs and idempotent under its own key.
    async fn order_steps(
        &self,
        plan: &OrderPlan,
        key: &str,
        journal: &mut Journal,
    ) -> Result<OrderResult> {
        let partner = &plan.partner;
        let customer = match (&plan.customer, &plan.new) {
            (Some(c), _) => c.clone(),
            (None, Some(new)) => {
                let billing_request = NewBillingAccount {
                    name: new.name.clone(),
                    currency: self.order_currency(plan).await?,
                    parent_id: partner.external.billing.clone(),
                };
                let crm_request = NewCrmAccount {
                    name: new.name.clone(),
                    parent_id: partner.external.crm.clone(),
                    kind: CrmAccountKind::Customer,
                    billing: None,
                    contact: Some(NewContact {
                        first_name: new.first_name.clone().unwrap_or_default(),
                        last_name: new.last_name.clone().unwrap_or_else(|| new.name.clone()),
                        email: new.email.clone(),
                        phone: None,
                    }),
                };
                let (billing, crm) = self
                    .account_steps(journal, &billing_request, crm_request)
                    .await?;
                let customer = Customer {
                    id: CustomerId::from(derived_id("cus", key)),
                    partner_id: partner.id.clone(),
                    distributor_id: partner.parent_id.clone(),
                    name: new.name.clone(),
                    email: new.email.clone(),
                    account_number: billing.account_number.clone(),
                    status: CustomerStatus::Active,
                    seats: 0,
                    skus: Vec::new(),
                    expires_on: None,
                    external: ExternalIds {
                        billing: Some(billing.id.clone()),
                        crm: Some(crm.id.clone()),
                    },
                    created_at: journal.op.created_at,
                };
                self.step(journal, "directory.customer", &customer, async |c| {
                    self.c.directory.save_customer(c).await.map(|()| c.clone())
                })
                .await?
            }
            (None, None) => return Err(Error::internal("an order without a customer")),
        };
        let Some(offer) = &plan.offer else {
            return Ok(OrderResult {
                customer_id: customer.id,
                subscription_id: None,
            });
        };
        let account_id = customer
            .external
            .billing
            .clone()
            .ok_or_else(|| Error::Conflict("the customer has no billing account".to_owned()))?;
        let request = NewSubscription {
            account_id: account_id.clone(),
            offer: offer.clone(),
            quantity: plan.quantity,
            start_date: journal.op.created_at.date_naive(),
            invoice_owner: partner.invoice_owner,
        };
        let subscription: Subscription = self
            .step(journal, "billing.subscription", &request, async |r| {
                let key = format!("{key}/subscription");
                self.c.billing.create_subscription(&key, r).await
            })
            .await?;
        // Seats, SKUs and expiry are derived from the subscriptions: if refreshing them fails
        // the order still stands, and the next order or sync refreshes them.
        if let Err(e) = self.refresh_summary(&customer.id, &account_id).await {
            tracing::warn!(error = %e, customer = %customer.id, "customer summary not refreshed");
        }
        Ok(OrderResult {
            customer_id: customer.id,
            subscription_id: Some(subscription.id),
        })
    }

    /// The currency a new customer's account is billed in: the offer's, or else the partner's
    /// (billing systems keep a hierarchy in one currency).
    async fn order_currency(&self, plan: &OrderPlan) -> Result<String> {
        if let Some(offer) = &plan.offer {
            return Ok(offer.price.currency.clone());
        }
        let parent = match &plan.partner.external.billing {
            Some(id) => one(id, |ids| self.c.billing.accounts(ids)).await?,
            None => None,
        };
        Ok(parent.map_or_else(|| DEFAULT_CURRENCY.to_owned(), |a| a.balance.currency))
    }

    /// Journals a step with its request, runs it with the hook around it, and journals its
    /// output. A step already done (in a resumed operation) answers from the journal.
    pub(super) async fn step<R, T>(
        &self,
        journal: &mut Journal,
        name: &str,
        request: &R,
        run: impl AsyncFnOnce(&R) -> Result<T>,
    ) -> Result<T>
    where
        R: Serialize,
        T: Serialize + DeserializeOwned,
    {
        let done = journal
            .op
            .steps
            .iter()
            .find(|s| s.name == name && s.done)
            .and_then(|s| s.output.clone())
            .and_then(|o| serde_json::from_value(o).ok());
        if let Some(done) = done {
            return Ok(done);
        }
        if !journal.op.steps.iter().any(|s| s.name == name) {
            journal.op.steps.push(StepRecord {
                name: name.to_owned(),
                done: false,
                request: Some(serde_json::to_value(request).map_err(Error::internal)?),
                output: None,
                refused: false,
            });
            journal.save().await?;
        }
        self.hook.on_step(name, StepPhase::Before).await?;
        let output = match run(request).await {
            Ok(output) => output,
            Err(e) => {
                // A refusal is an outcome: the undo need not re-issue the step to learn it.
                if matches!(e, Error::Upstream(crate::UpstreamError::Rejected { .. })) {
                    if let Some(record) = journal.op.steps.iter_mut().find(|s| s.name == name) {
                        record.refused = true;
                    }
                    journal.save().await?;
                }
                return Err(e);
            }
        };
        self.hook.on_step(name, StepPhase::After).await?;
        let value = serde_json::to_value(&output).map_err(Error::internal)?;
        if let Some(record) = journal.op.steps.iter_mut().find(|s| s.name == name) {
            record.done = true;
            record.output = Some(value);
        }
        journal.save().await?;
        Ok(output)
    }

    /// Undoes every started step of a saga, newest first, but for those the upstream
    /// refused (they created nothing). A step whose outcome is unknown is re-issued first
    /// (creates are idempotent by key) to learn what it created (see [`learnt`]), so an
    /// unanswered create leaves nothing behind.
    async fn compensate(&self, journal: &mut Journal) -> Result<()> {
        let key = journal.op.key.clone();
        // Each step's upstream key, as the saga's steps made it.
        let sub = |step: &str| format!("{key}/{step}");
        let steps = journal.op.steps.clone();
        for step in steps.iter().rev().filter(|step| !step.refused) {
            let request = step.request.clone().unwrap_or_default();
            match step.name.as_str() {
                "directory.customer" => {
                    let customer: Customer = decode(&request)?;
                    self.c.directory.delete_customer(&customer.id).await?;
                }
                "directory.organization" => {
                    let org: Organization = decode(&request)?;
                    self.c.directory.delete_organization(&org.id).await?;
                }
                "directory.user" => {
                    let user: User = decode(&request)?;
                    self.c.directory.delete_user(&user.id).await?;
                }
                "crm.account" => {
                    let crm = &self.c.crm;
                    let reissue = async {
                        crm.create_crm_account(&sub("crm"), &decode(&request)?)
                            .await
                    };
                    crm.delete_crm_account(&learnt(step, reissue).await?.id)
                        .await?;
                }
                "billing.account" => {
                    let billing = &self.c.billing;
                    let reissue = async {
                        billing
                            .create_billing_account(&sub("billing"), &decode(&request)?)
                            .await
                    };
                    billing
                        .delete_billing_account(&learnt(step, reissue).await?.id)
                        .await?;
                }
                "billing.subscription" => {
                    let billing = &self.c.billing;
                    let reissue = async {
                        billing
                            .create_subscription(&sub("subscription"), &decode(&request)?)
                            .await
                    };
                    billing
                        .delete_subscription(&learnt(step, reissue).await?.id)
                        .await?;
                }
                // Contacts go with their CRM account, the `crmId` with its billing account;
                // the summary is derived data.
                _ => {}
            }
        }
        Ok(())
    }
}

/// What a started saga step created: its journaled output when it finished, else what
/// re-issuing it under its key answers (the first result, if the first request got through).
async fn learnt<T: DeserializeOwned>(
    step: &StepRecord,
    reissue: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match (step.done, &step.output) {
        (true, Some(output)) => decode(output),
        _ => reissue.await,
    }
}

/// A journaled request or output, read back as what it was.
fn decode<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(Error::internal)
}
