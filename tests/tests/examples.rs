//! The example queries shipped in `examples/queries/` (and offered as GraphiQL tabs) run without
//! errors for the personas they are written for, within the default limits.

use partnergraph_tests::{on_both_backends, Backend, TestServer};
use serde_json::json;

fn example_queries() -> Vec<(String, String)> {
    examples_in("queries")
}

fn examples_in(folder: &str) -> Vec<(String, String)> {
    let dir = format!("{}/../examples/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the examples folder exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect()
}

async fn every_example_query_runs_cleanly_for_the_platform_admin(s: &TestServer) {
    let examples = example_queries();
    assert!(examples.len() >= 10);
    for (name, query) in examples {
        let r = s.query("admin@platform.example", &query, json!({})).await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        assert!(r.body.get("errors").is_none(), "{name}: {}", r.body);
    }
}

async fn the_partner_dashboard_example_shows_a_full_page_for_the_partner(s: &TestServer) {
    let (_, dashboard) = example_queries()
        .into_iter()
        .find(|(name, _)| name.contains("partner-dashboard"))
        .expect("the dashboard example");
    let r = s.query("paula@acme.example", &dashboard, json!({})).await;
    let customers = &r.data()["customers"];
    assert_eq!(customers["totalCount"], 50);
    assert_eq!(customers["nodes"].as_array().map(Vec::len), Some(50));
}

on_both_backends!(
    every_example_query_runs_cleanly_for_the_platform_admin,
    the_partner_dashboard_example_shows_a_full_page_for_the_partner,
);

/// The example mutations run cleanly, each for the persona its first line names, and running
/// them all a second time creates nothing more: each carries an idempotency key.
async fn example_mutations_run_for_their_personas_and_replay_identically(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let examples = examples_in("mutations");
    assert!(examples.len() >= 5);
    let run_all = async || {
        for (name, text) in &examples {
            let persona = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# Persona: "))
                .unwrap_or_else(|| panic!("{name} names its persona on its first line"));
            let r = s.query(persona, text, json!({})).await;
            assert!(r.body.get("errors").is_none(), "{name}: {}", r.body);
        }
    };
    let totals = async || {
        let r = s
            .query(
                "admin@platform.example",
                "{ customers { totalCount } subscriptions { totalCount } cases { totalCount }
                   users { totalCount } invoices(filter: { status: PAID }) { totalCount } }",
                json!({}),
            )
            .await;
        r.body["data"].clone()
    };
    run_all().await;
    let after_first = totals().await;
    run_all().await;
    assert_eq!(
        totals().await,
        after_first,
        "replaying the examples created nothing"
    );
}

partnergraph_tests::on_sqlite_and_postgres!(
    sqlite_example_mutations_run_for_their_personas_and_replay_identically,
    postgres_example_mutations_run_for_their_personas_and_replay_identically,
    example_mutations_run_for_their_personas_and_replay_identically,
);
