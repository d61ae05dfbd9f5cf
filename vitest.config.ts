import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/migrate, src/langchain and src/postgres import the core as 'memvec' (see tsconfig.json "paths"): the source here.
  resolve: {
    alias: [
      { find: /^memvec$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^memvec\/migrate$/, replacement: fileURLToPath(new URL('./src/migrate/index.ts', import.meta.url)) },
      { find: /^memvec\/langchain$/, replacement: fileURLToPath(new URL('./src/langchain/index.ts', import.meta.url)) },
      { find: /^memvec\/postgres$/, replacement: fileURLToPath(new URL('./src/postgres/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests that build HNSW graphs are CPU-bound; 2 workers match this machine's 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
