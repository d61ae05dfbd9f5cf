// The runtime matrix (npm run test:runtimes): the shared suite against the packed tarball in Node,
// Bun, Deno, Chromium (page + Worker on OPFS) and workerd, a Vite-built page, and publint/attw.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/runtimes/**/*.runtime.ts'],
    globalSetup: ['test/runtimes/harness/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
