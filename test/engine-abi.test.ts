// The engine binding's contract: the check every instance passes on load (exports and shared
// constants against src/engine/abi.ts), the INTERNAL code for faults that are memvec's, and the rule
// that only src/engine/ calls the engine's exports.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ABI_CONSTANTS, EXPORTED_FUNCTIONS } from '../src/engine/abi.js';
import { checkEngineExports } from '../src/engine/abi-check.js';
import { Engine } from '../src/engine/engine.js';
import { HnswEngine } from '../src/engine/hnsw-engine.js';
import { METRIC_IDS } from '../src/engine/metrics.js';
import { MAX_M } from '../src/limits.js';
import { expectCode } from './support/expect-code.js';

describe('the engine ABI check', async () => {
  // A real instance: its exports are what the check runs on, doctored one way at a time.
  const real = (await Engine.create()).exports as unknown as Record<string, unknown>;
  const abiConstant = real['abiConstant'] as (id: number) => number;

  it('passes the engine as built, whose constants all match the facade', () => {
    expect(checkEngineExports(real)).toBe(real);
    for (const { id, value } of ABI_CONSTANTS) expect(abiConstant(id)).toBe(value);
    // The ids are distinct and the engine knows no id past the list.
    expect(new Set(ABI_CONSTANTS.map((c) => c.id)).size).toBe(ABI_CONSTANTS.length);
    expect(abiConstant(ABI_CONSTANTS.length)).toBe(-(2 ** 31));
  });

  it('fails with INTERNAL, naming the constant, when one disagrees', () => {
    for (const { id, name, value } of ABI_CONSTANTS) {
      const doctored = { ...real, abiConstant: (i: number) => (i === id ? value + 1 : abiConstant(i)) };
      expectCode(() => checkEngineExports(doctored), 'INTERNAL');
      expect(() => checkEngineExports(doctored)).toThrow(new RegExp(`\\b${name} is ${value + 1} in the engine, ${value} in the facade`));
    }
    // The limit the issue found split (M 128 in the facade, 256 in the engine) is one of them.
    const wideM = { ...real, abiConstant: (i: number) => (i === 9 ? 256 : abiConstant(i)) };
    expect(MAX_M).toBe(128);
    expect(() => checkEngineExports(wideM)).toThrow(/MAX_M is 256 in the engine, 128 in the facade/);
  });

  it('fails with INTERNAL, naming it, when an export or the memory is missing', () => {
    for (const name of [EXPORTED_FUNCTIONS[0]!, 'hnswSearch', 'abiConstant', 'memory']) {
      const { [name]: _gone, ...rest } = real;
      expectCode(() => checkEngineExports(rest), 'INTERNAL');
      expect(() => checkEngineExports(rest)).toThrow(new RegExp(`does not export ${name}\\b`));
    }
  });
});

describe('engine statuses', () => {
  it('an engine status the facade never expects is INTERNAL, not the caller\'s INVALID_ARGUMENT', async () => {
    const hnsw = await HnswEngine.create({ dimension: 3, metric: METRIC_IDS.cosine, M: 4, efConstruction: 8, seedLo: 1, seedHi: 0 }, 'a test index');
    // No slot 5 in an empty index: the engine returns ST_INVALID, which only a bug in memvec can cause.
    expectCode(() => hnsw.markDeleted(5), 'INTERNAL');
    // An engine refusing its configuration (M past the limit both sides share) is INTERNAL too.
    await expect(
      HnswEngine.create({ dimension: 3, metric: METRIC_IDS.cosine, M: MAX_M + 1, efConstruction: 8, seedLo: 1, seedHi: 0 }, 'a test index'),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('the search context', () => {
  it('a search never allocates: without its result room reserved the engine refuses it, the binding reserves first', async () => {
    const dim = 8;
    const hnsw = await HnswEngine.create({ dimension: dim, metric: METRIC_IDS.euclidean, M: 4, efConstruction: 8, seedLo: 7, seedHi: 0 }, 'a test index');
    hnsw.reserve(300, 'a test');
    hnsw.txBegin();
    for (let i = 0; i < 300; i++) {
      hnsw.writeNext(Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 7 + j)));
      hnsw.insert('a test');
    }
    hnsw.txCommit();
    const raw = hnsw.engine.exports;
    // Room for efConstruction (8) only: ef 250 would need the context to grow inside the search.
    expect(raw.hnswSearch(10, 250, 0)).toBe(-2);
    const query = Float32Array.from({ length: dim }, (_, j) => Math.cos(j));
    expect(hnsw.search(query, 10, 250, 0)).toBe(10);
    // Reserved now: the raw call succeeds, and gives what the binding gave.
    const ids = Array.from(hnsw.engine.u32.subarray(hnsw.resultIdsAt, hnsw.resultIdsAt + 10));
    hnsw.engine.f32.set(query, raw.hnswQueryPtr() >>> 2);
    expect(raw.hnswSearch(10, 250, 0)).toBe(10);
    expect(Array.from(hnsw.engine.u32.subarray(raw.hnswOutIdsPtr() >>> 2, (raw.hnswOutIdsPtr() >>> 2) + 10))).toEqual(ids);
  });
});

describe('one binding', () => {
  it('no file outside src/engine/ touches the engine\'s exports', () => {
    const root = join(import.meta.dirname, '..', 'src');
    // The one exception: a worker thread's own instance (it runs only the jobs engine.ts JOBS names).
    const worker = join(root, 'threads', 'worker-source.ts');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== join(root, 'engine')) walk(path);
        } else if (path !== worker && entry.name.endsWith('.ts') && /\.exports\b|instance\.exports/.test(readFileSync(path, 'utf8'))) {
          offenders.push(relative(root, path));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
