//! The accuracy measurement of the `f32` softmax family against the `f64` reference.
//!
//! Shared by `tests/accuracy.rs` (which asserts the budgets) and
//! `examples/accuracy_table.rs` (which prints the README table).
//!
//! # Error budgets, from an error model
//!
//! u = 2⁻²⁴. A relative error r is less than r/u ULP (an `f32` ULP exceeds u·|x|). The
//! crate's kernel, with k = argmax z, m = z_k, s = Σ_{j≠k} exp(z_j − m), L = ln_1p(s):
//!
//! - each term: the shift z_j − m is split error-free into hi + lo (TwoSum); `expf` is within
//!   1 ULP (≤ 2u); the correction e + e·lo adds two roundings: ≤ 3u per term (the neglected
//!   lo²/2 is below 2⁻³⁷ ≈ 10⁻⁴u, as |lo| ≤ ½ULP(hi) ≤ 2⁻¹⁸ for |hi| ≤ 104, beyond which the
//!   term is below the smallest subnormal);
//! - the compensated (Neumaier) sum adds ≤ 2u (u·s from its final rounding and γ_C²·s from its carry,
//!   below 0.06u·s for C ≤ 1000): ŝ = s(1 + ε), |ε| ≤ 5u;
//! - `log1pf` is within 1 ULP (2u) and ln_1p has condition number s/((1+s)·ln(1+s)) ≤ 1:
//!   L̂ = L(1 + ε), |ε| ≤ 7u.
//!
//! Then, per function:
//!
//! | function | formula | relative error | budget |
//! |---|---|---|---|
//! | cross_entropy | (m − z_y) + L, terms ≥ 0 | max(u, 7u) + u | 8 ULP |
//! | log_softmax | (z_j − m) − L, terms ≤ 0 | max(u, 7u) + u | 8 ULP |
//! | softmax | exp(z_j − m) / (1 + s) | 3u + 5u + u + u | 10 ULP |
//! | gradient, j ≠ y | p_j | as softmax | 10 ULP |
//! | gradient, y ≠ k | p_y − 1, \|result\| ≥ ½ ≥ p_y | 10u·p_y/(1 − p_y) + u | 11 ULP |
//! | gradient, y = k | −s / (1 + s) | 5u + u + u | 7 ULP |
//! | logsumexp | m + L | 7u·L + u·\|m + L\| ≤ 8u·(\|m\| + L) | 8 ULP of \|m\| + L |
//!
//! logsumexp has no relative bound when m < 0 and L ≈ −m (the final addition cancels; the
//! rounding of L, about u·L, remains): its budget is in ULP of |m| + L, which equals the
//! result when m ≥ 0. Its plain ULP error is reported separately.
//!
//! Subnormal terms: the kernel computes an exponential below the normal range scaled by 2⁶⁴
//! (exp(d/2)·2³², squared), so it keeps its relative accuracy in the sum s, and only the final
//! results are rounded into the subnormal range: s scaled back (½ unit of 2⁻¹⁴⁹), then L or the
//! gradient from it (½ more), a probability divided once (½ more). Every function therefore gets
//! an absolute allowance of 2 units of 2⁻¹⁴⁹ (softmax 3), independent of C. Above 1e-30 this
//! allowance is below 10⁻⁵ ULP.
//!
//! Exact values are checked exactly: a reference of 0 (masked class, or a term below e⁻⁷⁴⁵) must
//! give 0, a reference beyond f32::MAX must give the same infinity, a −∞ (masked
//! log-probability) must give −∞.

use super::reference::{
    Kernel, MIN_SUBNORMAL, U32, chance, index, log_uniform, to_f32, ulp_error, ulp_f32, uniform,
    unit,
};
use std::fmt::Write as _;
use tinysoftmax::loss::{cross_entropy, cross_entropy_with_grad};
use tinysoftmax::softmax::{log_softmax, logsumexp, softmax};
use tinysoftmax::{Label, SplitMix64};

/// The class counts the sweeps draw from (C from 2 to 1000).
pub const SIZES: [usize; 11] = [2, 3, 4, 5, 7, 10, 16, 32, 100, 255, 1000];

/// What is measured: the crate's functions, and the textbook form for contrast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// `loss::cross_entropy`.
    CrossEntropy,
    /// The loss of `loss::cross_entropy_with_grad`.
    CrossEntropyWithGrad,
    /// The gradient of `loss::cross_entropy_with_grad`, every component.
    Gradient,
    /// `softmax::log_softmax`, every component.
    LogSoftmax,
    /// `softmax::softmax`, every component.
    Softmax,
    /// `softmax::logsumexp`, error in ULP of |max z| + ln_1p(s).
    LogSumExp,
    /// `softmax::logsumexp`, error in ULP of the result (information only: no relative bound
    /// exists where the result cancels to near 0).
    LogSumExpRelative,
    /// The textbook ln Σ exp(z_j − m) − (z_y − m) in `f32` (contrast only).
    Textbook,
}

impl Measure {
    /// Every measure, in table order.
    pub const ALL: [Self; 8] = [
        Self::CrossEntropy,
        Self::CrossEntropyWithGrad,
        Self::Gradient,
        Self::LogSoftmax,
        Self::Softmax,
        Self::LogSumExp,
        Self::LogSumExpRelative,
        Self::Textbook,
    ];

    /// A row label for the table.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::CrossEntropy => "`loss::cross_entropy`",
            Self::CrossEntropyWithGrad => "`loss::cross_entropy_with_grad`, loss",
            Self::Gradient => "`loss::cross_entropy_with_grad`, gradient",
            Self::LogSoftmax => "`softmax::log_softmax`",
            Self::Softmax => "`softmax::softmax`",
            Self::LogSumExp => "`softmax::logsumexp` (ULP of \\|max z\\| + L)",
            Self::LogSumExpRelative => "`softmax::logsumexp` (ULP of result)",
            Self::Textbook => "textbook `ln Σ exp(z − m) − (z_y − m)`",
        }
    }

    /// The budget in ULP from the error model in the module docs; `None` if not asserted.
    #[must_use]
    pub const fn budget(self) -> Option<f64> {
        match self {
            Self::CrossEntropy
            | Self::CrossEntropyWithGrad
            | Self::LogSoftmax
            | Self::LogSumExp => Some(8.0),
            Self::Softmax => Some(10.0),
            Self::Gradient => Some(11.0),
            Self::LogSumExpRelative | Self::Textbook => None,
        }
    }

    /// The absolute allowance for subnormal results, in units of 2⁻¹⁴⁹ (the same for any C).
    #[must_use]
    pub fn subnormal_allowance(self, _classes: usize) -> f64 {
        match self {
            Self::Softmax => 3.0,
            _ => 2.0,
        }
    }

    const fn slot(self) -> usize {
        self as usize
    }
}

/// The input families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// C = 2, the logit gap swept over [−120, 120].
    Binary,
    /// Uniform logits in [−R, R], R = 1 … 1024, half of them offset by up to ±1e4.
    Dense,
    /// The true class leads: true loss from 1e-30 to 1.
    Confident,
    /// The true class leads by so much that the loss is subnormal (2⁻¹⁴⁹ … 2⁻¹²⁰).
    Tiny,
    /// |z| up to f32::MAX, with exact ties.
    Huge,
    /// All logits equal, from ±1.4e-45 to ±f32::MAX.
    AllEqual,
    /// Random −∞ masks (10 % … 90 % of the classes, the true class included).
    Masked,
    /// Scales 1e-40 … 1e3 in one vector.
    Mixed,
    /// max z < 0 with logsumexp(z) ≈ 0 (cancellation).
    LseCancel,
}

impl Family {
    /// Every family, in table order.
    pub const ALL: [Self; 9] = [
        Self::Binary,
        Self::Dense,
        Self::Confident,
        Self::Tiny,
        Self::Huge,
        Self::AllEqual,
        Self::Masked,
        Self::Mixed,
        Self::LseCancel,
    ];

    /// A column label for the table.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Binary => "binary",
            Self::Dense => "dense",
            Self::Confident => "confident",
            Self::Tiny => "subnormal loss",
            Self::Huge => "huge",
            Self::AllEqual => "all equal",
            Self::Masked => "masked",
            Self::Mixed => "mixed scales",
            Self::LseCancel => "lse ≈ 0",
        }
    }

    /// What the family contains (for the table's legend).
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::Binary => "C = 2, logit gap swept over [−120, 120], random offset in [−20, 20]",
            Self::Dense => {
                "uniform logits in [−R, R], R = 1 … 1024, half offset by up to ±1e4; C = 2 … 1000"
            }
            Self::Confident => "the true class leads, true loss log-uniform in [1e-30, 1]",
            Self::Tiny => "the true class leads, true loss log-uniform in [2⁻¹⁴⁹, 2⁻¹²⁰]",
            Self::Huge => "|z| log-uniform in [1e30, f32::MAX], ±f32::MAX, exact ties",
            Self::AllEqual => "all logits equal: 0, ±1.4e-45 … ±f32::MAX",
            Self::Masked => "10 % … 90 % of logits −∞, the true class possibly masked",
            Self::Mixed => "magnitudes 1e-40, 1e-30, 1e-3, 1, 30, 1e3 in one vector",
            Self::LseCancel => "max z < 0 and logsumexp(z) within 1e-7 … 1 of 0; C ≤ 16",
        }
    }

    /// The `i`-th of `n` test cases.
    pub fn generate(self, i: usize, n: usize, rng: &mut SplitMix64) -> Case {
        match self {
            Self::Binary => binary(i, n, rng),
            Self::Dense => dense(rng),
            Self::Confident => leading(rng, 1e-30, 1.0),
            Self::Tiny => leading(rng, MIN_SUBNORMAL, 2.0_f64.powi(-120)),
            Self::Huge => huge(rng),
            Self::AllEqual => all_equal(rng),
            Self::Masked => masked(rng),
            Self::Mixed => mixed(rng),
            Self::LseCancel => lse_cancel(rng),
        }
    }
}

/// One input: logits and the true class.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The logits.
    pub z: Vec<f32>,
    /// The true class.
    pub y: usize,
}

fn binary(i: usize, n: usize, rng: &mut SplitMix64) -> Case {
    let gap = -120.0 + 240.0 * (i as f64 + unit(rng)) / n as f64;
    let offset = uniform(rng, -20.0, 20.0);
    Case {
        z: vec![to_f32(offset), to_f32(offset + gap)],
        y: i % 2,
    }
}

fn size(rng: &mut SplitMix64) -> usize {
    SIZES[index(rng, SIZES.len())]
}

fn dense(rng: &mut SplitMix64) -> Case {
    let c = size(rng);
    let r = f64::from(1_u32 << index(rng, 11));
    let offset = if chance(rng, 0.5) {
        uniform(rng, -1e4, 1e4)
    } else {
        0.0
    };
    let z = (0..c)
        .map(|_| to_f32(offset + uniform(rng, -r, r)))
        .collect();
    Case {
        z,
        y: index(rng, c),
    }
}

/// The true class leads the others so that the loss is about `target` ∈ [lo, hi].
fn leading(rng: &mut SplitMix64, lo: f64, hi: f64) -> Case {
    let c = size(rng);
    let target = log_uniform(rng, lo, hi);
    let base = uniform(rng, -50.0, 50.0);
    let y = index(rng, c);
    let one_runner_up = chance(rng, 0.25);
    let runner_up = (y + 1 + index(rng, c - 1)) % c;
    let spread = ((c - 1) as f64 / target).ln();
    let z = (0..c)
        .map(|j| {
            let d = if j == y {
                0.0
            } else if one_runner_up && j == runner_up {
                target.ln()
            } else if one_runner_up {
                target.ln() - uniform(rng, 0.0, 60.0)
            } else {
                -(spread + uniform(rng, 0.0, 2.0))
            };
            to_f32(base + d)
        })
        .collect();
    Case { z, y }
}

fn huge(rng: &mut SplitMix64) -> Case {
    let c = size(rng);
    let max = f64::from(f32::MAX);
    let mut z: Vec<f32> = Vec::with_capacity(c);
    for j in 0..c {
        let v = if j > 0 && chance(rng, 0.3) {
            z[index(rng, j)]
        } else if chance(rng, 0.1) {
            f32::MAX
        } else {
            to_f32(log_uniform(rng, 1e30, max).min(max))
        };
        z.push(if chance(rng, 0.5) { -v } else { v });
    }
    Case {
        z,
        y: index(rng, c),
    }
}

fn all_equal(rng: &mut SplitMix64) -> Case {
    const VALUES: [f32; 12] = [
        0.0,
        1.4e-45,
        1e-40,
        1e-3,
        1.0,
        88.7,
        104.0,
        1e4,
        1e20,
        3e38,
        f32::MAX,
        -0.0,
    ];
    let c = size(rng);
    let magnitude = if chance(rng, 0.5) {
        VALUES[index(rng, VALUES.len())]
    } else {
        to_f32(log_uniform(rng, 1e-45, f64::from(f32::MAX)))
    };
    let v = if chance(rng, 0.5) {
        -magnitude
    } else {
        magnitude
    };
    Case {
        z: vec![v; c],
        y: index(rng, c),
    }
}

fn masked(rng: &mut SplitMix64) -> Case {
    let c = size(rng);
    let r = f64::from(1_u32 << index(rng, 8));
    let p = [0.1, 0.5, 0.9][index(rng, 3)];
    let mut z: Vec<f32> = (0..c)
        .map(|_| {
            if chance(rng, p) {
                f32::NEG_INFINITY
            } else {
                to_f32(uniform(rng, -r, r))
            }
        })
        .collect();
    let keep = index(rng, c);
    z[keep] = to_f32(uniform(rng, -r, r));
    Case {
        z,
        y: index(rng, c),
    }
}

fn mixed(rng: &mut SplitMix64) -> Case {
    const SCALES: [f64; 6] = [1e-40, 1e-30, 1e-3, 1.0, 30.0, 1e3];
    let c = size(rng);
    let sign = |rng: &mut SplitMix64| if chance(rng, 0.5) { -1.0 } else { 1.0 };
    let z = if chance(rng, 0.5) {
        // Independent magnitudes of every scale.
        (0..c)
            .map(|_| {
                let scale = SCALES[index(rng, SCALES.len())];
                to_f32(sign(rng) * scale * uniform(rng, 0.5, 2.0))
            })
            .collect()
    } else {
        // Gaps of every scale below a maximum of every scale, so the shifts z_j − m are not
        // exact in f32.
        let top = sign(rng) * [1e-3, 1.0, 1e3][index(rng, 3)] * uniform(rng, 0.5, 2.0);
        (0..c)
            .map(|_| to_f32(top - SCALES[index(rng, SCALES.len())] * unit(rng)))
            .collect()
    };
    Case {
        z,
        y: index(rng, c),
    }
}

fn lse_cancel(rng: &mut SplitMix64) -> Case {
    let c = SIZES[index(rng, 7)];
    let gaps: Vec<f64> = (1..c).map(|_| uniform(rng, -8.0, 0.0)).collect();
    let l = gaps.iter().map(|d| d.exp()).sum::<f64>().ln_1p();
    let miss = l * 10.0_f64.powf(-uniform(rng, 0.0, 7.0));
    let m = -l + if chance(rng, 0.5) { miss } else { -miss };
    let mut z = vec![to_f32(m)];
    z.extend(gaps.iter().map(|d| to_f32(m + d)));
    Case {
        z,
        y: index(rng, c),
    }
}

/// The crate's outputs for one case.
struct Outputs {
    cross_entropy: f32,
    with_grad: (f32, Vec<f32>),
    log_softmax: Vec<f32>,
    softmax: Vec<f32>,
    logsumexp: f32,
}

fn outputs_of<const C: usize>(z: &[f32], y: usize) -> Option<Outputs> {
    let z = <[f32; C]>::try_from(z).ok()?;
    let y = Label::<C>::new(y).ok()?;
    let (loss, grad) = cross_entropy_with_grad(&z, y);
    Some(Outputs {
        cross_entropy: cross_entropy(&z, y),
        with_grad: (loss, grad.to_vec()),
        log_softmax: log_softmax(&z).to_vec(),
        softmax: softmax(&z).to_vec(),
        logsumexp: logsumexp(&z),
    })
}

/// Runs the crate's functions on `z`, whose length must be one of [`SIZES`] or 1024 (the
/// largest C the fuzz target draws).
fn outputs(z: &[f32], y: usize) -> Option<Outputs> {
    match z.len() {
        2 => outputs_of::<2>(z, y),
        3 => outputs_of::<3>(z, y),
        4 => outputs_of::<4>(z, y),
        5 => outputs_of::<5>(z, y),
        7 => outputs_of::<7>(z, y),
        10 => outputs_of::<10>(z, y),
        16 => outputs_of::<16>(z, y),
        32 => outputs_of::<32>(z, y),
        100 => outputs_of::<100>(z, y),
        255 => outputs_of::<255>(z, y),
        1000 => outputs_of::<1000>(z, y),
        1024 => outputs_of::<1024>(z, y),
        _ => None,
    }
}

/// The textbook cross-entropy ln Σ_j exp(z_j − m) − (z_y − m), all in `f32` with a plain sum.
#[must_use]
pub fn textbook_cross_entropy(z: &[f32], y: usize) -> f32 {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = z.iter().map(|&v| (v - m).exp()).sum();
    sum.ln() - (z[y] - m)
}

/// The worst component seen for one measure.
#[derive(Clone, Debug)]
pub struct Worst {
    /// Error over tolerance (0 for measures without a budget).
    pub ratio: f64,
    /// Error in ULP.
    pub ulp: f64,
    /// The case.
    pub case: Case,
    /// The component (class index) for vector outputs.
    pub component: usize,
    /// The crate's value.
    pub got: f32,
    /// The reference value.
    pub want: f64,
}

/// Maximum errors of every measure over one family.
#[derive(Clone, Debug)]
pub struct Stats {
    /// The family measured.
    pub family: Family,
    /// Number of cases.
    pub cases: usize,
    /// Largest error in ULP per measure (index: `Measure as usize`).
    pub max_ulp: [f64; 8],
    /// The case with the largest error over tolerance (or the largest error, for measures
    /// without a budget) per measure.
    pub worst: [Option<Worst>; 8],
    /// The case with the largest error in ULP per measure.
    pub largest: [Option<Worst>; 8],
    /// Losses that are 0 although the true loss is ≥ 2⁻¹²⁶ (must be 0).
    pub zero_losses: usize,
    /// Non-finite results for finite inputs whose exact value rounds to a finite `f32`
    /// (must be 0).
    pub spurious_non_finite: usize,
    /// Results that are +∞ where the exact value is +∞ (a masked true class) or exceeds
    /// f32::MAX (documented rounding).
    pub infinities: usize,
}

impl Stats {
    /// No case measured yet.
    #[must_use]
    pub fn new(family: Family) -> Self {
        Self {
            family,
            cases: 0,
            max_ulp: [0.0; 8],
            worst: Default::default(),
            largest: Default::default(),
            zero_losses: 0,
            spurious_non_finite: 0,
            infinities: 0,
        }
    }

    /// The largest error over tolerance across the budgeted measures (≤ 1 passes).
    #[must_use]
    pub fn max_ratio(&self) -> f64 {
        self.worst
            .iter()
            .flatten()
            .map(|w| w.ratio)
            .fold(0.0, f64::max)
    }

    #[expect(clippy::too_many_arguments, reason = "one record per component")]
    fn record(
        &mut self,
        measure: Measure,
        case: &Case,
        component: usize,
        got: f32,
        want: f64,
        unit_of: f64,
        finite_input: bool,
    ) {
        let c = case.z.len();
        let err = if unit_of.is_nan() {
            ulp_error(got, want)
        } else {
            // Error in ULP of a different scale (logsumexp against |m| + L).
            let plain = ulp_error(got, want);
            if plain == 0.0 || plain.is_infinite() {
                plain
            } else {
                (f64::from(got) - want).abs() / ulp_f32(to_f32(unit_of))
            }
        };
        let err = if err.is_nan() { f64::INFINITY } else { err };
        let ratio = match measure.budget() {
            None => 0.0,
            Some(_) if err == 0.0 => 0.0,
            Some(_) if want == 0.0 || want.is_infinite() || err.is_infinite() => f64::INFINITY,
            Some(budget) => {
                let unit = if unit_of.is_nan() {
                    ulp_f32(to_f32(want))
                } else {
                    ulp_f32(to_f32(unit_of))
                };
                let allowance = measure.subnormal_allowance(c) * MIN_SUBNORMAL / unit;
                err / (budget + allowance)
            }
        };
        if measure != Measure::Textbook {
            if finite_input && !got.is_finite() && to_f32(want).is_finite() {
                self.spurious_non_finite += 1;
            }
            if got == f32::INFINITY && to_f32(want) == f32::INFINITY {
                self.infinities += 1;
            }
        }
        let slot = measure.slot();
        self.max_ulp[slot] = self.max_ulp[slot].max(err);
        let entry = || Worst {
            ratio,
            ulp: err,
            case: case.clone(),
            component,
            got,
            want,
        };
        if self.worst[slot]
            .as_ref()
            .is_none_or(|w| (ratio, err) > (w.ratio, w.ulp))
        {
            self.worst[slot] = Some(entry());
        }
        if self.largest[slot].as_ref().is_none_or(|w| err > w.ulp) {
            self.largest[slot] = Some(entry());
        }
    }

    /// Measures one case (skipped when its length is not one of [`SIZES`] or 1024).
    pub fn add(&mut self, case: &Case) {
        let Some(out) = outputs(&case.z, case.y) else {
            return;
        };
        self.cases += 1;
        let r = Kernel::new(&case.z);
        let finite = case.z.iter().all(|v| v.is_finite());
        let y = case.y;
        let ce = r.cross_entropy(y);
        let nan = f64::NAN;
        self.record(
            Measure::CrossEntropy,
            case,
            y,
            out.cross_entropy,
            ce,
            nan,
            finite,
        );
        self.record(
            Measure::CrossEntropyWithGrad,
            case,
            y,
            out.with_grad.0,
            ce,
            nan,
            finite,
        );
        for loss in [out.cross_entropy, out.with_grad.0] {
            if loss == 0.0 && ce >= f64::from(f32::MIN_POSITIVE) {
                self.zero_losses += 1;
            }
        }
        for j in 0..case.z.len() {
            self.record(
                Measure::Gradient,
                case,
                j,
                out.with_grad.1[j],
                r.gradient(y, j),
                nan,
                finite,
            );
            self.record(
                Measure::LogSoftmax,
                case,
                j,
                out.log_softmax[j],
                r.log_softmax(j),
                nan,
                finite,
            );
            self.record(
                Measure::Softmax,
                case,
                j,
                out.softmax[j],
                r.softmax(j),
                nan,
                finite,
            );
        }
        let lse = r.logsumexp();
        let scale = r.m.abs() + r.l;
        self.record(
            Measure::LogSumExp,
            case,
            0,
            out.logsumexp,
            lse,
            scale,
            finite,
        );
        self.record(
            Measure::LogSumExpRelative,
            case,
            0,
            out.logsumexp,
            lse,
            nan,
            finite,
        );
        let textbook = textbook_cross_entropy(&case.z, y);
        self.record(Measure::Textbook, case, y, textbook, ce, nan, finite);
    }
}

/// Measures `cases` inputs of `family`, drawn from a generator seeded with `seed`.
#[must_use]
pub fn measure(family: Family, cases: usize, seed: u64) -> Stats {
    let mut rng = SplitMix64::new(seed);
    let mut stats = Stats::new(family);
    for i in 0..cases {
        let case = family.generate(i, cases, &mut rng);
        stats.add(&case);
    }
    stats
}

/// A short description of a case for failure messages (long vectors are abbreviated).
#[must_use]
pub fn describe(w: &Worst) -> String {
    let z = &w.case.z;
    let shown: Vec<String> = z.iter().take(8).map(|v| format!("{v:e}")).collect();
    let more = if z.len() > 8 { ", …" } else { "" };
    format!(
        "C = {}, y = {}, z = [{}{more}], component {}: got {:e}, want {:e} ({:.2} ULP, {:.3} of tolerance)",
        z.len(),
        w.case.y,
        shown.join(", "),
        w.component,
        w.got,
        w.want,
        w.ulp,
        w.ratio
    )
}

/// Formats an error in ULP for the table: one decimal below 100, whole numbers below 10⁵, then
/// two significant digits ("1.7e7"); "∞" for a special-value mismatch.
#[must_use]
pub fn format_ulp(e: f64) -> String {
    if e.is_infinite() {
        "∞".to_owned()
    } else if e < 100.0 {
        format!("{e:.1}")
    } else if e < 1e5 {
        format!("{e:.0}")
    } else {
        format!("{e:.1e}")
    }
}

/// The markdown table: one row per measure, one column per family, the budget last.
#[must_use]
pub fn table(stats: &[Stats]) -> String {
    let mut out = String::from("| function |");
    for s in stats {
        let _ = write!(out, " {} |", s.family.name());
    }
    out.push_str(" budget |\n|---|");
    for _ in stats {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    for measure in Measure::ALL {
        let _ = write!(out, "| {} |", measure.name());
        for s in stats {
            let _ = write!(out, " {} |", format_ulp(s.max_ulp[measure.slot()]));
        }
        let budget = measure.budget().map_or("—".to_owned(), |b| format!("{b}"));
        let _ = writeln!(out, " {budget} |");
    }
    out
}

/// The relative error that corresponds to `ulp` ULP at most (for prose: r < ulp·2u).
#[must_use]
pub fn relative(ulp: f64) -> f64 {
    ulp * 2.0 * U32
}
