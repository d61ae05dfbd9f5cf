export { MemvecError, isMemvecError } from './errors.js';
export type { MemvecErrorCode } from './errors.js';
export { MemMapVector } from './memmap-vector.js';
export type {
  CosineSearchOptions,
  LongWorkOptions,
  MemMapVectorOptions,
  MemMapVectorStats,
  Quantization,
  SearchResult,
} from './memmap-vector.js';
export { MemoryBackend } from './storage/memory.js';
export { engineInfo } from './engine/engine.js';
export type { EngineInfo, WasmVariant } from './engine/wasm-variant.js';
export type { BackendName, OpenOptions, StorageBackend, StorageFile } from './storage/types.js';
export { HnswIndex } from './hnsw-index.js';
export type {
  DeepReadonly,
  HnswChanges,
  HnswEntry,
  HnswFilter,
  HnswIndexOptions,
  HnswIndexStats,
  HnswLoadOptions,
  HnswMetric,
  HnswProgressOptions,
  HnswSaveOptions,
  HnswSearchOptions,
  HnswSearchResult,
} from './hnsw-index.js';
export type { HnswOpenOptions } from './hnsw/open-file.js';
export type { HnswChange } from './hnsw/change-feed.js';
export type { FieldOperators, FilterScalar, MetadataFilter } from './filter/filter.js';
