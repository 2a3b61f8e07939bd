//! A host program, as a user would write it: a CSV of labelled rows in, a model proven within
//! 1e-6 (relative) of the best possible one out, printed as Rust source for the firmware.
//!
//! ```sh
//! cargo run --release --example csv_certified               # data/iris.csv
//! cargo run --release --example csv_certified -- my.csv    # label,x1,x2,x3,x4 per row
//! ```
//!
//! The sizes are compile-time constants, like on the device: change `F` and `C` for other data.

use std::process::ExitCode;

use tinysoftmax::solver::{Stop, minimize};
use tinysoftmax::{Classifier, Label, Objective, Sample, Standardizer};

const F: usize = 4;
const C: usize = 3;
const LAMBDA: f32 = 0.01;

/// Reads `label,x1,…,xF` rows (no header); names the first bad line.
fn read(text: &str) -> Result<Vec<([f32; F], Label<C>)>, String> {
    let mut rows = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = |what: &str| format!("line {}: {what}: {line}", n + 1);
        let mut fields = line.split(',').map(str::trim);
        let label: u32 = fields
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("label"))?;
        let label = Label::try_from(label).map_err(|e| bad(&e.to_string()))?;
        let mut x = [0.0; F];
        for v in &mut x {
            *v = fields
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("feature"))?;
        }
        if fields.next().is_some() {
            return Err(bad("more than F features"));
        }
        rows.push((x, label));
    }
    Ok(rows)
}

fn bits<const N: usize>(values: &[f32; N]) -> String {
    let each: Vec<String> = values
        .iter()
        .map(|v| format!("f32::from_bits({:#010x})", v.to_bits()))
        .collect();
    format!("[{}]", each.join(", "))
}

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/iris.csv".into());
    let rows = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| read(&t))
    {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match fit(&rows) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fit(rows: &[([f32; F], Label<C>)]) -> Result<(), tinysoftmax::Error> {
    let mut fit = Standardizer::<F>::new();
    fit.update_all(rows.iter().map(|(x, _)| x))?;
    let scaler = fit.freeze();
    let data: Vec<Sample<F, C>> = rows
        .iter()
        .map(|(x, y)| Sample::new(scaler.transform(x), *y))
        .collect();

    let objective = Objective::new(LAMBDA)?;
    let mut model = Classifier::zeros();
    let report = minimize(&mut model, &data, &objective, Stop::default())?;
    eprintln!("{} rows; {report}", data.len());
    eprintln!("{}", report.certificate);
    eprintln!("training accuracy {:.3}", model.accuracy(&data));

    println!("// {} rows, λ = {LAMBDA}; {report}", data.len());
    println!("static MODEL: tinysoftmax::Pipeline<{F}, {C}> = tinysoftmax::Pipeline::new(");
    println!("    match tinysoftmax::Scaler::new_f32(");
    println!("        {},", bits(scaler.mean()));
    println!("        {},", bits(scaler.scale()));
    println!("    ) {{");
    println!("        Ok(scaler) => scaler,");
    println!("        Err(_) => panic!(\"invalid scaler\"),");
    println!("    }},");
    println!("    tinysoftmax::Classifier::new(");
    println!("        [");
    for row in model.weights() {
        println!("            {},", bits(&row));
    }
    println!("        ],");
    println!("        {},", bits(model.bias()));
    println!("    ),");
    println!(");");
    Ok(())
}
