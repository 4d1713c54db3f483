//! Access: who the caller is ([`Viewer`]), portal users, permission profiles and the audit log,
//! with their queries. The writes on users, profiles and sessions are in [`writes`].

mod writes;

pub(crate) use writes::{CustomerUsersMutation, UsersMutation};

use super::{page_of, Customer, Organization};
use crate::inputs::*;
use crate::paging::{connection, object, Conn, ListArgs};
use crate::req::{req, OrFail, R};
use crate::Req;
use async_graphql::{Context, Description, Object, SimpleObject};
use chrono::{DateTime, Utc};
use partnergraph_core::ids::*;
use partnergraph_core::model::{self, Membership};
use partnergraph_core::policy::read::ReadArea;
use partnergraph_core::{Error, Scope, Tenant};

/// A portal user: an operator of the platform, a distributor or a partner, or a customer user.
#[derive(Description)]
pub struct User(pub model::User);

object! {
node impl User {
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
}

/// A page of users of one organization or customer.
pub(crate) fn users_page(
    r: &Req,
    users: Vec<model::User>,
    args: ListArgs<UserFilter, OrderBy<UserOrderField>>,
) -> R<Conn<User>> {
    Ok(page_of(users, args.decode(r)?, User))
}

/// A named set of permissions given to users.
#[derive(Description)]
pub struct Profile(pub model::Profile);

object! {
node impl Profile {
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
}

/// One audited action.
#[derive(Description)]
pub struct AuditEvent(pub model::AuditEvent);

object! {
node impl AuditEvent {
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
}

async fn visible_user(ctx: &Context<'_>, id: Option<&UserId>) -> R<Option<User>> {
    match id {
        Some(id) => Ok(req(ctx).user(id).await?.map(User)),
        None => Ok(None),
    }
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

/// The caller itself.
#[derive(Default, Description)]
pub(crate) struct ViewerQuery;

#[Object(use_type_description)]
impl ViewerQuery {
    /// The caller: who they are, where they sit in the channel and what they may do.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}

/// Operators, the audit log and profiles.
#[derive(Default, Description)]
pub(crate) struct AccessQuery;

object! {
impl AccessQuery {
    /// Operators (platform, distributor and partner users) the caller may see (needs
    /// VIEW_USERS); a customer's own users are under `Customer.users`.
    async fn users(&self, ctx: &Context<'_>) -> R<Conn<User>>
    where list(root_cost, args, filter: UserFilter, order_by: UserOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Users)?;
        let c = args.decode(r)?;
        let scope = r.policy().scope_naming(c.filter.org_id.as_ref()).await?;
        let directory = &r.connectors.directory;
        let page = directory.list_operators(&scope, &c.filter, c.order, &c.page);
        Ok(connection(page.await.or_fail(r)?, User))
    }

    /// Audited actions the caller may see, newest first (needs VIEW_AUDIT_LOG).
    async fn audit_log(&self, ctx: &Context<'_>) -> R<Conn<AuditEvent>>
    where list(root_cost, args, filter: AuditFilter)
    {
        let r = req(ctx);
        r.require(ReadArea::AuditLog)?;
        let page = args.page_request().or_fail(r)?;
        let filter = args.filter.unwrap_or_default().into_core().or_fail(r)?;
        let result = r
            .connectors
            .directory
            .list_audit_events(&r.scope, &filter, &page)
            .await
            .or_fail(r)?;
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
        let mut profiles = r.connectors.directory.all_profiles().await.or_fail(r)?;
        profiles.retain(|p| r.policy().profile(p));
        profiles.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(profiles.into_iter().map(Profile).collect())
    }
}
}
