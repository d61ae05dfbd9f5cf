// An empty quantized store whose segments hold only a few rows: a valid file (the header says how many
// rows a segment holds, and MemMapVector takes the file's), where every write and scan of a handful of
// vectors crosses segment boundaries, which the sizes chosen for new files (~256 KiB of codes per
// segment) would reach only with thousands of rows.
import { elementType, type Quantization } from '../../src/engine/element-type.js';
import { writeFreshHeader } from '../../src/flat/flat-file.js';
import type { StorageBackend } from '../../src/storage/types.js';

export async function createWithSegments(backend: StorageBackend, path: string, dimension: number, quantization: Quantization, segmentRows: number): Promise<void> {
  const file = await backend.open(path, { create: true });
  try {
    writeFreshHeader(file, { dimension, precision: elementType(quantization).id, segmentRows }, 0);
    file.sync();
  } finally {
    file.close();
  }
}
