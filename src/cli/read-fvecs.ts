/** .fvecs (TEXMEX: every row is an int32 dimension, then that many little-endian float32). */
import { open } from 'node:fs/promises';
import { badInput, inputIoError } from './read-file-error.js';
import type { Batch, VectorFile } from './vector-file-types.js';

export async function openFvecs(path: string): Promise<VectorFile> {
  const file = await open(path, 'r').catch((err: unknown) => {
    throw inputIoError(path, err);
  });
  let size: number;
  let dimension: number;
  try {
    size = (await file.stat()).size;
    if (size === 0) throw badInput(path, 'the file is empty');
    const head = new DataView(new ArrayBuffer(4));
    await file.read(new Uint8Array(head.buffer), 0, 4, 0);
    dimension = head.getInt32(0, true);
  } finally {
    await file.close();
  }
  const rowBytes = 4 + 4 * dimension;
  if (dimension <= 0 || dimension > 1 << 20) throw badInput(path, `not an .fvecs file: its first row claims dimension ${dimension}`);
  if (size % rowBytes !== 0) {
    throw badInput(path, `not an .fvecs file of dimension ${dimension}: its ${size} bytes are not whole rows of ${rowBytes} bytes (truncated?)`);
  }
  const rows = size / rowBytes;

  async function* batches(batchRows: number): AsyncGenerator<Batch> {
    const fh = await open(path, 'r').catch((err: unknown) => {
      throw inputIoError(path, err);
    });
    try {
      const buf = new Uint8Array(batchRows * rowBytes);
      const view = new DataView(buf.buffer);
      for (let first = 0; first < rows; first += batchRows) {
        const n = Math.min(batchRows, rows - first);
        const { bytesRead } = await fh.read(buf, 0, n * rowBytes, first * rowBytes);
        if (bytesRead !== n * rowBytes) throw badInput(path, `the file shrank while it was read (row ${first})`);
        const vectors = new Float32Array(n * dimension);
        const out = new Uint8Array(vectors.buffer);
        for (let i = 0; i < n; i++) {
          const d = view.getInt32(i * rowBytes, true);
          if (d !== dimension) throw badInput(path, `row ${first + i} has dimension ${d}, not ${dimension} like row 0`);
          out.set(buf.subarray(i * rowBytes + 4, (i + 1) * rowBytes), i * dimension * 4);
        }
        const keys = Array.from({ length: n }, (_, i) => String(first + i));
        yield { vectors, keys, where: (i) => `row ${first + i}` };
      }
    } finally {
      await fh.close();
    }
  }

  return { path, format: 'fvecs', dimension, rows, batches };
}
