/**
 * A block of engine memory that is reused across calls and only grows: query slots, scan scratch,
 * result arrays. Growing checks the 4 GiB ceiling first (Engine.alloc), so a too-large request throws
 * CAPACITY instead of trapping inside the engine.
 */
import type { Engine } from './engine.js';

export class WasmBuffer {
  ptr = 0;
  bytes = 0;

  constructor(
    private readonly engine: Engine,
    private readonly what: string,
  ) {}

  /** Ensures room for `bytes`; keeps the old contents (zero-filling the new tail) when `keep` is true. */
  ensure(bytes: number, keep = false): number {
    if (bytes <= this.bytes) return this.ptr;
    const size = Math.max(bytes, Math.min(this.bytes * 2, bytes + (64 << 20)), 64);
    const ptr = this.engine.alloc(size, this.what);
    const u8 = this.engine.u8;
    if (keep && this.ptr !== 0) u8.copyWithin(ptr, this.ptr, this.ptr + this.bytes);
    u8.fill(0, ptr + (keep ? this.bytes : 0), ptr + size);
    if (this.ptr !== 0) this.engine.free(this.ptr);
    this.ptr = ptr;
    this.bytes = size;
    return ptr;
  }

  /** Frees the block; the buffer is empty again (and may be grown anew). */
  release(): void {
    if (this.ptr !== 0) this.engine.free(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }

  /** A byte view of the first `length` bytes, valid until the next call that may grow memory. */
  view(length = this.bytes): Uint8Array {
    return this.engine.u8.subarray(this.ptr, this.ptr + length);
  }
}
