//! The quantised model against the float model it came from: the bound B(r) of `quant` (steps
//! 3 to 5 of its module docs) on adversarial and random models and readings, a proof that the
//! checker can fail, and the measurements on iris and digits.
//!
//! The reference logit z_c(r) = Σ_f W_cf·(s·r_f − μ_f)/σ_f + b_c (exact arithmetic on the float
//! parameters) is computed in f64 as Σ_f (W_cf·(s/σ_f))·r_f + (b_c − Σ_f W_cf·μ_f/σ_f): at most
//! three roundings per term and a sum of 2F + 1 terms, so it is within
//! `ALLOWANCE_FACTOR`·(2F + 5)·u·Σ|terms| of z_c (u = 2⁻⁵³; Higham's γ, rounded up). Every
//! comparison with the bound adds that allowance, which is below 10⁻¹⁰ of B in every case here.
//!
//! The float model as the host computes it in f32 differs from z by its own rounding: the raw
//! feature fl(s·r), the standardisation (two more roundings) and a dot product of F terms plus
//! the bias, so |ẑ_c − z_c| ≤ Σ_f |W_cf|·u₃₂(|s r_f| + 2|s r_f − μ_f|)/σ_f·(1 + 3u₃₂) +
//! γ_{F+1}(Σ_f |W_cf x̂_f| + |b_c|), u₃₂ = 2⁻²⁴ (`f32_error`).
//!
//! The digits cases take seconds in release and minutes in debug builds: they are ignored in
//! debug builds and run with `cargo test --release --test quantized`.

#![expect(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::needless_range_loop,
    reason = "test code: a failed unwrap is the failure report; readings are rounded and \
              wrapped on purpose; the reference formulas read best with indices"
)]

#[path = "../examples/common/dataset.rs"]
mod dataset;

use tinysoftmax::quant::{Quantized, Weight};
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{Classifier, Objective, Sample, SplitMix64, Standardizer};

const U64: f64 = 1.0 / 9_007_199_254_740_992.0; // 2⁻⁵³
const U32: f64 = 1.0 / 16_777_216.0; // 2⁻²⁴
/// γ_n = n·u/(1 − n·u) ≤ 1.01·n·u for every n·u here (below 10⁻⁹).
const ALLOWANCE_FACTOR: f64 = 1.01;

/// A float model with the standardiser it was trained with and its input scale.
struct Float<const F: usize, const C: usize> {
    model: Classifier<F, C>,
    standardizer: Standardizer<F>,
    scale: f32,
}

impl<const F: usize, const C: usize> Float<F, C> {
    fn quantize<W: Weight>(&self) -> Quantized<F, C, W> {
        Quantized::new(&self.model, &self.standardizer, self.scale).unwrap()
    }

    /// The reference logits z_c(r) and their allowance (module docs).
    fn reference(&self, r: &[i16; F]) -> ([f64; C], [f64; C]) {
        let s = f64::from(self.scale);
        let mean = self.standardizer.mean().map(f64::from);
        let sigma = self.standardizer.scale().map(f64::from);
        let rows = self.model.weights();
        let mut z = [0.0; C];
        let mut allowance = [0.0; C];
        for c in 0..C {
            let mut sum = f64::from(self.model.bias()[c]);
            let mut mass = sum.abs();
            for f in 0..F {
                let w = f64::from(rows[c][f]);
                let term = w * (s / sigma[f]) * f64::from(r[f]);
                let offset = w * mean[f] / sigma[f];
                sum += term - offset;
                mass += term.abs() + offset.abs();
            }
            z[c] = sum;
            allowance[c] = ALLOWANCE_FACTOR * (2 * F + 5) as f64 * U64 * mass;
        }
        (z, allowance)
    }

    /// The float model's prediction as computed in f32 on the raw features s·r, its logits,
    /// and a bound on their distance from the exact z (module docs).
    fn computed(&self, r: &[i16; F]) -> (usize, [f32; C], f64) {
        let raw = r.map(|v| f32::from(v) * self.scale);
        let x = self.standardizer.transform(&raw);
        let z = self.model.logits(&x);
        let (mean, sigma) = (self.standardizer.mean(), self.standardizer.scale());
        let rows = self.model.weights();
        let mut worst = 0.0_f64;
        for c in 0..C {
            let mut dot = f64::from(self.model.bias()[c]).abs();
            let mut input = 0.0;
            for f in 0..F {
                let w = f64::from(rows[c][f]).abs();
                let sr = f64::from(self.scale) * f64::from(r[f]);
                let dx =
                    U32 * (sr.abs() + 2.0 * (sr - f64::from(mean[f])).abs()) / f64::from(sigma[f]);
                input += w * dx * (1.0 + 3.0 * U32);
                dot += w * f64::from(x[f]).abs();
            }
            let gamma = ALLOWANCE_FACTOR * (F + 1) as f64 * U32;
            worst = worst.max(input + gamma * dot);
        }
        (self.model.predict(&x).index(), z, worst)
    }
}

/// Index of the largest entry and its lead over the runner-up.
fn top<T: Copy + Into<f64>, const C: usize>(z: &[T; C]) -> (usize, f64) {
    let z = z.map(Into::into);
    let k = (0..C).fold(0, |k, c| if z[c] > z[k] { c } else { k });
    let second = (0..C)
        .filter(|&c| c != k)
        .map(|c| z[c])
        .fold(f64::NEG_INFINITY, f64::max);
    (k, z[k] - second)
}

/// Largest |2^P·S_c − z_c| − allowance over the classes, and B(r).
fn error_and_bound<const F: usize, const C: usize, W: Weight>(
    float: &Float<F, C>,
    q: &Quantized<F, C, W>,
    r: &[i16; F],
) -> (f64, f64) {
    let (z, allowance) = float.reference(r);
    let s = q.logits(r);
    let step = q.logit_step();
    let error = (0..C)
        .map(|c| (step * f64::from(s[c]) - z[c]).abs() - allowance[c])
        .fold(f64::NEG_INFINITY, f64::max);
    (error, q.bound(r))
}

fn uniform(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / 9_007_199_254_740_992.0
}

fn sign(rng: &mut SplitMix64) -> f64 {
    if rng.next_u64() & 1 == 0 { 1.0 } else { -1.0 }
}

/// A model whose folded weights sit just beside a rounding midpoint of their step (identity
/// standardiser, scale 1): (k + ½ ∓ 2⁻⁸)·2^{p_f} with feature steps 2^{p_f}, p_f = −6 … −3,
/// one weight per feature at 126.5 − 2⁻⁸ so that the step is the natural one; the bias beside
/// a midpoint of the logit step 2⁻⁶.
fn midpoint_model<const F: usize, const C: usize>(rng: &mut SplitMix64) -> Float<F, C> {
    let mut rows = [[0.0_f32; F]; C];
    for f in 0..F {
        let p = if f == 0 { -6 } else { -6 + rng.below(4) as i32 };
        let big = rng.below(C as u32) as usize;
        for (c, row) in rows.iter_mut().enumerate() {
            let k = if c == big {
                126.0 * sign(rng)
            } else {
                f64::from(rng.below(251)) - 125.0
            };
            let v = (k + 0.5 - sign(rng) / 256.0) * 2.0_f64.powi(p);
            row[f] = v as f32; // exact: 16 significant bits
        }
    }
    let bias = [0.0_f32; C].map(|_| {
        let k = f64::from(rng.below(2001)) - 1000.0;
        ((k + 0.5 - sign(rng) / 256.0) / 64.0) as f32
    });
    Float {
        model: Classifier::new(rows, bias),
        standardizer: Standardizer::new(),
        scale: 1.0,
    }
}

/// A random model over many scales: weights log-uniform in 2^±12 with a per-feature scale in
/// 2^±10, a standardiser fitted on readings with random offsets and spreads, a random input
/// scale in 2^±8.
fn random_model<const F: usize, const C: usize>(rng: &mut SplitMix64) -> Float<F, C> {
    let feature_scale = [0.0_f64; F].map(|_| 2.0_f64.powf(20.0 * uniform(rng) - 10.0));
    let rows = [[0.0_f32; F]; C].map(|row| {
        let mut out = row;
        for (w, &g) in out.iter_mut().zip(&feature_scale) {
            *w = (sign(rng) * g * 2.0_f64.powf(24.0 * uniform(rng) - 12.0)) as f32;
        }
        out
    });
    let bias = [0.0_f32; C].map(|_| (sign(rng) * 100.0 * uniform(rng)) as f32);
    let offset = [0.0_f64; F].map(|_| sign(rng) * 1e3 * uniform(rng));
    let spread = [0.0_f64; F].map(|_| 2.0_f64.powf(16.0 * uniform(rng) - 8.0));
    let mut standardizer = Standardizer::new();
    for _ in 0..20 {
        let mut x = [0.0_f32; F];
        for f in 0..F {
            x[f] = (offset[f] + spread[f] * (uniform(rng) - 0.5)) as f32;
        }
        standardizer.update(&x).unwrap();
    }
    let scale = 2.0_f64.powf(16.0 * uniform(rng) - 8.0) as f32;
    Float {
        model: Classifier::new(rows, bias),
        standardizer,
        scale,
    }
}

/// Readings that push class c's error up: ±2¹⁵ with the sign of each weight's rounding error
/// V_cf − 2^{p_f}·q_cf (computed in f64; a wrong sign only weakens the attack).
fn adversarial<const F: usize, const C: usize, W: Weight>(
    float: &Float<F, C>,
    q: &Quantized<F, C, W>,
    c: usize,
) -> [i16; F] {
    let s = f64::from(float.scale);
    let sigma = float.standardizer.scale();
    let (row, stored) = (float.model.weights()[c], q.weights()[c]);
    let mut r = [0_i16; F];
    for f in 0..F {
        let v = f64::from(row[f]) * (s / f64::from(sigma[f]));
        let step = q.logit_step() * 2.0_f64.powi(i32::from(q.shifts()[f]));
        let q_cf = f64::from(stored[f].into());
        r[f] = if v - step * q_cf >= 0.0 {
            i16::MAX
        } else {
            i16::MIN
        };
    }
    r
}

fn random_reading<const F: usize>(rng: &mut SplitMix64) -> [i16; F] {
    [0_i16; F].map(|_| match rng.below(4) {
        0 => i16::MIN,
        1 => i16::MAX,
        2 => (rng.below(201) as i32 - 100) as i16,
        _ => (rng.next_u64() >> 48) as u16 as i16,
    })
}

/// The largest error/bound ratio over adversarial and random readings of `float`; fails (with
/// the offending numbers) if `bound` is ever exceeded.
fn check<const F: usize, const C: usize>(
    float: &Float<F, C>,
    rng: &mut SplitMix64,
    bound: impl Fn(&Quantized<F, C>, &[i16; F]) -> f64,
) -> Result<f64, String> {
    let q: Quantized<F, C> = float.quantize();
    let mut readings: Vec<[i16; F]> = (0..C).map(|c| adversarial(float, &q, c)).collect();
    readings.extend((0..20).map(|_| random_reading(rng)));
    let mut worst = 0.0_f64;
    for r in &readings {
        let (error, _) = error_and_bound(float, &q, r);
        let b = bound(&q, r);
        if !(error.is_finite() && error <= b) {
            return Err(format!("error {error:e} exceeds bound {b:e} at r = {r:?}"));
        }
        worst = worst.max(error / b);
    }
    Ok(worst)
}

/// A bound on the error of the midpoint models' logits.
type Bound = fn(&Quantized<8, 4>, &[i16; 8]) -> f64;

fn bound_of(q: &Quantized<8, 4>, r: &[i16; 8]) -> f64 {
    q.bound(r)
}

/// Step 4: the bound is never exceeded, and the midpoint family comes within 1 % of it.
#[test]
fn bound_holds_on_adversarial_inputs() {
    fn many<const F: usize, const C: usize>(rng: &mut SplitMix64) -> f64 {
        (0..40)
            .map(|_| check(&random_model::<F, C>(rng), rng, Quantized::bound).unwrap())
            .fold(0.0, f64::max)
    }
    let mut rng = SplitMix64::new(0x0B0D);
    let mut closest = 0.0_f64;
    for _ in 0..100 {
        let float = midpoint_model::<8, 4>(&mut rng);
        closest = closest.max(check(&float, &mut rng, bound_of).unwrap());
    }
    println!("midpoint models: largest error / B = {closest:.5}");
    assert!(closest >= 0.99, "the attack reached only {closest} of B");

    let ratios = [
        many::<3, 2>(&mut rng),
        many::<17, 5>(&mut rng),
        many::<64, 10>(&mut rng),
    ];
    println!("random models: largest error / B = {ratios:?}");
    assert!(ratios.iter().all(|&x| x > 0.0 && x <= 1.0));
}

/// The checker fails on wrong bounds: one that forgets the feature shifts (B as if every
/// feature had the logit step), and one 10 % too small.
#[test]
fn planted_bounds_are_caught() {
    fn without_shifts(q: &Quantized<8, 4>, r: &[i16; 8]) -> f64 {
        let t: f64 = r.iter().map(|&v| f64::from(v).abs()).sum();
        q.logit_step() / 2.0 * (t + 2.0)
    }
    fn too_small(q: &Quantized<8, 4>, r: &[i16; 8]) -> f64 {
        0.9 * q.bound(r)
    }
    let planted: [(&str, Bound); 2] = [("without shifts", without_shifts), ("0.9 B", too_small)];
    for (name, bound) in planted {
        let mut rng = SplitMix64::new(0x0B0D);
        let caught = (0..100).any(|_| check(&midpoint_model(&mut rng), &mut rng, bound).is_err());
        assert!(caught, "the checker accepted the planted bound '{name}'");
    }
}

/// Step 3: at the extreme readings each integer logit equals its value computed in i64, so no
/// sum wrapped.
#[test]
fn no_reading_overflows() {
    fn exact<const F: usize, const C: usize>(q: &Quantized<F, C>, r: &[i16; F]) -> [i64; C] {
        let (rows, shifts, bias) = (q.weights(), q.shifts(), q.bias());
        let mut z = [0_i64; C];
        for c in 0..C {
            z[c] = i64::from(bias[c]);
            for f in 0..F {
                z[c] += i64::from(rows[c][f]) * (i64::from(r[f]) << shifts[f]);
            }
        }
        z
    }
    let mut rng = SplitMix64::new(7);
    let mut largest = 0_i64;
    for _ in 0..200 {
        let float = random_model::<17, 5>(&mut rng);
        let q: Quantized<17, 5> = float.quantize();
        for c in 0..5 {
            for direction in [1_i32, -1] {
                let r = q.weights()[c].map(|w| {
                    if i32::from(w) * direction >= 0 {
                        i16::MAX
                    } else {
                        i16::MIN
                    }
                });
                let want = exact(&q, &r);
                assert_eq!(q.logits(&r).map(i64::from), want);
                largest = largest.max(want[c].abs());
            }
        }
    }
    println!(
        "largest |S_c| at an extreme reading: {largest} (i32::MAX = {})",
        i32::MAX
    );
    assert!(
        largest > i64::from(i32::MAX) / 4,
        "the extremes never came near the limit"
    );
}

/// Step 5: a certified prediction is the float model's exact argmax, and the quantised
/// prediction is the exact argmax whenever the exact margin exceeds 2·B.
#[test]
fn certified_predictions_agree() {
    let mut rng = SplitMix64::new(0x5EED);
    let (mut certified, mut by_margin, mut total) = (0, 0, 0);
    for _ in 0..200 {
        let float = random_model::<6, 3>(&mut rng);
        let q: Quantized<6, 3> = float.quantize();
        for _ in 0..20 {
            // Small readings, where margins are comparable with the bound.
            let r = [0_i16; 6].map(|_| (rng.below(2001) as i32 - 1000) as i16);
            let (z, allowance) = float.reference(&r);
            let slack = 2.0 * allowance.iter().copied().fold(0.0, f64::max);
            let (k, margin) = top(&z);
            let (label, proved) = q.predict_certified(&r);
            total += 1;
            if proved {
                certified += 1;
                let lead = (0..3)
                    .filter(|&j| j != label.index())
                    .map(|j| z[label.index()] - z[j]);
                assert!(
                    lead.fold(f64::INFINITY, f64::min) > -slack,
                    "r = {r:?}, z = {z:?}"
                );
            }
            if margin > 2.0 * q.bound(&r) + slack {
                by_margin += 1;
                assert_eq!(q.predict(&r).index(), k, "r = {r:?}, z = {z:?}");
            }
        }
    }
    println!("certified on the device {certified} / {total}, by the exact margin {by_margin}");
    assert!(
        certified > total / 10 && certified < total,
        "a vacuous test"
    );
    assert!(
        by_margin > total / 10 && by_margin < total,
        "a vacuous test"
    );
}

/// What the data sets measure for one weight type.
struct Measured {
    agree: usize,
    certified_device: usize,
    certified_margin: usize,
    correct_float: usize,
    correct_quantized: usize,
    total: usize,
    mean_bound: f64,
    fingerprint: u64,
}

impl Measured {
    fn fraction(count: usize, total: usize) -> f64 {
        count as f64 / total as f64
    }

    fn print(&self, name: &str, weights: &str, bytes: usize) {
        let n = self.total;
        println!(
            "quantized {name} {weights}: agreement {}/{n} ({:.2} %), certified on the device \
             {}/{n} ({:.2} %), certified by the f32 margin {}/{n} ({:.2} %), accuracy float \
             {:.4} quantized {:.4}, mean B {:.4}, model {bytes} bytes, fingerprint {:016x}",
            self.agree,
            100.0 * Self::fraction(self.agree, n),
            self.certified_device,
            100.0 * Self::fraction(self.certified_device, n),
            self.certified_margin,
            100.0 * Self::fraction(self.certified_margin, n),
            Self::fraction(self.correct_float, n),
            Self::fraction(self.correct_quantized, n),
            self.mean_bound,
            self.fingerprint,
        );
    }
}

/// Quantises `float` with weights `W` and compares it with the f32 float model on `data`.
/// Asserts the theorem on every sample: where the computed float margin exceeds 2(B + E), or
/// the device certifies, the two predictions agree.
fn measure<const F: usize, const C: usize, W: Weight>(
    float: &Float<F, C>,
    data: &[([i16; F], usize)],
) -> Measured {
    let q: Quantized<F, C, W> = float.quantize();
    let mut m = Measured {
        agree: 0,
        certified_device: 0,
        certified_margin: 0,
        correct_float: 0,
        correct_quantized: 0,
        total: data.len(),
        mean_bound: 0.0,
        fingerprint: q.fingerprint(),
    };
    for (r, label) in data {
        let (float_label, z, e) = float.computed(r);
        let (label_q, proved) = q.predict_certified(r);
        let b = q.bound(r);
        let (_, margin) = top(&z);
        let agree = label_q.index() == float_label;
        if margin > 2.0 * (b + e) {
            m.certified_margin += 1;
            assert!(agree, "certified by the margin but not agreeing: r = {r:?}");
        }
        if proved {
            m.certified_device += 1;
            // The device's certificate proves agreement with the exact float model; the f32
            // one may differ from it only if its margin is within its rounding error.
            assert!(
                agree || margin <= 2.0 * e,
                "certified but not agreeing: r = {r:?}"
            );
        }
        m.agree += usize::from(agree);
        m.correct_float += usize::from(float_label == *label);
        m.correct_quantized += usize::from(label_q.index() == *label);
        m.mean_bound += b / data.len() as f64;
    }
    m
}

/// Fits a standardiser on the raw features (Welford, f32, as on a device), trains on the
/// standardised samples to a certified relative gap of 1e-6, and returns the readings.
fn trained<const F: usize, const C: usize>(
    csv: &str,
    lambda: f32,
    scale: f32,
) -> (Float<F, C>, Vec<([i16; F], usize)>) {
    let rows = dataset::parse::<F, C>(csv);
    let readings: Vec<([i16; F], usize)> = rows
        .iter()
        .map(|(x, y)| (x.map(|v| (v / f64::from(scale)).round() as i16), y.index()))
        .collect();
    let raw = |r: &[i16; F]| r.map(|v| f32::from(v) * scale);
    let mut standardizer = Standardizer::new();
    for (r, _) in &readings {
        standardizer.update(&raw(r)).unwrap();
    }
    let samples: Vec<Sample<F, C>> = rows
        .iter()
        .zip(&readings)
        .map(|((_, y), (r, _))| Sample::new(standardizer.transform(&raw(r)), *y))
        .collect();
    let mut model = Classifier::zeros();
    let stop = Stop {
        tolerance: Tolerance::Relative(1e-6),
        max_iterations: 20_000,
    };
    let report = minimize(&mut model, &samples, &Objective::new(lambda).unwrap(), stop).unwrap();
    assert!(report.certified, "{report}");
    let float = Float {
        model,
        standardizer,
        scale,
    };
    (float, readings)
}

/// iris: readings in millimetres (s = 0.1 cm), λ = 0.01.
#[test]
fn iris_agreement() {
    let (float, data) = trained::<4, 3>(dataset::IRIS_CSV, 0.01, 0.1);
    let m8 = measure::<4, 3, i8>(&float, &data);
    m8.print("iris", "i8", size_of::<Quantized<4, 3, i8>>());
    let m16 = measure::<4, 3, i16>(&float, &data);
    m16.print("iris", "i16", size_of::<Quantized<4, 3, i16>>());
    assert!(
        m8.agree * 100 >= 99 * m8.total,
        "iris agreement {}",
        m8.agree
    );
}

/// digits: readings are the pixel counts 0 … 16 (s = 1), λ = 0.01. Targets: agreement ≥ 99 %
/// with `i8` weights and a model of at most 800 bytes.
#[test]
#[cfg_attr(debug_assertions, ignore = "slow in debug; run with --release")]
fn digits_agreement() {
    let (float, data) = trained::<64, 10>(dataset::DIGITS_CSV, 0.01, 1.0);
    let m8 = measure::<64, 10, i8>(&float, &data);
    let bytes = size_of::<Quantized<64, 10, i8>>();
    m8.print("digits", "i8", bytes);
    let m16 = measure::<64, 10, i16>(&float, &data);
    m16.print("digits", "i16", size_of::<Quantized<64, 10, i16>>());
    println!(
        "quantized digits: mean B with i16 weights / with i8 weights = {:.3}",
        m16.mean_bound / m8.mean_bound
    );
    assert!(
        m8.agree * 100 >= 99 * m8.total,
        "digits agreement {}",
        m8.agree
    );
    assert!(bytes <= 800);
}
