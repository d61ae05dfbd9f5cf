// The Worker: memvec's default backend here is OPFS. Writes a store, closes it, reopens it, searches.
import { engineInfo, MemMapVector } from 'memvec';

self.onmessage = async (event: MessageEvent<number[][]>) => {
  try {
    const path = `vite-test/store-${Date.now()}.mvec`;
    const db = await MemMapVector.open(path, { dimension: 4 });
    db.addVectors(event.data);
    db.close();
    const again = await MemMapVector.open(path, { readOnly: true });
    const found = again.cosineSearch([0, 1, 0, 0.1], { topK: 1 }).map(([id]) => id);
    again.close();
    postMessage({ info: await engineInfo(), found });
  } catch (err) {
    postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
