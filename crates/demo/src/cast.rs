//! The cast of the demo world: the documented personas, the distributors and partners of the
//! channel, and the name pools customers, contacts and cases draw from. Data only; the
//! generator in `world` decides who gets what.

use partnergraph_core::model::InvoiceOwner;

/// The password `partnergraph serve --demo` gives each persona for the portal's sign-in page.
/// Public on purpose: the demo dataset is for trying the gateway, never for production.
pub const PERSONA_PASSWORD: &str = "partnergraph-demo";

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
pub(crate) const ACME_CUSTOMERS: usize = 50;
/// Customers sold by each of the other partners.
pub(crate) const OTHER_CUSTOMERS: usize = 14;

/// First words of customer names.
pub(crate) const ADJECTIVES: [&str; 20] = [
    "Amber", "Bright", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
    "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz", "Redwood", "Summit",
    "Tidal",
];
/// Second words of customer names.
pub(crate) const NOUNS: [&str; 8] = [
    "Analytics",
    "Bakery",
    "Clinics",
    "Dental",
    "Engineering",
    "Freight",
    "Gardens",
    "Hotels",
];
/// First names of contacts and customer users.
pub(crate) const FIRST_NAMES: [&str; 10] = [
    "Alice", "Bruno", "Chen", "Divya", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Jules",
];
/// Last names of contacts and customer users.
pub(crate) const LAST_NAMES: [&str; 10] = [
    "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Ulrich", "Vega", "Weber",
];
/// Subjects of support cases.
pub(crate) const CASE_SUBJECTS: [&str; 6] = [
    "Cannot add seats",
    "Invoice amount looks wrong",
    "Password reset email not received",
    "Backup job failing nightly",
    "Request to change billing contact",
    "Mailbox migration stuck",
];

/// A partner of the demo channel and how many customers it sells to.
pub(crate) struct PartnerSpec {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) slug: &'static str,
    pub(crate) distributor: usize,
    pub(crate) invoice_owner: InvoiceOwner,
    pub(crate) customers: usize,
}

/// The two distributors at the top of the demo channel.
pub(crate) const DISTRIBUTORS: [(&str, &str, &str, &str, &str); 2] = [
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

/// The partners under the distributors.
pub(crate) const PARTNERS: [PartnerSpec; 6] = [
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

/// Distinct adjective and noun pairs of customer names.
pub(crate) const NAME_PAIRS: usize = ADJECTIVES.len() * NOUNS.len();

/// Customer `index`'s name: an adjective and a noun, then, once the pairs run out (only the
/// load-test channel has that many customers), the round, so that names stay unique.
pub(crate) fn customer_name(index: usize) -> String {
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
