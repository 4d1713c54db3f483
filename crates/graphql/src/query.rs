//! The query root: what a portal or an analyst can ask for.

use crate::inputs::*;
use crate::objects::*;
use crate::paging::{connection, cost, page_request, root_cost, Conn};
use async_graphql::{Context, Description, Object, SimpleObject, ID};
use partnergraph_core::filter;
use partnergraph_core::ids::*;
use partnergraph_core::paging::{select, Direction, PageRequest};
use partnergraph_core::permission::Permission;
use partnergraph_core::traits::AccountSet;
use partnergraph_core::{Error, GlobalId, NodeKind, Scope, Tenant};

/// The most ids `nodes(ids:)` takes at once.
const MAX_NODES: usize = 100;

/// Every read of the portal model, each limited to what the caller may see: what is out of
/// the caller's scope reads exactly like what does not exist.
#[derive(Description)]
pub struct QueryRoot;

fn page(
    r: &crate::Req,
    args: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> R<PageRequest> {
    page_request(args.0, args.1, args.2, args.3).map_err(|e| r.fail(e))
}

#[Object(use_type_description)]
impl QueryRoot {
    /// The caller: who they are, where they sit in the channel and what they may do.
    async fn viewer(&self) -> Viewer {
        Viewer
    }

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

    /// An organization by id; null when it does not exist or the caller may not see it.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's global id.")] id: ID,
    ) -> R<Option<Organization>> {
        let r = req(ctx);
        let local = decode_id(&id, NodeKind::Organization, "id").map_err(|e| r.fail(e))?;
        Ok(r.organization(&local.into()).await?.map(Organization))
    }

    /// Distributors and partners the caller may see.
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
    async fn organizations(
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
        let page = page(r, (first, after, last, before))?;
        let order = order(
            order_by,
            (filter::OrganizationOrderField::Name, Direction::Asc),
        );
        let filter = filter.unwrap_or_default().into_core();
        let result = r
            .connectors
            .directory
            .list_organizations(&r.scope, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, Organization))
    }

    /// A customer by id; null when it does not exist or the caller may not see it.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's global id.")] id: ID,
    ) -> R<Option<Customer>> {
        let r = req(ctx);
        let local = decode_id(&id, NodeKind::Customer, "id").map_err(|e| r.fail(e))?;
        Ok(r.customer(&local.into()).await?.map(Customer))
    }

    /// End customers the caller may see; filters combine.
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
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
        let page = page(r, (first, after, last, before))?;
        let filter = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let order = order(order_by, (filter::CustomerOrderField::Name, Direction::Asc));
        let scope = scope_naming(r, filter.partner_id.as_ref()).await?;
        let result = r
            .connectors
            .directory
            .list_customers(&scope, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, Customer))
    }

    /// Offers the caller may see: those whose sales channel and eligible partners include the
    /// caller's partner (for distributors: any of their partners).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn offers(
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
        let page = page(r, (first, after, last, before))?;
        let order = order(order_by, (filter::OfferOrderField::Name, Direction::Asc));
        let filter = filter.unwrap_or_default().into_core();
        let offers = r.visible_offers().await?;
        let today = chrono::Utc::now().date_naive();
        Ok(connection(
            select(offers, &filter, order, &page, today),
            Offer,
        ))
    }

    /// Subscriptions of every account the caller may see (needs VIEW_BILLING).
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
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
    ) -> R<Conn<Subscription>> {
        let r = req(ctx);
        r.require(Permission::ViewBilling)?;
        let page = page(r, (first, after, last, before))?;
        let (filter, customer) = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let accounts = billing_accounts(r, customer.map(AccountRef::Customer)).await?;
        let order = order(
            order_by,
            (filter::SubscriptionOrderField::StartDate, Direction::Desc),
        );
        let result = r
            .connectors
            .billing
            .list_subscriptions(&accounts, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, Subscription))
    }

    /// Invoices of every account the caller may see (needs VIEW_BILLING).
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
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
    ) -> R<Conn<Invoice>> {
        let r = req(ctx);
        r.require(Permission::ViewBilling)?;
        let page = page(r, (first, after, last, before))?;
        let (filter, account) = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let accounts = billing_accounts(r, account).await?;
        let order = order(
            order_by,
            (filter::InvoiceOrderField::InvoiceDate, Direction::Desc),
        );
        let result = r
            .connectors
            .billing
            .list_invoices(&accounts, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, Invoice))
    }

    /// Support cases of every account the caller may see (needs VIEW_CASES).
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
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
    ) -> R<Conn<Case>> {
        let r = req(ctx);
        r.require(Permission::ViewCases)?;
        let page = page(r, (first, after, last, before))?;
        let (filter, account) = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let scoped = r
            .connectors
            .directory
            .accounts_in_scope(&r.scope)
            .await
            .map_err(|e| r.fail(e))?;
        let accounts = match account {
            None => scoped.crm,
            Some(account) => match holder_of(r, account).await?.and_then(|e| e.crm) {
                Some(id) => scoped.crm.narrow_to(&id),
                None => AccountSet::Only(Vec::new()),
            },
        };
        let order = order(
            order_by,
            (filter::CaseOrderField::CreatedAt, Direction::Desc),
        );
        let result = r
            .connectors
            .crm
            .list_cases(&accounts, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, Case))
    }

    /// Operators (platform, distributor and partner users) the caller may see (needs
    /// VIEW_USERS); a customer's own users are under `Customer.users`.
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
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
        let page = page(r, (first, after, last, before))?;
        let filter = filter
            .unwrap_or_default()
            .into_core()
            .map_err(|e| r.fail(e))?;
        let order = order(order_by, (filter::UserOrderField::Email, Direction::Asc));
        let scope = scope_naming(r, filter.org_id.as_ref()).await?;
        let result = r
            .connectors
            .directory
            .list_operators(&scope, &filter, order, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, User))
    }

    /// Audited actions the caller may see, newest first (needs VIEW_AUDIT_LOG).
    #[graphql(complexity = "root_cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Forward paging: how many items to return, 1 to 100 (default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Forward paging: start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Backward paging: how many items, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Backward paging: end before this cursor.")] before: Option<String>,
        #[graphql(desc = "Conditions every item must meet.")] filter: Option<AuditFilter>,
    ) -> R<Conn<AuditEvent>> {
        let r = req(ctx);
        r.require(Permission::ViewAuditLog)?;
        let page = page(r, (first, after, last, before))?;
        let filter = filter.unwrap_or_default().into_core();
        let result = r
            .connectors
            .directory
            .list_audit_events(&r.scope, &filter, &page)
            .await
            .map_err(|e| r.fail(e))?;
        Ok(connection(result, AuditEvent))
    }

    /// The permission profiles the caller reaches: the built-in ones, the custom profiles of
    /// its own organization (all custom profiles for platform users), and the one it holds
    /// (empty for callers who see nothing else).
    async fn profiles(&self, ctx: &Context<'_>) -> R<Vec<Profile>> {
        let r = req(ctx);
        if r.scope == Scope::Nothing {
            return Ok(Vec::new());
        }
        let mut profiles = r
            .connectors
            .directory
            .all_profiles()
            .await
            .map_err(|e| r.fail(e))?;
        profiles.retain(|p| r.principal.sees_profile(p));
        profiles.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(profiles.into_iter().map(Profile).collect())
    }
}

fn decode_global(r: &crate::Req, id: &ID, field: &str) -> R<GlobalId> {
    GlobalId::decode(id.as_str()).map_err(|_| {
        r.fail(Error::bad_input(
            field,
            format!("`{field}` is not a valid id"),
        ))
    })
}

/// The scope a root list runs in when its filter names `org`: the caller's, or nothing when the
/// caller may not see that organization. A filter on a hidden id must count exactly like one on
/// an id that does not exist; otherwise a customer user who may not see its partner could still
/// learn which partner it has from the count.
async fn scope_naming(r: &crate::Req, org: Option<&OrgId>) -> R<Scope> {
    Ok(match org {
        Some(id) if r.organization(id).await?.is_none() => Scope::Nothing,
        _ => r.scope.clone(),
    })
}

/// The external ids of the account a filter names, if the caller may see it.
async fn holder_of(
    r: &crate::Req,
    account: AccountRef,
) -> R<Option<partnergraph_core::model::ExternalIds>> {
    Ok(match account {
        AccountRef::Organization(id) => r.organization(&id).await?.map(|o| o.external),
        AccountRef::Customer(id) => r.customer(&id).await?.map(|c| c.external),
    })
}

/// The billing accounts a root list covers: the scope's, narrowed to the filter's account.
async fn billing_accounts(
    r: &crate::Req,
    account: Option<AccountRef>,
) -> R<AccountSet<BillingAccountId>> {
    let scoped = r
        .connectors
        .directory
        .accounts_in_scope(&r.scope)
        .await
        .map_err(|e| r.fail(e))?;
    Ok(match account {
        None => scoped.billing,
        Some(account) => match holder_of(r, account).await?.and_then(|e| e.billing) {
            Some(id) => scoped.billing.narrow_to(&id),
            None => AccountSet::Only(Vec::new()),
        },
    })
}

/// The caller: the user behind the token, where it sits in the channel and what it may do.
#[derive(Description)]
pub struct Viewer;

/// The real actor behind a login-as session.
#[derive(SimpleObject)]
pub struct Impersonation {
    /// The real actor's email.
    actor_email: String,
    /// Why they logged in as this user.
    reason: String,
}

#[Object(use_type_description)]
impl Viewer {
    /// The caller's user record.
    async fn user(&self, ctx: &Context<'_>) -> R<User> {
        let r = req(ctx);
        r.load(r.principal.user_id.clone())
            .await?
            .map(User)
            .ok_or_else(|| r.fail(Error::NotFound))
    }
    /// The caller's distributor or partner (null for platform and customer users).
    async fn organization(&self, ctx: &Context<'_>) -> R<Option<Organization>> {
        let r = req(ctx);
        match &r.principal.tenant {
            Tenant::Organization { id, .. } => Ok(r.organization(id).await?.map(Organization)),
            _ => Ok(None),
        }
    }
    /// The caller's customer account (customer users only).
    async fn customer(&self, ctx: &Context<'_>) -> R<Option<Customer>> {
        let r = req(ctx);
        match &r.principal.tenant {
            Tenant::Customer { id, .. } => Ok(r.customer(id).await?.map(Customer)),
            _ => Ok(None),
        }
    }
    /// The caller's permission profile.
    async fn profile(&self, ctx: &Context<'_>) -> R<Profile> {
        let r = req(ctx);
        r.load(r.principal.profile_id.clone())
            .await?
            .map(Profile)
            .ok_or_else(|| r.fail(Error::NotFound))
    }
    /// The permission codes the caller's profile grants.
    async fn permissions(&self, ctx: &Context<'_>) -> Vec<&'static str> {
        req(ctx)
            .principal
            .permissions
            .iter()
            .map(|p| p.code())
            .collect()
    }
    /// Set when this session is a login-as, so portals can show a banner.
    async fn impersonation(&self, ctx: &Context<'_>) -> Option<Impersonation> {
        req(ctx)
            .principal
            .impersonator
            .as_ref()
            .map(|i| Impersonation {
                actor_email: i.email.clone(),
                reason: i.reason.clone(),
            })
    }
}
