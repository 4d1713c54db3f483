//! Mutations: thin adapters from GraphQL inputs to core's [`Writes`], which decides permission,
//! scope, validation, idempotency and audit.

use crate::inputs::{decode_id, CasePriority, CaseStatus};
use crate::objects::{
    req, Case, Customer, Decimal, Invoice, Payment, Profile, Subscription, User, R,
};
use async_graphql::{Context, Description, InputObject, Object, SimpleObject, ID};
use partnergraph_core::ids::*;
use partnergraph_core::permission::Permission;
use partnergraph_core::write::{
    Actor, CaseChange, CaseRequest, ContactChange, CustomerChanges, InvoicePayment, NewCustomer,
    Order, OrderFor, ProfileInput, Sessions, SignUp, SubscriptionChange, UserInvite, Writes,
};
use partnergraph_core::{Error, NodeKind};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Every write of the portal model. Each takes one `input` and returns a payload with the
/// objects it touched. Every input takes an `idempotencyKey`: repeating a call with the same
/// key and input returns the first call's answer and changes nothing more.
#[derive(Default, Description)]
pub struct MutationRoot;

/// A new end customer, as part of `createCustomer` or `placeOrder`.
#[derive(InputObject)]
pub struct NewCustomerInput {
    /// Display name (at most 200 characters).
    pub name: String,
    /// Main contact email.
    pub email: String,
    /// Main contact's first name.
    pub first_name: Option<String>,
    /// Main contact's last name.
    pub last_name: Option<String>,
    /// The partner selling to the customer: required for distributor and platform users,
    /// implied for partner users.
    pub partner_id: Option<ID>,
}

impl NewCustomerInput {
    fn into_core(self) -> partnergraph_core::Result<NewCustomer> {
        Ok(NewCustomer {
            partner_id: self
                .partner_id
                .map(|id| decode_id(&id, NodeKind::Organization, "partnerId"))
                .transpose()?
                .map(OrgId::from),
            name: self.name,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
        })
    }
}

/// Input of `createCustomer`.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// The customer.
    pub customer: NewCustomerInput,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `updateCustomer`; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// The customer.
    pub customer_id: ID,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New details of the main contact person.
    pub contact: Option<ContactInput>,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Changes to a customer's main contact person; absent fields stay as they are.
#[derive(InputObject)]
pub struct ContactInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number (digits, spaces and + - ( ) . only).
    pub phone: Option<String>,
}

/// Input of the mutations that act on one customer as a whole.
#[derive(InputObject)]
pub struct CustomerActionInput {
    /// The customer.
    pub customer_id: ID,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `placeOrder`: an offer and seats, for an existing customer (`customerId`) or a
/// new one (`newCustomer`).
#[derive(InputObject)]
pub struct PlaceOrderInput {
    /// An existing customer.
    pub customer_id: Option<ID>,
    /// A customer to create with the order.
    pub new_customer: Option<NewCustomerInput>,
    /// The offer ordered; the selling partner must be eligible for it.
    pub offer_id: ID,
    /// Seats, within the offer's minimum and maximum.
    pub quantity: i32,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `payInvoice`.
#[derive(InputObject)]
pub struct PayInvoiceInput {
    /// The invoice.
    pub invoice_id: ID,
    /// How much to pay, in the invoice's currency; the whole balance when absent.
    pub amount: Option<Decimal>,
    /// The currency of `amount`; refused unless it is the invoice's.
    pub currency: Option<String>,
    /// A stored payment method of the invoice's account.
    pub payment_method_id: ID,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `createCase`.
#[derive(InputObject)]
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
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `inviteCustomerUser`.
#[derive(InputObject)]
pub struct InviteCustomerUserInput {
    /// The customer account the user joins.
    pub customer_id: ID,
    /// Login email; must not be in use.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Make the user a CUSTOMER_ADMIN (who may pay, order and manage users) rather than a
    /// CUSTOMER_USER.
    #[graphql(default)]
    pub admin: bool,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `removeCustomerUser`.
#[derive(InputObject)]
pub struct RemoveCustomerUserInput {
    /// The customer user.
    pub user_id: ID,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `changeSubscription`; absent fields stay as they are.
#[derive(InputObject)]
pub struct ChangeSubscriptionInput {
    /// The subscription.
    pub subscription_id: ID,
    /// New seat count, within the offer's limits.
    pub quantity: Option<i32>,
    /// New offer, which the partner must be eligible for.
    pub offer_id: Option<ID>,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `cancelSubscription`.
#[derive(InputObject)]
pub struct CancelSubscriptionInput {
    /// The subscription.
    pub subscription_id: ID,
    /// End service today rather than at the end of the term (when it simply stops renewing).
    #[graphql(default)]
    pub immediately: bool,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `updateCase`; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCaseInput {
    /// The case.
    pub case_id: ID,
    /// New status.
    pub status: Option<CaseStatus>,
    /// New priority.
    pub priority: Option<CasePriority>,
    /// New description (at most 10,000 characters).
    pub description: Option<String>,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `addCaseComment`.
#[derive(InputObject)]
pub struct AddCaseCommentInput {
    /// The case.
    pub case_id: ID,
    /// The comment (at most 10,000 characters).
    pub body: String,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of the mutations that give an operator or customer user a profile.
#[derive(InputObject)]
pub struct UserProfileInput {
    /// The user.
    pub user_id: ID,
    /// The profile; it must fit the user and grant nothing the caller does not hold.
    pub profile_id: ID,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of the mutations that act on one user as a whole.
#[derive(InputObject)]
pub struct UserActionInput {
    /// The user.
    pub user_id: ID,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `createProfile`.
#[derive(InputObject)]
pub struct CreateProfileInput {
    /// Stable code: letters, digits and underscores (stored upper-case).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Permission codes (see `viewer.permissions`); only ones the caller holds.
    pub permissions: Vec<String>,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `updateProfile`.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// The custom profile (built-in profiles are fixed).
    pub profile_id: ID,
    /// Display name.
    pub name: String,
    /// The complete new set of permission codes; only ones the caller holds.
    pub permissions: Vec<String>,
    /// Makes retries safe: the same key and input return the first result.
    pub idempotency_key: Option<String>,
}

/// Input of `impersonate`.
#[derive(InputObject)]
pub struct ImpersonateInput {
    /// The user to log in as.
    pub user_id: ID,
    /// Why; recorded in the audit log with every request of the session.
    pub reason: String,
}

/// A login-as session.
#[derive(SimpleObject)]
pub struct ImpersonatePayload {
    /// A bearer token acting as the user on the caller's behalf; it cannot start another
    /// login-as and grants only what both the caller and the user may do.
    pub token: String,
    /// When the token stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The user logged in as.
    pub user: User,
}

/// What `logout` did.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Whether the token is now withdrawn.
    pub revoked: bool,
}

/// What a profile mutation touched.
#[derive(SimpleObject)]
pub struct ProfilePayload {
    /// The profile as it is now.
    pub profile: Option<Profile>,
}

/// Input of `signUp`.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Login email: one of the customer's contact addresses, where the activation link is
    /// sent.
    pub email: String,
    /// The company's billing account number, as printed on an invoice (`A00000042`; spaces
    /// around it and a lower-case `a` are fine).
    pub account_number: String,
    /// At least 12 characters.
    #[graphql(secret)]
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

/// What `signUp` created.
#[derive(SimpleObject)]
pub struct SignUpPayload {
    /// The new customer user, PENDING: it sees nothing until the activation link mailed to its
    /// address is followed; then sign in with `POST /auth/login`.
    pub user: User,
}

/// What a user mutation touched.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user as it is now.
    pub user: Option<User>,
}

/// What `removeCustomerUser` removed.
#[derive(SimpleObject)]
pub struct RemoveUserPayload {
    /// The global id the user had.
    pub removed_user_id: ID,
}

/// What a subscription mutation touched.
#[derive(SimpleObject)]
pub struct SubscriptionPayload {
    /// The subscription as billing now has it.
    pub subscription: Option<Subscription>,
}

/// What a case mutation touched.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case as the CRM now has it.
    pub case: Option<Case>,
}

/// What a customer mutation touched.
#[derive(SimpleObject)]
pub struct CustomerPayload {
    /// The customer as it is now.
    pub customer: Customer,
}

/// What `deleteCustomer` removed. The customer is gone for good.
#[derive(SimpleObject)]
pub struct DeleteCustomerPayload {
    /// The global id the customer had.
    pub deleted_customer_id: ID,
    /// The name it had.
    pub name: String,
    /// Subscriptions removed with it.
    pub subscriptions: u64,
    /// Invoices removed with it.
    pub invoices: u64,
    /// Payments removed with it.
    pub payments: u64,
    /// Stored payment methods removed with it.
    pub payment_methods: u64,
    /// CRM contacts removed with it.
    pub contacts: u64,
    /// Support cases removed with it.
    pub cases: u64,
    /// Portal users removed with it.
    pub users: u64,
}

/// What `placeOrder` created.
#[derive(SimpleObject)]
pub struct PlaceOrderPayload {
    /// The customer ordered for (new or existing).
    pub customer: Customer,
    /// The new subscription.
    pub subscription: Option<Subscription>,
}

/// What `payInvoice` did.
#[derive(SimpleObject)]
pub struct PayInvoicePayload {
    /// The payment.
    pub payment: Option<Payment>,
    /// The invoice, with its new balance and status.
    pub invoice: Option<Invoice>,
}

fn user_id(id: &ID) -> partnergraph_core::Result<UserId> {
    decode_id(id, NodeKind::User, "userId").map(UserId::from)
}

fn user_and_profile(input: &UserProfileInput) -> partnergraph_core::Result<(UserId, ProfileId)> {
    let profile = decode_id(&input.profile_id, NodeKind::Profile, "profileId")?;
    Ok((user_id(&input.user_id)?, ProfileId::from(profile)))
}

/// Permission codes as a set; an unknown code names itself.
fn permission_set(codes: &[String]) -> partnergraph_core::Result<BTreeSet<Permission>> {
    codes
        .iter()
        .map(|code| {
            Permission::from_code(code).ok_or_else(|| {
                Error::bad_input("permissions", format!("`{code}` is not a permission"))
            })
        })
        .collect()
}

async fn save_profile(
    ctx: &Context<'_>,
    input: ProfileInput,
    key: Option<&str>,
) -> R<ProfilePayload> {
    let r = req(ctx);
    let id = writes(ctx)?
        .save_profile(actor(ctx), input, key)
        .await
        .map_err(|e| r.fail(e))?;
    let found = r
        .connectors
        .directory
        .profiles(&[id])
        .await
        .map_err(|e| r.fail(e))?;
    Ok(ProfilePayload {
        profile: found.into_iter().next().map(Profile),
    })
}

/// The user as the directory has it after a write (past the request's loader cache).
async fn user_payload(ctx: &Context<'_>, id: UserId) -> R<UserPayload> {
    let r = req(ctx);
    let found = r
        .connectors
        .directory
        .users(&[id])
        .await
        .map_err(|e| r.fail(e))?;
    Ok(UserPayload {
        user: found.into_iter().next().map(User),
    })
}

fn subscription_id(id: &ID) -> partnergraph_core::Result<SubscriptionId> {
    decode_id(id, NodeKind::Subscription, "subscriptionId").map(SubscriptionId::from)
}

fn case_id(id: &ID) -> partnergraph_core::Result<CaseId> {
    decode_id(id, NodeKind::Case, "caseId").map(CaseId::from)
}

/// The subscription as billing has it after a write (past the request's loader cache).
async fn subscription_payload(ctx: &Context<'_>, id: SubscriptionId) -> R<SubscriptionPayload> {
    let r = req(ctx);
    let found = r
        .connectors
        .billing
        .subscriptions(&[id])
        .await
        .map_err(|e| r.fail(e))?;
    Ok(SubscriptionPayload {
        subscription: found.into_iter().next().map(Subscription),
    })
}

/// The case as the CRM has it after a write (past the request's loader cache).
async fn case_payload(ctx: &Context<'_>, id: CaseId) -> R<CasePayload> {
    let r = req(ctx);
    let found = r.connectors.crm.cases(&[id]).await.map_err(|e| r.fail(e))?;
    Ok(CasePayload {
        case: found.into_iter().next().map(Case),
    })
}

fn customer_id(id: &ID) -> partnergraph_core::Result<CustomerId> {
    decode_id(id, NodeKind::Customer, "customerId").map(CustomerId::from)
}

#[Object(use_type_description)]
impl MutationRoot {
    /// Creates an end customer under a partner: its billing account (under the partner's),
    /// CRM account and contact, and its directory record (needs MANAGE_CUSTOMERS).
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CreateCustomerInput,
    ) -> R<CustomerPayload> {
        let r = req(ctx);
        let new = input.customer.into_core().map_err(|e| r.fail(e))?;
        let customer = writes(ctx)?
            .create_customer(actor(ctx), new, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        Ok(CustomerPayload {
            customer: Customer(customer),
        })
    }

    /// Changes a customer's name or contact email (needs MANAGE_CUSTOMERS).
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UpdateCustomerInput,
    ) -> R<CustomerPayload> {
        let r = req(ctx);
        let changes = CustomerChanges {
            customer_id: customer_id(&input.customer_id).map_err(|e| r.fail(e))?,
            name: input.name,
            email: input.email,
            contact: input.contact.map(|c| ContactChange {
                first_name: c.first_name,
                last_name: c.last_name,
                phone: c.phone,
            }),
        };
        let customer = writes(ctx)?
            .update_customer(actor(ctx), changes, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        Ok(CustomerPayload {
            customer: Customer(customer),
        })
    }

    /// Deactivates a customer: its users can no longer sign in; its data stays (needs
    /// MANAGE_CUSTOMERS).
    async fn deactivate_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CustomerActionInput,
    ) -> R<CustomerPayload> {
        set_active(ctx, input, false).await
    }

    /// Reactivates a deactivated customer (needs MANAGE_CUSTOMERS).
    async fn reactivate_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CustomerActionInput,
    ) -> R<CustomerPayload> {
        set_active(ctx, input, true).await
    }

    /// Deletes a customer with all its data: subscriptions, invoices, payments, payment
    /// methods, contacts, cases and users. Cannot be undone (needs DELETE_CUSTOMERS).
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CustomerActionInput,
    ) -> R<DeleteCustomerPayload> {
        let r = req(ctx);
        let id = customer_id(&input.customer_id).map_err(|e| r.fail(e))?;
        let deletion = writes(ctx)?
            .delete_customer(actor(ctx), id, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        let removed = deletion.removed;
        Ok(DeleteCustomerPayload {
            deleted_customer_id: deletion.customer_id.global().encode().into(),
            name: deletion.name,
            subscriptions: removed.subscriptions,
            invoices: removed.invoices,
            payments: removed.payments,
            payment_methods: removed.payment_methods,
            contacts: removed.contacts,
            cases: removed.cases,
            users: removed.users,
        })
    }

    /// Orders an offer for an existing customer or a new one created with the order (needs
    /// MANAGE_SUBSCRIPTIONS, and MANAGE_CUSTOMERS for a new customer). The invoice owner of
    /// the subscription follows the partner's setting.
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: PlaceOrderInput,
    ) -> R<PlaceOrderPayload> {
        let r = req(ctx);
        let order = place_order_input(input.customer_id, input.new_customer)
            .and_then(|customer| {
                Ok(Order {
                    customer,
                    offer_id: OfferId::from(decode_id(
                        &input.offer_id,
                        NodeKind::Offer,
                        "offerId",
                    )?),
                    quantity: i64::from(input.quantity),
                })
            })
            .map_err(|e| r.fail(e))?;
        let result = writes(ctx)?
            .place_order(actor(ctx), order, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        let customer = r
            .customer(&result.customer_id)
            .await?
            .ok_or_else(|| r.fail(Error::NotFound))?;
        let subscription = match result.subscription_id {
            Some(id) => r.load(id).await?.map(Subscription),
            None => None,
        };
        Ok(PlaceOrderPayload {
            customer: Customer(customer),
            subscription,
        })
    }

    /// Pays an invoice in full or in part with a stored payment method of its account (needs
    /// PAY_INVOICES). Paying more than the balance, or a paid invoice, is refused.
    async fn pay_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: PayInvoiceInput,
    ) -> R<PayInvoicePayload> {
        let r = req(ctx);
        let payment = (|| {
            Ok::<_, Error>(InvoicePayment {
                invoice_id: InvoiceId::from(decode_id(
                    &input.invoice_id,
                    NodeKind::Invoice,
                    "invoiceId",
                )?),
                amount: input.amount.map(|a| a.0),
                currency: input.currency.clone(),
                payment_method_id: PaymentMethodId::from(decode_id(
                    &input.payment_method_id,
                    NodeKind::PaymentMethod,
                    "paymentMethodId",
                )?),
            })
        })()
        .map_err(|e| r.fail(e))?;
        let result = writes(ctx)?
            .pay_invoice(actor(ctx), payment, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        // Read after the write, past the request's loader cache.
        let c = &r.connectors;
        let invoice = c
            .billing
            .invoices(&[result.invoice_id])
            .await
            .map_err(|e| r.fail(e))?;
        let payment = c
            .billing
            .payments(&[result.payment_id])
            .await
            .map_err(|e| r.fail(e))?;
        Ok(PayInvoicePayload {
            payment: payment.into_iter().next().map(Payment),
            invoice: invoice.into_iter().next().map(Invoice),
        })
    }

    /// Opens a support case on a customer's account, or on the caller's own (needs
    /// MANAGE_CASES).
    async fn create_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CreateCaseInput,
    ) -> R<CasePayload> {
        let r = req(ctx);
        let request = CaseRequest {
            customer_id: input
                .customer_id
                .as_ref()
                .map(customer_id)
                .transpose()
                .map_err(|e| r.fail(e))?,
            subject: input.subject,
            description: input.description,
            priority: input.priority.into(),
        };
        let id = writes(ctx)?
            .create_case(actor(ctx), request, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        Ok(CasePayload {
            case: r.load(id).await?.map(Case),
        })
    }

    /// Invites a user onto a customer account (needs MANAGE_USERS). The user is PENDING
    /// until it first signs in.
    async fn invite_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: InviteCustomerUserInput,
    ) -> R<UserPayload> {
        let r = req(ctx);
        let invite = UserInvite {
            customer_id: customer_id(&input.customer_id).map_err(|e| r.fail(e))?,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            admin: input.admin,
        };
        let id = writes(ctx)?
            .invite_customer_user(actor(ctx), invite, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        let user = r
            .connectors
            .directory
            .users(&[id])
            .await
            .map_err(|e| r.fail(e))?;
        Ok(UserPayload {
            user: user.into_iter().next().map(User),
        })
    }

    /// Removes a user from a customer account (needs MANAGE_USERS).
    async fn remove_customer_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: RemoveCustomerUserInput,
    ) -> R<RemoveUserPayload> {
        let r = req(ctx);
        let id = decode_id(&input.user_id, NodeKind::User, "userId")
            .map(UserId::from)
            .map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .remove_customer_user(actor(ctx), id, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        Ok(RemoveUserPayload {
            removed_user_id: id.global().encode().into(),
        })
    }

    /// Changes a subscription's seats or offer (needs MANAGE_SUBSCRIPTIONS).
    async fn change_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: ChangeSubscriptionInput,
    ) -> R<SubscriptionPayload> {
        let r = req(ctx);
        let change = (|| {
            Ok::<_, Error>(SubscriptionChange {
                subscription_id: subscription_id(&input.subscription_id)?,
                quantity: input.quantity.map(i64::from),
                offer_id: input
                    .offer_id
                    .as_ref()
                    .map(|id| decode_id(id, NodeKind::Offer, "offerId").map(OfferId::from))
                    .transpose()?,
            })
        })()
        .map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .change_subscription(actor(ctx), change, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        subscription_payload(ctx, id).await
    }

    /// Cancels a subscription at the end of its term, or immediately (needs
    /// MANAGE_SUBSCRIPTIONS).
    async fn cancel_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CancelSubscriptionInput,
    ) -> R<SubscriptionPayload> {
        let r = req(ctx);
        let id = subscription_id(&input.subscription_id).map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .cancel_subscription(
                actor(ctx),
                id,
                input.immediately,
                input.idempotency_key.as_deref(),
            )
            .await
            .map_err(|e| r.fail(e))?;
        subscription_payload(ctx, id).await
    }

    /// Changes a case's status, priority or description (needs MANAGE_CASES).
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UpdateCaseInput,
    ) -> R<CasePayload> {
        let r = req(ctx);
        let change = CaseChange {
            case_id: case_id(&input.case_id).map_err(|e| r.fail(e))?,
            status: input.status.map(Into::into),
            priority: input.priority.map(Into::into),
            description: input.description,
        };
        let id = writes(ctx)?
            .update_case(actor(ctx), change, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        case_payload(ctx, id).await
    }

    /// Adds a comment to a case (needs MANAGE_CASES).
    async fn add_case_comment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: AddCaseCommentInput,
    ) -> R<CasePayload> {
        let r = req(ctx);
        let id = case_id(&input.case_id).map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .add_case_comment(actor(ctx), id, input.body, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        case_payload(ctx, id).await
    }

    /// Activates a PENDING user with a profile (needs MANAGE_USERS).
    async fn activate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UserProfileInput,
    ) -> R<UserPayload> {
        let r = req(ctx);
        let (user, profile) = user_and_profile(&input).map_err(|e| r.fail(e))?;
        let key = input.idempotency_key.as_deref();
        let id = writes(ctx)?
            .activate_user(actor(ctx), user, profile, key)
            .await
            .map_err(|e| r.fail(e))?;
        user_payload(ctx, id).await
    }

    /// Gives a user another profile, effective on its next request (needs MANAGE_USERS; not
    /// for oneself).
    async fn change_user_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UserProfileInput,
    ) -> R<UserPayload> {
        let r = req(ctx);
        let (user, profile) = user_and_profile(&input).map_err(|e| r.fail(e))?;
        let key = input.idempotency_key.as_deref();
        let id = writes(ctx)?
            .change_user_profile(actor(ctx), user, profile, key)
            .await
            .map_err(|e| r.fail(e))?;
        user_payload(ctx, id).await
    }

    /// Suspends a user; its tokens stop working on the next request (needs MANAGE_USERS).
    async fn suspend_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UserActionInput,
    ) -> R<UserPayload> {
        let r = req(ctx);
        let id = user_id(&input.user_id).map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .suspend_user(actor(ctx), id, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        user_payload(ctx, id).await
    }

    /// Removes an operator (needs MANAGE_USERS).
    async fn remove_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UserActionInput,
    ) -> R<RemoveUserPayload> {
        let r = req(ctx);
        let id = user_id(&input.user_id).map_err(|e| r.fail(e))?;
        let id = writes(ctx)?
            .remove_user(actor(ctx), id, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        Ok(RemoveUserPayload {
            removed_user_id: id.global().encode().into(),
        })
    }

    /// Creates a profile (needs MANAGE_PROFILES; only permissions the caller holds).
    async fn create_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: CreateProfileInput,
    ) -> R<ProfilePayload> {
        let r = req(ctx);
        let profile = permission_set(&input.permissions)
            .map(|permissions| ProfileInput {
                profile_id: None,
                code: Some(input.code),
                name: input.name,
                permissions,
            })
            .map_err(|e| r.fail(e))?;
        save_profile(ctx, profile, input.idempotency_key.as_deref()).await
    }

    /// Edits a custom profile; holders get the change on their next request (needs
    /// MANAGE_PROFILES; only permissions the caller holds).
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UpdateProfileInput,
    ) -> R<ProfilePayload> {
        let r = req(ctx);
        let profile = permission_set(&input.permissions)
            .and_then(|permissions| {
                Ok(ProfileInput {
                    profile_id: Some(ProfileId::from(decode_id(
                        &input.profile_id,
                        NodeKind::Profile,
                        "profileId",
                    )?)),
                    code: None,
                    name: input.name,
                    permissions,
                })
            })
            .map_err(|e| r.fail(e))?;
        save_profile(ctx, profile, input.idempotency_key.as_deref()).await
    }

    /// Logs in as another user (needs IMPERSONATE and a reason): platform admins as any
    /// organization or customer user, organization users as the users of their customers.
    /// Every request of the session is audited with both identities.
    async fn impersonate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: ImpersonateInput,
    ) -> R<ImpersonatePayload> {
        let r = req(ctx);
        let id = user_id(&input.user_id).map_err(|e| r.fail(e))?;
        let user = writes(ctx)?
            .impersonate(actor(ctx), id, &input.reason)
            .await
            .map_err(|e| r.fail(e))?;
        let sessions = ctx
            .data::<Arc<dyn Sessions>>()
            .map_err(|_| r.fail(Error::internal("the schema was built without sessions")))?;
        let (token, expires_at) = sessions
            .impersonation_token(&user, &r.principal, input.reason.trim())
            .map_err(|e| r.fail(e))?;
        Ok(ImpersonatePayload {
            token,
            expires_at,
            user: User(user),
        })
    }

    /// Withdraws the token this request came with; it stops working at once.
    async fn logout(&self, ctx: &Context<'_>) -> R<LogoutPayload> {
        let r = req(ctx);
        writes(ctx)?
            .logout(actor(ctx), &r.token.id, r.token.expires_at)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(LogoutPayload { revoked: true })
    }

    /// Signs up an employee of a customer: the one operation that needs no token. The email
    /// must be a contact address of the customer billed under the account number (its main
    /// contact, or a contact in the CRM), and the customer must have no portal users yet; the
    /// new user is PENDING and sees nothing until they follow the activation link mailed to
    /// that address. Every refusal answers the same BAD_USER_INPUT "the sign-up could not be
    /// validated"; too many attempts from one address, for one email or one number answer
    /// RATE_LIMITED with `extensions.retryAfter` in seconds.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: SignUpInput,
    ) -> R<SignUpPayload> {
        let r = req(ctx);
        let sign_up = SignUp {
            email: input.email,
            account_number: input.account_number,
            password: input.password,
            first_name: input.first_name,
            last_name: input.last_name,
        };
        let base = ctx
            .data::<crate::PublicUrl>()
            .map_err(|_| r.fail(Error::internal("the schema was built without a public URL")))?;
        let user = writes(ctx)?
            .sign_up(sign_up, r.client, &base.0, &r.request_id)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(SignUpPayload { user: User(user) })
    }

    /// Emails a PENDING user (an operator or a customer user) a single-use link, valid for 72
    /// hours, that activates them (needs MANAGE_USERS).
    async fn send_activation_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do; see the input type.")] input: UserActionInput,
    ) -> R<UserPayload> {
        let r = req(ctx);
        let id = user_id(&input.user_id).map_err(|e| r.fail(e))?;
        let base = ctx
            .data::<crate::PublicUrl>()
            .map_err(|_| r.fail(Error::internal("the schema was built without a public URL")))?;
        let id = writes(ctx)?
            .send_activation_link(actor(ctx), id, &base.0, input.idempotency_key.as_deref())
            .await
            .map_err(|e| r.fail(e))?;
        user_payload(ctx, id).await
    }
}

fn place_order_input(
    customer: Option<ID>,
    new: Option<NewCustomerInput>,
) -> partnergraph_core::Result<OrderFor> {
    match (customer, new) {
        (Some(id), None) => Ok(OrderFor::Existing(customer_id(&id)?)),
        (None, Some(new)) => Ok(OrderFor::New(new.into_core()?)),
        _ => Err(Error::bad_input(
            "customerId",
            "give either `customerId` or `newCustomer`",
        )),
    }
}

async fn set_active(
    ctx: &Context<'_>,
    input: CustomerActionInput,
    active: bool,
) -> R<CustomerPayload> {
    let r = req(ctx);
    let id = customer_id(&input.customer_id).map_err(|e| r.fail(e))?;
    let customer = writes(ctx)?
        .set_customer_active(actor(ctx), id, active, input.idempotency_key.as_deref())
        .await
        .map_err(|e| r.fail(e))?;
    Ok(CustomerPayload {
        customer: Customer(customer),
    })
}

/// The write side, which `build_schema` always attaches.
fn writes<'a>(ctx: &Context<'a>) -> R<&'a Writes> {
    ctx.data::<Writes>()
        .map_err(|_| req(ctx).fail(Error::internal("the schema was built without writes")))
}

fn actor<'a>(ctx: &Context<'a>) -> Actor<'a> {
    let r = req(ctx);
    Actor {
        principal: &r.principal,
        request_id: &r.request_id,
    }
}
