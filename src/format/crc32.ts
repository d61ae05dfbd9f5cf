/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), slicing-by-4 over a table built once. Checks file
 * headers and sections so that a torn or bit-flipped file is reported as CORRUPT_FILE, not trusted.
 */
const TABLES = (() => {
  const t = new Uint32Array(4 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 4; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i]! >>> 8) ^ t[t[(s - 1) * 256 + i]! & 0xff]!;
  }
  return t;
})();

/** Continues a CRC over `bytes`; start with crc = 0 and feed chunks in order. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n4 = bytes.length & ~3;
  for (; i < n4; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c =
      TABLES[768 + (c & 0xff)]! ^
      TABLES[512 + ((c >>> 8) & 0xff)]! ^
      TABLES[256 + ((c >>> 16) & 0xff)]! ^
      TABLES[c >>> 24]!;
  }
  for (; i < bytes.length; i++) c = TABLES[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
