//! Billing writes: paying an invoice with a stored payment method, and the lookup of the
//! account holder behind a billing account that every billing record (invoice, subscription)
//! is reached through.

use super::{Actor, Call, Writes};
use crate::error::{Error, Result};
use crate::ids::{BillingAccountId, InvoiceId, PaymentId, PaymentMethodId};
use crate::model::{AccountHolder, Money, NewPayment};
use crate::policy::write::{self as policy, Write};
use crate::traits::one;
use chrono::Utc;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A payment of one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayment {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// How much; the whole balance when absent.
    pub amount: Option<Decimal>,
    /// The currency the caller means; must be the invoice's when given.
    pub currency: Option<String>,
    /// The stored method to charge.
    pub payment_method_id: PaymentMethodId,
}

/// What paying an invoice did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// The payment.
    pub payment_id: PaymentId,
    /// The invoice, with its new balance.
    pub invoice_id: InvoiceId,
}

impl Writes {
    /// Pays (part of) an invoice with a stored payment method of the same account.
    pub async fn pay_invoice(&self, call: Call<'_, InvoicePayment>) -> Result<PaymentResult> {
        let (actor, input) = (call.actor, &call.input);
        self.journaled("payInvoice", &call, async |j| {
            let op_key = j.op.key.clone();
            policy::permit(actor.principal, Write::PayInvoice)?;
            let invoice = one(&input.invoice_id, |ids| self.c.billing.invoices(ids)).await?;
            let invoice = invoice.ok_or(Error::NotFound)?;
            let holder = self.billing_holder(actor, &invoice.account_id).await?;
            let method_id = &input.payment_method_id;
            let method = one(method_id, |ids| self.c.billing.payment_methods(ids)).await?;
            let method = method.ok_or(Error::NotFound)?;
            if method.account_id != invoice.account_id {
                // Another account's method: the policy decides whether the caller may learn so.
                let elsewhere = self.load_billing_holder(&method.account_id).await?;
                return Err(policy::payment_method_elsewhere(
                    actor.principal,
                    elsewhere.as_ref(),
                ));
            }
            if invoice.balance.amount <= Decimal::ZERO {
                return Err(Error::Conflict("the invoice is already paid".to_owned()));
            }
            if let Some(currency) = &input.currency {
                if !currency.eq_ignore_ascii_case(&invoice.balance.currency) {
                    return Err(Error::bad_input(
                        "currency",
                        format!("the invoice is in {}", invoice.balance.currency),
                    ));
                }
            }
            let amount = input.amount.unwrap_or(invoice.balance.amount);
            if amount <= Decimal::ZERO {
                return Err(Error::bad_input("amount", "the amount must be positive"));
            }
            if amount > invoice.balance.amount {
                return Err(Error::bad_input(
                    "amount",
                    format!(
                        "the amount exceeds the invoice's balance of {} {}",
                        invoice.balance.amount, invoice.balance.currency
                    ),
                ));
            }
            let payment = self
                .c
                .billing
                .apply_payment(
                    &format!("{op_key}/payment"),
                    &NewPayment {
                        invoice_id: invoice.id.clone(),
                        amount: Money::new(amount, invoice.balance.currency.clone()),
                        payment_method_id: method.id,
                        effective_date: Utc::now().date_naive(),
                    },
                )
                .await?;
            self.audit_target(actor, "invoice.pay", invoice.id.global(), &holder)
                .await;
            Ok(PaymentResult {
                payment_id: payment.id,
                invoice_id: invoice.id,
            })
        })
        .await
    }

    /// The holder of the billing account `id`, when the caller reaches it; `NOT_FOUND`
    /// otherwise, so that a record on an account out of reach answers like an unknown id.
    pub(super) async fn billing_holder(
        &self,
        actor: Actor<'_>,
        id: &BillingAccountId,
    ) -> Result<AccountHolder> {
        let found = self.load_billing_holder(id).await?;
        policy::reachable_holder(actor.principal, found)
    }

    /// The organization or customer billed under `id`, if any.
    async fn load_billing_holder(&self, id: &BillingAccountId) -> Result<Option<AccountHolder>> {
        one(id, |ids| self.c.directory.holders_by_billing_account(ids)).await
    }
}
