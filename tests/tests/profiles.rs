//! Who owns a custom profile, over HTTP: an organization's custom profiles are seen, edited and
//! given only by that organization's admins and platform admins; the platform's only by
//! platform admins; built-in profiles by nobody. Out of reach answers exactly like an id that
//! does not exist (`NOT_FOUND`), and changes nothing. The same rule for the other records a
//! write input names: another tenant's payment method, offer, partner or customer.

use partnergraph_core::ids::{
    CustomerId, InvoiceId, OfferId, OrgId, PaymentMethodId, ProfileId, SubscriptionId,
};
use partnergraph_demo::billing_id;
use partnergraph_tests::assert::{assert_ok, bare_mutation, mutate as run, refused};
use partnergraph_tests::personas::{ADMIN, ANNA, CARL, DANA, INES, OLGA, PAULA, SID, VICTOR};
use partnergraph_tests::queries::{by_id, items, nodes, user_id};
use partnergraph_tests::{on_each_backend, Backend, Response, TestServer};
use serde_json::{json, Value};

const CREATE: &str = "mutation($input: CreateProfileInput!) { createProfile(input: $input) { profile { id code } } }";
const UPDATE: &str = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { profile { name permissions } } }";
const ACTIVATE: &str = "mutation($input: UserProfileInput!) { activateUser(input: $input) { user { status profile { code } } } }";
const CHANGE: &str = "mutation($input: UserProfileInput!) { changeUserProfile(input: $input) { user { profile { code } } } }";
const INVITE: &str = "mutation($input: InviteCustomerUserInput!) { inviteCustomerUser(input: $input) { user { id } } }";
const PROFILE: &str =
    "query($id: ID!) { node(id: $id) { ... on Profile { code name permissions organization { id } } } }";

/// The error a client gets, code and message, to compare two answers exactly.
fn error_of(r: &Response) -> (String, Value) {
    (r.error_code(), r.body["errors"][0]["message"].clone())
}

/// The global id of the built-in profile with this code.
async fn built_in(s: &TestServer, code: &str) -> String {
    let r = s
        .query(ADMIN, "{ profiles { id code builtIn } }", json!({}))
        .await;
    let found = items(&r.data()["profiles"])
        .find(|p| p["code"] == code && p["builtIn"] == true)
        .and_then(|p| p["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no built-in profile {code}"));
    found
}

/// Creates a custom profile as `who` and returns its global id.
async fn create(s: &TestServer, who: &str, code: &str, permissions: &[&str]) -> String {
    let input = json!({ "code": code, "name": code, "permissions": permissions });
    let r = run(s, who, CREATE, input).await;
    r.data()["createProfile"]["profile"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{who} creates {code}: {}", r.body))
        .to_owned()
}

/// The profile as the platform admin sees it, to show that a refused write changed nothing.
async fn as_platform(s: &TestServer, profile: &str) -> Value {
    by_id(s, ADMIN, PROFILE, &json!(profile)).await.data()["node"].clone()
}

/// The code of the profile a user holds, as the platform admin sees it.
async fn held_by(s: &TestServer, user: &str) -> Value {
    let profile_of = "query($id: ID!) { node(id: $id) { ... on User { profile { code } } } }";
    by_id(s, ADMIN, profile_of, &json!(user)).await.data()["node"]["profile"]["code"].clone()
}

/// Whether `who` finds the profile, by id and in the `profiles` list.
async fn sees(s: &TestServer, who: &str, profile: &str) -> (bool, bool) {
    let node = by_id(s, who, PROFILE, &json!(profile)).await;
    let list = s.query(who, "{ profiles { id } }", json!({})).await;
    let listed = items(&list.data()["profiles"]).any(|p| p["id"] == profile);
    (!node.data()["node"].is_null(), listed)
}

/// Acme's custom profile (created by Anna, Acme's admin, and held by Victor), the platform's
/// (created by the platform admin), and an id that names no profile.
struct World {
    acme: String,
    platform: String,
    missing: String,
}

async fn world(s: &TestServer) -> World {
    let acme = create(s, ANNA, "acme_ops", &["VIEW_CUSTOMERS", "VIEW_BILLING"]).await;
    let platform = create(s, ADMIN, "platform_ops", &["VIEW_CUSTOMERS"]).await;
    let victor = user_id(s, VICTOR).await;
    let given = run(
        s,
        ANNA,
        CHANGE,
        json!({ "userId": victor, "profileId": acme }),
    )
    .await;
    assert_eq!(
        given.data()["changeUserProfile"]["user"]["profile"]["code"],
        "ACME_OPS",
        "{}",
        given.body
    );
    World {
        acme,
        platform,
        missing: ProfileId::from("profile-none").global().to_string(),
    }
}

async fn a_custom_profile_out_of_reach_answers_like_one_that_does_not_exist(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let w = world(&s).await;
    let (victor, paula, sid, ines) = (
        user_id(&s, VICTOR).await,
        user_id(&s, PAULA).await,
        user_id(&s, SID).await,
        user_id(&s, INES).await,
    );
    // A PENDING user Olga may activate: a user she invites onto one of Globex's customers.
    let globex_customer = nodes(&s, OLGA, "customers(first: 1)", "id").await[0]["id"].clone();
    let invite = json!({ "customerId": globex_customer, "email": "new@globex-customer.example",
                         "firstName": "New", "lastName": "User" });
    let invited = run(&s, OLGA, INVITE, invite).await;
    let pending = invited.data()["inviteCustomerUser"]["user"]["id"].clone();
    assert!(pending.is_string(), "{}", invited.body);
    let before = (
        as_platform(&s, &w.acme).await,
        as_platform(&s, &w.platform).await,
    );

    // (who, mutation, input with the profile id left out): each persona reaches the user or
    // holds the permission, so only the profile's owner decides.
    let grab = ["VIEW_CUSTOMERS", "DELETE_CUSTOMERS", "MANAGE_USERS"];
    let attempts: Vec<(&str, &str, &str, Value)> = vec![
        (
            OLGA,
            "updateProfile",
            UPDATE,
            json!({ "name": "Mine", "permissions": grab }),
        ),
        (OLGA, "changeUserProfile", CHANGE, json!({ "userId": sid })),
        (OLGA, "activateUser", ACTIVATE, json!({ "userId": pending })),
        (
            DANA,
            "changeUserProfile",
            CHANGE,
            json!({ "userId": paula }),
        ),
        (CARL, "changeUserProfile", CHANGE, json!({ "userId": ines })),
        (
            ANNA,
            "changeUserProfile",
            CHANGE,
            json!({ "userId": paula }),
        ),
    ];
    for (who, field, mutation, input) in &attempts {
        let with = |profile: &str| {
            let mut input = input.clone();
            input["profileId"] = json!(profile);
            input
        };
        let why = format!("{who} {field}");
        let unknown = refused(&s, who, mutation, with(&w.missing), "NOT_FOUND", &why).await;
        let foreign: &[&str] = if *who == ANNA {
            &[&w.platform]
        } else {
            &[&w.acme, &w.platform]
        };
        for profile in foreign {
            let r = run(&s, who, mutation, with(profile)).await;
            assert_eq!(
                error_of(&r),
                error_of(&unknown),
                "{who} {field} {profile}: as if it did not exist"
            );
            assert_eq!(
                sees(&s, who, profile).await,
                (false, false),
                "{who} does not see {profile}"
            );
        }
    }
    assert_eq!(
        (
            as_platform(&s, &w.acme).await,
            as_platform(&s, &w.platform).await
        ),
        before,
        "the profiles are unchanged"
    );
    assert_eq!(held_by(&s, &victor).await, "ACME_OPS");
    assert_eq!(held_by(&s, &sid).await, "VIEWER");
    assert_eq!(held_by(&s, &paula).await, "PARTNER");
    assert_eq!(held_by(&s, &ines).await, "CUSTOMER_USER");

    // Dana sees Acme's users but not Acme's profiles: Victor's profile is hidden from her.
    let user_of = "query($id: ID!) { node(id: $id) { ... on User { email profile { code } } } }";
    let victor_seen = by_id(&s, DANA, user_of, &json!(victor)).await;
    assert_eq!(victor_seen.data()["node"]["email"], VICTOR);
    assert!(victor_seen.data()["node"]["profile"].is_null());
}

async fn an_owner_and_the_platform_edit_and_give_a_custom_profile_and_its_holder_reads_it(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let w = world(&s).await;
    let (pending, paula, ines, sid) = (
        user_id(&s, "pending@acme.example").await,
        user_id(&s, PAULA).await,
        user_id(&s, INES).await,
        user_id(&s, SID).await,
    );
    let acme_org = OrgId::from("org-acme").global().to_string();
    assert_eq!(sees(&s, ANNA, &w.acme).await, (true, true));
    assert_eq!(sees(&s, ADMIN, &w.acme).await, (true, true));
    assert_eq!(sees(&s, ADMIN, &w.platform).await, (true, true));
    assert_eq!(
        as_platform(&s, &w.acme).await["organization"]["id"],
        json!(acme_org),
        "Acme owns the profile its admin created"
    );

    let edits = [
        (ANNA, &w.acme, "Acme operations"),
        (ADMIN, &w.acme, "Acme operations (platform)"),
        (ADMIN, &w.platform, "Platform operations"),
    ];
    for (who, profile, name) in edits {
        let input =
            json!({ "profileId": profile, "name": name, "permissions": ["VIEW_CUSTOMERS"] });
        let r = run(&s, who, UPDATE, input).await;
        assert_eq!(
            r.data()["updateProfile"]["profile"]["name"],
            name,
            "{}",
            r.body
        );
    }

    // (who, mutation, user, profile, expected profile code or error)
    let grants = [
        (ANNA, ACTIVATE, &pending, &w.acme, "ACME_OPS"),
        (ADMIN, CHANGE, &paula, &w.acme, "ACME_OPS"),
        (ANNA, CHANGE, &ines, &w.acme, "ACME_OPS"),
        (ADMIN, CHANGE, &sid, &w.acme, "BAD_USER_INPUT"),
        (ADMIN, CHANGE, &sid, &w.platform, "PLATFORM_OPS"),
    ];
    for (who, mutation, user, profile, expected) in grants {
        let r = run(
            &s,
            who,
            mutation,
            json!({ "userId": user, "profileId": profile }),
        )
        .await;
        if expected == "BAD_USER_INPUT" {
            let why = "another organization's profile does not fit";
            assert_eq!(r.error_code(), expected, "{why}");
        } else {
            assert_ok(&r, who);
            assert_eq!(held_by(&s, user).await, expected);
        }
    }
    // Ines holds Acme's profile: she reads it, though customer users reach no custom profile.
    let own = s
        .query(
            INES,
            "{ viewer { profile { code } } profiles { code } }",
            json!({}),
        )
        .await;
    assert_eq!(own.data()["viewer"]["profile"]["code"], "ACME_OPS");
    assert!(own.data()["profiles"].to_string().contains("ACME_OPS"));
    let carl_list = s.query(CARL, "{ profiles { code } }", json!({})).await;
    assert!(!carl_list.data()["profiles"]
        .to_string()
        .contains("ACME_OPS"));

    // Codes are per owner: Globex may use Acme's code; nobody takes a built-in code.
    let twin = json!({ "code": "acme_ops", "name": "Twin", "permissions": ["VIEW_CUSTOMERS"] });
    assert_ok(&run(&s, OLGA, CREATE, twin.clone()).await, "Globex's twin");
    refused(&s, ANNA, CREATE, twin, "CONFLICT", "Acme's code, again").await;
    let viewer = json!({ "code": "viewer", "name": "Mine", "permissions": ["VIEW_CUSTOMERS"] });
    refused(&s, OLGA, CREATE, viewer, "CONFLICT", "a built-in code").await;
}

async fn nobody_edits_a_built_in_profile(backend: Backend) {
    let s = TestServer::dedicated(backend);
    for code in ["VIEWER", "ADMIN", "CUSTOMER_USER"] {
        let profile = built_in(&s, code).await;
        let before = as_platform(&s, &profile).await;
        for (who, code_refused) in [
            (ADMIN, "CONFLICT"),
            (ANNA, "CONFLICT"),
            (OLGA, "CONFLICT"),
            (DANA, "FORBIDDEN"),
            (CARL, "FORBIDDEN"),
        ] {
            let input = json!({ "profileId": profile, "name": "Changed", "permissions": ["VIEW_CUSTOMERS"] });
            let why = format!("{who} edits {code}");
            refused(&s, who, UPDATE, input, code_refused, &why).await;
        }
        assert_eq!(as_platform(&s, &profile).await, before);
    }
}

/// The audit's reproduction: Olga (Globex) widens the custom profile Acme gave Victor, and
/// Victor deactivates an Acme customer. It fails at the first step.
async fn another_organizations_admin_cannot_escalate_a_holder_of_its_profile(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let w = world(&s).await;
    let before = as_platform(&s, &w.acme).await;
    let escalate = json!({ "profileId": w.acme, "name": "Victor",
        "permissions": ["VIEW_CUSTOMERS", "MANAGE_CUSTOMERS", "DELETE_CUSTOMERS", "MANAGE_USERS", "IMPERSONATE"] });
    let why = "Olga widens Acme's";
    refused(&s, OLGA, UPDATE, escalate, "NOT_FOUND", why).await;
    assert_eq!(as_platform(&s, &w.acme).await, before);

    let initech = CustomerId::from("cus-001").global().to_string();
    let deactivate = "mutation($input: CustomerActionInput!) { deactivateCustomer(input: $input) { customer { status } } }";
    let why = "Victor still may only view";
    let initech_only = json!({ "customerId": initech });
    refused(&s, VICTOR, deactivate, initech_only, "FORBIDDEN", why).await;
    let status_of = "query($id: ID!) { customer(id: $id) { status } }";
    let status = by_id(&s, ADMIN, status_of, &json!(initech)).await;
    assert_eq!(status.data()["customer"]["status"], "ACTIVE");
}

/// An offer the platform sells that Acme may not.
async fn offer_acme_may_not_sell(s: &TestServer) -> String {
    let acme = nodes(s, PAULA, "offers(first: 100)", "id").await;
    nodes(s, ADMIN, "offers(first: 100)", "id")
        .await
        .into_iter()
        .find(|o| !acme.contains(o))
        .and_then(|o| o["id"].as_str().map(str::to_owned))
        .expect("an offer Acme may not sell")
}

/// A payment method of an Acme customer other than Initech.
async fn sibling_payment_method(s: &TestServer) -> String {
    let customers = nodes(
        s,
        PAULA,
        "customers(first: 50)",
        "name paymentMethods { id }",
    )
    .await;
    let found = customers
        .iter()
        .filter(|c| c["name"] != "Initech")
        .find_map(|c| c["paymentMethods"][0]["id"].as_str().map(str::to_owned))
        .expect("another Acme customer with a payment method");
    found
}

async fn a_foreign_record_named_by_a_write_input_is_not_found_and_changes_nothing(
    backend: Backend,
) {
    let s = TestServer::dedicated(backend);
    let initech = CustomerId::from("cus-001").global().to_string();
    let invoice = InvoiceId(billing_id("inv-00003")).global().to_string();
    let subscription = SubscriptionId(billing_id("sub-0001")).global().to_string();
    let card = PaymentMethodId(billing_id(&format!("pm-{}-1", billing_id("ba-cus-001"))))
        .global()
        .to_string();
    let foreign_offer = offer_acme_may_not_sell(&s).await;
    let sibling_card = sibling_payment_method(&s).await;
    let globex = OrgId::from("org-globex").global().to_string();
    let globex_customer = nodes(&s, OLGA, "customers(first: 1)", "id")
        .await
        .first()
        .and_then(|c| c["id"].as_str())
        .expect("a Globex customer")
        .to_owned();
    let missing_offer = OfferId::from("offer-none").global().to_string();
    let missing_org = OrgId::from("org-none").global().to_string();
    let missing_customer = CustomerId::from("cus-none").global().to_string();
    let missing_card = PaymentMethodId::from("pm-none").global().to_string();
    let standard = OfferId(billing_id("offer-01")).global().to_string();

    // (who, input type and field, the input, where in it a record is named, the foreign record,
    // and one that does not exist)
    let new = json!({ "name": "Foreign Co", "email": "it@foreign.example" });
    let spy = json!({ "email": "spy@globex.example", "firstName": "S", "lastName": "Py" });
    let cases: Vec<(&str, &str, Value, &str, &str, &str)> = vec![
        (
            CARL,
            "PayInvoiceInput payInvoice",
            json!({ "invoiceId": invoice }),
            "/paymentMethodId",
            &sibling_card,
            &missing_card,
        ),
        (
            PAULA,
            "PlaceOrderInput placeOrder",
            json!({ "customerId": initech, "quantity": 5 }),
            "/offerId",
            &foreign_offer,
            &missing_offer,
        ),
        (
            PAULA,
            "PlaceOrderInput placeOrder",
            json!({ "offerId": standard, "quantity": 5 }),
            "/customerId",
            &globex_customer,
            &missing_customer,
        ),
        (
            PAULA,
            "ChangeSubscriptionInput changeSubscription",
            json!({ "subscriptionId": subscription }),
            "/offerId",
            &foreign_offer,
            &missing_offer,
        ),
        (
            DANA,
            "CreateCustomerInput createCustomer",
            json!({ "customer": new }),
            "/customer/partnerId",
            &globex,
            &missing_org,
        ),
        (
            OLGA,
            "InviteCustomerUserInput inviteCustomerUser",
            spy,
            "/customerId",
            &initech,
            &missing_customer,
        ),
    ];
    let state = async || {
        s.query(
            ADMIN,
            "query($c: ID!, $i: ID!, $s: ID!) {
               customer(id: $c) { users { totalCount } }
               invoice: node(id: $i) { ... on Invoice { balance { amount } status } }
               subscription: node(id: $s) { ... on Subscription { quantity offer { id } } }
               customers(filter: { nameContains: \"Foreign\" }) { totalCount } }",
            json!({ "c": initech, "i": invoice, "s": subscription }),
        )
        .await
        .body["data"]
            .clone()
    };
    let before = state().await;
    for (who, mutation, input, at, foreign, missing) in cases {
        let naming = |id: &str| {
            let mut input = input.clone();
            let (parent, key) = at.rsplit_once('/').unwrap_or_default();
            if let Some(Value::Object(fields)) = input.pointer_mut(parent) {
                fields.insert(key.to_owned(), json!(id));
            }
            input
        };
        let query = bare_mutation(mutation);
        let why = format!("{who} {mutation}");
        let unknown = refused(&s, who, &query, naming(missing), "NOT_FOUND", &why).await;
        let r = run(&s, who, &query, naming(foreign)).await;
        assert_eq!(error_of(&r), error_of(&unknown), "{why}: {}", r.body);
    }
    assert_eq!(state().await, before, "nothing changed");

    // Another account's method the caller does see is the wrong input, not a missing one.
    let pay = "mutation($input: PayInvoiceInput!) { payInvoice(input: $input) { __typename } }";
    let wrong = json!({ "invoiceId": invoice, "paymentMethodId": sibling_card });
    let why = "a visible sibling's card";
    refused(&s, ANNA, pay, wrong, "BAD_USER_INPUT", why).await;
    assert_eq!(state().await, before);
    let right = json!({ "invoiceId": invoice, "paymentMethodId": card, "amount": "1" });
    assert_ok(&run(&s, CARL, pay, right).await, "Carl pays with his card");
}

on_each_backend!(
    a_custom_profile_out_of_reach_answers_like_one_that_does_not_exist,
    an_owner_and_the_platform_edit_and_give_a_custom_profile_and_its_holder_reads_it,
    nobody_edits_a_built_in_profile,
    another_organizations_admin_cannot_escalate_a_holder_of_its_profile,
    a_foreign_record_named_by_a_write_input_is_not_found_and_changes_nothing,
);
