// Section 4: the exact store on each storage backend. One 1M × 128 MemMapVector file (512 MiB), opened
// through mmap, the node:fs fallback and memory: open time, the first search after opening, and
// steady exact-scan throughput, against how fast this machine reads the same file with plain fs reads.
// Stores are opened with threads: 1, so the scans stay single-threaded as before issue 11 made every core
// the default (a threaded scan reads blocks differently); sections/threads.mjs measures threads.
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomVectors } from '../../data/synthetic.mjs';
import { fixed, num, ratio, table } from '../table.mjs';
import { now, timeCalls } from '../timing.mjs';

const CHUNK = 32 << 20;

/** Plain sequential reads of the whole file into one reused buffer: the bytes/s a scan competes with. */
function plainReadMs(path) {
  const buf = Buffer.allocUnsafe(CHUNK);
  return timeCalls(() => {
    const fd = openSync(path, 'r');
    try {
      for (let pos = 0; ; pos += CHUNK) if (readSync(fd, buf, 0, CHUNK, pos) < CHUNK) break;
    } finally {
      closeSync(fd);
    }
  }, { warmup: 1, minReps: 3, minMs: 2000 });
}

export async function storageSection({ api, sizes, log, k }) {
  const { MemMapVector, MemoryBackend } = api;
  const { n, dim } = sizes.storage;
  const out = [`## 4. Exact store per storage backend: ${num(n)} × ${dim} (cosine top-${k})\n`];
  const path = join(tmpdir(), `memvec-bench-storage-${process.pid}.mvec`);
  try {
    log(`storage: writing ${num(n)} × ${dim}`);
    {
      const db = await MemMapVector.open(path, { dimension: dim, threads: 1 });
      const step = 100_000;
      for (let i = 0; i < n; i += step) db.addVectors(randomVectors(Math.min(step, n - i), dim, 1000 + i));
      db.close();
    }
    const fileBytes = statSync(path).size;
    const scanBytes = n * dim * 4;
    const query = randomVectors(1, dim, 7);
    log('storage: plain file reads');
    const plain = plainReadMs(path);
    const plainGBs = fileBytes / plain.min / 1e6;

    const rows = [];
    for (const backend of ['mmap', 'fs', 'memory']) {
      log(`storage: ${backend}`);
      let loadMs = 0;
      let choice = backend;
      if (backend === 'memory') {
        const t0 = now();
        choice = MemoryBackend.fromBytes(path, readFileSync(path));
        loadMs = now() - t0;
      }
      const t0 = now();
      const db = await MemMapVector.open(path, { backend: choice, readOnly: true, threads: 1 });
      const openMs = now() - t0;
      const t1 = now();
      db.cosineSearch(query, { topK: k });
      const firstMs = now() - t1;
      const scan = timeCalls(() => db.cosineSearch(query, { topK: k }), { warmup: 1, minReps: 5, minMs: sizes.storageMinMs });
      db.close();
      const gbs = scanBytes / scan.min / 1e6;
      rows.push([
        backend, fixed(openMs, 2), backend === 'memory' ? fixed(loadMs, 0) : '—', fixed(firstMs, 1),
        fixed(scan.min, 1), fixed(scan.median, 1), fixed(gbs, 2), ratio(gbs, plainGBs), String(scan.reps),
      ]);
    }
    out.push(
      `The file is written once, then opened read-only through each backend. Open = MemMapVector.open (header, ` +
        `checksums, deletion bitmap). The memory backend first needs the file's bytes in memory: "load" is ` +
        `reading them (readFileSync) into a MemoryBackend. First search = the first cosineSearch after open ` +
        `(scan buffer allocation, cold JIT). Scan = later searches (fastest and median); GB/s = vector bytes / ` +
        `fastest scan. Plain read = sequential 32 MiB node:fs reads of the whole file into one buffer, ` +
        `nothing computed: ${fixed(plainGBs, 2)} GB/s (fastest of ${plain.reps}). All warm page cache: the file ` +
        `was just written, so these are memory-bandwidth numbers, not disk numbers.\n`,
      table(
        ['backend', '>open ms', '>load ms', '>first search ms', '>scan ms (min)', '>scan ms (median)', '>GB/s', '>vs plain read', '>scans'],
        rows,
      ),
      '',
    );
  } finally {
    rmSync(path, { force: true });
    rmSync(`${path}.lock`, { force: true });
  }
  return out.join('\n');
}
