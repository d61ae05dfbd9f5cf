// Child for the writer-lock matrix: holds `path` open for writing through `backend` (a MemMapVector
// writer), prints "ready", and closes and exits when its stdin ends. Runs in Node, Bun and Deno.
import { MemMapVector } from '../../dist/index.js';

const [path, backend] = globalThis.Deno ? Deno.args : process.argv.slice(2);
const db = await MemMapVector.open(path, { dimension: 4, backend });
db.addVectors([[1, 2, 3, 4]]);
console.log('ready');
if (globalThis.Deno) {
  for await (const _ of Deno.stdin.readable) { /* until stdin ends */ }
} else {
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on('end', resolve));
}
db.close();
console.log('released');
