//! The benchmark's load world: the demo world plus a channel big enough to fill the caches the
//! demo's 120 customers leave nearly empty. Kept apart from the demo channel so that nothing a
//! persona sees (and no test built on it) changes when the load channel grows.

use crate::world::Generator;
use chrono::NaiveDate;
use partnergraph_core::demo::DemoData;
use partnergraph_core::model::{InvoiceOwner, Membership, OrgKind, Organization, UserStatus};
use partnergraph_core::permission::BuiltInProfile;

/// The distributor of [`generate_with_load`]'s load-test channel.
pub const LOAD_DISTRIBUTOR: &str = "org-loadline";
/// The load-test distributor's admin (`DISTRIBUTOR_ADMIN`), whom benchmarks load the large
/// world as. Not one of the [`PERSONAS`](crate::PERSONAS): the demo's documentation and links leave it out.
pub const LOAD_ADMIN: &str = "lee@loadline.example";
/// Partners of the load-test distributor; its customers are dealt to them in turn.
const LOAD_PARTNERS: usize = 8;

/// [`generate`](crate::generate)'s world, unchanged (the same records under the same ids, first in every list),
/// plus a load-test channel, so that a benchmark can fill caches the demo's 120 customers leave
/// nearly empty: the distributor [`LOAD_DISTRIBUTOR`], its admin [`LOAD_ADMIN`], a few partners
/// and `customers` end customers among them, each generated as the demo's own are (billing and
/// CRM accounts, subscriptions, invoices, payments, payment methods, a contact, cases, now and
/// then a customer user). The channel is outside every persona's (the platform admin, who sees
/// everything, aside), so their pages, and the tests built on them, stay as they are.
/// Deterministic like [`generate`](crate::generate).
pub fn generate_with_load(today: NaiveDate, customers: usize) -> DemoData {
    Generator::new(today).run(Some(customers))
}

impl Generator {
    /// [`generate_with_load`]'s channel: a distributor, its admin, [`LOAD_PARTNERS`] partners
    /// that bill their customers directly (so that every customer has invoices and payments of
    /// its own), and `customers` customers dealt to them in turn.
    pub(crate) fn load_channel(&mut self, customers: usize) {
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
}
