// The page: searches on the main thread (memory backend), then asks a Worker to do the same on OPFS.
import { engineInfo, HnswIndex, MemMapVector, MemoryBackend } from 'memvec';

const vectors = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0.9, 0.1, 0, 0],
];

async function main(): Promise<unknown> {
  const backend = new MemoryBackend();
  const db = await MemMapVector.open('/page.mvec', { dimension: 4, backend });
  db.addVectors(vectors);
  const exact = db.cosineSearch([1, 0, 0, 0], { topK: 2, minScore: -1 }).map(([id]) => id);
  db.close();

  const index = await HnswIndex.create({ dimension: 4 });
  vectors.forEach((v, i) => index.insert(`v${i}`, v, { i }));
  const approx = index.search([0, 0.1, 1, 0], 1).map((r) => [r.key, r.metadata]);
  index.close();

  const worker = await new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (event) => resolve(event.data);
    w.onerror = (event) => reject(new Error(`worker: ${event.message}`));
    w.postMessage(vectors);
  });
  return { info: await engineInfo(), exact, approx, worker };
}

main().then(
  (result) => {
    document.getElementById('result')!.textContent = JSON.stringify(result);
    document.title = 'done';
  },
  (err: unknown) => {
    document.getElementById('result')!.textContent = String((err as Error)?.stack ?? err);
    document.title = 'error';
  },
);
