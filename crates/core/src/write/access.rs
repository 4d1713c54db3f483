//! Writes about who may do what: operators and their profiles, custom profiles, login-as, and
//! logout. The rules against escalation live here and nowhere else: nobody gives a profile with
//! more permissions than they hold, changes their own profile, or chains a login-as.

use super::{text, Actor, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::*;
use crate::model::*;
use crate::permission::{BuiltInProfile, Permission};
use crate::principal::{Principal, Tenant};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A profile to create (no id) or edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileInput {
    /// The custom profile to edit; a new one when absent.
    pub profile_id: Option<ProfileId>,
    /// Stable code, upper case (e.g. `BILLING_CLERK`); only for new profiles.
    pub code: Option<String>,
    /// Display name.
    pub name: String,
    /// What holders of the profile may do.
    pub permissions: BTreeSet<Permission>,
}

impl Writes {
    /// Activates a `PENDING` user with a profile.
    pub async fn activate_user(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        profile_id: ProfileId,
        key: Option<&str>,
    ) -> Result<UserId> {
        let input = (&user_id, &profile_id);
        self.journaled(actor, "activateUser", key, &input, async |_| {
            let (mut user, holder) = self.managed_user(actor, &user_id).await?;
            // Every record the input names is resolved before the user's state is judged, so
            // that a profile out of reach answers NOT_FOUND whatever state the user is in.
            let profile = self
                .grantable_profile(actor, &user, holder.as_ref(), &profile_id)
                .await?;
            if user.status != UserStatus::Pending {
                return Err(Error::Conflict(
                    "only a pending user can be activated".to_owned(),
                ));
            }
            user.profile_id = profile.id;
            user.status = UserStatus::Active;
            self.c.directory.save_user(&user).await?;
            self.audit_user(actor, "user.activate", &user, holder).await;
            Ok(user.id)
        })
        .await
    }

    /// Gives a user another profile; takes effect on the user's next request.
    pub async fn change_user_profile(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        profile_id: ProfileId,
        key: Option<&str>,
    ) -> Result<UserId> {
        let input = (&user_id, &profile_id);
        self.journaled(actor, "changeUserProfile", key, &input, async |_| {
            let (mut user, holder) = self.managed_user(actor, &user_id).await?;
            user.profile_id = self
                .grantable_profile(actor, &user, holder.as_ref(), &profile_id)
                .await?
                .id;
            self.c.directory.save_user(&user).await?;
            self.audit_user(actor, "user.profile", &user, holder).await;
            Ok(user.id)
        })
        .await
    }

    /// Suspends a user: its tokens stop working on the next request.
    pub async fn suspend_user(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        key: Option<&str>,
    ) -> Result<UserId> {
        self.journaled(actor, "suspendUser", key, &user_id, async |_| {
            let (mut user, holder) = self.managed_user(actor, &user_id).await?;
            user.status = UserStatus::Suspended;
            self.c.directory.save_user(&user).await?;
            self.audit_user(actor, "user.suspend", &user, holder).await;
            Ok(user.id)
        })
        .await
    }

    /// Removes an operator (customer users have `removeCustomerUser`).
    pub async fn remove_user(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        key: Option<&str>,
    ) -> Result<UserId> {
        self.journaled(actor, "removeUser", key, &user_id, async |_| {
            let (user, holder) = self.managed_user(actor, &user_id).await?;
            self.c.directory.delete_user(&user.id).await?;
            self.audit_user(actor, "user.remove", &user, holder).await;
            Ok(user.id)
        })
        .await
    }

    /// Creates or edits a custom profile. A new profile belongs to the caller's organization
    /// (the platform's, for platform users); only that owner's admins and platform admins may
    /// edit it, and a profile out of the caller's reach answers `NOT_FOUND`, like one that
    /// does not exist. Built-in profiles are fixed (the gateway restores them at start); copy
    /// one under a new code instead. Customer users manage no profiles.
    pub async fn save_profile(
        &self,
        actor: Actor<'_>,
        input: ProfileInput,
        key: Option<&str>,
    ) -> Result<ProfileId> {
        self.journaled(actor, "saveProfile", key, &input, async |j| {
            actor.principal.require(Permission::ManageProfiles)?;
            let owner = match &actor.principal.tenant {
                Tenant::Platform => ProfileOwner::Platform,
                Tenant::Organization { id, .. } => ProfileOwner::Organization(id.clone()),
                Tenant::Customer { .. } => {
                    return Err(Error::Forbidden(
                        "profiles are managed by operators".to_owned(),
                    ))
                }
            };
            within_own_permissions(actor.principal, &input.permissions)?;
            let name = text("name", &input.name, MAX_TEXT)?;
            let profile = match &input.profile_id {
                Some(id) => {
                    let mut profile = self.profile_in_reach(actor, id).await?;
                    if profile.is_built_in() {
                        return Err(Error::Conflict(
                            "built-in profiles are fixed; create a profile of your own".to_owned(),
                        ));
                    }
                    within_own_permissions(actor.principal, &profile.permissions)?;
                    profile.name = name;
                    profile.permissions = input.permissions.clone();
                    profile
                }
                None => {
                    let code = input
                        .code
                        .as_deref()
                        .ok_or_else(|| Error::bad_input("code", "a new profile needs a code"))?;
                    let code = profile_code(code)?;
                    // Codes are unique per owner: another organization's codes are out of
                    // reach, and a clash with them must not reveal that they exist.
                    let taken = self.c.directory.all_profiles().await?;
                    if taken
                        .iter()
                        .any(|p| p.code == code && (p.is_built_in() || p.owner == owner))
                    {
                        return Err(Error::Conflict(format!("the code {code} is taken")));
                    }
                    Profile {
                        id: ProfileId::from(super::derived_id("profile", &j.op.key)),
                        code,
                        name,
                        permissions: input.permissions.clone(),
                        owner,
                    }
                }
            };
            self.c.directory.save_profile(&profile).await?;
            let target = profile.id.global().encode();
            let org = self.actor_org(actor);
            self.record(
                actor,
                "profile.save",
                target,
                AuditOutcome::Success,
                org,
                None,
            )
            .await;
            Ok(profile.id)
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
            let p = actor.principal;
            if p.impersonator.is_some() {
                return Err(Error::Forbidden(
                    "a login-as session cannot start another".to_owned(),
                ));
            }
            p.require(Permission::Impersonate)?;
            let reason = text("reason", reason, MAX_TEXT)?;
            let (user, holder) = self.user_in_scope(actor, &user_id).await?;
            let allowed = match (&p.tenant, &user.membership) {
                (Tenant::Platform, Membership::Platform) => false,
                (Tenant::Platform, _) => true,
                (Tenant::Organization { .. }, Membership::Customer(_)) => true,
                _ => false,
            };
            if !allowed || user.id == p.user_id {
                return Err(Error::Forbidden(
                    "you may not log in as this user".to_owned(),
                ));
            }
            if user.status != UserStatus::Active {
                return Err(Error::Conflict("the user is not active".to_owned()));
            }
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
        let email = super::email_address("email", email)?;
        let profile = self
            .c
            .directory
            .profiles(&[BuiltInProfile::AccountExecutive.id()])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("the ACCOUNT_EXECUTIVE profile is missing"))?;
        let user = match self.c.directory.user_by_email(&email).await? {
            Some(user) => {
                let rep = user.membership == Membership::Platform && user.profile_id == profile.id;
                if !rep || user.status != UserStatus::Active {
                    return Err(Error::Forbidden(
                        "this email belongs to a portal user who is not a Salesforce rep"
                            .to_owned(),
                    ));
                }
                user
            }
            None => {
                let (first, last) = name.trim().split_once(' ').unwrap_or(("", name.trim()));
                let user = User {
                    id: UserId::from(super::derived_id("user", &format!("salesforce/{email}"))),
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
    pub async fn register_pending_operator(&self, email: &str, org: &OrgId) -> Result<User> {
        let email = super::email_address("email", email)?;
        let org = self
            .c
            .directory
            .organizations(std::slice::from_ref(org))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        let user = User {
            id: UserId::from(super::derived_id("user", &format!("pending/{email}"))),
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

    /// Emails a PENDING user a single-use link that activates them, valid for
    /// [`ACTIVATION_TTL_HOURS`].
    pub async fn send_activation_link(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        portal_url: &str,
        key: Option<&str>,
    ) -> Result<UserId> {
        self.journaled(actor, "sendActivationLink", key, &user_id, async |_| {
            let (user, holder) = self.managed_user(actor, &user_id).await?;
            if user.status != UserStatus::Pending {
                return Err(Error::Conflict(
                    "only a pending user can be activated".to_owned(),
                ));
            }
            self.mail_activation_link(
                &user,
                portal_url,
                "open this link to activate your portal account:",
            )
            .await?;
            self.audit_user(actor, "user.activation_link", &user, holder)
                .await;
            Ok(user.id)
        })
        .await
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
            .c
            .directory
            .users(std::slice::from_ref(&link.user_id))
            .await?
            .pop()
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

    /// Audits what `user` did for themself, outside any session (a launch, an activation, a
    /// sign-up): the actor is the user as the directory has them now.
    pub(super) async fn audit_as(
        &self,
        user: &User,
        request_id: &str,
        action: &str,
        customer: Option<CustomerId>,
    ) -> Result<()> {
        let principal = Principal::of_user(self.c.directory.as_ref(), user.clone()).await?;
        let actor = Actor {
            principal: &principal,
            request_id,
        };
        let org = self.actor_org(actor);
        let target = user.id.global().encode();
        self.record(actor, action, target, AuditOutcome::Success, org, customer)
            .await;
        Ok(())
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
        let org = self.actor_org(actor);
        let target = actor.principal.user_id.global().encode();
        self.record(
            actor,
            "user.logout",
            target,
            AuditOutcome::Success,
            org,
            None,
        )
        .await;
        Ok(())
    }

    /// Audits one request made in a login-as session, with both identities.
    pub async fn audit_impersonated_request(&self, actor: Actor<'_>) {
        let org = self.actor_org(actor);
        let customer = match &actor.principal.tenant {
            Tenant::Customer { id, .. } => Some(id.clone()),
            _ => None,
        };
        let target = actor.principal.user_id.global().encode();
        self.record(
            actor,
            "request",
            target,
            AuditOutcome::Success,
            org,
            customer,
        )
        .await;
    }

    /// A user the caller may manage: in scope, needs MANAGE_USERS, never the caller itself.
    async fn managed_user(
        &self,
        actor: Actor<'_>,
        user_id: &UserId,
    ) -> Result<(User, Option<AccountHolder>)> {
        actor.principal.require(Permission::ManageUsers)?;
        let (user, holder) = self.user_in_scope(actor, user_id).await?;
        if user.id == actor.principal.user_id {
            return Err(Error::Forbidden(
                "you cannot change your own access".to_owned(),
            ));
        }
        Ok((user, holder))
    }

    /// A user the caller's scope covers, with the organization or customer it belongs to.
    async fn user_in_scope(
        &self,
        actor: Actor<'_>,
        user_id: &UserId,
    ) -> Result<(User, Option<AccountHolder>)> {
        let user = self
            .c
            .directory
            .users(std::slice::from_ref(user_id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        let holder = match &user.membership {
            Membership::Platform => None,
            Membership::Organization(id) => self
                .c
                .directory
                .organizations(std::slice::from_ref(id))
                .await?
                .pop()
                .map(AccountHolder::Organization),
            Membership::Customer(id) => Some(AccountHolder::Customer(self.customer(id).await?)),
        };
        if actor.principal.scope().permits_user(&user, holder.as_ref()) {
            Ok((user, holder))
        } else {
            Err(Error::NotFound)
        }
    }

    /// The profile `user` (of `holder`) may be given by the caller: one within the caller's
    /// reach (else `NOT_FOUND`, like a profile that does not exist), that grants nothing the
    /// caller does not hold, and fits where the user sits. A custom profile fits only users of
    /// its owner: an organization's profile its own operators and its customers' users, a
    /// platform profile any organization or customer user.
    async fn grantable_profile(
        &self,
        actor: Actor<'_>,
        user: &User,
        holder: Option<&AccountHolder>,
        profile_id: &ProfileId,
    ) -> Result<Profile> {
        let profile = self.profile_in_reach(actor, profile_id).await?;
        within_own_permissions(actor.principal, &profile.permissions)?;
        let kind = match holder {
            Some(AccountHolder::Organization(o)) => Some(o.kind),
            _ => None,
        };
        let fits = match &profile.owner {
            ProfileOwner::BuiltIn => match BuiltInProfile::ALL
                .iter()
                .find(|b| b.code() == profile.code)
            {
                Some(BuiltInProfile::PlatformAdmin) => user.membership == Membership::Platform,
                Some(BuiltInProfile::DistributorAdmin) => kind == Some(OrgKind::Distributor),
                Some(BuiltInProfile::CustomerAdmin | BuiltInProfile::CustomerUser) => {
                    matches!(user.membership, Membership::Customer(_))
                }
                Some(_) => matches!(user.membership, Membership::Organization(_)),
                None => false,
            },
            ProfileOwner::Platform => !matches!(user.membership, Membership::Platform),
            ProfileOwner::Organization(owner) => match holder {
                Some(AccountHolder::Organization(o)) => &o.id == owner,
                Some(AccountHolder::Customer(c)) => &c.partner_id == owner,
                None => false,
            },
        };
        if fits {
            Ok(profile)
        } else {
            Err(Error::bad_input(
                "profileId",
                format!("the {} profile does not fit this user", profile.code),
            ))
        }
    }

    /// A profile within the caller's reach ([`crate::Scope::permits_profile`]); one out of
    /// reach is `NOT_FOUND`, exactly like one that does not exist.
    async fn profile_in_reach(&self, actor: Actor<'_>, id: &ProfileId) -> Result<Profile> {
        self.c
            .directory
            .profiles(std::slice::from_ref(id))
            .await?
            .pop()
            .filter(|p| actor.principal.scope().permits_profile(p))
            .ok_or(Error::NotFound)
    }

    async fn audit_user(
        &self,
        actor: Actor<'_>,
        action: &str,
        user: &User,
        holder: Option<AccountHolder>,
    ) {
        let target = user.id.global();
        match holder {
            Some(holder) => self.audit_target(actor, action, target, &holder).await,
            None => {
                let org = self.actor_org(actor);
                self.record(
                    actor,
                    action,
                    target.encode(),
                    AuditOutcome::Success,
                    org,
                    None,
                )
                .await
            }
        }
    }
}

/// How long an activation link works.
pub const ACTIVATION_TTL_HOURS: i64 = 72;

/// The SHA-256 of `data` in lower-case hex: how single-use secrets are stored and recognised
/// (activation links here, Canvas requests in the server) without keeping the secret itself.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The stored form of an activation token.
fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Fails unless the caller holds every permission in `permissions`.
fn within_own_permissions(p: &Principal, permissions: &BTreeSet<Permission>) -> Result<()> {
    let missing: Vec<&str> = permissions
        .iter()
        .filter(|perm| !p.has(**perm))
        .map(|perm| perm.code())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "you cannot grant permissions you do not hold: {}",
            missing.join(", ")
        )))
    }
}

/// An upper-case profile code of letters, digits and underscores.
fn profile_code(code: &str) -> Result<String> {
    let code = code.trim().to_ascii_uppercase();
    let valid = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(code)
    } else {
        Err(Error::bad_input(
            "code",
            "a profile code is 1 to 40 letters, digits and underscores",
        ))
    }
}
