// memvec among other code: a second copy of memvec (the CJS and the ESM build in one app), runtimes
// that lack Symbol.dispose, and a user's project without the native addon. The packed-tarball version
// of the first check (dist/index.cjs against dist/index.js) is in test/runtimes/package.runtime.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSync, transformSync } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as errors from '../src/errors.js';
import { detectRuntime } from '../src/storage/select.js';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/** A second, separately bundled copy of a module, as another build of memvec would carry. */
function secondCopy<T>(path: string): T {
  const { outputFiles } = buildSync({ entryPoints: [src(path)], bundle: true, format: 'cjs', platform: 'node', write: false });
  const module = { exports: {} as T };
  new Function('module', 'exports', 'require', outputFiles[0]!.text)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

describe('MemvecError from another copy of memvec', () => {
  const other = secondCopy<typeof errors>('errors.ts');

  it('is a distinct class, yet isMemvecError and instanceof recognise its errors (both ways)', () => {
    expect(other.MemvecError).not.toBe(errors.MemvecError);
    const foreign = new other.MemvecError('LOCKED', 'held elsewhere');
    const ours = new errors.MemvecError('CLOSED', 'closed here');
    expect(errors.isMemvecError(foreign)).toBe(true);
    expect(errors.isMemvecError(foreign, 'LOCKED')).toBe(true);
    expect(errors.isMemvecError(foreign, 'CLOSED')).toBe(false);
    expect(foreign instanceof errors.MemvecError).toBe(true);
    expect(other.isMemvecError(ours, 'CLOSED')).toBe(true);
    expect(ours instanceof other.MemvecError).toBe(true);
  });

  it('plain errors and look-alikes are not MemvecErrors', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'MemvecError', code: 'LOCKED' });
    for (const v of [lookalike, new Error('x'), { code: 'LOCKED' }, null, undefined, 'LOCKED']) {
      expect(errors.isMemvecError(v)).toBe(false);
      expect(v instanceof errors.MemvecError).toBe(false);
    }
    // The brand is not an own property: it stays out of keys, JSON and deep equality.
    expect(Object.getOwnPropertySymbols(new errors.MemvecError('IO', 'x'))).toEqual([]);
  });
});

describe('dispose symbols', () => {
  // The module, then a class with disposers as memvec's are written, run with `Symbol` and
  // `globalThis` passed in: every runtime we test has both symbols, so one that lacks them is
  // simulated by a Symbol object without them.
  const code = transformSync(
    `${readFileSync(src('runtime/dispose-symbols.ts'), 'utf8')}
     ensureDisposeSymbols();
     class Store { [Symbol.dispose]() { return 'sync'; } async [Symbol.asyncDispose]() { return 'async'; } }
     globalThis.probe = { dispose: Symbol.dispose, asyncDispose: Symbol.asyncDispose, store: new Store() };`,
    { loader: 'ts', format: 'iife' },
  ).code;
  type Probe = { dispose: symbol; asyncDispose: symbol; store: Record<symbol, () => unknown> };
  const run = (symbol: object): Probe => {
    const sandbox = {} as { probe: Probe };
    new Function('Symbol', 'globalThis', code)(symbol, sandbox);
    return sandbox.probe;
  };

  it('where a runtime lacks them, they are defined (as registry symbols) before the class body uses them', async () => {
    const bare = { for: (key: string) => Symbol.for(key) };
    const { dispose, asyncDispose, store } = run(bare);
    expect(dispose).toBe(Symbol.for('Symbol.dispose'));
    expect(asyncDispose).toBe(Symbol.for('Symbol.asyncDispose'));
    expect((bare as { dispose?: symbol }).dispose).toBe(dispose);
    expect(store[dispose]!()).toBe('sync');
    expect(await store[asyncDispose]!()).toBe('async');
  });

  it('a native symbol is never replaced', () => {
    const before = [Symbol.dispose, Symbol.asyncDispose];
    const { dispose, asyncDispose, store } = run(Symbol);
    expect([dispose, asyncDispose]).toEqual(before);
    expect([Symbol.dispose, Symbol.asyncDispose]).toEqual(before);
    expect(typeof store[Symbol.dispose]).toBe('function');
  });
});

describe('without the native addon', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  // Node and Bun only: Deno's default is its own backend, which never looks for the addon.
  it.runIf(detectRuntime() !== 'deno')('warns once with advice that works in a user project, and uses node:fs', async () => {
    vi.stubEnv('MEMVEC_NATIVE_ADDON', '/nonexistent/memvec.node');
    vi.resetModules();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { resolveBackend } = await import('../src/storage/select.js');
    expect((await resolveBackend()).name).toBe('fs');
    expect((await resolveBackend()).name).toBe('fs');
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0]![0]);
    expect(text).toContain('could not load /nonexistent/memvec.node');
    expect(text).toContain('MEMVEC_NATIVE_ADDON=/path/to/memvec.node');
    expect(text).toContain('using node:fs');
    expect(text).not.toMatch(/npm run|build:native/);
  });
});
