//! The map a newcomer reads first stays true: every RPC of every contract is listed in
//! `docs/architecture.md` with the file and function its handler calls, as the code has it now.

use std::process::Command;

#[test]
fn the_architecture_map_names_where_every_rpc_rule_lives() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new("python3")
        .arg("scripts/rpc-map")
        .arg("--check")
        .current_dir(root)
        .output()
        .expect("run python3 scripts/rpc-map --check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
