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
    /// A scaler's mean is not finite, or its scale is not finite and > 0.
    Scaler,
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
    /// The input scale of a quantised model is not finite and > 0.
    InputScale,
    /// A model has no quantised form (a parameter or a folded weight is not finite, or no
    /// logit step keeps the integer logits within `i32`), or quantised parts could overflow.
    QuantizedRange,
    /// λ is positive but below the smallest normal number (2^-126 ≈ 1.2e-38 in `f32`,
    /// 2^-1022 in `f64`), the floor of certificates and of the solver (see
    /// [`convex::certify`](crate::convex::certify)).
    WeightDecayTooSmall,
    // Reading and storing records (`format`, `storage`).
    /// The bytes do not start with the record magic `TSMX`: not a record of this crate.
    BadMagic,
    /// The record has a format version this build cannot read.
    UnsupportedVersion,
    /// The record holds another kind of value (e.g. a standardiser where a model was expected).
    WrongKind,
    /// The record's element type (f32 or f64) is not the destination's.
    WrongElementType,
    /// The record's number of features F is not the destination's.
    WrongFeatureCount,
    /// The record's number of classes C is not the destination's.
    WrongClassCount,
    /// The record's payload length is not the one its kind, element type, F and C imply.
    PayloadLength,
    /// The bytes end before the record does.
    Truncated,
    /// The record's CRC-32 does not match its bytes: it is corrupted.
    BadChecksum,
    /// A value in the record is NaN or infinite.
    NonFiniteValue,
    /// A field of the record is outside its range (an unknown averaging weighting, a negative
    /// sum of squares, a velocity bound below a velocity).
    InvalidField,
    /// The output buffer is shorter than the encoded record.
    BufferTooSmall,
    /// The flash driver reported an error.
    Flash,
    /// What was written to flash does not read back the same.
    FlashVerify,
    /// No slot of the store holds a valid record.
    NoRecord,
    /// The store's slots do not fit the flash: not aligned to its erase size, beyond its
    /// capacity, too small for the record, or a read or write size that does not divide 128.
    FlashLayout,
    /// The slices of a batch operation differ in length (inputs and outputs).
    LengthMismatch,
    // Edges of the training and full-batch functions under hostile input.
    /// A model parameter is NaN or infinite (the model was built or loaded from such values).
    NonFiniteParameter,
    /// The learning rate of this step (after its schedule's decay) is below the smallest normal
    /// number (2^-126 ≈ 1.2e-38 in `f32`), or 0: the schedule has run out of rate.
    LearningRateUnderflow,
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
            Self::Scaler => "a scaler's mean must be finite and its scale finite and > 0",
            Self::NonFiniteLogit => "the model produced a non-finite logit",
            Self::NonFiniteUpdate => "the update would make a parameter non-finite",
            Self::NoSamples => "at least one sample is needed",
            Self::Tolerance => "tolerance must be finite and > 0",
            Self::CheckPeriod => "the check period must be at least 1 epoch",
            Self::Overflow => "a full-batch computation overflowed",
            Self::LengthMismatch => "input and output slices differ in length",
            Self::Permutation => "the index permutation does not match the samples",
            Self::InputScale => "the input scale must be finite and > 0",
            Self::QuantizedRange => "the model does not fit the quantised representation",
            Self::WeightDecayTooSmall => {
                "weight decay (L2 coefficient) is below the smallest normal float: too small to certify"
            }
            Self::BadMagic => "not a tinysoftmax record (wrong magic)",
            Self::UnsupportedVersion => "unsupported record format version",
            Self::WrongKind => "the record holds another kind of value",
            Self::WrongElementType => "the record's element type (f32/f64) differs",
            Self::WrongFeatureCount => "the record's number of features F differs",
            Self::WrongClassCount => "the record's number of classes C differs",
            Self::PayloadLength => "the record's payload length does not match its header",
            Self::Truncated => "the record is truncated",
            Self::BadChecksum => "the record's checksum does not match (corrupted)",
            Self::NonFiniteValue => "the record holds a NaN or infinite value",
            Self::InvalidField => "a field of the record is out of range",
            Self::BufferTooSmall => "the buffer is too small for the record",
            Self::Flash => "the flash driver reported an error",
            Self::FlashVerify => "flash contents do not read back as written",
            Self::NoRecord => "no valid record in the store",
            Self::FlashLayout => "the store's slots do not fit the flash geometry",
            Self::NonFiniteParameter => "a model parameter is NaN or infinite",
            Self::LearningRateUnderflow => {
                "the scheduled learning rate has decayed below the smallest normal float"
            }
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
