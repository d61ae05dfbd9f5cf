// Child for the writer-lock matrix: tries every call that would write `path` through each backend named
// after it, and prints one JSON line: { [backend]: { store, index, save, reader } } with each call's error code
// (or "OPENED" / "SAVED" if it got in, which is the failure the matrix looks for). Runs in Node, Bun, Deno.
import { HnswIndex, MemMapVector } from '../../dist/index.js';

const [path, ...backends] = globalThis.Deno ? Deno.args : process.argv.slice(2);
const outcome = async (what, attempt) => {
  try {
    const got = await attempt();
    got?.close?.();
    return what;
  } catch (err) {
    return err?.code ?? String(err);
  }
};
const result = {};
for (const backend of backends) {
  const snapshot = await HnswIndex.create({ dimension: 4 });
  result[backend] = {
    store: await outcome('OPENED', () => MemMapVector.open(path, { backend })),
    index: await outcome('OPENED', () => HnswIndex.open(path, { backend })),
    save: await outcome('SAVED', () => snapshot.save(path, { backend })),
    reader: await outcome('OPENED', () => MemMapVector.open(path, { backend, readOnly: true })),
  };
  snapshot.close();
}
console.log(JSON.stringify(result));
