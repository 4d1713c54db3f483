//! The demo world's billing side as Zuora objects, by Object Query name: accounts (with the
//! CRM ids that link them to Salesforce), subscriptions with their rate plans, invoices,
//! payments, payment methods, ZOQL's invoice-payment links, and the product catalog built
//! from the demo's offers. The demo's billing ids are Zuora-shaped, so they are kept.

use super::subscriptions::{rate_plans, RATE_PLANS};
use super::wire::{number, timestamp};
use super::{Zuora, INVOICE_PAYMENTS};
use crate::indexed::Rows;
use partnergraph_core::demo::DemoData;
use partnergraph_core::model::*;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// A stored row per catalog object: products, product rate plans, charges, price tiers.
type Catalog = (Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>);

/// The demo offers as Zuora's product catalog: a product per SKU, a product rate plan per offer
/// (the portal's sales channel, eligible partners and offer code as custom fields, as tenants
/// model them), one per-unit recurring "Seats" charge per plan, and its price tier.
fn catalog(demo: &DemoData, created: &str) -> Catalog {
    let (mut products, mut plans, mut charges, mut tiers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut skus: Vec<&str> = demo.offers.iter().map(|o| o.sku.as_str()).collect();
    skus.sort_unstable();
    skus.dedup();
    for (n, sku) in skus.iter().enumerate() {
        products.push(json!({
            "id": Zuora::zuora_id(&format!("product:{sku}")), "name": sku, "sKU": sku,
            "productNumber": format!("PC-{:08}", n + 1), "state": "Active",
            "effectiveStartDate": "2020-01-01", "effectiveEndDate": "2099-12-31",
            "createdDate": created, "updatedDate": created,
        }));
    }
    for (n, offer) in demo.offers.iter().enumerate() {
        let plan_id = offer.id.as_str();
        let charge_id = Zuora::product_rate_plan_charge_id(offer.id.as_str());
        let partners: Vec<&str> = offer
            .eligible_partner_ids
            .iter()
            .map(|p| p.as_str())
            .collect();
        plans.push(json!({
            "id": plan_id, "productId": Zuora::zuora_id(&format!("product:{}", offer.sku)),
            "name": offer.name, "description": offer.label, "productRatePlanNumber": format!("PRP-{:08}", n + 1),
            "state": "Active", "effectiveStartDate": "2020-01-01", "effectiveEndDate": "2099-12-31",
            "OfferCode__c": offer.code, "SalesChannel__c": offer.sales_channel,
            "EligiblePartners__c": partners.join(","), "createdDate": created, "updatedDate": created,
        }));
        charges.push(json!({
            "id": charge_id, "productRatePlanId": plan_id, "name": "Seats", "chargeModel": "Per Unit Pricing",
            "chargeType": "Recurring",
            "billingPeriod": match offer.billing_period { BillingPeriod::Monthly => "Month", BillingPeriod::Annual => "Annual" },
            "uOM": "Seat", "defaultQuantity": offer.min_seats, "minQuantity": offer.min_seats,
            "maxQuantity": offer.max_seats, "createdDate": created, "updatedDate": created,
        }));
        tiers.push(json!({
            "id": Zuora::zuora_id(&format!("tier:{}", offer.id)), "productRatePlanChargeId": charge_id,
            "currency": offer.price.currency, "price": number(offer.price.amount), "priceFormat": "Per Unit",
            "tier": 1, "startingUnit": 0, "active": true, "isDefault": true,
            "createdDate": created, "updatedDate": created,
        }));
    }
    (products, plans, charges, tiers)
}

/// The demo world's billing side as Zuora objects, by Object Query name.
pub(super) fn seed(demo: &DemoData) -> Rows<Value> {
    // The demo gives billing records Zuora-shaped ids, so the sandbox keeps them.
    let id = Value::from;
    let crm_of: HashMap<&str, &str> = demo
        .customers
        .iter()
        .map(|c| &c.external)
        .chain(demo.organizations.iter().map(|o| &o.external))
        .filter_map(|e| Some((e.billing.as_ref()?.as_str(), e.crm.as_ref()?.as_str())))
        .collect();
    let created = timestamp(chrono::Utc::now() - chrono::Duration::days(400));
    let accounts = demo
        .billing_accounts
        .iter()
        .map(|a| {
            json!({
                "id": id(a.id.as_str()), "accountNumber": a.account_number, "name": a.name,
                "balance": number(a.balance.amount), "currency": a.balance.currency,
                "status": "Active", "billCycleDay": 1, "autoPay": false,
                "parentId": a.parent_id.as_ref().map(|p| id(p.as_str())),
                "crmId": crm_of.get(a.id.as_str()), "createdDate": created, "updatedDate": created,
            })
        })
        .collect();
    let parent: HashMap<&str, Option<&str>> = demo
        .billing_accounts
        .iter()
        .map(|a| (a.id.as_str(), a.parent_id.as_ref().map(|p| p.as_str())))
        .collect();
    let subscriptions = demo
        .subscriptions
        .iter()
        .map(|s| {
            let owner = match s.invoice_owner {
                InvoiceOwner::Partner => parent.get(s.account_id.as_str()).copied().flatten(),
                InvoiceOwner::Customer => None,
            }
            .unwrap_or(s.account_id.as_str());
            let offer = s.offer_id.as_ref().map_or("", |o| o.as_str());
            json!({
                "id": id(s.id.as_str()), "name": s.number, "accountId": id(s.account_id.as_str()),
                "invoiceOwnerId": id(owner), "status": subscription_status(s.status),
                "termType": "TERMED", "termStartDate": s.start_date.to_string(),
                "termEndDate": s.term_end_date.map(|d| d.to_string()), "autoRenew": s.auto_renew,
                "createdDate": created, "updatedDate": created,
                RATE_PLANS: rate_plans(s.id.as_str(), offer, s.quantity),
            })
        })
        .collect();
    let invoices = demo
        .invoices
        .iter()
        .map(|i| {
            json!({
                "id": id(i.id.as_str()), "invoiceNumber": i.number,
                "accountId": id(i.account_id.as_str()), "invoiceDate": i.invoice_date.to_string(),
                "dueDate": i.due_date.to_string(), "amount": number(i.amount.amount),
                "balance": number(i.balance.amount), "currency": i.amount.currency,
                "status": invoice_status(i.status), "createdDate": created, "updatedDate": created,
            })
        })
        .collect();
    let payments = demo
        .payments
        .iter()
        .map(|p| {
            let refunded = p.status == PaymentStatus::Refunded;
            json!({
                "id": id(p.id.as_str()), "paymentNumber": p.number,
                "accountId": id(p.account_id.as_str()), "amount": number(p.amount.amount),
                "currency": p.amount.currency, "effectiveDate": p.effective_date.to_string(),
                "status": payment_status(p.status),
                "refundAmount": if refunded { number(p.amount.amount) } else { Value::from(0) },
                "type": "Electronic",
                "paymentMethodId": p.payment_method_id.as_ref().map(|m| id(m.as_str())),
                "createdDate": created, "updatedDate": created,
            })
        })
        .collect();
    let methods = demo
        .payment_methods
        .iter()
        .map(|m| {
            let mut row = Map::new();
            row.insert("id".into(), id(m.id.as_str()));
            row.insert("accountId".into(), id(m.account_id.as_str()));
            row.insert("isDefault".into(), Value::from(m.is_default));
            row.insert("status".into(), Value::from("Active"));
            row.insert("createdDate".into(), Value::from(created.clone()));
            match m.kind {
                PaymentMethodType::CreditCard => {
                    row.insert("type".into(), Value::from("CreditCard"));
                    row.insert(
                        "creditCardType".into(),
                        Value::from(m.brand.clone().unwrap_or_else(|| "Visa".to_owned())),
                    );
                    row.insert(
                        "creditCardMaskNumber".into(),
                        Value::from(format!(
                            "************{}",
                            m.last4.clone().unwrap_or_default()
                        )),
                    );
                    if let Some((year, month)) =
                        m.expires.as_deref().and_then(|e| e.split_once('-'))
                    {
                        row.insert(
                            "creditCardExpirationMonth".into(),
                            month.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                        );
                        row.insert(
                            "creditCardExpirationYear".into(),
                            year.parse::<i64>().map(Value::from).unwrap_or(Value::Null),
                        );
                    }
                }
                PaymentMethodType::BankTransfer => {
                    row.insert("type".into(), Value::from("ACH"));
                    row.insert(
                        "bankTransferAccountNumberMask".into(),
                        Value::from(format!("*****{}", m.last4.clone().unwrap_or_default())),
                    );
                }
                PaymentMethodType::PayPal => {
                    row.insert("type".into(), Value::from("PayPalNativeEC"));
                }
            }
            Value::Object(row)
        })
        .collect();
    let invoice_payments = demo
        .payments
        .iter()
        .filter_map(|p| {
            let invoice = p.invoice_id.as_ref()?;
            Some(json!({ "Id": Zuora::zuora_id(&format!("invoice-payment:{}", p.id)),
                "InvoiceId": invoice.as_str(), "PaymentId": p.id.as_str(), "Amount": number(p.amount.amount) }))
        })
        .collect();
    let (products, plans, charges, tiers) = catalog(demo, &created);
    HashMap::from([
        (INVOICE_PAYMENTS, invoice_payments),
        ("products", products),
        ("product-rate-plans", plans),
        ("product-rate-plan-charges", charges),
        ("product-rate-plan-charge-tiers", tiers),
        ("accounts", accounts),
        ("subscriptions", subscriptions),
        ("invoices", invoices),
        ("payments", payments),
        ("payment-methods", methods),
    ])
}

/// A subscription's status as Zuora names it.
fn subscription_status(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Pending => "Pending Activation",
        SubscriptionStatus::Active => "Active",
        SubscriptionStatus::Suspended => "Suspended",
        SubscriptionStatus::Cancelled => "Cancelled",
        SubscriptionStatus::Expired => "Expired",
    }
}

/// An invoice's status as Zuora names it: a paid invoice is still `Posted`, with no balance.
fn invoice_status(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Draft => "Draft",
        InvoiceStatus::Open | InvoiceStatus::Paid => "Posted",
        InvoiceStatus::Canceled => "Canceled",
    }
}

/// A payment's status as Zuora names it: a refunded payment stays `Processed`, with a
/// `refundAmount`.
fn payment_status(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Error => "Error",
        PaymentStatus::Processed | PaymentStatus::Refunded => "Processed",
    }
}
