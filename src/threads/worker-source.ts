/**
 * The source of a memvec worker thread, inlined as a string so that no worker file has to be found at
 * run time (no path resolution, no bundler setting): Node, Bun and Deno run it with worker_threads
 * (`eval`), browsers as a module Worker from a blob: URL (docs/threads-spike.md section 4).
 *
 * How a worker talks to its owner is the host's part (ThreadHost.channel: worker_threads' parentPort
 * in spawn-node.ts, `self` in platform.ts), so the browser and edge builds, which leave spawn-node.ts
 * out, carry no `node:worker_threads` import even inside this string (bundlers and checks that scan
 * for node: imports would see one).
 *
 * A worker instantiates the engine module it is sent on the owner's shared memory WITHOUT running its
 * start function (which would re-initialize the owner's allocator) and never allocates. Then it loops:
 * it sleeps on the control block's generation word (Atomics.wait), runs the job the owner posted there
 * (an engine export, called with its thread index and the job's arguments), stores the result, and
 * counts itself done. gang.ts is the owner's side and documents the control block.
 */
import {
  ARGS_BYTE, ERROR_BYTE, ERROR_LENGTH, ERROR_MAX_BYTES, FAILED, FN, GEN, GEN_WORKER_BITS, MAX_ARGS, PENDING, RESULTS, STOP,
} from './control.js';

/**
 * `channel`: statements that define `post(message)`, `first` (a promise of the owner's first message)
 * and `readAt(fd, view, position)` (pread into `view`, the bytes read; null where there are no
 * descriptors).
 */
export const workerSource = (channel: string): string => `
(async () => {
${channel}
  try {
    await main();
  } catch (err) {
    // Whatever fails outside a job is reported, so that the owner's start() never waits for nothing.
    post({ error: String((err && err.stack) || err) });
  }

async function main() {
  const init = await first;
  const { module, memory, control, index, names } = init;
  const ctl = new Int32Array(control);
  const args = new Float64Array(control, ${ARGS_BYTE}, ${MAX_ARGS});
  let words = new Int32Array(memory.buffer);
  // A contended lock's slow path (assembly/locks.ts): a worker may always block.
  const futexWait = (p, v) => {
    if (words.length * 4 !== memory.buffer.byteLength) words = new Int32Array(memory.buffer);
    Atomics.wait(words, p >>> 2, v);
  };
  // A function filter is JS on the owner's thread: the engine never sends a worker one (hnswSearchBatchPart
  // refuses it), and if it ever did, the job must fail loudly rather than filter everything out.
  const noHostFilter = () => {
    throw new Error('memvec: a function filter reached a worker thread');
  };
  const x = new WebAssembly.Instance(module, { env: { memory, futexWait, filterHost: noHostFilter } }).exports;
  // One job is JS: worker t reads its share of a file scan itself (pread on a descriptor of the owner's
  // open file, which the mapping behind it cannot give another thread) into its own buffer, and scans
  // each run it claims with flatScanPart into its own heap (src/flat/scanner.ts scanParallelReads).
  const readScan = (t, fd, runs, nRuns, claim, buffers, heaps, kind, query, queryNorm, dim, deleted, codeBytes) => {
    const buf = memory.buffer;
    const i32 = new Int32Array(buf);
    const u32 = new Uint32Array(buf);
    const f64 = new Float64Array(buf);
    const at = u32[(buffers >>> 2) + t];
    const own = claim + 4 + 4 * t;
    for (;;) {
      const i = Atomics.add(i32, claim >>> 2, 1);
      if (i >= nRuns) return 0;
      // Run entries are 16 bytes: the file offset (f64), the first id and the count (u32).
      const r = (runs >>> 2) + 4 * i;
      const count = u32[r + 3];
      const bytes = count * codeBytes;
      if (readAt(fd, new Uint8Array(buf, at, bytes), f64[r >>> 1]) !== bytes) return 1;
      u32[own >>> 2] = 0;
      x.flatScanPart(t, heaps, own, kind, query, queryNorm, at, count, dim, u32[r + 2], deleted, count);
    }
  };
  const fns = names.map((n) => (n === 'readScan' ? readScan : x[n]));
  post({ ready: true });
  let gen = 0;
  for (;;) {
    // Spin briefly before sleeping: a scan posts its blocks back to back.
    for (let i = 0; i < 4000 && Atomics.load(ctl, ${GEN}) === gen; i++);
    while (Atomics.load(ctl, ${GEN}) === gen) Atomics.wait(ctl, ${GEN}, gen);
    gen = Atomics.load(ctl, ${GEN});
    if (ctl[${STOP}] !== 0) break;
    // Whether this worker takes part comes from the same read as the job's number (control.ts GEN).
    if (index > (gen & ${(1 << GEN_WORKER_BITS) - 1})) continue;
    let r = 0;
    try {
      const a = args;
      r = fns[ctl[${FN}]](index, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
    } catch (err) {
      const text = String((err && err.stack) || err);
      // The first failure's text goes where the owner's join reads it, before this worker counts itself done.
      if (Atomics.compareExchange(ctl, ${FAILED}, 0, 1) === 0) {
        const bytes = new TextEncoder().encode(text).subarray(0, ${ERROR_MAX_BYTES});
        new Uint8Array(control, ${ERROR_BYTE}, ${ERROR_MAX_BYTES}).set(bytes);
        Atomics.store(ctl, ${ERROR_LENGTH}, bytes.length);
      }
    }
    ctl[${RESULTS} + index] = r | 0;
    if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
  }
  // Stopped: the owner terminates this worker next.
}
})();
`;
