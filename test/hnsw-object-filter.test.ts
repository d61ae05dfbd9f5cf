// Object filters (MetadataFilter) in HnswIndex: search and searchBatch return exactly the filtered
// brute-force top-k (the reference: matchesFilter over every live entry and a plain-JS distance loop),
// count(filter?) and deleteMany(filter) agree with the same reference, and a malformed filter changes
// nothing. The filter language itself is tested in test/filter.test.ts; persistent deleteMany(filter)
// in test/suites/hnsw-file.suite.ts.
import { describe, expect, it } from 'vitest';
import { compileFilter, matchesFilter, type MetadataFilter } from '../src/filter/filter.js';
import { HnswIndex, type HnswMetric } from '../src/hnsw-index.js';
import { expectCode, expectCodeAsync } from './support/expect-code.js';
import { clusteredVectors, rng } from './support/random.js';
import { refCosine, refL2sq } from './support/reference.js';
import { row } from './support/rows.js';

const DIM = 16;
const N = 1200;
const K = 10;
// ef well above the number of entries a query can need: the traversal is then exact on this small
// index, so "exactly the brute-force top-k" is a fair demand (approximation is tested elsewhere).
const EF = 600;

/** Varied seeded metadata: strings, numbers, arrays, nested objects, missing fields, no metadata at all. */
function metadataFor(i: number, r: () => number): unknown {
  if (i % 17 === 0) return undefined;
  const m: Record<string, unknown> = { lang: ['en', 'fr', 'de'][i % 3], year: 2000 + (i % 25) };
  if (r() < 0.7) m.tags = ['a', 'b', 'c', 'd'].filter(() => r() < 0.4);
  if (i % 5 !== 0) m.doc = { score: Math.floor(r() * 100), kind: r() < 0.5 ? 'note' : 'page' };
  if (i % 11 === 0) m.lang = null;
  return m;
}

const FILTERS: Array<[string, MetadataFilter]> = [
  ['equality', { lang: 'en' }],
  ['a range', { year: { $gte: 2010, $lt: 2015 } }],
  ['an array field with $in', { tags: { $in: ['a', 'd'] } }],
  ['a dotted path', { 'doc.score': { $lt: 10 } }],
  ['$ne (matches entries without the field)', { lang: { $ne: 'fr' } }],
  ['$or of $and', { $or: [{ lang: 'de', 'doc.kind': 'page' }, { $and: [{ year: 2003 }, { tags: 'b' }] }] }],
  ['$not and $exists', { $not: { doc: { $exists: true } } }],
  ['null (missing or null)', { lang: null }],
  ['very selective (fewer than k match)', { year: 2024, 'doc.score': { $gte: 60 }, tags: 'c' }],
  ['nothing', { year: { $gt: 3000 } }],
  ['everything ({})', {}],
];

async function build(metric: HnswMetric): Promise<{ index: HnswIndex; data: Float32Array; metas: unknown[] }> {
  const data = clusteredVectors(N, DIM, 8, 707);
  const r = rng(708);
  const metas = Array.from({ length: N }, (_, i) => metadataFor(i, r));
  const index = await HnswIndex.create({ dimension: DIM, metric, M: 12, efConstruction: 100 });
  await index.batchInsert(data, Array.from({ length: N }, (_, i) => `k${i}`), metas);
  return { index, data, metas };
}

/** The filtered exact top-k: every live entry that matches, scored by a plain loop, best first. */
function bruteForce(index: HnswIndex, metric: HnswMetric, q: Float32Array, k: number, filter: MetadataFilter): string[] {
  const node = compileFilter(filter);
  const scored: Array<{ key: string; score: number }> = [];
  for (const key of index.keys()) {
    const { vector, metadata } = index.get(key)!;
    if (!matchesFilter(node, metadata)) continue;
    scored.push({ key, score: metric === 'cosine' ? refCosine(q, vector) : -Math.sqrt(refL2sq(q, vector)) });
  }
  scored.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
  return scored.slice(0, k).map((s) => s.key);
}

for (const metric of ['cosine', 'euclidean'] as const) {
  describe(`object filters in search and searchBatch (${metric})`, async () => {
    const { index, metas } = await build(metric);
    // Some churn, so deleted and replaced slots are in the graph and must never come back.
    for (let i = 0; i < N; i += 7) index.delete(`k${i}`);
    const extra = clusteredVectors(40, DIM, 8, 709);
    for (let i = 0; i < 40; i++) index.insert(`k${i * 3}`, row(extra, DIM, i), { lang: 'en', year: 2012, tags: ['d'] });
    const queries = clusteredVectors(12, DIM, 8, 710);

    for (const [name, filter] of FILTERS) {
      it(`${name}: exactly the filtered brute-force top-k, k of them whenever k match`, () => {
        const node = compileFilter(filter);
        const matching = index.keys().filter((key) => matchesFilter(node, index.get(key)!.metadata));
        const perQuery = Array.from({ length: 12 }, (_, i) => bruteForce(index, metric, row(queries, DIM, i), K, filter));
        for (let i = 0; i < 12; i++) {
          const got = index.search(row(queries, DIM, i), K, { ef: EF, filter });
          expect(got).toHaveLength(Math.min(K, matching.length));
          expect(got.map((r) => r.key)).toEqual(perQuery[i]);
          for (const r of got) expect(matchesFilter(node, r.metadata)).toBe(true);
        }
        // searchBatch: the same lists, the filter compiled once for the whole batch.
        const batch = index.searchBatch(queries, K, { ef: EF, filter });
        expect(batch.map((hits) => hits.map((r) => r.key))).toEqual(perQuery);
        // The same filter written as a function gives the same answers.
        const fn = (_key: string, meta: unknown): boolean => matchesFilter(node, meta);
        expect(index.searchBatch(queries, K, { ef: EF, filter: fn })).toEqual(batch);
        expect(index.count(filter)).toBe(matching.length);
        expect(index.count(fn)).toBe(matching.length);
      });
    }

    it('the test data spans the selectivities it claims', () => {
      const counts = FILTERS.map(([, f]) => index.count(f));
      expect(counts[FILTERS.findIndex(([n]) => n === 'nothing')]).toBe(0);
      expect(counts[FILTERS.findIndex(([n]) => n.startsWith('very selective'))]).toBeGreaterThan(0);
      expect(counts[FILTERS.findIndex(([n]) => n.startsWith('very selective'))]).toBeLessThan(K);
      expect(counts[FILTERS.findIndex(([n]) => n === 'everything ({})')]).toBe(index.size());
      expect(index.count()).toBe(index.size());
      expect(metas.filter((m) => m === undefined).length).toBeGreaterThan(0);
    });
  });
}

describe('count and deleteMany(filter)', () => {
  it('deleteMany(filter) removes exactly the matching live entries and returns how many', async () => {
    const { index } = await build('cosine');
    index.delete('k1');
    const filter: MetadataFilter = { $or: [{ lang: 'fr' }, { 'doc.score': { $gte: 90 } }] };
    const node = compileFilter(filter);
    const before = index.keys();
    const doomed = before.filter((key) => matchesFilter(node, index.get(key)!.metadata));
    expect(doomed.length).toBeGreaterThan(100);
    expect(index.count(filter)).toBe(doomed.length);
    expect(index.deleteMany(filter)).toBe(doomed.length);
    expect(index.size()).toBe(before.length - doomed.length);
    expect(index.count(filter)).toBe(0);
    expect(index.keys()).toEqual(before.filter((key) => !doomed.includes(key)));
    const q = clusteredVectors(1, DIM, 8, 711);
    for (const r of index.search(q, 50, { ef: 200 })) expect(matchesFilter(node, r.metadata)).toBe(false);
    // Nothing left to match: nothing deleted.
    expect(index.deleteMany(filter)).toBe(0);
    // A function filter works the same way.
    expect(index.deleteMany((key) => key === 'k2' || key === 'k4')).toBe(2 - [2, 4].filter((i) => doomed.includes(`k${i}`)).length);
    // Arrays still mean keys, and {} matches every entry (as in MongoDB).
    expect(index.deleteMany(['k5', 'k6', 'nope'])).toBe(['k5', 'k6'].filter((k) => !doomed.includes(k)).length);
    const left = index.size();
    expect(index.deleteMany({})).toBe(left);
    expect(index.size()).toBe(0);
    expect(index.count({})).toBe(0);
    index.close();
  });

  it('a malformed filter is INVALID_ARGUMENT naming its bad part, and changes nothing', async () => {
    const { index } = await build('euclidean');
    const q = row(clusteredVectors(1, DIM, 8, 712), DIM, 0);
    const snapshot = (): unknown => ({ keys: index.keys(), hits: index.search(q, 8, { ef: 100 }) });
    const before = snapshot();
    const bad: Array<[unknown, RegExp]> = [
      [{ year: { $foo: 1 } }, /filter\.year\.\$foo: unknown operator/],
      [{ $nor: [{ a: 1 }] }, /filter\.\$nor: unknown operator/],
      [{ tags: { $in: 'a' } }, /filter\.tags\.\$in: \$in takes an array/],
      [{ lang: () => true }, /filter\.lang/],
      [{ $or: [{ lang: 'en' }, { year: { $gt: [1] } }] }, /filter\.\$or\[1\]\.year\.\$gt/],
    ];
    for (const [filter, message] of bad) {
      expect(() => index.search(q, 3, { filter: filter as MetadataFilter })).toThrow(message);
      expectCode(() => index.search(q, 3, { filter: filter as MetadataFilter }), 'INVALID_ARGUMENT');
      expectCode(() => index.searchBatch([q, q], 3, { filter: filter as MetadataFilter }), 'INVALID_ARGUMENT');
      expectCode(() => index.count(filter as MetadataFilter), 'INVALID_ARGUMENT');
      expect(() => index.deleteMany(filter as MetadataFilter)).toThrow(message);
    }
    // Neither a function nor a plain object.
    for (const filter of ['x', 3, null, [{ lang: 'en' }], new Map()]) {
      expectCode(() => index.search(q, 3, { filter: filter as never }), 'INVALID_ARGUMENT');
      expectCode(() => index.count(filter as never), 'INVALID_ARGUMENT');
    }
    expectCode(() => index.deleteMany(new Map() as never), 'INVALID_ARGUMENT');
    expectCode(() => index.deleteMany(null as never), 'INVALID_ARGUMENT');
    expect(snapshot()).toEqual(before);
    index.close();
  });

  it('deleteMany(filter) is a write: LOCKED during a batch, CLOSED after close; count is CLOSED too', async () => {
    const { index, data, metas } = await build('cosine');
    const en = compileFilter({ lang: 'en' });
    const sizeBefore = index.size();
    const expected = metas.filter((m) => matchesFilter(en, m)).length;
    let checked = false;
    await index.batchInsert(data.subarray(0, 300 * DIM), Array.from({ length: 300 }, (_, i) => `b${i}`), Array(300).fill({ lang: 'en' }), {
      onProgress: (done) => {
        if (checked || done < 100) return;
        checked = true;
        expectCode(() => index.deleteMany({ lang: 'en' }), 'LOCKED');
        // Reads answer meanwhile, from the index as it was.
        expect(index.count({ lang: 'en' })).toBe(expected);
        expect(index.size()).toBe(sizeBefore);
      },
    });
    expect(checked).toBe(true);
    expect(index.count({ lang: 'en' })).toBe(expected + 300);
    expect(index.deleteMany({ lang: 'en' })).toBe(expected + 300);
    index.close();
    expectCode(() => index.count(), 'CLOSED');
    expectCode(() => index.count({ lang: 'en' }), 'CLOSED');
    await expectCodeAsync(() => index.deleteMany({ lang: 'en' }), 'CLOSED');
  });
});
