//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong, named after the offending parameter or input.
///
/// Hyperparameters are checked when a configuration is built; data is checked once, at the
/// boundary (labels, samples entering a buffer, a training step). A failed training step leaves
/// the model and the optimiser state exactly as they were.
///
/// ```
/// use tinysoftmax::{Error, optim::Sgd};
/// assert_eq!(Sgd::<f32>::new(-0.1).unwrap_err(), Error::LearningRate);
/// assert_eq!(Error::LearningRate.to_string(), "learning rate must be finite and > 0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A label is not below the number of classes C.
    LabelOutOfRange,
    /// The learning rate is not finite and > 0.
    LearningRate,
    /// The L2 coefficient λ (weight decay) is not finite and ≥ 0.
    WeightDecay,
    /// The momentum coefficient is not in [0, 1).
    Momentum,
    /// The gradient-clipping norm is not finite and > 0.
    ClipNorm,
    /// A step-decay schedule has a zero period or a factor outside (0, 1].
    StepDecay,
    /// The operation needs λ > 0: the inverse-time schedule (its decay rate is η₀λ), and
    /// everything that relies on strong convexity (certificates, the solver).
    NeedsWeightDecay,
    /// The label-smoothing ε is not in [0, 1].
    LabelSmoothing,
    /// A class weight is negative or not finite, or all class weights are 0.
    ClassWeight,
    /// A feature value is NaN or infinite.
    NonFiniteFeature,
    /// The model produced a non-finite logit for this input (parameters or input too large).
    NonFiniteLogit,
    /// The update would have made a parameter or a momentum value non-finite; nothing was
    /// changed.
    NonFiniteUpdate,
    /// An operation that needs at least one sample was given none.
    NoSamples,
    /// A requested tolerance is not finite and > 0.
    Tolerance,
    /// A check period of 0 epochs.
    CheckPeriod,
    /// A full-batch computation overflowed: the parameters or the data are too large in
    /// magnitude for it.
    Overflow,
    /// An index permutation does not match its samples (wrong length, or an index out of
    /// range).
    Permutation,
    /// The slices of a batch operation differ in length (inputs and outputs).
    LengthMismatch,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LabelOutOfRange => "label is not below the number of classes",
            Self::LearningRate => "learning rate must be finite and > 0",
            Self::WeightDecay => "weight decay (L2 coefficient) must be finite and >= 0",
            Self::Momentum => "momentum must be in [0, 1)",
            Self::ClipNorm => "gradient clipping norm must be finite and > 0",
            Self::StepDecay => "step decay needs a period > 0 and a factor in (0, 1]",
            Self::NeedsWeightDecay => "this needs weight decay (L2 coefficient) > 0",
            Self::LabelSmoothing => "label smoothing must be in [0, 1]",
            Self::ClassWeight => "class weights must be finite, >= 0 and not all 0",
            Self::NonFiniteFeature => "a feature value is NaN or infinite",
            Self::NonFiniteLogit => "the model produced a non-finite logit",
            Self::NonFiniteUpdate => "the update would make a parameter non-finite",
            Self::NoSamples => "at least one sample is needed",
            Self::Tolerance => "tolerance must be finite and > 0",
            Self::CheckPeriod => "the check period must be at least 1 epoch",
            Self::Overflow => "a full-batch computation overflowed",
            Self::LengthMismatch => "input and output slices differ in length",
            Self::Permutation => "the index permutation does not match the samples",
        })
    }
}

impl core::error::Error for Error {}

/// The crate's result type.
///
/// ```
/// fn first_label() -> tinysoftmax::Result<tinysoftmax::Label<3>> {
///     tinysoftmax::Label::new(0)
/// }
/// assert_eq!(first_label()?.index(), 0);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub type Result<T, E = Error> = core::result::Result<T, E>;
