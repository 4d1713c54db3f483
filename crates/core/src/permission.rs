//! Permissions and the built-in profiles.
//!
//! A profile is a named set of permissions; what a caller may *do* is the permission set of its
//! profile, read at request time. What a caller may *see* is its [`Scope`](crate::Scope); the two
//! are independent, so a viewer and an admin of one partner see the same customers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident = $code:literal),+ $(,)?) => {
        /// One thing a user may do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission {
            $($(#[$doc])* $name,)+
        }

        impl Permission {
            /// Every permission, in a stable order.
            pub const ALL: &'static [Permission] = &[$(Permission::$name,)+];

            /// The stable code stored with profiles and shown to clients.
            pub fn code(self) -> &'static str {
                match self {
                    $(Permission::$name => $code,)+
                }
            }

            /// Parses a stored code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Permission::$name),)+
                    _ => None,
                }
            }
        }
    };
}

permissions! {
    /// See customers in scope and their account details.
    ViewCustomers = "VIEW_CUSTOMERS",
    /// Create, update, deactivate and reactivate customers.
    ManageCustomers = "MANAGE_CUSTOMERS",
    /// Delete customers with all their data (cannot be undone).
    DeleteCustomers = "DELETE_CUSTOMERS",
    /// See balances, subscriptions, invoices, payments and payment methods.
    ViewBilling = "VIEW_BILLING",
    /// Pay invoices with a stored payment method.
    PayInvoices = "PAY_INVOICES",
    /// Place orders and change or cancel subscriptions.
    ManageSubscriptions = "MANAGE_SUBSCRIPTIONS",
    /// See support cases.
    ViewCases = "VIEW_CASES",
    /// Open and update support cases.
    ManageCases = "MANAGE_CASES",
    /// See portal users (operators and customer users).
    ViewUsers = "VIEW_USERS",
    /// Activate, suspend and re-profile operators; invite and remove customer users.
    ManageUsers = "MANAGE_USERS",
    /// Create and edit profiles.
    ManageProfiles = "MANAGE_PROFILES",
    /// Log in as another user (login-as).
    Impersonate = "IMPERSONATE",
    /// Read the audit log of what is in scope.
    ViewAuditLog = "VIEW_AUDIT_LOG",
    /// Manage the partners of a distributor.
    ManagePartners = "MANAGE_PARTNERS",
}

/// The built-in profiles every installation has; admins may add their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltInProfile {
    /// Operates the whole platform.
    PlatformAdmin,
    /// Administers a distributor and everything below it.
    DistributorAdmin,
    /// Administers a partner organization.
    Admin,
    /// Reads everything of its organization, changes nothing.
    Viewer,
    /// A partner's account executive: sells and supports, does not administer.
    Partner,
    /// A Salesforce rep arriving through a deep link.
    AccountExecutive,
    /// Administers one customer account.
    CustomerAdmin,
    /// A user of one customer account.
    CustomerUser,
}

impl BuiltInProfile {
    /// Every built-in profile.
    pub const ALL: [BuiltInProfile; 8] = [
        BuiltInProfile::PlatformAdmin,
        BuiltInProfile::DistributorAdmin,
        BuiltInProfile::Admin,
        BuiltInProfile::Viewer,
        BuiltInProfile::Partner,
        BuiltInProfile::AccountExecutive,
        BuiltInProfile::CustomerAdmin,
        BuiltInProfile::CustomerUser,
    ];

    /// The profile's code.
    pub fn code(self) -> &'static str {
        match self {
            BuiltInProfile::PlatformAdmin => "PLATFORM_ADMIN",
            BuiltInProfile::DistributorAdmin => "DISTRIBUTOR_ADMIN",
            BuiltInProfile::Admin => "ADMIN",
            BuiltInProfile::Viewer => "VIEWER",
            BuiltInProfile::Partner => "PARTNER",
            BuiltInProfile::AccountExecutive => "ACCOUNT_EXECUTIVE",
            BuiltInProfile::CustomerAdmin => "CUSTOMER_ADMIN",
            BuiltInProfile::CustomerUser => "CUSTOMER_USER",
        }
    }

    /// The directory id of the built-in profile; stable so that every store agrees on it.
    pub fn id(self) -> crate::ids::ProfileId {
        crate::ids::ProfileId(format!(
            "builtin-{}",
            self.code().to_lowercase().replace('_', "-")
        ))
    }

    /// The built-in profile as a directory record.
    pub fn profile(self) -> crate::model::Profile {
        crate::model::Profile {
            id: self.id(),
            code: self.code().to_owned(),
            name: self.name().to_owned(),
            permissions: self.permissions(),
            owner: crate::model::ProfileOwner::BuiltIn,
        }
    }

    /// The profile's display name.
    pub fn name(self) -> &'static str {
        match self {
            BuiltInProfile::PlatformAdmin => "Platform administrator",
            BuiltInProfile::DistributorAdmin => "Distributor administrator",
            BuiltInProfile::Admin => "Partner administrator",
            BuiltInProfile::Viewer => "Viewer",
            BuiltInProfile::Partner => "Partner account executive",
            BuiltInProfile::AccountExecutive => "Salesforce account executive",
            BuiltInProfile::CustomerAdmin => "Customer administrator",
            BuiltInProfile::CustomerUser => "Customer user",
        }
    }

    /// The permissions the profile starts with.
    pub fn permissions(self) -> BTreeSet<Permission> {
        use Permission::*;
        let view = [ViewCustomers, ViewBilling, ViewCases];
        let list: &[Permission] = match self {
            BuiltInProfile::PlatformAdmin | BuiltInProfile::DistributorAdmin => Permission::ALL,
            BuiltInProfile::Admin => &[
                ViewCustomers,
                ManageCustomers,
                DeleteCustomers,
                ViewBilling,
                PayInvoices,
                ManageSubscriptions,
                ViewCases,
                ManageCases,
                ViewUsers,
                ManageUsers,
                ManageProfiles,
                Impersonate,
                ViewAuditLog,
            ],
            BuiltInProfile::Viewer => &[ViewCustomers, ViewBilling, ViewCases, ViewUsers],
            BuiltInProfile::Partner => &[
                ViewCustomers,
                ManageCustomers,
                ViewBilling,
                ManageSubscriptions,
                ViewCases,
                ManageCases,
                ViewUsers,
            ],
            BuiltInProfile::AccountExecutive => &view,
            BuiltInProfile::CustomerAdmin => &[
                ViewCustomers,
                ViewBilling,
                PayInvoices,
                ManageSubscriptions,
                ViewCases,
                ManageCases,
                ViewUsers,
                ManageUsers,
            ],
            BuiltInProfile::CustomerUser => &[ViewCustomers, ViewBilling, ViewCases, ManageCases],
        };
        let mut set: BTreeSet<Permission> = list.iter().copied().collect();
        if self == BuiltInProfile::DistributorAdmin {
            // Platform-wide profile editing stays with the platform.
            set.remove(&ManageProfiles);
        }
        set
    }
}
