//! The build script of every firmware crate (each names this file in its `Cargo.toml`): puts
//! the crate's `memory.x` where the linker finds it (the runtime crate's `link.x` includes it)
//! and, when the crate's `defmt` feature is on, links its `iris-defmt` binary with defmt's
//! linker script.

use std::env;
use std::fs;
use std::io;
use std::path::PathBuf;

fn main() -> io::Result<()> {
    let out = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or(io::ErrorKind::NotFound)?;
    fs::copy("memory.x", out.join("memory.x"))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    if env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        println!("cargo:rustc-link-arg-bin=iris-defmt=-Tdefmt.x");
    }
    Ok(())
}
