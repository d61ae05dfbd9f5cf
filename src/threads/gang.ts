/**
 * The owner's side of a gang of worker threads on one engine's shared memory. The owner (the thread
 * that called memvec) takes part in every job as thread 0, so `threads: 2` means the caller and one
 * worker, never more threads than asked for. Jobs are posted through a control block in a
 * SharedArrayBuffer (control.ts), not by message: a job starts without a message round trip, and the owner can wait
 * for it synchronously, which is what lets synchronous calls (searchBatch, cosineSearch) run on
 * threads. The owner blocks in Atomics.wait where it may, and spins where it may not (a browser's main
 * thread), after doing its own share of the job.
 *
 * Workers start lazily (start()), are reused for every job, never keep a process alive (unref), and
 * stop on close(). A worker's error is a bug in memvec (a trap in the engine): run() throws INTERNAL.
 */
import { MemvecError } from '../errors.js';
import {
  ARGS_BYTE, CONTROL_BYTES, ERROR_BYTE, ERROR_LENGTH, FAILED, FN, GEN, GEN_WORKER_BITS, MAX_ARGS, MAX_GANG, PENDING, RESULTS, STOP,
} from './control.js';
import type { ThreadHost, WorkerPort } from './types.js';
import { workerSource } from './worker-source.js';

/** How long a worker may take to start before the call gives up on it. */
const START_MS = 60_000;

export class Gang {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  private readonly args = new Float64Array(this.ctl.buffer, ARGS_BYTE, MAX_ARGS);
  private workers: WorkerPort[] = [];
  private starting: Promise<void> | null = null;
  /** The rejections of workers still starting: close() ends their wait. */
  private unstarted = new Set<(err: Error) => void>();
  private running = false;
  /** Workers taking part in the posted job (1..this). */
  private workersInJob = 0;
  private closed = false;
  /** Workers ready for jobs (0 until start() resolved). */
  ready = 0;

  /** Whether the workers can read a file descriptor themselves (the readScan job). */
  get readsFiles(): boolean {
    return this.host.readsFiles;
  }

  constructor(
    private readonly host: ThreadHost,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** The engine exports jobs may name, in the order run() refers to them. */
    private readonly names: readonly string[],
    private readonly canBlock: boolean,
  ) {}

  /**
   * Starts workers until there are `workers` of them (at most MAX_GANG - 1); resolves when all are
   * ready. Rejects if a worker cannot start: the caller then runs on one thread.
   */
  start(workers: number): Promise<void> {
    const want = Math.min(workers, MAX_GANG - 1);
    if (this.closed) return Promise.reject(new MemvecError('CLOSED', 'the worker threads were shut down'));
    if (want <= this.workers.length) return this.starting ?? Promise.resolve();
    const before = this.starting ?? Promise.resolve();
    const more: Array<Promise<void>> = [];
    for (let i = this.workers.length + 1; i <= want; i++) more.push(this.spawn(i));
    this.starting = before.then(() => Promise.all(more)).then(() => {
      if (!this.closed) this.ready = this.workers.length;
    });
    return this.starting;
  }

  private spawn(index: number): Promise<void> {
    const w = this.host.spawn(workerSource(this.host.channel));
    this.workers.push(w);
    return new Promise<void>((resolve, reject) => {
      this.unstarted.add(reject);
      // A worker that neither starts nor reports why (a host that drops its error) must not hang the
      // call waiting for it: the caller then runs on one thread.
      const timer = setTimeout(() => reject(new MemvecError('INTERNAL', `a memvec worker thread did not start within ${START_MS / 1000} s`)), START_MS);
      (timer as { unref?: () => void }).unref?.();
      w.onMessage((m) => {
        const msg = m as { ready?: boolean; error?: string };
        if (msg.ready === true) {
          clearTimeout(timer);
          this.unstarted.delete(reject);
          w.unref();
          resolve();
        }
        else if (typeof msg.error === 'string') {
          reject(new MemvecError('INTERNAL', `a memvec worker thread failed: ${msg.error}`));
        }
      });
      w.onError((err) => {
        reject(new MemvecError('INTERNAL', `a memvec worker thread failed to start: ${String(err)}`));
      });
      w.post({ module: this.module, memory: this.memory, control: this.ctl.buffer, index, names: this.names });
    });
  }

  /**
   * Posts job `fn` (an index into names) with `args` to workers 1..workers; the workers start at once.
   * The owner then does its own share and calls join(). One job at a time.
   */
  post(fn: number, workers: number, args: readonly number[]): void {
    if (this.running) throw new MemvecError('INTERNAL', 'a job was posted to worker threads that are still busy');
    const n = Math.min(workers, this.ready);
    const ctl = this.ctl;
    for (let i = 0; i < MAX_ARGS; i++) this.args[i] = args[i] ?? 0;
    ctl[FN] = fn;
    ctl[FAILED] = 0;
    ctl[ERROR_LENGTH] = 0;
    Atomics.store(ctl, PENDING, n);
    this.running = true;
    this.workersInJob = n;
    // The next job number, with the workers taking part in the low bits (control.ts GEN).
    const sequence = (Atomics.load(ctl, GEN) >>> GEN_WORKER_BITS) + 1;
    Atomics.store(ctl, GEN, ((sequence << GEN_WORKER_BITS) | n) & 0x7fffffff);
    Atomics.notify(ctl, GEN);
  }

  /** Waits for the posted job's workers; returns their results (worker t's at index t - 1). */
  join(): number[] {
    const ctl = this.ctl;
    for (;;) {
      const left = Atomics.load(ctl, PENDING);
      if (left === 0) break;
      if (this.canBlock) Atomics.wait(ctl, PENDING, left);
    }
    this.running = false;
    if (ctl[FAILED] !== 0) {
      // slice() copies out of the SharedArrayBuffer: TextDecoder will not read a shared view.
      const text = new TextDecoder().decode(new Uint8Array(ctl.buffer, ERROR_BYTE, ctl[ERROR_LENGTH]).slice());
      throw new MemvecError('INTERNAL', `a memvec worker thread failed: ${text}`);
    }
    const out: number[] = [];
    for (let t = 1; t <= this.workersInJob; t++) out.push(ctl[RESULTS + t]!);
    return out;
  }

  /** post(), then `own` on this thread as thread 0, then join(): the results, the owner's first. */
  run(fn: number, workers: number, args: readonly number[], own: () => number): number[] {
    this.post(fn, workers, args);
    let mine = 0;
    let failure: { err: unknown } | null = null;
    try {
      mine = own();
    } catch (err) {
      failure = { err };
    }
    // The workers must be done before anything else touches what they work on, even after a throw.
    const theirs = this.join();
    if (failure !== null) throw failure.err;
    return [mine, ...theirs];
  }

  /** Stops the workers; the gang takes no more jobs. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready = 0;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1 << GEN_WORKER_BITS);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
    this.workers = [];
    for (const reject of this.unstarted) reject(new MemvecError('CLOSED', 'the worker threads were shut down'));
    this.unstarted.clear();
  }
}
