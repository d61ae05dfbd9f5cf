//! One window of a file mapped into memory. A window is always mapped at its full size, even past the
//! end of the file, so growing the file never moves it: the pages past EOF become valid as soon as
//! the file covers them. Callers must never touch a byte at or past EOF (that is SIGBUS).
use crate::error::{NativeError, Result};
use crate::sys;
use std::os::raw::c_void;

pub struct Mapping {
    addr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory; every access is bounds-checked by MappedFile, which owns it.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    pub fn map(fd: i32, offset: u64, len: usize, writable: bool) -> Result<Mapping> {
        let prot = if writable { sys::PROT_READ | sys::PROT_WRITE } else { sys::PROT_READ };
        // SAFETY: a fresh mapping at an address the kernel picks; fd is open for as long as we call.
        let addr = unsafe { sys::mmap(std::ptr::null_mut(), len, prot, sys::MAP_SHARED, fd, offset as i64) };
        if addr == sys::MAP_FAILED {
            return Err(NativeError::last_os("mmap"));
        }
        // No MADV_SEQUENTIAL: streaming a cold 1 GiB file measured ~0.3 GiB/s with it and ~1.5 GiB/s
        // with the kernel's default read-around (Linux 6.18, ext4, virtio disk).
        Ok(Mapping { addr: addr as *mut u8, len })
    }

    pub fn ptr(&self) -> *mut u8 {
        self.addr
    }

    /// Flushes the first `len` bytes of the window to disk.
    pub fn msync(&self, len: usize) -> std::io::Result<()> {
        let len = len.min(self.len);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our mapping, and addr is page-aligned.
        if unsafe { sys::msync(self.addr as *mut c_void, len, sys::MS_SYNC) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: MappedFile drops a window only when nothing reads through it any more.
        unsafe { sys::munmap(self.addr as *mut c_void, self.len) };
    }
}
