/**
 * Loads the WASM engine. The module is compiled once per process and instantiated once per store or
 * index, so each gets its own linear memory (its own 4 GiB) and no global state is shared between them.
 */
import { MemvecError } from '../errors.js';
import type { EngineExports } from './abi.js';
import { checkEngineExports } from './abi-check.js';
import { loadEngineModule } from './wasm-source.js';
import { ENTRY, type EngineInfo, type LoadedEngineModule } from './wasm-variant.js';

/** wasm32 linear memory ends at 65536 pages of 64 KiB. */
const MAX_WASM_BYTES = 65536 * 65536;

let modulePromise: Promise<LoadedEngineModule> | undefined;

function compileEngine(): Promise<LoadedEngineModule> {
  modulePromise ??= loadEngineModule().catch((err: unknown) => {
    modulePromise = undefined;
    if (err instanceof MemvecError) throw err;
    throw new MemvecError('UNSUPPORTED', 'this runtime cannot load memvec\'s WASM engine', { cause: err });
  });
  return modulePromise;
}

/**
 * Which entry of the package this runtime resolved, how the WASM arrived, and which engine build it
 * runs ('simd', or 'scalar' where the runtime has no WASM SIMD). Loads the engine if nothing has yet.
 */
export async function engineInfo(): Promise<EngineInfo> {
  const { variant, delivery } = await compileEngine();
  return { entry: ENTRY, delivery, wasm: variant };
}

/**
 * One engine instance with typed-array views over its memory. Its raw `exports` are for the bindings
 * in src/engine/ only (flat-scan.ts, hnsw-engine.ts): code elsewhere goes through them. Views are rebuilt lazily whenever the
 * memory has grown (growth detaches the old ArrayBuffer), so callers must fetch views after any call
 * that may allocate and never keep them across such calls.
 */
export class Engine {
  private buffer: ArrayBuffer;
  private f32View: Float32Array;
  private u32View: Uint32Array;
  private u8View: Uint8Array;
  private f64View: Float64Array;

  private constructor(
    readonly exports: EngineExports,
    /** The function filter a FILTER_HOST search calls back for each slot it reaches (the engine's one import). */
    private readonly host: { filter: ((slot: number) => boolean) | null },
  ) {
    this.buffer = exports.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.u32View = new Uint32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  static async create(): Promise<Engine> {
    const { module } = await compileEngine();
    const host: { filter: ((slot: number) => boolean) | null } = { filter: null };
    const imports = {
      env: {
        // Only a FILTER_HOST search calls it, and only after setHostFilter: never with no filter set.
        filterHost: (slot: number): number => (host.filter!(slot >>> 0) ? 1 : 0),
      },
    };
    const instance = await WebAssembly.instantiate(module, imports);
    return new Engine(checkEngineExports(instance.exports), host);
  }

  /** The function a FILTER_HOST search calls back (null: none; such a search must not run). */
  setHostFilter(filter: ((slot: number) => boolean) | null): void {
    this.host.filter = filter;
  }

  private refresh(): void {
    const buffer = this.exports.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32View = new Float32Array(buffer);
    this.u32View = new Uint32Array(buffer);
    this.u8View = new Uint8Array(buffer);
    this.f64View = new Float64Array(buffer);
  }

  /** All of memory as f64; index with ptr >>> 3. */
  get f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }

  /** All of memory as f32; index with ptr >>> 2. */
  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** All of memory as u32; index with ptr >>> 2. */
  get u32(): Uint32Array {
    this.refresh();
    return this.u32View;
  }

  /** All of memory as bytes. */
  get u8(): Uint8Array {
    this.refresh();
    return this.u8View;
  }

  /** Bytes of linear memory in use now. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Allocates `bytes` in linear memory, or throws CAPACITY before the engine would trap on a failed
   * memory.grow. `what` names the allocation in the error message.
   */
  alloc(bytes: number, what: string): number {
    ensureRoom(this, bytes, what);
    const ptr = this.exports.alloc(bytes);
    if (ptr === 0) throw capacityError(what, bytes);
    return ptr;
  }

  /** Frees a block from alloc. */
  free(ptr: number): void {
    this.exports.free(ptr);
  }
}

function capacityError(what: string, bytes: number): MemvecError {
  return new MemvecError(
    'CAPACITY',
    `${what} needs ${bytes} more bytes of WASM memory, past the 4 GiB that 32-bit WebAssembly can address`,
  );
}

/**
 * Throws CAPACITY if `bytes` more could not fit in linear memory. The allocator may double memory when
 * it grows, so we leave headroom for its bookkeeping rather than trusting an exact fit.
 */
function ensureRoom(engine: Engine, bytes: number, what: string): void {
  const slack = 1 << 20;
  if (engine.memoryBytes + bytes + slack > MAX_WASM_BYTES) throw capacityError(what, bytes);
}
