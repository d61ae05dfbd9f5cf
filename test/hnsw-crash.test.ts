// Crash safety of the persistent HnswIndex: a child process inserts, upserts, deletes, batches and
// compacts in a loop (checkpointing every few KiB of log) and is killed with SIGKILL at random moments. Every reopen
// must answer exactly like an in-memory index that made some prefix of the child's calls: at least
// every call the child reported done, at most one more (the call in flight), nothing torn. Run over
// every disk backend of the runtime (mmap and fs in Node and Bun, deno in Deno), the child in that
// same runtime. The child runs the built package: `npx tsup` first.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readIndexHeader } from '../src/hnsw/open-file.js';
import { HnswIndex } from '../src/hnsw-index.js';
import { resolveBackend } from '../src/storage/select.js';
import { rng } from './support/random.js';
import { diskBackendNames } from './support/backends.js';
import { applyOp, CONFIG, observe } from './support/crash-hnsw-workload.mjs';
import { runAndKill } from './support/run-and-kill.js';

const WRITER = fileURLToPath(new URL('./support/crash-hnsw-writer.mjs', import.meta.url));
/**
 * The mixed workload (a compaction every 80 ops, checkpoints in between), and one that compacts every
 * 8 ops so that many kills land inside a compaction (its log rarely grows enough to checkpoint).
 */
const RUNS = [
  { name: 'mixed writes', rounds: 25, compactEvery: 80, minCheckpoints: 6, minCompactions: 1, quantization: 'f32' },
  { name: 'frequent compaction', rounds: 15, compactEvery: 8, minCheckpoints: 0, minCompactions: 5, quantization: 'f32' },
  // The quantized kinds write codes and originals (a snapshot of format version 2): the same kills, fewer of them.
  // Checkpoints move a writer's originals to the new snapshot (tested on every backend in the file suite);
  // how many a short run reaches depends on the machine's speed, so only the longer i8 run counts them.
  { name: 'i8, mixed writes', rounds: 12, compactEvery: 30, minCheckpoints: 1, minCompactions: 1, quantization: 'i8' },
  { name: 'f16, mixed writes', rounds: 8, compactEvery: 12, minCheckpoints: 0, minCompactions: 1, quantization: 'f16' },
] as const;

for (const backend of diskBackendNames()) for (const { name, rounds: ROUNDS, compactEvery, minCheckpoints, minCompactions, quantization } of RUNS) {
  describe(`persistent HnswIndex crash safety (${backend} backend, ${name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'memvec-hnsw-crash-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`survives ${ROUNDS} SIGKILLs at random moments with exactly a committed prefix`, async () => {
      const path = join(dir, 'index.mvhi');
      const random = rng(4242);
      // The in-memory twin, always `committed` ops in.
      const twin = await HnswIndex.create({ ...CONFIG, quantization });
      let committed = 0;
      // Each op is one commit (a compaction too: its new file's header is one past the old file's)
      // and each checkpoint one more, so the sequence counts checkpoints.
      let sequence = 1;
      let checkpoints = 0;
      const perRound: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const lastDone = await runAndKill(WRITER, [path, String(committed), backend, String(compactEvery), quantization], committed, Math.floor(random() * 150));
        const reopened = await HnswIndex.open(path, { backend });
        // A compaction killed before its rename left its new file beside the index: opening removed it.
        expect(existsSync(`${path}.compact.tmp`)).toBe(false);
        const state = observe(reopened);
        reopened.close();
        const file = await (await resolveBackend(backend)).open(path, { readOnly: true });
        const header = readIndexHeader(file, path).header;
        file.close();
        // Every op the child reported done happened; the op in flight may have too.
        for (let i = committed; i <= lastDone; i++) await applyOp(twin, i, compactEvery);
        let ops = lastDone + 1;
        if (observe(twin) !== state) {
          await applyOp(twin, ops, compactEvery);
          ops++;
          expect(observe(twin), `round ${round}: the reopened index matches no committed prefix (reported ${lastDone + 1} ops)`).toBe(state);
        }
        perRound.push(ops - committed);
        checkpoints += header.sequence - sequence - (ops - committed);
        sequence = header.sequence;
        committed = ops;
      }
      twin.close();
      const compactions = Math.floor((committed + 2) / compactEvery);
      console.log(`hnsw crash test (${backend}, ${name}): ${committed} ops (${compactions} compactions) and ${checkpoints} checkpoints committed across ${ROUNDS} kills (ops per round: ${perRound.join(' ')})`);
      expect(committed).toBeGreaterThan(ROUNDS);
      expect(compactions).toBeGreaterThanOrEqual(minCompactions);
      expect(checkpoints).toBeGreaterThanOrEqual(minCheckpoints);
    });
  });
}
