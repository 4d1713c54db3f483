//! [`Billing`] on the local store: billing accounts, subscriptions, invoices, payments and
//! payment methods, as the embedded stand-in for a billing system (`serve --demo`).
//!
//! Creates derive their ids from the journal step's key, so a resumed step finds what it
//! created; a payment is applied in one transaction with the invoice and account it lowers.

use crate::rows::Table;
use crate::statements::{by_key_in, eq, insert, local_impl, upsert};
use crate::{CoreResult, LocalError, LocalStore};
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::traits::Billing;
use partnergraph_core::write::derived_id;
use sea_orm::sea_query::Cond;
use sea_orm::TransactionTrait;

local_impl! {
    impl Billing {
        reads {
            accounts(&[BillingAccountId]) -> Vec<BillingAccount> by "id";
            subscriptions(&[SubscriptionId]) -> Vec<Subscription> by "id";
            subscriptions_for_accounts(&[BillingAccountId]) -> Vec<Subscription> by "account_id";
            invoices(&[InvoiceId]) -> Vec<Invoice> by "id";
            invoices_for_accounts(&[BillingAccountId]) -> Vec<Invoice> by "account_id";
            payments(&[PaymentId]) -> Vec<Payment> by "id";
            payments_for_accounts(&[BillingAccountId]) -> Vec<Payment> by "account_id";
            payment_methods(&[PaymentMethodId]) -> Vec<PaymentMethod> by "id";
            payment_methods_for_accounts(&[BillingAccountId]) -> Vec<PaymentMethod>
                by "account_id";
        }
        account_lists {
            list_subscriptions(BillingAccountId) -> Page<Subscription>;
            list_invoices(BillingAccountId) -> Page<Invoice>;
        }

        writes {
            async fn create_billing_account(
                &self,
                key: &str,
                account: &NewBillingAccount,
            ) -> CoreResult<BillingAccount> {
                let (id, account_number) = numbered("ba", key, 'A');
                let account = BillingAccount {
                    account_number,
                    id: BillingAccountId::from(id),
                    name: account.name.clone(),
                    balance: Money::new(rust_decimal::Decimal::ZERO, account.currency.clone()),
                    parent_id: account.parent_id.clone(),
                    crm_id: None,
                };
                Ok(self.insert_if_absent(&account).await?)
            }

            async fn link_crm_account(
                &self,
                id: &BillingAccountId,
                crm: &CrmAccountId,
            ) -> CoreResult<()> {
                let txn = self.db.begin().await.map_err(LocalError::from)?;
                let Some(mut account) = by_key_in::<BillingAccount>(&txn, id.as_str()).await? else {
                    return Err(partnergraph_core::Error::NotFound);
                };
                account.crm_id = Some(crm.clone());
                upsert(&txn, &[account]).await?;
                txn.commit().await.map_err(LocalError::from)?;
                Ok(())
            }

            async fn delete_billing_account(&self, id: &BillingAccountId) -> CoreResult<Removed> {
                let txn = self.db.begin().await.map_err(LocalError::from)?;
                let id = id.as_str();
                let owned = |table| LocalStore::delete_rows(&txn, table, "account_id", id);
                let removed = Removed {
                    subscriptions: owned(Table::Subscriptions).await?,
                    invoices: owned(Table::Invoices).await?,
                    payments: owned(Table::Payments).await?,
                    payment_methods: owned(Table::PaymentMethods).await?,
                    ..Removed::default()
                };
                Self::delete_rows(&txn, Table::BillingAccounts, "id", id).await?;
                txn.commit().await.map_err(LocalError::from)?;
                Ok(removed)
            }

            async fn create_subscription(
                &self,
                key: &str,
                new: &NewSubscription,
            ) -> CoreResult<Subscription> {
                let (id, number) = numbered("sub", key, 'S');
                let subscription = Subscription {
                    number,
                    id: SubscriptionId::from(id),
                    account_id: new.account_id.clone(),
                    offer_id: Some(new.offer.id.clone()),
                    sku: new.offer.sku.clone(),
                    status: SubscriptionStatus::Active,
                    quantity: new.quantity,
                    start_date: new.start_date,
                    // One-year terms, billed monthly or annually as the offer says.
                    term_end_date: new.start_date.checked_add_months(chrono::Months::new(12)),
                    auto_renew: true,
                    invoice_owner: new.invoice_owner,
                };
                Ok(self.insert_if_absent(&subscription).await?)
            }

            async fn update_subscription(
                &self,
                _key: &str,
                desired: &Subscription,
            ) -> CoreResult<Subscription> {
                // The local store applies the desired state in one statement, so a retry is harmless.
                self.save(desired).await?;
                Ok(desired.clone())
            }

            async fn delete_subscription(&self, id: &SubscriptionId) -> CoreResult<()> {
                Self::delete_rows(&self.db, Table::Subscriptions, "id", id.as_str()).await?;
                Ok(())
            }

            async fn apply_payment(&self, key: &str, new: &NewPayment) -> CoreResult<Payment> {
                let (id, number) = numbered("pay", key, 'P');
                let id = PaymentId::from(id);
                let txn = self.db.begin().await.map_err(LocalError::from)?;
                if let Some(payment) = by_key_in::<Payment>(&txn, id.as_str()).await? {
                    return Ok(payment);
                }
                let mut invoice: Invoice = by_key_in(&txn, new.invoice_id.as_str())
                    .await?
                    .ok_or(partnergraph_core::Error::NotFound)?;
                if new.amount.amount > invoice.balance.amount
                    || new.amount.currency != invoice.balance.currency
                {
                    // Checked again inside the transaction: a concurrent payment may have lowered it.
                    return Err(partnergraph_core::Error::Conflict(
                        "the invoice's balance changed; fetch it and try again".to_owned(),
                    ));
                }
                invoice.balance.amount -= new.amount.amount;
                if invoice.balance.amount.is_zero() {
                    invoice.status = InvoiceStatus::Paid;
                }
                let payment = Payment {
                    number,
                    id,
                    account_id: invoice.account_id.clone(),
                    amount: new.amount.clone(),
                    effective_date: new.effective_date,
                    status: PaymentStatus::Processed,
                    payment_method_id: Some(new.payment_method_id.clone()),
                    invoice_id: Some(invoice.id.clone()),
                };
                insert(&txn, std::slice::from_ref(&payment)).await?;
                upsert(&txn, std::slice::from_ref(&invoice)).await?;
                let account: Option<BillingAccount> =
                    by_key_in(&txn, invoice.account_id.as_str()).await?;
                if let Some(mut account) = account {
                    account.balance.amount -= new.amount.amount;
                    upsert(&txn, std::slice::from_ref(&account)).await?;
                }
                txn.commit().await.map_err(LocalError::from)?;
                Ok(payment)
            }
        }

        async fn account_by_number(&self, number: &str) -> CoreResult<Option<BillingAccount>> {
            let accounts: Vec<BillingAccount> = self
                .fetch(Cond::all().add(eq("account_number", number)))
                .await?;
            Ok(accounts.into_iter().next())
        }

    }
}

/// The id a create keyed by `key` derives (`prefix` and a hash), and the record number derived
/// from that id (`letter` and eight digits), like the numbers billing systems and CRMs hand out.
pub(crate) fn numbered(prefix: &str, key: &str, letter: char) -> (String, String) {
    let id = derived_id(prefix, key);
    let digits: u64 = id.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let number = format!("{letter}{:08}", digits % 100_000_000);
    (id, number)
}
