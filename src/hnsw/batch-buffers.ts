/**
 * searchBatch's engine buffers (queries in, ids, distances and counts out), kept by the index core
 * between calls and only grown (WasmBuffer), so a steady stream of batches allocates nothing in the
 * engine. Tied to one engine instance: a compact or refresh that swaps the engine gets new ones.
 */
import type { BatchBufferSet, HnswEngine } from '../engine/hnsw-engine.js';
import { WasmBuffer } from '../engine/wasm-buffer.js';

/** The engine buffers one index reuses across batches (tied to its engine instance). */
export class BatchBuffers implements BatchBufferSet {
  readonly queries: WasmBuffer;
  readonly ids: WasmBuffer;
  readonly dists: WasmBuffer;
  readonly counts: WasmBuffer;

  constructor(readonly engine: HnswEngine) {
    this.queries = new WasmBuffer(engine.engine, 'searchBatch queries');
    this.ids = new WasmBuffer(engine.engine, 'searchBatch result ids');
    this.dists = new WasmBuffer(engine.engine, 'searchBatch result distances');
    this.counts = new WasmBuffer(engine.engine, 'searchBatch result counts');
  }
}
