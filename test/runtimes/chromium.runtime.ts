/**
 * The shared suite in headless Chromium (Debian's, driven by playwright-core): on a page's main thread
 * with the memory backend, and in a real dedicated Worker with the OPFS backend. memvec is the browser
 * entry of the installed tarball, served over HTTP from 127.0.0.1 with no bundler. The page is served
 * cross-origin isolated (COOP/COEP), where memvec runs its threaded calls on web workers, and once
 * without those headers, where it must run them on the calling thread with no error. A third browser
 * is started with WASM SIMD turned off in V8 to prove the scalar fallback in a real browser (the
 * threads build needs SIMD, so it runs on one thread too).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness/chromium.js';
import { PROJECT } from './harness/project.js';
import { itPerScenario } from './harness/results.js';
import { serveDirectory, type StaticServer } from './harness/static-server.js';
import { NO_THREADS_BUILD, NOT_ISOLATED, onEveryCore, type ThreadsInfo } from './suite/expected-threads.js';
import { scenarioNames, type ScenarioResult, type SuiteEnv } from './suite/scenarios.js';

interface Target {
  name: string;
  args: string[];
  /** Serve every file with COOP/COEP/CORP, making the page and its worker crossOriginIsolated. */
  isolated: boolean;
  wasm: SuiteEnv['expect']['wasm'];
  /** What engineInfo() says about threads, given the browser's navigator.hardwareConcurrency. */
  threads(cores: number): ThreadsInfo;
}

const browsers: Target[] = [
  { name: 'Chromium, cross-origin isolated (COOP/COEP)', args: [], isolated: true, wasm: 'simd', threads: (cores) => onEveryCore('web-worker', cores) },
  { name: 'Chromium, not cross-origin isolated', args: [], isolated: false, wasm: 'simd', threads: () => NOT_ISOLATED },
  {
    name: 'Chromium without WASM SIMD (--js-flags=--no-enable-sse4-1), cross-origin isolated',
    args: ['--js-flags=--no-enable-sse4-1'],
    isolated: true,
    wasm: 'scalar',
    threads: () => NO_THREADS_BUILD,
  },
];

for (const target of browsers) {
  describe(target.name, () => {
    let server: StaticServer;
    let browser: Browser;
    let results: { page: ScenarioResult[]; worker: ScenarioResult[] } | undefined;
    let expected: SuiteEnv['expect'] | undefined;
    const consoleErrors: string[] = [];
    /** The URL of every dedicated worker the page started: memvec's threads are blob: module workers. */
    const workers: string[] = [];

    beforeAll(async () => {
      server = await serveDirectory(PROJECT, { crossOriginIsolated: target.isolated });
      browser = await launchChromium(target.args);
      const page = await browser.newPage();
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(msg.text());
      });
      page.on('pageerror', (err) => consoleErrors.push(String(err)));
      page.on('worker', (worker) => workers.push(worker.url()));
      await page.goto(`${server.url}/web/`);
      await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 30_000 });
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      if (isolated !== target.isolated) throw new Error(`the page's crossOriginIsolated is ${isolated}, the server meant ${target.isolated}`);
      // The core count the browser reports, read the way memvec reads it.
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expected = { entry: 'browser', delivery: 'inline', wasm: target.wasm, ...target.threads(cores) };
      const start = Date.now();
      results = await page.evaluate(
        (expect) => (globalThis as unknown as { runMatrix(e: unknown): Promise<typeof results> }).runMatrix(expect),
        expected,
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
      const wanted = target.wasm === 'simd' ? 'wasm-simd.generated' : 'wasm-scalar.generated';
      expect(server.requests.some((r) => r.path.includes(wanted))).toBe(true);
      if (target.wasm === 'simd') expect(server.requests.some((r) => r.path.includes('wasm-scalar.generated'))).toBe(false);
    });

    // The threads scenarios check what engineInfo() reports and that the answers are right; this checks
    // that memvec really started worker threads (blob: module workers) when it says it runs on several.
    it(`starts memvec worker threads (blob: module workers) only where engineInfo().threads > 1`, () => {
      const threaded = workers.filter((url) => url.startsWith('blob:'));
      expect(workers.some((url) => url.endsWith('/web/worker.mjs')), workers.join(', ')).toBe(true);
      if (expected!.threads > 1) expect(threaded.length, workers.join(', ')).toBeGreaterThan(0);
      else expect(threaded, workers.join(', ')).toEqual([]);
    });

    it('logs no errors to the console', () => {
      expect(consoleErrors).toEqual([]);
    });
  });
}
