//! Puts the memory map of the target being built (`memory/<target>.x`) where the linker finds
//! it, as `memory.x`.

use std::env;
use std::fs;
use std::io;
use std::path::PathBuf;

fn main() -> io::Result<()> {
    let out = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or(io::ErrorKind::NotFound)?;
    let target = env::var("TARGET").map_err(|_| io::ErrorKind::NotFound)?;
    let map = PathBuf::from("memory").join(format!("{target}.x"));
    println!("cargo:rerun-if-changed={}", map.display());
    fs::copy(&map, out.join("memory.x"))?;
    println!("cargo:rustc-link-search={}", out.display());
    Ok(())
}
