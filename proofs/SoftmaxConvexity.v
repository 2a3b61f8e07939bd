(** Convexity of the softmax cross-entropy and the optimality certificate of
    tinysoftmax, over the reals: for any realType R, any number of classes C,
    features F and samples n, any weights w_i ≥ 0 and any targets t_i.
    README.md in this directory maps each theorem to the step of src/convex.md
    that it certifies and to the tests that check the same inequality on the
    crate's floating-point code. *)

From mathcomp Require Import all_ssreflect ssralg ssrnum interval.
From mathcomp.classical Require Import boolp classical_sets.
From mathcomp Require Import reals signed topology normedtype sequences.
From mathcomp Require Import derive realfun exp.
From mathcomp.algebra_tactics Require Import ring.

Set Implicit Arguments.
Unset Strict Implicit.
Unset Printing Implicit Defensive.
Import Order.TTheory GRing.Theory Num.Theory.
Import numFieldNormedType.Exports.

Local Open Scope ring_scope.

(** * Finite-dimensional vectors: functions on a finite index type *)

Section FiniteDot.
Variable R : realType.

Definition fdot (I : finType) (u v : I -> R) : R := \sum_i u i * v i.

Lemma fdotBl (I : finType) (u v w : I -> R) :
  fdot (fun i => u i - v i) w = fdot u w - fdot v w.
Proof. by rewrite /fdot -sumrB; apply: eq_bigr => i _; ring. Qed.

Lemma fdotBr (I : finType) (u v w : I -> R) :
  fdot u (fun i => v i - w i) = fdot u v - fdot u w.
Proof. by rewrite /fdot -sumrB; apply: eq_bigr => i _; ring. Qed.

Lemma fdot_ge0 (I : finType) (u : I -> R) : 0 <= fdot u u.
Proof. by rewrite /fdot sumr_ge0 // => i _; rewrite -expr2 sqr_ge0. Qed.

(** ‖a‖² = ‖b‖² + 2⟨b, a − b⟩ + ‖a − b‖². *)
Lemma fdot_expand (I : finType) (a b : I -> R) :
  fdot a a = fdot b b + 2 * fdot b (fun i => a i - b i)
             + fdot (fun i => a i - b i) (fun i => a i - b i).
Proof. by rewrite /fdot mulr_sumr -!big_split /=; apply: eq_bigr => i _; ring. Qed.

(** ⟨g, d⟩ + (λ/2)‖d‖² + ‖g‖²/(2λ) = ‖λd + g‖²/(2λ) ≥ 0. *)
Lemma fdot_quad_ge0 (I : finType) (lam : R) (g d : I -> R) : 0 < lam ->
  0 <= fdot g d + lam / 2 * fdot d d + fdot g g / (2 * lam).
Proof.
move=> lam0; have lam_neq0 : lam != 0 by rewrite gt_eqF.
have -> : fdot g d + lam / 2 * fdot d d + fdot g g / (2 * lam)
          = \sum_i (lam * d i + g i) ^+ 2 / (2 * lam).
  rewrite /fdot mulr_sumr mulr_suml -!big_split /=.
  by apply: eq_bigr => i _; field.
apply: sumr_ge0 => i _; apply: divr_ge0; first exact: sqr_ge0.
by rewrite mulr_ge0 // ltW.
Qed.

(** ⟨g, d⟩ ≤ (λ/2)‖d‖² + ‖g‖²/(2λ), from ‖λd − g‖² ≥ 0. *)
Lemma fdot_young (I : finType) (lam : R) (g d : I -> R) : 0 < lam ->
  fdot g d <= lam / 2 * fdot d d + fdot g g / (2 * lam).
Proof.
move=> lam0; have := fdot_quad_ge0 (fun i => - g i) d lam0.
have -> : fdot (fun i => - g i) d = - fdot g d.
  by rewrite /fdot -sumrN; apply: eq_bigr => i _; ring.
have -> : fdot (fun i => - g i) (fun i => - g i) = fdot g g.
  by rewrite /fdot; apply: eq_bigr => i _; ring.
by rewrite -addrA addrC subr_ge0.
Qed.

End FiniteDot.

(** * The exponential bound e^x ≥ 1 + x, for every real x *)

Section ExpBound.
Variable R : realType.

Lemma expR_ge1Dx_all (x : R) : 1 + x <= expR x.
Proof.
have [x0|x0] := leP 0 x; first exact: expR_ge1Dx.
pose f := fun t : R => expR t - t.
have df (t : R) : is_derive t 1 (fun t : R => expR t - t) (expR t - 1).
  by apply: is_deriveB.
have cf : {within `[x, 0], continuous f}.
  apply: continuous_subspaceT => t.
  apply: continuousB; [exact: continuous_expR | exact: cvg_id].
have [c] := MVT_segment (ltW x0) (fun t _ => df t) cf.
rewrite in_itv /= => /andP[_ c0].
rewrite /f expR0 subr0 => E.
have : 1 - (expR x - x) <= 0.
  rewrite E; apply: mulr_le0_ge0; last by rewrite sub0r oppr_ge0 ltW.
  by rewrite subr_le0 -expR0 ler_expR.
by rewrite subr_le0 ler_subr_addr addrC.
Qed.

End ExpBound.

(** * Log-sum-exp, softmax and the cross-entropy in the logits (C classes) *)

Section LogSumExp.
Variables (R : realType) (C : nat).
Notation vec := ('I_C -> R).
Implicit Types (y z t : vec) (a : R).

Definition dot (u v : vec) : R := fdot u v.
Definition sumexp z : R := \sum_(j < C) expR (z j).
(** lse(z) = ln Σ_j e^{z_j} *)
Definition lse z : R := ln (sumexp z).
(** softmax(z)_j = e^{z_j} / Σ_k e^{z_k} *)
Definition softmax z : vec := fun j => expR (z j) / sumexp z.
(** CE(z, t) = lse(z) − t·z: t = e_y is the plain cross-entropy −ln softmax(z)_y,
    t = (1 − ε)e_y + (ε/C)1 the label-smoothed one; any t is allowed. *)
Definition ce z t : R := lse z - dot t z.
(** The convex combination a·y + (1 − a)·z and the difference y − z. *)
Definition comb a y z : vec := fun j => a * y j + (1 - a) * z j.
Definition vsub y z : vec := fun j => y j - z j.

Lemma sum_ord_empty (F : 'I_C -> R) : C = 0%N -> \sum_(j < C) F j = 0.
Proof.
move=> C0; apply: big1 => -[m Hm] _; exfalso; move: Hm; by rewrite C0.
Qed.

Lemma sumexp_gt0 z : (0 < C)%N -> 0 < sumexp z.
Proof.
move=> Cpos; rewrite /sumexp (bigD1 (Ordinal Cpos)) //=.
rewrite ltr_paddr ?expR_gt0 //; apply: sumr_ge0 => j _; exact/ltW/expR_gt0.
Qed.

Lemma softmax_ge0 z j : 0 <= softmax z j.
Proof.
apply: divr_ge0; first exact/ltW/expR_gt0.
by rewrite /sumexp; apply: sumr_ge0 => k _; exact/ltW/expR_gt0.
Qed.

Lemma softmax_sum1 z : (0 < C)%N -> \sum_(j < C) softmax z j = 1.
Proof.
move=> Cpos; rewrite /softmax -mulr_suml -/(sumexp z) divff //.
by rewrite gt_eqF // sumexp_gt0.
Qed.

(** Theorem [lse_gradient_inequality] (Step 1): for q = softmax(z) and every y,
    lse(y) ≥ lse(z) + q·(y − z). *)
Theorem lse_gradient_inequality y z :
  lse z + dot (softmax z) (vsub y z) <= lse y.
Proof.
have [C0|Cpos] := posnP C.
  by rewrite /lse /sumexp /dot /fdot !sum_ord_empty // addr0.
set S := sumexp z; have S0 : 0 < S := sumexp_gt0 z Cpos.
set m := dot (softmax z) (vsub y z).
have E1 : \sum_(j < C) expR (z j) * (y j - z j) = S * m.
  rewrite /m /dot /fdot mulr_sumr; apply: eq_bigr => j _.
  by rewrite /softmax /vsub -/S; field; rewrite gt_eqF.
have E2 : \sum_(j < C) expR (z j) * expR m * (1 + (y j - z j - m)) = S * expR m.
  transitivity (\sum_(j < C) (expR m * expR (z j)
                 + expR m * (expR (z j) * (y j - z j)) - expR m * m * expR (z j))).
    by apply: eq_bigr => j _; ring.
  rewrite sumrB big_split /= -!mulr_sumr E1 -/(sumexp z) -/S; ring.
have key : S * expR m <= sumexp y.
  rewrite -E2 /sumexp; apply: ler_sum => j _.
  have -> : expR (y j) = expR (z j) * expR m * expR (y j - z j - m).
    by rewrite -!expRD; congr expR; ring.
  apply: ler_wpmul2l; first by rewrite mulr_ge0 // ltW // expR_gt0.
  exact: expR_ge1Dx_all.
have Sm0 : 0 < S * expR m by rewrite mulr_gt0 // expR_gt0.
have Sy0 : 0 < sumexp y := sumexp_gt0 y Cpos.
move: key; rewrite -ler_ln ?posrE // lnM ?posrE ?expR_gt0 // expK.
by rewrite /lse -/S.
Qed.

(** Theorem [lse_convex] (Step 1, Theorem 1): lse is convex, from the gradient
    inequality at the combined point. *)
Theorem lse_convex a y z : 0 <= a <= 1 ->
  lse (comb a y z) <= a * lse y + (1 - a) * lse z.
Proof.
case/andP => a0 a1; set c := comb a y z.
have h1 := lse_gradient_inequality y c.
have h2 := lse_gradient_inequality z c.
have e : a * dot (softmax c) (vsub y c) + (1 - a) * dot (softmax c) (vsub z c) = 0.
  rewrite /dot /fdot !mulr_sumr -big_split big1 // => j _ /=.
  rewrite /vsub /c /comb; ring.
apply: (@le_trans _ _ (a * (lse c + dot (softmax c) (vsub y c))
                      + (1 - a) * (lse c + dot (softmax c) (vsub z c)))).
  have -> : a * (lse c + dot (softmax c) (vsub y c))
            + (1 - a) * (lse c + dot (softmax c) (vsub z c))
            = lse c + (a * dot (softmax c) (vsub y c)
                       + (1 - a) * dot (softmax c) (vsub z c)) by ring.
  by rewrite e addr0.
by apply: ler_add; apply: ler_wpmul2l => //; rewrite subr_ge0.
Qed.

Lemma dot_comb t a y z : dot t (comb a y z) = a * dot t y + (1 - a) * dot t z.
Proof.
rewrite /dot /fdot !mulr_sumr -big_split; apply: eq_bigr => j _.
by rewrite /comb mulrDr mulrCA [t j * ((1 - a) * _)]mulrCA.
Qed.

(** Theorem [ce_gradient_inequality] (Step 1): CE(y, t) ≥ CE(z, t) + (q − t)·(y − z),
    q = softmax(z): the gradient of CE in the logits is softmax minus target. *)
Theorem ce_gradient_inequality y z t :
  ce z t + dot (vsub (softmax z) t) (vsub y z) <= ce y t.
Proof.
have h := lse_gradient_inequality y z.
rewrite /ce /dot /vsub fdotBl (fdotBr t y z).
move: h; rewrite /dot /vsub.
set A := fdot (softmax z) _; set B := fdot t y; set D := fdot t z.
move=> h; apply: (@le_trans _ _ (lse z + A - B)); last by rewrite ler_add2r.
by rewrite le_eqVlt; apply/orP; left; apply/eqP; ring.
Qed.

(** Theorem [ce_convex] (Step 1, Theorem 1): CE(·, t) is convex, for every target t. *)
Theorem ce_convex a y z t : 0 <= a <= 1 ->
  ce (comb a y z) t <= a * ce y t + (1 - a) * ce z t.
Proof.
move=> a01; rewrite /ce dot_comb.
have -> : a * (lse y - dot t y) + (1 - a) * (lse z - dot t z)
          = (a * lse y + (1 - a) * lse z) - (a * dot t y + (1 - a) * dot t z) by ring.
by rewrite ler_add2r lse_convex.
Qed.


(** H(z) = diag(q) − q qᵀ with q = softmax(z): Lemma 1 of src/convex.md computes it as
    the Hessian of lse (and of CE) in the logits; here it is taken as that matrix. *)
Definition hessian z (j k : 'I_C) : R :=
  softmax z j * (j == k)%:R - softmax z j * softmax z k.
Definition hessian_form z (v : vec) : R := \sum_(j < C) \sum_(k < C) v j * hessian z j k * v k.

Lemma sum_kronecker (G : 'I_C -> R) j : \sum_(k < C) G k * (j == k)%:R = G j.
Proof.
rewrite (bigD1 j) //= eqxx mulr1 big1 ?addr0 // => k; rewrite eq_sym => /negPf ->.
by rewrite mulr0.
Qed.

Lemma hessian_form_expand z v :
  hessian_form z v = dot (softmax z) (fun j => v j ^+ 2) - dot (softmax z) v ^+ 2.
Proof.
set q := softmax z; rewrite /hessian_form /hessian -/q /dot /fdot.
rewrite (eq_bigr (fun j => q j * v j ^+ 2 - q j * v j * \sum_(k < C) q k * v k)).
  by rewrite sumrB -mulr_suml expr2.
move=> j _.
rewrite (eq_bigr (fun k => v j * q j * v k * (j == k)%:R - q j * v j * (q k * v k))).
  rewrite sumrB sum_kronecker -mulr_sumr; set S := \sum_(k < C) _; ring.
by move=> k _; ring.
Qed.

(** Theorem [hessian_form_is_variance] (Step 1, Lemma 2): vᵀH(z)v = Var_q(v). *)
Theorem hessian_form_is_variance z v :
  hessian_form z v
  = \sum_(j < C) softmax z j * (v j - dot (softmax z) v) ^+ 2.
Proof.
have [C0|Cpos] := posnP C.
  by rewrite hessian_form_expand /dot /fdot !sum_ord_empty // expr0n /= subrr.
rewrite hessian_form_expand; set q := softmax z; set m := dot q v.
have e : \sum_(j < C) q j * (v j - m) ^+ 2
         = dot q (fun j => v j ^+ 2) - 2 * m * m + m ^+ 2 * \sum_(j < C) q j.
  rewrite (eq_bigr (fun j => q j * v j ^+ 2 - 2 * m * (q j * v j) + m ^+ 2 * q j)); last first.
    by move=> j _; ring.
  rewrite big_split sumrB /= -!mulr_sumr.
  have -> : \sum_(j < C) q j * v j = m by [].
  by rewrite /dot /fdot.
by rewrite e softmax_sum1 // /m; ring.
Qed.

(** Theorem [hessian_form_ge0] (Step 1, Lemma 2): H(z) is positive semidefinite. *)
Theorem hessian_form_ge0 z v : 0 <= hessian_form z v.
Proof.
rewrite hessian_form_is_variance; apply: sumr_ge0 => j _.
by rewrite mulr_ge0 ?softmax_ge0 ?sqr_ge0.
Qed.

(** Theorem [hessian_form_le_half] (Step 4, Lemma 6): vᵀH(z)v ≤ ½‖v‖². *)
Theorem hessian_form_le_half z v : hessian_form z v <= dot v v / 2.
Proof.
have [C0|Cpos] := posnP C.
  by rewrite /hessian_form /dot /fdot !sum_ord_empty // mul0r.
rewrite hessian_form_expand; set q := softmax z.
set S2 := dot q (fun j => v j ^+ 2); set m := dot q v.
have q1 : \sum_(j < C) q j = 1 by rewrite softmax_sum1.
(* T = Σ_j Σ_k q_j q_k (v_j + v_k)², computed and bounded below by its diagonal. *)
have T1 : \sum_(j < C) \sum_(k < C) q j * q k * (v j + v k) ^+ 2 = 2 * S2 + 2 * m ^+ 2.
  rewrite (eq_bigr (fun j => q j * v j ^+ 2 + 2 * m * (q j * v j) + S2 * q j)).
    rewrite !big_split /= -!mulr_sumr q1.
    have -> : \sum_(j < C) q j * v j = m by [].
    have -> : \sum_(j < C) q j * v j ^+ 2 = S2 by [].
    ring.
  move=> j _.
  rewrite (eq_bigr (fun k => q j * v j ^+ 2 * q k + 2 * (q j * v j) * (q k * v k)
                             + q j * (q k * v k ^+ 2))); last by move=> k _; ring.
  rewrite !big_split /= -!mulr_sumr q1.
  have -> : \sum_(k < C) q k * v k = m by [].
  have -> : \sum_(k < C) q k * v k ^+ 2 = S2 by [].
  ring.
have T2 : \sum_(j < C) q j * q j * (v j + v j) ^+ 2
          <= \sum_(j < C) \sum_(k < C) q j * q k * (v j + v k) ^+ 2.
  apply: ler_sum => j _; rewrite (bigD1 j) //= ler_addl.
  apply: sumr_ge0 => k _; rewrite mulr_ge0 ?sqr_ge0 //.
  by rewrite mulr_ge0 // softmax_ge0.
rewrite T1 in T2.
apply: (@le_trans _ _ (2 * S2 - (\sum_(j < C) q j * q j * (v j + v j) ^+ 2) / 2)).
  rewrite -subr_ge0.
  have -> : 2 * S2 - (\sum_(j < C) q j * q j * (v j + v j) ^+ 2) / 2 - (S2 - m ^+ 2)
            = (2 * S2 + 2 * m ^+ 2 - \sum_(j < C) q j * q j * (v j + v j) ^+ 2) / 2.
    by field.
  by rewrite divr_ge0 // subr_ge0.
rewrite /S2 /dot /fdot mulr_suml mulr_sumr mulr_suml -sumrB.
apply: ler_sum => j _; rewrite -subr_ge0.
have -> : v j * v j / 2 - (2 * (q j * v j ^+ 2) - q j * q j * (v j + v j) ^+ 2 / 2)
          = 2 * (v j * (q j - 2^-1)) ^+ 2 by field.
by rewrite mulr_ge0 ?sqr_ge0.
Qed.


(** A target distribution sums to 1 (one-hot and smoothed targets do). *)
Lemma target_classes_pos t : \sum_(j < C) t j = 1 -> (0 < C)%N.
Proof.
move=> t1; case: (posnP C) => // C0; move: t1.
by rewrite sum_ord_empty // => /eqP; rewrite eq_sym oner_eq0.
Qed.

(** Theorem [ce_gradient_sums_to_zero] (Step 1): 1·(softmax(z) − t) = 0. *)
Theorem ce_gradient_sums_to_zero z t : \sum_(j < C) t j = 1 ->
  \sum_(j < C) vsub (softmax z) t j = 0.
Proof.
move=> t1; have Cpos := target_classes_pos t1.
by rewrite /vsub sumrB softmax_sum1 // t1 subrr.
Qed.

(** Theorem [ce_shift_invariant] (Step 1): CE(z + s·1, t) = CE(z, t). *)
Theorem ce_shift_invariant z t s : \sum_(j < C) t j = 1 ->
  ce (fun j => z j + s) t = ce z t.
Proof.
move=> t1; have Cpos := target_classes_pos t1.
have e : sumexp (fun j => z j + s) = sumexp z * expR s.
  by rewrite /sumexp mulr_suml; apply: eq_bigr => j _; rewrite expRD.
have S0 := sumexp_gt0 z Cpos.
rewrite /ce /lse e lnM ?posrE ?expR_gt0 // expK /dot /fdot.
have -> : \sum_(j < C) t j * (z j + s) = \sum_(j < C) t j * z j + s.
  rewrite -[s in RHS]mul1r -t1 mulr_suml -big_split /=.
  by apply: eq_bigr => j _; rewrite mulrDr.
set L := ln (sumexp z); set T := \sum_(j < C) _; ring.
Qed.

(** Theorem [hessian_rows_sum_to_zero] (Step 1, Lemma 3): H(z)·1 = 0, and the
    diagonal is the sum of the magnitudes of the rest of its row. *)
Theorem hessian_rows_sum_to_zero z j : \sum_(k < C) hessian z j k = 0.
Proof.
have Cpos : (0 < C)%N := leq_ltn_trans (leq0n _) (ltn_ord j).
rewrite /hessian sumrB.
have -> : \sum_(k < C) softmax z j * (j == k)%:R = softmax z j.
  by rewrite -[RHS]mulr1 -[in RHS](sum_kronecker (fun _ => 1) j) mulr_sumr;
     apply: eq_bigr => k _; rewrite mul1r.
by rewrite -mulr_sumr softmax_sum1 // mulr1 subrr.
Qed.

Theorem hessian_diagonally_dominant z j :
  hessian z j j = \sum_(k < C | k != j) `|hessian z j k|.
Proof.
have h := hessian_rows_sum_to_zero z j.
rewrite (bigD1 j) //= in h.
have -> : \sum_(k < C | k != j) `|hessian z j k| = - \sum_(k < C | k != j) hessian z j k.
  rewrite -sumrN; apply: eq_bigr => k kj.
  rewrite /hessian eq_sym (negPf kj) mulr0 sub0r ler0_norm //.
  by rewrite oppr_le0 mulr_ge0 ?softmax_ge0.
by apply/eqP; rewrite -addr_eq0 h.
Qed.

End LogSumExp.

(** * The affine map (W, b) ↦ W x + b (C classes, F features) *)

Section Affine.
Variables (R : realType) (C F : nat).
Notation vec := ('I_C -> R).
Notation mat := ('I_C -> 'I_F -> R).

(** z = W x + b: z_c = Σ_f W_cf x_f + b_c. *)
Definition logits (W : mat) (b : vec) (x : 'I_F -> R) : vec :=
  fun c => \sum_(f < F) W c f * x f + b c.

Definition mcomb a (W1 W2 : mat) : mat := fun c f => a * W1 c f + (1 - a) * W2 c f.

Lemma lse_ext (y z : vec) : (forall j, y j = z j) -> lse y = lse z.
Proof. by move=> e; rewrite /lse /sumexp; congr ln; apply: eq_bigr => j _; rewrite e. Qed.

Lemma ce_ext (y z t : vec) : (forall j, y j = z j) -> ce y t = ce z t.
Proof.
move=> e; rewrite /ce (lse_ext e) /dot /fdot; congr (_ - _).
by apply: eq_bigr => j _; rewrite e.
Qed.

Lemma logits_comb a W1 b1 W2 b2 x c :
  logits (mcomb a W1 W2) (comb a b1 b2) x c
  = comb a (logits W1 b1 x) (logits W2 b2 x) c.
Proof.
rewrite /logits /mcomb /comb !mulrDr !mulr_sumr.
have -> : \sum_(f < F) (a * W1 c f + (1 - a) * W2 c f) * x f
          = \sum_(f < F) a * (W1 c f * x f) + \sum_(f < F) (1 - a) * (W2 c f * x f).
  by rewrite -big_split; apply: eq_bigr => f _ /=; rewrite mulrDl !mulrA.
set A := \sum_(f < F) _; set B := \sum_(f < F) _; ring.
Qed.

(** Theorem [ce_affine_convex] (Step 2, Lemma 4): for every sample x and target t,
    (W, b) ↦ CE(W x + b, t) is convex. *)
Theorem ce_affine_convex a W1 b1 W2 b2 x t : 0 <= a <= 1 ->
  ce (logits (mcomb a W1 W2) (comb a b1 b2) x) t
  <= a * ce (logits W1 b1 x) t + (1 - a) * ce (logits W2 b2 x) t.
Proof. by move=> a01; rewrite (ce_ext t (logits_comb a W1 b1 W2 b2 x)) ce_convex. Qed.

End Affine.

(** * The regularised objective and its certificate (n samples) *)

Section Objective.
Variables (R : realType) (C F n : nat).
(** Sample i has features x i, target distribution t i (one-hot or smoothed)
    and weight w i (the crate uses the class weight of its label). *)
Variables (x : 'I_n -> 'I_F -> R) (t : 'I_n -> 'I_C -> R) (w : 'I_n -> R).
Variable lam : R.

(** θ = (W, b). *)
Record param := Param { pW : 'I_C -> 'I_F -> R; pb : 'I_C -> R }.

Definition mdot (A B : 'I_C -> 'I_F -> R) : R :=
  fdot (fun p : 'I_C * 'I_F => A p.1 p.2) (fun p => B p.1 p.2).
(** ⟨θ, θ'⟩ = Σ_cf W_cf W'_cf + Σ_c b_c b'_c, and ‖θ‖ = √⟨θ, θ⟩. *)
Definition pdot (th th' : param) : R := mdot (pW th) (pW th') + fdot (pb th) (pb th').
Definition pnorm (th : param) : R := Num.sqrt (pdot th th).
Definition psub (th th' : param) : param :=
  Param (fun c f => pW th c f - pW th' c f) (fun c => pb th c - pb th' c).

Definition zi (th : param) i : 'I_C -> R := logits (pW th) (pb th) (x i).

(** P(θ) = (1/n) Σ_i w_i CE(W x_i + b, t_i) + (λ/2)(‖W‖² + ‖b‖²). *)
Definition P (th : param) : R :=
  n%:R^-1 * (\sum_(i < n) w i * ce (zi th i) (t i)) + lam / 2 * pdot th th.

(** δ_i = softmax(z_i) − t_i, the gradient of the loss in the logits. *)
Definition delta (th : param) i : 'I_C -> R := vsub (softmax (zi th i)) (t i).

(** ∇P as the crate computes it: ∇_W P = (1/n) Σ_i w_i δ_i x_iᵀ + λW and
    ∇_b P = (1/n) Σ_i w_i δ_i + λb. *)
Definition grad (th : param) : param :=
  Param (fun c f => n%:R^-1 * (\sum_(i < n) w i * delta th i c * x i f) + lam * pW th c f)
        (fun c => n%:R^-1 * (\sum_(i < n) w i * delta th i c) + lam * pb th c).

Lemma pdot_ge0 th : 0 <= pdot th th.
Proof. by rewrite addr_ge0 // /mdot fdot_ge0. Qed.

(** ⟨∇P(θ), d⟩ = (1/n) Σ_i w_i δ_i·(D x_i + e) + λ⟨θ, d⟩ for d = (D, e). *)
Lemma grad_dot th d :
  pdot (grad th) d
  = n%:R^-1 * (\sum_(i < n) w i * dot (delta th i) (logits (pW d) (pb d) (x i)))
    + lam * pdot th d.
Proof.
rewrite /pdot /mdot /fdot /=.
have E1 : \sum_(p : 'I_C * 'I_F) (n%:R^-1 * (\sum_(i < n) w i * delta th i p.1 * x i p.2)
                                  + lam * pW th p.1 p.2) * pW d p.1 p.2
  = n%:R^-1 * (\sum_(i < n) \sum_(c < C) \sum_(f < F) w i * delta th i c * pW d c f * x i f)
    + lam * (\sum_(p : 'I_C * 'I_F) pW th p.1 p.2 * pW d p.1 p.2).
  rewrite (eq_bigr (fun p => n%:R^-1 * (\sum_(i < n) w i * delta th i p.1 * pW d p.1 p.2 * x i p.2)
                             + lam * (pW th p.1 p.2 * pW d p.1 p.2))); last first.
    move=> p _; rewrite mulrDl -mulrA mulr_suml mulrA; congr (_ * _ + _).
    by apply: eq_bigr => i _; rewrite mulrAC.
  rewrite big_split /= -!mulr_sumr; congr (_ * _ + _).
  by rewrite exchange_big; apply: eq_bigr => i _; rewrite pair_bigA.
have E2 : \sum_(c < C) (n%:R^-1 * (\sum_(i < n) w i * delta th i c) + lam * pb th c) * pb d c
  = n%:R^-1 * (\sum_(i < n) \sum_(c < C) w i * delta th i c * pb d c)
    + lam * (\sum_(c < C) pb th c * pb d c).
  rewrite (eq_bigr (fun c => n%:R^-1 * (\sum_(i < n) w i * delta th i c * pb d c)
                             + lam * (pb th c * pb d c))); last first.
    by move=> c _; rewrite mulrDl -mulrA mulr_suml mulrA.
  by rewrite big_split /= -!mulr_sumr exchange_big.
have E3 : \sum_(i < n) w i * dot (delta th i) (logits (pW d) (pb d) (x i))
  = \sum_(i < n) \sum_(c < C) \sum_(f < F) w i * delta th i c * pW d c f * x i f
    + \sum_(i < n) \sum_(c < C) w i * delta th i c * pb d c.
  rewrite -big_split; apply: eq_bigr => i _ /=.
  rewrite /dot /fdot mulr_sumr -big_split; apply: eq_bigr => c _ /=.
  rewrite /logits mulrDr mulrDr mulr_sumr mulr_sumr !mulrA; congr (_ + _).
  by apply: eq_bigr => f _; rewrite !mulrA.
rewrite E1 E2 E3.
set A := \sum_(i < n) \sum_(c < C) \sum_(f < F) _.
set B := \sum_(i < n) \sum_(c < C) _.
set G := \sum_p _; set H := \sum_(c < C) _; ring.
Qed.


Lemma pdot_expand th th' :
  pdot th' th' = pdot th th + 2 * pdot th (psub th' th) + pdot (psub th' th) (psub th' th).
Proof.
rewrite /pdot /mdot /=.
rewrite (fdot_expand (fun p : 'I_C * 'I_F => pW th' p.1 p.2) (fun p => pW th p.1 p.2)).
rewrite (fdot_expand (pb th') (pb th)).
set A := fdot _ _; set B := fdot _ _; set D := fdot _ _; set E := fdot _ _.
set G := fdot _ _; set H := fdot _ _; ring.
Qed.

(** Theorem [objective_strong_convexity] (Steps 2–3): for weights w_i ≥ 0, every
    target t_i and every λ, P(θ') ≥ P(θ) + ⟨∇P(θ), θ' − θ⟩ + (λ/2)‖θ' − θ‖². *)
Theorem objective_strong_convexity th th' : (forall i, 0 <= w i) ->
  P th + pdot (grad th) (psub th' th) + lam / 2 * pdot (psub th' th) (psub th' th)
  <= P th'.
Proof.
move=> w0; set d := psub th' th.
have hi i : ce (zi th i) (t i) + dot (delta th i) (logits (pW d) (pb d) (x i))
            <= ce (zi th' i) (t i).
  have := ce_gradient_inequality (zi th' i) (zi th i) (t i).
  suff -> : dot (delta th i) (logits (pW d) (pb d) (x i))
            = dot (vsub (softmax (zi th i)) (t i)) (vsub (zi th' i) (zi th i)) by [].
  rewrite /dot /fdot; apply: eq_bigr => c _; congr (_ * _).
  rewrite /vsub /zi /d /logits /psub /=.
  have -> : \sum_(f < F) (pW th' c f - pW th c f) * x i f
            = \sum_(f < F) pW th' c f * x i f - \sum_(f < F) pW th c f * x i f.
    by rewrite -sumrB; apply: eq_bigr => f _; rewrite mulrBl.
  set A := \sum_(f < F) _; set B := \sum_(f < F) _; ring.
have hsum : n%:R^-1 * (\sum_(i < n) w i * ce (zi th i) (t i))
            + n%:R^-1 * (\sum_(i < n) w i * dot (delta th i) (logits (pW d) (pb d) (x i)))
            <= n%:R^-1 * (\sum_(i < n) w i * ce (zi th' i) (t i)).
  rewrite -mulrDr -big_split /=; apply: ler_wpmul2l; first by rewrite invr_ge0 ler0n.
  by apply: ler_sum => i _; rewrite -mulrDr; apply: ler_wpmul2l.
rewrite grad_dot /P (pdot_expand th th') -/d.
move: hsum; set X := n%:R^-1 * _; set Y := n%:R^-1 * _; set Z := n%:R^-1 * _.
move=> hsum.
set Q := pdot th th; set G := pdot th d; set D := pdot d d.
have -> : X + lam / 2 * Q + (Y + lam * G) + lam / 2 * D
          = (X + Y) + lam / 2 * (Q + 2 * G + D) by field.
by rewrite ler_add2r.
Qed.


Lemma pdot_quad_ge0 g d : 0 < lam ->
  0 <= pdot g d + lam / 2 * pdot d d + pdot g g / (2 * lam).
Proof.
move=> lam0; have lam_neq0 : lam != 0 by rewrite gt_eqF.
have h1 := fdot_quad_ge0 (fun p : 'I_C * 'I_F => pW g p.1 p.2) (fun p => pW d p.1 p.2) lam0.
have h2 := fdot_quad_ge0 (pb g) (pb d) lam0.
move: h1 h2; rewrite /pdot /mdot.
set A := fdot _ _; set B := fdot _ _; set D := fdot _ _.
set E := fdot _ _; set G := fdot _ _; set H := fdot _ _ => h1 h2.
have -> : A + E + lam / 2 * (B + G) + (D + H) / (2 * lam)
          = (A + lam / 2 * B + D / (2 * lam)) + (E + lam / 2 * G + H / (2 * lam)) by field.
exact: addr_ge0.
Qed.

Lemma pdot_young g d : 0 < lam ->
  pdot g d <= lam / 2 * pdot d d + pdot g g / (2 * lam).
Proof.
move=> lam0; have lam_neq0 : lam != 0 by rewrite gt_eqF.
have h1 := fdot_young (fun p : 'I_C * 'I_F => pW g p.1 p.2) (fun p => pW d p.1 p.2) lam0.
have h2 := fdot_young (pb g) (pb d) lam0.
move: h1 h2; rewrite /pdot /mdot.
set A := fdot _ _; set B := fdot _ _; set D := fdot _ _.
set E := fdot _ _; set G := fdot _ _; set H := fdot _ _ => h1 h2.
have -> : lam / 2 * (B + G) + (D + H) / (2 * lam)
          = (lam / 2 * B + D / (2 * lam)) + (lam / 2 * G + H / (2 * lam)) by field.
exact: ler_add.
Qed.

(** ⟨g, u⟩ and ‖u‖² for u = k·d. *)
Lemma pdot_scaled g u d k :
  (forall c f, pW u c f = k * pW d c f) -> (forall c, pb u c = k * pb d c) ->
  pdot g u = k * pdot g d.
Proof.
move=> hW hb; rewrite /pdot /mdot /fdot mulrDr !mulr_sumr; congr (_ + _).
  by apply: eq_bigr => p _; rewrite hW mulrCA.
by apply: eq_bigr => c _; rewrite hb mulrCA.
Qed.

Lemma pdot_scaled2 u d k :
  (forall c f, pW u c f = k * pW d c f) -> (forall c, pb u c = k * pb d c) ->
  pdot u u = k ^+ 2 * pdot d d.
Proof.
move=> hW hb; rewrite /pdot /mdot /fdot mulrDr !mulr_sumr; congr (_ + _).
  by apply: eq_bigr => p _; rewrite !hW mulrACA expr2.
by apply: eq_bigr => c _; rewrite !hb mulrACA expr2.
Qed.

(** Theorem [certificate_gap] (Step 5, Theorem 4): for λ > 0 and every θ',
    P(θ) − P(θ') ≤ ‖∇P(θ)‖²/(2λ); with θ' a minimiser this bounds P(θ) − P*. *)
Theorem certificate_gap th th' : (forall i, 0 <= w i) -> 0 < lam ->
  P th - P th' <= pnorm (grad th) ^+ 2 / (2 * lam).
Proof.
move=> w0 lam0; have h := objective_strong_convexity th th' w0.
have q := pdot_quad_ge0 (grad th) (psub th' th) lam0.
rewrite /pnorm sqr_sqrtr ?pdot_ge0 //.
move: h q; set A := pdot (grad th) _; set B := pdot (psub _ _) _.
set G := pdot (grad th) (grad th) => h q.
rewrite ler_subl_addr.
have h' : P th <= P th' - (A + lam / 2 * B) by rewrite ler_subr_addr addrA.
apply: (le_trans h'); rewrite [G / _ + _]addrC ler_add2l -subr_ge0 opprK.
by rewrite addrC.
Qed.


(** If B(1 − s) ≤ A for every s ∈ (0, 1] and A ≥ 0, then B ≤ A (no limits needed). *)
Lemma le_of_scaled (A B : R) : 0 <= A ->
  (forall s, 0 < s -> s <= 1 -> B * (1 - s) <= A) -> B <= A.
Proof.
move=> A0 h; case: (leP B A) => // AB; exfalso.
have B0 : 0 < B by apply: le_lt_trans AB.
have B_neq0 : B != 0 by rewrite gt_eqF.
set s := (B - A) / (2 * B).
have s0 : 0 < s by rewrite divr_gt0 // ?subr_gt0 // mulr_gt0.
have s1 : s <= 1.
  rewrite ler_pdivr_mulr ?mulr_gt0 // mul1r ler_subl_addr.
  by apply: ler_paddr => //; rewrite mulr_natl mulr2n ler_addl ltW.
have := h s s0 s1.
have -> : B * (1 - s) = (A + B) / 2 by rewrite /s; field.
rewrite ler_pdivr_mulr // mulr_natr mulr2n ler_add2l => BA.
by move: AB; rewrite ltNge BA.
Qed.

(** Theorem [objective_gradient_monotone] (Step 3, (M) with μ = λ):
    ⟨∇P(θ') − ∇P(θ), θ' − θ⟩ ≥ λ‖θ' − θ‖². *)
Theorem objective_gradient_monotone th th' : (forall i, 0 <= w i) ->
  lam * pdot (psub th' th) (psub th' th)
  <= pdot (grad th') (psub th' th) - pdot (grad th) (psub th' th).
Proof.
move=> w0; set d := psub th' th; set D := pdot d d.
have h1 := objective_strong_convexity th th' w0.
have h2 := objective_strong_convexity th' th w0.
have eW k f : pW (psub th th') k f = -1 * pW d k f by rewrite /d /= mulN1r opprB.
have eb k : pb (psub th th') k = -1 * pb d k by rewrite /d /= mulN1r opprB.
move: h2; rewrite (pdot_scaled _ eW eb) (pdot_scaled2 eW eb) => h2.
move: h1 h2; rewrite -/d -/D; set G := pdot (grad th) d; set G' := pdot (grad th') d.
move=> h1 h2; have h := ler_add h1 h2.
rewrite -subr_ge0; rewrite -subr_ge0 in h.
suff -> : G' - G - lam * D
          = P th' + P th - (P th + G + lam / 2 * D + (P th' + -1 * G' + lam / 2 * ((-1) ^+ 2 * D)))
  by [].
by field.
Qed.

(** The convex combination a·θ₁ + (1 − a)·θ₂ of parameters. *)
Definition pcomb a th1 th2 : param :=
  Param (fun c f => a * pW th1 c f + (1 - a) * pW th2 c f)
        (fun c => a * pb th1 c + (1 - a) * pb th2 c).

(** Theorem [objective_jensen] (Step 3, (J) with μ = λ): P is λ-strongly convex,
    P(aθ₁ + (1 − a)θ₂) + (λ/2)a(1 − a)‖θ₁ − θ₂‖² ≤ aP(θ₁) + (1 − a)P(θ₂). *)
Theorem objective_jensen a th1 th2 : (forall i, 0 <= w i) -> 0 <= a <= 1 ->
  P (pcomb a th1 th2) + lam / 2 * (a * (1 - a)) * pdot (psub th1 th2) (psub th1 th2)
  <= a * P th1 + (1 - a) * P th2.
Proof.
move=> w0 /andP[a0 a1]; set c := pcomb a th1 th2.
set d := psub th1 th2; set D := pdot d d.
have h1 := objective_strong_convexity c th1 w0.
have h2 := objective_strong_convexity c th2 w0.
have e1W k f : pW (psub th1 c) k f = (1 - a) * pW d k f by rewrite /c /d /pcomb /=; ring.
have e1b k : pb (psub th1 c) k = (1 - a) * pb d k by rewrite /c /d /pcomb /=; ring.
have e2W k f : pW (psub th2 c) k f = - a * pW d k f by rewrite /c /d /pcomb /=; ring.
have e2b k : pb (psub th2 c) k = - a * pb d k by rewrite /c /d /pcomb /=; ring.
move: h1 h2.
rewrite (pdot_scaled _ e1W e1b) (pdot_scaled2 e1W e1b).
rewrite (pdot_scaled _ e2W e2b) (pdot_scaled2 e2W e2b) -/D.
set Pc := P c; set G := pdot (grad c) d => h1 h2.
have a1' : 0 <= 1 - a by rewrite subr_ge0.
have hc := ler_add (ler_wpmul2l a0 h1) (ler_wpmul2l a1' h2).
apply: (le_trans _ hc); rewrite le_eqVlt; apply/orP; left; apply/eqP; ring.
Qed.

(** Quadratic growth at a minimiser θ⋆: P(θ) ≥ P(θ⋆) + (λ/2)‖θ − θ⋆‖², from
    [objective_jensen] at the points sθ + (1 − s)θ⋆, 0 < s ≤ 1 (no derivative of P). *)
Lemma quadratic_growth th ths : (forall i, 0 <= w i) -> (forall th', P ths <= P th') ->
  P ths + lam / 2 * pdot (psub th ths) (psub th ths) <= P th.
Proof.
move=> w0 hmin; set d := psub th ths; set D := pdot d d.
have hA : 0 <= P th - P ths by rewrite subr_ge0.
rewrite addrC -ler_subr_addr; apply: le_of_scaled => // s s0 s1.
have s01 : 0 <= s <= 1 by rewrite (ltW s0) s1.
have hj := objective_jensen th ths w0 s01.
have hm := hmin (pcomb s th ths).
move: hj hm; rewrite -/d -/D; set Ps := P (pcomb s th ths) => hj hm.
have h := le_trans (ler_add hm (lexx (lam / 2 * (s * (1 - s)) * D))) hj.
rewrite -(ler_pmul2l s0).
have -> : s * (lam / 2 * D * (1 - s))
          = (P ths + lam / 2 * (s * (1 - s)) * D) - P ths by ring.
have -> : s * (P th - P ths) = (s * P th + (1 - s) * P ths) - P ths by ring.
by rewrite ler_add2r.
Qed.

(** Theorem [certificate_distance] (Step 5, Theorem 4): for λ > 0 and a minimiser θ⋆,
    ‖θ − θ⋆‖ ≤ ‖∇P(θ)‖/λ. *)
Theorem certificate_distance th ths :
  (forall i, 0 <= w i) -> 0 < lam -> (forall th', P ths <= P th') ->
  pnorm (psub th ths) <= pnorm (grad th) / lam.
Proof.
move=> w0 lam0 hmin; have lam_neq0 : lam != 0 by rewrite gt_eqF.
set d := psub th ths; set g := grad th.
have hq := quadratic_growth th w0 hmin.
have h := objective_strong_convexity th ths w0.
have eW c f : pW (psub ths th) c f = -1 * pW d c f by rewrite /= mulN1r opprB.
have eb c : pb (psub ths th) c = -1 * pb d c by rewrite /= mulN1r opprB.
move: h; rewrite (pdot_scaled _ eW eb) (pdot_scaled2 eW eb) -/g.
have hy := pdot_young g d lam0.
move: hq hy; set D := pdot d d; set G := pdot g d; set N := pdot g g => hq hy h.
have hlin : lam * D <= G.
  have := ler_add hq h.
  have -> : P ths + lam / 2 * D + (P th + -1 * G + lam / 2 * ((-1) ^+ 2 * D))
            = (P th + P ths) + (lam * D - G).
    by field.
  by rewrite addrC -ler_subr_addr subrr subr_le0.
have hD : D <= N / lam ^+ 2.
  have h2 : lam / 2 * D <= N / (2 * lam).
    have := le_trans hlin hy.
    have -> : lam * D = lam / 2 * D + lam / 2 * D by field.
    by rewrite ler_add2l.
  have lam2 : 0 < lam / 2 by rewrite divr_gt0.
  rewrite -(ler_pmul2l lam2).
  have -> : lam / 2 * (N / lam ^+ 2) = N / (2 * lam) by field.
  exact: h2.
rewrite /pnorm -/d -/g -/D -/N.
have -> : Num.sqrt N / lam = Num.sqrt (N / lam ^+ 2).
  rewrite -exprVn sqrtrM ?pdot_ge0 // sqrtr_sqr ger0_norm //.
  by rewrite invr_ge0 ltW.
exact: ler_wsqrtr.
Qed.

End Objective.
