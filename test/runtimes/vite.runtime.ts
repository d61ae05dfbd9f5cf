/**
 * The bundler test: a page that imports memvec (test/runtimes/vite-app, no Vite config at all) is built
 * by Vite from the installed tarball, served from 127.0.0.1, and opened in Chromium. It must find its
 * WASM, search on the main thread, and search in a Worker that Vite bundled, on OPFS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness/chromium.js';
import { PROJECT, REPO } from './harness/project.js';
import { runProcess } from './harness/spawn.js';
import { serveDirectory, type StaticServer } from './harness/static-server.js';
import { NOT_ISOLATED } from './suite/expected-threads.js';

const app = join(PROJECT, 'vite-app');
// Served with no COOP/COEP headers, as most pages are: memvec runs on the calling thread there.
const BROWSER_SIMD = { entry: 'browser', delivery: 'inline', wasm: 'simd', ...NOT_ISOLATED };

describe('a Vite-built page that imports memvec', () => {
  let server: StaticServer;
  let browser: Browser;
  let title = '';
  let result: unknown;
  const consoleErrors: string[] = [];
  let assets: string[] = [];

  beforeAll(async () => {
    const built = await runProcess(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: app, timeoutMs: 120_000 });
    if (built.code !== 0) throw new Error(`vite build failed:\n${built.stdout}\n${built.stderr}`);
    assets = readdirSync(join(app, 'dist', 'assets'));

    server = await serveDirectory(join(app, 'dist'));
    browser = await launchChromium();
    const page = await browser.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.title === 'done' || document.title === 'error', undefined, { timeout: 60_000 });
    title = await page.title();
    const text = (await page.textContent('#result')) ?? '';
    result = title === 'done' ? JSON.parse(text) : text;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds with no node: imports in any asset', () => {
    for (const file of assets.filter((f) => f.endsWith('.js'))) {
      const js = readFileSync(join(app, 'dist', 'assets', file), 'utf8');
      expect(js, file).not.toMatch(/(from|import\()\s*["']node:/);
    }
  });

  it('finds its WASM and searches on the main thread', () => {
    expect(title, String(result)).toBe('done');
    expect(result).toMatchObject({ info: BROWSER_SIMD, exact: [0, 3], approx: [['v2', { i: 2 }]] });
  });

  it('searches in a Worker bundled by Vite, on OPFS (its default backend there)', () => {
    expect(title, String(result)).toBe('done');
    expect((result as { worker: unknown }).worker).toEqual({ info: BROWSER_SIMD, found: [1] });
  });

  it('fetches the SIMD engine chunk, never the scalar one, and nothing fails to load', () => {
    expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(server.requests.some((r) => r.path.includes('wasm-simd.generated'))).toBe(true);
    expect(server.requests.some((r) => r.path.includes('wasm-scalar.generated'))).toBe(false);
    expect(consoleErrors).toEqual([]);
  });
});
