//! The loss family on arbitrary `f32` bit patterns, C from 2 to 1024: never a panic; where the
//! exact values are defined (no NaN, no +∞, one logit above −∞), every result within the ULP
//! budget of `tests/common/accuracy.rs` against the `f64` reference of
//! `tests/common/reference.rs`; elsewhere the documented outcome (a NaN or +∞ logit, or all
//! logits −∞: a NaN loss and an all-NaN gradient).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tinysoftmax::Label;
use tinysoftmax::loss::{CrossEntropy, cross_entropy, cross_entropy_with_grad};
use tinysoftmax::softmax::{log_softmax, logsumexp, softmax};
use tinysoftmax_fuzz::Input;

#[path = "../../tests/common/mod.rs"]
mod common;

use common::accuracy::{Case, Family, SIZES, Stats, describe};

/// The sweeps' class counts and 1024, the largest C the crate is fuzzed at.
const CLASSES: [usize; 12] = [
    SIZES[0], SIZES[1], SIZES[2], SIZES[3], SIZES[4], SIZES[5], SIZES[6], SIZES[7], SIZES[8],
    SIZES[9], SIZES[10], 1024,
];

/// The documented outcome where no exact value exists.
fn check_undefined<const C: usize>(z: &[f32], y: usize) {
    let z = <[f32; C]>::try_from(z).unwrap();
    let y = Label::<C>::new(y).unwrap();
    let (loss, grad) = cross_entropy_with_grad(&z, y);
    assert!(
        loss.is_nan() && grad.iter().all(|g| g.is_nan()),
        "{loss} {grad:?}"
    );
    assert!(cross_entropy(&z, y).is_nan());
    let smoothed = CrossEntropy::<C>::new().with_label_smoothing(0.25).unwrap();
    let (loss, grad) = smoothed.loss_with_grad(&z, y);
    assert!(
        loss.is_nan() && grad.iter().all(|g| g.is_nan()),
        "{loss} {grad:?}"
    );
    // No panic, whatever they give.
    let _ = (softmax(&z), log_softmax(&z), logsumexp(&z));
}

macro_rules! dispatch {
    ($c:expr, $z:expr, $y:expr, [$($n:literal),*]) => {
        match $c {
            $($n => check_undefined::<$n>($z, $y),)*
            _ => unreachable!(),
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let c = CLASSES[usize::from(input.u8()) % CLASSES.len()];
    let y = usize::from(input.u16()) % c;
    // Logits from the input, repeated cyclically when it runs short (so a short input still
    // fills C = 1024 with its own values, not with zeros).
    let mut first = Vec::new();
    while first.len() < c && !input.is_empty() {
        first.push(input.f32_bits());
    }
    let z: Vec<f32> = if first.is_empty() {
        vec![0.0; c]
    } else {
        first.iter().copied().cycle().take(c).collect()
    };
    let defined = z.iter().all(|v| !v.is_nan() && *v != f32::INFINITY)
        && z.iter().any(|v| *v > f32::NEG_INFINITY);
    if defined {
        let case = Case { z, y };
        let mut stats = Stats::new(Family::Mixed);
        stats.add(&case);
        assert_eq!(stats.cases, 1);
        for worst in stats.worst.iter().flatten() {
            assert!(worst.ratio <= 1.0, "over budget: {}", describe(worst));
        }
        assert_eq!(stats.zero_losses, 0, "{case:?}");
        assert_eq!(stats.spurious_non_finite, 0, "{case:?}");
    } else {
        dispatch!(c, &z, y, [2, 3, 4, 5, 7, 10, 16, 32, 100, 255, 1000, 1024]);
    }
});
