//! Attacks on identity and access, each refused (and audited where that is due): escalation
//! through profiles, chained or out-of-scope login-as, withdrawn and suspended tokens, and a
//! customer user reaching another customer through every mutation.

use partnergraph_tests::assert::{
    assert_audited, assert_ok, audit_log, bare_mutation, mutate, refused,
};
use partnergraph_tests::personas::{ADMIN, ANNA, CARL, DANA, OLGA, PAULA};
use partnergraph_tests::queries::{activation_token, assert_no_node, by_id, items, nodes, user_id};
use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};

const ACME_ORG: &str = "T3JnYW5pemF0aW9uOm9yZy1hY21l";

/// The global id of the profile with this code.
async fn profile_id(s: &TestServer, code: &str) -> String {
    let r = s.query(ADMIN, "{ profiles { id code } }", json!({})).await;
    let found = items(&r.data()["profiles"])
        .find(|p| p["code"] == code)
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no profile {code}"));
    found
}

const ACTIVATE: &str = "mutation($input: UserProfileInput!) { activateUser(input: $input) { user { status profile { code } } } }";
const CHANGE: &str = "mutation($input: UserProfileInput!) { changeUserProfile(input: $input) { user { profile { code } } } }";
const IMPERSONATE: &str = "mutation($input: ImpersonateInput!) { impersonate(input: $input) { token expiresAt user { email } } }";

async fn nobody_grants_more_than_they_hold_or_changes_their_own_access(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let pending = user_id(&s, "pending@acme.example").await;
    let anna = user_id(&s, ANNA).await;
    let paula = user_id(&s, PAULA).await;
    let (viewer, distributor_admin, platform_admin, admin) = (
        profile_id(&s, "VIEWER").await,
        profile_id(&s, "DISTRIBUTOR_ADMIN").await,
        profile_id(&s, "PLATFORM_ADMIN").await,
        profile_id(&s, "ADMIN").await,
    );

    let grant = |user: &str, profile: &str| json!({ "userId": user, "profileId": profile });
    for higher in [&distributor_admin, &platform_admin] {
        let why = "anna grants more than she holds";
        let input = grant(&pending, higher);
        refused(&s, ANNA, ACTIVATE, input, "FORBIDDEN", why).await;
    }
    let customer_profile = profile_id(&s, "CUSTOMER_ADMIN").await;
    let why = "a customer profile does not fit an operator";
    let misfit = grant(&pending, &customer_profile);
    refused(&s, ANNA, ACTIVATE, misfit, "BAD_USER_INPUT", why).await;
    let r = mutate(&s, ANNA, ACTIVATE, grant(&pending, &viewer)).await;
    assert_eq!(
        r.data()["activateUser"]["user"],
        json!({ "status": "ACTIVE", "profile": { "code": "VIEWER" } })
    );
    let why = "only pending users are activated";
    let input = grant(&pending, &viewer);
    refused(&s, ANNA, ACTIVATE, input, "CONFLICT", why).await;

    let why = "nobody changes their own profile";
    refused(&s, ANNA, CHANGE, grant(&anna, &viewer), "FORBIDDEN", why).await;
    let why = "ADMIN holds MANAGE_PROFILES, which Dana does not";
    refused(&s, DANA, CHANGE, grant(&paula, &admin), "FORBIDDEN", why).await;
    let why = "Acme's users do not exist for Globex";
    refused(&s, OLGA, CHANGE, grant(&paula, &viewer), "NOT_FOUND", why).await;

    // A profile change takes effect on the next request, with the token already issued.
    let paula_token = s.token(PAULA).await;
    let can_order = json!({ "query": "{ viewer { permissions } }" });
    let before = s.post_json(Some(&paula_token), &can_order).await;
    assert!(before.body["data"]["viewer"]["permissions"]
        .to_string()
        .contains("MANAGE_SUBSCRIPTIONS"));
    let down = mutate(&s, DANA, CHANGE, grant(&paula, &viewer)).await;
    assert_eq!(
        down.data()["changeUserProfile"]["user"]["profile"]["code"],
        "VIEWER"
    );
    let after = s.post_json(Some(&paula_token), &can_order).await;
    assert!(!after.body["data"]["viewer"]["permissions"]
        .to_string()
        .contains("MANAGE_SUBSCRIPTIONS"));

    // Custom profiles: only permissions one holds; built-in profiles are fixed.
    let create = "mutation($input: CreateProfileInput!) { createProfile(input: $input) { profile { id code permissions } } }";
    let greedy = json!({ "code": "greedy", "name": "Greedy", "permissions": ["VIEW_CUSTOMERS", "MANAGE_PARTNERS"] });
    refused(&s, ANNA, create, greedy, "FORBIDDEN", "greedy").await;
    let unknown = json!({ "code": "odd", "name": "Odd", "permissions": ["FLY"] });
    refused(&s, ANNA, create, unknown, "BAD_USER_INPUT", "odd").await;
    let clerk = json!({ "code": "billing_clerk", "name": "Billing clerk", "permissions": ["VIEW_BILLING", "PAY_INVOICES"] });
    let created = mutate(&s, ANNA, create, clerk).await;
    assert_eq!(
        created.data()["createProfile"]["profile"]["code"],
        "BILLING_CLERK"
    );
    let update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { profile { name } } }";
    let builtin =
        json!({ "profileId": viewer, "name": "Viewer+", "permissions": ["VIEW_BILLING"] });
    refused(&s, ADMIN, update, builtin, "CONFLICT", "a built-in profile").await;

    let denied = audit_log(&s, ADMIN, "action outcome")
        .await
        .iter()
        .filter(|e| {
            e["outcome"] == "DENIED" && e["action"].as_str().is_some_and(|a| a.starts_with("user."))
        })
        .count();
    assert!(denied >= 4, "refused escalations are audited: {denied}");
}

async fn login_as_is_scoped_capped_unchainable_and_audited(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let paula = user_id(&s, PAULA).await;
    let olga = user_id(&s, OLGA).await;
    let carl = user_id(&s, CARL).await;

    let login = |user: &str, reason: &str| json!({ "userId": user, "reason": reason });
    // (who, as whom, reason given, refusal, why)
    #[rustfmt::skip]
    let attempts = [
        (PAULA, &carl, "support", "FORBIDDEN", "the PARTNER profile may not log in as others"),
        (ANNA, &paula, "look", "FORBIDDEN", "partner users log in as their customers, not colleagues"),
        (OLGA, &carl, "look", "NOT_FOUND", "another partner's customer user does not exist"),
        (ANNA, &carl, "  ", "BAD_USER_INPUT", "a reason is required"),
    ];
    for (who, user, reason, code, why) in attempts {
        refused(&s, who, IMPERSONATE, login(user, reason), code, why).await;
    }

    let r = mutate(&s, ANNA, IMPERSONATE, login(&carl, "ticket 42")).await;
    let session = r.data()["impersonate"]["token"]
        .as_str()
        .expect("a login-as token")
        .to_owned();
    assert_eq!(r.data()["impersonate"]["user"]["email"], CARL);
    let viewer = json!({ "query": "{ viewer { user { email } impersonation { actorEmail reason } permissions } }" });
    let as_carl = s.post_json(Some(&session), &viewer).await;
    let v = &as_carl.body["data"]["viewer"];
    assert_eq!(v["user"]["email"], CARL);
    assert_eq!(
        v["impersonation"],
        json!({ "actorEmail": ANNA, "reason": "ticket 42" })
    );
    let carl_alone = s.query(CARL, "{ viewer { permissions } }", json!({})).await;
    assert_eq!(
        v["permissions"],
        carl_alone.data()["viewer"]["permissions"],
        "no more than Carl may"
    );

    // No chaining, even for a platform admin's session as an admin who may log in as others.
    let r = mutate(&s, ADMIN, IMPERSONATE, login(&olga, "audit")).await;
    let as_olga = r.data()["impersonate"]["token"]
        .as_str()
        .expect("admin logs in as Olga")
        .to_owned();
    let globex_customers = nodes(
        &s,
        OLGA,
        "customers(first: 20)",
        "users(first: 1) { nodes { id } }",
    )
    .await;
    let target = globex_customers
        .iter()
        .find_map(|c| c["users"]["nodes"][0]["id"].as_str().map(str::to_owned))
        .expect("a Globex customer user");
    let chain = json!({ "query": IMPERSONATE, "variables": { "input": { "userId": target, "reason": "chain" } } });
    let chained = s.post_json(Some(&as_olga), &chain).await;
    assert_eq!(
        chained.error_code(),
        "FORBIDDEN",
        "a login-as session cannot start another"
    );

    // Every request of a session is audited with both identities.
    let audit = audit_log(&s, ADMIN, "action actor { email } onBehalfOf { email }").await;
    let requests = audit
        .iter()
        .filter(|e| {
            e["action"] == "request"
                && e["actor"]["email"] == ANNA
                && e["onBehalfOf"]["email"] == CARL
        })
        .count();
    assert!(requests >= 1, "{audit:?}");
}

async fn withdrawn_suspended_and_removed_users_tokens_stop_working(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    let first = s.token(PAULA).await;
    let second = s.token(PAULA).await;
    let logout = json!({ "query": "mutation { logout { revoked } }" });
    let out = s.post_json(Some(&first), &logout).await;
    assert_eq!(out.body["data"]["logout"]["revoked"], true);
    assert_eq!(
        s.post_json(Some(&first), &viewer).await.status,
        401,
        "a logged-out token is dead"
    );
    assert_eq!(
        s.post_json(Some(&second), &viewer).await.status,
        200,
        "other sessions live on"
    );

    let victor_token = s.token("victor@acme.example").await;
    let victor = user_id(&s, "victor@acme.example").await;
    let suspend =
        "mutation($input: UserActionInput!) { suspendUser(input: $input) { user { status } } }";
    let victor = json!({ "userId": victor });
    let why = "a partner user suspends";
    refused(&s, PAULA, suspend, victor.clone(), "FORBIDDEN", why).await;
    let r = mutate(&s, ANNA, suspend, victor).await;
    assert_eq!(r.data()["suspendUser"]["user"]["status"], "SUSPENDED");
    assert_eq!(
        s.post_json(Some(&victor_token), &viewer).await.status,
        401,
        "suspended at once"
    );

    let anna_token = s.token(ANNA).await;
    let anna = user_id(&s, ANNA).await;
    let remove =
        "mutation($input: UserActionInput!) { removeUser(input: $input) { removedUserId } }";
    let r = mutate(&s, DANA, remove, json!({ "userId": anna })).await;
    assert_ok(&r, "dana removes anna");
    assert_eq!(
        s.post_json(Some(&anna_token), &viewer).await.status,
        401,
        "removed at once"
    );
}

/// Another Acme customer than Carl's Initech, with every kind of record, as Paula sees it.
async fn sibling_with_every_record(s: &TestServer) -> Value {
    let customers = nodes(
        s,
        PAULA,
        "customers(first: 50, orderBy: { field: NAME })",
        "id name subscriptions(first: 1) { nodes { id } } invoices(first: 1) { nodes { id } }
         payments(first: 1) { nodes { id } }
         paymentMethods { id } cases(first: 1) { nodes { id } } users(first: 1) { nodes { id } }",
    )
    .await;
    let found = customers
        .into_iter()
        .find(|c| {
            c["name"] != "Initech"
                && ["subscriptions", "invoices", "payments", "cases", "users"]
                    .iter()
                    .all(|k| c[*k]["nodes"][0]["id"].is_string())
                && c["paymentMethods"][0]["id"].is_string()
        })
        .expect("another Acme customer with every kind of record");
    found
}

async fn a_customer_user_reaches_no_other_customer_through_any_root_field_or_node(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let other = sibling_with_every_record(&s).await;
    let ids: Vec<Value> = [
        other["id"].clone(),
        other["subscriptions"]["nodes"][0]["id"].clone(),
        other["invoices"]["nodes"][0]["id"].clone(),
        other["payments"]["nodes"][0]["id"].clone(),
        other["paymentMethods"][0]["id"].clone(),
        other["cases"]["nodes"][0]["id"].clone(),
        other["users"]["nodes"][0]["id"].clone(),
    ]
    .into();
    let customer_of = "query($id: ID!) { customer(id: $id) { id } }";
    let customer = by_id(&s, CARL, customer_of, &other["id"]).await;
    assert!(customer.data()["customer"].is_null(), "{}", customer.body);
    assert_no_node(&s, CARL, &ids).await;
    let nodes_of = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let nodes = s.query(CARL, nodes_of, json!({ "ids": ids })).await;
    assert!(
        nodes.data()["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().all(Value::is_null)),
        "{}",
        nodes.body
    );
    let lists = s
        .query(
            CARL,
            "query($id: ID!, $name: String!) {
               customers(filter: { nameContains: $name }) { totalCount }
               subscriptions(filter: { customerId: $id }) { totalCount }
               invoices(filter: { accountId: $id }) { totalCount }
               cases(filter: { accountId: $id }) { totalCount }
               organizations { totalCount }
             }",
            json!({ "id": other["id"], "name": other["name"] }),
        )
        .await;
    for field in [
        "customers",
        "subscriptions",
        "invoices",
        "cases",
        "organizations",
    ] {
        assert_eq!(
            lists.data()[field]["totalCount"],
            0,
            "{field}: {}",
            lists.body
        );
    }
    let organization_of = "query($id: ID!) { organization(id: $id) { id } }";
    let org = by_id(&s, CARL, organization_of, &json!(ACME_ORG)).await;
    assert!(
        org.data()["organization"].is_null(),
        "a customer user sees no organization"
    );
    for forbidden in ["{ users { totalCount } }", "{ auditLog { totalCount } }"] {
        let r = s.query(CARL, forbidden, json!({})).await;
        let empty = r.body["data"].to_string().contains("\"totalCount\":0");
        assert!(
            empty || r.error_code() == "FORBIDDEN",
            "{forbidden}: {}",
            r.body
        );
    }
}

async fn a_customer_user_reaches_no_other_customer_through_any_mutation(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let other = sibling_with_every_record(&s).await;
    let id = |path: &[&str]| -> Value {
        let mut v = &other;
        for p in path {
            v = if let Ok(i) = p.parse::<usize>() {
                &v[i]
            } else {
                &v[*p]
            };
        }
        v.clone()
    };
    let customer = id(&["id"]);
    let attempts: Vec<(&str, Value)> = vec![
        (
            "UpdateCustomerInput updateCustomer",
            json!({ "customerId": customer, "name": "Pwned" }),
        ),
        (
            "CustomerActionInput deactivateCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "CustomerActionInput reactivateCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "CustomerActionInput deleteCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "PlaceOrderInput placeOrder",
            json!({ "customerId": customer, "offerId": "T2ZmZXI6b2ZmZXItMDE", "quantity": 1 }),
        ),
        (
            "ChangeSubscriptionInput changeSubscription",
            json!({ "subscriptionId": id(&["subscriptions", "nodes", "0", "id"]), "quantity": 1 }),
        ),
        (
            "CancelSubscriptionInput cancelSubscription",
            json!({ "subscriptionId": id(&["subscriptions", "nodes", "0", "id"]), "immediately": true }),
        ),
        (
            "PayInvoiceInput payInvoice",
            json!({ "invoiceId": id(&["invoices", "nodes", "0", "id"]), "paymentMethodId": id(&["paymentMethods", "0", "id"]) }),
        ),
        (
            "CreateCaseInput createCase",
            json!({ "customerId": customer, "subject": "x" }),
        ),
        (
            "UpdateCaseInput updateCase",
            json!({ "caseId": id(&["cases", "nodes", "0", "id"]), "status": "CLOSED" }),
        ),
        (
            "AddCaseCommentInput addCaseComment",
            json!({ "caseId": id(&["cases", "nodes", "0", "id"]), "body": "x" }),
        ),
        (
            "InviteCustomerUserInput inviteCustomerUser",
            json!({ "customerId": customer, "email": "spy@x.example", "firstName": "S", "lastName": "Py" }),
        ),
        (
            "RemoveCustomerUserInput removeCustomerUser",
            json!({ "userId": id(&["users", "nodes", "0", "id"]) }),
        ),
        (
            "UserActionInput suspendUser",
            json!({ "userId": id(&["users", "nodes", "0", "id"]) }),
        ),
        (
            "ImpersonateInput impersonate",
            json!({ "userId": id(&["users", "nodes", "0", "id"]), "reason": "x" }),
        ),
    ];
    for (field, input) in attempts {
        assert!(
            !input.to_string().contains("null"),
            "{field}: the target has every record: {input}"
        );
        let r = mutate(&s, CARL, &bare_mutation(field), input).await;
        let code = r.error_code();
        assert!(
            code == "NOT_FOUND" || code == "FORBIDDEN",
            "{field}: {}",
            r.body
        );
    }
    let name_and_status = "query($id: ID!) { customer(id: $id) { name status } }";
    let unchanged = by_id(&s, PAULA, name_and_status, &customer).await;
    assert_eq!(unchanged.data()["customer"]["status"], "ACTIVE");
    assert_ne!(unchanged.data()["customer"]["name"], "Pwned");
}

async fn an_activation_link_activates_its_pending_user_once(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let pending = user_id(&s, "pending@acme.example").await;
    let paula = user_id(&s, PAULA).await;
    let send = "mutation($input: UserActionInput!) { sendActivationLink(input: $input) { user { status } } }";
    let (pending, paula) = (json!({ "userId": pending }), json!({ "userId": paula }));
    refused(&s, PAULA, send, pending.clone(), "FORBIDDEN", "paula sends").await;
    refused(&s, OLGA, send, pending.clone(), "NOT_FOUND", "olga sends").await;
    refused(&s, ANNA, send, paula, "CONFLICT", "paula is active").await;
    let sent = mutate(&s, ANNA, send, pending).await;
    assert_eq!(
        sent.data()["sendActivationLink"]["user"]["status"],
        "PENDING"
    );

    let mail = s.outbox().pop().expect("an email in the outbox");
    assert_eq!(mail["to"], "pending@acme.example");
    let token = activation_token(&mail);
    let activate = |token: String| {
        let s = &s;
        async move {
            let (status, page) = s.open_activation_link(&token).await;
            (
                status,
                serde_json::from_str::<Value>(&page).unwrap_or_default(),
            )
        }
    };
    let (status, body) = activate(token.to_owned()).await;
    assert_eq!(
        (status, body["activated"].clone()),
        (200, json!(true)),
        "{body}"
    );
    assert_eq!(activate(token.to_owned()).await.0, 400, "a link works once");
    assert_eq!(
        activate("0".repeat(64)).await.0,
        400,
        "an invented link does nothing"
    );
    let user = s
        .query(
            ANNA,
            "{ users(filter: { emailContains: \"pending@\" }) { nodes { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(user.data()["users"]["nodes"][0]["status"], "ACTIVE");
}

async fn escalation_through_activate_user_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let pending = user_id(&s, "pending@acme.example").await;
    let higher = profile_id(&s, "DISTRIBUTOR_ADMIN").await;
    let grant = json!({ "userId": pending, "profileId": higher });
    let why = "more than Anna holds";
    refused(&s, ANNA, ACTIVATE, grant, "FORBIDDEN", why).await;
    assert_audited(&s, "user.activate", "DENIED").await;
}

async fn escalation_through_change_user_profile_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let paula = user_id(&s, PAULA).await;
    let anna = user_id(&s, ANNA).await;
    let admin = profile_id(&s, "ADMIN").await;
    let platform = profile_id(&s, "PLATFORM_ADMIN").await;
    let up = json!({ "userId": paula, "profileId": admin });
    refused(&s, DANA, CHANGE, up, "FORBIDDEN", "more than Dana holds").await;
    let own = json!({ "userId": anna, "profileId": platform });
    refused(&s, ANNA, CHANGE, own, "FORBIDDEN", "one's own profile").await;
    assert_audited(&s, "user.profile", "DENIED").await;
}

async fn chained_login_as_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let olga = user_id(&s, OLGA).await;
    let r = mutate(
        &s,
        ADMIN,
        IMPERSONATE,
        json!({ "userId": olga, "reason": "audit" }),
    )
    .await;
    let session = r.data()["impersonate"]["token"]
        .as_str()
        .expect("a session")
        .to_owned();
    let carl = user_id(&s, CARL).await;
    let chain = json!({ "query": IMPERSONATE, "variables": { "input": { "userId": carl, "reason": "chain" } } });
    let chained = s.post_json(Some(&session), &chain).await;
    assert_eq!(chained.error_code(), "FORBIDDEN");
    assert_audited(&s, "user.impersonate", "DENIED").await;
}

async fn a_suspended_users_old_token_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token("victor@acme.example").await;
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    assert_eq!(s.post_json(Some(&token), &viewer).await.status, 200);
    let victor = user_id(&s, "victor@acme.example").await;
    let suspend =
        "mutation($input: UserActionInput!) { suspendUser(input: $input) { user { status } } }";
    mutate(&s, ANNA, suspend, json!({ "userId": victor })).await;
    let r = s.post_json(Some(&token), &viewer).await;
    assert_eq!(
        (r.status, r.error_code()),
        (401, "UNAUTHENTICATED".to_owned())
    );
}

on_each_backend!(
    escalation_through_activate_user_is_refused,
    escalation_through_change_user_profile_is_refused,
    chained_login_as_is_refused,
    a_suspended_users_old_token_is_refused,
    a_customer_user_reaches_no_other_customer_through_any_root_field_or_node,
    an_activation_link_activates_its_pending_user_once,
    nobody_grants_more_than_they_hold_or_changes_their_own_access,
    login_as_is_scoped_capped_unchainable_and_audited,
    withdrawn_suspended_and_removed_users_tokens_stop_working,
    a_customer_user_reaches_no_other_customer_through_any_mutation,
);
