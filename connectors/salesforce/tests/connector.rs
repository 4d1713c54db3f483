//! The connector against the Salesforce sandbox: both OAuth flows, paging through
//! `nextRecordsUrl`, SOQL that no input can change, and the accounts it creates.

use partnergraph_core::ids::{BillingAccountId, CaseId, CrmAccountId};
use partnergraph_core::model::{
    BillingLink, Contact, CrmAccountKind, NewContact, NewCrmAccount, OrgKind,
};
use partnergraph_core::traits::Crm;
use partnergraph_salesforce::{Auth, SalesforceClient, SalesforceConfig, SalesforceCrm};
use partnergraph_sandbox::salesforce::{
    Salesforce, Settings, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, DEFAULT_USERNAME,
};
use std::sync::Arc;
use std::time::Duration;

async fn start(settings: Settings) -> (Arc<Salesforce>, String) {
    let org = Salesforce::new(&demo(), settings).expect("the certificate loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let router = org.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (org, url)
}

fn jwt(url: &str) -> SalesforceConfig {
    let key = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/salesforce/sandbox-connected-app.key"),
    )
    .expect("the example key");
    SalesforceConfig {
        login_url: url.to_owned(),
        auth: Auth::JwtBearer {
            consumer_key: DEFAULT_CONSUMER_KEY.to_owned(),
            username: DEFAULT_USERNAME.to_owned(),
            private_key_pem: oauth2::ClientSecret::new(key),
            audience: "https://login.salesforce.com".to_owned(),
        },
        api_version: "62.0".to_owned(),
        timeout: Duration::from_secs(10),
        max_concurrent_requests: 4,
    }
}

fn crm(config: SalesforceConfig) -> SalesforceCrm {
    SalesforceCrm::new(SalesforceClient::new(config).expect("a client"))
}

fn demo() -> partnergraph_core::demo::DemoData {
    partnergraph_demo::generate(chrono::Utc::now().date_naive())
}

#[tokio::test]
async fn both_oauth_flows_open_a_session_and_wrong_credentials_do_not() {
    let (_, url) = start(Settings::default()).await;
    let accounts: Vec<CrmAccountId> = demo().crm_accounts.iter().map(|a| a.id.clone()).collect();
    let by_jwt = crm(jwt(&url)).contacts_for_accounts(&accounts).await;
    assert_eq!(by_jwt.map(|c| c.len()).ok(), Some(demo().contacts.len()));
    let client_credentials = SalesforceConfig {
        auth: Auth::ClientCredentials {
            client_id: DEFAULT_CONSUMER_KEY.to_owned(),
            client_secret: oauth2::ClientSecret::new(DEFAULT_CONSUMER_SECRET.to_owned()),
        },
        ..jwt(&url)
    };
    let by_secret = crm(client_credentials.clone())
        .contacts_for_accounts(&accounts)
        .await;
    assert_eq!(by_secret.map(|c| c.len()).ok(), Some(demo().contacts.len()));
    let wrong = SalesforceConfig {
        auth: Auth::ClientCredentials {
            client_id: DEFAULT_CONSUMER_KEY.to_owned(),
            client_secret: oauth2::ClientSecret::new("wrong".to_owned()),
        },
        ..client_credentials
    };
    let refused = crm(wrong).contacts_for_accounts(&accounts).await;
    assert!(
        matches!(refused, Err(partnergraph_core::Error::Upstream(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn reads_follow_next_records_url_through_every_batch() {
    let (org, url) = start(Settings {
        query_batch_size: 7,
        ..Settings::default()
    })
    .await;
    let cases: Vec<CrmAccountId> = demo().crm_accounts.iter().map(|a| a.id.clone()).collect();
    let read = crm(jwt(&url))
        .cases_for_accounts(&cases)
        .await
        .expect("reads");
    assert_eq!(read.len(), demo().cases.len());
    let pages = org
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/services/data/v62.0/query/"))
        .count();
    assert!(pages >= demo().cases.len() / 7, "{pages} further batches");
}

#[tokio::test]
async fn no_input_changes_the_soql_the_connector_sends() {
    let (org, url) = start(Settings::default()).await;
    let connector = crm(jwt(&url));
    let hostile = [
        "' OR Id != '",
        "x') OR (Id != 'x",
        "500Dp0000000000' OR Subject LIKE '%",
        "\\' OR Id != \\'",
        "500Dp000000000000A\nOR",
        "",
    ];
    // Hostile ids name nothing, and reach no query: they are not ids.
    let ids: Vec<CaseId> = hostile
        .iter()
        .map(|h| CaseId::from((*h).to_owned()))
        .collect();
    assert_eq!(connector.cases(&ids).await.expect("reads").len(), 0);
    let accounts: Vec<CrmAccountId> = hostile
        .iter()
        .map(|h| CrmAccountId::from((*h).to_owned()))
        .collect();
    assert!(connector
        .contacts_for_accounts(&accounts)
        .await
        .expect("reads")
        .is_empty());
    assert!(org.requests().iter().all(|r| r.path.ends_with("/token")));

    // Hostile text is data: a contact whose email and names are injection attempts is stored
    // verbatim on its own account, and no other contact changes.
    let account = demo().crm_accounts[3].id.clone();
    let before = org.records("Contact");
    for (i, text) in hostile.iter().enumerate().take(4) {
        let contact = Contact {
            account_id: account.clone(),
            first_name: (*text).to_owned(),
            last_name: format!("Mallory {i} {text}"),
            email: format!("{text}@evil.example"),
            phone: None,
        };
        connector.save_contact(&contact).await.expect("saves");
        connector
            .save_contact(&contact)
            .await
            .expect("saves again, in place");
    }
    let after = org.records("Contact");
    assert_eq!(after.len(), before.len() + 4);
    for old in &before {
        assert!(after.contains(old), "untouched: {old}");
    }
    let saved: Vec<String> = after
        .iter()
        .filter(|c| {
            c["AccountId"] == account.as_str()
                && c["LastName"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("Mallory"))
        })
        .filter_map(|c| c["Email"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<String> = hostile
        .iter()
        .take(4)
        .map(|t| format!("{t}@evil.example"))
        .collect();
    for email in &expected {
        assert!(
            saved.contains(email),
            "{email} stored verbatim in {saved:?}"
        );
    }
    assert!(
        org.requests().iter().all(|r| r.status < 400),
        "every query was well-formed SOQL"
    );
}

#[tokio::test]
async fn a_new_account_carries_its_type_parent_and_billing_account() {
    let (_, url) = start(Settings::default()).await;
    let connector = crm(jwt(&url));
    let demo = demo();
    let distributor = demo
        .organizations
        .iter()
        .find(|o| o.kind == OrgKind::Distributor)
        .and_then(|o| o.external.crm.clone())
        .expect("a distributor's account");
    let partner = NewCrmAccount {
        name: "Pied Piper Resellers".to_owned(),
        parent_id: Some(distributor.clone()),
        kind: CrmAccountKind::Partner,
        billing: Some(BillingLink {
            id: BillingAccountId::from("8ad09be48db5aba7018db604776d4854"),
            number: "A00009999".to_owned(),
        }),
        contact: Some(NewContact {
            first_name: "Richard".to_owned(),
            last_name: "Hendricks".to_owned(),
            email: "richard@piedpiper.example".to_owned(),
            phone: None,
        }),
    };
    let created = connector
        .create_crm_account("onboard-partner-1", &partner)
        .await
        .expect("created");
    assert_eq!(created.billing, partner.billing);
    let again = connector
        .create_crm_account("onboard-partner-1", &partner)
        .await
        .expect("created again");
    assert_eq!(again.id, created.id, "one account per key");

    let distributor_account = NewCrmAccount {
        name: "Hooli Distribution".to_owned(),
        parent_id: None,
        kind: CrmAccountKind::Distributor,
        billing: None,
        contact: None,
    };
    let other = connector
        .create_crm_account("onboard-distributor-1", &distributor_account)
        .await
        .expect("created");

    // Read back over the sandbox's REST API, as a rep's report would.
    let client = SalesforceClient::new(jwt(&url)).expect("a client");
    let read = |id: CrmAccountId| {
        let client = &client;
        async move {
            let soql = format!(
                "SELECT Id, Name, ParentId, Type, Billing_Account_Id__c, Billing_Account_Number__c \
                 FROM Account WHERE Id = '{}'",
                id.as_str()
            );
            let mut rows: Vec<serde_json::Value> = client.query(&soql).await.expect("query");
            assert_eq!(rows.len(), 1, "{soql}");
            rows.remove(0)
        }
    };
    let row = read(created.id.clone()).await;
    assert_eq!(row["Name"], "Pied Piper Resellers");
    assert_eq!(row["ParentId"], distributor.as_str());
    assert_eq!(row["Type"], "Channel Partner / Reseller");
    assert_eq!(
        row["Billing_Account_Id__c"],
        "8ad09be48db5aba7018db604776d4854"
    );
    assert_eq!(row["Billing_Account_Number__c"], "A00009999");
    let row = read(other.id).await;
    assert_eq!(row["Type"], "Distributor");
    assert!(row["ParentId"].is_null() && row["Billing_Account_Id__c"].is_null());
}
