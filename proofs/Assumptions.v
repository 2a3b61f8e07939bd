(** The axioms each main theorem rests on; .ci/proofs.sh fails on any outside its
    allow-list. One [Print Assumptions] per line, in the order of README.md. *)
From TinySoftmax Require Import SoftmaxConvexity.

Print Assumptions lse_gradient_inequality.
Print Assumptions lse_convex.
Print Assumptions ce_gradient_inequality.
Print Assumptions ce_convex.
Print Assumptions ce_affine_convex.
Print Assumptions objective_strong_convexity.
Print Assumptions objective_jensen.
Print Assumptions objective_gradient_monotone.
Print Assumptions certificate_gap.
Print Assumptions certificate_distance.
Print Assumptions hessian_form_is_variance.
Print Assumptions hessian_form_ge0.
Print Assumptions hessian_form_le_half.
Print Assumptions ce_gradient_sums_to_zero.
Print Assumptions ce_shift_invariant.
Print Assumptions hessian_rows_sum_to_zero.
Print Assumptions hessian_diagonally_dominant.
