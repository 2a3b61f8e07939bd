// The training probe shared by the `train_*` binaries: each defines the sizes `F` and `C`
// and includes this file, so that the probes differ only in those two constants.
#[path = "harness.rs"]
mod harness;

use core::hint::black_box;
use core::mem::MaybeUninit;
use core::ptr::{addr_of, addr_of_mut};
use tinysoftmax::optim::Sgd;
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Label, Objective};

static mut MODEL: Classifier<F, C> = Classifier::zeros();
static mut INPUT: [f32; F] = [0.0; F];
static mut TRAINER: MaybeUninit<Trainer<F, C>> = MaybeUninit::uninit();
static mut LABEL: usize = 0;

fn setup() {
    // SAFETY: single-threaded, no interrupts; no other reference to the statics is live.
    let (model, input, trainer) = unsafe {
        (
            &mut *addr_of_mut!(MODEL),
            &mut *addr_of_mut!(INPUT),
            &mut *addr_of_mut!(TRAINER),
        )
    };
    harness::fill(model, input);
    let (Ok(sgd), Ok(objective)) = (Sgd::new(black_box(0.05)), Objective::new(black_box(0.01)))
    else {
        semihosting::process::exit(2)
    };
    let Ok(new) = Trainer::new(sgd, objective) else {
        semihosting::process::exit(2)
    };
    trainer.write(new);
    // SAFETY: as above.
    unsafe { LABEL = black_box(C - 1) };
    // A few steps first, so that the measured one starts from a trained state.
    for _ in 0..3 {
        step();
    }
}

fn predict() {
    // SAFETY: as in `setup`.
    let (model, input) = unsafe { (&*addr_of!(MODEL), &*addr_of!(INPUT)) };
    black_box(black_box(model).predict(black_box(input)));
}

fn step() {
    // SAFETY: as in `setup`; the trainer was initialised there before any step.
    let (model, input, trainer, label) = unsafe {
        (
            &mut *addr_of_mut!(MODEL),
            &*addr_of!(INPUT),
            (*addr_of_mut!(TRAINER)).assume_init_mut(),
            *addr_of!(LABEL),
        )
    };
    // `step_on`, the body of `Trainer::step`: the input stays where it is, as in the reference
    // probe, rather than being copied into a `Sample` inside the measured window.
    if let Ok(label) = Label::new(label) {
        let _ = black_box(trainer.step_on(black_box(model), input, label));
    }
}

harness::entry!(harness::Probe {
    setup,
    predict,
    step,
});
