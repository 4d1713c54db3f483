//! `POST /v1/orders`: the subscription actions partnergraph uses, applied all or none. An order
//! names an existing account (the invoice owner) and, per subscription, a list of actions:
//! `CreateSubscription` (`subscriptionOwnerAccountNumber` may name a child as the owner),
//! `UpdateProduct` (seats), `CancelSubscription`, `AddProduct` and `RemoveProduct` (change of
//! plan) and `TermsAndConditions` (renewal). With `returnIds=true` the answer carries ids too.

use super::accounts::keyed;
use super::subscriptions::{rate_plans, RATE_PLANS};
use super::wire::{cannot_find, envelope, now, Write};
use super::Zuora;
use crate::control::lock;
use crate::indexed::Rows;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

/// `POST /v1/orders`: runs the order's actions on a copy of the tenant and keeps the copy only
/// if every action succeeded.
pub(super) async fn create_order(
    State(z): State<Arc<Zuora>>,
    RawQuery(raw): RawQuery,
    write: Write,
) -> Response {
    let return_ids = raw
        .as_deref()
        .unwrap_or_default()
        .contains("returnIds=true");
    write.idempotent(&z, "/v1/orders", |body| {
        let mut objects = lock(&z.objects);
        // Work on a copy: an order applies all of its actions or none.
        let mut draft = objects.clone();
        match apply_order(&mut draft, body, return_ids) {
            Ok(answer) => {
                *objects = draft;
                (200, answer)
            }
            Err((code, message)) => (200, envelope(code, &message)),
        }
    })
}

/// Why an order was refused: Zuora's reason code and message.
type OrderError = (u64, String);

/// The account `key` names (by id or number), as it is now.
fn find_account(objects: &Rows<Value>, key: &str) -> Option<Value> {
    objects
        .get("accounts")
        .and_then(|a| a.iter().find(|a| keyed(a, key)))
        .cloned()
}

/// The per-unit quantity a charge override or update sets.
fn quantity(charge: &Value) -> Option<i64> {
    charge["pricing"]["recurringPerUnit"]["quantity"].as_i64()
}

/// The subscription an action of `kind` changes: the one the order names, if it is not
/// cancelled.
fn live_subscription<'a>(
    objects: &'a mut Rows<Value>,
    number: Option<&String>,
    kind: &str,
) -> Result<&'a mut Value, OrderError> {
    let wanted = number.ok_or((50000022, format!("{kind} needs a subscriptionNumber")))?;
    let subscription = objects
        .get_mut("subscriptions")
        .and_then(|s| s.iter_mut().find(|s| s["name"] == wanted.as_str()))
        .ok_or((50000040, cannot_find(wanted)))?;
    if subscription["status"] == "Cancelled" {
        return Err((50000030, format!("The subscription {wanted} is cancelled.")));
    }
    Ok(subscription)
}

/// Applies an order's actions to `objects`, answering what Zuora answers for it.
fn apply_order(
    objects: &mut Rows<Value>,
    body: &Value,
    return_ids: bool,
) -> Result<Value, OrderError> {
    let order_date = body["orderDate"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or((
            50000022,
            "Missing or invalid required field: orderDate".to_owned(),
        ))?;
    let key = body["existingAccountNumber"]
        .as_str()
        .or_else(|| body["existingAccountId"].as_str())
        .ok_or((
            50000022,
            "An order needs existingAccountNumber or existingAccountId".to_owned(),
        ))?;
    let account = find_account(objects, key).ok_or((50000040, cannot_find(key)))?;
    let mut results = Vec::new();
    for item in body["subscriptions"].as_array().into_iter().flatten() {
        let mut number = item["subscriptionNumber"].as_str().map(str::to_owned);
        let mut status = String::new();
        let mut owner = account.clone();
        for action in item["orderActions"].as_array().into_iter().flatten() {
            match action["type"].as_str() {
                Some("CreateSubscription") => {
                    let create = &action["createSubscription"];
                    if let Some(owner_number) = create["subscriptionOwnerAccountNumber"].as_str() {
                        owner = find_account(objects, owner_number)
                            .ok_or((50000040, cannot_find(owner_number)))?;
                    }
                    let plan = &create["subscribeToRatePlans"][0];
                    let plan_id = plan["productRatePlanId"].as_str().ok_or((
                        50000022,
                        "Missing required field: productRatePlanId".to_owned(),
                    ))?;
                    let quantity = quantity(&plan["chargeOverrides"][0]).unwrap_or(1);
                    let subscriptions = objects.entry("subscriptions").or_default();
                    let next = format!("A-S{:08}", subscriptions.len() + 1);
                    let local = format!("order-sub-{}", uuid::Uuid::new_v4().simple());
                    let terms = &create["terms"];
                    let months = terms["initialTerm"]["period"].as_u64().unwrap_or(12) as u32;
                    let mut plans = rate_plans(&local, "", quantity);
                    plans[0]["productRatePlanId"] = json!(plan_id);
                    plans[0]["ratePlanCharges"][0]["productRatePlanChargeId"] =
                        plan["chargeOverrides"][0]["productRatePlanChargeId"].clone();
                    let now = now();
                    subscriptions.push(json!({
                        "id": Zuora::zuora_id(&local), "name": next, "accountId": owner["id"],
                        "invoiceOwnerId": account["id"], "status": "Active", "termType": "TERMED",
                        "termStartDate": order_date.to_string(),
                        "termEndDate": order_date.checked_add_months(chrono::Months::new(months)).map(|d| d.to_string()),
                        "autoRenew": terms["autoRenew"].as_bool().unwrap_or(true),
                        "createdDate": now, "updatedDate": now, RATE_PLANS: plans,
                    }));
                    number = Some(next);
                    status = "Active".to_owned();
                }
                Some(
                    kind @ ("UpdateProduct" | "CancelSubscription" | "AddProduct" | "RemoveProduct"
                    | "TermsAndConditions"),
                ) => {
                    let subscription = live_subscription(objects, number.as_ref(), kind)?;
                    change(subscription, kind, action)?;
                    status = subscription["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    // Seat changes and cancellations answer the subscription's own owner; the
                    // plan and terms changes answer the order's account.
                    if matches!(kind, "UpdateProduct" | "CancelSubscription") {
                        let owner_id = subscription["accountId"].clone();
                        if let Some(o) = owner_id.as_str().and_then(|id| find_account(objects, id))
                        {
                            owner = o;
                        }
                    }
                }
                other => {
                    return Err((
                        50000020,
                        format!("Unsupported order action: {}", other.unwrap_or("none")),
                    ))
                }
            }
        }
        let number = number.ok_or((50000022, "An order subscription needs actions".to_owned()))?;
        let id = objects
            .get("subscriptions")
            .and_then(|s| s.iter().find(|s| s["name"] == number.as_str()))
            .map(|s| s["id"].clone())
            .unwrap_or_default();
        let mut result = json!({
            "subscriptionNumber": number, "status": status,
            "subscriptionOwnerId": owner["id"], "subscriptionOwnerNumber": owner["accountNumber"],
        });
        if return_ids {
            result["subscriptionId"] = id;
        }
        results.push(result);
    }
    let orders = objects.entry("orders").or_default();
    let order_number = body["orderNumber"]
        .as_str()
        .map_or_else(|| format!("O-{:08}", orders.len() + 1), str::to_owned);
    let order_id = uuid::Uuid::new_v4().simple().to_string();
    orders.push(
        json!({ "id": order_id, "orderNumber": order_number, "accountId": account["id"],
                        "orderDate": order_date.to_string(), "status": "Completed" }),
    );
    let numbers: Vec<Value> = results
        .iter()
        .map(|r| r["subscriptionNumber"].clone())
        .collect();
    let mut answer = json!({
        "success": true, "orderNumber": order_number, "accountNumber": account["accountNumber"],
        "status": "Completed", "subscriptionNumbers": numbers, "subscriptions": results,
    });
    if return_ids {
        answer["orderId"] = json!(order_id);
        answer["accountId"] = account["id"].clone();
        answer["subscriptionIds"] = Value::Array(results_ids(&answer["subscriptions"]));
    }
    Ok(answer)
}

/// Applies one action of `kind` (other than creating) to an existing `subscription`.
fn change(subscription: &mut Value, kind: &str, action: &Value) -> Result<(), OrderError> {
    match kind {
        "UpdateProduct" => {
            let quantity = quantity(&action["updateProduct"]["chargeUpdates"][0])
                .ok_or((50000022, "Missing required field: quantity".to_owned()))?;
            subscription[RATE_PLANS][0]["ratePlanCharges"][0]["quantity"] = json!(quantity);
            // Seat changes leave `updatedDate` as it was.
            return Ok(());
        }
        "CancelSubscription" => {
            let cancel = &action["cancelSubscription"];
            subscription["autoRenew"] = json!(false);
            if cancel["cancellationPolicy"] == "SpecificDate" {
                let date = cancel["cancellationEffectiveDate"]
                    .as_str()
                    .unwrap_or_default();
                subscription["termEndDate"] = json!(date);
                if date <= chrono::Utc::now().date_naive().to_string().as_str() {
                    subscription["status"] = json!("Cancelled");
                }
            }
            return Ok(());
        }
        "AddProduct" => {
            let add = &action["addProduct"];
            let plan_id = add["productRatePlanId"].as_str().ok_or((
                50000022,
                "Missing required field: productRatePlanId".to_owned(),
            ))?;
            let quantity = quantity(&add["chargeOverrides"][0]).unwrap_or(1);
            let wanted = subscription["name"].as_str().unwrap_or_default();
            let local = format!("{wanted}/{}", uuid::Uuid::new_v4().simple());
            let added = rate_plans(&local, plan_id, quantity);
            if let Some(plans) = subscription[RATE_PLANS].as_array_mut() {
                plans.extend(added.as_array().into_iter().flatten().cloned());
            }
        }
        "RemoveProduct" => {
            let plan = action["removeProduct"]["ratePlanId"].clone();
            let plans = subscription[RATE_PLANS]
                .as_array_mut()
                .ok_or((50000040, "The subscription has no rate plans".to_owned()))?;
            let before = plans.len();
            plans.retain(|p| p["id"] != plan);
            if plans.len() == before {
                return Err((50000040, cannot_find(plan)));
            }
        }
        _ => {
            if let Some(renew) = action["termsAndConditions"]["autoRenew"].as_bool() {
                subscription["autoRenew"] = json!(renew);
            }
        }
    }
    subscription["updatedDate"] = json!(now());
    Ok(())
}

/// The `subscriptionId`s of an answer's subscriptions, in order.
fn results_ids(subscriptions: &Value) -> Vec<Value> {
    subscriptions
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["subscriptionId"].clone())
        .collect()
}
