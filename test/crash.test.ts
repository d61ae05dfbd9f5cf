// Crash safety: a child process writes in a loop and is killed with SIGKILL at random moments. Every
// reopen must see exactly the state after some number of whole ops: at least every op the child
// reported durable, at most one more (the op in flight), nothing torn. Run over every disk backend of
// the runtime (mmap and fs in Node and Bun, deno in Deno), the child in that same runtime, for each
// element kind (a quantized file writes codes and originals in segments: the same commits, more writes).
// The child runs the built package: `npx tsup` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QUANTIZATIONS } from '../src/engine/element-type.js';
import { MemMapVector } from '../src/memmap-vector.js';
import { applyToModel, DIM } from './support/crash-workload.mjs';
import { rng } from './support/random.js';
import { diskBackendNames } from './support/backends.js';
import { runAndKill } from './support/run-and-kill.js';
import { createWithSegments } from './support/small-segments.js';
import { resolveBackend } from '../src/storage/select.js';

const WRITER = fileURLToPath(new URL('./support/crash-writer.mjs', import.meta.url));
const ROUNDS = 25;

interface Model {
  rows: Float32Array[];
  deleted: Set<number>;
}

function modelAfter(ops: number): Model {
  const model: Model = { rows: [], deleted: new Set() };
  for (let i = 0; i < ops; i++) applyToModel(model, i);
  return model;
}

function matches(db: MemMapVector, model: Model): boolean {
  if (db.getTotalVectors() !== model.rows.length) return false;
  const deleted = [...model.deleted].sort((a, b) => a - b);
  if (JSON.stringify(db.stat().deletedIds) !== JSON.stringify(deleted)) return false;
  return model.rows.every((row, id) => {
    const got = db.getVectorByVectorId(id);
    return model.deleted.has(id) ? got === null : got !== null && got.every((x, j) => x === row[j]);
  });
}

for (const quantization of QUANTIZATIONS) for (const backend of diskBackendNames()) {
  describe(`crash safety (${quantization}, ${backend} backend)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'memvec-crash-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`survives ${ROUNDS} SIGKILLs at random moments with exactly a committed prefix`, async () => {
      const path = join(dir, 'store.mvec');
      // Quantized: segments of 4 rows, so appends, deletes and compactions cross segments all the time.
      if (quantization !== 'f32') await createWithSegments(await resolveBackend(backend), path, DIM, quantization, 4);
      const random = rng(2024);
      let committed = 0;
      const kills: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const lastDone = await runAndKill(WRITER, [path, String(committed), backend, quantization], committed, Math.floor(random() * 150));
        await using db = await MemMapVector.open(path, { backend, quantization });
        // The op after lastDone may or may not have committed; nothing else is allowed.
        const candidates = [lastDone + 1, lastDone + 2];
        const found = candidates.find((ops) => matches(db, modelAfter(ops)));
        expect(found, `round ${round}: state after the kill matches no committed prefix (reported ${lastDone + 1} ops)`).toBeDefined();
        kills.push(`${found! - committed}`);
        committed = found!;
      }
      expect(committed).toBeGreaterThan(ROUNDS);
      console.log(`crash test: ${committed} ops committed across ${ROUNDS} kills (ops per round: ${kills.join(' ')})`);
    });
  });
}
