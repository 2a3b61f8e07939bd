//! Run-time dispatch of the full-batch passes to AVX2 on x86-64 (feature `std`).
//!
//! A library cannot know the CPU its users' programs will run on, so it is built for the
//! baseline of its target (SSE2 on x86-64), and every vector is two `f64` or four `f32` wide.
//! With the `std` feature, each pass defined with [`dispatched!`] is compiled twice, as
//! written and with AVX2 enabled, and the first call asks the CPU (through
//! `std::is_x86_feature_detected!`, cached by `std`) which copy to run.
//!
//! Both copies compute the same bits: Rust never reassociates floating-point arithmetic or
//! contracts `a * b + c` into a fused multiply-add, and every sum of the crate has a defined
//! order, so a wider vector only does the same operations more at a time. `.ci/run` checks
//! it: the firmware-parity fingerprints of a `std` build on an AVX2 machine must be those of
//! the portable build and of the devices.
//!
//! An AVX2 copy is only as wide as what is compiled inside it: a function it calls that is
//! not inlined runs the baseline code. The functions a dispatched pass calls per sample are
//! therefore `inline(always)` in `std` builds on x86-64 (the attribute
//! `cfg_attr(all(feature = "std", target_arch = "x86_64"), inline(always))`), and so are the
//! closures the passes hand to them. Other builds, the embedded ones included, compile exactly
//! the code they did before.
//!
//! This module holds the crate's only `unsafe`: calling the AVX2 copy, which is sound because
//! it happens only after the CPU reported AVX2. Builds without `std` keep
//! `#![forbid(unsafe_code)]`.

/// Whether this CPU has AVX2 (`std` caches the answer after the first call).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[inline]
pub(crate) fn has_avx2() -> bool {
    #[cfg(test)]
    if tests::BASELINE_ONLY.get() {
        return false;
    }
    std::is_x86_feature_detected!("avx2")
}

/// Defines `fn name<const F: usize, const C: usize, T: Float>(args) -> R { body }` (free
/// functions only). In `std` builds on x86-64 the body is compiled into two copies, the
/// baseline and AVX2, and [`has_avx2`] chooses between them on every call; in every other
/// build the function is defined exactly as written.
macro_rules! dispatched {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        $(#[$meta])*
        $vis fn $name<const F: usize, const C: usize, T: Float>($($arg: $ty),*) $(-> $ret)? $body

        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        $(#[$meta])*
        $vis fn $name<const F: usize, const C: usize, T: Float>($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn baseline<const F: usize, const C: usize, T: Float>($($arg: $ty),*) $(-> $ret)? $body

            #[target_feature(enable = "avx2")]
            fn avx2<const F: usize, const C: usize, T: Float>($($arg: $ty),*) $(-> $ret)? {
                baseline($($arg),*)
            }

            if $crate::wide::has_avx2() {
                #[allow(unsafe_code, reason = "the one call that needs it")]
                // SAFETY: `avx2` needs nothing beyond the AVX2 instructions, and the CPU has
                // them: `has_avx2` asked it just above.
                return unsafe { avx2($($arg),*) };
            }
            baseline($($arg),*)
        }
    };
}
pub(crate) use dispatched;

#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
mod tests {
    extern crate std;
    use std::cell::Cell;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    use crate::convex::{
        Parameters, certify, gradient, hessian_vector_product, hessian_vector_product_at,
        probabilities_into,
    };
    use crate::rng::SplitMix64;
    use crate::{Classifier, Float, Label, Objective, Sample};

    std::thread_local! {
        /// Set by [`baseline_and_avx2`] to make [`super::has_avx2`] answer no on this thread.
        pub(super) static BASELINE_ONLY: Cell<bool> = const { Cell::new(false) };
    }

    /// `run()` with the baseline copies, then with the copies [`super::has_avx2`] chooses.
    fn baseline_and_avx2<R>(run: impl Fn() -> R) -> (R, R) {
        BASELINE_ONLY.set(true);
        let baseline = run();
        BASELINE_ONLY.set(false);
        (baseline, run())
    }

    /// Uniform in [−scale, scale), from the top 53 bits.
    fn uniform<T: Float>(rng: &mut SplitMix64, scale: f64) -> T {
        let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        T::from_f64((2.0 * unit - 1.0) * scale)
    }

    /// Every dispatched pass's result, printed with `{:?}` (which tells every two finite floats
    /// of different bits apart, −0 from 0 included), on random data of n samples; each result
    /// is a value, neither an error nor NaN (which `{:?}` would not tell apart).
    fn passes<const F: usize, const C: usize, T: Float + core::fmt::Debug>(
        seed: u64,
        n: usize,
    ) -> Vec<String> {
        let mut rng = SplitMix64::new(seed);
        let samples: Vec<Sample<F, C, T>> = (0..n)
            .map(|_| {
                let features = core::array::from_fn(|_| uniform(&mut rng, 3.0));
                let classes = u32::try_from(C).unwrap_or(u32::MAX);
                let label = Label::new(rng.below(classes) as usize);
                Sample::new(features, label.unwrap_or_else(|_| unreachable!()))
            })
            .collect();
        let model = Classifier::new(
            core::array::from_fn(|_| core::array::from_fn(|_| uniform(&mut rng, 2.0))),
            core::array::from_fn(|_| uniform(&mut rng, 1.0)),
        );
        let v = Parameters::new(
            core::array::from_fn(|_| core::array::from_fn(|_| uniform(&mut rng, 1.0))),
            core::array::from_fn(|_| uniform(&mut rng, 1.0)),
        );
        let objective = Objective::new(T::from_f64(0.01)).unwrap_or_else(|_| unreachable!());
        let xs: Vec<[T; F]> = samples.iter().map(|s| s.features).collect();
        let mut labels = std::vec![Label::new(0).unwrap_or_else(|_| unreachable!()); n];
        let predicted = model.predict_batch(&xs, &mut labels).map(|()| labels);
        let mut probabilities = std::vec![[T::ZERO; C]; n];
        let filled = probabilities_into(&model, &samples, &mut probabilities);
        let product = filled.and_then(|()| {
            hessian_vector_product_at(&samples, &objective, &probabilities, v.as_model())
        });
        let results = std::vec![
            format!("{probabilities:?}"),
            format!("{product:?}"),
            format!("{:?}", gradient(&model, &samples, &objective)),
            format!(
                "{:?}",
                hessian_vector_product(&model, &samples, &objective, &v)
            ),
            format!("{:?}", certify(&model, &samples, &objective)),
            format!("{predicted:?}"),
        ];
        for r in results.iter().skip(1) {
            assert!(r.starts_with("Ok(") && !r.contains("NaN"), "{r}");
        }
        assert!(!results[0].contains("NaN"));
        results
    }

    /// The AVX2 copies compute the baseline's bits, for sizes that fill whole vectors and
    /// sizes that leave remainders (n not a multiple of the gradient's block of 8, C and F not
    /// multiples of the lane counts). On a CPU without AVX2 both runs take the baseline.
    #[test]
    fn avx2_copies_compute_the_baseline_bits() {
        for seed in 0..4 {
            for n in [1, 7, 13, 40] {
                let (a, b) = baseline_and_avx2(|| passes::<64, 10, f64>(seed, n));
                assert_eq!(a, b, "(64, 10) f64, n = {n}");
                let (a, b) = baseline_and_avx2(|| passes::<64, 10, f32>(seed, n));
                assert_eq!(a, b, "(64, 10) f32, n = {n}");
                let (a, b) = baseline_and_avx2(|| passes::<7, 3, f32>(seed, n));
                assert_eq!(a, b, "(7, 3) f32, n = {n}");
                let (a, b) = baseline_and_avx2(|| passes::<5, 17, f64>(seed, n));
                assert_eq!(a, b, "(5, 17) f64, n = {n}");
            }
        }
        std::println!(
            "AVX2 on this CPU: {}",
            std::is_x86_feature_detected!("avx2")
        );
    }

    /// The switch the test above relies on works: with it set, the baseline runs.
    #[test]
    fn baseline_switch_is_honoured() {
        BASELINE_ONLY.set(true);
        assert!(!super::has_avx2());
        BASELINE_ONLY.set(false);
        assert_eq!(super::has_avx2(), std::is_x86_feature_detected!("avx2"));
    }
}
