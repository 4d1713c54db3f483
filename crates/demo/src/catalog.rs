//! The demo catalog: nine offers over three sales channels, two of them restricted to one
//! partner, one on a retiring channel nobody sells, so that eligibility has something to decide.

use crate::ids::billing_id;
use crate::world::{money, Generator};
use partnergraph_core::ids::{OfferId, OrgId};
use partnergraph_core::model::{BillingPeriod, Offer};

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

impl Generator {
    pub(crate) fn offers(&mut self) {
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
}
