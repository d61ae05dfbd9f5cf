// Unmanaged allocation for the facade: scratch buffers, query slots, result arrays.
// TLSF (runtime minimal) returns 16-byte aligned blocks, which keeps v128 loads aligned.

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
