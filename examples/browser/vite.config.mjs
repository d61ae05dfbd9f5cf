// Vite config of the browser demo (`npm run demo:browser`, or `npx vite build examples/browser`).
// The page imports 'memvec' as any app would; from inside this repository that resolves to the
// package's own build (dist/, the "browser" export) through Node's self-reference to the package.
// The data is generated here, at build time, into a git-ignored cache that Vite serves as publicDir.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { prepareData } from './scripts/prepare-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
if (!existsSync(join(repo, 'dist', 'browser.js'))) {
  throw new Error("memvec's dist/ is missing: run `npm run build` (or `npm install`) first");
}

export default defineConfig({
  root: here,
  // Relative asset URLs: the built page works from any folder a static server puts it in.
  base: './',
  publicDir: prepareData(),
  build: { outDir: join(here, 'dist'), emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', port: 4173 },
});
