// Every storage backend Node offers, each by name through the one shared suite, plus what only the
// mmap backend has: the native addon's locks, its argument checks, and the fallback when the addon is missing.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemvecError } from '../src/errors.js';
import { fsBackend } from '../src/storage/fs.js';
import { MemoryBackend } from '../src/storage/memory.js';
import { createMmapBackend } from '../src/storage/mmap.js';
import { ADDON_PATH_ENV, loadNativeAddon, type NativeAddon } from '../src/storage/native-addon.js';
import { denoBackend } from '../src/storage/deno.js';
import { detectRuntime, resolveBackend } from '../src/storage/select.js';
import type { StorageBackend } from '../src/storage/types.js';
import { storageSuite, type StorageTarget } from './suites/storage.suite.js';

// Node and Bun run on the native addon (or node:fs); Deno has its own file API and is tested on it.
const runtime = detectRuntime();
const nodeOrBun = runtime === 'node' || runtime === 'bun';

const GiB = 2 ** 30;

function diskTarget(label: string, backend: StorageBackend, large?: { windowSize: number }): StorageTarget {
  const dir = mkdtempSync(join(tmpdir(), 'memvec-storage-'));
  let n = 0;
  return {
    label,
    backend,
    large,
    path: (name) => join(dir, `${name}-${n++}.bin`),
    dirs: { missing: (name) => join(dir, 'missing', 'dir', name) },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

if (nodeOrBun) {
  storageSuite(diskTarget('mmap', createMmapBackend(), { windowSize: GiB }));
  // 64 KiB windows make the random round trips cross window boundaries on most large reads.
  storageSuite(diskTarget('mmap (64 KiB windows)', createMmapBackend({ windowBits: 16 })));
  storageSuite(diskTarget('fs', fsBackend, { windowSize: GiB }));
} else {
  storageSuite(diskTarget('deno', denoBackend, { windowSize: GiB }));
}
{
  let n = 0;
  storageSuite({ label: 'memory', backend: new MemoryBackend(), path: (name) => `/mem/${name}-${n++}`, cleanup: () => {} });
}

if (nodeOrBun) nodeAndBunOnly();
else {
  describe('backend selection in Deno', () => {
    it('defaults to the Deno file backend', async () => {
      expect((await resolveBackend()).name).toBe('deno');
    });
  });
}

/** What only Node and Bun have: the native addon's locks and argument checks, and the fallback when it is missing. */
function nodeAndBunOnly(): void {
  // The addon is part of what is under test: a missing one fails here instead of skipping.
  const loaded = loadNativeAddon();
  if (!loaded.addon) throw new Error(`memvec's native addon did not load (${loaded.reason}); run \`npm run build:native\``);
  const addon: NativeAddon = loaded.addon;
  const addonPath = loaded.path;

  describe('mmap backend: locks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memvec-lock-'));
    const mmap = createMmapBackend();
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Opens `file` in a separate node process through the addon; returns the error code or 'OPENED'. */
    function openElsewhere(file: string, mode: 'rw' | 'ro'): string {
      const script = `const a = require(process.argv[1]);
        try { a.close(a.open(process.argv[2], false, process.argv[3] === 'ro')); console.log('OPENED'); }
        catch (e) { console.log(e.code); }`;
      return execFileSync(process.execPath, ['-e', script, addonPath, file, mode], { encoding: 'utf8' }).trim();
    }

    it('gives a second writer in another process LOCKED at once, and the file after close', async () => {
      const p = join(dir, 'writer.bin');
      const file = await mmap.open(p, { create: true });
      const started = Date.now();
      expect(openElsewhere(p, 'rw')).toBe('LOCKED');
      expect(openElsewhere(p, 'ro'), 'readers take no lock').toBe('OPENED');
      expect(Date.now() - started, 'LOCKED must not wait for the lock').toBeLessThan(10_000);
      file.close();
      expect(openElsewhere(p, 'rw')).toBe('OPENED');
    });

    it('gives this process LOCKED as a MemvecError while another process holds the file', async () => {
      const p = join(dir, 'held.bin');
      (await mmap.open(p, { create: true })).close();
      const script = `const a = require(process.argv[1]); const h = a.open(process.argv[2], false, false);
        console.log('HELD'); process.stdin.once('data', () => { a.close(h); console.log('RELEASED'); process.exit(0); });`;
      const child = spawn(process.execPath, ['-e', script, addonPath, p], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines: string[] = [];
      const seen = (line: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => (lines.includes(line) ? resolve() : undefined);
          child.stdout!.on('data', (chunk: Buffer) => {
            lines.push(...chunk.toString().split('\n').filter(Boolean));
            check();
          });
          child.once('exit', (code) => (lines.includes(line) ? resolve() : reject(new Error(`child exited ${code} before ${line}`))));
          check();
        });
      try {
        await seen('HELD');
        const err = await mmap.open(p).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MemvecError);
        expect((err as MemvecError).code).toBe('LOCKED');
        (await mmap.open(p, { readOnly: true })).close();
        child.stdin!.write('go\n');
        await seen('RELEASED');
        const file = await mmap.open(p);
        file.close();
      } finally {
        child.kill();
      }
    });

  });

  describe('mmap backend: the addon underneath', () => {
    const dir = mkdtempSync(join(tmpdir(), 'memvec-addon-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('turns OS errors into errno codes and bad arguments into INVALID_ARGUMENT', async () => {
      const mmap = createMmapBackend();
      const err = await mmap.open(join(dir, 'missing', 'x.bin'), { create: true }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IO' });
      expect((err as Error).message).toMatch(/directory .*missing does not exist/);
      expect((err as MemvecError).cause).toMatchObject({ code: 'ENOENT' });
      const file = await mmap.open(join(dir, 'args.bin'), { create: true });
      expect(() => file.read(-1, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => file.write(2 ** 53, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => file.read(0.5, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      file.close();
      expect(() => addon.size({} as never)).toThrow(/not a memvec file handle/);
    });
  });

  describe('backend selection in Node', () => {
    it('defaults to mmap when the addon loads, without a warning', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        expect((await resolveBackend()).name).toBe('mmap');
        expect((await resolveBackend('mmap')).name).toBe('mmap');
        expect(warn).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
    });

    describe('when the addon is missing', () => {
      const dir = mkdtempSync(join(tmpdir(), 'memvec-fallback-'));
      const missing = join(dir, 'missing', 'memvec.node');

      beforeAll(() => {
        process.env[ADDON_PATH_ENV] = missing;
        vi.resetModules();
      });
      afterAll(() => {
        delete process.env[ADDON_PATH_ENV];
        vi.resetModules();
        rmSync(dir, { recursive: true, force: true });
      });

      it('falls back to node:fs, warns once per process, and still refuses an explicit mmap', async () => {
        // A fresh module graph, so the loader really runs again with the env var pointing nowhere.
        const select = await import('../src/storage/select.js');
        const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
        try {
          const first = await select.resolveBackend();
          const second = await select.resolveBackend();
          expect(first.name).toBe('fs');
          expect(second.name).toBe('fs');
          expect(warn).toHaveBeenCalledTimes(1);
          const warning = String(warn.mock.calls[0]![0]);
          expect(warning).toMatch(/^memvec: native addon unavailable \(could not load .*missing.*memvec\.node.*\); using node:fs, /);
          // Advice that works in a user's project: memvec's own build scripts are not there.
          expect(warning).toContain(`set ${ADDON_PATH_ENV}=/path/to/memvec.node`);
          expect(warning).not.toMatch(/npm run|build:native/);

          const file = await first.open(join(dir, 'fallback.bin'), { create: true });
          expect(file.backend).toBe('fs');
          file.write(0, new Uint8Array([1, 2, 3]));
          expect(file.size()).toBe(3);
          file.close();

          await expect(select.resolveBackend('mmap')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
          expect(warn).toHaveBeenCalledTimes(1);
        } finally {
          warn.mockRestore();
        }
      });
    });
  });
}
