// The index Worker: memvec's HnswIndex lives here, because OPFS (memvec's 'opfs' backend) needs a
// dedicated Worker's sync access handles, and because a 70,000-image build must not freeze the page.
// First visit: build in memory with batchInsert (progress to the page), then save() a snapshot to OPFS.
// Later visits: load() that snapshot from OPFS, which takes a fraction of a second instead of the build.
import { HnswIndex } from 'memvec';
import { INDEX_PARAMS, INDEX_PATH, K, type FromWorker, type ToWorker } from './protocol.js';

type Meta = { label: string };

let index: HnswIndex<Meta> | null = null;
let images: Uint8Array = new Uint8Array(0);
let pixels = 0;

const send = (msg: FromWorker): void => postMessage(msg);

/** Whether the saved index is in OPFS, asked of OPFS itself (a missing file is the normal first visit). */
async function savedIndexExists(): Promise<boolean> {
  const parts = INDEX_PATH.split('/');
  try {
    let dir = await navigator.storage.getDirectory();
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
    await dir.getFileHandle(parts[parts.length - 1]!);
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFoundError') return false;
    throw err;
  }
}

/** Pixels 0..255 → floats 0..1; the cosine metric makes the scale irrelevant, but keeps them readable. */
function vectorOf(item: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = images[item * pixels + i]! / 255;
  return out;
}

async function build(labels: Uint8Array, labelNames: string[]): Promise<{ buildMs: number; saveMs?: number; note?: string }> {
  const count = labels.length;
  const flat = new Float32Array(count * pixels);
  for (let i = 0; i < flat.length; i++) flat[i] = images[i]! / 255;
  const keys = Array.from({ length: count }, (_, i) => String(i));
  const metadata = Array.from(labels, (l) => ({ label: labelNames[l]! }));

  const t0 = performance.now();
  const fresh = await HnswIndex.create<Meta>({ dimension: pixels, metric: 'cosine', ...INDEX_PARAMS });
  let lastSent = -1;
  await fresh.batchInsert(flat, keys, metadata, {
    onProgress: (done, total) => {
      // About 200 updates for the whole build: enough for a smooth bar, few enough to cost nothing.
      const step = Math.floor((done * 200) / Math.max(total, 1));
      if (step !== lastSent || done === total) {
        lastSent = step;
        send({ type: 'progress', done, total });
      }
    },
  });
  const buildMs = performance.now() - t0;
  index = fresh;
  const t1 = performance.now();
  try {
    await fresh.save(INDEX_PATH, { backend: 'opfs' });
  } catch (err) {
    // Another tab saving the same file (LOCKED), or no room left (IO): the index still works for this
    // visit, it just is not kept. save() is atomic, so no half-written file is left behind either way.
    return { buildMs, note: `not saved to OPFS, the next visit builds again: ${String(err)}` };
  }
  return { buildMs, saveMs: performance.now() - t1 };
}

async function init(msg: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  images = msg.images;
  pixels = msg.pixels;
  const count = msg.labels.length;
  let note: string | undefined;
  if (await savedIndexExists()) {
    const t0 = performance.now();
    try {
      const loaded = await HnswIndex.load<Meta>(INDEX_PATH, { backend: 'opfs' });
      const openMs = performance.now() - t0;
      if (loaded.size() === count && loaded.dimension === pixels) {
        index = loaded;
        send({ type: 'ready', source: 'opfs', size: loaded.size(), openMs });
        return;
      }
      loaded.close();
      note = `the saved index held ${loaded.size()} images, not ${count}: rebuilt`;
    } catch (err) {
      // A damaged or foreign file (CORRUPT_FILE, UNSUPPORTED_VERSION...): say so, and build a new one.
      note = `the saved index could not be loaded (${String(err)}): rebuilt`;
    }
  }
  const built = await build(msg.labels, msg.labelNames);
  const notes = [note, built.note].filter((n) => n !== undefined).join('; ');
  send({ type: 'ready', source: 'built', size: index!.size(), buildMs: built.buildMs, ...(built.saveMs === undefined ? {} : { saveMs: built.saveMs }), ...(notes ? { note: notes } : {}) });
}

function search(msg: Extract<ToWorker, { type: 'search' }>): void {
  const t0 = performance.now();
  // K + 1: the clicked image is its own nearest neighbour; it is dropped below.
  const hits = index!.search(vectorOf(msg.item), K + 1, msg.label === null ? {} : { filter: { label: msg.label } });
  const ms = performance.now() - t0;
  const shown = hits.filter((h) => h.key !== String(msg.item)).slice(0, K);
  send({
    type: 'results',
    id: msg.id,
    item: msg.item,
    ms,
    hits: shown.map((h) => ({ item: Number(h.key), label: h.metadata.label, score: h.score })),
  });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  Promise.resolve()
    .then(() => (msg.type === 'init' ? init(msg) : search(msg)))
    .catch((err: unknown) => send({ type: 'error', message: String((err as Error)?.stack ?? err) }));
};
