/**
 * The scratch project every runtime test imports memvec from: the repository is packed with `npm pack`
 * (what npm would publish), the tarball is installed with npm into a fresh project, and the test
 * entries are compiled next to it with `memvec` left as a bare import, so each runtime (or bundler)
 * resolves the package through its own exports conditions. A packaging mistake (a file missing from
 * "files", a wrong condition, a node: import in the browser build) fails here, not in a user's app.
 *
 * The project lives in .tmp/runtime-matrix/ (git-ignored) inside the repository so that the harness's
 * own tools (vite, playwright-core, miniflare, wrangler) resolve from the repository's node_modules,
 * while `memvec` resolves from the project's node_modules: the project's package.json is the nearest
 * one, so Node's self-reference to the repository's own package never applies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCRATCH = join(REPO, '.tmp', 'runtime-matrix');
export const PROJECT = join(SCRATCH, 'project');
export const INSTALLED = join(PROJECT, 'node_modules', 'memvec');
export const BIN = join(REPO, 'node_modules', '.bin');
const ENTRIES = join(REPO, 'test', 'runtimes', 'entries');

/** The tarball `npm pack` wrote, once prepareProject() has run. */
export function tarballPath(): string {
  const name = readdirSync(SCRATCH).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`no tarball in ${SCRATCH}: did the global setup run?`);
  return join(SCRATCH, name);
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/**
 * Resolves `memvec` from the project as Node would with extra export `conditions`, through Node's own
 * implementation of the exports algorithm (import.meta.resolve). Returns a path inside the package.
 */
export function resolveWithConditions(conditions: string[], mode: 'import' | 'require' = 'import'): string {
  const flags = conditions.map((c) => `--conditions=${c}`);
  const code =
    mode === 'import'
      ? `console.log(new URL(import.meta.resolve('memvec')).pathname)`
      : `console.log(require.resolve('memvec'))`;
  const out = run(process.execPath, [...flags, ...(mode === 'import' ? ['--input-type=module'] : []), '-e', code], PROJECT);
  return out.trim();
}

/** Keeps `memvec` a bare import (or rewrites it to `rewrite`) and bundles the generated fixtures. */
function matrixImports(rewrite?: string): Plugin {
  return {
    name: 'matrix-imports',
    setup(b) {
      b.onResolve({ filter: /^memvec$/ }, () => ({ path: rewrite ?? 'memvec', external: true }));
      b.onResolve({ filter: /^memvec-matrix-fixtures$/ }, () => ({ path: join(PROJECT, 'fixtures.mjs') }));
    },
  };
}

async function compile(entry: string, outfile: string, options: { format?: 'esm' | 'cjs'; platform: 'node' | 'browser' | 'neutral'; rewrite?: string }): Promise<void> {
  await build({
    entryPoints: [join(ENTRIES, entry)],
    outfile,
    bundle: true,
    format: options.format ?? 'esm',
    platform: options.platform,
    target: 'es2022',
    external: ['node:*'],
    plugins: [matrixImports(options.rewrite)],
    logLevel: 'error',
  });
}

/** Packs, installs and compiles everything the runtime tests need. Takes ~10 s. */
export async function prepareProject(): Promise<void> {
  rmSync(SCRATCH, { recursive: true, force: true });
  mkdirSync(PROJECT, { recursive: true });

  // dist/ must already be built (npm test builds first); --ignore-scripts keeps `prepare` from rebuilding.
  if (!existsSync(join(REPO, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', SCRATCH], REPO)) as Array<{ filename: string }>;
  const tarball = join(SCRATCH, packed[0]!.filename);

  writeFileSync(join(PROJECT, 'package.json'), JSON.stringify({ name: 'memvec-runtime-matrix', private: true, type: 'module' }, null, 2));
  // Its own tsconfig, so no tool that reads tsconfig paths (Bun at run time, wrangler's esbuild) finds the
  // repository's, whose "memvec" → src/ mapping would swap the installed package for the sources.
  writeFileSync(join(PROJECT, 'tsconfig.json'), '{}\n');
  // memvec has no dependencies, so this needs nothing but the tarball (no registry access).
  run('npm', ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], PROJECT);
  if (!existsSync(join(INSTALLED, 'package.json'))) throw new Error('npm install of the tarball did not install memvec');

  await compile('build-fixtures.ts', join(PROJECT, 'build-fixtures.mjs'), { platform: 'node' });
  run(process.execPath, ['build-fixtures.mjs', join(PROJECT, 'fixtures.mjs')], PROJECT);

  await compile('server.ts', join(PROJECT, 'run-server.mjs'), { platform: 'node' });
  await compile('server.ts', join(PROJECT, 'run-server.cjs'), { platform: 'node', format: 'cjs' });

  // Module workers cannot use import maps, so the browser files import the browser entry by URL:
  // the file Node's exports resolution picks under the "browser" condition.
  const browserEntry = resolveWithConditions(['browser']);
  const browserUrl = `/${browserEntry.slice(PROJECT.length + 1).split('\\').join('/')}`;
  mkdirSync(join(PROJECT, 'web'));
  await compile('browser-page.ts', join(PROJECT, 'web', 'page.mjs'), { platform: 'browser', rewrite: browserUrl });
  await compile('browser-worker.ts', join(PROJECT, 'web', 'worker.mjs'), { platform: 'browser', rewrite: browserUrl });
  writeFileSync(
    join(PROJECT, 'web', 'index.html'),
    '<!doctype html>\n<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title></head>\n' +
      '<body><script type="module" src="/web/page.mjs"></script></body></html>\n',
  );

  // workerd: wrangler bundles this the way it bundles a user's worker (see workerd.runtime.ts).
  mkdirSync(join(PROJECT, 'workerd'));
  await compile('workerd.ts', join(PROJECT, 'workerd', 'worker.mjs'), { platform: 'neutral' });

  // The Vite app is plain source: Vite itself must resolve memvec and find its WASM.
  const viteSrc = join(REPO, 'test', 'runtimes', 'vite-app');
  const viteDst = join(PROJECT, 'vite-app');
  mkdirSync(viteDst);
  for (const f of readdirSync(viteSrc)) writeFileSync(join(viteDst, f), readFileSync(join(viteSrc, f)));
}
