// Every public options object: an unknown name (a typo) is INVALID_ARGUMENT naming it and the closest
// valid name, a non-object is INVALID_ARGUMENT, and neither changes anything. Error messages show the
// offending value's type. In-memory files (the memory backend): options checks come before any I/O.
import { describe, expect, it } from 'vitest';
import { isMemvecError, MemvecError } from '../src/errors.js';
import { HnswIndex } from '../src/hnsw-index.js';
import { MemMapVector } from '../src/memmap-vector.js';
import { resolveBackend } from '../src/storage/select.js';

const DIM = 4;
const Q = [1, 2, 3, 4];
let n = 0;
const fresh = (name: string) => `/mem/options-${name}-${n++}`;

const isPlainObject = (o: unknown): o is object => typeof o === 'object' && o !== null && !Array.isArray(o);

async function caught(fn: () => unknown): Promise<MemvecError> {
  try {
    await fn();
  } catch (err) {
    if (isMemvecError(err)) return err;
    throw err;
  }
  throw new Error('expected a MemvecError, nothing was thrown');
}

/** One options argument of one call; `call` runs it against fresh state and returns a probe of that state. */
interface Site {
  name: string;
  /** A valid name, a typo of it, and the name the error must suggest. */
  typo: [string, string];
  call: (options: unknown) => Promise<unknown>;
  /** After a rejected call: nothing changed. */
  unchanged: () => Promise<void>;
}

async function sites(): Promise<Site[]> {
  const memory = await resolveBackend('memory');
  const index = await HnswIndex.create({ dimension: DIM, metric: 'euclidean' });
  index.insert('a', [1, 0, 0, 0], { n: 1 });
  const indexUnchanged = async () => {
    expect(index.size()).toBe(1);
    expect(index.search(Q, 5).map((r) => r.key)).toEqual(['a']);
  };
  const dbPath = fresh('db');
  const db = await MemMapVector.open(dbPath, { dimension: DIM, backend: memory });
  db.addVectors([[1, 0, 0, 0], [0, 1, 0, 0]]);
  db.markDeleted(0);
  const dbUnchanged = async () => {
    expect(db.stat().deletedIds).toEqual([0]);
    expect(db.getTotalVectors()).toBe(2);
  };
  const snapshot = fresh('snap');
  await index.save(snapshot, { backend: memory });
  const absent = (path: string) => async () => expect(await memory.exists(path)).toBe(false);
  const newIndexPath = fresh('new-index');
  const newDbPath = fresh('new-db');
  const savePath = fresh('saved');
  return [
    { name: 'HnswIndex.create', typo: ['efConstruction', 'efconstruction'], call: (o) => HnswIndex.create((isPlainObject(o) ? { dimension: DIM, ...o } : o) as never), unchanged: async () => {} },
    { name: 'HnswIndex.open', typo: ['dimension', 'dimention'], call: (o) => HnswIndex.open(newIndexPath, o as never), unchanged: absent(newIndexPath) },
    { name: 'HnswIndex.load', typo: ['onProgress', 'onprogress'], call: (o) => HnswIndex.load(snapshot, o as never), unchanged: async () => {} },
    { name: 'save', typo: ['backend', 'backnd'], call: (o) => index.save(savePath, o as never), unchanged: absent(savePath) },
    { name: 'batchInsert (entries)', typo: ['signal', 'signl'], call: (o) => index.batchInsert([{ key: 'b', vector: Q }], o as never), unchanged: indexUnchanged },
    { name: 'batchInsert (flat)', typo: ['onProgress', 'onProgres'], call: (o) => index.batchInsert(new Float32Array(Q), ['b'], undefined, o as never), unchanged: indexUnchanged },
    { name: 'search', typo: ['ef', 'eff'], call: async (o) => index.search(Q, 1, o as never), unchanged: indexUnchanged },
    { name: 'MemMapVector.open', typo: ['dimension', 'dimention'], call: (o) => MemMapVector.open(newDbPath, o as never), unchanged: absent(newDbPath) },
    { name: 'cosineSearch', typo: ['topK', 'topk'], call: async (o) => db.cosineSearch(Q, o as never), unchanged: dbUnchanged },
    { name: 'cosineSearchInVectorIds', typo: ['minScore', 'minscore'], call: async (o) => db.cosineSearchInVectorIds(Q, [1], o as never), unchanged: dbUnchanged },
    { name: 'compact', typo: ['signal', 'sigal'], call: (o) => db.compact(o as never), unchanged: dbUnchanged },
  ];
}

describe('options objects', async () => {
  const all = await sites();

  for (const site of all) {
    it(`${site.name}: an unknown name is INVALID_ARGUMENT naming it and the closest valid name; nothing changes`, async () => {
      const [valid, typo] = site.typo;
      const err = await caught(() => site.call({ [typo]: 1 }));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(`unknown option "${typo}"`);
      expect(err.message).toContain(`did you mean "${valid}"`);
      await site.unchanged();
      // A name far from every valid one is still named, with the valid list.
      const far = await caught(() => site.call({ zzzzzzzzzzzz: true }));
      expect(far.code).toBe('INVALID_ARGUMENT');
      expect(far.message).toMatch(/unknown option "zzzzzzzzzzzz".*valid: /);
      await site.unchanged();
    });

    it(`${site.name}: a non-object options argument is INVALID_ARGUMENT; nothing changes`, async () => {
      for (const bad of [3, 'fast', [], null, true]) {
        const err = await caught(() => site.call(bad));
        expect(err.code, `${site.name}(${JSON.stringify(bad)})`).toBe('INVALID_ARGUMENT');
        expect(err.message).toMatch(/must be an object, got/);
      }
      await site.unchanged();
    });
  }

  it('HnswIndex.create with a misspelt option no longer builds with the default', async () => {
    const err = await caught(() => HnswIndex.create({ dimension: 4, efconstruction: 10 } as never));
    expect(err.message).toBe(
      'unknown option "efconstruction" in HnswIndex.create options (did you mean "efConstruction"? valid: dimension, metric, M, efConstruction, efSearch, seed, quantization, rerank, threads)',
    );
    await expect(HnswIndex.create(4 as never)).rejects.toThrow(/HnswIndex.create options must be an object, got 4/);
  });

  it('the valid names still work (and undefined options are the defaults)', async () => {
    const index = await HnswIndex.create({ dimension: DIM, metric: 'dot', M: 4, efConstruction: 10, efSearch: 5, seed: 1 });
    index.insert('a', Q);
    expect(index.search(Q, 1, { ef: 3, minScore: -10, filter: () => true })).toHaveLength(1);
    expect(index.search(Q, 1, undefined)).toHaveLength(1);
    await index.batchInsert([{ key: 'b', vector: Q }], { signal: new AbortController().signal, onProgress: () => {} });
    expect(index.size()).toBe(2);
  });
});

describe('error messages show the offending value and its type', () => {
  it('a string "3" is not the number 3', async () => {
    const index = await HnswIndex.create({ dimension: DIM });
    index.insert('a', Q);
    expect((await caught(() => index.search(Q, '3' as never))).message).toBe('k must be an integer ≥ 1, got "3" (string)');
    expect((await caught(() => index.search(Q, 1.5))).message).toBe('k must be an integer ≥ 1, got 1.5');
    expect((await caught(() => index.search(Q, 1, { ef: true as never }))).message).toBe('ef must be an integer ≥ 1, got true (boolean)');
    expect((await caught(() => index.search(Q, 1, { minScore: '0.5' as never }))).message).toBe('minScore must be a finite number, got "0.5" (string)');
    expect((await caught(() => HnswIndex.create({ dimension: '4' as never }))).message).toBe('dimension must be an integer in [1, 65536], got "4" (string)');
    expect((await caught(() => index.insert(5 as never, Q))).message).toMatch(/key must be .*, got 5$/);
    expect((await caught(() => index.insert('b', [1, 2, '3', 4] as never))).message).toBe('the vector of "b" has a non-finite value ("3" (string)) at index 2');
    expect((await caught(() => index.search('1,2,3,4' as never, 1))).message).toMatch(/query must be a Float32Array or an array of numbers, got "1,2,3,4" \(string\)/);
  });

  it('MemMapVector: topK, ids and options', async () => {
    const db = await MemMapVector.open(fresh('msg'), { dimension: DIM, backend: 'memory' });
    db.addVectors([Q]);
    expect((await caught(() => db.cosineSearch(Q, { topK: '3' as never }))).message).toBe('topK must be an integer in [1, 67108864], got "3" (string)');
    expect((await caught(() => db.markDeleted('0' as never))).message).toMatch(/got "0" \(string\)/);
    expect((await caught(() => db.getVectorByVectorId('0' as never))).message).toBe('"0" (string) is not a vector id');
    expect((await caught(() => MemMapVector.open(fresh('x'), { backend: 'memory', readOnly: 'yes' as never }))).message).toBe(
      'readOnly must be a boolean, got "yes" (string)',
    );
  });
});

describe('backend names', () => {
  it('a misspelt backend is INVALID_ARGUMENT with the closest name; a real one this runtime lacks is UNSUPPORTED', async () => {
    const typo = await caught(() => MemMapVector.open(fresh('typo'), { dimension: DIM, backend: 'mmapp' as never }));
    expect(typo.code).toBe('INVALID_ARGUMENT');
    expect(typo.message).toMatch(/unknown storage backend "mmapp" \(string\) \(did you mean 'mmap'\?/);
    const index = await HnswIndex.create({ dimension: DIM });
    await expect(index.save('x', { backend: 'memroy' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    index.close();
    // Node, Bun and Deno have no OPFS: the message says where it exists.
    const opfs = await caught(() => MemMapVector.open('v.mvec', { dimension: DIM, backend: 'opfs' }));
    expect(opfs.code).toBe('UNSUPPORTED');
    expect(opfs.message).toMatch(/dedicated Worker/);
  });
});
