//! `CONTEXTCORE_BUILD`: a digest of everything that decides what the binary writes (the
//! sources, the manifest and the locked dependencies). Two builds of the same sources get the
//! same id on any machine; a changed source gets a new one. A run record carries it, and export
//! trusts an existing record to describe a no-op rerun only when it was made by the same build.

use std::path::{Path, PathBuf};

fn main() {
    let mut files = vec![PathBuf::from("Cargo.toml"), PathBuf::from("Cargo.lock")];
    collect(Path::new("src"), &mut files);
    files.sort();
    // FNV-1a over names and contents: a build id, not a security boundary.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let name = file.to_string_lossy().replace('\\', "/");
        for byte in name
            .bytes()
            .chain([0])
            .chain(std::fs::read(file).unwrap_or_default())
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=CONTEXTCORE_BUILD={hash:016x}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
