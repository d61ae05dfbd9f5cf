// HnswIndex filtered search with a function filter: k matching results, the nearest ones, and how
// often the predicate runs. (Object filters: test/hnsw-object-filter.test.ts.)
import { describe, expect, it } from 'vitest';
import { build, refSearch } from './support/hnsw-fixtures.js';
import { clusteredVectors } from './support/random.js';
import { row } from './support/rows.js';

describe('HnswIndex filtered search', async () => {
  const dim = 16;
  const n = 5000;
  const data = clusteredVectors(n, dim, 20, 21);
  const metas = Array.from({ length: n }, (_, i) => ({ group: i % 100, tag: i % 2 === 0 ? 'even' : 'odd' }));
  const index = await build(data, dim, { metric: 'euclidean' }, metas);
  const queries = clusteredVectors(20, dim, 20, 22);

  const cases: Array<[string, (key: string, meta: unknown) => boolean, (i: number) => boolean]> = [
    ['half the entries', (_k, m) => (m as { tag: string }).tag === 'even', (i) => i % 2 === 0],
    ['1% of the entries', (_k, m) => (m as { group: number }).group === 7, (i) => i % 100 === 7],
    ['0.1% of the entries (by key)', (k) => Number(k.slice(1)) % 1000 === 3, (i) => i % 1000 === 3],
  ];
  for (const [name, filter, matches] of cases) {
    it(`returns k matching results for a filter on ${name}, and they are the nearest matches`, () => {
      const ids = Array.from({ length: n }, (_, i) => i).filter(matches);
      const k = Math.min(10, ids.length);
      let hits = 0;
      for (let q = 0; q < 20; q++) {
        const query = row(queries, dim, q);
        const got = index.search(query, 10, { filter });
        expect(got).toHaveLength(k);
        for (const r of got) expect(matches(Number(r.key.slice(1)))).toBe(true);
        const want = new Set(refSearch('euclidean', data, dim, query, k, ids).map((r) => r.id));
        for (const r of got) if (want.has(Number(r.key.slice(1)))) hits++;
      }
      expect(hits / (20 * k)).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('returns every match when fewer than k match, and nothing when none do', () => {
    const only = new Set(['k17', 'k4242', 'k999']);
    const got = index.search(row(queries, dim, 0), 10, { filter: (key) => only.has(key) });
    expect(got.map((r) => r.key).sort()).toEqual([...only].sort());
    expect(index.search(row(queries, dim, 0), 10, { filter: () => false })).toEqual([]);
  });

  it('calls the predicate with its key and metadata, at most once per live entry (only those the search reaches)', () => {
    const seen = new Map<string, number>();
    index.search(row(queries, dim, 1), 5, {
      filter: (key, meta) => {
        seen.set(key, (seen.get(key) ?? 0) + 1);
        expect((meta as { group: number }).group).toBe(Number(key.slice(1)) % 100);
        return true;
      },
    });
    expect(seen.size).toBeGreaterThan(0);
    expect(seen.size).toBeLessThanOrEqual(index.size());
    expect(Math.max(...seen.values())).toBe(1);
  });
});
