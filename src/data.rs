//! Labelled samples at the data boundary: [`Label`], [`Sample`], the on-device
//! [`ReplayBuffer`]; the online [`Standardizer`](crate::Standardizer) lives beside it.
//!
//! Data is checked where it enters: a [`Label`] is known to be below C, so nothing checks it
//! again, and a [`ReplayBuffer`] accepts only samples with finite features. Features are
//! checked again wherever samples are used, whatever their source: by every training step
//! ([`Trainer::step`](crate::train::Trainer::step), F comparisons, small next to the step
//! itself) and by the full-batch functions ([`convex`](crate::convex),
//! [`solver`](crate::solver)). So a buffered sample is checked on push and again each time it
//! is trained on.
//!
//! ![Held-out accuracy of the online demo as readings arrive, with the nearest-mean ceiling](https://raw.githubusercontent.com/tinysoftmax/tinysoftmax/main/docs/figures/online.svg)
//!
//! A [`ReplayBuffer`] at work: the firmware's `online` demo (`examples/firmware-common/online.rs`,
//! run on the host, where it trains bit-identically) takes one SGD step per sensor reading and
//! every few readings sweeps the buffer of recent ones again; its held-out accuracy climbs to
//! that of the Bayes-optimal nearest-mean rule. Drawn by `cargo run --release --manifest-path figures/Cargo.toml -- online`.

use crate::error::{Error, Result};
use crate::math::Float;
use crate::rng::SplitMix64;

/// A class index known to be below `C`.
///
/// Built with [`Label::new`] or `try_from` any unsigned integer (`u8`, `u16`, `u32`, `usize`;
/// checked alike), turned back into a `usize` by [`index`](Self::index) or `usize::from`, and
/// displayed as its index.
///
/// ```
/// use tinysoftmax::Label;
/// let y = Label::<3>::new(2)?;
/// assert_eq!(y.index(), 2);
/// assert!(Label::<3>::new(3).is_err());
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Label<const C: usize>(u16);

impl<const C: usize> Label<C> {
    /// Checks that `index < C`.
    ///
    /// # Errors
    ///
    /// [`Error::LabelOutOfRange`] when `index ≥ C`.
    ///
    /// ```
    /// use tinysoftmax::{Error, Label};
    /// // Labels can be checked at compile time too.
    /// const Y: Label<10> = match Label::new(7) { Ok(y) => y, Err(_) => panic!() };
    /// assert_eq!(Y.index(), 7);
    /// assert_eq!(Label::<10>::new(10), Err(Error::LabelOutOfRange));
    /// ```
    pub const fn new(index: usize) -> Result<Self> {
        if index < C && index <= u16::MAX as usize {
            #[expect(clippy::cast_possible_truncation, reason = "checked just above")]
            Ok(Self(index as u16))
        } else {
            Err(Error::LabelOutOfRange)
        }
    }

    /// A label from an index known to be below `C ≤ 65536` (the classifier's argmax).
    pub(crate) const fn from_argmax(index: usize) -> Self {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the classifier asserts C <= 65536"
        )]
        Self(index as u16)
    }

    /// The class index, always below `C`.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::Label::<4>::new(1)?.index(), 1);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub const fn index(self) -> usize {
        // Always `self.0`, since `new` checked it; the `min` lets the compiler prove that
        // indexing a `[T; C]` with it cannot fail, so no bounds check (or panic path) remains.
        let i = self.0 as usize;
        let last = C.saturating_sub(1);
        if i < last { i } else { last }
    }
}

impl<const C: usize> From<Label<C>> for usize {
    /// The class index, as [`Label::index`].
    ///
    /// ```
    /// let y = tinysoftmax::Label::<4>::new(3)?;
    /// assert_eq!(usize::from(y), 3);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    fn from(label: Label<C>) -> Self {
        label.index()
    }
}

/// `TryFrom` for each unsigned integer type a label may arrive in, checked as [`Label::new`].
macro_rules! label_try_from {
    ($($int:ty),*) => {$(
        impl<const C: usize> TryFrom<$int> for Label<C> {
            type Error = Error;

            #[doc = concat!("A label from a `", stringify!($int), "` class index, checked as [`Label::new`].")]
            ///
            /// # Errors
            ///
            /// [`Error::LabelOutOfRange`] when the index is not below `C`.
            ///
            /// ```
            /// use tinysoftmax::{Error, Label};
            #[doc = concat!("assert_eq!(Label::<3>::try_from(2_", stringify!($int), ")?.index(), 2);")]
            #[doc = concat!("assert_eq!(Label::<3>::try_from(3_", stringify!($int), "), Err(Error::LabelOutOfRange));")]
            #[doc = concat!("let y: Label<3> = 1_", stringify!($int), ".try_into()?;")]
            /// assert_eq!(y.index(), 1);
            /// # Ok::<(), tinysoftmax::Error>(())
            /// ```
            fn try_from(index: $int) -> Result<Self> {
                usize::try_from(index).map_or(Err(Error::LabelOutOfRange), Self::new)
            }
        }
    )*};
}

label_try_from!(u8, u16, u32, usize);

impl<const C: usize> core::fmt::Display for Label<C> {
    /// The class index, honouring width and alignment like an integer.
    ///
    /// ```
    /// let y = tinysoftmax::Label::<10>::new(7)?;
    /// assert_eq!(y.to_string(), "7");
    /// assert_eq!(format!("class {y:>3}"), "class   7");
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.index(), f)
    }
}

/// A feature vector with its label.
///
/// ```
/// use tinysoftmax::{Label, Sample};
/// let s = Sample::new([5.1_f32, 3.5, 1.4, 0.2], Label::<3>::new(0)?);
/// assert_eq!(s.label.index(), 0);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sample<const F: usize, const C: usize, T = f32> {
    /// The features x ∈ R^F.
    pub features: [T; F],
    /// The class y.
    pub label: Label<C>,
}

impl<const F: usize, const C: usize, T: Float> Sample<F, C, T> {
    /// Pairs features with a label (no check: see [`Sample::check`]).
    ///
    /// ```
    /// let s = tinysoftmax::Sample::new([0.0_f32; 2], tinysoftmax::Label::<2>::new(1)?);
    /// assert_eq!(s.features, [0.0; 2]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub const fn new(features: [T; F], label: Label<C>) -> Self {
        Self { features, label }
    }

    /// Checks that every feature is finite.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteFeature`] if any feature is NaN or ±∞.
    ///
    /// ```
    /// use tinysoftmax::{Error, Label, Sample};
    /// let y = Label::<2>::new(0)?;
    /// assert!(Sample::new([1.0_f32, 2.0], y).check().is_ok());
    /// assert_eq!(Sample::new([1.0_f32, f32::NAN], y).check(), Err(Error::NonFiniteFeature));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn check(&self) -> Result<()> {
        check_features(&self.features)
    }
}

/// `Ok` if every feature is finite, else [`Error::NonFiniteFeature`]: the one input check of
/// samples, training steps and standardisers.
#[inline]
pub(crate) fn check_features<T: Float, const F: usize>(x: &[T; F]) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFiniteFeature)
    }
}

/// A fixed-capacity store of the `B` most recent labelled samples, for on-device training.
///
/// When full, a push overwrites the oldest sample, also after [`shuffle`](Self::shuffle) has
/// reordered them (each slot carries its arrival number). Samples are checked on entry (finite
/// features), so the buffer never holds a non-finite one; training on
/// [`as_slice`](Self::as_slice) checks each sample again (see
/// [`Trainer::step`](crate::train::Trainer::step)). The storage is a fixed array inside the
/// value: no heap.
///
/// ```
/// use tinysoftmax::{Label, ReplayBuffer, SplitMix64, Sample};
/// let mut buf = ReplayBuffer::<2, 2, 3>::new();
/// let mut rng = SplitMix64::new(1);
/// for i in 0..5 {
///     let x = i as f32;
///     buf.push(Sample::new([x, -x], Label::new(i % 2)?))?;
///     buf.shuffle(&mut rng);
/// }
/// assert_eq!(buf.len(), 3);
/// assert_eq!(buf.overwritten(), 2);
/// // The three newest remain.
/// let mut kept: Vec<f32> = buf.as_slice().iter().map(|s| s.features[0]).collect();
/// kept.sort_by(f32::total_cmp);
/// assert_eq!(kept, [2.0, 3.0, 4.0]);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReplayBuffer<const F: usize, const C: usize, const B: usize, T = f32> {
    samples: heapless::Vec<Sample<F, C, T>, B>,
    /// Arrival number of each held sample, parallel to `samples`.
    arrivals: [u32; B],
    /// Arrival number of the next push (wrapping; ages are wrapping differences).
    pushes: u32,
    overwritten: u32,
}

impl<const F: usize, const C: usize, const B: usize, T: Float> Default
    for ReplayBuffer<F, C, B, T>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const F: usize, const C: usize, const B: usize, T: Float> ReplayBuffer<F, C, B, T> {
    /// An empty buffer. `B = 0` is a compile error:
    ///
    /// ```compile_fail
    /// let b = tinysoftmax::ReplayBuffer::<2, 2, 0>::new();
    /// ```
    ///
    /// ```
    /// let b = tinysoftmax::ReplayBuffer::<4, 3, 32>::new();
    /// assert!(b.is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        const { assert!(B >= 1, "a replay buffer needs a capacity of at least 1") };
        Self {
            samples: heapless::Vec::new(),
            arrivals: [0; B],
            pushes: 0,
            overwritten: 0,
        }
    }

    /// Adds a sample, overwriting the oldest one when the buffer is full.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteFeature`] if a feature is NaN or ±∞; the buffer is then unchanged.
    ///
    /// ```
    /// use tinysoftmax::{Label, ReplayBuffer, Sample};
    /// let mut b = ReplayBuffer::<1, 2, 4>::new();
    /// assert!(b.push(Sample::new([f32::INFINITY], Label::new(0)?)).is_err());
    /// assert!(b.is_empty());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn push(&mut self, sample: Sample<F, C, T>) -> Result<()> {
        sample.check()?;
        let slot = match self.samples.push(sample) {
            Ok(()) => self.samples.len() - 1,
            Err(sample) => {
                let oldest = self.oldest_slot();
                if let Some(s) = self.samples.get_mut(oldest) {
                    *s = sample;
                }
                self.overwritten = self.overwritten.saturating_add(1);
                oldest
            }
        };
        if let Some(a) = self.arrivals.get_mut(slot) {
            *a = self.pushes;
        }
        self.pushes = self.pushes.wrapping_add(1);
        Ok(())
    }

    /// The slot whose sample arrived longest ago.
    fn oldest_slot(&self) -> usize {
        let mut oldest = (0, 0);
        for (slot, &arrival) in self.arrivals.iter().enumerate().take(self.samples.len()) {
            let age = self.pushes.wrapping_sub(arrival);
            if age > oldest.1 {
                oldest = (slot, age);
            }
        }
        oldest.0
    }

    /// Number of samples held (at most `B`).
    ///
    /// ```
    /// assert_eq!(tinysoftmax::ReplayBuffer::<1, 2, 4>::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// `true` when no sample is held.
    ///
    /// ```
    /// assert!(tinysoftmax::ReplayBuffer::<1, 2, 4>::new().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// `true` when the next push overwrites the oldest sample.
    ///
    /// ```
    /// use tinysoftmax::{Label, ReplayBuffer, Sample};
    /// let mut b = ReplayBuffer::<1, 2, 1>::new();
    /// b.push(Sample::new([1.0_f32], Label::new(1)?))?;
    /// assert!(b.is_full());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.samples.is_full()
    }

    /// How many samples have been overwritten since the buffer was created (saturating).
    ///
    /// ```
    /// assert_eq!(tinysoftmax::ReplayBuffer::<1, 2, 4>::new().overwritten(), 0);
    /// ```
    #[must_use]
    pub const fn overwritten(&self) -> u32 {
        self.overwritten
    }

    /// The held samples, in the current (arrival or shuffled) order.
    ///
    /// ```
    /// assert!(tinysoftmax::ReplayBuffer::<1, 2, 4>::new().as_slice().is_empty());
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[Sample<F, C, T>] {
        &self.samples
    }

    /// Shuffles the held samples in place (uniform, seeded), keeping track of which is oldest.
    ///
    /// ```
    /// use tinysoftmax::{Label, ReplayBuffer, SplitMix64, Sample};
    /// let mut b = ReplayBuffer::<1, 2, 8>::new();
    /// for i in 0..8 {
    ///     b.push(Sample::new([i as f32], Label::new(0)?))?;
    /// }
    /// b.shuffle(&mut SplitMix64::new(2));
    /// let order: Vec<f32> = b.as_slice().iter().map(|s| s.features[0]).collect();
    /// assert_ne!(order, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn shuffle(&mut self, rng: &mut SplitMix64) {
        let (samples, arrivals) = (&mut self.samples, &mut self.arrivals);
        rng.for_each_swap(samples.len(), |i, j| {
            // `j ≤ i < len ≤ B`: the guard never fails; it spares a bounds-check panic path.
            if i < samples.len() && i < B {
                samples.swap(i, j);
                arrivals.swap(i, j);
            }
        });
    }

    /// Removes every sample.
    ///
    /// ```
    /// use tinysoftmax::{Label, ReplayBuffer, Sample};
    /// let mut b = ReplayBuffer::<1, 2, 4>::new();
    /// b.push(Sample::new([1.0_f32], Label::new(1)?))?;
    /// b.clear();
    /// assert!(b.is_empty());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    /// Every `u8` converts exactly when it is below C, to the same label as `Label::new`.
    #[test]
    fn try_from_u8_is_exhaustively_new() {
        fn check<const C: usize>() {
            for i in 0..=u8::MAX {
                let y = Label::<C>::try_from(i);
                assert_eq!(y, Label::new(usize::from(i)), "{i} with C = {C}");
                assert_eq!(y.is_ok(), usize::from(i) < C, "{i} with C = {C}");
            }
        }
        check::<2>();
        check::<255>();
        check::<256>();
    }

    /// The edges of the wider types, up to the largest number of classes a label holds.
    #[test]
    fn try_from_wide_edges() {
        type Widest = Label<65_536>;
        let out = Err(Error::LabelOutOfRange);
        assert_eq!(Widest::try_from(u16::MAX).map(Label::index), Ok(65_535));
        assert_eq!(Widest::try_from(65_535_u32).map(usize::from), Ok(65_535));
        assert_eq!(Widest::try_from(65_536_u32), out);
        assert_eq!(Widest::try_from(u32::MAX), out);
        assert_eq!(Widest::try_from(usize::MAX), out);
        assert_eq!(Label::<3>::try_from(u16::MAX), Err(Error::LabelOutOfRange));
        assert_eq!(Label::<3>::try_from(3_usize), Err(Error::LabelOutOfRange));
        assert_eq!(Label::<3>::try_from(2_u32).map(usize::from), Ok(2));
    }

    #[test]
    fn display_is_the_index() {
        for i in [0_usize, 9, 10, 65_535] {
            let y = Label::<65_536>::new(i).unwrap();
            assert_eq!(y.to_string(), i.to_string());
            assert_eq!(std::format!("{y:<6}|"), std::format!("{i:<6}|"));
        }
    }
}
