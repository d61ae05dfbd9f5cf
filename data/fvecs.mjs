// Readers for the TEXMEX fvecs/ivecs formats (each row: int32 dimension, then that many values),
// shared by the tests, the demo and the benchmarks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIFTSMALL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'siftsmall');

function readRows(path, Ctor) {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dim = view.getInt32(0, true);
  const rowBytes = 4 + dim * 4;
  if (dim <= 0 || buf.byteLength % rowBytes !== 0) throw new Error(`${path} is not a valid vecs file`);
  const count = buf.byteLength / rowBytes;
  const data = new Ctor(count * dim);
  for (let i = 0; i < count; i++) {
    if (view.getInt32(i * rowBytes, true) !== dim) throw new Error(`${path}: row ${i} has another dimension`);
    for (let j = 0; j < dim; j++) {
      data[i * dim + j] = Ctor === Float32Array
        ? view.getFloat32(i * rowBytes + 4 + j * 4, true)
        : view.getInt32(i * rowBytes + 4 + j * 4, true);
    }
  }
  return { data, count, dim };
}

/** @returns {{data: Float32Array, count: number, dim: number}} */
export function readFvecs(path) {
  return readRows(path, Float32Array);
}

/** @returns {{data: Int32Array, count: number, dim: number}} */
export function readIvecs(path) {
  return readRows(path, Int32Array);
}

/** The siftsmall base, queries and groundtruth (top-100 ids by L2 per query). */
export function loadSiftSmall() {
  return {
    base: readFvecs(join(SIFTSMALL_DIR, 'siftsmall_base.fvecs')),
    queries: readFvecs(join(SIFTSMALL_DIR, 'siftsmall_query.fvecs')),
    groundtruth: readIvecs(join(SIFTSMALL_DIR, 'siftsmall_groundtruth.ivecs')),
  };
}
