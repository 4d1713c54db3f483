//! Sign-up by billing account number: a customer's first employee creates their own portal
//! login. The number is printed on every invoice, so it proves nothing: the email must be one of
//! the customer's contact addresses, the user stays PENDING until the link mailed there is
//! followed, every refusal answers alike, and attempts are throttled.

use super::{email_address, text, Writes, MAX_TEXT};
use crate::error::{Error, Result};
use crate::ids::*;
use crate::model::*;
use crate::permission::BuiltInProfile;
use crate::throttle::Throttle;
use crate::write::StepPhase;
use async_trait::async_trait;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

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
    /// Whether `email` signs in with a password held here (a signed-up user does; an operator
    /// who signs in at an external issuer does not).
    async fn has_password(&self, email: &str) -> Result<bool>;
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

/// The one answer to every sign-up that cannot go ahead, whatever the reason: a different
/// answer per reason would tell a stranger which numbers exist, which have users, and which
/// emails are registered or are contacts of a customer.
const NOT_VALIDATED: &str = "the sign-up could not be validated";

/// Sign-ups per client address per [`SIGN_UP_WINDOW`]: enough for a person to retry typos a
/// few times, far too few to walk through sequential account numbers.
const SIGN_UPS_PER_ADDRESS: u32 = 10;
/// Sign-ups per email address per window: one person's retries; more means someone is trying
/// that address against many numbers.
const SIGN_UPS_PER_EMAIL: u32 = 5;
/// Sign-ups per account number per window: one customer's retries; more means someone is trying
/// many emails (or many addresses) against one number.
const SIGN_UPS_PER_NUMBER: u32 = 5;
/// The window the limits count in.
const SIGN_UP_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);
/// Keys each limit remembers at most: bounds memory under a flood of fresh keys (a key is a
/// few dozen bytes, so the three limits stay within a few tens of MB).
const MAX_KEYS: u64 = 100_000;

/// What the activation email says to whoever owns the address: the sign-up was made by
/// someone who knew the address and the number, which is not yet proof that it was them.
const SIGN_UP_INTRO: &str = "someone signed up for the customer portal with this email \
address. If it was you, open this link to activate your account; if it was not, ignore this \
email: nobody gets access without the link.";

/// The sign-up attempts counted per client address, email and account number, so that
/// enumerating numbers or emails is throttled. Every attempt counts, successful or not.
#[derive(Clone)]
pub(super) struct SignUpLimits {
    by_address: Throttle,
    by_email: Throttle,
    by_number: Throttle,
}

impl SignUpLimits {
    /// The limits of the constants above.
    pub(super) fn new() -> Self {
        Self {
            by_address: Throttle::new(SIGN_UPS_PER_ADDRESS, SIGN_UP_WINDOW, MAX_KEYS),
            by_email: Throttle::new(SIGN_UPS_PER_EMAIL, SIGN_UP_WINDOW, MAX_KEYS),
            by_number: Throttle::new(SIGN_UPS_PER_NUMBER, SIGN_UP_WINDOW, MAX_KEYS),
        }
    }

    /// Counts an attempt against all three limits (so that an attempt refused by one still
    /// counts for the others); `RateLimited` with the longest wait when any is exceeded.
    fn attempt(&self, client: Option<IpAddr>, email: &str, number: &str) -> Result<()> {
        let address = client.map(|ip| self.by_address.attempt(&address_key(ip)));
        let waits = [
            address.unwrap_or(Ok(())),
            self.by_email.attempt(&email.to_lowercase()),
            self.by_number.attempt(number),
        ];
        match waits.into_iter().filter_map(|w| w.err()).max() {
            // Rounded up: a client that waits exactly this long is let in.
            Some(wait) => Err(Error::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }),
            None => Ok(()),
        }
    }
}

/// The key a client address is counted under: an IPv6 client is counted by its /64, the
/// block one subscriber gets, or it could take a fresh address for every attempt.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

impl Writes {
    /// Signs up an employee of a customer: creates a PENDING `CUSTOMER_USER` and its identity,
    /// and mails a single-use activation link (to `portal_url`) to the address. Knowing the
    /// billing account number is not enough: the email must be one of the customer's contact
    /// addresses (its main contact in the directory or a contact in the CRM), the customer must
    /// be active and have no portal users yet, and the user sees nothing until the link is
    /// followed, which proves the mailbox is theirs. Every refusal answers the same
    /// [`NOT_VALIDATED`]; attempts are throttled per `client` address, email and number.
    /// Public: no caller is signed in.
    pub async fn sign_up(
        &self,
        input: SignUp,
        client: Option<IpAddr>,
        portal_url: &str,
        request_id: &str,
    ) -> Result<User> {
        // The input's own shape says nothing about any account: specific errors are fine.
        let email = email_address("email", &input.email)?;
        let first_name = text("firstName", &input.first_name, MAX_TEXT)?;
        let last_name = text("lastName", &input.last_name, MAX_TEXT)?;
        if input.password.chars().count() < MIN_PASSWORD || input.password.len() > 1024 {
            return Err(Error::bad_input(
                "password",
                format!("a password has {MIN_PASSWORD} to 1024 characters"),
            ));
        }
        let number = text(
            "accountNumber",
            &normalize_account_number(&input.account_number),
            MAX_TEXT,
        )?;
        self.sign_ups.attempt(client, &email, &number)?;
        let (customer, address) = match self.proven_customer(&number, &email).await? {
            Ok(proven) => proven,
            Err(reason) => {
                tracing::info!(request_id, number, reason, "sign-up refused");
                return Err(not_validated());
            }
        };
        let user = User {
            id: UserId::from(format!("user-{}", uuid::Uuid::now_v7().simple())),
            // The address as the portal knows it: the link goes where the proof is.
            email: address,
            first_name,
            last_name,
            profile_id: BuiltInProfile::CustomerUser.id(),
            status: UserStatus::Pending,
            membership: Membership::Customer(customer.id.clone()),
            created_at: Utc::now(),
        };
        self.hook.on_step("identity", StepPhase::Before).await?;
        match self
            .identities
            .register(&user.email, &input.password, &user.id)
            .await
        {
            // Registered meanwhile (a concurrent sign-up, or an identity without a portal user).
            Err(Error::Conflict(_)) => {
                tracing::info!(request_id, number, "sign-up refused: identity taken");
                return Err(not_validated());
            }
            registered => registered?,
        }
        let created = async {
            self.hook.on_step("identity", StepPhase::After).await?;
            self.hook
                .on_step("directory.user", StepPhase::Before)
                .await?;
            self.c.directory.save_user(&user).await?;
            self.hook
                .on_step("directory.user", StepPhase::After)
                .await?;
            self.mail_activation_link(&user, portal_url, SIGN_UP_INTRO)
                .await
        }
        .await;
        if let Err(e) = created {
            // Undo both: the user may exist if only the answer was lost. A link mailed before
            // the failure names a user that no longer exists, so it activates nothing.
            self.c.directory.delete_user(&user.id).await?;
            self.identities.unregister(&user.email).await?;
            return Err(e);
        }
        self.audit_as(&user, request_id, "user.signup", Some(customer.id))
            .await?;
        Ok(user)
    }

    /// The customer billed under `number` and its contact address equal to `email`, when
    /// `email` may sign up for it; otherwise why not (for the log only). Once the number names
    /// a customer, every check is made whatever the outcome, so that the time taken does not
    /// tell which one failed. (An unknown number answers sooner; numbers are printed on every
    /// invoice, so whether one exists is no secret worth a decoy upstream call.)
    async fn proven_customer(
        &self,
        number: &str,
        email: &str,
    ) -> Result<std::result::Result<(Customer, String), &'static str>> {
        let Some(account) = self.c.billing.account_by_number(number).await? else {
            return Ok(Err("unknown account number"));
        };
        let customer = self
            .c
            .directory
            .holders_by_billing_account(std::slice::from_ref(&account.id))
            .await?
            .into_iter()
            .find_map(|h| match h {
                AccountHolder::Customer(c) => Some(c),
                AccountHolder::Organization(_) => None,
            });
        let Some(customer) = customer else {
            return Ok(Err("not a customer's account number"));
        };
        let crm_accounts: Vec<CrmAccountId> = customer.external.crm.iter().cloned().collect();
        let membership = [Membership::Customer(customer.id.clone())];
        let (contacts, registered, members) = futures::try_join!(
            self.c.crm.contacts_for_accounts(&crm_accounts),
            self.c.directory.user_by_email(email),
            self.c.directory.users_by_membership(&membership),
        )?;
        let wanted = email.to_lowercase();
        let address = std::iter::once(customer.email.trim())
            .chain(contacts.iter().map(|c| c.email.trim()))
            .find(|known| known.to_lowercase() == wanted)
            .map(str::to_owned);
        Ok(if customer.status != CustomerStatus::Active {
            Err("the customer is deactivated")
        } else if registered.is_some() {
            Err("the email is registered")
        } else if !members.is_empty() {
            Err("the customer already has portal users")
        } else if let Some(address) = address {
            Ok((customer, address))
        } else {
            Err("the email is not a contact of the customer")
        })
    }
}

/// The answer to every sign-up refused for a reason about accounts.
fn not_validated() -> Error {
    Error::BadInput {
        field: None,
        message: NOT_VALIDATED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_counts_for_the_address_the_email_and_the_number() {
        let limits = SignUpLimits::new();
        let client = Some(IpAddr::from([192, 0, 2, 1]));
        for n in 0..SIGN_UPS_PER_NUMBER {
            let email = format!("guess{n}@example.com");
            assert!(limits.attempt(client, &email, "A00000001").is_ok());
        }
        let refused = limits.attempt(None, "fresh@example.com", "A00000001");
        assert!(
            matches!(refused, Err(Error::RateLimited { retry_after_secs }) if retry_after_secs == 600),
            "the number is spent whoever asks, rounded up to the window: {refused:?}"
        );
        for n in 0..SIGN_UPS_PER_EMAIL {
            let email = if n % 2 == 0 {
                "Milton@Example.com"
            } else {
                "milton@example.com"
            };
            let _ = limits.attempt(None, email, &format!("A1000000{n}"));
        }
        assert!(
            limits
                .attempt(None, "MILTON@example.com", "A20000000")
                .is_err(),
            "an email in any case is one email"
        );
        // The address made five attempts above (the others came from no known address).
        for _ in 0..(SIGN_UPS_PER_ADDRESS - SIGN_UPS_PER_NUMBER) {
            let _ = limits.attempt(client, "x@example.com", "A30000000");
        }
        assert!(limits
            .attempt(client, "y@example.com", "A40000000")
            .is_err());
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_block() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("an address");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("an address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("an address");
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("an address");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(other));
        assert_eq!(address_key(mapped), "192.0.2.1");
    }
}
