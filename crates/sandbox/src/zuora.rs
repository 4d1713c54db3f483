//! A local Zuora: the OAuth token endpoint and Object Query reads of accounts, subscriptions,
//! invoices, payments, payment methods and the product catalog (products, product rate plans,
//! their charges and price tiers), in Zuora's wire format (see
//! `shared/reference/API-NOTES.md` §1), seeded from the demo world.
//!
//! Faithful where a connector can trip: 32-hex ids, `bearer` tokens that expire, the
//! `success: false` envelope with numeric codes, `pageSize` 1–50 else 400 (Zuora's OpenAPI spec; its docs say 99), opaque `nextPage`
//! cursors, `filter[]` (AND only; `EQ NE LT GT LE GE SW IN`, case-insensitive field names),
//! one `sort[]`, `fields[]`, accounts' `expand[]` of subscriptions (and their rate plans),
//! invoices, payments and payment methods capped at `pageSize` per account as Zuora caps
//! them, null fields omitted unless `includeNullFields=true`, bare objects on
//! retrieve-by-key (id or number), `Zuora-Track-Id` echoed, rate and concurrency headers.
//!
//! Every request is recorded (`GET /_sandbox/requests`) so tests and benchmarks can count
//! upstream calls; `POST /_sandbox/faults` adds latency and makes the next requests fail;
//! `POST /_sandbox/expire-tokens` ends every token's life at once.
//! Writes: `POST /v1/accounts` (with `parentId`, same-currency rule), `POST /v1/payments`
//! (applied to invoices of the account) and `POST /v1/orders` (create a subscription, change
//! seats, change plan, renewal terms, cancel), all with `Idempotency-Key` replay;
//! `DELETE /v1/accounts/{key}` and `PUT /v1/subscriptions/{key}/delete`. Subscriptions carry
//! rate plans and charges (`expand[]=rateplans.rateplancharges`). ZOQL (`/v1/action/query`,
//! `queryMore`) for the subset in [`zoql`], including `InvoicePayment`, which links payments
//! to the invoices they paid.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use partnergraph_core::demo::DemoData;
use partnergraph_core::model::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod zoql;

use crate::control::{lock, serve, Control, Dialect};
pub use crate::control::{Faults, Recorded};
use crate::indexed::Indexed;

/// Where the sandbox keeps ZOQL's `InvoicePayment` rows (how much of a payment went to which
/// invoice). Capitalised so no Object Query path reaches it: Object Query has no such object.
const INVOICE_PAYMENTS: &str = "InvoicePayment";
/// Records per ZOQL batch unless the query asks for fewer (Zuora's default and maximum).
const ZOQL_BATCH: usize = 2000;

/// The client credentials the sandbox accepts by default (also in `examples/zuora.toml`).
pub const DEFAULT_CLIENT_ID: &str = "6c3d8b3f-6f9a-4b8e-9d9c-partnergraph";
/// The secret of [`DEFAULT_CLIENT_ID`].
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret-not-for-production";
/// The entity every token is scoped to.
const ENTITY: &str = "1a2b7a37-3e7d-4cb3-b0e2-883de9e766cc";
/// Object Query's largest page. Zuora's reference pages say 99; the OpenAPI spec behind its
/// official SDK says 50 (and the SDK refuses more). A connector must work with the stricter, so
/// the sandbox enforces it.
const MAX_PAGE_SIZE: usize = 50;

/// A stateful local Zuora.
pub struct Zuora {
    clients: HashMap<String, String>,
    token_ttl: Duration,
    objects: Mutex<Indexed<Value>>,
    /// `Idempotency-Key` → (path, body, the first response's status and body).
    idempotency: Mutex<HashMap<String, (String, Value, u16, Value)>>,
    control: Arc<Control>,
    /// ZOQL `queryLocator` → the rows of the query and how many were returned so far.
    locators: Mutex<HashMap<String, (Vec<Value>, usize)>>,
}

impl Zuora {
    /// A sandbox holding the billing side of `demo`, accepting the default client, whose tokens
    /// live `token_ttl` (Zuora's live 3599 s).
    pub fn new(demo: &DemoData, token_ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            clients: HashMap::from([(
                DEFAULT_CLIENT_ID.to_owned(),
                DEFAULT_CLIENT_SECRET.to_owned(),
            )]),
            token_ttl,
            objects: Mutex::new(Indexed::new(seed(demo))),
            idempotency: Mutex::new(HashMap::new()),
            control: Arc::default(),
            locators: Mutex::new(HashMap::new()),
        })
    }

    /// The HTTP API.
    pub fn router(self: &Arc<Self>) -> Router {
        let api = Router::new()
            .route("/oauth/token", post(token))
            .route("/object-query/{object}", get(query))
            .route("/object-query/{object}/{key}", get(by_key))
            .route("/v1/accounts", post(create_account))
            .route("/v1/accounts/{key}", delete(delete_account))
            .route("/v1/subscriptions/{key}/delete", put(delete_subscription))
            .route("/v1/action/query", post(zoql_query))
            .route("/v1/action/queryMore", post(zoql_more))
            .route("/v1/payments", post(create_payment))
            .route("/v1/orders", post(create_order));
        serve(api, &self.control, self)
    }

    /// A Zuora id for a record the sandbox derives from another (rate plans, charges, products).
    fn zuora_id(name: &str) -> String {
        partnergraph_demo::billing_id(name)
    }

    /// The per-unit recurring charge of a demo offer's product rate plan (whose id is the offer's).
    pub fn product_rate_plan_charge_id(offer: &str) -> String {
        Self::zuora_id(&format!("offer-charge:{offer}"))
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.control.requests()
    }
}

/// The Zuora error envelope.
fn envelope(code: u64, message: &str) -> Value {
    json!({ "success": false, "processId": "SANDBOX", "reasons": [{ "code": code, "message": message }] })
}

fn error(status: StatusCode, code: u64, message: &str) -> Response {
    (status, Json(envelope(code, message))).into_response()
}

impl Dialect for Zuora {
    fn exempt(&self, path: &str) -> bool {
        path == "/oauth/token"
    }

    fn fault(&self, faults: &Faults) -> Response {
        fault_response(faults)
    }

    fn track_id(&self, headers: &HeaderMap) -> Option<String> {
        headers
            .get("zuora-track-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    fn decorate(&self, track_id: Option<&str>, response: &mut Response) {
        let headers = response.headers_mut();
        if let Some(id) = track_id.and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert("zuora-track-id", id);
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert("zuora-request-id", v);
        }
        headers.insert(
            "ratelimit-limit",
            HeaderValue::from_static("2500, 2500;w=60"),
        );
        headers.insert("ratelimit-remaining", HeaderValue::from_static("2499"));
        headers.insert("ratelimit-reset", HeaderValue::from_static("60"));
        headers.insert(
            "concurrency-limit-type",
            HeaderValue::from_static("Default"),
        );
        headers.insert("concurrency-limit-limit", HeaderValue::from_static("80"));
        headers.insert(
            "concurrency-limit-remaining",
            HeaderValue::from_static("79"),
        );
    }
}

fn fault_response(f: &Faults) -> Response {
    match f.status {
        429 => {
            let mut r = StatusCode::TOO_MANY_REQUESTS.into_response();
            let headers = r.headers_mut();
            headers.insert("ratelimit-remaining", HeaderValue::from_static("0"));
            if let Ok(v) = HeaderValue::from_str(&f.retry_after_secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
            r
        }
        200 => {
            let body = match f.reason {
                None | Some(50000061) => envelope(50000061, "Temporary error, please retry."),
                Some(code) => envelope(code, "Refused by the sandbox's fault injection."),
            };
            (StatusCode::OK, Json(body)).into_response()
        }
        503 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        299 => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(r#"{"data":[{"id":"2c92c0f8"#),
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain")],
            Body::from("Internal Server Error"),
        )
            .into_response(),
    }
}

/// The token request (form-encoded, credentials in the body).
#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn token(State(z): State<Arc<Zuora>>, Form(req): Form<TokenRequest>) -> Response {
    if req.grant_type.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    let known = match (&req.client_id, &req.client_secret) {
        (Some(id), Some(secret)) => z.clients.get(id) == Some(secret),
        _ => false,
    };
    if !known {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Invalid client credentials" })),
        )
            .into_response();
    }
    let access_token = uuid::Uuid::new_v4().simple().to_string();
    z.control.issue(&access_token, z.token_ttl);
    Json(json!({
        "access_token": access_token,
        "expires_in": z.token_ttl.as_secs().saturating_sub(1),
        "jti": uuid::Uuid::new_v4().simple().to_string(),
        "scope": format!("user.{} entity.{ENTITY} service.echo.read tenant.19", uuid::Uuid::new_v4().simple()),
        "token_type": "bearer",
    }))
    .into_response()
}

/// `401` unless the bearer token is one the sandbox issued and it has not expired.
fn authorized(z: &Zuora, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let valid = token.is_some_and(|t| z.control.valid(t.trim()));
    if valid {
        Ok(())
    } else {
        Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            90000011,
            "this resource is protected, please sign in first",
        )))
    }
}

async fn query(
    State(z): State<Arc<Zuora>>,
    Path(object): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
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
fn with_text(
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
fn field_of<'a>(row: &'a Value, name: &str) -> &'a Value {
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
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => text(a).cmp(&text(b)),
    }
}

fn text(v: &Value) -> String {
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

async fn by_key(
    State(z): State<Arc<Zuora>>,
    Path((object, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
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
        None => error(
            StatusCode::NOT_FOUND,
            50000040,
            &format!("Cannot find entity by key: '{key}'."),
        ),
    }
}

/// Runs a write once per `Idempotency-Key`: a repeat with the same path and body gets the
/// first answer again with `409`, as Zuora's guide describes; the same key on another request is
/// a `422`.
fn idempotent(
    z: &Zuora,
    headers: &HeaderMap,
    path: &str,
    body: &Value,
    write: impl FnOnce() -> (u16, Value),
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(key) = &key {
        if let Some((first_path, first_body, _, answer)) = lock(&z.idempotency).get(key) {
            return if first_path == path && first_body == body {
                (StatusCode::CONFLICT, Json(answer.clone())).into_response()
            } else {
                error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    50000020,
                    "The Idempotency-Key was used with another request.",
                )
            };
        }
    }
    let (status, answer) = write();
    if let Some(key) = key {
        lock(&z.idempotency).insert(key, (path.to_owned(), body.clone(), status, answer.clone()));
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, Json(answer)).into_response()
}

/// `POST /v1/accounts`: creates an account, optionally under a parent (same currency).
async fn create_account(
    State(z): State<Arc<Zuora>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    idempotent(&z, &headers, "/v1/accounts", &body, || {
        let required = |field: &str| body[field].as_str().filter(|v| !v.trim().is_empty());
        let Some(name) = required("name").filter(|n| n.chars().count() <= 255) else {
            return (200, envelope(50000022, "Missing required field: name"));
        };
        let Some(currency) = required("currency").filter(|c| c.len() == 3) else {
            return (200, envelope(50000022, "Missing required field: currency"));
        };
        let contact = &body["billToContact"];
        if contact["firstName"].as_str().is_none() || contact["lastName"].as_str().is_none() {
            return (
                200,
                envelope(50000022, "Missing required field: billToContact"),
            );
        }
        let bcd = body["billCycleDay"].as_i64().unwrap_or(-1);
        if !(0..=31).contains(&bcd) {
            return (
                200,
                envelope(50000020, "Invalid value for field billCycleDay"),
            );
        }
        let mut objects = lock(&z.objects);
        let accounts = objects.entry("accounts").or_default();
        if let Some(parent) = body["parentId"].as_str() {
            match accounts.iter().find(|a| a["id"] == parent) {
                None => {
                    return (
                        200,
                        envelope(50000040, &format!("Cannot find entity by key: '{parent}'.")),
                    )
                }
                Some(p) if p["currency"] != currency => {
                    return (
                        200,
                        envelope(
                            50000030,
                            "The parent and child accounts must use the same currency.",
                        ),
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
        let now = timestamp(chrono::Utc::now());
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

/// `POST /v1/payments`: a payment on an account, applied to some of its invoices, lowering
/// their balances and the account's.
async fn create_payment(
    State(z): State<Arc<Zuora>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    idempotent(&z, &headers, "/v1/payments", &body, || {
        let mut objects = lock(&z.objects);
        let key = body["accountId"]
            .as_str()
            .or_else(|| body["accountNumber"].as_str());
        let Some(account) = objects
            .get("accounts")
            .and_then(|accounts| {
                accounts
                    .iter()
                    .find(|a| key.is_some_and(|k| a["id"] == k || a["accountNumber"] == k))
            })
            .cloned()
        else {
            return (
                200,
                envelope(
                    50000040,
                    &format!("Cannot find entity by key: '{}'.", key.unwrap_or_default()),
                ),
            );
        };
        let Some(amount) = body["amount"].as_f64().filter(|a| *a > 0.0) else {
            return (200, envelope(50000020, "Invalid value for field amount"));
        };
        if body["currency"] != account["currency"] {
            return (
                200,
                envelope(
                    50000030,
                    "The payment currency must be the account's currency.",
                ),
            );
        }
        if let Some(method) = body["paymentMethodId"].as_str() {
            let owned = objects.get("payment-methods").is_some_and(|methods| {
                methods
                    .iter()
                    .any(|m| m["id"] == method && m["accountId"] == account["id"])
            });
            if !owned {
                return (
                    200,
                    envelope(50000040, &format!("Cannot find entity by key: '{method}'.")),
                );
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
            return (
                200,
                envelope(50000030, "The applied amount exceeds the payment amount."),
            );
        }
        let invoices = objects.entry("invoices").or_default();
        for (key, part) in &applications {
            let Some(invoice) = invoices
                .iter()
                .find(|i| i["id"] == key.as_str() || i["invoiceNumber"] == key.as_str())
            else {
                return (
                    200,
                    envelope(50000040, &format!("Cannot find entity by key: '{key}'.")),
                );
            };
            if invoice["accountId"] != account["id"] {
                return (
                    200,
                    envelope(50000030, "The invoice belongs to another account."),
                );
            }
            if *part <= 0.0 || *part > invoice["balance"].as_f64().unwrap_or(0.0) + 1e-9 {
                return (
                    200,
                    envelope(50000030, "The applied amount exceeds the invoice balance."),
                );
            }
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut links = Vec::new();
        for (key, part) in &applications {
            if let Some(invoice) = invoices
                .iter_mut()
                .find(|i| i["id"] == key.as_str() || i["invoiceNumber"] == key.as_str())
            {
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
        let now = timestamp(chrono::Utc::now());
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

/// `POST /v1/orders`: the subscription actions partnergraph uses — `CreateSubscription`
/// (the order's account is the invoice owner; `subscriptionOwnerAccountNumber` may name a child
/// as the subscription owner), `UpdateProduct` (seats) and `CancelSubscription` — all or none.
async fn create_order(
    State(z): State<Arc<Zuora>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Json(body): Json<Value>,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    let return_ids = raw
        .as_deref()
        .unwrap_or_default()
        .contains("returnIds=true");
    idempotent(&z, &headers, "/v1/orders", &body, || {
        let mut objects = lock(&z.objects);
        // Work on a copy: an order applies all of its actions or none.
        let mut draft = objects.clone();
        match apply_order(&mut draft, &body, return_ids) {
            Ok(answer) => {
                *objects = draft;
                (200, answer)
            }
            Err((code, message)) => (200, envelope(code, &message)),
        }
    })
}

type OrderError = (u64, String);

fn apply_order(
    objects: &mut HashMap<&'static str, Vec<Value>>,
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
    let find_account = |objects: &HashMap<&'static str, Vec<Value>>, key: &str| {
        objects
            .get("accounts")
            .and_then(|a| {
                a.iter()
                    .find(|a| a["id"] == key || a["accountNumber"] == key)
            })
            .cloned()
    };
    let key = body["existingAccountNumber"]
        .as_str()
        .or_else(|| body["existingAccountId"].as_str())
        .ok_or((
            50000022,
            "An order needs existingAccountNumber or existingAccountId".to_owned(),
        ))?;
    let account = find_account(objects, key)
        .ok_or((50000040, format!("Cannot find entity by key: '{key}'.")))?;
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
                        owner = find_account(objects, owner_number).ok_or((
                            50000040,
                            format!("Cannot find entity by key: '{owner_number}'."),
                        ))?;
                    }
                    let plan = &create["subscribeToRatePlans"][0];
                    let plan_id = plan["productRatePlanId"].as_str().ok_or((
                        50000022,
                        "Missing required field: productRatePlanId".to_owned(),
                    ))?;
                    let quantity = plan["chargeOverrides"][0]["pricing"]["recurringPerUnit"]
                        ["quantity"]
                        .as_i64()
                        .unwrap_or(1);
                    let subscriptions = objects.entry("subscriptions").or_default();
                    let next = format!("A-S{:08}", subscriptions.len() + 1);
                    let local = format!("order-sub-{}", uuid::Uuid::new_v4().simple());
                    let terms = &create["terms"];
                    let months = terms["initialTerm"]["period"].as_u64().unwrap_or(12) as u32;
                    let mut plans = rate_plans(&local, "", quantity);
                    plans[0]["productRatePlanId"] = json!(plan_id);
                    plans[0]["ratePlanCharges"][0]["productRatePlanChargeId"] =
                        plan["chargeOverrides"][0]["productRatePlanChargeId"].clone();
                    let now = timestamp(chrono::Utc::now());
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
                Some(kind @ ("UpdateProduct" | "CancelSubscription")) => {
                    let wanted = number
                        .clone()
                        .ok_or((50000022, format!("{kind} needs a subscriptionNumber")))?;
                    let subscription = objects
                        .get_mut("subscriptions")
                        .and_then(|s| s.iter_mut().find(|s| s["name"] == wanted.as_str()))
                        .ok_or((50000040, format!("Cannot find entity by key: '{wanted}'.")))?;
                    if subscription["status"] == "Cancelled" {
                        return Err((50000030, format!("The subscription {wanted} is cancelled.")));
                    }
                    if kind == "UpdateProduct" {
                        let update = &action["updateProduct"];
                        let quantity = update["chargeUpdates"][0]["pricing"]["recurringPerUnit"]
                            ["quantity"]
                            .as_i64()
                            .ok_or((50000022, "Missing required field: quantity".to_owned()))?;
                        subscription[RATE_PLANS][0]["ratePlanCharges"][0]["quantity"] =
                            json!(quantity);
                    } else {
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
                    }
                    status = subscription["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let owner_id = subscription["accountId"].clone();
                    if let Some(o) = owner_id.as_str().and_then(|id| find_account(objects, id)) {
                        owner = o;
                    }
                }
                Some(kind @ ("AddProduct" | "RemoveProduct" | "TermsAndConditions")) => {
                    let wanted = number
                        .clone()
                        .ok_or((50000022, format!("{kind} needs a subscriptionNumber")))?;
                    let subscription = objects
                        .get_mut("subscriptions")
                        .and_then(|s| s.iter_mut().find(|s| s["name"] == wanted.as_str()))
                        .ok_or((50000040, format!("Cannot find entity by key: '{wanted}'.")))?;
                    if subscription["status"] == "Cancelled" {
                        return Err((50000030, format!("The subscription {wanted} is cancelled.")));
                    }
                    match kind {
                        "AddProduct" => {
                            let add = &action["addProduct"];
                            let plan_id = add["productRatePlanId"].as_str().ok_or((
                                50000022,
                                "Missing required field: productRatePlanId".to_owned(),
                            ))?;
                            let quantity = add["chargeOverrides"][0]["pricing"]["recurringPerUnit"]
                                ["quantity"]
                                .as_i64()
                                .unwrap_or(1);
                            let local = format!("{wanted}/{}", uuid::Uuid::new_v4().simple());
                            let added = rate_plans(&local, plan_id, quantity);
                            if let Some(plans) = subscription[RATE_PLANS].as_array_mut() {
                                plans.extend(added.as_array().into_iter().flatten().cloned());
                            }
                        }
                        "RemoveProduct" => {
                            let plan = action["removeProduct"]["ratePlanId"].clone();
                            let plans = subscription[RATE_PLANS].as_array_mut().ok_or((
                                50000040,
                                "The subscription has no rate plans".to_owned(),
                            ))?;
                            let before = plans.len();
                            plans.retain(|p| p["id"] != plan);
                            if plans.len() == before {
                                return Err((
                                    50000040,
                                    format!("Cannot find entity by key: '{plan}'."),
                                ));
                            }
                        }
                        _ => {
                            if let Some(renew) = action["termsAndConditions"]["autoRenew"].as_bool()
                            {
                                subscription["autoRenew"] = json!(renew);
                            }
                        }
                    }
                    subscription["updatedDate"] = json!(timestamp(chrono::Utc::now()));
                    status = subscription["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
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

fn results_ids(subscriptions: &Value) -> Vec<Value> {
    subscriptions
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["subscriptionId"].clone())
        .collect()
}

/// An amount rounded to cents, as a JSON number.
fn cents(amount: f64) -> Value {
    Value::from((amount * 100.0).round() / 100.0)
}

/// `DELETE /v1/accounts/{key}`: removes an account with its subscriptions, invoices, payments
/// and payment methods. Zuora runs this as a background job; the sandbox finishes it at once and
/// says so in `jobStatus`.
async fn delete_account(
    State(z): State<Arc<Zuora>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    let mut objects = lock(&z.objects);
    let Some(id) = objects.get("accounts").and_then(|accounts| {
        accounts
            .iter()
            .find(|a| a["id"] == key.as_str() || a["accountNumber"] == key.as_str())
            .map(|a| a["id"].clone())
    }) else {
        return error(
            StatusCode::NOT_FOUND,
            50000040,
            &format!("Cannot find entity by key: '{key}'."),
        );
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

/// `PUT /v1/subscriptions/{key}/delete`: removes a subscription (by number or id).
async fn delete_subscription(
    State(z): State<Arc<Zuora>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    let mut objects = lock(&z.objects);
    let subscriptions = objects.entry("subscriptions").or_default();
    let before = subscriptions.len();
    subscriptions.retain(|s| s["id"] != key.as_str() && s["name"] != key.as_str());
    if subscriptions.len() == before {
        return error(
            StatusCode::NOT_FOUND,
            50000040,
            &format!("Cannot find entity by key: '{key}'."),
        );
    }
    Json(json!({ "success": true })).into_response()
}

/// The rows from `offset` on, at most `batch`, as a ZOQL answer; the rest is kept under a
/// `queryLocator`.
fn zoql_batch(z: &Zuora, rows: Vec<Value>, offset: usize, batch: usize) -> Response {
    let size = rows.len();
    let end = (offset + batch).min(size);
    let mut body = json!({ "records": rows[offset..end], "size": size, "done": end == size });
    if end < size {
        let locator = format!("{}-{end}", uuid::Uuid::new_v4().simple());
        body["queryLocator"] = json!(locator);
        lock(&z.locators).insert(locator, (rows, end));
    }
    Json(body).into_response()
}

/// `POST /v1/action/query`: a ZOQL query, answered in batches of `conf.batchSize`.
async fn zoql_query(
    State(z): State<Arc<Zuora>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    let batch = body["conf"]["batchSize"]
        .as_u64()
        .map_or(ZOQL_BATCH, |b| b as usize);
    if !(1..=ZOQL_BATCH).contains(&batch) {
        return error(
            StatusCode::BAD_REQUEST,
            50000020,
            "batchSize must be between 1 and 2000",
        );
    }
    let Some(query) = body["queryString"].as_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            50000022,
            "Missing required field: queryString",
        );
    };
    let rows = zoql::run(&lock(&z.objects), query);
    match rows {
        Ok(rows) => zoql_batch(&z, rows, 0, batch),
        Err(message) => error(StatusCode::BAD_REQUEST, 50000020, &message),
    }
}

/// `POST /v1/action/queryMore`: the next batch of a ZOQL query.
async fn zoql_more(
    State(z): State<Arc<Zuora>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(denied) = authorized(&z, &headers) {
        return *denied;
    }
    let locator = body["queryLocator"].as_str().unwrap_or_default();
    let Some((rows, offset)) = lock(&z.locators).remove(locator) else {
        return error(StatusCode::BAD_REQUEST, 50000020, "invalid queryLocator");
    };
    zoql_batch(&z, rows, offset, ZOQL_BATCH)
}

/// Where a stored subscription keeps its rate plans: shown as `ratePlans` only when the query
/// expands them, as Object Query does.
const RATE_PLANS: &str = "_ratePlans";

/// One rate plan with one per-unit recurring charge of `quantity`.
fn rate_plans(subscription: &str, offer: &str, quantity: i64) -> Value {
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

/// A row as Object Query shows it: rate plans only when expanded, charges only when those are.
fn shown(row: &Value, expand: &[&str], include_nulls: bool) -> Value {
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

/// The demo offers as Zuora's product catalog: a product per SKU, a product rate plan per offer
/// (the portal's sales channel, eligible partners and offer code as custom fields, as tenants
/// model them), one per-unit recurring "Seats" charge per plan, and its price tier.
fn catalog(demo: &DemoData, created: &str) -> (Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>) {
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

/// A decimal as Zuora writes it: a JSON number.
fn number(d: Decimal) -> Value {
    d.to_f64().map(Value::from).unwrap_or(Value::Null)
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The demo world's billing side as Zuora objects, by Object Query name.
fn seed(demo: &DemoData) -> HashMap<&'static str, Vec<Value>> {
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
                "id": id(a.id.as_str()),
                "accountNumber": a.account_number,
                "name": a.name,
                "balance": number(a.balance.amount),
                "currency": a.balance.currency,
                "status": "Active",
                "billCycleDay": 1,
                "autoPay": false,
                "parentId": a.parent_id.as_ref().map(|p| id(p.as_str())),
                "crmId": crm_of.get(a.id.as_str()),
                "createdDate": created,
                "updatedDate": created,
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
            json!({
                "id": id(s.id.as_str()),
                "name": s.number,
                "accountId": id(s.account_id.as_str()),
                "invoiceOwnerId": id(owner),
                "status": match s.status {
                    SubscriptionStatus::Pending => "Pending Activation",
                    SubscriptionStatus::Active => "Active",
                    SubscriptionStatus::Suspended => "Suspended",
                    SubscriptionStatus::Cancelled => "Cancelled",
                    SubscriptionStatus::Expired => "Expired",
                },
                "termType": "TERMED",
                "termStartDate": s.start_date.to_string(),
                "termEndDate": s.term_end_date.map(|d| d.to_string()),
                "autoRenew": s.auto_renew,
                "createdDate": created,
                "updatedDate": created,
                RATE_PLANS: rate_plans(
                    s.id.as_str(),
                    s.offer_id.as_ref().map_or("", |o| o.as_str()),
                    s.quantity,
                ),
            })
        })
        .collect();
    let invoices = demo
        .invoices
        .iter()
        .map(|i| {
            json!({
                "id": id(i.id.as_str()),
                "invoiceNumber": i.number,
                "accountId": id(i.account_id.as_str()),
                "invoiceDate": i.invoice_date.to_string(),
                "dueDate": i.due_date.to_string(),
                "amount": number(i.amount.amount),
                "balance": number(i.balance.amount),
                "currency": i.amount.currency,
                "status": match i.status {
                    InvoiceStatus::Draft => "Draft",
                    InvoiceStatus::Open | InvoiceStatus::Paid => "Posted",
                    InvoiceStatus::Canceled => "Canceled",
                },
                "createdDate": created,
                "updatedDate": created,
            })
        })
        .collect();
    let payments = demo
        .payments
        .iter()
        .map(|p| {
            json!({
                "id": id(p.id.as_str()),
                "paymentNumber": p.number,
                "accountId": id(p.account_id.as_str()),
                "amount": number(p.amount.amount),
                "currency": p.amount.currency,
                "effectiveDate": p.effective_date.to_string(),
                "status": match p.status {
                    PaymentStatus::Error => "Error",
                    PaymentStatus::Processed | PaymentStatus::Refunded => "Processed",
                },
                "refundAmount": if p.status == PaymentStatus::Refunded { number(p.amount.amount) } else { Value::from(0) },
                "type": "Electronic",
                "paymentMethodId": p.payment_method_id.as_ref().map(|m| id(m.as_str())),
                "createdDate": created,
                "updatedDate": created,
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

#[cfg(test)]
mod tests {
    use super::*;

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
