//! Sign-up by billing account number: a customer's employee creates their own portal login.

use super::{email_address, text, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::*;
use crate::model::*;
use crate::permission::BuiltInProfile;
use crate::write::StepPhase;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// Shortest accepted password: length is what makes a password hard to guess.
const MIN_PASSWORD: usize = 12;

/// Where sign-in identities live: the embedded store (argon2id hashes) or an external identity
/// provider. Sign-up creates the identity first and removes it again if the portal user cannot
/// be created, so the two exist together or not at all.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Registers `email` with `password` for `user_id`; `CONFLICT` when the email is taken.
    async fn register(&self, email: &str, password: &str, user_id: &UserId) -> Result<()>;
    /// Removes the identity of `email` (undoing a failed sign-up); idempotent.
    async fn unregister(&self, email: &str) -> Result<()>;
    /// The user `email` and `password` sign in as, if they match.
    async fn authenticate(&self, email: &str, password: &str) -> Result<Option<UserId>>;
}

/// What a person signing up gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUp {
    /// Login email.
    pub email: String,
    /// Their company's billing account number, as printed on an invoice.
    pub account_number: String,
    /// The password (never stored; only its hash is).
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

/// A billing account number as people type it: surrounding spaces removed, and a leading
/// lower-case `a` upper-cased (numbers are printed `A00000042`).
pub fn normalize_account_number(raw: &str) -> String {
    let trimmed = raw.trim();
    match trimmed.strip_prefix('a') {
        Some(rest) => format!("A{rest}"),
        None => trimmed.to_owned(),
    }
}

impl Writes {
    /// Creates a customer user (`CUSTOMER_USER`, active) and its identity for whoever knows
    /// the customer's billing account number. Public: no caller is signed in.
    pub async fn sign_up(&self, input: SignUp, request_id: &str) -> Result<User> {
        let email = email_address("email", &input.email)?;
        let first_name = text("firstName", &input.first_name, MAX_TEXT)?;
        let last_name = text("lastName", &input.last_name, MAX_TEXT)?;
        if input.password.chars().count() < MIN_PASSWORD || input.password.len() > 1024 {
            return Err(Error::bad_input(
                "password",
                format!("a password has {MIN_PASSWORD} to 1024 characters"),
            ));
        }
        let number = normalize_account_number(&input.account_number);
        let unknown = || Error::bad_input("accountNumber", "no billing account has this number");
        let account = self
            .c
            .billing
            .account_by_number(&number)
            .await?
            .ok_or_else(unknown)?;
        let customer = self
            .c
            .directory
            .holders_by_billing_account(std::slice::from_ref(&account.id))
            .await?
            .into_iter()
            .find_map(|h| match h {
                AccountHolder::Customer(c) => Some(c),
                AccountHolder::Organization(_) => None,
            })
            .ok_or_else(unknown)?;
        if customer.status != CustomerStatus::Active {
            return Err(Error::Forbidden(
                "the customer account is deactivated".to_owned(),
            ));
        }
        if self.c.directory.user_by_email(&email).await?.is_some() {
            return Err(Error::Conflict(format!(
                "{email} already has a portal user"
            )));
        }
        let user = User {
            id: UserId::from(format!("user-{}", uuid::Uuid::now_v7().simple())),
            email: email.clone(),
            first_name,
            last_name,
            profile_id: BuiltInProfile::CustomerUser.id(),
            status: UserStatus::Active,
            membership: Membership::Customer(customer.id.clone()),
            created_at: Utc::now(),
        };
        self.hook.on_step("identity", StepPhase::Before).await?;
        self.identities
            .register(&email, &input.password, &user.id)
            .await?;
        let created = async {
            self.hook.on_step("identity", StepPhase::After).await?;
            self.hook
                .on_step("directory.user", StepPhase::Before)
                .await?;
            self.c.directory.save_user(&user).await?;
            self.hook.on_step("directory.user", StepPhase::After).await
        }
        .await;
        if let Err(e) = created {
            // Undo both: the user may exist if only the answer was lost.
            self.c.directory.delete_user(&user.id).await?;
            self.identities.unregister(&email).await?;
            return Err(e);
        }
        self.audit_as(&user, request_id, "user.signup", Some(customer.id))
            .await?;
        Ok(user)
    }
}
