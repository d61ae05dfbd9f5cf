// Crash safety of batches built on worker threads: a child process runs parallel batchInserts (and
// parallel compactions) on a persistent index and is killed with SIGKILL at random moments, mostly
// in the middle of a batch. Every reopen must hold exactly the entries of the ops the child reported
// done, or of one more (the op in flight, if its commit landed): never part of a batch. The graph is
// not compared with a twin (threads interleave, so no two parallel builds are the same graph); the
// entries, their vectors, and that each finds itself, are. The child runs the built package.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/hnsw-index.js';
import { diskBackendNames } from './support/backends.js';
import { expectedAfter } from './support/crash-threads-workload.mjs';
import { rng } from './support/random.js';
import { runAndKill } from './support/run-and-kill.js';

const WRITER = fileURLToPath(new URL('./support/crash-threads-writer.mjs', import.meta.url));
const ROUNDS = 8;

/**
 * Why `index` does not hold exactly `expected` (keys and vectors), or null. A sample of entries must
 * also find themselves first: nearly all (the search is approximate), as in any working graph.
 */
function mismatch(index: HnswIndex, expected: Map<string, Float32Array>): string | null {
  if (index.size() !== expected.size) return `${index.size()} entries, not ${expected.size}`;
  let sampled = 0;
  let found = 0;
  let i = 0;
  for (const [key, vector] of expected) {
    const got = index.get(key);
    if (got === null) return `${key} is missing`;
    if (got.vector.some((x, j) => x !== vector[j])) return `${key} holds another vector`;
    if (i++ % 37 === 0) {
      sampled++;
      if (index.search(vector, 1, { ef: 64 })[0]?.key === key) found++;
    }
  }
  return found >= 0.97 * sampled ? null : `only ${found} of ${sampled} sampled entries find themselves first`;
}

for (const backend of diskBackendNames()) {
  describe(`parallel batches survive SIGKILL (${backend} backend)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'memvec-threads-crash-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`${ROUNDS} kills at random moments leave whole batches only`, async () => {
      const path = join(dir, 'index.mvhi');
      const random = rng(77);
      let committed = 0;
      const perRound: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const lastDone = await runAndKill(WRITER, [path, String(committed), backend], committed, Math.floor(random() * 1200));
        const reopened = await HnswIndex.open(path, { backend, threads: 2 });
        let now = -1;
        const why: string[] = [];
        for (const n of [lastDone + 1, lastDone + 2]) {
          const wrong = mismatch(reopened, expectedAfter(n));
          if (wrong === null) now = n;
          else why.push(`after ${n} ops: ${wrong}`);
        }
        reopened.close();
        expect(now, `round ${round}: the reopened index holds no whole prefix of ops (${why.join('; ')})`).toBeGreaterThanOrEqual(lastDone + 1);
        perRound.push(now - committed);
        committed = now;
      }
      console.log(`threads crash test (${backend}): ${committed} ops committed across ${ROUNDS} kills (per round: ${perRound.join(' ')})`);
      expect(committed).toBeGreaterThan(0);
    });
  });
}
