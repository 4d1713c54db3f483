//! The GraphiQL page analysts use, with the example queries as tabs and the token taken from the
//! URL fragment (`/graphiql#token=…`), which browsers never send to the server.

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

const TEMPLATE: &str = include_str!("graphiql.html");

/// Renders the page once at start-up.
pub(crate) fn page() -> String {
    let tabs: Vec<serde_json::Value> = EXAMPLES
        .iter()
        .map(|(name, query)| serde_json::json!({ "query": format!("# {name}\n{query}") }))
        .collect();
    // `</` inside an inline script would end it early.
    let tabs = serde_json::Value::Array(tabs)
        .to_string()
        .replace("</", "<\\/");
    TEMPLATE.replace("__DEFAULT_TABS__", &tabs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_embeds_every_example_query() {
        let page = super::page();
        assert!(!super::EXAMPLES.is_empty());
        for (name, _) in super::EXAMPLES {
            assert!(page.contains(name), "{name} missing from GraphiQL");
        }
        assert!(!page.contains("__DEFAULT_TABS__"));
    }
}
