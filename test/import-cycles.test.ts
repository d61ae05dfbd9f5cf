// src/ has no import cycles, type-only imports included: a cycle is how a helper ends up reaching into
// the private state of the class that calls it (the shape src/hnsw/index-core.ts replaced). The scan
// reads every src/**/*.ts file's static imports and re-exports with relative specifiers (`import`,
// `import type`, `export ... from`, bare `import '...'`); dynamic import() is not an edge (it loads
// at run time, on purpose). A failure lists each cycle as a path of files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(REPO, 'src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Comments removed (a specifier quoted in a comment is not an import); strings are left alone. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

// `import x from '...'`, `import type { a } from '...'`, `export { a } from '...'`, `export * from '...'`
// (over several lines too), and `import '...'`.
const FROM = /(?:^|[\n;])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/g;
const BARE = /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g;

export function specifiers(text: string): string[] {
  const code = withoutComments(text);
  return [...code.matchAll(FROM), ...code.matchAll(BARE)].map((m) => m[1]!);
}

/** The file a relative specifier names ('./x.js' is ./x.ts in source), or null (not a source file). */
function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(m?js|ts)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.d.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(readFileSync(file, 'utf8'))
      .map((spec) => resolveSpecifier(file, spec))
      .filter((t): t is string => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The strongly connected components with a cycle (Tarjan): each one's files, and one cycle through
 * them as an example (breaking the knot may take more than one edge).
 */
export function cycles(graph: Map<string, string[]>): Array<{ path: string[]; files: string[] }> {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return components.map((component) => ({ path: oneCycle(graph, new Set(component)), files: component.sort() }));
}

/** A concrete cycle inside one component: a breadth-first path from its first file back to itself. */
function oneCycle(graph: Map<string, string[]>, members: Set<string>): string[] {
  const start = [...members].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

describe('import graph of src/', () => {
  it('reads the import forms the codebase uses', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n  C,\n} from '../b.js';",
      "export { d } from './d.js';",
      "export type { E } from './e.js';",
      "export * from './f.js';",
      "import './g.js';",
      "// import { x } from './not-an-import.js';",
      "const later = () => import('./dynamic.js');",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(specifiers(text).sort()).toEqual(['../b.js', './a.js', './d.js', './e.js', './f.js', './g.js', 'node:fs']);
  });

  it('finds a cycle, type-only edges included', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']], ['e', ['e']]]);
    const found = cycles(graph).map((c) => c.path.join(' -> ')).sort();
    expect(found).toEqual(['a -> b -> c -> a', 'e -> e']);
  });

  it('has no cycle', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const graph = importGraph(files);
    // The scan sees the imports (a scan that reads none would pass for the wrong reason).
    expect([...graph.values()].reduce((n, targets) => n + targets.length, 0)).toBeGreaterThan(files.length);
    const found = cycles(graph).map(({ path, files: knot }) => {
      const name = (f: string): string => relative(REPO, f);
      return `${path.map(name).join(' -> ')}  (a knot of ${knot.length} files: ${knot.map(name).join(', ')})`;
    });
    expect(found, `import cycles in src/:\n${found.join('\n')}`).toEqual([]);
  });
});
