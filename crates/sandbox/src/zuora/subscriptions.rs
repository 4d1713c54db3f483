//! Subscriptions beyond their reads: how a stored subscription keeps its rate plans and their
//! per-unit charges (created by seeding and by orders, shown by Object Query only when
//! expanded), and `PUT /v1/subscriptions/{key}/delete`.

use super::wire::{not_found, Authorized};
use super::Zuora;
use crate::control::lock;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// Where a stored subscription keeps its rate plans: shown as `ratePlans` only when the query
/// expands them, as Object Query does.
pub(super) const RATE_PLANS: &str = "_ratePlans";

/// One rate plan with one per-unit recurring charge of `quantity`.
pub(super) fn rate_plans(subscription: &str, offer: &str, quantity: i64) -> Value {
    let sub_id = Zuora::zuora_id(subscription);
    let plan_id = Zuora::zuora_id(&format!("{subscription}/rate-plan/{offer}"));
    let charge_number = format!(
        "C-{}",
        &Zuora::zuora_id(&format!("{subscription}/{offer}"))[..8].to_uppercase()
    );
    json!([{
        "id": plan_id,
        "productRatePlanId": offer,
        "subscriptionId": sub_id,
        "ratePlanCharges": [{
            "id": Zuora::zuora_id(&format!("{subscription}/charge/{offer}")),
            "chargeNumber": charge_number,
            "productRatePlanChargeId": Zuora::product_rate_plan_charge_id(offer),
            "ratePlanId": plan_id,
            "subscriptionId": sub_id,
            "quantity": quantity,
        }],
    }])
}

/// `PUT /v1/subscriptions/{key}/delete`: removes a subscription (by number or id).
pub(super) async fn delete_subscription(
    Path(key): Path<String>,
    Authorized(z): Authorized,
) -> Response {
    let mut objects = lock(&z.objects);
    let subscriptions = objects.entry("subscriptions").or_default();
    let before = subscriptions.len();
    subscriptions.retain(|s| s["id"] != key.as_str() && s["name"] != key.as_str());
    if subscriptions.len() == before {
        return not_found(&key);
    }
    Json(json!({ "success": true })).into_response()
}
