//! Reads the end-to-end tests share: GraphQL documents several test binaries send, and the
//! small walks over JSON answers and the demo world that every binary would otherwise repeat.
//!
//! Kept apart from the harness so that a test file shows what it asks, not how it digs the
//! answer out.

use crate::personas::ADMIN;
use crate::{Response, TestServer};
use serde_json::{json, Value};

/// Looks up one node by global id.
pub const NODE: &str = "query($id: ID!) { node(id: $id) { id } }";

/// A customer's contact email and how many subscriptions it has.
pub const CUSTOMER_CONTACT: &str =
    "query($id: ID!) { customer(id: $id) { contact { email } subscriptions { totalCount } } }";

/// The items of a JSON array (none when `v` is not one).
pub fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// The string `field` of each item of a JSON array, skipping items without it.
pub fn strings<'a>(v: &'a Value, field: &'a str) -> Vec<&'a str> {
    items(v).filter_map(|item| item[field].as_str()).collect()
}

/// The names of a connection's edges' nodes (`edges { node { name } }`), in order.
pub fn edge_names(connection: &Value) -> Vec<&str> {
    items(&connection["edges"])
        .filter_map(|e| e["node"]["name"].as_str())
        .collect()
}

/// The nodes `who` reads from the root list field `list` (with its arguments, such as
/// `customers(first: 20)`), each with `fields`: for a test that looks for a record to act on,
/// so it names what it needs rather than spelling the query and digging the page apart.
pub async fn nodes(s: &TestServer, who: &str, list: &str, fields: &str) -> Vec<Value> {
    let root = list.split_once('(').map_or(list, |(field, _)| field).trim();
    let r = s
        .query(
            who,
            &format!("{{ {list} {{ nodes {{ {fields} }} }} }}"),
            json!({}),
        )
        .await;
    r.data()[root]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The token of the activation link in `mail` (an outbox entry), empty when it has none in
/// its `token=` parameter: a test follows the link from the mail alone, as its recipient would.
pub fn activation_token(mail: &Value) -> &str {
    let body = mail["body"].as_str().unwrap_or_default();
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/auth/activate?token="))
        .expect("a link in the email");
    link.split("token=").nth(1).unwrap_or_default()
}

/// Runs a query with one `$id` variable as `who`.
pub async fn by_id(s: &TestServer, who: &str, query: &str, id: &Value) -> Response {
    s.query(who, query, json!({ "id": id })).await
}

/// Asserts `who` finds none of `ids` through `node(id:)`.
pub async fn assert_no_node(s: &TestServer, who: &str, ids: &[impl serde::Serialize]) {
    for id in ids {
        let r = s.query(who, NODE, json!({ "id": id })).await;
        assert!(
            r.data()["node"].is_null(),
            "{who} sees {}: {}",
            json!(id),
            r.body
        );
    }
}

/// The one item of `items` that `pred` picks out, failing the test (naming `what`) when none
/// does: the demo world's organizations, customers and offers, found by a property.
pub fn find<'a, T>(items: &'a [T], what: &str, pred: impl Fn(&T) -> bool) -> &'a T {
    items
        .iter()
        .find(|item| pred(item))
        .unwrap_or_else(|| panic!("the demo world has {what}"))
}

/// The names of the customers a page's body lists, in order.
pub fn customer_names(body: &Value) -> Vec<String> {
    items(&body["data"]["customers"]["nodes"])
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect()
}

/// The `data` of a query without variables that `who` runs, asserting it has no errors.
pub async fn data(s: &TestServer, who: &str, query: &str) -> Value {
    s.query(who, query, json!({})).await.data().clone()
}

const OPERATORS_BY_EMAIL: &str =
    "query($e: String!) { users(filter: { emailContains: $e }) { nodes { id email } } }";
const CUSTOMER_USERS_BY_EMAIL: &str = "query($e: String!) { customers(first: 100) { nodes {
    users(filter: { emailContains: $e }) { nodes { id email } } } } }";

/// The global id of the user with this email, as the platform administrator finds it: among
/// the operators, or else among the customers' users.
pub async fn user_id(s: &TestServer, email: &str) -> String {
    let operators = s
        .query(ADMIN, OPERATORS_BY_EMAIL, json!({ "e": email }))
        .await;
    let id_of = |u: &Value| u["id"].as_str().map(str::to_owned);
    if let Some(id) = items(&operators.data()["users"]["nodes"])
        .find(|u| u["email"] == email)
        .and_then(id_of)
    {
        return id;
    }
    let customers = s
        .query(ADMIN, CUSTOMER_USERS_BY_EMAIL, json!({ "e": email }))
        .await;
    let id = items(&customers.data()["customers"]["nodes"])
        .flat_map(|c| items(&c["users"]["nodes"]))
        .find(|u| u["email"] == email)
        .and_then(id_of);
    id.unwrap_or_else(|| panic!("no user {email}"))
}
