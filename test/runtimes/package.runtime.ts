/**
 * The packed tarball as npm would publish it: publint and @arethetypeswrong/cli find nothing, each
 * export condition resolves (through Node's own exports resolution) to the build meant for it, and the
 * browser and edge builds reach no `node:` module through any static or dynamic import.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';
import { BIN, INSTALLED, PROJECT, resolveWithConditions, tarballPath } from './harness/project.js';
import { runProcess } from './harness/spawn.js';

describe('the packed tarball', () => {
  it('passes publint (strict, suggestions included)', async () => {
    const tarball = readFileSync(tarballPath());
    const pkg = JSON.parse(readFileSync(join(INSTALLED, 'package.json'), 'utf8')) as Record<string, unknown>;
    const { messages } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      strict: true,
      level: 'suggestion',
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it('passes @arethetypeswrong/cli (node10, node16 CJS and ESM, bundler)', async () => {
    const out = await runProcess(join(BIN, 'attw'), [tarballPath(), '--profile', 'strict', '--format', 'ascii'], {
      cwd: PROJECT,
      timeoutMs: 120_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toContain('No problems found');
  });
});

describe('the CJS and the ESM build in one app', () => {
  it('an error thrown by one build is a MemvecError to the other (isMemvecError and instanceof)', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'memvec';
      const cjs = createRequire(import.meta.url)('memvec');
      const thrown = async (m) => m.HnswIndex.create({ dimension: 0 }).then(() => null, (e) => e);
      const fromCjs = await thrown(cjs);
      const fromEsm = await thrown(esm);
      console.log(JSON.stringify({
        distinctClasses: esm.MemvecError !== cjs.MemvecError,
        esmSeesCjs: [esm.isMemvecError(fromCjs, 'INVALID_ARGUMENT'), fromCjs instanceof esm.MemvecError],
        cjsSeesEsm: [cjs.isMemvecError(fromEsm, 'INVALID_ARGUMENT'), fromEsm instanceof cjs.MemvecError],
      }));`;
    const out = await runProcess(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT, timeoutMs: 60_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ distinctClasses: true, esmSeesCjs: [true, true], cjsSeesEsm: [true, true] });
  });
});

describe('export conditions resolve to the build meant for each runtime', () => {
  const cases: Array<[string, string[], 'import' | 'require', string]> = [
    ['Node import', [], 'import', 'dist/index.js'],
    ['Node require', [], 'require', 'dist/index.cjs'],
    ['Bun', ['bun'], 'import', 'dist/index.js'],
    ['Deno', ['deno'], 'import', 'dist/index.js'],
    ['browsers and bundlers', ['browser'], 'import', 'dist/browser.js'],
    ['Cloudflare workerd (wrangler also sets browser)', ['workerd', 'worker', 'browser'], 'import', 'dist/workerd.js'],
    ['Vercel edge (Next.js also sets browser)', ['edge-light', 'worker', 'browser'], 'import', 'dist/edge-light.js'],
  ];
  for (const [name, conditions, mode, file] of cases) {
    it(`${name} (${[...conditions, mode].join(', ')}) -> ${file}`, () => {
      expect(relative(INSTALLED, resolveWithConditions(conditions, mode))).toBe(file);
    });
  }
});

/** Every module a build can load: its static and dynamic relative imports, transitively. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const js = readFileSync(file, 'utf8');
    const specifiers = [...js.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('./') && s.endsWith('.js')) visit(join(dirname(file), s));
  };
  visit(entry);
  return graph;
}

describe('browser and edge builds', () => {
  for (const build of ['browser', 'workerd', 'edge-light']) {
    it(`${build}: no module reachable from dist/${build}.js imports a node: built-in`, () => {
      const graph = importGraph(join(INSTALLED, 'dist', `${build}.js`));
      const nodeImports = [...graph].flatMap(([file, specs]) => specs.filter((s) => s.startsWith('node:')).map((s) => `${relative(INSTALLED, file)}: ${s}`));
      expect(graph.size).toBeGreaterThan(3);
      expect(nodeImports).toEqual([]);
    });
  }

  it('workerd and edge-light import the engine as a module that the package ships', () => {
    expect(readFileSync(join(INSTALLED, 'dist', 'workerd.js'), 'utf8')).toContain('from "./memvec-simd.wasm"');
    expect(readFileSync(join(INSTALLED, 'dist', 'edge-light.js'), 'utf8')).toContain('from "./memvec-simd.wasm?module"');
    const wasm = readFileSync(join(INSTALLED, 'dist', 'memvec-simd.wasm'));
    expect(WebAssembly.validate(wasm)).toBe(true);
  });

  it('the default build reaches node: built-ins only through lazily imported backends', () => {
    const entry = join(INSTALLED, 'dist', 'index.js');
    const js = readFileSync(entry, 'utf8');
    expect(js).not.toMatch(/^import .* from ["']node:/m);
    expect(existsSync(join(INSTALLED, 'dist', 'index.cjs'))).toBe(true);
  });
});
