//! `POST /v1/payments`: a payment on an account, applied to some of its invoices. The
//! applications are checked before anything changes (the invoices exist, belong to the
//! account, and hold the balance applied), then the invoices' and the account's balances drop
//! and ZOQL's `InvoicePayment` rows record which invoice got how much.

use super::accounts::keyed;
use super::wire::{cannot_find, cents, now, refused, Write};
use super::{Zuora, INVOICE_PAYMENTS};
use crate::control::lock;
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

/// Whether `invoice` is the one `key` names, by id or by invoice number.
fn keyed_invoice(invoice: &Value, key: &str) -> bool {
    invoice["id"] == key || invoice["invoiceNumber"] == key
}

/// `POST /v1/payments`: a payment on an account, applied to some of its invoices, lowering
/// their balances and the account's.
pub(super) async fn create_payment(State(z): State<Arc<Zuora>>, write: Write) -> Response {
    write.idempotent(&z, "/v1/payments", |body| {
        let mut objects = lock(&z.objects);
        let key = body["accountId"]
            .as_str()
            .or_else(|| body["accountNumber"].as_str());
        let Some(account) = objects
            .get("accounts")
            .and_then(|accounts| {
                accounts
                    .iter()
                    .find(|a| key.is_some_and(|k| keyed(a, k)))
            })
            .cloned()
        else {
            return refused(50000040, &cannot_find(key.unwrap_or_default()));
        };
        let Some(amount) = body["amount"].as_f64().filter(|a| *a > 0.0) else {
            return refused(50000020, "Invalid value for field amount");
        };
        if body["currency"] != account["currency"] {
            return refused(
                50000030,
                "The payment currency must be the account's currency.",
            );
        }
        if let Some(method) = body["paymentMethodId"].as_str() {
            let owned = objects.get("payment-methods").is_some_and(|methods| {
                methods
                    .iter()
                    .any(|m| m["id"] == method && m["accountId"] == account["id"])
            });
            if !owned {
                return refused(50000040, &cannot_find(method));
            }
        }
        let applications: Vec<(String, f64)> = body["invoices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                let key = i["invoiceId"]
                    .as_str()
                    .or_else(|| i["invoiceNumber"].as_str())
                    .unwrap_or_default();
                (key.to_owned(), i["amount"].as_f64().unwrap_or(0.0))
            })
            .collect();
        let applied: f64 = applications.iter().map(|(_, a)| a).sum();
        if applied > amount + 1e-9 {
            return refused(50000030, "The applied amount exceeds the payment amount.");
        }
        let invoices = objects.entry("invoices").or_default();
        for (key, part) in &applications {
            let Some(invoice) = invoices.iter().find(|i| keyed_invoice(i, key)) else {
                return refused(50000040, &cannot_find(key));
            };
            if invoice["accountId"] != account["id"] {
                return refused(50000030, "The invoice belongs to another account.");
            }
            if *part <= 0.0 || *part > invoice["balance"].as_f64().unwrap_or(0.0) + 1e-9 {
                return refused(50000030, "The applied amount exceeds the invoice balance.");
            }
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut links = Vec::new();
        for (key, part) in &applications {
            if let Some(invoice) = invoices.iter_mut().find(|i| keyed_invoice(i, key)) {
                let balance = invoice["balance"].as_f64().unwrap_or(0.0) - part;
                invoice["balance"] = cents(balance);
                links.push(json!({ "Id": uuid::Uuid::new_v4().simple().to_string(),
                    "InvoiceId": invoice["id"], "PaymentId": id, "Amount": part }));
            }
        }
        objects.entry(INVOICE_PAYMENTS).or_default().extend(links);
        if let Some(stored) = objects
            .get_mut("accounts")
            .and_then(|accounts| accounts.iter_mut().find(|a| a["id"] == account["id"]))
        {
            let balance = stored["balance"].as_f64().unwrap_or(0.0) - applied;
            stored["balance"] = cents(balance);
        }
        let payments = objects.entry("payments").or_default();
        let number = format!("P-{:08}", payments.len() + 1);
        let now = now();
        let effective = body["effectiveDate"].as_str().map_or_else(
            || chrono::Utc::now().date_naive().to_string(),
            str::to_owned,
        );
        let payment = json!({
            "id": id, "paymentNumber": number, "accountId": account["id"],
            "accountNumber": account["accountNumber"], "amount": amount, "appliedAmount": applied,
            "unappliedAmount": cents(amount - applied), "refundAmount": 0, "creditBalanceAmount": 0,
            "currency": account["currency"], "effectiveDate": effective, "status": "Processed",
            "type": body["type"].as_str().unwrap_or("External"), "paymentMethodId": body["paymentMethodId"],
            "gatewayState": "NotSubmitted", "createdDate": now, "updatedDate": now,
        });
        payments.push(payment.clone());
        // The create response names the number `number`; Object Query, `paymentNumber`.
        let mut answer = payment;
        if let Some(fields) = answer.as_object_mut() {
            fields.remove("paymentNumber");
            fields.insert("number".to_owned(), json!(number));
            fields.insert("success".to_owned(), json!(true));
        }
        (200, answer)
    })
}
