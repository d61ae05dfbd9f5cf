// Runs in Node inside the scratch project: builds the portable fixtures with the INSTALLED memvec and
// writes them as a JS module of base64 strings, which every other entry bundles (no fs or fetch needed).
import { writeFileSync } from 'node:fs';
import * as memvec from 'memvec';
import { buildFixtures } from '../suite/scenarios.js';

const out = process.argv[2];
if (!out) throw new Error('usage: build-fixtures.mjs <out.mjs>');
const { store, index, indexI8 } = await buildFixtures(memvec);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
writeFileSync(out, `export const store = '${b64(store)}';\nexport const index = '${b64(index)}';\nexport const indexI8 = '${b64(indexI8)}';\n`);
console.log(`fixtures: store ${store.length} bytes, index ${index.length} bytes, i8 index ${indexI8.length} bytes -> ${out}`);
