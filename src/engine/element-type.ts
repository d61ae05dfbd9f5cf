/**
 * The element type of stored vectors, as a concept: how many bytes one value takes, so that sizes are
 * computed from it instead of a literal 4 scattered through the code. f32 is the only kind today; a
 * second kind (say int8 or f16) adds an entry here and its kernels in assembly/ (chosen by kind there,
 * assembly/element.ts), and the engine reports its element size at load (src/engine/abi-check.ts).
 */
export interface ElementType {
  readonly kind: 'f32';
  readonly bytesPerElement: number;
}

export const F32: ElementType = { kind: 'f32', bytesPerElement: 4 };

/** Bytes of one vector of `dimension` values. */
export const vectorBytes = (dimension: number, type: ElementType = F32): number => dimension * type.bytesPerElement;

/** How many values fill `bytes` (a whole number when `bytes` came from vectorBytes). */
export const elementCount = (bytes: number, type: ElementType = F32): number => bytes / type.bytesPerElement;
