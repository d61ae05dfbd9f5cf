/**
 * The f32 originals of a quantized index (f16 or i8), kept in JS ArrayBuffers outside engine memory:
 * the engine's 4 GiB then holds only codes and the graph, which is what lets an i8 index hold about
 * four times the vectors of an f32 one. They serve the exact rerank of a search's candidates and
 * get(). One Float32Array per chunk of slots, so growing never copies what is there and no single
 * buffer approaches the runtimes' ArrayBuffer limits.
 *
 * They are kept as the f32 engine would store them (unit length for cosine), so a reranked score is
 * the score an f32 index gives the same entry.
 */

/** About 16 MiB per chunk. */
const CHUNK_BYTES = 16 << 20;

export class Originals {
  private readonly chunks: Float32Array[] = [];
  private readonly shift: number;
  private readonly mask: number;

  constructor(readonly dimension: number) {
    let shift = 0;
    while (shift < 24 && (dimension * 4) << (shift + 1) <= CHUNK_BYTES) shift++;
    this.shift = shift;
    this.mask = (1 << shift) - 1;
  }

  /** Slots per chunk: a run of slots inside one chunk is contiguous. */
  get chunkSlots(): number {
    return 1 << this.shift;
  }

  /** The original of `slot` (a view: copy it to keep it). Slots never written read as zeros. */
  get(slot: number): Float32Array {
    const chunk = this.chunkOf(slot);
    const at = (slot & this.mask) * this.dimension;
    return chunk.subarray(at, at + this.dimension);
  }

  set(slot: number, vector: ArrayLike<number>): void {
    this.get(slot).set(vector);
  }

  /** Applies a renumbering of slots [base, base + map.length): new slot base + i takes old slot map[i]. */
  permute(base: number, map: Uint32Array): void {
    const copy = new Float32Array(map.length * this.dimension);
    for (let i = 0; i < map.length; i++) copy.set(this.get(map[i]!), i * this.dimension);
    for (let i = 0; i < map.length; i++) this.set(base + i, copy.subarray(i * this.dimension, (i + 1) * this.dimension));
  }

  /** The bytes of slots [0, slots), one view per chunk: a snapshot's originals section. */
  *bytes(slots: number): Generator<Uint8Array> {
    const per = this.chunkSlots;
    for (let s = 0; s < slots; s += per) {
      const run = Math.min(per, slots - s);
      const chunk = this.chunkOf(s + run - 1);
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, run * this.dimension * 4);
    }
  }

  /** Bytes held (whole chunks). */
  get heldBytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.byteLength, 0);
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
    this.chunkOf(this.chunkSlots - 1); // chunk 0 whole before later ones
    while (this.chunks.length <= c) this.chunks.push(new Float32Array(this.chunkSlots * this.dimension));
    return this.chunks[c]!;
  }
}
