//! Attacks on identity and access, each refused (and audited where that is due): escalation
//! through profiles, chained or out-of-scope login-as, withdrawn and suspended tokens, and a
//! customer user reaching another customer through every mutation.

use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};

const ADMIN: &str = "admin@platform.example";
const ANNA: &str = "anna@acme.example";
const PAULA: &str = "paula@acme.example";
const DANA: &str = "dana@northwind.example";
const OLGA: &str = "olga@globex.example";
const CARL: &str = "carl@initech.example";
const ACME_ORG: &str = "T3JnYW5pemF0aW9uOm9yZy1hY21l";

/// The global id of the user with this email (as the platform admin sees it).
async fn user_id(s: &TestServer, email: &str) -> String {
    let r = s
        .query(
            ADMIN,
            "query($e: String!) { users(filter: { emailContains: $e }) { nodes { id email } } }",
            json!({ "e": email }),
        )
        .await;
    let found = r.data()["users"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let user = found.iter().find(|u| u["email"] == email);
    match user {
        Some(u) => u["id"].as_str().unwrap_or_default().to_owned(),
        None => {
            // Customer users are not operators: find them through their customer.
            let r = s
                .query(
                    ADMIN,
                    "query($e: String!) { customers(first: 100) { nodes { users(filter: { emailContains: $e }) { nodes { id email } } } } }",
                    json!({ "e": email }),
                )
                .await;
            r.data()["customers"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["users"]["nodes"].as_array().cloned().unwrap_or_default())
                .find(|u| u["email"] == email)
                .and_then(|u| u["id"].as_str().map(str::to_owned))
                .unwrap_or_else(|| panic!("no user {email}"))
        }
    }
}

/// The global id of the profile with this code.
async fn profile_id(s: &TestServer, code: &str) -> String {
    let r = s.query(ADMIN, "{ profiles { id code } }", json!({})).await;
    r.data()["profiles"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["code"] == code)
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no profile {code}"))
}

async fn run(
    s: &TestServer,
    who: &str,
    mutation: &str,
    input: Value,
) -> partnergraph_tests::Response {
    s.query(who, mutation, json!({ "input": input })).await
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

    for higher in [&distributor_admin, &platform_admin] {
        let r = run(
            &s,
            ANNA,
            ACTIVATE,
            json!({ "userId": pending, "profileId": higher }),
        )
        .await;
        assert_eq!(
            r.error_code(),
            "FORBIDDEN",
            "anna grants more than she holds: {}",
            r.body
        );
    }
    let customer_profile = profile_id(&s, "CUSTOMER_ADMIN").await;
    let r = run(
        &s,
        ANNA,
        ACTIVATE,
        json!({ "userId": pending, "profileId": customer_profile }),
    )
    .await;
    assert_eq!(
        r.error_code(),
        "BAD_USER_INPUT",
        "a customer profile does not fit an operator"
    );
    let r = run(
        &s,
        ANNA,
        ACTIVATE,
        json!({ "userId": pending, "profileId": viewer }),
    )
    .await;
    assert_eq!(
        r.data()["activateUser"]["user"],
        json!({ "status": "ACTIVE", "profile": { "code": "VIEWER" } })
    );
    let again = run(
        &s,
        ANNA,
        ACTIVATE,
        json!({ "userId": pending, "profileId": viewer }),
    )
    .await;
    assert_eq!(
        again.error_code(),
        "CONFLICT",
        "only pending users are activated"
    );

    let own = run(
        &s,
        ANNA,
        CHANGE,
        json!({ "userId": anna, "profileId": viewer }),
    )
    .await;
    assert_eq!(
        own.error_code(),
        "FORBIDDEN",
        "nobody changes their own profile"
    );
    let up = run(
        &s,
        DANA,
        CHANGE,
        json!({ "userId": paula, "profileId": admin }),
    )
    .await;
    assert_eq!(
        up.error_code(),
        "FORBIDDEN",
        "ADMIN holds MANAGE_PROFILES, which Dana does not"
    );
    let other = run(
        &s,
        OLGA,
        CHANGE,
        json!({ "userId": paula, "profileId": viewer }),
    )
    .await;
    assert_eq!(
        other.error_code(),
        "NOT_FOUND",
        "Acme's users do not exist for Globex"
    );

    // A profile change takes effect on the next request, with the token already issued.
    let paula_token = s.token(PAULA).await;
    let can_order = json!({ "query": "{ viewer { permissions } }" });
    let before = s.post_json(Some(&paula_token), &can_order).await;
    assert!(before.body["data"]["viewer"]["permissions"]
        .to_string()
        .contains("MANAGE_SUBSCRIPTIONS"));
    let down = run(
        &s,
        DANA,
        CHANGE,
        json!({ "userId": paula, "profileId": viewer }),
    )
    .await;
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
    assert_eq!(
        run(&s, ANNA, create, greedy).await.error_code(),
        "FORBIDDEN"
    );
    let unknown = json!({ "code": "odd", "name": "Odd", "permissions": ["FLY"] });
    assert_eq!(
        run(&s, ANNA, create, unknown).await.error_code(),
        "BAD_USER_INPUT"
    );
    let clerk = json!({ "code": "billing_clerk", "name": "Billing clerk", "permissions": ["VIEW_BILLING", "PAY_INVOICES"] });
    let created = run(&s, ANNA, create, clerk).await;
    assert_eq!(
        created.data()["createProfile"]["profile"]["code"],
        "BILLING_CLERK"
    );
    let update = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { profile { name } } }";
    let builtin =
        json!({ "profileId": viewer, "name": "Viewer+", "permissions": ["VIEW_BILLING"] });
    assert_eq!(
        run(&s, ADMIN, update, builtin).await.error_code(),
        "CONFLICT"
    );

    let audit = s
        .query(
            ADMIN,
            "{ auditLog(first: 100) { nodes { action outcome } } }",
            json!({}),
        )
        .await;
    let denied = audit.data()["auditLog"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
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

    let r = run(
        &s,
        PAULA,
        IMPERSONATE,
        json!({ "userId": carl, "reason": "support" }),
    )
    .await;
    assert_eq!(
        r.error_code(),
        "FORBIDDEN",
        "the PARTNER profile may not log in as others"
    );
    let r = run(
        &s,
        ANNA,
        IMPERSONATE,
        json!({ "userId": paula, "reason": "look" }),
    )
    .await;
    assert_eq!(
        r.error_code(),
        "FORBIDDEN",
        "partner users log in as their customers, not colleagues"
    );
    let r = run(
        &s,
        OLGA,
        IMPERSONATE,
        json!({ "userId": carl, "reason": "look" }),
    )
    .await;
    assert_eq!(
        r.error_code(),
        "NOT_FOUND",
        "another partner's customer user does not exist"
    );
    let r = run(
        &s,
        ANNA,
        IMPERSONATE,
        json!({ "userId": carl, "reason": "  " }),
    )
    .await;
    assert_eq!(r.error_code(), "BAD_USER_INPUT", "a reason is required");

    let r = run(
        &s,
        ANNA,
        IMPERSONATE,
        json!({ "userId": carl, "reason": "ticket 42" }),
    )
    .await;
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
    let r = run(
        &s,
        ADMIN,
        IMPERSONATE,
        json!({ "userId": olga, "reason": "audit" }),
    )
    .await;
    let as_olga = r.data()["impersonate"]["token"]
        .as_str()
        .expect("admin logs in as Olga")
        .to_owned();
    let globex_customer_user = s
        .query(
            OLGA,
            "{ customers(first: 20) { nodes { users(first: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let target = globex_customer_user.data()["customers"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
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
    let audit = s
        .query(
            ADMIN,
            "{ auditLog(first: 100) { nodes { action actor { email } onBehalfOf { email } } } }",
            json!({}),
        )
        .await;
    let requests = audit.data()["auditLog"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["action"] == "request"
                && e["actor"]["email"] == ANNA
                && e["onBehalfOf"]["email"] == CARL
        })
        .count();
    assert!(requests >= 1, "{}", audit.body);
}

async fn withdrawn_suspended_and_removed_users_tokens_stop_working(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    let first = s.token(PAULA).await;
    let second = s.token(PAULA).await;
    let out = s
        .post_json(
            Some(&first),
            &json!({ "query": "mutation { logout { revoked } }" }),
        )
        .await;
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
    assert_eq!(
        run(&s, PAULA, suspend, json!({ "userId": victor }))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    let r = run(&s, ANNA, suspend, json!({ "userId": victor })).await;
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
    let r = run(&s, DANA, remove, json!({ "userId": anna })).await;
    assert!(r.body.get("errors").is_none(), "{}", r.body);
    assert_eq!(
        s.post_json(Some(&anna_token), &viewer).await.status,
        401,
        "removed at once"
    );
}

/// Another Acme customer than Carl's Initech, with every kind of record, as Paula sees it.
async fn sibling_with_every_record(s: &TestServer) -> Value {
    let r = s
        .query(
            PAULA,
            "{ customers(first: 50, orderBy: { field: NAME }) { nodes {
                id name subscriptions(first: 1) { nodes { id } } invoices(first: 1) { nodes { id } }
                payments(first: 1) { nodes { id } }
                paymentMethods { id } cases(first: 1) { nodes { id } } users(first: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    r.data()["customers"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| {
            c["name"] != "Initech"
                && ["subscriptions", "invoices", "payments", "cases", "users"]
                    .iter()
                    .all(|k| c[*k]["nodes"][0]["id"].is_string())
                && c["paymentMethods"][0]["id"].is_string()
        })
        .cloned()
        .expect("another Acme customer with every kind of record")
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
    let customer = s
        .query(
            CARL,
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({ "id": other["id"] }),
        )
        .await;
    assert!(customer.data()["customer"].is_null(), "{}", customer.body);
    for id in &ids {
        let r = s
            .query(
                CARL,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(r.data()["node"].is_null(), "{id}: {}", r.body);
    }
    let nodes = s
        .query(
            CARL,
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
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
    let org = s
        .query(
            CARL,
            "query($id: ID!) { organization(id: $id) { id } }",
            json!({ "id": ACME_ORG }),
        )
        .await;
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
    let attempts: Vec<(&str, &str, Value)> = vec![
        (
            "UpdateCustomerInput",
            "updateCustomer",
            json!({ "customerId": customer, "name": "Pwned" }),
        ),
        (
            "CustomerActionInput",
            "deactivateCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "CustomerActionInput",
            "reactivateCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "CustomerActionInput",
            "deleteCustomer",
            json!({ "customerId": customer }),
        ),
        (
            "PlaceOrderInput",
            "placeOrder",
            json!({ "customerId": customer, "offerId": "T2ZmZXI6b2ZmZXItMDE", "quantity": 1 }),
        ),
        (
            "ChangeSubscriptionInput",
            "changeSubscription",
            json!({ "subscriptionId": id(&["subscriptions", "nodes", "0", "id"]), "quantity": 1 }),
        ),
        (
            "CancelSubscriptionInput",
            "cancelSubscription",
            json!({ "subscriptionId": id(&["subscriptions", "nodes", "0", "id"]), "immediately": true }),
        ),
        (
            "PayInvoiceInput",
            "payInvoice",
            json!({ "invoiceId": id(&["invoices", "nodes", "0", "id"]), "paymentMethodId": id(&["paymentMethods", "0", "id"]) }),
        ),
        (
            "CreateCaseInput",
            "createCase",
            json!({ "customerId": customer, "subject": "x" }),
        ),
        (
            "UpdateCaseInput",
            "updateCase",
            json!({ "caseId": id(&["cases", "nodes", "0", "id"]), "status": "CLOSED" }),
        ),
        (
            "AddCaseCommentInput",
            "addCaseComment",
            json!({ "caseId": id(&["cases", "nodes", "0", "id"]), "body": "x" }),
        ),
        (
            "InviteCustomerUserInput",
            "inviteCustomerUser",
            json!({ "customerId": customer, "email": "spy@x.example", "firstName": "S", "lastName": "Py" }),
        ),
        (
            "RemoveCustomerUserInput",
            "removeCustomerUser",
            json!({ "userId": id(&["users", "nodes", "0", "id"]) }),
        ),
        (
            "UserActionInput",
            "suspendUser",
            json!({ "userId": id(&["users", "nodes", "0", "id"]) }),
        ),
        (
            "ImpersonateInput",
            "impersonate",
            json!({ "userId": id(&["users", "nodes", "0", "id"]), "reason": "x" }),
        ),
    ];
    for (input_type, field, input) in attempts {
        assert!(
            !input.to_string().contains("null"),
            "{field}: the target has every record: {input}"
        );
        let query = format!(
            "mutation($input: {input_type}!) {{ {field}(input: $input) {{ __typename }} }}"
        );
        let r = s.query(CARL, &query, json!({ "input": input })).await;
        let code = r.error_code();
        assert!(
            code == "NOT_FOUND" || code == "FORBIDDEN",
            "{field}: {}",
            r.body
        );
    }
    let unchanged = s
        .query(
            PAULA,
            "query($id: ID!) { customer(id: $id) { name status } }",
            json!({ "id": customer }),
        )
        .await;
    assert_eq!(unchanged.data()["customer"]["status"], "ACTIVE");
    assert_ne!(unchanged.data()["customer"]["name"], "Pwned");
}

async fn an_activation_link_activates_its_pending_user_once(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let pending = user_id(&s, "pending@acme.example").await;
    let paula = user_id(&s, PAULA).await;
    let send = "mutation($input: UserActionInput!) { sendActivationLink(input: $input) { user { status } } }";
    assert_eq!(
        run(&s, PAULA, send, json!({ "userId": pending }))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        run(&s, OLGA, send, json!({ "userId": pending }))
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        run(&s, ANNA, send, json!({ "userId": paula }))
            .await
            .error_code(),
        "CONFLICT"
    );
    let sent = run(&s, ANNA, send, json!({ "userId": pending })).await;
    assert_eq!(
        sent.data()["sendActivationLink"]["user"]["status"],
        "PENDING"
    );

    let mail = s.outbox().pop().expect("an email in the outbox");
    assert_eq!(mail["to"], "pending@acme.example");
    let body = mail["body"].as_str().unwrap_or_default();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/auth/activate?token="))
        .expect("a link in the email");
    let token = link.split("token=").nth(1).unwrap_or_default();
    let activate = |token: String| {
        let url = format!("{}/auth/activate", s.url);
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .query(&[("token", token)])
                .send()
                .await
                .expect("activation request");
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or_default(),
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
    let r = run(
        &s,
        ANNA,
        ACTIVATE,
        json!({ "userId": pending, "profileId": higher }),
    )
    .await;
    assert_eq!(r.error_code(), "FORBIDDEN");
    assert_denied_in_audit(&s, "user.activate").await;
}

async fn escalation_through_change_user_profile_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let paula = user_id(&s, PAULA).await;
    let anna = user_id(&s, ANNA).await;
    let admin = profile_id(&s, "ADMIN").await;
    let platform = profile_id(&s, "PLATFORM_ADMIN").await;
    let up = run(
        &s,
        DANA,
        CHANGE,
        json!({ "userId": paula, "profileId": admin }),
    )
    .await;
    assert_eq!(up.error_code(), "FORBIDDEN", "more than Dana holds");
    let own = run(
        &s,
        ANNA,
        CHANGE,
        json!({ "userId": anna, "profileId": platform }),
    )
    .await;
    assert_eq!(own.error_code(), "FORBIDDEN", "one's own profile");
    assert_denied_in_audit(&s, "user.profile").await;
}

async fn chained_login_as_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let olga = user_id(&s, OLGA).await;
    let r = run(
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
    assert_denied_in_audit(&s, "user.impersonate").await;
}

async fn a_suspended_users_old_token_is_refused(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token("victor@acme.example").await;
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    assert_eq!(s.post_json(Some(&token), &viewer).await.status, 200);
    let victor = user_id(&s, "victor@acme.example").await;
    let suspend =
        "mutation($input: UserActionInput!) { suspendUser(input: $input) { user { status } } }";
    run(&s, ANNA, suspend, json!({ "userId": victor })).await;
    let r = s.post_json(Some(&token), &viewer).await;
    assert_eq!(
        (r.status, r.error_code()),
        (401, "UNAUTHENTICATED".to_owned())
    );
}

/// The audit log holds a refusal of `action`.
async fn assert_denied_in_audit(s: &TestServer, action: &str) {
    let audit = s
        .query(
            ADMIN,
            "{ auditLog(first: 100) { nodes { action outcome } } }",
            json!({}),
        )
        .await;
    let found = audit.data()["auditLog"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["action"] == action && e["outcome"] == "DENIED");
    assert!(found, "no DENIED {action} in {}", audit.body);
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
