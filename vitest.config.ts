import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests that build HNSW graphs are CPU-bound; 2 workers match this machine's 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
