/**
 * Whether this runtime can run memvec on worker threads, how many cores it has, and how a worker is
 * started. Threads need a Worker that can be sent a shared WebAssembly.Memory: worker_threads in Node,
 * Bun and Deno (spawn-node.ts); a module Worker in a browser page or worker that is cross-origin isolated
 * (COOP/COEP headers: without them postMessage refuses shared memory). workerd and Vercel Edge have
 * no Worker. Where threads are missing memvec runs on the calling thread, and `reason` says why.
 */
import { ENTRY } from '../engine/wasm-variant.js';
import { nodeThreadHost } from './spawn-node.js';
import type { ThreadHost } from './types.js';

export interface ThreadPlatform {
  /** How workers start here, or null with the reason there are none. */
  host: ThreadHost | null;
  reason: string;
  /** Whether this thread may block in Atomics.wait (not a browser's main thread): else it spins. */
  canBlock: boolean;
}

const NOT_ISOLATED = 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';

function webThreadHost(): ThreadHost | string {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker !== 'function') return 'this runtime has no Worker';
  if (g.crossOriginIsolated !== true) return NOT_ISOLATED;
  const WebWorker = g.Worker as new (url: string, options: { type: 'module' }) => Worker;
  return {
    cores: Math.max(1, g.navigator?.hardwareConcurrency ?? 1),
    kind: 'web-worker',
    readsFiles: false,
    channel: `
  const post = (m) => self.postMessage(m);
  const first = new Promise((resolve) => { self.onmessage = (e) => resolve(e.data); });
  const readAt = null;`,
    spawn(source) {
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const w = new WebWorker(url, { type: 'module' });
      return {
        unref: () => undefined,
        post: (message) => w.postMessage(message),
        onMessage: (listener) => w.addEventListener('message', (e) => listener(e.data)),
        onError: (listener) => w.addEventListener('error', (e) => listener(e.message)),
        terminate: () => {
          w.terminate();
          URL.revokeObjectURL(url);
        },
      };
    },
  };
}

function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

let platform: Promise<ThreadPlatform> | undefined;

export function threadPlatform(): Promise<ThreadPlatform> {
  platform ??= (async (): Promise<ThreadPlatform> => {
    if (typeof SharedArrayBuffer !== 'function') {
      // Browsers hide SharedArrayBuffer from pages (and their workers) that are not cross-origin
      // isolated: then the reason to give is the one the page's author can fix.
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
      return { host: null, reason: isolated === false ? NOT_ISOLATED : 'this runtime has no SharedArrayBuffer', canBlock: false };
    }
    const canBlock = mayBlock();
    if (ENTRY === 'workerd' || ENTRY === 'edge-light') return { host: null, reason: `the ${ENTRY} runtime has no worker threads`, canBlock };
    const node = ENTRY === 'browser' ? 'browser build' : await nodeThreadHost();
    const host = typeof node === 'object' ? node : webThreadHost();
    if (typeof host === 'string') return { host: null, reason: typeof node === 'string' && ENTRY !== 'browser' ? `${node}; ${host}` : host, canBlock };
    return { host, reason: `${host.kind}, ${host.cores} cores`, canBlock };
  })();
  return platform;
}
