// memvec among other code: a second copy of memvec (the CJS and the ESM build in one app), and runtimes
// that lack Symbol.dispose. The packed-tarball version of the first check (dist/index.cjs against
// dist/index.js) is in test/runtimes/package.runtime.ts; the no-addon warning is in storage.test.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildSync, transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
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
