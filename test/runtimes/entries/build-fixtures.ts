// Runs in Node inside the scratch project: builds the portable fixtures with the INSTALLED memvec and
// writes them as a JS module of base64 strings, which every other entry bundles (no fs or fetch needed).
import { writeFileSync } from 'node:fs';
import * as memvec from 'memvec';
import { buildFixtures } from '../suite/scenarios.js';

const out = process.argv[2];
if (!out) throw new Error('usage: build-fixtures.mjs <out.mjs>');
const fixtures = await buildFixtures(memvec);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
writeFileSync(out, Object.entries(fixtures).map(([name, bytes]) => `export const ${name} = '${b64(bytes)}';\n`).join(''));
console.log(`fixtures: ${Object.entries(fixtures).map(([name, bytes]) => `${name} ${bytes.length} bytes`).join(', ')} -> ${out}`);
