//! `POST /v1/accounts`, `PUT /v1/accounts/{key}` and `DELETE /v1/accounts/{key}`: creating an
//! account (optionally under a parent of the same currency, as consolidated billing needs),
//! updating its basic fields (its name, and `crmId`, the link to the CRM account) and removing
//! one with everything it owns. Refusals are Zuora's business errors: HTTP 200 with
//! `success: false`.

use super::wire::{cannot_find, not_found, now, refused, Authorized, Write};
use super::{Zuora, INVOICE_PAYMENTS};
use crate::control::lock;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// `POST /v1/accounts`: creates an account, optionally under a parent (same currency).
pub(super) async fn create_account(State(z): State<Arc<Zuora>>, write: Write) -> Response {
    write.idempotent(&z, "/v1/accounts", |body| {
        let required = |field: &str| body[field].as_str().filter(|v| !v.trim().is_empty());
        let Some(name) = required("name").filter(|n| n.chars().count() <= 255) else {
            return refused(50000022, "Missing required field: name");
        };
        let Some(currency) = required("currency").filter(|c| c.len() == 3) else {
            return refused(50000022, "Missing required field: currency");
        };
        let contact = &body["billToContact"];
        if contact["firstName"].as_str().is_none() || contact["lastName"].as_str().is_none() {
            return refused(50000022, "Missing required field: billToContact");
        }
        let bcd = body["billCycleDay"].as_i64().unwrap_or(-1);
        if !(0..=31).contains(&bcd) {
            return refused(50000020, "Invalid value for field billCycleDay");
        }
        let mut objects = lock(&z.objects);
        let accounts = objects.entry("accounts").or_default();
        if let Some(parent) = body["parentId"].as_str() {
            match accounts.iter().find(|a| a["id"] == parent) {
                None => return refused(50000040, &cannot_find(parent)),
                Some(p) if p["currency"] != currency => {
                    return refused(
                        50000030,
                        "The parent and child accounts must use the same currency.",
                    )
                }
                Some(_) => {}
            }
        }
        let next = accounts
            .iter()
            .filter_map(|a| {
                a["accountNumber"]
                    .as_str()?
                    .strip_prefix('A')?
                    .parse::<u64>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
            + 1;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let number = body["accountNumber"]
            .as_str()
            .map_or_else(|| format!("A{next:08}"), str::to_owned);
        let contact_id = uuid::Uuid::new_v4().simple().to_string();
        let now = now();
        accounts.push(json!({
            "id": id, "accountNumber": number, "name": name, "balance": 0, "currency": currency,
            "status": "Active", "billCycleDay": bcd, "autoPay": body["autoPay"].as_bool().unwrap_or(false),
            "parentId": body["parentId"], "crmId": body["crmId"], "billToId": contact_id,
            "soldToId": contact_id, "createdDate": now, "updatedDate": now,
        }));
        (
            200,
            json!({ "success": true, "accountId": id, "accountNumber": number,
                    "billToContactId": contact_id, "soldToContactId": contact_id }),
        )
    })
}

/// The fields `PUT /v1/accounts/{key}` changes, with the most characters Zuora allows in each;
/// others in the body are ignored, as Zuora ignores unknown fields unless told otherwise.
const UPDATABLE: [(&str, usize); 4] = [
    ("name", 255),
    ("crmId", 100),
    ("notes", 65535),
    ("salesRep", 50),
];

/// `PUT /v1/accounts/{key}` (key = id or number): sets the account's fields the body names.
/// Setting a field to the value it has changes nothing, so Zuora takes no `Idempotency-Key`
/// here; an unknown key is its `404` with code 50000040.
pub(super) async fn update_account(
    Path(key): Path<String>,
    State(z): State<Arc<Zuora>>,
    write: Write,
) -> Response {
    let body = &write.body;
    let mut changes = Vec::new();
    for (field, most) in UPDATABLE {
        let value = match &body[field] {
            // Absent: left as it is. `null` clears a field, except the name every account has.
            Value::Null if body.get(field).is_none() => continue,
            Value::Null if field != "name" => Value::Null,
            Value::String(v)
                if v.chars().count() <= most && !(field == "name" && v.trim().is_empty()) =>
            {
                json!(v)
            }
            _ => return refusal(50000020, &format!("Invalid value for field {field}")),
        };
        changes.push((field, value));
    }
    let mut objects = lock(&z.objects);
    let Some(account) = objects
        .get_mut("accounts")
        .and_then(|accounts| accounts.iter_mut().find(|a| keyed(a, &key)))
    else {
        return not_found(&key);
    };
    for (field, value) in changes {
        account[field] = value;
    }
    account["updatedDate"] = json!(now());
    Json(json!({ "success": true })).into_response()
}

/// A business refusal as a response.
fn refusal(code: u64, message: &str) -> Response {
    let (_, body) = refused(code, message);
    Json(body).into_response()
}

/// Whether `account` is the one `key` names, by id or by account number.
pub(super) fn keyed(account: &Value, key: &str) -> bool {
    account["id"] == key || account["accountNumber"] == key
}

/// `DELETE /v1/accounts/{key}`: removes an account with its subscriptions, invoices, payments
/// and payment methods. Zuora runs this as a background job; the sandbox finishes it at once and
/// says so in `jobStatus`.
pub(super) async fn delete_account(Path(key): Path<String>, Authorized(z): Authorized) -> Response {
    let mut objects = lock(&z.objects);
    let Some(id) = objects.get("accounts").and_then(|accounts| {
        accounts
            .iter()
            .find(|a| keyed(a, &key))
            .map(|a| a["id"].clone())
    }) else {
        return not_found(&key);
    };
    let payments: Vec<Value> = objects
        .get("payments")
        .into_iter()
        .flatten()
        .filter(|p| p["accountId"] == id)
        .map(|p| p["id"].clone())
        .collect();
    for (name, rows) in objects.iter_mut() {
        rows.retain(|row| match *name {
            "accounts" => row["id"] != id,
            INVOICE_PAYMENTS => !payments.contains(&row["PaymentId"]),
            _ => row["accountId"] != id,
        });
    }
    Json(
        json!({ "success": true, "id": id, "jobId": uuid::Uuid::new_v4().simple().to_string(),
                 "jobStatus": "Completed" }),
    )
    .into_response()
}
