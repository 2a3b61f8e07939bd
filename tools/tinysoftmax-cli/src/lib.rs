//! The host side of tinysoftmax: train a model from a CSV file and certify it, and move
//! standardiser and model between three forms: a checkpoint file (the binary format of
//! `tinysoftmax::format`), Rust source with `const` items (every float written by its bits),
//! and the in-memory types.
//!
//! The sizes F and C are const generics in the library, so the tool instantiates it for every
//! F in 1..=16 and C in 2..=8 ([`MAX_FEATURES`], [`MAX_CLASSES`]); other sizes are refused with
//! a message that says so. All values are `f32`, the element type of the firmware.

use std::fmt::Write as _;

use tinysoftmax::format::{Checkpoint, HEADER_LEN, Record};
use tinysoftmax::optim::SgdState;
use tinysoftmax::solver::{Report, Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Label, Objective, Sample, SplitMix64, Standardizer};

/// The largest number of features the tool is built for.
pub const MAX_FEATURES: usize = 16;
/// The largest number of classes the tool is built for.
pub const MAX_CLASSES: usize = 8;

/// A data set read from CSV: one label and F features per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The label of each row.
    pub labels: Vec<usize>,
    /// The features of each row, all of the same length F.
    pub rows: Vec<Vec<f32>>,
}

impl Table {
    /// F, the number of features.
    #[must_use]
    pub fn features(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    /// C, the number of classes: the largest label + 1 (at least 2).
    #[must_use]
    pub fn classes(&self) -> usize {
        self.labels.iter().max().map_or(2, |&m| (m + 1).max(2))
    }
}

/// Reads CSV text: the label (an integer from 0) in the first column, the features after it.
/// A first line whose label is not an integer is taken as a header and skipped; blank lines
/// are skipped.
///
/// # Errors
///
/// A message naming the line for a label or value that does not parse, a non-finite value, or
/// a row whose number of columns differs from the first row's.
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let mut table = Table {
        labels: Vec::new(),
        rows: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split(',').map(str::trim);
        let label_field = fields.next().unwrap_or("");
        let Ok(label) = label_field.parse::<usize>() else {
            if i == 0 {
                continue;
            }
            return Err(format!(
                "line {}: label {label_field:?} is not an integer",
                i + 1
            ));
        };
        let row = fields
            .map(|f| match f.parse::<f32>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(format!(
                    "line {}: value {f:?} is not a finite number",
                    i + 1
                )),
            })
            .collect::<Result<Vec<f32>, String>>()?;
        if let Some(first) = table.rows.first()
            && first.len() != row.len()
        {
            return Err(format!(
                "line {}: {} features, the first row has {}",
                i + 1,
                row.len(),
                first.len()
            ));
        }
        table.labels.push(label);
        table.rows.push(row);
    }
    if table.rows.is_empty() || table.features() == 0 {
        return Err("no rows with a label and at least one feature".into());
    }
    Ok(table)
}

/// What training produced.
#[derive(Clone, Debug)]
pub struct Trained<const F: usize, const C: usize> {
    /// The standardiser fitted on all rows.
    pub standardizer: Standardizer<F>,
    /// The model at the certified optimum (or as close as the iteration budget got).
    pub model: Classifier<F, C>,
    /// The solver's report, with the final certificate.
    pub report: Report,
    /// Training accuracy.
    pub accuracy: f32,
}

/// Fits the standardiser (Welford) on all rows, standardises them, and minimises the
/// L2-regularised cross-entropy with `solver::minimize` until the certificate proves a gap
/// of at most `tolerance` relative to the objective.
///
/// # Errors
///
/// A message for a table of other sizes, a label ≥ C, or an error of the library.
pub fn train<const F: usize, const C: usize>(
    table: &Table,
    lambda: f32,
    tolerance: f32,
) -> Result<Trained<F, C>, String> {
    let mut standardizer = Standardizer::<F>::new();
    let mut raw = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let x: [f32; F] = row
            .as_slice()
            .try_into()
            .map_err(|_| format!("a row has {} features, not {F}", row.len()))?;
        standardizer.update(&x).map_err(|e| e.to_string())?;
        raw.push(x);
    }
    let samples = raw
        .iter()
        .zip(&table.labels)
        .map(|(x, &y)| {
            Label::new(y)
                .map(|label| Sample::new(standardizer.transform(x), label))
                .map_err(|e| format!("label {y}: {e}"))
        })
        .collect::<Result<Vec<Sample<F, C>>, String>>()?;
    let mut model = Classifier::zeros();
    let stop = Stop::new(Tolerance::Relative(tolerance), 100_000);
    let objective = Objective::new(lambda).map_err(|e| format!("lambda {lambda}: {e}"))?;
    let report = minimize(&mut model, &samples, &objective, stop).map_err(|e| e.to_string())?;
    let accuracy = model.accuracy(&samples);
    Ok(Trained {
        standardizer,
        model,
        report,
        accuracy,
    })
}

/// An array literal of `f32::from_bits(0x…)` items, one a line with its decimal value as a
/// comment (a layout `rustfmt` leaves as it is).
fn floats(out: &mut String, values: &[f32], indent: &str) {
    out.push_str("[\n");
    for &v in values {
        let bits = v.to_bits();
        let (high, low) = (bits >> 16, bits & 0xFFFF);
        let _ = writeln!(
            out,
            "{indent}    f32::from_bits(0x{high:04x}_{low:04x}), // {v:e}"
        );
    }
    out.push_str(indent);
    out.push(']');
}

/// Rust source holding the standardiser and the model as `const` items, every float written
/// by its bits (`f32::from_bits`), so that the device gets exactly these values; `header` is
/// put into the file's comments (what produced it).
#[must_use]
pub fn rust_source<const F: usize, const C: usize>(
    standardizer: &Standardizer<F>,
    model: &Classifier<F, C>,
    header: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// @generated by tinysoftmax-cli: do not edit by hand; run the command again."
    );
    for line in header.lines() {
        let _ = writeln!(s, "//! {line}");
    }
    let _ = writeln!(
        s,
        "//!\n//! Model fingerprint {:016x}; every float is written by its IEEE bits.\n",
        model.fingerprint()
    );
    s.push_str("use tinysoftmax::{Classifier, Standardizer};\n\n");
    let _ = writeln!(
        s,
        "/// Features per sample.\npub const FEATURES: usize = {F};\n"
    );
    let _ = writeln!(s, "/// Classes.\npub const CLASSES: usize = {C};\n");
    s.push_str(
        "/// The feature standardiser: count, means, sums of squared deviations (M2).\n\
         pub const STANDARDIZER: Standardizer<FEATURES> = Standardizer::from_statistics(\n",
    );
    let _ = writeln!(s, "    {},", standardizer.count());
    s.push_str("    ");
    floats(&mut s, standardizer.mean(), "    ");
    s.push_str(",\n    ");
    floats(&mut s, standardizer.sum_of_squares(), "    ");
    s.push_str(",\n);\n\n");
    s.push_str(
        "/// The model: W as C rows of F weights (row c: class c), then the C biases.\n\
         pub const MODEL: Classifier<FEATURES, CLASSES> = Classifier::new(\n    [\n",
    );
    for row in model.weights() {
        s.push_str("        ");
        floats(&mut s, &row, "        ");
        s.push_str(",\n");
    }
    s.push_str("    ],\n    ");
    floats(&mut s, model.bias(), "    ");
    s.push_str(",\n);\n");
    s
}

/// F, C, the count and the float bits (standardiser means and M2, then W row by row, then
/// b) of a file written by [`rust_source`].
///
/// # Errors
///
/// A message when the file does not have that shape.
pub fn parse_rust_source(text: &str) -> Result<(usize, usize, u32, Vec<u32>), String> {
    let constant = |name: &str| -> Result<usize, String> {
        let key = format!("pub const {name}: usize = ");
        let start = text
            .find(&key)
            .ok_or_else(|| format!("no `{}` item", key.trim()))?
            + key.len();
        let end = text[start..].find(';').ok_or("unterminated item")? + start;
        text[start..end]
            .trim()
            .parse()
            .map_err(|_| format!("{name} is not an integer"))
    };
    let (f, c) = (constant("FEATURES")?, constant("CLASSES")?);
    let key = "Standardizer::from_statistics(";
    let start = text
        .find(key)
        .ok_or("no `Standardizer::from_statistics(`")?
        + key.len();
    let end = text[start..].find(',').ok_or("no count")? + start;
    let count = text[start..end]
        .trim()
        .parse()
        .map_err(|_| "the count is not an integer".to_string())?;
    let mut bits = Vec::new();
    let mut rest = &text[start..];
    while let Some(at) = rest.find("from_bits(") {
        rest = &rest[at + "from_bits(".len()..];
        let close = rest.find(')').ok_or("unterminated from_bits")?;
        let hex = rest[..close]
            .trim()
            .trim_start_matches("0x")
            .replace('_', "");
        bits.push(u32::from_str_radix(&hex, 16).map_err(|_| format!("bad bits {hex:?}"))?);
        rest = &rest[close..];
    }
    let want = 2 * f + c * f + c;
    if bits.len() != want {
        return Err(format!(
            "{} floats for F = {f}, C = {c}: {want} expected",
            bits.len()
        ));
    }
    Ok((f, c, count, bits))
}

/// The checkpoint encoded from Rust source: its standardiser and model, fresh optimiser
/// state (the device starts fine-tuning from step 0), and a generator seeded with `seed`.
///
/// # Errors
///
/// A message for source of other sizes or a non-finite value.
pub fn checkpoint_from_source<const F: usize, const C: usize>(
    count: u32,
    bits: &[u32],
    seed: u64,
) -> Result<Vec<u8>, String> {
    let mut values = bits.iter().map(|&b| f32::from_bits(b));
    let mut take = || values.next().ok_or_else(|| "too few values".to_string());
    let mut mean = [0.0; F];
    let mut m2 = [0.0; F];
    for v in mean.iter_mut().chain(m2.iter_mut()) {
        *v = take()?;
    }
    let mut rows = [[0.0; F]; C];
    for v in rows.iter_mut().flatten() {
        *v = take()?;
    }
    let mut bias = [0.0; C];
    for v in &mut bias {
        *v = take()?;
    }
    encode_checkpoint(
        Standardizer::from_statistics(count, mean, m2),
        Classifier::new(rows, bias),
        seed,
    )
}

/// The checkpoint of a standardiser and a model, with fresh optimiser state (the device starts
/// fine-tuning from step 0) and a generator seeded with `seed`, encoded.
///
/// # Errors
///
/// A message for a non-finite value or a negative M2.
pub fn encode_checkpoint<const F: usize, const C: usize>(
    standardizer: Standardizer<F>,
    model: Classifier<F, C>,
    seed: u64,
) -> Result<Vec<u8>, String> {
    let checkpoint = Checkpoint::new(standardizer, model, SgdState::new(), SplitMix64::new(seed));
    let mut out = vec![0; Checkpoint::<F, C>::ENCODED_LEN];
    checkpoint.encode(&mut out).map_err(|e| e.to_string())?;
    // The bytes must read back (checks the standardiser's M2, which the source does not).
    Checkpoint::<F, C>::decode(&out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// What [`checkpoint_to_source`] returns: the source and whether the checkpoint held
/// optimiser state that the source does not carry.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The Rust source.
    pub source: String,
    /// The step count of the checkpoint's SGD state (0: nothing dropped).
    pub dropped_steps: u32,
}

/// Rust source of a checkpoint's standardiser and model.
///
/// # Errors
///
/// A message with the library's error when the bytes are not a valid `f32` checkpoint.
pub fn checkpoint_to_source<const F: usize, const C: usize>(
    bytes: &[u8],
    header: &str,
) -> Result<Converted, String> {
    let c = Checkpoint::<F, C>::decode(bytes).map_err(|e| e.to_string())?;
    Ok(Converted {
        source: rust_source(&c.standardizer, &c.model, header),
        dropped_steps: c.state.steps(),
    })
}

/// F and C from a record's header (before it is checked: decoding checks everything).
///
/// # Errors
///
/// A message when the bytes are shorter than a header.
pub fn record_sizes(bytes: &[u8]) -> Result<(usize, usize), String> {
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or("shorter than a record header")?;
    let word = |at: usize| -> usize {
        let mut w = [0; 4];
        w.copy_from_slice(&header[at..at + 4]);
        u32::from_le_bytes(w) as usize
    };
    Ok((word(8), word(12)))
}

/// Calls `$f::<F, C>($args)` for the runtime sizes `$features`, `$classes`, or evaluates to
/// an error message when the tool is not built for them.
#[macro_export]
macro_rules! dispatch {
    ($features:expr, $classes:expr, $f:ident $args:tt) => {
        $crate::dispatch!(@f $features, $classes, $f $args,
            [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16])
    };
    (@f $features:expr, $classes:expr, $f:ident $args:tt, [$($F:literal)*]) => {
        match $features {
            $($F => $crate::dispatch!(@c $F, $classes, $f $args, [2 3 4 5 6 7 8]),)*
            other => Err(format!(
                "{other} features: this tool is built for 1 to {}",
                $crate::MAX_FEATURES
            )),
        }
    };
    (@c $F:literal, $classes:expr, $f:ident $args:tt, [$($C:literal)*]) => {
        match $classes {
            $($C => $f::<$F, $C> $args,)*
            other => Err(format!(
                "{other} classes: this tool is built for 2 to {}",
                $crate::MAX_CLASSES
            )),
        }
    };
}
