//! End customers: the customer object (with its users, billing and cases), the customer
//! queries, and the writes that create, change, deactivate and delete customers.

use super::access::users_page;
use super::crm::contact_of;
use super::holder::holder_object;
use super::{run_write, Contact, Date, ExternalIds, Organization, User};
use crate::inputs::*;
use crate::loaders::UsersOfCustomer;
use crate::paging::{connection, object, Conn};
use crate::req::{req, OrFail, R};
use async_graphql::{Context, Description, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model;
use partnergraph_core::policy::read::ReadArea;
use partnergraph_core::write::{ContactChange, CustomerChanges, NewCustomer};
use partnergraph_core::NodeKind;

/// An end customer account, sold to by a partner.
#[derive(Description)]
pub struct Customer(pub model::Customer);

holder_object! {
impl Customer as AccountRef::Customer {
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Main contact email of the account.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The billing account number.
    async fn account_number(&self) -> &str {
        &self.0.account_number
    }
    /// Active or inactive.
    async fn status(&self) -> CustomerStatus {
        self.0.status.into()
    }
    /// When the customer was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The partner selling to this customer (null for customer users, who see no organization).
    async fn partner(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        Ok(req(ctx)
            .organization(&self.0.partner_id)
            .await?
            .map(Organization))
    }
    /// Seats over all active subscriptions.
    async fn seats(&self) -> i64 {
        self.0.seats
    }
    /// SKUs of the active subscriptions.
    async fn skus(&self) -> &[String] {
        &self.0.skus
    }
    /// The latest term end over the active subscriptions.
    async fn expires_on(&self) -> Option<Date> {
        self.0.expires_on.map(Date)
    }
    /// The main contact in the CRM.
    async fn contact(&self, ctx: &Context<'_>) -> R<Option<Contact>> {
        contact_of(ctx, &self.0.external).await
    }
    /// The customer's accounts in billing and CRM.
    async fn external_ids(&self) -> ExternalIds {
        (&self.0.external).into()
    }
    /// The customer's own portal users (needs VIEW_USERS).
    async fn users(&self, ctx: &Context<'_>) -> R<Conn<User>>
    where list(cost, args, filter: UserFilter, order_by: UserOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Users)?;
        let users = r.children(UsersOfCustomer(self.0.id.clone())).await?;
        users_page(r, users, args)
    }
}
accounts {
    /// The open balance of the customer's billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    balance,
    /// The customer's subscriptions (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    subscriptions,
    /// Invoices billed to the customer directly (needs VIEW_BILLING); empty when the partner
    /// is the invoice owner.
    invoices,
    /// Payments made by the customer (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    payments,
    /// Payment methods stored for the customer (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    payment_methods,
    /// The customer's support cases (needs VIEW_CASES; null, with an error, while the CRM is unreachable).
    cases,
}
}

/// Customers by id and as a list.
#[derive(Default, Description)]
pub(crate) struct CustomersQuery;

object! {
impl CustomersQuery {
    /// A customer by id; null when it does not exist or the caller may not see it.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's global id.")] id: ID,
    ) -> R<Option<Customer>> {
        let r = req(ctx);
        let local: CustomerId = decode(&id, NodeKind::Customer, "id").or_fail(r)?;
        Ok(r.customer(&local).await?.map(Customer))
    }

    /// End customers the caller may see; filters combine.
    async fn customers(&self, ctx: &Context<'_>) -> R<Conn<Customer>>
    where list(root_cost, args, filter: CustomerFilter, order_by: CustomerOrderField)
    {
        let r = req(ctx);
        let c = args.decode(r)?;
        let scope = r.policy().scope_naming(c.filter.partner_id.as_ref()).await?;
        let directory = &r.connectors.directory;
        let page = directory.list_customers(&scope, &c.filter, c.order, &c.page);
        Ok(connection(page.await.or_fail(r)?, Customer))
    }
}
}

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
    pub(crate) fn into_core(self) -> partnergraph_core::Result<NewCustomer> {
        Ok(NewCustomer {
            partner_id: self
                .partner_id
                .map(|id| decode(&id, NodeKind::Organization, "partnerId"))
                .transpose()?,
            name: self.name,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
        })
    }
}

write_input! {
/// Input of `createCustomer`.
pub struct CreateCustomerInput {
    /// The customer.
    pub customer: NewCustomerInput,
}
}

write_input! {
/// Input of `updateCustomer`; absent fields stay as they are.
pub struct UpdateCustomerInput {
    /// The customer.
    pub customer_id: ID,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New details of the main contact person.
    pub contact: Option<ContactInput>,
}
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

write_input! {
/// Input of the mutations that act on one customer as a whole.
pub struct CustomerActionInput {
    /// The customer.
    pub customer_id: ID,
}
}

/// What a customer mutation touched.
#[derive(SimpleObject)]
pub struct CustomerPayload {
    /// The customer as it is now.
    pub customer: Customer,
}

impl CustomerPayload {
    /// The payload of a write that answers with the customer as it now is.
    fn written<T>((_, customer): (T, model::Customer)) -> Self {
        CustomerPayload {
            customer: Customer(customer),
        }
    }
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

pub(crate) fn customer_id(id: &ID) -> partnergraph_core::Result<CustomerId> {
    decode(id, NodeKind::Customer, "customerId")
}

async fn set_active(
    ctx: &Context<'_>,
    input: CustomerActionInput,
    active: bool,
) -> R<CustomerPayload> {
    let key = input.idempotency_key.as_deref();
    let id = customer_id(&input.customer_id);
    run_write(ctx, key, id, |w, call| w.set_customer_active(call, active))
        .await
        .map(CustomerPayload::written)
}

/// Creating, changing and removing customers.
#[derive(Default, Description)]
pub(crate) struct CustomersMutation;

object! {
impl CustomersMutation {
    /// Creates an end customer under a partner: its billing account (under the partner's),
    /// CRM account and contact, and its directory record (needs MANAGE_CUSTOMERS).
    async fn create_customer(&self, ctx: &Context<'_>) -> R<CustomerPayload>
    where write(input: CreateCustomerInput)
    {
        let key = input.idempotency_key.as_deref();
        let new = input.customer.into_core();
        run_write(ctx, key, new, |w, call| w.create_customer(call))
            .await
            .map(CustomerPayload::written)
    }

    /// Changes a customer's name or contact email (needs MANAGE_CUSTOMERS).
    async fn update_customer(&self, ctx: &Context<'_>) -> R<CustomerPayload>
    where write(input: UpdateCustomerInput)
    {
        let key = input.idempotency_key.as_deref();
        let changes = customer_id(&input.customer_id).map(|customer_id| CustomerChanges {
            customer_id,
            name: input.name,
            email: input.email,
            contact: input.contact.map(|c| ContactChange {
                first_name: c.first_name,
                last_name: c.last_name,
                phone: c.phone,
            }),
        });
        run_write(ctx, key, changes, |w, call| w.update_customer(call))
            .await
            .map(CustomerPayload::written)
    }

    /// Deactivates a customer: its users can no longer sign in; its data stays (needs
    /// MANAGE_CUSTOMERS).
    async fn deactivate_customer(&self, ctx: &Context<'_>) -> R<CustomerPayload>
    where write(input: CustomerActionInput)
    {
        set_active(ctx, input, false).await
    }

    /// Reactivates a deactivated customer (needs MANAGE_CUSTOMERS).
    async fn reactivate_customer(&self, ctx: &Context<'_>) -> R<CustomerPayload>
    where write(input: CustomerActionInput)
    {
        set_active(ctx, input, true).await
    }

    /// Deletes a customer with all its data: subscriptions, invoices, payments, payment
    /// methods, contacts, cases and users. Cannot be undone (needs DELETE_CUSTOMERS).
    async fn delete_customer(&self, ctx: &Context<'_>) -> R<DeleteCustomerPayload>
    where write(input: CustomerActionInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = customer_id(&input.customer_id);
        let (_, deletion) = run_write(ctx, key, id, |w, call| w.delete_customer(call)).await?;
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
}
}
