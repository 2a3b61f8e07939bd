//! A model exported from scikit-learn (`scripts/export_sklearn.py`: StandardScaler +
//! multinomial LogisticRegression on iris at C = 1/(nλ), λ = 0.01) reads back through the
//! format, and its probabilities are scikit-learn's `predict_proba`.
//!
//! Fixtures in `tests/fixtures/`, written by `python3 scripts/export_sklearn.py` (scikit-learn
//! 1.9.1, NumPy 2.4.6): the checkpoint in f64 and in f32, and `predict_proba` for every row at 17
//! significant digits.
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed expectation is the failure report"
)]

use tinysoftmax::Objective;
use tinysoftmax::convex::certify;
use tinysoftmax::format::{Checkpoint, Record};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Label, Sample};

const LAMBDA: f64 = 0.01;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/").to_owned() + name)
        .unwrap()
}

/// Rows of numbers from a CSV file of the repository, each parsed as f64 (as Python does).
fn csv(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|f| f.trim().parse().unwrap()).collect())
        .collect()
}

/// The iris rows: label and the four features parsed as `T` from the text.
fn iris<T: std::str::FromStr + Copy + Default>() -> Vec<(usize, [T; 4])> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/iris.csv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.split(',').map(str::trim).collect();
            let mut x = [T::default(); 4];
            for (v, f) in x.iter_mut().zip(&fields[1..]) {
                *v = f.parse().ok().unwrap();
            }
            (fields[0].parse().unwrap(), x)
        })
        .collect()
}

/// In f64 the crate's probabilities are scikit-learn's to within 1e-6 (the bound the export
/// promises). Both compute the same function of the same f64 inputs: the standardisation
/// (M2 / n recovers scikit-learn's variance to a few ulp), a 4-term dot product and a softmax,
/// each with relative error a few units of 2⁻⁵³, so the measured difference is ~1e-15.
#[test]
fn f64_probabilities_match_predict_proba() {
    let checkpoint = Checkpoint::<4, 3, f64>::decode(&fixture("sklearn_iris_f64.tsmx")).unwrap();
    let proba = csv("tests/fixtures/sklearn_iris_proba.csv");
    let rows = iris::<f64>();
    assert_eq!(proba.len(), rows.len());
    let mut worst = 0.0_f64;
    for ((_, x), want) in rows.iter().zip(&proba) {
        let p = checkpoint
            .model
            .probabilities(&checkpoint.standardizer.transform(x));
        for (a, b) in p.iter().zip(want) {
            worst = worst.max((a - b).abs());
        }
    }
    println!("sklearn: largest |p − predict_proba| in f64: {worst:e}");
    assert!(worst.is_finite() && worst <= 1e-6, "{worst:e}");
}

/// In f32, the device's type, the classes predicted are scikit-learn's wherever its two largest
/// probabilities are more than 1e-4 apart (f32 rounding moves a probability by about 1e-6).
#[test]
fn f32_export_predicts_like_sklearn() {
    let checkpoint = Checkpoint::<4, 3>::decode(&fixture("sklearn_iris_f32.tsmx")).unwrap();
    let proba = csv("tests/fixtures/sklearn_iris_proba.csv");
    let mut worst = 0.0_f64;
    let mut compared = 0;
    for ((_, x), want) in iris::<f32>().iter().zip(&proba) {
        let p = checkpoint
            .model
            .probabilities(&checkpoint.standardizer.transform(x));
        for (a, b) in p.iter().zip(want) {
            worst = worst.max((f64::from(*a) - b).abs());
        }
        let mut sorted = want.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted[2] - sorted[1] > 1e-4 {
            let sk = want
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            assert_eq!(
                checkpoint
                    .model
                    .predict(&checkpoint.standardizer.transform(x))
                    .index(),
                sk
            );
            compared += 1;
        }
    }
    println!(
        "sklearn: largest |p − predict_proba| in f32: {worst:e}; {compared} predictions compared"
    );
    assert!(compared >= 140);
}

/// scikit-learn leaves the intercept unpenalised, the crate penalises it: scikit-learn's model
/// is not the crate's optimum, and the certificate says by how much. At scikit-learn's optimum
/// the gradient of the crate's objective P is zero except for the bias penalty's λb, so the
/// certificate's gap ‖∇P‖²/(2λ) is (λ/2)‖b‖², up to scikit-learn's stopping residual and the
/// certificate's rounding allowance (a few units of 2⁻⁵³): a residual gradient r that L-BFGS
/// leaves moves the gap by about 2‖r‖/(λ‖b‖) relative, so the 1e-6 below holds while ‖r‖ stays
/// under 5e-7·λ‖b‖ (the fixture's is printed: 4e-8). The bound is valid: the crate's own optimum
/// is below scikit-learn's objective by no more than the gap.
#[test]
fn the_certificate_measures_the_intercept_penalty() {
    let checkpoint = Checkpoint::<4, 3, f64>::decode(&fixture("sklearn_iris_f64.tsmx")).unwrap();
    let samples: Vec<Sample<4, 3, f64>> = iris::<f64>()
        .iter()
        .map(|(y, x)| {
            Sample::new(
                checkpoint.standardizer.transform(x),
                Label::new(*y).unwrap(),
            )
        })
        .collect();
    let loss = CrossEntropy::new();
    let sk = certify(
        &checkpoint.model,
        &samples,
        &Objective::from_parts(loss, LAMBDA).unwrap(),
    )
    .unwrap();
    let mut optimum = checkpoint.model.clone();
    let stop = Stop {
        tolerance: Tolerance::Absolute(1e-12),
        max_iterations: 100_000,
    };
    let report = minimize(
        &mut optimum,
        &samples,
        &Objective::from_parts(loss, LAMBDA).unwrap(),
        stop,
    )
    .unwrap();
    assert!(report.certified);
    let excess = sk.objective - report.certificate.objective;
    let bias_penalty = LAMBDA / 2.0 * checkpoint.model.bias().iter().map(|b| b * b).sum::<f64>();
    println!(
        "sklearn: certified gap of scikit-learn's model {:.3e}; its objective exceeds the crate's \
         optimum by {excess:.3e}; (λ/2)‖b‖² = {bias_penalty:.3e}",
        sk.gap
    );
    let relative = (sk.gap - bias_penalty).abs() / bias_penalty;
    println!("sklearn: gap / ((λ/2)‖b‖²) − 1 = {relative:.1e}");
    assert!(relative <= 1e-6, "{relative:e}");
    assert!(excess >= 0.0 && excess <= sk.gap + report.certificate.gap);
    // The difference comes from the intercept: at most the whole bias penalty.
    assert!(excess <= bias_penalty);
}
