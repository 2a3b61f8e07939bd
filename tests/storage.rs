//! The A/B flash store (`src/storage.rs`, feature `storage`) against a simulated NOR flash that
//! behaves like one (erase sets 0xFF, a write only clears bits, each word is programmed once
//! per erase, read/write/erase granularity enforced), with a power cut injected at every single
//! program and erase operation of many consecutive saves: after the operation, before it, and
//! in the middle of it (a prefix of the bytes lands, or a random part of the bits). After every
//! cut a fresh store (the rebooted device) must load exactly the previous or the new record.
//! Random bit flips in either slot must be detected and the other slot used.
//!
//! `cargo test --features storage --test storage -- --nocapture` prints the number of cut
//! points and cycles covered.
#![cfg(feature = "storage")]
#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed expectation is the failure report"
)]

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use tinysoftmax::format::{Checkpoint, Record};
use tinysoftmax::optim::SgdState;
use tinysoftmax::storage::{SLOT_HEADER_LEN, Store};
use tinysoftmax::{Classifier, Error, SplitMix64, Standardizer};

/// How a power cut hits the operation it interrupts.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// The operation completes; power is lost right after it.
    After,
    /// Power is lost before the operation changes anything.
    Before,
    /// A prefix of the bytes (random length) is erased or programmed; the rest stays as it was.
    Prefix,
    /// Each bit the operation would change changes with probability 1/2.
    Bits,
}

/// A NOR flash of `SIZE` bytes with read, write and erase sizes R, W and E.
#[derive(Clone)]
struct SimFlash<const R: usize, const W: usize, const E: usize> {
    mem: Vec<u8>,
    /// Whether each W-byte word has been programmed since its last erase.
    programmed: Vec<bool>,
    /// Program and erase operations so far.
    ops: u64,
    /// Power cut at this operation index.
    cut: Option<(u64, Cut)>,
    /// Power is off: every access fails until `reboot`.
    dead: bool,
    rng: SplitMix64,
}

impl<const R: usize, const W: usize, const E: usize> SimFlash<R, W, E> {
    fn new(size: usize, seed: u64) -> Self {
        Self {
            mem: vec![0xFF; size],
            programmed: vec![false; size / W],
            ops: 0,
            cut: None,
            dead: false,
            rng: SplitMix64::new(seed),
        }
    }

    fn reboot(&mut self) {
        self.dead = false;
        self.cut = None;
    }

    /// Counts one program or erase operation; returns the cut that hits it, if any.
    fn begin_op(&mut self) -> Option<Cut> {
        let index = self.ops;
        self.ops += 1;
        match self.cut {
            Some((at, how)) if at == index => {
                self.dead = true;
                Some(how)
            }
            _ => None,
        }
    }

    /// Moves `old` toward `new` as far as the cut allows; `new` is reachable from `old` (a
    /// program only clears bits, an erase only sets them).
    fn partial(&mut self, how: Cut, old: &[u8], new: &[u8]) -> Vec<u8> {
        match how {
            Cut::After => new.to_vec(),
            Cut::Before => old.to_vec(),
            Cut::Prefix => {
                let k = self.rng.below(u32::try_from(new.len()).unwrap()) as usize;
                [&new[..k], &old[k..]].concat()
            }
            Cut::Bits => old
                .iter()
                .zip(new)
                .map(|(&o, &n)| {
                    let land = (self.rng.next_u64() >> 56) as u8;
                    (o & !land) | (n & land)
                })
                .collect(),
        }
    }
}

impl<const R: usize, const W: usize, const E: usize> ErrorType for SimFlash<R, W, E> {
    type Error = NorFlashErrorKind;
}

impl<const R: usize, const W: usize, const E: usize> ReadNorFlash for SimFlash<R, W, E> {
    const READ_SIZE: usize = R;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        if self.dead {
            return Err(NorFlashErrorKind::Other);
        }
        if !at.is_multiple_of(R) || !bytes.len().is_multiple_of(R) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        let src = self
            .mem
            .get(at..at + bytes.len())
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        bytes.copy_from_slice(src);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl<const R: usize, const W: usize, const E: usize> NorFlash for SimFlash<R, W, E> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = E;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let (from, to) = (from as usize, to as usize);
        if self.dead {
            return Err(NorFlashErrorKind::Other);
        }
        if !from.is_multiple_of(E) || !to.is_multiple_of(E) || from > to {
            return Err(NorFlashErrorKind::NotAligned);
        }
        if to > self.mem.len() {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        let old = self.mem[from..to].to_vec();
        let erased = vec![0xFF; to - from];
        if let Some(how) = self.begin_op() {
            let landed = self.partial(how, &old, &erased);
            self.mem[from..to].copy_from_slice(&landed);
            // A partly erased word may hold anything: mark it programmed so that the store
            // may not program it again without a new erase.
            for (w, word) in landed.chunks(W).enumerate() {
                self.programmed[from / W + w] = word.iter().any(|&b| b != 0xFF);
            }
            return Err(NorFlashErrorKind::Other);
        }
        self.mem[from..to].copy_from_slice(&erased);
        self.programmed[from / W..to / W].fill(false);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let at = offset as usize;
        if self.dead {
            return Err(NorFlashErrorKind::Other);
        }
        if !at.is_multiple_of(W) || !bytes.len().is_multiple_of(W) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        if at + bytes.len() > self.mem.len() {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        let words = at / W..(at + bytes.len()) / W;
        // Programming a word twice without an erase is refused (as flash with ECC does).
        assert!(
            !self.programmed[words.clone()].iter().any(|&p| p),
            "the store programmed a word twice at {at}"
        );
        let old = self.mem[at..at + bytes.len()].to_vec();
        let target: Vec<u8> = old.iter().zip(bytes).map(|(&o, &b)| o & b).collect();
        let cut = self.begin_op();
        let landed = match cut {
            Some(how) => self.partial(how, &old, &target),
            None => target,
        };
        self.mem[at..at + bytes.len()].copy_from_slice(&landed);
        self.programmed[words].fill(true);
        if cut.is_some() {
            Err(NorFlashErrorKind::Other)
        } else {
            Ok(())
        }
    }
}

/// A checkpoint whose every value (and the generator state) depends on `seed`.
fn checkpoint(seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let mut value = || (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0;
    let model = Classifier::<4, 3>::new(
        [[0.0; 4]; 3].map(|r| r.map(|_: f32| value())),
        [0.0; 3].map(|_: f32| value()),
    );
    let mut standardizer = Standardizer::<4>::new();
    for _ in 0..3 {
        standardizer
            .update(&[0.0; 4].map(|_: f32| value()))
            .unwrap();
    }
    let c = Checkpoint::new(standardizer, model, SgdState::new(), SplitMix64::new(seed));
    let mut buf = vec![0; Checkpoint::<4, 3>::ENCODED_LEN];
    c.encode(&mut buf).unwrap();
    buf
}

/// What a rebooted device loads: the bytes of the newest valid record, or the error.
fn load<const R: usize, const W: usize, const E: usize>(
    flash: &SimFlash<R, W, E>,
    base: u32,
    slot: u32,
) -> Result<Vec<u8>, Error> {
    let mut rebooted = flash.clone();
    rebooted.reboot();
    let mut store = Store::new(rebooted, base, slot).unwrap();
    let mut buf = vec![0; 1024];
    let (len, _) = store.load_bytes(&mut buf)?;
    buf.truncate(len);
    // What the store returns is always a record that decodes.
    assert!(Checkpoint::<4, 3>::decode(&buf).is_ok());
    Ok(buf)
}

/// Operations a clean save of `record` takes on (a rebooted copy of) `flash`.
fn ops_of_save<const R: usize, const W: usize, const E: usize>(
    flash: &SimFlash<R, W, E>,
    base: u32,
    slot: u32,
    record: &[u8],
) -> u64 {
    let mut probe = flash.clone();
    probe.reboot();
    probe.ops = 0;
    let mut store = Store::new(probe, base, slot).unwrap();
    store.save_bytes(record).unwrap();
    store.into_inner().ops
}

/// Saves `new` with a power cut of kind `how` at operation `at`, and checks the rebooted
/// device: the slot with the newest good copy untouched, and `load` giving `previous` or
/// `new`. Returns the flash as the cut left it.
#[expect(clippy::too_many_arguments, reason = "a test helper")]
fn cut_save<const R: usize, const W: usize, const E: usize>(
    flash: &SimFlash<R, W, E>,
    base: u32,
    slot: u32,
    new: &[u8],
    previous: Option<&[u8]>,
    at: u64,
    how: Cut,
    seed: u64,
) -> SimFlash<R, W, E> {
    let newest_slot = newest_slot_bytes(flash, base, slot);
    let mut faulty = flash.clone();
    faulty.reboot();
    faulty.ops = 0;
    faulty.cut = Some((at, how));
    faulty.rng = SplitMix64::new(seed);
    let mut store = Store::new(faulty, base, slot).unwrap();
    assert!(
        store.save_bytes(new).is_err(),
        "a cut save reports an error"
    );
    let faulty = store.into_inner();
    if let Some((range, bytes)) = newest_slot {
        assert_eq!(
            &faulty.mem[range],
            &bytes[..],
            "the newest good copy was touched"
        );
    }
    match (load(&faulty, base, slot), previous) {
        (Ok(got), Some(prev)) => assert!(
            got == prev || got == new,
            "cut {how:?} at op {at}: loaded neither record"
        ),
        (Ok(got), None) => assert_eq!(got, new),
        (Err(e), Some(_)) => {
            assert_eq!(Err(e), Ok(()), "cut {how:?} at op {at}: a good copy exists");
        }
        (Err(e), None) => assert_eq!(e, Error::NoRecord),
    }
    faulty
}

/// Runs `cycles` saves of distinct checkpoints. Before each real save, replays it once for
/// every operation index and every kind of cut; after each cut the rebooted device retries the
/// save and is cut again at a random operation of the retry (a cut save following a torn
/// one), then retries once more without a cut. Returns the number of cuts injected.
fn power_cuts<const R: usize, const W: usize, const E: usize>(
    cycles: u64,
    base: u32,
    slot: u32,
) -> u64 {
    let size = (base + 2 * slot) as usize + E;
    let mut flash = SimFlash::<R, W, E>::new(size, 99);
    let mut previous: Option<Vec<u8>> = None;
    let mut cuts = 0;
    let modes = [
        Cut::After,
        Cut::Before,
        Cut::Prefix,
        Cut::Bits,
        Cut::Prefix,
        Cut::Bits,
    ];
    let mut rng = SplitMix64::new(17);
    for cycle in 0..cycles {
        let new = checkpoint(cycle);
        let ops = ops_of_save(&flash, base, slot, &new);
        assert!(ops >= 2, "a save erases and programs");
        for at in 0..ops {
            for (m, &how) in modes.iter().enumerate() {
                let seed = cycle << 32 | at << 8 | m as u64;
                let prev = previous.as_deref();
                let torn = cut_save(&flash, base, slot, &new, prev, at, how, seed);
                let retry_ops = ops_of_save(&torn, base, slot, &new);
                let at2 = u64::from(rng.below(u32::try_from(retry_ops).unwrap()));
                let how2 = modes[rng.below(6) as usize];
                let torn = cut_save(&torn, base, slot, &new, prev, at2, how2, !seed);
                cuts += 2;
                let mut rebooted = torn;
                rebooted.reboot();
                let mut store = Store::new(rebooted, base, slot).unwrap();
                store.save_bytes(&new).unwrap();
                assert_eq!(load(&store.into_inner(), base, slot).unwrap(), new);
            }
        }
        let mut store = Store::new(flash, base, slot).unwrap();
        let sequence = store.save_bytes(&new).unwrap();
        assert_eq!(u64::from(sequence), cycle + 1);
        flash = store.into_inner();
        assert_eq!(load(&flash, base, slot).unwrap(), new);
        previous = Some(new);
    }
    cuts
}

/// The byte range and contents of the slot that holds the newest valid copy.
fn newest_slot_bytes<const R: usize, const W: usize, const E: usize>(
    flash: &SimFlash<R, W, E>,
    base: u32,
    slot: u32,
) -> Option<(std::ops::Range<usize>, Vec<u8>)> {
    let mut copy = flash.clone();
    copy.reboot();
    let mut store = Store::new(copy, base, slot).unwrap();
    let sequence = store.newest().unwrap()?;
    let mem = &store.into_inner().mem;
    (0..2)
        .map(|s| (base + s * slot) as usize)
        .map(|start| start..start + slot as usize)
        .find(|range| mem[range.start + 4..range.start + 8] == sequence.to_le_bytes())
        .map(|range| (range.clone(), mem[range].to_vec()))
}

const CYCLES: u64 = 60;

#[test]
fn power_cuts_at_every_operation_never_lose_the_record() {
    // Byte-writable flash with small sectors (a save erases 4 of them), word-writable flash
    // with one sector per slot, and 16-byte program units (ECC flash), read in 8-byte units.
    let a = power_cuts::<1, 1, 64>(CYCLES, 0, 256);
    let b = power_cuts::<4, 4, 256>(CYCLES, 256, 256);
    let c = power_cuts::<8, 16, 128>(CYCLES, 0, 512);
    println!(
        "storage: {} power cuts over {} save cycles in 3 flash geometries ({a}, {b}, {c})",
        a + b + c,
        3 * CYCLES
    );
    assert!(a + b + c > 3 * CYCLES * 6 * 2 * 2);
}

/// The store's slots for two saves of different records: A holds `old`, B holds `new`.
fn two_copies() -> (SimFlash<4, 4, 256>, Vec<u8>, Vec<u8>) {
    let mut store = Store::new(SimFlash::<4, 4, 256>::new(1024, 1), 0, 512).unwrap();
    let (old, new) = (checkpoint(1), checkpoint(2));
    store.save_bytes(&old).unwrap();
    store.save_bytes(&new).unwrap();
    (store.into_inner(), old, new)
}

#[test]
fn a_flipped_bit_in_either_slot_falls_back_to_the_other() {
    let (flash, old, new) = two_copies();
    let used = SLOT_HEADER_LEN + new.len();
    let mut rng = SplitMix64::new(5);
    let mut flips = 0;
    for _ in 0..2000 {
        for (slot, survivor) in [(1_usize, &old), (0, &new)] {
            let byte = slot * 512 + rng.below(u32::try_from(used).unwrap()) as usize;
            let mut bad = flash.clone();
            bad.mem[byte] ^= 1 << rng.below(8);
            assert_eq!(
                &load(&bad, 0, 512).unwrap(),
                survivor,
                "flip at byte {byte}"
            );
            flips += 1;
        }
    }
    // Both slots corrupted: no record, and an error that says so.
    let mut bad = flash.clone();
    bad.mem[20] ^= 1;
    bad.mem[512 + 40] ^= 0x80;
    assert_eq!(load(&bad, 0, 512), Err(Error::NoRecord));
    // Bytes past the record in a slot do not matter.
    let mut padding = flash.clone();
    padding.mem[512 + used + 10] ^= 1;
    assert_eq!(load(&padding, 0, 512).unwrap(), new);
    println!("storage: {flips} single-bit flips detected");
}

#[test]
fn records_of_changing_length_and_stale_sectors() {
    let mut store = Store::new(SimFlash::<1, 1, 64>::new(2048, 3), 0, 1024).unwrap();
    let mut rng = SplitMix64::new(8);
    let mut buf = vec![0; 1024];
    for i in 0..200_u32 {
        let len = 1 + rng.below(u32::try_from(store.slot_capacity()).unwrap()) as usize;
        let record: Vec<u8> = (0..len).map(|_| rng.next_u64().to_le_bytes()[0]).collect();
        assert_eq!(store.save_bytes(&record).unwrap(), i + 1);
        let (n, sequence) = store.load_bytes(&mut buf).unwrap();
        assert_eq!((&buf[..n], sequence), (&record[..], i + 1));
    }
}

#[test]
fn sequence_numbers_wrap_around() {
    // Slot A holds a valid copy with sequence number u32::MAX, written by hand from the
    // documented layout (independent of the store's writer).
    let mut flash = SimFlash::<1, 1, 64>::new(512, 4);
    let record = b"oldest";
    let mut header = Vec::new();
    header.extend_from_slice(b"TSMS");
    header.extend_from_slice(&u32::MAX.to_le_bytes());
    header.extend_from_slice(&6_u32.to_le_bytes());
    let crc =
        crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&[&header[4..], &record[..]].concat());
    header.extend_from_slice(&crc.to_le_bytes());
    flash.mem[..16].copy_from_slice(&header);
    flash.mem[16..22].copy_from_slice(record);
    let mut store = Store::new(flash, 0, 256).unwrap();
    let mut buf = [0; 16];
    assert_eq!(store.load_bytes(&mut buf).unwrap(), (6, u32::MAX));
    assert_eq!(store.save_bytes(b"newer").unwrap(), 0);
    assert_eq!(store.load_bytes(&mut buf).unwrap(), (5, 0));
    assert_eq!(&buf[..5], b"newer");
    assert_eq!(store.save_bytes(b"newest").unwrap(), 1);
    assert_eq!(store.load_bytes(&mut buf).unwrap(), (6, 1));
}

#[test]
fn bad_geometry_is_refused() {
    type Flash = SimFlash<1, 4, 256>;
    let flash = || Flash::new(1024, 0);
    assert!(Store::new(flash(), 0, 512).is_ok());
    assert!(Store::new(flash(), 256, 256).is_ok());
    for (base, slot) in [
        (0, 0),
        (0, 100),
        (128, 256),
        (0, 1024),
        (512, 512),
        (u32::MAX - 255, 256),
    ] {
        assert_eq!(
            Store::new(flash(), base, slot).err(),
            Some(Error::FlashLayout),
            "{base} {slot}"
        );
    }
    // A write size that does not divide 128.
    let odd = SimFlash::<1, 256, 256>::new(1024, 0);
    assert_eq!(Store::new(odd, 0, 512).err(), Some(Error::FlashLayout));
    // A record larger than a slot.
    let mut store = Store::new(flash(), 0, 256).unwrap();
    assert_eq!(store.save_bytes(&[0; 241]), Err(Error::FlashLayout));
    assert_eq!(store.save_bytes(&[0; 240]), Ok(1));
}

#[test]
fn a_typed_round_trip_through_the_store() {
    let mut store = Store::new(SimFlash::<4, 4, 256>::new(1024, 1), 0, 512).unwrap();
    let mut buf = [0_u8; Checkpoint::<4, 3>::ENCODED_LEN];
    let c = Checkpoint::<4, 3>::decode(&checkpoint(7)).unwrap();
    store.save(&c, &mut buf).unwrap();
    assert_eq!(store.load::<Checkpoint<4, 3>>(&mut buf).unwrap(), c);
    assert_eq!(
        store.load::<Checkpoint<4, 2>>(&mut buf),
        Err(Error::WrongClassCount)
    );
}

/// A flash whose byte at `stuck` ignores programming (a worn cell): the read-back check
/// catches it, the save fails with `FlashVerify`, and the previous copy stays the one loaded.
#[test]
fn a_write_that_does_not_read_back_is_refused() {
    #[derive(Clone)]
    struct Stuck {
        inner: SimFlash<1, 1, 64>,
        stuck: usize,
    }
    impl ErrorType for Stuck {
        type Error = NorFlashErrorKind;
    }
    impl ReadNorFlash for Stuck {
        const READ_SIZE: usize = 1;
        fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
            self.inner.read(offset, bytes)
        }
        fn capacity(&self) -> usize {
            self.inner.capacity()
        }
    }
    impl NorFlash for Stuck {
        const WRITE_SIZE: usize = 1;
        const ERASE_SIZE: usize = 64;
        fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
            self.inner.erase(from, to)
        }
        fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
            let kept = self.inner.mem[self.stuck];
            self.inner.write(offset, bytes)?;
            self.inner.mem[self.stuck] = kept;
            Ok(())
        }
    }
    let (old, new) = (checkpoint(1), checkpoint(2));
    // Slot A holds `old`; the next save goes to slot B, where record byte 40 is stuck at 0xFF.
    assert_ne!(
        new[40], 0xFF,
        "the stuck byte must be one the save programs"
    );
    let flash = Stuck {
        inner: SimFlash::new(512, 0),
        stuck: 256 + 16 + 40,
    };
    let mut store = Store::new(flash, 0, 256).unwrap();
    assert_eq!(store.save_bytes(&old), Ok(1));
    assert_eq!(store.save_bytes(&new), Err(Error::FlashVerify));
    let mut buf = vec![0; 256];
    let (len, sequence) = store.load_bytes(&mut buf).unwrap();
    assert_eq!((&buf[..len], sequence), (&old[..], 1));
}
