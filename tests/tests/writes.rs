//! Portal writes over HTTP: who may run them, idempotency, audit, complete deletion, and
//! orders that are all there or not at all, whatever fails.

use async_trait::async_trait;
use partnergraph_core::write::{StepHook, StepPhase};
use partnergraph_tests::{Backend, TestServer};
use serde_json::{json, Value};
use std::sync::Arc;

const PAULA: &str = "paula@acme.example";

const PLACE_ORDER: &str = "mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    customer { id name partner { name } seats }
    subscription { id number quantity invoiceOwner status offer { code } }
  }
}";

/// An offer Acme may sell, with a quantity inside its seat limits.
async fn acme_offer(s: &TestServer) -> (String, i64) {
    let r = s
        .query(
            PAULA,
            "{ offers(first: 1) { nodes { id minSeats } } }",
            json!({}),
        )
        .await;
    let offer = &r.data()["offers"]["nodes"][0];
    (
        offer["id"].as_str().expect("an offer for Acme").to_owned(),
        offer["minSeats"].as_i64().unwrap_or(1).max(1),
    )
}

fn new_customer_order(name: &str, offer: &str, quantity: i64, key: &str) -> Value {
    json!({ "input": {
        "newCustomer": { "name": name, "email": "it@example.com", "firstName": "Ina", "lastName": "Tech" },
        "offerId": offer, "quantity": quantity, "idempotencyKey": key,
    } })
}

/// How many customers named `name` the platform admin sees.
async fn customers_named(s: &TestServer, name: &str) -> u64 {
    let r = s
        .query(
            "admin@platform.example",
            "query($n: String!) { customers(filter: { nameContains: $n }) { totalCount } }",
            json!({ "n": name }),
        )
        .await;
    r.data()["customers"]["totalCount"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

async fn a_partner_orders_for_a_new_customer_once_per_idempotency_key(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let (offer, seats) = acme_offer(&s).await;
    let vars = new_customer_order("Hooli Labs", &offer, seats, "order-hooli-1");
    let first = s.query(PAULA, PLACE_ORDER, vars.clone()).await;
    let payload = &first.data()["placeOrder"];
    assert_eq!(
        payload["customer"]["name"], "Hooli Labs",
        "{:?}",
        first.body
    );
    assert_eq!(payload["customer"]["partner"]["name"], "Acme Cloud");
    assert_eq!(payload["customer"]["seats"], seats);
    assert_eq!(payload["subscription"]["quantity"], seats);
    assert_eq!(payload["subscription"]["status"], "ACTIVE");
    assert!(payload["subscription"]["invoiceOwner"].is_string());

    let replay = s.query(PAULA, PLACE_ORDER, vars).await;
    assert_eq!(
        replay.data()["placeOrder"],
        *payload,
        "a replay answers as the first call"
    );
    assert_eq!(customers_named(&s, "Hooli Labs").await, 1);

    let other = new_customer_order("Hooli Other", &offer, seats, "order-hooli-1");
    let conflict = s.query(PAULA, PLACE_ORDER, other).await;
    assert_eq!(conflict.error_code(), "CONFLICT");
    assert_eq!(customers_named(&s, "Hooli Other").await, 0);

    // The new customer is visible with its contact and subscription through the read side.
    let id = payload["customer"]["id"].as_str().unwrap_or_default();
    let read = s
        .query(
            PAULA,
            "query($id: ID!) { customer(id: $id) { contact { email } subscriptions { totalCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        read.data()["customer"]["contact"]["email"],
        "it@example.com"
    );
    assert_eq!(read.data()["customer"]["subscriptions"]["totalCount"], 1);

    let audit = s
        .query(
            "admin@platform.example",
            "{ auditLog(first: 100) { nodes { action outcome actor { email } } } }",
            json!({}),
        )
        .await;
    let events = audit.data()["auditLog"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "order.place" && e["outcome"] == "SUCCESS"),
        "{events:?}"
    );
}

async fn twenty_concurrent_orders_with_one_key_create_one_customer(backend: Backend) {
    let s = Arc::new(TestServer::dedicated(backend));
    let (offer, seats) = acme_offer(&s).await;
    let token = s.token(PAULA).await;
    let vars = new_customer_order("Concurrent Co", &offer, seats, "order-concurrent");
    let body = json!({ "query": PLACE_ORDER, "variables": vars });
    let calls = (0..20).map(|_| {
        let s = s.clone();
        let token = token.clone();
        let body = body.clone();
        tokio::spawn(async move { s.post_json(Some(&token), &body).await })
    });
    let answers = futures::future::join_all(calls).await;
    let ids: std::collections::HashSet<String> = answers
        .into_iter()
        .filter_map(|a| a.ok())
        .filter_map(|r| {
            r.body["data"]["placeOrder"]["customer"]["id"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the same customer");
    assert_eq!(customers_named(&s, "Concurrent Co").await, 1);
}

async fn writes_are_refused_without_the_permission_and_out_of_scope_ids_are_not_found(
    backend: Backend,
) {
    let s = TestServer::shared(backend);
    let (offer, seats) = acme_offer(&s).await;
    let create =
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }";
    let input = json!({ "i": { "customer": { "name": "Viewer Co", "email": "a@b.example" } } });
    let viewer = s.query("victor@acme.example", create, input).await;
    assert_eq!(viewer.error_code(), "FORBIDDEN");

    let order = new_customer_order("Customer Co", &offer, seats, "by-carl");
    let carl = s.query("carl@initech.example", PLACE_ORDER, order).await;
    assert_eq!(carl.error_code(), "FORBIDDEN");

    let acme = s
        .query(
            PAULA,
            "{ customers(first: 1, orderBy: { field: NAME }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let acme_customer = acme.data()["customers"]["nodes"][0]["id"].clone();
    let delete = "mutation($i: CustomerActionInput!) { deleteCustomer(input: $i) { name } }";
    let olga = s
        .query(
            "olga@globex.example",
            delete,
            json!({ "i": { "customerId": acme_customer } }),
        )
        .await;
    assert_eq!(
        olga.error_code(),
        "NOT_FOUND",
        "another partner's customer does not exist for Olga"
    );
    let paula = s
        .query(
            PAULA,
            delete,
            json!({ "i": { "customerId": acme_customer } }),
        )
        .await;
    assert_eq!(
        paula.error_code(),
        "FORBIDDEN",
        "the PARTNER profile may not delete"
    );

    let mut bad = new_customer_order("Bad Email", &offer, seats, "bad-email");
    bad["input"]["newCustomer"]["email"] = json!("not-an-email");
    let bad = s.query(PAULA, PLACE_ORDER, bad).await;
    assert_eq!(bad.error_code(), "BAD_USER_INPUT");
    assert_eq!(bad.body["errors"][0]["extensions"]["field"], "email");
    let mut zero = new_customer_order("Zero Seats", &offer, 0, "zero-seats");
    zero["input"]["newCustomer"]["email"] = json!("ok@zero.example");
    let zero = s.query(PAULA, PLACE_ORDER, zero).await;
    assert_eq!(zero.error_code(), "BAD_USER_INPUT");
    assert_eq!(zero.body["errors"][0]["extensions"]["field"], "quantity");
    s.assert_still_serving().await;
}

async fn deleting_a_customer_leaves_no_row_of_it_in_any_table(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let r = s
        .query(
            "dana@northwind.example",
            "{ customers(first: 1, filter: { nameContains: \"Initech\" }) {
                 nodes { id name externalIds { billing crm } subscriptions { totalCount } } } }",
            json!({}),
        )
        .await;
    let customer = r.data()["customers"]["nodes"][0].clone();
    let id = customer["id"].as_str().expect("Initech").to_owned();
    let local = partnergraph_core::GlobalId::decode(&id)
        .expect("global id")
        .local;
    let billing = customer["externalIds"]["billing"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let crm = customer["externalIds"]["crm"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!s.tables_mentioning(&local).await.is_empty());

    let delete = "mutation($i: CustomerActionInput!) {
      deleteCustomer(input: $i) { deletedCustomerId name subscriptions invoices users cases }
    }";
    let d = s
        .query(
            "dana@northwind.example",
            delete,
            json!({ "i": { "customerId": id } }),
        )
        .await;
    let payload = &d.data()["deleteCustomer"];
    assert_eq!(payload["name"], "Initech", "{:?}", d.body);
    assert!(payload["subscriptions"].as_u64() > Some(0));
    assert!(payload["users"].as_u64() > Some(0));

    for needle in [&local, &billing, &crm] {
        assert_eq!(
            s.tables_mentioning(needle).await,
            Vec::<&str>::new(),
            "rows naming {needle}"
        );
    }
    let again = s
        .query(
            "dana@northwind.example",
            delete,
            json!({ "i": { "customerId": id } }),
        )
        .await;
    assert_eq!(again.error_code(), "NOT_FOUND");
}

/// Fails one saga step, before or after its capability ran.
struct FailAt {
    step: &'static str,
    phase: StepPhase,
}

#[async_trait]
impl StepHook for FailAt {
    async fn on_step(&self, step: &str, phase: StepPhase) -> partnergraph_core::Result<()> {
        if step == self.step && phase == self.phase {
            Err(partnergraph_core::UpstreamError::Unavailable("injected".to_owned()).into())
        } else {
            Ok(())
        }
    }
}

async fn an_order_failing_at_any_step_leaves_nothing_and_replays_its_error(backend: Backend) {
    let steps = [
        "billing.account",
        "crm.account",
        "crm.contact",
        "directory.customer",
        "billing.subscription",
    ];
    for step in steps {
        for phase in [StepPhase::Before, StepPhase::After] {
            let s = TestServer::dedicated_with_hook(backend, Arc::new(FailAt { step, phase }));
            let (offer, seats) = acme_offer(&s).await;
            let name = format!("Faulty {step} {phase:?}");
            let vars = new_customer_order(&name, &offer, seats, "faulty");
            let r = s.query(PAULA, PLACE_ORDER, vars.clone()).await;
            assert_eq!(
                r.error_code(),
                "UPSTREAM_UNAVAILABLE",
                "{step} {phase:?}: {:?}",
                r.body
            );
            assert_eq!(customers_named(&s, &name).await, 0, "{step} {phase:?}");
            let orphans = s.tables_mentioning(&name).await;
            assert_eq!(
                orphans,
                Vec::<&str>::new(),
                "{step} {phase:?} left records behind"
            );
            let replay = s.query(PAULA, PLACE_ORDER, vars).await;
            assert_eq!(
                replay.error_code(),
                "UPSTREAM_UNAVAILABLE",
                "the replay answers the same"
            );
        }
    }
}

/// Stalls one saga step forever, like a process that dies there; tells the test when reached.
struct StallAt {
    step: &'static str,
    phase: StepPhase,
    reached: tokio::sync::Notify,
}

#[async_trait]
impl StepHook for StallAt {
    async fn on_step(&self, step: &str, phase: StepPhase) -> partnergraph_core::Result<()> {
        if step == self.step && phase == self.phase {
            self.reached.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

async fn an_order_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart(backend: Backend) {
    let steps = [
        "billing.account",
        "crm.account",
        "crm.contact",
        "directory.customer",
        "billing.subscription",
    ];
    for step in steps {
        for phase in [StepPhase::Before, StepPhase::After] {
            let hook = Arc::new(StallAt {
                step,
                phase,
                reached: tokio::sync::Notify::new(),
            });
            let s = TestServer::dedicated_with_hook(backend, hook.clone());
            let (offer, seats) = acme_offer(&s).await;
            let name = format!("Crashed {step} {phase:?}");
            let vars = new_customer_order(&name, &offer, seats, "crash-key");
            let token = s.token(PAULA).await;
            let body = json!({ "query": PLACE_ORDER, "variables": vars.clone() });
            let url = s.url.clone();
            let cut_off = tokio::spawn(async move {
                reqwest::Client::new()
                    .post(format!("{url}/graphql"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
            });
            tokio::time::timeout(std::time::Duration::from_secs(10), hook.reached.notified())
                .await
                .expect("the order reaches the step");

            let s = tokio::task::block_in_place(|| {
                s.restart(Arc::new(partnergraph_core::write::NoHook))
            });
            assert!(
                cut_off.await.expect("client task").is_err(),
                "the first call never got an answer"
            );
            assert_eq!(
                customers_named(&s, &name).await,
                1,
                "{step} {phase:?}: the order exists once"
            );
            let replay = s.query(PAULA, PLACE_ORDER, vars).await;
            let payload = &replay.data()["placeOrder"];
            assert_eq!(payload["customer"]["name"], name.as_str());
            assert_eq!(payload["subscription"]["quantity"], seats);
            let id = payload["customer"]["id"].as_str().unwrap_or_default();
            let read = s
                .query(
                    PAULA,
                    "query($id: ID!) { customer(id: $id) { contact { email } subscriptions { totalCount } } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                read.data()["customer"]["subscriptions"]["totalCount"],
                1,
                "{step} {phase:?}"
            );
            assert_eq!(
                read.data()["customer"]["contact"]["email"],
                "it@example.com"
            );
        }
    }
}

/// Declares each listed `async fn(Backend)` as a test on SQLite, and on PostgreSQL with the
/// `postgres` feature. Multi-threaded: a crash test blocks while the old gateway stops.
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await;
                }
            )+
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await;
                }
            )+
        }
    };
}

on_each_backend!(
    a_partner_orders_for_a_new_customer_once_per_idempotency_key,
    twenty_concurrent_orders_with_one_key_create_one_customer,
    writes_are_refused_without_the_permission_and_out_of_scope_ids_are_not_found,
    deleting_a_customer_leaves_no_row_of_it_in_any_table,
    an_order_failing_at_any_step_leaves_nothing_and_replays_its_error,
    an_order_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart,
);
