//! Power-loss-safe storage of records on NOR flash (feature `storage`).
//!
//! [`Store`] keeps the newest [`Record`] (typically a [`Checkpoint`]) in one of two slots,
//! A and B, on any flash that implements `embedded-storage`'s [`NorFlash`] (the trait the
//! embedded HALs implement). Each save goes to the slot that does *not* hold the newest good
//! copy, with the next sequence number:
//!
//! 1. erase the sectors the new copy needs (one erase operation per `ERASE_SIZE` sector);
//! 2. write the record, then read it back and compare;
//! 3. write the slot header (magic, sequence number, length, CRC-32 of all three and the
//!    record) last, then read it back and compare.
//!
//! [`load`](Store::load) returns the record of the newest slot whose CRC verifies. A power cut
//! at any moment of a save leaves the other slot, and with it the previous copy, untouched; the
//! slot being written verifies only once its header has fully landed after the record, so
//! `load` then returns either the previous copy or the new one, never a mixture and never an
//! error. A bit flipped in a slot (a header, a record byte, a sequence number) breaks its CRC
//! and `load` falls back to the other slot. `tests/storage.rs` checks all of this against a
//! simulated NOR flash with a power cut injected after and during every single operation.
//!
//! Slot layout (little-endian; A at `base`, B at `base + slot_len`):
//!
//! | offset | size | meaning |
//! |---|---|---|
//! | 0 | 4 | magic: the ASCII bytes `TSMS` |
//! | 4 | 4 | sequence number, `u32` (the newer of two slots is the one ahead, counting modulo 2³²) |
//! | 8 | 4 | record length L in bytes, `u32` |
//! | 12 | 4 | CRC-32/ISO-HDLC of bytes 4 … 11 and of the record |
//! | H | L | the record ([`format`](crate::format)), H = 16 rounded up to the read and write sizes |
//!
//! Geometry: `base` and `slot_len` must be multiples of the flash's `ERASE_SIZE`, the two slots
//! must lie within its capacity, and `READ_SIZE` and `WRITE_SIZE` must divide 128 (every
//! `embedded-storage` driver we know of uses 1 to 32); otherwise [`Store::new`] returns
//! [`Error::FlashLayout`]. Writes are padded with `0xFF` to `WRITE_SIZE`, and every byte is
//! programmed once after its erase. The store needs no RAM beyond a 128-byte scratch on the
//! stack and the caller's record buffer.
//!
//! ```
//! use tinysoftmax::{Classifier, format::Record, storage::{MemoryFlash, Store}};
//!
//! // Any `NorFlash` driver; here 1 KiB of simulated flash (4-byte writes, 256-byte sectors).
//! let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 512)?;
//! let mut buf = [0_u8; Classifier::<4, 3>::ENCODED_LEN];
//! let model = Classifier::<4, 3>::new([[0.5; 4], [-1.0; 4], [2.0; 4]], [0.0, 1.0, -1.0]);
//! assert_eq!(store.save(&model, &mut buf)?, 1); // sequence number 1, in slot A
//! assert_eq!(store.save(&model, &mut buf)?, 2); // slot B; A still holds copy 1
//! assert_eq!(store.load::<Classifier<4, 3>>(&mut buf)?, model);
//! # Ok::<(), tinysoftmax::Error>(())
//! ```
//!
//! [`Checkpoint`]: crate::format::Checkpoint
//! [`NorFlash`]: embedded_storage::nor_flash::NorFlash

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};

use crate::error::{Error, Result};
use crate::format::{CRC32, Record};

/// The first four bytes of a written slot: ASCII `TSMS`.
///
/// ```
/// assert_eq!(&tinysoftmax::storage::SLOT_MAGIC, b"TSMS");
/// ```
pub const SLOT_MAGIC: [u8; 4] = *b"TSMS";

/// Bytes of a slot header: magic, sequence number, record length, CRC-32.
///
/// ```
/// assert_eq!(tinysoftmax::storage::SLOT_HEADER_LEN, 16);
/// ```
pub const SLOT_HEADER_LEN: usize = 16;

/// Bytes of the scratch buffer every flash access goes through; READ_SIZE and WRITE_SIZE must
/// divide it.
const CHUNK: usize = 128;
/// [`CHUNK`] as a flash offset.
const CHUNK_U32: u32 = 128;

/// A valid slot found by a scan.
#[derive(Clone, Copy)]
struct Found {
    slot: u32,
    sequence: u32,
    len: usize,
    crc: u32,
}

/// Whether sequence number `a` is ahead of `b`, counting modulo 2³².
const fn is_newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// Two-slot (A/B), power-loss-safe storage of one [`Record`] on a [`NorFlash`]: see the
/// [module docs](self).
///
/// ```
/// use tinysoftmax::{Standardizer, format::Record, storage::{MemoryFlash, Store}};
/// let mut store = Store::new(MemoryFlash::<2048>::new(), 1024, 512)?; // A at 1024, B at 1536
/// let mut s = Standardizer::<3>::new();
/// let mut buf = [0_u8; Standardizer::<3>::ENCODED_LEN];
/// for i in 0..5 {
///     s.update(&[i as f32, 1.0, -1.0])?;
///     store.save(&s, &mut buf)?; // slots A, B, A, B, A
/// }
/// assert_eq!(store.newest()?, Some(5));
/// assert_eq!(store.load::<Standardizer<3>>(&mut buf)?, s);
/// # Ok::<(), tinysoftmax::Error>(())
/// ```
///
/// [`NorFlash`]: embedded_storage::nor_flash::NorFlash
#[derive(Debug)]
pub struct Store<S> {
    flash: S,
    base: u32,
    slot_len: u32,
}

impl<S: NorFlash> Store<S> {
    /// A store whose slot A starts at `base` and slot B at `base + slot_len`.
    ///
    /// # Errors
    ///
    /// [`Error::FlashLayout`] when `base` or `slot_len` is not a multiple of `ERASE_SIZE`,
    /// `slot_len` is 0, the slots reach beyond the flash's capacity, or `READ_SIZE` or
    /// `WRITE_SIZE` does not divide 128.
    ///
    /// ```
    /// use tinysoftmax::{Error, storage::{MemoryFlash, Store}};
    /// assert!(Store::new(MemoryFlash::<1024>::new(), 0, 512).is_ok());
    /// assert_eq!(Store::new(MemoryFlash::<1024>::new(), 0, 300).err(), Some(Error::FlashLayout));
    /// assert_eq!(Store::new(MemoryFlash::<1024>::new(), 256, 512).err(), Some(Error::FlashLayout));
    /// ```
    pub fn new(flash: S, base: u32, slot_len: u32) -> Result<Self> {
        let erase = u32::try_from(S::ERASE_SIZE).map_err(|_| Error::FlashLayout)?;
        let sizes_fit = S::READ_SIZE > 0
            && S::WRITE_SIZE > 0
            && CHUNK.is_multiple_of(S::READ_SIZE)
            && CHUNK.is_multiple_of(S::WRITE_SIZE);
        let aligned = erase > 0
            && slot_len > 0
            && base.is_multiple_of(erase)
            && slot_len.is_multiple_of(erase)
            && S::ERASE_SIZE.is_multiple_of(Self::align());
        let end = slot_len
            .checked_mul(2)
            .and_then(|both| both.checked_add(base))
            .and_then(|end| usize::try_from(end).ok());
        let inside = end.is_some_and(|end| end <= flash.capacity());
        if sizes_fit && aligned && inside {
            Ok(Self {
                flash,
                base,
                slot_len,
            })
        } else {
            Err(Error::FlashLayout)
        }
    }

    /// The flash, back.
    ///
    /// ```
    /// use tinysoftmax::storage::{MemoryFlash, Store};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 256)?;
    /// store.save_bytes(b"kept")?;
    /// let flash = store.into_inner();
    /// assert_eq!(&flash.as_bytes()[..4], b"TSMS");
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn into_inner(self) -> S {
        self.flash
    }

    /// The largest record a slot holds: `slot_len` less the (aligned) slot header.
    ///
    /// ```
    /// use tinysoftmax::storage::{MemoryFlash, Store};
    /// // 32-byte program units: the 16-byte slot header takes 32 bytes.
    /// let store = Store::new(MemoryFlash::<1024, 32>::new(), 0, 512)?;
    /// assert_eq!(store.slot_capacity(), 512 - 32);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    #[must_use]
    pub fn slot_capacity(&self) -> usize {
        (self.slot_len as usize).saturating_sub(Self::record_offset() as usize)
    }

    /// The alignment of every access: the larger of READ_SIZE and WRITE_SIZE (both divide 128,
    /// so both are powers of two and the larger is a multiple of the smaller).
    const fn align() -> usize {
        if S::READ_SIZE > S::WRITE_SIZE {
            S::READ_SIZE
        } else {
            S::WRITE_SIZE
        }
    }

    /// Where the record starts in a slot: the header, rounded up to the alignment.
    fn record_offset() -> u32 {
        u32::try_from(SLOT_HEADER_LEN.next_multiple_of(Self::align())).unwrap_or(u32::MAX)
    }

    fn slot_start(&self, slot: u32) -> u32 {
        self.base + slot * self.slot_len
    }

    /// Reads `out.len()` bytes from `offset` (aligned), through the scratch buffer.
    fn read(&mut self, mut offset: u32, out: &mut [u8]) -> Result<()> {
        let mut scratch = [0_u8; CHUNK];
        for piece in out.chunks_mut(CHUNK) {
            let n = piece.len().next_multiple_of(S::READ_SIZE);
            let buf = scratch.get_mut(..n).ok_or(Error::FlashLayout)?;
            self.flash.read(offset, buf).map_err(|_| Error::Flash)?;
            piece.copy_from_slice(buf.get(..piece.len()).ok_or(Error::FlashLayout)?);
            offset += CHUNK_U32;
        }
        Ok(())
    }

    /// Programs `data` at `offset` (aligned, erased), padded with 0xFF to WRITE_SIZE, then
    /// reads it back and compares.
    fn write_verified(&mut self, start: u32, data: &[u8]) -> Result<()> {
        let mut scratch = [0xFF_u8; CHUNK];
        let mut offset = start;
        for piece in data.chunks(CHUNK) {
            scratch.fill(0xFF);
            let n = piece.len().next_multiple_of(S::WRITE_SIZE);
            let buf = scratch.get_mut(..n).ok_or(Error::FlashLayout)?;
            buf.get_mut(..piece.len())
                .ok_or(Error::FlashLayout)?
                .copy_from_slice(piece);
            self.flash.write(offset, buf).map_err(|_| Error::Flash)?;
            offset += CHUNK_U32;
        }
        let mut offset = start;
        for piece in data.chunks(CHUNK) {
            let back = scratch.get_mut(..piece.len()).ok_or(Error::FlashLayout)?;
            self.read(offset, back)?;
            if back != piece {
                return Err(Error::FlashVerify);
            }
            offset += CHUNK_U32;
        }
        Ok(())
    }

    /// The slot's header and record, if its CRC verifies.
    fn scan(&mut self, slot: u32) -> Result<Option<Found>> {
        let start = self.slot_start(slot);
        let mut header = [0_u8; SLOT_HEADER_LEN];
        self.read(start, &mut header)?;
        let [
            m0,
            m1,
            m2,
            m3,
            s0,
            s1,
            s2,
            s3,
            l0,
            l1,
            l2,
            l3,
            c0,
            c1,
            c2,
            c3,
        ] = header;
        let sequence = u32::from_le_bytes([s0, s1, s2, s3]);
        let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
        let crc = u32::from_le_bytes([c0, c1, c2, c3]);
        if [m0, m1, m2, m3] != SLOT_MAGIC || len > self.slot_capacity() {
            return Ok(None);
        }
        let mut digest = CRC32.digest();
        digest.update(header.get(4..12).unwrap_or(&[]));
        let mut chunk = [0_u8; CHUNK];
        let mut offset = start + Self::record_offset();
        let mut left = len;
        while left > 0 {
            let n = left.min(CHUNK);
            let piece = chunk.get_mut(..n).ok_or(Error::FlashLayout)?;
            self.read(offset, piece)?;
            digest.update(piece);
            offset += CHUNK_U32;
            left -= n;
        }
        Ok((digest.finalize() == crc).then_some(Found {
            slot,
            sequence,
            len,
            crc,
        }))
    }

    /// The valid slots, newest first.
    fn scan_both(&mut self) -> Result<[Option<Found>; 2]> {
        let a = self.scan(0)?;
        let b = self.scan(1)?;
        Ok(match (a, b) {
            (Some(x), Some(y)) if is_newer(y.sequence, x.sequence) => [b, a],
            (None, Some(_)) => [b, None],
            _ => [a, b],
        })
    }

    /// The sequence number of the newest valid copy, or `None` when neither slot holds one.
    ///
    /// # Errors
    ///
    /// [`Error::Flash`] when the flash fails to read.
    ///
    /// ```
    /// use tinysoftmax::{Standardizer, storage::{MemoryFlash, Store}};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 512)?;
    /// assert_eq!(store.newest()?, None);
    /// store.save(&Standardizer::<2>::new(), &mut [0; 64])?;
    /// assert_eq!(store.newest()?, Some(1));
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn newest(&mut self) -> Result<Option<u32>> {
        Ok(self.scan_both()?[0].map(|found| found.sequence))
    }

    /// Copies the newest valid record into `buf`; returns its length and sequence number.
    ///
    /// # Errors
    ///
    /// [`Error::NoRecord`] when neither slot verifies; [`Error::BufferTooSmall`] when the
    /// record does not fit in `buf`; [`Error::Flash`] when the flash fails to read.
    ///
    /// ```
    /// use tinysoftmax::{Error, storage::{MemoryFlash, Store}};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 512)?;
    /// let mut buf = [0_u8; 8];
    /// assert_eq!(store.load_bytes(&mut buf), Err(Error::NoRecord));
    /// store.save_bytes(b"hello")?;
    /// assert_eq!(store.load_bytes(&mut buf)?, (5, 1));
    /// assert_eq!(&buf[..5], b"hello");
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn load_bytes(&mut self, buf: &mut [u8]) -> Result<(usize, u32)> {
        for found in self.scan_both()?.into_iter().flatten() {
            let record = buf.get_mut(..found.len).ok_or(Error::BufferTooSmall)?;
            let start = self.slot_start(found.slot) + Self::record_offset();
            self.read(start, record)?;
            // The copy must verify too: the flash could have changed since the scan.
            let mut digest = CRC32.digest();
            digest.update(&found.sequence.to_le_bytes());
            digest.update(&u32::try_from(found.len).unwrap_or(u32::MAX).to_le_bytes());
            digest.update(record);
            if digest.finalize() == found.crc {
                return Ok((found.len, found.sequence));
            }
        }
        Err(Error::NoRecord)
    }

    /// Reads the newest valid record as an `R`, using `buf` (at least `R::ENCODED_LEN` bytes).
    ///
    /// # Errors
    ///
    /// Those of [`load_bytes`](Self::load_bytes), and those of [`Record::decode`] when the
    /// newest record is not an `R` of these sizes.
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, Standardizer, format::Record, storage::{MemoryFlash, Store}};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 512)?;
    /// let mut buf = [0_u8; Classifier::<4, 3>::ENCODED_LEN];
    /// store.save(&Classifier::<4, 3>::zeros(), &mut buf)?;
    /// assert_eq!(store.load::<Standardizer<4>>(&mut buf), Err(Error::WrongKind));
    /// assert_eq!(store.load::<Classifier<4, 3>>(&mut buf)?, Classifier::zeros());
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn load<R: Record>(&mut self, buf: &mut [u8]) -> Result<R> {
        let (len, _) = self.load_bytes(buf)?;
        R::decode(buf.get(..len).ok_or(Error::BufferTooSmall)?)
    }

    /// Saves `record` as the newest copy, in the slot that does not hold the current newest
    /// valid copy; returns its sequence number (1 on an empty store).
    ///
    /// # Errors
    ///
    /// [`Error::FlashLayout`] when the record is longer than
    /// [`slot_capacity`](Self::slot_capacity); [`Error::Flash`] when the flash fails;
    /// [`Error::FlashVerify`] when it does not read back what was written. After any error,
    /// [`load`](Self::load) still returns the copy it returned before.
    ///
    /// ```
    /// use tinysoftmax::{Error, storage::{MemoryFlash, Store}};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 256)?;
    /// assert_eq!(store.save_bytes(&[0; 300]), Err(Error::FlashLayout));
    /// assert_eq!(store.save_bytes(b"one")?, 1);
    /// assert_eq!(store.save_bytes(b"two")?, 2);
    /// let mut buf = [0_u8; 3];
    /// store.load_bytes(&mut buf)?;
    /// assert_eq!(&buf, b"two");
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn save_bytes(&mut self, record: &[u8]) -> Result<u32> {
        if record.len() > self.slot_capacity() {
            return Err(Error::FlashLayout);
        }
        let len = u32::try_from(record.len()).map_err(|_| Error::FlashLayout)?;
        let (slot, sequence) = match self.scan_both()?[0] {
            Some(newest) => (1 - newest.slot, newest.sequence.wrapping_add(1)),
            None => (0, 1),
        };
        let start = self.slot_start(slot);
        let record_start = start + Self::record_offset();
        // Erase the sectors the copy will occupy, one operation per sector.
        let erase = u32::try_from(S::ERASE_SIZE).map_err(|_| Error::FlashLayout)?;
        let used = (Self::record_offset() + len).next_multiple_of(erase);
        let mut sector = start;
        while sector < start + used {
            self.flash
                .erase(sector, sector + erase)
                .map_err(|_| Error::Flash)?;
            sector += erase;
        }
        self.write_verified(record_start, record)?;
        let mut digest = CRC32.digest();
        digest.update(&sequence.to_le_bytes());
        digest.update(&len.to_le_bytes());
        digest.update(record);
        let mut header = [0_u8; SLOT_HEADER_LEN];
        for (dst, src) in header.iter_mut().zip(
            SLOT_MAGIC
                .iter()
                .chain(&sequence.to_le_bytes())
                .chain(&len.to_le_bytes())
                .chain(&digest.finalize().to_le_bytes()),
        ) {
            *dst = *src;
        }
        self.write_verified(start, &header)?;
        Ok(sequence)
    }

    /// Encodes `record` into `buf` and saves it (see [`save_bytes`](Self::save_bytes)).
    ///
    /// # Errors
    ///
    /// Those of [`Record::encode`] and of [`save_bytes`](Self::save_bytes).
    ///
    /// ```
    /// use tinysoftmax::{Classifier, Error, storage::{MemoryFlash, Store}};
    /// let mut store = Store::new(MemoryFlash::<1024>::new(), 0, 512)?;
    /// let mut small = [0_u8; 16];
    /// assert_eq!(store.save(&Classifier::<4, 3>::zeros(), &mut small), Err(Error::BufferTooSmall));
    /// assert_eq!(store.newest()?, None);
    /// # Ok::<(), tinysoftmax::Error>(())
    /// ```
    pub fn save<R: Record>(&mut self, record: &R, buf: &mut [u8]) -> Result<u32> {
        let len = record.encode(buf)?;
        self.save_bytes(buf.get(..len).ok_or(Error::BufferTooSmall)?)
    }
}

/// NOR flash simulated in a byte array, for host tests and examples: `N` bytes, programmed in
/// units of `W` bytes, erased in sectors of `E` bytes (defaults 4 and 256). An erase sets bytes
/// to 0xFF and a write can only clear bits, as on the real thing; misaligned or out-of-bounds
/// accesses are refused with the trait's error kinds.
///
/// ```
/// use embedded_storage::nor_flash::{NorFlash, ReadNorFlash};
/// use tinysoftmax::storage::MemoryFlash;
/// let mut flash = MemoryFlash::<512>::new();
/// flash.write(0, &[0x0F, 0xF0, 0xFF, 0x00])?;
/// flash.write(0, &[0xF0, 0xFF, 0xFF, 0xFF])?; // clears bits only
/// assert_eq!(&flash.as_bytes()[..4], &[0x00, 0xF0, 0xFF, 0x00]);
/// flash.erase(0, 256)?;
/// assert_eq!(flash.as_bytes()[0], 0xFF);
/// assert!(flash.write(2, &[0; 4]).is_err()); // not aligned to the write size
/// # Ok::<(), embedded_storage::nor_flash::NorFlashErrorKind>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryFlash<const N: usize, const W: usize = 4, const E: usize = 256> {
    bytes: [u8; N],
}

impl<const N: usize, const W: usize, const E: usize> Default for MemoryFlash<N, W, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const W: usize, const E: usize> MemoryFlash<N, W, E> {
    /// Erased flash: every byte 0xFF.
    ///
    /// ```
    /// let flash = tinysoftmax::storage::MemoryFlash::<256>::new();
    /// assert!(flash.as_bytes().iter().all(|&b| b == 0xFF));
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { bytes: [0xFF; N] }
    }

    /// The contents.
    ///
    /// ```
    /// assert_eq!(tinysoftmax::storage::MemoryFlash::<256>::new().as_bytes().len(), 256);
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; N] {
        &self.bytes
    }

    /// The contents, mutable (to corrupt them in a test).
    ///
    /// ```
    /// let mut flash = tinysoftmax::storage::MemoryFlash::<256>::new();
    /// flash.as_bytes_mut()[0] = 0;
    /// assert_eq!(flash.as_bytes()[0], 0);
    /// ```
    pub fn as_bytes_mut(&mut self) -> &mut [u8; N] {
        &mut self.bytes
    }

    fn range(
        &mut self,
        offset: u32,
        len: usize,
        align: usize,
    ) -> Result<&mut [u8], NorFlashErrorKind> {
        let start = offset as usize;
        if !start.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        start
            .checked_add(len)
            .and_then(|end| self.bytes.get_mut(start..end))
            .ok_or(NorFlashErrorKind::OutOfBounds)
    }
}

impl<const N: usize, const W: usize, const E: usize> ErrorType for MemoryFlash<N, W, E> {
    type Error = NorFlashErrorKind;
}

impl<const N: usize, const W: usize, const E: usize> ReadNorFlash for MemoryFlash<N, W, E> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let src = self.range(offset, bytes.len(), 1)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize, const W: usize, const E: usize> NorFlash for MemoryFlash<N, W, E> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = to.checked_sub(from).ok_or(NorFlashErrorKind::OutOfBounds)? as usize;
        self.range(from, len, E)?.fill(0xFF);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        for (cell, &b) in self.range(offset, bytes.len(), W)?.iter_mut().zip(bytes) {
            *cell &= b;
        }
        Ok(())
    }
}
