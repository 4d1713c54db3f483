//! Who uses the portal and what they may do: users, profiles, the audit log, and the
//! identities, activation links and revoked tokens of the embedded identity store.

use super::*;

/// Whether a portal user may use the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    /// Known but not activated: authenticated once, sees nothing until an admin activates them.
    Pending,
    /// In use.
    Active,
    /// Blocked by an admin.
    Suspended,
}

/// What a user belongs to, which decides what they can ever see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// The platform operator itself.
    Platform,
    /// An operator of a distributor or partner.
    Organization(OrgId),
    /// A user of one customer account.
    Customer(CustomerId),
}

/// A portal user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Directory id.
    pub id: UserId,
    /// Login email, unique.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The user's profile.
    pub profile_id: ProfileId,
    /// Pending, active or suspended.
    pub status: UserStatus,
    /// Platform, organization or customer.
    pub membership: Membership,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
}

/// A named permission set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Directory id.
    pub id: ProfileId,
    /// Stable code (e.g. `ADMIN`): unique among the profiles of one owner, and never a
    /// built-in profile's code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What holders of the profile may do.
    pub permissions: BTreeSet<Permission>,
    /// Who the profile belongs to, which decides who may see, edit and give it
    /// ([`Scope::permits_profile`](crate::Scope::permits_profile)).
    pub owner: ProfileOwner,
}

impl Profile {
    /// Whether the profile is one of the built-in ones, which nobody edits.
    pub fn is_built_in(&self) -> bool {
        self.owner == ProfileOwner::BuiltIn
    }
}

/// Who a profile belongs to. A custom profile belongs to whoever created it, so that an
/// organization's admins cannot edit or hand out another organization's profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileOwner {
    /// One of the built-in profiles: fixed, seen and given by everyone (where it fits).
    BuiltIn,
    /// A custom profile of the platform operator. Custom profiles stored before profiles had
    /// owners are the platform's too (migration `m20261207_000005_profile_owners`): only
    /// platform admins may then edit or give them, the safe default.
    Platform,
    /// A custom profile of a distributor or partner, created by one of its admins.
    Organization(OrgId),
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditOutcome {
    /// Done.
    Success,
    /// Refused by authorization.
    Denied,
    /// Failed.
    Failed,
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Directory id.
    pub id: AuditEventId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it (the real actor, even when impersonating).
    pub actor_id: Option<UserId>,
    /// The actor's email at the time.
    pub actor_email: String,
    /// The impersonated user, when acting as someone else.
    pub on_behalf_of: Option<UserId>,
    /// What was done (e.g. `customer.update`).
    pub action: String,
    /// The global id of what it was done to.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The request that did it.
    pub request_id: String,
    /// The organization whose audit log shows the event.
    pub org_id: Option<OrgId>,
    /// The customer the event concerns, if any.
    pub customer_id: Option<CustomerId>,
}

/// A token withdrawn before its expiry (logout, or an admin cutting a session short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedToken {
    /// The token's `jti`.
    pub jti: String,
    /// When the token would have expired anyway; the record is useless after that.
    pub expires_at: DateTime<Utc>,
}

/// A sign-in identity of the embedded identity store: an email and a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Login email, lower-cased (the key).
    pub email: String,
    /// The password's argon2id hash in PHC string format; never the password.
    pub password_hash: String,
    /// The portal user it signs in as.
    pub user_id: UserId,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A pending activation link, stored by the hash of its token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationToken {
    /// SHA-256 of the token, hex (the key).
    pub token_hash: String,
    /// The user it activates.
    pub user_id: UserId,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// An email to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}
