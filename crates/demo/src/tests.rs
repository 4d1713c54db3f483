//! Properties of the generated worlds that pages, sandboxes and tests rely on: the documented
//! shape and personas, unique ids and resolving links, invoices that add up, and a load channel
//! that leaves the demo world unchanged and out of every persona's reach.

use crate::{generate, generate_with_load, LOAD_ADMIN, LOAD_DISTRIBUTOR, PERSONAS};
use chrono::NaiveDate;
use partnergraph_core::demo::DemoData;
use partnergraph_core::ids::{BillingAccountId, OrgId};
use partnergraph_core::model::{InvoiceStatus, Membership, OrgKind, UserStatus};
use partnergraph_core::permission::BuiltInProfile;
use partnergraph_core::principal::Scope;
use rust_decimal::Decimal;
use std::collections::HashSet;

fn unique<T: std::hash::Hash + Eq>(items: impl Iterator<Item = T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().all(|i| seen.insert(i))
}

/// Ids, names, emails and account numbers that pages and sandboxes look records up by.
fn assert_unique_ids(d: &DemoData) {
    assert!(unique(d.customers.iter().map(|c| &c.id)));
    assert!(unique(d.customers.iter().map(|c| &c.name)));
    assert!(unique(d.users.iter().map(|u| u.email.to_lowercase())));
    assert!(unique(d.billing_accounts.iter().map(|a| &a.account_number)));
    assert!(unique(d.invoices.iter().map(|i| &i.id)));
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
}

#[test]
fn demo_has_the_documented_shape() {
    let d = generate(today());
    let kinds = |k| d.organizations.iter().filter(|o| o.kind == k).count();
    assert_eq!(kinds(OrgKind::Distributor), 2);
    assert_eq!(kinds(OrgKind::Partner), 6);
    assert_eq!(d.customers.len(), 120);
    let acme = d
        .customers
        .iter()
        .filter(|c| c.partner_id.as_str() == "org-acme")
        .count();
    assert!(acme >= 50);
    for email in PERSONAS {
        assert!(
            d.users
                .iter()
                .any(|u| u.email == email && u.status == UserStatus::Active),
            "{email}"
        );
    }
    assert!(d.users.iter().any(|u| u.status == UserStatus::Pending));
    assert!(d.users.iter().any(|u| u.status == UserStatus::Suspended));
    let statuses: HashSet<_> = d.invoices.iter().map(|i| i.status).collect();
    assert!(statuses.contains(&InvoiceStatus::Paid) && statuses.contains(&InvoiceStatus::Open));
    assert!(d.invoices.iter().any(|i| i.is_overdue(today())));
    assert!(d
        .invoices
        .iter()
        .any(|i| i.status == InvoiceStatus::Open && !i.is_overdue(today())));
    assert!(!d.payments.is_empty() && !d.payment_methods.is_empty() && !d.cases.is_empty());
    assert!(d.offers.iter().any(|o| !o.eligible_partner_ids.is_empty()));
}

#[test]
fn the_load_world_keeps_the_demo_world_first_and_unchanged() {
    let base = generate(today());
    let load = generate_with_load(today(), 500);
    fn starts_with<T: PartialEq + std::fmt::Debug>(all: &[T], head: &[T]) {
        assert!(all.len() >= head.len());
        assert_eq!(&all[..head.len()], head);
    }
    assert_eq!(load.profiles, base.profiles);
    assert_eq!(load.offers, base.offers);
    assert_eq!(load.audit_events, base.audit_events);
    starts_with(&load.organizations, &base.organizations);
    starts_with(&load.customers, &base.customers);
    starts_with(&load.users, &base.users);
    starts_with(&load.billing_accounts, &base.billing_accounts);
    starts_with(&load.subscriptions, &base.subscriptions);
    starts_with(&load.invoices, &base.invoices);
    starts_with(&load.payments, &base.payments);
    starts_with(&load.payment_methods, &base.payment_methods);
    starts_with(&load.crm_accounts, &base.crm_accounts);
    starts_with(&load.contacts, &base.contacts);
    starts_with(&load.cases, &base.cases);
    assert_eq!(load, generate_with_load(today(), 500));
}

#[test]
fn the_load_channel_is_full_and_no_persona_sees_it() {
    let base = generate(today());
    let d = generate_with_load(today(), 500);
    let extra = &d.customers[base.customers.len()..];
    assert_eq!(extra.len(), 500);
    let distributor = OrgId::from(LOAD_DISTRIBUTOR);
    assert!(extra
        .iter()
        .all(|c| c.distributor_id.as_ref() == Some(&distributor)));
    let admin = d.users.iter().find(|u| u.email == LOAD_ADMIN);
    assert_eq!(
        admin.map(|u| (&u.membership, u.profile_id.clone())),
        Some((
            &Membership::Organization(distributor.clone()),
            BuiltInProfile::DistributorAdmin.id()
        ))
    );
    assert!(!PERSONAS.contains(&LOAD_ADMIN));
    assert_unique_ids(&d);
    assert!(unique(d.cases.iter().map(|c| &c.id)));
    // Every load customer has records of every kind a page reads, as the demo's do.
    let billing: HashSet<_> = extra
        .iter()
        .filter_map(|c| c.external.billing.as_ref())
        .collect();
    let crm: HashSet<_> = extra
        .iter()
        .filter_map(|c| c.external.crm.as_ref())
        .collect();
    assert_eq!((billing.len(), crm.len()), (500, 500));
    let with = |accounts: &mut dyn Iterator<Item = &BillingAccountId>| {
        accounts
            .filter(|a| billing.contains(a))
            .collect::<HashSet<_>>()
            .len()
    };
    assert_eq!(
        with(&mut d.subscriptions.iter().map(|s| &s.account_id)),
        500
    );
    assert_eq!(with(&mut d.invoices.iter().map(|i| &i.account_id)), 500);
    assert_eq!(
        with(&mut d.payment_methods.iter().map(|m| &m.account_id)),
        500
    );
    assert!(with(&mut d.payments.iter().map(|p| &p.account_id)) > 0);
    assert!(
        d.contacts
            .iter()
            .filter(|c| crm.contains(&c.account_id))
            .count()
            == 500
    );
    assert!(d.cases.iter().any(|c| crm.contains(&c.account_id)));
    assert!(d
        .billing_accounts
        .iter()
        .any(|a| billing.contains(&a.id) && !a.balance.amount.is_zero()));
    // The documented personas' scopes do not reach the load channel.
    let orgs: std::collections::HashMap<_, _> =
        d.organizations.iter().map(|o| (o.id.clone(), o)).collect();
    for persona in PERSONAS.iter().filter(|e| **e != "admin@platform.example") {
        let Some(user) = d.users.iter().find(|u| u.email == *persona) else {
            panic!("{persona}");
        };
        let scope = match &user.membership {
            Membership::Organization(org) if orgs[org].kind == OrgKind::Distributor => {
                Scope::Distributor(org.clone())
            }
            Membership::Organization(org) => Scope::Partner(org.clone()),
            Membership::Customer(id) => Scope::Customer {
                id: id.clone(),
                partner_id: OrgId::from("org-acme"),
            },
            Membership::Platform => Scope::All,
        };
        assert!(
            !extra.iter().any(|c| scope.permits_customer(c)),
            "{persona}"
        );
    }
}

#[test]
fn demo_ids_are_unique_and_links_resolve() {
    let d = generate(today());
    assert_unique_ids(&d);
    let billing: HashSet<_> = d.billing_accounts.iter().map(|a| &a.id).collect();
    assert!(d.invoices.iter().all(|i| billing.contains(&i.account_id)));
    assert!(d
        .subscriptions
        .iter()
        .all(|s| billing.contains(&s.account_id)));
    let crm: HashSet<_> = d.crm_accounts.iter().map(|a| &a.id).collect();
    assert!(d.cases.iter().all(|c| crm.contains(&c.account_id)));
    for c in &d.customers {
        let account = d
            .billing_accounts
            .iter()
            .find(|a| Some(&a.id) == c.external.billing.as_ref());
        assert_eq!(
            account.map(|a| a.account_number.as_str()),
            Some(c.account_number.as_str())
        );
    }
}

#[test]
fn demo_invoices_add_up() {
    let d = generate(today());
    for invoice in &d.invoices {
        let paid: Decimal = d
            .payments
            .iter()
            .filter(|p| p.invoice_id.as_ref() == Some(&invoice.id))
            .map(|p| p.amount.amount)
            .sum();
        if invoice.status != InvoiceStatus::Draft {
            assert_eq!(
                invoice.amount.amount - paid,
                invoice.balance.amount,
                "{}",
                invoice.number
            );
        }
    }
}

#[test]
fn demo_personas_sit_where_the_docs_say() {
    let d = generate(today());
    let user = |e: &str| d.users.iter().find(|u| u.email == e).cloned();
    let org = |name: &str| d.organizations.iter().find(|o| o.name == name).cloned();
    let northwind = org("Northwind Distribution");
    let acme = org("Acme Cloud");
    let globex = org("Globex Systems");
    assert_eq!(
        acme.as_ref().and_then(|a| a.parent_id.clone()),
        northwind.as_ref().map(|n| n.id.clone())
    );
    assert_ne!(
        globex.as_ref().and_then(|g| g.parent_id.clone()),
        northwind.as_ref().map(|n| n.id.clone())
    );
    assert_eq!(
        user("paula@acme.example").map(|u| u.membership),
        acme.as_ref()
            .map(|a| Membership::Organization(a.id.clone()))
    );
    let initech = d.customers.iter().find(|c| c.name == "Initech").cloned();
    assert_eq!(
        initech.as_ref().map(|c| c.partner_id.clone()),
        acme.as_ref().map(|a| a.id.clone())
    );
    let scope = Scope::Partner(OrgId::from("org-acme"));
    let eligible = d
        .offers
        .iter()
        .filter(|o| {
            acme.as_ref()
                .is_some_and(|a| scope.permits_offer(o, std::slice::from_ref(a)))
        })
        .count();
    assert!(eligible >= 3 && eligible < d.offers.len());
}
