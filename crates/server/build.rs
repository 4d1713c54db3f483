//! Embeds the example operations of `examples/queries/` and `examples/mutations/` so GraphiQL
//! offers them as tabs wherever the binary runs, without reading the source tree at run time.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["queries", "mutations"].map(|d| examples.join(d)) {
        println!("cargo:rerun-if-changed={}", dir.display());
        files.extend(
            std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "graphql"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
    }
    // Numbered files: queries first, then mutations, in the order the numbers give.
    files.sort_by_key(|p| p.file_name().map(|n| n.to_owned()));
    let mut out = String::from("/// Example operations: (file stem, text).\npub(crate) const EXAMPLES: &[(&str, &str)] = &[\n");
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
