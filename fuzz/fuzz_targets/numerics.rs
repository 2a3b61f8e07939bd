//! `Standardizer`, `ReplayBuffer`, `Averaged`, `certify`, `certify_plain` and `minimize` on
//! arbitrary inputs: never a panic. Both certificates' gap and distance are never below the
//! truth on the two problem families of `tests/common/truth.rs` whose optimum is known in closed form (penalty only, and
//! symmetric data); a refused certificate names an overflow. `minimize` returns a report
//! whose certificate is that of the returned model, or an error with the model unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tinysoftmax::average::{Averaged, Weighting};
use tinysoftmax::convex::{certify, certify_plain};
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::solver::{Stop, Tolerance, minimize};
use tinysoftmax::{
    Classifier, Error, Label, Objective, ReplayBuffer, Sample, SplitMix64, Standardizer,
};
use tinysoftmax_fuzz::Input;

#[path = "../../tests/common/truth.rs"]
mod truth;

const F: usize = 2;
const C: usize = 3;

fn model(input: &mut Input) -> Classifier<F, C> {
    Classifier::new(
        [input.array::<F>(), input.array::<F>(), input.array::<F>()],
        input.array::<C>(),
    )
}

fn standardizer(input: &mut Input) {
    let mut s = Standardizer::<F>::new();
    for _ in 0..input.u8() % 16 {
        let before = s.clone();
        if s.update(&input.array::<F>()).is_err() {
            assert_eq!(s, before, "a refused update changed the statistics");
        }
        assert!(
            s.mean()
                .iter()
                .chain(s.sum_of_squares())
                .all(|v| v.is_finite())
        );
        let x = input.array::<F>();
        let _ = (
            s.variance(),
            s.scale(),
            s.transform(&x),
            s.freeze().transform(&x),
        );
    }
    let raw = Standardizer::<F>::from_statistics(input.u32(), input.array(), input.array());
    let x = input.array::<F>();
    let _ = (raw.variance(), raw.scale(), raw.transform(&x), raw.freeze());
}

fn replay(input: &mut Input) {
    let mut buffer = ReplayBuffer::<F, C, 4>::new();
    let mut rng = SplitMix64::new(u64::from(input.u32()));
    for _ in 0..input.u8() % 16 {
        let Ok(y) = Label::new(usize::from(input.u8()) % C) else {
            unreachable!()
        };
        let len = buffer.len();
        match buffer.push(Sample::new(input.array(), y)) {
            Ok(()) => assert_eq!(buffer.len(), (len + 1).min(4)),
            Err(e) => assert_eq!((e, buffer.len()), (Error::NonFiniteFeature, len)),
        }
        if input.u8() & 3 == 0 {
            buffer.shuffle(&mut rng);
        }
        assert!(buffer.as_slice().iter().all(|s| s.check().is_ok()));
    }
}

fn averaged(input: &mut Input) {
    let weighting = if input.u8() & 1 == 0 {
        Weighting::Uniform
    } else {
        Weighting::Linear
    };
    let mut avg = Averaged::<F, C>::new(weighting);
    for _ in 0..input.u8() % 8 {
        avg.update(&model(input));
        let _ = avg.model().fingerprint();
    }
    avg.restart();
    assert_eq!(avg.count(), 0);
}

fn certificate(input: &mut Input) {
    let m = model(input);
    let lambda = input.f32();
    let (w, eps) = (input.f32(), input.f32());
    let xs = [input.array::<F>(), input.array::<F>()];
    // Penalty only: class 0 has weight 0, and the one sample is of class 0.
    let mut weights = [w; C];
    weights[0] = 0.0;
    if let (Ok(loss), Ok(y)) = (
        CrossEntropy::new().with_class_weights(weights),
        Label::new(0),
    ) {
        if let Ok(objective) = Objective::from_parts(loss, lambda) {
            let data = [Sample::new(xs[0], y)];
            for result in [
                certify(&m, &data, &objective),
                certify_plain(&m, &data, &objective),
            ] {
                match result {
                    Ok(cert) => {
                        let t = truth::Truth::of(&m, lambda, None);
                        assert!(t.is_bounded_by(&cert), "{cert:?} below {t:?}");
                    }
                    Err(e) => assert!(refusal(e), "{e:?}"),
                }
            }
        }
    }
    // Symmetric data: every x with every label, equal weights, any smoothing.
    let loss = CrossEntropy::new()
        .with_class_weights([w; C])
        .and_then(|l| l.with_label_smoothing(eps));
    if let Ok(objective) = loss.and_then(|l| Objective::from_parts(l, lambda)) {
        let data = truth::symmetric::<F, C, f32>(&xs);
        for result in [
            certify(&m, &data, &objective),
            certify_plain(&m, &data, &objective),
        ] {
            match result {
                Ok(cert) => {
                    let t = truth::Truth::of(&m, lambda, Some((&xs, w)));
                    assert!(t.is_bounded_by(&cert), "{cert:?} below {t:?}");
                }
                Err(e) => assert!(refusal(e), "{e:?}"),
            }
        }
    }
}

/// The errors a certificate may give on these inputs: bad λ or features, or overflow.
fn refusal(e: Error) -> bool {
    matches!(
        e,
        Error::Overflow
            | Error::NonFiniteLogit
            | Error::NonFiniteParameter
            | Error::NonFiniteFeature
            | Error::NeedsWeightDecay
            | Error::WeightDecayTooSmall
    )
}

fn solver(input: &mut Input) {
    let start = model(input);
    let lambda = input.f32();
    let mut data = Vec::new();
    for _ in 0..1 + input.u8() % 6 {
        let y = Label::new(usize::from(input.u8()) % C).unwrap();
        data.push(Sample::new(input.array::<F>(), y));
    }
    let tolerance = if input.u8() & 1 == 0 {
        Tolerance::Absolute(input.f32())
    } else {
        Tolerance::Relative(input.f32())
    };
    let stop = Stop::new(tolerance, u32::from(input.u8() % 32));
    let Ok(objective) = Objective::new(lambda) else {
        return;
    };
    let mut m = start.clone();
    match minimize(&mut m, &data, &objective, stop) {
        Ok(report) => {
            assert!(report.iterations <= stop.max_iterations);
            assert!(report.certificate.gap.is_finite());
            assert_eq!(certify(&m, &data, &objective), Ok(report.certificate));
            assert_eq!(
                report.certified,
                tolerance.is_met(report.certificate.objective, report.certificate.gap)
            );
        }
        Err(_) => assert_eq!(m.fingerprint(), start.fingerprint()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.u8() % 5 {
        0 => standardizer(&mut input),
        1 => replay(&mut input),
        2 => averaged(&mut input),
        3 => certificate(&mut input),
        _ => solver(&mut input),
    }
});
