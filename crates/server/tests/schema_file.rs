//! `schema.graphql` is the published API surface: it must be what the code serves.

#[test]
fn committed_schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = partnergraph_server::schema_sdl();
    assert!(
        committed == current,
        "schema.graphql is stale: run `cargo run -q -- schema > schema.graphql` and commit it"
    );
}
