//! Every decoder: `Record::decode` / `decode_into` for each kind, and `storage::Store::load`
//! over arbitrary flash contents. Never a panic; never a value that was not written: whatever
//! decodes, encodes back to the very bytes it was read from, and a failed `decode_into` leaves
//! its destination unchanged. Three input modes reach past the checksum: raw bytes, bytes with
//! their CRC-32 appended, and a valid header for the kind followed by arbitrary payload bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tinysoftmax::average::Averaged;
use tinysoftmax::format::{CHECKSUM_LEN, Checkpoint, HEADER_LEN, Record};
use tinysoftmax::optim::SgdState;
use tinysoftmax::storage::{MemoryFlash, Store};
use tinysoftmax::{Classifier, Standardizer};
use tinysoftmax_fuzz::Input;

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// `covered` (header and payload) followed by its CRC-32.
fn sealed(covered: &[u8]) -> Vec<u8> {
    let mut out = covered.to_vec();
    out.extend_from_slice(&CRC32.checksum(covered).to_le_bytes());
    out
}

/// The bytes to decode as an `R`, from the mode byte and the rest of the input.
fn bytes_for<R: Record>(mode: u8, rest: &[u8]) -> Vec<u8> {
    match mode % 3 {
        0 => rest.to_vec(),
        1 => sealed(rest),
        _ => {
            // A valid header of R (taken from the encoding of a valid value's layout).
            let mut header = Vec::with_capacity(HEADER_LEN);
            header.extend_from_slice(b"TSMX");
            header.extend_from_slice(&1_u16.to_le_bytes());
            header.push(R::KIND as u8);
            header.push(u8::try_from(R::ELEMENT_BYTES).unwrap());
            for n in [R::FEATURES, R::CLASSES, R::PAYLOAD_LEN] {
                header.extend_from_slice(&u32::try_from(n).unwrap().to_le_bytes());
            }
            let mut payload = rest.to_vec();
            payload.resize(R::PAYLOAD_LEN, 0);
            header.extend_from_slice(&payload);
            sealed(&header)
        }
    }
}

fn check<R: Record + Clone + PartialEq + core::fmt::Debug>(mode: u8, rest: &[u8], blank: R) {
    let bytes = bytes_for::<R>(mode, rest);
    match R::decode(&bytes) {
        Ok(value) => {
            let mut out = vec![0; R::ENCODED_LEN];
            assert_eq!(value.encode(&mut out), Ok(R::ENCODED_LEN));
            assert_eq!(
                out,
                bytes[..R::ENCODED_LEN],
                "decoded a value that encodes otherwise"
            );
            let mut into = blank;
            assert_eq!(into.decode_into(&bytes), Ok(R::ENCODED_LEN));
            assert_eq!(into, value);
        }
        Err(e) => {
            let mut into = blank.clone();
            assert_eq!(into.decode_into(&bytes), Err(e));
            assert_eq!(into, blank);
        }
    }
}

/// Slot A's header for the bytes after it, with a valid CRC, so that the fuzzer reaches the
/// record inside a slot (layout in the `storage` module docs).
fn seal_slot(flash: &mut [u8; 1024], sequence: u32, len: u32) {
    let len = len % (512 - 16);
    flash[0..4].copy_from_slice(b"TSMS");
    flash[4..8].copy_from_slice(&sequence.to_le_bytes());
    flash[8..12].copy_from_slice(&len.to_le_bytes());
    let mut digest = CRC32.digest();
    digest.update(&flash[4..12]);
    digest.update(&flash[16..16 + len as usize]);
    let crc = digest.finalize();
    flash[12..16].copy_from_slice(&crc.to_le_bytes());
}

fn store(mode: u8, rest: &[u8]) {
    let mut flash = MemoryFlash::<1024>::new();
    let n = rest.len().min(1024);
    flash.as_bytes_mut()[..n].copy_from_slice(&rest[..n]);
    if mode & 1 == 1 {
        let mut input = Input::new(rest);
        let (sequence, len) = (input.u32(), input.u32());
        seal_slot(flash.as_bytes_mut(), sequence, len);
    }
    let Ok(mut store) = Store::new(flash, 0, 512) else {
        unreachable!("a valid layout")
    };
    let mut buf = [0_u8; 512];
    if let Ok((len, _)) = store.load_bytes(&mut buf) {
        let record = buf[..len].to_vec();
        if let Ok(model) = Classifier::<4, 3>::decode(&record) {
            let mut out = vec![0; Classifier::<4, 3>::ENCODED_LEN];
            model.encode(&mut out).unwrap();
            assert_eq!(out, record[..out.len()]);
        }
    }
    let mut small = [0_u8; Classifier::<4, 3>::ENCODED_LEN];
    let loaded = store.load::<Classifier<4, 3>>(&mut small);
    // Whatever the flash held, a save then reads back as written.
    let model = Classifier::<4, 3>::new([[0.5; 4], [-1.0; 4], [2.0; 4]], [0.25, 0.0, -0.25]);
    if store.save(&model, &mut small).is_ok() {
        assert_eq!(store.load::<Classifier<4, 3>>(&mut small), Ok(model));
    } else {
        // A failed save keeps the copy that loaded before.
        assert_eq!(store.load::<Classifier<4, 3>>(&mut small), loaded);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let (kind, mode) = (input.u8(), input.u8());
    let rest = input.rest();
    match kind % 7 {
        0 => check(mode, rest, Classifier::<4, 3>::zeros()),
        1 => check(mode, rest, Classifier::<4, 3, f64>::zeros()),
        2 => check(mode, rest, Standardizer::<4>::new()),
        3 => check(mode, rest, SgdState::<4, 3>::new()),
        4 => check(
            mode,
            rest,
            Averaged::<4, 3>::new(tinysoftmax::average::Weighting::Linear),
        ),
        5 => check(
            mode,
            rest,
            Checkpoint::<4, 3>::new(
                Standardizer::new(),
                Classifier::zeros(),
                SgdState::new(),
                tinysoftmax::SplitMix64::new(0),
            ),
        ),
        _ => store(mode, rest),
    }
    let _ = CHECKSUM_LEN;
});
