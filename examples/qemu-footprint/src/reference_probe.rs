// The reference probe shared by the `reference_*` binaries: each defines the sizes `F` and `C`
// and includes this file, so that the probes differ only in those two constants.
//
// The "predict" and "step" windows run a plain prediction and a plain SGD step written out
// here, against which scripts/footprint.sh divides the library's `predict` and `Trainer::step`.
// The arithmetic is the library's, operation for operation and in the same order: the logits
// summed class by class in feature order with the bias added last, the cross-entropy and its
// gradient from the public `loss::cross_entropy_with_grad` (the library's exp and log path),
// and the update w ← w − η·(δ_c·x_f + λ·w) for every weight and bias, parameters stored feature
// by feature as in `Classifier`. Left out: the input check, the finiteness proof of the update,
// the error paths, the learning-rate schedule and the optimiser's state. Before measuring,
// `setup` runs `Trainer::step` and the reference side by side from the same model and exits
// with status 3 unless every parameter, every loss and the predicted class agree bit for bit.
#[path = "harness.rs"]
mod harness;

use core::hint::black_box;
use core::ptr::{addr_of, addr_of_mut};
use tinysoftmax::loss::cross_entropy_with_grad;
use tinysoftmax::optim::{Momentum, Schedule, Sgd};
use tinysoftmax::softmax::argmax;
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, Objective};

/// The probes' configuration: plain SGD with a constant rate, and weight decay λ.
const ETA: f32 = 0.05;
const LAMBDA: f32 = 0.01;
/// Steps compared before measuring (`train_probe.rs` takes 3 before its measured step).
const CHECKED_STEPS: usize = 4;

/// The reference model: W feature by feature, and the biases.
struct Plain {
    columns: [[f32; C]; F],
    bias: [f32; C],
}

static mut PLAIN: Plain = Plain {
    columns: [[0.0; C]; F],
    bias: [0.0; C],
};
/// The library's model, stepped beside the reference in `setup`.
static mut MODEL: Classifier<F, C> = Classifier::zeros();
static mut INPUT: [f32; F] = [0.0; F];
/// The library's trainer, built at compile time (a static: on the Cortex-M0's 16 KiB, a trainer
/// built on the stack beside both models overflows it).
static mut TRAINER: Trainer<F, C> = match (Sgd::new_f32(ETA, Schedule::Constant, Momentum::None, None), Objective::new_f32(LAMBDA)) {
    (Ok(sgd), Ok(objective)) => match Trainer::new_f32(sgd, objective) {
        Ok(trainer) => trainer,
        Err(_) => panic!("a constant rate needs no weight decay"),
    },
    _ => panic!("invalid configuration"),
};
static mut LABEL: usize = 0;

impl Plain {
    /// `z_c = ((0 + W_c0·x_0) + W_c1·x_1 + …) + b_c`, no fused multiply-add.
    #[expect(
        clippy::inline_always,
        reason = "inlined into both callers, as the library's logits are into its step"
    )]
    #[inline(always)]
    fn logits(&self, x: &[f32; F]) -> [f32; C] {
        let mut z = self.bias;
        for (c, zc) in z.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (column, &xf) in self.columns.iter().zip(x.iter()) {
                sum += column[c] * xf;
            }
            // b_c + sum: IEEE addition is commutative, so the bits of sum + b_c.
            *zc += sum;
        }
        z
    }

    #[inline(never)]
    fn predict(&self, x: &[f32; F]) -> usize {
        argmax(&self.logits(x))
    }

    /// One SGD step with weight decay; returns the loss before the step.
    #[inline(never)]
    fn step(&mut self, x: &[f32; F], y: Label<C>, eta: f32, lambda: f32) -> f32 {
        let (loss, delta) = cross_entropy_with_grad(&self.logits(x), y);
        for (column, &xf) in self.columns.iter_mut().zip(x.iter()) {
            for (w, &d) in column.iter_mut().zip(delta.iter()) {
                let g = d * xf + lambda * *w;
                *w -= eta * g;
            }
        }
        for (b, &d) in self.bias.iter_mut().zip(delta.iter()) {
            let g = d + lambda * *b;
            *b -= eta * g;
        }
        loss
    }
}

/// Fills the library's model and the input, and copies the model into the reference (a call of
/// its own, so that its temporaries are off the stack before the steps).
#[inline(never)]
fn start(plain: &mut Plain, model: &mut Classifier<F, C>, input: &mut [f32; F]) {
    harness::fill(model, input);
    for (f, column) in plain.columns.iter_mut().enumerate() {
        for (c, w) in column.iter_mut().enumerate() {
            if let Some(value) = Label::new(c).ok().and_then(|c| model.weight(c, f)) {
                *w = value;
            }
        }
    }
    plain.bias = *model.bias();
}

fn setup() {
    // SAFETY: single-threaded, no interrupts; no other reference to the statics is live.
    let (plain, model, input, trainer) = unsafe {
        (
            &mut *addr_of_mut!(PLAIN),
            &mut *addr_of_mut!(MODEL),
            &mut *addr_of_mut!(INPUT),
            &mut *addr_of_mut!(TRAINER),
        )
    };
    start(plain, model, input);
    // SAFETY: as above.
    unsafe { LABEL = black_box(C - 1) };
    let Ok(label) = Label::new(black_box(C - 1)) else {
        semihosting::process::exit(2)
    };
    let mut same = true;
    for _ in 0..CHECKED_STEPS {
        let library = trainer.step_on(model, input, label);
        let reference = plain.step(input, label, black_box(ETA), black_box(LAMBDA));
        same &= library.is_ok_and(|loss| loss.to_bits() == reference.to_bits());
        same &= model.predict(input).index() == plain.predict(input);
    }
    for (f, column) in plain.columns.iter().enumerate() {
        for (c, w) in column.iter().enumerate() {
            let class = Label::new(c).ok();
            same &= class.and_then(|c| model.weight(c, f)).map(f32::to_bits) == Some(w.to_bits());
        }
    }
    for (b, p) in model.bias().iter().zip(plain.bias.iter()) {
        same &= b.to_bits() == p.to_bits();
    }
    if !same {
        semihosting::process::exit(3)
    }
}

fn predict() {
    // SAFETY: as in `setup`.
    let (plain, input) = unsafe { (&*addr_of!(PLAIN), &*addr_of!(INPUT)) };
    black_box(black_box(plain).predict(black_box(input)));
}

fn step() {
    // SAFETY: as in `setup`.
    let (plain, input, label) = unsafe {
        (
            &mut *addr_of_mut!(PLAIN),
            &*addr_of!(INPUT),
            *addr_of!(LABEL),
        )
    };
    if let Ok(label) = Label::new(label) {
        black_box(black_box(plain).step(input, label, black_box(ETA), black_box(LAMBDA)));
    }
}

harness::entry!(harness::Probe {
    setup,
    predict,
    step,
});
