//! The scorecard code reads the org directory over gRPC, as the other services do: no SQL of
//! the scorecard, milestone or webhook code names an `org.` table, and none of it reaches for
//! the directory's store or rows. (The directory itself, `attain_org`, is served by this process
//! and owns those tables; `tenants.rs` seeds a new tenant's built-ins inside its creation. One
//! call stays in-process on purpose: the milestone detector's system key is minted with
//! `attain_org::keys::insert_system_key`, not over gRPC, because a peer RPC that mints a key
//! for any tenant would make the peer secret a key to every tenant.)

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn scorecard_code_reads_no_org_table_and_no_directory_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for part in ["scorecards", "milestones", "webhooks"] {
        rust_files(&src.join(part), &mut files);
    }
    assert!(files.len() > 20, "found the sources");
    let forbidden = [
        "org.people",
        "org.teams",
        "org.tenants",
        "org.api_keys",
        "org.person_external_ids",
        "org.role_history",
        "org::store",
        "org::model",
        "scope_of",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            for word in forbidden {
                if line.contains(word) {
                    found.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the org directory read in-process:\n{}",
        found.join("\n")
    );
}
