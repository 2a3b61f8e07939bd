//! Every public operation of tinysoftmax, instantiated for concrete sizes and called on opaque
//! inputs, so that the release binary contains all their code. `.ci/run` lists the binary's
//! symbols: any symbol containing `panic` means some path can panic.

#![no_std]
#![no_main]

use core::hint::black_box;
use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use tinysoftmax::average::{Averaged, Plan, Weighting, train_until_certified};
use tinysoftmax::format::{Checkpoint, Record};
use tinysoftmax::loss::{CrossEntropy, soft_cross_entropy_with_grad};
use tinysoftmax::optim::SgdState;
use tinysoftmax::optim::{Momentum, Schedule, Sgd};
use tinysoftmax::quant::Quantized;
use tinysoftmax::softmax::{log_softmax_in_place, logsumexp, softmax_in_place};
use tinysoftmax::solver::Tolerance;
use tinysoftmax::storage::Store;
use tinysoftmax::train::Trainer;
use tinysoftmax::{
    Classifier, Label, Objective, Pipeline, ReplayBuffer, Sample, Scaler, SplitMix64, Standardizer,
    convex, fast,
};

fn sizes<const F: usize, const C: usize>() -> Option<()> {
    let x: [f32; F] = black_box([0.5; F]);
    let mut model: Classifier<F, C> = black_box(Classifier::zeros());
    let y = Label::<C>::new(black_box(1)).ok()?;
    black_box(model.predict(&x));
    black_box(model.probabilities(&x));
    black_box(model.loss(&x, y));
    black_box(fast::predict_with_confidence(&model, &x));

    let sgd = Sgd::new(black_box(0.1))
        .ok()?
        .with_momentum(black_box(Momentum::Nesterov(0.9)))
        .ok()?
        .with_schedule(black_box(Schedule::InverseTime))
        .ok()?
        .with_clip_norm(black_box(5.0))
        .ok()?;
    let loss = CrossEntropy::new()
        .with_label_smoothing(black_box(0.1))
        .ok()?
        .with_class_weights(black_box([1.0; C]))
        .ok()?;
    let objective = Objective::from_parts(loss, black_box(0.01)).ok()?;
    let mut trainer = Trainer::new(sgd, objective).ok()?;
    let mut buffer = ReplayBuffer::<F, C, 16>::new();
    let mut scaler = Standardizer::<F>::new();
    let mut rng = SplitMix64::new(black_box(3));
    for _ in 0..black_box(20) {
        scaler.update(&x).ok()?;
        buffer.push(Sample::new(scaler.transform(&x), y)).ok()?;
    }
    buffer.shuffle(&mut rng);
    let _ = black_box(trainer.sweep(&mut model, buffer.as_slice()));
    let mut data = [Sample::new(x, y); 4];
    let _ = black_box(trainer.epoch(&mut model, &mut data, &mut rng));
    let _ = black_box(trainer.step_on(&mut model, &x, y));
    let mut order = [0, 1, 2, 3];
    let _ = black_box(trainer.epoch_indexed(&mut model, &data, &mut order, &mut rng));
    black_box(model.predict_with_probabilities(&x));
    black_box(model.top_k::<3>(&x));
    black_box(model.predict_or_reject(&x, black_box(0.5)));
    let _ = black_box(model.cast::<f64>());
    let _ = black_box(convex::certify(&model, &data, &objective));
    let _ = black_box(tinysoftmax::solver::minimize(
        &mut model,
        &data,
        &objective,
        black_box(tinysoftmax::solver::Stop {
            tolerance: tinysoftmax::solver::Tolerance::Relative(1e-6),
            max_iterations: 100,
        }),
    ));
    let _ = black_box(tinysoftmax::lbfgs::Lbfgs::<4>::minimize(
        &mut model,
        &data,
        &objective,
        black_box(tinysoftmax::solver::Stop::new(
            tinysoftmax::solver::Tolerance::Relative(1e-6),
            100,
        )),
    ));
    let inputs = black_box([x; 3]);
    let mut labels = [y; 3];
    let _ = black_box(model.predict_batch(&inputs, &mut labels));
    black_box(labels);
    let _ = black_box(convex::objective(&model, &data, &objective));
    let _ = black_box(convex::gradient(&model, &data, &objective));
    let _ = black_box(convex::hessian_vector_product(
        &model,
        &data,
        &objective,
        &convex::Parameters::of(&model),
    ));
    let _ = black_box(convex::smoothness(&data, &objective));
    let _ = black_box(CrossEntropy::<C>::balanced_weights(black_box(&[3; C])));
    black_box(model.accuracy(&data));
    black_box(scaler.variance());
    let _ = black_box(scaler.update_all(&[x; 2]));
    let known = Scaler::new_f32(black_box([0.5; F]), black_box([2.0; F])).ok()?;
    black_box(known.transform(&x));
    let pipeline = Pipeline::new(scaler.freeze(), model.clone());
    black_box(pipeline.predict(&x));
    black_box(pipeline.probabilities(&x));
    let _ = black_box(Label::<C>::try_from(black_box(2_u32)));
    let mut average = Averaged::new(black_box(Weighting::Linear));
    let plan = Plan {
        tolerance: Tolerance::Relative(black_box(1e-3)),
        check_every: black_box(1),
        max_epochs: black_box(3),
    };
    let _ = black_box(train_until_certified(
        &mut trainer,
        &mut model,
        &mut average,
        &mut data,
        &mut rng,
        plan,
    ));
    black_box(model.fingerprint());
    records(&model, &scaler, &trainer, &average, &rng);
    quantized(&model, &scaler)
}

// Inlined: a function of its own would be a symbol named after this crate, whose name
// contains "panic".
#[inline(always)]
fn quantized<const F: usize, const C: usize>(
    model: &Classifier<F, C>,
    scaler: &Standardizer<F>,
) -> Option<()> {
    let r: [i16; F] = black_box([7; F]);
    let q8 = Quantized::<F, C>::new(model, scaler, black_box(0.1)).ok()?;
    let q16 = Quantized::<F, C, i16>::new(model, scaler, black_box(0.1)).ok()?;
    black_box((q8.logits(&r), q8.predict(&r), q8.predict_certified(&r)));
    black_box((q8.bound(&r), q8.logit_step(), q8.fingerprint()));
    black_box((q16.predict_certified(&r), q16.bound(&r)));
    let parts = (q8.weights(), q8.shifts(), q8.bias(), q8.exponent());
    let again = Quantized::<F, C>::from_parts(parts.0, parts.1, parts.2, parts.3).ok()?;
    black_box(again.predict(&r));
    Some(())
}

/// Encoding and decoding of every record kind, and the flash store (inlined, like `sizes`, so
/// that no symbol of this crate, whose name contains "panic", remains).
#[inline(always)]
fn records<const F: usize, const C: usize>(
    model: &Classifier<F, C>,
    scaler: &Standardizer<F>,
    trainer: &Trainer<F, C>,
    average: &Averaged<F, C>,
    rng: &SplitMix64,
) {
    let mut buf = black_box([0_u8; 8192]);
    let checkpoint = Checkpoint::new(
        scaler.clone(),
        model.clone(),
        trainer.state().clone(),
        rng.clone(),
    );
    let _ = black_box(checkpoint.encode(&mut buf));
    let _ = black_box(Checkpoint::<F, C>::decode(black_box(&buf)));
    let _ = black_box(average.encode(&mut buf));
    let _ = black_box(Averaged::<F, C>::decode(black_box(&buf)));
    let _ = black_box(model.encode(&mut buf));
    let mut copy = model.clone();
    let _ = black_box(copy.decode_into(black_box(&buf)));
    let _ = black_box(SgdState::<F, C>::decode(black_box(&buf)));
    let _ = black_box(Standardizer::<F>::decode(black_box(&buf)));
    if let Ok(mut store) = Store::new(OpaqueFlash, black_box(0), black_box(16384)) {
        let _ = black_box(store.save(&checkpoint, &mut buf));
        let _ = black_box(store.load::<Checkpoint<F, C>>(&mut buf));
    }
}

/// A flash whose contents the optimiser cannot see.
struct OpaqueFlash;

impl ErrorType for OpaqueFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for OpaqueFlash {
    const READ_SIZE: usize = 4;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        for b in bytes.iter_mut() {
            *b = black_box(offset.to_le_bytes()[0]);
        }
        black_box(Ok(()))
    }
    fn capacity(&self) -> usize {
        black_box(65536)
    }
}

impl NorFlash for OpaqueFlash {
    const WRITE_SIZE: usize = 8;
    const ERASE_SIZE: usize = 4096;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        black_box((from, to));
        black_box(Ok(()))
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        black_box((offset, bytes));
        black_box(Ok(()))
    }
}

fn kernels() {
    let mut z: [f32; 10] = black_box([1.0; 10]);
    black_box(logsumexp(&z));
    let q = black_box([0.1; 10]);
    black_box(soft_cross_entropy_with_grad(&z, &q));
    softmax_in_place(&mut z);
    log_softmax_in_place(&mut z);
    black_box(z);
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    black_box(sizes::<4, 3>());
    black_box(sizes::<64, 10>());
    kernels();
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
