/**
 * memvec/migrate: moving an application from exact search (MemMapVector, or any store of
 * { key, vector, metadata }) to an HnswIndex without downtime or lost writes:
 *   1. createDualWriter: every write goes to the old store and the index from now on;
 *   2. migrate: copy what the old store held, in batches;
 *   3. compareRecall: check recall and latency on your own queries before switching reads.
 * It imports memvec's classes from 'memvec' itself, so it shares them (and MemvecError) with your code.
 */
export { compareRecall } from './compare-recall.js';
export type { CompareRecallOptions, ExactSearch, RecallReport } from './compare-recall.js';
export { createDualWriter, KeyedDualWriter, MemMapDualWriter } from './dual-writer.js';
export type { KeyedStore } from './dual-writer.js';
export { migrate } from './migrate.js';
export type { MigrateOptions, MigrationProgress, MigrationSummary } from './migrate.js';
export { memMapRecords } from './records.js';
export type { KeyOf, MigrationRecord, MigrationSource } from './records.js';
