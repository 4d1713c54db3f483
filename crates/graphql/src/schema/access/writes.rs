//! The writes on access: inviting and removing customer users, activating, suspending and
//! re-profiling users, editing profiles, and sessions (login-as, logout, sign-up, activation
//! links). Core's `Writes` decides permission, scope, validation, idempotency and audit.

use super::{Profile, User};
use crate::inputs::decode;
use crate::paging::object;
use crate::req::{req, OrFail, R};
use crate::schema::customers::customer_id;
use crate::schema::{public_url, run_write, write};
use crate::Req;
use async_graphql::{Context, Description, InputObject, SimpleObject, ID};
use partnergraph_core::ids::*;
use partnergraph_core::permission::Permission;
use partnergraph_core::write::{ProfileInput, Sessions, SignUp, UserInvite};
use partnergraph_core::{Error, NodeKind};
use std::collections::BTreeSet;
use std::sync::Arc;

write_input! {
/// Input of `inviteCustomerUser`.
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
}
}

write_input! {
/// Input of `removeCustomerUser`.
pub struct RemoveCustomerUserInput {
    /// The customer user.
    pub user_id: ID,
}
}

write_input! {
/// Input of the mutations that give an operator or customer user a profile.
pub struct UserProfileInput {
    /// The user.
    pub user_id: ID,
    /// The profile; it must fit the user and grant nothing the caller does not hold.
    pub profile_id: ID,
}
}

write_input! {
/// Input of the mutations that act on one user as a whole.
pub struct UserActionInput {
    /// The user.
    pub user_id: ID,
}
}

write_input! {
/// Input of `createProfile`.
pub struct CreateProfileInput {
    /// Stable code: letters, digits and underscores (stored upper-case).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Permission codes (see `viewer.permissions`); only ones the caller holds.
    pub permissions: Vec<String>,
}
}

write_input! {
/// Input of `updateProfile`.
pub struct UpdateProfileInput {
    /// The custom profile (built-in profiles are fixed).
    pub profile_id: ID,
    /// Display name.
    pub name: String,
    /// The complete new set of permission codes; only ones the caller holds.
    pub permissions: Vec<String>,
}
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

fn user_id(id: &ID) -> partnergraph_core::Result<UserId> {
    decode(id, NodeKind::User, "userId")
}

fn user_and_profile(input: &UserProfileInput) -> partnergraph_core::Result<(UserId, ProfileId)> {
    let profile = decode(&input.profile_id, NodeKind::Profile, "profileId")?;
    Ok((user_id(&input.user_id)?, profile))
}

/// Activating a user (`activate`) and changing its profile both give a user a profile, and
/// answer the user as it now is.
async fn grant_profile(
    ctx: &Context<'_>,
    input: UserProfileInput,
    activate: bool,
) -> R<UserPayload> {
    let key = input.idempotency_key.as_deref();
    let grant = user_and_profile(&input);
    let (r, id) = run_write(ctx, key, grant, async |w, call| match activate {
        true => w.activate_user(call).await,
        false => w.change_user_profile(call).await,
    })
    .await?;
    user_payload(r, id).await
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
    input: partnergraph_core::Result<ProfileInput>,
    key: Option<&str>,
) -> R<ProfilePayload> {
    let (r, id) = run_write(ctx, key, input, |w, call| w.save_profile(call)).await?;
    let found = r.connectors.directory.profiles(&[id]).await.or_fail(r)?;
    Ok(ProfilePayload {
        profile: found.into_iter().next().map(Profile),
    })
}

/// The user as the directory has it after a write (past the request's loader cache).
async fn user_payload(r: &Req, id: UserId) -> R<UserPayload> {
    let found = r.connectors.directory.users(&[id]).await.or_fail(r)?;
    Ok(UserPayload {
        user: found.into_iter().next().map(User),
    })
}

/// What a removal answers.
fn removed(id: UserId) -> RemoveUserPayload {
    RemoveUserPayload {
        removed_user_id: id.global().encode().into(),
    }
}

/// Inviting and removing the users of a customer account.
#[derive(Default, Description)]
pub(crate) struct CustomerUsersMutation;

object! {
impl CustomerUsersMutation {
    /// Invites a user onto a customer account (needs MANAGE_USERS). The user is PENDING
    /// until it first signs in.
    async fn invite_customer_user(&self, ctx: &Context<'_>) -> R<UserPayload>
    where write(input: InviteCustomerUserInput)
    {
        let key = input.idempotency_key.as_deref();
        let invite = customer_id(&input.customer_id).map(|customer_id| UserInvite {
            customer_id,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            admin: input.admin,
        });
        let (r, id) = run_write(ctx, key, invite, |w, call| w.invite_customer_user(call)).await?;
        user_payload(r, id).await
    }

    /// Removes a user from a customer account (needs MANAGE_USERS).
    async fn remove_customer_user(&self, ctx: &Context<'_>) -> R<RemoveUserPayload>
    where write(input: RemoveCustomerUserInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = user_id(&input.user_id);
        let (_, id) = run_write(ctx, key, id, |w, call| w.remove_customer_user(call)).await?;
        Ok(removed(id))
    }
}
}

/// Managing users and profiles, and sessions.
#[derive(Default, Description)]
pub(crate) struct UsersMutation;

object! {
impl UsersMutation {
    /// Activates a PENDING user with a profile (needs MANAGE_USERS).
    async fn activate_user(&self, ctx: &Context<'_>) -> R<UserPayload>
    where write(input: UserProfileInput)
    {
        grant_profile(ctx, input, true).await
    }

    /// Gives a user another profile, effective on its next request (needs MANAGE_USERS; not
    /// for oneself).
    async fn change_user_profile(&self, ctx: &Context<'_>) -> R<UserPayload>
    where write(input: UserProfileInput)
    {
        grant_profile(ctx, input, false).await
    }

    /// Suspends a user; its tokens stop working on the next request (needs MANAGE_USERS).
    async fn suspend_user(&self, ctx: &Context<'_>) -> R<UserPayload>
    where write(input: UserActionInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = user_id(&input.user_id);
        let (r, id) = run_write(ctx, key, id, |w, call| w.suspend_user(call)).await?;
        user_payload(r, id).await
    }

    /// Removes an operator (needs MANAGE_USERS).
    async fn remove_user(&self, ctx: &Context<'_>) -> R<RemoveUserPayload>
    where write(input: UserActionInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = user_id(&input.user_id);
        let (_, id) = run_write(ctx, key, id, |w, call| w.remove_user(call)).await?;
        Ok(removed(id))
    }

    /// Creates a profile (needs MANAGE_PROFILES; only permissions the caller holds).
    async fn create_profile(&self, ctx: &Context<'_>) -> R<ProfilePayload>
    where write(input: CreateProfileInput)
    {
        let profile = permission_set(&input.permissions).map(|permissions| ProfileInput {
            profile_id: None,
            code: Some(input.code),
            name: input.name,
            permissions,
        });
        save_profile(ctx, profile, input.idempotency_key.as_deref()).await
    }

    /// Edits a custom profile; holders get the change on their next request (needs
    /// MANAGE_PROFILES; only permissions the caller holds).
    async fn update_profile(&self, ctx: &Context<'_>) -> R<ProfilePayload>
    where write(input: UpdateProfileInput)
    {
        let profile = permission_set(&input.permissions).and_then(|permissions| {
            Ok(ProfileInput {
                profile_id: Some(decode(&input.profile_id, NodeKind::Profile, "profileId")?),
                code: None,
                name: input.name,
                permissions,
            })
        });
        save_profile(ctx, profile, input.idempotency_key.as_deref()).await
    }

    /// Logs in as another user (needs IMPERSONATE and a reason): platform admins as any
    /// organization or customer user, organization users as the users of their customers.
    /// Every request of the session is audited with both identities.
    async fn impersonate(&self, ctx: &Context<'_>) -> R<ImpersonatePayload>
    where write(input: ImpersonateInput)
    {
        let reason = input.reason.as_str();
        // Not journaled: a login-as mints a token each time it is asked, so it takes no key.
        let id = user_id(&input.user_id);
        let (r, user) = run_write(ctx, None, id, |w, call| {
            w.impersonate(call.actor, call.input, reason)
        })
        .await?;
        let sessions = ctx
            .data::<Arc<dyn Sessions>>()
            .map_err(|_| r.fail(Error::internal("the schema was built without sessions")))?;
        let (token, expires_at) = sessions
            .impersonation_token(&user, &r.principal, reason.trim())
            .or_fail(r)?;
        Ok(ImpersonatePayload {
            token,
            expires_at,
            user: User(user),
        })
    }

    /// Withdraws the token this request came with; it stops working at once.
    async fn logout(&self, ctx: &Context<'_>) -> R<LogoutPayload> {
        let (r, writes, actor) = write(ctx)?;
        writes
            .logout(actor, &r.token.id, r.token.expires_at)
            .await
            .or_fail(r)?;
        Ok(LogoutPayload { revoked: true })
    }

    /// Signs up an employee of a customer: the one operation that needs no token. The email
    /// must be a contact address of the customer billed under the account number (its main
    /// contact, or a contact in the CRM), and the customer must have no portal users yet; the
    /// new user is PENDING and sees nothing until they follow the activation link mailed to
    /// that address. Every refusal answers the same BAD_USER_INPUT "the sign-up could not be
    /// validated"; too many attempts from one address, for one email or one number answer
    /// RATE_LIMITED with `extensions.retryAfter` in seconds.
    async fn sign_up(&self, ctx: &Context<'_>) -> R<SignUpPayload>
    where write(input: SignUpInput)
    {
        let sign_up = SignUp {
            email: input.email,
            account_number: input.account_number,
            password: input.password,
            first_name: input.first_name,
            last_name: input.last_name,
        };
        let base = public_url(ctx)?;
        let (r, writes, _) = write(ctx)?;
        let user = writes
            .sign_up(sign_up, r.client, base, &r.request_id)
            .await
            .or_fail(r)?;
        Ok(SignUpPayload { user: User(user) })
    }

    /// Emails a PENDING user (an operator or a customer user) a single-use link, valid for 72
    /// hours, that activates them (needs MANAGE_USERS).
    async fn send_activation_link(&self, ctx: &Context<'_>) -> R<UserPayload>
    where write(input: UserActionInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = user_id(&input.user_id).or_fail(req(ctx))?;
        let base = public_url(ctx)?;
        let (r, id) = run_write(ctx, key, Ok(id), |w, call| {
            w.send_activation_link(call, base)
        })
        .await?;
        user_payload(r, id).await
    }
}
}
