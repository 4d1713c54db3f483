//! Writes about who may use the portal: inviting and removing customer users, activating,
//! suspending, re-profiling and removing operators, activation links, login-as and logout. The
//! rules against escalation (nobody gives a profile with more permissions than they hold,
//! changes their own access, or chains a login-as) are the write policy's
//! ([`crate::policy::write`]); this room loads the records the rules need and keeps the result.

use super::{derived_id, email_address, text, Actor, Call, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, ProfileId, UserId};
use crate::model::{
    AccountHolder, ActivationToken, Email, Membership, RevokedToken, User, UserStatus,
};
use crate::permission::BuiltInProfile;
use crate::policy::write::{self as policy, Write};
use crate::principal::Tenant;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long an activation link works.
pub const ACTIVATION_TTL_HOURS: i64 = 72;

/// A user to invite onto a customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInvite {
    /// The customer.
    pub customer_id: CustomerId,
    /// Login email; must not be in use.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `CUSTOMER_ADMIN` rather than `CUSTOMER_USER`.
    pub admin: bool,
}

impl Writes {
    /// Invites a user onto a customer account; the user is `PENDING` until it signs in.
    pub async fn invite_customer_user(&self, call: Call<'_, UserInvite>) -> Result<UserId> {
        let (actor, input) = (call.actor, &call.input);
        self.journaled("inviteCustomerUser", &call, async |j| {
            policy::permit(actor.principal, Write::ManageUsers)?;
            let customer = self.visible_customer(actor, &input.customer_id).await?;
            let email = email_address("email", &input.email)?;
            let id = UserId::from(derived_id("user", &j.op.key));
            self.email_unused(&email, &id).await?;
            let profile = if input.admin {
                BuiltInProfile::CustomerAdmin
            } else {
                BuiltInProfile::CustomerUser
            };
            let user = User {
                id,
                email,
                first_name: text("firstName", &input.first_name, MAX_TEXT)?,
                last_name: text("lastName", &input.last_name, MAX_TEXT)?,
                profile_id: profile.id(),
                status: UserStatus::Pending,
                membership: Membership::Customer(customer.id.clone()),
                created_at: j.op.created_at,
            };
            self.c.directory.save_user(&user).await?;
            let holder = AccountHolder::Customer(customer);
            self.audit_user(actor, "user.invite", &user, Some(holder))
                .await;
            Ok(user.id)
        })
        .await
    }

    /// Fails unless `email` is free for the new user `id`: a user with another id holds it
    /// (the same id is this write's own, from an earlier try under its key).
    pub(super) async fn email_unused(&self, email: &str, id: &UserId) -> Result<()> {
        match self.c.directory.user_by_email(email).await? {
            Some(existing) if &existing.id != id => Err(Error::Conflict(format!(
                "{email} already has a portal user"
            ))),
            _ => Ok(()),
        }
    }

    /// Removes a user from a customer account.
    pub async fn remove_customer_user(&self, call: Call<'_, UserId>) -> Result<UserId> {
        let actor = call.actor;
        self.journaled("removeCustomerUser", &call, async |_| {
            policy::permit(actor.principal, Write::ManageUsers)?;
            let user = self.load_user(&call.input).await?.ok_or(Error::NotFound)?;
            let customer_id = policy::customer_of_user(&user)?;
            let customer = self.visible_customer(actor, customer_id).await?;
            policy::may_remove_customer_user(actor.principal, &user)?;
            self.c.directory.delete_user(&user.id).await?;
            let holder = AccountHolder::Customer(customer);
            self.audit_user(actor, "user.remove", &user, Some(holder))
                .await;
            Ok(user.id)
        })
        .await
    }

    /// Activates a `PENDING` user (the input's first half) with a profile (its second).
    pub async fn activate_user(&self, call: Call<'_, (UserId, ProfileId)>) -> Result<UserId> {
        let mutation = ("activateUser", "user.activate");
        self.grant_profile(mutation, &call, true).await
    }

    /// Gives a user (the input's first half) another profile (its second); takes effect on the
    /// user's next request.
    pub async fn change_user_profile(&self, call: Call<'_, (UserId, ProfileId)>) -> Result<UserId> {
        let mutation = ("changeUserProfile", "user.profile");
        self.grant_profile(mutation, &call, false).await
    }

    /// Gives a managed user the profile the call names when the caller may grant it; with
    /// `activate`, only to a `PENDING` user, who becomes `ACTIVE`.
    async fn grant_profile(
        &self,
        mutation: (&str, &str),
        call: &Call<'_, (UserId, ProfileId)>,
        activate: bool,
    ) -> Result<UserId> {
        let (user_id, profile_id) = &call.input;
        let change = async |user: &mut User, holder: Option<&AccountHolder>| {
            // Every record the input names is resolved before the user's state is judged, so
            // that a profile out of reach answers NOT_FOUND whatever state the user is in.
            let found = self.load_profile(profile_id).await?;
            let p = call.actor.principal;
            user.profile_id = policy::grantable_profile(p, user, holder, found)?.id;
            if activate {
                still_pending(user)?;
                user.status = UserStatus::Active;
            }
            self.c.directory.save_user(user).await
        };
        self.edit_user(mutation, call, user_id, change).await
    }

    /// Suspends a user: its tokens stop working on the next request.
    pub async fn suspend_user(&self, call: Call<'_, UserId>) -> Result<UserId> {
        let change = async |user: &mut User, _: Option<&AccountHolder>| {
            user.status = UserStatus::Suspended;
            self.c.directory.save_user(user).await
        };
        let mutation = ("suspendUser", "user.suspend");
        self.edit_user(mutation, &call, &call.input, change).await
    }

    /// Removes an operator (customer users have `removeCustomerUser`).
    pub async fn remove_user(&self, call: Call<'_, UserId>) -> Result<UserId> {
        let change = async |user: &mut User, _: Option<&AccountHolder>| {
            self.c.directory.delete_user(&user.id).await
        };
        let mutation = ("removeUser", "user.remove");
        self.edit_user(mutation, &call, &call.input, change).await
    }

    /// Runs a journaled write to the user `id` that the caller manages ([`Self::managed_user`]):
    /// `mutation` names the write and its audit action; `change` edits the user and keeps the
    /// result (saves, deletes or mails), after which the write is audited in the log of the
    /// user's organization or customer.
    async fn edit_user<I: Serialize>(
        &self,
        (mutation, action): (&str, &str),
        call: &Call<'_, I>,
        id: &UserId,
        change: impl AsyncFnOnce(&mut User, Option<&AccountHolder>) -> Result<()>,
    ) -> Result<UserId> {
        let actor = call.actor;
        self.journaled(mutation, call, async |_| {
            let (mut user, holder) = self.managed_user(actor, id).await?;
            change(&mut user, holder.as_ref()).await?;
            self.audit_user(actor, action, &user, holder).await;
            Ok(user.id)
        })
        .await
    }

    /// Checks a login-as and returns the user to act as. Platform admins may act as any
    /// organization or customer user; organization users with the permission as the users of
    /// their customers. Never while already acting as someone, never as oneself, never as a
    /// user who is not active. The caller mints the (short-lived) token.
    pub async fn impersonate(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        reason: &str,
    ) -> Result<User> {
        let checked = async {
            policy::permit(actor.principal, Write::Impersonate)?;
            let reason = text("reason", reason, MAX_TEXT)?;
            let (user, holder) = self.user_in_scope(actor, &user_id).await?;
            policy::impersonation_target(actor.principal, &user, holder.as_ref())?;
            Ok((user, holder, reason))
        }
        .await;
        match checked {
            Ok((user, holder, reason)) => {
                let action = format!("user.impersonate: {reason}");
                self.audit_user(actor, &action, &user, holder).await;
                Ok(user)
            }
            Err(e) => {
                self.audit_failure(actor, "user.impersonate", &e).await;
                Err(e)
            }
        }
    }

    /// The portal user of a Salesforce rep who launched the portal from a verified Salesforce
    /// context: a platform user with the read-only ACCOUNT_EXECUTIVE profile, created on the
    /// first launch. An existing user with that email who is anything else is refused, so a
    /// launch can never sign in as an operator or a customer user.
    pub async fn salesforce_rep(&self, email: &str, name: &str, request_id: &str) -> Result<User> {
        let email = email_address("email", email)?;
        let profile = self
            .load_profile(&BuiltInProfile::AccountExecutive.id())
            .await?
            .ok_or_else(|| Error::internal("the ACCOUNT_EXECUTIVE profile is missing"))?;
        let user = match self.c.directory.user_by_email(&email).await? {
            Some(user) => {
                policy::salesforce_rep(&user, &profile.id)?;
                user
            }
            None => {
                let (first, last) = name.trim().split_once(' ').unwrap_or(("", name.trim()));
                let user = User {
                    id: UserId::from(derived_id("user", &format!("salesforce/{email}"))),
                    email,
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    profile_id: profile.id,
                    status: UserStatus::Active,
                    membership: Membership::Platform,
                    created_at: Utc::now(),
                };
                self.c.directory.save_user(&user).await?;
                user
            }
        };
        self.audit_as(&user, request_id, "user.launch", None)
            .await?;
        Ok(user)
    }

    /// Registers someone an identity provider vouches for, but the portal does not know, as a
    /// PENDING operator of `org` (read-only VIEWER profile, which an admin replaces when
    /// activating them). Pending users see nothing. `NOT_FOUND` when `org` does not exist.
    pub async fn register_pending_operator(
        &self,
        email: &str,
        org: &crate::ids::OrgId,
    ) -> Result<User> {
        let email = email_address("email", email)?;
        let org = self.load_org(org).await?.ok_or(Error::NotFound)?;
        let user = User {
            id: UserId::from(derived_id("user", &format!("pending/{email}"))),
            email: email.clone(),
            first_name: String::new(),
            last_name: email,
            profile_id: BuiltInProfile::Viewer.id(),
            status: UserStatus::Pending,
            membership: Membership::Organization(org.id),
            created_at: Utc::now(),
        };
        self.c.directory.save_user(&user).await?;
        Ok(user)
    }

    /// Emails a PENDING user a single-use link to `portal_url` that activates them, valid for
    /// [`ACTIVATION_TTL_HOURS`].
    pub async fn send_activation_link(
        &self,
        call: Call<'_, UserId>,
        portal_url: &str,
    ) -> Result<UserId> {
        let change = async |user: &mut User, _: Option<&AccountHolder>| {
            still_pending(user)?;
            let intro = "open this link to activate your portal account:";
            self.mail_activation_link(user, portal_url, intro).await
        };
        let mutation = ("sendActivationLink", "user.activation_link");
        self.edit_user(mutation, &call, &call.input, change).await
    }

    /// Stores a single-use activation link for the PENDING `user`, valid for
    /// [`ACTIVATION_TTL_HOURS`], and mails it to the user's address, after `intro`. Only the
    /// link's hash is stored. Shared by `sendActivationLink` and sign-up, so that every link
    /// is made, kept and redeemed ([`Writes::redeem_activation`]) the same way.
    pub(super) async fn mail_activation_link(
        &self,
        user: &User,
        portal_url: &str,
        intro: &str,
    ) -> Result<()> {
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        self.c
            .directory
            .save_activation(&ActivationToken {
                token_hash: token_hash(&token),
                user_id: user.id.clone(),
                expires_at: Utc::now() + chrono::Duration::hours(ACTIVATION_TTL_HOURS),
            })
            .await?;
        let link = format!(
            "{}/auth/activate?token={token}",
            portal_url.trim_end_matches('/')
        );
        self.mailer
            .send(&Email {
                to: user.email.clone(),
                subject: "Activate your portal account".to_owned(),
                body: format!(
                    "Hello {},\n\n{intro}\n\n{link}\n\n\
                     It works once, within {ACTIVATION_TTL_HOURS} hours.\n",
                    user.first_name
                ),
            })
            .await
    }

    /// Activates the PENDING user an activation link was sent to; the link then stops working.
    ///
    /// A user with a password of its own (a sign-up) is activated only with that password too.
    /// The link proves the mailbox, the password proves that whoever holds the mailbox is whoever
    /// signed up: without it, a stranger who signed up with a customer's contact address would
    /// be let in by the owner's click, or by a mail scanner fetching the link. Without the
    /// password the link stays valid, so the person who signed up can still use it.
    pub async fn redeem_activation(
        &self,
        token: &str,
        password: Option<&str>,
        request_id: &str,
    ) -> Result<User> {
        let invalid =
            || Error::bad_input("token", "the activation link is invalid, used or expired");
        let link = self
            .c
            .directory
            .take_activation(&token_hash(token))
            .await?
            .filter(|l| l.expires_at > Utc::now())
            .ok_or_else(invalid)?;
        let mut user = self
            .load_user(&link.user_id)
            .await?
            .filter(|u| u.status == UserStatus::Pending)
            .ok_or_else(invalid)?;
        if self.identities.has_password(&user.email).await? {
            let proven = match password {
                Some(password) => {
                    self.identities.authenticate(&user.email, password).await?
                        == Some(user.id.clone())
                }
                None => false,
            };
            if !proven {
                self.c.directory.save_activation(&link).await?;
                return Err(Error::bad_input(
                    "password",
                    "enter the password chosen at sign-up to activate the account",
                ));
            }
        }
        user.status = UserStatus::Active;
        self.c.directory.save_user(&user).await?;
        self.audit_as(&user, request_id, "user.activate_link", None)
            .await?;
        Ok(user)
    }

    /// Withdraws the caller's token.
    pub async fn logout(
        &self,
        actor: Actor<'_>,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.c
            .directory
            .revoke_token(&RevokedToken {
                jti: token_id.to_owned(),
                expires_at,
            })
            .await?;
        let target = actor.principal.user_id.global();
        self.audit_own(actor, "user.logout", target, None).await;
        Ok(())
    }

    /// Audits one request made in a login-as session, with both identities.
    pub async fn audit_impersonated_request(&self, actor: Actor<'_>) {
        let customer = match &actor.principal.tenant {
            Tenant::Customer { id, .. } => Some(id.clone()),
            _ => None,
        };
        let target = actor.principal.user_id.global();
        self.audit_own(actor, "request", target, customer).await;
    }

    /// A user the caller may manage: needs MANAGE_USERS (checked before the user is looked
    /// up, so that it is `FORBIDDEN` whatever the id), in scope, never the caller itself.
    async fn managed_user(
        &self,
        actor: Actor<'_>,
        user_id: &UserId,
    ) -> Result<(User, Option<AccountHolder>)> {
        policy::permit(actor.principal, Write::ManageUsers)?;
        let (user, holder) = self.user_in_scope(actor, user_id).await?;
        policy::may_manage(actor.principal, &user)?;
        Ok((user, holder))
    }

    /// A user the caller's scope covers, with the organization or customer it belongs to.
    async fn user_in_scope(
        &self,
        actor: Actor<'_>,
        user_id: &UserId,
    ) -> Result<(User, Option<AccountHolder>)> {
        let user = self.load_user(user_id).await?.ok_or(Error::NotFound)?;
        let holder = match &user.membership {
            Membership::Platform => None,
            Membership::Organization(id) => {
                self.load_org(id).await?.map(AccountHolder::Organization)
            }
            Membership::Customer(id) => Some(AccountHolder::Customer(self.customer(id).await?)),
        };
        policy::reachable_user(actor.principal, user, holder)
    }
}

/// The SHA-256 of `data` in lower-case hex: how single-use secrets are stored and recognised
/// (activation links here, Canvas requests in the server) without keeping the secret itself.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `CONFLICT` unless `user` is still `PENDING`: only such a user can be activated, by an admin
/// or by a link.
fn still_pending(user: &User) -> Result<()> {
    if user.status == UserStatus::Pending {
        Ok(())
    } else {
        Err(Error::Conflict(
            "only a pending user can be activated".to_owned(),
        ))
    }
}

/// The stored form of an activation token.
fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}
