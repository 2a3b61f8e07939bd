//! `tinysoftmax`: train from CSV and certify, write the model as Rust source, convert
//! checkpoints. Run without arguments for the usage.

use std::process::ExitCode;

use tinysoftmax_cli::{
    Trained, checkpoint_from_source, checkpoint_to_source, dispatch, encode_checkpoint, parse_csv,
    parse_rust_source, record_sizes, rust_source, train,
};

const USAGE: &str = "\
usage:
  tinysoftmax train DATA.csv [--lambda L] [--tolerance T] [--rust OUT.rs] [--checkpoint OUT.tsmx]
      Standardise the features, minimise the L2-regularised cross-entropy (default λ = 0.01)
      until the certificate proves a relative gap ≤ T (default 1e-6), and write the
      standardiser and model as Rust source and/or as a checkpoint file.
      DATA.csv: label (0, 1, …) in the first column, features after it; an optional header.
  tinysoftmax to-rust CHECKPOINT.tsmx OUT.rs
      Rust source of a checkpoint's standardiser and model.
  tinysoftmax from-rust MODEL.rs CHECKPOINT.tsmx [--seed N]
      A checkpoint of the source's standardiser and model, with fresh optimiser state.";

/// Exit status when training ran but the certificate does not prove the requested gap.
const NOT_CERTIFIED: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("tinysoftmax: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Positional arguments, and `--name value` options.
type Arguments<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// Splits `--name value` options from positional arguments.
fn options(args: &[String]) -> Result<Arguments<'_>, String> {
    let (mut positional, mut named) = (Vec::new(), Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            let value = it.next().ok_or(format!("--{name} needs a value"))?;
            named.push((name, value.as_str()));
        } else {
            positional.push(a.as_str());
        }
    }
    Ok((positional, named))
}

fn option<T: std::str::FromStr>(
    named: &[(&str, &str)],
    name: &str,
    default: T,
) -> Result<T, String> {
    named
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Ok(default), |(_, v)| {
            v.parse()
                .map_err(|_| format!("--{name} {v}: not a valid value"))
        })
}

fn check_names(named: &[(&str, &str)], allowed: &[&str]) -> Result<(), String> {
    match named.iter().find(|(n, _)| !allowed.contains(n)) {
        Some((n, _)) => Err(format!("unknown option --{n}\n{USAGE}")),
        None => Ok(()),
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

fn write(path: &str, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{path}: {e}"))?;
    println!("wrote {path} ({} bytes)", bytes.len());
    Ok(())
}

fn run(args: &[String]) -> Result<u8, String> {
    let (positional, named) = options(args)?;
    let command_line = format!("tinysoftmax {}", args.join(" "));
    match positional.as_slice() {
        ["train", data] => {
            check_names(&named, &["lambda", "tolerance", "rust", "checkpoint"])?;
            let text = String::from_utf8(read(data)?).map_err(|e| format!("{data}: {e}"))?;
            let table = parse_csv(&text).map_err(|e| format!("{data}: {e}"))?;
            let lambda: f32 = option(&named, "lambda", 0.01)?;
            let tolerance: f32 = option(&named, "tolerance", 1e-6)?;
            let rust = named.iter().find(|(n, _)| *n == "rust").map(|(_, v)| *v);
            let checkpoint = named
                .iter()
                .find(|(n, _)| *n == "checkpoint")
                .map(|(_, v)| *v);
            let (f, c) = (table.features(), table.classes());
            println!(
                "{data}: {} rows, {f} features, {c} classes; λ = {lambda}",
                table.rows.len()
            );
            dispatch!(
                f,
                c,
                train_and_write(&table, lambda, tolerance, rust, checkpoint, &command_line)
            )
        }
        ["to-rust", input, output] => {
            check_names(&named, &[])?;
            let bytes = read(input)?;
            let (f, c) = record_sizes(&bytes).map_err(|e| format!("{input}: {e}"))?;
            let header = format!("Standardiser and model of {input}, by `{command_line}`.");
            let converted = dispatch!(f, c, checkpoint_to_source(&bytes, &header))
                .map_err(|e| format!("{input}: {e}"))?;
            if converted.dropped_steps > 0 {
                println!(
                    "note: the source holds standardiser and model only; the optimiser state \
                     ({} steps) is not carried over",
                    converted.dropped_steps
                );
            }
            write(output, converted.source.as_bytes())?;
            Ok(0)
        }
        ["from-rust", input, output] => {
            check_names(&named, &["seed"])?;
            let seed: u64 = option(&named, "seed", 0)?;
            let text = String::from_utf8(read(input)?).map_err(|e| format!("{input}: {e}"))?;
            let (f, c, count, bits) =
                parse_rust_source(&text).map_err(|e| format!("{input}: {e}"))?;
            let bytes = dispatch!(f, c, checkpoint_from_source(count, &bits, seed))
                .map_err(|e| format!("{input}: {e}"))?;
            write(output, &bytes)?;
            Ok(0)
        }
        _ => Err(USAGE.into()),
    }
}

fn train_and_write<const F: usize, const C: usize>(
    table: &tinysoftmax_cli::Table,
    lambda: f32,
    tolerance: f32,
    rust: Option<&str>,
    checkpoint: Option<&str>,
    command_line: &str,
) -> Result<u8, String> {
    let Trained {
        standardizer,
        model,
        report,
        accuracy,
    } = train::<F, C>(table, lambda, tolerance)?;
    let cert = report.certificate;
    let summary = format!(
        "{} rows, {F} features, {C} classes, λ = {lambda}: objective P = {:.7} after {} \
         iterations; certified P − P* ≤ {:.2e} ({}); training accuracy {accuracy:.4}",
        table.rows.len(),
        cert.objective,
        report.iterations,
        cert.gap,
        if report.certified {
            "meets the tolerance"
        } else {
            "NOT within the tolerance"
        },
    );
    println!("{summary}");
    println!("model fingerprint {:016x}", model.fingerprint());
    if let Some(path) = rust {
        let header = format!("Written by `{command_line}`.\n{summary}.");
        write(path, rust_source(&standardizer, &model, &header).as_bytes())?;
    }
    if let Some(path) = checkpoint {
        write(path, &encode_checkpoint(standardizer, model, 0)?)?;
    }
    Ok(if report.certified { 0 } else { NOT_CERTIFIED })
}
