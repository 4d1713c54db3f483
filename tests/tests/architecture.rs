//! The architecture of ARCHITECTURE.md, checked: which crate of ours may depend on which (read
//! from `cargo metadata`), that every crate of the workspace has a rule and a place in the code
//! map, and that the documents a newcomer reads link only to files the repository has.
//!
//! The rules are about what a crate is built from, so normal and build dependencies obey
//! [`RULES`]. Dev-dependencies only build a crate's own tests, which may stand up what the crate
//! talks to: they may add the sandboxes (a connector is proved against its sandbox) and the demo
//! world, and nothing else. A crate in the table that the workspace does not have (yet) is fine;
//! a crate the workspace has that the table does not name fails, so that adding a crate means
//! deciding, here and in ARCHITECTURE.md, what it may depend on.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a crate of ours may depend on, among the crates of ours.
enum Allowed {
    /// Only these.
    Only(&'static [&'static str]),
    /// Any crate of ours: the crates at the top, which assemble everything.
    Any,
}

const CORE: &str = "partnergraph-core";
const DEMO: &str = "partnergraph-demo";
const GRAPHQL: &str = "partnergraph-graphql";
const UPSTREAM: &str = "partnergraph-upstream";
const MIGRATIONS: &str = "partnergraph-migrations";
const LOCAL: &str = "partnergraph-local";
const ZUORA: &str = "partnergraph-zuora";
const SALESFORCE: &str = "partnergraph-salesforce";
const SANDBOX: &str = "partnergraph-sandbox";

/// The dependency directions of ARCHITECTURE.md: core at the bottom knows nobody; graphql,
/// upstream and the connectors know only core (the local store also its migrations); only the
/// server, the benchmark and the tests name a connector.
const RULES: &[(&str, Allowed)] = &[
    (CORE, Allowed::Only(&[])),
    (MIGRATIONS, Allowed::Only(&[])),
    (DEMO, Allowed::Only(&[CORE])),
    (GRAPHQL, Allowed::Only(&[CORE])),
    (UPSTREAM, Allowed::Only(&[CORE])),
    (LOCAL, Allowed::Only(&[CORE, MIGRATIONS])),
    (ZUORA, Allowed::Only(&[CORE])),
    (SALESFORCE, Allowed::Only(&[CORE])),
    (SANDBOX, Allowed::Only(&[CORE, DEMO])),
    (
        "partnergraph-server",
        Allowed::Only(&[
            CORE, DEMO, GRAPHQL, UPSTREAM, MIGRATIONS, LOCAL, ZUORA, SALESFORCE,
        ]),
    ),
    ("partnergraph-bench", Allowed::Any),
    ("partnergraph-tests", Allowed::Any),
];

/// What any crate's dev-dependencies may add to its rule.
const DEV_EXTRAS: &[&str] = &[SANDBOX, DEMO];

/// One crate of the workspace as `cargo metadata` describes it.
struct Member {
    name: String,
    /// Its folder, relative to the workspace root (`crates/core`).
    folder: String,
    /// `(dependency, kind)`, kind being `normal`, `dev` or `build`.
    dependencies: Vec<(String, String)>,
}

/// The workspace root: the tests crate's parent.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

/// `cargo metadata` of the workspace, without resolving anything outside it.
fn metadata() -> Value {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo metadata failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// The workspace's crates, with their dependencies on one another only.
fn members(metadata: &Value) -> Vec<Member> {
    let root = metadata["workspace_root"].as_str().unwrap_or_default();
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let ours: Vec<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    packages
        .iter()
        .map(|package| {
            let manifest = package["manifest_path"].as_str().unwrap_or_default();
            let folder = Path::new(manifest)
                .parent()
                .and_then(|dir| dir.strip_prefix(root).ok())
                .map(|dir| dir.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let dependencies = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|dep| {
                    let name = dep["name"].as_str()?;
                    ours.iter().any(|o| o == name).then(|| {
                        let kind = dep["kind"].as_str().unwrap_or("normal");
                        (name.to_owned(), kind.to_owned())
                    })
                })
                .collect();
            Member {
                name: package["name"].as_str().unwrap_or_default().to_owned(),
                folder,
                dependencies,
            }
        })
        .collect()
}

/// Every dependency edge the rules forbid, each named with the rule it breaks.
fn violations(members: &[Member]) -> Vec<String> {
    let rules: BTreeMap<&str, &Allowed> = RULES.iter().map(|(name, a)| (*name, a)).collect();
    let mut found = Vec::new();
    for member in members {
        let Some(allowed) = rules.get(member.name.as_str()) else {
            found.push(format!(
                "{} has no rule: add it to RULES in tests/tests/architecture.rs, and to \
                 ARCHITECTURE.md's code map, with the crates it may depend on",
                member.name
            ));
            continue;
        };
        let Allowed::Only(only) = allowed else {
            continue;
        };
        for (dependency, kind) in &member.dependencies {
            let permitted = only.contains(&dependency.as_str())
                || (kind == "dev" && DEV_EXTRAS.contains(&dependency.as_str()));
            if !permitted {
                let mut may: Vec<&str> = only.to_vec();
                if kind == "dev" {
                    may.extend(DEV_EXTRAS);
                }
                found.push(format!(
                    "{} -> {dependency} ({kind} dependency): {} may depend only on {may:?} \
                     among our crates",
                    member.name, member.name
                ));
            }
        }
    }
    found
}

#[test]
fn every_crate_depends_only_on_what_the_architecture_allows() {
    let members = members(&metadata());
    assert!(
        members.iter().any(|m| m.name == CORE),
        "cargo metadata lists the workspace's crates"
    );
    let found = violations(&members);
    assert!(
        found.is_empty(),
        "dependencies against ARCHITECTURE.md's rules:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_check_names_the_offending_edge() {
    let metadata = serde_json::json!({
        "workspace_root": "/w",
        "packages": [
            { "name": CORE, "manifest_path": "/w/crates/core/Cargo.toml", "dependencies": [] },
            { "name": LOCAL, "manifest_path": "/w/connectors/local/Cargo.toml", "dependencies": [] },
            { "name": SANDBOX, "manifest_path": "/w/crates/sandbox/Cargo.toml", "dependencies": [] },
            { "name": "partnergraph-new", "manifest_path": "/w/crates/new/Cargo.toml", "dependencies": [] },
            { "name": GRAPHQL, "manifest_path": "/w/crates/graphql/Cargo.toml", "dependencies": [
                { "name": CORE, "kind": null },
                { "name": LOCAL, "kind": null },
                { "name": SANDBOX, "kind": "dev" },
                { "name": "serde", "kind": null },
            ] },
            { "name": ZUORA, "manifest_path": "/w/connectors/zuora/Cargo.toml", "dependencies": [
                { "name": CORE, "kind": null },
                { "name": SANDBOX, "kind": "dev" },
                { "name": LOCAL, "kind": "dev" },
            ] },
        ],
    });
    let members = members(&metadata);
    assert_eq!(members[1].folder, "connectors/local");
    let found = violations(&members);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("partnergraph-new has no rule"),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("partnergraph-graphql -> partnergraph-local (normal dependency)"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("partnergraph-zuora -> partnergraph-local (dev dependency)"),
        "{found:#?}"
    );
}

#[test]
fn architecture_md_names_every_crate_and_its_folder() {
    let architecture =
        std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md exists");
    let missing: Vec<String> = members(&metadata())
        .iter()
        .filter(|m| {
            !architecture.contains(&format!("`{}`", m.folder)) || !architecture.contains(&m.name)
        })
        .map(|m| format!("{} (`{}`)", m.name, m.folder))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map does not name these crates and their folders: {missing:?}"
    );
}

/// The targets of the relative Markdown links (`[text](target)`) in `text`, without anchors.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split('#').next().unwrap_or_default().to_owned())
        .filter(|target| !target.is_empty() && !target.contains("://"))
        .collect()
}

#[test]
fn the_documents_link_only_to_files_the_repository_has() {
    let root = root();
    let mut documents = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/ exists");
    documents.extend(
        docs.filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md")),
    );
    let mut broken = Vec::new();
    for document in &documents {
        let text = std::fs::read_to_string(document).expect("a readable document");
        let dir = document.parent().unwrap_or(&root);
        for target in relative_links(&text) {
            if !dir.join(&target).exists() {
                broken.push(format!(
                    "{}: {target}",
                    document.strip_prefix(&root).unwrap_or(document).display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to files that do not exist: {broken:#?}"
    );
}
