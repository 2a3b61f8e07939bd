//! Host-side loading of the repository's data sets (shared by the examples, the tests, the
//! benchmarks and the figures generator through `#[path]`).
//!
//! Preprocessing matches the reference optima quoted in the tests: each feature column is
//! standardised, x' = (x − mean) / std, with the mean and the population standard deviation
//! computed in f64 over all rows; a column whose std is 0 is divided by 1; the result is
//! rounded to f32.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "host-side helpers shared by tests and examples; malformed data should stop them"
)]

use tinysoftmax::{Label, Sample};

/// iris: 150 samples, 4 features, 3 classes (see data/README.md).
pub const IRIS_CSV: &str = include_str!("../../data/iris.csv");
/// Optical digits: 1797 samples, 64 features, 10 classes (see data/README.md).
pub const DIGITS_CSV: &str = include_str!("../../data/digits.csv");

/// Parses `label,x1,...,xF` rows into raw f64 features and labels.
///
/// # Panics
///
/// On malformed data (this is host-side example and test code).
#[must_use]
pub fn parse<const F: usize, const C: usize>(csv: &str) -> Vec<([f64; F], Label<C>)> {
    csv.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut fields = line.split(',');
            let label: usize = fields.next().unwrap().trim().parse().unwrap();
            let mut x = [0.0; F];
            for v in &mut x {
                *v = fields.next().unwrap().trim().parse().unwrap();
            }
            assert!(fields.next().is_none(), "too many columns");
            (x, Label::new(label).unwrap())
        })
        .collect()
}

/// Standardises the columns in f64 (population std, 0 → 1) and rounds to f32.
#[must_use]
pub fn standardized<const F: usize, const C: usize>(csv: &str) -> Vec<Sample<F, C, f32>> {
    let rows = parse::<F, C>(csv);
    let n = rows.len() as f64;
    let mut mean = [0.0_f64; F];
    for (x, _) in &rows {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += v / n;
        }
    }
    let mut std = [0.0_f64; F];
    for (x, _) in &rows {
        for ((s, v), m) in std.iter_mut().zip(x).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    for s in &mut std {
        *s = if *s > 0.0 { s.sqrt() } else { 1.0 };
    }
    rows.iter()
        .map(|(x, y)| {
            let mut f = [0.0_f32; F];
            for (((o, v), m), s) in f.iter_mut().zip(x).zip(&mean).zip(&std) {
                *o = ((v - m) / s) as f32;
            }
            Sample::new(f, *y)
        })
        .collect()
}

/// The same samples in f64 (exact widening of the f32 values).
#[must_use]
pub fn widened<const F: usize, const C: usize>(
    samples: &[Sample<F, C, f32>],
) -> Vec<Sample<F, C, f64>> {
    samples
        .iter()
        .map(|s| Sample::new(s.features.map(f64::from), s.label))
        .collect()
}

/// iris, standardised.
#[must_use]
pub fn iris() -> Vec<Sample<4, 3, f32>> {
    standardized(IRIS_CSV)
}

/// digits, standardised.
#[must_use]
pub fn digits() -> Vec<Sample<64, 10, f32>> {
    standardized(DIGITS_CSV)
}

/// Reference global optima P* of (1/n)Σ CE + (λ/2)(‖W‖² + ‖b‖²) on the standardised data,
/// computed in f64 by L-BFGS followed by Newton steps to a gradient norm below 2e-16 and
/// cross-checked against scikit-learn's `LogisticRegression` (12 digits agree).
pub mod optimum {
    /// iris, λ = 0.1.
    pub const IRIS_0_1: f64 = 0.519_869_541_526;
    /// iris, λ = 0.01.
    pub const IRIS_0_01: f64 = 0.266_201_000_576;
    /// iris, λ = 0.001.
    pub const IRIS_0_001: f64 = 0.113_986_602_671;
    /// digits, λ = 0.01.
    pub const DIGITS_0_01: f64 = 0.271_278_689_770;
    /// digits, λ = 0.001.
    pub const DIGITS_0_001: f64 = 0.087_528_983_270;
}
