//! Portal writes over HTTP: who may run them, idempotency, audit, complete deletion, and
//! orders that are all there or not at all, whatever fails.

use partnergraph_core::ids::{CaseId, InvoiceId, OfferId, PaymentMethodId, SubscriptionId};
use partnergraph_core::write::StepPhase;
use partnergraph_demo::{billing_id, crm_id};
use partnergraph_tests::assert::{assert_audited, assert_ok, audit_log, bare_mutation, mutate};
use partnergraph_tests::faults::{crash_during, FailAt, StallAt};
use partnergraph_tests::personas::ADMIN;
use partnergraph_tests::queries::{by_id, find, CUSTOMER_CONTACT};
use partnergraph_tests::{on_each_backend, Backend, TestServer};
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
    let count = "query($n: String!) { customers(filter: { nameContains: $n }) { totalCount } }";
    let r = s.query(ADMIN, count, json!({ "n": name })).await;
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
    assert_ordered_customer_reads_back(&s, payload, "the first order").await;
    assert_audited(&s, "order.place", "SUCCESS").await;
}

/// Asserts the customer an order created reads back with the order's contact and its one
/// subscription; `why` names the order in a failure.
async fn assert_ordered_customer_reads_back(s: &TestServer, payload: &Value, why: &str) {
    let read = by_id(s, PAULA, CUSTOMER_CONTACT, &payload["customer"]["id"]).await;
    let customer = &read.data()["customer"];
    assert_eq!(customer["subscriptions"]["totalCount"], 1, "{why}");
    assert_eq!(customer["contact"]["email"], "it@example.com", "{why}");
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
    let target = json!({ "i": { "customerId": acme_customer } });
    let olga = s.query("olga@globex.example", delete, target.clone()).await;
    assert_eq!(
        olga.error_code(),
        "NOT_FOUND",
        "another partner's customer does not exist for Olga"
    );
    let paula = s.query(PAULA, delete, target).await;
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
    let initech = json!({ "i": { "customerId": id } });
    let d = s
        .query("dana@northwind.example", delete, initech.clone())
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
    let again = s.query("dana@northwind.example", delete, initech).await;
    assert_eq!(again.error_code(), "NOT_FOUND");
}

/// The steps of an order for a new customer, in the order they run.
const ORDER_STEPS: [&str; 5] = [
    "billing.account",
    "crm.account",
    "billing.crm",
    "directory.customer",
    "billing.subscription",
];

async fn an_order_failing_at_any_step_leaves_nothing_and_replays_its_error(backend: Backend) {
    for step in ORDER_STEPS {
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

async fn an_order_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart(backend: Backend) {
    for step in ORDER_STEPS {
        for phase in [StepPhase::Before, StepPhase::After] {
            let hook = Arc::new(StallAt::new(step, phase));
            let s = TestServer::dedicated_with_hook(backend, hook.clone());
            let (offer, seats) = acme_offer(&s).await;
            let name = format!("Crashed {step} {phase:?}");
            let vars = new_customer_order(&name, &offer, seats, "crash-key");
            let s = crash_during(s, &hook, PAULA, PLACE_ORDER, vars.clone(), async |_| {}).await;
            assert_eq!(
                customers_named(&s, &name).await,
                1,
                "{step} {phase:?}: the order exists once"
            );
            let replay = s.query(PAULA, PLACE_ORDER, vars).await;
            let payload = &replay.data()["placeOrder"];
            assert_eq!(payload["customer"]["name"], name.as_str());
            assert_eq!(payload["subscription"]["quantity"], seats);
            assert_ordered_customer_reads_back(&s, payload, &format!("{step} {phase:?}")).await;
        }
    }
}

const INITECH: &str = "Q3VzdG9tZXI6Y3VzLTAwMQ";
const ACME: &str = "T3JnYW5pemF0aW9uOm9yZy1hY21l";

/// Initech's first subscription, its open invoice, its card and the standard offer, by the
/// billing-shaped ids the demo gives them (the local store and the Zuora sandbox share them).
fn initech_subscription() -> String {
    SubscriptionId(billing_id("sub-0001")).global().to_string()
}
fn initech_open_invoice() -> String {
    InvoiceId(billing_id("inv-00003")).global().to_string()
}
fn initech_card() -> String {
    let account = billing_id("ba-cus-001");
    PaymentMethodId(billing_id(&format!("pm-{account}-1")))
        .global()
        .to_string()
}
/// Initech's first case, by the Salesforce-shaped id the demo gives it.
fn initech_case() -> String {
    CaseId(crm_id("500", "case-0001")).global().to_string()
}
fn standard_offer() -> String {
    OfferId(billing_id("offer-01")).global().to_string()
}

/// Runs `mutation` with `input` as `who` and checks the outcome: `None` for success, or the
/// expected `extensions.code`.
async fn expect(
    s: &TestServer,
    who: &str,
    mutation: &str,
    input: Value,
    outcome: Option<&str>,
) -> Value {
    let field = mutation.split(['(', ' ']).nth(1).unwrap_or_default();
    let r = mutate(s, who, &bare_mutation(mutation), input).await;
    match outcome {
        None => assert_ok(&r, &format!("{who} {field}")),
        Some(code) => assert_eq!(r.error_code(), code, "{who} {field}: {}", r.body),
    }
    r.body
}

async fn each_mutation_runs_for_a_persona_that_may_and_is_refused_for_others(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let (victor, olga, carl, dana) = (
        "victor@acme.example",
        "olga@globex.example",
        "carl@initech.example",
        "dana@northwind.example",
    );
    let create = "CreateCustomerInput createCustomer";
    let new = |name: &str| json!({ "customer": { "name": name, "email": "x@y.example" } });
    let mut by_dana = new("Dana Co");
    by_dana["customer"]["partnerId"] = json!(ACME);
    expect(&s, PAULA, create, new("Paula Co"), None).await;
    expect(&s, dana, create, by_dana.clone(), None).await;
    expect(&s, olga, create, by_dana, Some("NOT_FOUND")).await;
    expect(&s, dana, create, new("No Partner"), Some("BAD_USER_INPUT")).await;
    expect(&s, victor, create, new("Victor Co"), Some("FORBIDDEN")).await;
    expect(&s, carl, create, new("Carl Co"), Some("FORBIDDEN")).await;

    let update = "UpdateCustomerInput updateCustomer";
    let rename = json!({ "customerId": INITECH, "name": "Initech" });
    expect(&s, PAULA, update, rename.clone(), None).await;
    expect(&s, olga, update, rename.clone(), Some("NOT_FOUND")).await;
    expect(&s, victor, update, rename.clone(), Some("FORBIDDEN")).await;
    expect(&s, carl, update, rename, Some("FORBIDDEN")).await;
    let bad = json!({ "customerId": INITECH, "email": "nope" });
    expect(&s, PAULA, update, bad, Some("BAD_USER_INPUT")).await;
    let phone = json!({ "customerId": INITECH, "contact": { "lastName": "Lumbergh", "phone": "+1 555 0100" } });
    expect(&s, PAULA, update, phone, None).await;
    let contact_of = "query($id: ID!) { customer(id: $id) { contact { lastName phone } } }";
    let contact = by_id(&s, PAULA, contact_of, &json!(INITECH)).await;
    assert_eq!(
        contact.data()["customer"]["contact"],
        json!({ "lastName": "Lumbergh", "phone": "+1 555 0100" })
    );
    let letters = json!({ "customerId": INITECH, "contact": { "phone": "call me" } });
    expect(&s, PAULA, update, letters, Some("BAD_USER_INPUT")).await;

    let (deactivate, reactivate) = (
        "CustomerActionInput deactivateCustomer",
        "CustomerActionInput reactivateCustomer",
    );
    let initech = json!({ "customerId": INITECH });
    expect(&s, victor, deactivate, initech.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, deactivate, initech.clone(), Some("NOT_FOUND")).await;
    let carl_token = s.token(carl).await;
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    assert_eq!(s.post_json(Some(&carl_token), &viewer).await.status, 200);
    expect(&s, PAULA, deactivate, initech.clone(), None).await;
    let refused = s.post_json(Some(&carl_token), &viewer).await;
    assert_eq!(
        refused.status, 401,
        "a deactivated customer's users are refused"
    );
    expect(&s, dana, reactivate, initech.clone(), None).await;
    assert_eq!(
        s.post_json(Some(&carl_token), &viewer).await.status,
        200,
        "and welcome back"
    );

    let order = "PlaceOrderInput placeOrder";
    let seats = json!({ "customerId": INITECH, "offerId": standard_offer(), "quantity": 2 });
    expect(&s, PAULA, order, seats.clone(), None).await;
    expect(&s, carl, order, seats.clone(), None).await;
    expect(&s, victor, order, seats.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, order, seats, Some("NOT_FOUND")).await;

    // Eligibility is enforced on the server: an offer whose channel or eligible partners
    // exclude Acme cannot be ordered for an Acme customer, by anyone.
    let demo = s.demo();
    let acme = find(&demo.organizations, "Acme", |o| o.id.as_str() == "org-acme");
    let ineligible = find(&demo.offers, "offers Acme may not sell", |o| {
        !o.is_eligible_for(acme)
    });
    let foreign = json!({ "customerId": INITECH, "offerId": ineligible.id.global().encode(), "quantity": ineligible.min_seats.max(1) });
    expect(&s, PAULA, order, foreign.clone(), Some("NOT_FOUND")).await;
    expect(&s, ADMIN, order, foreign, Some("NOT_FOUND")).await;

    let change = "ChangeSubscriptionInput changeSubscription";
    let two = json!({ "subscriptionId": initech_subscription(), "quantity": 2 });
    expect(&s, PAULA, change, two.clone(), None).await;
    expect(&s, victor, change, two.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, change, two, Some("NOT_FOUND")).await;
    let zero = json!({ "subscriptionId": initech_subscription(), "quantity": 0 });
    expect(&s, PAULA, change, zero, Some("BAD_USER_INPUT")).await;

    let pay = "PayInvoiceInput payInvoice";
    let part = json!({ "invoiceId": initech_open_invoice(), "amount": "6.00", "paymentMethodId": initech_card() });
    expect(&s, victor, pay, part.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, pay, part.clone(), Some("NOT_FOUND")).await;
    // A partner's account executive settles its customers' invoices too (the Partner Hub's
    // "option to settle invoices").
    expect(&s, PAULA, pay, part.clone(), None).await;
    let paid = expect(&s, carl, pay, part, None).await;
    assert!(paid["errors"].is_null());
    let over = json!({ "invoiceId": initech_open_invoice(), "amount": "1000000", "paymentMethodId": initech_card() });
    expect(&s, carl, pay, over, Some("BAD_USER_INPUT")).await;
    let dollars = json!({ "invoiceId": initech_open_invoice(), "amount": "1", "currency": "USD", "paymentMethodId": initech_card() });
    expect(&s, carl, pay, dollars, Some("BAD_USER_INPUT")).await;
    let rest = json!({ "invoiceId": initech_open_invoice(), "paymentMethodId": initech_card() });
    expect(&s, carl, pay, rest.clone(), None).await;
    expect(&s, carl, pay, rest, Some("CONFLICT")).await;
    let invoice_of =
        "query($id: ID!) { node(id: $id) { ... on Invoice { status balance { amount } } } }";
    let invoice = by_id(&s, carl, invoice_of, &json!(initech_open_invoice())).await;
    assert_eq!(invoice.data()["node"]["status"], "PAID");

    let open = "CreateCaseInput createCase";
    let case = json!({ "subject": "Help", "customerId": INITECH });
    expect(&s, carl, open, json!({ "subject": "Help" }), None).await;
    expect(&s, PAULA, open, case.clone(), None).await;
    expect(&s, victor, open, case.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, open, case, Some("NOT_FOUND")).await;
    let blank = json!({ "subject": "" });
    expect(&s, carl, open, blank, Some("BAD_USER_INPUT")).await;

    let update_case = "UpdateCaseInput updateCase";
    let escalate = json!({ "caseId": initech_case(), "status": "ESCALATED", "priority": "HIGH" });
    expect(&s, PAULA, update_case, escalate.clone(), None).await;
    expect(&s, victor, update_case, escalate.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, update_case, escalate, Some("NOT_FOUND")).await;
    let comment = "AddCaseCommentInput addCaseComment";
    let note = json!({ "caseId": initech_case(), "body": "Any news?", "idempotencyKey": "note-1" });
    expect(&s, carl, comment, note.clone(), None).await;
    expect(&s, carl, comment, note, None).await;
    let x = json!({ "caseId": initech_case(), "body": "x" });
    expect(&s, victor, comment, x, Some("FORBIDDEN")).await;
    let case = s
        .query(carl, "query($id: ID!) { node(id: $id) { ... on Case { status comments { body authorEmail } } } }", json!({ "id": initech_case() }))
        .await;
    assert_eq!(case.data()["node"]["status"], "ESCALATED");
    assert_eq!(
        case.data()["node"]["comments"],
        json!([{ "body": "Any news?", "authorEmail": carl }]),
        "one comment per key"
    );

    let invite = "InviteCustomerUserInput inviteCustomerUser";
    let peter = json!({ "customerId": INITECH, "email": "peter@initech.example", "firstName": "Peter", "lastName": "Gibbons" });
    expect(&s, PAULA, invite, peter.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, invite, peter.clone(), Some("NOT_FOUND")).await;
    let invited = s
        .query(carl, "mutation($input: InviteCustomerUserInput!) { inviteCustomerUser(input: $input) { user { id status } } }", json!({ "input": peter.clone() }))
        .await;
    assert_eq!(
        invited.data()["inviteCustomerUser"]["user"]["status"],
        "PENDING"
    );
    expect(&s, carl, invite, peter, Some("CONFLICT")).await;
    let remove = "RemoveCustomerUserInput removeCustomerUser";
    let peter_id = invited.data()["inviteCustomerUser"]["user"]["id"].clone();
    let peter = json!({ "userId": peter_id });
    expect(&s, victor, remove, peter.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, remove, peter.clone(), Some("NOT_FOUND")).await;
    expect(&s, carl, remove, peter, None).await;
    let carl_id = s
        .query(carl, "{ viewer { user { id } } }", json!({}))
        .await
        .data()["viewer"]["user"]["id"]
        .clone();
    let carl_self = json!({ "userId": carl_id });
    expect(&s, carl, remove, carl_self, Some("CONFLICT")).await;

    let cancel = "CancelSubscriptionInput cancelSubscription";
    let now = json!({ "subscriptionId": initech_subscription(), "immediately": true });
    expect(&s, victor, cancel, now.clone(), Some("FORBIDDEN")).await;
    expect(&s, olga, cancel, now.clone(), Some("NOT_FOUND")).await;
    expect(&s, carl, cancel, now.clone(), None).await;
    expect(&s, carl, cancel, now, Some("CONFLICT")).await;

    // Every write above left an audit event, successes and refusals alike.
    let actions: Vec<String> = audit_log(&s, dana, "action outcome")
        .await
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or("")
            )
        })
        .collect();
    for action in [
        "customer.create",
        "customer.update",
        "customer.deactivate",
        "customer.reactivate",
        "order.place",
        "subscription.change",
        "subscription.cancel",
        "invoice.pay",
        "case.create",
        "case.update",
        "case.comment",
        "user.invite",
        "user.remove",
    ] {
        assert!(
            actions.contains(&format!("{action} SUCCESS")),
            "{action} missing from {actions:?}"
        );
    }
    for refused in [
        "customer.create DENIED",
        "invoice.pay DENIED",
        "subscription.cancel DENIED",
        "user.invite FAILED",
    ] {
        assert!(
            actions.contains(&refused.to_owned()),
            "{refused} missing from {actions:?}"
        );
    }
    s.assert_still_serving().await;
}

on_each_backend!(
    each_mutation_runs_for_a_persona_that_may_and_is_refused_for_others,
    a_partner_orders_for_a_new_customer_once_per_idempotency_key,
    twenty_concurrent_orders_with_one_key_create_one_customer,
    writes_are_refused_without_the_permission_and_out_of_scope_ids_are_not_found,
    deleting_a_customer_leaves_no_row_of_it_in_any_table,
    an_order_failing_at_any_step_leaves_nothing_and_replays_its_error,
    an_order_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart,
);
