// Section 1: the scoring kernels over one block of vectors, memvec's WASM scoreBlock against plain
// JS loops over the same floats. FLOPs: 2 per element for dot (multiply + add), 4 for cosine (q·x and
// |x|² in one pass); bytes: the block read once per pass (the query stays in cache).
import { randomVectors } from '../../data/synthetic.mjs';
import { loadEngine, METRIC_COSINE, METRIC_DOT, SCALAR_WASM_PATH, WASM_PATH } from '../kernel-wasm.mjs';
import { cosineBlock, dotBlock, dotBlockUnrolled } from '../plain-js.mjs';
import { fixed, num, ratio, table } from '../table.mjs';
import { QUANT_HEADERS, quantKernelRows, quantNote } from './kernel-quant.mjs';
import { timeCalls } from '../timing.mjs';

async function tryLoad(path) {
  try {
    return { engine: await loadEngine(path) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Copies block and query into the engine and returns a function timing scoreBlock for a metric. */
function wasmRunner(engine, block, query, n, dim) {
  const ex = engine.exports;
  const pBlock = ex.alloc(n * dim * 4);
  const pQuery = ex.alloc(dim * 4);
  const pOut = ex.alloc(n * 4);
  if (!pBlock || !pQuery || !pOut) throw new Error('WASM alloc failed');
  engine.f32().set(block, pBlock >>> 2);
  engine.f32().set(query, pQuery >>> 2);
  return {
    time: (metric, opts) => timeCalls(() => ex.scoreBlock(metric, pQuery, pBlock, n, dim, pOut), opts),
    scores: (metric) => {
      ex.scoreBlock(metric, pQuery, pBlock, n, dim, pOut);
      return engine.f32().slice(pOut >>> 2, (pOut >>> 2) + n);
    },
    free: () => {
      ex.free(pOut);
      ex.free(pQuery);
      ex.free(pBlock);
    },
  };
}

function maxRelDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

export async function kernelSection({ sizes, log }) {
  const out = [];
  out.push(`## 1. Scoring kernels: memvec WASM SIMD vs plain JS\n`);
  out.push(
    `One query against a block of uniform random vectors in [-1, 1) (seeded), one score per vector written to an ` +
      `output array. Fastest of repeated full passes over the block (≥ 5 passes and ≥ ${sizes.kernelMinMs} ms of timed ` +
      `work each; every pass does the same work, so the fastest is the least disturbed on a shared machine). ` +
      `GFLOP/s = flops / time (dot: 2·n·d; cosine: 4·n·d, q·x and |x|² in one pass); GB/s = block bytes (n·d·4) / time. ` +
      `memvec runs \`scoreBlock\` from build/memvec.wasm (f32x4, four accumulators) and, as the no-SIMD fallback, ` +
      `build/memvec-scalar.wasm; plain JS runs over a Float32Array in the JS heap (f64 accumulation). ` +
      `"× plain JS" compares with the plain one-accumulator JS loop of the same kernel.\n`,
  );

  const simd = await tryLoad(WASM_PATH);
  const scalar = await tryLoad(SCALAR_WASM_PATH);
  const missing = [];
  if (simd.error) missing.push(`memvec SIMD build: ${simd.error}`);
  if (scalar.error) missing.push(`memvec scalar build: ${scalar.error}`);

  const rows = [];
  const checks = [];
  for (const dim of sizes.kernelDims) {
    const n = sizes.kernelN;
    log(`kernel: ${n} × ${dim}`);
    const block = randomVectors(n, dim, 1000 + dim);
    const query = randomVectors(1, dim, 2000 + dim);
    const bytes = n * dim * 4;
    const label = `${num(n)} × ${dim}`;
    const opts = { warmup: 2, minReps: 5, minMs: sizes.kernelMinMs };
    const row = (kernel, impl, t, flopsPerElt, base) => [
      label, kernel, impl, fixed(t.min, 2), fixed(t.median, 2), fixed((flopsPerElt * n * dim) / t.min / 1e6, 2),
      fixed(bytes / t.min / 1e6, 1), base ? ratio(base.min, t.min) : '1×',
    ];
    const na = (kernel, impl) => [label, kernel, impl, 'n/a'];

    const outDot = new Float32Array(n);
    const tDot = timeCalls(() => dotBlock(query, block, n, dim, outDot), opts);
    rows.push(row('dot', 'plain JS loop (1 accumulator)', tDot, 2));
    const out4 = new Float32Array(n);
    rows.push(row('dot', 'plain JS loop (4 accumulators)', timeCalls(() => dotBlockUnrolled(query, block, n, dim, out4), opts), 2, tDot));
    const outCos = new Float32Array(n);
    const tCos = timeCalls(() => cosineBlock(query, block, n, dim, outCos), opts);

    const runners = [];
    for (const [name, lib] of [['WASM SIMD', simd], ['WASM scalar build', scalar]]) {
      if (lib.error) {
        runners.push([name, undefined]);
        continue;
      }
      runners.push([name, wasmRunner(lib.engine, block, query, n, dim)]);
    }
    for (const [name, r] of runners) {
      if (!r) rows.push(na('dot', `memvec scoreBlock (${name})`));
      else rows.push(row('dot', `memvec scoreBlock (${name})`, r.time(METRIC_DOT, opts), 2, tDot));
    }
    rows.push(row('cosine', 'plain JS loop (q·x and x·x in one pass)', tCos, 4));
    for (const [name, r] of runners) {
      if (!r) rows.push(na('cosine', `memvec scoreBlock (${name})`));
      else rows.push(row('cosine', `memvec scoreBlock (${name})`, r.time(METRIC_COSINE, opts), 4, tCos));
    }
    // Sanity: memvec's scores agree with plain JS on this block.
    for (const [name, r] of runners) {
      if (!r) continue;
      checks.push(
        `${label} ${name}: max relative difference vs plain JS dot ${maxRelDiff(r.scores(METRIC_DOT), outDot).toExponential(1)}, ` +
          `cosine ${maxRelDiff(r.scores(METRIC_COSINE), outCos).toExponential(1)}`,
      );
      r.free();
    }
  }
  out.push(table(['block', 'kernel', 'implementation', '>ms / pass (fastest)', '>ms (median)', '>GFLOP/s', '>GB/s', '>× plain JS'], rows));
  if (missing.length) out.push(`\nNot measured (n/a): ${missing.join('; ')}.`);
  if (checks.length) out.push(`\nCheck: ${checks.join('; ')}.`);

  if (simd.error) out.push(`\nQuantized kernels not measured: ${simd.error}.`);
  else {
    const minMs = 3 * sizes.kernelMinMs;
    const quant = quantKernelRows(simd.engine, { dims: sizes.kernelQuantDims, blockBytes: sizes.kernelQuantBytes, minMs, log });
    out.push(`\n${quantNote(sizes.kernelQuantBytes, minMs)}\n`);
    out.push(table(QUANT_HEADERS, quant.rows));
    out.push(`\nQuantization error (not a kernel error): ${quant.checks.join('; ')}.`);
  }
  return out.join('\n');
}
