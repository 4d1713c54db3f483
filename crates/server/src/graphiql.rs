//! The GraphiQL page analysts use, with the example queries as tabs and the token taken from the
//! URL fragment (`/graphiql#token=…`), which browsers never send to the server. Its files are
//! served by [`crate::web`].

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

const TEMPLATE: &str = include_str!("graphiql.html");

/// Renders the page once at start-up; `asset_url` names where each of its files is served.
pub(crate) fn page(asset_url: &dyn Fn(&str) -> String) -> String {
    let tabs: Vec<serde_json::Value> = EXAMPLES
        .iter()
        .map(|(name, query)| serde_json::json!({ "query": format!("# {name}\n{query}") }))
        .collect();
    // The tabs sit in a `<script type="application/json">` block, which `</script` or `<!--`
    // inside a query would end early; JSON may spell `<` as `\u003c` instead.
    let tabs = serde_json::Value::Array(tabs)
        .to_string()
        .replace('<', "\\u003c");
    let mut page = TEMPLATE.replace("__EXAMPLES__", &tabs);
    for asset in [
        "graphiql.min.css",
        "page.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "start.js",
    ] {
        page = page.replace(&format!("__ASSET_{asset}__"), &asset_url(asset));
    }
    page
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_embeds_every_example_query_and_names_every_asset() {
        let page = super::page(&|name| format!("/a/{name}"));
        assert!(!super::EXAMPLES.is_empty());
        for (name, _) in super::EXAMPLES {
            assert!(page.contains(name), "{name} missing from GraphiQL");
        }
        assert!(!page.contains("__ASSET_") && !page.contains("__EXAMPLES__"));
        assert!(page.contains("src=\"/a/start.js\""));
    }
}
