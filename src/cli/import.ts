/**
 * memvec import <file> --into <store>: a .fvecs, .npy or JSON Lines file into a persistent HnswIndex
 * (.mvi) or, with --exact, a MemMapVector store. The rows go in batches of --batch-size, each one
 * all-or-nothing commit (one batchInsert or addVectors), so Ctrl-C or a bad row midway leaves the
 * store at the last whole batch, and the error says how many rows that is.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { HnswIndex, type HnswMetric, isMemvecError, MemMapVector, MemvecError, type Quantization } from '../index.js';
import { choiceOption, intOption, rejectWith, UsageError } from './args.js';
import type { Command } from './command.js';
import { count, duration } from './output.js';
import { createProgress } from './progress.js';
import { type Batch, openVectorFile, type VectorFile } from './vector-file.js';

const METRICS: readonly HnswMetric[] = ['cosine', 'euclidean', 'dot'];
/** How vectors are stored (README, "Quantized vectors"). */
const QUANTIZATIONS: readonly Quantization[] = ['f32', 'f16', 'i8'];

/** Where the batch's row i is in the input, in place of memvec's "vectors row i" (which counts within a batch). */
function inFile(err: unknown, path: string, batch: Batch): unknown {
  if (!isMemvecError(err) || err.code === 'ABORTED') return err;
  const message = err.message.replace(/\bvectors row (\d+)/, (_, i: string) => batch.where(Number(i)));
  return new MemvecError(err.code, message === err.message ? `${path}, from ${batch.where(0)}: ${err.message}` : `${path}, ${message}`, { cause: err });
}

/** The rows to import and what the import loop reports back. */
interface Rows {
  file: VectorFile;
  batchSize: number;
  signal: AbortSignal;
  /** Rows of the batch in progress done so far (not yet committed). */
  done(within: number): void;
  /** A batch of n rows is committed (durable). */
  committed(n: number): void;
}

interface Stored {
  kind: 'hnsw' | 'exact';
  dimension: number;
  metric: string;
  quantization: Quantization;
  /** What the store holds afterwards (the import's rows and whatever it held before). */
  entries: number;
}

/** Each batch one addVectors: a commit of its own. addVectors is synchronous, so Ctrl-C is seen between batches. */
async function intoExactStore(path: string, rows: Rows, quantization: Quantization | undefined): Promise<Stored> {
  // Only what was given: an existing store keeps its own kind, and refuses another.
  const store = await MemMapVector.open(path, { dimension: rows.file.dimension, ...(quantization !== undefined && { quantization }) });
  try {
    for await (const batch of rows.file.batches(rows.batchSize)) {
      if (rows.signal.aborted) throw new MemvecError('ABORTED', 'the import was interrupted');
      try {
        store.addVectors(batch.vectors);
      } catch (err) {
        throw inFile(err, rows.file.path, batch);
      }
      rows.committed(batch.keys.length);
    }
    return { kind: 'exact', dimension: store.dimension, metric: 'cosine', quantization: store.quantization, entries: store.stat().validVectors };
  } finally {
    store.close();
  }
}

/**
 * Each batch one batchInsert: all or nothing, and a commit of its own. The signal goes into
 * batchInsert, which checks it as it goes and rolls the batch back when it fires.
 */
async function intoIndex(
  path: string, rows: Rows,
  options: { metric?: HnswMetric; M?: number; efConstruction?: number; quantization?: Quantization; threads?: number },
): Promise<Stored> {
  const index = await HnswIndex.open(path, {
    dimension: rows.file.dimension,
    // Only what was given: an existing index keeps its own settings, and refuses ones that differ.
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.M !== undefined && { M: options.M }),
    ...(options.efConstruction !== undefined && { efConstruction: options.efConstruction }),
    ...(options.quantization !== undefined && { quantization: options.quantization }),
    ...(options.threads !== undefined && { threads: options.threads }),
    signal: rows.signal,
  });
  try {
    for await (const batch of rows.file.batches(rows.batchSize)) {
      try {
        await index.batchInsert(batch.vectors, batch.keys, batch.metadata, { signal: rows.signal, onProgress: rows.done });
      } catch (err) {
        throw inFile(err, rows.file.path, batch);
      }
      rows.committed(batch.keys.length);
    }
    return { kind: 'hnsw', dimension: index.dimension, metric: index.metric, quantization: index.quantization, entries: index.size() };
  } finally {
    index.close();
  }
}

export const importCommand: Command = {
  spec: {
    name: 'import',
    summary: `Imports a .fvecs, .npy or .jsonl file into an HNSW index (.mvi) or an exact store (--exact).`,
    usage: '<file> --into <store> [options]',
    positionals: ['file'],
    options: {
      into: { type: 'string', value: '<store>', help: 'the store to create or add to (an HNSW index .mvi, or with --exact a .mvec store)' },
      exact: { type: 'boolean', help: 'an exact MemMapVector store (cosine, no keys or metadata) instead of an HNSW index' },
      metric: { type: 'string', value: '<metric>', help: 'cosine (default), euclidean or dot; an existing index keeps its own' },
      quantization: { type: 'string', value: '<kind>', help: 'how a new store keeps vectors: f32 (default), f16 or i8 (with f32 originals for an exact rerank)' },
      M: { type: 'string', value: '<n>', help: 'HNSW links per node, 2 to 128 (default 16)' },
      'ef-construction': { type: 'string', value: '<n>', help: 'HNSW candidate list size while building (default 200)' },
      'batch-size': { type: 'string', value: '<n>', help: 'rows per commit (default 10000): Ctrl-C keeps every whole batch' },
      threads: { type: 'string', value: '<n>', help: 'threads an HNSW index is built on, this one included (default: every core; 1 builds the same graph every time)' },
    },
    more: [
      'Rows of .fvecs and .npy files get their row number as key ("0", "1", ...); JSON Lines rows bring',
      'their own key and metadata. Keys already in the index are replaced (upsert). .npy must be float32,',
      '2-D, C order. Ctrl-C stops at the last committed batch; the store keeps it.',
      '',
      'Examples:',
      '  memvec import sift_base.fvecs --into sift.mvi --metric euclidean',
      '  memvec import embeddings.npy --into docs.mvec --exact',
      '  memvec import docs.jsonl --into docs.mvi --M 32 --ef-construction 400 --json',
    ].join('\n'),
  },

  async run({ args, out, signal }) {
    const { values } = args;
    const [input] = args.positionals as [string];
    const into = values.into;
    if (typeof into !== 'string' || into === '') throw new UsageError('missing --into <store>');
    const quantization = choiceOption(values, 'quantization', QUANTIZATIONS);
    const metric = choiceOption(values, 'metric', METRICS);
    const M = intOption(values, 'M', 2, 128);
    const efConstruction = intOption(values, 'ef-construction', 1, 1 << 20);
    const batchSize = intOption(values, 'batch-size', 1, 1_000_000, 10_000);
    const threads = intOption(values, 'threads', 1, 256);
    rejectWith(values, 'exact', ['M', 'ef-construction', 'threads'], 'an exact store has no graph');
    if (values.exact && metric !== undefined && metric !== 'cosine') {
      throw new UsageError(`--metric ${metric} cannot be used with --exact: an exact store searches by cosine`);
    }

    const file = await openVectorFile(input);
    if (values.exact && file.format === 'jsonl') {
      out.note('memvec import: an exact store keeps vectors only: rows get ids 0, 1, … in file order; keys and metadata are not stored');
    }

    const started = Date.now();
    const progress = createProgress({ label: 'import', total: file.rows, unit: 'rows' });
    let committed = 0;
    const rows: Rows = {
      file,
      batchSize,
      signal,
      done: (within) => progress.update(committed + within, `${count(committed)} committed`),
      committed: (n) => {
        committed += n;
        progress.update(committed, `${count(committed)} committed`);
      },
    };
    let stored: Stored;
    const existed = existsSync(into);
    try {
      stored = values.exact ? await intoExactStore(into, rows, quantization) : await intoIndex(into, rows, { metric, M, efConstruction, quantization, threads });
    } catch (err) {
      progress.stop(committed, `${count(committed)} committed`);
      // A store this import created and committed nothing to is removed: a failed first batch leaves no empty store behind.
      if (!existed && committed === 0) await rm(into, { force: true }).catch(() => undefined);
      if (isMemvecError(err, 'ABORTED') && signal.aborted) {
        throw new MemvecError(
          'ABORTED',
          `interrupted: ${committed} of ${file.rows} rows were committed to ${into}, which keeps them (its last commit); the rest were not imported`,
          { cause: err },
        );
      }
      // The batches before the failing one are committed: say so, since the store now holds them.
      if (isMemvecError(err) && committed > 0) {
        throw new MemvecError(err.code, `${err.message} (the ${committed} rows before its batch were committed to ${into})`, { cause: err });
      }
      throw err;
    }
    progress.finish(committed);

    const seconds = (Date.now() - started) / 1000;
    const { kind, dimension, metric: storeMetric, quantization: storeQuantization, entries } = stored;
    const result = {
      file: input, format: file.format, store: into, kind, dimension, metric: storeMetric, quantization: storeQuantization, imported: committed, entries,
      seconds: Number(seconds.toFixed(3)), rowsPerSecond: Math.round(committed / Math.max(seconds, 1e-3)),
    };
    out.result(result, () =>
      `imported ${count(committed)} rows (${file.dimension}-d) from ${input} into ${into} (${kind === 'hnsw' ? 'HNSW index' : 'exact store'}, ${storeMetric}, ${storeQuantization}) ` +
      `in ${duration(seconds)} (${count(result.rowsPerSecond)} rows/s); it holds ${count(entries)} ${kind === 'hnsw' ? 'entries' : 'vectors'}`,
    );
  },
};
