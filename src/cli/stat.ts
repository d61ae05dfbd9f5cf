/** memvec stat <store>: what a store holds and how big it is, whichever kind it is. */
import type { Command } from './command.js';
import { closeStore, openStore } from './open-store.js';
import { bytes, count, pairs } from './output.js';

const KIND_NAMES = { hnsw: 'persistent HNSW index', snapshot: 'HNSW snapshot', exact: 'exact store (MemMapVector)' };

export const statCommand: Command = {
  spec: {
    name: 'stat',
    summary: 'What a store holds: kind, dimension, metric, entries, deleted slots, file size.',
    usage: '<store> [options]',
    positionals: ['store'],
    options: {},
    more: 'Examples:\n  memvec stat docs.mvi\n  memvec stat vectors.mvec --json',
  },

  async run({ args, out, signal }) {
    const path = args.positionals[0]!;
    const store = await openStore(path, { write: false, signal });
    let result: Record<string, unknown>;
    let human: Array<[string, string]>;
    try {
      if (store.kind === 'exact') {
        const s = store.store.stat();
        result = {
          path, kind: store.kind, backend: store.store.backend, dimension: store.store.dimension, metric: 'cosine', quantization: store.store.quantization,
          totalVectors: s.totalVectors, validVectors: s.validVectors, deletedVectors: s.deletedVectors,
          fileBytes: s.fileSize, spaceUtilization: s.spaceUtilization, reclaimableBytes: s.reclaimableBytes,
        };
        human = [
          ['vectors', `${count(s.validVectors)} live, ${count(s.deletedVectors)} deleted`],
          ['file', `${bytes(s.fileSize)}, ${(100 * s.spaceUtilization).toFixed(1)}% live vectors; compact would free ${bytes(s.reclaimableBytes)}`],
        ];
      } else {
        const { index } = store;
        const s = index.stats();
        const fileBytes = s.fileBytes ?? (await import('node:fs/promises').then((fs) => fs.stat(path))).size;
        result = {
          path, kind: store.kind, backend: index.backend, dimension: index.dimension, metric: index.metric, quantization: index.quantization,
          M: index.M, efConstruction: index.efConstruction, efSearch: index.efSearch,
          entries: s.entries, deletedSlots: s.deletedSlots, fileBytes, wasmBytes: s.wasmBytes, capacityLeft: s.capacityLeft,
        };
        human = [
          ['entries', `${count(s.entries)} live, ${count(s.deletedSlots)} deleted slots${s.deletedSlots > 0 ? ' (memvec compact reclaims them)' : ''}`],
          ['graph', `M ${index.M}, efConstruction ${index.efConstruction}, efSearch ${index.efSearch}`],
          ['file', bytes(fileBytes)],
          ['memory', `${bytes(s.wasmBytes)} of WASM memory; room for about ${count(s.capacityLeft)} more vectors`],
        ];
      }
    } finally {
      closeStore(store);
    }
    out.result(result, () =>
      pairs([
        ['path', path],
        ['kind', KIND_NAMES[store.kind]],
        ['dimension', String(result.dimension)],
        ['metric', String(result.metric)],
        ['quantization', String(result.quantization)],
        ...human,
      ]),
    );
  },
};
