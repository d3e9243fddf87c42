//! Generates the gRPC code for `proto/` with a pure-Rust protobuf compiler (protox), so no
//! `protoc` is needed on any machine, and writes the file descriptor set that server
//! reflection serves.

use std::{
    env,
    path::{Path, PathBuf},
};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files = proto_files(&root)?;
    let fds = protox::compile(&files, [&root])?;

    let out = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out.join("attain_descriptor.bin"), fds.encode_to_vec())?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;

    println!("cargo:rerun-if-changed={}", root.display());
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    Ok(())
}

/// Every `.proto` under `root`, sorted so the generated code does not depend on directory order.
fn proto_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "proto") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
