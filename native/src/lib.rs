//! memvec's native addon: memory-mapped reads, positional writes, msync/fdatasync and flock for the
//! 'mmap' storage backend (src/storage/mmap.ts). Built with no dependencies; see Cargo.toml.
mod bindings;
mod error;
mod js;
mod mapped_file;
mod mapping;
mod napi;
mod sys;

/// The N-API version we need: 8 for type tags (7 for detaching ArrayBuffers).
const NAPI_VERSION: i32 = 8;

/// # Safety
/// Called once per JS environment by Node, Bun or Deno with a live `env` and `exports` object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi::napi_env, exports: napi::napi_value) -> napi::napi_value {
    bindings::register(env, exports)
}

#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    NAPI_VERSION
}
