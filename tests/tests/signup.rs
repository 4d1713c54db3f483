//! Sign-up by billing account number, and sign-in with the embedded identity store.
//!
//! A number alone never grants access: the email must be a contact address of the customer,
//! the new user stays PENDING until the link mailed there is followed, every refusal answers the
//! same, and attempts are throttled per address, email and number. Each test runs on a gateway
//! of its own, because the per-address limit counts every sign-up this process's loopback
//! address makes.

use partnergraph_core::model::{Customer, CustomerStatus, Membership};
use partnergraph_core::write::StepPhase;
use partnergraph_tests::faults::FailAt;
use partnergraph_tests::queries::{activation_token, find};
use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};
use std::sync::Arc;

const SIGN_UP: &str = "mutation($input: SignUpInput!) {
  signUp(input: $input) { user { email status profile { code } } }
}";
const PASSWORD: &str = "correct horse battery staple";
/// The one answer to a refused sign-up.
const NOT_VALIDATED: &str = "the sign-up could not be validated";
/// What a customer user reads: nothing at all while PENDING (lists of invoices and cases need a
/// permission a pending user does not hold).
const READ_ALL: &str = "{ viewer { user { status profile { code } } customer { name } }
  customers { nodes { name } } invoices { nodes { id } } cases { nodes { id } } }";

/// Active demo customers without portal users, with a CRM contact: the ones whose contacts may
/// sign up.
fn fresh_customers(s: &TestServer) -> Vec<Customer> {
    let demo = s.demo();
    demo.customers
        .iter()
        .filter(|c| c.status == CustomerStatus::Active)
        .filter(|c| {
            !demo
                .users
                .iter()
                .any(|u| u.membership == Membership::Customer(c.id.clone()))
        })
        .filter(|c| crm_contact(s, c).is_some())
        .cloned()
        .collect()
}

/// A deactivated customer without portal users.
fn deactivated_customer(s: &TestServer) -> Customer {
    let demo = s.demo();
    demo.customers
        .iter()
        .find(|c| {
            c.status == CustomerStatus::Inactive
                && !demo
                    .users
                    .iter()
                    .any(|u| u.membership == Membership::Customer(c.id.clone()))
        })
        .cloned()
        .expect("a deactivated customer")
}

fn initech(s: &TestServer) -> Customer {
    s.demo()
        .customers
        .into_iter()
        .find(|c| c.name == "Initech")
        .expect("Initech")
}

/// The email of the customer's contact in the CRM.
fn crm_contact(s: &TestServer, customer: &Customer) -> Option<String> {
    let crm = customer.external.crm.as_ref()?;
    s.demo()
        .contacts
        .into_iter()
        .find(|c| &c.account_id == crm)
        .map(|c| c.email)
}

/// Acme's billing account number: an organization's, not a customer's.
fn acme_number(s: &TestServer) -> String {
    let demo = s.demo();
    let acme = find(&demo.organizations, "Acme", |o| o.id.as_str() == "org-acme");
    let billing = acme.external.billing.as_ref().expect("billed");
    demo.billing_accounts
        .iter()
        .find(|a| &a.id == billing)
        .map(|a| a.account_number.clone())
        .expect("a billing account")
}

fn input(email: &str, number: &str) -> Value {
    json!({ "input": { "email": email, "accountNumber": number, "password": PASSWORD,
                       "firstName": "Milton", "lastName": "Waddams" } })
}

async fn sign_up(s: &TestServer, email: &str, number: &str) -> partnergraph_tests::Response {
    s.post_json(
        None,
        &json!({ "query": SIGN_UP, "variables": input(email, number) }),
    )
    .await
}

/// The errors of a response without their request ids, which differ by design.
fn errors_without_request_id(r: &partnergraph_tests::Response) -> Value {
    let mut errors = r.body["errors"].clone();
    for e in errors.as_array_mut().into_iter().flatten() {
        if let Some(ext) = e["extensions"].as_object_mut() {
            ext.remove("requestId");
        }
    }
    errors
}

fn assert_not_validated(r: &partnergraph_tests::Response, case: &str) {
    assert_eq!(r.error_code(), "BAD_USER_INPUT", "{case}: {}", r.body);
    assert_eq!(r.body["errors"][0]["message"], NOT_VALIDATED, "{case}");
    assert!(
        r.body["errors"][0]["extensions"].get("field").is_none(),
        "{case}: no field tells which input was wrong"
    );
}

async fn login(s: &TestServer, email: &str, password: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/auth/login", s.url))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn token(s: &TestServer, email: &str) -> String {
    let (status, body) = login(s, email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("a token").to_owned()
}

/// Reads [`READ_ALL`] with `token`.
async fn read_all(s: &TestServer, token: &str) -> partnergraph_tests::Response {
    s.post_json(Some(token), &json!({ "query": READ_ALL }))
        .await
}

/// The activation token last mailed to `email`.
fn mailed_token(s: &TestServer, email: &str) -> String {
    let mail = s
        .outbox()
        .into_iter()
        .rev()
        .find(|m| m["to"] == email)
        .expect("an email to the address");
    activation_token(&mail).to_owned()
}

/// Submits the activation page's form.
async fn submit_password(s: &TestServer, token: &str, password: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/auth/activate", s.url))
        .form(&[("token", token), ("password", password)])
        .send()
        .await
        .expect("activation request");
    (
        r.status().as_u16(),
        r.json::<Value>().await.unwrap_or_default(),
    )
}

/// Follows the activation link last mailed to `email` as the person who signed up: the link
/// alone only asks for the password (so a mail scanner fetching it activates nothing); the
/// password chosen at sign-up completes it.
async fn follow_link(s: &TestServer, email: &str) -> (u16, Value) {
    let token = mailed_token(s, email);
    let (status, page) = s.open_activation_link(&token).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("name=\"password\""),
        "a password form: {page}"
    );
    submit_password(s, &token, PASSWORD).await
}

async fn a_stranger_with_a_customers_account_number_gets_nothing(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let customer = &fresh_customers(&s)[0];
    let stranger = "mallory@attacker.example";
    let r = sign_up(&s, stranger, &customer.account_number).await;
    assert_not_validated(&r, "a stranger's email");
    assert_eq!(
        s.tables_mentioning(stranger).await,
        Vec::<&str>::new(),
        "no user and no identity"
    );
    assert_eq!(login(&s, stranger, PASSWORD).await.0, 401);
    assert!(
        s.outbox().is_empty(),
        "nothing is mailed for a refused sign-up"
    );

    // The input's own shape may be named: it tells nothing about accounts.
    let r = sign_up(&s, "not-an-email", &customer.account_number).await;
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "email");
    let mut short = input("z@attacker.example", &customer.account_number);
    short["input"]["password"] = json!("short");
    let short = s
        .post_json(None, &json!({ "query": SIGN_UP, "variables": short }))
        .await;
    assert_eq!(short.body["errors"][0]["extensions"]["field"], "password");

    // Without a token, nothing but signUp runs.
    let viewer = s
        .post_json(None, &json!({ "query": "{ viewer { user { email } } }" }))
        .await;
    assert_eq!(viewer.status, 401);
    let number = &customer.account_number;
    let sneaky = format!("mutation {{ signUp(input: {{ email: \"q@attacker.example\", accountNumber: \"{number}\", password: \"{PASSWORD}\", firstName: \"Q\", lastName: \"Q\" }}) {{ user {{ email }} }} logout {{ revoked }} }}");
    assert_eq!(
        s.post_json(None, &json!({ "query": sneaky })).await.status,
        401
    );
}

async fn a_contact_signs_up_pending_and_reads_their_customer_only_after_the_link(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let fresh = fresh_customers(&s);
    let (main, crm) = (&fresh[0], &fresh[1]);
    // The main contact, typed in other case, with the number as people type it.
    let address = main.email.clone();
    let typed = address.to_uppercase();
    let number = format!("  {}  ", main.account_number.replacen('A', "a", 1));
    let r = sign_up(&s, &typed, &number).await;
    assert_eq!(
        r.data()["signUp"]["user"],
        json!({ "email": address, "status": "PENDING", "profile": { "code": "CUSTOMER_USER" } }),
        "the user is the address on record, pending"
    );

    let pending = token(&s, &address).await;
    let read = read_all(&s, &pending).await;
    assert_eq!(
        read.body["data"],
        json!({
            "viewer": { "user": { "status": "PENDING", "profile": { "code": "CUSTOMER_USER" } },
                        "customer": null },
            "customers": { "nodes": [] },
            // Refused fields are there, as null (the spec's handling of a field error).
            "invoices": null,
            "cases": null
        }),
        "a pending user reads nothing: {}",
        read.body
    );
    assert_eq!(
        read.error_codes(),
        ["FORBIDDEN", "FORBIDDEN"],
        "nor invoices nor cases"
    );
    let by_id = s
        .post_json(
            Some(&pending),
            &json!({ "query": "query($id: ID!) { customer(id: $id) { name } }",
                     "variables": { "id": main.id.global().encode() } }),
        )
        .await;
    assert_eq!(
        by_id.body["data"]["customer"],
        Value::Null,
        "{}",
        by_id.body
    );

    let (status, body) = follow_link(&s, &address).await;
    assert_eq!(
        (status, body["activated"].clone()),
        (200, json!(true)),
        "{body}"
    );
    let read = read_all(&s, &token(&s, &address).await).await;
    assert_eq!(
        read.data()["viewer"],
        json!({ "user": { "status": "ACTIVE", "profile": { "code": "CUSTOMER_USER" } },
                "customer": { "name": main.name } })
    );
    assert_eq!(
        read.data()["customers"]["nodes"],
        json!([{ "name": main.name }])
    );

    // A contact known only to the CRM proves the tie too.
    let contact = crm_contact(&s, crm).expect("a CRM contact");
    let r = sign_up(&s, &contact, &crm.account_number).await;
    assert_eq!(r.data()["signUp"]["user"]["status"], "PENDING");
    assert_eq!(follow_link(&s, &contact).await.0, 200);
    let read = read_all(&s, &token(&s, &contact).await).await;
    assert_eq!(read.data()["viewer"]["customer"]["name"], crm.name);

    assert_eq!(login(&s, &address, "wrong password!").await.0, 401);
    assert_eq!(login(&s, "nobody@nowhere.example", PASSWORD).await.0, 401);
}

async fn every_refused_sign_up_answers_the_same(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let fresh = fresh_customers(&s);
    let (open, taken) = (&fresh[0], &fresh[1]);
    let initech = initech(&s);
    let deactivated = deactivated_customer(&s);
    // A user of Initech with the email of `taken`'s CRM contact: an email already registered.
    let registered = crm_contact(&s, taken).expect("a CRM contact");
    let carl = s.token("carl@initech.example").await;
    let invited = s
        .post_json(
            Some(&carl),
            &json!({
                "query": "mutation($input: InviteCustomerUserInput!) { inviteCustomerUser(input: $input) { user { status } } }",
                "variables": { "input": { "customerId": initech.id.global().encode(), "email": registered,
                                          "firstName": "Reg", "lastName": "Istered" } }
            }),
        )
        .await;
    assert_eq!(
        invited.data()["inviteCustomerUser"]["user"]["status"],
        "PENDING"
    );

    let cases = [
        (
            "an unknown number",
            open.email.clone(),
            "A99999999".to_owned(),
        ),
        (
            "an organization's number",
            open.email.clone(),
            acme_number(&s),
        ),
        (
            "a deactivated customer",
            deactivated.email.clone(),
            deactivated.account_number.clone(),
        ),
        (
            "an email that is no contact",
            "mallory@attacker.example".to_owned(),
            open.account_number.clone(),
        ),
        (
            "an email already registered",
            registered.clone(),
            taken.account_number.clone(),
        ),
        (
            "a customer that has users",
            initech.email.clone(),
            initech.account_number.clone(),
        ),
    ];
    let mut answers = Vec::new();
    for (case, email, number) in &cases {
        let r = sign_up(&s, email, number).await;
        assert_not_validated(&r, case);
        answers.push((case, errors_without_request_id(&r), r.body["data"].clone()));
    }
    let (_, first_errors, first_data) = &answers[0];
    for (case, errors, data) in &answers {
        assert_eq!(errors, first_errors, "{case} answers like the others");
        assert_eq!(data, first_data, "{case} answers like the others");
    }
    assert!(s.outbox().is_empty(), "no link was mailed");
}

/// The `extensions` of a RATE_LIMITED answer, checked.
fn assert_rate_limited(r: &partnergraph_tests::Response, case: &str) {
    assert_eq!(r.error_code(), "RATE_LIMITED", "{case}: {}", r.body);
    let wait = r.body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap_or(0);
    assert!((1..=600).contains(&wait), "{case}: retryAfter {wait}");
    assert_eq!(
        r.retry_after,
        Some(wait.to_string()),
        "{case}: the Retry-After header says the same"
    );
}

async fn the_eleventh_sign_up_from_one_address_is_rate_limited(backend: Backend) {
    let s = TestServer::dedicated(backend);
    for n in 0..10 {
        let r = sign_up(
            &s,
            &format!("walker{n}@attacker.example"),
            &format!("A9{n:07}"),
        )
        .await;
        assert_not_validated(&r, &format!("attempt {n}"));
    }
    let customer = &fresh_customers(&s)[0];
    let r = sign_up(&s, &customer.email, &customer.account_number).await;
    assert_rate_limited(&r, "the eleventh attempt, even a valid one");
}

async fn a_number_takes_five_sign_ups_per_window(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let customer = &fresh_customers(&s)[0];
    for n in 0..5 {
        let email = format!("guess{n}@attacker.example");
        assert_not_validated(&sign_up(&s, &email, &customer.account_number).await, &email);
    }
    let r = sign_up(&s, &customer.email, &customer.account_number).await;
    assert_rate_limited(&r, "the sixth attempt on a number");
    let other = &fresh_customers(&s)[1];
    assert_eq!(
        sign_up(&s, &other.email, &other.account_number)
            .await
            .data()["signUp"]["user"]["status"],
        "PENDING",
        "other numbers are fine"
    );
}

async fn an_email_takes_five_sign_ups_per_window(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let customer = &fresh_customers(&s)[0];
    for n in 0..5 {
        // The same address in other case is the same address.
        let email = if n % 2 == 0 {
            customer.email.to_uppercase()
        } else {
            customer.email.clone()
        };
        let r = sign_up(&s, &email, &format!("A8{n:07}")).await;
        assert_not_validated(&r, &format!("attempt {n}"));
    }
    let r = sign_up(&s, &customer.email, &customer.account_number).await;
    assert_rate_limited(&r, "the sixth attempt with an email");
}

async fn repeated_failed_sign_ins_lock_the_account_and_the_address(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let fresh = fresh_customers(&s);
    let (locked, other) = (&fresh[0].email, &fresh[1].email);
    for c in &fresh[..2] {
        assert!(sign_up(&s, &c.email, &c.account_number)
            .await
            .body
            .get("errors")
            .is_none());
    }
    for _ in 0..5 {
        assert_eq!(login(&s, locked, "guess guess guess").await.0, 401);
    }
    let (status, body) = login(&s, locked, PASSWORD).await;
    assert_eq!(status, 429, "the right password no longer helps: {body}");
    assert_eq!(
        login(&s, other, PASSWORD).await.0,
        200,
        "other accounts are fine"
    );
    for n in 0..15 {
        login(
            &s,
            &format!("spray{n}@attacker.example"),
            "guess guess guess",
        )
        .await;
    }
    assert_eq!(
        login(&s, other, PASSWORD).await.0,
        429,
        "the address is locked"
    );
}

async fn a_sign_up_failing_after_the_identity_was_created_leaves_nothing(backend: Backend) {
    for step in ["identity", "directory.user"] {
        let s = TestServer::dedicated_with_hook(
            backend,
            Arc::new(FailAt {
                step,
                phase: StepPhase::After,
            }),
        );
        let customer = &fresh_customers(&s)[0];
        // The address is on record (customer, CRM contact) before the sign-up already.
        let email = &customer.email;
        let before = s.tables_mentioning(email).await;
        let r = sign_up(&s, email, &customer.account_number).await;
        assert_eq!(r.error_code(), "UPSTREAM_UNAVAILABLE", "{step}: {}", r.body);
        assert_eq!(
            s.tables_mentioning(email).await,
            before,
            "{step}: leftovers"
        );
        assert_eq!(login(&s, email, PASSWORD).await.0, 401, "{step}");
        assert!(
            s.outbox().is_empty(),
            "{step}: no link for a failed sign-up"
        );
    }
}

/// A stranger who guesses a customer's contact address can start a sign-up with a password of
/// their own, and the link goes to the real mailbox. Neither the mailbox's owner opening it, nor
/// a mail scanner fetching it, nor a wrong password activates that sign-up; the link keeps
/// working for whoever knows the password chosen at sign-up.
async fn the_activation_link_alone_activates_nothing(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let customer = &fresh_customers(&s)[0];
    let address = customer.email.clone();
    let r = sign_up(&s, &address, &customer.account_number).await;
    assert_eq!(r.data()["signUp"]["user"]["status"], "PENDING");
    let link = mailed_token(&s, &address);

    for _ in 0..3 {
        let (status, page) = s.open_activation_link(&link).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("name=\"password\""), "{page}");
    }
    let (status, body) = submit_password(&s, &link, "not the password at all").await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (400, json!("BAD_USER_INPUT")),
        "{body}"
    );
    let pending = token(&s, &address).await;
    let viewer = s
        .post_json(
            Some(&pending),
            &json!({ "query": "{ viewer { user { status } customer { name } } }" }),
        )
        .await;
    assert_eq!(
        viewer.body["data"]["viewer"],
        json!({ "user": { "status": "PENDING" }, "customer": null }),
        "still pending after the link was opened and a wrong password sent"
    );

    let (status, body) = submit_password(&s, &link, PASSWORD).await;
    assert_eq!(
        (status, body["activated"].clone()),
        (200, json!(true)),
        "{body}"
    );
    let (status, body) = submit_password(&s, &link, PASSWORD).await;
    assert_eq!(status, 400, "a used link is spent: {body}");
}

on_each_backend!(
    the_activation_link_alone_activates_nothing,
    a_stranger_with_a_customers_account_number_gets_nothing,
    a_contact_signs_up_pending_and_reads_their_customer_only_after_the_link,
    every_refused_sign_up_answers_the_same,
    the_eleventh_sign_up_from_one_address_is_rate_limited,
    a_number_takes_five_sign_ups_per_window,
    an_email_takes_five_sign_ups_per_window,
    repeated_failed_sign_ins_lock_the_account_and_the_address,
    a_sign_up_failing_after_the_identity_was_created_leaves_nothing,
);
