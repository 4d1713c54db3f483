//! The Zuora client against the local Zuora: tokens cached and renewed, every page followed,
//! long id lists split, reads retried through throttling and outages, writes never repeated,
//! Zuora's envelope typed, and no secret in what it prints.

use oauth2::ClientSecret;
use partnergraph_core::context::with_request_id;
use partnergraph_core::ids::InvoiceId;
use partnergraph_core::ids::{BillingAccountId, CrmAccountId, OfferId, OrgId};
use partnergraph_core::model::Offer;
use partnergraph_core::traits::{Billing, Catalog};
use partnergraph_demo::{billing_id, DemoData};
use partnergraph_sandbox::zuora::{Recorded, Zuora, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use partnergraph_zuora::{ZuoraBilling, ZuoraClient, ZuoraConfig, ZuoraError};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

struct Setup {
    base: String,
    client: ZuoraClient,
    http: reqwest::Client,
}

async fn setup(secret: &str) -> Setup {
    setup_with(secret, |_| {}).await
}

/// A client over a local Zuora seeded with the demo world as `adjust` leaves it.
async fn setup_with(secret: &str, adjust: impl FnOnce(&mut DemoData)) -> Setup {
    let mut demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    adjust(&mut demo);
    let zuora = Zuora::new(&demo, Duration::from_secs(3600));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, zuora.router()).await });
    Setup {
        client: client(&base, secret),
        base,
        http: reqwest::Client::new(),
    }
}

/// A client of the Zuora at `base`, with `secret`.
fn client(base: &str, secret: &str) -> ZuoraClient {
    ZuoraClient::new(ZuoraConfig {
        base_url: base.to_owned(),
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: ClientSecret::new(secret.to_owned()),
        entity_ids: None,
        zuora_version: "2025-08-12".to_owned(),
        timeout: Duration::from_secs(5),
        max_concurrent_requests: 4,
    })
    .expect("client")
}

impl Setup {
    /// The connector over a client of this Zuora of its own (the setup's client stays the
    /// tests' own).
    fn connector(&self) -> ZuoraBilling {
        ZuoraBilling::new(client(&self.base, DEFAULT_CLIENT_SECRET))
    }

    async fn log(&self) -> Vec<Recorded> {
        self.http
            .get(format!("{}/_sandbox/requests", self.base))
            .send()
            .await
            .expect("log")
            .json()
            .await
            .expect("json")
    }

    async fn clear(&self) {
        self.http
            .delete(format!("{}/_sandbox/requests", self.base))
            .send()
            .await
            .expect("clear");
    }

    /// The ids of the first `n` records of `object` the client lists (fewer if there are
    /// fewer): the keys of a batch read under test.
    async fn first_ids(&self, object: &str, n: usize) -> Vec<String> {
        self.client
            .object_query::<Value>(object, &[], &["id"], &[])
            .await
            .expect(object)
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .take(n)
            .collect()
    }

    /// What a read of `path` fails with, once the client has given up on it.
    async fn failed_get(&self, path: &str) -> ZuoraError {
        self.client.get::<Value>(path).await.expect_err(path)
    }

    async fn faults(&self, faults: Value) {
        self.http
            .post(format!("{}/_sandbox/faults", self.base))
            .json(&faults)
            .send()
            .await
            .expect("faults");
    }
}

#[tokio::test]
async fn a_query_follows_every_page_on_one_cached_token() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let accounts = with_request_id(
        "req-1".to_owned(),
        s.client.object_query::<Value>("accounts", &[], &[], &[]),
    )
    .await
    .expect("accounts");
    assert!(accounts.len() > 120);
    let again = with_request_id(
        "req-2".to_owned(),
        s.client
            .object_query::<Value>("accounts", &["status.EQ:Active".to_owned()], &[], &[]),
    )
    .await
    .expect("again");
    assert_eq!(again.len(), accounts.len());
    let log = s.log().await;
    let pages = accounts.len().div_ceil(50);
    assert_eq!(
        log.iter().filter(|r| r.path == "/oauth/token").count(),
        1,
        "one token for both queries"
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/object-query/accounts")
            .count(),
        2 * pages
    );
    assert!(log
        .iter()
        .filter(|r| r.path != "/oauth/token")
        .all(|r| r.track_id.as_deref().is_some_and(|t| t.starts_with("req-"))));
}

#[tokio::test]
async fn long_id_lists_are_read_a_page_of_ids_per_query_all_at_once() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let invoices = s.first_ids("invoices", 120).await;
    let ids: Vec<&str> = invoices.iter().map(String::as_str).collect();
    assert_eq!(ids.len(), 120);
    s.clear().await;
    let read = s
        .client
        .object_query_in::<Value>("invoices", "id", &ids, &[])
        .await
        .expect("invoices by id");
    assert_eq!(read.len(), 120);
    let log = s.log().await;
    assert_eq!(
        log.len(),
        3,
        "120 ids are three queries of 50, not 120 calls"
    );
    assert!(log.iter().all(|r| !r.query.contains("cursor=")));
}

#[tokio::test]
async fn an_account_s_children_come_in_its_expansion_and_a_capped_one_is_read_in_full() {
    // One account gets 70 invoices: more than Zuora expands per account (a page, 50).
    let mut crowded = String::new();
    let s = setup_with(DEFAULT_CLIENT_SECRET, |demo| {
        let first = demo.invoices[0].clone();
        crowded = first.account_id.as_str().to_owned();
        for n in 0..70 {
            demo.invoices.push(partnergraph_core::model::Invoice {
                id: InvoiceId(billing_id(&format!("crowded-{n}"))),
                number: format!("INV9{n:07}"),
                ..first.clone()
            });
        }
    })
    .await;
    let accounts = s.first_ids("accounts", 120).await;
    let ids: Vec<&str> = accounts.iter().map(String::as_str).collect();
    assert!(ids.contains(&crowded.as_str()));
    let all = s
        .client
        .object_query::<Value>("invoices", &[], &["id", "accountId"], &[])
        .await
        .expect("invoices");
    let mut expected: Vec<&str> = all
        .iter()
        .filter(|i| ids.contains(&i["accountId"].as_str().unwrap_or_default()))
        .filter_map(|i| i["id"].as_str())
        .collect();
    s.clear().await;
    let invoices = s
        .client
        .children_of_accounts::<Value>("invoices", &ids, &[])
        .await
        .expect("invoices of accounts");
    let mut got: Vec<&str> = invoices.iter().filter_map(|i| i["id"].as_str()).collect();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(
        got, expected,
        "every invoice once, the crowded account's 70+ too"
    );
    let log = s.log().await;
    let expansions: Vec<&Recorded> = log
        .iter()
        .filter(|r| r.path == "/object-query/accounts")
        .collect();
    assert_eq!(expansions.len(), 3, "120 accounts: three pages of accounts");
    assert!(expansions.iter().all(|r| r.query.contains("expand")));
    // The crowded account alone is read directly, page after page (70+ invoices: two).
    let direct: Vec<&Recorded> = log
        .iter()
        .filter(|r| r.path == "/object-query/invoices")
        .collect();
    assert_eq!(direct.len(), 2);
    assert!(direct[0].query.contains(&crowded));
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_read_goes_through() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    s.client
        .object_query::<Value>("payments", &[], &[], &[])
        .await
        .expect("first");
    s.http
        .post(format!("{}/_sandbox/expire-tokens", s.base))
        .send()
        .await
        .expect("expire");
    s.client
        .object_query::<Value>("payments", &[], &[], &[])
        .await
        .expect("after expiry");
    let tokens = s
        .log()
        .await
        .into_iter()
        .filter(|r| r.path == "/oauth/token")
        .count();
    assert_eq!(tokens, 2);
}

#[tokio::test]
async fn reads_ride_out_throttling_and_outages_within_bounds() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let ridden_out = [
        (
            json!({ "failNext": 2, "status": 429, "retryAfterSecs": 0 }),
            "after two 429s",
        ),
        (json!({ "failNext": 1, "status": 500 }), "after a 500"),
        (
            json!({ "failNext": 1, "status": 200 }),
            "after a retryable success:false",
        ),
    ];
    for (fault, after) in ridden_out {
        s.faults(fault).await;
        assert!(
            s.client
                .get::<Value>("/object-query/accounts?pageSize=1")
                .await
                .is_ok(),
            "{after}"
        );
    }
    s.faults(json!({ "failNext": 10, "status": 503 })).await;
    let err = s.failed_get("/object-query/accounts?pageSize=1").await;
    assert!(matches!(err, ZuoraError::Unavailable(_)), "{err:?}");
    let attempts = s
        .log()
        .await
        .into_iter()
        .filter(|r| r.status == 503)
        .count();
    assert_eq!(attempts, 4, "bounded retries");
}

#[tokio::test]
async fn a_failed_write_is_not_repeated_and_zuora_refusals_are_typed() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    s.faults(json!({ "failNext": 1, "status": 500 })).await;
    let body = json!({ "name": "Once Co", "currency": "USD", "billCycleDay": 1,
                       "billToContact": { "firstName": "O", "lastName": "Nce" } });
    let err = s
        .client
        .write::<Value>(Method::POST, "/v1/accounts", Some(&body), Some("write-1"))
        .await
        .expect_err("a 500");
    assert!(matches!(err, ZuoraError::Unavailable(_)));
    assert_eq!(
        s.log()
            .await
            .into_iter()
            .filter(|r| r.path == "/v1/accounts")
            .count(),
        1,
        "no blind retry"
    );
    let created = s
        .client
        .write::<Value>(Method::POST, "/v1/accounts", Some(&body), Some("write-2"))
        .await
        .expect("created");
    let replay = s
        .client
        .write::<Value>(Method::POST, "/v1/accounts", Some(&body), Some("write-2"))
        .await
        .expect("replayed");
    assert_eq!(
        created["accountId"], replay["accountId"],
        "a replay answers the first result"
    );

    let missing = s.failed_get("/object-query/accounts/A99999999").await;
    assert!(matches!(missing, ZuoraError::NotFound), "{missing:?}");
    let refused = s
        .client
        .write::<Value>(
            Method::POST,
            "/v1/accounts",
            Some(&json!({ "currency": "USD" })),
            Some("write-3"),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, ZuoraError::Rejected { code, .. } if code == "50000022"),
        "{refused:?}"
    );
    let core: partnergraph_core::Error = refused.into();
    assert!(matches!(core, partnergraph_core::Error::Upstream(_)));
}

#[tokio::test]
async fn a_key_that_came_with_another_request_is_in_doubt_not_refused() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let body = json!({ "name": "Doubt Co", "currency": "USD", "billCycleDay": 1,
                       "billToContact": { "firstName": "D", "lastName": "Oubt" } });
    s.client
        .write::<Value>(Method::POST, "/v1/accounts", Some(&body), Some("doubt-1"))
        .await
        .expect("created");
    let mut other = body.clone();
    other["name"] = json!("Other Co");
    let err = s
        .client
        .write::<Value>(Method::POST, "/v1/accounts", Some(&other), Some("doubt-1"))
        .await
        .expect_err("the key is taken");
    // Zuora's 422: what the key's first request did is not this answer's to say, so an undo
    // must not read it as "nothing was created".
    assert!(matches!(err, ZuoraError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn wrong_credentials_are_typed_and_no_secret_is_printed() {
    let s = setup("not-the-secret").await;
    let err = s.failed_get("/object-query/accounts").await;
    assert!(matches!(err, ZuoraError::Credentials), "{err:?}");
    let good = setup(DEFAULT_CLIENT_SECRET).await;
    good.client
        .get::<Value>("/object-query/accounts?pageSize=1")
        .await
        .expect("works");
    let printed = format!("{err} {err:?}");
    assert!(!printed.contains("not-the-secret"));
    let config = ZuoraConfig {
        base_url: good.base.clone(),
        client_id: DEFAULT_CLIENT_ID.to_owned(),
        client_secret: ClientSecret::new(DEFAULT_CLIENT_SECRET.to_owned()),
        entity_ids: None,
        zuora_version: "2025-08-12".to_owned(),
        timeout: Duration::from_secs(1),
        max_concurrent_requests: 4,
    };
    assert!(
        !format!("{config:?}").contains(DEFAULT_CLIENT_SECRET),
        "Debug redacts the secret"
    );
}

#[tokio::test]
async fn a_linked_crm_account_shows_in_the_billing_account_s_next_read() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let billing = s.connector();
    let id = BillingAccountId::from(s.first_ids("accounts", 1).await.remove(0));
    let crm = CrmAccountId::from("001Dp00000PgLinkAAA");
    s.clear().await;
    billing.link_crm_account(&id, &crm).await.expect("linked");
    billing
        .link_crm_account(&id, &crm)
        .await
        .expect("linked again: idempotent");
    let read = billing
        .accounts(std::slice::from_ref(&id))
        .await
        .expect("read");
    assert_eq!(read[0].crm_id.as_ref(), Some(&crm));
    let puts: Vec<Recorded> = s
        .log()
        .await
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert!(puts
        .iter()
        .all(|r| r.path == format!("/v1/accounts/{}", id.as_str()) && r.status == 200));

    let unknown = BillingAccountId::from("8ad09be48db5aba7018db604776d4854");
    let missing = billing.link_crm_account(&unknown, &crm).await;
    assert_eq!(
        missing.expect_err("no such account").code(),
        partnergraph_core::ErrorCode::NotFound
    );
    // A failed write is not sent again: the caller decides.
    s.faults(json!({ "failNext": 1, "status": 500 })).await;
    s.clear().await;
    assert!(billing.link_crm_account(&id, &crm).await.is_err());
    assert_eq!(s.log().await.len(), 1, "no blind retry");
}

#[tokio::test]
async fn a_published_offer_shows_in_all_offers_at_once() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let catalog = s.connector();
    let offers = catalog.all_offers().await.expect("offers");
    let first = offers[0].clone();
    let desired = Offer {
        sales_channel: "direct-web".to_owned(),
        eligible_partner_ids: vec![OrgId::from("org-a"), OrgId::from("org-b")],
        label: Some("Staff pick".to_owned()),
        // What is the catalog's own is not published.
        name: "Renamed by the portal".to_owned(),
        ..first.clone()
    };
    s.clear().await;
    let published = catalog.publish_offer(&desired).await.expect("published");
    assert_eq!(
        published,
        Offer {
            name: first.name.clone(),
            ..desired.clone()
        }
    );
    let listed = catalog.all_offers().await.expect("offers again");
    let listed = listed
        .iter()
        .find(|o| o.id == first.id)
        .expect("still an offer");
    assert_eq!(listed, &published, "the catalog read afresh shows it");
    let log = s.log().await;
    let put: Vec<&Recorded> = log.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(put.len(), 1);
    assert_eq!(
        put[0].path,
        format!("/v1/object/product-rate-plan/{}", first.id.as_str())
    );
    assert!(put[0].idempotency_key.is_none(), "a PUT takes none");
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/object-query/product-rate-plans")
            .count(),
        1,
        "the kept catalog was dropped and read again, once"
    );

    // Publishing it again changes nothing; taking the label off leaves none.
    assert_eq!(
        catalog.publish_offer(&desired).await.expect("again"),
        published
    );
    let unlabelled = Offer {
        label: None,
        ..desired.clone()
    };
    let published = catalog
        .publish_offer(&unlabelled)
        .await
        .expect("unlabelled");
    assert_eq!(published.label, None);

    // Onboarded partners' ids are long: more than the custom field holds is refused before
    // anything is sent, naming the input, not failed by Zuora as a whole.
    let crowded = Offer {
        eligible_partner_ids: (0..8)
            .map(|i| OrgId::from(format!("org-{i:032x}")))
            .collect(),
        ..desired.clone()
    };
    s.clear().await;
    match catalog.publish_offer(&crowded).await {
        Err(partnergraph_core::Error::BadInput { field, .. }) => {
            assert_eq!(field.as_deref(), Some("eligiblePartnerIds"));
        }
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
    assert!(
        s.log().await.iter().all(|r| r.method != "PUT"),
        "nothing was written"
    );

    let unknown = Offer {
        id: OfferId::from("8ad09be48db5aba7018db604776d4854"),
        ..desired
    };
    assert!(matches!(
        catalog.publish_offer(&unknown).await,
        Err(partnergraph_core::Error::NotFound)
    ));
}

#[tokio::test]
async fn crud_failures_in_their_capitalised_envelope_are_typed_too() {
    let s = setup(DEFAULT_CLIENT_SECRET).await;
    let unknown = s
        .client
        .write::<Value>(
            Method::PUT,
            "/v1/object/product-rate-plan/8ad09be48db5aba7018db604776d4854",
            Some(&json!({ "Description": "x" })),
            None,
        )
        .await
        .expect_err("HTTP 200, but Success: false");
    assert!(matches!(unknown, ZuoraError::NotFound), "{unknown:?}");
    let plan = s.first_ids("product-rate-plans", 1).await.remove(0);
    let invalid = s
        .client
        .write::<Value>(
            Method::PUT,
            &format!("/v1/object/product-rate-plan/{plan}"),
            Some(&json!({ "Description": "x".repeat(501) })),
            None,
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(&invalid, ZuoraError::Rejected { code, .. } if code == "INVALID_VALUE"),
        "{invalid:?}"
    );
}
