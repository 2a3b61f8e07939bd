//! `Trainer::step`, `sweep` and `epoch` with arbitrary samples, labels, models and
//! hyperparameters: every configuration the checked constructors accept, then a sequence of
//! operations. A step returns `Ok` with finite parameters and state, or an error with the model
//! and the optimiser state bit-for-bit unchanged; a sweep or an epoch keeps the steps before
//! its failure, so after one the model and state are finite (or unchanged, for a model that
//! was never finite). Labels go through `Label::new`, which must refuse exactly those ≥ C.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tinysoftmax::format::Record;
use tinysoftmax::loss::CrossEntropy;
use tinysoftmax::optim::{Momentum, Schedule, Sgd, SgdState};
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Label, Objective, Sample, SplitMix64};
use tinysoftmax_fuzz::Input;

const F: usize = 3;
const C: usize = 3;

fn configuration(input: &mut Input) -> Option<Trainer<F, C>> {
    let mut sgd = Sgd::new(input.f32()).ok()?;
    let schedule = match input.u8() % 3 {
        0 => Schedule::Constant,
        1 => Schedule::InverseTime,
        _ => Schedule::StepDecay {
            period: input.u32() % 64,
            factor: input.f32(),
        },
    };
    sgd = sgd.with_schedule(schedule).ok()?;
    let momentum = match input.u8() % 3 {
        0 => Momentum::None,
        1 => Momentum::Classic(input.f32()),
        _ => Momentum::Nesterov(input.f32()),
    };
    sgd = sgd.with_momentum(momentum).ok()?;
    if input.u8() & 1 == 1 {
        sgd = sgd.with_clip_norm(input.f32()).ok()?;
    }
    let mut loss = CrossEntropy::new();
    if input.u8() & 1 == 1 {
        loss = loss.with_class_weights(input.array::<C>()).ok()?;
    }
    if input.u8() & 1 == 1 {
        loss = loss.with_label_smoothing(input.f32()).ok()?;
    }
    let objective = Objective::from_parts(loss, input.f32()).ok()?;
    Trainer::new(sgd, objective).ok()
}

fn finite(model: &Classifier<F, C>) -> bool {
    model
        .weights()
        .iter()
        .flatten()
        .chain(model.bias())
        .all(|v| v.is_finite())
}

/// The state's record: it must always encode (no NaN or ±∞ in it).
fn state_bytes(state: &SgdState<F, C>) -> Vec<u8> {
    let mut out = vec![0; SgdState::<F, C>::ENCODED_LEN];
    state
        .encode(&mut out)
        .expect("the optimiser state is finite");
    out
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Some(mut trainer) = configuration(&mut input) else {
        return;
    };
    let mut model = Classifier::new(
        [input.array::<F>(), input.array::<F>(), input.array::<F>()],
        input.array::<C>(),
    );
    let mut samples = Vec::new();
    for _ in 0..1 + input.u8() % 8 {
        let x = input.array::<F>();
        let label = usize::from(input.u8() % 5);
        match Label::<C>::new(label) {
            Ok(y) => samples.push(Sample::new(x, y)),
            Err(e) => assert!(label >= C && e == Error::LabelOutOfRange),
        }
    }
    if samples.is_empty() {
        return;
    }
    let mut rng = SplitMix64::new(u64::from(input.u32()));
    let was_finite = finite(&model);
    for _ in 0..32 {
        if input.is_empty() {
            break;
        }
        let before = (model.fingerprint(), state_bytes(trainer.state()));
        let result = match input.u8() % 3 {
            0 => {
                let sample = &samples[usize::from(input.u8()) % samples.len()];
                let result = trainer.step(&mut model, sample);
                if result.is_err() {
                    let after = (model.fingerprint(), state_bytes(trainer.state()));
                    assert_eq!(
                        before, after,
                        "a failed step changed the model or the state"
                    );
                }
                result
            }
            1 => trainer.sweep(&mut model, &samples),
            _ => trainer.epoch(&mut model, &mut samples, &mut rng),
        };
        match result {
            Ok(_) => assert!(finite(&model), "Ok with a non-finite model"),
            Err(e) => {
                let unchanged = before == (model.fingerprint(), state_bytes(trainer.state()));
                assert!(finite(&model) || unchanged, "{e:?} left a non-finite model");
                // The name is kept for a model that is not finite.
                assert!(e != Error::NonFiniteParameter || !was_finite, "{e:?}");
            }
        }
        let _ = state_bytes(trainer.state());
    }
});
