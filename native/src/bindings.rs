//! The functions JS calls. A file handle is an External carrying a type tag, so a wrong object is
//! rejected instead of being dereferenced. Every byte crosses as a copy (read/write): no pointer into
//! a mapping is ever handed to JS, so none can outlive or outrun it.
use crate::error::{NativeError, Result};
use crate::js::*;
use crate::mapped_file::MappedFile;
use crate::napi::*;
use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// 1 GiB windows: few enough mappings for any file, small enough that a window fits any runtime's
/// ArrayBuffer limit and a 32-bit length.
pub const DEFAULT_WINDOW_BITS: u32 = 30;

const HANDLE_TAG: napi_type_tag = napi_type_tag { lower: 0x6d65_6d76_6563_6d6d, upper: 0x6170_6669_6c65_0001 };

struct Handle {
    file: MappedFile,
}

/// Runs a callback body, turning errors and panics into thrown JS errors.
unsafe fn call(env: napi_env, body: impl FnOnce() -> Result<napi_value>) -> napi_value {
    let err = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(_) => NativeError::Internal("internal error in memvec's native addon (a panic): this is a bug in memvec".into()),
    };
    throw(env, &err);
    ptr::null_mut()
}

unsafe fn handle<'a>(env: napi_env, v: napi_value) -> Result<&'a mut Handle> {
    let mut kind = -1;
    let mut tagged = false;
    napi_typeof(env, v, &mut kind);
    if kind == NAPI_EXTERNAL {
        napi_check_object_type_tag(env, v, &HANDLE_TAG, &mut tagged);
    }
    let mut data = ptr::null_mut();
    if !tagged || napi_get_value_external(env, v, &mut data) != NAPI_OK || data.is_null() {
        return Err(NativeError::Invalid("not a memvec file handle".into()));
    }
    Ok(&mut *(data as *mut Handle))
}

unsafe extern "C" fn finalize_handle(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    // Closing here covers a handle dropped without close().
    let mut h = Box::from_raw(data as *mut Handle);
    h.file.close();
}

/// open(path, create, readOnly, windowBits?) → handle. A writer takes an exclusive flock and throws
/// code LOCKED at once if another handle, in any process, has the file open for writing.
unsafe extern "C" fn js_open(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [path, create, read_only, bits] = args::<4>(env, info)?;
        let path = string_arg(env, path, "path")?;
        let mut kind = -1;
        napi_typeof(env, bits, &mut kind);
        let bits = if kind == 0 { DEFAULT_WINDOW_BITS } else { offset_arg(env, bits, "windowBits")? as u32 };
        let file = MappedFile::open(&path, bool_arg(env, create, "create")?, bool_arg(env, read_only, "readOnly")?, bits)?;
        let data = Box::into_raw(Box::new(Handle { file }));
        let mut v = ptr::null_mut();
        if let Err(e) = check(napi_create_external(env, data as *mut c_void, finalize_handle, ptr::null_mut(), &mut v), "external") {
            drop(Box::from_raw(data));
            return Err(e);
        }
        check(napi_type_tag_object(env, v, &HANDLE_TAG), "type tag")?;
        Ok(v)
    })
}

unsafe extern "C" fn js_close(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h] = args::<1>(env, info)?;
        handle(env, h)?.file.close();
        undefined(env)
    })
}

unsafe extern "C" fn js_size(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h] = args::<1>(env, info)?;
        number(env, handle(env, h)?.file.size()? as f64)
    })
}

/// read(handle, offset, into) → bytes read: a memcpy from the mapping, split at window boundaries.
unsafe extern "C" fn js_read(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h, offset, into] = args::<3>(env, info)?;
        let h = handle(env, h)?;
        let offset = offset_arg(env, offset, "offset")?;
        let (ptr, len) = bytes_arg(env, into, "into")?;
        number(env, h.file.read(offset, ptr, len)? as f64)
    })
}

/// write(handle, offset, data): pwrite, growing the file as needed.
unsafe extern "C" fn js_write(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h, offset, data] = args::<3>(env, info)?;
        let h = handle(env, h)?;
        let offset = offset_arg(env, offset, "offset")?;
        let (ptr, len) = bytes_arg(env, data, "data")?;
        let data = if len == 0 { &[][..] } else { std::slice::from_raw_parts(ptr, len) };
        h.file.write(offset, data)?;
        undefined(env)
    })
}

unsafe extern "C" fn js_truncate(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h, size] = args::<2>(env, info)?;
        let h = handle(env, h)?;
        let size = offset_arg(env, size, "size")?;
        h.file.truncate(size)?;
        undefined(env)
    })
}

/// fd(handle) → the descriptor of the open file: worker threads read the same file with pread
/// (src/flat/scanner.ts), since the mapping itself lives in the main thread's isolate.
unsafe extern "C" fn js_fd(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h] = args::<1>(env, info)?;
        number(env, handle(env, h)?.file.raw_fd()? as f64)
    })
}

unsafe extern "C" fn js_sync(env: napi_env, info: napi_callback_info) -> napi_value {
    call(env, || {
        let [h] = args::<1>(env, info)?;
        handle(env, h)?.file.sync()?;
        undefined(env)
    })
}

pub unsafe fn register(env: napi_env, exports: napi_value) -> napi_value {
    let functions: [(&[u8], napi_callback); 8] = [
        (b"open\0", js_open),
        (b"close\0", js_close),
        (b"size\0", js_size),
        (b"read\0", js_read),
        (b"write\0", js_write),
        (b"truncate\0", js_truncate),
        (b"sync\0", js_sync),
        (b"fd\0", js_fd),
    ];
    for (name, f) in functions {
        let mut v = ptr::null_mut();
        if napi_create_function(env, name.as_ptr() as *const _, name.len() - 1, f, ptr::null_mut(), &mut v) == NAPI_OK {
            napi_set_named_property(env, exports, name.as_ptr() as *const _, v);
        }
    }
    exports
}
