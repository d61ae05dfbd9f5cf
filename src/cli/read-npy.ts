/**
 * .npy (NumPy's format, versions 1 to 3): a header that is a Python dict literal, then the raw array.
 * Only what memvec stores is accepted, float32 in a 2-D array (rows, dimension) in C order; anything
 * else is refused with what it is and how to convert it, never silently cast.
 */
import { open } from 'node:fs/promises';
import { badInput, inputIoError } from './read-file-error.js';
import type { Batch, VectorFile } from './vector-file-types.js';

const MAGIC = '\x93NUMPY';
const DTYPES: Record<string, string> = {
  f2: 'float16', f4: 'float32', f8: 'float64', f16: 'float128', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', b1: 'bool',
};

interface NpyHeader {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataStart: number;
}

function parseHeader(path: string, head: Uint8Array): NpyHeader {
  const text = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length < 10 || text(0, 6) !== MAGIC) throw badInput(path, 'not a .npy file (no \\x93NUMPY magic)');
  const major = head[6]!;
  if (major < 1 || major > 3) throw badInput(path, `.npy format version ${major} is not one memvec reads (1 to 3)`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (head.length < start + len) throw badInput(path, 'the .npy header is truncated');
  const dict = new TextDecoder().decode(head.subarray(start, start + len));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw badInput(path, `the .npy header is not one memvec understands: ${dict.trim()}`);
  }
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { descr, fortran: fortran === 'True', shape: dims, dataStart: start + len };
}

function checkSupported(path: string, h: NpyHeader): void {
  if (h.descr !== '<f4') {
    const order = h.descr[0] === '>' ? 'big-endian ' : '';
    const name = DTYPES[h.descr.slice(1)] ?? h.descr;
    throw badInput(path, `holds ${order}${name} ('${h.descr}'); memvec import reads float32 ('<f4') only: save it with arr.astype('<f4')`);
  }
  if (h.shape.length !== 2 || h.shape.some((d) => !Number.isInteger(d))) {
    throw badInput(path, `has shape (${h.shape.join(', ')}); memvec import reads a 2-D array (rows, dimension)`);
  }
  if (h.fortran) throw badInput(path, 'is in Fortran (column-major) order; save a C-order array: np.ascontiguousarray(arr)');
  if (h.shape[1]! < 1) throw badInput(path, 'has dimension 0');
}

export async function openNpy(path: string): Promise<VectorFile> {
  const file = await open(path, 'r').catch((err: unknown) => {
    throw inputIoError(path, err);
  });
  let header: NpyHeader;
  let size: number;
  try {
    size = (await file.stat()).size;
    const head = new Uint8Array(Math.min(size, 1 << 16));
    await file.read(head, 0, head.length, 0);
    header = parseHeader(path, head);
  } finally {
    await file.close();
  }
  checkSupported(path, header);
  const [rows, dimension] = header.shape as [number, number];
  const rowBytes = 4 * dimension;
  if (size !== header.dataStart + rows * rowBytes) {
    throw badInput(path, `its header says ${rows} × ${dimension} float32 (${rows * rowBytes} bytes) but ${size - header.dataStart} bytes follow it (truncated?)`);
  }

  async function* batches(batchRows: number): AsyncGenerator<Batch> {
    const fh = await open(path, 'r').catch((err: unknown) => {
      throw inputIoError(path, err);
    });
    try {
      for (let first = 0; first < rows; first += batchRows) {
        const n = Math.min(batchRows, rows - first);
        const vectors = new Float32Array(n * dimension);
        const { bytesRead } = await fh.read(new Uint8Array(vectors.buffer), 0, n * rowBytes, header.dataStart + first * rowBytes);
        if (bytesRead !== n * rowBytes) throw badInput(path, `the file shrank while it was read (row ${first})`);
        const keys = Array.from({ length: n }, (_, i) => String(first + i));
        yield { vectors, keys, where: (i) => `row ${first + i}` };
      }
    } finally {
      await fh.close();
    }
  }

  return { path, format: 'npy', dimension, rows, batches };
}
