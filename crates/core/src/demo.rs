//! The demo dataset: one deterministic channel with distributors, partners, customers and all
//! their billing, CRM and directory records.
//!
//! It lives in core, as domain values, so that every store seeds the same world: the local store
//! for `serve --demo`, and the Zuora and Salesforce sandboxes, whose records must line up with the
//! directory's external ids. Dates are relative to `today`, so "overdue" and "expires soon" stay
//! meaningful whenever the demo runs.

use crate::ids::*;
use crate::model::*;
use crate::permission::BuiltInProfile;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Everything `serve --demo` seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    /// Built-in profiles.
    pub profiles: Vec<Profile>,
    /// Distributors and partners.
    pub organizations: Vec<Organization>,
    /// End customers.
    pub customers: Vec<Customer>,
    /// Portal users (operators and customer users), including the documented personas.
    pub users: Vec<User>,
    /// Catalog offers.
    pub offers: Vec<Offer>,
    /// Billing accounts of organizations and customers.
    pub billing_accounts: Vec<BillingAccount>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Invoices.
    pub invoices: Vec<Invoice>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// Payment methods.
    pub payment_methods: Vec<PaymentMethod>,
    /// CRM accounts of organizations and customers.
    pub crm_accounts: Vec<CrmAccount>,
    /// CRM contacts.
    pub contacts: Vec<Contact>,
    /// Support cases.
    pub cases: Vec<Case>,
    /// A few audit events, so the audit log is not empty on first start.
    pub audit_events: Vec<AuditEvent>,
}

/// The id a billing system gives the demo record named `name`: 32 lower-case hex digits, the
/// shape of Zuora's object ids. The demo's billing records and offers (which a billing catalog
/// holds as product rate plans) carry such ids, so the local store and the Zuora sandbox seed the
/// same world under the same ids and one test oracle serves both.
pub fn billing_id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
        .simple()
        .to_string()
}

/// The id a CRM gives the demo record named `name`: Salesforce's 18-character shape, a
/// three-character key prefix (`001` Account, `003` Contact, `500` Case), twelve characters
/// that are unique per record, and the three-character suffix that makes the id case-insensitive.
/// The local store and the Salesforce sandbox seed the demo's CRM records under these ids.
pub fn crm_id(prefix: &str, name: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).as_u128();
    let mut id: String = prefix.chars().take(3).collect();
    // The pod and reserved characters of real ids, then nine characters from the name.
    id.push_str("Dp0");
    id.extend((0..9).map(|i| BASE62[((hash >> (i * 6)) % 62) as usize] as char));
    salesforce_id_suffix(&id).map_or(id.clone(), |suffix| id + &suffix)
}

/// The three characters Salesforce appends to a 15-character id to make it case-insensitive:
/// one per five characters, encoding which of them are upper-case letters. `None` unless `id`
/// has 15 ASCII alphanumerics.
pub fn salesforce_id_suffix(id: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id.as_bytes();
    if bytes.len() != 15 || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(
        bytes
            .chunks(5)
            .map(|chunk| {
                let bits = chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.is_ascii_uppercase())
                    .fold(0usize, |acc, (i, _)| acc | (1 << i));
                ALPHABET[bits] as char
            })
            .collect(),
    )
}

/// The documented personas, one per kind of caller; the README, GraphiQL links and tests use them.
pub const PERSONAS: [&str; 6] = [
    "admin@platform.example",
    "dana@northwind.example",
    "paula@acme.example",
    "victor@acme.example",
    "olga@globex.example",
    "carl@initech.example",
];

/// Customers sold by Acme Cloud: enough that a 50-row page is full, so tests can prove batching.
const ACME_CUSTOMERS: usize = 50;
/// Customers sold by each of the other partners.
const OTHER_CUSTOMERS: usize = 14;

const ADJECTIVES: [&str; 20] = [
    "Amber", "Bright", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz", "Redwood", "Summit",
    "Tidal",
];
const NOUNS: [&str; 8] = [
    "Analytics",
    "Bakery",
    "Clinics",
    "Dental",
    "Engineering",
    "Freight",
    "Gardens",
    "Hotels",
];
const FIRST_NAMES: [&str; 10] = [
    "Alice", "Bruno", "Chen", "Divya", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Jules",
];
const LAST_NAMES: [&str; 10] = [
    "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Ulrich", "Vega", "Weber",
];
const CASE_SUBJECTS: [&str; 6] = [
    "Cannot add seats",
    "Invoice amount looks wrong",
    "Password reset email not received",
    "Backup job failing nightly",
    "Request to change billing contact",
    "Mailbox migration stuck",
];

/// code, name, label, channel, sku, price in cents, period, min seats, max seats, restricted to.
type OfferSpec = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    i64,
    BillingPeriod,
    i64,
    Option<i64>,
    &'static [&'static str],
);

struct PartnerSpec {
    id: &'static str,
    name: &'static str,
    slug: &'static str,
    distributor: usize,
    invoice_owner: InvoiceOwner,
    customers: usize,
}

const DISTRIBUTORS: [(&str, &str, &str, &str, &str); 2] = [
    // id, name, slug, sales channel, currency
    (
        "org-northwind",
        "Northwind Distribution",
        "northwind",
        "EMEA-CLOUD",
        "EUR",
    ),
    (
        "org-southgate",
        "Southgate Supply",
        "southgate",
        "AMER-CLOUD",
        "USD",
    ),
];

const PARTNERS: [PartnerSpec; 6] = [
    PartnerSpec {
        id: "org-acme",
        name: "Acme Cloud",
        slug: "acme",
        distributor: 0,
        invoice_owner: InvoiceOwner::Customer,
        customers: ACME_CUSTOMERS,
    },
    PartnerSpec {
        id: "org-contoso",
        name: "Contoso Digital",
        slug: "contoso",
        distributor: 0,
        invoice_owner: InvoiceOwner::Partner,
        customers: OTHER_CUSTOMERS,
    },
    PartnerSpec {
        id: "org-umbrella",
        name: "Umbrella IT",
        slug: "umbrella",
        distributor: 0,
        invoice_owner: InvoiceOwner::Customer,
        customers: OTHER_CUSTOMERS,
    },
    PartnerSpec {
        id: "org-globex",
        name: "Globex Systems",
        slug: "globex",
        distributor: 1,
        invoice_owner: InvoiceOwner::Partner,
        customers: OTHER_CUSTOMERS,
    },
    PartnerSpec {
        id: "org-hooli",
        name: "Hooli Services",
        slug: "hooli",
        distributor: 1,
        invoice_owner: InvoiceOwner::Customer,
        customers: OTHER_CUSTOMERS,
    },
    PartnerSpec {
        id: "org-stark",
        name: "Stark Solutions",
        slug: "stark",
        distributor: 1,
        invoice_owner: InvoiceOwner::Customer,
        customers: OTHER_CUSTOMERS,
    },
];

/// Generates the demo world. Deterministic: the same `today` always gives the same data, and
/// ids do not depend on `today` at all, so links and tokens survive a reseed.
pub fn generate(today: NaiveDate) -> DemoData {
    Generator::new(today).run(None)
}

/// The distributor of [`generate_with_load`]'s load-test channel.
pub const LOAD_DISTRIBUTOR: &str = "org-loadline";
/// The load-test distributor's admin (`DISTRIBUTOR_ADMIN`), whom benchmarks load the large
/// world as. Not one of the [`PERSONAS`]: the demo's documentation and links leave it out.
pub const LOAD_ADMIN: &str = "lee@loadline.example";
/// Partners of the load-test distributor; its customers are dealt to them in turn.
const LOAD_PARTNERS: usize = 8;

/// [`generate`]'s world, unchanged (the same records under the same ids, first in every list),
/// plus a load-test channel, so that a benchmark can fill caches the demo's 120 customers leave
/// nearly empty: the distributor [`LOAD_DISTRIBUTOR`], its admin [`LOAD_ADMIN`], a few partners
/// and `customers` end customers among them, each generated as the demo's own are (billing and
/// CRM accounts, subscriptions, invoices, payments, payment methods, a contact, cases, now and
/// then a customer user). The channel is outside every persona's (the platform admin, who sees
/// everything, aside), so their pages, and the tests built on them, stay as they are.
/// Deterministic like [`generate`].
pub fn generate_with_load(today: NaiveDate, customers: usize) -> DemoData {
    Generator::new(today).run(Some(customers))
}

struct Generator {
    today: NaiveDate,
    data: DemoData,
    next_account_number: u32,
    next_subscription: u32,
    next_invoice: u32,
    next_payment: u32,
    next_case: u32,
}

/// Distinct adjective and noun pairs of customer names.
const NAME_PAIRS: usize = ADJECTIVES.len() * NOUNS.len();

/// Customer `index`'s name: an adjective and a noun, then, once the pairs run out (only the
/// load-test channel has that many customers), the round, so that names stay unique.
fn customer_name(index: usize) -> String {
    let pair = format!(
        "{} {}",
        ADJECTIVES[index % ADJECTIVES.len()],
        NOUNS[(index / ADJECTIVES.len()) % NOUNS.len()]
    );
    match index / NAME_PAIRS {
        0 => pair,
        round => format!("{pair} {round}"),
    }
}

fn money(cents: i64, currency: &str) -> Money {
    Money::new(Decimal::new(cents, 2), currency)
}

fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

impl Generator {
    fn new(today: NaiveDate) -> Self {
        Self {
            today,
            data: DemoData {
                profiles: BuiltInProfile::ALL.iter().map(|p| p.profile()).collect(),
                organizations: Vec::new(),
                customers: Vec::new(),
                users: Vec::new(),
                offers: Vec::new(),
                billing_accounts: Vec::new(),
                subscriptions: Vec::new(),
                invoices: Vec::new(),
                payments: Vec::new(),
                payment_methods: Vec::new(),
                crm_accounts: Vec::new(),
                contacts: Vec::new(),
                cases: Vec::new(),
                audit_events: Vec::new(),
            },
            next_account_number: 0,
            next_subscription: 0,
            next_invoice: 0,
            next_payment: 0,
            next_case: 0,
        }
    }

    fn day(&self, offset: i64) -> NaiveDate {
        self.today + Duration::days(offset)
    }

    fn instant(&self, days_ago: i64) -> DateTime<Utc> {
        let date = self.day(-days_ago);
        date.and_hms_opt(9, 30, 0).unwrap_or_default().and_utc()
    }

    /// The demo world, with a load-test channel of `load_customers` customers when asked for.
    fn run(mut self, load_customers: Option<usize>) -> DemoData {
        self.offers();
        self.users(
            Membership::Platform,
            &[(
                "admin",
                "Ada",
                "Admin",
                BuiltInProfile::PlatformAdmin,
                UserStatus::Active,
            )],
            "platform.example",
            400,
        );
        for (i, (id, name, slug, channel, currency)) in DISTRIBUTORS.iter().enumerate() {
            let org = self.organization(
                id,
                name,
                OrgKind::Distributor,
                None,
                channel,
                InvoiceOwner::Partner,
                currency,
                720 - i as i64,
            );
            let persona: (&str, &str, &str) = if i == 0 {
                ("dana", "Dana", "Dunn")
            } else {
                ("sam", "Sam", "Sutter")
            };
            self.users(
                Membership::Organization(org.id.clone()),
                &[(
                    persona.0,
                    persona.1,
                    persona.2,
                    BuiltInProfile::DistributorAdmin,
                    UserStatus::Active,
                )],
                &format!("{slug}.example"),
                380,
            );
        }
        let mut customer_index = 0usize;
        for (p, spec) in PARTNERS.iter().enumerate() {
            let (dist_id, _, _, channel, currency) = DISTRIBUTORS[spec.distributor];
            let partner = self.organization(
                spec.id,
                spec.name,
                OrgKind::Partner,
                Some(OrgId::from(dist_id)),
                channel,
                spec.invoice_owner,
                currency,
                600 - 10 * p as i64,
            );
            let domain = format!("{}.example", spec.slug);
            let operators: Vec<(&str, &str, &str, BuiltInProfile, UserStatus)> = match spec.slug {
                "acme" => vec![
                    (
                        "paula",
                        "Paula",
                        "Park",
                        BuiltInProfile::Partner,
                        UserStatus::Active,
                    ),
                    (
                        "victor",
                        "Victor",
                        "Vance",
                        BuiltInProfile::Viewer,
                        UserStatus::Active,
                    ),
                    (
                        "anna",
                        "Anna",
                        "Adler",
                        BuiltInProfile::Admin,
                        UserStatus::Active,
                    ),
                    (
                        "pending",
                        "Pat",
                        "Pending",
                        BuiltInProfile::Viewer,
                        UserStatus::Pending,
                    ),
                ],
                "globex" => vec![
                    (
                        "olga",
                        "Olga",
                        "Orlova",
                        BuiltInProfile::Admin,
                        UserStatus::Active,
                    ),
                    (
                        "suspended",
                        "Sid",
                        "Suspended",
                        BuiltInProfile::Viewer,
                        UserStatus::Suspended,
                    ),
                ],
                _ => vec![(
                    "admin",
                    "Alex",
                    "Admin",
                    BuiltInProfile::Admin,
                    UserStatus::Active,
                )],
            };
            self.users(
                Membership::Organization(partner.id.clone()),
                &operators,
                &domain,
                300,
            );
            for n in 0..spec.customers {
                self.customer(
                    &partner,
                    currency,
                    customer_index,
                    n == 0 && spec.slug == "acme",
                );
                customer_index += 1;
            }
            if spec.invoice_owner == InvoiceOwner::Partner {
                self.partner_invoices(&partner, currency);
            }
        }
        if let Some(customers) = load_customers {
            self.load_channel(customers);
        }
        self.balances();
        self.audit_events();
        self.data
    }

    /// [`generate_with_load`]'s channel: a distributor, its admin, [`LOAD_PARTNERS`] partners
    /// that bill their customers directly (so that every customer has invoices and payments of
    /// its own), and `customers` customers dealt to them in turn.
    fn load_channel(&mut self, customers: usize) {
        let (channel, currency) = ("EMEA-CLOUD", "EUR");
        let distributor = self.organization(
            LOAD_DISTRIBUTOR,
            "Loadline Distribution",
            OrgKind::Distributor,
            None,
            channel,
            InvoiceOwner::Partner,
            currency,
            700,
        );
        self.users(
            Membership::Organization(distributor.id.clone()),
            &[(
                "lee",
                "Lee",
                "Loader",
                BuiltInProfile::DistributorAdmin,
                UserStatus::Active,
            )],
            "loadline.example",
            380,
        );
        let partners: Vec<Organization> = (1..=LOAD_PARTNERS)
            .map(|p| {
                self.organization(
                    &format!("{LOAD_DISTRIBUTOR}-{p:02}"),
                    &format!("Loadline Reseller {p:02}"),
                    OrgKind::Partner,
                    Some(distributor.id.clone()),
                    channel,
                    InvoiceOwner::Customer,
                    currency,
                    590 - p as i64,
                )
            })
            .collect();
        let first = self.data.customers.len();
        for (n, partner) in partners.iter().cycle().take(customers).enumerate() {
            self.customer(partner, currency, first + n, false);
        }
    }

    fn offers(&mut self) {
        // (code, name, label, channel, sku, cents, period, min, max, restricted to)
        let specs: [OfferSpec; 9] = [
            (
                "CB-STD-M",
                "Cloud Backup Standard",
                None,
                "EMEA-CLOUD",
                "CB-STD",
                450,
                BillingPeriod::Monthly,
                1,
                None,
                &[],
            ),
            (
                "CB-PRM-M",
                "Cloud Backup Premium",
                Some("Most popular"),
                "EMEA-CLOUD",
                "CB-PRM",
                890,
                BillingPeriod::Monthly,
                5,
                None,
                &[],
            ),
            (
                "SM-BAS-A",
                "Secure Mail Basic",
                None,
                "EMEA-CLOUD",
                "SM-BAS",
                4800,
                BillingPeriod::Annual,
                1,
                Some(300),
                &[],
            ),
            (
                "TC-PRO-M",
                "Team Chat Pro",
                Some("Acme exclusive"),
                "EMEA-CLOUD",
                "TC-PRO",
                650,
                BillingPeriod::Monthly,
                10,
                Some(500),
                &["org-acme"],
            ),
            (
                "CB-STD-US",
                "Cloud Backup Standard (US)",
                None,
                "AMER-CLOUD",
                "CB-STD",
                499,
                BillingPeriod::Monthly,
                1,
                None,
                &[],
            ),
            (
                "SM-BAS-US",
                "Secure Mail Basic (US)",
                None,
                "AMER-CLOUD",
                "SM-BAS",
                5400,
                BillingPeriod::Annual,
                1,
                Some(300),
                &[],
            ),
            (
                "EDR-M",
                "Endpoint Defense",
                Some("New"),
                "AMER-CLOUD",
                "EDR",
                1200,
                BillingPeriod::Monthly,
                5,
                None,
                &[],
            ),
            (
                "VC-ENT-A",
                "Video Conferencing Enterprise",
                None,
                "AMER-CLOUD",
                "VC-ENT",
                21000,
                BillingPeriod::Annual,
                25,
                Some(5000),
                &["org-globex"],
            ),
            (
                "LEGACY-FAX",
                "Legacy Fax Relay",
                Some("Retiring"),
                "LEGACY",
                "FAX",
                300,
                BillingPeriod::Monthly,
                1,
                Some(50),
                &[],
            ),
        ];
        for (i, (code, name, label, channel, sku, cents, period, min, max, eligible)) in
            specs.into_iter().enumerate()
        {
            let currency = if channel == "AMER-CLOUD" {
                "USD"
            } else {
                "EUR"
            };
            self.data.offers.push(Offer {
                id: OfferId(billing_id(&format!("offer-{:02}", i + 1))),
                code: code.to_owned(),
                name: name.to_owned(),
                label: label.map(str::to_owned),
                sales_channel: channel.to_owned(),
                eligible_partner_ids: eligible.iter().map(|id| OrgId::from(*id)).collect(),
                sku: sku.to_owned(),
                price: money(cents, currency),
                billing_period: period,
                min_seats: min,
                max_seats: max,
            });
        }
    }

    /// Billing (in `currency`) and CRM accounts for a new holder; returns their ids.
    fn accounts(
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
        });
        self.data.crm_accounts.push(CrmAccount {
            id: crm.clone(),
            name: name.to_owned(),
            parent_id: parent.and_then(|p| p.crm.clone()),
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
    fn organization(
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
        };
        self.contact(&external, &slug(name), 0);
        self.payment_method(&external, 3, true);
        self.data.organizations.push(org.clone());
        org
    }

    fn users(
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

    fn contact(&mut self, external: &ExternalIds, domain: &str, seed: usize) {
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

    fn payment_method(
        &mut self,
        external: &ExternalIds,
        seed: usize,
        is_default: bool,
    ) -> Option<PaymentMethodId> {
        let account_id = external.billing.clone()?;
        let id = PaymentMethodId(billing_id(&format!(
            "pm-{}-{}",
            account_id.as_str(),
            if is_default { 1 } else { 2 }
        )));
        let kind = match seed % 5 {
            0..=2 => PaymentMethodType::CreditCard,
            3 => PaymentMethodType::BankTransfer,
            _ => PaymentMethodType::PayPal,
        };
        let brands = ["Visa", "Mastercard", "Amex"];
        self.data.payment_methods.push(PaymentMethod {
            id: id.clone(),
            account_id,
            kind,
            brand: match kind {
                PaymentMethodType::CreditCard => Some(brands[seed % 3].to_owned()),
                PaymentMethodType::BankTransfer => Some("Deutsche Bank".to_owned()),
                PaymentMethodType::PayPal => None,
            },
            last4: (kind != PaymentMethodType::PayPal)
                .then(|| format!("{:04}", (seed * 7919) % 10_000)),
            expires: (kind == PaymentMethodType::CreditCard)
                .then(|| format!("{}-{:02}", 2027 + seed % 4, 1 + seed % 12)),
            is_default,
        });
        Some(id)
    }

    fn customer(&mut self, partner: &Organization, currency: &str, index: usize, initech: bool) {
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

    fn subscriptions(
        &mut self,
        partner: &Organization,
        external: &ExternalIds,
        index: usize,
        initech: bool,
    ) -> Vec<Subscription> {
        let Some(account_id) = external.billing.clone() else {
            return Vec::new();
        };
        let offers: Vec<Offer> = self
            .data
            .offers
            .iter()
            .filter(|o| o.is_eligible_for(partner))
            .cloned()
            .collect();
        let count = if initech { 3 } else { 1 + index % 3 };
        let mut out = Vec::new();
        for k in 0..count {
            let offer = &offers[(index + k * 2) % offers.len()];
            self.next_subscription += 1;
            let start = self.day(-(30 + ((index * 37 + k * 53) % 600) as i64));
            // Spread term ends over the next year; every 9th lands within a month so the
            // "expiring soon" view has rows.
            let term_end = if (index + k) % 9 == 0 {
                self.day(5 + (index % 20) as i64)
            } else {
                self.day(40 + ((index * 13 + k * 29) % 320) as i64)
            };
            // Initech, the customer persona, keeps everything running so its pages are full.
            let status = match (index + k * 5) % 17 {
                _ if initech => SubscriptionStatus::Active,
                3 => SubscriptionStatus::Cancelled,
                8 => SubscriptionStatus::Suspended,
                12 => SubscriptionStatus::Expired,
                _ => SubscriptionStatus::Active,
            };
            let quantity = (offer.min_seats + ((index * 7 + k * 11) % 40) as i64)
                .min(offer.max_seats.unwrap_or(i64::MAX));
            out.push(Subscription {
                id: SubscriptionId(billing_id(&format!("sub-{:04}", self.next_subscription))),
                number: format!("S{:08}", self.next_subscription),
                account_id: account_id.clone(),
                offer_id: Some(offer.id.clone()),
                sku: offer.sku.clone(),
                status,
                quantity,
                start_date: start,
                term_end_date: match status {
                    SubscriptionStatus::Expired | SubscriptionStatus::Cancelled => {
                        Some(self.day(-(1 + (index % 30) as i64)))
                    }
                    _ => Some(term_end),
                },
                auto_renew: index % 4 != 0,
                invoice_owner: partner.invoice_owner,
            });
        }
        out
    }

    fn monthly_charge(&self, subscriptions: &[Subscription]) -> Decimal {
        subscriptions
            .iter()
            .filter(|s| s.status == SubscriptionStatus::Active)
            .filter_map(|s| {
                let offer = self
                    .data
                    .offers
                    .iter()
                    .find(|o| Some(&o.id) == s.offer_id.as_ref())?;
                let per_month = match offer.billing_period {
                    BillingPeriod::Monthly => offer.price.amount,
                    BillingPeriod::Annual => (offer.price.amount / Decimal::from(12)).round_dp(2),
                };
                Some(per_month * Decimal::from(s.quantity))
            })
            .sum()
    }

    /// Three monthly invoices: the oldest paid, the middle one paid, overdue or partly paid, the
    /// newest open and not yet due (or a draft now and then).
    fn invoices(
        &mut self,
        external: &ExternalIds,
        monthly: Decimal,
        currency: &str,
        index: usize,
        method: Option<&PaymentMethodId>,
    ) {
        let Some(account_id) = external.billing.clone() else {
            return;
        };
        let monthly = if monthly.is_zero() {
            Decimal::new(1999, 2)
        } else {
            monthly
        };
        for (k, days_ago) in [75i64, 45, 15].into_iter().enumerate() {
            self.next_invoice += 1;
            let invoice_date = self.day(-days_ago);
            let due_date = invoice_date + Duration::days(30);
            let id = InvoiceId(billing_id(&format!("inv-{:05}", self.next_invoice)));
            let (status, paid) = match (k, index % 5) {
                (0, _) => (InvoiceStatus::Paid, monthly),
                (1, 0) | (1, 3) => (InvoiceStatus::Open, Decimal::ZERO),
                (1, 1) => (
                    InvoiceStatus::Open,
                    (monthly / Decimal::from(2)).round_dp(2),
                ),
                (1, _) => (InvoiceStatus::Paid, monthly),
                (_, 4) => (InvoiceStatus::Draft, Decimal::ZERO),
                _ => (InvoiceStatus::Open, Decimal::ZERO),
            };
            let balance = if status == InvoiceStatus::Draft {
                monthly
            } else {
                monthly - paid
            };
            self.data.invoices.push(Invoice {
                id: id.clone(),
                number: format!("INV{:08}", self.next_invoice),
                account_id: account_id.clone(),
                invoice_date,
                due_date,
                amount: Money::new(monthly, currency),
                balance: Money::new(balance, currency),
                status,
            });
            if !paid.is_zero() {
                self.next_payment += 1;
                self.data.payments.push(Payment {
                    id: PaymentId(billing_id(&format!("pay-{:05}", self.next_payment))),
                    number: format!("P-{:08}", self.next_payment),
                    account_id: account_id.clone(),
                    amount: Money::new(paid, currency),
                    effective_date: invoice_date + Duration::days(10 + (index % 15) as i64),
                    status: PaymentStatus::Processed,
                    payment_method_id: method.cloned(),
                    invoice_id: Some(id),
                });
            }
        }
    }

    /// Partners that own their customers' invoices get one consolidated invoice a month.
    fn partner_invoices(&mut self, partner: &Organization, currency: &str) {
        let accounts: Vec<BillingAccountId> = self
            .data
            .customers
            .iter()
            .filter(|c| c.partner_id == partner.id)
            .filter_map(|c| c.external.billing.clone())
            .collect();
        let subscriptions: Vec<Subscription> = self
            .data
            .subscriptions
            .iter()
            .filter(|s| accounts.contains(&s.account_id))
            .cloned()
            .collect();
        let monthly = self.monthly_charge(&subscriptions);
        let method = self
            .data
            .payment_methods
            .iter()
            .find(|m| Some(&m.account_id) == partner.external.billing.as_ref())
            .map(|m| m.id.clone());
        self.invoices(&partner.external, monthly, currency, 0, method.as_ref());
    }

    fn cases(&mut self, external: &ExternalIds, index: usize, initech: bool) {
        let Some(account_id) = external.crm.clone() else {
            return;
        };
        let count = if initech { 3 } else { index % 4 };
        for k in 0..count {
            self.next_case += 1;
            let seed = index + k * 7;
            self.data.cases.push(Case {
                id: CaseId(crm_id("500", &format!("case-{:04}", self.next_case))),
                number: format!("{:08}", 1000 + self.next_case),
                account_id: account_id.clone(),
                subject: CASE_SUBJECTS[seed % CASE_SUBJECTS.len()].to_owned(),
                description: format!(
                    "{} — reported by the customer's administrator; see the portal for details.",
                    CASE_SUBJECTS[seed % CASE_SUBJECTS.len()]
                ),
                status: [
                    CaseStatus::New,
                    CaseStatus::Working,
                    CaseStatus::Escalated,
                    CaseStatus::Closed,
                ][seed % 4],
                priority: [CasePriority::Low, CasePriority::Medium, CasePriority::High][seed % 3],
                created_at: self.instant((seed % 90) as i64),
                comments: Vec::new(),
            });
        }
    }

    /// An account's balance is what its posted invoices still ask for.
    fn balances(&mut self) {
        // One pass over the invoices: the load-test world has too many for a scan per account.
        let mut open: HashMap<&BillingAccountId, Decimal> = HashMap::new();
        for invoice in &self.data.invoices {
            if invoice.status == InvoiceStatus::Open {
                *open.entry(&invoice.account_id).or_insert(Decimal::ZERO) += invoice.balance.amount;
            }
        }
        for account in &mut self.data.billing_accounts {
            account.balance.amount = open.get(&account.id).copied().unwrap_or(Decimal::ZERO);
        }
    }

    fn audit_events(&mut self) {
        let user = |email: &str| {
            self.data
                .users
                .iter()
                .find(|u| u.email == email)
                .map(|u| u.id.clone())
        };
        let initech = self
            .data
            .customers
            .iter()
            .find(|c| c.name == "Initech")
            .map(|c| c.id.clone());
        let paula = user("paula@acme.example");
        let events = [
            (
                1,
                user("admin@platform.example"),
                "admin@platform.example",
                "user.activate",
                paula.as_ref().map(|u| u.global().encode()),
                Some("org-acme"),
                None,
            ),
            (
                2,
                paula.clone(),
                "paula@acme.example",
                "customer.update",
                initech.as_ref().map(|c| c.global().encode()),
                Some("org-acme"),
                initech.clone(),
            ),
            (
                3,
                user("carl@initech.example"),
                "carl@initech.example",
                "case.create",
                initech.as_ref().map(|c| c.global().encode()),
                Some("org-acme"),
                initech.clone(),
            ),
            (
                4,
                user("olga@globex.example"),
                "olga@globex.example",
                "user.suspend",
                user("suspended@globex.example").map(|u| u.global().encode()),
                Some("org-globex"),
                None,
            ),
            (
                5,
                user("dana@northwind.example"),
                "dana@northwind.example",
                "profile.update",
                Some(BuiltInProfile::Viewer.id().global().encode()),
                Some("org-northwind"),
                None,
            ),
        ];
        for (n, actor, email, action, target, org, customer) in events {
            self.data.audit_events.push(AuditEvent {
                id: AuditEventId(format!("audit-{n:04}")),
                at: self.instant(10 - n),
                actor_id: actor,
                actor_email: email.to_owned(),
                on_behalf_of: None,
                action: action.to_owned(),
                target: target.unwrap_or_default(),
                outcome: AuditOutcome::Success,
                request_id: format!("demo-{n:04}"),
                org_id: org.map(OrgId::from),
                customer_id: customer,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    use crate::principal::Scope;
    use std::collections::HashSet;

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
    fn crm_ids_have_salesforce_shape_and_checksum() {
        // Salesforce's documented example: 0015000000Gv7qJ is 0015000000Gv7qJAAR.
        assert_eq!(
            salesforce_id_suffix("0015000000Gv7qJ").as_deref(),
            Some("AAR")
        );
        let id = crm_id("500", "case-0001");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("500") && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(salesforce_id_suffix(&id[..15]).as_deref(), Some(&id[15..]));
        assert_ne!(id, crm_id("500", "case-0002"));
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
}
