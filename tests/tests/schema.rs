//! Analysts learn the API in GraphiQL from its descriptions: the served schema documents every
//! type, field, argument, input field and enum value it defines.

use partnergraph_tests::{Backend, TestServer};
use serde_json::{json, Value};

const INTROSPECTION: &str = "{ __schema { types {
  name kind description
  fields(includeDeprecated: true) { name description args { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description }
} } }";

/// The scalars GraphQL itself defines, documented by the spec rather than by us.
const BUILT_IN: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn undocumented(items: &Value, owner: &str, what: &str, out: &mut Vec<String>) {
    for item in items.as_array().into_iter().flatten() {
        let name = item["name"].as_str().unwrap_or("?");
        if item["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            out.push(format!("{what} {owner}.{name}"));
        }
        undocumented(&item["args"], &format!("{owner}.{name}"), "argument", out);
    }
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let s = TestServer::shared(Backend::Sqlite);
    let token = s.token("admin@platform.example").await;
    let r = s
        .post_json(Some(&token), &json!({ "query": INTROSPECTION }))
        .await;
    let types = r.data()["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        types.len() > 30,
        "introspection returned {} types",
        types.len()
    );

    let mut missing = Vec::new();
    for t in &types {
        let name = t["name"].as_str().unwrap_or("?");
        if name.starts_with("__") || BUILT_IN.contains(&name) {
            continue;
        }
        if t["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
        {
            missing.push(format!("type {name}"));
        }
        undocumented(&t["fields"], name, "field", &mut missing);
        undocumented(&t["inputFields"], name, "input field", &mut missing);
        undocumented(&t["enumValues"], name, "enum value", &mut missing);
    }
    assert!(
        missing.is_empty(),
        "undocumented in the schema:\n{}",
        missing.join("\n")
    );
}
