// The element type of stored vectors. f32 is the only kind today; a second kind adds a case to each
// switch below (and its kernels in kernels.ts), and the facade's src/engine/element-type.ts.

export const ELEMENT_F32: i32 = 0;

/** The kind this build stores. A constant, so every switch on it folds away at compile time. */
export const ELEMENT_KIND: i32 = ELEMENT_F32;

/** Bytes of one value of `kind`. */
// @ts-ignore: decorator
@inline export function bytesPerElement(kind: i32): usize {
  switch (kind) {
    case ELEMENT_F32:
      return 4;
    default:
      unreachable();
      return 0;
  }
}

/** Bytes of one vector of `dim` values of this build's kind. */
// @ts-ignore: decorator
@inline export function vectorBytes(dim: i32): usize {
  return <usize>dim * bytesPerElement(ELEMENT_KIND);
}
