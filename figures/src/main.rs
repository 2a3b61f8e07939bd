//! Draws the figures in `docs/figures/` from tinysoftmax's own computations.
//!
//! ```sh
//! cargo run --release --manifest-path figures/Cargo.toml              # writes docs/figures/
//! cargo run --release --manifest-path figures/Cargo.toml -- --out DIR # writes DIR instead
//! ```
//!
//! Every number drawn is computed here by the crate (training, certificates, losses) or by the
//! independent `f64` reference of the test suite (`tests/common/`); none is typed in. The output
//! is deterministic (fixed seeds and sizes, integer pixel coordinates, no timestamps), so
//! `.ci/run` regenerates the figures and fails when a committed one differs.
//!
//! Each figure also checks what it shows (the certified bound above the true gap, the chords
//! above the convex curves, ...) and the run fails if a check does not hold: a figure that
//! would contradict its caption is never written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "host tool: a failure should stop it loudly"
)]

#[path = "../../tests/common/mod.rs"]
mod common;
#[path = "../../examples/common/dataset.rs"]
mod dataset;
#[path = "../../examples/firmware-common/online.rs"]
#[allow(
    dead_code,
    reason = "the firmware recipe has items only the firmware uses"
)]
mod online;

mod accuracy;
mod certificate;
mod convexity;
mod learning;
mod style;

use std::path::PathBuf;

/// The result of drawing one figure.
pub type Drawn = Result<String, Box<dyn std::error::Error>>;

/// A function that computes and draws one figure.
type Figure = fn() -> Drawn;

/// Every figure: its file name (without `.svg`) and the function that draws it.
const FIGURES: [(&str, Figure); 5] = [
    ("convexity", convexity::draw),
    ("certificate", certificate::draw),
    ("accuracy", accuracy::draw),
    ("online", learning::online),
    ("regions", learning::regions),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/figures"));
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            name if FIGURES.iter().any(|(n, _)| *n == name) => only.push(arg),
            _ => {
                let names: Vec<&str> = FIGURES.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown argument {arg:?}; usage: [--out DIR] [{}]...",
                    names.join(" | ")
                )
                .into());
            }
        }
    }
    std::fs::create_dir_all(&out)?;
    for (name, draw) in FIGURES {
        if !only.is_empty() && !only.iter().any(|n| n == name) {
            continue;
        }
        let svg = draw()?;
        let path = out.join(format!("{name}.svg"));
        std::fs::write(&path, svg)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
