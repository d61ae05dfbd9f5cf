import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';
import { rng } from './support/random.js';

/** The definition, one bit at a time: what the sliced tables must agree with. */
function bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32', () => {
  it('matches the standard check value and is chunkable', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes.subarray(5), crc32(bytes.subarray(0, 5)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bit-at-a-time definition for every length and split, unaligned views included', () => {
    const r = rng(7);
    const data = Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256));
    for (let length = 0; length <= 80; length++) {
      for (const offset of [0, 1, 3]) {
        const bytes = data.subarray(offset, offset + length);
        const want = bitwise(bytes);
        expect(crc32(bytes)).toBe(want);
        const cut = Math.floor(length / 3);
        expect(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut)))).toBe(want);
      }
    }
    expect(crc32(data.subarray(5))).toBe(bitwise(data.subarray(5)));
  });
});
