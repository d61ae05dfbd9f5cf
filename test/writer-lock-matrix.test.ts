// Writers through different backends and runtimes exclude each other: a file held for writing by Node
// (mmap or fs), Bun (mmap or fs) or Deno (deno) refuses every writer that any of them would start on it
// (MemMapVector.open, HnswIndex.open, save), while readers get in, and the file is left byte for byte as
// it was. Real processes of each runtime, on the built package (npm test builds first).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const here = new URL('.', import.meta.url).pathname;
const holderScript = join(here, 'support/lock-holder.mjs');
const contenderScript = join(here, 'support/lock-contender.mjs');
const bin = (name: string) => join(here, '..', 'node_modules', '.bin', name);

/** How to run a script in each runtime, and the backends each one writes through. */
const RUNTIMES = {
  node: { command: (script: string) => [process.execPath, script], backends: ['mmap', 'fs'] },
  bun: { command: (script: string) => [bin('bun'), script], backends: ['mmap', 'fs'] },
  deno: { command: (script: string) => [bin('deno'), 'run', '-A', '--no-check', script], backends: ['deno'] },
} as const;
type Runtime = keyof typeof RUNTIMES;

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Starts a holder and resolves once it has the file open, with the function that lets it go. */
function hold(runtime: Runtime, backend: string, path: string): Promise<() => Promise<void>> {
  const [command, ...args] = RUNTIMES[runtime].command(holderScript);
  const child = spawn(command!, [...args, path, backend], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${runtime} holder exited ${code}: ${err}`)))),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) {
        resolve(async () => {
          child.stdin.end();
          await exited;
        });
      }
    });
    exited.catch(reject);
  });
}

function contend(runtime: Runtime, path: string): Record<string, Record<string, string>> {
  const [command, ...args] = RUNTIMES[runtime].command(contenderScript);
  const run = spawnSync(command!, [...args, path, ...RUNTIMES[runtime].backends], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`${runtime} contender failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

// Node's stage drives the whole matrix (it starts processes of all three runtimes); package.json keeps
// this file out of the Bun and Deno stages, which would only repeat the same child processes.
describe('writer lock across backends and runtimes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-lock-matrix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  for (const holderRuntime of Object.keys(RUNTIMES) as Runtime[]) {
    for (const holderBackend of RUNTIMES[holderRuntime].backends) {
      it(`a ${holderRuntime} ${holderBackend} writer keeps out every other backend's writers in Node, Bun and Deno`, async () => {
        const path = join(dir, `held-${n++}.mvec`);
        const release = await hold(holderRuntime, holderBackend, path);
        try {
          const before = sha(path);
          for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
            const got = contend(runtime, path);
            for (const backend of RUNTIMES[runtime].backends) {
              expect(got[backend], `${runtime} ${backend} against a ${holderRuntime} ${holderBackend} writer`).toEqual({
                store: 'LOCKED',
                index: 'LOCKED',
                save: 'LOCKED',
                reader: 'OPENED',
              });
            }
          }
          expect(sha(path), 'the held file is unchanged').toBe(before);
        } finally {
          await release();
        }
        // Released: the next writer, of any kind, gets in.
        expect(contend('node', path).mmap!.store).toBe('OPENED');
      });
    }
  }
});
