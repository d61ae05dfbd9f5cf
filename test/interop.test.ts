// memvec among other code: a second copy of memvec (the CJS and the ESM build in one app), runtimes
// that lack Symbol.dispose, and a user's project without the native addon. The packed-tarball version
// of the first check (dist/index.cjs against dist/index.js) is in test/runtimes/package.runtime.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { buildSync, transformSync } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as errors from '../src/errors.js';

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
  const code = transformSync(
    `${readFileSync(src('runtime/dispose-symbols.ts'), 'utf8')}
     ensureDisposeSymbols();
     class Store { [Symbol.dispose]() { return 'sync'; } async [Symbol.asyncDispose]() { return 'async'; } }
     globalThis.disposeProbe = { dispose: Symbol.dispose, asyncDispose: Symbol.asyncDispose, store: new Store() };`,
    { loader: 'ts', format: 'iife' },
  ).code;

  it('where a runtime lacks them (a fresh V8 realm), they are defined before the class body uses them', () => {
    const context = vm.createContext({});
    expect(vm.runInContext('typeof Symbol.dispose + typeof Symbol.asyncDispose', context)).toBe('undefinedundefined');
    vm.runInContext(code, context);
    const { dispose, asyncDispose, store } = context.disposeProbe as { dispose: symbol; asyncDispose: symbol; store: Record<symbol, () => unknown> };
    expect(dispose).toBe(Symbol.for('Symbol.dispose'));
    expect(asyncDispose).toBe(Symbol.for('Symbol.asyncDispose'));
    expect(store[dispose]!()).toBe('sync');
  });

  it('a native symbol is never replaced', () => {
    const before = [Symbol.dispose, Symbol.asyncDispose];
    vm.runInThisContext(code);
    const g = globalThis as { disposeProbe?: { store: { [Symbol.dispose]: unknown } } };
    expect([Symbol.dispose, Symbol.asyncDispose]).toEqual(before);
    expect(typeof g.disposeProbe!.store[Symbol.dispose]).toBe('function');
    delete g.disposeProbe;
  });
});

describe('without the native addon', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('warns once with advice that works in a user project, and uses node:fs', async () => {
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
