//! A local Zuora: the OAuth token endpoint and Object Query reads of accounts, subscriptions,
//! invoices, payments, payment methods and the product catalog (products, product rate plans,
//! their charges and price tiers), in Zuora's wire format
//! (as Zuora's REST reference and OpenAPI spec describe it), seeded from the demo world.
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
//! `PUT /v1/accounts/{key}` (name, `crmId`, notes, sales rep), `DELETE /v1/accounts/{key}`,
//! `PUT /v1/subscriptions/{key}/delete`, and CRUD's `PUT /v1/object/product-rate-plan/{id}`
//! (the plan's name, description, dates and custom fields, in CRUD's capitalised
//! `Success`/`Errors` envelope). Subscriptions carry rate plans and charges
//! (`expand[]=rateplans.rateplancharges`). ZOQL (`/v1/action/query`, `queryMore`) for the subset
//! in `zoql`, including `InvoicePayment`, which links payments to the invoices they paid.
//!
//! This file holds the tenant's shared state and its routes; the rooms beside it:
//! - `auth`: `POST /oauth/token` (client credentials);
//! - `object_query`: `/object-query/{object}[/{key}]`, the reads of every object;
//! - `zoql`: `/v1/action/query` and `queryMore`, and the ZOQL subset they run;
//! - `accounts`: creating, updating and deleting accounts;
//! - `catalog`: CRUD updates of product rate plans (publishing an offer);
//! - `payments`: creating payments applied to invoices;
//! - `subscriptions`: rate plans as stored and shown, and deleting subscriptions;
//! - `orders`: `POST /v1/orders`, the subscription actions;
//! - `wire`: the error envelope, the token check, idempotency, headers and faults;
//! - `seed`: the demo world's billing side and catalog as Zuora objects.

use crate::indexed::Indexed;
use axum::routing::{delete, get, post, put};
use axum::Router;
use partnergraph_core::demo::DemoData;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod accounts;
mod auth;
mod catalog;
mod object_query;
mod orders;
mod payments;
mod seed;
mod subscriptions;
mod wire;
mod zoql;

use crate::control::{serve, Control};
pub use crate::control::{Faults, Recorded};

/// Where the sandbox keeps ZOQL's `InvoicePayment` rows (how much of a payment went to which
/// invoice). Capitalised so no Object Query path reaches it: Object Query has no such object.
const INVOICE_PAYMENTS: &str = "InvoicePayment";

/// The client credentials the sandbox accepts by default (also in `examples/zuora.toml`).
pub const DEFAULT_CLIENT_ID: &str = "6c3d8b3f-6f9a-4b8e-9d9c-partnergraph";
/// The secret of [`DEFAULT_CLIENT_ID`].
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret-not-for-production";

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
            objects: Mutex::new(Indexed::new(seed::seed(demo))),
            idempotency: Mutex::new(HashMap::new()),
            control: Arc::default(),
            locators: Mutex::new(HashMap::new()),
        })
    }

    /// The HTTP API.
    pub fn router(self: &Arc<Self>) -> Router {
        let api = Router::new()
            .route("/oauth/token", post(auth::token))
            .route("/object-query/{object}", get(object_query::query))
            .route("/object-query/{object}/{key}", get(object_query::by_key))
            .route("/v1/accounts", post(accounts::create_account))
            .route(
                "/v1/accounts/{key}",
                delete(accounts::delete_account).put(accounts::update_account),
            )
            .route(
                "/v1/object/product-rate-plan/{id}",
                put(catalog::update_product_rate_plan),
            )
            .route(
                "/v1/subscriptions/{key}/delete",
                put(subscriptions::delete_subscription),
            )
            .route("/v1/action/query", post(zoql::query))
            .route("/v1/action/queryMore", post(zoql::query_more))
            .route("/v1/payments", post(payments::create_payment))
            .route("/v1/orders", post(orders::create_order));
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
