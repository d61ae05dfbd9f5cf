//! Small safe-ish helpers over raw N-API: reading arguments, making values, throwing errors.
use crate::error::{NativeError, Result};
use crate::napi::*;
use std::ffi::CString;
use std::ptr;

/// Largest byte offset a JS number holds exactly; also far past any real file.
const MAX_OFFSET: f64 = 9_007_199_254_740_991.0;

pub unsafe fn args<const N: usize>(env: napi_env, info: napi_callback_info) -> Result<[napi_value; N]> {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    check(napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()), "arguments")?;
    Ok(argv)
}

pub fn check(status: napi_status, what: &str) -> Result<()> {
    if status == NAPI_OK {
        Ok(())
    } else {
        Err(NativeError::Invalid(format!("Node-API call failed ({}): status {}", what, status)))
    }
}

pub unsafe fn bool_arg(env: napi_env, v: napi_value, name: &str) -> Result<bool> {
    let mut b = false;
    if napi_get_value_bool(env, v, &mut b) != NAPI_OK {
        return Err(NativeError::Invalid(format!("{} must be a boolean", name)));
    }
    Ok(b)
}

/// A byte offset or length: a JS number that is a non-negative integer below 2^53 (never 32-bit).
pub unsafe fn offset_arg(env: napi_env, v: napi_value, name: &str) -> Result<u64> {
    let mut d = f64::NAN;
    napi_get_value_double(env, v, &mut d);
    if !((0.0..=MAX_OFFSET).contains(&d) && d.fract() == 0.0) {
        return Err(NativeError::Invalid(format!("{} must be an integer in [0, 2^53), got {}", name, d)));
    }
    Ok(d as u64)
}

pub unsafe fn string_arg(env: napi_env, v: napi_value, name: &str) -> Result<String> {
    let mut len = 0usize;
    if napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len) != NAPI_OK {
        return Err(NativeError::Invalid(format!("{} must be a string", name)));
    }
    let mut buf = vec![0u8; len + 1];
    check(napi_get_value_string_utf8(env, v, buf.as_mut_ptr() as *mut _, len + 1, &mut len), name)?;
    buf.truncate(len);
    String::from_utf8(buf).map_err(|_| NativeError::Invalid(format!("{} is not valid UTF-8", name)))
}

/// The bytes of a Uint8Array (a detached one has length 0). Valid until JS runs again.
pub unsafe fn bytes_arg(env: napi_env, v: napi_value, name: &str) -> Result<(*mut u8, usize)> {
    let mut is = false;
    napi_is_typedarray(env, v, &mut is);
    let (mut kind, mut len, mut data) = (-1i32, 0usize, ptr::null_mut());
    if !is || napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, ptr::null_mut(), ptr::null_mut()) != NAPI_OK || kind != NAPI_UINT8_ARRAY {
        return Err(NativeError::Invalid(format!("{} must be a Uint8Array", name)));
    }
    Ok((data as *mut u8, len))
}

pub unsafe fn number(env: napi_env, n: f64) -> Result<napi_value> {
    let mut v = ptr::null_mut();
    check(napi_create_double(env, n, &mut v), "number")?;
    Ok(v)
}

pub unsafe fn undefined(env: napi_env) -> Result<napi_value> {
    let mut v = ptr::null_mut();
    check(napi_get_undefined(env, &mut v), "undefined")?;
    Ok(v)
}

pub unsafe fn throw(env: napi_env, err: &NativeError) {
    let mut pending = false;
    napi_is_exception_pending(env, &mut pending);
    if pending {
        return;
    }
    let code = CString::new(err.code()).unwrap_or_default();
    let msg = CString::new(err.message().replace('\0', " ")).unwrap_or_default();
    napi_throw_error(env, code.as_ptr(), msg.as_ptr());
}
