//! The GraphQL schema, one module per area of the portal model: [`channel`] (organizations and
//! offers), [`customers`], [`billing`] (subscriptions, invoices, payments, orders), [`crm`]
//! (cases and contacts) and [`access`] (viewer, users, profiles, sign-up and login-as, audit).
//! Each area holds its object types, its Query fields and its Mutation fields; the roots below
//! merge the areas' parts.
//!
//! The parts are merged in the order of the published `schema.graphql`, field by field: an area
//! whose fields are not contiguous there has more than one part. This module also holds what
//! every area shares: the `Node` interface, the account-holder union and the scalars.

/// The `InputObject` of a write: its fields, then the `idempotencyKey` every write input ends
/// with (defined before the areas' modules, which use it).
macro_rules! write_input {
    ($(#[$doc:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(async_graphql::InputObject)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
            /// Makes retries safe: the same key and input return the first result.
            pub idempotency_key: Option<String>,
        }
    };
}

pub(crate) mod access;
pub(crate) mod billing;
pub(crate) mod channel;
pub(crate) mod crm;
pub(crate) mod customers;
mod holder;

pub(crate) use access::{AuditEvent, Profile, User};
pub(crate) use billing::{Invoice, Payment, PaymentMethod, Subscription};
pub(crate) use channel::{Offer, Organization};
pub(crate) use crm::{Case, Contact};
pub(crate) use customers::Customer;

use crate::paging::{connection, Conn, Criteria};
use crate::req::{req, OrFail, R};
use crate::Req;
use async_graphql::{
    Context, Description, InputValueError, InputValueResult, Interface, MergedObject, Object,
    Scalar, ScalarType, SimpleObject, Union, Value, ID,
};
use chrono::{NaiveDate, Utc};
use partnergraph_core::model::{self, AccountHolder};
use partnergraph_core::paging::{select, select_from, Listable, Page};
use partnergraph_core::write::{Actor, Call, Writes};
use partnergraph_core::{Error, GlobalId};

/// Every read of the portal model, each limited to what the caller may see: what is out of
/// the caller's scope reads exactly like what does not exist.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    access::ViewerQuery,
    NodeQuery,
    channel::OrganizationsQuery,
    customers::CustomersQuery,
    channel::OffersQuery,
    billing::BillingQuery,
    crm::CasesQuery,
    access::AccessQuery,
);

/// Every write of the portal model. Each takes one `input` and returns a payload with the
/// objects it touched. Every input takes an `idempotencyKey`: repeating a call with the same
/// key and input returns the first call's answer and changes nothing more.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    customers::CustomersMutation,
    billing::OrdersMutation,
    crm::OpenCaseMutation,
    access::CustomerUsersMutation,
    billing::SubscriptionsMutation,
    crm::CaseUpdatesMutation,
    access::UsersMutation,
    channel::ChannelMutation,
);

/// The most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = 100;

/// Records by global id, whatever their area.
#[derive(Default, Description)]
pub(crate) struct NodeQuery;

#[Object(use_type_description)]
impl NodeQuery {
    /// Any record by its global id; null when it does not exist or the caller may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as every type's `id` field gives it.")] id: ID,
    ) -> R<Option<Node>> {
        let r = req(ctx);
        let global = decode_global(r, &id, "id")?;
        r.node(&global).await
    }

    /// Many records by global id, in the order asked (at most 100); each null when it does not
    /// exist or the caller may not see it.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Up to 100 global ids; the answer lists them in the same order.")]
        ids: Vec<ID>,
    ) -> R<Vec<Option<Node>>> {
        let r = req(ctx);
        if ids.len() > MAX_NODES {
            return Err(r.fail(Error::bad_input(
                "ids",
                format!("`ids` takes at most {MAX_NODES} ids"),
            )));
        }
        let globals: Vec<GlobalId> = ids
            .iter()
            .map(|id| decode_global(r, id, "ids"))
            .collect::<R<_>>()?;
        futures::future::try_join_all(globals.iter().map(|g| r.node(g))).await
    }
}

fn decode_global(r: &Req, id: &ID, field: &str) -> R<GlobalId> {
    GlobalId::decode(id.as_str()).map_err(|_| {
        r.fail(Error::bad_input(
            field,
            format!("`{field}` is not a valid id"),
        ))
    })
}

/// Today, UTC: what "overdue" and term ends are judged against.
pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Pages records in memory, with the meaning core gives filters and orders.
pub(crate) fn page_of<T: Listable, N: async_graphql::OutputType>(
    items: impl Records<T>,
    criteria: Criteria<T::Filter, T::Field>,
    to_node: impl Fn(T) -> N,
) -> Conn<N> {
    connection(items.select(criteria, today()), to_node)
}

/// Records a list is paged from, as the resolver holds them: a list of its own (filtered for
/// the caller) moves the page's records into the page; a list shared with the loader's cache
/// copies only those.
pub(crate) trait Records<T: Listable> {
    /// The page `criteria` pick, judged as of `today`.
    fn select(self, criteria: Criteria<T::Filter, T::Field>, today: NaiveDate) -> Page<T>;
}

impl<T: Listable> Records<T> for Vec<T> {
    fn select(self, c: Criteria<T::Filter, T::Field>, today: NaiveDate) -> Page<T> {
        select(self, &c.filter, c.order, &c.page, today)
    }
}

impl<T: Listable + Clone> Records<T> for &[T] {
    fn select(self, c: Criteria<T::Filter, T::Field>, today: NaiveDate) -> Page<T> {
        select_from(self, &c.filter, c.order, &c.page, today)
    }
}

/// The write side, which `build_schema` always attaches, and the caller as it acts.
pub(crate) fn write<'a>(ctx: &Context<'a>) -> R<(&'a Req, &'a Writes, Actor<'a>)> {
    let r = req(ctx);
    let writes = ctx
        .data::<Writes>()
        .map_err(|_| r.fail(Error::internal("the schema was built without writes")))?;
    let actor = Actor {
        principal: &r.principal,
        request_id: &r.request_id,
    };
    Ok((r, writes, actor))
}

/// One write: its input decoded first (a BAD_USER_INPUT answers before anything else is
/// asked), then `op` called with the write side and the call (the caller, the input and the
/// idempotency `key`). The request comes back with the result, to read what the write touched.
pub(crate) async fn run_write<'a, 'k, I, O, F>(
    ctx: &Context<'a>,
    key: Option<&'k str>,
    input: partnergraph_core::Result<I>,
    op: impl FnOnce(&'a Writes, Call<'k, I>) -> F,
) -> R<(&'a Req, O)>
where
    'a: 'k,
    F: std::future::Future<Output = partnergraph_core::Result<O>>,
{
    let input = input.or_fail(req(ctx))?;
    let (r, writes, actor) = write(ctx)?;
    let out = op(writes, Call { actor, input, key }).await.or_fail(r)?;
    Ok((r, out))
}

/// The gateway's public address, for links in emails.
pub(crate) fn public_url<'a>(ctx: &Context<'a>) -> R<&'a str> {
    ctx.data::<crate::PublicUrl>()
        .map(|u| u.0.as_str())
        .map_err(|_| req(ctx).fail(Error::internal("the schema was built without a public URL")))
}

/// An ISO-8601 calendar date, e.g. `2026-11-23`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Description)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date", use_type_description)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("`{s}` is not a date (YYYY-MM-DD)"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An exact decimal number, written as a JSON string (e.g. `"1234.50"`) so that no client
/// rounds it through a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Description)]
pub struct Decimal(pub rust_decimal::Decimal);

#[Scalar(name = "Decimal", use_type_description)]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .parse()
                .map(Decimal)
                .map_err(|_| InputValueError::custom(format!("`{s}` is not a decimal number"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An amount of money: an exact decimal and its currency.
#[derive(SimpleObject)]
pub struct Money {
    /// The amount, exact (a decimal string in JSON, never a float).
    amount: Decimal,
    /// ISO-4217 currency code.
    currency: String,
}

impl From<model::Money> for Money {
    fn from(m: model::Money) -> Self {
        Self {
            amount: Decimal(m.amount),
            currency: m.currency,
        }
    }
}

/// Where the same account lives in the upstream systems.
#[derive(SimpleObject)]
pub struct ExternalIds {
    /// The billing account id (Zuora, or the local store's).
    billing: Option<String>,
    /// The CRM account id (Salesforce, or the local store's).
    crm: Option<String>,
}

impl From<&model::ExternalIds> for ExternalIds {
    fn from(e: &model::ExternalIds) -> Self {
        Self {
            billing: e.billing.as_ref().map(|b| b.0.clone()),
            crm: e.crm.as_ref().map(|c| c.0.clone()),
        }
    }
}

/// Anything that can be fetched by its global id with `node(id:)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The global id; `node(id:)` fetches the record again."
))]
pub enum Node {
    /// A distributor or partner.
    Organization(Organization),
    /// An end customer.
    Customer(Customer),
    /// A portal user.
    User(User),
    /// A permission profile.
    Profile(Profile),
    /// A catalog offer.
    Offer(Offer),
    /// A subscription.
    Subscription(Subscription),
    /// An invoice.
    Invoice(Invoice),
    /// A payment.
    Payment(Payment),
    /// A stored payment method.
    PaymentMethod(PaymentMethod),
    /// A support case.
    Case(Case),
    /// An audited action.
    AuditEvent(AuditEvent),
}

/// Whose account a record belongs to: an organization's own, or an end customer's.
#[derive(Union)]
pub enum AccountHolderUnion {
    /// An organization's own account.
    Organization(Organization),
    /// An end customer's account.
    Customer(Customer),
}

impl From<AccountHolder> for AccountHolderUnion {
    fn from(h: AccountHolder) -> Self {
        match h {
            AccountHolder::Organization(o) => Self::Organization(Organization(o)),
            AccountHolder::Customer(c) => Self::Customer(Customer(c)),
        }
    }
}

#[cfg(test)]
mod tests {
    /// The published schema is what this crate builds, byte for byte (the server's test checks
    /// the same through its binary; this one fails first, and without a server build).
    #[test]
    fn the_merged_roots_build_the_published_schema() {
        let published = include_str!("../../../../schema.graphql");
        assert!(
            crate::sdl() == published,
            "schema.graphql differs from the code"
        );
    }
}
