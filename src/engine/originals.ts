/**
 * The f32 originals of a quantized index (f16 or i8), kept outside engine memory: the engine's 4 GiB
 * then holds only codes and the graph, which is what lets an i8 index hold about four times the
 * vectors of an f32 one. They serve the exact rerank of a search's candidates and get().
 *
 * Where they are:
 * - In JS ArrayBuffers (an index from create or load, and the slots written since a persistent
 *   index's last snapshot): one Float32Array per chunk of slots, so growing never copies what is there
 *   and no single buffer approaches the runtimes' ArrayBuffer limits.
 * - In the file (a persistent index's writer): the originals section of its committed snapshot, read
 *   through the storage backend (a memory copy from the mapping with mmap) for the few candidates a
 *   search rescores, so the originals take no JS memory at all. `rowOf` maps each such slot to its row
 *   there; a renumbering permutes the map, not the bytes. IndexFile points them at each new snapshot
 *   it commits (useFile), and the JS copies of those slots are dropped then.
 *
 * They are kept as the f32 engine would store them (unit length for cosine), so a reranked score is
 * the score an f32 index gives the same entry.
 */
import type { StorageFile } from '../storage/types.js';

/** About 16 MiB per chunk. */
const CHUNK_BYTES = 16 << 20;
/** rowOf's mark for a slot whose original is in memory. */
const IN_MEMORY = 0xffffffff;

export class Originals {
  /** Sparse past chunk 0: a chunk is allocated when a slot of it is first written in memory. */
  private chunks: Array<Float32Array | undefined> = [];
  private readonly shift: number;
  private readonly mask: number;
  /** The file section holding originals, and each slot's row there (IN_MEMORY past it or when set since). */
  private file: StorageFile | null = null;
  private fileOffset = 0;
  private rowOf: Uint32Array | null = null;
  /** Where get() reads a row of the file into (valid until the next get). */
  private readonly row: Float32Array;
  private readonly rowBytes: Uint8Array;

  constructor(readonly dimension: number) {
    let shift = 0;
    while (shift < 24 && (dimension * 4) << (shift + 1) <= CHUNK_BYTES) shift++;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
    this.row = new Float32Array(dimension);
    this.rowBytes = new Uint8Array(this.row.buffer);
  }

  /** Slots per chunk: a run of slots inside one chunk is contiguous. */
  get chunkSlots(): number {
    return 1 << this.shift;
  }

  /** The original of `slot`: a view, valid until the next get or set (copy it to keep it). */
  get(slot: number): Float32Array {
    const row = this.fileRow(slot);
    if (row === IN_MEMORY) return this.memory(slot);
    const bytes = this.rowBytes;
    if (this.file!.read(this.fileOffset + row * bytes.length, bytes) !== bytes.length) {
      throw new RangeError(`the originals section ends before row ${row}`);
    }
    return this.row;
  }

  set(slot: number, vector: ArrayLike<number>): void {
    this.memory(slot).set(vector);
    if (this.rowOf !== null && slot < this.rowOf.length) this.rowOf[slot] = IN_MEMORY;
  }

  /** Applies a renumbering of slots [base, base + map.length): new slot base + i takes old slot map[i]. */
  permute(base: number, map: Uint32Array): void {
    const n = map.length;
    const dim = this.dimension;
    const rows = new Uint32Array(n);
    const copy = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      rows[i] = this.fileRow(map[i]!);
      if (rows[i] === IN_MEMORY) copy.set(this.memory(map[i]!), i * dim);
    }
    for (let i = 0; i < n; i++) if (rows[i] === IN_MEMORY) this.memory(base + i).set(copy.subarray(i * dim, (i + 1) * dim));
    if (this.rowOf === null) return;
    if (this.rowOf.length < base + n) {
      const grown = new Uint32Array(base + n).fill(IN_MEMORY);
      grown.set(this.rowOf);
      this.rowOf = grown;
    }
    this.rowOf.set(rows, base);
  }

  /**
   * From now on the originals of slots [0, slots) are rows 0.. of the section at `offset` of `file`
   * (a snapshot just committed, or just loaded): the JS copies are dropped.
   */
  useFile(file: StorageFile, offset: number, slots: number): void {
    this.file = file;
    this.fileOffset = offset;
    this.rowOf = new Uint32Array(slots);
    for (let s = 0; s < slots; s++) this.rowOf[s] = s;
    this.chunks = [];
  }

  /** Reads every original the file holds into memory and lets go of the file (before the file goes away). */
  detachFile(slots: number): void {
    if (this.rowOf === null) return;
    const rows = this.rowOf;
    for (let s = 0; s < Math.min(slots, rows.length); s++) if (rows[s] !== IN_MEMORY) this.memory(s).set(this.get(s));
    this.file = null;
    this.rowOf = null;
  }

  /** The bytes of slots [0, slots), in pieces of at most a chunk: a snapshot's originals section. */
  *bytes(slots: number): Generator<Uint8Array> {
    const per = this.chunkSlots;
    const dim = this.dimension;
    for (let s = 0; s < slots; s += per) {
      const run = Math.min(per, slots - s);
      if (this.rowOf === null) {
        const chunk = this.chunkOf(s + run - 1); // the chunk of s, grown to hold the run
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, run * dim * 4);
        continue;
      }
      const piece = new Float32Array(run * dim);
      for (let i = 0; i < run; i++) piece.set(this.get(s + i), i * dim);
      yield new Uint8Array(piece.buffer);
    }
  }

  /** Bytes held in JS memory (whole chunks). */
  get heldBytes(): number {
    return this.chunks.reduce((sum, c) => sum + (c?.byteLength ?? 0), 0) + (this.rowOf?.byteLength ?? 0);
  }

  /** How many slots' originals are read from the file. */
  get fileSlots(): number {
    let n = 0;
    for (const row of this.rowOf ?? []) if (row !== IN_MEMORY) n++;
    return n;
  }

  private fileRow(slot: number): number {
    const rows = this.rowOf;
    return rows !== null && slot < rows.length ? rows[slot]! : IN_MEMORY;
  }

  /** The in-memory place of `slot`'s original (allocated on first use). */
  private memory(slot: number): Float32Array {
    const chunk = this.chunkOf(slot);
    const at = (slot & this.mask) * this.dimension;
    return chunk.subarray(at, at + this.dimension);
  }

  private chunkOf(slot: number): Float32Array {
    const c = slot >>> this.shift;
    if (c === 0) {
      // Chunk 0 grows by doubling, so a small index does not pay for a whole chunk.
      const first = this.chunks[0];
      const need = (slot + 1) * this.dimension;
      if (first !== undefined && first.length >= need) return first;
      const grown = new Float32Array(Math.min(this.chunkSlots * this.dimension, Math.max(need, 2 * (first?.length ?? 0), 64 * this.dimension)));
      if (first !== undefined) grown.set(first);
      this.chunks[0] = grown;
      return grown;
    }
    return (this.chunks[c] ??= new Float32Array(this.chunkSlots * this.dimension));
  }
}
