//! Sign-up by billing account number, and sign-in with the embedded identity store.

use async_trait::async_trait;
use partnergraph_core::write::{StepHook, StepPhase};
use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};
use std::sync::Arc;

const SIGN_UP: &str = "mutation($input: SignUpInput!) {
  signUp(input: $input) { user { email status profile { code } } }
}";
const PASSWORD: &str = "correct horse battery staple";

/// Initech's billing account number and Acme's (an organization's, not a customer's).
fn account_numbers(s: &TestServer) -> (String, String) {
    let demo = s.demo();
    let billing = |id: &partnergraph_core::ids::BillingAccountId| {
        demo.billing_accounts
            .iter()
            .find(|a| &a.id == id)
            .map(|a| a.account_number.clone())
            .expect("a billing account")
    };
    let initech = demo
        .customers
        .iter()
        .find(|c| c.name == "Initech")
        .expect("Initech");
    let acme = demo
        .organizations
        .iter()
        .find(|o| o.id.as_str() == "org-acme")
        .expect("Acme");
    (
        billing(initech.external.billing.as_ref().expect("billed")),
        billing(acme.external.billing.as_ref().expect("billed")),
    )
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

async fn anyone_with_the_account_number_signs_up_and_signs_in(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let (initech, acme) = account_numbers(&s);
    let r = sign_up(&s, "milton@initech.example", &initech).await;
    assert_eq!(
        r.data()["signUp"]["user"],
        json!({ "email": "milton@initech.example", "status": "ACTIVE", "profile": { "code": "CUSTOMER_USER" } })
    );
    let spaced = format!("  {initech}  ");
    assert!(sign_up(&s, "bob@initech.example", &spaced)
        .await
        .body
        .get("errors")
        .is_none());
    let lower = initech.replacen('A', "a", 1);
    assert!(sign_up(&s, "tom@initech.example", &lower)
        .await
        .body
        .get("errors")
        .is_none());

    for (case, email, number, field) in [
        (
            "unknown number",
            "x@initech.example",
            "A99999999",
            "accountNumber",
        ),
        (
            "an organization's number",
            "y@initech.example",
            acme.as_str(),
            "accountNumber",
        ),
        ("bad email", "not-an-email", initech.as_str(), "email"),
    ] {
        let r = sign_up(&s, email, number).await;
        assert_eq!(r.error_code(), "BAD_USER_INPUT", "{case}");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{case}");
    }
    let twice = sign_up(&s, "milton@initech.example", &initech).await;
    assert_eq!(twice.error_code(), "CONFLICT");
    let mut short = input("z@initech.example", &initech);
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
    let sneaky = format!("mutation {{ signUp(input: {{ email: \"q@initech.example\", accountNumber: \"{initech}\", password: \"{PASSWORD}\", firstName: \"Q\", lastName: \"Q\" }}) {{ user {{ email }} }} logout {{ revoked }} }}");
    assert_eq!(
        s.post_json(None, &json!({ "query": sneaky })).await.status,
        401
    );

    let (status, body) = login(&s, "Milton@Initech.example", PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("a token").to_owned();
    let me = s
        .post_json(
            Some(&token),
            &json!({ "query": "{ viewer { user { email } customer { name } } }" }),
        )
        .await;
    assert_eq!(me.body["data"]["viewer"]["customer"]["name"], "Initech");
    assert_eq!(
        login(&s, "milton@initech.example", "wrong password!")
            .await
            .0,
        401
    );
    assert_eq!(login(&s, "nobody@initech.example", PASSWORD).await.0, 401);
}

async fn repeated_failed_sign_ins_lock_the_account_and_the_address(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let (initech, _) = account_numbers(&s);
    sign_up(&s, "locked@initech.example", &initech).await;
    sign_up(&s, "other@initech.example", &initech).await;
    for _ in 0..5 {
        assert_eq!(
            login(&s, "locked@initech.example", "guess guess guess")
                .await
                .0,
            401
        );
    }
    let (status, body) = login(&s, "locked@initech.example", PASSWORD).await;
    assert_eq!(status, 429, "the right password no longer helps: {body}");
    assert_eq!(
        login(&s, "other@initech.example", PASSWORD).await.0,
        200,
        "other accounts are fine"
    );
    for n in 0..15 {
        login(
            &s,
            &format!("spray{n}@initech.example"),
            "guess guess guess",
        )
        .await;
    }
    assert_eq!(
        login(&s, "other@initech.example", PASSWORD).await.0,
        429,
        "the address is locked"
    );
}

/// Fails one sign-up step after it ran.
struct FailAfter(&'static str);

#[async_trait]
impl StepHook for FailAfter {
    async fn on_step(&self, step: &str, phase: StepPhase) -> partnergraph_core::Result<()> {
        if step == self.0 && phase == StepPhase::After {
            Err(partnergraph_core::UpstreamError::Unavailable("injected".to_owned()).into())
        } else {
            Ok(())
        }
    }
}

async fn a_sign_up_failing_after_the_identity_was_created_leaves_nothing(backend: Backend) {
    for step in ["identity", "directory.user"] {
        let s = TestServer::dedicated_with_hook(backend, Arc::new(FailAfter(step)));
        let (initech, _) = account_numbers(&s);
        let email = "ghost@initech.example";
        let r = sign_up(&s, email, &initech).await;
        assert_eq!(r.error_code(), "UPSTREAM_UNAVAILABLE", "{step}: {}", r.body);
        assert_eq!(
            s.tables_mentioning(email).await,
            Vec::<&str>::new(),
            "{step}: leftovers"
        );
        assert_eq!(login(&s, email, PASSWORD).await.0, 401, "{step}");
    }
}

on_each_backend!(
    anyone_with_the_account_number_signs_up_and_signs_in,
    repeated_failed_sign_ins_lock_the_account_and_the_address,
    a_sign_up_failing_after_the_identity_was_created_leaves_nothing,
);
