//! The few libc functions std does not wrap: mmap and friends, and flock. Constants are per OS because
//! they differ between Linux and macOS; other systems fail to compile, and memvec falls back to node:fs.
use std::os::raw::{c_int, c_void};

extern "C" {
    pub fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
    pub fn munmap(addr: *mut c_void, len: usize) -> c_int;
    pub fn msync(addr: *mut c_void, len: usize, flags: c_int) -> c_int;
    pub fn flock(fd: c_int, operation: c_int) -> c_int;
    pub fn sysconf(name: c_int) -> i64;
}

pub const MAP_FAILED: *mut c_void = !0usize as *mut c_void;
pub const PROT_READ: c_int = 1;
pub const PROT_WRITE: c_int = 2;
pub const MAP_SHARED: c_int = 1;
pub const LOCK_EX: c_int = 2;
pub const LOCK_NB: c_int = 4;
pub const LOCK_UN: c_int = 8;

#[cfg(target_os = "linux")]
mod os {
    use std::os::raw::c_int;
    pub const MS_SYNC: c_int = 4;
    pub const SC_PAGESIZE: c_int = 30;
}

#[cfg(target_os = "macos")]
mod os {
    use std::os::raw::c_int;
    pub const MS_SYNC: c_int = 0x10;
    pub const SC_PAGESIZE: c_int = 29;
}

pub use os::*;

pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { sysconf(SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}
