// Type-level tests of HnswIndex<M>, checked by `npm run typecheck` (tsc --noEmit covers test/): each
// `@ts-expect-error` line must fail to compile, every other line must compile. Never executed.
import { type DeepReadonly, HnswIndex, type HnswSearchResult, type MetadataFilter } from '../../src/index.js';

interface Doc {
  title: string;
  tags: string[];
  nested: { n: number };
}
const v = [1, 2, 3];
const doc: Doc = { title: 't', tags: ['a'], nested: { n: 1 } };

export async function typedMetadata(): Promise<void> {
  const index = await HnswIndex.create<Doc>({ dimension: 3 });
  index.insert('a', v, doc);
  // @ts-expect-error M excludes undefined, so metadata is required
  index.insert('b', v);
  // @ts-expect-error the wrong shape
  index.insert('c', v, { title: 5, tags: [], nested: { n: 1 } });
  await index.batchInsert([{ key: 'd', vector: v, metadata: doc }]);
  // @ts-expect-error a batch entry without metadata
  await index.batchInsert([{ key: 'e', vector: v }]);
  await index.batchInsert(new Float32Array(3), ['f'], [doc], { onProgress: () => {} });
  // @ts-expect-error the flat form needs the metadata list too
  await index.batchInsert(new Float32Array(3), ['g']);

  const hits: HnswSearchResult<Doc>[] = index.search(v, 1, { filter: (_key, meta) => meta.tags.includes('a') && meta.nested.n > 0 });
  const title: string = hits[0]!.metadata.title;
  // @ts-expect-error returned metadata is frozen
  hits[0]!.metadata.title = 'x';
  // @ts-expect-error ... all the way down
  hits[0]!.metadata.tags.push('y');
  // @ts-expect-error ... all the way down
  hits[0]!.metadata.nested.n = 2;
  // Object filters: the same option, and count / deleteMany take them too.
  const filter: MetadataFilter = { title: 't', 'nested.n': { $gte: 1 }, tags: { $in: ['a'] }, $or: [{ title: 'u' }, { $not: { tags: 'b' } }] };
  index.search(v, 1, { filter });
  index.searchBatch([v], 1, { filter: { title: { $ne: null } } });
  const n: number = index.count() + index.count(filter) + index.count((_key, meta) => meta.nested.n > 0);
  const removed: number = index.deleteMany(filter) + index.deleteMany(['a']) + index.deleteMany((key) => key === 'a');
  // @ts-expect-error a Date is not a filter value
  index.search(v, 1, { filter: { title: new Date() } });
  void [n, removed];
  const got = index.get('a');
  const frozen: DeepReadonly<Doc> | undefined = got?.metadata;

  const opened: HnswIndex<Doc> = await HnswIndex.open<Doc>('x.mvi', { dimension: 3 });
  const loaded: HnswIndex<Doc> = await HnswIndex.load<Doc>('x.hnsw');
  void [title, frozen, opened, loaded];
}

export async function defaultIsUnknown(): Promise<void> {
  const index = await HnswIndex.create({ dimension: 3 });
  index.insert('a', v);
  index.insert('b', v, { anything: 1 });
  await index.batchInsert([{ key: 'c', vector: v }]);
  await index.batchInsert(new Float32Array(3), ['d']);
  const meta: unknown = index.search(v, 1)[0]!.metadata;
  // @ts-expect-error unknown must be narrowed before use
  index.search(v, 1)[0]!.metadata.title;
  void meta;
}

export async function optionalMetadata(): Promise<void> {
  const index = await HnswIndex.create<Doc | undefined>({ dimension: 3 });
  index.insert('a', v);
  index.insert('b', v, doc);
  const title: string | undefined = index.search(v, 1)[0]!.metadata?.title;
  // @ts-expect-error it may be undefined
  index.search(v, 1)[0]!.metadata.title;
  void title;
}
