/**
 * Worker threads in Node, Bun and Deno: node:worker_threads (Deno's web Worker has no unref(), and
 * would keep the process alive). Replaced by spawn-node.unavailable.ts in the browser and edge builds
 * (tsup.config.ts), which must not import node: modules.
 */
import type { ThreadHost } from './types.js';

export async function nodeThreadHost(): Promise<ThreadHost | string> {
  let wt: typeof import('node:worker_threads');
  let os: typeof import('node:os');
  try {
    wt = await import('node:worker_threads');
    os = await import('node:os');
  } catch {
    return 'this runtime has no node:worker_threads';
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    cores: Math.max(1, cores),
    kind: 'worker_threads',
    // Deno's descriptors belong to the isolate that opened them (a worker's read of one is EBADF).
    readsFiles: typeof (globalThis as { Deno?: unknown }).Deno === 'undefined',
    // An eval'd worker has require in Node and Bun; Deno runs it as a web worker (self) or module.
    channel: `
  const wt = typeof require === 'function' ? require('node:worker_threads')
    : typeof self === 'undefined' || typeof self.postMessage !== 'function' ? await import('node:worker_threads') : null;
  const post = (m) => (wt ? wt.parentPort.postMessage(m) : self.postMessage(m));
  const first = new Promise((resolve) => {
    if (wt) wt.parentPort.once('message', resolve);
    else self.onmessage = (e) => resolve(e.data);
  });
  const fs = typeof require === 'function' ? require('node:fs') : await import('node:fs');
  const readAt = (fd, view, position) => {
    let done = 0;
    while (done < view.length) {
      const n = fs.readSync(fd, view, done, view.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  };`,
    spawn(source) {
      const w = new wt.Worker(source, { eval: true });
      return {
        // Once ready: idle workers never keep the process alive (they sleep in Atomics.wait between
        // jobs). Not before: a process waiting only for a worker to start (Deno) would exit instead.
        unref: () => void w.unref(),
        post: (message) => w.postMessage(message),
        onMessage: (listener) => w.on('message', listener),
        onError: (listener) => w.on('error', listener),
        terminate: () => void w.terminate(),
      };
    },
  };
}
