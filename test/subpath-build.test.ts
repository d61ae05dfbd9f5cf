// The built subpaths (memvec/migrate, memvec/langchain, memvec/postgres) against the core build: the core
// never loads @langchain/core or pg, and a subpath reaches memvec's classes only through 'memvec', so it shares them
// (and MemvecError) with the caller instead of bundling a second engine.
// Reads dist/: `npx tsup` first.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');

/** Every file a built module loads, following its relative static and dynamic imports and requires. */
function moduleGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](\.[^"']+)["']/g)) visit(join(dirname(file), m[1]!));
  };
  visit(join(dist, entry));
  return seen;
}

/** The bare (package) specifiers a module graph imports. */
function packagesImported(graph: Map<string, string>): Set<string> {
  const out = new Set<string>();
  for (const text of graph.values()) {
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^."'][^"']*)["']/g)) out.add(m[1]!);
  }
  return out;
}

describe('subpath builds', () => {
  it('the core build (ESM and CJS) loads nothing of LangChain, pg or the subpaths', () => {
    for (const entry of ['index.js', 'index.cjs', 'browser.js']) {
      const graph = moduleGraph(entry);
      // The ESM builds load the backends and engine variants as chunks (the CJS build is one file).
      if (entry.endsWith('.js')) expect(graph.size).toBeGreaterThan(5);
      for (const [file, text] of graph) {
        expect(text.includes('@langchain'), file).toBe(false);
        expect(text.includes('MemvecVectorStore') || text.includes('createDualWriter') || text.includes('exportToPostgres'), file).toBe(false);
        expect(packagesImported(new Map([[file, text]])).has('pg'), file).toBe(false);
      }
    }
  });

  it('each subpath imports the core as memvec and bundles no engine', () => {
    for (const [entry, peers] of [['migrate', []], ['langchain', ['@langchain/core/documents', '@langchain/core/utils/math', '@langchain/core/vectorstores']], ['postgres', ['pg']]] as const) {
      for (const ext of ['js', 'cjs']) {
        const graph = moduleGraph(`${entry}.${ext}`);
        // One self-contained file: no chunk of the core build.
        expect(graph.size).toBe(1);
        const text = [...graph.values()][0]!;
        expect(text).not.toMatch(/WebAssembly|hnswInit|flatScanCosine/);
        const imported = [...packagesImported(graph)].filter((p) => !builtinModules.includes(p.replace(/^node:/, ''))).sort();
        expect(imported).toEqual(['memvec', ...peers].sort());
      }
      expect(existsSync(join(dist, `${entry}.d.ts`)) && existsSync(join(dist, `${entry}.d.cts`))).toBe(true);
      expect(readFileSync(join(dist, `${entry}.d.ts`), 'utf8')).toMatch(/from 'memvec'/);
    }
  });
});
