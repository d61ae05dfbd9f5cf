import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/format/crc32.js';

describe('crc32', () => {
  it('matches the standard check value and is chunkable', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes.subarray(5), crc32(bytes.subarray(0, 5)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
