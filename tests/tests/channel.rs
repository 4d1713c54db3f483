//! Channel administration over HTTP, on every backend: onboarding distributors and partners
//! (a saga across billing, CRM and the directory, with each upstream record leading to the
//! other), editing, deactivating and reactivating them, publishing offers per channel, and the
//! per-partner figures of a distributor's pages. Each write is tried by the personas that may
//! and by those that may not: a distributor reaches its own partners only, a partner
//! administers no organization, and out of reach answers like an id that does not exist.

use partnergraph_core::ids::{OfferId, OrgId};
use partnergraph_core::write::StepPhase;
use partnergraph_demo::{billing_id, crm_id};
use partnergraph_tests::assert::{assert_audited, assert_ok, bare_mutation, mutate, refused};
use partnergraph_tests::faults::{clear_requests, crash_during, FailAt, StallAt};
use partnergraph_tests::personas::{ADMIN, ANNA, CARL, DANA, OLGA, PAULA};
use partnergraph_tests::queries::{activation_token, items};
use partnergraph_tests::{on_each_backend, Backend, Response, TestServer};
use serde_json::{json, Value};
use std::sync::Arc;

/// Southgate's distributor administrator: Northwind's peer, with partners of its own.
const SAM: &str = "sam@southgate.example";

const CREATE: &str = "mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization {
      id name kind status salesChannel invoiceOwner email
      parent { id name }
      externalIds { billing crm }
      users { nodes { email status profile { code } } }
    }
  }
}";
const UPDATE: &str = "UpdateOrganizationInput updateOrganization";
const DEACTIVATE: &str = "OrganizationActionInput deactivateOrganization";
const REACTIVATE: &str = "OrganizationActionInput reactivateOrganization";
const UPDATE_OFFER: &str = "mutation($input: UpdateOfferInput!) {
  updateOffer(input: $input) { offer { id label salesChannel eligiblePartners { id } } }
}";

/// The steps of an onboarding with a first administrator, in the order they run.
const ONBOARDING_STEPS: [&str; 5] = [
    "billing.account",
    "crm.account",
    "billing.crm",
    "directory.organization",
    "directory.user",
];

fn org(id: &str) -> String {
    OrgId::from(id).global().encode()
}

/// A partner to onboard, with a first administrator; `key` makes the call idempotent.
fn new_partner(name: &str, admin: &str, key: &str) -> Value {
    json!({
        "organization": {
            "kind": "PARTNER", "name": name, "email": "channel@fabrikam.example",
            "firstName": "Fran", "lastName": "Fabri",
            "admin": { "email": admin, "firstName": "Fred", "lastName": "Admin" },
        },
        "idempotencyKey": key,
    })
}

/// Runs `spec` (`"InputType field"`) with `input` as `who` and asserts it succeeded.
async fn ok(s: &TestServer, who: &str, spec: &str, input: Value) -> Response {
    let r = mutate(s, who, &bare_mutation(spec), input).await;
    assert_ok(&r, &format!("{who} {spec}"));
    r
}

/// How many organizations named `name` the platform administrator sees.
async fn organizations_named(s: &TestServer, name: &str) -> u64 {
    let count = "query($n: String!) { organizations(filter: { nameContains: $n }) { totalCount } }";
    let r = s.query(ADMIN, count, json!({ "n": name })).await;
    r.data()["organizations"]["totalCount"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

/// The billing account `id` as the Zuora sandbox holds it.
async fn zuora_account(s: &TestServer, id: &str) -> Value {
    s.zuora_get(&format!("/object-query/accounts/{id}")).await
}

/// The Salesforce sandbox's Account records named `name`.
fn salesforce_accounts(s: &TestServer, name: &str) -> Vec<Value> {
    s.salesforce_records("Account")
        .into_iter()
        .filter(|a| a["Name"] == name)
        .collect()
}

/// Asserts that the new organization's records in the upstream `s` runs against lead to each
/// other and to the parent's: Zuora's account has the parent's account as `parentId` and the
/// Salesforce account's id as `crmId`; Salesforce's account has the parent's account as
/// `ParentId` and the billing account's id and number.
async fn assert_linked_upstream(s: &TestServer, created: &Value, parent: &str) {
    let billing = created["externalIds"]["billing"].as_str().expect("billing");
    let crm = created["externalIds"]["crm"].as_str().expect("crm");
    match s.backend() {
        Backend::Zuora => {
            let account = zuora_account(s, billing).await;
            assert_eq!(account["parentId"], billing_id(&format!("ba-{parent}")));
            assert_eq!(account["crmId"], crm, "{account}");
        }
        Backend::Salesforce => {
            let account = s
                .salesforce_records("Account")
                .into_iter()
                .find(|a| a["Id"] == crm)
                .expect("the CRM account exists");
            let parent_crm = crm_id("001", &format!("account-{parent}"));
            assert_eq!(account["ParentId"], parent_crm.as_str());
            assert_eq!(account["Billing_Account_Id__c"], billing, "{account}");
            assert!(
                account["Billing_Account_Number__c"].is_string(),
                "{account}"
            );
        }
        Backend::Sqlite | Backend::Postgres => {
            let tables = s.tables_mentioning(crm).await;
            assert!(
                tables.contains(&"billing_accounts"),
                "the local billing account records its CRM account: {tables:?}"
            );
        }
    }
}

async fn organizations_are_onboarded_by_those_above_them_and_by_nobody_else(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let input = new_partner(
        "Fabrikam Partners",
        "fred@fabrikam.example",
        "onboard-fabrikam",
    );
    let r = mutate(&s, DANA, CREATE, input.clone()).await;
    assert_ok(&r, "Dana onboards a partner");
    let created = r.data()["createOrganization"]["organization"].clone();
    assert_eq!(created["kind"], "PARTNER");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(created["parent"]["name"], "Northwind Distribution");
    assert_eq!(
        created["salesChannel"], "EMEA-CLOUD",
        "its distributor's channel"
    );
    assert_eq!(created["invoiceOwner"], "PARTNER");
    assert_eq!(
        created["users"]["nodes"],
        json!([{ "email": "fred@fabrikam.example", "status": "PENDING", "profile": { "code": "ADMIN" } }])
    );
    assert_linked_upstream(&s, &created, "org-northwind").await;
    assert_audited(&s, "organization.create", "SUCCESS").await;

    let replay = mutate(&s, DANA, CREATE, input).await;
    assert_eq!(
        replay.data()["createOrganization"]["organization"]["id"],
        created["id"],
        "a retry answers the first call"
    );
    assert_eq!(organizations_named(&s, "Fabrikam Partners").await, 1);

    // The first administrator follows the mailed link, then works in the new organization.
    let mail = s
        .outbox()
        .into_iter()
        .find(|m| m["to"] == "fred@fabrikam.example")
        .expect("the first administrator is mailed a link");
    let (status, _) = s.open_activation_link(activation_token(&mail)).await;
    assert_eq!(status, 200);
    let mine = s
        .query(
            "fred@fabrikam.example",
            "{ viewer { organization { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine.data()["viewer"]["organization"]["id"], created["id"]);

    // Under another distributor, by a partner, by a customer, or a distributor by anyone but
    // the platform: refused, and nothing is created.
    let mut elsewhere = new_partner("Elsewhere", "e@elsewhere.example", "elsewhere");
    elsewhere["organization"]["parentId"] = json!(org("org-southgate"));
    refused(
        &s,
        DANA,
        CREATE,
        elsewhere.clone(),
        "NOT_FOUND",
        "under Southgate",
    )
    .await;
    let mut under_a_partner = elsewhere.clone();
    under_a_partner["organization"]["parentId"] = json!(org("org-acme"));
    refused(
        &s,
        ADMIN,
        CREATE,
        under_a_partner,
        "NOT_FOUND",
        "under a partner",
    )
    .await;
    for who in [ANNA, PAULA, OLGA, CARL] {
        let input = new_partner("Rogue Reseller", "r@rogue.example", "rogue");
        refused(&s, who, CREATE, input, "FORBIDDEN", who).await;
    }
    let distributor = json!({ "organization": {
        "kind": "DISTRIBUTOR", "name": "Eastbay Distribution", "email": "hq@eastbay.example",
        "salesChannel": "APAC-CLOUD", "currency": "EUR",
    } });
    refused(
        &s,
        DANA,
        CREATE,
        distributor.clone(),
        "FORBIDDEN",
        "a distributor by Dana",
    )
    .await;
    let mut other_channel = new_partner("Channel Hopper", "h@hopper.example", "hopper");
    other_channel["organization"]["salesChannel"] = json!("AMER-CLOUD");
    refused(
        &s,
        DANA,
        CREATE,
        other_channel,
        "FORBIDDEN",
        "into Southgate's channel",
    )
    .await;
    for name in [
        "Elsewhere",
        "Rogue Reseller",
        "Eastbay Distribution",
        "Channel Hopper",
    ] {
        assert_eq!(organizations_named(&s, name).await, 0, "{name}");
    }
    assert_audited(&s, "organization.create", "DENIED").await;

    // The platform onboards a distributor, then a partner under it, which it must name.
    let r = mutate(&s, ADMIN, CREATE, distributor).await;
    assert_ok(&r, "the platform onboards a distributor");
    let eastbay = r.data()["createOrganization"]["organization"].clone();
    assert_eq!(eastbay["kind"], "DISTRIBUTOR");
    assert!(eastbay["parent"].is_null());
    let unparented = new_partner("Orphan IT", "o@orphan.example", "orphan");
    refused(&s, ADMIN, CREATE, unparented, "BAD_USER_INPUT", "no parent").await;
    let mut under_eastbay = new_partner("Eastbay Reseller", "x@eastbay-r.example", "eb-r");
    under_eastbay["organization"]["parentId"] = eastbay["id"].clone();
    let r = mutate(&s, ADMIN, CREATE, under_eastbay).await;
    assert_ok(&r, "the platform onboards a partner under it");
    let reseller = &r.data()["createOrganization"]["organization"];
    assert_eq!(reseller["salesChannel"], "APAC-CLOUD");
    let mut wrong_currency = new_partner("Dollar Reseller", "d@dollar.example", "usd");
    wrong_currency["organization"]["parentId"] = eastbay["id"].clone();
    wrong_currency["organization"]["currency"] = json!("USD");
    refused(
        &s,
        ADMIN,
        CREATE,
        wrong_currency,
        "BAD_USER_INPUT",
        "currency",
    )
    .await;
}

async fn organizations_are_edited_deactivated_and_reactivated_by_their_administrators(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let acme = json!({ "organizationId": org("org-acme") });
    let mut rename = acme.clone();
    rename["name"] = json!("Acme Cloud Services");
    rename["contact"] = json!({ "lastName": "Ackerman", "phone": "+44 20 7946 0000" });
    ok(&s, DANA, UPDATE, rename.clone()).await;
    let read = "query($id: ID!) { organization(id: $id) { name invoiceOwner contact { lastName phone } } }";
    let now = s.query(DANA, read, json!({ "id": org("org-acme") })).await;
    assert_eq!(now.data()["organization"]["name"], "Acme Cloud Services");
    assert_eq!(
        now.data()["organization"]["contact"],
        json!({ "lastName": "Ackerman", "phone": "+44 20 7946 0000" })
    );
    assert_audited(&s, "organization.update", "SUCCESS").await;

    let update = bare_mutation(UPDATE);
    refused(
        &s,
        SAM,
        &update,
        rename.clone(),
        "NOT_FOUND",
        "another distributor's",
    )
    .await;
    refused(
        &s,
        ANNA,
        &update,
        rename.clone(),
        "FORBIDDEN",
        "its own partner",
    )
    .await;
    refused(&s, OLGA, &update, rename, "FORBIDDEN", "a partner").await;
    let own = json!({ "organizationId": org("org-northwind"), "name": "Mine" });
    refused(&s, DANA, &update, own, "FORBIDDEN", "its own distributor").await;
    let mut hop = acme.clone();
    hop["salesChannel"] = json!("AMER-CLOUD");
    refused(
        &s,
        DANA,
        &update,
        hop.clone(),
        "FORBIDDEN",
        "another channel",
    )
    .await;
    ok(
        &s,
        ADMIN,
        UPDATE,
        json!({ "organizationId": org("org-acme"), "salesChannel": "EMEA-CLOUD" }),
    )
    .await;

    // A new invoice owner applies to what is sold from now on, not to what was sold.
    let mut owner = acme.clone();
    owner["invoiceOwner"] = json!("PARTNER");
    ok(&s, DANA, UPDATE, owner).await;
    let before = "{ subscriptions(first: 100, filter: { status: ACTIVE }) { nodes { invoiceOwner customer { partner { id } } } } }";
    let sold = s.query(ADMIN, before, json!({})).await;
    let acme_owners: Vec<&Value> = items(&sold.data()["subscriptions"]["nodes"])
        .filter(|n| n["customer"]["partner"]["id"] == org("org-acme"))
        .map(|n| &n["invoiceOwner"])
        .collect();
    assert!(
        !acme_owners.is_empty() && acme_owners.iter().all(|o| *o == "CUSTOMER"),
        "existing subscriptions keep their invoice owner: {acme_owners:?}"
    );
    let order = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { subscription { invoiceOwner } } }";
    let offer = s
        .query(
            PAULA,
            "{ offers(first: 1) { nodes { id minSeats } } }",
            json!({}),
        )
        .await;
    let offer = &offer.data()["offers"]["nodes"][0];
    let input = json!({
        "newCustomer": { "name": "Owned By Acme", "email": "it@owned.example" },
        "offerId": offer["id"], "quantity": offer["minSeats"].as_i64().unwrap_or(1).max(1),
    });
    let placed = mutate(&s, PAULA, order, input).await;
    assert_eq!(
        placed.data()["placeOrder"]["subscription"]["invoiceOwner"],
        "PARTNER"
    );

    // Deactivated: Acme's operators are refused at their next request, its customers are not.
    let paula = s.token(PAULA).await;
    let carl = s.token(CARL).await;
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    refused(
        &s,
        SAM,
        &bare_mutation(DEACTIVATE),
        acme.clone(),
        "NOT_FOUND",
        "Sam",
    )
    .await;
    refused(
        &s,
        ANNA,
        &bare_mutation(DEACTIVATE),
        acme.clone(),
        "FORBIDDEN",
        "Anna",
    )
    .await;
    ok(&s, DANA, DEACTIVATE, acme.clone()).await;
    let refused_now = s.post_json(Some(&paula), &viewer).await;
    assert_eq!(refused_now.status, 401, "{}", refused_now.body);
    assert_eq!(s.post_json(Some(&carl), &viewer).await.status, 200);
    let status = "query($id: ID!) { organization(id: $id) { status } }";
    let seen = s
        .query(DANA, status, json!({ "id": org("org-acme") }))
        .await;
    assert_eq!(seen.data()["organization"]["status"], "INACTIVE");
    ok(&s, DANA, REACTIVATE, acme).await;
    assert_eq!(s.post_json(Some(&paula), &viewer).await.status, 200);
    assert_audited(&s, "organization.deactivate", "SUCCESS").await;
    assert_audited(&s, "organization.reactivate", "SUCCESS").await;
}

/// The first offer Acme may sell, by global id.
async fn an_acme_offer(s: &TestServer) -> String {
    let r = s
        .query(PAULA, "{ offers(first: 1) { nodes { id } } }", json!({}))
        .await;
    r.data()["offers"]["nodes"][0]["id"]
        .as_str()
        .expect("an offer for Acme")
        .to_owned()
}

/// The ids of the offers `who` sees.
async fn offers_seen(s: &TestServer, who: &str) -> Vec<String> {
    let r = s
        .query(who, "{ offers(first: 100) { nodes { id } } }", json!({}))
        .await;
    assert_ok(&r, "offers");
    items(&r.data()["offers"]["nodes"])
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect()
}

async fn offers_are_published_per_channel_and_eligibility_holds_from_the_next_request(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let offer = an_acme_offer(&s).await;
    let to_contoso = json!({ "offerId": offer, "eligiblePartnerIds": [org("org-contoso")], "label": "Contoso only" });
    let r = mutate(&s, DANA, UPDATE_OFFER, to_contoso).await;
    assert_ok(&r, "Dana restricts the offer");
    let published = &r.data()["updateOffer"]["offer"];
    assert_eq!(published["label"], "Contoso only");
    assert_eq!(
        published["eligiblePartners"],
        json!([{ "id": org("org-contoso") }])
    );
    assert!(
        !offers_seen(&s, PAULA).await.contains(&offer),
        "Acme no longer sees it"
    );
    let order = json!({ "customerId": "Q3VzdG9tZXI6Y3VzLTAwMQ", "offerId": offer, "quantity": 1 });
    refused(
        &s,
        PAULA,
        &bare_mutation("PlaceOrderInput placeOrder"),
        order,
        "NOT_FOUND",
        "ineligible",
    )
    .await;
    assert_audited(&s, "offer.publish", "SUCCESS").await;
    if backend == Backend::Zuora {
        let plan = OfferId::from(offer_local(&offer)).0;
        let stored = s
            .zuora_get(&format!("/object-query/product-rate-plans/{plan}"))
            .await;
        assert_eq!(stored["EligiblePartners__c"], "org-contoso", "{stored}");
    }

    let open = json!({ "offerId": offer, "eligiblePartnerIds": [], "label": "" });
    let r = mutate(&s, DANA, UPDATE_OFFER, open).await;
    assert_ok(&r, "Dana opens it to the channel");
    assert!(r.data()["updateOffer"]["offer"]["label"].is_null());
    assert!(
        offers_seen(&s, PAULA).await.contains(&offer),
        "Acme sees it again"
    );

    let update = bare_mutation("UpdateOfferInput updateOffer");
    let labelled = json!({ "offerId": offer, "label": "Hot" });
    refused(
        &s,
        SAM,
        &update,
        labelled.clone(),
        "NOT_FOUND",
        "another channel's offer",
    )
    .await;
    refused(
        &s,
        ANNA,
        &update,
        labelled.clone(),
        "FORBIDDEN",
        "a partner",
    )
    .await;
    refused(&s, CARL, &update, labelled, "FORBIDDEN", "a customer").await;
    let foreign = json!({ "offerId": offer, "eligiblePartnerIds": [org("org-globex")] });
    refused(
        &s,
        DANA,
        &update,
        foreign.clone(),
        "NOT_FOUND",
        "Southgate's partner",
    )
    .await;
    refused(
        &s,
        ADMIN,
        &update,
        foreign,
        "BAD_USER_INPUT",
        "a partner of another channel",
    )
    .await;
    let moved = json!({ "offerId": offer, "salesChannel": "AMER-CLOUD" });
    refused(
        &s,
        DANA,
        &update,
        moved.clone(),
        "FORBIDDEN",
        "into another channel",
    )
    .await;

    // A restricted offer moved to a channel none of its partners sell through is not opened to
    // that whole channel by accident: the platform names who may sell it there.
    let restricted = json!({ "offerId": offer, "eligiblePartnerIds": [org("org-contoso")] });
    assert_ok(
        &mutate(&s, DANA, UPDATE_OFFER, restricted).await,
        "restricted",
    );
    refused(
        &s,
        ADMIN,
        &update,
        moved,
        "BAD_USER_INPUT",
        "moved, left open",
    )
    .await;

    // Once the platform puts Southgate's Globex into Northwind's channel, the channel is shared:
    // Dana may neither take the offer from Globex nor open it to it; the platform may.
    let hop = json!({ "organizationId": org("org-globex"), "salesChannel": "EMEA-CLOUD" });
    ok(&s, ADMIN, UPDATE, hop).await;
    let open = json!({ "offerId": offer, "eligiblePartnerIds": [] });
    refused(
        &s,
        DANA,
        &update,
        open.clone(),
        "FORBIDDEN",
        "a shared channel",
    )
    .await;
    assert_ok(
        &mutate(&s, ADMIN, UPDATE_OFFER, open).await,
        "the platform opens it",
    );
    assert!(
        offers_seen(&s, OLGA).await.contains(&offer),
        "Globex sells it now"
    );
}

/// The local id inside an offer's global id.
fn offer_local(global: &str) -> String {
    partnergraph_core::GlobalId::decode_as(global, partnergraph_core::NodeKind::Offer)
        .expect("an offer's id")
}

async fn a_distributors_partner_figures_cost_no_upstream_call_and_one_batch_per_page(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let figures = "query($first: Int!) { organizations(first: $first, filter: { kind: PARTNER }) {
        nodes { name customerCount activeSeats expiringCustomers e60: expiringCustomers(withinDays: 60)
                e90: expiringCustomers(withinDays: 90) skusSold
                customers(first: 100, filter: { status: ACTIVE }) { totalCount nodes { seats skus expiresOn } } } } }";
    let r = s.query(DANA, figures, json!({ "first": 3 })).await;
    assert_ok(&r, "figures");
    let today = chrono::Utc::now().date_naive();
    for partner in items(&r.data()["organizations"]["nodes"]) {
        let customers: Vec<&Value> = items(&partner["customers"]["nodes"]).collect();
        assert_eq!(partner["customerCount"], partner["customers"]["totalCount"]);
        let seats: i64 = customers.iter().filter_map(|c| c["seats"].as_i64()).sum();
        assert_eq!(partner["activeSeats"], seats, "{partner}");
        for (field, days) in [("expiringCustomers", 30), ("e60", 60), ("e90", 90)] {
            let until = today + chrono::Days::new(days);
            let expiring = customers
                .iter()
                .filter_map(|c| c["expiresOn"].as_str())
                .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .filter(|d| *d >= today && *d <= until)
                .count();
            assert_eq!(partner[field], expiring, "{field} of {}", partner["name"]);
        }
        let mut skus: Vec<&str> = customers
            .iter()
            .flat_map(|c| items(&c["skus"]).filter_map(Value::as_str))
            .collect();
        skus.sort();
        skus.dedup();
        assert_eq!(partner["skusSold"], json!(skus));
    }

    // The figures alone: no upstream call, and as many statements for three partners as for one.
    let only = "query($first: Int!) { organizations(first: $first, filter: { kind: PARTNER }) {
        nodes { customerCount activeSeats expiringCustomers skusSold } } }";
    match backend {
        Backend::Zuora | Backend::Salesforce => {
            let _ = s.query(ADMIN, only, json!({ "first": 1 })).await;
            clear_requests(&s).await;
            let r = s.query(ADMIN, only, json!({ "first": 6 })).await;
            assert_ok(&r, "figures");
            let calls = s.zuora_requests().await.len() + s.salesforce_requests().await.len();
            assert_eq!(calls, 0, "figures come from the directory's summaries");
        }
        Backend::Sqlite | Backend::Postgres => {
            // The caller's principal is resolved (and remembered) before counting.
            let _ = s
                .query(ADMIN, "{ viewer { user { email } } }", json!({}))
                .await;
            let cost = async |first: u64| {
                let before = s.sql_statements();
                // A query not asked before, so no cache answers it.
                let q = format!("{only} # {first}");
                let r = s.query(ADMIN, &q, json!({ "first": first })).await;
                assert_ok(&r, "figures");
                s.sql_statements() - before
            };
            let (one, six) = (cost(1).await, cost(6).await);
            // A page of one may count the rest (`hasNextPage`), a page of all need not; the
            // figures add one batch either way, never a statement per row.
            assert!(
                six <= one && one <= 3,
                "statements: {one} for one row, {six} for six"
            );
        }
    }
}

async fn an_onboarding_failing_at_any_step_leaves_nothing_and_replays_its_error(backend: Backend) {
    for step in ONBOARDING_STEPS {
        for phase in [StepPhase::Before, StepPhase::After] {
            let s = TestServer::dedicated_with_hook(backend, Arc::new(FailAt { step, phase }));
            let name = format!("Faulty-{step}-{phase:?}");
            let input = new_partner(&name, "faulty@faulty.example", "faulty");
            let r = mutate(&s, DANA, CREATE, input.clone()).await;
            assert_eq!(r.error_code(), "UPSTREAM_UNAVAILABLE", "{name}: {}", r.body);
            assert_eq!(organizations_named(&s, &name).await, 0, "{name}");
            assert_eq!(
                s.tables_mentioning(&name).await,
                Vec::<&str>::new(),
                "{name}"
            );
            assert_eq!(
                s.tables_mentioning("faulty@faulty.example").await,
                Vec::<&str>::new(),
                "{name}: no first administrator"
            );
            assert_nothing_upstream(&s, &name).await;
            let replay = mutate(&s, DANA, CREATE, input).await;
            assert_eq!(
                replay.error_code(),
                "UPSTREAM_UNAVAILABLE",
                "the replay answers the same"
            );
        }
    }
}

/// Asserts the sandbox `s` runs against holds no account named `name`.
async fn assert_nothing_upstream(s: &TestServer, name: &str) {
    match s.backend() {
        Backend::Zuora => {
            let found = s
                .zuora_get(&format!("/object-query/accounts?filter[]=name.EQ:{name}"))
                .await;
            assert_eq!(found["data"], json!([]), "{name} left a billing account");
        }
        Backend::Salesforce => {
            assert!(
                salesforce_accounts(s, name).is_empty(),
                "{name} left a CRM account"
            );
        }
        Backend::Sqlite | Backend::Postgres => {}
    }
}

async fn an_onboarding_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart(
    backend: Backend,
) {
    for step in ONBOARDING_STEPS {
        for phase in [StepPhase::Before, StepPhase::After] {
            let hook = Arc::new(StallAt::new(step, phase));
            let s = TestServer::dedicated_with_hook(backend, hook.clone());
            let name = format!("Crashed-{step}-{phase:?}");
            let input = new_partner(&name, "crash@crashed.example", "crash-key");
            let s = crash_during(
                s,
                &hook,
                DANA,
                CREATE,
                json!({ "input": input.clone() }),
                async |_| {},
            )
            .await;
            assert_eq!(
                organizations_named(&s, &name).await,
                1,
                "{name} exists once"
            );
            let replay = mutate(&s, DANA, CREATE, input).await;
            let created = &replay.data()["createOrganization"]["organization"];
            assert_eq!(created["name"], name.as_str(), "{}", replay.body);
            assert_eq!(
                created["users"]["nodes"][0]["email"],
                "crash@crashed.example"
            );
            assert_linked_upstream(&s, created, "org-northwind").await;
            match backend {
                Backend::Salesforce => assert_eq!(salesforce_accounts(&s, &name).len(), 1),
                Backend::Zuora => {
                    let found = s
                        .zuora_get(&format!("/object-query/accounts?filter[]=name.EQ:{name}"))
                        .await;
                    assert_eq!(found["data"].as_array().map(Vec::len), Some(1), "{name}");
                }
                Backend::Sqlite | Backend::Postgres => {}
            }
        }
    }
}

/// A stopped onboarding that can no longer go ahead when the gateway starts again (here its
/// distributor was deactivated meanwhile, so its caller reaches nothing) is undone, not left
/// half-made.
async fn an_onboarding_that_cannot_resume_after_a_crash_is_undone(backend: Backend) {
    let hook = Arc::new(StallAt::new("directory.organization", StepPhase::Before));
    let s = TestServer::dedicated_with_hook(backend, hook.clone());
    let name = "Orphaned-Onboarding";
    let input = new_partner(name, "orphan@orphaned.example", "orphan-key");
    let northwind = json!({ "organizationId": org("org-northwind") });
    let vars = json!({ "input": input.clone() });
    let s = crash_during(s, &hook, DANA, CREATE, vars, async |s: &TestServer| {
        ok(s, ADMIN, DEACTIVATE, northwind.clone()).await;
    })
    .await;
    assert_eq!(organizations_named(&s, name).await, 0);
    assert_nothing_upstream(&s, name).await;
    ok(&s, ADMIN, REACTIVATE, northwind).await;
    let replay = mutate(&s, DANA, CREATE, input).await;
    assert_eq!(
        replay.error_code(),
        "NOT_FOUND",
        "the replay answers as the resume ended"
    );
    assert_eq!(organizations_named(&s, name).await, 0);
}

/// A partner's account executive settles invoices, and a partner administrator may give its
/// executives login-as through a profile of its own.
async fn a_partner_executive_pays_invoices_and_may_be_granted_login_as(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let create =
        "mutation($input: CreateProfileInput!) { createProfile(input: $input) { profile { id } } }";
    let perms = json!([
        "VIEW_CUSTOMERS",
        "MANAGE_CUSTOMERS",
        "VIEW_BILLING",
        "PAY_INVOICES",
        "MANAGE_SUBSCRIPTIONS",
        "VIEW_CASES",
        "MANAGE_CASES",
        "VIEW_USERS",
        "IMPERSONATE"
    ]);
    let input =
        json!({ "code": "ae_login_as", "name": "Executive with login-as", "permissions": perms });
    let r = mutate(&s, ANNA, create, input).await;
    assert_ok(&r, "Anna creates the profile");
    let profile = r.data()["createProfile"]["profile"]["id"].clone();
    let paula = partnergraph_tests::queries::user_id(&s, PAULA).await;
    let change = json!({ "userId": paula, "profileId": profile });
    ok(&s, ANNA, "UserProfileInput changeUserProfile", change).await;
    let carl = partnergraph_tests::queries::user_id(&s, CARL).await;
    let login_as = "mutation($input: ImpersonateInput!) { impersonate(input: $input) { token } }";
    let r = mutate(
        &s,
        PAULA,
        login_as,
        json!({ "userId": carl, "reason": "ticket 42" }),
    )
    .await;
    assert_ok(&r, "Paula logs in as Carl");
    assert!(r.data()["impersonate"]["token"].is_string());
}

on_each_backend!(
    organizations_are_onboarded_by_those_above_them_and_by_nobody_else,
    organizations_are_edited_deactivated_and_reactivated_by_their_administrators,
    offers_are_published_per_channel_and_eligibility_holds_from_the_next_request,
    a_distributors_partner_figures_cost_no_upstream_call_and_one_batch_per_page,
    an_onboarding_failing_at_any_step_leaves_nothing_and_replays_its_error,
    an_onboarding_cut_off_by_a_crash_at_any_step_is_finished_once_after_restart,
    an_onboarding_that_cannot_resume_after_a_crash_is_undone,
    a_partner_executive_pays_invoices_and_may_be_granted_login_as,
);
