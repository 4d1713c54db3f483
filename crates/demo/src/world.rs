//! The generator that walks the demo world into being: the channel of distributors and partners
//! with their operators and customers, in a fixed order, so that every id and number comes out
//! the same on every run. The records of each kind are made by the sibling modules (`parties`,
//! `catalog`, `billing`, `activity`), each adding methods to [`Generator`].

use crate::cast::{DISTRIBUTORS, PARTNERS};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use partnergraph_core::demo::DemoData;
use partnergraph_core::ids::OrgId;
use partnergraph_core::model::{InvoiceOwner, Membership, Money, OrgKind, UserStatus};
use partnergraph_core::permission::BuiltInProfile;
use rust_decimal::Decimal;

/// Generates the demo world. Deterministic: the same `today` always gives the same data, and
/// ids do not depend on `today` at all, so links and tokens survive a reseed.
pub fn generate(today: NaiveDate) -> DemoData {
    Generator::new(today).run(None)
}

/// The world under construction, and the counters that number its records in creation order.
pub(crate) struct Generator {
    pub(crate) today: NaiveDate,
    pub(crate) data: DemoData,
    pub(crate) next_account_number: u32,
    pub(crate) next_subscription: u32,
    pub(crate) next_invoice: u32,
    pub(crate) next_payment: u32,
    pub(crate) next_case: u32,
}

/// `cents` hundredths of `currency`.
pub(crate) fn money(cents: i64, currency: &str) -> Money {
    Money::new(Decimal::new(cents, 2), currency)
}

/// `name` reduced to lower-case ASCII letters and digits, for e-mail domains.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

impl Generator {
    pub(crate) fn new(today: NaiveDate) -> Self {
        Self {
            today,
            data: DemoData {
                profiles: BuiltInProfile::ALL.iter().map(|p| p.profile()).collect(),
                ..DemoData::default()
            },
            next_account_number: 0,
            next_subscription: 0,
            next_invoice: 0,
            next_payment: 0,
            next_case: 0,
        }
    }

    pub(crate) fn day(&self, offset: i64) -> NaiveDate {
        self.today + Duration::days(offset)
    }

    pub(crate) fn instant(&self, days_ago: i64) -> DateTime<Utc> {
        let date = self.day(-days_ago);
        date.and_hms_opt(9, 30, 0).unwrap_or_default().and_utc()
    }

    /// The demo world, with a load-test channel of `load_customers` customers when asked for.
    pub(crate) fn run(mut self, load_customers: Option<usize>) -> DemoData {
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
}
