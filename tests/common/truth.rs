//! Problems whose optimum is known in closed form, and lower bounds on the true gap and
//! distance of a model on them: the reference of `tests/certificate_soundness.rs` and of the
//! certificate fuzz target (`fuzz/`).
//!
//!
//! Two problem families have an optimum known in closed form, so the truth is exact:
//!
//! - **penalty only**: every sample's label has class weight 0, so P(θ) = (λ/2)‖θ‖², θ* = 0,
//!   P* = 0; the true gap is (λ/2)‖θ‖² and the true distance ‖θ‖.
//! - **symmetric data**: every feature vector x_j (j = 1..k) appears once with every label, all
//!   class weights equal w, any label smoothing ε. Averaged over the labels of one x_j the
//!   (smoothed) loss is w·(lse(z_j) − mean_c z_jc) ≥ w·ln C, with equality where the logits are
//!   equal, so θ* = 0 (the penalty picks it among the minimisers of the data term),
//!   P* = w·ln C, the true distance is ‖θ‖ and the true gap is
//!   (w/k)·Σ_j (lse(z_j) − mean z_j − ln C) + (λ/2)‖θ‖².
//!
//! The truth is computed in f64 from the exact (widened) parameters; [`Truth`] returns lower
//! bounds on the true gap and distance, from this error model (u = 2⁻⁵³, ω = 2⁻¹⁰⁷⁴, d = C(F + 1)):
//! ‖θ‖ from a scaled sum of d squares, within (d + 4)u of its value and ω absolute; the penalty
//! (λ‖θ‖)·‖θ‖/2 within (d + 8)u and 2ω; each logit, a sum of F + 1 products, within γ_{F+1} of
//! Σ|terms| plus Fω/2 (products of f64 values can underflow); lse(z) − mean z − ln C moves by at
//! most 2 per unit of logit error (its gradient p − 1/C has ℓ1 norm ≤ 2) and its own evaluation
//! (a shift, C exponentials within 1 ULP, a sum, a logarithm) is within 8u of
//! |max z| + |mean z| + ln C + 1 (+ ω per term). For f32 models every value is widened exactly
//! and nothing in f64 underflows, so these terms are below 1e-15 of the truth.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "each includer uses a part; a failed unwrap is the failure report"
)]

use tinysoftmax::convex::Certificate;
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::{Classifier, Float, Label, Sample};

/// The unit roundoff of f64, 2⁻⁵³.
pub const U64: f64 = f64::EPSILON / 2.0;
/// The smallest positive f64 (subnormal).
pub const OMEGA64: f64 = f64::from_bits(1);

pub fn gamma(k: f64) -> f64 {
    k * U64 / (1.0 - k * U64)
}

/// ‖v‖ in f64, scaled so that no square underflows or overflows.
pub fn norm(v: &[f64]) -> f64 {
    let scale = v.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    if scale == 0.0 {
        return 0.0;
    }
    scale
        * v.iter()
            .map(|x| (x / scale) * (x / scale))
            .sum::<f64>()
            .sqrt()
}

pub fn flat<const F: usize, const C: usize, T: Float>(m: &Classifier<F, C, T>) -> Vec<f64> {
    let mut v: Vec<f64> = m.weights().iter().flatten().map(|w| w.to_f64()).collect();
    v.extend(m.bias().iter().map(|b| b.to_f64()));
    v
}

/// Lower bounds on the true gap P(θ) − P* and the true distance ‖θ − θ*‖ (file docs).
#[derive(Debug)]
pub struct Truth {
    /// A lower bound on the true gap P(θ) − P*.
    pub gap: f64,
    /// A lower bound on the true distance ‖θ − θ*‖.
    pub distance: f64,
}

impl Truth {
    /// Penalty only, or symmetric data with weight `w` over the feature vectors `xs` (θ* = 0).
    pub fn of<const F: usize, const C: usize, T: Float>(
        model: &Classifier<F, C, T>,
        lambda: T,
        data: Option<(&[[T; F]], T)>,
    ) -> Self {
        let theta = flat(model);
        let d = theta.len() as f64;
        let r = norm(&theta);
        let lambda = lambda.to_f64();
        let penalty = (lambda * r) * r / 2.0;
        let mut gap = penalty * (1.0 - (d + 8.0) * U64) - 2.0 * OMEGA64;
        if let Some((xs, w)) = data {
            let w = w.to_f64();
            let mut total = 0.0;
            let mut error = 0.0;
            for x in xs {
                let mut z = [0.0_f64; C];
                let mut a = 0.0_f64;
                for (c, zc) in z.iter_mut().enumerate() {
                    let b = model.bias()[c].to_f64();
                    let row = &model.weights()[c];
                    *zc = row
                        .iter()
                        .zip(x)
                        .fold(b, |s, (wf, xf)| s + wf.to_f64() * xf.to_f64());
                    let magnitude = row
                        .iter()
                        .zip(x)
                        .fold(b.abs(), |s, (wf, xf)| s + (wf.to_f64() * xf.to_f64()).abs());
                    a = a.max(magnitude);
                }
                let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
                let mean = z.iter().sum::<f64>() / C as f64;
                let ln_c = (C as f64).ln();
                let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
                total += (m - mean) + (sum.ln() - ln_c);
                let logit_error = gamma(F as f64 + 1.0) * a + F as f64 * OMEGA64;
                error += 2.0 * logit_error
                    + 8.0 * U64 * (m.abs() + mean.abs() + ln_c + 1.0)
                    + C as f64 * OMEGA64;
            }
            let k = xs.len() as f64;
            gap += w * (total - error) / k * (1.0 - 4.0 * U64);
        }
        Self {
            gap,
            distance: r * (1.0 - (d + 4.0) * U64) - OMEGA64,
        }
    }

    /// Whether the certificate bounds the truth; NaN never does.
    pub fn is_bounded_by<T: Float>(&self, cert: &Certificate<T>) -> bool {
        let (gap, distance) = (cert.gap.to_f64(), cert.distance.to_f64());
        gap >= self.gap && distance >= self.distance && !gap.is_nan() && !distance.is_nan()
    }
}

/// Every feature vector once with every label.
pub fn symmetric<const F: usize, const C: usize, T: Float>(xs: &[[T; F]]) -> Vec<Sample<F, C, T>> {
    xs.iter()
        .flat_map(|x| (0..C).map(move |c| Sample::new(*x, Label::new(c).unwrap())))
        .collect()
}

/// Class weights with class 0 weightless: the loss of a class-0 sample is exactly 0.
pub fn penalty_only_loss<const C: usize, T: Float>(rest: T) -> CrossEntropy<C, T> {
    let mut w = [rest; C];
    w[0] = T::ZERO;
    CrossEntropy::new().with_class_weights(w).unwrap()
}
