#[test]
fn print() { std::fs::write("/tmp/gql_sdl.graphql", partnergraph_graphql::sdl()).unwrap(); }
