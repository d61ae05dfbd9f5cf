/**
 * migrate(): copies an exact store's entries into an HnswIndex in batches, one batchInsert per batch.
 *
 * Each batch is all-or-nothing (batchInsert's guarantee), and for a persistent index each is durable
 * when it commits. The whole copy is not one transaction: when it stops (abort, bad record, failed
 * write) the batches before stay in the index, and running migrate again with `skipExisting: true`
 * resumes it. Records whose key a dual writer has written since it attached are skipped: the index
 * already holds a newer value (src/migrate/write-lanes.ts).
 */
import { MemMapVector, type HnswEntry, type HnswIndex, MemvecError } from 'memvec';
import { checkKey, checkProgress } from '../hnsw/validate.js';
import { checkInt, checkOptionKeys, checkSignal, optionNames, toVector } from '../validate.js';
import { type KeyOf, type MigrationSource, recordsOf } from './records.js';
import { checkIndex } from './checks.js';
import { writesTo } from './write-lanes.js';

export interface MigrationProgress {
  /** Records read from the source so far. */
  read: number;
  /** Entries written to the index. */
  copied: number;
  /** Records not copied because a dual writer wrote their key after the copy started (the index has a newer value). */
  skippedNewer: number;
  /** Records not copied because the index already held their key (`skipExisting: true`). */
  skippedExisting: number;
  /** Batches committed to the index. */
  batches: number;
  /** Live rows of a MemMapVector source when the copy started; undefined for an iterable. */
  total: number | undefined;
}

export type MigrationSummary = MigrationProgress;

export interface MigrateOptions {
  /** Entries per batchInsert, in [1, 2^20]. Default 1000. */
  batchSize?: number;
  /** Aborts between records and inside a batch (that batch is rolled back): ABORTED. */
  signal?: AbortSignal;
  /** Called after each committed batch; if it throws, the copy stops with its error. */
  onProgress?: (progress: MigrationProgress) => void;
  /** MemMapVector source only: the key of row `id` (default: `String(id)`). */
  keyOf?: KeyOf;
  /** Leave keys the index already holds alone, to resume a copy that stopped. Default false (copy over them). */
  skipExisting?: boolean;
}

const MAX_BATCH = 1 << 20;

/** One record read from the source, checked against the index before it joins a batch. */
function toEntry(record: unknown, n: number, dimension: number): HnswEntry {
  if (record === null || typeof record !== 'object') {
    throw new MemvecError('INVALID_ARGUMENT', `record ${n} must be an object { key, vector, metadata? }`);
  }
  const r = record as Partial<HnswEntry>;
  return {
    key: checkKey(r.key, `record ${n}'s key`),
    vector: toVector(r.vector, dimension, `record ${n}'s vector`),
    metadata: r.metadata,
  };
}

/** The error a stopped copy rejects with: the cause's code, and how far the copy got. */
function stoppedError(err: unknown, progress: MigrationProgress): unknown {
  if (!(err instanceof MemvecError)) return err;
  const done = `migrate stopped after copying ${progress.copied} entries in ${progress.batches} batches; run it again with skipExisting: true to resume`;
  return new MemvecError(err.code, `${err.message} (${done})`, { cause: err });
}

const MIGRATE_OPTIONS = optionNames<MigrateOptions>()(['batchSize', 'signal', 'onProgress', 'keyOf', 'skipExisting']);

/** Copies every record of `source` into `index`; resolves to what it copied and skipped. */
export async function migrate(source: MigrationSource, index: HnswIndex, options: MigrateOptions = {}): Promise<MigrationSummary> {
  checkIndex(index);
  options = checkOptionKeys(options, MIGRATE_OPTIONS, 'migrate options');
  const batchSize = checkInt(options.batchSize ?? 1000, 'batchSize', 1, MAX_BATCH);
  // Same shape as batchInsert's options (onProgress takes a progress object here).
  checkProgress(options as { signal?: AbortSignal });
  const { signal, onProgress } = options;
  const skipExisting = options.skipExisting ?? false;
  if (typeof skipExisting !== 'boolean') throw new MemvecError('INVALID_ARGUMENT', 'skipExisting must be a boolean');
  checkSignal(signal);
  const records = recordsOf(source, options.keyOf);
  const { lane, written } = writesTo(index);
  const progress: MigrationProgress = {
    read: 0, copied: 0, skippedNewer: 0, skippedExisting: 0, batches: 0,
    total: source instanceof MemMapVector ? source.stat().validVectors : undefined,
  };

  // Runs on the index's write lane, so the filter sees every dual write queued before it.
  const commit = (batch: HnswEntry[]) => lane.run(async () => {
    const fresh = batch.filter((entry) => {
      if (written.has(entry.key)) progress.skippedNewer++;
      else if (skipExisting && index.has(entry.key)) progress.skippedExisting++;
      else return true;
      return false;
    });
    if (fresh.length > 0) await index.batchInsert(fresh, { signal });
    progress.copied += fresh.length;
    progress.batches++;
    onProgress?.({ ...progress });
  });

  let finished = false;
  try {
    let batch: HnswEntry[] = [];
    for (;;) {
      checkSignal(signal);
      const next = await records.next();
      if (next.done) break;
      batch.push(toEntry(next.value, progress.read, index.dimension));
      progress.read++;
      if (batch.length === batchSize) {
        await commit(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await commit(batch);
    finished = true;
    return { ...progress };
  } catch (err) {
    throw stoppedError(err, progress);
  } finally {
    // Lets a generator source run its own cleanup (close a cursor, a file) when the copy stops early.
    if (!finished) await records.return?.().catch(() => undefined);
  }
}
