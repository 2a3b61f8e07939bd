// The module documentation (the objective, the convexity proof step by step, the certificate)
// is in `convex.md` beside this file, so that it reads as one document in the source too.
#![doc = include_str!("convex.md")]

mod allowance;
mod parameters;

pub use parameters::Parameters;

use crate::data::Sample;
use crate::error::{Error, Result};
use crate::loss::probabilities;
use crate::math::{Float, largest_abs, two_sum};
use crate::model::{Classifier, dot};
use crate::objective::Objective;
use crate::softmax::{Compensated, softmax};
use crate::wide::dispatched;
use allowance::{
    Allowance, SampleScan, WeightHalves, logit_differences, parameter_norm, scaled_norm, scan,
    scan_halves,
};

/// Checks λ, the sample count and the samples' features, as every full-batch function does;
/// returns n as a float.
fn batch_size<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    lambda: T,
) -> Result<T> {
    if !(lambda.is_finite() && lambda >= T::ZERO) {
        return Err(Error::WeightDecay);
    }
    for s in samples {
        s.check()?;
    }
    match u32::try_from(samples.len()) {
        Ok(0) => Err(Error::NoSamples),
        Ok(n) => Ok(T::from_u32(n)),
        Err(_) => Ok(T::from_u32(u32::MAX)),
    }
}

/// As [`batch_size`], and λ > 0: the strong convexity that certificates and the solver need;
/// λ must also be at least the smallest normal number (the floor of [`certify`]).
pub(crate) fn strongly_convex_batch<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    lambda: T,
) -> Result<T> {
    let n = batch_size(samples, lambda)?;
    if lambda == T::ZERO {
        return Err(Error::NeedsWeightDecay);
    }
    if lambda < T::MIN_POSITIVE {
        return Err(Error::WeightDecayTooSmall);
    }
    Ok(n)
}

/// (λ/2)(‖W‖² + ‖b‖²); exactly 0 for λ = 0, even where ‖θ‖² overflows. Where ‖θ‖² alone
/// overflows, (λ‖θ‖)·‖θ‖/2 from the scaled norm, so that the result is +∞ only where it is
/// beyond the range (within a few units of roundoff).
fn penalty<const F: usize, const C: usize, T: Float>(model: &Classifier<F, C, T>, lambda: T) -> T {
    if lambda == T::ZERO {
        return T::ZERO;
    }
    let squared = model.norm_squared();
    if squared.is_finite() {
        lambda * T::HALF * squared
    } else {
        let norm = parameter_norm(model);
        lambda * norm * norm * T::HALF
    }
}

/// The full-batch objective P(θ) (see the [module docs](self)).
///
/// Sums are compensated: their error is 2u of the result plus a second-order n·u²·Σ|terms|,
/// so it does not grow with n until n approaches 1/u.
///
/// # Errors
///
/// [`Error::NoSamples`] for an empty slice; [`Error::WeightDecay`] unless λ is finite and ≥ 0;
/// [`Error::NonFiniteFeature`] for a NaN or infinite feature; [`Error::NonFiniteParameter`]
/// for a NaN or infinite parameter; [`Error::NonFiniteLogit`] when a logit overflows
/// (parameters or features too large). Where the exact P exceeds the largest float, the
/// result is +∞ (a loss or a penalty beyond the range); ‖θ‖² overflowing on its own does not
/// make it so (the penalty is then computed as (λ‖θ‖)·‖θ‖/2).
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::objective, loss::CrossEntropy, Objective};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let model = Classifier::new([[1.0], [0.0]], [0.0, 0.0]);
/// let p = objective(&model, &data, &Objective::new(0.5)?)?;
/// // Both samples have logit margin 1: CE = ln(1 + e^-1); the penalty is (0.5/2)·1.
/// let expected = (1.0 + (-1.0_f64).exp()).ln() + 0.25;
/// assert!((p - expected).abs() < 4.0 * f64::EPSILON);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn objective<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<T> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    for s in samples {
        total.add(loss.loss(&model.finite_logits(&s.features)?, s.label));
    }
    Ok(total.total() / n + penalty(model, lambda))
}

/// A compensated accumulator shaped like a classifier's parameters (W stored as the model
/// stores it, feature-major), sums and carries in separate arrays.
///
/// Each entry is a [`Compensated`] sum in all but layout: the same additions in the same
/// order, so the same bits. Each addition is the branch-free TwoSum and the C entries of a
/// feature sit side by side, so the compiler vectorises [`add_outer`](Self::add_outer) across
/// classes; the device runs the same operations one entry at a time.
struct Accumulator<const F: usize, const C: usize, T> {
    sums: [[T; C]; F],
    carries: [[T; C]; F],
    bias: [T; C],
    bias_carry: [T; C],
}

impl<const F: usize, const C: usize, T: Float> Accumulator<F, C, T> {
    fn new() -> Self {
        Self {
            sums: [[T::ZERO; C]; F],
            carries: [[T::ZERO; C]; F],
            bias: [T::ZERO; C],
            bias_carry: [T::ZERO; C],
        }
    }

    /// Adds the outer product δ·(x, 1)ᵀ.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn add_outer(&mut self, delta: &[T; C], x: &[T; F]) {
        for ((sums, carries), &xf) in self.sums.iter_mut().zip(self.carries.iter_mut()).zip(x) {
            add_row(sums, carries, delta, xf);
        }
        add_row(&mut self.bias, &mut self.bias_carry, delta, T::ONE);
    }

    /// Adds Σ_b δ_b·(x_b, 1)ᵀ over one block of samples: each entry's block total is the sum of
    /// its two halves, each a plain sum in sample order, ((0 + δ_0 x_0) + δ_1 x_1) + …, and that
    /// total is added compensated.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
    #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
    fn add_block(&mut self, deltas: &[[T; C]], samples: &[Sample<F, C, T>]) {
        let (first, second) = pair_at(deltas, samples);
        let rows = self.sums.iter_mut().zip(self.carries.iter_mut());
        for (f, (sums, carries)) in rows.enumerate() {
            let mut total = half_sum(first, f);
            let rest = half_sum(second, f);
            for (t, &r) in total.iter_mut().zip(rest.iter()) {
                *t += r;
            }
            add_row(sums, carries, &total, T::ONE);
        }
        let mut total = half_sum(first, F);
        let rest = half_sum(second, F);
        for (t, &r) in total.iter_mut().zip(rest.iter()) {
            *t += r;
        }
        add_row(&mut self.bias, &mut self.bias_carry, &total, T::ONE);
    }

    /// (sum / n) + λ·θ, as a parameter-shaped value.
    fn finish(&self, n: T, lambda: T, theta: &Classifier<F, C, T>) -> Classifier<F, C, T> {
        let mut out = Classifier::zeros();
        let sums = self.sums.iter().flatten().chain(self.bias.iter());
        let carries = self.carries.iter().flatten().chain(self.bias_carry.iter());
        for ((o, (&sum, &carry)), t) in out.params_mut().zip(sums.zip(carries)).zip(theta.params())
        {
            *o = finish_entry(Compensated::from_parts(sum, carry).total(), n, lambda, t);
        }
        out
    }

    /// The entries of [`finish`](Self::finish) in the order of W's rows, then b, computed
    /// one at a time: the certificate takes the gradient's norm from them without a second
    /// parameter-sized array on the stack. Bit for bit the values `finish` stores.
    fn finished_by_row<'a>(
        &'a self,
        n: T,
        lambda: T,
        theta: &'a Classifier<F, C, T>,
    ) -> impl Iterator<Item = T> + 'a {
        let weights = (0..C).flat_map(move |c| {
            let pairs = self.sums.iter().zip(self.carries.iter());
            pairs.filter_map(move |(sums, carries)| Some((*sums.get(c)?, *carries.get(c)?)))
        });
        let biases = self
            .bias
            .iter()
            .copied()
            .zip(self.bias_carry.iter().copied());
        let totals = weights
            .chain(biases)
            .map(|(sum, carry)| Compensated::from_parts(sum, carry).total());
        totals
            .zip(theta.params_by_row())
            .map(move |(a, t)| finish_entry(a, n, lambda, t))
    }
}

/// One entry of the gradient from its sum over the samples: sum/n + λθ_k (three roundings,
/// each of which the certificate's allowance covers).
#[inline]
fn finish_entry<T: Float>(sum: T, n: T, lambda: T, theta: T) -> T {
    sum / n + lambda * theta
}

/// A block's (δ, sample) pairs split into its first and second half (of `BLOCK / 2` each;
/// a short last block fills the first half first).
#[expect(clippy::type_complexity, reason = "a private helper's plain result")]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn pair_at<'a, const F: usize, const C: usize, T>(
    deltas: &'a [[T; C]],
    samples: &'a [Sample<F, C, T>],
) -> (
    (&'a [[T; C]], &'a [Sample<F, C, T>]),
    (&'a [[T; C]], &'a [Sample<F, C, T>]),
) {
    let half = BLOCK / 2;
    let (d1, d2) = deltas.split_at_checked(half).unwrap_or((deltas, &[]));
    let (s1, s2) = samples.split_at_checked(half).unwrap_or((samples, &[]));
    ((d1, s1), (d2, s2))
}

/// Σ δ_c·x_f over a half block, a plain sum in sample order from 0; feature F is the constant
/// 1 of the bias.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn half_sum<const F: usize, const C: usize, T: Float>(
    (deltas, samples): (&[[T; C]], &[Sample<F, C, T>]),
    f: usize,
) -> [T; C] {
    let mut total = [T::ZERO; C];
    for (delta, s) in deltas.iter().zip(samples) {
        let xf = s.features.get(f).copied().unwrap_or(T::ONE);
        for (t, &d) in total.iter_mut().zip(delta) {
            *t += d * xf;
        }
    }
    total
}

/// sums_c += δ_c·x, compensated with TwoSum (the same bits as [`Compensated::add`]), for every
/// class c.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn add_row<const C: usize, T: Float>(
    sums: &mut [T; C],
    carries: &mut [T; C],
    delta: &[T; C],
    x: T,
) {
    for ((sum, carry), &d) in sums.iter_mut().zip(carries.iter_mut()).zip(delta) {
        let (t, error) = two_sum(*sum, d * x);
        *sum = t;
        *carry += error;
    }
}

/// The full-batch objective P(θ) and its gradient ∇P(θ), shaped like the model.
///
/// ∇\_W P = (1/n) Σ_i w_{y_i} δ_i x_iᵀ + λW and ∇\_b P = (1/n) Σ_i w_{y_i} δ_i + λb, with δ_i the
/// loss gradient in the logits.
///
/// The summation order is part of the result, the same on every target: the samples are taken
/// in blocks of 8 (the last block may be shorter); within a block each entry is the sum of two
/// halves of 4 samples, each a plain sum in sample order, ((0 + t_0) + t_1) + …, and the block
/// totals are added with compensation (TwoSum). The error of the data term is thus at most γ₄
/// (4 roundings) of the sum of its terms' magnitudes, plus the compensated sum's 2u of the
/// result and a second-order (n/8)·u² term; the loss values are summed with compensation one
/// by one.
/// Within a block the C entries of a feature advance side by side, which the host vectorises.
/// [`certify`] does not use this order: it sums every term with compensation, as its error
/// bound assumes. [`certify_plain`] certifies the gradient computed in this order, with a term
/// of its own for the blocks (γ_5 with the product's rounding).
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::gradient, loss::CrossEntropy, Objective};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(1)?)];
/// let (p, g) = gradient(&Classifier::zeros(), &data, &Objective::new(0.0)?)?;
/// assert_eq!(p, core::f64::consts::LN_2);
/// assert_eq!(g.weights(), [[1.0], [-1.0]]);
/// assert_eq!(g.bias(), &[0.5, -0.5]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn gradient<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<(T, Parameters<F, C, T>)> {
    let (p, g) = gradient_in_model_shape(model, samples, objective)?;
    Ok((p, Parameters::from_model(g)))
}

dispatched! {
    /// [`gradient`] with the gradient held as a `Classifier`, for the solvers' own arithmetic.
    pub(crate) fn gradient_in_model_shape(
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
    ) -> Result<(T, Classifier<F, C, T>)> {
        let loss = objective.loss();
        gradient_pass(
            model,
            samples,
            objective,
            #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
            |s, z| loss.loss_with_grad(z, s.label),
        )
    }
}

dispatched! {
    /// [`gradient_in_model_shape`], which also writes the probabilities of each sample into
    /// `probabilities`, in sample order, while slots last: the bits of [`probabilities_into`],
    /// taken from the loss's own kernel without a pass of their own.
    pub(crate) fn gradient_and_probabilities(
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        probabilities: &mut [[T; C]],
    ) -> Result<(T, Classifier<F, C, T>)> {
        let loss = objective.loss();
        let mut slots = probabilities.iter_mut();
        gradient_pass(
            model,
            samples,
            objective,
            #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
            |s, z| {
                let (l, delta, p) = loss.loss_with_grad_and_probabilities(z, s.label);
                if let Some(slot) = slots.next() {
                    *slot = p;
                }
                (l, delta)
            },
        )
    }
}

/// The objective and gradient in one [`blocked_pass`], with each sample's loss and its
/// gradient in the logits from `loss_and_delta(sample, logits)`, called in sample order.
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn gradient_pass<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    mut loss_and_delta: impl FnMut(&Sample<F, C, T>, &[T; C]) -> (T, [T; C]),
) -> Result<(T, Classifier<F, C, T>)> {
    let lambda = objective.lambda();
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    let acc = blocked_pass(
        model,
        samples,
        #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
        |s, z| {
            let (l, delta) = loss_and_delta(s, &z);
            total.add(l);
            Ok(delta)
        },
    )?;
    let p = total.total() / n + penalty(model, lambda);
    Ok((p, acc.finish(n, lambda, model)))
}

/// Samples per block in the summation order of [`gradient`] and [`hessian_vector_product`].
const BLOCK: usize = 8;

/// Σ_i δ_i·(x_i, 1)ᵀ with δ_i = `delta(sample i, its logits under model)`, block by block
/// (see [`Accumulator::add_block`]). A logit that is not finite is an error, as in
/// [`objective`], before `delta` sees the sample. `delta` is called once per sample, in sample
/// order ([`gradient_and_probabilities`] relies on it).
///
/// On the host the logits of two samples are computed together
/// ([`Classifier::logits_by_pairs`], the same bits): each class's sum is a chain of F dependent
/// additions, and two independent chains side by side keep the adders busy where one waits on
/// its own latency. With AVX2 (feature `std`) a pass on digits took 273–279 µs instead of
/// 297–300 µs in `f64` and 201–203 µs instead of 218–222 µs in `f32` (`examples/speed.rs`,
/// the two builds alternated); the portable build's pass, whose narrower vectors already give
/// enough independent chains, did not move. Four samples at a time measured 5 % faster in
/// `f32` and 4–10 % slower in `f64` than two.
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn blocked_pass<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    mut delta: impl FnMut(&Sample<F, C, T>, [T; C]) -> Result<[T; C]>,
) -> Result<Accumulator<F, C, T>> {
    let mut acc = Accumulator::new();
    let mut deltas = [[T::ZERO; C]; BLOCK];
    for block in samples.chunks(BLOCK) {
        if cfg!(target_os = "none") {
            for (d, s) in deltas.iter_mut().zip(block) {
                *d = delta(s, model.finite_logits(&s.features)?)?;
            }
        } else {
            let used = deltas.get_mut(..block.len()).unwrap_or_default();
            model.logits_by_pairs(
                block,
                used,
                #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
                |s| &s.features,
                #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
                |s, z, d| {
                    *d = delta(s, model.checked_logits(z)?)?;
                    Ok(())
                },
            )?;
        }
        acc.add_block(deltas.get(..block.len()).unwrap_or(&deltas), block);
    }
    Ok(acc)
}

/// One pass over the samples, sample by sample: the compensated sum of the losses and the
/// gradient accumulator, from `loss_and_delta(sample)`.
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn full_pass<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    mut loss_and_delta: impl FnMut(&Sample<F, C, T>) -> Result<(T, [T; C])>,
) -> Result<(T, Accumulator<F, C, T>)> {
    let mut total = Compensated::new();
    let mut acc = Accumulator::new();
    for s in samples {
        let (l, delta) = loss_and_delta(s)?;
        total.add(l);
        acc.add_outer(&delta, &s.features);
    }
    Ok((total.total(), acc))
}

dispatched! {
    /// The Hessian-vector product ∇²P(θ)·v, for a direction `v` in parameter space.
    ///
    /// For each sample, with p = softmax(z_i) and u = V x_i + c (the direction's logits), the
    /// logit Hessian diag(p) − ppᵀ applied to u is p ⊙ u − p·(pᵀu); the product is
    /// (1/n) Σ_i w_{y_i} (H_i u) (x_i, 1)ᵀ + λv, summed in the order of [`gradient`]. Label
    /// smoothing adds only a linear term to the loss, so it does not change the Hessian.
    ///
    /// # Errors
    ///
    /// As [`objective`].
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Sample};
    /// use tinysoftmax::convex::{Parameters, hessian_vector_product};
    /// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
    /// let v = Parameters::new([[1.0], [-1.0]], [0.0, 0.0]);
    /// let hv = hessian_vector_product(&Classifier::zeros(), &data, &Objective::new(0.0)?, &v)?;
    /// // p = (½, ½), u = (1, −1): Hu = (½, −½).
    /// assert_eq!(hv.weights(), [[0.5], [-0.5]]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn hessian_vector_product(
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        v: &Parameters<F, C, T>,
    ) -> Result<Parameters<F, C, T>> {
        let (loss, lambda) = (objective.loss(), objective.lambda());
        let v = v.as_model();
        let n = batch_size(samples, lambda)?;
        let acc = blocked_pass(
            model,
            samples,
            #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
            |s, z| {
                let w = loss.class_weights()[s.label.index()];
                Ok(logit_hessian_times(&softmax(&z), &v.logits(&s.features), w))
            },
        )?;
        Ok(Parameters::from_model(acc.finish(n, lambda, v)))
    }
}

dispatched! {
    /// The softmax of every sample's logits under `model` (the bits of [`softmax`], through
    /// the loss's kernel), in sample order, into the first `samples.len()` slots of `out` (the
    /// slots past them are left as they are): the probabilities [`hessian_vector_product_at`]
    /// reads.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteLogit`] when a logit is not finite (`out` may then be partly written).
    pub(crate) fn probabilities_into(
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        out: &mut [[T; C]],
    ) -> Result<()> {
        let used = out.get_mut(..samples.len()).unwrap_or_default();
        model.logits_by_pairs(
            samples,
            used,
            #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
            |s| &s.features,
            #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
            |_, z, o| {
                *o = probabilities(&model.checked_logits(z)?);
                Ok(())
            },
        )
    }
}

dispatched! {
    /// [`hessian_vector_product`] at the model whose probabilities are `probabilities` (one
    /// per sample, from [`probabilities_into`]), in the model's shape: the same bits, without
    /// the model's logits and exponentials. Entries of `probabilities` past the samples are
    /// not read; the caller checks that there are enough.
    pub(crate) fn hessian_vector_product_at(
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        probabilities: &[[T; C]],
        v: &Classifier<F, C, T>,
    ) -> Result<Classifier<F, C, T>> {
        let (loss, lambda) = (objective.loss(), objective.lambda());
        let n = batch_size(samples, lambda)?;
        let mut acc = Accumulator::new();
        let mut products = [[T::ZERO; C]; BLOCK];
        let blocks = samples.chunks(BLOCK).zip(probabilities.chunks(BLOCK));
        for (block, p) in blocks {
            // Each slot starts as the sample's probabilities and becomes its H_i u.
            let used = products.get_mut(..block.len()).unwrap_or_default();
            used.copy_from_slice(p.get(..block.len()).unwrap_or_default());
            let weights = loss.class_weights();
            v.logits_by_pairs(
                block,
                used,
                #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
                |s| &s.features,
                #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
                |s, u, slot| {
                    *slot = logit_hessian_times(slot, &u, weights[s.label.index()]);
                    Ok::<(), Error>(())
                },
            )?;
            acc.add_block(used, block);
        }
        Ok(acc.finish(n, lambda, v))
    }
}

/// w·(diag(p) − ppᵀ)u = w·(p ⊙ u − p·(pᵀu)), entry by entry as w·(p_j u_j − p_j (p·u)).
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn logit_hessian_times<const C: usize, T: Float>(p: &[T; C], u: &[T; C], w: T) -> [T; C] {
    let pu = dot(p, u);
    let mut hu = *p;
    for (h, &uj) in hu.iter_mut().zip(u.iter()) {
        *h = w * (*h * uj - *h * pu);
    }
    hu
}

/// An upper bound L on the Lipschitz constant of ∇P: ½·(1/n)Σ_i w_{y_i}‖(x_i, 1)‖² + λ.
///
/// The logit Hessian diag(p) − ppᵀ has spectral norm ≤ ½, and each sample's parameter
/// Hessian is that matrix ⊗ x̃x̃ᵀ (x̃ = (x, 1)), of norm ≤ ½‖x̃‖²; averaging over samples and
/// adding λ gives the bound. It is never larger than the textbook ½·max_i ‖x̃_i‖² + λ. Gradient
/// descent with step 1/L decreases P at every step.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Label, Sample, convex::smoothness, loss::CrossEntropy, Objective};
/// let data = [Sample::new([1.0_f64, 1.0], Label::<2>::new(0)?), Sample::new([0.0, 0.0], Label::new(1)?)];
/// assert_eq!(smoothness(&data, &Objective::new(0.1)?)?, 0.5 * (3.0 + 1.0) / 2.0 + 0.1);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn smoothness<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<T> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    for s in samples {
        let w = loss.class_weights()[s.label.index()];
        total.add(w * (dot(&s.features, &s.features) + T::ONE));
    }
    Ok(T::HALF * total.total() / n + lambda)
}

/// What a full-batch gradient proves about a model (see [`certify`]).
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::certify, loss::CrossEntropy, Objective};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(0)?), Sample::new([-2.0], Label::new(1)?)];
/// let cert = certify(&Classifier::zeros(), &data, &Objective::new(0.5)?)?;
/// // The zero model is not optimal here: its gradient is 1 in the weight of each class.
/// assert!(cert.gradient_norm > 1.0 && cert.gap >= cert.gradient_norm.powi(2) / 1.0);
/// assert!(cert.distance >= cert.gradient_norm / 0.5);
/// assert!(cert.gradient_error > 0.0 && cert.gradient_error < 1e-12);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Certificate<T = f32> {
    /// P(θ), the objective at the model.
    pub objective: T,
    /// ‖∇P(θ)‖ as computed.
    pub gradient_norm: T,
    /// An upper bound on ‖ĝ − ∇P(θ)‖, the rounding error of the computed gradient ĝ whose
    /// norm is `gradient_norm`.
    pub gradient_error: T,
    /// Guaranteed upper bound on P(θ) − P*: b² / (2λ), rounded up, where b ≥ ‖∇P(θ)‖ is
    /// `gradient_norm + gradient_error` widened by the rounding of the norm itself.
    pub gap: T,
    /// Guaranteed upper bound on ‖θ − θ*‖: b / λ, rounded up.
    pub distance: T,
}

/// One line: the objective, the certified gap and distance, and the gradient norm with its
/// rounding allowance.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, convex::certify};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
/// let cert = certify(&Classifier::zeros(), &data, &Objective::new(1.0)?)?;
/// let line = cert.to_string();
/// assert!(line.starts_with("P = 0.693147180559945"), "{line}");
/// assert!(line.contains("P - P* <= 5.0"), "{line}"); // ‖∇P‖ = 1, λ = 1: gap ½
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
impl<T: Float + core::fmt::LowerExp + core::fmt::Display> core::fmt::Display for Certificate<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "P = {}, P - P* <= {:e}, |theta - theta*| <= {:e} (|grad P| = {:e} +- {:e})",
            self.objective, self.gap, self.distance, self.gradient_norm, self.gradient_error
        )
    }
}

/// Certifies how far a model is from the unique optimum of a λ-strongly convex objective.
///
/// Strong convexity gives P(θ) − P* ≤ ‖∇P(θ)‖²/(2λ) and ‖θ − θ*‖ ≤ ‖∇P(θ)‖/λ (Step 5 of
/// the [module docs](self)). The computed gradient carries rounding error; the certificate adds
/// a bound on it before squaring, so the bound it reports is a guarantee, not an estimate, for
/// every input it accepts, down to the subnormal range ("Step 5 in floating point" in the
/// module docs derives the bound term by term and names the test that needs each term).
///
/// To keep that bound small, the certificate computes the logits with a compensated dot
/// product (Dot2: error-free products and sums, as accurate as twice the working precision),
/// passes their differences to the softmax unrounded, as pairs hi + lo, computes the gradient
/// with compensated sums, and every norm scaled by its largest entry. In
/// short, with x̃ = (x, 1), a = max_c (Σ_f |W_cf x_f| + |b_c|), γ_k = k·u/(1 − k·u), ω the
/// smallest subnormal and d = C(F + 1), the allowance is
///
/// ```text
/// E = (1/n)Σ_i ‖x̃_i‖·[ (16u + γ_n²)‖δ_i‖ + w_{y_i}·(½√C·((2γ_{F+1}² + 9u²)(1 + γ_{F+1})·a_i
///                      + (10F + 1)·ω) + 8u·ε) + √C·(4w_{y_i} + 1)·ω ]
///     + u·(‖∇P‖ + λ‖θ‖)  +  3/2·√d·ω,
/// ```
///
/// evaluated with every product rounded up past underflow and widened by (1 + 40u) for its own
/// roundings; then b = (‖∇P‖ + E)(1 + 10u), the distance b/λ·(1 + 4u) and the gap
/// b²/(2λ)·(1 + 6u) (computed as (b/λ)·b/2 for b ≤ 1, so that b·b cannot underflow), each
/// rounded up. With n·u ≥ 1 (16.7 million samples in `f32`) E is +∞: the second-order bound of
/// the compensated sums no longer holds, and the certificate proves nothing.
///
/// Plainly computed logits would leave γ_{F+1}·a in place of 2γ_{F+1}²·a: on the digits data
/// (64 features) the `f32` certificate could then prove no gap below 8e-6 (3e-5 of P*).
/// [`certify_plain`] is that certificate: in `f64` it proves as much at half the cost.
/// Dot2 logits rounded to the working precision would add u·max|z|: on digits at λ = 0.001 in
/// `f32`, at the point where L-BFGS stops, E is 7.1e-6 that way and 3.0e-7 with the pairs, and
/// the gap it proves there 8.4e-8 and 1.9e-8 (at λ = 0.01: 1.3e-9 and 4.5e-11). The
/// certificate costs a few gradient passes.
///
/// Memory: no heap; its largest locals are the compensated gradient accumulators, two values
/// of `T` per parameter, so about 2·(C·F + C)·`size_of::<T>()` bytes of stack (5.2 KB for
/// `Classifier<64, 10>` in `f32`, 120 bytes for iris) plus a few logit-sized arrays. The norm
/// of the gradient is taken from the accumulators directly, without a third parameter-sized
/// array.
///
/// # Errors
///
/// [`Error::WeightDecay`] unless λ is finite and ≥ 0, [`Error::NeedsWeightDecay`] for λ = 0,
/// [`Error::WeightDecayTooSmall`] for 0 < λ below the smallest normal number (2^-126 ≈ 1.2e-38
/// in `f32`: a documented floor, see the module docs); [`Error::NoSamples`] for no samples;
/// [`Error::NonFiniteFeature`] for a NaN or infinite feature; [`Error::NonFiniteParameter`]
/// for a NaN or infinite parameter; [`Error::NonFiniteLogit`] when a logit overflows (as in
/// [`objective`]); [`Error::Overflow`] when the computation overflows otherwise (features
/// beyond about 8e34 in `f32`, where the error-free products overflow, or a P beyond the
/// largest float). Where only the bound
/// overflows, the gap or distance is +∞, which is still true: features near 1e19 in `f32`
/// make ‖∇P‖² overflow, and the certificate then proves nothing about the gap (its distance
/// may still be finite). [`minimize`](crate::solver::minimize) turns a final gap of +∞ into
/// [`Error::Overflow`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, convex::certify};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let c = certify(&Classifier::zeros(), &data, &Objective::new(0.1)?)?;
/// assert!(c.gap >= c.gradient_norm * c.gradient_norm / 0.2);
/// // λ below the smallest normal number is refused.
/// let tiny = certify(&Classifier::zeros(), &data, &Objective::new(1e-310)?);
/// assert_eq!(tiny, Err(tinysoftmax::Error::WeightDecayTooSmall));
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn certify<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<Certificate<T>> {
    certify_pass(model, samples, objective).map(|(certificate, _, _)| certificate)
}

/// The certificate of [`certify`] for the gradient exactly as [`gradient`] computes it: a
/// weaker bound for little more than one gradient pass, for `f64` or for loose tolerances.
///
/// The same proof (Theorem 4 and its rounding allowance, Step 5 in floating point in the
/// [module docs](self)), applied to the gradient ĝ of [`gradient`]: plainly summed logits, the
/// usual softmax kernel, and the blocked sum over the samples. The allowance changes in three
/// terms, each derived in the module docs: the logits' error is ½√C·w·(2γ_{F+1} + 9u²)
/// (1 + γ_{F+1})·a instead of Dot2's ½√C·w·(2γ_{F+1}² + 9u²)(1 + γ_{F+1})·a; the blocked sum
/// adds γ_5 to the 16u per unit of ‖δ̂‖·‖x̃‖; and the per-sample quantities come from the data
/// alone, ‖δ̂‖ ≤ 3/2·w, a ≤ max_c |b_c| + Σ_f |x_f|·max_c |W_cf| and ‖x̃‖ ≤ 1 + Σ_f |x_f|, so
/// that no second pass over the C·F products is needed.
///
/// In `f64` the allowance is still about 1e-14·a per logit, far below any gap worth asking
/// for: on digits (1797 × 64, 10 classes) the gaps of the two certificates where L-BFGS stops
/// agree to 7 digits, and this one costs 0.53 ms (a gradient pass, 0.45 ms, and 0.08 ms for
/// the allowance) where [`certify`] costs 3.1 ms (`cargo bench -p tinysoftmax-bench --bench
/// passes`, shared 2-core x86-64 host, 2026-11-30). In `f32` the logits' term is about 8e-6·a:
/// on digits this certificate proves no gap below 1.4e-4 at λ = 0.01 and 5.0e-3 at
/// λ = 0.001, where [`certify`] proves 2.4e-8 and 7.4e-9, so [`certify`] is the one to use
/// there. The full-batch solvers take this certificate from their own last gradient in `f64`,
/// for the cost of the allowance alone, and fall back to [`certify`] only when the allowance
/// is what keeps it from the tolerance.
///
/// # Errors
///
/// As [`gradient`], then as [`certify`] for λ and the parameters ([`Error::NeedsWeightDecay`],
/// [`Error::WeightDecayTooSmall`], [`Error::NonFiniteParameter`]), and [`Error::Overflow`]
/// when P is beyond the largest float.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample};
/// use tinysoftmax::convex::{certify, certify_plain};
/// let data = [Sample::new([1.0_f64, 0.5], Label::<2>::new(0)?), Sample::new([-1.0, 2.0], Label::new(1)?)];
/// let model = Classifier::new([[0.3, -0.1], [-0.3, 0.1]], [0.05, -0.05]);
/// let objective = Objective::new(0.1)?;
/// let (plain, full) = (certify_plain(&model, &data, &objective)?, certify(&model, &data, &objective)?);
/// // Both bounds are guarantees; the plain one allows more for rounding, which in f64 moves
/// // the gap by a negligible amount.
/// assert!(plain.gradient_error > full.gradient_error && plain.gradient_error < 1e-13);
/// assert!((plain.gap - full.gap).abs() <= 1e-9 * full.gap);
/// assert!((plain.objective - full.objective).abs() <= 1e-15);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn certify_plain<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<Certificate<T>> {
    let (p, g) = gradient_in_model_shape(model, samples, objective)?;
    certify_gradient(model, samples, objective, p, &g)
}

/// [`certify_plain`] for a model whose P and ĝ, exactly as [`gradient`] computes them, are
/// at hand (a full-batch solver's own pass): only the allowance's pass over the features,
/// O(n·F). The same bits as [`certify_plain`], which the solvers' tests check.
pub(crate) fn certify_gradient<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    p: T,
    g: &Classifier<F, C, T>,
) -> Result<Certificate<T>> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = strongly_convex_batch(samples, lambda)?;
    if !model.params().all(Float::is_finite) {
        return Err(Error::NonFiniteParameter);
    }
    let allowance = Allowance::solver_gradient::<F, C>(n, loss.label_smoothing());
    // Exact maxima: every parameter is finite here.
    let (columns, bias) = model.parts();
    let column_max = columns.map(|column| largest_abs(&column));
    let bias_max = largest_abs(bias);
    let mut per_sample = Compensated::new();
    for s in samples {
        let weight = loss.class_weights()[s.label.index()];
        per_sample.add(allowance.sample_from_data(&column_max, bias_max, &s.features, weight));
    }
    let gradient_norm = parameter_norm(g);
    certificate_from(
        &allowance,
        (p, gradient_norm, per_sample.total()),
        lambda,
        model,
    )
}

/// [`certify`] and the gradient ĝ it computed (within `gradient_error` of ∇P(θ)), shaped like
/// the model: the full-batch solvers' last steps, where their own gradient is too coarse.
pub(crate) fn certify_with_gradient<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<(Certificate<T>, Classifier<F, C, T>)> {
    let (certificate, gradient, n) = certify_pass(model, samples, objective)?;
    Ok((certificate, gradient.finish(n, objective.lambda(), model)))
}

/// [`certify`] with the gradient's accumulator and n.
fn certify_pass<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
) -> Result<(Certificate<T>, Accumulator<F, C, T>, T)> {
    let (loss, lambda) = (objective.loss(), objective.lambda());
    let n = strongly_convex_batch(samples, lambda)?;
    if !model.params().all(Float::is_finite) {
        return Err(Error::NonFiniteParameter);
    }
    let allowance = Allowance::new::<F, C>(n, loss.label_smoothing());
    let (total, acc, per_sample) = compensated_samples(model, samples, objective, &allowance)?;
    let objective = total / n + penalty(model, lambda);
    let gradient_norm = scaled_norm(|| acc.finished_by_row(n, lambda, model));
    let certificate = certificate_from(
        &allowance,
        (objective, gradient_norm, per_sample),
        lambda,
        model,
    )?;
    Ok((certificate, acc, n))
}

/// The certificate from P, the computed ‖ĝ‖ and the compensated sum of the per-sample terms
/// of the allowance: E, b, the distance and the gap.
fn certificate_from<const F: usize, const C: usize, T: Float>(
    allowance: &Allowance<T>,
    (objective, gradient_norm, per_sample): (T, T, T),
    lambda: T,
    model: &Classifier<F, C, T>,
) -> Result<Certificate<T>> {
    if !objective.is_finite() {
        // P beyond the largest float: no certificate states it.
        return Err(Error::Overflow);
    }
    let gradient_error = allowance.total(per_sample, gradient_norm, lambda, model);
    let bound = allowance.bound(gradient_norm, gradient_error);
    let (distance, gap) = (
        allowance.distance(bound, lambda),
        allowance.gap(bound, lambda),
    );
    if gap.is_nan() {
        return Err(Error::Overflow);
    }
    Ok(Certificate {
        objective,
        gradient_norm,
        gradient_error,
        gap,
        distance,
    })
}

dispatched! {
    /// [`certify_samples`] with the compensated logits: on the device [`scan`], on the host
    /// [`scan_halves`] (the same bits, the weights split once).
    fn compensated_samples(
        model: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        allowance: &Allowance<T>,
    ) -> Result<(T, Accumulator<F, C, T>, T)> {
        if cfg!(target_os = "none") {
            certify_samples(model, samples, objective, allowance, |x| scan(model, x))
        } else {
            let halves = WeightHalves::new(model);
            certify_samples(
                model,
                samples,
                objective,
                allowance,
                #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
                |x| scan_halves(model, &halves, x),
            )
        }
    }
}

/// The certificate's pass over the samples, each scanned by `scan` ([`scan`] or
/// [`scan_halves`], the same bits): the sum of the losses, the gradient's accumulator and the
/// compensated sum of the per-sample allowance terms.
#[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), inline)]
#[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
fn certify_samples<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    objective: &Objective<C, T>,
    allowance: &Allowance<T>,
    scan: impl Fn(&[T; F]) -> SampleScan<C, T>,
) -> Result<(T, Accumulator<F, C, T>, T)> {
    let loss = objective.loss();
    let mut per_sample = Compensated::new();
    let (total, acc) = full_pass(
        samples,
        #[cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))]
        |s| {
            let scan = scan(&s.features);
            let (z, e) = (&scan.logits, &scan.carries);
            if !z.iter().chain(e.iter()).all(|v| v.is_finite()) {
                // The logit itself overflows (as in `objective`), or only Dot2's error-free
                // products do.
                return model.finite_logits(&s.features).and(Err(Error::Overflow));
            }
            let (hi, lo, k) = logit_differences(z, e);
            let (l, delta) = loss.loss_with_grad_split(&hi, &lo, k, s.label);
            let weight = loss.class_weights()[s.label.index()];
            per_sample.add(allowance.sample(&scan, weight, &delta));
            Ok((l, delta))
        },
    )?;
    Ok((total, acc, per_sample.total()))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::allowance::{accurate_logits, logit_magnitude, parameter_norm};
    use super::*;
    use crate::data::Label;
    use crate::math::dot2;
    use crate::rng::SplitMix64;

    fn random(rng: &mut SplitMix64) -> f32 {
        let bits = rng.next_u64();
        let exponent = ((bits >> 8) % 41) as i32 - 20;
        let sign = if bits & 1 == 0 { 1.0 } else { -1.0 };
        sign * (1.0 + (bits >> 40) as f32 / (1u64 << 24) as f32) * 2.0_f32.powi(exponent)
    }

    fn sample(rng: &mut SplitMix64) -> Sample<5, 3, f32> {
        let label = Label::new(0).unwrap_or_else(|_| unreachable!());
        Sample::new([0.0; 5].map(|_: f32| random(rng)), label)
    }

    /// Every entry of the accumulated sums equals `plain[c][f]` bit for bit (c = 3 is b).
    fn check_entries(got: &Classifier<5, 3, f32>, plain: &[[Compensated<f32>; 6]; 3]) {
        for (c, sums) in plain.iter().enumerate() {
            let label = Label::new(c).unwrap_or_else(|_| unreachable!());
            for (f, s) in sums.iter().enumerate() {
                let w = got.weight(label, f).unwrap_or_else(|| got.bias()[c]);
                assert_eq!(w.to_bits(), s.total().to_bits(), "class {c}, feature {f}");
            }
        }
    }

    /// The certificate's gradient norm, taken from the accumulators one entry at a time, has
    /// the bits of the norm of the materialised gradient.
    #[test]
    fn norm_from_the_accumulators_matches_the_gradient() {
        let mut rng = SplitMix64::new(11);
        let weights = [[0.0; 5]; 3].map(|row| row.map(|_: f32| random(&mut rng)));
        let model = Classifier::<5, 3>::new(weights, [0.0; 3].map(|_: f32| random(&mut rng)));
        let mut acc = Accumulator::<5, 3, f32>::new();
        for _ in 0..20 {
            let x = sample(&mut rng).features;
            acc.add_outer(&[random(&mut rng), random(&mut rng), random(&mut rng)], &x);
        }
        let (n, lambda) = (20.0, 0.37);
        let grad = acc.finish(n, lambda, &model);
        let by_row: std::vec::Vec<f32> = acc.finished_by_row(n, lambda, &model).collect();
        let want: std::vec::Vec<f32> = grad.params_by_row().collect();
        assert_eq!(by_row.len(), 18);
        assert!(
            by_row
                .iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        let norm = scaled_norm(|| acc.finished_by_row(n, lambda, &model));
        assert_eq!(norm.to_bits(), parameter_norm(&grad).to_bits());
    }

    /// The class-by-class definitions (one `dot2` per logit, one `Compensated` per parameter,
    /// one magnitude sum per class) and the side-by-side loops give the same bits.
    #[test]
    fn side_by_side_loops_keep_each_sum_bit_for_bit() {
        let mut rng = SplitMix64::new(7);
        let weights = [[0.0; 5]; 3].map(|row| row.map(|_: f32| random(&mut rng)));
        let model = Classifier::<5, 3>::new(weights, [0.0; 3].map(|_: f32| random(&mut rng)));
        let mut acc = Accumulator::<5, 3, f32>::new();
        let mut plain = [[Compensated::new(); 6]; 3];
        for _ in 0..50 {
            let x = sample(&mut rng).features;
            let z = accurate_logits(&model, &x);
            for (c, (&zc, row)) in z.iter().zip(weights.iter()).enumerate() {
                let want = dot2(row.iter().copied().zip(x.iter().copied()), model.bias()[c]);
                assert_eq!(zc.to_bits(), want.to_bits());
            }
            let magnitude = weights
                .iter()
                .zip(model.bias())
                .fold(0.0_f32, |m, (row, &b)| {
                    let sum = row
                        .iter()
                        .zip(x.iter())
                        .fold(b.abs(), |s, (w, xf)| s + (w * xf).abs());
                    m.max_nan(sum)
                });
            assert_eq!(logit_magnitude(&model, &x).to_bits(), magnitude.to_bits());
            // The certificate's one loop: the same bits as each definition alone.
            let scanned = scan(&model, &x);
            assert_same_scan(
                &scanned,
                &scan_halves(&model, &WeightHalves::new(&model), &x),
            );
            assert_eq!(scanned.magnitude.to_bits(), magnitude.to_bits());
            let norm = scaled_norm(|| x.iter().chain([1.0].iter()).copied());
            assert_eq!(scanned.x_norm.to_bits(), norm.to_bits());
            let delta = [0.0; 3].map(|_: f32| random(&mut rng));
            acc.add_outer(&delta, &x);
            for (sums, &d) in plain.iter_mut().zip(delta.iter()) {
                for (s, &xf) in sums.iter_mut().zip(x.iter().chain([1.0].iter())) {
                    s.add(d * xf);
                }
            }
        }
        check_entries(&acc.finish(1.0, 0.0, &Classifier::zeros()), &plain);
    }

    /// The host's scan, with the weights' halves taken once, has the bits of the device's,
    /// which splits every weight for every sample (NaN compared by its bits too).
    fn assert_same_scan<const C: usize>(a: &SampleScan<C, f32>, b: &SampleScan<C, f32>) {
        let bits = |s: &SampleScan<C, f32>| {
            let logits = s.logits.map(f32::to_bits);
            let carries = s.carries.map(f32::to_bits);
            (logits, carries, s.magnitude.to_bits(), s.x_norm.to_bits())
        };
        assert_eq!(bits(a), bits(b));
    }

    /// The one-loop scan gives ‖(x, 1)‖ bit for bit as `scaled_norm`, and the magnitude as
    /// `logit_magnitude`, at the edges too: features below 1 (the scale is the bias's 1),
    /// huge, subnormal, zero, infinite and NaN.
    #[test]
    fn the_scan_keeps_each_definition_at_the_edges() {
        let model = Classifier::<4, 2>::new(
            [[1.5, -2.0, 0.25, 3.0], [-1.0, 0.5, 7.0, -0.125]],
            [0.5, -4.0],
        );
        let specials = [
            [0.1_f32, -0.2, 0.3, 0.0],
            [1e30, -3e35, 2.0, 1e-40],
            [1e-45, -1e-42, 0.0, -0.0],
            [1e19, 1e19, -1e19, 1e19],
            [f32::INFINITY, 1.0, 2.0, 3.0],
            [1.0, f32::NAN, 2.0, 3.0],
        ];
        for x in specials {
            let scanned = scan(&model, &x);
            assert_same_scan(
                &scanned,
                &scan_halves(&model, &WeightHalves::new(&model), &x),
            );
            let norm = scaled_norm(|| x.iter().chain([1.0].iter()).copied());
            assert_eq!(scanned.x_norm.to_bits(), norm.to_bits(), "{x:?}");
            let magnitude = logit_magnitude(&model, &x);
            assert_eq!(scanned.magnitude.to_bits(), magnitude.to_bits(), "{x:?}");
        }
    }

    /// `certify_plain`'s summation term: the blocked sums of `gradient` put each product
    /// through up to 4 roundings before the compensated sum (γ_5 with the product's own). In
    /// f32, one sample with δ_0 = ½, x = 2²⁴ (a product 2²³) and seven with δ_0 = ½, x = 1:
    /// each ½ added to 2²³ is a tie that rounds to even, so the first half sum loses the three
    /// halves that follow 2²³ (1.5), and the entry is off by 3u·Σ|p|: more than the u·Σ|p| +
    /// u·|S| + γ_n²·Σ|p| a per-sample compensated sum allows, within γ_5·Σ|p| + u·|S| +
    /// γ_n²·Σ|p|.
    #[test]
    fn blocked_sums_need_their_own_term() {
        let label = Label::new(0).unwrap_or_else(|_| unreachable!());
        let samples: [Sample<1, 2, f32>; 8] =
            core::array::from_fn(|i| Sample::new([if i == 0 { 16_777_216.0 } else { 1.0 }], label));
        let acc = blocked_pass(&Classifier::zeros(), &samples, |_, _| Ok([0.5, 0.0]));
        let got = acc.map(|a| a.finish(1.0, 0.0, &Classifier::zeros()));
        let got = f64::from(got.unwrap_or_else(|_| unreachable!()).weights()[0][0]);
        let exact = 8_388_608.0 + 7.0 * 0.5;
        let (u, n) = (f64::from(f32::EPSILON) / 2.0, 8.0);
        let gamma = |k: f64| k * u / (1.0 - k * u);
        let error = (got - exact).abs();
        let compensated = u * exact + u * exact + gamma(n) * gamma(n) * exact;
        let blocked = gamma(5.0) * exact + u * exact + gamma(n) * gamma(n) * exact;
        assert!(error > compensated, "{error:e} <= {compensated:e}");
        assert!(error <= blocked, "{error:e} > {blocked:e}");
    }

    /// The blocked order of `gradient`, entry by entry in scalar code: blocks of 8 samples
    /// (the last one shorter), two plain half sums in sample order within each, the block
    /// totals compensated.
    #[test]
    fn blocked_sums_follow_the_documented_order() {
        let mut rng = SplitMix64::new(8);
        let samples: [Sample<5, 3, f32>; 21] = core::array::from_fn(|_| sample(&mut rng));
        let deltas: [[f32; 3]; 21] = core::array::from_fn(|_| [0.0; 3].map(|_| random(&mut rng)));
        let mut i = 0;
        let acc = blocked_pass(&Classifier::zeros(), &samples, |_, _| {
            i += 1;
            Ok(deltas[i - 1])
        });
        let got = acc.map(|a| a.finish(1.0, 0.0, &Classifier::zeros()));
        let got = got.unwrap_or_else(|_| unreachable!());
        let mut plain = [[Compensated::new(); 6]; 3];
        for (c, sums) in plain.iter_mut().enumerate() {
            for (f, entry) in sums.iter_mut().enumerate() {
                for block in samples
                    .iter()
                    .zip(deltas.iter())
                    .collect::<std::vec::Vec<_>>()
                    .chunks(BLOCK)
                {
                    let (mut a, mut b) = (0.0_f32, 0.0_f32);
                    for (k, (s, d)) in block.iter().enumerate() {
                        let term = d[c] * s.features.get(f).copied().unwrap_or(1.0);
                        if k < BLOCK / 2 {
                            a += term;
                        } else {
                            b += term;
                        }
                    }
                    entry.add(a + b);
                }
            }
        }
        check_entries(&got, &plain);
    }
}
