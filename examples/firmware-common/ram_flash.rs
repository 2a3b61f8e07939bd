//! A `NorFlash` over a RAM region that survives a system reset, so that the store of
//! `tinysoftmax::storage` can be exercised under QEMU, which models no writable flash
//! controller for these boards.
//!
//! It behaves like NOR flash: an erase sets a 256-byte sector to 0xFF, a write (in 4-byte units)
//! can only clear bits, and reads and writes are bounds- and alignment-checked. The region is
//! outside every Rust object (the board's `memory.x` reserves it), so it is reached through
//! volatile accesses to raw addresses: the only `unsafe` code of the firmware.
//!
//! Why RAM: QEMU's system reset (`SYSRESETREQ`, which `cortex_m::peripheral::SCB::sys_reset`
//! requests) resets the CPU and the devices and copies the loaded ELF image back into memory,
//! but does not clear RAM. Tried with QEMU 10.0.2 on mps2-an386 and mps2-an385 (x86-64 Debian
//! 12, 2026-11-29) with a probe that wrote a word at the top of SRAM (`0x203F_F000`) and one in
//! unused code memory (`0x003F_0000`) and then reset: after the reset both words still held what
//! was written (and both were 0 at power-on), while `.data` held its initial value again (the
//! startup code copies it anew). Any region that no ELF section loads into and the startup code
//! does not initialise therefore survives; the top 8 KiB of SRAM, which `memory.x` keeps out of
//! RAM as PERSIST, is used here (on the micro:bit, Cortex-M0, the top 1 KiB of its 16 KiB).
//! On RISC-V `virt` (reset by writing 0x7777 to the `sifive_test` device at `0x10_0000`) RAM
//! outside the image survives in the same way; the top 8 KiB of its RAM are PERSIST.
//! `.ci/firmware.sh` checks it on every run: the `resume` firmware must find its checkpoint
//! after the reset on every core.
//! On a real board the same code runs on the HAL's flash driver instead.

use core::ptr;
use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};

/// The RAM region `memory.x` reserves: start address and length.
pub struct RamFlash {
    base: usize,
    len: usize,
}

impl RamFlash {
    /// The flash over `len` bytes at `base`.
    ///
    /// # Safety
    ///
    /// `base .. base + len` must be RAM that nothing else reads or writes (no Rust object, no
    /// stack, no other `RamFlash`) for as long as the value lives.
    pub const unsafe fn new(base: usize, len: usize) -> Self {
        Self { base, len }
    }

    fn check(&self, offset: u32, len: usize, align: usize) -> Result<usize, NorFlashErrorKind> {
        let start = offset as usize;
        if !start.is_multiple_of(align) || !len.is_multiple_of(align) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        match start.checked_add(len) {
            Some(end) if end <= self.len => Ok(self.base + start),
            _ => Err(NorFlashErrorKind::OutOfBounds),
        }
    }
}

impl ErrorType for RamFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for RamFlash {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let at = self.check(offset, bytes.len(), Self::READ_SIZE)?;
        for (i, b) in bytes.iter_mut().enumerate() {
            // SAFETY: in the region `new`'s contract reserves (checked just above).
            *b = unsafe { ptr::read_volatile((at + i) as *const u8) };
        }
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.len
    }
}

impl NorFlash for RamFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = 256;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let len = (to as usize)
            .checked_sub(from as usize)
            .ok_or(NorFlashErrorKind::OutOfBounds)?;
        let at = self.check(from, len, Self::ERASE_SIZE)?;
        for i in 0..len {
            // SAFETY: as in `read`.
            unsafe { ptr::write_volatile((at + i) as *mut u8, 0xFF) };
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let at = self.check(offset, bytes.len(), Self::WRITE_SIZE)?;
        for (i, &b) in bytes.iter().enumerate() {
            let p = (at + i) as *mut u8;
            // SAFETY: as in `read`. Programming only clears bits, as on NOR flash.
            unsafe { ptr::write_volatile(p, ptr::read_volatile(p) & b) };
        }
        Ok(())
    }
}

/// Counts boots in a word pair at `address` (a magic and the count): 1 on the first boot after
/// power-on (when the magic is absent), one more on every boot after a reset.
///
/// # Safety
///
/// `address .. address + 8` must be 4-aligned RAM reserved as for [`RamFlash::new`].
pub unsafe fn next_boot(address: usize) -> u32 {
    const MAGIC: u32 = 0x544f_4f42; // "BOOT"
    let (magic, count) = (address as *mut u32, (address + 4) as *mut u32);
    // SAFETY: the caller reserves the two words.
    unsafe {
        let previous = if ptr::read_volatile(magic) == MAGIC {
            ptr::read_volatile(count)
        } else {
            0
        };
        let boot = previous.saturating_add(1);
        ptr::write_volatile(count, boot);
        ptr::write_volatile(magic, MAGIC);
        boot
    }
}
