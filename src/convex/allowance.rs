//! The rounding allowance of [`certify`](super::certify): the bound E on ‖ĝ − ∇P(θ)‖ for the
//! gradient ĝ computed in the working precision, and the outward roundings that turn ‖ĝ‖ and
//! E into a certified distance and gap ("Step 5 in floating point" in the module docs).
//!
//! Each term is computed by its own field or method, so that the tests in `tests.rs` can hold
//! each one against the error of the step it bounds, and each sum of terms by one method.

use crate::math::{Float, dot2_step, from_count, halves, two_diff, two_sum};
use crate::model::Classifier;
use crate::softmax::Compensated;

/// a·b for a, b ≥ 0, never below a·b·(1 − u)², also where the product underflows: an
/// underflowing product loses at most half a unit ω of the smallest subnormal, and one ω is
/// added (an addition to a subnormal is exact).
#[inline]
fn mul_up<T: Float>(a: T, b: T) -> T {
    a * b + smallest_subnormal::<T>()
}

/// ω, the smallest positive subnormal number (2^-149 in `f32`, 2^-1074 in `f64`): exactly
/// 2u times the smallest normal number.
#[inline]
fn smallest_subnormal<T: Float>() -> T {
    T::MIN_POSITIVE * (T::UNIT_ROUNDOFF + T::UNIT_ROUNDOFF)
}

/// The constants of [`certify`](super::certify)'s rounding allowance for one problem size.
pub(super) struct Allowance<T> {
    u: T,
    /// ω, the smallest subnormal.
    omega: T,
    n: T,
    /// 16u: the rounding of δ (kernel, weighting), of its products with x̃, of the
    /// compensated sum's result and of its division by n, per unit of ‖δ̂‖·‖x̃‖ (16u + γ_5
    /// for the blocked sum of [`certify_plain`](super::certify_plain)).
    rounding: T,
    /// γ_n²: the second-order error of compensated summation over n samples (+∞ once
    /// n·u ≥ 1, where the bound no longer holds).
    summation: T,
    /// The error of a difference of two logits, per unit of the logit magnitude a:
    /// (2γ_{F+1}² + 9u²)·(1 + γ_{F+1}) for the compensated logits of [`certify`](super::certify),
    /// (2γ_{F+1} + 9u²)·(1 + γ_{F+1}) for the plain ones of
    /// [`certify_plain`](super::certify_plain).
    logit_gamma: T,
    /// (10F + 1)·ω: the error-free products of two Dot2 logits that underflow, and the two
    /// roundings of their difference.
    logit_underflow: T,
    half_root_c: T,
    root_c: T,
    /// 8u·ε: label smoothing's cancellation.
    smoothing: T,
    /// 3/2·√(C(F + 1))·ω: the products δ_c·x_f, the division by n and λθ, where they underflow.
    parameter_underflow: T,
    /// γ_{F+4}: the widening of the computed ‖x̃‖₁ in
    /// [`sample_from_data`](Self::sample_from_data).
    norm_widening: T,
}

/// One sample's terms of E, before the factor ‖x̃_i‖ (see [`Allowance::sample_terms`]).
pub(super) struct SampleTerms<T> {
    /// 16u·‖δ̂‖.
    pub(super) rounding: T,
    /// γ_n²·‖δ̂‖.
    pub(super) summation: T,
    /// w·½√C·((2γ_{F+1}² + 9u²)(1 + γ_{F+1})·a + (10F + 1)·ω): δ moved by the error of the
    /// logits' differences.
    pub(super) logits: T,
    /// w·8u·ε.
    pub(super) smoothing: T,
    /// √C·(4w + 1)·ω: δ's components in the subnormal range.
    pub(super) subnormal: T,
}

impl<T: Float> SampleTerms<T> {
    /// The sum of the terms (at most four roundings, covered by E's final factor).
    pub(super) fn total(&self) -> T {
        self.rounding + self.summation + self.logits + self.smoothing + self.subnormal
    }
}

/// The terms of E that are not per sample (see [`Allowance::global_terms`]).
pub(super) struct GlobalTerms<T> {
    /// (1/n)·Σ_i ‖x̃_i‖·(the sample's terms), from their compensated sum.
    pub(super) mean: T,
    /// u·‖ĝ‖: the final addition fl(S_k/n) + fl(λθ_k).
    pub(super) final_addition: T,
    /// u·λ‖θ‖: the rounding of λθ_k (‖θ‖ taken ω above its computed value, which may be low
    /// by ω/2).
    pub(super) penalty: T,
    /// 3/2·√(C(F + 1))·ω.
    pub(super) underflow: T,
}

impl<T: Float> GlobalTerms<T> {
    /// The sum of the terms (three roundings, covered by E's final factor).
    pub(super) fn total(&self) -> T {
        self.mean + self.final_addition + self.penalty + self.underflow
    }
}

/// γ_k = k·u/(1 − k·u), +∞ once k·u ≥ 1.
fn gamma<T: Float>(k: T) -> T {
    let ku = k * T::UNIT_ROUNDOFF;
    if ku < T::ONE {
        ku / (T::ONE - ku)
    } else {
        T::INFINITY
    }
}

impl<T: Float> Allowance<T> {
    pub(super) fn new<const F: usize, const C: usize>(n: T, smoothing: T) -> Self {
        let u = T::UNIT_ROUNDOFF;
        let omega = smallest_subnormal::<T>();
        let gamma_f = gamma(from_count::<T>(F + 1));
        let gamma_n = gamma(n);
        let classes = from_count::<T>(C);
        let root_c = classes.sqrt();
        let d = classes * from_count::<T>(F + 1);
        let three_halves = T::ONE + T::HALF;
        Self {
            u,
            omega,
            n,
            rounding: T::from_u32(16) * u,
            summation: gamma_n * gamma_n,
            // (1 + γ): a itself is a plain sum of F + 1 terms, computed within γ_{F+1}.
            logit_gamma: (T::from_u32(2) * gamma_f * gamma_f + T::from_u32(9) * u * u)
                * (T::ONE + gamma_f),
            logit_underflow: (T::from_u32(10) * from_count::<T>(F) + T::ONE) * omega,
            half_root_c: T::HALF * root_c,
            root_c,
            // Exactly 0 without smoothing (the kernel then has no cancelling difference).
            smoothing: if smoothing == T::ZERO {
                T::ZERO
            } else {
                mul_up(T::from_u32(8) * u, smoothing)
            },
            parameter_underflow: mul_up(three_halves * d.sqrt(), omega),
            norm_widening: gamma(from_count::<T>(F + 4)),
        }
    }

    /// The allowance of [`certify_plain`](super::certify_plain), for the gradient ĝ as
    /// [`gradient`](super::gradient) computes it: plain logits, each within γ_{F+1}·a + F·ω/2
    /// of the exact one, so that a difference of two is within 2γ_{F+1}·a + F·ω, which
    /// (2γ_{F+1} + 9u²)(1 + γ_{F+1})·a + (10F + 1)·ω covers; and the blocked sum, whose block
    /// totals (two plain half sums of at most 4 products, then their sum) put each product
    /// through at most 4 more roundings before the compensated sum: γ_5 more per unit of
    /// ‖δ̂‖·‖x̃‖ than [`new`](Self::new)'s 16u. Every other term is [`new`](Self::new)'s.
    pub(super) fn solver_gradient<const F: usize, const C: usize>(n: T, smoothing: T) -> Self {
        let u = T::UNIT_ROUNDOFF;
        let gamma_f = gamma(from_count::<T>(F + 1));
        Self {
            logit_gamma: (T::from_u32(2) * gamma_f + T::from_u32(9) * u * u) * (T::ONE + gamma_f),
            rounding: T::from_u32(16) * u + gamma(T::from_u32(5)),
            ..Self::new::<F, C>(n, smoothing)
        }
    }

    /// One sample's share of [`solver_gradient`](Self::solver_gradient)'s allowance from its
    /// features and class weight alone: the sample's terms times a bound on ‖x̃‖, with ‖δ̂‖
    /// bounded by 3/2·w (δ = w(p − ỹ) for two points p, ỹ of the probability simplex, so
    /// ‖δ‖ ≤ √2·w, and δ̂ is within 16u of it) and a by â = max_c |b_c| + Σ_f |x_f|·M_f,
    /// M_f = max_c |W_cf| (`column_max`, `bias_max`). ‖x̃‖ is bounded by ‖x̃‖₁ = 1 + Σ_f |x_f|,
    /// widened by 1 + γ_{F+4} for its rounding. Both sums have nonnegative terms, so any order
    /// of summation keeps them within γ_{F+1}; eight partial sums side by side let them
    /// vectorise. O(F) per sample, without a division: about a tenth of a gradient pass.
    pub(super) fn sample_from_data<const F: usize>(
        &self,
        column_max: &[T; F],
        bias_max: T,
        x: &[T; F],
        weight: T,
    ) -> T {
        let mut l1 = [T::ZERO; 8];
        let mut a = [T::ZERO; 8];
        let (chunks, rest) = x.as_chunks::<8>();
        let (max_chunks, max_rest) = column_max.as_chunks::<8>();
        for (chunk, maxima) in chunks.iter().zip(max_chunks) {
            for (((l, m), &xf), &mf) in l1.iter_mut().zip(a.iter_mut()).zip(chunk).zip(maxima) {
                let v = xf.abs();
                *l += v;
                *m += v * mf;
            }
        }
        let (mut norm, mut magnitude) = (T::ONE, bias_max);
        for (&xf, &mf) in rest.iter().zip(max_rest) {
            let v = xf.abs();
            norm += v;
            magnitude += v * mf;
        }
        for (&l, &m) in l1.iter().zip(a.iter()) {
            norm += l;
            magnitude += m;
        }
        let x_norm = mul_up(norm, T::ONE + self.norm_widening);
        let delta_norm = (T::ONE + T::HALF) * weight;
        mul_up(
            x_norm,
            self.sample_terms(weight, delta_norm, magnitude).total(),
        )
    }

    /// A bound on max_j |(ẑ_j − ẑ_k) − (z_j − z_k)| for the differences [`logit_differences`]
    /// forms, from a = max_c (Σ_f |W_cf x_f| + |b_c|) as computed:
    /// (2γ_{F+1}² + 9u²)(1 + γ_{F+1})·a + (10F + 1)·ω for compensated logits, with
    /// 2γ_{F+1} in place of 2γ_{F+1}² for plain ones.
    pub(super) fn logit_error(&self, magnitude: T) -> T {
        mul_up(self.logit_gamma, magnitude) + self.logit_underflow
    }

    /// One sample's terms, for its class weight w, the computed ‖δ̂‖ and a.
    pub(super) fn sample_terms(&self, weight: T, delta_norm: T, magnitude: T) -> SampleTerms<T> {
        let logit_error = self.logit_error(magnitude);
        SampleTerms {
            rounding: mul_up(self.rounding, delta_norm),
            summation: mul_up(self.summation, delta_norm),
            logits: mul_up(weight, mul_up(self.half_root_c, logit_error)),
            smoothing: mul_up(weight, self.smoothing),
            subnormal: mul_up(self.root_c * (T::from_u32(4) * weight + T::ONE), self.omega),
        }
    }

    /// ‖x̃‖ times the sample's terms, every product rounded up with [`mul_up`], from the
    /// sample's [`scan`] (‖x̃‖ and a) and its class weight and δ̂.
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    pub(super) fn sample<const C: usize>(
        &self,
        scan: &SampleScan<C, T>,
        weight: T,
        delta: &[T; C],
    ) -> T {
        let delta_norm = scaled_norm(|| delta.iter().copied());
        let terms = self.sample_terms(weight, delta_norm, scan.magnitude);
        mul_up(scan.x_norm, terms.total())
    }

    /// The global terms, from the compensated sum of the per-sample terms, the computed ‖ĝ‖,
    /// λ and θ.
    pub(super) fn global_terms<const F: usize, const C: usize>(
        &self,
        per_sample: T,
        gradient_norm: T,
        lambda: T,
        model: &Classifier<F, C, T>,
    ) -> GlobalTerms<T> {
        // ‖θ‖ may be low by ω/2 (its scale subnormal), and λ may be large.
        let penalty_norm = mul_up(lambda, parameter_norm(model) + self.omega);
        GlobalTerms {
            mean: per_sample / self.n,
            final_addition: mul_up(self.u, gradient_norm),
            penalty: mul_up(self.u, penalty_norm),
            underflow: self.parameter_underflow,
        }
    }

    /// The allowance E: the global terms' sum widened by (1 + 40u) for the roundings of its
    /// own evaluation (at most 32 between any exact term and E, and their second-order
    /// products), rounded up (the mean over the samples can underflow, losing ω/2). +∞ once
    /// n·u ≥ 1, where compensated summation's error bound no longer holds.
    pub(super) fn total<const F: usize, const C: usize>(
        &self,
        per_sample: T,
        gradient_norm: T,
        lambda: T,
        model: &Classifier<F, C, T>,
    ) -> T {
        if !self.summation.is_finite() {
            return T::INFINITY;
        }
        let terms = self.global_terms(per_sample, gradient_norm, lambda, model);
        mul_up(terms.total(), T::ONE + T::from_u32(40) * self.u)
    }

    /// b ≥ ‖ĝ‖ + E from the computed norm N: (N + E)·(1 + 10u), rounded up. N is within 4u of
    /// ‖ĝ‖ and ω/2 below it at most; the sum and the product add two roundings.
    pub(super) fn bound(&self, gradient_norm: T, gradient_error: T) -> T {
        mul_up(
            gradient_norm + gradient_error,
            T::ONE + T::from_u32(10) * self.u,
        )
    }

    /// The distance b/λ·(1 + 4u), rounded up (the quotient can underflow for a large λ).
    pub(super) fn distance(&self, bound: T, lambda: T) -> T {
        mul_up(bound / lambda, T::ONE + T::from_u32(4) * self.u)
    }

    /// The gap b²/(2λ)·(1 + 6u), rounded up: (b/λ)·b·½ for b ≤ 1, so that b·b cannot
    /// underflow, and (b·b/λ)·½ for b > 1, so that b/λ cannot overflow where the gap does not
    /// (2λ could overflow). In the subnormal range the three roundings lose at most ω: ω/2 of
    /// the last, half of the middle one's ω/2 and a quarter (times b ≤ 1) of the first's.
    pub(super) fn gap(&self, bound: T, lambda: T) -> T {
        let product = if bound <= T::ONE {
            (bound / lambda) * bound * T::HALF
        } else {
            bound * bound / lambda * T::HALF
        };
        mul_up(product, T::ONE + T::from_u32(6) * self.u)
    }
}

/// ‖v‖ of the values `values()` yields, from a compensated sum of squares scaled by the
/// largest |v_i| so that no square underflows or overflows: within 4 units of roundoff, plus
/// ω/2 where the final product by the scale underflows.
pub(super) fn scaled_norm<T: Float, I: Iterator<Item = T>>(values: impl Fn() -> I) -> T {
    let scale = values().fold(T::ZERO, |m, v| m.max_nan(v.abs()));
    if scale == T::ZERO || !scale.is_finite() {
        return scale;
    }
    let mut squares = ScaledSquares::new(scale);
    for v in values() {
        squares.add(v);
    }
    squares.norm()
}

/// The steps of [`scaled_norm`] once its scale s is known: the compensated sum of (v/s)², one
/// value at a time, and s·√sum. [`scan`] adds the features as its loop reaches them.
struct ScaledSquares<T> {
    scale: T,
    sum: Compensated<T>,
}

impl<T: Float> ScaledSquares<T> {
    fn new(scale: T) -> Self {
        Self {
            scale,
            sum: Compensated::new(),
        }
    }

    #[inline]
    fn add(&mut self, v: T) {
        let r = v / self.scale;
        self.sum.add(r * r);
    }

    /// s·√sum; s itself where s is 0 or not finite (no sum was meaningful).
    fn norm(self) -> T {
        if self.scale == T::ZERO || !self.scale.is_finite() {
            return self.scale;
        }
        self.scale * self.sum.total().sqrt()
    }
}

/// ‖θ‖ over all parameters (summed in the order of W's rows, then b), with [`scaled_norm`].
pub(super) fn parameter_norm<const F: usize, const C: usize, T: Float>(
    theta: &Classifier<F, C, T>,
) -> T {
    scaled_norm(|| theta.params_by_row())
}

/// The logits W x + b, each from a compensated dot product (see [`certify`](super::certify)),
/// rounded to the working precision.
#[cfg(test)]
pub(super) fn accurate_logits<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> [T; C] {
    accurate_logit_pairs(model, x).0
}

/// The unrounded logits of [`scan`], alone.
#[cfg(test)]
pub(super) fn accurate_logit_pairs<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> ([T; C], [T; C]) {
    let s = scan(model, x);
    (s.logits, s.carries)
}

/// What the certificate needs of one sample before its loss: the unrounded logits, the
/// magnitude a of [`logit_magnitude`] and ‖x̃‖ = ‖(x, 1)‖ of [`scaled_norm`].
pub(super) struct SampleScan<const C: usize, T> {
    /// ẑ_c, each logit rounded to the working precision.
    pub(super) logits: [T; C],
    /// ê_c, with ẑ_c + ê_c the compensated logit unrounded and |ê_c| ≤ ½ ULP of ẑ_c.
    pub(super) carries: [T; C],
    /// max_c (Σ_f |W_cf x_f| + |b_c|), bit for bit as [`logit_magnitude`].
    pub(super) magnitude: T,
    /// ‖(x, 1)‖, bit for bit as [`scaled_norm`] over x and then 1.
    pub(super) x_norm: T,
}

/// One loop over the features for the three quantities of [`SampleScan`], each with the
/// operations and the order of its own definition, so the same bits (a test holds them to it).
///
/// Each logit is Dot2 (`math::dot2`) of row c with x, started at b_c, term by term in feature
/// order; the C dot products advance side by side, one feature at a time (contiguous,
/// vectorised across classes on the host), which changes no operation of any one of them.
/// Dot2's final addition of its sum and its carry is TwoSum, which keeps the rounding error.
/// The magnitude's C sums advance beside the Dot2 sums. ‖x̃‖'s compensated sum of squares
/// ([`ScaledSquares`]) adds (x_f / s)² in the same loop (s = max(max|x_f|, 1), found first)
/// and 1/s² after it. On digits this makes a certificate about 2 % faster than separate
/// passes. The weights' halves for Dot2's error-free products come from [`WeightHalves`] on
/// the host and are taken column by column here on the device; with them, the magnitudes in
/// a loop of their own measured the same as beside the Dot2 sums (before, when every weight was
/// split for every sample, that choice moved `f64` by 23 % one way and `f32` by 30 % the other).
pub(super) fn scan<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> SampleScan<C, T> {
    let (columns, _) = model.parts();
    scan_with(model, x, columns.iter().map(|column| column.map(halves)))
}

/// Veltkamp's halves (`math::halves`) of every weight, taken once per certificate on the host
/// rather than once per sample and class: a certificate on digits in `f64` about 10 % faster.
/// Bare-metal targets do not keep them, which would double the certificate's largest locals.
pub(super) struct WeightHalves<const F: usize, const C: usize, T> {
    columns: [[(T, T, T); C]; F],
}

impl<const F: usize, const C: usize, T: Float> WeightHalves<F, C, T> {
    pub(super) fn new(model: &Classifier<F, C, T>) -> Self {
        Self {
            columns: model.parts().0.map(|column| column.map(halves)),
        }
    }
}

/// [`scan`] with the halves of the weights taken beforehand: the same operations on the same
/// values, so the same bits.
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(super) fn scan_halves<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    weights: &WeightHalves<F, C, T>,
    x: &[T; F],
) -> SampleScan<C, T> {
    scan_with(model, x, weights.columns.iter().copied())
}

/// [`scan`] with each column's weights and their halves, in feature order, from
/// `column_halves`.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn scan_with<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
    column_halves: impl Iterator<Item = [(T, T, T); C]>,
) -> SampleScan<C, T> {
    let (_, bias) = model.parts();
    let mut sum = *bias;
    let mut carry = [T::ZERO; C];
    let mut magnitudes = bias.map(T::abs);
    // scaled_norm's scale over x and the bias's 1.
    let mut squares = ScaledSquares::new(x.iter().fold(T::ONE, |m, v| m.max_nan(v.abs())));
    for (split_column, &xf) in column_halves.zip(x.iter()) {
        let x_halves = halves(xf);
        let sums = sum
            .iter_mut()
            .zip(carry.iter_mut())
            .zip(magnitudes.iter_mut());
        for (((s, e), m), &w) in sums.zip(split_column.iter()) {
            dot2_step(s, e, w, x_halves);
            *m += (w.0 * xf).abs();
        }
        squares.add(xf);
    }
    for (s, e) in sum.iter_mut().zip(carry.iter_mut()) {
        (*s, *e) = two_sum(*s, *e);
    }
    squares.add(T::ONE);
    SampleScan {
        logits: sum,
        carries: carry,
        magnitude: magnitudes
            .iter()
            .fold(T::ZERO, |acc, &sum| acc.max_nan(sum)),
        x_norm: squares.norm(),
    }
}

/// The differences of unrounded logits ẑ + ê (from [`accurate_logit_pairs`]) from a largest
/// one, class k: hi_j + lo_j ≈ (ẑ_j + ê_j) − (ẑ_k + ê_k), with hi_k = lo_k = 0, hi_j ≤ 0 and
/// |lo_j| ≤ ½ ULP of hi_j, as `CrossEntropy::loss_with_grad_split` takes them.
///
/// k is the first class with the largest ẑ, the largest ê among those. ẑ_j − ẑ_k is split
/// exactly by TwoDiff into h + l; t = l + (ê_j − ê_k) rounds twice; (hi, lo) = TwoSum(h, t).
/// Since |ê| ≤ ½ ULP of ẑ, the exact difference is ≤ 0, and a computed hi > 0 (only a tie can
/// round that way) is replaced by 0, which is nearer the exact value. Each difference is thus
/// within u·|ê_j − ê_k| + u·|l + fl(ê_j − ê_k)| ≤ 2u²·max|ẑ| + u²·(|h| + 2(1 + u)·max|ẑ|)
/// ≤ 7u²(1 + u)·max|ẑ| of the difference of the pairs, plus ω where the two roundings
/// underflow.
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
pub(super) fn logit_differences<const C: usize, T: Float>(
    z: &[T; C],
    e: &[T; C],
) -> ([T; C], [T; C], usize) {
    let (mut k, mut zk, mut ek) = (0, T::ZERO, T::ZERO);
    for (j, (&zj, &ej)) in z.iter().zip(e.iter()).enumerate() {
        if j == 0 || zj > zk || (zj == zk && ej > ek) {
            (k, zk, ek) = (j, zj, ej);
        }
    }
    let mut hi = [T::ZERO; C];
    let mut lo = [T::ZERO; C];
    for (j, ((h_out, l_out), (&zj, &ej))) in hi
        .iter_mut()
        .zip(lo.iter_mut())
        .zip(z.iter().zip(e.iter()))
        .enumerate()
    {
        if j == k {
            continue;
        }
        let (h, l) = two_diff(zj, zk);
        let (d_hi, d_lo) = two_sum(h, l + (ej - ek));
        if d_hi <= T::ZERO {
            (*h_out, *l_out) = (d_hi, d_lo);
        }
    }
    (hi, lo, k)
}

/// max_c (Σ_f |W_cf x_f| + |b_c|): the scale of the rounding error of the logits.
///
/// Each class's sum starts at |b_c| and adds |W_cf x_f| in feature order; the C sums advance
/// side by side (vectorised on the host), and the maximum is taken in class order.
#[cfg(test)]
pub(super) fn logit_magnitude<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> T {
    let (columns, bias) = model.parts();
    let mut sums = bias.map(T::abs);
    for (column, &xf) in columns.iter().zip(x.iter()) {
        for (s, &w) in sums.iter_mut().zip(column.iter()) {
            *s += (w * xf).abs();
        }
    }
    sums.iter().fold(T::ZERO, |acc, &sum| acc.max_nan(sum))
}

#[cfg(test)]
mod tests;
