//! The parties of the demo world: organizations and customers with their billing and CRM
//! accounts, their portal users and their CRM contacts. A customer pulls in its subscriptions,
//! invoices and cases from the sibling modules as it is made, so that numbers follow the channel.

use crate::cast::{customer_name, FIRST_NAMES, LAST_NAMES, NAME_PAIRS};
use crate::ids::{billing_id, crm_id};
use crate::world::{money, slug, Generator};
use partnergraph_core::ids::{BillingAccountId, CrmAccountId, CustomerId, OrgId, UserId};
use partnergraph_core::model::{
    BillingAccount, BillingLink, Contact, CrmAccount, Customer, CustomerStatus, ExternalIds,
    InvoiceOwner, Membership, OrgKind, OrgStatus, Organization, Subscription, SubscriptionStatus,
    User, UserStatus,
};
use partnergraph_core::permission::BuiltInProfile;

impl Generator {
    /// Billing (in `currency`) and CRM accounts for a new holder; returns their ids.
    pub(crate) fn accounts(
        &mut self,
        owner: &str,
        name: &str,
        parent: Option<&ExternalIds>,
        currency: &str,
    ) -> (ExternalIds, String) {
        self.next_account_number += 1;
        let number = format!("A{:08}", self.next_account_number);
        let billing = BillingAccountId(billing_id(&format!("ba-{owner}")));
        let crm = CrmAccountId(crm_id("001", &format!("account-{owner}")));
        self.data.billing_accounts.push(BillingAccount {
            id: billing.clone(),
            account_number: number.clone(),
            name: name.to_owned(),
            balance: money(0, currency),
            parent_id: parent.and_then(|p| p.billing.clone()),
            crm_id: Some(crm.clone()),
        });
        self.data.crm_accounts.push(CrmAccount {
            id: crm.clone(),
            name: name.to_owned(),
            parent_id: parent.and_then(|p| p.crm.clone()),
            billing: Some(BillingLink {
                id: billing.clone(),
                number: number.clone(),
            }),
        });
        (
            ExternalIds {
                billing: Some(billing),
                crm: Some(crm),
            },
            number,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn organization(
        &mut self,
        id: &str,
        name: &str,
        kind: OrgKind,
        parent_id: Option<OrgId>,
        channel: &str,
        invoice_owner: InvoiceOwner,
        currency: &str,
        days_ago: i64,
    ) -> Organization {
        let parent_external = parent_id.as_ref().and_then(|p| {
            self.data
                .organizations
                .iter()
                .find(|o| &o.id == p)
                .map(|o| o.external.clone())
        });
        let (external, _) = self.accounts(id, name, parent_external.as_ref(), currency);
        let org = Organization {
            id: OrgId::from(id),
            kind,
            name: name.to_owned(),
            parent_id,
            sales_channel: channel.to_owned(),
            invoice_owner,
            external: external.clone(),
            created_at: self.instant(days_ago),
            status: OrgStatus::Active,
            email: Some(format!("channel@{}.example", slug(name))),
        };
        self.contact(&external, &slug(name), 0);
        self.payment_method(&external, 3, true);
        self.data.organizations.push(org.clone());
        org
    }

    pub(crate) fn users(
        &mut self,
        membership: Membership,
        people: &[(&str, &str, &str, BuiltInProfile, UserStatus)],
        domain: &str,
        days_ago: i64,
    ) {
        for (i, (local, first, last, profile, status)) in people.iter().enumerate() {
            let email = format!("{local}@{domain}");
            self.data.users.push(User {
                id: UserId(format!("user-{}", email.replace(['@', '.'], "-"))),
                email,
                first_name: (*first).to_owned(),
                last_name: (*last).to_owned(),
                profile_id: profile.id(),
                status: *status,
                membership: membership.clone(),
                created_at: self.instant(days_ago - i as i64),
            });
        }
    }

    pub(crate) fn contact(&mut self, external: &ExternalIds, domain: &str, seed: usize) {
        let Some(crm) = external.crm.clone() else {
            return;
        };
        let first = FIRST_NAMES[seed % FIRST_NAMES.len()];
        let last = LAST_NAMES[(seed / 3) % LAST_NAMES.len()];
        self.data.contacts.push(Contact {
            account_id: crm,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email: format!(
                "{}.{}@{domain}.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            phone: (seed % 4 != 3).then(|| format!("+1 555 01{:02}", seed % 100)),
        });
    }

    pub(crate) fn customer(
        &mut self,
        partner: &Organization,
        currency: &str,
        index: usize,
        initech: bool,
    ) {
        let name = if initech {
            "Initech".to_owned()
        } else {
            customer_name(index)
        };
        let domain = slug(&name);
        let id = CustomerId(format!("cus-{:03}", index + 1));
        let (external, account_number) =
            self.accounts(id.as_str(), &name, Some(&partner.external), currency);
        let status = if !initech && index % 15 == 7 {
            CustomerStatus::Inactive
        } else {
            CustomerStatus::Active
        };
        self.contact(&external, &domain, index);
        let default_method = self.payment_method(&external, index, true);
        if index % 4 == 1 {
            self.payment_method(&external, index + 3, false);
        }
        let subscriptions = self.subscriptions(partner, &external, index, initech);
        let active: Vec<&Subscription> = subscriptions
            .iter()
            .filter(|s| s.status == SubscriptionStatus::Active)
            .collect();
        let mut skus: Vec<String> = active.iter().map(|s| s.sku.clone()).collect();
        skus.sort();
        skus.dedup();
        let customer = Customer {
            id: id.clone(),
            partner_id: partner.id.clone(),
            distributor_id: partner.parent_id.clone(),
            name: name.clone(),
            email: format!("accounts@{domain}.example"),
            account_number,
            status,
            seats: active.iter().map(|s| s.quantity).sum(),
            skus,
            expires_on: active.iter().filter_map(|s| s.term_end_date).max(),
            external: external.clone(),
            // Load-test customers repeat the demo's spread rather than date into the future.
            created_at: self.instant(500 - (index % NAME_PAIRS) as i64 * 3),
        };
        if partner.invoice_owner == InvoiceOwner::Customer {
            let monthly = self.monthly_charge(&subscriptions);
            self.invoices(&external, monthly, currency, index, default_method.as_ref());
        }
        self.cases(&external, index, initech);
        let users: Vec<(&str, &str, &str, BuiltInProfile, UserStatus)> = if initech {
            vec![
                (
                    "carl",
                    "Carl",
                    "Cruz",
                    BuiltInProfile::CustomerAdmin,
                    UserStatus::Active,
                ),
                (
                    "ines",
                    "Ines",
                    "Ito",
                    BuiltInProfile::CustomerUser,
                    UserStatus::Active,
                ),
            ]
        } else if index % 3 == 0 {
            vec![(
                "it",
                "Jordan",
                LAST_NAMES[index % LAST_NAMES.len()],
                BuiltInProfile::CustomerAdmin,
                UserStatus::Active,
            )]
        } else {
            Vec::new()
        };
        self.users(
            Membership::Customer(id),
            &users,
            &format!("{domain}.example"),
            200,
        );
        self.data.subscriptions.extend(subscriptions);
        self.data.customers.push(customer);
    }
}
