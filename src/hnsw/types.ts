/**
 * HnswIndex's public types, apart from the class (src/hnsw-index.ts) and what names it (HnswChanges):
 * options, results, entries, filters and stats. In a module of their own so that the helpers in
 * src/hnsw/ can name them without importing the facade that imports them.
 */
import type { Quantization } from '../engine/element-type.js';
import type { MetricName } from '../engine/metrics.js';
import type { MetadataFilter } from '../filter/filter.js';
import type { LongWorkOptions } from '../long-work.js';
import type { BackendChoice } from '../storage/select.js';
import type { VectorInput } from '../validate.js';

export type HnswMetric = MetricName;

export interface HnswIndexOptions {
  dimension: number;
  /** Default 'cosine'. */
  metric?: HnswMetric;
  /** Links per node on the upper layers (2·M on layer 0), in [2, 128]. Default 16. */
  M?: number;
  /** Candidate list size while inserting, in [1, 2^20]. Default 200. */
  efConstruction?: number;
  /** Default candidate list size while searching, in [1, 2^20]. Default 50. */
  efSearch?: number;
  /** Seeds the level generator, so the same inserts build the same graph. Default 100. */
  seed?: number;
  /**
   * How vectors are stored in engine memory: 'f32' (default), 'f16' (half the bytes) or 'i8' (a
   * quarter, plus 16 bytes a vector). The graph is built and searched on the quantized vectors; a
   * quantized index keeps the f32 originals outside engine memory and rescores the best candidates
   * with them, so scores are exact (see rerank). Fixed for the index's life (saved with it).
   */
  quantization?: Quantization;
  /**
   * A quantized index's rerank factor: a search rescores its best k × rerank candidates (at most its ef) exactly with
   * the f32 originals. Default 2. `false` keeps no originals: the smallest footprint, with scores and
   * get() vectors from the quantized values. Only for quantization 'f16' or 'i8'.
   */
  rerank?: number | false;
  /**
   * How many threads batchInsert, searchBatch and compact run on, the calling thread included (worker
   * threads on the index's shared memory). Default: every core this process may use
   * (engineInfo().threads); 1 runs them on the calling thread alone, with the same results every time.
   * Where threads are unavailable (workerd, Vercel Edge, a page that is not cross-origin isolated)
   * everything runs on the calling thread. A per-call `threads` may lower it, not raise it.
   */
  threads?: number;
}

/** batchInsert's and compact's options: progress, abort, and this call's thread count (at most the index's). */
export interface HnswBatchOptions extends HnswProgressOptions {
  threads?: number;
}

/**
 * Metadata as `get` and `search` return it: the JSON value it serialized to, frozen all the way down
 * (so M should be a JSON shape: a Date comes back as a string, a Map as {}).
 */
export type DeepReadonly<T> = T extends readonly (infer R)[]
  ? ReadonlyArray<DeepReadonly<R>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** One entry of batchInsert. The metadata may be left out only when M allows undefined (as unknown does). */
export type HnswEntry<M = unknown> = { key: string; vector: VectorInput } & (undefined extends M ? { metadata?: M } : { metadata: M });

/** The same options as MemMapVector's long work (src/long-work.ts), under the name HnswIndex's API has used. */
export type HnswProgressOptions = LongWorkOptions;

export interface HnswSearchOptions<M = unknown> {
  /** Candidate list size for this query; raised to k when smaller. Default: the index's efSearch. */
  ef?: number;
  /** Drop results whose score is below this. */
  minScore?: number;
  /** This search's rerank factor (a quantized index that keeps its originals only). Default: the index's. */
  rerank?: number;
  /**
   * Only entries that pass it are returned: a function of (key, metadata), or an object filter such as
   * `{ lang: 'en', year: { $gte: 2020 } }` (MetadataFilter: MongoDB's rules, see src/filter/filter.ts).
   * The engine evaluates it only for the entries its traversal reaches (an object filter in WASM over
   * columns of the metadata; a function called back, at most once per entry per search) and admits
   * only matches, so k results come back whenever k entries match. A function filter may read the
   * index but not write to it or search it (LOCKED).
   */
  filter?: HnswFilter<M>;
}

/** searchBatch's options: search's, and this call's thread count. */
export interface HnswSearchBatchOptions<M = unknown> extends HnswSearchOptions<M> {
  /**
   * Threads for this batch, at most the index's (a larger value runs on the index's). A batch of 32
   * queries or more runs on them, unfiltered or with an object filter; one with a function filter runs
   * on the calling thread (the function is JS, which the workers cannot call).
   */
  threads?: number;
}

/**
 * A filter of search, searchBatch, count and deleteMany: a function of an entry's key and metadata, or
 * an object filter (checked and compiled once per call; a malformed one is INVALID_ARGUMENT).
 */
export type HnswFilter<M = unknown> = ((key: string, metadata: DeepReadonly<M>) => boolean) | MetadataFilter;

export interface HnswSearchResult<M = unknown> {
  key: string;
  /** Higher is better: cosine similarity, dot product, or negative L2 distance. */
  score: number;
  /** The metric's distance: 1 - cosine similarity, L2 distance, or 1 - dot product. */
  distance: number;
  metadata: DeepReadonly<M>;
}

/** What stats() reports. */
export interface HnswIndexStats {
  /** Live entries (size()). */
  entries: number;
  /** Slots of deleted or replaced entries, still in the graph as waypoints. */
  deletedSlots: number;
  /** Bytes of the engine's WASM linear memory (vectors, graph, scratch). */
  wasmBytes: number;
  /**
   * Bytes of f32 originals a quantized index holds in JS memory, outside the engine (0 for f32, for
   * rerank: false, and for those a persistent index's writer reads from its file).
   */
  originalsBytes: number;
  /**
   * A persistent index: bytes of its file (a writer: now; a reader: at open or the last refresh).
   * An index from create() or load() has no file: undefined.
   */
  fileBytes: number | undefined;
  /** About how many more vectors fit before inserts fail with CAPACITY (see src/hnsw/stats.ts). */
  capacityLeft: number;
}

export interface HnswSaveOptions {
  /** A storage backend or its name; default: the one for this runtime. */
  backend?: BackendChoice;
}

export interface HnswLoadOptions extends HnswProgressOptions {
  backend?: BackendChoice;
  /** As HnswIndexOptions.threads: the loaded index's. */
  threads?: number;
}

export interface HnswOpenOptions extends Partial<HnswIndexOptions> {
  /** A storage backend or its name; default: the one for this runtime. */
  backend?: BackendChoice;
  /** Open without writing: no lock is taken, and every write throws READ_ONLY. */
  readOnly?: boolean;
  /**
   * Checkpoint (fold the log into a fresh snapshot) whenever the log passes this many bytes, and on no
   * other rule: 0 checkpoints after every write, Infinity only when checkpoint() is called. Default:
   * automatic, so that replaying the log on open never takes much longer than loading the snapshot.
   */
  checkpointLogBytes?: number;
  /** Aborts opening (ABORTED): nothing is written, and the file and its lock are released. */
  signal?: AbortSignal;
  /** Progress of loading the snapshot, then replaying the log: bytes done and total. */
  onProgress?: (done: number, total: number) => void;
}
