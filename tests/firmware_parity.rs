//! Host side of the firmware examples: runs the recipes the firmware runs (the very same source
//! files, included with `#[path]`), checks their results, and prints the weights' fingerprints.
//!
//! `.ci/firmware.sh` runs this with `--nocapture`, reads the `firmware-parity ... fingerprint`
//! lines, and requires every firmware (Cortex-M4F, Cortex-M3, Cortex-M0, RV32IMC under QEMU) to
//! print the same fingerprint: training must give bit-identical weights on host and devices. The
//! same holds for the quantised iris model and its agreement with the float model.
#![expect(
    clippy::expect_used,
    reason = "in a test, a failed expectation is the failure report"
)]

#[path = "../examples/firmware-common/full_batch.rs"]
mod full_batch;
#[path = "../examples/firmware-common/iris_data.rs"]
mod iris_data;
#[path = "../examples/firmware-common/iris_model.rs"]
mod iris_model;
#[path = "../examples/firmware-common/online.rs"]
mod online;
#[path = "../examples/firmware-common/predict.rs"]
mod predict;
#[path = "../examples/firmware-common/quantized.rs"]
mod quantized;
#[path = "../examples/firmware-common/recipe.rs"]
mod recipe;
#[path = "../examples/firmware-common/resume.rs"]
mod resume;

use recipe::{CLASSES, FEATURES, LAMBDA, Outcome};
use tinysoftmax::format::{CHECKSUM_LEN, Record};

/// The reference optimum at full precision (the recipe keeps it as an f32).
const P_STAR: f64 = 0.266_201_000_576;
/// How far the reference optimum itself may be off: it was computed in f64 to a gradient norm of
/// 8.8e-17, so P* is exact to a few units of f64 roundoff; 1e-12 leaves a wide margin.
const P_STAR_ACCURACY: f64 = 1e-12;

fn iris_csv() -> Vec<(u8, [f32; FEATURES])> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/iris.csv");
    let text = std::fs::read_to_string(path).expect("data/iris.csv is readable");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            assert_eq!(fields.len(), FEATURES + 1, "line {line:?}");
            let label = fields[0].parse().expect("integer label");
            let mut x = [0.0; FEATURES];
            for (xf, field) in x.iter_mut().zip(&fields[1..]) {
                *xf = field.parse().expect("decimal feature");
            }
            (label, x)
        })
        .collect()
}

/// The reference preprocessing of the reference optimum: mean and population standard deviation
/// in f64 over all rows, the result rounded to f32.
fn reference_features() -> Vec<[f32; FEATURES]> {
    let rows = &iris_data::FEATURES;
    let n = rows.len() as f64;
    let mut mean = [0.0_f64; FEATURES];
    let mut var = [0.0_f64; FEATURES];
    for row in rows {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += f64::from(x) / n;
        }
    }
    for row in rows {
        for ((v, &m), &x) in var.iter_mut().zip(&mean).zip(row) {
            *v += (f64::from(x) - m).powi(2) / n;
        }
    }
    rows.iter()
        .map(|row| {
            let mut out = [0.0_f32; FEATURES];
            for (f, o) in out.iter_mut().enumerate() {
                let sd = if var[f] > 0.0 { var[f].sqrt() } else { 1.0 };
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "rounding to f32 is part of the reference preprocessing"
                )]
                let rounded = ((f64::from(row[f]) - mean[f]) / sd) as f32;
                *o = rounded;
            }
            out
        })
        .collect()
}

/// The objective P of the (f32) model on the given features, evaluated in f64.
fn objective_f64(outcome: &Outcome, features: &[[f32; FEATURES]]) -> f64 {
    let (w, b) = (outcome.model.weights(), outcome.model.bias());
    let mut total = 0.0;
    for (x, &label) in features.iter().zip(&iris_data::LABELS) {
        let z: Vec<f64> = (0..CLASSES)
            .map(|c| {
                let dot: f64 = (0..FEATURES)
                    .map(|f| f64::from(w[c][f]) * f64::from(x[f]))
                    .sum();
                dot + f64::from(b[c])
            })
            .collect();
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + z.iter().map(|zc| (zc - max).exp()).sum::<f64>().ln();
        total += lse - z[usize::from(label)];
    }
    let norm: f64 = w
        .iter()
        .flatten()
        .chain(b)
        .map(|&v| f64::from(v).powi(2))
        .sum();
    total / features.len() as f64 + f64::from(LAMBDA) / 2.0 * norm
}

fn train_iris() -> Outcome {
    let mut samples =
        recipe::standardize(&iris_data::FEATURES, &iris_data::LABELS).expect("iris standardises");
    recipe::train(&mut samples).expect("iris trains")
}

#[test]
fn generated_iris_data_is_the_csv() {
    let csv = iris_csv();
    assert_eq!(csv.len(), iris_data::ROWS);
    for (i, (label, x)) in csv.iter().enumerate() {
        assert_eq!(*label, iris_data::LABELS[i], "label of row {i}");
        let bits = x.map(f32::to_bits);
        assert_eq!(bits, iris_data::FEATURES[i].map(f32::to_bits), "row {i}");
    }
}

#[test]
fn iris_recipe_reaches_the_reference_optimum() {
    let outcome = train_iris();
    println!(
        "firmware-parity iris accuracy {} objective {} gap {:e}",
        outcome.accuracy, outcome.objective, outcome.gap
    );
    println!(
        "firmware-parity iris fingerprint {:016x}",
        outcome.model.fingerprint()
    );
    assert!(outcome.passes(), "{outcome:?}");
    assert_certified_against_reference(&outcome);
}

/// Asserts that P − P* against the independent reference optimum is within the outcome's
/// certified gap, allowing for the difference between the device's features and the
/// reference's.
fn assert_certified_against_reference(outcome: &Outcome) {
    // The certificate against the independent reference. It bounds P − P* for the problem on the
    // device's features (f32 Welford); P* belongs to the reference features (f64 statistics,
    // rounded to f32). Moving every feature by at most Δ moves each logit by at most ‖W_c‖₁·Δ and
    // each cross-entropy by at most 2·max_c ‖W_c‖₁·Δ (‖∂CE/∂z‖₁ ≤ 2), for this model and for the
    // device optimum, whose rows are within `distance` (Euclidean) of this model's.
    let reference = reference_features();
    let delta = samples_delta(&reference);
    let row_l1 = outcome
        .model
        .weights()
        .iter()
        .map(|row| row.iter().map(|&v| f64::from(v).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let optimum_row_l1 = row_l1 + (FEATURES as f64).sqrt() * f64::from(outcome.distance);
    let shift = 2.0 * (row_l1 + optimum_row_l1) * delta;
    let p_reference = objective_f64(outcome, &reference);
    assert!(
        p_reference >= P_STAR - P_STAR_ACCURACY,
        "{p_reference} < P* = {P_STAR}"
    );
    let excess = p_reference - P_STAR;
    let bound = f64::from(outcome.gap) + shift;
    assert!(
        excess.is_finite() && excess <= bound,
        "P − P* = {excess:e} exceeds the certified {bound:e} (Δ = {delta:e})"
    );
}

/// The `lbfgs` firmware's Newton-CG run on the host: the same data, objective, tolerance and
/// budget as L-BFGS's. Every core must print the same `newton` line; `.ci/run` also compares
/// the lines (and the model's fingerprint) of the portable, `std` and native builds.
#[test]
fn iris_newton_is_certified() {
    let samples =
        recipe::standardize(&iris_data::FEATURES, &iris_data::LABELS).expect("iris standardises");
    let mut probabilities = [[0.0_f32; CLASSES]; iris_data::ROWS];
    let (model, report) =
        full_batch::solve_newton(&samples, &mut probabilities).expect("iris solves");
    println!(
        "firmware-parity lbfgs newton {}",
        full_batch::summary(&report)
    );
    println!(
        "firmware-parity newton fingerprint {:016x}",
        model.fingerprint()
    );
    assert!(report.certified && report.iterations <= 16, "{report}");
    let outcome = full_batch::outcome(model, &report, &samples);
    assert!(outcome.passes(), "{outcome:?}");
    assert_certified_against_reference(&outcome);
    // The probabilities left in the buffer are a distribution for every sample.
    for p in &probabilities {
        let total: f32 = p.iter().sum();
        assert!((total - 1.0).abs() <= 1e-6, "{p:?}");
    }
}

/// The `lbfgs` firmware's computation on the host: L-BFGS from the zero model to a certified
/// relative gap, and the accelerated gradient method to the same. Every core must print the
/// same `solved` and `accelerated` lines (iterations, bits of the objective and the gap) and
/// the same fingerprint.
#[test]
fn iris_lbfgs_is_certified() {
    let samples =
        recipe::standardize(&iris_data::FEATURES, &iris_data::LABELS).expect("iris standardises");
    let (model, report) = full_batch::solve(&samples).expect("iris solves");
    println!(
        "firmware-parity lbfgs solved {}",
        full_batch::summary(&report)
    );
    println!(
        "firmware-parity lbfgs fingerprint {:016x}",
        model.fingerprint()
    );
    let c = report.certificate;
    assert!(report.certified, "{report}");
    // What `certified` means for a relative tolerance: gap ≤ ε·(P − gap) ≤ ε·P*.
    assert!(c.gap.is_finite() && c.gap <= full_batch::TOLERANCE * (c.objective - c.gap));
    assert!(report.iterations < full_batch::MAX_ITERATIONS);
    let outcome = full_batch::outcome(model, &report, &samples);
    assert!(outcome.passes(), "{outcome:?}");
    assert_certified_against_reference(&outcome);
    // The L-BFGS point is the better one: its certified gap is below the SGD recipe's.
    assert!(outcome.gap < train_iris().gap, "{report}");

    let (accelerated_model, accelerated) =
        full_batch::solve_accelerated(&samples).expect("iris solves");
    println!(
        "firmware-parity lbfgs accelerated {}",
        full_batch::summary(&accelerated)
    );
    assert!(accelerated.certified, "{accelerated}");
    assert!(accelerated.iterations < full_batch::MAX_ITERATIONS);
    let accelerated_outcome = full_batch::outcome(accelerated_model, &accelerated, &samples);
    assert!(accelerated_outcome.passes(), "{accelerated_outcome:?}");
    assert_certified_against_reference(&accelerated_outcome);
    // Both points are within their certified distances of the same optimum.
    let flat = |m: &tinysoftmax::Classifier<FEATURES, CLASSES>| -> Vec<f64> {
        let (w, b) = (m.weights(), m.bias());
        w.iter().flatten().chain(b).map(|&v| f64::from(v)).collect()
    };
    let between = flat(&outcome.model)
        .iter()
        .zip(flat(&accelerated_outcome.model))
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let apart = f64::from(outcome.distance) + f64::from(accelerated_outcome.distance);
    assert!(
        between.is_finite() && between <= apart,
        "{between} > {apart}"
    );
}

/// Largest difference between the device's standardised features and the reference ones.
fn samples_delta(reference: &[[f32; FEATURES]]) -> f64 {
    let device =
        recipe::standardize(&iris_data::FEATURES, &iris_data::LABELS).expect("iris standardises");
    device
        .iter()
        .zip(reference)
        .flat_map(|(s, r)| s.features.iter().zip(r))
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).abs())
        .fold(0.0, f64::max)
}

/// The quantised model of the trained iris model: what the firmware prints about it, and its
/// fingerprint, which every firmware must reproduce (quantisation in f64 is bit-exact too).
#[test]
fn iris_quantized_agrees() {
    let outcome = train_iris();
    let standardizer = recipe::fit(&iris_data::FEATURES).expect("iris standardises");
    let c = quantized::compare(
        &outcome.model,
        &standardizer,
        &iris_data::FEATURES,
        &iris_data::LABELS,
    )
    .expect("iris quantises");
    println!(
        "firmware-parity iris quantized agreement {}/{} certified {}/{} correct {}/{}",
        c.agree, c.total, c.certified, c.total, c.correct, c.total
    );
    println!(
        "firmware-parity iris quantized fingerprint {:016x}",
        c.model.fingerprint()
    );
    assert!(c.passes(), "{c:?}");
    // The readings are the data's millimetres exactly.
    for x in iris_data::FEATURES.iter().flatten() {
        assert_eq!(f32::from(quantized::reading(*x)) / 10.0, *x);
    }
}

#[test]
fn online_stream_learns() {
    let mut printed = Vec::new();
    let (model, curve) = online::run(|n, accuracy| printed.push((n, accuracy))).expect("learns");
    println!(
        "firmware-parity online final accuracy {} ceiling {}",
        curve.last(),
        curve.ceiling
    );
    println!(
        "firmware-parity online fingerprint {:016x}",
        model.fingerprint()
    );
    // The callback saw exactly the curve that was returned.
    assert_eq!(printed.len(), online::POINTS);
    for (i, &(n, accuracy)) in printed.iter().enumerate() {
        assert_eq!((n, accuracy), (curve.arrivals[i], curve.accuracy[i]));
    }
    // The untrained model predicts class 0 everywhere: about 1/3 of a uniform stream.
    assert!(curve.accuracy[0] <= 0.5, "{curve:?}");
    assert!(curve.passes(), "{curve:?}");
}

/// The `resume` firmware's path on the host: train, save a checkpoint at each of
/// `resume::SAVE_AT`, keep only the encoded bytes of the last, decode them as the next boot
/// does, and finish. The weights must be those of the uninterrupted run, and the checkpoint's
/// CRC (printed) must be the one the firmware computes: the encoding is the same on every core.
#[test]
fn resumed_iris_run_matches_the_uninterrupted_one() {
    let (raw, labels) = (&iris_data::FEATURES, &iris_data::LABELS);
    let mut bytes = [0_u8; resume::IrisCheckpoint::ENCODED_LEN];
    {
        let mut samples = recipe::standardize(raw, labels).expect("standardises");
        let mut run = resume::Run::start(raw, labels, &mut samples).expect("starts");
        for epoch in resume::SAVE_AT {
            run.train_to(epoch).expect("trains");
            run.checkpoint().encode(&mut bytes).expect("encodes");
        }
    } // the run is gone: only the bytes survive, as across a reset
    let crc = u32::from_le_bytes(
        bytes[bytes.len() - CHECKSUM_LEN..]
            .try_into()
            .expect("4 bytes"),
    );
    println!(
        "firmware-parity resume checkpoint {} bytes crc {crc:08x}",
        bytes.len()
    );
    let checkpoint = resume::IrisCheckpoint::decode(&bytes).expect("decodes");
    let mut samples = recipe::standardize(raw, labels).expect("standardises");
    let resumed = resume::Run::resume(raw, labels, checkpoint, &mut samples).expect("resumes");
    assert_eq!(resumed.epochs(), resume::SAVE_AT[1]);
    let outcome = resumed.finish().expect("finishes");
    println!(
        "firmware-parity resume fingerprint {:016x}",
        outcome.model.fingerprint()
    );
    assert_eq!(
        outcome.model.fingerprint(),
        train_iris().model.fingerprint()
    );
    assert!(outcome.passes(), "{outcome:?}");

    // A checkpoint whose generator state is not the one its step count implies is refused.
    let mut other = resume::IrisCheckpoint::decode(&bytes).expect("decodes");
    other.rng = tinysoftmax::SplitMix64::new(1);
    assert!(resume::Run::resume(raw, labels, other, &mut samples).is_err());
}

/// The `predict` firmware's computation on the host: the host tool's model (its fingerprint is
/// what `tinysoftmax train` printed) and the hash of all its probabilities, which every core
/// must reproduce.
#[test]
fn host_trained_model_predicts() {
    let (accuracy, hash) = predict::evaluate();
    println!("firmware-parity predict accuracy {accuracy} probabilities {hash:016x}");
    println!(
        "firmware-parity predict fingerprint {:016x}",
        iris_model::MODEL.fingerprint()
    );
    assert!(accuracy >= predict::MIN_ACCURACY, "{accuracy}");
    let (fingerprint, sk_accuracy) = predict::sklearn().expect("the checkpoint decodes");
    println!("firmware-parity predict sklearn {fingerprint:016x} accuracy {sk_accuracy}");
    assert!(sk_accuracy >= predict::MIN_ACCURACY, "{sk_accuracy}");
}
