/**
 * MemvecVectorStore: memvec's HnswIndex as a LangChain.js vector store (a SaveableVectorStore).
 *
 * - Documents are keyed by id: `Document.id`, or the `ids` option, or a random UUID. Adding an id that
 *   is there already replaces it (the index upserts by key).
 * - Scores are similarities, higher is better, whatever the metric: cosine similarity (the default),
 *   dot product, or negative euclidean distance. (LangChain stores disagree; some return distances.)
 * - Filters are object filters over the Document's metadata (`{ lang: 'en', year: { $gte: 2020 } }`,
 *   memvec's MetadataFilter: MongoDB's rules), or functions of the Document. An object filter goes to
 *   the index as it is, its fields moved under `metadata.` (where the index keeps a Document's
 *   metadata, see stored-document.ts), so the index checks it (INVALID_ARGUMENT names the bad part,
 *   with that prefix) and evaluates it. `delete({ filter })` is one deleteMany(filter) of the index.
 * - The index is created on the first add, with the dimension of the first vectors, unless one is
 *   given: pass `index` to use an existing one, e.g. a persistent `HnswIndex.open(path)` that makes
 *   every add and delete durable when it returns.
 * - Adds and deletes run one at a time in call order (LangChain code often adds with Promise.all, and
 *   the index refuses a write while a batch is being inserted); searches do not wait.
 */
import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { maximalMarginalRelevance } from '@langchain/core/utils/math';
import { type MaxMarginalRelevanceSearchOptions, SaveableVectorStore } from '@langchain/core/vectorstores';
import { type HnswFilter, HnswIndex, type HnswIndexOptions, type HnswMetric, MemvecError, type MetadataFilter } from 'memvec';
import { Lane } from '../migrate/lane.js';
import { toDocument, toStored } from './stored-document.js';

/**
 * A filter: an object filter over the Documents' metadata (`{ lang: 'en' }`), or a function that keeps
 * the Documents for which it returns true.
 */
export type MemvecFilter = MetadataFilter | ((doc: DocumentInterface) => boolean);

export interface MemvecVectorStoreArgs {
  /** An index to use (its dimension must match the embeddings). Default: one created on the first add. */
  index?: HnswIndex;
  /** Options for the index created on the first add (its dimension comes from the vectors). */
  indexOptions?: Omit<HnswIndexOptions, 'dimension'>;
  /** Candidate list size for searches; default: the index's efSearch. */
  ef?: number;
}

/** The file a saved store keeps its index in, inside the directory given to save(). */
export const INDEX_FILE = 'memvec.hnsw';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * An object filter over Document metadata as a filter over the index's entries, which hold the
 * metadata under `metadata` (stored-document.ts): every field path gains that prefix, and $and, $or
 * and $not are followed. Only the shape is rewritten; what it does not recognise goes to the index
 * unchanged, which refuses it (the checks live in one place, in memvec's compileFilter).
 */
function underMetadata(filter: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if ((key === '$and' || key === '$or') && Array.isArray(value)) {
      out[key] = value.map((f: unknown) => (isPlainObject(f) ? underMetadata(f) : f));
    } else if (key === '$not' && isPlainObject(value)) {
      out[key] = underMetadata(value);
    } else if (key.startsWith('$')) {
      out[key] = value;
    } else {
      out[`metadata.${key}`] = value;
    }
  }
  return out;
}

/** The store's filter as the index's. */
function toIndexFilter(filter: unknown): HnswFilter | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'function') {
    const f = filter as (doc: DocumentInterface) => boolean;
    return (key, stored) => f(toDocument(key, stored));
  }
  if (isPlainObject(filter)) return underMetadata(filter) as MetadataFilter;
  throw new MemvecError('INVALID_ARGUMENT', 'a filter is an object filter over metadata ({ lang: \'en\' }) or a function (doc) => boolean');
}

export class MemvecVectorStore extends SaveableVectorStore {
  declare FilterType: MemvecFilter;

  private indexRef: HnswIndex | undefined;
  private readonly writes = new Lane();
  private readonly indexOptions: Omit<HnswIndexOptions, 'dimension'>;
  private readonly ef: number | undefined;

  constructor(embeddings: EmbeddingsInterface, args: MemvecVectorStoreArgs = {}) {
    super(embeddings, args);
    if (args.index !== undefined && !(args.index instanceof HnswIndex)) {
      throw new MemvecError('INVALID_ARGUMENT', 'index must be an HnswIndex');
    }
    this.indexRef = args.index;
    this.indexOptions = args.indexOptions ?? {};
    this.ef = args.ef;
  }

  _vectorstoreType(): string {
    return 'memvec';
  }

  /** The index behind the store (undefined until the first add, unless one was given). */
  get index(): HnswIndex | undefined {
    return this.indexRef;
  }

  get metric(): HnswMetric {
    return this.indexRef?.metric ?? this.indexOptions.metric ?? 'cosine';
  }

  /** Runs on the write lane, so two first adds cannot both create an index. */
  private async indexFor(dimension: number): Promise<HnswIndex> {
    this.indexRef ??= await HnswIndex.create({ ...this.indexOptions, dimension });
    return this.indexRef;
  }

  /** Adds (or replaces, by id) documents with their vectors; resolves to their ids. All or nothing. */
  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    return this.add(Promise.resolve(vectors), documents, options);
  }

  /** Embeds the documents' text and adds them; resolves to their ids. */
  async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    if (!Array.isArray(documents)) throw new MemvecError('INVALID_ARGUMENT', 'addDocuments takes an array of Documents');
    const texts = documents.map((doc, i) => toStored(doc, i).pageContent);
    return this.add(this.embeddings.embedDocuments(texts), documents, options);
  }

  /**
   * Takes its place on the write lane when called, so writes land in call order, while the embedding
   * (`vectors`) may still be computing: concurrent addDocuments embed in parallel.
   */
  private add(vectors: Promise<number[][]>, documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    // Handled below, once its turn comes; this only keeps a rejection from being reported as unhandled meanwhile.
    vectors.catch(() => undefined);
    if (!Array.isArray(documents)) throw new MemvecError('INVALID_ARGUMENT', 'documents must be an array of Documents');
    const ids = options?.ids;
    if (ids !== undefined && (!Array.isArray(ids) || ids.length !== documents.length)) {
      throw new MemvecError('INVALID_ARGUMENT', `ids must be an array of ${documents.length} ids, one per document`);
    }
    const stored = documents.map((doc, i) => toStored(doc, i));
    const keys = documents.map((doc, i) => ids?.[i] ?? doc.id ?? globalThis.crypto.randomUUID());
    return this.writes.run(async () => {
      const rows = await vectors;
      if (!Array.isArray(rows) || rows.length !== documents.length) {
        throw new MemvecError('INVALID_ARGUMENT', `expected ${documents.length} vectors, one per document`);
      }
      if (rows.length === 0) return [];
      const index = await this.indexFor(Array.isArray(rows[0]) ? rows[0].length : 0);
      await index.batchInsert(stored.map((metadata, i) => ({ key: keys[i]!, vector: rows[i]!, metadata })));
      return keys;
    });
  }

  /**
   * Deletes the documents with these ids (ids that are not there are ignored), or every document that
   * passes `filter` (an object filter over metadata, or a function of the Document) as one write.
   */
  override async delete(params?: { ids?: string[]; filter?: MemvecFilter }): Promise<void> {
    const ids = params?.ids;
    const filter = params?.filter;
    if (filter !== undefined && ids === undefined) {
      const f = toIndexFilter(filter)!;
      await this.writes.run(() => {
        this.indexRef?.deleteMany(f);
      });
      return;
    }
    if (filter !== undefined || !Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new MemvecError('INVALID_ARGUMENT', 'delete takes { ids: string[] } or { filter }');
    }
    await this.writes.run(() => {
      for (const id of ids) this.indexRef?.delete(id);
    });
  }

  /** The k documents nearest to `query`, best first, with their similarity (higher is better). */
  async similaritySearchVectorWithScore(query: number[], k: number, filter?: MemvecFilter): Promise<[DocumentInterface, number][]> {
    return (await this.searchVector(query, k, filter)).map(({ doc, score }) => [doc, score]);
  }

  private async searchVector(query: number[], k: number, filter: unknown) {
    const f = toIndexFilter(filter);
    const index = this.indexRef;
    if (index === undefined) return [];
    const hits = index.search(query, k, { ef: this.ef === undefined ? undefined : Math.max(this.ef, k), filter: f });
    return hits.map((hit) => ({ key: hit.key, doc: toDocument(hit.key, hit.metadata), score: hit.score }));
  }

  /**
   * Maximal marginal relevance: fetches the `fetchK` (default 20) nearest documents, then picks `k`
   * of them balancing similarity to the query against similarity to those already picked (`lambda`:
   * 1 = similarity only, 0 = diversity only; default 0.5).
   */
  override async maxMarginalRelevanceSearch(
    query: string,
    options: MaxMarginalRelevanceSearchOptions<this['FilterType']>,
    _callbacks?: Callbacks,
  ): Promise<DocumentInterface[]> {
    const { k, fetchK = 20, lambda = 0.5, filter } = options;
    const queryVector = await this.embeddings.embedQuery(query);
    const candidates = await this.searchVector(queryVector, Math.max(fetchK, k), filter);
    const index = this.indexRef;
    if (index === undefined || candidates.length === 0) return [];
    const vectors = candidates.map(({ key }) => Array.from(index.get(key)!.vector));
    return maximalMarginalRelevance(queryVector, vectors, lambda, k).map((i) => candidates[i]!.doc);
  }

  /** Writes the index (with every document's text and metadata) to `directory`/memvec.hnsw, atomically. */
  async save(directory: string): Promise<void> {
    if (typeof directory !== 'string' || directory.length === 0) throw new MemvecError('INVALID_ARGUMENT', 'directory must be a non-empty string');
    if (this.indexRef === undefined) throw new MemvecError('INVALID_ARGUMENT', 'nothing to save: the store has no index until documents are added');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(directory, { recursive: true });
    await this.indexRef.save(`${directory}/${INDEX_FILE}`);
  }

  /** A store over the index saved in `directory`; the embeddings must be the ones it was built with. */
  static override async load(directory: string, embeddings: EmbeddingsInterface): Promise<MemvecVectorStore> {
    if (typeof directory !== 'string' || directory.length === 0) throw new MemvecError('INVALID_ARGUMENT', 'directory must be a non-empty string');
    return new MemvecVectorStore(embeddings, { index: await HnswIndex.load(`${directory}/${INDEX_FILE}`) });
  }

  /** A store holding `texts`, with `metadatas` (one per text, or one for all). */
  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    args?: MemvecVectorStoreArgs,
  ): Promise<MemvecVectorStore> {
    if (!Array.isArray(texts)) throw new MemvecError('INVALID_ARGUMENT', 'texts must be an array of strings');
    if (Array.isArray(metadatas) && metadatas.length !== texts.length) {
      throw new MemvecError('INVALID_ARGUMENT', `metadatas must be one object, or ${texts.length} of them, one per text`);
    }
    const docs = texts.map((pageContent, i) => ({
      pageContent,
      metadata: ((Array.isArray(metadatas) ? metadatas[i] : metadatas) ?? {}) as Record<string, unknown>,
    }));
    return MemvecVectorStore.fromDocuments(docs, embeddings, args);
  }

  /** A store holding `docs`. */
  static override async fromDocuments(docs: DocumentInterface[], embeddings: EmbeddingsInterface, args?: MemvecVectorStoreArgs): Promise<MemvecVectorStore> {
    const store = new MemvecVectorStore(embeddings, args);
    await store.addDocuments(docs);
    return store;
  }
}
