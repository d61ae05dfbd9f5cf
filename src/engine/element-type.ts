/**
 * The element types of stored vectors (the `quantization` option): how many bytes one stored vector
 * takes, so sizes are computed from it instead of a literal 4 scattered through the code. The engine
 * has the same kinds, ids and sizes (assembly/element.ts), checked at load (src/engine/abi-check.ts).
 * - f32: as given.
 * - f16: IEEE half floats, rounded to nearest even; magnitudes past 65504 clamp to ±65504, and
 *   magnitudes below 2^-14 (6.1e-5) are stored as zero (no half subnormals: they would make the
 *   kernels' widening slow on x86, assembly/kernels-f16.ts).
 * - i8: per-vector ranges (the vector's own min..max in 256 steps) and a 16-byte header.
 * Queries and inputs always cross into the engine as f32.
 */
export type Quantization = 'f32' | 'f16' | 'i8';

export interface ElementType {
  readonly kind: Quantization;
  /** The engine's id of the kind (assembly/element.ts ELEMENT_*). */
  readonly id: number;
  readonly bytesPerElement: number;
  /** Bytes stored with each vector besides its values. */
  readonly headerBytes: number;
}

export const F32: ElementType = { kind: 'f32', id: 0, bytesPerElement: 4, headerBytes: 0 };
export const F16: ElementType = { kind: 'f16', id: 1, bytesPerElement: 2, headerBytes: 0 };
export const I8: ElementType = { kind: 'i8', id: 2, bytesPerElement: 1, headerBytes: 16 };

export const ELEMENT_TYPES: readonly ElementType[] = [F32, F16, I8];
export const QUANTIZATIONS: readonly Quantization[] = ELEMENT_TYPES.map((t) => t.kind);

/** The element type of a quantization name (callers have checked the name), or of an engine id. */
export function elementType(kind: Quantization | number): ElementType {
  const t = ELEMENT_TYPES.find((e) => e.kind === kind || e.id === kind);
  if (t === undefined) throw new RangeError(`unknown element kind ${String(kind)}`);
  return t;
}

/** Bytes of one stored vector of `dimension` values (f32 unless `type` says otherwise). */
export const vectorBytes = (dimension: number, type: ElementType = F32): number =>
  dimension * type.bytesPerElement + type.headerBytes;

/** How many f32 values fill `bytes` (a whole number when `bytes` came from vectorBytes of f32). */
export const elementCount = (bytes: number): number => bytes / F32.bytesPerElement;
