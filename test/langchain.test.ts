// memvec/langchain, used the way a LangChain.js application uses a vector store: LangChain's own
// Documents, synthetic embeddings from @langchain/core/utils/testing, retrievers and MMR; results
// checked against an exact ranking computed with LangChain's own cosine similarity.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { cosineSimilarity } from '@langchain/core/utils/math';
import { FakeEmbeddings, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { VectorStoreRetriever } from '@langchain/core/vectorstores';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex, type MetadataFilter } from '../src/index.js';
import { INDEX_FILE, MemvecVectorStore } from '../src/langchain/index.js';
import { expectCodeAsync } from './support/expect-code.js';
import { rng } from './support/random.js';

const WORDS = ['apple', 'river', 'stone', 'cloud', 'violin', 'garden', 'rocket', 'harbor', 'winter', 'pepper', 'lantern', 'meadow'];
const random = rng(2024);
const TEXTS = Array.from({ length: 300 }, () =>
  Array.from({ length: 3 + Math.floor(random() * 5) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '));
const embeddings = new SyntheticEmbeddings({ vectorSize: 16 });
const dir = mkdtempSync(join(tmpdir(), 'memvec-langchain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The exact top-k texts (index into TEXTS) for `query`, by LangChain's cosine similarity. */
async function exactTopK(query: string, k: number, keep: (i: number) => boolean = () => true) {
  const q = await embeddings.embedQuery(query);
  const vectors = await embeddings.embedDocuments(TEXTS);
  const sims = cosineSimilarity([q], vectors)[0]!;
  return sims.map((score, i) => ({ i, score })).filter(({ i }) => keep(i)).sort((a, b) => b.score - a.score).slice(0, k);
}

describe('MemvecVectorStore', () => {
  it('fromTexts + similaritySearchWithScore returns the exact top-k with similarity scores (higher is better)', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i, even: i % 2 === 0 })), embeddings);
    expect(store.index!.size()).toBe(TEXTS.length);
    expect(store.index!.metric).toBe('cosine');
    for (const query of ['apple river', 'violin garden rocket', 'winter lantern meadow stone']) {
      const want = await exactTopK(query, 5);
      const got = await store.similaritySearchWithScore(query, 5);
      expect(got.map(([, score]) => score)).toEqual(want.map((w) => expect.closeTo(w.score, 5)));
      // Equal scores may come in either order; the scores above pin the ranking.
      for (const [doc] of got) {
        expect(doc).toBeInstanceOf(Document);
        expect(doc.pageContent).toBe(TEXTS[doc.metadata.i as number]);
        expect(typeof doc.id).toBe('string');
      }
      for (let j = 1; j < got.length; j++) expect(got[j - 1]![1]).toBeGreaterThanOrEqual(got[j]![1]);
    }
    // A stored text's own embedding is its nearest neighbour, at similarity 1.
    const [[top, score]] = await store.similaritySearchWithScore(TEXTS[42]!, 1);
    expect(score).toBeCloseTo(1, 5);
    expect(top!.pageContent).toBe(TEXTS[42]);
  });

  it('filters with a function of the Document, during the search (k results when k match)', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i, even: i % 2 === 0 })), embeddings);
    const keep = (i: number) => i % 7 === 3;
    const want = await exactTopK('rocket harbor', 6, keep);
    const got = await store.similaritySearchWithScore('rocket harbor', 6, (doc) => keep(doc.metadata.i as number));
    expect(got).toHaveLength(6);
    for (const [doc] of got) expect(keep(doc.metadata.i as number)).toBe(true);
    expect(got.map(([, s]) => s)).toEqual(want.map((w) => expect.closeTo(w.score, 5)));
  });

  it('filters with an object filter over the metadata, exactly like the same filter as a function', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i, even: i % 2 === 0, group: { n: i % 5 } })), embeddings);
    const cases: Array<[MetadataFilter, (i: number) => boolean]> = [
      [{ even: false, i: { $lt: 150 } }, (i) => i % 2 === 1 && i < 150],
      [{ $or: [{ 'group.n': 0 }, { i: { $in: [7, 8, 9] } }] }, (i) => i % 5 === 0 || [7, 8, 9].includes(i)],
      [{ $not: { even: true } }, (i) => i % 2 === 1],
      [{ i: { $gte: 296 } }, (i) => i >= 296],
    ];
    for (const [filter, keep] of cases) {
      const want = await exactTopK('rocket harbor', 6, keep);
      const got = await store.similaritySearchWithScore('rocket harbor', 6, filter);
      expect(got).toHaveLength(Math.min(6, TEXTS.filter((_, i) => keep(i)).length));
      for (const [doc] of got) expect(keep(doc.metadata.i as number)).toBe(true);
      expect(got.map(([, s]) => s)).toEqual(want.map((w) => expect.closeTo(w.score, 5)));
      const byFunction = await store.similaritySearchWithScore('rocket harbor', 6, (doc) => keep(doc.metadata.i as number));
      expect(got.map(([d, sc]) => [d.id, sc])).toEqual(byFunction.map(([d, sc]) => [d.id, sc]));
    }
    // The fields are the Document's metadata fields, not the stored entry's: pageContent is not one.
    expect(await store.similaritySearch('rocket', 3, { pageContent: { $exists: true } })).toEqual([]);
    // MMR and retrievers take object filters too.
    const mmr = await store.maxMarginalRelevanceSearch('rocket harbor', { k: 3, fetchK: 10, filter: { 'group.n': 2 } }, undefined);
    expect(mmr).toHaveLength(3);
    for (const d of mmr) expect((d.metadata.i as number) % 5).toBe(2);
    for (const d of await store.asRetriever({ k: 4, filter: { even: true } }).invoke('garden')) expect(d.metadata.even).toBe(true);
    // A malformed filter: INVALID_ARGUMENT naming the bad part.
    await expect(store.similaritySearch('rocket', 3, { i: { $foo: 1 } } as never)).rejects.toThrow(/filter\.metadata\.i\.\$foo: unknown operator/);
    await expectCodeAsync(() => store.similaritySearch('rocket', 3, { $or: 'x' } as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.similaritySearch('rocket', 3, [{ even: true }] as never), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.maxMarginalRelevanceSearch('rocket', { k: 2, filter: { i: { $in: 3 } } as never }, undefined), 'INVALID_ARGUMENT');
  });

  it('delete({ filter }) removes every matching document in one write; a bad filter removes nothing', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i, even: i % 2 === 0 })), embeddings);
    const index = store.index!;
    await store.delete({ filter: { even: true, i: { $lt: 100 } } });
    expect(index.size()).toBe(TEXTS.length - 50);
    for (let i = 0; i < 100; i += 2) expect(index.count({ 'metadata.i': i })).toBe(0);
    expect(index.count({ 'metadata.i': 1 })).toBe(1);
    // A function of the Document works the same way.
    await store.delete({ filter: (doc) => (doc.metadata.i as number) >= 290 });
    expect(index.size()).toBe(TEXTS.length - 60);
    const size = index.size();
    await expectCodeAsync(() => store.delete({ filter: { i: { $gt: [1] } } as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.delete({ filter: 'even' as never }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.delete({ ids: ['x'], filter: { even: true } }), 'INVALID_ARGUMENT');
    expect(index.size()).toBe(size);
    // {} matches every document, as in MongoDB.
    await store.delete({ filter: {} });
    expect(index.size()).toBe(0);
  });

  it('takes ids from Document.id or the ids option, upserts by id, and deletes by ids', async () => {
    const store = new MemvecVectorStore(embeddings);
    expect(await store.similaritySearch('apple', 3)).toEqual([]);
    const ids = await store.addDocuments([
      new Document({ id: 'doc-a', pageContent: 'apple river stone', metadata: { n: 1 } }),
      new Document({ pageContent: 'violin garden', metadata: { n: 2 } }),
    ]);
    expect(ids[0]).toBe('doc-a');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(await store.addDocuments([new Document({ pageContent: 'cloud winter', metadata: {} })], { ids: ['doc-c'] })).toEqual(['doc-c']);
    // The same id again replaces the document.
    await store.addDocuments([new Document({ id: 'doc-a', pageContent: 'rocket harbor', metadata: { n: 9 } })]);
    expect(store.index!.size()).toBe(3);
    const [hit] = await store.similaritySearch('rocket harbor', 1);
    expect(hit).toMatchObject({ id: 'doc-a', pageContent: 'rocket harbor', metadata: { n: 9 } });
    await store.delete({ ids: ['doc-a', 'never-there'] });
    expect(store.index!.size()).toBe(2);
    const all = await store.similaritySearch('rocket harbor', 10);
    expect(all.map((d) => d.id).sort()).toEqual([ids[1], 'doc-c'].sort());
    // Returned metadata is the caller's to change: the store keeps its own copy.
    all[0]!.metadata.changed = true;
    expect((await store.similaritySearch('rocket harbor', 10)).some((d) => 'changed' in d.metadata)).toBe(false);
  });

  it('concurrent adds and deletes (Promise.all) all land, in call order', async () => {
    const store = new MemvecVectorStore(embeddings);
    const batches = Array.from({ length: 8 }, (_, b) =>
      TEXTS.slice(b * 30, (b + 1) * 30).map((t, i) => new Document({ id: `c${b * 30 + i}`, pageContent: t, metadata: {} })));
    await Promise.all([
      ...batches.map((docs) => store.addDocuments(docs)),
      store.delete({ ids: ['c0', 'c31'] }),
    ]);
    expect(store.index!.size()).toBe(8 * 30 - 2);
    expect(store.index!.has('c0') || store.index!.has('c31')).toBe(false);
  });

  it('an embeddings failure rejects that add only', async () => {
    class Flaky extends SyntheticEmbeddings {
      fail = true;
      override async embedDocuments(texts: string[]) {
        if (this.fail) throw new Error('embeddings service down');
        return super.embedDocuments(texts);
      }
    }
    const flaky = new Flaky({ vectorSize: 16 });
    const store = new MemvecVectorStore(flaky);
    const failed = store.addDocuments([new Document({ pageContent: 'apple', metadata: {} })]);
    flaky.fail = false;
    const next = store.addDocuments([new Document({ id: 'ok', pageContent: 'river', metadata: {} })]);
    await expect(failed).rejects.toThrow('embeddings service down');
    expect(await next).toEqual(['ok']);
    expect(store.index!.size()).toBe(1);
  });

  it('maxMarginalRelevanceSearch trades similarity for diversity', async () => {
    const texts = ['apple river', 'apple river', 'apple river', 'apple river stone', 'violin garden winter'];
    const store = await MemvecVectorStore.fromTexts(texts, {}, embeddings);
    const plain = await store.similaritySearch('apple river', 2);
    expect(plain.map((d) => d.pageContent)).toEqual(['apple river', 'apple river']);
    const diverse = await store.maxMarginalRelevanceSearch('apple river', { k: 2, fetchK: 5, lambda: 0.3 }, undefined);
    expect(diverse).toHaveLength(2);
    expect(diverse[0]!.pageContent).toBe('apple river');
    expect(diverse[1]!.pageContent).not.toBe('apple river');
    const similarOnly = await store.maxMarginalRelevanceSearch('apple river', { k: 3, fetchK: 5, lambda: 1 }, undefined);
    expect(similarOnly.map((d) => d.pageContent)).toEqual(['apple river', 'apple river', 'apple river']);
    const filtered = await store.maxMarginalRelevanceSearch('apple river', { k: 2, filter: (d) => d.pageContent.includes('violin') }, undefined);
    expect(filtered.map((d) => d.pageContent)).toEqual(['violin garden winter']);
  });

  it('asRetriever: similarity, with a filter, and MMR', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i })), embeddings);
    const retriever = store.asRetriever(4);
    expect(retriever).toBeInstanceOf(VectorStoreRetriever);
    const docs = await retriever.invoke('garden pepper');
    const want = await exactTopK('garden pepper', 4);
    expect(docs).toHaveLength(4);
    const scores = await Promise.all(docs.map(async (d) => cosineSimilarity([await embeddings.embedQuery('garden pepper')], [await embeddings.embedQuery(d.pageContent)])[0]![0]!));
    expect(scores).toEqual(want.map((w) => expect.closeTo(w.score, 5)));
    const odd = store.asRetriever({ k: 3, filter: (d) => (d.metadata.i as number) % 2 === 1 });
    for (const d of await odd.invoke('garden pepper')) expect((d.metadata.i as number) % 2).toBe(1);
    const mmr = store.asRetriever({ k: 3, searchType: 'mmr', searchKwargs: { fetchK: 12, lambda: 0.5 } });
    expect(await mmr.invoke('garden pepper')).toHaveLength(3);
    // A retriever adds through the store too.
    await retriever.addDocuments([new Document({ id: 'via-retriever', pageContent: 'lantern lantern', metadata: {} })]);
    expect(store.index!.has('via-retriever')).toBe(true);
  });

  it('save(directory) and load(directory, embeddings) give back the same store', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS, TEXTS.map((_, i) => ({ i })), embeddings, { indexOptions: { M: 8, efSearch: 80 } });
    const where = join(dir, 'saved', 'nested');
    await store.save(where);
    const loaded = await MemvecVectorStore.load(where, embeddings);
    expect(loaded).toBeInstanceOf(MemvecVectorStore);
    expect(loaded.index!.M).toBe(8);
    for (const q of ['meadow harbor', 'stone']) {
      const a = await store.similaritySearchWithScore(q, 8);
      const b = await loaded.similaritySearchWithScore(q, 8);
      expect(b.map(([d, s]) => [d.id, d.pageContent, d.metadata, s])).toEqual(a.map(([d, s]) => [d.id, d.pageContent, d.metadata, s]));
    }
    await expectCodeAsync(() => MemvecVectorStore.load(join(dir, 'nowhere'), embeddings), 'IO');
    await expectCodeAsync(() => new MemvecVectorStore(embeddings).save(join(dir, 'empty')), 'INVALID_ARGUMENT');
    expect(INDEX_FILE).toBe('memvec.hnsw');
  });

  it('over a persistent HnswIndex, every add and delete is durable when it returns', async () => {
    const path = join(dir, 'docs.mvi');
    const store = new MemvecVectorStore(embeddings, { index: await HnswIndex.open(path, { dimension: 16 }) });
    await store.addDocuments(TEXTS.slice(0, 20).map((t, i) => new Document({ id: `d${i}`, pageContent: t, metadata: { i } })));
    await store.delete({ ids: ['d3'] });
    await store.delete({ filter: { i: { $gte: 15 } } });
    store.index!.close();
    const again = new MemvecVectorStore(embeddings, { index: await HnswIndex.open(path) });
    expect(again.index!.size()).toBe(14);
    expect(await again.similaritySearch(TEXTS[16]!, 3, { i: 16 })).toEqual([]);
    const [hit] = await again.similaritySearch(TEXTS[5]!, 1, (d) => d.id === 'd5');
    expect(hit).toMatchObject({ id: 'd5', pageContent: TEXTS[5], metadata: { i: 5 } });
    again.index!.close();
  });

  it('other metrics: scores stay higher-is-better (negative L2 distance for euclidean)', async () => {
    const store = await MemvecVectorStore.fromTexts(TEXTS.slice(0, 50), {}, embeddings, { indexOptions: { metric: 'euclidean' } });
    const got = await store.similaritySearchWithScore(TEXTS[7]!, 3);
    expect(got[0]![1]).toBeCloseTo(0, 5);
    expect(got[1]![1]).toBeLessThan(0);
    expect(store.metric).toBe('euclidean');
  });

  it('bad input is a typed MemvecError and adds nothing', async () => {
    const store = await MemvecVectorStore.fromTexts(['apple river'], [{}], embeddings);
    await expectCodeAsync(() => store.addVectors([[1, 2, 3, 4]], []), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.addVectors([[1, 2]], [new Document({ pageContent: 'x' })]), 'DIMENSION_MISMATCH');
    const doc = new Document({ pageContent: 'x' });
    await expectCodeAsync(() => store.addVectors(Array(2).fill(Array(16).fill(0.5)), [doc, doc], { ids: ['one'] }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.addDocuments([{ pageContent: 3 } as never]), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.addDocuments([new Document({ pageContent: 'x', metadata: { n: 1n } })]), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.addDocuments([new Document({ pageContent: 'x' }), new Document({ pageContent: 'y' })], { ids: ['', 'b'] }), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.delete({}), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => store.similaritySearchVectorWithScore([1, 2], 1), 'DIMENSION_MISMATCH');
    await expectCodeAsync(() => store.similaritySearch('apple', 0), 'INVALID_ARGUMENT');
    await expectCodeAsync(() => MemvecVectorStore.fromTexts(['a', 'b'], [{}], embeddings), 'INVALID_ARGUMENT');
    expect(() => new MemvecVectorStore(embeddings, { index: {} as never })).toThrow(/index must be an HnswIndex/);
    expect(store.index!.size()).toBe(1);
    // FakeEmbeddings gives every text the same vector: a valid, if useless, store.
    const fake = await MemvecVectorStore.fromTexts(['a', 'b'], {}, new FakeEmbeddings());
    expect(await fake.similaritySearch('c', 2)).toHaveLength(2);
  });
});
