#!/usr/bin/env node
// One real fill at the real wasm32 ceiling (4 GiB): how many 1536-d vectors one HnswIndex holds before
// CAPACITY. Not a run.mjs section (minutes and several GB of RAM); the quantization section measures
// under a lowered ceiling and extrapolates, this checks the extrapolation.
//   node bench/quantization-capacity.mjs [kind] [maxMinutes]
//   kind: i8bare (default: i8 with rerank: false, no JS originals), i8, f16, f32; maxMinutes default 10.
// Tiny graphs (efConstruction 4, M 16): only the bytes matter. Needs `npm run build` (memvec from dist/).
import { load } from './peers/memvec.mjs';
import { fillToCapacity, KINDS, WASM32_CEILING } from './sections/quant-memory.mjs';

const kind = process.argv[2] ?? 'i8bare';
const maxMinutes = Number(process.argv[3] ?? 10);
if (!KINDS[kind]) throw new Error(`unknown kind ${kind}; known: ${Object.keys(KINDS).join(', ')}`);
const started = performance.now();
const log = (msg) => process.stderr.write(`[capacity ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const { lib, version } = await load();
const c = await fillToCapacity(lib, {
  dim: 1536, kind, ceilingBytes: WASM32_CEILING, efConstruction: 4, batch: 2000, maxMs: maxMinutes * 60_000, log,
});
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(`| kind | ceiling | held | stopped by | WASM memory at the end | WASM memory ÷ held (B) | capacityLeft (empty) | fill time |`);
console.log(`|---|---:|---:|---|---:|---:|---:|---:|`);
console.log(`| ${KINDS[kind].label} | ${mib(c.ceiling)} | ${c.held.toLocaleString('en-US')} | ${c.stop} | ${mib(c.wasmBytes)} | ${Math.round(c.wasmBytes / c.held)} | ${c.leftAt4G.toLocaleString('en-US')} | ${(c.ms / 1000).toFixed(0)} s |`);
console.log(`\nmemvec ${version} (dist/), Node ${process.versions.node}, 1536-d, M 16, efConstruction 4, batches of 2,000 generated vectors.`);
