//! Truncated Newton (Newton-CG) to a certified optimum: the fewest iterations, for a buffer of
//! one probability per sample and class.
//!
//! [`NewtonCg::minimize`] minimises the same objective as [`Lbfgs::minimize`] and
//! [`solver::minimize`], stops by the same rule (the certificate of [`convex::certify`] proves
//! the requested [`Tolerance`]) and returns the same [`Report`]. It needs one more argument: a
//! slice of `[T; C]`, one per sample, which it fills with the softmax probabilities at the
//! current iterate. The crate allocates nothing, so the caller provides it (a `static`, a
//! stack array, or a `Vec` on a host).
//!
//! # The method
//!
//! Each iteration solves the Newton system ∇²P(θ)·d = −∇P(θ) approximately by conjugate
//! gradients from d = 0, then takes the step along d with the line search of
//! [`Lbfgs`] (t = 1 first, Armijo's condition, shrinking by quadratic interpolation).
//! The inner solve stops at the forcing term of Dembo and Steihaug that SciPy's and
//! scikit-learn's Newton-CG use, ‖r‖₁ ≤ min(½, √‖∇P‖₁)·‖∇P‖₁ for the residual r = −∇P − H·d
//! (superlinear convergence), after 200 products, or, sooner, once ‖r‖₂ is half the gradient
//! norm at which the certificate will be tried, √(2λε) (so that the last iteration does not
//! solve more accurately than the tolerance needs). P is λ-strongly convex, so H is positive
//! definite and every product has d·Hd > 0; should rounding say otherwise, the solve keeps what
//! it has, and should its direction not descend, the step is −∇P/L. The start is centred, and
//! once P stops decreasing in the working precision the run polishes on the certificate's
//! gradient with Newton directions, both as in [`Lbfgs`].
//!
//! Each Hessian-vector product (1/n) Σ_i w_{y_i} (diag(p_i) − p_i p_iᵀ)(V x̃_i) x̃_iᵀ + λV needs
//! the probabilities p_i of every sample at θ. [`convex::hessian_vector_product`] recomputes
//! them (the logits W x̃_i and their exponentials) on every call; here the gradient pass that
//! evaluates θ writes them into the buffer, taken from the loss's own kernel, so a product
//! costs only the direction's logits and the sum of outer products. On digits at λ = 0.01 in
//! `f64` with `std` (`perf record` of the solve, 2026-11-30) the 27 products take 62 % of the
//! 8.4 ms, about 195 µs each, against 290 µs for a gradient pass and 345 µs for
//! [`convex::hessian_vector_product`]. The probabilities are the bits of
//! [`softmax`](crate::softmax::softmax), and a product from the buffer is
//! `hessian_vector_product`'s bits (the tests compare both), so the result is deterministic and
//! the same on every target, like every solver of the crate.
//!
//! # Which solver
//!
//! Iterations and time to a certified relative gap of 1e-6 from the zero model, medians
//! (`python3 bench/benches/peers.py --repeat 7`, which runs `examples/speed.rs`; 2026-11-30
//! 14:12 UTC, shared 2-core x86-64 host; the `std` build):
//!
//! | data, λ, type | `NewtonCg` | `Lbfgs::<8>` | [`solver::minimize`] |
//! |---|---:|---:|---:|
//! | digits, 0.01, f64 | 8 it., 8.4 ms | 24 it., 8.0 ms | 398 it., 119 ms |
//! | digits, 0.01, f32 | 8 it., 8.9 ms | 24 it., 8.7 ms | 398 it., 87 ms |
//! | digits, 0.001, f64 | 9 it., 14.3 ms | 51 it., 16.6 ms | 1282 it., 380 ms |
//! | digits, 0.001, f32 | 9 it., 13.3 ms | 51 it., 14.1 ms | not certified in 3000 |
//! | digits, 0.0001, f64 | 10 it., 22.0 ms | 95 it., 31.3 ms | |
//! | digits, 0.0001, f32 | 10 it., 20.2 ms | 95 it., 36.2 ms | |
//! | iris, 0.1, f32 | 5 it., 64 µs | 9 it. (M = 4), 81 µs | 28 it., 182 µs |
//! | iris, 0.01, f32 | 6 it., 80 µs | 20 it. (M = 4), 138 µs | 109 it., 634 µs |
//! | iris, 0.001, f32 | 8 it., 104 µs | 35 it. (M = 4), 226 µs | 337 it., 1.9 ms |
//!
//! Newton-CG takes 5 to 10 iterations where L-BFGS takes 9 to 95, and its iterations grow
//! slowly as λ shrinks (the problem's condition number grows with 1/λ): it is level with
//! L-BFGS at λ = 0.01 on digits and faster below, 1.4 to 1.8 times at λ = 0.0001, and faster on
//! iris at every λ. In `f32` it certifies 1e-7 of P* on all five reference cases in at most 9
//! iterations (`tests/optimum.rs`), where L-BFGS takes 61 on digits at λ = 0.001.
//! Use Newton-CG when the buffer fits; L-BFGS when it does not (it needs no memory per sample);
//! the accelerated gradient method when the stack is the limit.
//!
//! # Memory
//!
//! The buffer: n·C·`size_of::<T>()` bytes, 71.9 KB for digits (1797 samples, 10 classes) in
//! `f32` and 143.8 KB in `f64`, 1 800 bytes for iris (150 samples, 3 classes) in `f32`. The
//! stack holds no history: the iterate and its gradient, the line search's trial point and its
//! gradient, the solve's d, r, the search direction and its product, and a pass's two
//! accumulators, about ten parameter-shaped values of (C·F + C)·`size_of::<T>()` bytes each
//! (5.2 KB for digits in `f64`: about 52 KB, against `Lbfgs::<8>`'s 124.8 KB), plus the
//! polishing's, as in [`Lbfgs`] (a count from the code). Measured on the device by stack
//! painting, Newton-CG on iris in `f32`, certificate included, peaks at 2 504 bytes of stack on
//! the Cortex-M4F (2 352 to 2 564 bytes on the Cortex-M3, Cortex-M0 and RV32IMC), less than
//! `Lbfgs::<4>`'s 2 816, beside its 1 800-byte buffer, in 6 iterations and 3.39 million
//! instructions against L-BFGS's 20 and 5.02 million (the `lbfgs` firmware, `bash
//! .ci/firmware.sh`, QEMU 10.0.2, `opt-level = "s"`, 2026-11-30; the table, regenerated by CI,
//! is in the [firmware guide](crate::guide::firmware#the-full-batch-solver)).
//!
//! [`Lbfgs::minimize`]: crate::lbfgs::Lbfgs::minimize
//! [`Lbfgs`]: crate::lbfgs::Lbfgs
//! [`solver::minimize`]: crate::solver::minimize
//! [`convex::certify`]: crate::convex::certify
//! [`convex::hessian_vector_product`]: crate::convex::hessian_vector_product
//! [`Tolerance`]: crate::solver::Tolerance
//! [`Report`]: crate::solver::Report

use crate::convex::{gradient_and_probabilities, hessian_vector_product_at, probabilities_into};
use crate::data::Sample;
use crate::error::{Error, Result};
use crate::lbfgs::{Directions, axpy, descend, dot, map_params};
use crate::math::Float;
use crate::model::Classifier;
use crate::objective::Objective;
use crate::solver::{Report, Stop, Tolerance};

/// Truncated Newton: each step solves the Newton system by conjugate gradients, with
/// Hessian-vector products from probabilities kept in a buffer the caller provides (see the
/// [module docs](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewtonCg;

/// The most Hessian-vector products one Newton step's conjugate gradients take.
const MAX_PRODUCTS: u32 = 200;

impl NewtonCg {
    /// Minimises P(θ) = (1/n) Σ_i w_{y_i} ℓ(W x_i + b, y_i) + (λ/2)(‖W‖² + ‖b‖²) from the
    /// model's current parameters, until [`certify`](crate::convex::certify) proves the
    /// requested gap, the iteration budget is spent, or rounding stops the line search.
    ///
    /// `probabilities` is working memory, one slot per sample (slots past `samples.len()` are
    /// not touched); its contents on entry do not matter and on return are the softmax
    /// probabilities at some iterate. `stop.max_iterations` counts Newton iterations (each one
    /// gradient pass, one pass for the probabilities and up to 200 Hessian-vector products)
    /// and polishing steps. On success the model holds the returned point, whether certified or
    /// not: check [`Report::certified`].
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] when `probabilities` is shorter than `samples`; otherwise as
    /// [`Lbfgs::minimize`](crate::lbfgs::Lbfgs::minimize). In every error case the model is
    /// unchanged.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Label, Objective, Sample, lbfgs::Lbfgs, newton::NewtonCg};
    /// use tinysoftmax::solver::{Stop, Tolerance};
    /// let data = [
    ///     Sample::new([1.0_f64, 0.5], Label::<3>::new(0)?),
    ///     Sample::new([-1.0, 0.5], Label::new(1)?),
    ///     Sample::new([0.0, -1.0], Label::new(2)?),
    /// ];
    /// let objective = Objective::new(0.01)?;
    /// let stop = Stop::new(Tolerance::Absolute(1e-12), 1000);
    /// let mut probabilities = [[0.0; 3]; 3];
    /// let mut model = Classifier::zeros();
    /// let report = NewtonCg::minimize(&mut model, &data, &objective, stop, &mut probabilities)?;
    /// assert!(report.certified && report.certificate.gap <= 1e-12);
    /// // Fewer iterations than L-BFGS to the same proven gap.
    /// let quasi = Lbfgs::<4>::minimize(&mut Classifier::zeros(), &data, &objective, stop)?;
    /// assert!(quasi.certified && report.iterations < quasi.iterations);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn minimize<const F: usize, const C: usize, T: Float>(
        model: &mut Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
        stop: Stop<T>,
        probabilities: &mut [[T; C]],
    ) -> Result<Report<T>> {
        let probabilities = probabilities
            .get_mut(..samples.len())
            .ok_or(Error::LengthMismatch)?;
        let tolerance = stop.tolerance;
        descend(model, samples, objective, stop, |_| Newton {
            samples,
            objective,
            probabilities,
            tolerance,
        })
    }
}

/// Newton-CG's directions: what its inner solve needs.
struct Newton<'a, const F: usize, const C: usize, T> {
    samples: &'a [Sample<F, C, T>],
    objective: &'a Objective<C, T>,
    probabilities: &'a mut [[T; C]],
    tolerance: Tolerance<T>,
}

impl<const F: usize, const C: usize, T: Float> Directions<F, C, T> for Newton<'_, F, C, T> {
    fn descent(
        &mut self,
        x: &Classifier<F, C, T>,
        (p, g): (T, &Classifier<F, C, T>),
        smooth: T,
        filled: bool,
    ) -> Result<(Classifier<F, C, T>, T)> {
        if !filled {
            probabilities_into(x, self.samples, self.probabilities)?;
        }
        let (d, _) = self.solve(g, p)?;
        let slope = dot(g, &d);
        if slope < T::ZERO {
            return Ok((d, slope));
        }
        // Rounding spoiled the solve (or it took no step): the gradient step −g/L.
        let mut d = g.clone();
        map_params(&mut d, |v| -v / smooth);
        let slope = dot(g, &d);
        Ok((d, slope))
    }

    /// The pass also writes the probabilities at `x` into the buffer.
    fn gradient(
        &mut self,
        x: &Classifier<F, C, T>,
        samples: &[Sample<F, C, T>],
        objective: &Objective<C, T>,
    ) -> Result<(T, Classifier<F, C, T>)> {
        gradient_and_probabilities(x, samples, objective, self.probabilities)
    }

    fn learn(
        &mut self,
        _: &Classifier<F, C, T>,
        _: &Classifier<F, C, T>,
        _: &Classifier<F, C, T>,
        _: &Classifier<F, C, T>,
    ) {
    }
}

impl<const F: usize, const C: usize, T: Float> Newton<'_, F, C, T> {
    /// An approximate solution d of H·d = −g by conjugate gradients from d = 0, with H the
    /// Hessian at the point whose probabilities the buffer holds, and the products it took.
    fn solve(&self, g: &Classifier<F, C, T>, p: T) -> Result<(Classifier<F, C, T>, u32)> {
        let mut d = Classifier::zeros();
        let mut r = g.clone();
        map_params(&mut r, |v| -v);
        let mut q = r.clone();
        let mut rr = dot(&r, &r);
        // The forcing term of Dembo and Steihaug, as SciPy's and scikit-learn's Newton-CG take
        // it: stop when ‖r‖₁ ≤ min(½, √‖g‖₁)·‖g‖₁.
        let g1 = norm1(g);
        let root = g1.sqrt();
        let forcing = if root < T::HALF { root } else { T::HALF } * g1;
        // And once ‖r‖₂ is half the gradient norm at which the certificate is tried.
        let enough = T::HALF * enough_gradient(self.tolerance, p, self.objective.lambda());
        let mut products = 0;
        while products < MAX_PRODUCTS {
            if rr.sqrt() <= enough || norm1(&r) <= forcing {
                break;
            }
            products += 1;
            let hq =
                hessian_vector_product_at(self.samples, self.objective, self.probabilities, &q)?;
            let curvature = dot(&q, &hq);
            if !(curvature > T::ZERO && curvature.is_finite()) {
                // P is strongly convex: only rounding gets here. Keep what was solved.
                break;
            }
            let alpha = rr / curvature;
            axpy(&mut d, alpha, &q);
            axpy(&mut r, -alpha, &hq);
            let rr_new = dot(&r, &r);
            let beta = rr_new / rr;
            scale_and_add(&mut q, beta, &r);
            rr = rr_new;
        }
        Ok((d, products))
    }
}

/// The largest ‖∇P‖ whose estimate ‖∇P‖²/(2λ) of the gap meets the tolerance at objective p:
/// √(2λε), with ε·p for a relative tolerance.
fn enough_gradient<T: Float>(tolerance: Tolerance<T>, p: T, lambda: T) -> T {
    let epsilon = match tolerance {
        Tolerance::Absolute(e) => e,
        Tolerance::Relative(e) => e * p,
    };
    ((lambda + lambda) * epsilon).sqrt()
}

/// Σ |x_i| over the parameters, in storage order.
fn norm1<const F: usize, const C: usize, T: Float>(x: &Classifier<F, C, T>) -> T {
    x.params().fold(T::ZERO, |acc, v| acc + v.abs())
}

/// q ← r + β·q.
fn scale_and_add<const F: usize, const C: usize, T: Float>(
    q: &mut Classifier<F, C, T>,
    beta: T,
    r: &Classifier<F, C, T>,
) {
    let ((qw, qb), (rw, rb)) = (q.parts_mut(), r.parts());
    for (qi, &ri) in qw.as_flattened_mut().iter_mut().zip(rw.as_flattened()) {
        *qi = ri + beta * *qi;
    }
    for (qi, &ri) in qb.iter_mut().zip(rb) {
        *qi = ri + beta * *qi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convex::{Parameters, certify, certify_plain, hessian_vector_product};
    use crate::data::Label;
    use crate::lbfgs::Lbfgs;

    fn data() -> [Sample<2, 3, f64>; 5] {
        let s = |x: [f64; 2], y| Sample::new(x, Label::new(y).unwrap_or_else(|_| unreachable!()));
        [
            s([1.0, 0.5], 0),
            s([-1.0, 0.5], 1),
            s([0.0, -1.0], 2),
            s([0.5, 0.5], 1),
            s([-0.5, -2.0], 0),
        ]
    }

    fn objective(lambda: f64) -> Objective<3, f64> {
        Objective::new(lambda).unwrap_or_else(|_| unreachable!())
    }

    fn stop(eps: f64, max_iterations: u32) -> Stop<f64> {
        Stop::new(Tolerance::Absolute(eps), max_iterations)
    }

    fn model() -> Classifier<2, 3, f64> {
        Classifier::new([[1.0, 2.0], [0.0, -0.5], [-1.0, 0.5]], [0.1, 0.2, -0.3])
    }

    /// The products from the buffer's probabilities are the public product's bits, on both
    /// sides of a block boundary (5 samples in blocks of 8, 13 in a block and a part).
    #[test]
    fn products_from_the_buffer_are_the_public_products() {
        let v = Classifier::new([[0.3, -1.0], [2.0, 0.25], [-0.5, 1.5]], [1.0, -2.0, 0.5]);
        let mut more = [data()[0]; 13];
        let mut k = 0.0;
        for s in &mut more {
            s.features = [k / 3.0 - 2.0, 1.0 - k % 4.0];
            k += 1.0;
        }
        for samples in [&data()[..], &more[..]] {
            let mut probabilities = [[f64::NAN; 3]; 14];
            let ok = probabilities_into(&model(), samples, &mut probabilities);
            assert_eq!(ok, Ok(()));
            // The slot past the samples is left alone.
            assert!(probabilities[samples.len()].iter().all(|p| p.is_nan()));
            let o = objective(0.01);
            let ours = hessian_vector_product_at(samples, &o, &probabilities, &v);
            let public = hessian_vector_product(&model(), samples, &o, &Parameters::of(&v));
            assert_eq!(ours.map(|p| Parameters::of(&p)), public);
        }
    }

    /// The gradient pass that notes the probabilities computes the plain pass's objective and
    /// gradient and [`probabilities_into`]'s probabilities, bit for bit, with plain and with
    /// weighted, smoothed losses; they are softmax's bits.
    #[test]
    fn the_gradient_pass_notes_the_probabilities_of_probabilities_into() {
        use crate::convex::gradient_in_model_shape;
        use crate::loss::CrossEntropy;
        let weighted = CrossEntropy::new()
            .with_label_smoothing(0.1)
            .and_then(|l| l.with_class_weights([1.0, 2.5, 0.5]))
            .and_then(|l| Objective::from_parts(l, 0.01));
        let weighted = weighted.unwrap_or_else(|_| unreachable!());
        let bits = |p: &[[f64; 3]]| -> [u64; 18] {
            let mut out = [0; 18];
            for (o, v) in out.iter_mut().zip(p.iter().flatten()) {
                *o = v.to_bits();
            }
            out
        };
        for o in [objective(0.01), weighted] {
            let (samples, x) = (data(), model());
            let mut noted = [[f64::NAN; 3]; 6];
            let mut direct = [[f64::NAN; 3]; 6];
            let ours = gradient_and_probabilities(&x, &samples, &o, &mut noted);
            assert_eq!(ours, gradient_in_model_shape(&x, &samples, &o));
            assert_eq!(probabilities_into(&x, &samples, &mut direct), Ok(()));
            assert_eq!(bits(&noted), bits(&direct));
            assert!(noted[5][0].is_nan());
            for (p, s) in noted.iter().zip(&samples) {
                let softmax = crate::softmax::softmax(&x.logits(&s.features));
                assert_eq!(bits(&[*p]), bits(&[softmax]));
            }
        }
    }

    /// Near the optimum the inner solve meets its forcing term, ‖H·d + g‖₁ ≤ √‖g‖₁·‖g‖₁
    /// (checked with the public product), and its step is a Newton step: the gradient after it
    /// is five times smaller, where after the gradient step −g/L it is not even halved.
    #[test]
    fn the_inner_solve_is_a_newton_step() {
        let (samples, o) = (data(), objective(0.01));
        let mut x = Classifier::zeros();
        let mut probabilities = [[0.0; 3]; 5];
        let r = NewtonCg::minimize(&mut x, &samples, &o, stop(1e-14, 100), &mut probabilities);
        assert!(r.is_ok_and(|r| r.certified));
        for (k, v) in x.params_mut().enumerate() {
            *v += 0.02 * [1.0, -1.0, 0.5, 2.0][k % 4];
        }
        let (p, g, mut probabilities, smooth) = at(&x, &o);
        let newton = Newton {
            samples: &samples,
            objective: &o,
            probabilities: &mut probabilities,
            tolerance: Tolerance::Absolute(1e-30),
        };
        let Ok((d, _)) = newton.solve(&g, p) else {
            unreachable!()
        };
        let Ok(hd) = hessian_vector_product(&x, &samples, &o, &Parameters::of(&d)) else {
            unreachable!()
        };
        let mut residual = hd.as_model().clone();
        axpy(&mut residual, 1.0, &g);
        let g1 = norm1(&g);
        assert!(g1 > 0.01 && g1 < 0.25, "{g1}");
        assert!(norm1(&residual) <= g1.sqrt() * g1, "{residual:?}");
        let mut next = x.clone();
        axpy(&mut next, 1.0, &d);
        let (_, g_next, ..) = at(&next, &o);
        assert!(norm1(&g_next) < 0.2 * g1, "{} {g1}", norm1(&g_next));
        let mut plain = x.clone();
        axpy(&mut plain, -1.0 / smooth, &g);
        let (_, g_plain, ..) = at(&plain, &o);
        assert!(norm1(&g_plain) > 0.5 * g1, "{} {g1}", norm1(&g_plain));
    }

    /// The objective, gradient, probabilities and smoothness bound at `x`.
    fn at(
        x: &Classifier<2, 3, f64>,
        o: &Objective<3, f64>,
    ) -> (f64, Classifier<2, 3, f64>, [[f64; 3]; 5], f64) {
        let samples = data();
        let mut probabilities = [[0.0; 3]; 5];
        let Ok((p, g)) = gradient_and_probabilities(x, &samples, o, &mut probabilities) else {
            unreachable!()
        };
        let Ok(smooth) = crate::convex::smoothness(&samples, o) else {
            unreachable!()
        };
        (p, g, probabilities, smooth)
    }

    /// Where the gradient is already as small as the tolerance needs, the solve takes no
    /// product and returns d = 0, and the direction is the gradient step −g/L.
    #[test]
    fn a_solve_with_nothing_to_do_gives_the_gradient_step() {
        let (samples, o, x) = (data(), objective(0.01), model());
        let (p, g, mut probabilities, smooth) = at(&x, &o);
        let mut newton = Newton {
            samples: &samples,
            objective: &o,
            probabilities: &mut probabilities,
            tolerance: Tolerance::Absolute(1e6),
        };
        let Ok((d, products)) = newton.solve(&g, p) else {
            unreachable!()
        };
        assert_eq!((d, products), (Classifier::zeros(), 0));
        let Ok((d, slope)) = newton.descent(&x, (p, &g), smooth, true) else {
            unreachable!()
        };
        let mut step = g.clone();
        map_params(&mut step, |v| -v / smooth);
        assert_eq!(d, step);
        assert!(slope < 0.0 && slope == dot(&g, &step));
    }

    /// Near the optimum, with nothing but the forcing term √‖g‖₁·‖g‖₁ to stop it, conjugate
    /// gradients reach it within the 9 dimensions of the parameters (5 products; with β ≈ 0,
    /// steepest descent in the same metric, 99).
    #[test]
    fn conjugate_gradients_end_within_the_dimension() {
        let (samples, o) = (data(), objective(0.001));
        let mut x = Classifier::zeros();
        let mut probabilities = [[0.0; 3]; 5];
        let r = NewtonCg::minimize(&mut x, &samples, &o, stop(1e-14, 100), &mut probabilities);
        assert!(r.is_ok_and(|r| r.certified));
        for (k, v) in x.params_mut().enumerate() {
            *v += 1e-6 * [1.0, -1.0, 0.5, 2.0][k % 4];
        }
        let (p, g, mut probabilities, _) = at(&x, &o);
        let newton = Newton {
            samples: &samples,
            objective: &o,
            probabilities: &mut probabilities,
            tolerance: Tolerance::Absolute(1e-30),
        };
        let Ok((_, products)) = newton.solve(&g, p) else {
            unreachable!()
        };
        assert!((2..=9).contains(&products), "{products}");
    }

    /// Given `filled = false`, the direction is computed from the probabilities at `x`, not from
    /// what the buffer held (here, another point's).
    #[test]
    fn stale_probabilities_are_recomputed() {
        let (samples, o, x) = (data(), objective(0.01), model());
        let (p, g, mut fresh, smooth) = at(&x, &o);
        let (.., mut stale, _) = at(&Classifier::zeros(), &o);
        let direction = |probabilities: &mut [[f64; 3]], filled| {
            let mut newton = Newton {
                samples: &samples,
                objective: &o,
                probabilities,
                tolerance: Tolerance::Absolute(1e-30),
            };
            newton.descent(&x, (p, &g), smooth, filled)
        };
        let expected = direction(&mut fresh, true);
        assert!(expected.is_ok());
        assert_eq!(direction(&mut stale, false), expected);
        assert_eq!(stale, fresh);
    }

    #[test]
    fn the_gradient_norm_that_suffices_follows_the_tolerance() {
        assert_eq!(enough_gradient(Tolerance::Absolute(2.0), 7.0, 1.0), 2.0);
        assert_eq!(enough_gradient(Tolerance::Relative(0.25), 4.0, 0.5), 1.0);
        let q = &mut Classifier::new([[1.0], [2.0]], [3.0, 4.0]);
        scale_and_add(q, 2.0, &Classifier::new([[1.0], [-1.0]], [0.5, 0.0]));
        assert_eq!(q, &Classifier::new([[3.0], [3.0]], [6.5, 8.0]));
        assert_eq!(norm1(&Classifier::new([[1.0], [-2.0]], [0.5, -0.25])), 3.75);
    }

    #[test]
    fn certifies_tight_gaps_in_fewer_iterations_than_lbfgs() {
        for lambda in [0.1, 0.01, 0.001] {
            let (samples, o) = (data(), objective(lambda));
            let mut probabilities = [[0.0; 3]; 5];
            let mut m = Classifier::zeros();
            let r = NewtonCg::minimize(&mut m, &samples, &o, stop(1e-13, 100), &mut probabilities);
            let r = r.unwrap_or_else(|_| unreachable!());
            assert!(r.certified && r.certificate.gap <= 1e-13, "{r}");
            assert_eq!(certify_plain(&m, &samples, &o), Ok(r.certificate));
            let mut q = Classifier::zeros();
            let l = Lbfgs::<4>::minimize(&mut q, &samples, &o, stop(1e-13, 500));
            let l = l.unwrap_or_else(|_| unreachable!());
            assert!(l.certified && r.iterations < l.iterations, "{r} {l}");
            // At the optimum nothing is left to do.
            let again =
                NewtonCg::minimize(&mut m, &samples, &o, stop(1e-13, 5), &mut probabilities);
            assert_eq!(again.map(|a| a.iterations), Ok(0));
        }
    }

    #[test]
    fn a_spent_budget_is_reported_as_not_certified() {
        let mut model = Classifier::zeros();
        let mut probabilities = [[0.0; 3]; 5];
        let o = objective(0.01);
        let r = NewtonCg::minimize(&mut model, &data(), &o, stop(1e-14, 1), &mut probabilities);
        let r = r.unwrap_or_else(|_| unreachable!());
        assert_eq!(r.iterations, 1);
        assert!(!r.certified && r.certificate.gap > 1e-14);
        assert_eq!(certify(&model, &data(), &o), Ok(r.certificate));
    }

    #[test]
    fn bad_arguments_leave_the_model_and_the_spare_slots_unchanged() {
        let start = model();
        let mut m = start.clone();
        let d = data();
        let mut probabilities = [[7.0; 3]; 6];
        let mut run = |m: &mut Classifier<2, 3, f64>, d: &[Sample<2, 3, f64>], lambda, stop, n| {
            let buffer = probabilities.get_mut(..n).unwrap_or_default();
            NewtonCg::minimize(m, d, &objective(lambda), stop, buffer)
        };
        assert_eq!(
            run(&mut m, &d, 0.1, stop(1e-9, 5), 4),
            Err(Error::LengthMismatch)
        );
        let bad = Stop::new(Tolerance::Relative(f64::NAN), 5);
        assert_eq!(run(&mut m, &d, 0.1, bad, 6), Err(Error::Tolerance));
        assert_eq!(
            run(&mut m, &d, 0.0, stop(1e-9, 5), 6),
            Err(Error::NeedsWeightDecay)
        );
        assert_eq!(
            run(&mut m, &[], 0.1, stop(1e-9, 5), 0),
            Err(Error::NoSamples)
        );
        let mut nan = d;
        nan[2].features[1] = f64::NAN;
        assert_eq!(
            run(&mut m, &nan, 0.1, stop(1e-9, 5), 6),
            Err(Error::NonFiniteFeature)
        );
        let mut huge = Classifier::new([[1e300, 1e300], [0.0; 2], [0.0; 2]], [0.0; 3]);
        assert_eq!(
            run(&mut huge, &d, 0.1, stop(1e-9, 5), 6),
            Err(Error::NonFiniteLogit)
        );
        assert_eq!(huge.weights()[0], [1e300, 1e300]);
        assert_eq!(m, start);
        // A run that works writes the first five slots only.
        assert!(run(&mut m, &d, 0.1, stop(1e-9, 50), 6).is_ok_and(|r| r.certified));
        assert_eq!(probabilities[5], [7.0; 3]);
        assert!(
            probabilities[..5]
                .iter()
                .all(|p| (p.iter().sum::<f64>() - 1.0).abs() < 1e-12)
        );
    }
}
