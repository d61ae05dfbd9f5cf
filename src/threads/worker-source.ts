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
import { ARGS_BYTE, FAILED, FN, GEN, MAX_ARGS, PENDING, RESULTS, STOP, WORKERS } from './control.js';

/** `channel`: statements that define `post(message)` and `first` (a promise of the owner's first message). */
export const workerSource = (channel: string): string => `
(async () => {
${channel}
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
  let fns;
  try {
    const x = new WebAssembly.Instance(module, { env: { memory, futexWait, filterHost: () => 0 } }).exports;
    fns = names.map((n) => x[n]);
  } catch (err) {
    post({ error: String((err && err.stack) || err) });
    return;
  }
  post({ ready: true });
  let gen = 0;
  for (;;) {
    // Spin briefly before sleeping: a scan posts its blocks back to back.
    for (let i = 0; i < 4000 && Atomics.load(ctl, ${GEN}) === gen; i++);
    while (Atomics.load(ctl, ${GEN}) === gen) Atomics.wait(ctl, ${GEN}, gen);
    gen = Atomics.load(ctl, ${GEN});
    if (ctl[${STOP}] !== 0) break;
    if (index > ctl[${WORKERS}]) continue;
    let r = 0;
    try {
      const a = args;
      r = fns[ctl[${FN}]](index, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
    } catch (err) {
      Atomics.store(ctl, ${FAILED}, 1);
      post({ error: String((err && err.stack) || err) });
    }
    ctl[${RESULTS} + index] = r | 0;
    if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
  }
  // Stopped: the owner terminates this worker next.
})();
`;
