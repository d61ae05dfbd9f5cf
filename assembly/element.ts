// The element types of stored vectors ("codes"), chosen per index or store at init:
// - f32: `dim` f32, as given (or unit length for cosine).
// - f16: `dim` IEEE half floats, rounded to nearest even; magnitudes past 65504 clamp to ±65504, and
//        magnitudes below 2^-14 (6.1e-5) are stored as zero (±0): no code is a half subnormal, whose
//        widening would be slow on x86 (kernels-f16.ts says why).
// - i8:  a 16-byte header then `dim` i8 codes. Ranges are calibrated per vector (its own min and max,
//        bench/quantization-calibration.mjs measures why), so no value of a vector lies outside its
//        range: value j ≈ offset + scale · q[j], q in [-128, 127]. The header keeps what turns one
//        integer dot product into a dot of reconstructions (kernels-i8.ts).
// The kernels of each kind are in kernels.ts, kernels-f16.ts and kernels-i8.ts; the facade mirrors the
// kinds and sizes in src/engine/element-type.ts, checked at load (abi.ts).

export const ELEMENT_F32: i32 = 0;
export const ELEMENT_F16: i32 = 1;
export const ELEMENT_I8: i32 = 2;

/** i8 header: scale f32 @0, offset f32 @4, sum of the codes i32 @8, squared norm of the reconstruction f32 @12. */
export const I8_HEADER_BYTES: i32 = 16;

/** Bytes of one value of `kind` (the i8 header aside). */
// @ts-ignore: decorator
@inline export function bytesPerElement(kind: i32): usize {
  switch (kind) {
    case ELEMENT_F32:
      return 4;
    case ELEMENT_F16:
      return 2;
    default:
      return 1;
  }
}

/** Bytes of one f32 vector of `dim` values: queries and inputs always arrive as f32. */
// @ts-ignore: decorator
@inline export function vectorBytes(dim: i32): usize {
  return <usize>dim << 2;
}

/** Bytes of one stored vector of `dim` values of `kind`. */
// @ts-ignore: decorator
@inline export function codeBytes(kind: i32, dim: i32): usize {
  return <usize>dim * bytesPerElement(kind) + (kind == ELEMENT_I8 ? <usize>I8_HEADER_BYTES : 0);
}
