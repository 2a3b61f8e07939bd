//! The host tool: CSV parsing, certified training, the Rust source (compiled here, so its
//! `const` items are checked bit for bit), the checkpoint round trips, and the commands the
//! README shows, run as a user runs them.
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed expectation is the failure report"
)]

#[path = "../../../examples/firmware-common/iris_model.rs"]
mod iris_model;

use std::path::PathBuf;
use std::process::Command;

use tinysoftmax::format::{Checkpoint, Record};
use tinysoftmax_cli::{checkpoint_from_source, parse_csv, parse_rust_source, rust_source, train};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn iris() -> tinysoftmax_cli::Table {
    parse_csv(&std::fs::read_to_string(root().join("data/iris.csv")).unwrap()).unwrap()
}

#[test]
fn csv_errors_name_the_line() {
    assert_eq!(
        parse_csv("label,a,b\n0,1,2\n1,3,4\n").unwrap().rows,
        [vec![1.0, 2.0], vec![3.0, 4.0]]
    );
    let err = |text: &str| parse_csv(text).unwrap_err();
    assert!(err("0,1,2\nx,3,4\n").starts_with("line 2: label"));
    assert!(err("0,1,2\n1,3,inf\n").starts_with("line 2: value"));
    assert!(err("0,1,2\n1,3\n").starts_with("line 2: 1 features"));
    assert!(err("0,1\n1,nan\n").starts_with("line 2: value"));
    assert!(err("label\n").starts_with("no rows"));
}

#[test]
fn iris_trains_to_a_certified_optimum() {
    let table = iris();
    assert_eq!(
        (table.rows.len(), table.features(), table.classes()),
        (150, 4, 3)
    );
    let trained = train::<4, 3>(&table, 0.01, 1e-6).unwrap();
    let cert = trained.report.certificate;
    assert!(trained.report.certified);
    assert!(cert.gap.is_finite() && cert.gap <= 1e-6 * cert.objective);
    // The reference optimum of iris at λ = 0.01 (examples/firmware-common/recipe.rs):
    // P* = 0.266201000576, within this certified gap plus the f32 rounding of P.
    let p_star = 0.266_201_000_576_f64;
    let excess = f64::from(cert.objective) - p_star;
    assert!(
        excess.abs() <= f64::from(cert.gap) + 4.0 * f64::from(f32::EPSILON),
        "{excess:e}"
    );
    assert!(trained.accuracy >= 0.95);
}

/// The committed iris model source is what the tool writes today, and the `const` items it
/// defines (compiled into this test) hold exactly the trained bits.
#[test]
fn the_committed_iris_source_is_current_and_exact() {
    let trained = train::<4, 3>(&iris(), 0.01, 1e-6).unwrap();
    let committed =
        std::fs::read_to_string(root().join("examples/firmware-common/iris_model.rs")).unwrap();
    let header = committed
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("//! "))
        .map(|l| &l[4..])
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        rust_source(&trained.standardizer, &trained.model, &header),
        committed
    );
    assert_eq!(iris_model::MODEL.fingerprint(), trained.model.fingerprint());
    assert_eq!(iris_model::STANDARDIZER, trained.standardizer);
    assert_eq!(
        iris_model::MODEL.weights().map(|r| r.map(f32::to_bits)),
        trained.model.weights().map(|r| r.map(f32::to_bits))
    );
}

#[test]
fn source_and_checkpoint_convert_both_ways_bit_for_bit() {
    let trained = train::<4, 3>(&iris(), 0.01, 1e-3).unwrap();
    let source = rust_source(&trained.standardizer, &trained.model, "test");
    let (f, c, count, bits) = parse_rust_source(&source).unwrap();
    assert_eq!((f, c, count, bits.len()), (4, 3, 150, 8 + 15));
    let bytes = checkpoint_from_source::<4, 3>(count, &bits, 7).unwrap();
    let checkpoint = Checkpoint::<4, 3>::decode(&bytes).unwrap();
    assert_eq!(checkpoint.model.fingerprint(), trained.model.fingerprint());
    assert_eq!(checkpoint.standardizer, trained.standardizer);
    assert_eq!((checkpoint.state.steps(), checkpoint.rng.state()), (0, 7));
    let again = tinysoftmax_cli::checkpoint_to_source::<4, 3>(&bytes, "test").unwrap();
    assert_eq!(again.source, source);
    // Source with a value missing is refused.
    let cut = source.replacen("f32::from_bits(", "f32::from_bitz(", 1);
    assert!(parse_rust_source(&cut).unwrap_err().contains("22 floats"));
}

fn tool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tinysoftmax"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// The README's commands, as typed: train and write both forms, convert each into the other,
/// and get the same bytes back.
#[test]
fn the_readme_commands_work() {
    let dir = std::env::temp_dir().join(format!("tinysoftmax-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let out = tool(&[
        "train",
        "data/iris.csv",
        "--lambda",
        "0.01",
        "--rust",
        &p("m.rs"),
        "--checkpoint",
        &p("m.tsmx"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("meets the tolerance"), "{stdout}");
    let out = tool(&["to-rust", &p("m.tsmx"), &p("back.rs")]);
    assert!(out.status.success());
    let out = tool(&["from-rust", &p("back.rs"), &p("back.tsmx")]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(p("m.tsmx")).unwrap(),
        std::fs::read(p("back.tsmx")).unwrap()
    );
    // A corrupted checkpoint is refused with the library's error.
    let mut bad = std::fs::read(p("m.tsmx")).unwrap();
    bad[50] ^= 1;
    std::fs::write(p("bad.tsmx"), &bad).unwrap();
    let out = tool(&["to-rust", &p("bad.tsmx"), &p("bad.rs")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checksum"));
    // Unsupported sizes and bad usage are errors, not panics.
    std::fs::write(
        p("wide.csv"),
        format!("0,{}\n1,{}\n", ["1"; 17].join(","), ["2"; 17].join(",")),
    )
    .unwrap();
    let out = tool(&["train", &p("wide.csv")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("17 features"));
    assert_eq!(tool(&["frobnicate"]).status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}
