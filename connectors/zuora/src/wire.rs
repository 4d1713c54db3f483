//! Zuora's JSON, as Object Query, ZOQL and the write endpoints send it, and its conversion to
//! core's domain types. Nothing here leaves the crate.
//!
//! Tolerant where Zuora is loose: unknown fields (custom `…__c` fields included) are ignored,
//! null and absent mean the same, numbers may come quoted (ZOQL) or in scientific notation
//! (`0E-9`), dates may carry a time. Strict where it matters: amounts are parsed from their text
//! into decimals, never through a float, and a malformed amount or date fails the response.

use chrono::NaiveDate;
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::str::FromStr;

/// An amount from its JSON text (a number, or a string holding one).
fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().trim_matches('"').trim();
    let mut d = Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .ok()?
        .normalize();
    // JSON numbers lose trailing zeros (`27.0` → `27`); amounts show at least cents, as the
    // portal's other connectors give them.
    if d.scale() < 2 {
        d.rescale(2);
    }
    Some(d)
}

fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    opt_decimal(d).map(Option::unwrap_or_default)
}

fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw: Option<Box<RawValue>> = Option::deserialize(d)?;
    match raw.as_deref().map(RawValue::get) {
        None | Some("null") => Ok(None),
        Some(text) => parse_decimal(text)
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected a decimal amount")),
    }
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        // Dates sometimes come as date-times (`2024-11-10T17:35:45-08:00`): the date is theirs.
        Some(t) => NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| D::Error::custom("expected a date")),
    }
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    opt_date(d)?.ok_or_else(|| D::Error::custom("missing date"))
}

/// `true`, `"true"` or absent (`false`).
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let raw: Option<Box<RawValue>> = Option::deserialize(d)?;
    Ok(raw
        .as_deref()
        .map(RawValue::get)
        .is_some_and(|t| t.trim().trim_matches('"').eq_ignore_ascii_case("true")))
}

/// A whole count from a JSON number or string (quantities are decimals in Zuora).
fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use rust_decimal::prelude::ToPrimitive;
    Ok(opt_decimal(d)?.and_then(|q| q.round().to_i64()))
}

/// An account (`/object-query/accounts`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Account {
    pub id: String,
    pub account_number: String,
    pub name: String,
    #[serde(default, deserialize_with = "decimal")]
    pub balance: Decimal,
    pub currency: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The CRM account of the same holder (the Salesforce Account id).
    #[serde(default)]
    pub crm_id: Option<String>,
}

impl Account {
    pub fn into_core(self) -> BillingAccount {
        BillingAccount {
            id: BillingAccountId(self.id),
            account_number: self.account_number,
            name: self.name,
            balance: Money::new(self.balance, self.currency),
            parent_id: self.parent_id.map(BillingAccountId),
            // Zuora shows an unset `crmId` as `""` on some reads: no link either way.
            crm_id: self
                .crm_id
                .filter(|c| !c.trim().is_empty())
                .map(CrmAccountId::from),
        }
    }
}

/// A subscription (`/object-query/subscriptions`, rate plans and charges expanded).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Subscription {
    pub id: String,
    /// The subscription number (`A-S00000001`): Object Query calls it `name`.
    pub name: String,
    /// The subscription owner.
    pub account_id: String,
    #[serde(default)]
    pub invoice_owner_id: Option<String>,
    pub status: String,
    #[serde(default, deserialize_with = "opt_date")]
    pub term_start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_date")]
    pub subscription_start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_date")]
    pub contract_effective_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_date")]
    pub term_end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "flag")]
    pub auto_renew: bool,
    /// Amendments leave earlier versions behind; only the latest is the subscription.
    #[serde(default)]
    pub is_latest_version: Option<bool>,
    #[serde(default)]
    pub rate_plans: Vec<RatePlan>,
}

/// A rate plan of a subscription.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RatePlan {
    pub id: String,
    #[serde(default)]
    pub product_rate_plan_id: Option<String>,
    #[serde(default)]
    pub rate_plan_charges: Vec<RatePlanCharge>,
}

/// A charge of a subscription's rate plan.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RatePlanCharge {
    #[serde(default)]
    pub charge_number: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub quantity: Option<i64>,
}

impl Subscription {
    pub fn is_current(&self) -> bool {
        self.is_latest_version != Some(false)
    }

    /// The subscription's plan: partnergraph orders one product rate plan per subscription.
    pub fn plan(&self) -> Option<&RatePlan> {
        self.rate_plans.first()
    }

    /// Converts, taking the SKU from the catalog (`sku_of` a product rate plan).
    pub fn into_core(
        self,
        sku_of: impl Fn(&str) -> Option<String>,
    ) -> partnergraph_core::model::Subscription {
        let plan = self.plan();
        let offer = plan.and_then(|p| p.product_rate_plan_id.clone());
        let quantity = plan
            .map(|p| p.rate_plan_charges.iter().filter_map(|c| c.quantity).sum())
            .unwrap_or(0);
        let invoice_owner = match &self.invoice_owner_id {
            Some(owner) if owner != &self.account_id => InvoiceOwner::Partner,
            _ => InvoiceOwner::Customer,
        };
        partnergraph_core::model::Subscription {
            sku: offer.as_deref().and_then(sku_of).unwrap_or_default(),
            offer_id: offer.map(OfferId),
            status: subscription_status(&self.status),
            quantity,
            start_date: self
                .term_start_date
                .or(self.subscription_start_date)
                .or(self.contract_effective_date)
                .unwrap_or_default(),
            term_end_date: self.term_end_date,
            auto_renew: self.auto_renew,
            invoice_owner,
            id: SubscriptionId(self.id),
            number: self.name,
            account_id: BillingAccountId(self.account_id),
        }
    }
}

fn subscription_status(status: &str) -> SubscriptionStatus {
    match status.to_ascii_lowercase().as_str() {
        "active" => SubscriptionStatus::Active,
        "suspended" => SubscriptionStatus::Suspended,
        "cancelled" | "canceled" => SubscriptionStatus::Cancelled,
        "expired" => SubscriptionStatus::Expired,
        // "Pending Activation", "Pending Acceptance", "Draft".
        _ => SubscriptionStatus::Pending,
    }
}

/// An invoice (`/object-query/invoices`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Invoice {
    pub id: String,
    pub invoice_number: String,
    pub account_id: String,
    #[serde(deserialize_with = "date")]
    pub invoice_date: NaiveDate,
    #[serde(default, deserialize_with = "opt_date")]
    pub due_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "decimal")]
    pub amount: Decimal,
    #[serde(default, deserialize_with = "decimal")]
    pub balance: Decimal,
    #[serde(default)]
    pub currency: Option<String>,
    pub status: String,
}

impl Invoice {
    /// Converts; `currency` is the invoice's, or its account's where Zuora leaves it out.
    pub fn into_core(self, currency: String) -> partnergraph_core::model::Invoice {
        let status = match self.status.to_ascii_lowercase().as_str() {
            "draft" => InvoiceStatus::Draft,
            "canceled" | "cancelled" => InvoiceStatus::Canceled,
            // Posted: open while anything is owed.
            _ if self.balance > Decimal::ZERO => InvoiceStatus::Open,
            _ => InvoiceStatus::Paid,
        };
        partnergraph_core::model::Invoice {
            id: InvoiceId(self.id),
            number: self.invoice_number,
            account_id: BillingAccountId(self.account_id),
            due_date: self.due_date.unwrap_or(self.invoice_date),
            invoice_date: self.invoice_date,
            amount: Money::new(self.amount, currency.clone()),
            balance: Money::new(self.balance, currency),
            status,
        }
    }
}

/// A payment (`/object-query/payments`, or `POST /v1/payments`'s answer).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Payment {
    pub id: String,
    /// Object Query says `paymentNumber`; the create response, `number`.
    #[serde(alias = "number")]
    pub payment_number: String,
    pub account_id: String,
    #[serde(default, deserialize_with = "decimal")]
    pub amount: Decimal,
    #[serde(default, deserialize_with = "decimal")]
    pub refund_amount: Decimal,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(deserialize_with = "date")]
    pub effective_date: NaiveDate,
    pub status: String,
    #[serde(default)]
    pub payment_method_id: Option<String>,
}

impl Payment {
    /// Converts, with the invoice the payment was applied to and the account's currency where
    /// the payment does not carry one.
    pub fn into_core(
        self,
        invoice: Option<String>,
        currency: String,
    ) -> partnergraph_core::model::Payment {
        let status = match self.status.to_ascii_lowercase().as_str() {
            "processed" if self.refund_amount > Decimal::ZERO => PaymentStatus::Refunded,
            "processed" | "processing" => PaymentStatus::Processed,
            // Error, Canceled, Voided.
            _ => PaymentStatus::Error,
        };
        partnergraph_core::model::Payment {
            id: PaymentId(self.id),
            number: self.payment_number,
            account_id: BillingAccountId(self.account_id),
            amount: Money::new(self.amount, currency),
            effective_date: self.effective_date,
            status,
            payment_method_id: self.payment_method_id.map(PaymentMethodId),
            invoice_id: invoice.map(InvoiceId),
        }
    }
}

/// A ZOQL `InvoicePayment` row: how much of a payment went to an invoice.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InvoicePayment {
    pub invoice_id: String,
    pub payment_id: String,
    #[serde(default, deserialize_with = "decimal")]
    pub amount: Decimal,
}

/// A payment method (`/object-query/payment-methods`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentMethod {
    pub id: String,
    pub account_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "flag")]
    pub is_default: bool,
    #[serde(default)]
    pub credit_card_type: Option<String>,
    #[serde(default)]
    pub credit_card_mask_number: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub credit_card_expiration_month: Option<i64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub credit_card_expiration_year: Option<i64>,
    #[serde(default)]
    pub bank_transfer_account_number_mask: Option<String>,
    #[serde(default)]
    pub ach_account_number_mask: Option<String>,
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub ach_bank_name: Option<String>,
}

fn last4(mask: Option<&str>) -> Option<String> {
    let digits: String = mask?.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_owned())
}

impl PaymentMethod {
    pub fn into_core(self) -> partnergraph_core::model::PaymentMethod {
        let kind = match self.kind.as_str() {
            "CreditCard" | "CreditCardReferenceTransaction" | "DebitCard" => {
                PaymentMethodType::CreditCard
            }
            k if k.starts_with("PayPal") => PaymentMethodType::PayPal,
            _ => PaymentMethodType::BankTransfer,
        };
        let (brand, last4, expires) = match kind {
            PaymentMethodType::CreditCard => (
                self.credit_card_type,
                last4(self.credit_card_mask_number.as_deref()),
                self.credit_card_expiration_year
                    .zip(self.credit_card_expiration_month)
                    .map(|(y, m)| format!("{y}-{m:02}")),
            ),
            PaymentMethodType::BankTransfer => (
                self.bank_name.or(self.ach_bank_name),
                last4(
                    self.bank_transfer_account_number_mask
                        .or(self.ach_account_number_mask)
                        .as_deref(),
                ),
                None,
            ),
            PaymentMethodType::PayPal => (None, None, None),
        };
        partnergraph_core::model::PaymentMethod {
            id: PaymentMethodId(self.id),
            account_id: BillingAccountId(self.account_id),
            kind,
            brand,
            last4,
            expires,
            is_default: self.is_default,
        }
    }
}

/// A product (`/object-query/products`).
#[derive(Debug, Deserialize)]
pub(crate) struct Product {
    pub id: String,
    /// Object Query spells it `sKU`; tolerate the other spellings.
    #[serde(rename = "sKU", alias = "sku", alias = "SKU")]
    pub sku: String,
}

/// A product rate plan (`/object-query/product-rate-plans`): an offer. The offer's portal
/// attributes live in custom fields, as tenants model them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProductRatePlan {
    pub id: String,
    pub product_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub product_rate_plan_number: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(rename = "OfferCode__c", default)]
    pub offer_code: Option<String>,
    #[serde(rename = "SalesChannel__c", default)]
    pub sales_channel: Option<String>,
    /// Comma-separated portal organization ids.
    #[serde(rename = "EligiblePartners__c", default)]
    pub eligible_partners: Option<String>,
}

/// A product rate plan charge: the per-seat price of a plan.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProductRatePlanCharge {
    pub id: String,
    pub product_rate_plan_id: String,
    #[serde(default)]
    pub billing_period: Option<String>,
    #[serde(default, deserialize_with = "opt_count")]
    pub min_quantity: Option<i64>,
    #[serde(default, deserialize_with = "opt_count")]
    pub max_quantity: Option<i64>,
}

/// A price tier of a product rate plan charge.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeTier {
    pub product_rate_plan_charge_id: String,
    pub currency: String,
    #[serde(default, deserialize_with = "decimal")]
    pub price: Decimal,
}

impl ProductRatePlan {
    /// The offer this plan is, with its product's SKU and its charge's price and period.
    pub fn into_offer(
        self,
        sku: String,
        charge: Option<&ProductRatePlanCharge>,
        tier: Option<&ChargeTier>,
    ) -> Offer {
        Offer {
            code: self
                .offer_code
                .or(self.product_rate_plan_number)
                .unwrap_or_else(|| self.id.clone()),
            id: OfferId(self.id),
            name: self.name,
            label: self.description.filter(|d| !d.is_empty()),
            sales_channel: self.sales_channel.unwrap_or_default(),
            eligible_partner_ids: self
                .eligible_partners
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(OrgId::from)
                .collect(),
            sku,
            price: tier.map_or_else(
                || Money::new(Decimal::ZERO, ""),
                |t| Money::new(t.price, t.currency.clone()),
            ),
            billing_period: match charge.and_then(|c| c.billing_period.as_deref()) {
                Some("Annual" | "Year" | "Annually") => BillingPeriod::Annual,
                _ => BillingPeriod::Monthly,
            },
            min_seats: charge.and_then(|c| c.min_quantity).unwrap_or(1),
            max_seats: charge.and_then(|c| c.max_quantity),
        }
    }
}

/// `POST /v1/accounts`'s answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountCreated {
    pub account_id: String,
    pub account_number: String,
}

/// `POST /v1/orders?returnIds=true`'s answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderCreated {
    #[serde(default)]
    pub subscription_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_from_their_text_not_through_a_float() {
        let invoice: Invoice = serde_json::from_str(
            r#"{"id":"i","invoiceNumber":"INV1","accountId":"a","invoiceDate":"2026-01-01",
                "amount":0.1000000000000000055511151231257827,"balance":"12.30","status":"Posted",
                "Custom__c":null}"#,
        )
        .expect("parses");
        assert_eq!(invoice.amount.to_string(), "0.1000000000000000055511151231");
        assert_eq!(invoice.balance.to_string(), "12.30");
        let zero: Account = serde_json::from_str(
            r#"{"id":"a","accountNumber":"A1","name":"n","currency":"USD","balance":0E-9}"#,
        )
        .expect("parses");
        assert_eq!(zero.balance, Decimal::ZERO);
    }

    #[test]
    fn an_account_s_crm_id_is_its_crm_link_and_an_empty_one_is_none() {
        let account = |crm: &str| {
            let json =
                format!(r#"{{"id":"a","accountNumber":"A1","name":"n","currency":"USD"{crm}}}"#);
            serde_json::from_str::<Account>(&json)
                .expect("parses")
                .into_core()
                .crm_id
        };
        assert_eq!(
            account(r#","crmId":"001Dp000001abcdEAA""#),
            Some(CrmAccountId::from("001Dp000001abcdEAA"))
        );
        assert_eq!(account(r#","crmId":"""#), None);
        assert_eq!(account(r#","crmId":null"#), None);
        assert_eq!(account(""), None);
    }

    #[test]
    fn a_malformed_amount_or_date_fails_the_record() {
        let bad_amount = r#"{"id":"i","invoiceNumber":"N","accountId":"a","invoiceDate":"2026-01-01","amount":"lots","status":"Posted"}"#;
        assert!(serde_json::from_str::<Invoice>(bad_amount).is_err());
        let bad_date = r#"{"id":"i","invoiceNumber":"N","accountId":"a","invoiceDate":"01/02/2026","status":"Posted"}"#;
        assert!(serde_json::from_str::<Invoice>(bad_date).is_err());
    }

    #[test]
    fn zoql_rows_with_quoted_numbers_parse() {
        let row: InvoicePayment =
            serde_json::from_str(r#"{"InvoiceId":"i","PaymentId":"p","Amount":"10.5"}"#)
                .expect("parses");
        assert_eq!(row.amount, Decimal::new(105, 1));
    }
}
