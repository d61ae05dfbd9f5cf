/**
 * The browser demo (examples/browser, `npm run demo:browser`) end to end in Chromium: Vite builds the
 * page against the repository's package build (dist/) with the 70,000 Fashion-MNIST images as its data
 * (cached in .tmp/fashion-mnist/ after the first download); the first visit builds the index in a Worker
 * with a progress bar and saves it to OPFS; clicks show 20 neighbours that mostly share the clicked
 * image's label; the label filter (an object filter) keeps only that label; a reload opens the index
 * from OPFS instead of rebuilding. The screenshot the README shows (docs/demo-browser.png) is taken here:
 * every run writes .tmp/demo-browser.png, and MEMVEC_UPDATE_SCREENSHOT=1 writes the README's copy too
 * (not on every run: its times differ each time, and a test run should not leave the checkout modified).
 *
 * It lives in the runtimes stage so `npm test` runs it once (the Node, Bun and Deno stages run test/*.test.ts).
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness/chromium.js';
import { REPO } from './harness/project.js';
import { runProcess } from './harness/spawn.js';
import { serveDirectory, type StaticServer } from './harness/static-server.js';

const DEMO = join(REPO, 'examples', 'browser');
const SCREENSHOTS = [join(REPO, '.tmp', 'demo-browser.png'), ...(process.env.MEMVEC_UPDATE_SCREENSHOT === '1' ? [join(REPO, 'docs', 'demo-browser.png')] : [])];
/** Images clicked in the first grid (the same on every visit: the page seeds it) for precision@20. */
const CLICKS = 8;

describe('the browser demo: Fashion-MNIST searched by memvec in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const progressSeen: number[] = [];

  const text = async (testid: string): Promise<string> => ((await page.textContent(`[data-testid="${testid}"]`)) ?? '').trim();

  async function waitReady(): Promise<void> {
    await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', undefined, { timeout: 240_000 });
    expect(await page.evaluate(() => document.body.dataset.state), await text('status')).toBe('ready');
  }

  /** Clicks grid item `n` and waits for its neighbours; returns its label and theirs. */
  async function clickItem(n: number): Promise<{ item: string; label: string; results: Array<{ item: string; label: string; score: number }> }> {
    const button = page.locator('[data-testid="item"]').nth(n);
    const item = (await button.getAttribute('data-item'))!;
    const label = (await button.getAttribute('data-label'))!;
    await button.click();
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid="selected"]')?.getAttribute('data-item') === want &&
        document.querySelectorAll('[data-testid="result"]').length > 0 &&
        document.querySelector('[data-testid="latency"]')?.textContent !== '…',
      item,
      { timeout: 10_000 },
    );
    expect(await text('latency')).toMatch(/^\d+\.\d ms$/);
    const results = await page.$$eval('[data-testid="result"]', (els) =>
      els.map((el) => ({ item: el.getAttribute('data-item')!, label: el.getAttribute('data-label')!, score: Number(el.getAttribute('data-score')) })),
    );
    return { item, label, results };
  }

  beforeAll(async () => {
    const built = await runProcess(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', DEMO], { cwd: REPO, timeoutMs: 180_000 });
    if (built.code !== 0) throw new Error(`vite build of examples/browser failed:\n${built.stdout}\n${built.stderr}`);
    server = await serveDirectory(join(DEMO, 'dist'));
    browser = await launchChromium();
    // One context for both visits: it is one profile, so the reload sees the OPFS the first visit wrote.
    context = await browser.newContext({ viewport: { width: 1120, height: 600 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.exposeFunction('reportProgress', (v: number) => progressSeen.push(v));
    await page.goto(`${server.url}/`);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('builds the index of all 70,000 images in a Worker on the first visit, with a progress bar', async () => {
    // The bar moving while the Worker builds: sampled from the page until it is ready.
    await page.evaluate(() => {
      const bar = document.querySelector<HTMLProgressElement>('[data-testid="progress"]')!;
      const tick = (): void => {
        if (bar.value > 0) (window as unknown as { reportProgress(v: number): void }).reportProgress(bar.value / bar.max);
        if (document.body.dataset.state === undefined) setTimeout(tick, 250);
      };
      tick();
    });
    await waitReady();
    expect(await text('source')).toBe('built');
    expect(await text('status')).toMatch(/^built in [\d.]+ s \(first visit\) and saved to OPFS in [\d.]+ m?s; reload/);
    expect(await text('count')).toBe('70,000');
    const buildMs = Number(await text('build-ms'));
    expect(buildMs).toBeGreaterThan(0);
    expect(progressSeen.some((p) => p > 0 && p < 1), `progress samples: ${progressSeen.join(' ')}`).toBe(true);
    console.log(`demo-browser: first visit built the index in ${(buildMs / 1000).toFixed(1)} s`);
  });

  it('shows 20 neighbours per click that mostly share the clicked image\'s label (precision@20 >= 0.7)', async () => {
    let agree = 0;
    let shown = 0;
    for (let n = 0; n < CLICKS; n++) {
      const { item, label, results } = await clickItem(n);
      expect(results).toHaveLength(20);
      expect(results.map((r) => r.item)).not.toContain(item);
      // Best first, cosine similarity.
      for (let i = 1; i < results.length; i++) expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
      agree += results.filter((r) => r.label === label).length;
      shown += results.length;
    }
    const precision = agree / shown;
    console.log(`demo-browser: precision@20 over ${CLICKS} clicked images: ${precision.toFixed(3)}; search latency of the last: ${await text('latency')}`);
    expect(precision).toBeGreaterThanOrEqual(0.7);
  });

  it('the label filter keeps only images of the chosen label', async () => {
    const { label } = await clickItem(0);
    const other = label === 'Bag' ? 'Sneaker' : 'Bag';
    await page.selectOption('[data-testid="label-filter"]', other);
    await page.waitForFunction(
      (want) => Array.from(document.querySelectorAll('[data-testid="result"]')).every((el) => el.getAttribute('data-label') === want) &&
        document.querySelector('[data-testid="latency"]')?.textContent !== '…',
      other,
      { timeout: 10_000 },
    );
    const labels = await page.$$eval('[data-testid="result"]', (els) => els.map((el) => el.getAttribute('data-label')));
    expect(labels).toEqual(Array(20).fill(other));
    await page.selectOption('[data-testid="label-filter"]', '');
  });

  it('a reload opens the index from OPFS instead of rebuilding it, and it answers the same', async () => {
    const before = await clickItem(0);
    await page.reload();
    await waitReady();
    expect(await text('source')).toBe('opfs');
    const openMs = Number(await text('open-ms'));
    expect(openMs).toBeGreaterThan(0);
    const after = await clickItem(0);
    expect(after.item).toBe(before.item);
    expect(after.results).toEqual(before.results);
    console.log(`demo-browser: the reload opened the index from OPFS in ${openMs.toFixed(0)} ms`);

    // The README's picture: the page after a reload, showing both times and one image's neighbours.
    await clickItem(3);
    for (const path of SCREENSHOTS) await page.screenshot({ path });
    expect(pageErrors).toEqual([]);
  });
});
