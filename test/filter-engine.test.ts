// Object filters evaluated by the engine (assembly/filter-eval.ts) over filter columns in its memory
// (src/filter/columns.ts), compiled by src/filter/program.ts: on random metadata and thousands of random
// filters (fixed seeds), the engine selects exactly the live slots matchesFilter (the JS reference)
// selects, before and after metadata changes, deletions, and enough churn to grow and rebuild columns.
import { describe, expect, it } from 'vitest';
import { HnswEngine } from '../src/engine/hnsw-engine.js';
import { METRIC_COSINE } from '../src/engine/metrics.js';
import { FilterColumns } from '../src/filter/columns.js';
import { compileFilter, matchesFilter, type MetadataFilter } from '../src/filter/filter.js';
import { compileProgram } from '../src/filter/program.js';
import { randomVectors, rng } from './support/random.js';
import { randomFilters } from './support/random-filters.js';

const DIM = 4;

async function engineWith(n: number): Promise<HnswEngine> {
  const e = await HnswEngine.create({ dimension: DIM, metric: METRIC_COSINE, M: 8, efConstruction: 20, seedLo: 1, seedHi: 0 }, 'test');
  const data = randomVectors(n, DIM, 3);
  e.reserve(n, 'test');
  e.txBegin();
  for (let i = 0; i < n; i++) {
    e.writeNext(data.subarray(i * DIM, (i + 1) * DIM));
    e.insert('test');
  }
  e.txCommit();
  return e;
}

describe('object filters in the engine', () => {
  it('select exactly what matchesFilter selects, on random metadata and 3,000 random filters', async () => {
    const n = 700;
    const engine = await engineWith(n);
    const random = randomFilters(21);
    const slotMeta = Array.from({ length: n }, () => random.doc());
    const deleted = new Set<number>();
    for (let s = 5; s < n; s += 37) {
      engine.markDeleted(s);
      deleted.add(s);
    }
    const columns = new FilterColumns(engine.engine, { slotMeta });
    const check = (filter: MetadataFilter): void => {
      const node = compileFilter(filter);
      const program = compileProgram(node, columns);
      engine.useProgram(program.bytes, program.count, program.stackBytes);
      const want = slotMeta.flatMap((meta, slot) => (!deleted.has(slot) && matchesFilter(node, meta) ? [slot] : []));
      expect(engine.filterAll(), JSON.stringify(filter)).toEqual(want);
    };
    for (let i = 0; i < 1500; i++) check(random.filter());

    // Metadata changes, reported to the columns, then more filters; enough churn that pools grow and
    // (mostly garbage) get rebuilt.
    const r = rng(5);
    for (let round = 0; round < 6; round++) {
      const changed: number[] = [];
      for (let j = 0; j < 300; j++) {
        const slot = Math.floor(r() * n);
        slotMeta[slot] = random.doc();
        changed.push(slot);
      }
      columns.update(changed);
      for (let i = 0; i < 250; i++) check(random.filter());
    }
  });

  it('handles strings it has never seen, string ranges, numbers across -0 and big values, and the empty filter', async () => {
    const engine = await engineWith(6);
    const slotMeta: unknown[] = [
      { s: 'apple', v: 0, t: ['x', 'y'] },
      { s: 'banana', v: -0, t: [] },
      { s: 'cherry', v: 1e300, t: ['y', ['nested']] },
      { s: 'Apple', v: -5.5, t: 'x' },
      { v: null },
      undefined,
    ];
    const columns = new FilterColumns(engine.engine, { slotMeta });
    const run = (filter: MetadataFilter): number[] => {
      const program = compileProgram(compileFilter(filter), columns);
      engine.useProgram(program.bytes, program.count, program.stackBytes);
      return engine.filterAll();
    };
    const ref = (filter: MetadataFilter): number[] => {
      const node = compileFilter(filter);
      return slotMeta.flatMap((m, i) => (matchesFilter(node, m) ? [i] : []));
    };
    for (const f of [
      { s: 'durian' }, { s: { $in: ['durian', 'banana'] } }, { s: { $nin: ['durian'] } }, { s: { $gt: 'b' } }, { s: { $lte: 'apple' } },
      { v: 0 }, { v: { $gte: -0 } }, { v: { $gt: 1e299 } }, { v: { $lt: 0 } }, { v: null }, { t: 'y' }, { t: { $exists: true } },
      { t: { $ne: 'x' } }, {}, { $or: [{ s: 'apple' }, { v: null }] }, { $not: {} },
    ] as MetadataFilter[]) {
      expect(run(f), JSON.stringify(f)).toEqual(ref(f));
    }
  });
});
