/**
 * Loads the WASM engine. The module is compiled once per process and instantiated once per store or
 * index, so each gets its own linear memory (its own 4 GiB) and no global state is shared between them.
 */
import { MemvecError } from '../errors.js';
import type { EngineExports } from './abi.js';
import { checkEngineExports } from './abi-check.js';
import { loadEngineModule } from './wasm-source.js';
import { ENTRY, type EngineInfo, type LoadedEngineModule } from './wasm-variant.js';
import { chooseThreads, type ThreadChoice } from '../threads/choose.js';
import { Gang } from '../threads/gang.js';

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
 * Which entry of the package this runtime resolved, how the WASM arrived, which engine build it
 * runs ('simd', or 'scalar' where the runtime has no WASM SIMD), and how many threads an index or store
 * runs its parallel calls on by default, and why. Loads the engine if nothing has yet.
 */
export async function engineInfo(): Promise<EngineInfo> {
  const { variant, delivery } = await compileEngine();
  const { threads, reason } = await chooseThreads(undefined);
  return { entry: ENTRY, delivery, wasm: variant, threads, threadsReason: reason };
}

/**
 * The jobs a worker thread may run, by index (gang.ts): engine exports, and readScan, which the worker
 * itself defines (worker-source.ts) around flatScanPart.
 */
export const JOBS = ['hnswSearchBatchPart', 'hnswParallelInsert', 'flatScanPart', 'readScan'] as const;

/** Stops an engine's workers once the engine itself is garbage (an index that was never closed). */
const orphanedGangs = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Gang>((gang) => gang.close()) : null;

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

  /** The workers of a threaded engine, started on first use (gang.ts); null until then and when single-threaded. */
  private gang: Gang | null = null;
  /** No workers from now on: they failed to start, or the engine was closed. */
  private workersOff = false;

  private constructor(
    readonly exports: EngineExports,
    /** The function filter a FILTER_HOST search calls back for each slot it reaches. */
    private readonly host: { filter: ((slot: number) => boolean) | null },
    /** What the threads option resolved to: threads > 1 means this instance runs the threads build. */
    readonly threading: ThreadChoice,
  ) {
    this.buffer = exports.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.u32View = new Uint32Array(this.buffer);
    this.u8View = new Uint8Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  /**
   * A fresh instance. `threads` (default: every core) decides the build: with more than one thread
   * available, the threads build on a shared memory that workers can join; else the single-threaded one.
   */
  static async create(threads?: number): Promise<Engine> {
    const host: { filter: ((slot: number) => boolean) | null } = { filter: null };
    // Only a FILTER_HOST search calls it, and only after setHostFilter: never with no filter set.
    const filterHost = (slot: number): number => (host.filter!(slot >>> 0) ? 1 : 0);
    const [{ module }, choice] = await Promise.all([compileEngine(), chooseThreads(threads)]);
    if (choice.module === null) {
      const instance = await WebAssembly.instantiate(module, { env: { filterHost } });
      return new Engine(checkEngineExports(instance.exports), host, choice);
    }
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    } catch (err) {
      // A runtime that will not reserve 4 GiB of shared memory: one thread, saying why.
      const instance = await WebAssembly.instantiate(module, { env: { filterHost } });
      const reason = `a shared WebAssembly.Memory could not be made (${String(err)})`;
      return new Engine(checkEngineExports(instance.exports), host, { ...choice, threads: 1, reason, module: null });
    }
    let words = new Int32Array(memory.buffer);
    // A contended lock's slow path (assembly/locks.ts); where this thread may not block it spins instead.
    const futexWait = (ptr: number, value: number): void => {
      if (!choice.platform.canBlock) return;
      if (words.length * 4 !== memory.buffer.byteLength) words = new Int32Array(memory.buffer);
      Atomics.wait(words, ptr >>> 2, value);
    };
    const instance = await WebAssembly.instantiate(choice.module, { env: { memory, filterHost, futexWait } });
    // The start function initializes the allocator: the owner runs it, once; workers never do.
    (instance.exports['_start'] as () => void)();
    return new Engine(checkEngineExports(instance.exports), host, choice);
  }

  /** Worker threads started and ready now (0 before the first parallel call and after close). */
  get workersReady(): number {
    return this.gang?.ready ?? 0;
  }

  /** How many threads this engine's parallel calls may use (1: single-threaded build). */
  get threads(): number {
    return this.threading.threads;
  }

  /**
   * Workers for a parallel call on `threads` threads (the caller's included), or null to run on this
   * thread: single-threaded, or the workers are not up yet. The first call starts them in the
   * background (await startWorkers to wait for them instead).
   */
  workers(threads: number): Gang | null {
    if (threads <= 1 || this.threading.threads <= 1 || this.workersOff) return null;
    const gang = this.ensureGang();
    const want = Math.min(threads, this.threading.threads) - 1;
    if (gang.ready >= want) return gang;
    void this.startWorkers(threads);
    return gang.ready > 0 ? gang : null;
  }

  /** Starts workers for calls on `threads` threads and waits for them; false if they could not start. */
  async startWorkers(threads: number): Promise<boolean> {
    if (threads <= 1 || this.threading.threads <= 1 || this.workersOff) return false;
    const gang = this.ensureGang();
    try {
      await gang.start(Math.min(threads, this.threading.threads) - 1);
      return true;
    } catch (err) {
      // Closed meanwhile (the caller finds out itself), or the workers failed: then run on one thread
      // from now on, and say why once.
      if (!this.workersOff) console.warn(`memvec: worker threads did not start (${String(err)}); running on one thread`);
      this.workersOff = true;
      gang.close();
      return false;
    }
  }

  private ensureGang(): Gang {
    if (this.gang === null) {
      const { module, platform } = this.threading;
      this.gang = new Gang(platform.host!, module!, this.exports.memory, JOBS, platform.canBlock);
      orphanedGangs?.register(this, this.gang, this);
    }
    return this.gang;
  }

  /** Stops this engine's workers (the engine stays usable, on one thread, until garbage). */
  close(): void {
    if (this.gang === null) return;
    orphanedGangs?.unregister(this);
    this.gang.close();
    this.gang = null;
    this.workersOff = true;
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
