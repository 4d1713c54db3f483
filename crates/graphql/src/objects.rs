//! The object types of the API: thin views over core's domain records that load their
//! relationships through the request's DataLoader and check visibility with core's [`Scope`].

use crate::error::to_graphql;
use crate::inputs::*;
use crate::loaders::*;
use crate::paging::{connection, cost, page_request, Conn};
use crate::Req;
use async_graphql::dataloader::Loader;
use async_graphql::{
    Context, Description, InputValueError, InputValueResult, Interface, Object, Scalar, ScalarType,
    SimpleObject, Union, Value, ID,
};
use chrono::{DateTime, NaiveDate, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model::{self, AccountHolder, Membership};
use partnergraph_core::paging::{select_from, Direction, Listable, Order};
use partnergraph_core::permission::Permission;
use partnergraph_core::{filter, Error, GlobalId, NodeKind};
use std::hash::Hash;
use std::sync::Arc;

/// Resolver results.
pub(crate) type R<T> = async_graphql::Result<T>;

/// The request's context.
pub(crate) fn req<'a>(ctx: &Context<'a>) -> &'a Req {
    ctx.data_unchecked::<Req>()
}

impl Req {
    /// A core error as a client error.
    pub fn fail(&self, err: impl Into<Error>) -> async_graphql::Error {
        to_graphql(&err.into(), &self.request_id)
    }

    /// Fails with FORBIDDEN unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> R<()> {
        self.principal.require(permission).map_err(|e| self.fail(e))
    }

    /// One record or relationship, batched with every other load of this tick.
    pub async fn load<K>(&self, key: K) -> R<Option<<Batch as Loader<K>>::Value>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        Batch: Loader<K, Error = LoadError>,
    {
        self.loader
            .load_one(key)
            .await
            .map_err(|e| to_graphql(&e, &self.request_id))
    }

    /// The records of a parent (empty when it has none).
    pub async fn children<K, V>(&self, key: K) -> R<Vec<V>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
        Batch: Loader<K, Value = Vec<V>, Error = LoadError>,
    {
        Ok(self.load(key).await?.unwrap_or_default())
    }

    /// The records of a parent as the request's loader shares them (empty when it has none).
    pub async fn shared_children<K, V>(&self, key: K) -> R<Arc<[V]>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + 'static,
        Batch: Loader<K, Value = Arc<[V]>, Error = LoadError>,
    {
        Ok(self.load(key).await?.unwrap_or_else(|| Arc::new([])))
    }

    /// The holder of a billing account, if the caller may see it.
    pub async fn billing_holder(&self, account: &BillingAccountId) -> R<Option<AccountHolder>> {
        let holder = self.load(BillingHolder(account.clone())).await?;
        Ok(holder.filter(|h| self.scope.permits_holder(h)))
    }

    /// The holder of a CRM account, if the caller may see it.
    pub async fn crm_holder(&self, account: &CrmAccountId) -> R<Option<AccountHolder>> {
        let holder = self.load(CrmHolder(account.clone())).await?;
        Ok(holder.filter(|h| self.scope.permits_holder(h)))
    }

    /// An organization, if the caller may see it.
    pub async fn organization(&self, id: &OrgId) -> R<Option<model::Organization>> {
        let org = self.load(id.clone()).await?;
        Ok(org.filter(|o| self.scope.permits_organization(o)))
    }

    /// A customer, if the caller may see it.
    pub async fn customer(&self, id: &CustomerId) -> R<Option<model::Customer>> {
        let customer = self.load(id.clone()).await?;
        Ok(customer.filter(|c| self.scope.permits_customer(c)))
    }

    /// A profile, if the caller may see it (core's [`Principal::sees_profile`]).
    ///
    /// [`Principal::sees_profile`]: partnergraph_core::Principal::sees_profile
    pub async fn profile(&self, id: &ProfileId) -> R<Option<model::Profile>> {
        let profile = self.load(id.clone()).await?;
        Ok(profile.filter(|p| self.principal.sees_profile(p)))
    }

    /// Whether the caller may see this user: itself always, others by scope and `VIEW_USERS`.
    pub async fn user_visible(&self, user: &model::User) -> R<bool> {
        if user.id == self.principal.user_id {
            return Ok(true);
        }
        if !self.principal.has(Permission::ViewUsers) {
            return Ok(false);
        }
        let owner = match &user.membership {
            Membership::Platform => None,
            Membership::Organization(o) => {
                self.load(o.clone()).await?.map(AccountHolder::Organization)
            }
            Membership::Customer(c) => self.load(c.clone()).await?.map(AccountHolder::Customer),
        };
        Ok(self.scope.permits_user(user, owner.as_ref()))
    }

    /// Whether the caller may see this offer.
    pub async fn offer_visible(&self, offer: &model::Offer) -> R<bool> {
        use partnergraph_core::principal::OfferAudience;
        let audience = match self.scope.offer_audience() {
            OfferAudience::All => return Ok(true),
            OfferAudience::Nothing => return Ok(false),
            OfferAudience::Partner(p) => self.load(p).await?.into_iter().collect(),
            OfferAudience::PartnersOf(d) => self.children(PartnersOf(d)).await?,
        };
        Ok(self.scope.permits_offer(offer, &audience))
    }

    /// The offers the caller may see.
    pub async fn visible_offers(&self) -> R<Vec<model::Offer>> {
        let mut visible = Vec::new();
        for offer in self.children(AllOffers).await? {
            if self.offer_visible(&offer).await? {
                visible.push(offer);
            }
        }
        Ok(visible)
    }

    /// A record by global id, if the caller may see it.
    pub async fn node(&self, id: &GlobalId) -> R<Option<Node>> {
        let local = id.local.as_str();
        let billing = self.principal.has(Permission::ViewBilling);
        let cases = self.principal.has(Permission::ViewCases);
        Ok(match id.kind {
            NodeKind::Organization => self
                .organization(&local.into())
                .await?
                .map(|o| Node::Organization(Organization(o))),
            NodeKind::Customer => self
                .customer(&local.into())
                .await?
                .map(|c| Node::Customer(Customer(c))),
            NodeKind::User => match self.load(UserId::from(local)).await? {
                Some(u) if self.user_visible(&u).await? => Some(Node::User(User(u))),
                _ => None,
            },
            NodeKind::Profile => self
                .profile(&ProfileId::from(local))
                .await?
                .map(|p| Node::Profile(Profile(p))),
            NodeKind::Offer => match self.load(OfferId::from(local)).await? {
                Some(o) if self.offer_visible(&o).await? => Some(Node::Offer(Offer(o))),
                _ => None,
            },
            NodeKind::Subscription if billing => {
                match self.load(SubscriptionId::from(local)).await? {
                    Some(s) if self.billing_holder(&s.account_id).await?.is_some() => {
                        Some(Node::Subscription(Subscription(s)))
                    }
                    _ => None,
                }
            }
            NodeKind::Invoice if billing => match self.load(InvoiceId::from(local)).await? {
                Some(i) if self.billing_holder(&i.account_id).await?.is_some() => {
                    Some(Node::Invoice(Invoice(i)))
                }
                _ => None,
            },
            NodeKind::Payment if billing => match self.load(PaymentId::from(local)).await? {
                Some(p) if self.billing_holder(&p.account_id).await?.is_some() => {
                    Some(Node::Payment(Payment(p)))
                }
                _ => None,
            },
            NodeKind::PaymentMethod if billing => {
                match self.load(PaymentMethodId::from(local)).await? {
                    Some(m) if self.billing_holder(&m.account_id).await?.is_some() => {
                        Some(Node::PaymentMethod(PaymentMethod(m)))
                    }
                    _ => None,
                }
            }
            NodeKind::Case if cases => match self.load(CaseId::from(local)).await? {
                Some(c) if self.crm_holder(&c.account_id).await?.is_some() => {
                    Some(Node::Case(Case(c)))
                }
                _ => None,
            },
            _ => None,
        })
    }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Pages records of one parent in memory, with the meaning core gives filters and orders.
fn page_of<T: Listable + Clone, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    items: &[T],
    filter: &T::Filter,
    order: Order<T::Field>,
    args: (Option<i32>, Option<String>, Option<i32>, Option<String>),
    to_node: impl Fn(T) -> N,
) -> R<Conn<N>> {
    let page = page_request(args.0, args.1, args.2, args.3).map_err(|e| req(ctx).fail(e))?;
    Ok(connection(
        select_from(items, filter, order, &page, today()),
        to_node,
    ))
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

/// The billing and CRM side shared by organizations and customers, resolved from external ids.
struct Accounts<'a> {
    external: &'a model::ExternalIds,
    /// The account the holder is, for `accountId` / `customerId` filters on nested lists.
    me: AccountRef,
}

impl Accounts<'_> {
    /// Whether a nested list's account filter names another holder (then the list is empty).
    fn excluded(&self, other: &Option<AccountRef>) -> bool {
        match (other, &self.me) {
            (None, _) => false,
            (Some(AccountRef::Organization(a)), AccountRef::Organization(b)) => a != b,
            (Some(AccountRef::Customer(a)), AccountRef::Customer(b)) => a != b,
            _ => true,
        }
    }

    async fn balance(&self, ctx: &Context<'_>) -> R<Option<Money>> {
        let r = req(ctx);
        r.require(Permission::ViewBilling)?;
        let Some(id) = &self.external.billing else {
            return Ok(None);
        };
        Ok(r.load(id.clone()).await?.map(|a| a.balance.into()))
    }

    /// The records of this holder's billing account (none without one), as the loader shares them.
    async fn billing_children<K, V>(
        &self,
        ctx: &Context<'_>,
        key: impl Fn(BillingAccountId) -> K,
    ) -> R<Arc<[V]>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + 'static,
        Batch: Loader<K, Value = Arc<[V]>, Error = LoadError>,
    {
        let r = req(ctx);
        r.require(Permission::ViewBilling)?;
        match &self.external.billing {
            Some(id) => r.shared_children(key(id.clone())).await,
            None => Ok(Arc::new([])),
        }
    }

    async fn cases(&self, ctx: &Context<'_>) -> R<Arc<[model::Case]>> {
        let r = req(ctx);
        r.require(Permission::ViewCases)?;
        match &self.external.crm {
            Some(id) => r.shared_children(CasesOf(id.clone())).await,
            None => Ok(Arc::new([])),
        }
    }
}

type Args = (Option<i32>, Option<String>, Option<i32>, Option<String>);

async fn subscriptions_of(
    ctx: &Context<'_>,
    accounts: Accounts<'_>,
    args: Args,
    filter: Option<SubscriptionFilter>,
    order_by: Option<OrderBy<SubscriptionOrderField>>,
) -> R<Conn<Subscription>> {
    let r = req(ctx);
    let (filter, customer) = filter
        .unwrap_or_default()
        .into_core()
        .map_err(|e| r.fail(e))?;
    let mut items = accounts.billing_children(ctx, SubscriptionsOf).await?;
    if accounts.excluded(&customer.map(AccountRef::Customer)) {
        items = Arc::new([]);
    }
    let order = order(
        order_by,
        (filter::SubscriptionOrderField::StartDate, Direction::Desc),
    );
    page_of(ctx, &items, &filter, order, args, Subscription)
}

async fn invoices_of(
    ctx: &Context<'_>,
    accounts: Accounts<'_>,
    args: Args,
    filter: Option<InvoiceFilter>,
    order_by: Option<OrderBy<InvoiceOrderField>>,
) -> R<Conn<Invoice>> {
    let r = req(ctx);
    let (filter, account) = filter
        .unwrap_or_default()
        .into_core()
        .map_err(|e| r.fail(e))?;
    let mut items = accounts.billing_children(ctx, InvoicesOf).await?;
    if accounts.excluded(&account) {
        items = Arc::new([]);
    }
    let order = order(
        order_by,
        (filter::InvoiceOrderField::InvoiceDate, Direction::Desc),
    );
    page_of(ctx, &items, &filter, order, args, Invoice)
}

async fn payments_of(
    ctx: &Context<'_>,
    accounts: Accounts<'_>,
    args: Args,
    order_by: Option<OrderBy<PaymentOrderField>>,
) -> R<Conn<Payment>> {
    let items = accounts.billing_children(ctx, PaymentsOf).await?;
    let order = order(
        order_by,
        (filter::PaymentOrderField::EffectiveDate, Direction::Desc),
    );
    page_of(ctx, &items, &(), order, args, Payment)
}

async fn cases_of(
    ctx: &Context<'_>,
    accounts: Accounts<'_>,
    args: Args,
    filter: Option<CaseFilter>,
    order_by: Option<OrderBy<CaseOrderField>>,
) -> R<Conn<Case>> {
    let r = req(ctx);
    let (filter, account) = filter
        .unwrap_or_default()
        .into_core()
        .map_err(|e| r.fail(e))?;
    let mut items = accounts.cases(ctx).await?;
    if accounts.excluded(&account) {
        items = Arc::new([]);
    }
    let order = order(
        order_by,
        (filter::CaseOrderField::CreatedAt, Direction::Desc),
    );
    page_of(ctx, &items, &filter, order, args, Case)
}

async fn users_of(
    ctx: &Context<'_>,
    users: Vec<model::User>,
    args: Args,
    filter: Option<UserFilter>,
    order_by: Option<OrderBy<UserOrderField>>,
) -> R<Conn<User>> {
    let r = req(ctx);
    let filter = filter
        .unwrap_or_default()
        .into_core()
        .map_err(|e| r.fail(e))?;
    let order = order(order_by, (filter::UserOrderField::Email, Direction::Asc));
    page_of(ctx, &users, &filter, order, args, User)
}

async fn contact_of(ctx: &Context<'_>, external: &model::ExternalIds) -> R<Option<Contact>> {
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

/// A distributor or a partner (reseller) organization of the channel.
#[derive(Description)]
pub struct Organization(pub model::Organization);

#[Object(use_type_description)]
impl Organization {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Distributor or partner.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// The sales channel the organization sells through; offers are published per channel.
    async fn sales_channel(&self) -> &str {
        &self.0.sales_channel
    }
    /// Who is invoiced for subscriptions this organization sells.
    async fn invoice_owner(&self) -> InvoiceOwner {
        self.0.invoice_owner.into()
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The distributor a partner sells under (null for distributors, or when not visible).
    async fn parent(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        match &self.0.parent_id {
            Some(id) => Ok(req(ctx).organization(id).await?.map(Organization)),
            None => Ok(None),
        }
    }
    /// The partners of a distributor (empty for partners).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<OrganizationFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<OrganizationOrderField>>,
    ) -> R<Conn<Organization>> {
        let r = req(ctx);
        let mut partners = r.children(PartnersOf(self.0.id.clone())).await?;
        partners.retain(|p| r.scope.permits_organization(p));
        let order = order(
            order_by,
            (filter::OrganizationOrderField::Name, Direction::Asc),
        );
        let filter = filter.unwrap_or_default().into_core();
        page_of(
            ctx,
            &partners,
            &filter,
            order,
            (first, after, last, before),
            Organization,
        )
    }
    /// The end customers this organization sells to (for a distributor: all of its partners').
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<CustomerFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<CustomerOrderField>>,
    ) -> R<Conn<Customer>> {
        let r = req(ctx);
        let filter = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let mut customers = r.children(CustomersOf(self.0.id.clone())).await?;
        customers.retain(|c| r.scope.permits_customer(c));
        let order = order(order_by, (filter::CustomerOrderField::Name, Direction::Asc));
        page_of(
            ctx,
            &customers,
            &filter,
            order,
            (first, after, last, before),
            Customer,
        )
    }
    /// The organization's operators (needs VIEW_USERS).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<UserFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<UserOrderField>>,
    ) -> R<Conn<User>> {
        let r = req(ctx);
        r.require(Permission::ViewUsers)?;
        let users = r.children(UsersOfOrganization(self.0.id.clone())).await?;
        users_of(ctx, users, (first, after, last, before), filter, order_by).await
    }
    /// The offers this organization may sell (for a distributor: those any of its partners may).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn eligible_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<OfferFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<OfferOrderField>>,
    ) -> R<Conn<Offer>> {
        let r = req(ctx);
        let sellers = match self.0.kind {
            model::OrgKind::Partner => vec![self.0.clone()],
            model::OrgKind::Distributor => r.children(PartnersOf(self.0.id.clone())).await?,
        };
        let mut offers = r.visible_offers().await?;
        offers.retain(|o| sellers.iter().any(|s| o.is_eligible_for(s)));
        let order = order(order_by, (filter::OfferOrderField::Name, Direction::Asc));
        let filter = filter.unwrap_or_default().into_core();
        page_of(
            ctx,
            &offers,
            &filter,
            order,
            (first, after, last, before),
            Offer,
        )
    }
    /// The organization's accounts in billing and CRM.
    async fn external_ids(&self) -> ExternalIds {
        (&self.0.external).into()
    }
    /// The open balance of the organization's own billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    async fn balance(&self, ctx: &Context<'_>) -> R<Option<Money>> {
        self.accounts().balance(ctx).await
    }
    /// Subscriptions on the organization's own billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<SubscriptionFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<SubscriptionOrderField>>,
    ) -> R<Option<Conn<Subscription>>> {
        subscriptions_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
    /// Invoices billed to the organization itself, e.g. for customers whose invoice owner is
    /// the partner (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<InvoiceFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<InvoiceOrderField>>,
    ) -> R<Option<Conn<Invoice>>> {
        invoices_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
    /// Payments made by the organization (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<PaymentOrderField>>,
    ) -> R<Option<Conn<Payment>>> {
        payments_of(ctx, self.accounts(), (first, after, last, before), order_by)
            .await
            .map(Some)
    }
    /// Payment methods stored for the organization (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    async fn payment_methods(&self, ctx: &Context<'_>) -> R<Option<Vec<PaymentMethod>>> {
        let methods = self
            .accounts()
            .billing_children(ctx, PaymentMethodsOf)
            .await?;
        Ok(Some(methods.iter().cloned().map(PaymentMethod).collect()))
    }
    /// Support cases of the organization's own account (needs VIEW_CASES; null, with an error, while the CRM is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<CaseFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<CaseOrderField>>,
    ) -> R<Option<Conn<Case>>> {
        cases_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
}

impl Organization {
    fn accounts(&self) -> Accounts<'_> {
        Accounts {
            external: &self.0.external,
            me: AccountRef::Organization(self.0.id.clone()),
        }
    }
}

/// An end customer account, sold to by a partner.
#[derive(Description)]
pub struct Customer(pub model::Customer);

#[Object(use_type_description)]
impl Customer {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
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
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<UserFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<UserOrderField>>,
    ) -> R<Conn<User>> {
        let r = req(ctx);
        r.require(Permission::ViewUsers)?;
        let users = r.children(UsersOfCustomer(self.0.id.clone())).await?;
        users_of(ctx, users, (first, after, last, before), filter, order_by).await
    }
    /// The open balance of the customer's billing account (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    async fn balance(&self, ctx: &Context<'_>) -> R<Option<Money>> {
        self.accounts().balance(ctx).await
    }
    /// The customer's subscriptions (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<SubscriptionFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<SubscriptionOrderField>>,
    ) -> R<Option<Conn<Subscription>>> {
        subscriptions_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
    /// Invoices billed to the customer directly (needs VIEW_BILLING); empty when the partner
    /// is the invoice owner.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<InvoiceFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<InvoiceOrderField>>,
    ) -> R<Option<Conn<Invoice>>> {
        invoices_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
    /// Payments made by the customer (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn payments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<PaymentOrderField>>,
    ) -> R<Option<Conn<Payment>>> {
        payments_of(ctx, self.accounts(), (first, after, last, before), order_by)
            .await
            .map(Some)
    }
    /// Payment methods stored for the customer (needs VIEW_BILLING; null, with an error, while billing is unreachable).
    async fn payment_methods(&self, ctx: &Context<'_>) -> R<Option<Vec<PaymentMethod>>> {
        let methods = self
            .accounts()
            .billing_children(ctx, PaymentMethodsOf)
            .await?;
        Ok(Some(methods.iter().cloned().map(PaymentMethod).collect()))
    }
    /// The customer's support cases (needs VIEW_CASES; null, with an error, while the CRM is unreachable).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<CaseFilter>,
        #[graphql(desc = "How to sort the list; without it, the list's natural order applies.")]
        order_by: Option<OrderBy<CaseOrderField>>,
    ) -> R<Option<Conn<Case>>> {
        cases_of(
            ctx,
            self.accounts(),
            (first, after, last, before),
            filter,
            order_by,
        )
        .await
        .map(Some)
    }
}

impl Customer {
    fn accounts(&self) -> Accounts<'_> {
        Accounts {
            external: &self.0.external,
            me: AccountRef::Customer(self.0.id.clone()),
        }
    }
}

/// What a sales channel offers partners to order for their customers.
#[derive(Description)]
pub struct Offer(pub model::Offer);

#[Object(use_type_description)]
impl Offer {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Stable offer code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A short marketing label.
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    /// The sales channel the offer is published to.
    async fn sales_channel(&self) -> &str {
        &self.0.sales_channel
    }
    /// The SKU a subscription to this offer carries.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// Price per seat and billing period.
    async fn price(&self) -> Money {
        self.0.price.clone().into()
    }
    /// How often the offer is billed.
    async fn billing_period(&self) -> BillingPeriod {
        self.0.billing_period.into()
    }
    /// Smallest quantity that may be ordered.
    async fn min_seats(&self) -> i64 {
        self.0.min_seats
    }
    /// Largest quantity that may be ordered, if bounded.
    async fn max_seats(&self) -> Option<i64> {
        self.0.max_seats
    }
    /// The partners the offer is restricted to, among those the caller can see; empty when
    /// every partner of the channel may sell it.
    async fn eligible_partners(&self, ctx: &Context<'_>) -> R<Vec<Organization>> {
        let r = req(ctx);
        let mut out = Vec::new();
        for id in &self.0.eligible_partner_ids {
            if let Some(org) = r.organization(id).await? {
                out.push(Organization(org));
            }
        }
        Ok(out)
    }
}

/// A subscription of a customer to an offer, from billing.
#[derive(Description)]
pub struct Subscription(pub model::Subscription);

#[Object(use_type_description)]
impl Subscription {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Subscription number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The subscribing customer (null when not visible).
    async fn customer(&self, ctx: &Context<'_>) -> R<Option<Customer>> {
        Ok(match req(ctx).billing_holder(&self.0.account_id).await? {
            Some(AccountHolder::Customer(c)) => Some(Customer(c)),
            _ => None,
        })
    }
    /// The offer subscribed to.
    async fn offer(&self, ctx: &Context<'_>) -> R<Option<Offer>> {
        match &self.0.offer_id {
            Some(id) => Ok(req(ctx).load(id.clone()).await?.map(Offer)),
            None => Ok(None),
        }
    }
    /// Lifecycle state.
    async fn status(&self) -> SubscriptionStatus {
        self.0.status.into()
    }
    /// Seats.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// The SKU subscribed to.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// When the subscription started.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    /// When the current term ends (null for evergreen subscriptions).
    async fn term_end_date(&self) -> Option<Date> {
        self.0.term_end_date.map(Date)
    }
    /// Whether the term renews by itself.
    async fn auto_renew(&self) -> bool {
        self.0.auto_renew
    }
    /// Who receives the invoices: the partner or the end customer.
    async fn invoice_owner(&self) -> InvoiceOwner {
        self.0.invoice_owner.into()
    }
}

/// An invoice from billing.
#[derive(Description)]
pub struct Invoice(pub model::Invoice);

#[Object(use_type_description)]
impl Invoice {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Invoice number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The organization or customer invoiced (null when not visible).
    async fn account(&self, ctx: &Context<'_>) -> R<Option<AccountHolderUnion>> {
        Ok(req(ctx)
            .billing_holder(&self.0.account_id)
            .await?
            .map(Into::into))
    }
    /// Invoice date.
    async fn invoice_date(&self) -> Date {
        Date(self.0.invoice_date)
    }
    /// Payment due date.
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    /// Total amount.
    async fn amount(&self) -> Money {
        self.0.amount.clone().into()
    }
    /// What is still to be paid.
    async fn balance(&self) -> Money {
        self.0.balance.clone().into()
    }
    /// Status.
    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }
    /// Open and past its due date (judged today, UTC).
    async fn overdue(&self) -> bool {
        self.0.is_overdue(today())
    }
}

/// A payment from billing.
#[derive(Description)]
pub struct Payment(pub model::Payment);

#[Object(use_type_description)]
impl Payment {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Payment number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The paying organization or customer (null when not visible).
    async fn account(&self, ctx: &Context<'_>) -> R<Option<AccountHolderUnion>> {
        Ok(req(ctx)
            .billing_holder(&self.0.account_id)
            .await?
            .map(Into::into))
    }
    /// Amount paid.
    async fn amount(&self) -> Money {
        self.0.amount.clone().into()
    }
    /// When the payment took effect.
    async fn effective_date(&self) -> Date {
        Date(self.0.effective_date)
    }
    /// Outcome.
    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }
    /// The stored method used, if any.
    async fn payment_method(&self, ctx: &Context<'_>) -> R<Option<PaymentMethod>> {
        match &self.0.payment_method_id {
            Some(id) => Ok(req(ctx).load(id.clone()).await?.map(PaymentMethod)),
            None => Ok(None),
        }
    }
    /// The invoice the payment was applied to, if any.
    async fn invoice(&self, ctx: &Context<'_>) -> R<Option<Invoice>> {
        let r = req(ctx);
        let Some(id) = &self.0.invoice_id else {
            return Ok(None);
        };
        match r.load(id.clone()).await? {
            Some(i) if r.billing_holder(&i.account_id).await?.is_some() => Ok(Some(Invoice(i))),
            _ => Ok(None),
        }
    }
}

/// A stored payment method of a billing account.
#[derive(Description)]
pub struct PaymentMethod(pub model::PaymentMethod);

#[Object(use_type_description)]
impl PaymentMethod {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Card, bank transfer or PayPal.
    #[graphql(name = "type")]
    async fn kind(&self) -> PaymentMethodType {
        self.0.kind.into()
    }
    /// Card brand or bank name.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// Last four digits of the card or account number.
    async fn last4(&self) -> Option<&str> {
        self.0.last4.as_deref()
    }
    /// Card expiry as `YYYY-MM`.
    async fn expires(&self) -> Option<&str> {
        self.0.expires.as_deref()
    }
    /// Whether the account pays with this method by default.
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
}

/// A support case from the CRM.
#[derive(Description)]
pub struct Case(pub model::Case);

#[Object(use_type_description)]
impl Case {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
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

/// A portal user: an operator of the platform, a distributor or a partner, or a customer user.
#[derive(Description)]
pub struct User(pub model::User);

#[Object(use_type_description)]
impl User {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Login email.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// First name.
    async fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name.
    async fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// First and last name.
    async fn name(&self) -> String {
        format!("{} {}", self.0.first_name, self.0.last_name)
    }
    /// Pending, active or suspended.
    async fn status(&self) -> UserStatus {
        self.0.status.into()
    }
    /// When the user was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user's permission profile (null when it is a custom profile out of the caller's
    /// reach: another organization's).
    async fn profile(&self, ctx: &Context<'_>) -> R<Option<Profile>> {
        Ok(req(ctx).profile(&self.0.profile_id).await?.map(Profile))
    }
    /// The organization an operator belongs to (null for others, or when not visible).
    async fn organization(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        match &self.0.membership {
            Membership::Organization(id) => Ok(req(ctx).organization(id).await?.map(Organization)),
            _ => Ok(None),
        }
    }
    /// The customer account a customer user belongs to (null for operators).
    async fn customer(&self, ctx: &Context<'_>) -> R<Option<Customer>> {
        match &self.0.membership {
            Membership::Customer(id) => Ok(req(ctx).customer(id).await?.map(Customer)),
            _ => Ok(None),
        }
    }
}

/// A named set of permissions given to users.
#[derive(Description)]
pub struct Profile(pub model::Profile);

#[Object(use_type_description)]
impl Profile {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// Stable code, e.g. `ADMIN`.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Permission codes, e.g. `VIEW_BILLING`.
    async fn permissions(&self) -> Vec<&'static str> {
        self.0.permissions.iter().map(|p| p.code()).collect()
    }
    /// Whether this is one of the built-in profiles, which nobody edits.
    async fn built_in(&self) -> bool {
        self.0.is_built_in()
    }
    /// The distributor or partner whose admins created this custom profile and alone may edit
    /// and give it (with platform admins); null for built-in and platform profiles.
    async fn organization(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        match &self.0.owner {
            model::ProfileOwner::Organization(id) => {
                Ok(req(ctx).organization(id).await?.map(Organization))
            }
            _ => Ok(None),
        }
    }
}

/// One audited action.
#[derive(Description)]
pub struct AuditEvent(pub model::AuditEvent);

#[Object(use_type_description)]
impl AuditEvent {
    /// The global id.
    async fn id(&self) -> ID {
        self.0.id.global().encode().into()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who did it (the real actor, even when impersonating; null when not visible).
    async fn actor(&self, ctx: &Context<'_>) -> R<Option<User>> {
        visible_user(ctx, self.0.actor_id.as_ref()).await
    }
    /// The actor's email at the time.
    async fn actor_email(&self) -> &str {
        &self.0.actor_email
    }
    /// The impersonated user, when the actor acted as someone else.
    async fn on_behalf_of(&self, ctx: &Context<'_>) -> R<Option<User>> {
        visible_user(ctx, self.0.on_behalf_of.as_ref()).await
    }
    /// What was done, e.g. `customer.update`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The global id of what it was done to.
    async fn target(&self) -> &str {
        &self.0.target
    }
    /// How it ended.
    async fn outcome(&self) -> AuditOutcome {
        self.0.outcome.into()
    }
    /// The request that did it.
    async fn request_id(&self) -> &str {
        &self.0.request_id
    }
}

async fn visible_user(ctx: &Context<'_>, id: Option<&UserId>) -> R<Option<User>> {
    let r = req(ctx);
    let Some(id) = id else { return Ok(None) };
    match r.load(id.clone()).await? {
        Some(u) if r.user_visible(&u).await? => Ok(Some(User(u))),
        _ => Ok(None),
    }
}
