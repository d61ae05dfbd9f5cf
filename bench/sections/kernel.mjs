// Section 1: the dot-product kernel over one block of vectors, memvec's SIMD scoreBlock against plain
// JS loops over the same floats. FLOPs count 2 per element (multiply + add); bytes count the block
// read once per pass (the query stays in cache).
import { randomVectors } from '../data.mjs';
import { loadEngine, METRIC_COSINE, METRIC_DOT } from '../kernel-wasm.mjs';
import { dotBlock, dotBlockUnrolled } from '../plain-js.mjs';
import { fixed, num, ratio, table } from '../table.mjs';
import { timeCalls } from '../timing.mjs';

export async function kernelSection({ sizes, log }) {
  const out = [];
  out.push(`## 1. Dot-product kernel: memvec WASM SIMD vs plain JS\n`);
  out.push(
    `One query against a block of uniform random vectors in [-1, 1) (seeded), scores written to an output array. ` +
      `Median of repeated full passes over the block (≥ ${sizes.kernelMinMs} ms of timed work each). ` +
      `GFLOP/s = 2·n·d / time; GB/s = block bytes (n·d·4) / time. memvec runs \`scoreBlock\` from build/memvec.wasm ` +
      `(f32x4, four accumulators); plain JS runs over a Float32Array in the JS heap, f64 accumulation.\n`,
  );

  let engine;
  let engineError;
  try {
    engine = await loadEngine();
  } catch (err) {
    engineError = err instanceof Error ? err.message : String(err);
  }

  const rows = [];
  const checks = [];
  for (const dim of sizes.kernelDims) {
    const n = sizes.kernelN;
    log(`kernel: ${n} × ${dim}`);
    const block = randomVectors(n, dim, 1000 + dim);
    const query = randomVectors(1, dim, 2000 + dim);
    const outJs = new Float32Array(n);
    const flops = 2 * n * dim;
    const bytes = n * dim * 4;
    const row = (impl, t, base) => [
      `${num(n)} × ${dim}`, impl, fixed(t.median, 2), fixed(flops / t.median / 1e6, 2), fixed(bytes / t.median / 1e6, 1),
      base ? ratio(base.median, t.median) : '1×',
    ];
    const opts = { warmup: 2, minReps: 5, minMs: sizes.kernelMinMs };
    const tJs = timeCalls(() => dotBlock(query, block, n, dim, outJs), opts);
    rows.push(row('plain JS loop (1 accumulator)', tJs));
    const outJs4 = new Float32Array(n);
    const tJs4 = timeCalls(() => dotBlockUnrolled(query, block, n, dim, outJs4), opts);
    rows.push(row('plain JS loop (4 accumulators)', tJs4, tJs));

    if (!engine) {
      rows.push([`${num(n)} × ${dim}`, 'memvec scoreBlock (WASM SIMD)', 'n/a']);
      continue;
    }
    const ex = engine.exports;
    const pBlock = ex.alloc(bytes);
    const pQuery = ex.alloc(dim * 4);
    const pOut = ex.alloc(n * 4);
    if (!pBlock || !pQuery || !pOut) throw new Error('WASM alloc failed');
    engine.f32().set(block, pBlock >>> 2);
    engine.f32().set(query, pQuery >>> 2);
    const tW = timeCalls(() => ex.scoreBlock(METRIC_DOT, pQuery, pBlock, n, dim, pOut), opts);
    rows.push(row('memvec scoreBlock dot (WASM SIMD)', tW, tJs));
    const tC = timeCalls(() => ex.scoreBlock(METRIC_COSINE, pQuery, pBlock, n, dim, pOut), opts);
    const r = row('memvec scoreBlock cosine (SIMD, dot + norm fused; 4 flop/elt)', tC, tJs);
    r[3] = fixed((2 * flops) / tC.median / 1e6, 2);
    rows.push(r);
    // Sanity: the WASM dot scores agree with plain JS on this block.
    ex.scoreBlock(METRIC_DOT, pQuery, pBlock, n, dim, pOut);
    const w = engine.f32().subarray(pOut >>> 2, (pOut >>> 2) + n);
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(w[i] - outJs[i]) / Math.max(1, Math.abs(outJs[i])));
    checks.push(`${n} × ${dim}: max relative difference WASM vs JS dot = ${maxErr.toExponential(1)}`);
    ex.free(pOut);
    ex.free(pQuery);
    ex.free(pBlock);
  }
  out.push(table(['block', 'implementation', '>ms / pass', '>GFLOP/s', '>GB/s', '>× plain JS (1 acc)'], rows));
  if (engineError) out.push(`\nNot measured (n/a): memvec scoreBlock: ${engineError}.`);
  if (checks.length) out.push(`\nCheck: ${checks.join('; ')}.`);
  return out.join('\n');
}
