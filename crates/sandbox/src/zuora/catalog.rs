//! CRUD's `PUT /v1/object/product-rate-plan/{id}` ("CRUD: Update a product rate plan"): how a
//! tenant's catalog is edited, here the plan's name, description, effective dates and the custom
//! fields the tenant defines (the portal's `OfferCode__c`, `SalesChannel__c`,
//! `EligiblePartners__c`), so that Object Query's `/object-query/product-rate-plans` shows the
//! new values. CRUD names fields as Zuora's objects do (`Description`), Object Query in camel
//! case (`description`); custom fields are spelled alike in both.

use super::wire::{crud_error, now, Write};
use super::Zuora;
use crate::control::lock;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// The standard fields an update may set: CRUD's name, Object Query's name, and the most
/// characters the field holds (the dates are `yyyy-mm-dd`, whatever their length says).
const STANDARD: [(&str, &str, usize); 4] = [
    ("Name", "name", 100),
    ("Description", "description", 500),
    ("EffectiveStartDate", "effectiveStartDate", 10),
    ("EffectiveEndDate", "effectiveEndDate", 10),
];
/// The most characters a text custom field holds.
const CUSTOM_FIELD_LENGTH: usize = 255;

/// `PUT /v1/object/product-rate-plan/{id}`: sets the fields the body names on the plan `id`.
/// Unknown fields are ignored unless `rejectUnknownFields=true`, as Zuora does; an id that names
/// no plan is CRUD's `INVALID_ID`.
pub(super) async fn update_product_rate_plan(
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    State(z): State<Arc<Zuora>>,
    write: Write,
) -> Response {
    let Value::Object(body) = &write.body else {
        return crud_error("MALFORMED_QUERY", "The request body must be a JSON object.");
    };
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let reject_unknown = params
        .iter()
        .any(|(k, v)| k == "rejectUnknownFields" && v.eq_ignore_ascii_case("true"));
    let mut objects = lock(&z.objects);
    let Some(plans) = objects.get_mut("product-rate-plans") else {
        return crud_error("INVALID_ID", "invalid id for update");
    };
    // The tenant's custom fields are those its plans carry.
    let custom =
        |field: &str| field.ends_with("__c") && plans.iter().any(|p| p.get(field).is_some());
    let mut changes = Vec::new();
    for (field, value) in body {
        let (stored, most) = match STANDARD.iter().find(|(crud, _, _)| crud == field) {
            Some((_, stored, most)) => ((*stored).to_owned(), *most),
            None if custom(field) => (field.clone(), CUSTOM_FIELD_LENGTH),
            None if reject_unknown => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "message": "Error - unrecognised fields" })),
                )
                    .into_response()
            }
            None => continue,
        };
        let valid = match value {
            Value::String(v) if stored.starts_with("effective") => {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
            }
            Value::String(v) => v.chars().count() <= most,
            // `null` clears a field, but a plan always has a name.
            Value::Null => field != "Name",
            _ => false,
        };
        if !valid {
            return crud_error(
                "INVALID_VALUE",
                &format!("The value of {field} is invalid."),
            );
        }
        changes.push((stored, value.clone()));
    }
    let Some(plan) = plans.iter_mut().find(|p| p["id"] == id.as_str()) else {
        return crud_error("INVALID_ID", "invalid id for update");
    };
    for (field, value) in changes {
        plan[field.as_str()] = value;
    }
    plan["updatedDate"] = json!(now());
    Json(json!({ "Success": true, "Id": id })).into_response()
}
