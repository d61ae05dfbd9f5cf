// Compares the engine builds (scalar, SIMD, relaxed SIMD) on the same kernel in whatever runtime runs
// this file: `node`, `bun`, or `deno run -A`. It decides whether shipping a relaxed-SIMD build is worth
// it (scripts/build-wasm.mjs records the answer). Build the relaxed variant first:
//   node scripts/build-wasm.mjs --relaxed && node scripts/measure-wasm-variants.mjs
// The variants are timed interleaved, round after round, and the median is reported, so a noisy
// neighbour on a shared machine slows all of them alike instead of skewing one.
const isNode = typeof process !== 'undefined' && process.versions?.node && !globalThis.Bun && !globalThis.Deno;
if (isNode) (await import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
const { readFileSync } = await import('node:fs');
const runtime = globalThis.Bun ? `bun ${Bun.version}` : globalThis.Deno ? `deno ${Deno.version.deno}` : `node ${process.version}`;
const root = new URL('..', import.meta.url);

const variants = [];
for (const [name, file] of [['scalar', 'memvec-scalar.wasm'], ['simd', 'memvec.wasm'], ['relaxed', 'memvec-relaxed.wasm']]) {
  let bytes;
  try {
    bytes = readFileSync(new URL(`build/${file}`, root));
  } catch {
    console.log(`${name}: build/${file} missing (node scripts/build-wasm.mjs --relaxed)`);
    continue;
  }
  if (!WebAssembly.validate(bytes)) {
    console.log(`${name}: not supported by ${runtime}`);
    continue;
  }
  // The engine's one import is the function-filter callback, which the kernels never call.
  variants.push({ name, exports: (await WebAssembly.instantiate(bytes, { env: { filterHost: () => 0 } })).instance.exports });
}

const METRICS = [[2, 'dot'], [1, 'l2'], [0, 'cosine']];
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

console.log(`${runtime}: GFLOP/s (2·n·d per pass), median of interleaved rounds`);
for (const dim of [128, 768]) {
  for (const [label, bytes] of [['in cache, 256 KiB', 256 << 10], ['memory-bound, 64 MiB', 64 << 20]]) {
    const n = Math.floor(bytes / (dim * 4));
    const setups = variants.map(({ name, exports: e }) => {
      const block = e.alloc(n * dim * 4);
      const query = e.alloc(dim * 4);
      const out = e.alloc(n * 4);
      const f32 = new Float32Array(e.memory.buffer);
      let x = 12345;
      for (let i = 0; i < n * dim; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        f32[(block >>> 2) + i] = x / 2 ** 32 - 0.5;
      }
      for (let i = 0; i < dim; i++) f32[(query >>> 2) + i] = Math.sin(i);
      return { name, e, block, query, out, times: Object.fromEntries(METRICS.map(([, m]) => [m, []])) };
    });
    const passes = Math.max(1, Math.round((8 << 20) / bytes));
    for (let round = 0; round < 15; round++) {
      for (const s of setups) {
        for (const [metric, m] of METRICS) {
          const t = performance.now();
          for (let p = 0; p < passes; p++) s.e.scoreBlock(metric, s.query, s.block, n, dim, s.out);
          s.times[m].push((performance.now() - t) / passes);
        }
      }
    }
    for (const s of setups) {
      const rates = METRICS.map(([, m]) => `${m} ${((2 * n * dim) / median(s.times[m]) / 1e6).toFixed(1)}`);
      console.log(`  d=${dim} ${label.padEnd(20)} ${s.name.padEnd(8)} ${rates.join('  ')}`);
    }
  }
}
