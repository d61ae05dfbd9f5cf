/**
 * JSON Lines: one { "key": string, "vector": number[], "metadata"?: any JSON } per line; blank lines
 * are skipped. Read twice, streaming: once to count the rows (for progress) and take the dimension
 * from the first, then in batches. Every problem names the line, since that is where a user looks.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MemvecError } from '../index.js';
import { badInput, inputIoError } from './read-file-error.js';
import type { Batch, VectorFile } from './vector-file-types.js';

async function* lines(path: string): AsyncGenerator<{ text: string; line: number }> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => input.once('error', (err) => reject(inputIoError(path, err))));
  failed.catch(() => undefined);
  const rl = createInterface({ input, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  let line = 0;
  try {
    for (;;) {
      const next = await Promise.race([it.next(), failed]);
      if (next.done) return;
      line++;
      if (next.value.trim() !== '') yield { text: next.value, line };
    }
  } finally {
    rl.close();
    input.destroy();
  }
}

interface Row {
  key: string;
  vector: unknown[];
  metadata: unknown;
}

function parseRow(path: string, text: string, line: number): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badInput(path, `line ${line} is not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badInput(path, `line ${line} is not an object { "key", "vector", "metadata" }`);
  }
  const { key, vector, metadata } = value as Record<string, unknown>;
  if (typeof key !== 'string') throw badInput(path, `line ${line}: "key" must be a string`);
  if (!Array.isArray(vector)) throw new MemvecError('INVALID_VECTOR', `${path}: line ${line}: "vector" must be an array of numbers`);
  return { key, vector, metadata };
}

/** A row's vector: numbers, not empty, and of `dimension` (the first row's) when given. */
function checkRow(path: string, row: Row, line: number, dimension: number | undefined): Row {
  const n = row.vector.length;
  if (n === 0) throw new MemvecError('INVALID_VECTOR', `${path}: line ${line}: "vector" is empty`);
  if (dimension !== undefined && n !== dimension) {
    throw new MemvecError('DIMENSION_MISMATCH', `${path}: line ${line}: "vector" has ${n} values, not ${dimension} like the first row`);
  }
  const bad = row.vector.findIndex((x) => typeof x !== 'number');
  if (bad >= 0) throw new MemvecError('INVALID_VECTOR', `${path}: line ${line}: "vector"[${bad}] is not a number`);
  return row;
}

export async function openJsonl(path: string): Promise<VectorFile> {
  // The first pass checks every line too, so a malformed file is refused before a store is created
  // or a batch committed (memvec's own checks, such as a zero vector for cosine, come later).
  let rows = 0;
  let dimension = 0;
  for await (const { text, line } of lines(path)) {
    const row = checkRow(path, parseRow(path, text, line), line, rows === 0 ? undefined : dimension);
    if (rows === 0) dimension = row.vector.length;
    rows++;
  }
  if (rows === 0) throw badInput(path, 'the file has no rows');

  async function* batches(batchRows: number): AsyncGenerator<Batch> {
    let vectors = new Float32Array(batchRows * dimension);
    let keys: string[] = [];
    let metadata: unknown[] = [];
    let at: number[] = [];
    for await (const { text, line } of lines(path)) {
      // Checked again: the file may have changed since the first pass.
      const row = checkRow(path, parseRow(path, text, line), line, dimension);
      vectors.set(row.vector as number[], keys.length * dimension);
      keys.push(row.key);
      metadata.push(row.metadata);
      at.push(line);
      if (keys.length === batchRows) {
        const lineOf = at;
        yield { vectors, keys, metadata, where: (i) => `line ${lineOf[i]}` };
        vectors = new Float32Array(batchRows * dimension);
        keys = [];
        metadata = [];
        at = [];
      }
    }
    if (keys.length > 0) {
      const lineOf = at;
      yield { vectors: vectors.subarray(0, keys.length * dimension), keys, metadata, where: (i) => `line ${lineOf[i]}` };
    }
  }

  return { path, format: 'jsonl', dimension, rows, batches };
}
