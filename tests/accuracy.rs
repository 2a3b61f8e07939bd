//! Reference accuracy of the `f32` softmax family: every function within its error budget of an
//! `f64` reference on dense sweeps and the hard input families.
//!
//! The budgets (8 ULP for the losses, log-probabilities and logsumexp, 10 for softmax, 11 for
//! the gradient) come from the error model in `tests/common/accuracy.rs`; why the `f64`
//! reference is accurate enough is argued in `tests/common/reference.rs`. The same measurement
//! prints the README's accuracy table: `cargo run --release --example accuracy_table`.

#![allow(
    clippy::panic,
    reason = "helpers of a test crate fail the test by panicking"
)]

mod common;

use common::accuracy::{
    Family, Measure, Stats, describe, format_ulp, measure, textbook_cross_entropy,
};
use common::reference::{Kernel, MIN_SUBNORMAL, to_f32, ulp_error};
use tinysoftmax::Label;
use tinysoftmax::loss::{cross_entropy, cross_entropy_with_grad};
use tinysoftmax::softmax::{log_softmax, logsumexp, softmax};

/// Seed of every sweep (a fixed seed: the sweeps are the same on every run).
const SEED: u64 = 0x5eed_acc0;

/// Measures `cases` inputs of `family` and asserts every budget and the special-value rules.
fn check(family: Family, cases: usize) -> Stats {
    let stats = measure(family, cases, SEED ^ family as u64);
    assert_eq!(stats.cases, cases, "{family:?}: some cases were not run");
    // Shown with `--nocapture`: the largest error in ULP of each measure, in table order.
    let row: Vec<String> = stats.max_ulp.iter().map(|&e| format_ulp(e)).collect();
    println!("{family:?}: {}", row.join(" | "));
    for m in Measure::ALL {
        if m.budget().is_none() {
            continue;
        }
        let Some(w) = &stats.worst[m as usize] else {
            panic!("{family:?}: {m:?} was never measured");
        };
        assert!(
            w.ratio <= 1.0,
            "{family:?}, {m:?} over budget: {}",
            describe(w)
        );
    }
    assert_eq!(
        stats.zero_losses, 0,
        "{family:?}: loss 0 where the true loss is ≥ 2^-126"
    );
    assert_eq!(
        stats.spurious_non_finite, 0,
        "{family:?}: non-finite result for a representable exact value"
    );
    stats
}

#[test]
fn binary_sweep() {
    check(Family::Binary, 20_000);
}

#[test]
fn dense_sweep() {
    check(Family::Dense, 3_000);
}

#[test]
fn confident_predictions() {
    check(Family::Confident, 3_000);
}

#[test]
fn subnormal_losses() {
    check(Family::Tiny, 3_000);
    // The family spans the subnormal range and reaches just above the smallest normal.
    let mut rng = tinysoftmax::SplitMix64::new(SEED ^ Family::Tiny as u64);
    let (lo, hi) = (0..3_000)
        .map(|i| {
            let case = Family::Tiny.generate(i, 3_000, &mut rng);
            Kernel::new(&case.z).cross_entropy(case.y)
        })
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), l| {
            (lo.min(l), hi.max(l))
        });
    assert!(
        lo <= 4.0 * MIN_SUBNORMAL && hi > f64::from(f32::MIN_POSITIVE),
        "{lo:e} … {hi:e}"
    );
}

#[test]
fn huge_logits() {
    let stats = check(Family::Huge, 3_000);
    // Pairs 3e38 apart occur: some losses overflow (exact value beyond f32::MAX), as documented.
    assert!(stats.infinities > 0);
}

#[test]
fn all_equal_logits() {
    check(Family::AllEqual, 2_000);
}

#[test]
fn masked_logits() {
    let stats = check(Family::Masked, 3_000);
    // A masked true class gives +∞ loss (its exact value); those count as overflows here.
    assert!(stats.infinities > 0);
}

#[test]
fn mixed_scales() {
    check(Family::Mixed, 3_000);
}

#[test]
fn logsumexp_near_zero() {
    check(Family::LseCancel, 3_000);
    // The family reaches deep cancellation: |logsumexp| down to 1e-6 of |max z| + L, where a
    // budget relative to the result alone could not hold (the rounding of L, about u·L, stays).
    let mut rng = tinysoftmax::SplitMix64::new(SEED ^ Family::LseCancel as u64);
    let deepest = (0..3_000)
        .map(|i| {
            let k = Kernel::new(&Family::LseCancel.generate(i, 3_000, &mut rng).z);
            (k.m.abs() + k.l) / k.logsumexp().abs()
        })
        .fold(0.0, f64::max);
    assert!(deepest >= 1e6, "{deepest}");
}

/// The textbook form `(z − m) − ln Σ exp(z − m)` fails the budget on confident predictions,
/// measured with the same reference and the same inputs on which the crate passes: the
/// measurement can detect the failure it is there to prevent.
#[test]
fn textbook_form_fails_on_confident_predictions() {
    let stats = check(Family::Confident, 500);
    let textbook = stats.max_ulp[Measure::Textbook as usize];
    // Below a loss of 2^-24 the sum 1 + s rounds to 1 and the loss to 0: relative error 1,
    // which is over 2^23 ULP.
    assert!(textbook >= 2.0_f64.powi(23), "{textbook}");
    let w = stats.worst[Measure::Textbook as usize].as_ref();
    assert!(w.is_some_and(|w| w.got == 0.0 && w.want > 0.0));
    // One literal case: loss ln(1 + e^-20) ≈ 2.06e-9.
    let z = [20.0_f32, 0.0];
    let want = Kernel::new(&z).cross_entropy(0);
    assert_eq!(textbook_cross_entropy(&z, 0), 0.0);
    let got = cross_entropy(&z, Label::new(0).unwrap());
    assert!(ulp_error(got, want) <= 8.0, "{got} vs {want}");
}

/// Every loss from 1e-30 down through the subnormal range, C = 2: never 0 while the true loss
/// is ≥ 2^-126, and within the budget (plus the subnormal allowance) throughout.
#[test]
fn small_losses_are_never_zero() {
    let y = Label::<2>::new(0).unwrap();
    let mut t = 60.0_f32;
    let mut smallest_positive = f64::INFINITY;
    while t < 110.0 {
        let z = [0.0, -t];
        let want = Kernel::new(&z).cross_entropy(0);
        for got in [cross_entropy(&z, y), cross_entropy_with_grad(&z, y).0] {
            if want >= f64::from(f32::MIN_POSITIVE) {
                assert!(got > 0.0, "t = {t}: loss 0, true {want:e}");
            }
            let e = ulp_error(got, want);
            let tolerance = 8.0 + 4.0 * MIN_SUBNORMAL / common::reference::ulp_f32(to_f32(want));
            assert!(e <= tolerance, "t = {t}: {got:e} vs {want:e}, {e} ULP");
            if got > 0.0 {
                smallest_positive = smallest_positive.min(f64::from(got));
            }
        }
        t += 1.0 / 1024.0;
    }
    // The sweep reached the smallest subnormal.
    assert_eq!(smallest_positive, MIN_SUBNORMAL);
}

/// Results beyond f32::MAX round to +∞ like IEEE arithmetic on the exact value; results just
/// below stay finite.
#[test]
fn overflow_rounds_like_ieee() {
    let y1 = Label::<2>::new(1).unwrap();
    // z_k − z_y = 6e38 > f32::MAX: the exact loss is not representable.
    let z = [3.0e38_f32, -3.0e38];
    assert_eq!(cross_entropy(&z, y1), f32::INFINITY);
    let (loss, grad) = cross_entropy_with_grad(&z, y1);
    assert_eq!(loss, f32::INFINITY);
    assert_eq!(grad, [1.0, -1.0]);
    assert_eq!(log_softmax(&z), [0.0, f32::NEG_INFINITY]);
    assert_eq!(softmax(&z), [1.0, 0.0]);
    assert_eq!(logsumexp(&z), 3.0e38);
    // z_k − z_y = f32::MAX exactly: loss f32::MAX + ln(1 + e^-MAX) rounds to f32::MAX.
    let z = [f32::MAX, 0.0];
    assert_eq!(cross_entropy(&z, y1), f32::MAX);
    // z_k − z_y = 2e38 + 1.5e38 = 3.5e38 > f32::MAX: +∞.
    let z = [2.0e38_f32, -1.5e38];
    assert_eq!(cross_entropy(&z, y1), f32::INFINITY);
    // The largest logits: logsumexp(MAX, MAX) = MAX + ln 2 rounds to MAX.
    assert_eq!(logsumexp(&[f32::MAX; 2]), f32::MAX);
}
