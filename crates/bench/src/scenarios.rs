//! The pages the benchmark loads, who loads them, and which upstreams each level of their
//! query reaches (for the critical-path bound).

use partnergraph_server::Gateway;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// The latency profile of the sandboxes, in milliseconds per request.
pub struct Latency {
    pub zuora: u64,
    pub salesforce: u64,
}

/// An upstream a query level reaches.
#[derive(Clone, Copy)]
pub enum Up {
    Zuora,
    Salesforce,
}

/// A page (or a walk through pages) of the portal.
pub struct Scenario {
    pub name: &'static str,
    pub email: &'static str,
    pub query: &'static str,
    /// Follows `customers.pageInfo.endCursor` to the last page.
    paged: bool,
    /// The upstreams each level of the query reaches, top level first.
    levels: &'static [&'static [Up]],
    /// Zuora is down: errors are expected (typed), the rest of the page is not.
    pub outage: bool,
    /// A mixed load: iteration `i` loads `mix[i % len]`.
    mix: &'static [&'static Scenario],
}

/// What one iteration got.
pub struct Outcome {
    /// GraphQL requests it took (pages).
    pub pages: usize,
    /// Errors in the responses (only in outage scenarios).
    pub errors: usize,
    /// Responses that reported stale records in `extensions.stale`.
    pub stale: usize,
}

/// What a scenario is unless it says otherwise: one page, not paged, no outage, no mix.
const PAGE: Scenario = Scenario {
    name: "",
    email: "",
    query: "",
    paged: false,
    levels: &[],
    outage: false,
    mix: &[],
};

/// A partner's dashboard: 50 customers with balance, active subscriptions (and their offer),
/// last 5 invoices, open cases.
pub const DASHBOARD: Scenario = Scenario {
    name: "partner dashboard",
    email: "paula@acme.example",
    query: "query Dashboard { customers(first: 50, orderBy: { field: NAME }) { nodes { name
      balance { amount currency }
      subscriptions(first: 10, filter: { status: ACTIVE }) { nodes { number quantity offer { name } } }
      invoices(first: 5, orderBy: { field: INVOICE_DATE, direction: DESC }) { nodes { number invoiceDate amount { amount } balance { amount } } }
      cases(first: 10, filter: { open: true }) { nodes { subject status } } } } }",
    // One level: the subscriptions' offers come from the catalog, which the Zuora connector
    // reads once and keeps for five minutes (`CATALOG_TTL`), not per page.
    levels: &[&[Up::Zuora, Up::Salesforce]],
    ..PAGE
};

/// An end customer's own page: everything about their account.
pub const DETAIL: Scenario = Scenario {
    name: "customer detail",
    email: "carl@initech.example",
    query: "query CustomerDetail { viewer { customer { name balance { amount } contact { email }
      subscriptions(first: 20) { nodes { number quantity status offer { name } } }
      invoices(first: 20) { nodes { number amount { amount } status } }
      payments(first: 20) { nodes { amount { amount } } }
      paymentMethods { type }
      cases(first: 20) { nodes { subject status comments { body } } }
      users(first: 20) { nodes { email } } } } }",
    levels: &[&[Up::Zuora, Up::Salesforce], &[Up::Zuora]],
    ..PAGE
};

/// An analyst's walk: a distributor's customers with three months of invoices, 100 a page,
/// through every page.
pub const ANALYST: Scenario = Scenario {
    name: "analyst query",
    email: "dana@northwind.example",
    query: "query Analyst($after: String, $since: Date!) {
      customers(first: 100, after: $after, orderBy: { field: NAME }) {
        pageInfo { hasNextPage endCursor }
        nodes { name invoices(first: 20, filter: { invoicedAfter: $since }) { nodes { number invoiceDate amount { amount } } } } } }",
    paged: true,
    levels: &[&[Up::Zuora]],
    ..PAGE
};

/// Portal traffic: dashboards, customer pages and analyst walks from concurrent clients.
pub const MIXED: Scenario = Scenario {
    name: "mixed",
    mix: &[&DASHBOARD, &DETAIL, &DETAIL, &ANALYST],
    ..PAGE
};

/// Every scenario of the main table.
pub const ALL: [&Scenario; 4] = [&DASHBOARD, &DETAIL, &ANALYST, &MIXED];

/// What the read cache is filled with before the at-capacity phase: the load-test distributor's
/// admin walks the customers of a partner (iteration `i` walks the `i`-th of
/// [`Client::read_load_partners`]), 100 a page, with every record kind the cache holds (balances,
/// subscriptions, invoices, payments, payment methods, contacts, cases). Five of each list are
/// enough (a load-test customer has at most three) and keep the page under the complexity limit;
/// the cache holds an account's whole list whatever the page shows.
pub const FILL: Scenario = Scenario {
    name: "fill",
    email: partnergraph_demo::LOAD_ADMIN,
    query: "query Fill($after: String, $partner: ID) {
      customers(first: 100, after: $after, filter: { partnerId: $partner }, orderBy: { field: NAME }) {
        pageInfo { hasNextPage endCursor }
        nodes { name balance { amount } contact { email }
          subscriptions(first: 5) { nodes { number status offer { name } } }
          invoices(first: 5) { nodes { number amount { amount } balance { amount } } }
          payments(first: 5) { nodes { amount { amount } } }
          paymentMethods { type }
          cases(first: 5) { nodes { subject status } } } } }",
    paged: true,
    levels: &[&[Up::Zuora, Up::Salesforce]],
    ..PAGE
};

/// The load-test distributor's renewals page: its customers whose terms end on one day (a day
/// that moves with the iteration, see [`renewal_window`]), with what a renewal call needs. Each
/// iteration reads customers the cache mostly does not hold, so a full cache keeps evicting.
pub const RENEWALS: Scenario = Scenario {
    name: "renewals (load distributor)",
    email: partnergraph_demo::LOAD_ADMIN,
    query: "query Renewals($renewFrom: Date!, $renewTo: Date!) {
      customers(first: 50, filter: { expiresAfter: $renewFrom, expiresBefore: $renewTo }, orderBy: { field: NAME }) {
        nodes { name expiresOn balance { amount currency } contact { email }
          subscriptions(first: 10, filter: { status: ACTIVE }) { nodes { number quantity termEndDate offer { name } } }
          invoices(first: 5, orderBy: { field: INVOICE_DATE, direction: DESC }) { nodes { number amount { amount } balance { amount } } }
          cases(first: 10, filter: { open: true }) { nodes { subject status } } } } }",
    levels: &[&[Up::Zuora, Up::Salesforce]],
    ..PAGE
};

/// The mixed portal load over a full cache: [`MIXED`]'s pages, and as many renewals pages of the
/// load-test distributor, which reach into the large world.
pub const MIXED_AT_CAPACITY: Scenario = Scenario {
    name: "mixed, cache at capacity",
    mix: &[
        &DASHBOARD, &RENEWALS, &DETAIL, &RENEWALS, &DETAIL, &RENEWALS, &ANALYST, &RENEWALS,
    ],
    ..MIXED
};

/// The days a renewals page of iteration `i` asks for, as the exclusive bounds `expiresAfter`
/// and `expiresBefore` take: one day between 40 and 359 days ahead, where the demo spreads most
/// term ends, stepping 7 days an iteration so that consecutive pages read other customers.
pub fn renewal_window(i: usize) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(40 + (i * 7 % 320) as i64);
    (
        day - chrono::Duration::days(1),
        day + chrono::Duration::days(1),
    )
}

/// The dashboard with Zuora down and its entries past freshness: served stale.
pub const DASHBOARD_ZUORA_DOWN: Scenario = Scenario {
    name: "partner dashboard, Zuora down",
    outage: true,
    ..DASHBOARD
};

/// A partner's billing page with Zuora down and nothing cached: the directory answers, every
/// billing field fails typed, and the open circuit answers at once.
pub const BILLING_ZUORA_DOWN: Scenario = Scenario {
    name: "billing page, Zuora down",
    email: "paula@acme.example",
    query: "query Billing { customers(first: 50, orderBy: { field: NAME }) { nodes { name
      balance { amount } subscriptions(first: 10) { nodes { number } } invoices(first: 5) { nodes { number } } } } }",
    levels: &[&[Up::Zuora]],
    outage: true,
    ..PAGE
};

impl Scenario {
    /// The critical-path bound of one page: over the query's levels, the slowest upstream
    /// latency at that level. `None` for a mixed load.
    pub fn critical_path_ms(&self, latency: &Latency) -> Option<u64> {
        if !self.mix.is_empty() {
            return None;
        }
        Some(
            self.levels
                .iter()
                .map(|level| {
                    level
                        .iter()
                        .map(|up| match up {
                            Up::Zuora => latency.zuora,
                            Up::Salesforce => latency.salesforce,
                        })
                        .max()
                        .unwrap_or(0)
                })
                .sum(),
        )
    }

    /// The scenarios a warm run primes the cache with.
    pub fn members(&'static self) -> Vec<&'static Scenario> {
        if self.mix.is_empty() {
            vec![self]
        } else {
            self.mix.to_vec()
        }
    }

    /// Loads the page (iteration `i` of a mixed load picks its member), checking the answer:
    /// no errors unless Zuora is down, and then only typed ones beside the directory's data.
    pub async fn iterate(&self, client: &Client, i: usize) -> Result<Outcome, crate::Failure> {
        self.walk(client, i, |_| {}).await
    }

    /// [`Scenario::iterate`], telling `each_page` how many customers every page returned (the
    /// cache fill watches the cache grow page by page).
    pub async fn walk(
        &self,
        client: &Client,
        i: usize,
        mut each_page: impl FnMut(usize) + Send,
    ) -> Result<Outcome, crate::Failure> {
        if !self.mix.is_empty() {
            let member = self.mix[i % self.mix.len()];
            return Box::pin(member.walk(client, i, each_page)).await;
        }
        let token = client.tokens.get(self.email).ok_or("unknown persona")?;
        let since = (chrono::Utc::now() - chrono::Duration::days(91)).date_naive();
        let (renew_from, renew_to) = renewal_window(i);
        let mut outcome = Outcome {
            pages: 0,
            errors: 0,
            stale: 0,
        };
        let mut after: Option<String> = None;
        loop {
            let body = client
                .http
                .post(&client.url)
                .bearer_auth(token)
                .json(&json!({ "query": self.query, "variables": {
                    "after": after, "since": since, "renewFrom": renew_from, "renewTo": renew_to,
                    "partner": client.load_partners.get(i).unwrap_or(&Value::Null),
                } }))
                .send()
                .await?
                .bytes()
                .await?;
            let failed = || format!("{}: {}", self.name, String::from_utf8_lossy(&body));
            let reply: Reply = serde_json::from_slice(&body)?;
            outcome.pages += 1;
            let errors = reply.errors.as_deref().unwrap_or_default();
            if !errors.is_empty() && !self.outage {
                return Err(failed().into());
            }
            if self.outage {
                let typed = errors.iter().all(|e| {
                    e.extensions
                        .as_ref()
                        .and_then(|x| x.code.as_deref())
                        .is_some_and(|code| code == "UPSTREAM_UNAVAILABLE")
                });
                if !typed || reply.data.is_none() {
                    return Err(failed().into());
                }
            }
            outcome.errors += errors.len();
            outcome.stale += usize::from(reply.extensions.is_some_and(|x| x.stale.is_some()));
            let customers = reply.data.and_then(|data| data.customers);
            each_page(
                customers
                    .as_ref()
                    .and_then(|c| c.nodes.as_ref())
                    .map_or(0, Vec::len),
            );
            let page = customers.and_then(|c| c.page_info);
            match page {
                Some(PageInfo {
                    has_next_page: Some(true),
                    end_cursor,
                }) if self.paged => after = end_cursor,
                _ => return Ok(outcome),
            }
        }
    }
}

/// What the benchmark checks of a GraphQL response, read without building a JSON tree: the
/// client runs in the gateway's process, so its parsing counts in the table's CPU figures.
/// Absent and `null` members both read as `None`, as they did in a `serde_json::Value`.
#[derive(Deserialize)]
struct Reply<'a> {
    #[serde(default)]
    data: Option<ReplyData>,
    #[serde(default, borrow)]
    errors: Option<Vec<ReplyError<'a>>>,
    #[serde(default)]
    extensions: Option<ReplyExtensions>,
}

/// A response's data: only the root `customers` list matters (its length and page).
#[derive(Deserialize)]
struct ReplyData {
    #[serde(default)]
    customers: Option<Customers>,
}

/// The root `customers` connection: its nodes are counted, not read.
#[derive(Deserialize)]
struct Customers {
    #[serde(default)]
    nodes: Option<Vec<IgnoredAny>>,
    #[serde(default, rename = "pageInfo")]
    page_info: Option<PageInfo>,
}

/// Where a paged walk goes next.
#[derive(Deserialize)]
struct PageInfo {
    #[serde(default, rename = "hasNextPage")]
    has_next_page: Option<bool>,
    #[serde(default, rename = "endCursor")]
    end_cursor: Option<String>,
}

/// One GraphQL error: outage scenarios accept only typed upstream errors.
#[derive(Deserialize)]
struct ReplyError<'a> {
    #[serde(default, borrow)]
    extensions: Option<ErrorExtensions<'a>>,
}

/// An error's extensions: its code.
#[derive(Deserialize)]
struct ErrorExtensions<'a> {
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
}

/// A response's extensions: whether it reports stale records (an array of them).
#[derive(Deserialize)]
struct ReplyExtensions {
    #[serde(default)]
    stale: Option<Vec<IgnoredAny>>,
}

/// The benchmark's HTTP client with a token per persona.
pub struct Client {
    http: reqwest::Client,
    url: String,
    tokens: HashMap<&'static str, String>,
    /// The load-test distributor's partners' ids, once read: [`FILL`] walks one each.
    load_partners: Vec<Value>,
}

impl Client {
    /// A client for the main table's personas.
    pub async fn new(url: &str, gateway: &Gateway) -> Result<Self, crate::Failure> {
        Self::with_personas(url, gateway, &[]).await
    }

    /// [`Client::new`], signed in as the personas of `more` too (the load-test distributor's
    /// admin exists only in a gateway seeded with the load-test world).
    pub async fn with_personas(
        url: &str,
        gateway: &Gateway,
        more: &[&Scenario],
    ) -> Result<Self, crate::Failure> {
        let mut tokens = HashMap::new();
        for scenario in [&DASHBOARD, &DETAIL, &ANALYST].iter().chain(more) {
            tokens.insert(scenario.email, gateway.issue_token(scenario.email).await?);
        }
        Ok(Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()?,
            url: url.to_owned(),
            tokens,
            load_partners: Vec::new(),
        })
    }

    /// Reads the ids of the load-test distributor's partners (as its admin, a [`FILL`]
    /// persona), so that [`FILL`]'s iterations walk one partner each; returns how many.
    pub async fn read_load_partners(&mut self) -> Result<usize, crate::Failure> {
        let token = self.tokens.get(FILL.email).ok_or("unknown persona")?;
        let body: Value = self
            .http
            .post(&self.url)
            .bearer_auth(token)
            .json(&json!({ "query": "{ viewer { organization { partners(first: 100) { nodes { id } } } } }" }))
            .send()
            .await?
            .json()
            .await?;
        self.load_partners = body["data"]["viewer"]["organization"]["partners"]["nodes"]
            .as_array()
            .ok_or_else(|| format!("no partners: {body}"))?
            .iter()
            .map(|node| node["id"].clone())
            .collect();
        Ok(self.load_partners.len())
    }
}
