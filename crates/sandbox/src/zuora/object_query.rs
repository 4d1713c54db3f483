//! Object Query, the REST reads of every object: `GET /object-query/{object}` with `filter[]`,
//! one `sort[]`, `pageSize` and opaque `cursor` paging, `fields[]`, `includeNullFields` and an
//! account's `expand[]` of its children; `GET /object-query/{object}/{key}` answers one bare
//! object by id or number. Also the field lookup and comparison ZOQL shares.

use super::subscriptions::RATE_PLANS;
use super::wire::{error, not_found, Authorized};
use crate::control::lock;
use crate::indexed::Indexed;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use std::cmp::Ordering;

/// Object Query's largest page. Zuora's reference pages say 99; the OpenAPI spec behind its
/// official SDK says 50 (and the SDK refuses more). A connector must work with the stricter, so
/// the sandbox enforces it.
const MAX_PAGE_SIZE: usize = 50;

/// `GET /object-query/{object}`: a page of the object's rows.
pub(super) async fn query(
    Path(object): Path<String>,
    RawQuery(raw): RawQuery,
    Authorized(z): Authorized,
) -> Response {
    let objects = lock(&z.objects);
    let name = object.to_ascii_lowercase();
    if !objects.contains_key(name.as_str()) {
        return error(
            StatusCode::NOT_FOUND,
            50000040,
            &format!("Unknown object: '{object}'."),
        );
    }
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    match run_query(&objects, &name, &params) {
        Ok(body) => Json(body).into_response(),
        Err(message) => error(StatusCode::BAD_REQUEST, 50000027, &message),
    }
}

/// Applies `filter[]`, `sort[]`, `pageSize`, `cursor`, `fields[]`, `expand[]` and
/// `includeNullFields` to the rows of `object` (an Object Query name, lower-case); accounts
/// expand to the other objects' rows.
fn run_query(
    objects: &Indexed<Value>,
    object: &str,
    params: &[(String, String)],
) -> Result<Value, String> {
    let rows = objects.get(object).map_or(&[][..], Vec::as_slice);
    let values = |name: &'static str| {
        params
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let page_size = match values("pageSize").next() {
        None => 10,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => return Err(format!("pageSize must be between 1 and {MAX_PAGE_SIZE}")),
        },
    };
    let filters = values("filter[]")
        .map(Filter::parse)
        .collect::<Result<Vec<_>, _>>()?;
    // An `IN` filter (the connector's batch reads) narrows the rows to those holding one of its
    // values; the filters then decide as they would over every row.
    let candidates: Vec<&Value> = match filters.iter().find(|f| f.op == "IN") {
        Some(f) => with_text(
            objects,
            object,
            &f.field,
            f.values.iter().map(|v| v.to_lowercase()),
        )
        .into_iter()
        .map(|position| &rows[position])
        .collect(),
        None => rows.iter().collect(),
    };
    let mut matched: Vec<&Value> = candidates
        .into_iter()
        .filter(|row| filters.iter().all(|f| f.matches(row)))
        .collect();
    if let Some(sort) = values("sort[]").next() {
        let (field, dir) = sort
            .rsplit_once('.')
            .ok_or_else(|| format!("invalid sort: {sort}"))?;
        let desc = match dir.to_ascii_uppercase().as_str() {
            "ASC" => false,
            "DESC" => true,
            _ => return Err(format!("invalid sort direction: {dir}")),
        };
        matched.sort_by(|a, b| {
            let ord = compare(field_of(a, field), field_of(b, field));
            if desc {
                ord.reverse()
            } else {
                ord
            }
        });
    }
    let offset = match values("cursor").next() {
        None => 0,
        Some(cursor) => decode_cursor(cursor).ok_or("invalid cursor")?,
    };
    let include_nulls = values("includeNullFields").next() == Some("true");
    let expand: Vec<&str> = values("expand[]").collect();
    let fields: Vec<&str> = values("fields[]").flat_map(|f| f.split(',')).collect();
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|row| {
            let mut shown = selected(shown(row, &expand, include_nulls), &fields);
            if object == "accounts" {
                expand_account(&mut shown, &expand, objects, page_size, include_nulls);
            }
            shown
        })
        .collect();
    let mut body = json!({ "data": page });
    if offset + page_size < matched.len() {
        body["nextPage"] = json!(encode_cursor(offset + page_size));
    }
    Ok(body)
}

fn encode_cursor(offset: usize) -> String {
    STANDARD.encode(json!([{ "offset": offset }]).to_string())
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = STANDARD.decode(cursor).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value[0]["offset"].as_u64().map(|n| n as usize)
}

fn without_nulls(row: &Value, include_nulls: bool) -> Value {
    match row {
        Value::Object(map) if !include_nulls => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A row as Object Query shows it: rate plans only when expanded, charges only when those are.
pub(super) fn shown(row: &Value, expand: &[&str], include_nulls: bool) -> Value {
    let mut row = without_nulls(row, include_nulls);
    if let Some(fields) = row.as_object_mut() {
        let plans = fields.remove(RATE_PLANS);
        let wants = |e: &str| expand.iter().any(|x| x.eq_ignore_ascii_case(e));
        if let Some(mut plans) =
            plans.filter(|_| wants("rateplans") || wants("rateplans.rateplancharges"))
        {
            if !wants("rateplans.rateplancharges") {
                for plan in plans.as_array_mut().into_iter().flatten() {
                    if let Some(p) = plan.as_object_mut() {
                        p.remove("ratePlanCharges");
                    }
                }
            }
            fields.insert("ratePlans".to_owned(), plans);
        }
    }
    row
}

/// Only the `fields[]` asked for (case-insensitive; all of them when none are), `id`, and
/// the expanded children (lists, which are not fields).
fn selected(mut row: Value, fields: &[&str]) -> Value {
    if let (false, Some(map)) = (fields.is_empty(), row.as_object_mut()) {
        map.retain(|k, v| {
            k == "id" || v.is_array() || fields.iter().any(|f| f.trim().eq_ignore_ascii_case(k))
        });
    }
    row
}

/// What an account expands to: the object holding the children, the key they appear under.
const ACCOUNT_CHILDREN: [(&str, &str, &str); 4] = [
    ("subscriptions", "subscriptions", "subscriptions"),
    ("invoices", "invoices", "invoices"),
    ("payments", "payments", "payments"),
    ("paymentmethods", "payment-methods", "paymentMethods"),
];

/// Adds the children an account `row` expands to under their camelCase keys (an account that
/// has none gets an empty list), each capped at `page_size` as Zuora caps them: a parent with
/// more children than that shows only the first ones, and they cannot be paged.
/// `subscriptions.rateplans[.rateplancharges]` expands the subscriptions' rate plans.
fn expand_account(
    account: &mut Value,
    expand: &[&str],
    objects: &Indexed<Value>,
    page_size: usize,
    include_nulls: bool,
) {
    let id = account["id"].clone();
    for (name, object, key) in ACCOUNT_CHILDREN {
        // `subscriptions.rateplans` expands `rateplans` of each subscription.
        let nested: Vec<&str> = expand
            .iter()
            .filter_map(|e| {
                let (head, rest) = (e.get(..name.len())?, e.get(name.len()..)?);
                rest.strip_prefix('.')
                    .filter(|_| head.eq_ignore_ascii_case(name))
            })
            .collect();
        if nested.is_empty() && !expand.iter().any(|e| e.eq_ignore_ascii_case(name)) {
            continue;
        }
        // The children whose `accountId` is `id`, by their JSON text: equal values, equal text.
        let all = objects.get(object).map_or(&[][..], Vec::as_slice);
        let children: Vec<Value> = objects
            .positions(
                object,
                "accountId",
                |c| Some(c["accountId"].to_string()),
                [id.to_string()],
            )
            .into_iter()
            .map(|position| &all[position])
            .take(page_size)
            .map(|c| shown(c, &nested, include_nulls))
            .collect();
        account[key] = Value::Array(children);
    }
}

/// Positions of the rows of `object` whose `field` (named as [`field_of`] finds it) has one of
/// the texts `wanted`, compared ASCII-case-insensitively: the candidates of a filter or ZOQL
/// condition that holds only where [`text`] of the field equals one of them so.
pub(super) fn with_text(
    objects: &Indexed<Value>,
    object: &str,
    field: &str,
    wanted: impl Iterator<Item = String>,
) -> Vec<usize> {
    let field = field.to_ascii_lowercase();
    objects.positions(
        object,
        &format!("text:{field}"),
        |row| Some(text(field_of(row, &field)).to_ascii_lowercase()),
        wanted.map(|w| w.to_ascii_lowercase()),
    )
}

/// A field by case-insensitive name (Object Query filters use lower-case names).
pub(super) fn field_of<'a>(row: &'a Value, name: &str) -> &'a Value {
    row.as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .unwrap_or(&Value::Null)
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => text(a).cmp(&text(b)),
    }
}

pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One `filter[]` term: `field.OP:value`.
struct Filter {
    field: String,
    op: String,
    values: Vec<String>,
}

impl Filter {
    fn parse(term: &str) -> Result<Filter, String> {
        let (left, value) = term
            .split_once(':')
            .ok_or_else(|| format!("invalid filter: {term}"))?;
        let (field, op) = left
            .rsplit_once('.')
            .ok_or_else(|| format!("invalid filter: {term}"))?;
        let op = op.to_ascii_uppercase();
        if !["EQ", "NE", "LT", "GT", "LE", "GE", "SW", "IN"].contains(&op.as_str()) {
            return Err(format!("invalid filter operator: {op}"));
        }
        let values = if op == "IN" {
            let inner = value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .ok_or_else(|| format!("IN needs a [list]: {term}"))?;
            inner.split(',').map(|v| v.trim().to_owned()).collect()
        } else {
            vec![value.to_owned()]
        };
        Ok(Filter {
            field: field.to_owned(),
            op,
            values,
        })
    }

    fn matches(&self, row: &Value) -> bool {
        let actual = field_of(row, &self.field);
        let wanted = &self.values[0];
        if wanted == "null" && self.values.len() == 1 {
            return match self.op.as_str() {
                "EQ" => actual.is_null(),
                "NE" => !actual.is_null(),
                _ => false,
            };
        }
        let as_value = |v: &str| -> Value {
            v.parse::<f64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(v))
        };
        let ord = compare(actual, &as_value(wanted));
        match self.op.as_str() {
            "EQ" => text(actual) == wanted.to_lowercase() || ord.is_eq() && !actual.is_string(),
            "NE" => text(actual) != wanted.to_lowercase(),
            "LT" => ord.is_lt(),
            "GT" => ord.is_gt(),
            "LE" => ord.is_le(),
            "GE" => ord.is_ge(),
            "SW" => text(actual).starts_with(&wanted.to_lowercase()),
            "IN" => self.values.iter().any(|v| text(actual) == v.to_lowercase()),
            _ => false,
        }
    }
}

/// `GET /object-query/{object}/{key}`: one object, bare, by id or by its number.
pub(super) async fn by_key(
    Path((object, key)): Path<(String, String)>,
    Authorized(z): Authorized,
) -> Response {
    let number_field = match object.to_ascii_lowercase().as_str() {
        "accounts" => "accountNumber",
        "subscriptions" => "name",
        "invoices" => "invoiceNumber",
        "payments" => "paymentNumber",
        _ => "id",
    };
    let objects = lock(&z.objects);
    let found = objects
        .get(object.to_ascii_lowercase().as_str())
        .and_then(|rows| {
            rows.iter().find(|r| {
                r["id"].as_str() == Some(key.as_str())
                    || r[number_field].as_str() == Some(key.as_str())
            })
        });
    match found {
        Some(row) => Json(shown(row, &[], false)).into_response(),
        None => not_found(&key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zuora::seed::seed;
    use crate::zuora::{zoql, INVOICE_PAYMENTS};

    fn ids<'a>(rows: impl IntoIterator<Item = &'a Value>) -> Vec<&'a str> {
        rows.into_iter().filter_map(|r| r["id"].as_str()).collect()
    }

    /// Reads that lookups narrow answer what a scan of every row answers, in the same order.
    #[test]
    fn lookups_answer_what_scans_answer() {
        let demo = partnergraph_demo::generate_with_load(chrono::Utc::now().date_naive(), 300);
        let objects = Indexed::new(seed(&demo));
        // Upper-case ids and one unknown: `IN` compares case-insensitively.
        let wanted: Vec<String> = ids(objects["accounts"].iter().step_by(7))
            .iter()
            .map(|id| id.to_uppercase())
            .chain(["NOPE".to_owned()])
            .collect();
        let terms = [
            format!("id.IN:[{}]", wanted.join(",")),
            "currency.EQ:eur".to_owned(),
        ];
        let mut params: Vec<(String, String)> = terms
            .iter()
            .map(|t| ("filter[]".to_owned(), t.clone()))
            .collect();
        params.extend(
            [
                ("pageSize", "50"),
                ("expand[]", "invoices"),
                ("expand[]", "payments"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let body = run_query(&objects, "accounts", &params).expect("answers");
        let filters: Vec<Filter> = terms
            .iter()
            .map(|t| Filter::parse(t).expect("parses"))
            .collect();
        let scanned: Vec<&Value> = objects["accounts"]
            .iter()
            .filter(|r| filters.iter().all(|f| f.matches(r)))
            .take(50)
            .collect();
        let page = body["data"].as_array().expect("a page");
        assert!(page.len() > 10);
        assert_eq!(ids(page), ids(scanned));
        for account in page {
            for (object, key) in [("invoices", "invoices"), ("payments", "payments")] {
                let children = objects[object]
                    .iter()
                    .filter(|c| c["accountId"] == account["id"]);
                assert_eq!(
                    ids(account[key].as_array().into_iter().flatten()),
                    ids(children)
                );
            }
        }
        let payments = ids(objects["payments"].iter().step_by(5));
        let query = format!(
            "select InvoiceId, PaymentId from InvoicePayment where {}",
            payments
                .iter()
                .map(|p| format!("PaymentId = '{}'", p.to_uppercase()))
                .collect::<Vec<_>>()
                .join(" or ")
        );
        let found = zoql::run(&objects, &query).expect("answers");
        let scanned: Vec<&Value> = objects[INVOICE_PAYMENTS]
            .iter()
            .filter(|r| payments.iter().any(|p| r["PaymentId"] == *p))
            .collect();
        assert!(found.len() > 10);
        let paid = |rows: &[&Value]| -> Vec<String> {
            rows.iter().map(|r| r["PaymentId"].to_string()).collect()
        };
        assert_eq!(paid(&found.iter().collect::<Vec<_>>()), paid(&scanned));
    }
}
