/**
 * The shared suite in workerd, Cloudflare's runtime (the real binary, from npm through Miniflare). The
 * worker is bundled by wrangler exactly as a user's would be, so `memvec` resolves through the
 * "workerd" condition, and the engine arrives as a .wasm module: workerd forbids compiling WASM from
 * bytes. Storage is the memory backend, opening a store and an index that Node built.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, PROJECT } from './harness/project.js';
import { itPerScenario } from './harness/results.js';
import { runProcess } from './harness/spawn.js';
import { scenarioNames, type ScenarioResult } from './suite/scenarios.js';

const dir = join(PROJECT, 'workerd');
const COMPATIBILITY_DATE = '2025-06-01';

describe('workerd (wrangler bundle, run by Miniflare)', () => {
  let results: ScenarioResult[] | undefined;
  let bundleFiles: string[] = [];

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'wrangler.jsonc'),
      JSON.stringify({ name: 'memvec-runtime-matrix', main: 'worker.mjs', compatibility_date: COMPATIBILITY_DATE }, null, 2),
    );
    // --dry-run bundles without an account or network; the output is what `wrangler deploy` would upload.
    const bundled = await runProcess(join(BIN, 'wrangler'), ['deploy', '--dry-run', '--outdir', 'bundle'], {
      cwd: dir,
      timeoutMs: 120_000,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' },
    });
    if (bundled.code !== 0) throw new Error(`wrangler failed:\n${bundled.stdout}\n${bundled.stderr}`);
    bundleFiles = readdirSync(join(dir, 'bundle'));

    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'bundle', 'worker.js'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: COMPATIBILITY_DATE,
    });
    try {
      const start = Date.now();
      const response = await mf.dispatchFetch('http://localhost/');
      const text = await response.text();
      if (!response.ok) throw new Error(`the worker answered ${response.status}: ${text.slice(0, 4000)}`);
      results = JSON.parse(text) as ScenarioResult[];
      console.log(`workerd: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    } finally {
      await mf.dispose();
    }
  });

  itPerScenario(scenarioNames(['memory']), () => results);

  it('wrangler uploads the engine as a .wasm module, with no base64 copy of it in the JS', () => {
    const wasm = bundleFiles.filter((f) => f.endsWith('memvec-simd.wasm'));
    expect(wasm).toHaveLength(1);
    const js = readFileSync(join(dir, 'bundle', 'worker.js'), 'utf8');
    expect(js).toContain(`from "./${wasm[0]}"`);
    // "AGFzbQ" is the WASM magic number (\0asm) in base64: an inline engine would contain it.
    expect(js).not.toContain('AGFzbQ');
  });
});
