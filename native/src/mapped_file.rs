//! A file opened for memvec: an advisory lock for writers, a lazily mapped set of fixed-size windows
//! for reads, and positional writes. Knows nothing about JS; src/bindings.rs wraps it.
//!
//! Locking follows src/storage/types.ts: a writer takes flock(LOCK_EX | LOCK_NB), and readers take no
//! lock at all (the commit protocol keeps what they see whole), so a reader re-reads the file length
//! when asked for it or for bytes past what it last saw. memvec writers only ever grow a file in
//! place (compaction writes a new file and renames it), so a mapped byte below a length we have seen
//! stays valid. A foreign process that truncates the file under a mapping can still raise SIGBUS:
//! the risk every mmap user (LMDB, SQLite's mmap mode) accepts.
//!
//! Why reads go through the mapping but writes go through pwrite (LMDB makes the same choice):
//! - a read is a memcpy from the page cache with no syscall once the window is mapped;
//! - a write through a shared mapping into a hole (sparse file, disk full, quota) kills the process
//!   with SIGBUS, while pwrite returns ENOSPC as an error we can throw; pwrite also avoids a write
//!   fault per page on every first write after a sync. Both paths hit the same page cache, so the
//!   mapping sees written bytes at once.
use crate::error::{NativeError, Result};
use crate::mapping::Mapping;
use crate::sys;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

pub struct MappedFile {
    path: String,
    file: Option<File>,
    read_only: bool,
    window_bits: u32,
    /// Length last seen. For a writer it is exact: the lock keeps other writers out and only we
    /// resize. For a reader it may lag a writer elsewhere, and is refreshed on demand.
    size: u64,
    windows: BTreeMap<u64, Mapping>,
}

impl MappedFile {
    pub fn open(path: &str, create: bool, read_only: bool, window_bits: u32) -> Result<MappedFile> {
        // Windows start at multiples of their size, and mmap offsets must be page-aligned.
        if !(12..=40).contains(&window_bits) || (1usize << window_bits) < sys::page_size() {
            return Err(NativeError::Invalid(format!("window size 2^{} is out of range", window_bits)));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .create(create && !read_only)
            .open(path)
            .map_err(|e| NativeError::os("open", e))?;
        let meta = file.metadata().map_err(|e| NativeError::os("fstat", e))?;
        if !meta.is_file() {
            return Err(NativeError::os("open", std::io::Error::new(std::io::ErrorKind::Other, "not a regular file")));
        }
        // Non-blocking on purpose: a second writer must be told at once, not hang behind the first.
        // SAFETY: flock on a descriptor we own.
        if !read_only && unsafe { sys::flock(file.as_raw_fd(), sys::LOCK_EX | sys::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            return Err(if err.kind() == std::io::ErrorKind::WouldBlock {
                NativeError::Locked(path.to_string())
            } else {
                NativeError::os("flock", err)
            });
        }
        let size = file.metadata().map_err(|e| NativeError::os("fstat", e))?.len();
        Ok(MappedFile { path: path.to_string(), file: Some(file), read_only, window_bits, size, windows: BTreeMap::new() })
    }

    /// The open file's descriptor, for positional reads (pread) of the same file from other threads.
    pub fn raw_fd(&self) -> Result<i32> {
        Ok(self.file()?.as_raw_fd())
    }

    fn file(&self) -> Result<&File> {
        self.file.as_ref().ok_or_else(|| NativeError::Closed(self.path.clone()))
    }

    fn window_size(&self) -> u64 {
        1u64 << self.window_bits
    }

    pub fn size(&mut self) -> Result<u64> {
        if self.read_only {
            self.refresh_size()?;
        }
        self.file()?;
        Ok(self.size)
    }

    /// The length to bound an access ending at `end`: a reader looks again when `end` is past the
    /// length it last saw, in case a writer has grown the file since.
    fn size_for(&mut self, end: u64) -> Result<u64> {
        if self.read_only && end > self.size {
            self.refresh_size()?;
        }
        self.file()?;
        Ok(self.size)
    }

    fn refresh_size(&mut self) -> Result<()> {
        self.size = self.file()?.metadata().map_err(|e| NativeError::os("fstat", e))?.len();
        Ok(())
    }

    /// The mapping of window `index`, mapped on first use.
    fn window(&mut self, index: u64) -> Result<&Mapping> {
        if !self.windows.contains_key(&index) {
            let fd = self.file()?.as_raw_fd();
            let m = Mapping::map(fd, index << self.window_bits, self.window_size() as usize, !self.read_only)?;
            self.windows.insert(index, m);
        }
        Ok(&self.windows[&index])
    }

    /// Copies up to `len` bytes at `offset` into `into`; short only at EOF. Raw pointers and memmove
    /// semantics, as `into` is a JS buffer the mapping knows nothing about.
    ///
    /// # Safety
    /// `into` must be valid for `len` bytes of writes.
    pub unsafe fn read(&mut self, offset: u64, into: *mut u8, len: usize) -> Result<usize> {
        let size = self.size_for(offset.saturating_add(len as u64))?;
        if offset >= size {
            return Ok(0);
        }
        let n = (len as u64).min(size - offset) as usize;
        let mask = self.window_size() - 1;
        let mut done = 0usize;
        while done < n {
            let pos = offset + done as u64;
            let within = (pos & mask) as usize;
            let chunk = (n - done).min(self.window_size() as usize - within);
            let from = self.window(pos >> self.window_bits)?.ptr();
            std::ptr::copy(from.add(within), into.add(done), chunk);
            done += chunk;
        }
        Ok(n)
    }

    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        self.writable()?;
        if data.is_empty() {
            // Like pwrite, an empty write never grows the file.
            return Ok(());
        }
        let result = self.file()?.write_all_at(data, offset);
        if let Err(e) = result {
            // A partial write may still have grown the file.
            self.size = self.file()?.metadata().map(|m| m.len()).unwrap_or(self.size);
            return Err(NativeError::os("pwrite", e));
        }
        self.size = self.size.max(offset + data.len() as u64);
        Ok(())
    }

    pub fn truncate(&mut self, new_size: u64) -> Result<()> {
        self.writable()?;
        self.file()?.set_len(new_size).map_err(|e| NativeError::os("ftruncate", e))?;
        if new_size < self.size {
            let bits = self.window_bits;
            // Windows wholly past EOF are dropped to give back address space. No pointer into a
            // mapping ever leaves this crate, and reads stop at the length, so nothing can reach the
            // pages past the new EOF of the others (touching them would be SIGBUS).
            self.windows.retain(|&index, _| (index << bits) < new_size);
        }
        self.size = new_size;
        Ok(())
    }

    /// Durable on return: msync(MS_SYNC) of every mapped byte, then fdatasync for everything pwrite put in the page cache and for the file length.
    pub fn sync(&mut self) -> Result<()> {
        self.file()?;
        if self.read_only {
            return Ok(());
        }
        let (size, bits) = (self.size, self.window_bits);
        for (&index, m) in &self.windows {
            let base = index << bits;
            if base < size {
                m.msync((size - base) as usize).map_err(|e| NativeError::os("msync", e))?;
            }
        }
        self.file()?.sync_data().map_err(|e| NativeError::os("fdatasync", e))
    }

    /// Releases the lock and the descriptor. Idempotent.
    pub fn close(&mut self) {
        // A match rather than let-else keeps the crate building with Debian's rustc 1.63.
        let file = match self.file.take() {
            Some(file) => file,
            None => return,
        };
        // SAFETY: flock on a descriptor we still own. (Closing would release it too; unlocking first
        // says so plainly.)
        unsafe { sys::flock(file.as_raw_fd(), sys::LOCK_UN) };
        self.windows.clear();
        drop(file);
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(NativeError::Invalid(format!("{} is open read-only", self.path)));
        }
        Ok(())
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        self.close();
    }
}
