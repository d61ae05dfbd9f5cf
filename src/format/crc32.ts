/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), slicing-by-16 over tables built once. Checks file
 * headers and sections so that a torn or bit-flipped file is reported as CORRUPT_FILE, not trusted.
 * Loading a snapshot checksums every byte of it, so this loop is a large share of load time: 16 bytes
 * a step ran about twice as fast as 4 here (64 MiB: ~600 against ~300 MB/s in Node 20).
 */
const SLICES = 16;
const TABLES = (() => {
  const t = new Uint32Array(SLICES * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < SLICES; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i]! >>> 8) ^ t[t[(s - 1) * 256 + i]! & 0xff]!;
  }
  return t;
})();

/** Continues a CRC over `bytes`; start with crc = 0 and feed chunks in order. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const T = TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n16 = bytes.length & ~15;
  for (; i < n16; i += 16) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c =
      T[3840 + (c & 0xff)]! ^ T[3584 + ((c >>> 8) & 0xff)]! ^ T[3328 + ((c >>> 16) & 0xff)]! ^ T[3072 + (c >>> 24)]! ^
      T[2816 + bytes[i + 4]!]! ^ T[2560 + bytes[i + 5]!]! ^ T[2304 + bytes[i + 6]!]! ^ T[2048 + bytes[i + 7]!]! ^
      T[1792 + bytes[i + 8]!]! ^ T[1536 + bytes[i + 9]!]! ^ T[1280 + bytes[i + 10]!]! ^ T[1024 + bytes[i + 11]!]! ^
      T[768 + bytes[i + 12]!]! ^ T[512 + bytes[i + 13]!]! ^ T[256 + bytes[i + 14]!]! ^ T[bytes[i + 15]!]!;
  }
  for (; i < bytes.length; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
