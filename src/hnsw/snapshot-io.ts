/**
 * Snapshots of an index (format: src/format/hnsw-snapshot.ts): taking one from the engine's memory and
 * the slot table, reading one back into a fresh engine, and saving one to a file atomically. The
 * persistent index embeds the same snapshots in its file (src/hnsw/index-file.ts).
 */
import { type FlatArray, HnswEngine } from '../engine/hnsw-engine.js';
import { METRIC_IDS, metricName } from '../engine/metrics.js';
import {
  decodeStrings, IO_PIECE, NOT_A_SNAPSHOT, encodeStrings, fixedSectionLengths, readHeader, readSection, readSectionBytes, SECTION,
  sectionCount, sectionOffsets, snapshotLength, type SnapshotFields, writeSnapshot,
} from '../format/hnsw-snapshot.js';
import { corrupt } from '../format/file-errors.js';
import type { HnswProgressOptions } from './types.js';
import { replaceFile } from '../storage/replace-file.js';
import type { StorageBackend, StorageFile } from '../storage/types.js';
import { checkSignal } from '../validate.js';
import { emptySlotTable, type SlotTable } from './slot-table.js';
import { now, YIELD_MS, yieldToEventLoop } from './time.js';
import { checkKey, type Config, deepFreeze, describe, engineConfig } from './validate.js';
import { elementType } from '../engine/element-type.js';

/** A snapshot of the index as it was when taken: its exact byte length, and the writer (returns the end). */
export interface Snapshot {
  length: number;
  write: (file: StorageFile) => number;
  /** Where its originals section starts and how many slots it holds, when the index keeps originals. */
  originals: { offset: number; slots: number } | null;
}

/**
 * The index as it is now, as a snapshot; its writer is to be called before anything else touches the
 * engine.
 */
export function snapshotOf(engine: HnswEngine, config: Config, table: SlotTable): Snapshot {
  const state = engine.graphState();
  const slots = state.slots;
  const { slotKey, slotMeta } = table;
  const keys = encodeStrings(slotKey.slice(0, slots));
  const metas = encodeStrings(
    Array.from({ length: slots }, (_, s) => (slotKey[s] === undefined ? undefined : JSON.stringify(slotMeta[s]))),
  );
  const fields: SnapshotFields = {
    dimension: config.dimension,
    metric: METRIC_IDS[config.metric],
    M: config.M,
    efConstruction: config.efConstruction,
    efSearch: config.efSearch,
    live: table.keyToSlot.size,
    element: elementType(config.quantization).id,
    rerank: config.rerank,
    ...state,
  };
  // Views are taken now: nothing below calls into the engine, so memory cannot grow under them.
  const sections = engineSections(engine, fields);
  sections[SECTION.KEYS] = () => [keys];
  sections[SECTION.METADATA] = () => [metas];
  const lengths = fixedSectionLengths(fields).map((length) => length ?? 0);
  lengths[SECTION.KEYS] = keys.length;
  lengths[SECTION.METADATA] = metas.length;
  const originals = engine.originals === null ? null : { offset: sectionOffsets(lengths)[SECTION.ORIGINALS]!, slots };
  return { length: snapshotLength(lengths), write: (file) => writeSnapshot(file, fields, sections), originals };
}

/**
 * Writes a snapshot to `path` atomically: a temporary file in the same backend, synced, then renamed
 * over the target, so a crash leaves the old file or the new one. `path`'s writer lock is held
 * throughout: a path that a writer has open (HnswIndex.open, MemMapVector.open, another save), in this
 * process or another, is LOCKED and left untouched. `take` is called once the temporary file is open,
 * and its snapshot written at once.
 */
export async function saveSnapshotFile(backend: StorageBackend, path: string, take: () => Snapshot): Promise<void> {
  const lock = await backend.lock(path);
  try {
    // Synchronous from take() to the end of the write: the file is one consistent state.
    await replaceFile(backend, lock, 'save.tmp', {
      write: (file) => {
        const snapshot = take();
        file.truncate(0);
        snapshot.write(file);
      },
    });
  } finally {
    lock.release();
  }
}

/**
 * Reads a snapshot into a fresh engine. A damaged or foreign file is CORRUPT_FILE (a newer format is
 * UNSUPPORTED_VERSION): every length is checked against the file size before anything is allocated,
 * every section's CRC-32 is checked, and the engine validates the graph before it is used.
 */
export async function readSnapshot(
  file: StorageFile, opts: HnswProgressOptions & { threads?: number | undefined }, originalsInFile = false,
): Promise<{ engine: HnswEngine; config: Config; table: SlotTable }> {
  const { signal, onProgress } = opts;
  const h = readHeader(file);
  const config: Config = {
    dimension: h.dimension,
    metric: metricName(h.metric)!,
    M: h.M,
    efConstruction: h.efConstruction,
    efSearch: h.efSearch,
    quantization: elementType(h.element).kind,
    rerank: h.rerank,
    threads: opts.threads,
  };
  const engine = await HnswEngine.create(engineConfig(config, 0, 0), 'loading the index');
  engine.loadReserve(h.slots, h.poolBlocks);

  const total = h.sections.reduce((sum, s) => sum + s.length, 0);
  let done = 0;
  let lastYield = now();
  const onBytes = async (n: number): Promise<void> => {
    done += n;
    onProgress?.(done, total);
    checkSignal(signal);
    if (now() - lastYield > YIELD_MS) {
      await yieldToEventLoop();
      lastYield = now();
      checkSignal(signal);
    }
  };
  const slots = h.slots;
  // No engine call below allocates until hnswLoadFinish, so these views stay valid.
  const sections = engineSections(engine, h);
  for (let s: number = SECTION.VECTORS; s <= SECTION.FLAGS; s++) await readSection(file, h, s, sections[s]!(), onBytes);
  if (sectionCount(h) > SECTION.ORIGINALS) {
    const { originals } = engine;
    if (originalsInFile && originals !== null) {
      // A persistent index's writer reads them where they are (Originals.useFile); checked here all the
      // same, streamed through one reused piece, so loading takes no memory for them.
      const piece = new Uint8Array(Math.min(IO_PIECE, h.sections[SECTION.ORIGINALS]!.length));
      const length = h.sections[SECTION.ORIGINALS]!.length;
      const pieces = function* () {
        for (let done = 0; done < length; done += piece.length) yield piece.subarray(0, Math.min(piece.length, length - done));
      };
      await readSection(file, h, SECTION.ORIGINALS, pieces(), onBytes);
      originals.useFile(file, h.sections[SECTION.ORIGINALS]!.offset, slots);
    } else {
      await readSection(file, h, SECTION.ORIGINALS, sections[SECTION.ORIGINALS]!(), onBytes);
    }
  }
  const keys = decodeStrings(await readSectionBytes(file, h, SECTION.KEYS, onBytes), slots, 'keys');
  const metaJson = decodeStrings(await readSectionBytes(file, h, SECTION.METADATA, onBytes), slots, 'metadata');

  engine.loadFinish(h);

  const table = tableOf(engine, keys, metaJson);
  if (table.keyToSlot.size !== h.live) throw corrupt(NOT_A_SNAPSHOT, `the header counts ${h.live} live entries, the file holds ${table.keyToSlot.size}`);
  return { engine, config, table };
}

/**
 * The slot table of a loaded graph, from the keys and metadata sections: every live slot needs a
 * valid key of its own, and deleted slots hold neither key nor metadata. All of it is laid out for
 * locality already (a snapshot keeps its slots' order).
 */
function tableOf(engine: HnswEngine, keys: Array<string | undefined>, metaJson: Array<string | undefined>): SlotTable {
  const table = emptySlotTable();
  for (let slot = 0; slot < keys.length; slot++) {
    const key = keys[slot];
    const deleted = engine.isDeleted(slot);
    if (deleted) {
      if (key !== undefined || metaJson[slot] !== undefined) throw corrupt(NOT_A_SNAPSHOT, `deleted slot ${slot} has a key or metadata`);
      table.slotKey.push(undefined);
      table.slotMeta.push(undefined);
      continue;
    }
    if (key === undefined) throw corrupt(NOT_A_SNAPSHOT, `live slot ${slot} has no key`);
    try {
      checkKey(key);
    } catch {
      throw corrupt(NOT_A_SNAPSHOT, `slot ${slot} has an invalid key`);
    }
    if (table.keyToSlot.has(key)) throw corrupt(NOT_A_SNAPSHOT, `key ${describe(key)} appears twice`);
    let meta: unknown;
    const json = metaJson[slot];
    if (json !== undefined) {
      try {
        meta = deepFreeze(JSON.parse(json));
      } catch (err) {
        throw corrupt(NOT_A_SNAPSHOT, `metadata of slot ${slot} is not JSON`, { cause: err });
      }
    }
    table.keyToSlot.set(key, slot);
    table.slotKey.push(key);
    table.slotMeta.push(meta);
  }
  table.orderedSlots = keys.length;
  return table;
}

/**
 * Where the engine keeps each fixed-size section (vectors to flags) of a graph of this shape, as the
 * byte ranges it is made of: what a snapshot writes from, and what a load reads into. Views of the
 * engine's memory are taken now, so they hold until the engine next allocates. The keys and metadata
 * sections live in JS and are left to the caller.
 */
function engineSections(
  engine: HnswEngine, shape: Pick<SnapshotFields, 'slots' | 'M' | 'poolBlocks' | 'element'>,
): Array<() => Iterable<Uint8Array>> {
  const { slots, M } = shape;
  const flat = (array: FlatArray, bytes: number) => {
    const view = engine.flatBytes(array, bytes);
    return () => [view];
  };
  const sections: Array<() => Iterable<Uint8Array>> = new Array(sectionCount(shape));
  sections[SECTION.VECTORS] = () => engine.chunkedBytes('vectors', slots, M);
  sections[SECTION.NORMS] = flat('norms', slots * 4);
  sections[SECTION.LEVELS] = flat('levels', slots);
  sections[SECTION.LINKS0] = () => engine.chunkedBytes('links0', slots, M);
  sections[SECTION.UPPER_OFFSETS] = flat('upperOffsets', slots * 4);
  sections[SECTION.UPPER_POOL] = flat('pool', shape.poolBlocks * (1 + M) * 4);
  sections[SECTION.FLAGS] = flat('flags', slots);
  if (sections.length > SECTION.ORIGINALS) {
    // The originals live in JS (src/engine/originals.ts), not in engine memory: no view to go stale.
    const { originals } = engine;
    sections[SECTION.ORIGINALS] = () => (originals === null ? [] : originals.bytes(slots));
  }
  return sections;
}
