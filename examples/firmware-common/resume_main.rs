//! The body of the `resume` firmware: the iris run of `resume.rs` interrupted by a system
//! reset. The board's `main` calls [`run`] with a `NorFlash` over memory that survives the reset
//! and the boot count, and exits with its status.
//!
//! First boot: no checkpoint; train, saving a checkpoint after each epoch of
//! [`SAVE_AT`](crate::resume::SAVE_AT) (sequence numbers 1 and 2, slots A and B of the store),
//! then request a system reset. Second boot: load the newest checkpoint that verifies, resume,
//! finish and print the report of `iris_main.rs`, fingerprint last: it must be the fingerprint
//! of the uninterrupted `iris` run on every core and on the host.
//!
//! ```text
//! resume: boot 1
//! boot 1: no checkpoint; training from scratch
//! epoch 50: checkpoint saved, sequence 1, 196 bytes, crc 9d5c1c7a
//! epoch 100: checkpoint saved, sequence 2, 196 bytes, crc fba46fd4
//! boot 1: system reset
//! resume: boot 2
//! boot 2: checkpoint sequence 2 verified: epoch 100, step 15000, crc fba46fd4
//! ...
//! fingerprint 6eb0efb1674389d3
//! ```

use crate::iris_data::{FEATURES, LABELS, ROWS};
use crate::iris_main::{TRAINING_ERROR, report};
use crate::resume::{IrisCheckpoint, Run, SAVE_AT};
use embedded_storage::nor_flash::NorFlash;
use semihosting::println;
use tinysoftmax::format::{CHECKSUM_LEN, Record};
use tinysoftmax::storage::Store;
use tinysoftmax::{Error, Label, Result, Sample};

/// Bytes of each store slot: one 256-byte sector (a checkpoint with its slot header needs 212).
pub const SLOT_LEN: u32 = 256;

/// What the boot decided.
pub enum Next {
    /// Request a system reset (the first boot saved its checkpoints).
    Reset,
    /// Exit with this status.
    Exit(i32),
}

/// The checkpoint's CRC-32, its last four bytes.
fn crc(record: &[u8]) -> u32 {
    let mut last = [0_u8; CHECKSUM_LEN];
    if let Some(tail) = record
        .len()
        .checked_sub(CHECKSUM_LEN)
        .and_then(|at| record.get(at..))
    {
        last.copy_from_slice(tail);
    }
    u32::from_le_bytes(last)
}

/// One boot of the demo on `flash`, the `boot`-th since power-on.
pub fn run<S: NorFlash>(flash: S, boot: u32) -> Next {
    println!("resume: boot {}", boot);
    match boot_once(flash, boot) {
        Ok(next) => next,
        Err(e) => {
            println!("boot {}: failed: {}", boot, e);
            Next::Exit(TRAINING_ERROR)
        }
    }
}

fn boot_once<S: NorFlash>(flash: S, boot: u32) -> Result<Next> {
    let mut store = Store::new(flash, 0, SLOT_LEN)?;
    let mut buf = [0_u8; IrisCheckpoint::ENCODED_LEN];
    let mut samples = [Sample::new([0.0; 4], Label::new(0)?); ROWS];
    match store.load::<IrisCheckpoint>(&mut buf) {
        Err(Error::NoRecord) if boot == 1 => {
            println!("boot 1: no checkpoint; training from scratch");
            let mut run = Run::start(&FEATURES, &LABELS, &mut samples)?;
            for epoch in SAVE_AT {
                run.train_to(epoch)?;
                let sequence = store.save(&run.checkpoint(), &mut buf)?;
                println!(
                    "epoch {}: checkpoint saved, sequence {}, {} bytes, crc {:08x}",
                    epoch,
                    sequence,
                    buf.len(),
                    crc(&buf)
                );
            }
            println!("boot 1: system reset");
            Ok(Next::Reset)
        }
        Err(e) => Err(e),
        Ok(_) if boot == 1 => {
            println!("boot 1: a checkpoint is already there (memory not cleared at power-on?)");
            Ok(Next::Exit(TRAINING_ERROR))
        }
        Ok(checkpoint) => {
            let sequence = store.newest()?.unwrap_or(0);
            let steps = checkpoint.state.steps();
            let run = Run::resume(&FEATURES, &LABELS, checkpoint, &mut samples)?;
            println!(
                "boot {}: checkpoint sequence {} verified: epoch {}, step {}, crc {:08x}",
                boot,
                sequence,
                run.epochs(),
                steps,
                crc(&buf)
            );
            let outcome = run.finish()?;
            Ok(Next::Exit(report(&outcome, || true)))
        }
    }
}
