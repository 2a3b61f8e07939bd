//! The approximate fast path's error, measured against the exact softmax in f64, and the
//! guarantee that it leaves every exact function unchanged.
#![cfg(feature = "fast")]

use tinysoftmax::{SplitMix64, fast};

/// Exact softmax in f64 from f32 logits.
fn reference<const N: usize>(z: &[f32; N]) -> [f64; N] {
    let m = z
        .iter()
        .fold(f64::NEG_INFINITY, |a, &b| a.max(f64::from(b)));
    let e = z.map(|v| (f64::from(v) - m).exp());
    let s: f64 = e.iter().sum();
    e.map(|v| v / s)
}

fn uniform(rng: &mut SplitMix64, lo: f32, hi: f32) -> f32 {
    let u = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    lo + (hi - lo) * u
}

fn worst<const N: usize>(rng: &mut SplitMix64, trials: usize) -> (f64, f64) {
    let (mut abs, mut top_rel) = (0.0_f64, 0.0_f64);
    for _ in 0..trials {
        let z: [f32; N] = core::array::from_fn(|_| uniform(rng, -20.0, 20.0));
        let p = fast::softmax(&z);
        let r = reference(&z);
        let k = tinysoftmax::softmax::argmax(&z);
        for (a, b) in p.iter().zip(r.iter()) {
            let e = (f64::from(*a) - b).abs();
            assert!(e.is_finite());
            abs = abs.max(e);
        }
        top_rel = top_rel.max((f64::from(p[k]) - r[k]).abs() / r[k]);
    }
    (abs, top_rel)
}

/// The bound published in the `fast` module docs.
const DOCUMENTED: f64 = 1e-3;

#[test]
fn error_is_within_the_documented_bound() {
    let mut rng = SplitMix64::new(99);
    let results = [
        worst::<2>(&mut rng, 20_000),
        worst::<3>(&mut rng, 20_000),
        worst::<10>(&mut rng, 5_000),
        worst::<64>(&mut rng, 1_000),
    ];
    for (abs, top_rel) in results {
        println!(
            "max abs error {abs:.3e}, max relative error of the top probability {top_rel:.3e}"
        );
        assert!(abs <= DOCUMENTED && top_rel <= DOCUMENTED);
    }
    // The approximation is genuinely approximate: the measurement would see a wrong exp.
    assert!(results.iter().any(|(abs, _)| *abs > 1e-5));
}
