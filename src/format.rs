//! A versioned, checksummed binary format for models, standardisers, optimiser state,
//! averages and checkpoints, identical on every target.
//!
//! Every value that implements [`Record`] writes itself into a byte slice with
//! [`Record::encode`] and reads itself back with [`Record::decode`] (or
//! [`Record::decode_into`], which leaves the destination untouched on any error). The encoded
//! size is the associated constant [`Record::ENCODED_LEN`], so a buffer is a plain array:
//!
//! ```
//! use tinysoftmax::{Classifier, format::Record};
//! let model = Classifier::<2, 3>::new([[1.0, -2.0], [0.5, 0.0], [-0.0, 3.0]], [0.1, 0.2, 0.3]);
//! let mut buf = [0_u8; Classifier::<2, 3>::ENCODED_LEN];
//! assert_eq!(model.encode(&mut buf)?, 60);
//! let back = Classifier::<2, 3>::decode(&buf)?;
//! assert_eq!(back.fingerprint(), model.fingerprint()); // bit for bit, −0.0 included
//! # Ok::<(), tinysoftmax::Error>(())
//! ```
//!
//! # Layout
//!
//! All integers are little-endian; every float is its IEEE 754 bit pattern (binary32 or
//! binary64), little-endian, on every target, so a record written on one core reads back
//! bit-identically on any other.
//!
//! | offset | size | meaning |
//! |---|---|---|
//! | 0 | 4 | magic: the ASCII bytes `TSMX` |
//! | 4 | 2 | format version, `u16` (this is version 1) |
//! | 6 | 1 | kind of record ([`Kind`]): 1 model, 2 standardiser, 3 SGD state, 4 average, 5 checkpoint |
//! | 7 | 1 | element type: 4 = `f32` (binary32), 8 = `f64` (binary64): the size S of one value |
//! | 8 | 4 | F, the number of features, `u32` |
//! | 12 | 4 | C, the number of classes, `u32` (0 for a standardiser) |
//! | 16 | 4 | P, the payload length in bytes, `u32` |
//! | 20 | P | payload (below) |
//! | 20 + P | 4 | CRC-32 of bytes 0 … 20 + P − 1, `u32` |
//!
//! The checksum is CRC-32/ISO-HDLC (the CRC of zlib, PNG, gzip and Python's `zlib.crc32`),
//! computed with the `crc` crate. Payloads, in order (S: the element size):
//!
//! | kind | payload | P |
//! |---|---|---|
//! | 1 model ([`Classifier`]) | W as C rows of F values, row-major (row c: the weights of class c), then b (C values) | (C·F + C)·S |
//! | 2 standardiser ([`Standardizer`]) | count (`u32`), mean (F values), M2, the sums of squared deviations (F values) | 4 + 2F·S |
//! | 3 SGD state ([`SgdState`]) | steps (`u32`), velocity bound (1 value), velocity of W (C rows of F), velocity of b (C) | 4 + S + (C·F + C)·S |
//! | 4 average ([`Averaged`]) | count (`u32`), weighting (`u32`: 0 uniform, 1 linear), mean model (payload of kind 1), carry model (payload of kind 1) | 8 + 2(C·F + C)·S |
//! | 5 checkpoint ([`Checkpoint`]) | standardiser payload, model payload, SGD state payload, shuffling generator state (`u64`) | sum of the three + 8 |
//!
//! W is written in its logical layout, class by class (the layout of scikit-learn's `coef_`
//! and of PyTorch's `nn.Linear.weight`), whatever layout the model uses in memory; the SGD
//! velocities likewise. For iris (F = 4, C = 3, `f32`) a model is 84 bytes and a checkpoint
//! 196 (both asserted in `tests/format.rs`).
//!
//! # Reading checks everything
//!
//! In this order, each with its own [`Error`]: the magic ([`Error::BadMagic`]), the version
//! ([`Error::UnsupportedVersion`]), the length ([`Error::Truncated`]: the input ends before
//! the header or before the checksum the header's P places), the checksum
//! ([`Error::BadChecksum`]), then what the intact record holds against what the destination
//! needs: the kind ([`Error::WrongKind`]), the element type ([`Error::WrongElementType`]), F
//! ([`Error::WrongFeatureCount`]), C ([`Error::WrongClassCount`]), P
//! ([`Error::PayloadLength`]), and finally every value: NaN or ±∞ is
//! [`Error::NonFiniteValue`]; a negative M2, an unknown weighting or a velocity bound below a
//! velocity is [`Error::InvalidField`]. The checksum comes before the fields, so a corrupted
//! header reports corruption, not a plausible but wrong F. Bytes after the checksum are
//! ignored (a record can sit in a larger flash slot).
//!
//! ```
//! use tinysoftmax::{Classifier, Error, Standardizer, format::Record};
//! let mut buf = [0_u8; Classifier::<2, 3>::ENCODED_LEN];
//! Classifier::<2, 3>::zeros().encode(&mut buf)?;
//! let mut model = Classifier::<2, 3>::new([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.0; 3]);
//! let before = model.clone();
//! assert_eq!(Classifier::<3, 3>::decode(&buf), Err(Error::WrongFeatureCount));
//! assert_eq!(Classifier::<2, 4>::decode(&buf), Err(Error::WrongClassCount));
//! assert_eq!(Classifier::<2, 3, f64>::decode(&buf), Err(Error::WrongElementType));
//! assert_eq!(Standardizer::<2>::decode(&buf), Err(Error::WrongKind));
//! assert_eq!(model.decode_into(&buf[..40]), Err(Error::Truncated));
//! buf[30] ^= 0x04;
//! assert_eq!(model.decode_into(&buf), Err(Error::BadChecksum));
//! assert_eq!(model, before); // untouched by the failed reads
//! # Ok::<(), tinysoftmax::Error>(())
//! ```
//!
//! What a checkpoint holds, and what it does not: the state of a run, not its configuration.
//! The [`Sgd`](crate::optim::Sgd) and [`Objective`](crate::Objective) settings are
//! code (constants of the firmware), so a resumed run passes the same configuration to
//! [`Trainer::from_state`](crate::train::Trainer::from_state); storing them would need a
//! format version for every new option and could silently resume with settings the code no
//! longer means. A run that shuffles samples in place (as [`Trainer::epoch`] does) also needs
//! the sample order: the checkpoint holds the generator's state, and the order is rebuilt by
//! replaying the epochs' shuffles from the seed (`examples/firmware-common/resume.rs`), which
//! the stored state then confirms.
//!
//! [`Trainer::epoch`]: crate::train::Trainer::epoch

use crc::{CRC_32_ISO_HDLC, Crc};

use crate::average::{Averaged, Weighting};
use crate::error::{Error, Result};
use crate::math::{Float, max_abs};
use crate::model::Classifier;
use crate::optim::SgdState;
use crate::rng::SplitMix64;
use crate::standardize::Standardizer;

/// The first four bytes of every record: ASCII `TSMX`.
///
/// ```
/// assert_eq!(&tinysoftmax::format::MAGIC, b"TSMX");
/// ```
pub const MAGIC: [u8; 4] = *b"TSMX";

/// The format version this build writes and reads.
///
/// ```
/// assert_eq!(tinysoftmax::format::VERSION, 1);
/// ```
pub const VERSION: u16 = 1;

/// Bytes before the payload: magic, version, kind, element type, F, C, payload length.
///
/// ```
/// use tinysoftmax::{Classifier, format::{CHECKSUM_LEN, HEADER_LEN, Record}};
/// assert_eq!(Classifier::<4, 3>::ENCODED_LEN, HEADER_LEN + (12 + 3) * 4 + CHECKSUM_LEN);
/// ```
pub const HEADER_LEN: usize = 20;

/// Bytes of the CRC-32 after the payload.
///
/// ```
/// assert_eq!(tinysoftmax::format::CHECKSUM_LEN, 4);
/// ```
pub const CHECKSUM_LEN: usize = 4;

/// CRC-32/ISO-HDLC, the checksum of every record (and of the store's slots).
pub(crate) const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The kind of value a record holds (byte 6 of the header).
///
/// ```
/// use tinysoftmax::{Classifier, format::{Kind, Record}};
/// assert_eq!(Classifier::<4, 3>::KIND, Kind::Classifier);
/// assert_eq!(Kind::Checkpoint as u8, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Kind {
    /// A [`Classifier`].
    Classifier = 1,
    /// A [`Standardizer`].
    Standardizer = 2,
    /// An [`SgdState`].
    SgdState = 3,
    /// An [`Averaged`] model.
    Averaged = 4,
    /// A [`Checkpoint`].
    Checkpoint = 5,
}

/// A value with a binary encoding: the layout in the [module docs](self).
///
/// Implemented for [`Classifier`], [`Standardizer`], [`SgdState`], [`Averaged`] and
/// [`Checkpoint`], for `f32` and `f64`; sealed.
///
/// ```
/// use tinysoftmax::{Standardizer, format::Record};
/// let mut s = Standardizer::<2>::new();
/// s.update(&[1.0, 2.0])?;
/// s.update(&[3.0, 5.0])?;
/// let mut buf = [0_u8; Standardizer::<2>::ENCODED_LEN];
/// s.encode(&mut buf)?;
/// assert_eq!(Standardizer::<2>::decode(&buf)?, s);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
pub trait Record: Sized + sealed::Payload {
    /// The kind byte of the header.
    const KIND: Kind;
    /// F, the number of features (the header's field at offset 8).
    const FEATURES: usize;
    /// C, the number of classes (the header's field at offset 12; 0 for a standardiser).
    const CLASSES: usize;
    /// Bytes of one value: 4 for `f32`, 8 for `f64` (the header's element type).
    const ELEMENT_BYTES: usize;
    /// Length P of the payload in bytes.
    const PAYLOAD_LEN: usize;
    /// Length of the whole record: header, payload and checksum.
    const ENCODED_LEN: usize = HEADER_LEN + Self::PAYLOAD_LEN + CHECKSUM_LEN;

    /// Writes the record into the first [`ENCODED_LEN`](Self::ENCODED_LEN) bytes of `out` and
    /// returns that length.
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`] when `out` is shorter (nothing is written);
    /// [`Error::NonFiniteValue`] when a value is NaN or ±∞ (possible only for a model built
    /// from such values by hand; `out` then holds no valid record).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, format::Record};
    /// let mut small = [0_u8; 10];
    /// assert_eq!(Classifier::<4, 3>::zeros().encode(&mut small), Err(Error::BufferTooSmall));
    /// let nan = Classifier::<1, 2>::new([[f32::NAN], [0.0]], [0.0; 2]);
    /// assert_eq!(nan.encode(&mut [0; 64]), Err(Error::NonFiniteValue));
    /// ```
    fn encode(&self, out: &mut [u8]) -> Result<usize> {
        let len = Self::ENCODED_LEN;
        let record = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let (covered, checksum) = record.split_at_mut(HEADER_LEN + Self::PAYLOAD_LEN);
        let (header, payload) = covered.split_at_mut(HEADER_LEN);
        let mut w = sealed::Writer::new(header);
        w.bytes(&MAGIC);
        w.bytes(&VERSION.to_le_bytes());
        w.bytes(&[Self::KIND as u8, element_code(Self::ELEMENT_BYTES)]);
        w.u32(saturating_u32(Self::FEATURES));
        w.u32(saturating_u32(Self::CLASSES));
        w.u32(saturating_u32(Self::PAYLOAD_LEN));
        w.finish()?;
        let mut w = sealed::Writer::new(payload);
        self.write_payload(&mut w);
        w.finish()?;
        checksum.copy_from_slice(&CRC32.checksum(covered).to_le_bytes());
        Ok(len)
    }

    /// Reads a record written by [`encode`](Self::encode) from the start of `bytes` (bytes
    /// after it are ignored).
    ///
    /// # Errors
    ///
    /// One named error per problem, in the order the [module docs](self#reading-checks-everything)
    /// list.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, format::Record};
    /// assert_eq!(Classifier::<4, 3>::decode(b"PK\x03\x04 not a model"), Err(Error::BadMagic));
    /// assert_eq!(Classifier::<4, 3>::decode(b"TSMX"), Err(Error::Truncated));
    /// ```
    fn decode(bytes: &[u8]) -> Result<Self> {
        let payload = check_record::<Self>(bytes)?;
        let mut r = sealed::Reader::new(payload);
        Self::read_payload(&mut r)
    }

    /// [`decode`](Self::decode) into `self`, returning the record's length; on any error
    /// `self` is left exactly as it was.
    ///
    /// # Errors
    ///
    /// Those of [`decode`](Self::decode).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, format::Record};
    /// let mut buf = [0_u8; Classifier::<1, 2>::ENCODED_LEN];
    /// Classifier::<1, 2>::new([[f32::MAX], [1.0]], [0.0; 2]).encode(&mut buf)?;
    /// buf[20..24].copy_from_slice(&f32::INFINITY.to_le_bytes());
    /// let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&buf[..36]);
    /// buf[36..].copy_from_slice(&crc.to_le_bytes()); // an intact record holding +∞
    /// let mut model = Classifier::<1, 2>::zeros();
    /// assert_eq!(model.decode_into(&buf), Err(Error::NonFiniteValue));
    /// assert_eq!(model, Classifier::zeros());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    fn decode_into(&mut self, bytes: &[u8]) -> Result<usize> {
        *self = Self::decode(bytes)?;
        Ok(Self::ENCODED_LEN)
    }
}

/// The header's element-type byte for values of `bytes` bytes.
const fn element_code(bytes: usize) -> u8 {
    if bytes == 8 { 8 } else { 4 }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Checks the header and the checksum of the record at the start of `bytes` against what `R`
/// needs; returns its payload.
fn check_record<R: Record>(bytes: &[u8]) -> Result<&[u8]> {
    let (magic, rest) = bytes.split_first_chunk::<4>().ok_or(Error::Truncated)?;
    if *magic != MAGIC {
        return Err(Error::BadMagic);
    }
    let (version, rest) = rest.split_first_chunk::<2>().ok_or(Error::Truncated)?;
    if u16::from_le_bytes(*version) != VERSION {
        return Err(Error::UnsupportedVersion);
    }
    let (&[kind, element], rest) = rest.split_first_chunk::<2>().ok_or(Error::Truncated)?;
    let mut fields = sealed::Reader::new(rest);
    let (features, classes, payload_len) = (fields.u32()?, fields.u32()?, fields.u32()?);
    let payload_len = usize::try_from(payload_len).map_err(|_| Error::Truncated)?;
    let covered = HEADER_LEN
        .checked_add(payload_len)
        .ok_or(Error::Truncated)?;
    let (record, rest) = bytes.split_at_checked(covered).ok_or(Error::Truncated)?;
    let (checksum, _) = rest.split_first_chunk::<4>().ok_or(Error::Truncated)?;
    if CRC32.checksum(record) != u32::from_le_bytes(*checksum) {
        return Err(Error::BadChecksum);
    }
    if kind != R::KIND as u8 {
        return Err(Error::WrongKind);
    }
    if element != element_code(R::ELEMENT_BYTES) {
        return Err(Error::WrongElementType);
    }
    if usize::try_from(features).ok() != Some(R::FEATURES) {
        return Err(Error::WrongFeatureCount);
    }
    if usize::try_from(classes).ok() != Some(R::CLASSES) {
        return Err(Error::WrongClassCount);
    }
    if payload_len != R::PAYLOAD_LEN {
        return Err(Error::PayloadLength);
    }
    record.get(HEADER_LEN..).ok_or(Error::Truncated)
}

/// Standardiser, model and optimiser state of a training run, and the state of the generator
/// that shuffles its samples: everything a run needs to resume bit-identically, given the same
/// configuration (see the [module docs](self)).
///
/// ```
/// use tinysoftmax::{Classifier, Label, Objective, Sample, SplitMix64, Standardizer};
/// use tinysoftmax::{format::{Checkpoint, Record}, optim::Sgd, train::Trainer};
/// let (sgd, objective) = (Sgd::new(0.5)?, Objective::new(0.01)?);
/// let mut data = [Sample::new([1.0_f32, 0.0], Label::<2>::new(0)?), Sample::new([0.0, 1.0], Label::new(1)?)];
/// let (mut trainer, mut model, mut rng) = (Trainer::new(sgd, objective)?, Classifier::zeros(), SplitMix64::new(9));
/// trainer.epoch(&mut model, &mut data, &mut rng)?;
/// let saved = Checkpoint::new(Standardizer::new(), model.clone(), trainer.state().clone(), rng.clone());
/// let mut buf = [0_u8; Checkpoint::<2, 2>::ENCODED_LEN];
/// saved.encode(&mut buf)?;
/// let mut order = data; // the sample order at the checkpoint (`epoch` shuffles in place)
/// trainer.epoch(&mut model, &mut data, &mut rng)?; // the uninterrupted run
///
/// let back = Checkpoint::<2, 2>::decode(&buf)?; // e.g. after a reset
/// let (mut resumed, mut model2, mut rng2) = (Trainer::from_state(sgd, objective, back.state)?, back.model, back.rng);
/// resumed.epoch(&mut model2, &mut order, &mut rng2)?;
/// assert_eq!(model2.fingerprint(), model.fingerprint());
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Checkpoint<const F: usize, const C: usize, T = f32> {
    /// The feature standardiser.
    pub standardizer: Standardizer<F, T>,
    /// The model.
    pub model: Classifier<F, C, T>,
    /// The optimiser state (momentum buffers, velocity bound, step count).
    pub state: SgdState<F, C, T>,
    /// The generator that shuffles the samples.
    pub rng: SplitMix64,
}

impl<const F: usize, const C: usize, T: Float> Checkpoint<F, C, T> {
    /// A checkpoint of the given parts.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, SplitMix64, Standardizer, format::Checkpoint, optim::SgdState};
    /// let c = Checkpoint::<4, 3>::new(Standardizer::new(), Classifier::zeros(), SgdState::new(), SplitMix64::new(1));
    /// assert_eq!(c.rng.state(), 1);
    /// ```
    #[must_use]
    pub const fn new(
        standardizer: Standardizer<F, T>,
        model: Classifier<F, C, T>,
        state: SgdState<F, C, T>,
        rng: SplitMix64,
    ) -> Self {
        Self {
            standardizer,
            model,
            state,
            rng,
        }
    }
}

/// (C·F + C)·S: the bytes of one model's parameters.
const fn params_len<const F: usize, const C: usize, T: Float>() -> usize {
    (C * F + C) * <T as crate::math::sealed::Sealed>::BYTES
}

impl<const F: usize, const C: usize, T: Float> Record for Classifier<F, C, T> {
    const KIND: Kind = Kind::Classifier;
    const FEATURES: usize = F;
    const CLASSES: usize = C;
    const ELEMENT_BYTES: usize = T::BYTES;
    const PAYLOAD_LEN: usize = params_len::<F, C, T>();
}

impl<const F: usize, T: Float> Record for Standardizer<F, T> {
    const KIND: Kind = Kind::Standardizer;
    const FEATURES: usize = F;
    const CLASSES: usize = 0;
    const ELEMENT_BYTES: usize = T::BYTES;
    const PAYLOAD_LEN: usize = 4 + 2 * F * T::BYTES;
}

impl<const F: usize, const C: usize, T: Float> Record for SgdState<F, C, T> {
    const KIND: Kind = Kind::SgdState;
    const FEATURES: usize = F;
    const CLASSES: usize = C;
    const ELEMENT_BYTES: usize = T::BYTES;
    const PAYLOAD_LEN: usize = 4 + T::BYTES + params_len::<F, C, T>();
}

impl<const F: usize, const C: usize, T: Float> Record for Averaged<F, C, T> {
    const KIND: Kind = Kind::Averaged;
    const FEATURES: usize = F;
    const CLASSES: usize = C;
    const ELEMENT_BYTES: usize = T::BYTES;
    const PAYLOAD_LEN: usize = 8 + 2 * params_len::<F, C, T>();
}

impl<const F: usize, const C: usize, T: Float> Record for Checkpoint<F, C, T> {
    const KIND: Kind = Kind::Checkpoint;
    const FEATURES: usize = F;
    const CLASSES: usize = C;
    const ELEMENT_BYTES: usize = T::BYTES;
    const PAYLOAD_LEN: usize = <Standardizer<F, T> as Record>::PAYLOAD_LEN
        + <Classifier<F, C, T> as Record>::PAYLOAD_LEN
        + <SgdState<F, C, T> as Record>::PAYLOAD_LEN
        + 8;
}

pub(crate) mod sealed {
    //! The payload codecs, hidden behind the sealed supertrait of `Record`.

    use super::{
        Averaged, Checkpoint, Classifier, Error, Float, Result, SgdState, SplitMix64, Standardizer,
        Weighting, max_abs,
    };

    /// Writes and reads a record's payload.
    pub trait Payload: Sized {
        /// Writes the payload.
        fn write_payload(&self, w: &mut Writer<'_>);
        /// Reads and checks the payload.
        fn read_payload(r: &mut Reader<'_>) -> Result<Self>;
    }

    /// A cursor that fills a byte slice; remembers whether anything did not fit or was not
    /// finite.
    pub struct Writer<'a> {
        rest: &'a mut [u8],
        error: Option<Error>,
    }

    impl<'a> Writer<'a> {
        pub(crate) fn new(out: &'a mut [u8]) -> Self {
            Self {
                rest: out,
                error: None,
            }
        }

        pub(crate) fn bytes(&mut self, bytes: &[u8]) {
            let rest = core::mem::take(&mut self.rest);
            match rest.split_at_mut_checked(bytes.len()) {
                Some((head, tail)) => {
                    head.copy_from_slice(bytes);
                    self.rest = tail;
                }
                None => self.error = Some(Error::BufferTooSmall),
            }
        }

        pub(crate) fn u32(&mut self, v: u32) {
            self.bytes(&v.to_le_bytes());
        }

        pub(crate) fn u64(&mut self, v: u64) {
            self.bytes(&v.to_le_bytes());
        }

        pub(crate) fn float<T: Float>(&mut self, v: T) {
            if !v.is_finite() {
                self.error = Some(Error::NonFiniteValue);
            }
            let bytes = v.to_bits_u64().to_le_bytes();
            self.bytes(bytes.get(..T::BYTES).unwrap_or(&bytes));
        }

        pub(crate) fn floats<T: Float>(&mut self, values: impl IntoIterator<Item = T>) {
            for v in values {
                self.float(v);
            }
        }

        /// `Ok` when everything was written, finite, and filled the slice exactly.
        pub(crate) fn finish(self) -> Result<()> {
            match self.error {
                Some(e) => Err(e),
                None if self.rest.is_empty() => Ok(()),
                None => Err(Error::PayloadLength),
            }
        }
    }

    /// A cursor over a payload.
    pub struct Reader<'a> {
        rest: &'a [u8],
    }

    impl<'a> Reader<'a> {
        pub(crate) const fn new(bytes: &'a [u8]) -> Self {
            Self { rest: bytes }
        }

        fn chunk<const N: usize>(&mut self) -> Result<[u8; N]> {
            let (head, tail) = self.rest.split_first_chunk::<N>().ok_or(Error::Truncated)?;
            self.rest = tail;
            Ok(*head)
        }

        pub(crate) fn u32(&mut self) -> Result<u32> {
            self.chunk().map(u32::from_le_bytes)
        }

        pub(crate) fn u64(&mut self) -> Result<u64> {
            self.chunk().map(u64::from_le_bytes)
        }

        /// One value, which must be finite.
        pub(crate) fn float<T: Float>(&mut self) -> Result<T> {
            let (head, tail) = self
                .rest
                .split_at_checked(T::BYTES)
                .ok_or(Error::Truncated)?;
            self.rest = tail;
            let bits = head
                .iter()
                .rev()
                .fold(0_u64, |acc, &b| (acc << 8) | u64::from(b));
            let v = T::from_bits_u64(bits);
            if v.is_finite() {
                Ok(v)
            } else {
                Err(Error::NonFiniteValue)
            }
        }

        pub(crate) fn array<T: Float, const N: usize>(&mut self) -> Result<[T; N]> {
            let mut out = [T::ZERO; N];
            for v in &mut out {
                *v = self.float()?;
            }
            Ok(out)
        }

        /// C rows of F values, each row a class (the logical layout of W).
        pub(crate) fn rows<T: Float, const F: usize, const C: usize>(
            &mut self,
        ) -> Result<[[T; F]; C]> {
            let mut rows = [[T::ZERO; F]; C];
            for row in &mut rows {
                *row = self.array()?;
            }
            Ok(rows)
        }
    }

    /// W as C rows of F values (whatever the storage order), then b.
    impl<const F: usize, const C: usize, T: Float> Payload for Classifier<F, C, T> {
        fn write_payload(&self, w: &mut Writer<'_>) {
            w.floats(self.params_by_row());
        }

        fn read_payload(r: &mut Reader<'_>) -> Result<Self> {
            let rows = r.rows()?;
            Ok(Self::new(rows, r.array()?))
        }
    }

    impl<const F: usize, T: Float> Payload for Standardizer<F, T> {
        fn write_payload(&self, w: &mut Writer<'_>) {
            w.u32(self.count);
            w.floats(self.mean);
            w.floats(self.m2);
        }

        fn read_payload(r: &mut Reader<'_>) -> Result<Self> {
            let count = r.u32()?;
            let mean = r.array()?;
            let m2: [T; F] = r.array()?;
            // Welford's increments δ·(x − mean') are products of two same-signed factors.
            if m2.iter().any(|&v| v < T::ZERO) {
                return Err(Error::InvalidField);
            }
            Ok(Self { count, mean, m2 })
        }
    }

    impl<const F: usize, const C: usize, T: Float> Payload for SgdState<F, C, T> {
        fn write_payload(&self, w: &mut Writer<'_>) {
            w.u32(self.steps);
            w.float(self.velocity_bound);
            let columns = &self.velocity_weights;
            for c in 0..C {
                w.floats(columns.iter().filter_map(|column| column.get(c).copied()));
            }
            w.floats(self.velocity_bias);
        }

        fn read_payload(r: &mut Reader<'_>) -> Result<Self> {
            let steps = r.u32()?;
            let velocity_bound: T = r.float()?;
            let rows: [[T; F]; C] = r.rows()?;
            let velocity_bias: [T; C] = r.array()?;
            // A step trusts the bound to skip its exact finiteness check: it must hold. (Every
            // value read is finite, so the comparison is exact.)
            let largest = max_abs(rows.iter().flatten().chain(velocity_bias.iter()));
            if largest > velocity_bound {
                return Err(Error::InvalidField);
            }
            let velocity_weights = Classifier::new(rows, velocity_bias).columns();
            Ok(Self {
                velocity_weights,
                velocity_bias,
                velocity_bound,
                steps,
            })
        }
    }

    impl<const F: usize, const C: usize, T: Float> Payload for Averaged<F, C, T> {
        fn write_payload(&self, w: &mut Writer<'_>) {
            w.u32(self.count);
            w.u32(match self.weighting {
                Weighting::Uniform => 0,
                Weighting::Linear => 1,
            });
            self.mean.write_payload(w);
            self.carry.write_payload(w);
        }

        fn read_payload(r: &mut Reader<'_>) -> Result<Self> {
            let count = r.u32()?;
            let weighting = match r.u32()? {
                0 => Weighting::Uniform,
                1 => Weighting::Linear,
                _ => return Err(Error::InvalidField),
            };
            let mean = Classifier::read_payload(r)?;
            let carry = Classifier::read_payload(r)?;
            Ok(Self {
                mean,
                carry,
                count,
                weighting,
            })
        }
    }

    impl<const F: usize, const C: usize, T: Float> Payload for Checkpoint<F, C, T> {
        fn write_payload(&self, w: &mut Writer<'_>) {
            self.standardizer.write_payload(w);
            self.model.write_payload(w);
            self.state.write_payload(w);
            w.u64(self.rng.state());
        }

        fn read_payload(r: &mut Reader<'_>) -> Result<Self> {
            Ok(Self {
                standardizer: Standardizer::read_payload(r)?,
                model: Classifier::read_payload(r)?,
                state: SgdState::read_payload(r)?,
                rng: SplitMix64::new(r.u64()?),
            })
        }
    }
}
