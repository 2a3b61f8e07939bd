//! The iris recipe of `recipe.rs` as a run that can stop, be saved as a
//! [`Checkpoint`], and resume after a reset: the firmware `resume` and
//! `tests/firmware_parity.rs` both use it, and a resumed run must end with the very weights
//! of the uninterrupted [`train`](crate::recipe::train).
//!
//! The checkpoint holds the standardiser, the model, the SGD state and the shuffling
//! generator's state. The recipe shuffles its samples in place every epoch, so the sample order
//! after k epochs is the result of k shuffles: [`Run::resume`] rebuilds it by replaying them
//! from the seed (no training, 150 swaps an epoch), and the generator state this replay ends
//! in must equal the saved one, which checks the replay.

use crate::recipe::{
    CLASSES, EPOCHS, FEATURES, IrisSample, Outcome, SEED, configuration, evaluate, fit,
    transform_into,
};
use tinysoftmax::format::Checkpoint;
use tinysoftmax::train::Trainer;
use tinysoftmax::{Classifier, Error, Result, SplitMix64, Standardizer};

/// The epochs after which the first boot saves a checkpoint (the last save is followed by the
/// reset).
pub const SAVE_AT: [u32; 2] = [50, 100];

/// The iris checkpoint: standardiser, model, SGD state and generator of a 4-feature,
/// 3-class run.
pub type IrisCheckpoint = Checkpoint<FEATURES, CLASSES>;

/// A training run of the recipe over `N` samples, at some epoch. The samples live in the
/// caller's array (one copy on a 16 KiB device's stack is enough).
pub struct Run<'a, const N: usize> {
    standardizer: Standardizer<FEATURES>,
    samples: &'a mut [IrisSample; N],
    trainer: Trainer<FEATURES, CLASSES>,
    model: Classifier<FEATURES, CLASSES>,
    rng: SplitMix64,
    epochs: u32,
}

impl<'a, const N: usize> Run<'a, N> {
    /// A new run: standardiser fitted on the raw rows, zero model, fresh SGD state.
    ///
    /// # Errors
    ///
    /// Those of the recipe's standardisation and configuration.
    pub fn start(
        raw: &[[f32; FEATURES]; N],
        labels: &[u8; N],
        samples: &'a mut [IrisSample; N],
    ) -> Result<Self> {
        let standardizer = fit(raw)?;
        transform_into(&standardizer, raw, labels, samples)?;
        let (sgd, goal) = configuration()?;
        Ok(Self {
            standardizer,
            samples,
            trainer: Trainer::new(sgd, goal)?,
            model: Classifier::zeros(),
            rng: SplitMix64::new(SEED),
            epochs: 0,
        })
    }

    /// The run a checkpoint saved: the raw rows standardised by the saved standardiser, in the
    /// order the saved number of epochs left them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidField`] when the step count is not a whole number of epochs or the
    /// replayed shuffles do not end in the saved generator state (a checkpoint of another
    /// run); those of the recipe's configuration.
    pub fn resume(
        raw: &[[f32; FEATURES]; N],
        labels: &[u8; N],
        checkpoint: IrisCheckpoint,
        samples: &'a mut [IrisSample; N],
    ) -> Result<Self> {
        transform_into(&checkpoint.standardizer, raw, labels, samples)?;
        let steps = checkpoint.state.steps();
        let per_epoch = u32::try_from(N).map_err(|_| Error::InvalidField)?;
        if per_epoch == 0 || steps % per_epoch != 0 {
            return Err(Error::InvalidField);
        }
        let epochs = steps / per_epoch;
        let mut rng = SplitMix64::new(SEED);
        for _ in 0..epochs {
            rng.shuffle(samples);
        }
        if rng != checkpoint.rng {
            return Err(Error::InvalidField);
        }
        let (sgd, goal) = configuration()?;
        Ok(Self {
            standardizer: checkpoint.standardizer,
            samples,
            trainer: Trainer::from_state(sgd, goal, checkpoint.state)?,
            model: checkpoint.model,
            rng,
            epochs,
        })
    }

    /// Epochs trained so far.
    pub const fn epochs(&self) -> u32 {
        self.epochs
    }

    /// Trains until `epoch` epochs are done (nothing if already there).
    ///
    /// # Errors
    ///
    /// A training step's error (none is expected on iris).
    pub fn train_to(&mut self, epoch: u32) -> Result<()> {
        while self.epochs < epoch {
            self.trainer
                .epoch(&mut self.model, self.samples, &mut self.rng)?;
            self.epochs += 1;
        }
        Ok(())
    }

    /// The run's state as a checkpoint.
    pub fn checkpoint(&self) -> IrisCheckpoint {
        Checkpoint::new(
            self.standardizer.clone(),
            self.model.clone(),
            self.trainer.state().clone(),
            self.rng.clone(),
        )
    }

    /// Trains to the recipe's [`EPOCHS`] and evaluates the model.
    ///
    /// # Errors
    ///
    /// Those of [`train_to`](Self::train_to) and [`evaluate`].
    pub fn finish(mut self) -> Result<Outcome> {
        self.train_to(EPOCHS)?;
        evaluate(self.model, self.samples)
    }
}
