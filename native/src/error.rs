//! Errors that cross into JS as thrown Error objects. `code` is the errno name for OS failures, or
//! LOCKED / CLOSED / INVALID_ARGUMENT / INTERNAL (memvec's own codes) so src/storage/mmap.ts can map them to
//! MemvecError codes without parsing messages.
use std::io;

pub enum NativeError {
    /// An OS call failed; `what` names the call, e.g. "open"; the caller adds the path.
    Os { what: String, err: io::Error },
    /// Another process (or another handle in this process) holds a conflicting flock.
    Locked(String),
    /// A bad argument from JS or an operation the handle does not allow.
    Invalid(String),
    /// The handle was closed.
    Closed(String),
    /// A fault of the addon itself (a panic), not of the caller's arguments.
    Internal(String),
}

pub type Result<T> = std::result::Result<T, NativeError>;

impl NativeError {
    pub fn os(what: impl Into<String>, err: io::Error) -> Self {
        NativeError::Os { what: what.into(), err }
    }

    pub fn last_os(what: impl Into<String>) -> Self {
        NativeError::os(what, io::Error::last_os_error())
    }

    pub fn code(&self) -> &'static str {
        match self {
            NativeError::Os { err, .. } => err.raw_os_error().map_or("EIO", errno_name),
            NativeError::Locked(_) => "LOCKED",
            NativeError::Invalid(_) => "INVALID_ARGUMENT",
            NativeError::Closed(_) => "CLOSED",
            NativeError::Internal(_) => "INTERNAL",
        }
    }

    pub fn message(&self) -> String {
        match self {
            NativeError::Os { what, err } => {
                // "No such file or directory (os error 2)" → "open: No such file or directory (ENOENT)"
                let text = err.to_string();
                let text = text.split(" (os error").next().unwrap_or(&text).to_string();
                format!("{}: {} ({})", what, text, self.code())
            }
            NativeError::Locked(path) => format!("{} is locked by another handle, in this process or another", path),
            NativeError::Invalid(msg) | NativeError::Internal(msg) => msg.clone(),
            NativeError::Closed(path) => format!("file {} is closed", path),
        }
    }
}

/// Names for the errno values a file backend can plausibly meet (Linux and macOS share these numbers
/// except where noted); anything else is reported as EIO with the OS message intact.
fn errno_name(errno: i32) -> &'static str {
    match errno {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        9 => "EBADF",
        12 => "ENOMEM",
        13 => "EACCES",
        16 => "EBUSY",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        23 => "ENFILE",
        24 => "EMFILE",
        27 => "EFBIG",
        28 => "ENOSPC",
        30 => "EROFS",
        #[cfg(target_os = "linux")]
        11 => "EAGAIN",
        #[cfg(target_os = "linux")]
        19 => "ENODEV",
        #[cfg(target_os = "linux")]
        36 => "ENAMETOOLONG",
        #[cfg(target_os = "linux")]
        122 => "EDQUOT",
        #[cfg(target_os = "macos")]
        35 => "EAGAIN",
        #[cfg(target_os = "macos")]
        63 => "ENAMETOOLONG",
        #[cfg(target_os = "macos")]
        69 => "EDQUOT",
        _ => "EIO",
    }
}
