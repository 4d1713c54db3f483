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
    /// Onboard, edit, deactivate and reactivate organizations: a distributor's partners, or
    /// (for the platform) distributors.
    ManagePartners = "MANAGE_PARTNERS",
    /// Publish offers to a sales channel and choose the partners eligible for them.
    ManageOffers = "MANAGE_OFFERS",
}

macro_rules! built_in_profiles {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $display:literal;)+) => {
        /// The built-in profiles every installation has; admins may add their own.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum BuiltInProfile {
            $($(#[$doc])* $name,)+
        }

        impl BuiltInProfile {
            /// Every built-in profile.
            pub const ALL: [BuiltInProfile; [$(stringify!($name),)+].len()] =
                [$(BuiltInProfile::$name,)+];

            /// The profile's code.
            pub fn code(self) -> &'static str {
                match self {
                    $(BuiltInProfile::$name => $code,)+
                }
            }

            /// The profile's display name.
            pub fn name(self) -> &'static str {
                match self {
                    $(BuiltInProfile::$name => $display,)+
                }
            }
        }
    };
}

built_in_profiles! {
    /// Operates the whole platform.
    PlatformAdmin = "PLATFORM_ADMIN", "Platform administrator";
    /// Administers a distributor and everything below it.
    DistributorAdmin = "DISTRIBUTOR_ADMIN", "Distributor administrator";
    /// Administers a partner organization.
    Admin = "ADMIN", "Partner administrator";
    /// Reads everything of its organization, changes nothing.
    Viewer = "VIEWER", "Viewer";
    /// A partner's account executive: sells and supports, does not administer.
    Partner = "PARTNER", "Partner account executive";
    /// A Salesforce rep arriving through a deep link.
    AccountExecutive = "ACCOUNT_EXECUTIVE", "Salesforce account executive";
    /// Administers one customer account.
    CustomerAdmin = "CUSTOMER_ADMIN", "Customer administrator";
    /// A user of one customer account.
    CustomerUser = "CUSTOMER_USER", "Customer user";
}

impl BuiltInProfile {
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

    /// The permissions the profile starts with, spelled out per profile so that what each
    /// may do reads off the table (the unit tests pin how they relate).
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
            // "An option to settle invoices": a partner's account executives pay what the
            // partner is billed for, and its customers' invoices where they are in scope.
            BuiltInProfile::Partner => &[
                ViewCustomers,
                ManageCustomers,
                ViewBilling,
                PayInvoices,
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

#[cfg(test)]
mod tests {
    use super::{BuiltInProfile, Permission};
    use std::collections::BTreeSet;

    /// What the profiles are documented to grant: everyone sees customers, billing and cases,
    /// distributors administer all but the platform's profiles, and a partner administrator
    /// may do all its account executives and its customers' administrators may.
    #[test]
    fn built_in_permissions_compose_as_documented() {
        use BuiltInProfile::*;
        use Permission::*;
        let all: BTreeSet<Permission> = Permission::ALL.iter().copied().collect();
        for profile in BuiltInProfile::ALL {
            let granted = profile.permissions();
            assert!(granted.is_subset(&all), "{profile:?}");
            for seen in [ViewCustomers, ViewBilling, ViewCases] {
                assert!(granted.contains(&seen), "{profile:?} lacks {seen:?}");
            }
        }
        assert_eq!(PlatformAdmin.permissions(), all);
        let mut distributor = all.clone();
        distributor.remove(&ManageProfiles);
        assert_eq!(DistributorAdmin.permissions(), distributor);
        assert!(Partner.permissions().is_subset(&Admin.permissions()));
        assert!(CustomerAdmin.permissions().is_subset(&Admin.permissions()));
        assert!(!Admin.permissions().contains(&ManagePartners));
        assert!(!Admin.permissions().contains(&ManageOffers));
        assert!(Partner.permissions().contains(&PayInvoices));
        assert_eq!(Admin.permissions().len(), 13);
        assert_eq!(AccountExecutive.permissions().len(), 3);
    }

    #[test]
    fn built_in_codes_and_names_are_distinct() {
        let codes: BTreeSet<_> = BuiltInProfile::ALL.iter().map(|p| p.code()).collect();
        let names: BTreeSet<_> = BuiltInProfile::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(codes.len(), BuiltInProfile::ALL.len());
        assert_eq!(names.len(), BuiltInProfile::ALL.len());
        assert_eq!(
            BuiltInProfile::DistributorAdmin.id().0,
            "builtin-distributor-admin"
        );
    }
}
