/** Decodes the base64 an embedded WASM build is stored as (wasm-*.generated.ts). */
import { MemvecError } from '../errors.js';

export function decodeBase64(b64: string): Uint8Array {
  if (typeof atob !== 'function') {
    throw new MemvecError('UNSUPPORTED', 'this runtime has no atob() to decode the embedded WASM');
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
