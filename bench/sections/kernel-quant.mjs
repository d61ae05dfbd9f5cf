// Part of section 1: the quantized kinds' dot kernels (assembly/kernels-f16.ts, kernels-i8.ts) against
// f32 over the same block of vectors, to show what reading fewer bytes buys. The engine exports these
// kernels one pair at a time (no block scan over codes yet), so every kind is driven the same way: a JS
// loop calling the kernel once per row, which makes the ratios fair; f32 scoreBlock (the loop inside
// WASM) is the row that shows what the per-row call costs. The kinds take turns in rotating order
// round after round and each keeps its best pass: on a shared machine one pass each swings too much.
import { randomVectors } from '../../data/synthetic.mjs';
import { METRIC_DOT } from '../kernel-wasm.mjs';
import { fixed, num, ratio } from '../table.mjs';

const I8_HEADER = 16;

/** Copies `n` × `dim` f32 rows and a query into `engine` and encodes both as f16 and i8. */
function prepare(engine, block, query, n, dim) {
  const ex = engine.exports;
  const f16Bytes = dim * 2;
  const i8Bytes = I8_HEADER + dim;
  const p = {
    f32: ex.alloc(n * dim * 4), f16: ex.alloc(n * f16Bytes), i8: ex.alloc(n * i8Bytes),
    q32: ex.alloc(dim * 4), q16: ex.alloc(f16Bytes), q8: ex.alloc(i8Bytes), out: ex.alloc(n * 4),
  };
  if (Object.values(p).some((x) => !x)) throw new Error('WASM alloc failed');
  engine.f32().set(block, p.f32 >>> 2);
  engine.f32().set(query, p.q32 >>> 2);
  for (let i = 0; i < n; i++) {
    ex.encodeF16(p.f32 + i * dim * 4, p.f16 + i * f16Bytes, dim);
    ex.encodeI8(p.f32 + i * dim * 4, p.i8 + i * i8Bytes, dim);
  }
  ex.encodeF16(p.q32, p.q16, dim);
  ex.encodeI8(p.q32, p.q8, dim);
  const scores = new Float32Array(n);
  // Each variant scores the whole block once, writing to `scores` so no call can be optimized away.
  const rowLoop = (fn, q, base, stride) => () => {
    for (let i = 0; i < n; i++) scores[i] = fn(q, base + i * stride, dim);
  };
  const variants = [
    { kind: 'f32', kernel: 'scoreBlock dot (loop in WASM)', bytes: dim * 4, run: () => ex.scoreBlock(METRIC_DOT, p.q32, p.f32, n, dim, p.out) },
    { kind: 'f32', kernel: 'dot, per row', bytes: dim * 4, run: rowLoop(ex.dot, p.q32, p.f32, dim * 4) },
    { kind: 'f16', kernel: 'dotF16 (f16 query), per row', bytes: f16Bytes, run: rowLoop(ex.dotF16, p.q16, p.f16, f16Bytes) },
    { kind: 'f16', kernel: 'dotAndNormSqF32F16 (f32 query), per row', bytes: f16Bytes, run: rowLoop(ex.dotAndNormSqF32F16, p.q32, p.f16, f16Bytes) },
    { kind: 'i8', kernel: 'dotI8 (i8 query), per row', bytes: i8Bytes, run: rowLoop(ex.dotI8, p.q8, p.i8, i8Bytes) },
  ];
  return { ex, p, scores, variants };
}

/** Rows for the quantized-kernel table at each of `dims`, and one check line per dim. */
export function quantKernelRows(engine, { dims, blockBytes, minMs, minRounds = 5, log }) {
  const rows = [];
  const checks = [];
  for (const dim of dims) {
    const n = Math.floor(blockBytes / (dim * 4));
    log(`kernel: quantized dot, ${n} × ${dim}`);
    const block = randomVectors(n, dim, 3000 + dim);
    const query = randomVectors(1, dim, 4000 + dim);
    const { ex, p, scores, variants } = prepare(engine, block, query, n, dim);

    // Quantization error of each kind against f32, relative to |q|·|x| (scores of the last pass each).
    const exact = (() => {
      ex.scoreBlock(METRIC_DOT, p.q32, p.f32, n, dim, p.out);
      return engine.f32().slice(p.out >>> 2, (p.out >>> 2) + n);
    })();
    const qn = Math.hypot(...query);
    const maxErr = (v) => {
      v.run();
      let m = 0;
      for (let i = 0; i < n; i++) {
        let xn = 0;
        for (let j = i * dim; j < (i + 1) * dim; j++) xn += block[j] * block[j];
        m = Math.max(m, Math.abs(scores[i] - exact[i]) / (qn * Math.sqrt(xn)));
      }
      return m;
    };
    checks.push(`${dim}-d: max |dot − f32 dot| / (|q|·|x|) f16 ${maxErr(variants[2]).toExponential(1)}, i8 ${maxErr(variants[4]).toExponential(1)}`);

    for (const v of variants) v.run(); // warm-up
    const best = variants.map(() => Infinity);
    const started = performance.now();
    for (let round = 0; round < minRounds || performance.now() - started < minMs; round++) {
      for (let j = 0; j < variants.length; j++) {
        const k = (j + round) % variants.length;
        const t0 = performance.now();
        variants[k].run();
        best[k] = Math.min(best[k], performance.now() - t0);
      }
    }
    const f32Row = best[1]; // the per-row f32 loop: the same calling pattern as the quantized kernels
    variants.forEach((v, k) => {
      rows.push([
        `${num(n)} × ${dim}`, v.kind, v.kernel, v.bytes, fixed(best[k], 2), fixed((n * v.bytes) / best[k] / 1e6, 1),
        num((n / best[k]) * 1000), ratio(f32Row, best[k]),
      ]);
    });
    for (const ptr of Object.values(p)) ex.free(ptr);
  }
  return { rows, checks };
}

export const QUANT_HEADERS = ['block', 'kind', 'kernel', '>code bytes / vector', '>ms / pass (best)', '>GB/s of codes', '>vectors/s', '>× f32 per row'];

export function quantNote(blockBytes, minMs) {
  return (
    `Quantized kinds: one query against a block of ${num(blockBytes / 2 ** 20)} MiB of f32 vectors (uniform in [-1, 1), seeded; ` +
    `larger than the caches) and the same vectors encoded as f16 and as i8 (16-byte header + dim codes), build/memvec.wasm. ` +
    `The engine has no block scan over codes yet, so each kernel is called once per row from a JS loop; "f32 dot, per row" ` +
    `is the baseline of "× f32 per row", and f32 scoreBlock shows the loop inside WASM. The variants take turns in rotating ` +
    `order (≥ 5 rounds and ≥ ${fixed(minMs / 1000, 1)} s per dimension), each keeps its best pass. ` +
    `GB/s = code bytes read (n × bytes per vector) / time.`
  );
}
