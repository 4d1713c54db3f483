//! The billing side of the demo world: payment methods, subscriptions, three months of invoices
//! with their payments, and account balances that add up to what the open invoices ask for.

use crate::ids::billing_id;
use crate::world::Generator;
use chrono::Duration;
use partnergraph_core::ids::{
    BillingAccountId, InvoiceId, PaymentId, PaymentMethodId, SubscriptionId,
};
use partnergraph_core::model::{
    BillingPeriod, ExternalIds, Invoice, InvoiceStatus, Money, Offer, Organization, Payment,
    PaymentMethod, PaymentMethodType, PaymentStatus, Subscription, SubscriptionStatus,
};
use rust_decimal::Decimal;
use std::collections::HashMap;

impl Generator {
    pub(crate) fn payment_method(
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

    pub(crate) fn subscriptions(
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

    pub(crate) fn monthly_charge(&self, subscriptions: &[Subscription]) -> Decimal {
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
    pub(crate) fn invoices(
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
    pub(crate) fn partner_invoices(&mut self, partner: &Organization, currency: &str) {
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

    /// An account's balance is what its posted invoices still ask for.
    pub(crate) fn balances(&mut self) {
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
}
