//! Embeds the example queries of `examples/queries/` so GraphiQL offers them as tabs wherever the
//! binary runs, without reading the source tree at run time.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/queries");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// Example queries: (file stem, text).\npub(crate) const EXAMPLES: &[(&str, &str)] = &[\n");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("example");
        let _ = writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("examples.rs");
    if let Err(err) = std::fs::write(&target, out) {
        panic!("cannot write {}: {err}", target.display());
    }
}
