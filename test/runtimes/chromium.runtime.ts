/**
 * The shared suite in headless Chromium (Debian's, driven by playwright-core): on a page's main thread
 * with the memory backend, and in a real dedicated Worker with the OPFS backend. memvec is the browser
 * entry of the installed tarball, served over HTTP from 127.0.0.1 with no bundler. A second browser is
 * started with WASM SIMD turned off in V8 to prove the scalar fallback in a real browser.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness/chromium.js';
import { PROJECT } from './harness/project.js';
import { itPerScenario } from './harness/results.js';
import { serveDirectory, type StaticServer } from './harness/static-server.js';
import { scenarioNames, type ScenarioResult, type SuiteEnv } from './suite/scenarios.js';

const browsers: Array<{ name: string; args: string[]; expect: SuiteEnv['expect'] }> = [
  { name: 'Chromium', args: [], expect: { entry: 'browser', delivery: 'inline', wasm: 'simd' } },
  {
    name: 'Chromium without WASM SIMD (--js-flags=--no-enable-sse4-1)',
    args: ['--js-flags=--no-enable-sse4-1'],
    expect: { entry: 'browser', delivery: 'inline', wasm: 'scalar' },
  },
];

for (const target of browsers) {
  describe(target.name, () => {
    let server: StaticServer;
    let browser: Browser;
    let results: { page: ScenarioResult[]; worker: ScenarioResult[] } | undefined;
    const consoleErrors: string[] = [];

    beforeAll(async () => {
      server = await serveDirectory(PROJECT);
      browser = await launchChromium(target.args);
      const page = await browser.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(msg.text());
      });
      page.on('pageerror', (err) => consoleErrors.push(String(err)));
      await page.goto(`${server.url}/web/`);
      await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 30_000 });
      const start = Date.now();
      results = await page.evaluate(
        (expect) => (globalThis as unknown as { runMatrix(e: unknown): Promise<typeof results> }).runMatrix(expect),
        target.expect,
      );
      console.log(`${target.name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    describe('page main thread (memory backend)', () => itPerScenario(scenarioNames(['memory']), () => results?.page));
    describe('dedicated Worker (OPFS and memory backends)', () => itPerScenario(scenarioNames(['opfs', 'memory']), () => results?.worker));

    it('loads every file it asks for, and never a .wasm file (the engine is inline)', () => {
      expect(server.requests.filter((r) => r.status !== 200)).toEqual([]);
      expect(server.requests.some((r) => r.path.endsWith('/dist/browser.js'))).toBe(true);
      expect(server.requests.filter((r) => r.path.endsWith('.wasm'))).toEqual([]);
      const wanted = target.expect.wasm === 'simd' ? 'wasm-simd.generated' : 'wasm-scalar.generated';
      expect(server.requests.some((r) => r.path.includes(wanted))).toBe(true);
      if (target.expect.wasm === 'simd') expect(server.requests.some((r) => r.path.includes('wasm-scalar.generated'))).toBe(false);
    });

    it('logs no errors to the console', () => {
      expect(consoleErrors).toEqual([]);
    });
  });
}
