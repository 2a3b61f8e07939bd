//! The full-batch objective, its gradient and Hessian, the smoothness bound and the
//! optimality certificate — and the proof that training it converges to the one best model.
//!
//! The objective over samples (x_i, y_i), i = 1..n, with class weights w ≥ 0 and L2
//! coefficient λ ≥ 0:
//!
//! ```text
//! P(W, b) = (1/n) Σ_i w_{y_i} · ℓ(W x_i + b, y_i) + (λ/2)(‖W‖² + ‖b‖²)
//! ```
//!
//! where ℓ is the (optionally label-smoothed) cross-entropy of [`CrossEntropy`]. With every
//! weight 1 and no smoothing this is the multinomial logistic regression objective of
//! scikit-learn's `LogisticRegression(C = 1/(nλ))` with the bias penalised like the weights.
//! [`objective`] computes P, [`gradient`] ∇P, [`hessian_vector_product`] ∇²P·v,
//! [`smoothness`] the constant L below and [`certify`] the bound of Step 5.
//!
//! **In short**: the softmax cross-entropy is convex in the logits because its Hessian is a
//! covariance matrix; the logits are affine in (W, b), so P is convex in (W, b); the penalty
//! makes it λ-strongly convex, so it has exactly one minimiser θ*; its gradient is L-Lipschitz,
//! so gradient steps of size 1/L always descend; and strong convexity turns any gradient into a
//! guaranteed bound on the distance to θ*. None of this survives a hidden layer.
//!
//! The steps below are proved in full. Each names the tests that check it on this crate's own
//! code (`tests/convexity.rs`, `tests/certificate.rs`; run them with
//! `cargo test --test convexity --test certificate`). Those tests check every inequality in
//! `f64` and in `f32`, on random and adversarial inputs, with tolerances from a written error
//! model (unit roundoff times a stated growth factor), and they show that the same checker
//! does find the violations where the hypotheses fail.
//!
//! # Notation
//!
//! z ∈ R^C are the logits, p = softmax(z) (p_j = e^{z_j} / Σ_k e^{z_k}), lse(z) = ln Σ_j e^{z_j},
//! e_y the y-th unit vector and 1 the all-ones vector. The parameters θ = (W, b) ∈ R^{C×F} × R^C
//! are also read as one matrix Θ = [W | b] ∈ R^{C×(F+1)} or one vector in R^d, d = C(F + 1);
//! with x̃ = (x, 1) the logits are z = W x + b = Θ x̃. ‖·‖ is the Euclidean norm (Frobenius for
//! matrices) and, for a symmetric matrix, the spectral norm.
//!
//! # Step 1. The cross-entropy is convex in the logits
//!
//! **Lemma 1 (derivatives).** ∇lse(z) = p and ∇²lse(z) = diag(p) − ppᵀ =: H(z).
//!
//! *Proof.* ∂lse/∂z_j = e^{z_j}/Σ_k e^{z_k} = p_j, and ∂p_j/∂z_k = p_j([j = k] − p_k). ∎
//!
//! CE(z, y) = −ln p_y = lse(z) − z_y differs from lse by a linear function, so its gradient is
//! p − e_y and its Hessian is H(z). The same holds for the label-smoothed loss, which is
//! lse(z) − qᵀz with the target q = (1 − ε)e_y + (ε/C)·1 (gradient p − q, Hessian H), and for
//! a class weight w ≥ 0, which scales both.
//!
//! **Lemma 2 (the Hessian is a variance).** For every v ∈ R^C, with v̄ = pᵀv,
//!
//! ```text
//! vᵀ H(z) v = Σ_j p_j v_j² − (Σ_j p_j v_j)² = Σ_j p_j (v_j − v̄)² = Var_{j∼p}(v_j) ≥ 0.
//! ```
//!
//! *Proof.* vᵀdiag(p)v = Σ p_j v_j² and vᵀppᵀv = (pᵀv)²; expanding Σ p_j (v_j − v̄)² with
//! Σ p_j = 1 gives the same. A weighted sum of squares with weights p_j ≥ 0 is ≥ 0. ∎
//!
//! *Where equality holds.* Var_p(v) = 0 exactly when v_j = v̄ for every j with p_j > 0. For
//! finite logits every p_j > 0, so vᵀHv = 0 if and only if v = t·1: the null space of H(z) is
//! span{1}, at every z. This is **shift invariance**: lse(z + t·1) = lse(z) + t, so
//! CE(z + t·1, y) = CE(z, y) for all t, and the gradient is orthogonal to 1:
//! 1ᵀ(p − e_y) = 1 − 1 = 0. Along any direction v not parallel to 1, t ↦ CE(z + tv, y) has a
//! strictly positive second derivative: CE is strictly convex across the lines parallel to 1
//! and constant along them.
//!
//! **Lemma 3 (diagonal dominance).** H is symmetric, H_jj = p_j(1 − p_j) = p_j Σ_{k≠j} p_k
//! = Σ_{k≠j} |H_jk|, and H·1 = 0: H is weakly diagonally dominant with equality in every row.
//! By Gershgorin's theorem every eigenvalue lies in some [H_jj − R_j, H_jj + R_j] with
//! R_j = Σ_{k≠j}|H_jk| = H_jj, i.e. in [0, 2p_j(1 − p_j)] ⊂ [0, ½]: a second proof that H is
//! positive semidefinite, and the bound ‖H‖ ≤ ½ used in Step 4. ∎
//!
//! **Theorem 1.** For every class y (and every weight w ≥ 0 and smoothing ε), the loss is a
//! convex function of the logits.
//!
//! *Proof.* It is twice continuously differentiable on R^C. On any line, g(t) = CE(z + tv, y)
//! has g''(t) = vᵀH(z + tv)v ≥ 0 by Lemma 2, so g' is non-decreasing and g is convex; a
//! function that is convex on every line is convex. ∎
//!
//! Checked by `logit_hessian_{f64,f32}::quadratic_form_is_variance` (vᵀHv from
//! [`hessian_vector_product`] against Var_p(v), and ≥ 0), `::diagonally_dominant` (Lemma 3,
//! H·1 = 0), `::gradient_sums_to_zero`, `::shift_invariance_exact` (bit for bit, where z + t is
//! exact), `::shift_invariance`, and `logits_{f64,f32}_c*::{jensen_two_sided,
//! first_order_two_sided, gradient_monotone}` (the inequalities of Steps 3–4 with μ = 0, L = ½).
//!
//! # Step 2. The objective is convex in the parameters (W, b)
//!
//! **Lemma 4 (affine composition).** If g is convex on R^C and A: R^d → R^C is affine, g∘A is
//! convex. *Proof.* A(θa + (1 − θ)b) = θA(a) + (1 − θ)A(b), so
//! g(A(θa + (1 − θ)b)) ≤ θ g(A(a)) + (1 − θ) g(A(b)). ∎
//!
//! **Lemma 5 (non-negative sums).** If f_1, …, f_n are convex and c_i ≥ 0, Σ c_i f_i is convex.
//! *Proof.* Multiply each Jensen inequality by c_i ≥ 0 and add. ∎
//!
//! For a fixed sample, θ ↦ z_i = Θ x̃_i is linear, so by Theorem 1 and Lemma 4 every term
//! ℓ(Θ x̃_i, y_i) is convex in θ, and by Lemma 5 so is the data term
//! D(θ) = (1/n) Σ_i w_{y_i} ℓ(Θ x̃_i, y_i) (all w_{y_i}/n ≥ 0). Its derivatives, which
//! [`gradient`] and [`hessian_vector_product`] compute, follow from the chain rule: with
//! δ_i = ∇_z ℓ(z_i, y_i) and, for a direction v = [V | c], u_i = V x_i + c = [V | c] x̃_i,
//!
//! ```text
//! ∇D(θ)      = (1/n) Σ_i w_{y_i} δ_i x̃_iᵀ            (an outer product per sample)
//! vᵀ∇²D(θ)v  = (1/n) Σ_i w_{y_i} u_iᵀ H(z_i) u_i  = (1/n) Σ_i w_{y_i} Var_{p_i}(u_i) ≥ 0.
//! ```
//!
//! Checked by `objective_{f64,f32}_*::{jensen_two_sided, first_order_two_sided,
//! gradient_monotone, hessian_two_sided}` on random data (random class weights and label
//! smoothing included), and `hvp_matches_gradient_differences` (the analytic ∇²P·v against
//! central differences of ∇P, within the truncation and rounding bounds).
//!
//! # Step 3. With the penalty, exactly one minimiser; without it, none or infinitely many
//!
//! A function f is μ-strongly convex when f − (μ/2)‖·‖² is convex. P − (λ/2)‖θ‖² = D is convex
//! (Step 2), so **P is λ-strongly convex**. For differentiable f this is equivalent to each of
//! the following, which are the lower sides of the tests' two-sided checks (Δ = b − a):
//!
//! ```text
//! (J)  θ f(a) + (1−θ) f(b) − f(θa + (1−θ)b) ≥ (μ/2) θ(1−θ) ‖Δ‖²      for all θ ∈ [0, 1]
//! (FO) f(b) − f(a) − ⟨∇f(a), Δ⟩              ≥ (μ/2) ‖Δ‖²
//! (M)  ⟨∇f(b) − ∇f(a), Δ⟩                    ≥ μ ‖Δ‖²
//! (H)  vᵀ ∇²f v                               ≥ μ ‖v‖²
//! ```
//!
//! *Proof for P.* D satisfies each with μ = 0: (J) is convexity; for (FO), convexity gives
//! D(a + sΔ) ≤ D(a) + s(D(b) − D(a)) for s ∈ (0, 1]; subtract D(a), divide by s and let
//! s → 0⁺ to get ⟨∇D(a), Δ⟩ ≤ D(b) − D(a); (M) is (FO) at (a, b) plus (FO) at (b, a); (H) is
//! Step 2. The penalty
//! q(θ) = (λ/2)‖θ‖² satisfies each with equality and μ = λ: θ‖a‖² + (1 − θ)‖b‖² −
//! ‖θa + (1 − θ)b‖² = θ(1 − θ)‖a − b‖², q(b) − q(a) − ⟨λa, Δ⟩ = (λ/2)‖Δ‖²,
//! ⟨λb − λa, Δ⟩ = λ‖Δ‖² and ∇²q = λI. Add. ∎
//!
//! **Theorem 2.** For λ > 0, P has exactly one minimiser θ*, and ‖θ*‖² ≤ 2P(0)/λ (with unit
//! weights P(0) = ln C).
//!
//! *Proof.* Existence: P is continuous and P(θ) ≥ (λ/2)‖θ‖² because D ≥ 0, so the sublevel set
//! {θ : P(θ) ≤ P(0)} is closed and lies in the ball ‖θ‖² ≤ 2P(0)/λ; a continuous function
//! attains its minimum on a non-empty compact set. Uniqueness: if θ₁ ≠ θ₂ both attain P*, (J)
//! with θ = ½ gives P((θ₁ + θ₂)/2) ≤ P* − (λ/8)‖θ₁ − θ₂‖² < P*, a contradiction. ∎
//!
//! At θ*, ∇P = ∇D + λθ* = 0. Since ∇D is orthogonal to the directions below (D is constant
//! along them), so is θ*: the optimal weights and biases sum to zero over the classes,
//! Σ_c W*_c = 0 and Σ_c b*_c = 0.
//!
//! **Without the penalty (λ = 0) there is never exactly one minimiser.**
//!
//! - *Flat directions.* For any s ∈ R^F and r ∈ R, moving θ along D_{s,r} = (1·sᵀ, r·1) adds
//!   sᵀx_i + r to every logit of sample i, which leaves every CE unchanged (shift invariance,
//!   Step 1). So D(θ + t·D_{s,r}) = D(θ) for all t: if D has a minimiser, the whole
//!   (F + 1)-dimensional affine set θ* + span{D_{s,r}} consists of minimisers. With λ > 0
//!   the same move changes P by exactly λt⟨θ, D_{s,r}⟩ + (λ/2)t²‖D_{s,r}‖².
//! - *Separable data: no minimiser.* If some Θ_s classifies every sample with a margin γ > 0,
//!   (Θ_s x̃_i)_{y_i} ≥ (Θ_s x̃_i)_j + γ for all j ≠ y_i, then along t·Θ_s every loss is
//!   CE = ln(1 + Σ_{j≠y_i} e^{−t·(margin)}) ≤ ln(1 + (C − 1)e^{−tγ}) → 0 as t → ∞, so
//!   inf D = 0 (for unit weights); but CE > 0 at every finite logit vector (p_y < 1), so
//!   D(θ) > 0 for every θ and the infimum is not attained. Gradient descent on such data runs
//!   off to infinity.
//!
//! Checked by the μ = λ side of every Step-2 check,
//! `bounds_are_attained_and_stronger_claims_refuted` (along a flat direction the gap is
//! exactly the penalty's, and a claim μ = 1.01λ is refuted),
//! `shift_direction_is_flat_without_penalty`, `separable_data_has_no_minimiser`, and in
//! `tests/certificate.rs` `optimum_is_unique` (descent from a far start ends at the same θ*,
//! whose class sums vanish).
//!
//! # Step 4. Smoothness, and a safe learning rate
//!
//! **Lemma 6.** ‖H(z)‖ ≤ ½ for every z, with equality for C = 2, z_1 = z_2, v = (1, −1).
//!
//! *Proof.* H is symmetric positive semidefinite, so ‖H‖ = max_{‖v‖=1} vᵀHv = max Var_p(v).
//! The variance is the smallest mean square deviation from a constant, so with
//! m = (max_j v_j + min_j v_j)/2: Var_p(v) ≤ Σ p_j (v_j − m)² ≤ ((max v − min v)/2)²
//! ≤ (|v_a| + |v_b|)²/4 ≤ (v_a² + v_b²)/2 ≤ ‖v‖²/2, where a, b index the max and the min.
//! For p = (½, ½), v = (1, −1): Hv = ½v. (Lemma 3 gives the same bound.) ∎
//!
//! **Lemma 7 (one sample).** For u_i = [V | c] x̃_i, ‖u_i‖ ≤ ‖[V | c]‖·‖x̃_i‖ (Cauchy–Schwarz on
//! each row), so the sample's parameter Hessian satisfies
//! vᵀ(∇²ℓ_i)v = u_iᵀH(z_i)u_i ≤ ½‖u_i‖² ≤ ½‖x̃_i‖²‖v‖². In matrix form ∇²ℓ_i = H(z_i) ⊗ x̃_i x̃_iᵀ
//! (row-major vectorisation of Θ), and ‖A ⊗ B‖ = ‖A‖·‖B‖ with ‖x̃x̃ᵀ‖ = ‖x̃‖². ∎
//!
//! **Theorem 3.** P is L-smooth, λI ⪯ ∇²P(θ) ⪯ L·I for every θ, with
//!
//! ```text
//! L = ½ · (1/n) Σ_i w_{y_i} ‖(x_i, 1)‖² + λ   ≤   ½ · max_i w_{y_i} ‖(x_i, 1)‖² + λ,
//! ```
//!
//! the value [`smoothness`] returns. With unit weights the right-hand side is the textbook
//! ½·max_i ‖(x_i, 1)‖² + λ, never smaller.
//!
//! *Proof.* ∇²P = (1/n) Σ_i w_{y_i} ∇²ℓ_i + λI. By the triangle inequality for the norm and
//! Lemma 7, ‖(1/n)Σ_i w_{y_i}∇²ℓ_i‖ ≤ (1/n)Σ_i w_{y_i}·½‖x̃_i‖², and a mean is at most a
//! maximum. The lower bound is (H) of Step 3. Then ∇P(a) − ∇P(b) = ∫₀¹ ∇²P(b + t(a − b))(a − b) dt
//! gives ‖∇P(a) − ∇P(b)‖ ≤ L‖a − b‖, and integrating twice gives the upper sides of the tests'
//! checks: (J) ≤ (L/2)θ(1−θ)‖Δ‖², (FO) ≤ (L/2)‖Δ‖², (M) ≤ L‖Δ‖², (H) ≤ L‖v‖². ∎
//!
//! *What it means for the learning rate.* The upper side of (FO) at b = θ − η∇P(θ) is the
//! descent lemma: P(θ − η∇P) ≤ P(θ) − η(1 − Lη/2)‖∇P‖². Every full-batch step with
//! 0 < η < 2/L decreases P unless ∇P = 0, and η = 1/L guarantees the largest decrease,
//! ‖∇P‖²/(2L). Combined with Step 5 (‖∇P‖² ≥ 2λ(P − P*)), gradient descent with η = 1/L
//! converges linearly: P(θ_k) − P* ≤ (1 − λ/L)^k (P(θ_0) − P*). With standardised features
//! (each column of mean 0 and variance 1) and unit weights, L = ½(F + 1) + λ exactly: 2.51 on
//! iris at λ = 0.01. A single-sample (SGD) step on sample i is a descent step for that
//! sample's own loss when η ≤ 1/(½·w_{y_i}‖x̃_i‖² + λ), so η ≤ 1/(½·max_i w_{y_i}‖x̃_i‖² + λ),
//! the textbook constant, is the safe rate for every step.
//!
//! Checked by the L side of every check of Steps 1–2 (L = ½ in the logits, L =
//! [`smoothness`] in (W, b)), `logit_hessian_{f64,f32}::quadratic_form_is_variance`
//! (‖Hu‖ ≤ ½‖u‖), `logit_hessian_norm_half_is_attained`,
//! `smoothness_is_at_most_the_textbook_bound`,
//! `bounds_are_attained_and_stronger_claims_refuted` (a claim L = 0.99·½ is refuted), and
//! `gradient_descent_with_step_one_over_l_descends` in `tests/certificate.rs` (the descent
//! lemma at every step on iris).
//!
//! # Step 5. The optimality certificate
//!
//! **Theorem 4.** For λ > 0, every θ satisfies
//!
//! ```text
//! P(θ) − P* ≤ ‖∇P(θ)‖² / (2λ)        and        ‖θ − θ*‖ ≤ ‖∇P(θ)‖ / λ.
//! ```
//!
//! *Proof.* Let g = ∇P(θ). By (FO) at a = θ, for every b,
//! P(b) ≥ P(θ) + ⟨g, b − θ⟩ + (λ/2)‖b − θ‖² ≥ P(θ) − ‖g‖²/(2λ), the right-hand side minimised
//! over b (at b − θ = −g/λ). Take b = θ*. For the distance, (M) with ∇P(θ*) = 0 gives
//! λ‖θ − θ*‖² ≤ ⟨g, θ − θ*⟩ ≤ ‖g‖·‖θ − θ*‖. ∎
//!
//! The bound is never far off: the descent lemma at θ gives P(θ) − P* ≥ ‖g‖²/(2L), so the
//! certificate overstates the gap by at most L/λ; near θ*, along θ − θ* = r·e, the ratio tends
//! to ‖He‖²/(λ·eᵀHe) with H = ∇²P(θ*), which is 1 along the flattest direction. A computed
//! gradient carries rounding error, so [`certify`] adds a bound on it to ‖∇P‖ before squaring:
//! what it reports is a guarantee for the model as stored, not an estimate.
//!
//! Checked in `tests/certificate.rs` on iris (λ = 0.01, standardised):
//! `reference_optimum_is_reached` (full-batch gradient descent with η = 1/L reaches a
//! certified gap ≤ 1e-20),
//! `certificate_bounds_true_gap_f64` and `certificate_bounds_true_gap_f32` (models from the zero
//! model down to 1e-6 from θ*: the reported gap ≥ P(θ) − P* and the reported distance
//! ≥ ‖θ − θ*‖, and in `f32` the rounding allowance covers the actual error of the `f32`
//! gradient), and `certificate_is_tight_near_optimum` (the ratio matches ‖He‖²/(λ·eᵀHe)).
//!
//! # Step 6. Why this fails with a hidden layer
//!
//! Step 2 needed the logits to be an affine function of the parameters. A hidden layer breaks
//! that: in z = V·tanh(A x̃) + c the parameters multiply each other. Because tanh is odd,
//! (A, V, c) and (−A, −V, c) give the same logits for every input, hence the same loss, while
//! their midpoint (0, 0, c) predicts the constant c for every input.
//!
//! An explicit pair: two samples, (x = 1, class 0) and (x = −1, class 1); one tanh unit and
//! logits (v·tanh(a·x), 0). At (a, v) = (1, 2) and at (−1, −2) both samples have margin
//! 2·tanh 1 ≈ 1.5232 and the loss is ln(1 + e^{−2 tanh 1}) ≈ 0.1972. At the midpoint (0, 0)
//! the logits are (0, 0) and the loss is ln 2 ≈ 0.6931 > ½(0.1972 + 0.1972): Jensen's
//! inequality fails by 0.4959. Dropping tanh does not help: with z = (v·a·x, 0) the two points
//! have the same product va = 2, and the midpoint has va = 0.
//!
//! The loss stays convex in the last layer (V, c) for a fixed A, since the logits are affine in
//! (V, c). That is why this crate is a linear classifier on features: put a frozen feature extractor in
//! front, and the guarantees above hold for what is trained.
//!
//! Checked by `hidden_layer_docs_example` (the numbers above), `hidden_layer_violates_jensen`
//! (the same checker that passes on P flags a one-hidden-layer network at θ = ¼, ½, ¾) and
//! `broken_gradients_are_detected` (a sign-flipped gradient, p_y used for p_y − 1, and a
//! missing λθ are each caught by the first-order or monotonicity check).

use crate::data::Sample;
use crate::error::{Error, Result};
use crate::loss::CrossEntropy;
use crate::math::{Float, dot2, max_abs};
use crate::model::{Classifier, dot};
use crate::softmax::{Compensated, softmax};

/// Checks λ and the sample count shared by every full-batch function; returns n as a float.
fn batch_size<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    lambda: T,
) -> Result<T> {
    if !(lambda.is_finite() && lambda >= T::ZERO) {
        return Err(Error::WeightDecay);
    }
    match u32::try_from(samples.len()) {
        Ok(0) => Err(Error::NoSamples),
        Ok(n) => Ok(T::from_u32(n)),
        Err(_) => Ok(T::from_u32(u32::MAX)),
    }
}

/// The full-batch objective P(θ) (see the [module docs](self)).
///
/// Sums are compensated, so the result's error does not grow with n.
///
/// # Errors
///
/// [`Error::NoSamples`] for an empty slice; [`Error::WeightDecay`] unless λ is finite and ≥ 0.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::objective, loss::CrossEntropy};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let model = Classifier::new([[1.0], [0.0]], [0.0, 0.0]);
/// let p = objective(&model, &data, &CrossEntropy::new(), 0.5)?;
/// // Both samples have logit margin 1: CE = ln(1 + e^-1); the penalty is (0.5/2)·1.
/// let expected = (1.0 + (-1.0_f64).exp()).ln() + 0.25;
/// assert!((p - expected).abs() < 4.0 * f64::EPSILON);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn objective<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    lambda: T,
) -> Result<T> {
    let n = batch_size(samples, lambda)?;
    let mut total = Compensated::new();
    for s in samples {
        total.add(loss.loss(&model.logits(&s.features), s.label));
    }
    Ok(total.total() / n + lambda * T::HALF * model.norm_squared())
}

/// A compensated accumulator shaped like a classifier's parameters.
struct Accumulator<const F: usize, const C: usize, T> {
    weights: [[Compensated<T>; F]; C],
    bias: [Compensated<T>; C],
}

impl<const F: usize, const C: usize, T: Float> Accumulator<F, C, T> {
    fn new() -> Self {
        Self {
            weights: [[Compensated::new(); F]; C],
            bias: [Compensated::new(); C],
        }
    }

    /// Adds the outer product δ·(x, 1)ᵀ.
    fn add_outer(&mut self, delta: &[T; C], x: &[T; F]) {
        for ((row, b), &d) in self
            .weights
            .iter_mut()
            .zip(self.bias.iter_mut())
            .zip(delta.iter())
        {
            for (acc, &xf) in row.iter_mut().zip(x.iter()) {
                acc.add(d * xf);
            }
            b.add(d);
        }
    }

    /// (sum / n) + λ·θ, as a parameter-shaped value.
    fn finish(&self, n: T, lambda: T, theta: &Classifier<F, C, T>) -> Classifier<F, C, T> {
        let mut out = Classifier::zeros();
        let (ow, ob) = out.parts_mut();
        for (((orow, arow), trow), (obc, (abc, &tb))) in ow
            .iter_mut()
            .zip(self.weights.iter())
            .zip(theta.weights().iter())
            .zip(ob.iter_mut().zip(self.bias.iter().zip(theta.bias().iter())))
        {
            for ((o, a), &t) in orow.iter_mut().zip(arow.iter()).zip(trow.iter()) {
                *o = a.total() / n + lambda * t;
            }
            *obc = abc.total() / n + lambda * tb;
        }
        out
    }
}

/// The full-batch objective P(θ) and its gradient ∇P(θ), shaped like the model.
///
/// ∇_W P = (1/n) Σ_i w_{y_i} δ_i x_iᵀ + λW and ∇_b P = (1/n) Σ_i w_{y_i} δ_i + λb, with δ_i the
/// loss gradient in the logits. The sums are compensated.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::gradient, loss::CrossEntropy};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(1)?)];
/// let (p, g) = gradient(&Classifier::zeros(), &data, &CrossEntropy::new(), 0.0)?;
/// assert_eq!(p, core::f64::consts::LN_2);
/// assert_eq!(g.weights(), &[[1.0], [-1.0]]);
/// assert_eq!(g.bias(), &[0.5, -0.5]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn gradient<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    lambda: T,
) -> Result<(T, Classifier<F, C, T>)> {
    let n = batch_size(samples, lambda)?;
    let (total, acc) = full_pass(samples, loss, |x| model.logits(x), |_, _, _| {});
    let p = total / n + lambda * T::HALF * model.norm_squared();
    Ok((p, acc.finish(n, lambda, model)))
}

/// One pass over the samples with the given logits: the compensated loss sum and gradient
/// accumulator, calling `each(sample, logits, δ)` on the way.
fn full_pass<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    logits: impl Fn(&[T; F]) -> [T; C],
    mut each: impl FnMut(&Sample<F, C, T>, &[T; C], &[T; C]),
) -> (T, Accumulator<F, C, T>) {
    let mut total = Compensated::new();
    let mut acc = Accumulator::new();
    for s in samples {
        let z = logits(&s.features);
        let (l, delta) = loss.loss_with_grad(&z, s.label);
        total.add(l);
        acc.add_outer(&delta, &s.features);
        each(s, &z, &delta);
    }
    (total.total(), acc)
}

/// The Hessian-vector product ∇²P(θ)·v, for a direction `v` shaped like the model.
///
/// For each sample, with p = softmax(z_i) and u = V x_i + c (the direction's logits), the
/// logit Hessian diag(p) − ppᵀ applied to u is p ⊙ u − p·(pᵀu); the product is
/// (1/n) Σ_i w_{y_i} (H_i u) (x_i, 1)ᵀ + λv. Label smoothing adds only a linear term to the
/// loss, so it does not change the Hessian.
///
/// # Errors
///
/// As [`objective`].
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::hessian_vector_product, loss::CrossEntropy};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?)];
/// let v = Classifier::new([[1.0], [-1.0]], [0.0, 0.0]);
/// let hv = hessian_vector_product(&Classifier::zeros(), &data, &CrossEntropy::new(), 0.0, &v)?;
/// // p = (½, ½), u = (1, −1): Hu = (½, −½).
/// assert_eq!(hv.weights(), &[[0.5], [-0.5]]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn hessian_vector_product<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    lambda: T,
    v: &Classifier<F, C, T>,
) -> Result<Classifier<F, C, T>> {
    let n = batch_size(samples, lambda)?;
    let mut acc = Accumulator::new();
    for s in samples {
        let p = softmax(&model.logits(&s.features));
        let u = v.logits(&s.features);
        let pu = dot(&p, &u);
        let w = loss.class_weights()[s.label.index()];
        let mut hu = p;
        for (h, &uj) in hu.iter_mut().zip(u.iter()) {
            *h = w * (*h * uj - *h * pu);
        }
        acc.add_outer(&hu, &s.features);
    }
    Ok(acc.finish(n, lambda, v))
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
/// use tinysoftmax::{Label, Sample, convex::smoothness, loss::CrossEntropy};
/// let data = [Sample::new([1.0_f64, 1.0], Label::<2>::new(0)?), Sample::new([0.0, 0.0], Label::new(1)?)];
/// assert_eq!(smoothness(&data, &CrossEntropy::new(), 0.1)?, 0.5 * (3.0 + 1.0) / 2.0 + 0.1);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn smoothness<const F: usize, const C: usize, T: Float>(
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    lambda: T,
) -> Result<T> {
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
/// use tinysoftmax::{Classifier, Label, Sample, convex::certify, loss::CrossEntropy};
/// let data = [Sample::new([2.0_f64], Label::<2>::new(0)?), Sample::new([-2.0], Label::new(1)?)];
/// let cert = certify(&Classifier::zeros(), &data, &CrossEntropy::new(), 0.5)?;
/// // The zero model is not optimal here: its gradient is 1 in the weight of each class.
/// assert!(cert.gradient_norm > 1.0 && cert.gap >= cert.gradient_norm.powi(2) / 1.0);
/// assert!(cert.distance >= cert.gradient_norm / 0.5);
/// assert!(cert.gradient_error > 0.0 && cert.gradient_error < 1e-12);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Certificate<T = f32> {
    /// P(θ), the objective at the model.
    pub objective: T,
    /// ‖∇P(θ)‖ as computed.
    pub gradient_norm: T,
    /// An upper bound on the rounding error of `gradient_norm`.
    pub gradient_error: T,
    /// Guaranteed upper bound on P(θ) − P*: (‖∇P‖ + error)² / (2λ).
    pub gap: T,
    /// Guaranteed upper bound on ‖θ − θ*‖: (‖∇P‖ + error) / λ.
    pub distance: T,
}

/// Certifies how far a model is from the unique optimum of a λ-strongly convex objective.
///
/// Strong convexity gives P(θ) − P* ≤ ‖∇P(θ)‖²/(2λ) and ‖θ − θ*‖ ≤ ‖∇P(θ)‖/λ (Step 5 of
/// the [module docs](self)). The computed gradient carries rounding error; the certificate adds
/// a bound on it before squaring, so the bound it reports is a guarantee, not an estimate.
///
/// To keep that bound small, the certificate computes the logits with a compensated dot
/// product (Dot2: error-free products and sums, as accurate as twice the working precision),
/// then the gradient with compensated sums. The error model, with x̃ = (x, 1),
/// a = max_c (Σ_f |W_cf x_f| + |b_c|) and γ_k = k·u/(1 − k·u):
///
/// - each logit is within u·|z_c| + γ_{F+1}²·a of its exact value (the Dot2 bound), so the
///   logit gradient δ moves by at most ‖diag(p) − ppᵀ‖·‖Δz‖ ≤ ½√C·(u·max|z| + γ_{F+1}²·a);
/// - δ itself is within a few ULP (tests/accuracy.rs) and each term δ_c·x_f adds one rounding:
///   16u of its magnitude covers both;
/// - compensated summation adds 2u of the total, and the λθ term 2u of λ‖θ‖;
///
/// so that, in all,
///
/// ```text
/// ‖error‖ ≤ (1/n)Σ_i ‖x̃_i‖·(16u‖δ_i‖ + w_{y_i}·½√C·(u·max|z_i| + γ_{F+1}²·a_i)) + 2u‖∇P‖ + 2u·λ‖θ‖.
/// ```
///
/// Plainly computed logits would leave γ_{F+1}·a in place of u·|z| + γ_{F+1}²·a: on the digits
/// data (64 features) the `f32` certificate could then prove no gap below 8e-6 (3e-5 of P*);
/// with Dot2 it proves 4e-9. The certificate costs a few gradient passes.
///
/// # Errors
///
/// [`Error::WeightDecay`] unless λ > 0 (and finite); [`Error::NoSamples`] for no samples.
///
/// ```
/// use tinysoftmax::{Classifier, Label, Sample, convex::certify, loss::CrossEntropy};
/// let data = [Sample::new([1.0_f64], Label::<2>::new(0)?), Sample::new([-1.0], Label::new(1)?)];
/// let c = certify(&Classifier::zeros(), &data, &CrossEntropy::new(), 0.1)?;
/// assert!(c.gap >= c.gradient_norm * c.gradient_norm / 0.2);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub fn certify<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    samples: &[Sample<F, C, T>],
    loss: &CrossEntropy<C, T>,
    lambda: T,
) -> Result<Certificate<T>> {
    if lambda == T::ZERO {
        return Err(Error::WeightDecay);
    }
    let n = batch_size(samples, lambda)?;
    let u = T::UNIT_ROUNDOFF;
    let two = T::ONE + T::ONE;
    let sixteen = T::from_u32(16);
    let k = T::from_u32(u32::try_from(F + 1).unwrap_or(u32::MAX)) * u;
    let gamma = k / (T::ONE - k);
    let classes = T::from_u32(u32::try_from(C).unwrap_or(u32::MAX));
    let half_root_c = T::HALF * classes.sqrt();
    let mut per_sample = Compensated::new();
    let logits = |x: &[T; F]| accurate_logits(model, x);
    let (total, acc) = full_pass(samples, loss, logits, |s, z, delta| {
        let x_norm = (dot(&s.features, &s.features) + T::ONE).sqrt();
        let logit_error =
            u * max_abs(z.iter()) + gamma * gamma * logit_magnitude(model, &s.features);
        let weight = loss.class_weights()[s.label.index()];
        let delta_error =
            sixteen * u * dot(delta, delta).sqrt() + weight * half_root_c * logit_error;
        per_sample.add(x_norm * delta_error);
    });
    let objective = total / n + lambda * T::HALF * model.norm_squared();
    let grad = acc.finish(n, lambda, model);
    let gradient_norm = grad.norm_squared().sqrt();
    let gradient_error =
        per_sample.total() / n + two * u * (gradient_norm + lambda * model.norm_squared().sqrt());
    let bound = gradient_norm + gradient_error;
    Ok(Certificate {
        objective,
        gradient_norm,
        gradient_error,
        gap: bound * bound / (two * lambda),
        distance: bound / lambda,
    })
}

/// The logits W x + b, each from a compensated dot product (see [`certify`]).
fn accurate_logits<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> [T; C] {
    let mut z = *model.bias();
    for (zc, row) in z.iter_mut().zip(model.weights().iter()) {
        *zc = dot2(row, x, *zc);
    }
    z
}

/// max_c (Σ_f |W_cf x_f| + |b_c|): the scale of the rounding error of the logits.
fn logit_magnitude<const F: usize, const C: usize, T: Float>(
    model: &Classifier<F, C, T>,
    x: &[T; F],
) -> T {
    let rows = model.weights().iter().zip(model.bias().iter());
    rows.fold(T::ZERO, |acc, (row, &b)| {
        let sum = row
            .iter()
            .zip(x.iter())
            .fold(b.abs(), |s, (&w, &xf)| s + (w * xf).abs());
        acc.max_nan(sum)
    })
}
